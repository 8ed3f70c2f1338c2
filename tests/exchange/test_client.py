"""The client against a Binance-compatible app: every endpoint parses, every failure maps to one error."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from responder.clock import ManualClock, OffsetClock, from_ms, to_ms
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
from responder.exchange.signing import HmacSigner, signer_from_pem
from responder.secrets import Secret

from .conftest import START, ClientFactory, serve
from .fake_binance import ED_KEY, ED_PRIVATE_PEM, FakeBinance

ERR = {"code": -1000, "msg": "x"}
DAY = timedelta(days=1)


# --- every endpoint parses into models ------------------------------------------------------------
def test_public_endpoints(make_client: ClientFactory) -> None:
    client = make_client()
    assert client.server_time() == START
    info = client.exchange_info()
    assert info.weight_limit_per_minute() == 6000 and info.symbols[0].symbol == "BTCUSDT"
    assert client.ticker_prices()["BTCUSDT"] == Decimal("97000.01")
    kline = client.klines("BTCUSDT", "1m", limit=1)[0]
    assert kline.close == Decimal("1.5") and kline.trades == 3


def test_signed_reads(make_client: ClientFactory, fake: FakeBinance) -> None:
    client = make_client()
    account = client.account()
    assert account.uid == 354937868 and account.balances[0].free == Decimal("4723846.89208129")
    assert client.open_orders()[0].order_id == 1
    assert client.open_orders("BTCUSDT")[0].price == Decimal("0.1")
    assert client.all_orders("BTCUSDT", start=START - DAY, end=START)[0].time == START - DAY
    assert client.my_trades("BTCUSDT", start=START - DAY, end=START)[0].quote_qty == Decimal("48.000012")
    assert client.api_restrictions().enable_spot_and_margin_trading
    assert client.account_status() == "Normal"
    assert client.api_trading_status().is_locked is False


def test_wallet_reads(make_client: ClientFactory) -> None:
    client = make_client()
    w = client.withdraw_history(start=START - 30 * DAY, end=START)[0]
    assert w.apply_time.isoformat() == "2019-10-12T11:12:02+00:00" and w.amount == Decimal("8.91")
    assert client.deposit_history()[0].insert_time == from_ms(1661493146000)
    assert client.withdraw_addresses()[0].white_status is True
    page = client.universal_transfers("MAIN_FUNDING")
    assert page.total == 1 and page.rows[0].type == "MAIN_FUNDING"
    assert client.account_snapshot(start=START - 7 * DAY, end=START)[0].total_asset_of_btc == Decimal(
        "0.099427"
    )
    convert = client.convert_trades(start=START - 30 * DAY, end=START)
    assert convert.trades[0].order_id == 940708407462087195 and not convert.more_data


def test_cancel_open_orders_expands_order_lists(make_client: ClientFactory) -> None:
    cancelled = make_client().cancel_open_orders("BTCUSDT")
    assert [o.order_id for o in cancelled] == [1, 2]
    assert cancelled[0].placement_client_order_id == "web_1"


def test_ed25519_key_is_accepted_by_the_server(make_client: ClientFactory) -> None:
    client = make_client(api_key=ED_KEY, signer=signer_from_pem(Secret(ED_PRIVATE_PEM)))
    assert client.api_restrictions().create_time.year == 2023


def test_what_is_sent_is_signed_and_recorded_without_signature(
    make_client: ClientFactory, fake: FakeBinance
) -> None:
    recorded: list[tuple[str, dict[str, object], int]] = []
    client = make_client(recorder=lambda ep, params, status, body: recorded.append((ep, params, status)))
    client.open_orders("BTCUSDT")
    endpoint, params, status = recorded[-1]
    assert endpoint == "GET /api/v3/openOrders" and status == 200
    assert set(params) == {"symbol", "timestamp"}  # no signature in evidence
    assert fake.requests[-1].params["symbol"] == "BTCUSDT"


def test_windows_are_checked_before_sending(make_client: ClientFactory, fake: FakeBinance) -> None:
    client = make_client()
    with pytest.raises(UsageError, match="24 hours"):
        client.all_orders("BTCUSDT", start=START - DAY - timedelta(milliseconds=1), end=START)
    with pytest.raises(UsageError, match="combination"):
        client.my_trades("BTCUSDT", start=START - DAY, from_id=5)
    with pytest.raises(UsageError, match="90 days"):
        client.withdraw_history(start=START - 90 * DAY, end=START)
    with pytest.raises(UsageError, match="1–100"):
        client.universal_transfers("MAIN_FUNDING", size=101)
    assert fake.count("/api/v3/allOrders") == fake.count("/sapi/v1/capital/withdraw/history") == 0


# --- clock skew ------------------------------------------------------------------------------------
@pytest.mark.parametrize("skew", [-30.0, 30.0, -0.9, 0.9])
def test_local_clock_off_by_tens_of_seconds_still_signs_acceptable_timestamps(
    make_client: ClientFactory, fake: FakeBinance, clock: ManualClock, skew: float
) -> None:
    client = make_client(client_clock=OffsetClock(clock, skew))
    client.account()
    sent = int(fake.requests[-1].params["timestamp"])
    assert -5000 < sent - to_ms(clock.now()) < 0  # in the past, inside recvWindow
    assert fake.count("/api/v3/time") == 3  # median of three samples


def test_minus_1021_resyncs_once_and_retries_once(make_client: ClientFactory, fake: FakeBinance) -> None:
    client = make_client()
    client.account()
    fake.fail_next(
        "/api/v3/account", (400, {}, {"code": -1021, "msg": "Timestamp for this request is outside"})
    )
    times_before = fake.count("/api/v3/time")
    assert client.account().uid == 354937868
    assert fake.count("/api/v3/account") == 3 and fake.count("/api/v3/time") == times_before + 3


def test_a_second_minus_1021_is_reported_with_the_clock_hint(
    make_client: ClientFactory, fake: FakeBinance
) -> None:
    reply = (
        400,
        {},
        {"code": -1021, "msg": "Timestamp for this request was 1000ms ahead of the server's time."},
    )
    fake.fail_next("/api/v3/account", reply, reply)
    with pytest.raises(TimestampRejected) as info:
        make_client().account()
    assert (
        "check the system clock" in info.value.one_line() and "GET /api/v3/account" in info.value.one_line()
    )
    assert fake.count("/api/v3/account") == 2


def test_periodic_resync(make_client: ClientFactory, fake: FakeBinance, clock: ManualClock) -> None:
    client = make_client()
    client.account()
    clock.advance(16 * 60)
    client.account()
    assert fake.count("/api/v3/time") == 6


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
    fake: FakeBinance,
    status: int,
    code: int,
    error: type[Rejected],
    hint: str | None,
) -> None:
    fake.fail_next("/sapi/v1/account/apiRestrictions", (status, {}, {"code": code, "msg": "m"}))
    with pytest.raises(error) as info:
        make_client().api_restrictions()
    assert type(info.value) is error and info.value.code == code and info.value.status == status
    assert "GET /sapi/v1/account/apiRestrictions" in info.value.one_line()
    if hint:
        assert hint in info.value.one_line()


def test_unknown_key_and_wrong_secret_from_the_server(make_client: ClientFactory) -> None:
    with pytest.raises(KeyRejected):
        make_client(api_key="A" * 64).account()
    with pytest.raises(BadSignature):
        make_client(signer=HmacSigner(Secret("wrong-secret"))).account()


def test_cancel_with_nothing_open_is_nothing_to_cancel(make_client: ClientFactory, fake: FakeBinance) -> None:
    fake.fail_next("/api/v3/openOrders", (400, {}, {"code": -2011, "msg": "Unknown order sent."}))
    with pytest.raises(NothingToCancel):
        make_client().cancel_open_orders("BTCUSDT")


def test_429_waits_retry_after_then_succeeds(
    make_client: ClientFactory, fake: FakeBinance, clock: ManualClock
) -> None:
    client = make_client()
    fake.fail_next(
        "/api/v3/account", (429, {"Retry-After": "35"}, {"code": -1003, "msg": "Too much request weight"})
    )
    before = clock.monotonic()
    assert client.account().uid
    assert clock.monotonic() - before >= 35
    assert client.budget.stats().rate_limited == 1
    assert client.budget.stats().limit == 4800  # slowed down


def test_429_every_time_gives_up_with_rate_limited(make_client: ClientFactory, fake: FakeBinance) -> None:
    reply = (429, {"Retry-After": "5"}, {"code": -1003, "msg": "Too much request weight"})
    fake.fail_next("/api/v3/account", reply, reply, reply)
    with pytest.raises(RateLimited) as info:
        make_client().account()
    assert info.value.retry_after == 5 and fake.count("/api/v3/account") == 3


def test_418_reports_the_ban_end_and_stops_sending(make_client: ClientFactory, fake: FakeBinance) -> None:
    until = to_ms(START) + 120_000
    body = {
        "code": -1003,
        "msg": f"Way too much request weight used; IP banned until {until}. Please use WebSocket",
    }
    fake.fail_next("/api/v3/account", (418, {"Retry-After": "120"}, body))
    client = make_client()
    with pytest.raises(IpBanned) as info:
        client.account()
    assert info.value.until == from_ms(until)
    assert "14:02:10 UTC" in info.value.one_line()
    sent = len(fake.requests)
    with pytest.raises(IpBanned):
        client.account()
    assert len(fake.requests) == sent  # nothing sent while banned


def test_418_without_a_time_in_the_body_uses_retry_after(
    make_client: ClientFactory, fake: FakeBinance
) -> None:
    fake.fail_next("/api/v3/time", (418, {"Retry-After": "300"}, {"code": -1003, "msg": "banned"}))
    with pytest.raises(IpBanned) as info:
        make_client().server_time()
    assert info.value.until == START + timedelta(seconds=300)


def test_403_html_is_a_waf_block(make_client: ClientFactory, fake: FakeBinance) -> None:
    fake.fail_next("/api/v3/account", (403, {}, "<html><h1>403 ERROR</h1>Request blocked. CloudFront</html>"))
    with pytest.raises(WafBlocked, match="firewall"):
        make_client().account()


def test_451_is_a_geo_block_not_a_key_problem(make_client: ClientFactory, fake: FakeBinance) -> None:
    msg = "Service unavailable from a restricted location according to 'b. Eligibility'"
    fake.fail_next("/api/v3/account", (451, {}, {"code": 0, "msg": msg}))
    with pytest.raises(GeoBlocked) as info:
        make_client().account()
    assert "not a key problem" in info.value.one_line()


def test_5xx_on_a_read_is_retried(make_client: ClientFactory, fake: FakeBinance) -> None:
    fake.fail_next("/api/v3/account", (502, {}, "bad gateway"), (503, {}, ERR))
    assert make_client().account().uid and fake.count("/api/v3/account") == 3


def test_5xx_on_a_read_gives_up_with_server_error(make_client: ClientFactory, fake: FakeBinance) -> None:
    fake.fail_next("/api/v3/account", *[(500, {}, ERR)] * 3)
    with pytest.raises(ServerError):
        make_client().account()
    assert fake.count("/api/v3/account") == 3


def test_5xx_on_cancel_is_outcome_unknown_and_sent_exactly_once(
    make_client: ClientFactory, fake: FakeBinance
) -> None:
    fake.fail_next("/api/v3/openOrders", (503, {}, {"code": -1007, "msg": "Timeout waiting for response"}))
    with pytest.raises(OutcomeUnknown, match="may or may not"):
        make_client().cancel_open_orders("BTCUSDT")
    assert fake.count("/api/v3/openOrders", "DELETE") == 1


def test_timeout_on_a_read_is_retried_then_unreachable(make_client: ClientFactory) -> None:
    client = make_client(faults=[httpx.ReadTimeout("t")] * 3)
    client.time_sync.sync(lambda: to_ms(START))
    with pytest.raises(Unreachable, match="timed out"):
        client.account()


def test_timeout_on_a_read_then_success(make_client: ClientFactory) -> None:
    client = make_client(faults=[httpx.ReadTimeout("t"), httpx.ConnectError("refused")])
    client.time_sync.sync(lambda: to_ms(START))
    assert client.account().uid


def test_timeout_or_reset_on_cancel_is_outcome_unknown_never_retried(make_client: ClientFactory) -> None:
    for fault in (httpx.ReadTimeout("t"), httpx.RemoteProtocolError("reset")):
        client = make_client(faults=[fault])
        client.time_sync.sync(lambda: to_ms(START))
        with pytest.raises(OutcomeUnknown):
            client.cancel_open_orders("BTCUSDT")
        transport = client._http._transport  # the fault transport counts what was attempted
        assert transport.sent == 1  # type: ignore[attr-defined]


def test_refused_connection_on_cancel_was_never_sent(make_client: ClientFactory) -> None:
    client = make_client(faults=[httpx.ConnectError("refused")])
    client.time_sync.sync(lambda: to_ms(START))
    with pytest.raises(Unreachable):
        client.cancel_open_orders("BTCUSDT")


def test_unexpected_shape_names_the_endpoint(make_client: ClientFactory, fake: FakeBinance) -> None:
    fake.overrides["/api/v3/account"] = lambda p: {"balances": "nope"}
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
    from responder.clock import SystemClock

    server_clock = SystemClock()
    fake = FakeBinance(server_clock)
    with serve(fake) as base, httpx.Client(timeout=5) as http:
        from .fake_binance import HMAC_KEY, HMAC_SECRET

        client = BinanceClient(base, HMAC_KEY, HmacSigner(Secret(HMAC_SECRET)), http=http,
                               clock=OffsetClock(server_clock, skew))  # fmt: skip
        assert client.account().uid == 354937868
        assert client.api_restrictions().create_time.year == 2023
        with pytest.raises(NothingToCancel):
            fake.fail_next("/api/v3/openOrders", (400, {}, {"code": -2011, "msg": "Unknown order sent."}))
            client.cancel_open_orders("BTCUSDT")


@pytest.mark.loopback
def test_loopback_server_gone_is_unreachable() -> None:
    from responder.clock import SystemClock

    with serve(FakeBinance(SystemClock())) as base:
        pass  # closed: the port is free again
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
