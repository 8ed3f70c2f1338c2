"""The vocabulary of an investigation: the window, the collected evidence, findings and verdicts.

Evidence is what the sweep collected, already parsed into the exchange models (Decimal, aware UTC).
A `Finding` is one rule's statement about one subject (an order, a withdrawal, a transfer, the key),
with a severity and a reason carrying the numbers a support agent can check. A verdict combines an
order's findings into attacker / suspicious / unknown / normal (see `verdict`): `unknown` is said
when the account's history before the leak is too thin to tell the user's activity from an attacker's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from responder.exchange.models import (
    Account,
    ApiRestrictions,
    Balance,
    ConvertTrade,
    Deposit,
    Kline,
    Order,
    SymbolInfo,
    Trade,
    Transfer,
    WithdrawAddress,
    Withdrawal,
)

Severity = Literal["info", "low", "medium", "high", "critical"]
SEVERITY_RANK: Mapping[str, int] = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
VerdictName = Literal["attacker", "suspicious", "unknown", "normal"]
VERDICTS: tuple[VerdictName, ...] = ("attacker", "suspicious", "unknown", "normal")
NOT_ENOUGH_HISTORY = "unknown — not enough history before the leak"


@dataclass(frozen=True)
class Window:
    """The incident window (leak → until) and the baseline period before it."""

    leak: datetime
    until: datetime
    baseline_days: int = 7

    def __post_init__(self) -> None:
        if self.leak.tzinfo is None or self.until.tzinfo is None:
            raise ValueError("window times must be timezone-aware UTC")
        if self.until <= self.leak:
            raise ValueError("the window must end after the leak time")
        if self.baseline_days < 0:
            raise ValueError("baseline_days must be >= 0")

    @property
    def baseline_start(self) -> datetime:
        return self.leak - timedelta(days=self.baseline_days)

    def in_incident(self, when: datetime) -> bool:
        return self.leak <= when <= self.until

    def in_baseline(self, when: datetime) -> bool:
        return self.baseline_start <= when < self.leak


@dataclass(frozen=True)
class Evidence:
    """Everything the sweep collected for one investigation (parsed, immutable)."""

    window: Window
    orders: tuple[Order, ...] = ()
    trades: tuple[Trade, ...] = ()
    klines: Mapping[str, tuple[Kline, ...]] = field(default_factory=dict)  # 1m klines by symbol
    withdrawals: tuple[Withdrawal, ...] = ()
    deposits: tuple[Deposit, ...] = ()
    transfers: tuple[Transfer, ...] = ()
    convert_trades: tuple[ConvertTrade, ...] = ()
    addresses: tuple[WithdrawAddress, ...] = ()
    account: Account | None = None
    restrictions: ApiRestrictions | None = None  # of the leaked key, when the sweep used it
    symbols: Mapping[str, SymbolInfo] = field(default_factory=dict)
    prices_now: Mapping[str, Decimal] = field(default_factory=dict)  # ticker, symbol -> price
    prices_at_leak: Mapping[str, Decimal] = field(default_factory=dict)  # asset -> USDT price
    balances_at_leak: tuple[Balance, ...] = ()


@dataclass(frozen=True)
class Finding:
    """One rule's statement about one subject, e.g. `order:QKCUSDT:4411` or `withdrawal:<id>`."""

    rule: str
    severity: Severity
    subject: str
    reason: str


@dataclass(frozen=True)
class OrderVerdict:
    order: Order
    verdict: VerdictName
    findings: tuple[Finding, ...]
    score: int

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(f.rule for f in self.findings)

    @property
    def reason(self) -> str:
        return "; ".join(f.reason for f in self.findings) or "nothing abnormal"


@dataclass(frozen=True)
class ItemVerdict:
    """The verdict on a withdrawal, transfer or address-book entry (subject kept as its model)."""

    subject: Withdrawal | Transfer | WithdrawAddress
    verdict: VerdictName
    findings: tuple[Finding, ...]

    @property
    def reason(self) -> str:
        return "; ".join(f.reason for f in self.findings) or "nothing abnormal"


@dataclass(frozen=True)
class Loss:
    """The estimated loss in USDT; `method` says how it was computed and what it leaves out."""

    usdt_paid: Decimal
    value_at_leak: Decimal
    value_now: Decimal
    withdrawn_value: Decimal
    method: str

    @property
    def estimated_loss(self) -> Decimal:
        return self.usdt_paid - self.value_now + self.withdrawn_value


@dataclass(frozen=True)
class SweepStats:
    calls: int = 0
    weight: int = 0
    seconds: float = 0.0
    minimum_seconds: float = 0.0
    symbols: int = 0
    first_attacker_seconds: float | None = None


@dataclass(frozen=True)
class Findings:
    """The result of an investigation: per-item verdicts, account-level findings, the loss."""

    window: Window
    orders: tuple[OrderVerdict, ...]
    withdrawals: tuple[ItemVerdict, ...]
    transfers: tuple[ItemVerdict, ...]
    addresses: tuple[ItemVerdict, ...]
    account_findings: tuple[Finding, ...]
    loss: Loss
    stats: SweepStats = field(default_factory=SweepStats)
    baseline_summary: Mapping[str, object] = field(default_factory=dict)
    gaps: tuple[str, ...] = ()  # reads that failed or were not allowed: what the findings cannot cover
    evidence: Evidence | None = None
    onset: Mapping[str, object] = field(default_factory=dict)  # where the new shape began (change point)

    def attacker_orders(self) -> tuple[OrderVerdict, ...]:
        return tuple(v for v in self.orders if v.verdict == "attacker")
