"""The account's past on one symbol, generated deterministically: bot orders, web trades, attacker orders.

The user's bot places LIMIT orders with its own clientOrderId prefix; manual trades carry the web
UI's `web_` + 32 hex ids; attacker orders carry the 22-character base62 ids Binance generates for API
orders that set none (reference §5). Everything is ordered by time before ids are assigned, so ids
grow with time as on Binance. A few old canceled orders exercise the 90-day archive rule.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from responder.simulator.book import Book
from responder.simulator.keys import base62
from responder.simulator.market import Market
from responder.simulator.records import SimOrder
from responder.simulator.scenario import AttackAction

FEE = Decimal("0.001")
_DAY_MS = 86_400_000


@dataclass(frozen=True)
class Plan:
    """How much history to make on one symbol."""

    bot_orders: int = 0
    open_orders: int = 0
    web_orders: int = 0
    archived: int = 0
    days: int = 30
    bot_prefix: str = "bot-"


def _qty(market: Market, price: Decimal, notional: Decimal) -> Decimal:
    step = market.spec.step_size
    return max((notional / price / step).to_integral_value() * step, step)


def _notional(rng: random.Random, market: Market) -> Decimal:
    scale = Decimal("0.002") if market.spec.quote == "BTC" else Decimal(rng.choice((25, 40, 60, 100, 150)))
    return scale * Decimal(rng.randint(8, 14)) / 10


def attacker_order(
    market: Market, action: AttackAction, t_ms: int, rng: random.Random, *, bot_prefix: str = "bot-"
) -> tuple[SimOrder, Decimal]:
    """The order an attacker action places, and the fraction of it that fills immediately.

    Its clientOrderId: `client_order_id` when given, the user's bot's id shape (prefix + 12 hex, as
    `_user_order` makes them) with `id_shape = "bot"` — an attacker copying the bot, as in the
    3Commas-era thefts — else Binance's 22-character default."""
    f = action.fields
    if f.get("client_order_id"):
        cid = str(f["client_order_id"])
    elif f.get("id_shape") == "bot":
        cid = f"{bot_prefix}{rng.getrandbits(48):012x}"
    else:
        cid = base62(rng, 22)
    price = market.price(t_ms) if str(f.get("price", "market")) == "market" else Decimal(str(f["price"]))
    price *= 1 + Decimal(str(f.get("price_step", "0"))) * action.fields.get("_n", 0)
    price = (price / market.spec.tick_size).to_integral_value() * market.spec.tick_size
    qty = Decimal(str(f.get("qty", "1")))
    otype = str(f.get("type", "LIMIT"))
    order = SimOrder(
        market.symbol,
        0,
        cid,
        price,
        qty,
        str(f.get("side", "BUY")),
        otype,
        t_ms,
        tif="GTC",
        source="attacker",
        label=action.label,
        update_ms=t_ms,
    )
    fill = Decimal(str(f.get("fill", "1")))
    return order, fill


def build_book(
    market: Market, plan: Plan, *, seed: int, anchor_ms: int, attacker: list[AttackAction]
) -> tuple[Book, list[tuple[AttackAction, SimOrder]]]:
    """The symbol's book at the scenario's start, and the attacker orders (with their actions) in it."""
    rng = random.Random(f"book:{seed}:{market.symbol}")
    book = Book(market.symbol, rng.randint(10**8, 9 * 10**9), rng.randint(10**7, 9 * 10**8))
    items: list[tuple[int, int, str, object]] = []
    span = plan.days * _DAY_MS
    for i in range(plan.bot_orders):
        items.append((anchor_ms - rng.randint(3_600_000, span), i, "bot", None))
    for i in range(plan.open_orders):
        items.append((anchor_ms - rng.randint(600_000, 8 * 3_600_000), i, "open", None))
    for i in range(plan.web_orders):
        items.append((anchor_ms - rng.randint(3_600_000, span), i, "web", None))
    for i in range(plan.archived):
        items.append((anchor_ms - (95 + 10 * i) * _DAY_MS, i, "archived", None))
    for i, action in enumerate(attacker):
        items.append((anchor_ms + action.at_s * 1000, i, "attacker", action))
    items.sort(key=lambda x: (x[0], x[2], x[1]))
    placed: list[tuple[AttackAction, SimOrder]] = []
    id_rng = random.Random(f"ids:{seed}:{market.symbol}")
    for t, n, kind, item in items:
        if kind == "attacker":
            assert isinstance(item, AttackAction)
            action = item
            order, fill = attacker_order(market, action, t, id_rng, bot_prefix=plan.bot_prefix)
            book.add_order(order)
            if fill > 0:
                qty = (
                    order.orig_qty * fill / market.spec.step_size
                ).to_integral_value() * market.spec.step_size
                book.fill(
                    order,
                    qty,
                    order.price,
                    t,
                    maker=False,
                    fee_rate=FEE,
                    base=market.spec.base,
                    quote=market.spec.quote,
                )
            placed.append((action, order))
        else:
            _user_order(book, market, kind=kind, n=n, t=t, rng=rng, id_rng=id_rng, prefix=plan.bot_prefix)
    _renumber_trades(book)
    return book, placed


def _renumber_trades(book: Book) -> None:
    """Fills may land after later orders were placed: trade ids follow fill time, as on Binance."""
    if not book.trades:
        return
    first = min(t.id for t in book.trades)
    book.trades.sort(key=lambda t: (t.time_ms, t.id))
    for i, trade in enumerate(book.trades):
        trade.id = first + i


def _user_order(
    book: Book,
    market: Market,
    *,
    kind: str,
    n: int,
    t: int,
    rng: random.Random,
    id_rng: random.Random,
    prefix: str,
) -> None:
    side = "BUY" if (n + rng.randint(0, 1)) % 2 == 0 else "SELL"
    bid, ask = market.quote(t)
    if kind == "web":
        _web_order(book, market, side=side, price=ask if side == "BUY" else bid, t=t, rng=rng, id_rng=id_rng)
        return
    away = Decimal(rng.randint(2, 40)) / 10_000
    raw = bid * (1 - away) if side == "BUY" else ask * (1 + away)
    price = max(
        (raw / market.spec.tick_size).to_integral_value() * market.spec.tick_size, market.spec.tick_size
    )
    order = SimOrder(
        market.symbol,
        0,
        f"{prefix}{id_rng.getrandbits(48):012x}",
        price,
        _qty(market, price, _notional(rng, market)),
        side,
        "LIMIT",
        t,
        source="bot",
        update_ms=t,
    )
    book.add_order(order)
    _bot_outcome(book, market, order, kind=kind, t=t, rng=rng)


def _web_order(
    book: Book,
    market: Market,
    *,
    side: str,
    price: Decimal,
    t: int,
    rng: random.Random,
    id_rng: random.Random,
) -> None:
    """A MARKET order placed in the web UI, filled at the touch."""
    order = SimOrder(
        market.symbol,
        0,
        f"web_{id_rng.getrandbits(128):032x}",
        Decimal(0),
        _qty(market, price, _notional(rng, market) * 2),
        side,
        "MARKET",
        t,
        source="web",
        update_ms=t,
    )
    book.add_order(order)
    book.fill(
        order,
        order.orig_qty,
        price,
        t,
        maker=False,
        fee_rate=FEE,
        base=market.spec.base,
        quote=market.spec.quote,
    )


def _bot_outcome(
    book: Book, market: Market, order: SimOrder, *, kind: str, t: int, rng: random.Random
) -> None:
    """What became of a bot's LIMIT order: still open, cancelled (or archived), half filled, or filled."""
    price = order.price
    roll = rng.random()
    if kind == "open":
        return
    if kind == "archived" or roll < 0.1:
        order.status, order.update_ms = "CANCELED", t + rng.randint(60_000, 3_600_000)
        return
    fill_t = t + rng.randint(1_000, 1_800_000)
    spec = market.spec
    if roll < 0.15:
        half = (order.orig_qty / 2 / spec.step_size).to_integral_value() * spec.step_size
        book.fill(order, half, price, fill_t, maker=True, fee_rate=FEE, base=spec.base, quote=spec.quote)
        order.status, order.update_ms = "CANCELED", fill_t + 60_000
        return
    book.fill(
        order, order.orig_qty, price, fill_t, maker=True, fee_rate=FEE, base=spec.base, quote=spec.quote
    )
