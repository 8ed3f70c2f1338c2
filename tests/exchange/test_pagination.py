"""Pagination walks each history endpoint within Binance's rules and misses nothing."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from responder.clock import from_ms, to_ms
from responder.errors import UsageError
from responder.exchange import pagination as pg

from .conftest import START, ClientFactory
from .fake_binance import FakeBinance, order, trade

T0 = datetime(2026, 11, 1, tzinfo=UTC)
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


def _binance_list(
    rows: list[dict[str, Any]], p: dict[str, str], id_field: str, cursor: str
) -> list[dict[str, Any]]:
    """How allOrders/myTrades select rows: cursor ≥ id, else the time window oldest first, else newest."""
    limit = int(p.get("limit", 500))
    if cursor in p:
        return [r for r in rows if r[id_field] >= int(p[cursor])][:limit]
    if "startTime" in p or "endTime" in p:
        s, e = int(p.get("startTime", 0)), int(p.get("endTime", 2**62))
        assert e - s <= 24 * 3600 * 1000, "window over 24 h sent"
        return [r for r in rows if s <= r["time"] <= e][:limit]
    return rows[-limit:]


def test_all_orders_walks_day_windows_and_order_id_cursors(
    make_client: ClientFactory, fake: FakeBinance
) -> None:
    # 2500 orders in the first day (three pages), a few on later days, some outside the range.
    times = [T0 + timedelta(seconds=30 * i) for i in range(2500)] + [
        T0 + timedelta(days=d, hours=3) for d in (1, 2, 5)
    ]
    rows = [order(i + 1, to_ms(t)) for i, t in enumerate(times)]
    fake.overrides["/api/v3/allOrders"] = lambda p: _binance_list(rows, p, "orderId", "orderId")
    got = pg.all_orders_between(make_client(), "BTCUSDT", T0, T0 + timedelta(days=3))
    assert [o.order_id for o in got] == list(range(1, 2503))
    # three windows; two cursor pages, the last runs past day 1
    assert fake.count("/api/v3/allOrders") == 3 + 2


def test_my_trades_walks_from_id_cursors(make_client: ClientFactory, fake: FakeBinance) -> None:
    rows = [trade(i + 1, to_ms(T0 + timedelta(seconds=20 * i))) for i in range(1500)]
    fake.overrides["/api/v3/myTrades"] = lambda p: _binance_list(rows, p, "id", "fromId")
    got = pg.my_trades_between(make_client(), "BTCUSDT", T0, T0 + timedelta(hours=10))
    assert [t.id for t in got] == list(range(1, 1501))
    assert any("fromId" in r.params for r in fake.requests)


def test_withdrawals_use_windows_under_90_days_and_offsets(
    make_client: ClientFactory, fake: FakeBinance
) -> None:
    base = fake_withdrawal()
    rows = [{**base, "id": f"w{i}", "applyTime": (T0 - timedelta(hours=2 * i)).strftime("%Y-%m-%d %H:%M:%S")}
            for i in range(2300)]  # fmt: skip
    windows: list[tuple[int, int]] = []

    def history(p: dict[str, str]) -> list[dict[str, Any]]:
        s, e = int(p["startTime"]), int(p["endTime"])
        assert e - s < 90 * 86_400_000 and int(p["limit"]) <= 1000
        windows.append((s, e))
        inside = [
            r
            for r in rows
            if s <= to_ms(datetime.strptime(r["applyTime"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)) <= e
        ]
        return inside[int(p["offset"]) : int(p["offset"]) + int(p["limit"])]

    fake.overrides["/sapi/v1/capital/withdraw/history"] = history
    got = pg.withdrawals_between(make_client(), T0 - timedelta(days=200), T0)
    assert sorted(w.id for w in got) == sorted(r["id"] for r in rows)
    assert len({w for w in windows}) == 3  # 200 days = three windows


def fake_withdrawal() -> dict[str, Any]:
    return {"id": "x", "amount": "1", "transactionFee": "0", "coin": "USDT", "status": 6, "address": "a",
            "txId": "t", "applyTime": "2026-01-01 00:00:00", "network": "ETH", "transferType": 0}  # fmt: skip


def test_transfers_loop_over_types_and_pages(make_client: ClientFactory, fake: FakeBinance) -> None:
    rows = [{"asset": "USDT", "amount": str(i), "type": "MAIN_FUNDING", "status": "CONFIRMED", "tranId": i,
             "timestamp": to_ms(T0)} for i in range(250)]  # fmt: skip

    def transfer(p: dict[str, str]) -> dict[str, Any]:
        assert int(p["size"]) <= 100
        mine = rows if p["type"] == "MAIN_FUNDING" else []
        first = (int(p["current"]) - 1) * int(p["size"])
        return {"total": len(mine), "rows": mine[first : first + int(p["size"])]}

    fake.overrides["/sapi/v1/asset/transfer"] = transfer
    got = list(pg.transfers_between(make_client(), T0 - timedelta(days=7), T0))
    assert [t.tran_id for t in got] == list(range(250))
    types = {r.params["type"] for r in fake.requests if r.path == "/sapi/v1/asset/transfer"}
    assert types == set(pg.TRANSFER_TYPES) - pg.NEEDS_SYMBOL


def test_convert_flow_follows_more_data_within_30_day_windows(
    make_client: ClientFactory, fake: FakeBinance
) -> None:
    rows = [{"quoteId": f"q{i}", "orderId": 2**60 + i, "orderStatus": "SUCCESS", "fromAsset": "USDT",
             "fromAmount": "1", "toAsset": "BNB", "toAmount": "0.1",
             "createTime": to_ms(T0 + timedelta(hours=i))}
            for i in range(45 * 24)]  # fmt: skip

    def flow(p: dict[str, str]) -> dict[str, Any]:
        s, e, limit = int(p["startTime"]), int(p["endTime"]), int(p["limit"])
        assert e - s <= 30 * 86_400_000
        inside = [r for r in rows if s <= r["createTime"] <= e]
        return {"list": inside[:limit], "moreData": len(inside) > limit}

    fake.overrides["/sapi/v1/convert/tradeFlow"] = flow
    got = pg.convert_trades_between(make_client(), T0, T0 + timedelta(days=45))
    assert [t.quote_id for t in got] == [r["quoteId"] for r in rows]
    assert got[-1].create_time == from_ms(rows[-1]["createTime"])


def test_snapshots_stay_under_30_days(make_client: ClientFactory, fake: FakeBinance) -> None:
    got = pg.snapshots_between(make_client(), START - timedelta(days=30), START)
    assert len(got) == 2 and fake.count("/sapi/v1/accountSnapshot") == 2
