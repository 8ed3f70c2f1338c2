"""`investigate()`: the whole investigation — context reads, the planned sweep, rules, verdicts, loss.

This is the function the CLI and the wizard's "Investigate" step call. It returns data (`Findings`)
and prints nothing; progress goes to the `progress` callback, finished calls to `checkpoint` (so a
journal can resume from them), each symbol whose calls are all done to `symbol_done`, and the first
attacker order, as soon as the suspect symbols are swept, to `on_attacker`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from responder.clock import Clock
from responder.exchange.budget import calendar_minimum_seconds
from responder.exchange.models import (
    Account,
    ApiRestrictions,
    Balance,
    DailySnapshot,
    Kline,
    Order,
    SymbolInfo,
    Trade,
    Withdrawal,
)
from responder.exchange.protocol import Exchange
from responder.exchange.ticker import Ticker24h
from responder.forensics import collect, planner
from responder.forensics.baseline import learn
from responder.forensics.context import Thresholds, build
from responder.forensics.executor import Executor, Progress, Rows
from responder.forensics.loss import asset_changes, estimate
from responder.forensics.model import Evidence, Findings, OrderVerdict, SweepStats, Window
from responder.forensics.verdict import (
    judge_addresses,
    judge_key,
    judge_orders,
    judge_transfers,
    judge_withdrawals,
    onset,
)

OLDER_MAX = 2000  # older orders kept at most for a fallback baseline
OLDER_UNTIL = 20  # ... and only until the baseline period itself has this many


@dataclass
class _Collected:
    orders: dict[tuple[str, int], Order] = field(default_factory=dict)
    trades: dict[tuple[str, int], Trade] = field(default_factory=dict)
    klines: dict[str, dict[datetime, Kline]] = field(default_factory=dict)
    filled: dict[str, dict[int, Order]] = field(default_factory=dict)  # incident fills per symbol
    first_attacker: float | None = None
    older: list[Order] = field(default_factory=list)  # before the baseline period, kept while it is thin
    in_baseline: int = 0

    def take(self, rows: Rows, window: Window) -> None:
        """Keep the orders of the baseline and incident periods; while the baseline period has few
        orders, also the older ones the newest pages brought for free (a fallback baseline)."""
        for o in rows:
            if window.baseline_start <= o.time <= window.until:
                self.orders[(o.symbol, o.order_id)] = o
                self.in_baseline += window.in_baseline(o.time)
                if window.in_incident(o.time) and o.executed_qty > 0:
                    self.filled.setdefault(o.symbol, {})[o.order_id] = o
            elif o.time < window.baseline_start and len(self.older) < OLDER_MAX:
                self.older.append(o)
        if self.in_baseline >= OLDER_UNTIL:
            self.older.clear()


@dataclass(frozen=True)
class _Known:
    """What the context reads established before the sweep."""

    listed: Mapping[str, SymbolInfo]
    limit: int
    account: Account
    tiers: Mapping[str, int]
    tickers: Mapping[str, Decimal]
    covered: frozenset[str] = frozenset()  # assets all of whose pairs are planned
    spikes: Mapping[str, Decimal] = field(default_factory=dict)  # 24 h high ÷ low per symbol


def _balances_at_leak(
    account: Account, orders: Sequence[Order], wallet: collect.Wallet, window: Window,
    symbols: Mapping[str, SymbolInfo],
) -> tuple[Balance, ...]:  # fmt: skip
    """Balances now, with the incident's fills, withdrawals and deposits undone (fees ignored)."""
    totals = {b.asset: b.total for b in account.balances}
    for asset, d in asset_changes([o for o in orders if window.in_incident(o.time)], symbols).items():
        totals[asset] = totals.get(asset, Decimal()) - d
    for w in wallet.withdrawals:
        if window.in_incident(w.apply_time) and w.status not in (1, 3, 5):
            totals[w.coin] = totals.get(w.coin, Decimal()) + w.amount + w.fee
    for dep in wallet.deposits:
        if window.in_incident(dep.insert_time) and dep.status == 1:
            totals[dep.coin] = totals.get(dep.coin, Decimal()) - dep.amount
    return tuple(Balance(a, max(v, Decimal()), Decimal()) for a, v in sorted(totals.items()) if v)


def _context(exchange: Exchange, window: Window, everything: bool, gaps: list[str]) -> _Known:
    """exchangeInfo, account, open orders, the daily snapshot before the leak, tickers → the tiers."""
    info = exchange.exchange_info()
    listed = {s.symbol: s for s in info.symbols}
    account = exchange.account()
    no_orders: list[Order] = []
    open_orders = collect.guarded(gaps, "open orders", exchange.open_orders, no_orders)
    no_snaps: list[DailySnapshot] = []
    snaps = collect.guarded(
        gaps, "daily snapshot",
        lambda: exchange.account_snapshot("SPOT", start=window.leak - planner.DAY * 29, end=window.leak),
        no_snaps,
    )  # fmt: skip
    before = max((s for s in snaps if s.update_time < window.leak), key=lambda s: s.update_time, default=None)
    now_totals = {b.asset: b.total for b in account.balances if b.total}
    held = set(now_totals) | {b.asset for s in snaps for b in s.balances if b.total}
    changed = (
        planner.changed_assets(now_totals, {b.asset: b.total for b in before.balances}) if before else set()
    )
    no_stats: dict[str, Ticker24h] = {}
    stats = collect.guarded(gaps, "24 h ticker (pair ordering only)", exchange.ticker_24h, no_stats)
    spikes = {s: t.spike for s, t in stats.items()}
    no_lists: set[str] = set()
    listed_symbols = collect.guarded(
        gaps, "order lists (OCO/OTO)", lambda: order_list_symbols(exchange, window), no_lists
    )
    tiers = planner.tiers(
        listed.values(), held=held, changed=changed,
        open_order_symbols={o.symbol for o in open_orders} | listed_symbols, everything=everything,
        spikes=spikes,
    )  # fmt: skip
    no_prices: dict[str, Decimal] = {}
    tickers = collect.guarded(gaps, "ticker prices", exchange.ticker_prices, no_prices)
    everything_listed = {a for s in listed.values() for a in (s.base_asset, s.quote_asset)}
    covered = everything_listed if everything else held | changed
    return _Known(listed, info.weight_limit_per_minute(), account, tiers, tickers, frozenset(covered), spikes)


MAX_ORDER_LIST_DAYS = 31  # allOrderList takes 24 h per call (weight 20): a month of lists costs 620


def order_list_symbols(exchange: Exchange, window: Window) -> set[str]:
    """Symbols of every order list (OCO/OTO) open now or placed in the window: allOrderList needs no
    symbol, so an attacker's list on a market the tiers would skip still puts that market in tier 0."""
    symbols = {ol.symbol for ol in exchange.open_order_lists()}
    start = max(window.leak, window.until - planner.DAY * MAX_ORDER_LIST_DAYS)
    while start < window.until:
        end = min(start + planner.DAY - timedelta(milliseconds=1), window.until)
        symbols |= {ol.symbol for ol in exchange.all_order_lists(start=start, end=end, limit=1000)}
        start = end + timedelta(milliseconds=1)
    return symbols


def _first_attacker(
    orders: Sequence[Order], window: Window, known: _Known, prefixes: Sequence[str], usual: Sequence[str]
) -> OrderVerdict | None:
    """The first attacker order among what has been swept so far (provisional: partial baseline)."""
    pre = [o for o in orders if window.in_baseline(o.time)]
    base = learn(pre, symbols=known.listed, tickers=known.tickers, bot_prefixes=prefixes, usual_symbols=usual)
    ctx = build(Evidence(window, orders=tuple(orders), symbols=known.listed, prices_now=known.tickers), base)
    return next((v for v in judge_orders(ctx) if v.verdict == "attacker"), None)


@dataclass
class _Discovery:
    """The sweep's universe, closed over what it finds (`planner.discover`): new symbols wait in
    `pending` until the executor asks for follow-ups, and `tiers` grows with them."""

    window: Window
    listed: Mapping[str, SymbolInfo]
    tiers: dict[str, int]
    covered: set[str]
    pending: list[planner.Call] = field(default_factory=list)

    def see(self, rows: Rows) -> set[str]:
        calls = planner.discover(rows, self.window, self.listed, self.covered, self.tiers)
        for c in calls:
            self.tiers[c.symbol] = c.tier
        self.pending += calls
        return {c.symbol for c in calls}

    def take(self) -> list[planner.Call]:
        out, self.pending = self.pending, []
        return out


@dataclass(frozen=True)
class Options:
    """How to investigate: who the user is (bot prefixes, usual symbols), how wide, how fast."""

    baseline_days: int = 7
    bot_prefixes: Sequence[str] = ()
    usual_symbols: Sequence[str] = ()
    symbols: Literal["held", "all"] = "held"
    restrictions: ApiRestrictions | None = None  # the leaked key's, when the sweep uses another key
    workers: int = 8  # enough in flight that weight, not latency, bounds the sweep (the budget counts them)
    thresholds: Thresholds = field(default_factory=Thresholds)


class _Run:
    """One sweep's callbacks for the executor: collect what each call read, widen the universe over what
    it discovers, and follow a symbol's orders with its trades and klines."""

    def __init__(
        self,
        *,
        window: Window,
        known: _Known,
        opt: Options,
        universe: _Discovery,
        suspects: set[str],
        clock: Clock,
        on_attacker: Callable[[OrderVerdict], None] | None,
    ) -> None:
        self.window, self.known, self.opt, self.universe = window, known, opt, universe
        self.suspects, self.clock, self.on_attacker = suspects, clock, on_attacker
        self.started = clock.monotonic()
        self.got = _Collected()

    def on_done(self, call: planner.Call, rows: Rows) -> None:
        if call.kind == "orders":
            self.on_orders(call, rows)
        for r in rows:
            if call.kind == "trades":
                self.got.trades[(r.symbol, r.id)] = r
            elif call.kind == "klines":
                self.got.klines.setdefault(call.symbol, {})[r.open_time] = r

    def on_orders(self, call: planner.Call, rows: Rows) -> None:
        got, window = self.got, self.window
        got.take(rows, window)
        self.suspects.update(self.universe.see(rows))
        self.suspects.discard(call.symbol)
        if got.first_attacker is None and not self.suspects and any(window.in_incident(o.time) for o in rows):
            found = _first_attacker(
                list(got.orders.values()), window, self.known, self.opt.bot_prefixes, self.opt.usual_symbols
            )
            if found is not None:
                got.first_attacker = self.clock.monotonic() - self.started
                if self.on_attacker is not None:
                    self.on_attacker(found)

    def follow(self, call: planner.Call, rows: Rows) -> Sequence[planner.Call]:
        if call.kind == "orders":
            return [*self.universe.take(), *planner.next_orders_call(call, rows, self.window)]
        return planner.next_trades_call(call, rows) if call.kind == "trades" else []

    def finish(self, symbol: str) -> list[planner.Call]:
        """A symbol's orders are all read: its trades and klines can start at once."""
        filled = sorted(self.got.filled.get(symbol, {}).values(), key=lambda o: (o.time, o.order_id))
        return _follow_up_calls(symbol, self.universe.tiers.get(symbol, 9), filled, self.opt.thresholds)


def investigate(
    exchange: Exchange,
    *,
    since: datetime,
    until: datetime | None = None,
    clock: Clock,
    options: Options | None = None,
    progress: Callable[[Progress], None] | None = None,
    checkpoint: Callable[[str, Rows], None] | None = None,
    done: Mapping[str, Rows] | None = None,
    stop: threading.Event | None = None,
    on_attacker: Callable[[OrderVerdict], None] | None = None,
    symbol_done: Callable[[str], None] | None = None,
) -> Findings:
    """Sweep the account for since → until and judge what happened (module docstring)."""
    opt = options or Options()
    started = clock.monotonic()
    start_second = clock.now().timestamp() % 60  # Binance counts calendar minutes
    window = Window(since, until or clock.now(), opt.baseline_days)
    gaps: list[str] = []
    known = _context(exchange, window, opt.symbols == "all", gaps)
    plan = planner.plan_orders(known.tiers, window, known.limit, known.spikes)
    universe = _Discovery(window, known.listed, dict(known.tiers), set(known.covered))
    ex = Executor(
        exchange, clock=clock, weight_limit=known.limit, workers=opt.workers, progress=progress,
        checkpoint=checkpoint, done=done, stop=stop, symbol_done=symbol_done,
    )  # fmt: skip
    suspects = {c.symbol for c in plan.calls if c.tier == 0}
    run = _Run(
        window=window, known=known, opt=opt, universe=universe, suspects=suspects, clock=clock,
        on_attacker=on_attacker,
    )  # fmt: skip
    got = run.got

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="wallet") as side:
        # SAPI reads spend their own buckets (reference §2.2): read them while the sweep waits on /api.
        pending_wallet = side.submit(collect.wallet, exchange, window)
        try:
            ex.run(plan.calls, run.follow, run.on_done, symbols_total=len(plan.calls), finish=run.finish)
        finally:
            wallet = pending_wallet.result()
    findings = _judge(
        exchange, window, known, got, wallet=wallet, opt=opt, gaps=gaps + wallet.gaps + ex.failures
    )
    stats = SweepStats(
        ex.calls, ex.weight, clock.monotonic() - started,
        calendar_minimum_seconds(ex.weight, limit=known.limit, second=start_second),
        len(universe.tiers), got.first_attacker,
    )  # fmt: skip
    return replace(findings, stats=stats)


def _judge(
    exchange: Exchange, window: Window, known: _Known, got: _Collected, *, wallet: collect.Wallet,
    opt: Options, gaps: list[str],
) -> Findings:  # fmt: skip
    """Baseline, rules, verdicts and the loss over everything collected."""
    orders = tuple(sorted(got.orders.values(), key=lambda o: (o.time, o.order_id)))
    at_leak_balances = _balances_at_leak(known.account, orders, wallet, window, known.listed)
    before = [o for o in orders if window.in_baseline(o.time)]
    fallback = not before and bool(got.older)  # the period was empty: older orders read for free
    baseline = learn(
        before or got.older, symbols=known.listed, tickers=known.tickers,
        bot_prefixes=opt.bot_prefixes, usual_symbols=opt.usual_symbols,
        held_assets=(b.asset for b in at_leak_balances),
    )  # fmt: skip
    summary = baseline.summary()
    if fallback:
        oldest = min(o.time for o in got.older)
        summary["fallback"] = (
            f"no orders in the {window.baseline_days} days before the leak: learned from {len(got.older)} "
            f"older orders (back to {oldest:%Y-%m-%d}) that the newest pages already held"
        )
    evidence = Evidence(
        window, orders=orders, trades=tuple(got.trades.values()),
        klines={s: tuple(k[t] for t in sorted(k)) for s, k in got.klines.items()},
        withdrawals=tuple(wallet.withdrawals), deposits=tuple(wallet.deposits),
        transfers=tuple(wallet.transfers), convert_trades=tuple(wallet.converts),
        addresses=tuple(wallet.addresses), account=known.account, restrictions=opt.restrictions,
        symbols=known.listed, prices_now=known.tickers,
        balances_at_leak=at_leak_balances,
    )  # fmt: skip
    ctx = build(evidence, baseline, opt.thresholds)
    verdicts = judge_orders(ctx)
    withdrawals = judge_withdrawals(ctx)
    attacker_orders = [v.order for v in verdicts if v.verdict == "attacker"]
    assets = set(asset_changes(attacker_orders, known.listed))
    at_leak = collect.prices_at(exchange, assets, window.leak, set(known.listed), gaps)
    stolen = [v.subject for v in withdrawals if v.verdict == "attacker" and isinstance(v.subject, Withdrawal)]
    loss = estimate(
        attacker_orders, stolen, symbols=known.listed, prices_at_leak=at_leak, tickers_now=known.tickers
    )
    return Findings(
        window, verdicts, withdrawals, judge_transfers(ctx), judge_addresses(withdrawals, ctx),
        judge_key(ctx), loss, SweepStats(), summary, tuple(gaps),
        replace(evidence, prices_at_leak=at_leak), onset(verdicts),
    )  # fmt: skip


def _follow_up_calls(symbol: str, tier: int, filled: Sequence[Order], th: Thresholds) -> list[planner.Call]:
    """Trades and klines for one symbol's fills in the incident window."""
    if not filled:
        return []
    klines = planner.plan_klines(symbol, tier, [o.time for o in filled], th.cluster_gap)
    return klines + planner.plan_trades(symbol, tier, filled)
