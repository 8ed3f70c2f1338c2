"""The investigation's findings (findings.json, written by forensics) as report rows.

Only attacker and suspicious orders are listed (orders judged `unknown` — not enough history before
the leak — are counted, not listed); withdrawals and transfers are kept when they happened at or after
the suspected leak (all of them when the leak time is unknown) unless the investigation judged them
normal (the user's own, to a whitelisted or previously used address). Field names follow
docs/ARCHITECTURE.md, with Binance's own names accepted for withdrawals and transfers. Every string
from here is attacker-influenced and is cleaned; templates escape it again for their format.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from responder.clock import from_ms
from responder.exchange.models import WITHDRAW_STATUS
from responder.incident.record import parse_time
from responder.report import fmt
from responder.report.explorer import tx_url
from responder.report.legend import legend
from responder.report.model import Findings, Loss, OrderRow, TransferRow, WithdrawalRow
from responder.report.text import clean

FLAGGED = ("attacker", "suspicious")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Quote assets, longest first, to name the unit of an order's quote amount from its symbol.
_QUOTES = ("FDUSD", "USDT", "USDC", "TUSD", "BUSD", "EURI", "BTC", "ETH", "BNB", "EUR", "TRY", "BRL",
           "JPY", "GBP", "AUD", "DAI", "XRP", "TRX", "DOGE")  # fmt: skip
_STATUS = {"FILLED": "filled", "NEW": "open", "PARTIALLY_FILLED": "partly filled", "EXPIRED": "expired",
           "EXPIRED_IN_MATCH": "expired (self-trade prevention)", "REJECTED": "rejected",
           "PENDING_CANCEL": "being cancelled", "CANCELED": "cancelled (not by responder)"}  # fmt: skip


def _s(d: Mapping[str, Any], *keys: str) -> str:
    for k in keys:
        v = d.get(k)
        if v is not None and v != "":
            return clean(str(v))
    return ""


def _time(d: Mapping[str, Any], *keys: str) -> datetime | None:
    for k in keys:
        v = d.get(k)
        if isinstance(v, int) and not isinstance(v, bool):
            return from_ms(v)
        if isinstance(v, str) and v:
            try:
                return parse_time(v if "T" in v or "Z" in v else v.replace(" ", "T") + "Z")
            except ValueError:
                continue
    return None


def _reason(d: Mapping[str, Any]) -> str:
    reason = d.get("reason") or d.get("reasons") or ""
    if isinstance(reason, list):
        return "; ".join(clean(str(r)) for r in reason)
    return clean(str(reason))


def _rules(d: Mapping[str, Any]) -> tuple[str, ...]:
    rules = d.get("rules") or ()
    return tuple(clean(str(r)) for r in rules) if isinstance(rules, list) else ()


def quote_unit(symbol: str) -> str:
    """The quote asset of a symbol (`PHBUSDT` -> `USDT`), or "" when it is not a known one."""
    return next((q for q in _QUOTES if symbol.endswith(q) and len(symbol) > len(q)), "")


def _status(d: Mapping[str, Any], cancels: Mapping[str, str]) -> str:
    raw = _s(d, "status")
    by_me = cancels.get(_s(d, "orderId"))
    if by_me is not None and raw in ("CANCELED", "NEW", "PARTIALLY_FILLED", "PENDING_CANCEL"):
        filled = fmt.amount(d.get("executedQty"))
        part = f" after {filled} filled" if filled and filled != "0" else ""
        return f"cancelled by the user at {by_me}{part}"
    return _STATUS.get(raw, raw.lower())


def order_row(
    d: Mapping[str, Any], cancels: Mapping[str, str] | None = None
) -> tuple[datetime | None, OrderRow]:
    """One order; `cancels` maps orderIds the user cancelled through responder to when (and entry)."""
    moment = _time(d, "time")
    executed, ordered = fmt.amount(d.get("executedQty")), fmt.amount(d.get("origQty"))
    qty = f"{executed} / {ordered}" if executed and ordered and executed != ordered else executed or ordered
    return moment, OrderRow(
        time=fmt.stamp(moment) if moment else _s(d, "time"),
        symbol=_s(d, "symbol"),
        side=_s(d, "side"),
        type=_s(d, "type"),
        qty=qty,
        price=fmt.amount(d.get("price")),
        quote=_with_unit(fmt.amount(d.get("quoteQty", d.get("cummulativeQuoteQty"))), _s(d, "symbol")),
        client_order_id=_s(d, "clientOrderId"),
        order_id=_s(d, "orderId"),
        status=_status(d, cancels or {}),
        verdict=_s(d, "verdict"),
        rules=_rules(d),
        reason=_reason(d),
    )


def _with_unit(amount: str, symbol: str) -> str:
    unit = quote_unit(symbol)
    return f"{amount} {unit}" if amount and unit else amount


def withdrawal_row(d: Mapping[str, Any]) -> tuple[datetime | None, WithdrawalRow]:
    moment = _time(d, "time", "applyTime", "apply_time", "completeTime", "complete_time")
    network, tx = _s(d, "network"), _s(d, "txId", "tx_id")
    return moment, WithdrawalRow(
        time=fmt.stamp(moment) if moment else "",
        coin=_s(d, "coin", "asset"),
        network=network,
        amount=fmt.amount(d.get("amount")),
        address=_s(d, "address"),
        address_tag=_s(d, "addressTag", "address_tag", "memo"),
        tx_id=tx,
        tx_url=tx_url(network, tx),
        status=_withdraw_status(d.get("status")),
        reason=_reason(d),
        verdict=_s(d, "verdict"),
        rules=_rules(d),
    )


def _withdraw_status(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return WITHDRAW_STATUS.get(value, str(value))
    return clean(str(value)) if value is not None else ""


def transfer_row(d: Mapping[str, Any]) -> tuple[datetime | None, TransferRow]:
    moment = _time(d, "time", "timestamp")
    return moment, TransferRow(
        time=fmt.stamp(moment) if moment else "",
        asset=_s(d, "asset", "coin"),
        amount=fmt.amount(d.get("amount")),
        type=_s(d, "type"),
        tran_id=_s(d, "tranId", "tran_id", "id"),
        reason=_reason(d),
        rules=_rules(d),
    )


def _by_time(row: tuple[datetime | None, Any]) -> tuple[bool, datetime]:
    return (row[0] is None, row[0] or _EPOCH)


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _after(
    rows: list[tuple[datetime | None, Any]], leak: datetime | None, raw: list[Mapping[str, Any]]
) -> tuple[Any, ...]:
    """Rows at or after the leak, except those the investigation judged normal (the user's own
    withdrawal to a whitelisted or previously used address is not the attacker's: the letter to
    Binance must not ask to flag it). Rows without a verdict are kept."""
    kept = [
        (m, r)
        for (m, r), d in zip(rows, raw, strict=True)
        if (leak is None or m is None or m >= leak) and str(d.get("verdict", "")) != "normal"
    ]
    return tuple(r for _, r in sorted(kept, key=_by_time))


def _loss(summary: Mapping[str, Any]) -> Loss | None:
    loss = summary.get("loss")
    if not isinstance(loss, Mapping):
        return None
    return Loss(
        estimated=fmt.amount(loss.get("estimated_loss")) or None,
        usdt_paid=fmt.amount(loss.get("usdt_paid")) or None,
        value_at_leak=fmt.amount(loss.get("value_at_leak")) or None,
        value_now=fmt.amount(loss.get("value_now")) or None,
        withdrawn_value=fmt.amount(loss.get("withdrawn_value")) or None,
        method=_s(loss, "method") or "not stated by the investigation",
        nothing_lost=_is_zero(loss.get("estimated_loss")),
    )


def _is_zero(value: Any) -> bool:
    try:
        return value is not None and Decimal(str(value)) == 0
    except ArithmeticError:
        return False


def _gaps(summary: Mapping[str, Any]) -> tuple[str, ...]:
    gaps = summary.get("gaps")
    return tuple(clean(str(g)) for g in gaps if g) if isinstance(gaps, list) else ()


def findings(
    data: Mapping[str, Any] | None, leak: datetime | None, cancels: Mapping[str, str] | None = None
) -> Findings:
    """The findings section; `present=False` when no investigation was recorded. `cancels`: orderId ->
    when the user cancelled it through responder (from the journal)."""
    if data is None:
        return Findings(False, 0, (), (), (), None)
    orders = _dicts(data.get("orders"))
    flagged = [order_row(o, cancels) for o in orders if str(o.get("verdict", "")) in FLAGGED]
    flagged.sort(key=_by_time)
    summary = data.get("summary")
    summary = summary if isinstance(summary, Mapping) else {}
    raw_w, raw_t = _dicts(data.get("withdrawals")), _dicts(data.get("transfers"))
    withdrawals = _after([withdrawal_row(w) for w in raw_w], leak, raw_w)
    transfers = _after([transfer_row(t) for t in raw_t], leak, raw_t)
    order_rows = tuple(r for _, r in flagged)
    loss, gaps = _loss(summary), _gaps(summary)
    if gaps and loss is not None and loss.nothing_lost:  # "0" from an incomplete sweep is not a figure
        loss = Loss(None, None, None, None, None, loss.method)
    rules = [rule for o in order_rows for rule in o.rules]
    rules += [rule for item in (*withdrawals, *transfers) for rule in item.rules]
    return Findings(
        True,
        len(orders),
        order_rows,
        withdrawals,
        transfers,
        loss,
        gaps,
        legend(rules),
        sum(1 for o in order_rows if o.verdict == "attacker"),
        sum(1 for o in order_rows if o.verdict == "suspicious"),
        sum(1 for o in orders if str(o.get("verdict", "")) == "unknown"),
    )


def flagged_fill_times(data: Mapping[str, Any] | None) -> list[tuple[datetime, str, str]]:
    """(time, label, verdict) of each flagged order, for the SVG timeline."""
    out: list[tuple[datetime, str, str]] = []
    for o in _dicts((data or {}).get("orders")):
        verdict = str(o.get("verdict", ""))
        moment = _time(o, "time")
        if verdict in FLAGGED and moment is not None:
            out.append(
                (moment, f"{_s(o, 'side')} {_s(o, 'symbol')} {fmt.amount(o.get('executedQty'))}", verdict)
            )
    return out


def account_events(
    data: Mapping[str, Any] | None, leak: datetime | None, noticed: datetime | None
) -> tuple[tuple[datetime, str, str], ...]:
    """What happened to the account, for the timeline: (time, mark, sentence). Marks as the timeline's."""
    out: list[tuple[datetime, str, str]] = []
    if leak is not None:
        out.append((leak, "!", "Suspected leak of the key"))
    if noticed is not None:
        out.append((noticed, "·", "I first noticed something was wrong"))
    attacker = sorted(  # by time only: two orders of one OCO share it, and rows do not compare
        (
            (m, o)
            for m, o in (order_row(o) for o in _dicts((data or {}).get("orders")))
            if m and o.verdict == "attacker"
        ),
        key=lambda mo: mo[0],
    )
    if attacker:
        (first, o), (last, z) = attacker[0], attacker[-1]
        out.append(
            (
                first,
                "!",
                f"First of {len(attacker)} attacker orders: {o.side} {o.qty} {o.symbol} at {o.price}",
            )
        )
        if len(attacker) > 1:
            out.append((last, "!", f"Last attacker order: {z.side} {z.qty} {z.symbol} at {z.price}"))
    moved = [withdrawal_row(w) for w in _dicts((data or {}).get("withdrawals"))]
    for m, w in [(m, w) for m, w in moved if m and (leak is None or m >= leak)][:10]:
        mine = w.verdict == "normal"  # e.g. to a whitelisted or previously used address: the user's own
        what = f"Withdrawal of {w.amount} {w.coin} to {w.address} ({w.status or 'status unknown'})"
        out.append((m, "·" if mine else "!", what + ("; judged mine (a trusted address)" if mine else "")))
    shifted = [transfer_row(t) for t in _dicts((data or {}).get("transfers"))]
    for m, t in [(m, t) for m, t in shifted if m and (leak is None or m >= leak)][:10]:
        out.append((m, "!", f"Transfer of {t.amount} {t.asset} ({t.type})"))
    return tuple(out)
