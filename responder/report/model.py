"""The report context: a frozen view model holding display-ready strings, and nothing else.

Templates only loop and branch over it, so every decision (what is abnormal, what counts as proof,
how a time is shown) is made in Python and tested there. Optional facts are `None`, never missing, so
templates render under `StrictUndefined`.
"""

from __future__ import annotations

from dataclasses import dataclass

from responder.report.derivatives_view import DerivativesSection


@dataclass(frozen=True)
class Header:
    case_id: str
    mode: str  # live | dry-run | drill
    banner: str | None  # DRILL / DRY RUN text, None for a live case
    account_uid: str | None
    key_masked: str
    key_type: str
    key_created: str | None
    permissions: tuple[str, ...] | None  # None: never read (no snapshot before revocation)
    withdrawals_enabled: bool | None
    ip_restricted: bool | None
    permissions_read_at: str | None
    responder_version: str
    playbook: str
    exchange: str


@dataclass(frozen=True)
class Happened:
    what_leaked: str | None
    vector: str | None
    leak_time: str | None  # `2026-11-23 14:02:03 UTC (15:02:03 CET)` or the text as typed
    noticed: str | None
    case_opened: str


@dataclass(frozen=True)
class Summary:
    """The first thing an agent reads: who, which key, what it could do, when, proven dead, how much."""

    account_uid: str
    key: str  # masked, with its type
    permissions: str  # at the leak, or why they are not known
    suspected_leak: str
    key_status: str  # "proven dead at …" or "NOT proven dead: …"
    key_dead: bool
    loss: str  # "3,793.23 USDT" or why there is no figure
    loss_method: str
    attacker_orders: int
    suspicious_orders: int
    withdrawals: int  # after the leak
    transfers: int  # after the leak
    investigated: bool
    journal_head: str


@dataclass(frozen=True)
class RuleNote:
    """A detection rule, explained once (the tables name rules by id only)."""

    rule: str
    meaning: str


@dataclass(frozen=True)
class TimelineRow:
    seq: int  # the journal entry; 0 for what happened to the account (from the findings)
    time: str  # HH:MM:SS UTC
    elapsed: str  # since the case opened, `+01:03`
    mark: str  # ✓ proven, ! needs attention, · informational
    text: str


@dataclass(frozen=True)
class Metrics:
    time_to_contain: str | None
    contain_from: str  # what the clock started at: "noticed" or "case opened"
    contain_note: str | None  # why it is not known
    time_to_report: str
    report_from: str


@dataclass(frozen=True)
class Check:
    seq: int
    time: str
    result: str
    reason: str
    proven: bool


@dataclass(frozen=True)
class Revocation:
    checks: tuple[Check, ...]
    conclusion: str
    dead: bool
    to_support: str  # the revocation sentence of the request to support


@dataclass(frozen=True)
class OrderRow:
    time: str
    symbol: str
    side: str
    type: str
    qty: str  # executed / ordered
    price: str
    quote: str  # with its unit when the symbol's quote asset is known: `877.5 USDT`
    client_order_id: str
    order_id: str
    status: str  # in words: `filled`, `cancelled by the user at 10:53:50 UTC (entry #30)`, ...
    verdict: str
    rules: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class WithdrawalRow:
    time: str
    coin: str
    network: str
    amount: str
    address: str
    address_tag: str
    tx_id: str
    tx_url: str | None
    status: str
    reason: str
    rules: tuple[str, ...] = ()
    verdict: str = ""  # attacker | suspicious (| "" when the findings gave none)


@dataclass(frozen=True)
class TransferRow:
    time: str
    asset: str
    amount: str
    type: str
    tran_id: str
    reason: str
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Loss:
    estimated: str | None  # the investigation's estimated loss in USDT; None when it gave none
    usdt_paid: str | None
    value_at_leak: str | None
    value_now: str | None
    withdrawn_value: str | None
    method: str
    nothing_lost: bool = False  # the estimate is zero


@dataclass(frozen=True)
class Findings:
    present: bool  # False: no investigation was recorded (findings.json absent)
    orders_reviewed: int
    orders: tuple[OrderRow, ...]  # attacker and suspicious only
    withdrawals: tuple[WithdrawalRow, ...]
    transfers: tuple[TransferRow, ...]
    loss: Loss | None
    gaps: tuple[str, ...] = ()  # what the investigation could not cover (its own words)
    legend: tuple[RuleNote, ...] = ()  # every rule named in the tables, explained once
    attacker_orders: int = 0
    suspicious_orders: int = 0
    unknown_orders: int = 0  # orders judged "unknown — not enough history before the leak"


@dataclass(frozen=True)
class EvidenceRow:
    path: str
    sha256: str
    source: str
    description: str
    status: str  # intact | CHANGED | MISSING


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    css: str  # milestone | action | attention | fill-attacker | fill-suspicious
    title: str
    label: str | None  # drawn next to the marker when not None
    label_x: float
    label_y: float
    anchor: str  # SVG text-anchor: start | end


@dataclass(frozen=True)
class Lane:
    y: float
    label_y: float
    name: str


@dataclass(frozen=True)
class Panel:
    title: str
    title_y: float
    axis_y: float
    tick_end_y: float
    tick_label_y: float
    x0: float
    x1: float
    ticks: tuple[Tick, ...]
    lanes: tuple[Lane, ...]
    markers: tuple[Marker, ...]


@dataclass(frozen=True)
class TimelineSvg:
    width: int
    height: int
    panels: tuple[Panel, ...]
    description: str  # the SVG's accessible <desc>


@dataclass(frozen=True)
class ReportContext:
    title: str
    generated_at: str
    warnings: tuple[str, ...]  # the record does not hold up as written: shown before anything else
    summary: Summary
    header: Header
    happened: Happened
    timeline: tuple[TimelineRow, ...]
    metrics: Metrics
    revocation: Revocation
    findings: Findings
    done_by_user: tuple[str, ...]
    evidence: tuple[EvidenceRow, ...]
    evidence_intact: bool
    journal_head: str
    journal_entries: int
    svg: TimelineSvg
    derivatives: DerivativesSection | None = None  # futures and margin (issue 15); None: spot only
