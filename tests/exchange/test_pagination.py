"""Pagination walks each history endpoint within Binance's rules and misses nothing.

The walks run against the simulator, which enforces the windows, limits and cursors as Binance does
(reference §3) and holds the records, so "misses nothing" is checked against what it holds.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from responder.clock import ManualClock, from_ms, to_ms
from responder.errors import UsageError
from responder.exchange import pagination as pg
from responder.simulator import Simulator

from .conftest import START, ClientFactory, scenario, sent

T0 = datetime(2026, 11, 1, tzinfo=UTC)  # for the pure window tests
MS = timedelta(milliseconds=1)


@pytest.mark.parametrize(
    ("span", "inclusive", "hours"),
    [
        (pg.DAY_WINDOW, True, 24 * 3 + 5),
        (pg.WALLET_WINDOW, False, 24 * 200),
        (pg.CONVERT_WINDOW, True, 24 * 30),
    ],
)
def test_windows_cover_the_range_without_gaps_or_overlaps(
    span: timedelta, inclusive: bool, hours: int
) -> None:
    end = T0 + timedelta(hours=hours)
    ws = pg.windows(T0, end, span, inclusive=inclusive)
    assert ws[0][0] == T0 and ws[-1][1] == end
    for (_, e), (s2, _) in itertools.pairwise(ws):
        assert s2 == e + MS
    assert all((e - s <= span) if inclusive else (e - s < span) for s, e in ws)


def test_an_empty_range_is_one_window_and_a_reversed_one_is_refused() -> None:
    assert pg.windows(T0, T0, pg.DAY_WINDOW) == [(T0, T0)]
    with pytest.raises(UsageError):
        pg.windows(T0, T0 - MS, pg.DAY_WINDOW)


@pytest.mark.parametrize(
    ("given", "ok"),
    [
        ({}, True), ({"order_id": 1}, True), ({"start": T0}, True), ({"end": T0}, True),
        ({"from_id": 1}, True),
        ({"start": T0, "end": T0}, True), ({"order_id": 1, "from_id": 2}, True),
        ({"start": T0, "from_id": 1}, False), ({"order_id": 1, "start": T0}, False),
        ({"end": T0, "from_id": 1}, False), ({"start": T0, "end": T0, "order_id": 1}, False),
    ],
)  # fmt: skip
def test_my_trades_parameter_combinations(given: dict[str, Any], ok: bool) -> None:
    args = {"start": None, "end": None, "from_id": None, "order_id": None, **given}
    if ok:
        pg.check_my_trades_params(**args)
    else:
        with pytest.raises(UsageError):
            pg.check_my_trades_params(**args)


@pytest.fixture
def busy(clock: ManualClock) -> Iterator[Simulator]:
    """An account with more history than one page holds: 1200 bot orders a day on BTCUSDT, 2300
    withdrawals over 200 days, 250 transfers in the last week, hourly converts for 45 days."""
    address = "TLsV52sRDL79HXGGm9yzwKibb6BeruhUzy"
    history = {
        "withdrawals": [{"at": f"-{2 * i + 1}h", "coin": "USDT", "amount": "1", "address": address}
                        for i in range(2300)],
        "transfers": [{"at": f"-{i + 1}m", "asset": "USDT", "amount": str(i), "type": "MAIN_FUNDING"}
                      for i in range(250)],
        "converts": [{"at": f"-{h + 1}h", "from_asset": "USDT", "from_amount": "1", "to_asset": "BNB",
                      "to_amount": "0.1"} for h in range(45 * 24 - 1)],
    }  # fmt: skip
    sc = scenario(
        withdrawals=history["withdrawals"], transfers=history["transfers"], converts=history["converts"]
    )
    sc = dataclasses.replace(sc, history=dataclasses.replace(sc.history, days=4, bot_symbols=("BTCUSDT",),
                                                             bot_orders_per_day=1200))  # fmt: skip
    s = Simulator(sc, clock=clock)
    yield s
    s.close()


def test_all_orders_walks_day_windows_and_order_id_cursors(
    busy: Simulator, make_client: ClientFactory
) -> None:
    start, end = START - timedelta(days=3), START
    held = sorted(
        o.order_id for o in busy.state.book("BTCUSDT").orders if to_ms(start) <= o.time_ms <= to_ms(end)
    )
    assert len(held) > 3 * pg.PAGE
    got = pg.all_orders_between(make_client(on=busy), "BTCUSDT", start, end)
    assert [o.order_id for o in got] == held
    assert any("orderId" in e.params for e in busy.request_log if e.path == "/api/v3/allOrders")
    assert all(e.status == 200 for e in busy.request_log)


def test_my_trades_walks_from_id_cursors(busy: Simulator, make_client: ClientFactory) -> None:
    start, end = START - timedelta(days=3), START
    trades = busy.state.book("BTCUSDT").trades
    held = sorted(t.id for t in trades if to_ms(start) <= t.time_ms <= to_ms(end))
    assert len(held) > pg.PAGE
    got = pg.my_trades_between(make_client(on=busy), "BTCUSDT", start, end)
    assert [t.id for t in got] == held
    assert any("fromId" in e.params for e in busy.request_log if e.path == "/api/v3/myTrades")
    assert all(e.status == 200 for e in busy.request_log)


def test_withdrawals_use_windows_under_90_days_and_offsets(
    busy: Simulator, make_client: ClientFactory
) -> None:
    start = START - timedelta(days=200)
    held = {r.data["id"] for r in busy.state.records("withdrawal") if r.time_ms >= to_ms(start)}
    assert len(held) > 2 * pg.PAGE
    got = pg.withdrawals_between(make_client(on=busy), start, START)
    assert sorted(w.id for w in got) == sorted(held)
    windows = {(e.params["startTime"], e.params["endTime"]) for e in busy.request_log
               if e.path == "/sapi/v1/capital/withdraw/history"}  # fmt: skip
    assert len(windows) == 3  # 200 days = three windows
    assert all(e.status == 200 for e in busy.request_log)


def test_transfers_loop_over_types_and_pages(busy: Simulator, make_client: ClientFactory) -> None:
    got = list(pg.transfers_between(make_client(on=busy), START - timedelta(days=7), START))
    assert sorted(t.amount for t in got) == sorted(Decimal(i) for i in range(250))
    types = {e.params["type"] for e in busy.request_log if e.path == "/sapi/v1/asset/transfer"}
    assert types == set(pg.TRANSFER_TYPES) - pg.NEEDS_SYMBOL
    assert all(e.status == 200 for e in busy.request_log)


def test_convert_flow_follows_more_data_within_30_day_windows(
    busy: Simulator, make_client: ClientFactory
) -> None:
    start = START - timedelta(days=45)
    held = [r for r in busy.state.records("convert") if r.time_ms >= to_ms(start)]
    got = pg.convert_trades_between(make_client(on=busy), start, START)
    assert [t.quote_id for t in got] == [r.data["quoteId"] for r in held]
    assert got[-1].create_time == from_ms(held[-1].time_ms)
    assert all(e.status == 200 for e in busy.request_log)


def test_snapshots_stay_under_30_days(make_client: ClientFactory, sim: Simulator) -> None:
    got = pg.snapshots_between(make_client(), START - timedelta(days=30), START)
    assert len(got) == 30 and sent(sim, "/sapi/v1/accountSnapshot") == 2
