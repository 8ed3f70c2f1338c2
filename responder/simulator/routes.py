"""The endpoint table: path, security type, weight and limiter of every simulated endpoint.

Handlers live in `api_spot.py` and `api_sapi.py`; each takes a `Ctx` and returns the JSON body.
Shared parameter rules (symbol, limits, ids, time windows) are here so each endpoint applies the
same Binance messages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from responder.simulator.keys import SimKey
from responder.simulator.state import ExchangeState
from responder.simulator.wire import ApiError, SimRequest, illegal, mandatory

HOUR_MS = 3_600_000
DAY_MS = 86_400_000
READ = "enableReading"
TRADE = "enableSpotAndMarginTrading"


@dataclass
class Ctx:
    state: ExchangeState
    params: dict[str, str]
    now_ms: int
    req: SimRequest
    key: SimKey | None = None
    weight_limit: int = 6000
    org: Any = None  # the organisation (org.py) when the scenario has a master account

    def symbol(self, required: bool = True) -> str | None:
        sym = self.params.get("symbol")
        if not sym:
            if required:
                raise mandatory("symbol")
            return None
        if sym not in self.state.markets:
            raise ApiError(-1121, "Invalid symbol.")
        return sym

    def int_param(self, name: str) -> int | None:
        raw = self.params.get(name)
        if raw is None or raw == "":
            return None
        if not raw.isdigit() or len(raw) > 20:
            raise illegal(name)
        return int(raw)

    def limit(self, default: int, maximum: int = 1000, minimum: int = 1) -> int:
        value = self.int_param("limit")
        if value is None:
            return default
        if value > maximum:
            raise ApiError(-1102, f"'limit' contains unexpected value. Cannot be greater than {maximum}.")
        return max(value, minimum)

    def window(self, max_ms: int | None, hours_text: str | None = None) -> tuple[int | None, int | None]:
        start, end = self.int_param("startTime"), self.int_param("endTime")
        if max_ms is not None and start is not None and end is not None and end - start > max_ms:
            text = hours_text or f"More than {max_ms // HOUR_MS} hours between startTime and endTime."
            raise ApiError(-1127, text)
        return start, end

    def flag(self, name: str) -> bool:
        raw = self.params.get(name, "false").lower()
        if raw not in ("true", "false"):
            raise ApiError(
                -1100, f"Illegal characters found in parameter '{name}'; legal range is 'true, false'."
            )
        return raw == "true"


Handler = Callable[[Ctx], Any]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    security: str = "USER_DATA"  # NONE | USER_DATA | TRADE
    weight: int | Callable[[dict[str, str]], int] = 1
    sapi_scope: str | None = None  # IP | UID for /sapi endpoints
    per_second: int = 0
    permission: str | None = READ
    zero_on_success: bool = False

    @property
    def signed(self) -> bool:
        return self.security != "NONE"

    @property
    def mutating(self) -> bool:
        return self.method != "GET"

    def weight_for(self, params: dict[str, str]) -> int:
        return self.weight(params) if callable(self.weight) else self.weight


def table(endpoints: list[Endpoint]) -> dict[tuple[str, str], Endpoint]:
    return {(e.method, e.path): e for e in endpoints}
