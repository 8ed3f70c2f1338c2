"""The paging walker reads every page of each history endpoint within Binance's rules and misses nothing.

The walks run against the simulator, which enforces the windows, limits and pages as Binance does
(reference §3) and holds the records, so "misses nothing" is checked against what it holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from responder.clock import ManualClock, to_ms
from responder.errors import UsageError
from responder.exchange import pagination as pg
from responder.simulator import Simulator

from .conftest import START, ClientFactory, scenario

T0 = datetime(2026, 11, 1, tzinfo=UTC)


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


def test_pages_stop_at_a_short_page_and_at_the_bound() -> None:
    calls: list[int] = []

    def read(p: int) -> list[int]:
        calls.append(p)
        return [p] * (10 if p < 3 else 4)

    assert pg.pages(read, 10) == [0] * 10 + [1] * 10 + [2] * 10 + [3] * 4
    assert calls == [0, 1, 2, 3]
    assert len(pg.pages(lambda p: [p] * 10, 10, max_pages=5)) == 50  # a server that never ends a walk


@pytest.fixture
def busy(clock: ManualClock) -> Iterator[Simulator]:
    """An account with more history than a page holds: 2300 withdrawals in the last 48 days, 250
    transfers of one type in the last week."""
    address = "TLsV52sRDL79HXGGm9yzwKibb6BeruhUzy"
    withdrawals = [{"at": f"-{30 * i + 1}m", "coin": "USDT", "amount": "1", "address": address}
                   for i in range(2300)]  # fmt: skip
    transfers = [{"at": f"-{i + 1}m", "asset": "USDT", "amount": str(i), "type": "UMFUTURE_MARGIN"}
                 for i in range(250)]  # fmt: skip
    s = Simulator(scenario(withdrawals=withdrawals, transfers=transfers), clock=clock)
    yield s
    s.close()


def test_withdrawals_walk_offsets_until_a_short_page(busy: Simulator, make_client: ClientFactory) -> None:
    start = START - timedelta(days=60)
    held = {r.data["id"] for r in busy.state.records("withdrawal") if r.time_ms >= to_ms(start)}
    assert len(held) > 2 * pg.PAGE
    got = pg.withdrawals(make_client(on=busy), start, START)
    assert sorted(w.id for w in got) == sorted(held)
    sent = [e for e in busy.request_log if e.path == "/sapi/v1/capital/withdraw/history"]
    assert [int(e.params["offset"]) for e in sent] == [0, 1000, 2000]
    assert all(e.status == 200 for e in sent)


def test_transfers_loop_over_every_type_and_page(busy: Simulator, make_client: ClientFactory) -> None:
    got = pg.all_transfers(make_client(on=busy), START - timedelta(days=7), START)
    assert sorted(t.amount for t in got) == sorted(Decimal(i) for i in range(250))
    sent = [e for e in busy.request_log if e.path == "/sapi/v1/asset/transfer"]
    assert {e.params["type"] for e in sent} == set(pg.TRANSFER_TYPES) - pg.NEEDS_SYMBOL
    assert all(e.status == 200 for e in sent)
    assert len(pg.TRANSFER_TYPES) == 31  # every type the reference lists (§3, asset/transfer)
