"""The `[futures]` and `[margin]` tables of a scenario (the format is in docs/simulator.md).

Parsed here so `scenario.py` only calls one function per table. Attacker futures and margin actions
are ordinary `[[attack.actions]]` with the kinds in `DERIVATIVE_KINDS`; their fields are checked when
they are played (`derivatives.py`), like spot orders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

DERIVATIVE_KINDS = (
    "futures_leverage",  # symbol, leverage
    "futures_order",  # symbol, side, quantity, type MARKET|LIMIT, price (LIMIT), leverage (optional)
    "futures_liquidation",  # symbol: the position is force-closed at its liquidation price
    "margin_borrow",  # asset, amount
    "margin_order",  # symbol, side, quantity, type MARKET|LIMIT, price (LIMIT)
)


def _dec(value: object, where: str) -> Decimal:
    if isinstance(value, (float, bool)):
        raise ValueError(f'{where}: write amounts as strings ("0.5"), not {value!r}')
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{where}: not a decimal amount: {value!r}") from None


@dataclass(frozen=True)
class FuturesSpec:
    """The USDⓈ-M futures wallet `days` ago, and the user's own futures bot since then."""

    balances: dict[str, Decimal] = field(default_factory=dict)
    bot_prefix: str = "fbot-"
    bot_symbols: tuple[str, ...] = ()
    bot_trades_per_day: int = 2
    bot_leverage: int = 5
    days: int = 14
    leverage: dict[str, int] = field(default_factory=dict)  # the user's per-symbol settings


@dataclass(frozen=True)
class MarginSpec:
    balances: dict[str, Decimal] = field(default_factory=dict)


def parse_futures(d: dict[str, Any] | None) -> FuturesSpec | None:
    if d is None:
        return None
    return FuturesSpec(
        balances={str(a): _dec(v, f"futures.balances.{a}") for a, v in d.get("balances", {}).items()},
        bot_prefix=str(d.get("bot_prefix", "fbot-")),
        bot_symbols=tuple(str(s) for s in d.get("bot_symbols", [])),
        bot_trades_per_day=int(d.get("bot_trades_per_day", 2)),
        bot_leverage=int(d.get("bot_leverage", 5)),
        days=int(d.get("days", 14)),
        leverage={str(s): int(v) for s, v in d.get("leverage", {}).items()},
    )


def parse_margin(d: dict[str, Any] | None) -> MarginSpec | None:
    if d is None:
        return None
    return MarginSpec({str(a): _dec(v, f"margin.balances.{a}") for a, v in d.get("balances", {}).items()})
