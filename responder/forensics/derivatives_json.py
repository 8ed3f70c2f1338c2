"""The `futures` and `margin` sections of findings.json (the incident owner writes the file).

Decimals are strings, times ISO-8601 UTC with `Z` (`responder.jsonable`). Every attacker order and
trade carries `verdict: "attacker"`; transfers into or out of USDⓈ-M futures since the leak are named.
A surface that was not read says so (`read: false`) instead of showing empty lists as "nothing".
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from responder.exchange.models_derivatives import Income
from responder.forensics.derivatives_model import DerivativesFindings, Judged
from responder.jsonable import iso, plain

# Binance has no cross-pair index of margin activity (futures have income history): what is swept.
MARGIN_COVERAGE = (
    "margin orders and trades on the pairs of assets held on margin and of open margin orders, from the "
    "day before the leak; a pair traded and fully exited with nothing left open is not found"
)


def _q(x: Decimal) -> str:
    return f"{x.quantize(Decimal('0.00000001')):f}"


def _judged(j: Judged[Any]) -> dict[str, Any]:
    out = plain(j.subject)
    assert isinstance(out, dict)
    out.update({"verdict": j.verdict, "rules": list(j.rules), "reason": j.reason})
    return out


def transfer_name(row: Income) -> str:
    """A TRANSFER income row in words: into futures when positive, out of futures when negative."""
    where = "into USDⓈ-M futures" if row.income > 0 else "out of USDⓈ-M futures"
    return f"{abs(row.income):f} {row.asset} moved {where} (universal transfer, tranId {row.tran_id})"


def futures_section(f: DerivativesFindings) -> dict[str, Any]:
    if not f.futures_read:
        return {
            "read": False,
            "why": "the reads failed",
            "gaps": [g for g in f.gaps if g.startswith("futures")],
        }
    loss = f.loss
    return {
        "read": True,
        "orders": [_judged(j) for j in f.futures_orders],
        "trades": [_judged(j) for j in f.futures_trades],
        "transfers": [
            {**plain(r), "direction": "in" if r.income > 0 else "out", "description": transfer_name(r)}
            for r in f.transfers
        ],
        "liquidations": plain(list(f.liquidations)),
        "positions": [
            {
                **plain(v.position),
                "opened_after_leak": v.opened_after_leak,
                "amount_at_leak": plain(v.amount_at_leak),
            }
            for v in f.positions
        ],
        "income_since_leak": plain(dict(f.income_since_leak)),
        "loss": {
            "realized": _q(loss.futures_realized),
            "unrealized_now": _q(loss.futures_unrealized),
            "method": loss.method,
        }
        if loss
        else None,
    }


def margin_section(f: DerivativesFindings) -> dict[str, Any]:
    if not f.margin_read:
        return {
            "read": False,
            "why": "the reads failed",
            "gaps": [g for g in f.gaps if g.startswith("margin")],
        }
    return {
        "read": True,
        "orders": [_judged(j) for j in f.margin_orders],
        "loans": [_judged(j) for j in f.margin_loans],
        "liquidations": plain(list(f.margin_liquidations)),
        "debts": plain(dict(f.margin_debts)),
        "coverage": MARGIN_COVERAGE,
        "loss": _q(f.loss.margin) if f.loss else None,
    }


def sections(f: DerivativesFindings) -> dict[str, Any]:
    """What findings.json gains: `futures`, `margin`, and the combined loss with its method."""
    loss = f.loss
    return {
        "futures": futures_section(f),
        "margin": margin_section(f),
        "derivatives_loss": {
            "estimated_loss": _q(loss.estimated_loss),
            "method": loss.method,
            "window": {"leak": iso(f.window.leak), "until": iso(f.window.until)},
            "gaps": list(f.gaps),
        }
        if loss
        else None,
    }
