"""The futures and margin clients against the simulator's futures-drain account (issue 15)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from responder.clock import ManualClock
from responder.errors import KeyRejected, NothingToCancel, OutcomeUnknown, UsageError
from responder.exchange.budget import FAPI_LIMIT, RateBudget
from responder.exchange.client import BinanceClient
from responder.exchange.futures import FuturesClient, futures_base_url
from responder.exchange.margin import MarginClient
from responder.exchange.signing import HmacSigner
from responder.secrets import Secret
from responder.simulator import Simulator, load_scenario


@pytest.fixture
def sim(clock: ManualClock) -> Iterator[Simulator]:
    s = Simulator(load_scenario("futures-drain"), clock=clock)
    yield s
    s.close()


@pytest.fixture
def http(sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(transport=sim.transport(client_ip=sim.scenario.client_ip)) as h:
        yield h


def _core(
    sim: Simulator, http: httpx.Client, clock: ManualClock, *, futures: bool, key: int = 0
) -> BinanceClient:
    k = sim.keys[key]
    assert k.secret is not None
    return BinanceClient(
        "http://127.0.0.1:1",
        k.api_key,
        HmacSigner(Secret(k.secret.reveal())),
        http=http,
        clock=clock,
        budget=RateBudget(clock, api_limit=FAPI_LIMIT) if futures else None,
        time_path="/fapi/v1/time" if futures else "/api/v3/time",
    )


def test_the_futures_base_url_follows_the_spot_host_or_the_override() -> None:
    assert futures_base_url("https://api.binance.com") == "https://fapi.binance.com"
    assert futures_base_url("https://testnet.binance.vision") == "https://testnet.binancefuture.com"
    assert futures_base_url("http://127.0.0.1:8765") == "http://127.0.0.1:8765"  # the simulator
    assert futures_base_url("https://api.binance.com", "https://fapi1.example") == "https://fapi1.example"
    with pytest.raises(UsageError):
        futures_base_url("https://api.binance.com", "http://fapi.binance.com")  # plain http off-machine


def test_every_futures_read_parses_into_decimals(
    sim: Simulator, http: httpx.Client, clock: ManualClock
) -> None:
    f = FuturesClient(_core(sim, http, clock, futures=True))
    info = f.exchange_info()
    assert {s.symbol for s in info.symbols} >= {"ZKJUSDT", "BTCUSDT"}
    assert f.budget.stats().limit == 2400, "the fapi budget is its own, read from the futures exchangeInfo"
    account = f.account()
    assert account.total_wallet_balance > 0 and isinstance(account.total_wallet_balance, Decimal)
    short = next(p for p in f.positions() if p.is_open)
    assert (short.symbol, short.leverage) == ("ETHUSDT", 25) and short.position_amt < 0
    assert short.liquidation_price > short.entry_price > 0
    assert {o.symbol for o in f.open_orders()} == {"ZKJUSDT"}
    income = f.income(start=sim_now(clock) - timedelta(days=7), end=sim_now(clock))
    types = {(r.income_type, r.symbol) for r in income}
    assert ("INSURANCE_CLEAR", "ZKJUSDT") in types and ("TRANSFER", "") in types
    end = sim_now(clock)
    trades = f.user_trades("ZKJUSDT", start=end - timedelta(days=7), end=end)
    assert trades and sum(t.realized_pnl for t in trades) < 0
    orders = f.all_orders("ZKJUSDT", start=end - timedelta(days=7), end=end)
    assert {o.status for o in orders} >= {"FILLED", "NEW"}
    assert f.force_orders()[0].client_order_id.startswith("autoclose-")
    assert f.klines("ZKJUSDT", "1h", limit=3) and f.mark_price("ZKJUSDT").mark_price > 0
    with pytest.raises(UsageError):
        f.user_trades("ZKJUSDT", start=end - timedelta(days=8), end=end)


def sim_now(clock: ManualClock) -> datetime:
    return clock.now()


def test_cancel_all_and_reduce_only_close_change_the_futures_account(
    sim: Simulator, http: httpx.Client, clock: ManualClock
) -> None:
    f = FuturesClient(_core(sim, http, clock, futures=True))
    assert f.cancel_all_open_orders("ZKJUSDT").startswith("The operation of cancel all")
    assert f.open_orders() == [] and sim.ground_truth["futures_open_orders"] == []
    short = next(p for p in f.positions() if p.is_open)
    order = f.close_position_market(short, client_order_id="responder-close-1")
    assert order.reduce_only and order.side == "BUY" and order.status == "FILLED"
    assert not any(p.is_open for p in f.positions())
    log = [e for e in sim.request_log.entries() if e.path == "/fapi/v1/allOpenOrders"]
    assert log and log[0].method == "DELETE" and log[0].status == 200


def test_a_key_without_futures_is_rejected_on_fapi(
    sim: Simulator, http: httpx.Client, clock: ManualClock
) -> None:
    sim.control.set_client_ip("198.51.100.7")  # the read-only key's whitelisted IP
    with httpx.Client(transport=sim.transport(client_ip="198.51.100.7")) as h:
        f = FuturesClient(_core(sim, h, clock, futures=True, key=1))
        with pytest.raises(KeyRejected):
            f.account()


def test_a_5xx_on_the_futures_cancel_is_an_unknown_outcome_never_retried(
    sim: Simulator, http: httpx.Client, clock: ManualClock
) -> None:
    f = FuturesClient(_core(sim, http, clock, futures=True))
    sim.control.inject_fault("server_error", path="/fapi/v1/allOpenOrders", status=503, executed=True)
    with pytest.raises(OutcomeUnknown):
        f.cancel_all_open_orders("ZKJUSDT")
    sent = [e for e in sim.request_log.entries() if e.path == "/fapi/v1/allOpenOrders"]
    assert len(sent) == 1


def test_margin_reads_and_cancel(sim: Simulator, http: httpx.Client, clock: ManualClock) -> None:
    m = MarginClient(_core(sim, http, clock, futures=False))
    account = m.account()
    assert [a.asset for a in account.debts()] == ["USDT"] and account.debts()[0].borrowed == Decimal(1000)
    assert [o.symbol for o in m.open_orders()] == ["ZKJUSDT"]
    end = clock.now()
    assert m.my_trades("ZKJUSDT", start=end - timedelta(hours=23), end=end)
    assert len(m.all_orders("ZKJUSDT", start=end - timedelta(hours=23), end=end)) == 2
    loans = m.loans("BORROW")
    assert loans and loans[0].amount == Decimal(1000)
    assert m.force_liquidations() == []
    assert len(m.cancel_open_orders("ZKJUSDT")) == 1
    with pytest.raises(NothingToCancel):
        m.cancel_open_orders("ZKJUSDT")


def test_one_futures_client_per_spot_client_with_its_own_budget(
    sim: Simulator, http: httpx.Client, clock: ManualClock
) -> None:
    from responder.exchange.futures import can_reach_futures, futures_for

    spot = _core(sim, http, clock, futures=False)
    first = futures_for(spot)
    assert futures_for(spot) is first and can_reach_futures(spot) and not can_reach_futures(object())
    assert first.budget is not spot.budget and first.budget.stats().limit == FAPI_LIMIT
    first.account()
    assert spot.budget.stats().used == 0, "fapi weight is not spent from the spot budget"
    other = futures_for(_core(sim, http, clock, futures=False), "https://fapi1.example")
    assert other.base_url == "https://fapi1.example"
