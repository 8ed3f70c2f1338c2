"""The client and key check against the full simulator (issue 3), in-process and on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from responder.clock import Clock, ManualClock, OffsetClock
from responder.errors import GeoBlocked, NothingToCancel, OutcomeUnknown, WafBlocked
from responder.exchange.client import BinanceClient
from responder.exchange.signing import HmacSigner, signer_from_pem
from responder.keycheck import check_key, get_profile
from responder.secrets import Secret
from responder.simulator import Simulator, load_scenario, serve

from .conftest import START


@pytest.fixture
def sim(clock: ManualClock) -> Iterator[Simulator]:
    s = Simulator(load_scenario("pump-and-dump"), clock=clock)
    yield s
    s.close()


@pytest.fixture
def http(sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(transport=sim.transport(client_ip=sim.scenario.client_ip)) as h:
        yield h


def leaked_client(sim: Simulator, http: httpx.Client, clock: Clock) -> BinanceClient:
    key = sim.keys[0]
    assert key.leaked and key.secret is not None
    return BinanceClient(
        "http://127.0.0.1:1", key.api_key, HmacSigner(Secret(key.secret.reveal())), http=http, clock=clock
    )


def test_every_read_parses(sim: Simulator, http: httpx.Client, clock: ManualClock) -> None:
    c = leaked_client(sim, http, clock)
    now = c.server_time()
    assert c.exchange_info().symbols and c.ticker_prices()
    assert c.klines("BTCUSDT", "1h", limit=5)
    assert c.account().balances
    orders = c.open_orders()
    assert orders, "the pump-and-dump attacker leaves orders open"
    symbol = orders[0].symbol
    assert c.open_orders(symbol)
    c.all_orders(symbol, start=now - timedelta(hours=23), end=now)
    c.my_trades(symbol, start=now - timedelta(hours=23), end=now)
    assert c.api_restrictions().enable_reading
    assert c.account_status()
    c.api_trading_status()
    c.withdraw_history(start=now - timedelta(days=30), end=now)
    c.deposit_history(start=now - timedelta(days=30), end=now)
    c.withdraw_addresses()
    c.universal_transfers("MAIN_FUNDING", start=now - timedelta(days=7), end=now)
    c.account_snapshot(start=now - timedelta(days=7), end=now)
    c.convert_trades(start=now - timedelta(days=30), end=now)


def test_cancel_then_nothing_to_cancel(sim: Simulator, http: httpx.Client, clock: ManualClock) -> None:
    c = leaked_client(sim, http, clock)
    symbol = c.open_orders()[0].symbol
    assert c.cancel_open_orders(symbol)
    with pytest.raises(NothingToCancel):
        c.cancel_open_orders(symbol)


@pytest.mark.parametrize(
    "fault", [{"kind": "server_error", "status": 503}, {"kind": "timeout"}, {"kind": "reset"}]
)
def test_failed_cancel_is_outcome_unknown_and_sent_once(
    sim: Simulator, http: httpx.Client, clock: ManualClock, fault: dict[str, object]
) -> None:
    c = leaked_client(sim, http, clock)
    symbol = c.open_orders()[0].symbol
    sim.control.inject_fault(method="DELETE", path="/api/v3/openOrders", executed=True, ms=1, **fault)  # type: ignore[arg-type]
    with pytest.raises(OutcomeUnknown):
        c.cancel_open_orders(symbol)
    assert len([e for e in sim.request_log.mutating() if e.path == "/api/v3/openOrders"]) == 1


def test_waf_and_geo(sim: Simulator, http: httpx.Client, clock: ManualClock) -> None:
    c = leaked_client(sim, http, clock)
    sim.control.inject_fault("waf", path="/api/v3/account")
    with pytest.raises(WafBlocked):
        c.account()
    sim.control.inject_fault("geo", path="/api/v3/account")
    with pytest.raises(GeoBlocked):
        c.account()


@pytest.mark.parametrize("skew", [-30.0, 30.0])
def test_skewed_local_clock(sim: Simulator, http: httpx.Client, clock: ManualClock, skew: float) -> None:
    assert leaked_client(sim, http, OffsetClock(clock, skew)).account().balances


def test_weight_used_by_another_client_makes_us_wait(
    sim: Simulator, http: httpx.Client, clock: ManualClock
) -> None:
    sim.control.set_weight_used(5990)  # another client on this IP, in this minute only:
    c = leaked_client(sim, http, clock)
    c.server_time()  # the header says 5991 used
    sim.control.set_weight_used(0)
    c.account()  # weight 20 must wait for the next minute instead of drawing a 429
    assert clock.now() >= START.replace(second=0) + timedelta(minutes=1)
    assert all(e.status != 429 for e in sim.request_log.entries())


def test_key_check_live_then_revoked(sim: Simulator, http: httpx.Client, clock: ManualClock) -> None:
    c = leaked_client(sim, http, clock)
    live = check_key(c, now=clock.now(), profile=get_profile("grid-bot"))
    assert live.status == "live" and "no-ip-whitelist" in {f.id for f in live.findings}
    sim.control.delete_key(sim.keys[0].name)
    assert check_key(c, now=clock.now()).status == "indeterminate"  # whitelist unknown: proves nothing
    assert check_key(c, now=clock.now(), ip_restricted=False).status == "revoked"


def test_ip_restricted_ed25519_key_is_indeterminate_from_another_ip(
    sim: Simulator, http: httpx.Client, clock: ManualClock
) -> None:
    key = next(k for k in sim.keys if k.type == "ED25519")
    assert key.private_key_pem is not None and key.ip_whitelist
    c = BinanceClient(
        "http://127.0.0.1:1",
        key.api_key,
        signer_from_pem(Secret(key.private_key_pem.reveal())),
        http=http,
        clock=clock,
    )
    assert check_key(c, now=clock.now(), ip_restricted=True).status == "indeterminate"


@pytest.mark.loopback
def test_over_loopback() -> None:
    from responder.clock import SystemClock

    sim = Simulator(load_scenario("pump-and-dump"))
    try:
        with serve(sim) as base, httpx.Client(timeout=5) as http:
            key = sim.keys[0]
            assert key.secret is not None
            c = BinanceClient(
                base, key.api_key, HmacSigner(Secret(key.secret.reveal())), http=http, clock=SystemClock()
            )
            assert check_key(c, now=SystemClock().now()).status == "live"
            assert c.account().balances
    finally:
        sim.close()
