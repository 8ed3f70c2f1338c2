"""Rate limits as Binance applies them (reference §2): per-IP request weight, SAPI budgets, 429 → 418.

/api weight is counted per IP in fixed calendar minutes of the simulator's clock. Every SAPI
endpoint has its own budget, by IP (12,000/min) or by UID (180,000/min). Going over answers 429
with `Retry-After` (until the minute ends); a client that keeps sending before then collects
strikes and is banned with 418 for 2 minutes, doubling per ban up to 3 days. `preused` simulates
another client on the same IP: that much weight is already used at the start of every minute.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from responder.simulator.wire import ApiError

_MINUTE = 60_000
_MAX_BAN_MS = 3 * 86_400_000


@dataclass
class _IpState:
    retry_until_ms: int = 0
    strikes: int = 0
    banned_until_ms: int = 0
    bans: int = 0


@dataclass
class Limits:
    weight_limit: int = 6000
    preused: int = 0
    strikes_to_ban: int = 2
    sapi_ip_limit: int = 12_000
    sapi_uid_limit: int = 180_000
    _api: dict[tuple[str, int], int] = field(default_factory=dict)
    _sapi: dict[tuple[str, str, int], int] = field(default_factory=dict)
    _per_second: dict[tuple[str, int], int] = field(default_factory=dict)
    _ips: dict[str, _IpState] = field(default_factory=dict)

    def used(self, ip: str, now_ms: int) -> int:
        return self.preused + self._api.get((ip, now_ms // _MINUTE), 0)

    def sapi_used(self, bucket: str, now_ms: int) -> int:
        return self._sapi.get((bucket, "", now_ms // _MINUTE), 0)

    def check_ban(self, ip: str, now_ms: int) -> None:
        st = self._ips.setdefault(ip, _IpState())
        if st.banned_until_ms > now_ms:
            raise self._ban_error(st, now_ms)

    def _ban_error(self, st: _IpState, now_ms: int) -> ApiError:
        retry = math.ceil((st.banned_until_ms - now_ms) / 1000)
        return ApiError(
            -1003,
            f"Way too much request weight used; IP banned until {st.banned_until_ms}. "
            "Please use WebSocket Streams for live updates to avoid bans.",
            418,
            [("Retry-After", str(retry))],
        )

    def _over(self, ip: str, now_ms: int, msg: str) -> ApiError:
        st = self._ips.setdefault(ip, _IpState())
        if now_ms < st.retry_until_ms:
            st.strikes += 1
            if st.strikes >= self.strikes_to_ban:
                st.banned_until_ms = now_ms + min(2 * _MINUTE * 2**st.bans, _MAX_BAN_MS)
                st.bans += 1
                st.strikes = 0
                return self._ban_error(st, now_ms)
        else:
            st.strikes = 0
        st.retry_until_ms = (now_ms // _MINUTE + 1) * _MINUTE
        retry = math.ceil((st.retry_until_ms - now_ms) / 1000)
        return ApiError(-1003, msg, 429, [("Retry-After", str(retry))])

    def check_api(self, ip: str, weight: int, now_ms: int) -> None:
        """Raise 429/418 if `weight` more would exceed the per-IP minute budget."""
        self.check_ban(ip, now_ms)
        if self.used(ip, now_ms) + weight > self.weight_limit:
            raise self._over(
                ip,
                now_ms,
                f"Too much request weight used; current limit is {self.weight_limit} "
                "request weight per 1 MINUTE. Please use WebSocket Streams for live updates to "
                "avoid polling the API.",
            )

    def charge_api(self, ip: str, weight: int, now_ms: int) -> None:
        k = (ip, now_ms // _MINUTE)
        self._api[k] = self._api.get(k, 0) + weight

    def api_headers(self, ip: str, now_ms: int) -> list[tuple[str, str]]:
        used = str(self.used(ip, now_ms))
        return [("X-MBX-USED-WEIGHT-1M", used), ("x-mbx-used-weight", used)]

    def sapi_bucket(self, scope: str, ident: str, path: str) -> str:
        return f"{scope}:{ident}:{path}"

    def check_sapi(
        self, ip: str, bucket: str, scope: str, weight: int, now_ms: int, *, per_second: int = 0
    ) -> None:
        self.check_ban(ip, now_ms)
        limit = self.sapi_ip_limit if scope == "IP" else self.sapi_uid_limit
        if per_second and self._per_second.get((bucket, now_ms // 1000), 0) >= per_second:
            raise self._over(
                ip, now_ms, f"Too many requests; current limit is {per_second} requests per 1 SECOND."
            )
        if self.sapi_used(bucket, now_ms) + weight > limit:
            raise self._over(
                ip,
                now_ms,
                f"Too much request weight used; current limit is {limit} request weight "
                "per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.",
            )

    def charge_sapi(self, bucket: str, weight: int, now_ms: int) -> None:
        k = (bucket, "", now_ms // _MINUTE)
        self._sapi[k] = self._sapi.get(k, 0) + weight
        s = (bucket, now_ms // 1000)
        self._per_second[s] = self._per_second.get(s, 0) + 1

    def sapi_headers(
        self, bucket: str, scope: str, now_ms: int, per_second: bool = False
    ) -> list[tuple[str, str]]:
        name = "X-SAPI-USED-IP-WEIGHT-1M" if scope == "IP" else "X-SAPI-USED-UID-WEIGHT-1M"
        out = [(name, str(self.sapi_used(bucket, now_ms)))]
        if per_second:
            sec = self._per_second.get((bucket, now_ms // 1000), 0)
            out.append((name.replace("1M", "1S"), str(sec * 18000)))
        return out

    def ban_state(self, ip: str) -> dict[str, int]:
        st = self._ips.get(ip, _IpState())
        return {"banned_until": st.banned_until_ms, "bans": st.bans, "strikes": st.strikes}
