"""Markets: deterministic prices, klines and exchangeInfo entries, generated from the scenario seed.

A price is a pure function of (seed, symbol, time): a slow and a daily wave plus per-minute noise
from a hash, times an optional pump window. Nothing is stored, so 400 markets cost nothing until
asked for, and the same scenario shows the same chart on every run relative to its start.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from responder.simulator.scenario import MarketSpec, PumpSpec

INTERVALS_MS = {
    "1s": 1000,
    "1m": 60_000,
    "3m": 180_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": 3_600_000,
    "2h": 7_200_000,
    "4h": 14_400_000,
    "6h": 21_600_000,
    "8h": 28_800_000,
    "12h": 43_200_000,
    "1d": 86_400_000,
    "3d": 259_200_000,
    "1w": 604_800_000,
    "1M": 0,
}
_WEEK_SHIFT_MS = 4 * 86_400_000  # epoch day 0 is a Thursday; Binance weeks open on Monday
_DAY_MS = 86_400_000


def _noise(seed: int, symbol: str, bucket: int) -> float:
    digest = hashlib.blake2b(f"{seed}:{symbol}:{bucket}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**63 - 1.0  # [-1, 1)


def _decimals(step: Decimal) -> int:
    return max(0, -step.normalize().as_tuple().exponent)  # type: ignore[operator]  # int exponent for finite


def fmt(value: Decimal, places: int = 8) -> str:
    """Binance's fixed 8-decimal amount strings."""
    return f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN):f}"


@dataclass(frozen=True)
class Market:
    spec: MarketSpec
    seed: int
    anchor_ms: int  # "now" of the scenario: pump windows are relative to it

    @property
    def symbol(self) -> str:
        return self.spec.symbol

    def _pump(self, t_ms: int, pump: PumpSpec) -> float:
        start = self.anchor_ms + pump.start_s * 1000
        end = self.anchor_ms + pump.end_s * 1000
        if not start <= t_ms < end:
            return 1.0
        peak = start + (end - start) * 0.7
        frac = (t_ms - start) / (peak - start) if t_ms < peak else (end - t_ms) / (end - peak)
        return 1.0 + (float(pump.factor) - 1.0) * frac

    def price(self, t_ms: int) -> Decimal:
        """The mid price at `t_ms`, rounded to the tick size."""
        vol = float(self.spec.volatility)
        phase = _noise(self.seed, self.symbol, -1) * math.pi
        slow = math.sin(2 * math.pi * t_ms / (9 * _DAY_MS) + phase)
        daily = math.sin(2 * math.pi * t_ms / _DAY_MS + phase * 2)
        jitter = _noise(self.seed, self.symbol, t_ms // 60_000)
        factor = 1.0 + vol * (0.6 * slow + 0.3 * daily + 0.1 * jitter)
        if self.spec.pump:
            factor *= self._pump(t_ms, self.spec.pump)
        raw = self.spec.price * Decimal(repr(max(factor, 0.01)))
        tick = self.spec.tick_size
        return max((raw / tick).to_integral_value() * tick, tick)

    def quote(self, t_ms: int) -> tuple[Decimal, Decimal]:
        """(best bid, best ask) around the mid price."""
        mid = self.price(t_ms)
        half = max((mid * self.spec.spread / 2 / self.spec.tick_size).to_integral_value(), Decimal(1))
        return mid - half * self.spec.tick_size, mid + half * self.spec.tick_size

    def kline(self, open_ms: int, close_ms: int) -> list[Any]:
        o, c = self.price(open_ms), self.price(close_ms)
        wiggle = Decimal(
            repr(abs(_noise(self.seed, self.symbol, open_ms // 1000 + 7)) * float(self.spec.volatility) / 8)
        )
        high, low = max(o, c) * (1 + wiggle), min(o, c) * (1 - wiggle)
        n = abs(_noise(self.seed, self.symbol, open_ms // 1000 + 3))
        span = max((close_ms - open_ms) / 60_000, 1 / 60)
        volume = self.spec.depth * Decimal(repr(round(n * span * 0.5, 6)))
        quote_vol = volume * (o + c) / 2
        trades = int(n * span * 12) + 1
        places = _decimals(self.spec.tick_size)
        return [
            open_ms,
            fmt(o, places),
            fmt(high, places),
            fmt(low, places),
            fmt(c, places),
            fmt(volume),
            close_ms,
            fmt(quote_vol),
            trades,
            fmt(volume / 2),
            fmt(quote_vol / 2),
            "0",
        ]

    def exchange_info(self) -> dict[str, Any]:
        s = self.spec
        base_p, quote_p = 8, 8
        return {
            "symbol": s.symbol,
            "status": "TRADING",
            "baseAsset": s.base,
            "baseAssetPrecision": base_p,
            "quoteAsset": s.quote,
            "quotePrecision": quote_p,
            "quoteAssetPrecision": quote_p,
            "baseCommissionPrecision": base_p,
            "quoteCommissionPrecision": quote_p,
            "orderTypes": [
                "LIMIT",
                "LIMIT_MAKER",
                "MARKET",
                "STOP_LOSS",
                "STOP_LOSS_LIMIT",
                "TAKE_PROFIT",
                "TAKE_PROFIT_LIMIT",
            ],
            "icebergAllowed": True,
            "ocoAllowed": True,
            "otoAllowed": True,
            "opoAllowed": False,
            "quoteOrderQtyMarketAllowed": True,
            "allowTrailingStop": True,
            "cancelReplaceAllowed": True,
            "amendAllowed": True,
            "pegInstructionsAllowed": False,
            "isSpotTradingAllowed": True,
            "isMarginTradingAllowed": False,
            "filters": self._filters(),
            "permissions": [],
            "permissionSets": [["SPOT"]],
            "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
            "allowedSelfTradePreventionModes": [
                "NONE",
                "EXPIRE_TAKER",
                "EXPIRE_MAKER",
                "EXPIRE_BOTH",
                "DECREMENT",
            ],
        }

    def _filters(self) -> list[dict[str, Any]]:
        """The symbol's filters as exchangeInfo lists them (tick and step from the scenario)."""
        s = self.spec
        return [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": fmt(s.tick_size),
                "maxPrice": "1000000.00000000",
                "tickSize": fmt(s.tick_size),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": fmt(s.step_size),
                "maxQty": "9000000.00000000",
                "stepSize": fmt(s.step_size),
            },
            {"filterType": "ICEBERG_PARTS", "limit": 10},
            {
                "filterType": "MARKET_LOT_SIZE",
                "minQty": "0.00000000",
                "maxQty": "1000000.00000000",
                "stepSize": "0.00000000",
            },
            {
                "filterType": "TRAILING_DELTA",
                "minTrailingAboveDelta": 10,
                "maxTrailingAboveDelta": 2000,
                "minTrailingBelowDelta": 10,
                "maxTrailingBelowDelta": 2000,
            },
            {
                "filterType": "PERCENT_PRICE_BY_SIDE",
                "bidMultiplierUp": "5",
                "bidMultiplierDown": "0.2",
                "askMultiplierUp": "5",
                "askMultiplierDown": "0.2",
                "avgPriceMins": 5,
            },
            {
                "filterType": "NOTIONAL",
                "minNotional": fmt(s.min_notional),
                "applyMinToMarket": True,
                "maxNotional": "9000000.00000000",
                "applyMaxToMarket": False,
                "avgPriceMins": 5,
            },
            {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 5},
        ]


def kline_opens(
    interval: str, start_ms: int | None, end_ms: int | None, limit: int, now_ms: int
) -> list[tuple[int, int]]:
    """(open, close) times of the klines Binance would return for these parameters, oldest first."""
    if interval == "1M":
        return _month_opens(start_ms, end_ms, limit, now_ms)
    step = INTERVALS_MS[interval]
    shift = _WEEK_SHIFT_MS if interval == "1w" else 0

    def floor(t: int) -> int:
        return (t - shift) // step * step + shift

    last = floor(min(end_ms if end_ms is not None else now_ms, now_ms))
    if start_ms is not None:
        first = floor(start_ms) if floor(start_ms) == start_ms else floor(start_ms) + step
        opens = range(first, min(last, first + (limit - 1) * step) + 1, step)
    else:
        opens = range(max(last - (limit - 1) * step, 0), last + 1, step)
    return [(o, o + step - 1) for o in opens]


def _month_opens(start_ms: int | None, end_ms: int | None, limit: int, now_ms: int) -> list[tuple[int, int]]:
    def month_start(t: int) -> datetime:
        d = datetime.fromtimestamp(t / 1000, UTC)
        return d.replace(day=1, hour=0, minute=0, second=0, microsecond=0)

    def nxt(d: datetime) -> datetime:
        return d.replace(year=d.year + d.month // 12, month=d.month % 12 + 1)

    end = min(end_ms if end_ms is not None else now_ms, now_ms)
    cur = month_start(start_ms) if start_ms is not None else month_start(end)
    if start_ms is None:
        for _ in range(limit - 1):
            cur = cur.replace(year=cur.year - (cur.month == 1), month=(cur.month - 2) % 12 + 1)
    out: list[tuple[int, int]] = []
    while len(out) < limit and cur.timestamp() * 1000 <= end:
        o = int(cur.timestamp() * 1000)
        out.append((o, int(nxt(cur).timestamp() * 1000) - 1))
        cur = nxt(cur)
    return out


_SYLLABLES = ("ZA", "KO", "RI", "MU", "TE", "LO", "VA", "NI", "QU", "XE", "BO", "DY", "FI", "GU", "HA", "JE")


def generated_markets(count: int, seed: int) -> list[MarketSpec]:
    """`count` extra markets with made-up assets, deterministic from the seed (large accounts)."""
    rng = random.Random(f"markets:{seed}")
    out: list[MarketSpec] = []
    seen: set[str] = set()
    while len(out) < count:
        base = "".join(rng.choice(_SYLLABLES) for _ in range(2)) + rng.choice("ABCDEFGHKLMNPRSTWXYZ")
        quote = "USDT" if rng.random() < 0.8 else "BTC"
        if base + quote in seen:
            continue
        seen.add(base + quote)
        exp = rng.uniform(-3, 3) if quote == "USDT" else rng.uniform(-7, -3)
        price = Decimal(repr(round(10**exp, 10)))
        tick = Decimal(1).scaleb(math.floor(exp) - 4)
        step = Decimal(1).scaleb(min(max(-math.floor(exp) - 1, -8), 2)) if exp < 2 else Decimal("0.00001")
        step = max(step, Decimal("0.00000001"))
        price = (price / tick).to_integral_value() * tick
        out.append(
            MarketSpec(
                base + quote,
                base,
                quote,
                price,
                tick_size=tick,
                step_size=step,
                min_notional=Decimal("5") if quote == "USDT" else Decimal("0.0001"),
                volatility=Decimal(repr(round(rng.uniform(0.01, 0.08), 4))),
                depth=Decimal(rng.choice(("50", "500", "5000"))),
            )
        )
    return out
