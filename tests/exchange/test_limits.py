# ruff: noqa: E501 — hostile bodies read best on one line
"""What an answer may be (issue 12): bounded size, depth, values, rows and numbers, bounded waits.

Each hostile answer becomes one `ServerFault` naming the endpoint and what the server did wrong —
never a RecursionError, an InvalidOperation, an OverflowError or a wait without end."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from responder.clock import ManualClock
from responder.errors import OutcomeUnknown, RateLimited, RateLimitStall, ServerFault
from responder.exchange import limits
from responder.exchange.budget import ban_end
from responder.exchange.client import BinanceClient
from responder.exchange.models import dec
from responder.exchange.signing import HmacSigner
from responder.secrets import Secret

from .conftest import START
from .keys import HMAC_KEY, HMAC_SECRET


def client_answering(
    clock: ManualClock, answer: Callable[[httpx.Request], httpx.Response], **kwargs: object
) -> BinanceClient:
    http = httpx.Client(transport=httpx.MockTransport(answer))
    return BinanceClient(
        "https://api.binance.com", HMAC_KEY, HmacSigner(Secret(HMAC_SECRET)), http=http, clock=clock,
        **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip


def _time_then(
    body: bytes, status: int = 200, headers: dict[str, str] | None = None
) -> Callable[..., httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v3/time":
            return httpx.Response(200, json={"serverTime": 1_795_000_000_000})
        return httpx.Response(status, content=body, headers=headers or {})

    return answer


HOSTILE_BODIES = [
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b"[" * 40 + b"]" * 40, "nested more than 32 levels"),
    (b'{"balances": NaN}', "non-finite number (NaN)"),
    (b'{"balances": [Infinity]}', "non-finite number (Infinity)"),
    (b'{"updateTime": 1e999}', "overflows"),
    (b'{"uid": ' + b"9" * 400 + b"}", "400-digit number"),
    (b"[" + b"0," * 2_100_000 + b"0]", "over 2,000,000 values"),
]


@pytest.mark.parametrize(("body", "needle"), HOSTILE_BODIES, ids=[n for _, n in HOSTILE_BODIES])
def test_a_hostile_body_is_a_server_fault_naming_the_endpoint(
    clock: ManualClock, body: bytes, needle: str
) -> None:
    client = client_answering(clock, _time_then(body))
    with pytest.raises(ServerFault) as info:
        client.account()
    line = info.value.one_line()
    assert needle in line and line.startswith("GET /api/v3/account: the server sent")
    assert "not Binance" in line


def test_a_body_past_the_size_cap_is_cut_off_while_streaming(clock: ManualClock) -> None:
    chunk = b" " * 2**20
    sent = []

    def stream() -> object:
        for _ in range(200):
            sent.append(1)
            yield chunk

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v3/time":
            return httpx.Response(200, json={"serverTime": 1_795_000_000_000})
        return httpx.Response(200, content=stream())  # type: ignore[arg-type]

    with pytest.raises(ServerFault, match="over 32 MiB"):
        client_answering(clock, answer).account()
    assert len(sent) <= 34  # stopped reading at the cap, not after 200 MiB


def test_a_declared_length_past_the_cap_is_refused_before_reading(clock: ManualClock) -> None:
    body = _time_then(b"{}", headers={"Content-Length": str(100 * 2**20)})
    with pytest.raises((ServerFault, httpx.HTTPError)):
        client_answering(clock, body).account()


def test_hostile_amounts_are_refused_at_the_edge() -> None:
    for raw in ("NaN", "sNaN", "Infinity", "-Infinity", "1e999", "9" * 400, "1E-99", 1.5, True):
        with pytest.raises(ValueError):
            dec(raw)
    assert dec("4723846.89208129") == Decimal("4723846.89208129") and dec(0) == 0 and dec("0E-8") == 0


def test_a_hostile_amount_in_an_account_is_a_shape_error_not_an_internal_error(clock: ManualClock) -> None:
    body = b'{"balances":[{"asset":"BTC","free":"NaN","locked":"0"}],"canTrade":true,"canWithdraw":true,"canDeposit":true,"updateTime":1,"accountType":"SPOT","permissions":["SPOT"]}'
    with pytest.raises(Exception) as info:
        client_answering(clock, _time_then(body)).account()
    assert type(info.value).__module__ == "responder.errors"


@pytest.mark.parametrize("value", ["1e999", "100000000", "-5", "inf", "nan"])
def test_an_absurd_retry_after_is_a_server_fault_not_a_hang(clock: ManualClock, value: str) -> None:
    answer = _time_then(b'{"code":-1003,"msg":"Too much request weight used"}', 429, {"Retry-After": value})
    with pytest.raises(ServerFault, match="Retry-After"):
        client_answering(clock, answer).account()
    assert clock.now() - START < timedelta(seconds=5)  # no sleep at all


def test_an_absurd_418_retry_after_is_a_server_fault(clock: ManualClock) -> None:
    answer = _time_then(b'{"code":-1003,"msg":"IP banned"}', 418, {"Retry-After": "1e999"})
    with pytest.raises(ServerFault, match="Retry-After"):
        client_answering(clock, answer).account()


def test_a_ban_end_far_in_the_future_is_capped_not_an_overflow() -> None:
    assert ban_end(START, None, "IP banned until 9999999999999999.") == START + timedelta(days=4)
    assert ban_end(START, None, "IP banned until 99999999999999.") == START + timedelta(days=4)


def test_a_weight_limit_of_one_a_minute_is_a_server_fault(clock: ManualClock) -> None:
    info = b'{"serverTime":1795000000000,"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":1}],"symbols":[]}'
    with pytest.raises(ServerFault, match="weight limit of 1 per minute"):
        client_answering(clock, lambda r: httpx.Response(200, content=info)).exchange_info()


def test_a_429_to_a_cancel_says_it_was_not_executed(clock: ManualClock) -> None:
    answer = _time_then(b'{"code":-1003,"msg":"Too many"}', 429, {"Retry-After": "20"})
    with pytest.raises(RateLimited) as info:
        client_answering(clock, answer).cancel_open_orders("BTCUSDT")
    assert info.value.executed is False and "NOT executed" in info.value.one_line()


def test_429_after_429_stops_as_a_stall_instead_of_waiting_on(clock: ManualClock) -> None:
    answer = _time_then(b'{"code":-1003,"msg":"Too many"}', 429, {"Retry-After": "50"})
    with pytest.raises(RateLimitStall) as info:
        client_answering(clock, answer).account()
    assert info.value.fatal and clock.now() - START < timedelta(seconds=60)


def test_a_hostile_answer_to_a_cancel_is_an_unknown_outcome(clock: ManualClock) -> None:
    with pytest.raises(OutcomeUnknown, match="may or may not have happened"):
        client_answering(clock, _time_then(b"[" * 100 + b"]" * 100)).cancel_open_orders("BTCUSDT")


def test_a_trickled_body_hits_the_total_deadline(clock: ManualClock) -> None:
    import time

    def trickle() -> object:
        for _ in range(100):
            time.sleep(0.05)
            yield b" "

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v3/time":
            return httpx.Response(200, json={"serverTime": 1_795_000_000_000})
        return httpx.Response(200, content=trickle())  # type: ignore[arg-type]

    started = time.monotonic()
    with pytest.raises(ServerFault, match="too slowly"):
        client_answering(clock, answer, deadline_seconds=0.3).account()
    assert time.monotonic() - started < 2


def test_limits_leave_real_binance_answers_alone() -> None:
    assert limits.parse_json(b'{"a":[{"b":[1,2,"3.5"]}],"c":1.25e3}', "GET /x") == {
        "a": [{"b": [1, 2, "3.5"]}], "c": 1250.0,
    }  # fmt: skip
    assert limits.parse_json(b"<html>WAF</html>", "GET /x") is None


def test_a_server_that_says_the_weight_is_used_up_every_minute_stalls_instead_of_crawling(
    clock: ManualClock,
) -> None:
    from responder.exchange.budget import Cost, RateBudget

    budget, cost = RateBudget(clock), Cost("api", 1)
    with pytest.raises(RateLimitStall, match="used up minute after minute"):
        for _ in range(10):
            budget.reserve(cost)
            budget.observe(cost, {"x-mbx-used-weight-1m": "6000"})  # "full", though we spent 1
    assert clock.now() - START < timedelta(minutes=4)


def test_a_server_trickling_its_headers_hits_the_total_deadline(clock: ManualClock) -> None:
    import time

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v3/time":
            return httpx.Response(200, json={"serverTime": 1_795_000_000_000})
        time.sleep(3)  # no response yet: as if the status line and headers came a byte at a time
        return httpx.Response(200, json={})

    started = time.monotonic()
    with pytest.raises(ServerFault, match="no complete answer within 0 s"):
        client_answering(clock, answer, deadline_seconds=0.2).account()
    assert time.monotonic() - started < 2.5
