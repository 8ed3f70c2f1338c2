"""The client against the simulator: every endpoint parses, every failure maps to one error."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from responder.clock import ManualClock, OffsetClock, SystemClock, from_ms, to_ms
from responder.errors import (
    BadKeyFormat,
    BadSignature,
    ExchangeError,
    GeoBlocked,
    IpBanned,
    KeyRejected,
    NothingToCancel,
    OutcomeUnknown,
    RateLimited,
    Rejected,
    ServerError,
    TimestampRejected,
    Unauthorized,
    Unreachable,
    UsageError,
    WafBlocked,
)
from responder.exchange.baseurl import check_base_url
from responder.exchange.client import BinanceClient
from responder.exchange.signing import HmacSigner
from responder.secrets import Secret
from responder.simulator import Simulator, serve

from .conftest import START, ClientFactory, scenario, sent, signer_for

DAY = timedelta(days=1)
AHEAD = "Timestamp for this request was 1000ms ahead of the server's time."


# --- every endpoint parses into models ------------------------------------------------------------
def test_public_endpoints(make_client: ClientFactory, sim: Simulator) -> None:
    client = make_client()
    assert client.server_time() == START
    info = client.exchange_info()
    assert info.weight_limit_per_minute() == 6000
    assert [s.symbol for s in info.symbols] == [m.symbol for m in sim.scenario.markets]
    prices = client.ticker_prices()
    assert set(prices) == {s.symbol for s in info.symbols} and all(p > 0 for p in prices.values())
    kline = client.klines("BTCUSDT", "1m", limit=1)[0]
    assert kline.low <= kline.close <= kline.high and kline.trades >= 0
    assert kline.close_time - kline.open_time == timedelta(seconds=60) - timedelta(milliseconds=1)


def test_signed_reads(make_client: ClientFactory, sim: Simulator) -> None:
    client = make_client()
    account = client.account()
    assert account.uid == sim.scenario.uid
    assert {b.asset: b.free for b in account.balances}["BTC"] == sim.scenario.balances["BTC"]
    open_ids = sorted(o.order_id for o in sim.state.open_orders(None))
    assert sorted(o.order_id for o in client.open_orders()) == open_ids and open_ids
    phb = client.open_orders("PHBUSDT")
    assert phb and all(o.symbol == "PHBUSDT" and o.price > 0 for o in phb)
    orders = client.all_orders("PHBUSDT", start=START - DAY, end=START)
    assert orders and all(START - DAY <= o.time <= START for o in orders)
    trades = client.my_trades("PHBUSDT", start=START - DAY, end=START)
    assert trades and all(t.quote_qty == t.price * t.qty for t in trades)
    assert client.api_restrictions().enable_spot_and_margin_trading
    assert client.account_status() == "Normal"
    assert client.api_trading_status().is_locked is False


def test_wallet_reads(make_client: ClientFactory, clock: ManualClock) -> None:
    sim = Simulator(
        scenario(
            transfers=[{"at": "-2d", "asset": "USDT", "amount": "25", "type": "MAIN_FUNDING"}],
            converts=[{"at": "-3d", "from_asset": "USDT", "from_amount": "20", "to_asset": "BNB",
                       "to_amount": "0.034"}],
        ),
        clock=clock,
    )  # fmt: skip
    client = make_client(on=sim)
    w = client.withdraw_history(start=START - 30 * DAY, end=START)[0]
    assert w.apply_time == START - 9 * DAY and w.amount == Decimal("1500") and w.coin == "USDT"
    assert client.deposit_history()[0].insert_time == START - 12 * DAY
    address = client.withdraw_addresses()[0]
    assert address.white_status is True and address.name == "Ledger"
    page = client.universal_transfers("MAIN_FUNDING")
    assert page.total == 1 and page.rows[0].type == "MAIN_FUNDING" and page.rows[0].amount == Decimal(25)
    snapshot = client.account_snapshot(start=START - 7 * DAY, end=START)[0]
    assert {b.asset: b.free for b in snapshot.balances}["BTC"] == sim.scenario.balances["BTC"]
    convert = client.convert_trades(start=START - 30 * DAY, end=START)
    assert convert.trades[0].to_amount == Decimal("0.034") and not convert.more_data


def test_cancel_open_orders_cancels_what_was_open(make_client: ClientFactory, sim: Simulator) -> None:
    before = sorted(o.order_id for o in sim.state.open_orders("PHBUSDT"))
    cancelled = make_client().cancel_open_orders("PHBUSDT")
    assert sorted(o.order_id for o in cancelled) == before and before
    assert sim.state.open_orders("PHBUSDT") == []


def test_cancel_open_orders_expands_order_lists(make_client: ClientFactory, sim: Simulator) -> None:
    """Binance answers an OCO as an order list with `orderReports` (reference §5); the simulator has no
    order lists, so the documented shape is served by a `respond` fault."""

    def order(order_id: int, client_id: str) -> dict[str, object]:
        return {"symbol": "BTCUSDT", "orderId": order_id, "orderListId": -1, "clientOrderId": client_id,
                "price": "0.10000000", "origQty": "1.00000000", "executedQty": "0.00000000",
                "cummulativeQuoteQty": "0.00000000", "status": "CANCELED", "timeInForce": "GTC",
                "type": "LIMIT", "side": "BUY", "transactTime": 1_700_000_100_000}  # fmt: skip

    body = [
        {**order(1, "pXLV6Hz6mprAcVYpVMTGgx"), "origClientOrderId": "web_1"},
        {"orderListId": 9, "contingencyType": "OCO", "orderReports": [order(2, "x")]},
    ]
    sim.faults.add("respond", path="/api/v3/openOrders", method="DELETE", body=body)
    cancelled = make_client().cancel_open_orders("BTCUSDT")
    assert [o.order_id for o in cancelled] == [1, 2]
    assert cancelled[0].placement_client_order_id == "web_1"


def test_ed25519_key_is_accepted_by_the_server(make_client: ClientFactory, sim: Simulator) -> None:
    ed = sim.keys[1]
    assert ed.type == "ED25519"
    client = make_client(key=ed, client_ip=ed.ip_whitelist[0])
    assert client.api_restrictions().create_time == from_ms(ed.create_ms)


def test_what_is_sent_is_signed_and_recorded_without_signature(
    make_client: ClientFactory, sim: Simulator
) -> None:
    recorded: list[tuple[str, dict[str, object], int]] = []
    client = make_client(recorder=lambda ep, params, status, body: recorded.append((ep, params, status)))
    client.open_orders("BTCUSDT")
    endpoint, params, status = recorded[-1]
    assert endpoint == "GET /api/v3/openOrders" and status == 200
    assert set(params) == {"symbol", "timestamp"}  # no signature in evidence
    assert sim.request_log[-1].params["symbol"] == "BTCUSDT" and sim.request_log[-1].status == 200


def test_windows_are_checked_before_sending(make_client: ClientFactory, sim: Simulator) -> None:
    client = make_client()
    with pytest.raises(UsageError, match="24 hours"):
        client.all_orders("BTCUSDT", start=START - DAY - timedelta(milliseconds=1), end=START)
    with pytest.raises(UsageError, match="combination"):
        client.my_trades("BTCUSDT", start=START - DAY, from_id=5)
    with pytest.raises(UsageError, match="90 days"):
        client.withdraw_history(start=START - 90 * DAY, end=START)
    with pytest.raises(UsageError, match="1–100"):
        client.universal_transfers("MAIN_FUNDING", size=101)
    assert sent(sim, "/api/v3/allOrders") == sent(sim, "/sapi/v1/capital/withdraw/history") == 0


# --- clock skew ------------------------------------------------------------------------------------
@pytest.mark.parametrize("skew", [-30.0, 30.0, -0.9, 0.9])
def test_local_clock_off_by_tens_of_seconds_still_signs_acceptable_timestamps(
    make_client: ClientFactory, sim: Simulator, clock: ManualClock, skew: float
) -> None:
    client = make_client(client_clock=OffsetClock(clock, skew))
    client.account()
    assert sim.request_log[-1].status == 200
    sent_ts = int(sim.request_log[-1].params["timestamp"])
    assert -5000 < sent_ts - to_ms(clock.now()) < 0  # in the past, inside recvWindow
    assert sent(sim, "/api/v3/time") == 3  # median of three samples


def test_minus_1021_resyncs_once_and_retries_once(make_client: ClientFactory, sim: Simulator) -> None:
    client = make_client()
    client.account()
    sim.faults.add("reject", path="/api/v3/account", code=-1021)
    times_before = sent(sim, "/api/v3/time")
    assert client.account().uid == sim.scenario.uid
    assert sent(sim, "/api/v3/account") == 3 and sent(sim, "/api/v3/time") == times_before + 3


def test_a_real_server_clock_jump_is_resynced(make_client: ClientFactory, sim: Simulator) -> None:
    """Not a scripted -1021: the server's clock moves 40 s back after the client synced."""
    client = make_client()
    client.account()
    sim.control.inject_fault("skew", ms=-40_000)
    assert client.account().uid == sim.scenario.uid
    assert [e.status for e in sim.request_log if e.path == "/api/v3/account"] == [200, 400, 200]


def test_a_second_minus_1021_is_reported_with_the_clock_hint(
    make_client: ClientFactory, sim: Simulator
) -> None:
    sim.faults.add("reject", path="/api/v3/account", code=-1021, msg=AHEAD, count=2)
    with pytest.raises(TimestampRejected) as info:
        make_client().account()
    assert (
        "check the system clock" in info.value.one_line() and "GET /api/v3/account" in info.value.one_line()
    )
    assert sent(sim, "/api/v3/account") == 2


def test_periodic_resync(make_client: ClientFactory, sim: Simulator, clock: ManualClock) -> None:
    client = make_client()
    client.account()
    clock.advance(16 * 60)
    client.account()
    assert sent(sim, "/api/v3/time") == 6


# --- error mapping ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "code", "error", "hint"),
    [
        (401, -2014, BadKeyFormat, "malformed"),
        (401, -2015, KeyRejected, "does not say which"),
        (401, -1002, Unauthorized, "permissions"),
        (400, -1022, BadSignature, "secret"),
        (400, -1121, Rejected, None),
    ],
)
def test_binance_codes_map_to_errors(
    make_client: ClientFactory,
    sim: Simulator,
    status: int,
    code: int,
    error: type[Rejected],
    hint: str | None,
) -> None:
    sim.faults.add("reject", path="/sapi/v1/account/apiRestrictions", status=status, code=code, msg="m")
    with pytest.raises(error) as info:
        make_client().api_restrictions()
    assert type(info.value) is error and info.value.code == code and info.value.status == status
    assert "GET /sapi/v1/account/apiRestrictions" in info.value.one_line()
    if hint:
        assert hint in info.value.one_line()


def test_unknown_key_wrong_secret_and_malformed_key_from_the_server(make_client: ClientFactory) -> None:
    with pytest.raises(KeyRejected):
        make_client(api_key="A" * 64).account()
    with pytest.raises(BadSignature):
        make_client(signer=HmacSigner(Secret("wrong-secret"))).account()
    with pytest.raises(BadKeyFormat):
        make_client(api_key="short").account()


def test_a_key_from_outside_its_ip_whitelist_is_rejected(make_client: ClientFactory, sim: Simulator) -> None:
    with pytest.raises(KeyRejected):
        make_client(key=sim.keys[1]).api_restrictions()  # whitelisted for 198.51.100.7 only


def test_cancel_with_nothing_open_is_nothing_to_cancel(make_client: ClientFactory, sim: Simulator) -> None:
    assert sim.state.open_orders("ETHBTC") == []
    with pytest.raises(NothingToCancel):
        make_client().cancel_open_orders("ETHBTC")


def test_429_waits_retry_after_then_succeeds(
    make_client: ClientFactory, sim: Simulator, clock: ManualClock
) -> None:
    client = make_client()
    sim.faults.add("reject", path="/api/v3/account", code=-1003, retry_after=35)
    before = clock.monotonic()
    assert client.account().uid
    assert clock.monotonic() - before >= 35
    assert client.budget.stats().rate_limited == 1
    assert client.budget.stats().limit == 4800  # slowed down


def test_429_every_time_gives_up_with_rate_limited(make_client: ClientFactory, sim: Simulator) -> None:
    sim.faults.add("reject", path="/api/v3/account", code=-1003, retry_after=5, count=3)
    with pytest.raises(RateLimited) as info:
        make_client().account()
    assert info.value.retry_after == 5 and sent(sim, "/api/v3/account") == 3


def test_418_reports_the_ban_end_and_stops_sending(make_client: ClientFactory, sim: Simulator) -> None:
    until = to_ms(START) + 120_000
    msg = f"Way too much request weight used; IP banned until {until}. Please use WebSocket"
    sim.faults.add("reject", path="/api/v3/account", status=418, code=-1003, msg=msg, retry_after=120)
    client = make_client()
    with pytest.raises(IpBanned) as info:
        client.account()
    assert info.value.until == from_ms(until)
    assert "14:02:10 UTC" in info.value.one_line()
    before = len(sim.request_log)
    with pytest.raises(IpBanned):
        client.account()
    assert len(sim.request_log) == before  # nothing sent while banned


def test_418_without_a_time_in_the_body_uses_retry_after(make_client: ClientFactory, sim: Simulator) -> None:
    sim.faults.add("reject", path="/api/v3/time", status=418, code=-1003, msg="banned", retry_after=300)
    with pytest.raises(IpBanned) as info:
        make_client().server_time()
    assert info.value.until == START + timedelta(seconds=300)


def test_403_html_is_a_waf_block(make_client: ClientFactory, sim: Simulator) -> None:
    sim.faults.add("waf", path="/api/v3/account")
    with pytest.raises(WafBlocked, match="firewall"):
        make_client().account()


def test_451_is_a_geo_block_not_a_key_problem(make_client: ClientFactory, sim: Simulator) -> None:
    sim.faults.add("geo", path="/api/v3/account")
    with pytest.raises(GeoBlocked) as info:
        make_client().account()
    assert "not a key problem" in info.value.one_line()


def test_5xx_on_a_read_is_retried(make_client: ClientFactory, sim: Simulator) -> None:
    sim.faults.add("server_error", path="/api/v3/account", status=502)
    sim.faults.add("server_error", path="/api/v3/account", status=503)
    assert make_client().account().uid and sent(sim, "/api/v3/account") == 3


def test_5xx_on_a_read_gives_up_with_server_error(make_client: ClientFactory, sim: Simulator) -> None:
    sim.faults.add("server_error", path="/api/v3/account", status=500, count=3)
    with pytest.raises(ServerError):
        make_client().account()
    assert sent(sim, "/api/v3/account") == 3


@pytest.mark.parametrize("executed", [False, True])
def test_5xx_on_cancel_is_outcome_unknown_and_sent_exactly_once(
    make_client: ClientFactory, sim: Simulator, executed: bool
) -> None:
    sim.faults.add("server_error", path="/api/v3/openOrders", method="DELETE", status=503, executed=executed)
    with pytest.raises(OutcomeUnknown, match="may or may not"):
        make_client().cancel_open_orders("PHBUSDT")
    assert sent(sim, "/api/v3/openOrders", "DELETE") == 1
    assert (sim.state.open_orders("PHBUSDT") == []) is executed


def test_timeout_on_a_read_is_retried_then_unreachable(make_client: ClientFactory, sim: Simulator) -> None:
    sim.faults.add("timeout", path="/api/v3/account", count=3)
    with pytest.raises(Unreachable, match="timed out"):
        make_client().account()
    assert sent(sim, "/api/v3/account") == 3


def test_timeout_on_a_read_then_success(make_client: ClientFactory, sim: Simulator) -> None:
    sim.faults.add("timeout", path="/api/v3/account")
    sim.faults.add("connect", path="/api/v3/account")
    assert make_client().account().uid
    assert [e.fault for e in sim.request_log if e.path == "/api/v3/account"] == ["timeout", "connect", None]


@pytest.mark.parametrize("kind", ["timeout", "reset"])
def test_timeout_or_reset_on_cancel_is_outcome_unknown_never_retried(
    make_client: ClientFactory, sim: Simulator, kind: str
) -> None:
    sim.faults.add(kind, path="/api/v3/openOrders", method="DELETE", executed=True)
    with pytest.raises(OutcomeUnknown):
        make_client().cancel_open_orders("PHBUSDT")
    assert sent(sim, "/api/v3/openOrders", "DELETE") == 1


def test_refused_connection_on_cancel_was_never_sent(make_client: ClientFactory, sim: Simulator) -> None:
    sim.faults.add("connect", path="/api/v3/openOrders", method="DELETE")
    with pytest.raises(Unreachable):
        make_client().cancel_open_orders("PHBUSDT")
    assert sim.state.open_orders("PHBUSDT"), "a refused connection carried nothing out"


def test_unexpected_shape_names_the_endpoint(make_client: ClientFactory, sim: Simulator) -> None:
    sim.faults.add("respond", path="/api/v3/account", body={"balances": "nope"})
    with pytest.raises(ExchangeError, match="GET /api/v3/account: Binance's answer has an unexpected shape"):
        make_client().account()


# --- base URL --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "http://localhost:1/", "https://api.binance.com", "http://[::1]:9"]
)
def test_allowed_base_urls(url: str) -> None:
    assert check_base_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    "url", ["http://api.binance.com", "ftp://x", "https://u:p@api.binance.com", "api.binance.com"]
)
def test_refused_base_urls(url: str) -> None:
    with pytest.raises(UsageError):
        check_base_url(url)


# --- loopback: the same client over a real socket --------------------------------------------------
@pytest.mark.loopback
@pytest.mark.parametrize("skew", [-30.0, 30.0])
def test_loopback_signed_reads_with_skewed_clock(skew: float) -> None:
    server_clock = SystemClock()
    sim = Simulator(scenario(), clock=server_clock)
    key = sim.keys[0]
    with serve(sim) as base, httpx.Client(timeout=5) as http:
        client = BinanceClient(base, key.api_key, signer_for(key), http=http,
                               clock=OffsetClock(server_clock, skew))  # fmt: skip
        assert client.account().uid == sim.scenario.uid
        assert client.api_restrictions().create_time == from_ms(key.create_ms)
        with pytest.raises(NothingToCancel):
            client.cancel_open_orders("ETHBTC")
    sim.close()


@pytest.mark.loopback
def test_loopback_server_gone_is_unreachable() -> None:
    sim = Simulator(scenario(), clock=SystemClock())
    with serve(sim) as base:
        pass  # closed: the port is free again
    sim.close()
    with httpx.Client(timeout=2) as http:
        client = BinanceClient(base, "k" * 64, HmacSigner(Secret("s")), http=http, clock=ManualClock(START),
                               backoff_seconds=0)  # fmt: skip
        with pytest.raises(Unreachable):
            client.server_time()


def test_httpx_logger_never_logs_signed_urls_at_info(
    make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    from responder.cli import main

    main(["--version"])
    with caplog.at_level(logging.DEBUG, logger="responder"):
        make_client().account()
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
    assert "signature=" not in caplog.text
