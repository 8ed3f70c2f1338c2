"""GET /api/v3/ticker/price and /ticker/24hr parsed at the edge (`models`' conventions: Decimal, strict)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from responder.exchange.models import Json, dec


@dataclass(frozen=True)
class Ticker24h:
    """One row of GET /api/v3/ticker/24hr (rolling 24 h): what the sweep uses to spot spiked pairs."""

    symbol: str
    high: Decimal
    low: Decimal
    last: Decimal
    quote_volume: Decimal
    count: int

    @classmethod
    def from_json(cls, d: Json) -> Ticker24h:
        count = d.get("count", 0)
        if not isinstance(count, int) or isinstance(count, bool):
            raise ValueError(f"count is not an integer: {count!r}")
        return cls(
            str(d["symbol"]),
            dec(d["highPrice"]),
            dec(d["lowPrice"]),
            dec(d["lastPrice"]),
            dec(d.get("quoteVolume", "0")),
            count,
        )

    @property
    def spike(self) -> Decimal:
        """high ÷ low over the 24 h (1 when flat or unknown): a pump shows as a large ratio."""
        return self.high / self.low if self.low > 0 and self.high >= self.low else Decimal(1)


def _rows(data: Any) -> list[Any]:
    if not isinstance(data, list):
        raise ValueError("expected a list of tickers")
    return data


def prices_by_symbol(data: Any) -> dict[str, Decimal]:
    """Every symbol's last price (GET /api/v3/ticker/price without a symbol)."""
    return {str(r["symbol"]): dec(r["price"]) for r in _rows(data)}


def stats_by_symbol(data: Any) -> dict[str, Ticker24h]:
    """Every symbol's 24 h statistics (GET /api/v3/ticker/24hr without a symbol)."""
    return {t.symbol: t for t in (Ticker24h.from_json(r) for r in _rows(data))}
