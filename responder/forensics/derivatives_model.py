"""The vocabulary of the futures and margin investigation: evidence, verdicts, the futures section.

Evidence is what the derivatives sweep read, parsed (Decimal, aware UTC), plus `gaps`: every read
that failed, so a missing row is *unknown*, never "nothing happened". Verdicts reuse the spot
`Finding` and verdict names (attacker / suspicious / normal).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Generic, TypeVar

from responder.exchange.models import Order, Trade
from responder.exchange.models_derivatives import (
    FuturesAccount,
    FuturesOrder,
    FuturesPosition,
    FuturesTrade,
    Income,
    LoanRecord,
    MarginAccount,
    MarginLiquidation,
)
from responder.forensics.model import Finding, VerdictName, Window

S = TypeVar("S")


@dataclass(frozen=True)
class FuturesEvidence:
    income: tuple[Income, ...] = ()
    orders: Mapping[str, tuple[FuturesOrder, ...]] = field(default_factory=dict)  # by symbol
    trades: Mapping[str, tuple[FuturesTrade, ...]] = field(default_factory=dict)  # by symbol
    force_orders: tuple[FuturesOrder, ...] = ()
    open_orders: tuple[FuturesOrder, ...] = ()
    positions: tuple[FuturesPosition, ...] = ()
    account: FuturesAccount | None = None
    leverage: Mapping[str, int] = field(default_factory=dict)  # symbol -> leverage setting now
    mark_prices: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class MarginEvidence:
    account: MarginAccount | None = None
    open_orders: tuple[Order, ...] = ()
    orders: Mapping[str, tuple[Order, ...]] = field(default_factory=dict)
    trades: Mapping[str, tuple[Trade, ...]] = field(default_factory=dict)
    loans: tuple[LoanRecord, ...] = ()
    liquidations: tuple[MarginLiquidation, ...] = ()


@dataclass(frozen=True)
class DerivativesEvidence:
    window: Window
    futures: FuturesEvidence | None = None  # None: the key cannot use futures, or it was not read
    margin: MarginEvidence | None = None
    bot_prefixes: tuple[str, ...] = ()
    gaps: tuple[str, ...] = ()


@dataclass(frozen=True)
class Judged(Generic[S]):
    subject: S
    verdict: VerdictName
    findings: tuple[Finding, ...]

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(f.rule for f in self.findings)

    @property
    def reason(self) -> str:
        return "; ".join(f.reason for f in self.findings) or "nothing abnormal"


@dataclass(frozen=True)
class PositionView:
    """A position now, and whether it was opened (or grown) after the leak: True, False or None
    (unknown: the symbol's trades could not be read)."""

    position: FuturesPosition
    opened_after_leak: bool | None
    amount_at_leak: Decimal | None


@dataclass(frozen=True)
class DerivativesLoss:
    futures_realized: Decimal  # income on attacker symbols since the leak (negative = lost)
    futures_unrealized: Decimal  # uPnL now of positions opened after the leak
    margin: Decimal  # loss on attacker margin buys at today's price, plus interest
    method: str

    @property
    def estimated_loss(self) -> Decimal:
        return -(self.futures_realized + self.futures_unrealized) + self.margin


@dataclass(frozen=True)
class DerivativesFindings:
    window: Window
    futures_orders: tuple[Judged[FuturesOrder], ...] = ()
    futures_trades: tuple[Judged[FuturesTrade], ...] = ()
    transfers: tuple[Income, ...] = ()  # TRANSFER rows since the leak (into or out of futures)
    liquidations: tuple[FuturesOrder, ...] = ()
    positions: tuple[PositionView, ...] = ()
    income_since_leak: Mapping[str, Decimal] = field(default_factory=dict)  # by income type
    margin_orders: tuple[Judged[Order], ...] = ()
    margin_loans: tuple[Judged[LoanRecord], ...] = ()
    margin_liquidations: tuple[MarginLiquidation, ...] = ()
    margin_debts: Mapping[str, Decimal] = field(default_factory=dict)
    loss: DerivativesLoss | None = None
    gaps: tuple[str, ...] = ()
    futures_read: bool = False
    margin_read: bool = False

    def attacker_futures_orders(self) -> tuple[FuturesOrder, ...]:
        return tuple(j.subject for j in self.futures_orders if j.verdict == "attacker")

    def attacker_margin_orders(self) -> tuple[Order, ...]:
        return tuple(j.subject for j in self.margin_orders if j.verdict == "attacker")
