"""The paging walker reads every page of each history endpoint within Binance's rules and misses nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from responder.clock import to_ms
from responder.errors import UsageError
from responder.exchange import pagination as pg

from .conftest import ClientFactory
from .fake_binance import FakeBinance

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


def test_withdrawals_walk_offsets_until_a_short_page(make_client: ClientFactory, fake: FakeBinance) -> None:
    base = fake_withdrawal()
    stamp = "%Y-%m-%d %H:%M:%S"
    rows = [{**base, "id": f"w{i}", "applyTime": (T0 - timedelta(minutes=30 * i)).strftime(stamp)}
            for i in range(2300)]  # fmt: skip
    offsets: list[int] = []

    def history(p: dict[str, str]) -> list[dict[str, Any]]:
        assert int(p["endTime"]) - int(p["startTime"]) < 90 * 86_400_000 and int(p["limit"]) <= 1000
        offsets.append(int(p["offset"]))
        return rows[int(p["offset"]) : int(p["offset"]) + int(p["limit"])]

    fake.overrides["/sapi/v1/capital/withdraw/history"] = history
    got = pg.withdrawals(make_client(), T0 - timedelta(days=60), T0)
    assert sorted(w.id for w in got) == sorted(r["id"] for r in rows)
    assert offsets == [0, 1000, 2000]


def fake_withdrawal() -> dict[str, Any]:
    return {"id": "x", "amount": "1", "transactionFee": "0", "coin": "USDT", "status": 6, "address": "a",
            "txId": "t", "applyTime": "2026-01-01 00:00:00", "network": "ETH", "transferType": 0}  # fmt: skip


def test_transfers_loop_over_every_type_and_page(make_client: ClientFactory, fake: FakeBinance) -> None:
    rows = [{"asset": "USDT", "amount": str(i), "type": "UMFUTURE_MARGIN", "status": "CONFIRMED", "tranId": i,
             "timestamp": to_ms(T0)} for i in range(250)]  # fmt: skip

    def transfer(p: dict[str, str]) -> dict[str, Any]:
        assert int(p["size"]) <= 100
        mine = rows if p["type"] == "UMFUTURE_MARGIN" else []
        first = (int(p["current"]) - 1) * int(p["size"])
        return {"total": len(mine), "rows": mine[first : first + int(p["size"])]}

    fake.overrides["/sapi/v1/asset/transfer"] = transfer
    got = pg.all_transfers(make_client(), T0 - timedelta(days=7), T0)
    assert [t.tran_id for t in got] == list(range(250))
    types = {r.params["type"] for r in fake.requests if r.path == "/sapi/v1/asset/transfer"}
    assert types == set(pg.TRANSFER_TYPES) - pg.NEEDS_SYMBOL
    assert len(pg.TRANSFER_TYPES) == 31  # every type the reference lists (§3, asset/transfer)
