"""The estimated loss in USDT from the attacker's orders and withdrawals (Decimal throughout).

Method (also returned as text with the numbers): net every attacker order into per-asset changes
(a buy adds base and removes quote, a sell the reverse; commissions ignored). What the account gave
up is `usdt_paid`, valued at the USDT price at the leak time. What it received is valued twice: at
leak-time prices (`value_at_leak`, what it was worth before the attack moved the market) and now
(`value_now`). Withdrawals the attacker made (not cancelled, rejected or failed) are valued now.
Estimated loss = usdt_paid − value_now + withdrawn_value. Assets with no USDT or BTC price are
named in the method and left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal

from responder.exchange.models import Order, SymbolInfo, Withdrawal
from responder.forensics.baseline import base_of, quote_of
from responder.forensics.model import Loss
from responder.forensics.prices import STABLES, usdt_price

FAILED_WITHDRAWAL = frozenset({1, 3, 5})  # cancelled, rejected, failure
CENT = Decimal("0.01")


def asset_changes(orders: Iterable[Order], symbols: Mapping[str, SymbolInfo]) -> dict[str, Decimal]:
    """Net change per asset caused by the orders' fills."""
    delta: dict[str, Decimal] = defaultdict(Decimal)
    for o in orders:
        if o.executed_qty == 0:
            continue
        base, quote = base_of(o.symbol, symbols), quote_of(o.symbol, symbols)
        sign = 1 if o.side == "BUY" else -1
        delta[base] += sign * o.executed_qty
        delta[quote] -= sign * o.cummulative_quote_qty
    return {a: d for a, d in delta.items() if d != 0}


def _price(asset: str, table: Mapping[str, Decimal], tickers: Mapping[str, Decimal]) -> Decimal | None:
    if asset in STABLES:
        return Decimal(1)
    return table.get(asset) if asset in table else usdt_price(asset, tickers)


def estimate(
    attacker_orders: Iterable[Order],
    attacker_withdrawals: Iterable[Withdrawal],
    *,
    symbols: Mapping[str, SymbolInfo],
    prices_at_leak: Mapping[str, Decimal],
    tickers_now: Mapping[str, Decimal],
    unsure_withdrawals: Iterable[Withdrawal] = (),
    orders_swept: str | None = None,
) -> Loss:
    """Value what the attacker's orders and withdrawals cost (see the module docstring).

    `unsure_withdrawals` (judged suspicious) are named in the method, not counted; `orders_swept`
    (why the sweep could not run) makes the method say the figure covers withdrawals only."""
    paid = at_leak = now = withdrawn = Decimal(0)
    unvalued: set[str] = set()
    for asset, d in sorted(asset_changes(attacker_orders, symbols).items()):
        p_leak = _price(asset, prices_at_leak, {})
        p_now = _price(asset, {}, tickers_now)
        if d < 0:
            p = p_leak if p_leak is not None else p_now
            if p is None:
                unvalued.add(asset)
                continue
            paid += -d * p
        else:
            if p_leak is None or p_now is None:
                unvalued.add(asset)
            at_leak += d * (p_leak if p_leak is not None else p_now or 0)
            now += d * (p_now if p_now is not None else p_leak or 0)
    for w in attacker_withdrawals:
        if w.status in FAILED_WITHDRAWAL:
            continue
        p = _price(w.coin, {}, tickers_now)
        if p is None:
            unvalued.add(w.coin)
        else:
            withdrawn += (w.amount + w.fee) * p
    unsure = [w for w in unsure_withdrawals if w.status not in FAILED_WITHDRAWAL]
    method = _method(unvalued, unsure, swept=orders_swept is None)
    return Loss(
        paid.quantize(CENT), at_leak.quantize(CENT), now.quantize(CENT), withdrawn.quantize(CENT), method
    )


SWEPT_METHOD = (
    "attacker orders netted per asset (commissions ignored); assets given up valued at the USDT price "
    "at the leak time; assets received valued at the leak time and at current tickers; stablecoins at "
    "1 USDT; attacker withdrawals (not cancelled/rejected/failed) valued now, fee included. "
    "Loss = usdt_paid - value_now + withdrawn_value."
)
SNAPSHOT_METHOD = (
    "Orders not swept (see gaps): what the attacker's orders cost is unknown and not included, "
    "so this is a lower bound — ask Binance support for the order history. Counted: the "
    "attacker withdrawals the snapshot taken before revoking proves (not cancelled/rejected/"
    "failed), valued at current tickers, fee included; stablecoins at 1 USDT."
)


def _method(unvalued: set[str], unsure: list[Withdrawal], *, swept: bool) -> str:
    """How the figure was made and what it leaves out (unpriced assets, unproven withdrawals)."""
    method = SWEPT_METHOD if swept else SNAPSHOT_METHOD
    if unvalued:
        method += f" No price for: {', '.join(sorted(unvalued))} (left out or valued at the other time)."
    if unsure:
        amounts = ", ".join(f"{w.amount.normalize():f} {w.coin}" for w in unsure)
        method += f" Not counted: {len(unsure)} withdrawal(s) judged suspicious, not proven ({amounts})."
    return method
