"""Detection rules: pure functions of one shape, `(subject, RuleContext) -> Finding | None`.

Each rule has a stable id, a severity, a role in the verdict (`window`, `origin`, `anomaly` with a
weight, `amplifier`: a weight that counts only beside another anomaly, or `history`: the baseline is
too thin to judge the origin) and a
docstring saying what it flags and when it is wrong. Rules are composed from tuples; an empty rule set
is refused (fail closed). The checks return a reason with numbers, or None.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Generic, Literal, TypeVar

from responder.exchange.models import ApiRestrictions, Order, Transfer, WithdrawAddress, Withdrawal
from responder.forensics.baseline import usdt_notional
from responder.forensics.channel import classify, describe
from responder.forensics.context import RuleContext, order_key, wash_matches
from responder.forensics.context import avg_price as _avg_price
from responder.forensics.model import Finding, Severity

S = TypeVar("S")
Role = Literal["window", "origin", "history", "anomaly", "amplifier", "item"]


@dataclass(frozen=True)
class Rule(Generic[S]):
    id: str
    severity: Severity
    role: Role
    weight: int
    check: Callable[[S, RuleContext], str | None]
    subject: Callable[[S], str]
    needs_history: bool = False  # compares with the baseline: not counted when the history is too thin

    def __call__(self, item: S, ctx: RuleContext) -> Finding | None:
        reason = self.check(item, ctx)
        return None if reason is None else Finding(self.id, self.severity, self.subject(item), reason)

    @property
    def doc(self) -> str:
        return (self.check.__doc__ or "").strip()


def order_subject(o: Order) -> str:
    return f"order:{o.symbol}:{o.order_id}"


def require_rules(rules: Sequence[Rule[S]], what: str) -> Sequence[Rule[S]]:
    """Fail closed: running no rules would report "nothing found" about anything."""
    if not rules:
        raise ValueError(f"an empty {what} rule set would find nothing; refusing to run")
    return rules


def _ago(seconds: float) -> str:
    h, m = divmod(int(seconds) // 60, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{int(seconds) % 60:02d}s"


def _fmt(d: Decimal, places: int = 8) -> str:
    return f"{d.quantize(Decimal(1).scaleb(-places)).normalize():f}"


# --- order rules -------------------------------------------------------------------------------------


def after_leak(o: Order, ctx: RuleContext) -> str | None:
    """Placed inside the incident window (leak → until). Context, not guilt: the user's own bot keeps
    trading after a leak too. False positive when the leak time given is too early."""
    w = ctx.evidence.window
    if not w.in_incident(o.time):
        return None
    return f"placed {_ago((o.time - w.leak).total_seconds())} after the leak"


APP_CHANNELS = frozenset({"web", "android", "ios", "electron"})


def unknown_origin(o: Order, ctx: RuleContext) -> str | None:
    """clientOrderId from a channel (broker, default API id, or custom prefix and shape) the account
    did not use before the leak. Silent when there is no history before the leak to compare with
    (`thin-history` says so instead), and for well-formed Binance app/web ids: a leaked API key does
    not produce them, the person's own app trading does (ids can be forged, so the anomaly rules still
    judge such orders). Heuristic (reference §5): ids can be forged to copy a bot prefix, and a user
    may start a new script after the leak."""
    cid = o.placement_client_order_id
    channel = classify(cid)
    if not ctx.evidence.window.in_incident(o.time) or not ctx.baseline.enough_history:
        return None
    if channel.name in APP_CHANNELS and channel.well_formed:
        return None
    if ctx.baseline.knows_channel(cid, channel):
        return None
    known = ", ".join(sorted(ctx.baseline.channels)) or "none"
    return f"clientOrderId {cid!r} looks like {describe(channel)} (heuristic); channels used before: {known}"


def thin_history(o: Order, ctx: RuleContext) -> str | None:
    """The account placed no orders in the baseline period before the leak, so whether this order's
    channel is the user's cannot be judged (an early leak time, or a new account). Makes the verdict
    `unknown` unless the market evidence alone (price, wash trades, a funnel) proves an attack. Silent
    for ids with a bot prefix the user declared: those are judged as the user's, on their behaviour."""
    if not ctx.evidence.window.in_incident(o.time) or ctx.baseline.enough_history:
        return None
    if ctx.baseline.declared(o.placement_client_order_id):
        return None  # the user vouched for their bot's prefix: judged as a known origin
    return (
        f"not enough history before the leak: no orders in the {ctx.evidence.window.baseline_days} days "
        "before it to tell the user's own activity from an attacker's"
    )


def new_symbol(o: Order, ctx: RuleContext) -> str | None:
    """A symbol the account did not trade in the baseline period (nor declared as usual). Wrong when
    the user genuinely tried a new market after the leak, or the baseline period was too short."""
    if not ctx.evidence.window.in_incident(o.time) or o.symbol in ctx.baseline.symbols:
        return None
    return f"{o.symbol} was not traded in the {ctx.evidence.window.baseline_days} days before the leak"


def off_market_price(o: Order, ctx: RuleContext) -> str | None:
    """A buy priced above (or a sell below) the market range in the hour before this run of orders
    began, by more than max(5 %, 3 × that range). Catches pump buys: the price that counts is the one
    before the account's own orders moved it. Wrong on news spikes; needs 1m klines for the symbol."""
    if not ctx.evidence.window.in_incident(o.time) or (o.executed_qty == 0 and o.price == 0):
        return None
    th = ctx.thresholds
    anchor = max(ctx.cluster_start(o), o.time - 2 * th.price_reference).replace(second=0, microsecond=0)
    ref = ctx.klines_between(o.symbol, anchor - th.price_reference, anchor)
    if not ref:
        return None
    high, low = max(k.high for k in ref), min(k.low for k in ref)
    if low <= 0:
        return None
    tol = max(th.price_tolerance, 3 * (high - low) / low)
    price = _avg_price(o)
    if o.side == "BUY" and price > high * (1 + tol):
        pct = (price / high - 1) * 100
        return f"bought at {_fmt(price)}, {pct:.0f}% above the prior hour's high {_fmt(high)}"
    if o.side == "SELL" and price < low * (1 - tol):
        pct = (1 - price / low) * 100
        return f"sold at {_fmt(price)}, {pct:.0f}% below the prior hour's low {_fmt(low)}"
    return None


def illiquid_pair(o: Order, ctx: RuleContext) -> str | None:
    """The order's fill was a large share (≥ 25 %) of the whole market's quote volume within ±30 min:
    the account was the market. Pumps target such pairs. Wrong for big accounts trading mid-size pairs
    honestly; silent when no klines were collected for the symbol."""
    if not ctx.evidence.window.in_incident(o.time) or o.executed_qty == 0:
        return None
    span = ctx.thresholds.liquidity_span
    rows = ctx.klines_between(o.symbol, o.time - span, o.time + span)
    if not rows:
        return None
    volume = sum((k.quote_volume for k in rows), Decimal())
    notional = o.cummulative_quote_qty
    if volume > 0 and notional / volume < ctx.thresholds.illiquid_share:
        return None
    share = "all" if volume <= 0 else f"{notional / volume:.0%}"
    return f"{_fmt(notional)} traded was {share} of {o.symbol}'s {_fmt(volume)} quote volume within ±30 min"


def size_outlier(o: Order, ctx: RuleContext) -> str | None:
    """Notional (USDT) above 3 × the baseline's 95th percentile and above 1.5 × its largest order.
    Silent with fewer than 5 baseline orders. Wrong when the user deliberately trades bigger."""
    b = ctx.baseline
    if not ctx.evidence.window.in_incident(o.time) or len(b.notionals) < ctx.thresholds.size_min_baseline:
        return None
    value = usdt_notional(o, ctx.evidence.symbols, ctx.evidence.prices_now)
    p95 = b.quantile(0.95)
    if value is None or p95 is None:
        return None
    limit = max(p95 * ctx.thresholds.size_factor, b.notionals[-1] * Decimal("1.5"))
    if value <= limit:
        return None
    return f"{_fmt(value, 2)} USDT is {value / p95:.1f}× the baseline 95th percentile ({_fmt(p95, 2)} USDT)"


def burst(o: Order, ctx: RuleContext) -> str | None:
    """Many orders from the same channel within a minute: at least 5, and at least twice the most the
    account ever placed in a minute before the leak. Wrong when a grid bot is restarted."""
    if not ctx.evidence.window.in_incident(o.time):
        return None
    times = ctx.times_by_channel.get(classify(o.placement_client_order_id).key, ())
    t, span = o.time.timestamp(), ctx.thresholds.burst_span.total_seconds()
    count = bisect.bisect_right(times, t + span / 2) - bisect.bisect_left(times, t - span / 2)
    limit = max(ctx.thresholds.burst_min, 2 * ctx.baseline.max_burst)
    if count < limit:
        return None
    return f"{count} orders from the same channel within {span:.0f} s (baseline max {ctx.baseline.max_burst})"


def wash_trade(o: Order, ctx: RuleContext) -> str | None:
    """A fill matched by an opposite fill of the same size and price (±0.5 %) within 5 minutes, or an
    order Binance expired to prevent a self-trade (EXPIRED_IN_MATCH). Silent for a known channel
    that made such pairs before the leak too (a market maker's continuing normal). Wrong for a market
    maker that starts doing so only after the leak."""
    if not ctx.evidence.window.in_incident(o.time):
        return None
    if o.status == "EXPIRED_IN_MATCH":
        return "expired by self-trade prevention: it would have matched the account's own order"
    cid = o.placement_client_order_id
    if ctx.baseline.knows_channel(cid) and classify(cid).key in ctx.wash_channels:
        return None
    matches = wash_matches(o, ctx.fills, ctx.thresholds)
    if not matches:
        return None
    other = min(matches, key=lambda m: (m.time, m.order_id))
    return f"matched by opposite order {other.order_id}: {_fmt(o.executed_qty)} at {_fmt(_avg_price(o))}"


def balance_drain(o: Order, ctx: RuleContext) -> str | None:
    """Part of a funnel: quote assets (and sales of other holdings) poured into one asset the account
    never traded before the leak (see `context._funnels`). Wrong when the user moves into a new coin
    on purpose."""
    return ctx.drain.get(order_key(o))


def _r(
    rid: str,
    sev: Severity,
    role: Role,
    weight: int,
    fn: Callable[[Order, RuleContext], str | None],
    *,
    needs_history: bool = False,
) -> Rule[Order]:
    return Rule(rid, sev, role, weight, fn, order_subject, needs_history)


ORDER_RULES: tuple[Rule[Order], ...] = (
    _r("after-leak", "info", "window", 0, after_leak),
    _r("unknown-origin", "medium", "origin", 0, unknown_origin),
    _r("thin-history", "info", "history", 0, thin_history),
    # Alone, a new symbol is what the user's own bot does when it adds a market: it only amplifies.
    _r("new-symbol", "medium", "amplifier", 2, new_symbol),
    _r("off-market-price", "high", "anomaly", 2, off_market_price),
    # Alone, a large share of a thin market is what a big account on a small pair does: it amplifies.
    _r("illiquid-pair", "medium", "amplifier", 1, illiquid_pair),
    _r("size-outlier", "medium", "anomaly", 1, size_outlier, needs_history=True),
    _r("burst", "low", "anomaly", 1, burst, needs_history=True),
    _r("wash-trade", "high", "anomaly", 2, wash_trade),
    _r("balance-drain", "high", "anomaly", 2, balance_drain),
)


# --- withdrawals, transfers, the key -----------------------------------------------------------------


def withdrawal_after_leak(w: Withdrawal, ctx: RuleContext) -> str | None:
    """A withdrawal requested inside the incident window (any status: even a failed one shows intent).
    Wrong only when the user withdrew on purpose after the leak."""
    if not ctx.evidence.window.in_incident(w.apply_time):
        return None
    from responder.exchange.models import WITHDRAW_STATUS

    status = WITHDRAW_STATUS.get(w.status, str(w.status))
    return f"{_fmt(w.amount)} {w.coin} to {w.address} requested after the leak ({status})"


def _used_before(w: Withdrawal, ctx: RuleContext) -> bool:
    leak = ctx.evidence.window.leak
    return any(x.address == w.address and x.apply_time < leak for x in ctx.evidence.withdrawals)


def _book_entry(w: Withdrawal, ctx: RuleContext) -> WithdrawAddress | None:
    return next((a for a in ctx.evidence.addresses if a.address == w.address), None)


def new_withdrawal_address(w: Withdrawal, ctx: RuleContext) -> str | None:
    """A withdrawal after the leak to an address never withdrawn to before it (in the history pulled,
    up to 90 days) and not a whitelisted address-book entry. Wrong for a user's first withdrawal to a
    new wallet that is not in the address book."""
    if not ctx.evidence.window.in_incident(w.apply_time) or _used_before(w, ctx):
        return None
    entry = _book_entry(w, ctx)
    if entry is not None and entry.white_status:
        return None
    where = "not in the address book"
    if entry is not None:
        where = f"address-book entry {entry.name!r}, not whitelisted"
    return f"address {w.address} ({w.network or w.coin}) was never used before the leak ({where})"


def known_withdrawal_address(w: Withdrawal, ctx: RuleContext) -> str | None:
    """After the leak to an address the user already trusted: withdrawn to before the leak, or a
    whitelisted address-book entry (whitelisting needs the login, 2FA and e-mail, which a leaked API
    key does not give). Makes the withdrawal the user's. Wrong when the attacker also took over the
    login and whitelisted their own address (then the key-created-after-leak finding usually shows)."""
    if not ctx.evidence.window.in_incident(w.apply_time):
        return None
    if _used_before(w, ctx):
        return f"address {w.address} was already withdrawn to before the leak"
    entry = _book_entry(w, ctx)
    if entry is not None and entry.white_status:
        name = f" named {entry.name!r}" if entry.name else ""
        return f"address {w.address} is a whitelisted address-book entry{name}"
    return None


_OUT_OF_SPOT = ("MAIN_", "FUNDING_")


def transfer_out_after_leak(t: Transfer, ctx: RuleContext) -> str | None:
    """A universal transfer out of the spot or funding wallet after the leak (often a step before a
    withdrawal or a futures/margin attack). Wrong when the user rebalanced wallets on purpose."""
    if not ctx.evidence.window.in_incident(t.time) or not t.type.startswith(_OUT_OF_SPOT):
        return None
    return f"{_fmt(t.amount)} {t.asset} moved {t.type} after the leak ({t.status})"


def permission_exposure(r: ApiRestrictions, ctx: RuleContext) -> str | None:
    """What the leaked key allowed: trading, withdrawals, transfers, and whether it was IP-restricted.
    Always reported when the leaked key's restrictions are known; the severity is in the text."""
    allowed = [
        name
        for name, on in (
            ("spot/margin trading", r.enable_spot_and_margin_trading),
            ("withdrawals", r.enable_withdrawals),
            ("universal transfer", r.permits_universal_transfer),
            ("internal transfer", r.enable_internal_transfer),
            ("margin", r.enable_margin),
            ("futures", r.enable_futures),
        )
        if on
    ]
    ip = "IP-restricted" if r.ip_restrict else "NOT IP-restricted (usable from anywhere)"
    return f"leaked key allowed {', '.join(allowed) or 'reading only'}; {ip}"


def _withdrawal_subject(w: Withdrawal) -> str:
    return f"withdrawal:{w.id}"


WITHDRAWAL_RULES: tuple[Rule[Withdrawal], ...] = (
    Rule(
        "withdrawal-after-leak", "critical", "item", 0, withdrawal_after_leak, lambda w: f"withdrawal:{w.id}"
    ),
    Rule("new-withdrawal-address", "high", "item", 0, new_withdrawal_address, _withdrawal_subject),
    Rule("known-withdrawal-address", "info", "item", 0, known_withdrawal_address, _withdrawal_subject),
)
TRANSFER_RULES: tuple[Rule[Transfer], ...] = (
    Rule(
        "transfer-out-after-leak",
        "high",
        "item",
        0,
        transfer_out_after_leak,
        lambda t: f"transfer:{t.tran_id}",
    ),
)
KEY_NEW_BEFORE_LEAK = timedelta(days=1)


def key_created_after_leak(r: ApiRestrictions, ctx: RuleContext) -> str | None:
    """The leaked key was created after the leak time (or within a day before it): if the user did not
    create it, whoever did had their login (password and 2FA) — an account takeover, not only a key
    leak. Wrong when the user made the key shortly before the leak (then it was simply leaked fast)."""
    leak = ctx.evidence.window.leak
    if r.create_time < leak - KEY_NEW_BEFORE_LEAK:
        return None
    when = "after" if r.create_time >= leak else "less than a day before"
    return (
        f"the key was created {r.create_time:%Y-%m-%d %H:%M} UTC, {when} the leak time: if you did not "
        "create it, the attacker had your login — change the password, reset 2FA, log out all devices"
    )


KEY_RULES: tuple[Rule[ApiRestrictions], ...] = (
    Rule("permission-exposure", "high", "item", 0, permission_exposure, lambda r: "key"),
    Rule("key-created-after-leak", "critical", "item", 0, key_created_after_leak, lambda r: "key"),
)


def run(rules: Sequence[Rule[S]], item: S, ctx: RuleContext) -> tuple[Finding, ...]:
    """Every finding the rules make about one item, in rule order."""
    return tuple(f for f in (rule(item, ctx) for rule in rules) if f is not None)
