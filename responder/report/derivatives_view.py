"""The futures and margin sections of findings.json as report rows (issue 15).

Only what the investigation judged the attacker's or suspicious is listed as orders; positions,
liquidations, transfers into or out of futures, margin loans and debts are listed as found. A surface
that could not be read says so (`read=False`), never "nothing happened". Every string is
attacker-influenced and is cleaned; templates escape it again for their format.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from responder.report import fmt
from responder.report.text import clean

FLAGGED = ("attacker", "suspicious")


@dataclass(frozen=True)
class DerivOrderRow:
    time: str
    symbol: str
    side: str
    type: str
    qty: str
    avg_price: str
    client_order_id: str
    order_id: str
    verdict: str
    reason: str


@dataclass(frozen=True)
class PositionRow:
    symbol: str
    amount: str
    entry_price: str
    leverage: str
    unrealized_pnl: str
    liquidation_price: str
    opened: str  # after the leak | before the leak | unknown


@dataclass(frozen=True)
class MovementRow:
    time: str
    description: str


@dataclass(frozen=True)
class DerivativesSection:
    present: bool  # findings.json has the futures/margin sections
    futures_read: bool
    margin_read: bool
    futures_unknown: bool  # not read and not known to be impossible: unknown, said plainly
    margin_unknown: bool
    futures_why: str  # why it was not read (e.g. the key could not use futures)
    margin_why: str
    futures_orders: tuple[DerivOrderRow, ...]
    futures_reviewed: int
    positions: tuple[PositionRow, ...]
    liquidations: tuple[DerivOrderRow, ...]
    transfers: tuple[MovementRow, ...]
    realized: str  # income since the leak on the attacker's symbols (negative = lost)
    margin_orders: tuple[DerivOrderRow, ...]
    loans: tuple[MovementRow, ...]
    debts: tuple[str, ...]
    margin_coverage: str  # what the margin sweep covered (Binance has no cross-pair margin index)
    estimated_loss: str
    method: str
    gaps: tuple[str, ...]


def _s(d: Mapping[str, Any], *keys: str) -> str:
    for k in keys:
        v = d.get(k)
        if v is not None and v != "":
            return clean(str(v))
    return ""


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _qty(d: Mapping[str, Any]) -> str:
    """filled / ordered when they differ (a resting order shows 0 / 200000), else the amount."""
    executed, ordered = fmt.amount(d.get("executed_qty")), fmt.amount(d.get("orig_qty"))
    return f"{executed} / {ordered}" if executed and ordered and executed != ordered else executed or ordered


def _order(d: Mapping[str, Any]) -> DerivOrderRow:
    avg = d.get("avg_price")
    return DerivOrderRow(
        time=_s(d, "time", "update_time").replace("T", " ").removesuffix("Z"),
        symbol=_s(d, "symbol"),
        side=_s(d, "side"),
        type=_s(d, "type"),
        qty=_qty(d),
        avg_price=fmt.amount(avg if avg not in (None, "0") else d.get("price")),
        client_order_id=_s(d, "client_order_id", "orig_client_order_id"),
        order_id=_s(d, "order_id"),
        verdict=_s(d, "verdict"),
        reason=_s(d, "reason"),
    )


def _position(d: Mapping[str, Any]) -> PositionRow:
    flag = d.get("opened_after_leak")
    opened = "after the leak" if flag is True else "before the leak" if flag is False else "unknown"
    lev = d.get("leverage")
    return PositionRow(
        symbol=_s(d, "symbol"),
        amount=fmt.amount(d.get("position_amt")),
        entry_price=fmt.amount(d.get("entry_price")),
        leverage=f"{clean(str(lev))}×" if lev is not None else "unknown",
        unrealized_pnl=fmt.amount(d.get("unrealized_pnl")),
        liquidation_price=fmt.amount(d.get("liquidation_price")),
        opened=opened,
    )


def section(data: Mapping[str, Any] | None) -> DerivativesSection | None:
    """None when findings.json has no futures/margin sections (a spot-only investigation)."""
    if data is None or not isinstance(data.get("futures"), Mapping):
        return None
    f = data["futures"]
    m = _map(data.get("margin"))
    loss = _map(data.get("derivatives_loss"))
    orders = _dicts(f.get("orders"))
    flagged = [
        o
        for o in orders
        if str(o.get("verdict")) in FLAGGED and not str(o.get("client_order_id", "")).startswith("autoclose")
    ]
    liq = [o for o in orders if str(o.get("client_order_id", "")).startswith(("autoclose", "adl_autoclose"))]
    floss = _map(f.get("loss"))
    return DerivativesSection(
        present=True,
        futures_read=bool(f.get("read")),
        margin_read=bool(m.get("read")),
        futures_unknown=not f.get("read") and f.get("allowed") is not False,
        margin_unknown=not m.get("read") and m.get("allowed") is not False,
        futures_why=_s(f, "why"),
        margin_why=_s(m, "why"),
        futures_orders=tuple(_order(o) for o in flagged),
        futures_reviewed=len(orders),
        positions=tuple(_position(p) for p in _dicts(f.get("positions"))),
        liquidations=tuple(_order(o) for o in liq),
        transfers=tuple(
            MovementRow(_s(t, "time").replace("T", " ").removesuffix("Z"), _s(t, "description"))
            for t in _dicts(f.get("transfers"))
        ),
        realized=fmt.amount(floss.get("realized")),
        margin_orders=tuple(_order(o) for o in _dicts(m.get("orders")) if str(o.get("verdict")) in FLAGGED),
        loans=tuple(
            MovementRow(
                _s(x, "time").replace("T", " ").removesuffix("Z"),
                f"borrowed {fmt.amount(x.get('amount'))} {_s(x, 'asset')}: "
                f"{_s(x, 'verdict')}, {_s(x, 'reason')}",
            )
            for x in _dicts(m.get("loans"))
            if str(x.get("verdict")) in FLAGGED
        ),
        margin_coverage=_s(m, "coverage"),
        debts=tuple(f"{fmt.amount(v)} {clean(str(k))}" for k, v in _map(m.get("debts")).items()),
        estimated_loss=fmt.amount(loss.get("estimated_loss")),
        method=_s(loss, "method"),
        gaps=tuple(clean(str(g)) for g in loss.get("gaps") or () if g),
    )


def flagged_fill_times(data: Mapping[str, Any] | None) -> list[tuple[datetime, str, str]]:
    """(time, label, verdict) of each flagged futures and margin order, for the SVG timeline."""
    out: list[tuple[datetime, str, str]] = []
    for part in ("futures", "margin"):
        for o in _dicts(_map(_map(data).get(part)).get("orders")):
            verdict, when = str(o.get("verdict", "")), o.get("time")
            if verdict not in FLAGGED or not isinstance(when, str):
                continue
            try:
                moment = datetime.fromisoformat(when.replace("Z", "+00:00")).astimezone(UTC)
            except ValueError:
                continue
            label = f"{part} {_s(o, 'side')} {_s(o, 'symbol')} {fmt.amount(o.get('executed_qty'))}"
            out.append((moment, label, verdict))
    return out
