"""Order lists (OCO/OTO) and `expiryReason` (reference §11): an attacker's contingent orders on a market
nobody sweeps still show (no symbol needed), are cancelled with the symbol's orders, and parse."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from responder.clock import ManualClock
from responder.exchange.client import BinanceClient
from responder.exchange.models import Order
from responder.exchange.signing import HmacSigner
from responder.secrets import Secret
from responder.simulator import Simulator, load_scenario
from responder.simulator.orderlists import place_oco


@pytest.fixture
def sim(clock: ManualClock) -> Iterator[Simulator]:
    s = Simulator(load_scenario("pump-and-dump"), clock=clock)
    yield s
    s.close()


@pytest.fixture
def client(sim: Simulator, clock: ManualClock) -> Iterator[BinanceClient]:
    key = sim.keys[0]
    assert key.secret is not None
    with httpx.Client(transport=sim.transport(client_ip=sim.scenario.client_ip)) as http:
        yield BinanceClient(
            "http://127.0.0.1:1", key.api_key, HmacSigner(Secret(key.secret.reveal())), http=http, clock=clock
        )


def _quiet_symbol(sim: Simulator, client: BinanceClient) -> str:
    busy = {o.symbol for o in client.open_orders()}
    return next(s for s in sorted(sim.state.markets) if s not in busy)


def test_an_attackers_oco_on_an_unswept_market_shows_without_a_symbol_and_is_cancelled(
    sim: Simulator, client: BinanceClient, clock: ManualClock
) -> None:
    symbol = _quiet_symbol(sim, client)
    price = sim.state.markets[symbol].quote(sim.now_ms())[0]
    placed = place_oco(
        sim.state,
        symbol,
        {"side": "SELL", "quantity": "1", "abovePrice": str(price * 2), "belowPrice": str(price / 2)},
        sim.now_ms(),
        source="attacker",
    )
    lists = client.open_order_lists()
    assert [(ol.symbol, ol.contingency_type, ol.is_open) for ol in lists] == [(symbol, "OCO", True)]
    assert {leg.order_id for leg in lists[0].orders} == {r["orderId"] for r in placed["orderReports"]}
    now = client.server_time()
    assert [ol.order_list_id for ol in client.all_order_lists(start=now - timedelta(hours=1), end=now)] == [
        lists[0].order_list_id
    ]
    cancelled = client.cancel_open_orders(symbol)  # list entries answer with `orderReports`
    assert {o.order_id for o in cancelled} == {leg.order_id for leg in lists[0].orders}
    assert all(o.status == "CANCELED" and o.order_list_id == lists[0].order_list_id for o in cancelled)
    assert client.open_order_lists() == []
    assert client.all_order_lists()[0].list_order_status == "ALL_DONE"


def test_all_order_lists_refuses_from_id_with_a_window(client: BinanceClient) -> None:
    from responder.errors import UsageError

    now = client.server_time()
    with pytest.raises(UsageError):
        client.all_order_lists(from_id=1, start=now - timedelta(hours=1))


def test_expiry_reason_is_parsed_and_absent_when_binance_leaves_it_out() -> None:
    base = {
        "symbol": "BTCUSDT", "orderId": 7, "orderListId": -1, "clientOrderId": "x", "price": "1.0",
        "origQty": "1.0", "executedQty": "0.0", "cummulativeQuoteQty": "0.0", "status": "EXPIRED",
        "timeInForce": "IOC", "type": "LIMIT", "side": "BUY", "time": 1, "updateTime": 2,
    }  # fmt: skip
    blocked = Order.from_json({**base, "expiryReason": "EXECUTION_RULE_PRICE_RANGE_EXCEEDED"})
    assert blocked.expiry_reason == "EXECUTION_RULE_PRICE_RANGE_EXCEEDED"
    assert Order.from_json(base).expiry_reason is None
