"""The rate budget: how much request weight responder may still spend, shared by every caller.

Binance counts weight per IP in fixed calendar minutes of *server* time (reference §2): one bucket
for /api (REQUEST_WEIGHT, default 6000/min, read from exchangeInfo when known) and one independent
bucket per SAPI endpoint (Weight(IP) 12000/min, Weight(UID) 180000/min). Other processes on the same
IP spend from the same /api bucket, so the `X-MBX-USED-WEIGHT-1M` / `X-SAPI-USED-*-WEIGHT-1M` headers
correct our own count after every response. A header only counts the requests that had reached the
server when it was written: our requests reserved but still in flight come on top of it, so a header
raises the count to header + in-flight weight (never lowers it inside a minute). A caller reserves
an endpoint's weight *before* sending and sleeps (on the injected clock) until the next minute when
it would overflow. A 429 pauses the
bucket for Retry-After and lowers its ceiling; a 418 stops everything until the ban ends.
Thread-safe: one budget is shared by the concurrent forensics sweep.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from responder.clock import Clock
from responder.errors import IpBanned, RateLimited, RateLimitStall

API = "api"
API_LIMIT = 6000
SAPI_IP_LIMIT = 12_000
SAPI_UID_LIMIT = 180_000
SLOW_DOWN = 0.8  # after a 429, a bucket's ceiling drops to 80 % of its limit for the rest of the run
MAX_STARVED = 2  # minutes in a row we may be made to wait while spending under 10 % of the weight
MAX_WAIT = 130.0  # a 429 pause longer than this is an error (RateLimited), never a silent hang


@dataclass(frozen=True)
class Cost:
    """What one request spends: `weight` from `bucket` (`api`, or `sapi:<path>`), per `window` seconds.

    `per_second` is an extra per-second allowance (withdraw history: 18000 a call, 10 calls a second).
    """

    bucket: str
    weight: int
    kind: str = "api"  # api | sapi-ip | sapi-uid
    per_second: int | None = None


_SAPI: Mapping[str, tuple[str, int]] = {
    "/sapi/v1/account/apiRestrictions": ("sapi-ip", 1),
    "/sapi/v1/account/status": ("sapi-ip", 1),
    "/sapi/v1/account/apiTradingStatus": ("sapi-ip", 1),
    "/sapi/v1/capital/withdraw/history": ("sapi-uid", 18_000),
    "/sapi/v1/capital/deposit/hisrec": ("sapi-ip", 1),
    "/sapi/v1/capital/withdraw/address/list": ("sapi-ip", 10),
    "/sapi/v1/asset/transfer": ("sapi-ip", 1),
    "/sapi/v1/accountSnapshot": ("sapi-ip", 2400),
    "/sapi/v1/convert/tradeFlow": ("sapi-uid", 3000),
    # cross margin (reference §10; weights from Binance's margin docs, docs/futures.md)
    "/sapi/v1/margin/account": ("sapi-ip", 10),
    "/sapi/v1/margin/openOrders": ("sapi-ip", 10),
    "/sapi/v1/margin/allOrders": ("sapi-ip", 200),
    "/sapi/v1/margin/myTrades": ("sapi-ip", 10),
    "/sapi/v1/margin/borrow-repay": ("sapi-ip", 10),
    "/sapi/v1/margin/forceLiquidationRec": ("sapi-ip", 1),
    # The master account's sub-account endpoints (reference §3.3; weights from the sub-account SDK).
    "/sapi/v1/sub-account/list": ("sapi-ip", 1),
    "/sapi/v1/sub-account/subAccountApi": ("sapi-uid", 3000),
    "/sapi/v1/sub-account/subAccountApi/ipRestriction": ("sapi-uid", 3000),
    "/sapi/v1/sub-account/subAccountApi/ipRestriction/ipList": ("sapi-uid", 3000),
    "/sapi/v2/sub-account/subAccountApi/ipRestriction": ("sapi-uid", 3000),
    "/sapi/v1/sub-account/subAccountApiPermission": ("sapi-uid", 3000),
    "/sapi/v3/sub-account/assets": ("sapi-uid", 60),
}

# USDⓈ-M futures (fapi.binance.com): its own host and its own REQUEST_WEIGHT budget (2400/min), so a
# futures client owns a separate `RateBudget`; the "api" bucket of that budget is the fapi bucket.
FAPI_LIMIT = 2400
_FAPI: Mapping[tuple[str, str], int] = {
    ("GET", "/fapi/v1/time"): 1,
    ("GET", "/fapi/v1/exchangeInfo"): 1,
    ("GET", "/fapi/v3/account"): 5,
    ("GET", "/fapi/v2/account"): 5,
    ("GET", "/fapi/v3/positionRisk"): 5,
    ("GET", "/fapi/v2/positionRisk"): 5,
    ("GET", "/fapi/v2/balance"): 5,
    ("GET", "/fapi/v3/balance"): 5,
    ("GET", "/fapi/v1/allOrders"): 5,
    ("GET", "/fapi/v1/userTrades"): 5,
    ("GET", "/fapi/v1/income"): 30,
    ("DELETE", "/fapi/v1/allOpenOrders"): 1,
    ("POST", "/fapi/v1/order"): 0,  # 0 on the IP weight; counted on the order-rate limits instead
}


def _fapi_cost(method: str, path: str, params: Mapping[str, object]) -> Cost:
    if (method, path) == ("GET", "/fapi/v1/openOrders"):
        return Cost(API, 1 if "symbol" in params else 40)
    if (method, path) == ("GET", "/fapi/v1/forceOrders"):
        return Cost(API, 20 if "symbol" in params else 50)
    if (method, path) == ("GET", "/fapi/v1/premiumIndex"):
        return Cost(API, 1 if "symbol" in params else 10)
    if (method, path) == ("GET", "/fapi/v1/klines"):
        limit = int(str(params.get("limit", 500)))
        return Cost(API, 1 if limit < 100 else 2 if limit < 500 else 5 if limit <= 1000 else 10)
    return Cost(API, _FAPI.get((method, path), 1))


_API: Mapping[tuple[str, str], int] = {
    ("GET", "/api/v3/ping"): 1,
    ("GET", "/api/v3/time"): 1,
    ("GET", "/api/v3/exchangeInfo"): 20,
    ("GET", "/api/v3/klines"): 2,
    ("GET", "/api/v3/account"): 20,
    ("GET", "/api/v3/allOrders"): 20,
    ("GET", "/api/v3/order"): 4,
    ("GET", "/api/v3/rateLimit/order"): 40,
    ("GET", "/api/v3/allOrderList"): 20,
    ("GET", "/api/v3/openOrderList"): 6,
    ("DELETE", "/api/v3/openOrders"): 1,  # 0 when it succeeds (2026-04-02); reserve the failure cost
}


# /api weights that depend on one parameter: (parameter, weight when given, weight when absent).
_API_BY_PARAM: Mapping[tuple[str, str], tuple[str, int, int]] = {
    ("GET", "/api/v3/openOrders"): ("symbol", 6, 80),
    ("GET", "/api/v3/ticker/price"): ("symbol", 2, 4),
    ("GET", "/api/v3/ticker/24hr"): ("symbol", 2, 80),  # every symbol in one call: 80
    ("GET", "/api/v3/myTrades"): ("orderId", 5, 20),
}


def endpoint_cost(method: str, path: str, params: Mapping[str, object]) -> Cost:
    """The weight of one request, from the reference §3 tables (parameter-dependent where it is)."""
    if (method, path) == ("POST", "/sapi/v1/sub-account/universalTransfer"):
        return Cost(f"sapi:{method} {path}", 360, "sapi-uid")  # the GET (history) is Weight(IP) 1
    if path.startswith("/sapi/"):
        cancel = (method, path) == ("DELETE", "/sapi/v1/margin/openOrders")  # 1; the table's 10 is the GET's
        kind, weight = ("sapi-ip", 1) if cancel else _SAPI.get(path, ("sapi-ip", 1))
        per_second = 180_000 if path == "/sapi/v1/capital/withdraw/history" else None
        return Cost(f"sapi:{path}", weight, kind, per_second)
    if path.startswith("/fapi/"):
        return _fapi_cost(method, path, params)
    if (method, path) in _API_BY_PARAM:
        name, given, absent = _API_BY_PARAM[(method, path)]
        return Cost(API, given if name in params else absent)
    return Cost(API, _API.get((method, path), 1))


class _Bucket:
    """Weight used in the current window (calendar-aligned), a ceiling, an optional pause, and the
    weight reserved but not yet answered (`in_flight`: window start and weight per request)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.ceiling = limit
        self.window = window
        self.start = -1.0
        self.used = 0
        self.paused_until = 0.0
        self.in_flight: list[tuple[float, int]] = []
        self.own = 0  # weight we reserved in this window
        self.starved = 0  # windows in a row spent waiting while the server said the weight was used up
        self.starved_in = -1.0

    def roll(self, t: float) -> None:
        start = math.floor(t / self.window) * self.window
        if start != self.start:
            self.start, self.used, self.own = start, 0, 0
            # A request unanswered for two windows failed without a response (transport error):
            # stop counting it, so a lost answer cannot shrink the budget for good.
            self.in_flight = [f for f in self.in_flight if f[0] >= start - self.window]

    def take(self, weight: int) -> None:
        self.own += weight
        if self.own * 10 >= self.limit:
            self.starved = 0
        self.used += weight
        self.in_flight.append((self.start, weight))

    def answered(self, weight: int, header: int | None) -> None:
        """A response to one of our requests of `weight`; `header` is the server's count, if sent.

        Answers are matched to the oldest request of that weight. A request reserved in an earlier
        window may have been counted in the server's previous minute: its header describes that
        minute, so it must not raise this one's count (it would idle the sweep for a whole minute).
        """
        reserved_in = self.start
        for i, (start, w) in enumerate(self.in_flight):
            if w == weight:
                reserved_in = start
                del self.in_flight[i]
                break
        if header is not None and reserved_in >= self.start:
            self.used = max(self.used, header + sum(w for _, w in self.in_flight))

    def wait_for(self, t: float, weight: int) -> float:
        """Seconds to wait before `weight` fits (0 when it fits now)."""
        self.roll(t)
        if t < self.paused_until:
            return self.paused_until - t
        if self.used + weight <= self.ceiling or self.used == 0:
            return 0.0
        return self.start + self.window - t


@dataclass(frozen=True)
class BudgetStats:
    used: int  # /api weight used in the current minute, as far as we know
    limit: int
    waits: int  # how many times a request had to wait
    waited_seconds: float
    rate_limited: int  # 429s seen


class RateBudget:
    """Request weight shared by every caller of one IP. `reserve` blocks until the weight fits."""

    def __init__(self, clock: Clock, *, api_limit: int = API_LIMIT) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {API: _Bucket(api_limit, 60.0)}
        self._offset = 0.0  # server time minus local time, seconds (set by the time sync)
        self._banned_until: datetime | None = None
        self._waits = 0
        self._waited = 0.0
        self._limited = 0
        # Told before every wait of a second or more (seconds, until when): a display can say
        # "waiting for Binance's next weight minute, until 10:44:00 UTC" instead of freezing.
        self.on_wait: Callable[[float, datetime], None] | None = None

    # --- configuration -----------------------------------------------------------------------------
    def set_api_limit(self, limit: int) -> None:
        """The live REQUEST_WEIGHT per minute from exchangeInfo."""
        with self._lock:
            bucket = self._buckets[API]
            slowed = bucket.ceiling < bucket.limit
            bucket.limit = limit
            bucket.ceiling = max(1, int(limit * SLOW_DOWN)) if slowed else limit

    def align(self, server_offset_seconds: float) -> None:
        """Count minutes on the server's clock (ours may be off by tens of seconds)."""
        with self._lock:
            self._offset = server_offset_seconds

    # --- spending ----------------------------------------------------------------------------------
    def _now(self) -> float:
        return self._clock.now().timestamp() + self._offset

    def _bucket(self, name: str, kind: str) -> _Bucket:
        if name not in self._buckets:
            limit = SAPI_UID_LIMIT if kind == "sapi-uid" else SAPI_IP_LIMIT
            self._buckets[name] = _Bucket(limit, 60.0)
        return self._buckets[name]

    def _needed(self, cost: Cost, t: float) -> float:
        if self._banned_until is not None:
            now = datetime.fromtimestamp(t, self._banned_until.tzinfo)
            if now < self._banned_until:
                raise IpBanned("Binance has banned this IP (HTTP 418)", until=self._banned_until)
            self._banned_until = None
        wait = self._bucket(cost.bucket, cost.kind).wait_for(t, cost.weight)
        if cost.per_second is not None:
            wait = max(wait, self._bucket(cost.bucket + ":1s", cost.kind).wait_for(t, cost.weight))
        return wait

    def reserve(self, cost: Cost) -> float:
        """Take `cost` from its bucket, sleeping until it fits. Returns the seconds waited. Waiting for
        a turn among threads is progress; a 429 pause longer than MAX_WAIT raises RateLimited instead."""
        waited = 0.0
        while True:
            with self._lock:
                if cost.per_second is not None and cost.bucket + ":1s" not in self._buckets:
                    self._buckets[cost.bucket + ":1s"] = _Bucket(cost.per_second, 1.0)
                t = self._now()
                wait = self._needed(cost, t)
                paused = self._bucket(cost.bucket, cost.kind).paused_until - t
                if wait <= 0:
                    self._bucket(cost.bucket, cost.kind).take(cost.weight)
                    if cost.per_second is not None:
                        self._buckets[cost.bucket + ":1s"].used += cost.weight
                    if waited:
                        self._waits += 1
                        self._waited += waited
                    return waited
                self._check_starved(cost, t)
            # A small margin past the boundary: the server's minute must have turned too.
            pause = wait + 0.05
            if paused > MAX_WAIT:
                raise RateLimited(
                    f"the server paused requests for {paused:.0f} s (HTTP 429), more than responder waits "
                    f"({MAX_WAIT:.0f} s)",
                    retry_after=paused,
                    endpoint=cost.bucket,
                )
            if self.on_wait is not None and pause >= 1.0:
                self.on_wait(pause, self._clock.now() + timedelta(seconds=pause))
            self._clock.sleep(pause)
            waited += pause

    def _check_starved(self, cost: Cost, t: float) -> None:
        """Waiting for a new minute although we spent under a tenth of it: the server (or another
        client on this IP) says the weight is used up. Twice in a row is a stall, not a pace."""
        bucket = self._bucket(cost.bucket, cost.kind)
        if t < bucket.paused_until or bucket.used < bucket.ceiling or bucket.own * 10 >= bucket.limit:
            return
        if bucket.starved_in != bucket.start:
            bucket.starved_in = bucket.start
            bucket.starved += 1
        if bucket.starved > MAX_STARVED:
            raise RateLimitStall(
                f"the server says this IP's request weight ({bucket.limit}/min) is used up minute after "
                "minute while responder used almost none; another client on this IP, or not Binance",
                retry_after=60.0,
                endpoint=cost.bucket,
            )

    def observe(self, cost: Cost, headers: Mapping[str, str]) -> None:
        """A response arrived: the request is no longer in flight, and its used-weight header (other
        processes count too) raises our count to header + the weight of our requests still in flight."""
        name = {"api": "x-mbx-used-weight-1m", "sapi-ip": "x-sapi-used-ip-weight-1m"}.get(
            cost.kind, "x-sapi-used-uid-weight-1m"
        )
        raw = (headers.get(name) or "").strip()
        with self._lock:
            bucket = self._bucket(cost.bucket, cost.kind)
            bucket.roll(self._now())
            bucket.answered(cost.weight, int(raw) if raw.isdigit() else None)

    def refund(self, cost: Cost) -> None:
        """A request that cost nothing after all (a successful cancel, 0 weight since 2026-04-02),
        when no used-weight header already said so."""
        with self._lock:
            bucket = self._bucket(cost.bucket, cost.kind)
            bucket.used = max(0, bucket.used - cost.weight)

    def pause(self, cost: Cost, retry_after: float) -> None:
        """A 429: stop using this bucket for Retry-After seconds, then use less of it."""
        with self._lock:
            bucket = self._bucket(cost.bucket, cost.kind)
            bucket.paused_until = max(bucket.paused_until, self._now() + max(retry_after, 1.0))
            bucket.ceiling = max(1, int(bucket.limit * SLOW_DOWN))
            self._limited += 1

    def ban(self, until: datetime) -> None:
        """A 418: nothing may be sent from this IP until `until`."""
        with self._lock:
            self._banned_until = until

    # --- planning ----------------------------------------------------------------------------------
    def minimum_seconds(self, total_weight: int) -> float:
        """The least time in which `total_weight` more /api weight can be spent from now."""
        with self._lock:
            t = self._now()
            bucket = self._buckets[API]
            bucket.roll(t)
            used = bucket.ceiling if t < bucket.paused_until else bucket.used
            wait = max(0.0, bucket.paused_until - (bucket.start + bucket.window))
            return wait + calendar_minimum_seconds(
                total_weight, limit=bucket.ceiling, second=t - bucket.start, used=used
            )

    def stats(self) -> BudgetStats:
        with self._lock:
            bucket = self._buckets[API]
            bucket.roll(self._now())
            return BudgetStats(bucket.used, bucket.ceiling, self._waits, self._waited, self._limited)

    def banned_until(self) -> datetime | None:
        with self._lock:
            return self._banned_until


def calendar_minimum_seconds(
    weight: int, *, limit: int, second: float, used: int = 0, latency: float = 0.0
) -> float:
    """The least time to spend `weight` starting `second` seconds into a calendar minute of which
    `used` is already spent: what is left of this minute goes at once, then `limit` per further minute,
    and the last request is answered `latency` seconds after it is sent. With f = max(0, limit - used):
    0 + latency when weight <= f, else (60 - second) + (ceil((weight - f) / limit) - 1) * 60 + latency.
    """
    free = max(0, limit - used)
    if weight <= free:
        return latency
    minutes = math.ceil((weight - free) / limit)
    return (60.0 - second) + (minutes - 1) * 60.0 + latency


MAX_BAN = timedelta(days=4)  # Binance's bans last 2 minutes to 3 days


def ban_end(now: datetime, retry_after: float | None, message: str) -> datetime:
    """When a 418 ban ends: `IP banned until <epoch ms>` in the body, else now + Retry-After (the
    client bounds it), else two minutes. A time past `MAX_BAN` from now is not Binance's: it is
    capped there, so a hostile body cannot overflow a date or park responder for years."""
    import re

    from responder.clock import from_ms

    found = re.search(r"banned until (\d{12,16})", message[:1000])
    if found:
        try:
            return min(from_ms(int(found.group(1))), now + MAX_BAN)
        except (ValueError, OverflowError):
            return now + MAX_BAN
    return now + timedelta(seconds=retry_after if retry_after is not None else 120)
