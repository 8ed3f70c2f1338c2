"""Spot `/api/v3` endpoints with Binance's response shapes and parameter rules (reference §3.1)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from responder.simulator.keys import base62
from responder.simulator.market import INTERVALS_MS, fmt, kline_opens
from responder.simulator.orderlists import group_cancel_reports
from responder.simulator.records import ZERO
from responder.simulator.routes import DAY_MS, TRADE, Ctx, Endpoint
from responder.simulator.trading import cancel as cancel_now
from responder.simulator.trading import cancel_open_orders as cancel_symbol_now
from responder.simulator.trading import place_order as place_now
from responder.simulator.wire import ApiError, mandatory


def ping(ctx: Ctx) -> Any:
    return {}


def server_time(ctx: Ctx) -> Any:
    return {"serverTime": ctx.now_ms}


def rate_limits(weight_limit: int) -> list[dict[str, Any]]:
    return [
        {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": weight_limit},
        {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 50},
        {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 160000},
        {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": 300000},
    ]


def exchange_info(ctx: Ctx) -> Any:
    markets = ctx.state.markets
    names = _symbols_param(ctx)
    chosen = [markets[n] for n in names] if names is not None else list(markets.values())
    return {
        "timezone": "UTC",
        "serverTime": ctx.now_ms,
        "rateLimits": rate_limits(ctx.weight_limit),
        "exchangeFilters": [],
        "symbols": [m.exchange_info() for m in chosen],
        "sors": [],
    }


def klines(ctx: Ctx) -> Any:
    sym = str(ctx.symbol())
    interval = ctx.params.get("interval")
    if not interval:
        raise mandatory("interval")
    if interval not in INTERVALS_MS:
        raise ApiError(-1120, "Invalid interval.")
    limit = ctx.limit(500)
    start, end = ctx.window(None)
    market = ctx.state.markets[sym]
    return [market.kline(o, c) for o, c in kline_opens(interval, start, end, limit, ctx.now_ms)]


def _symbols_param(ctx: Ctx) -> list[str] | None:
    if "symbol" in ctx.params and "symbols" in ctx.params:
        raise ApiError(-1128, "Combination of optional parameters invalid.")
    if "symbol" in ctx.params:
        return [str(ctx.symbol())]
    if "symbols" in ctx.params:
        try:
            names = [str(s) for s in json.loads(ctx.params["symbols"])]
        except (ValueError, TypeError):
            raise ApiError(-1100, "Illegal characters found in parameter 'symbols'.") from None
        if any(n not in ctx.state.markets for n in names):
            raise ApiError(-1121, "Invalid symbol.")
        return names
    return None


def ticker_price(ctx: Ctx) -> Any:
    names = _symbols_param(ctx)
    chosen = names if names is not None else list(ctx.state.markets)
    rows = [{"symbol": n, "price": fmt(ctx.state.markets[n].price(ctx.now_ms))} for n in chosen]
    return rows[0] if "symbol" in ctx.params else rows


def ticker_24hr(ctx: Ctx) -> Any:
    names = _symbols_param(ctx)
    chosen = names if names is not None else list(ctx.state.markets)
    rows = []
    for n in chosen:
        m = ctx.state.markets[n]
        now, then = m.price(ctx.now_ms), m.price(ctx.now_ms - DAY_MS)
        bid, ask = m.quote(ctx.now_ms)
        high, low = _day_range(ctx, n, now, then)
        rows.append(
            {
                "symbol": n,
                "priceChange": fmt(now - then),
                "priceChangePercent": f"{(now - then) / then * 100:.3f}",
                "weightedAvgPrice": fmt((now + then) / 2),
                "prevClosePrice": fmt(then),
                "lastPrice": fmt(now),
                "lastQty": fmt(m.spec.step_size),
                "bidPrice": fmt(bid),
                "bidQty": fmt(m.spec.depth),
                "askPrice": fmt(ask),
                "askQty": fmt(m.spec.depth),
                "openPrice": fmt(then),
                "highPrice": fmt(high),
                "lowPrice": fmt(low),
                "volume": fmt(m.spec.depth * 100),
                "quoteVolume": fmt(m.spec.depth * 100 * now),
                "openTime": ctx.now_ms - DAY_MS,
                "closeTime": ctx.now_ms,
                "firstId": 1,
                "lastId": 1000,
                "count": 1000,
            }
        )
    return rows[0] if "symbol" in ctx.params else rows


def _day_range(ctx: Ctx, symbol: str, now: Decimal, then: Decimal) -> tuple[Decimal, Decimal]:
    """The 24 h high and low as Binance reports them: the market's path (sampled every 2 h, plus a
    pump's peak) and every trade printed on the pair, the account's own fills included."""
    m = ctx.state.markets[symbol]
    start = ctx.now_ms - DAY_MS
    times = [start + k * 7_200_000 for k in range(1, 12)]
    pump = m.spec.pump
    if pump is not None:
        p0, p1 = m.anchor_ms + pump.start_s * 1000, m.anchor_ms + pump.end_s * 1000
        times.append(int(p0 + (p1 - p0) * 0.7))
    prices = [now, then, *(m.price(t) for t in times if start <= t <= ctx.now_ms)]
    book = ctx.state.books.get(symbol)
    if book is not None:
        prices += [t.price for t in book.trades if t.time_ms >= start]
    return max(prices), min(prices)


def account(ctx: Ctx) -> Any:
    st = ctx.state
    locked = st.locked()
    omit = ctx.flag("omitZeroBalances")
    balances = []
    for asset in sorted(set(st.free) | set(locked)):
        free, lock = st.free.get(asset, ZERO), locked.get(asset, ZERO)
        if omit and free == 0 and lock == 0:
            continue
        balances.append({"asset": asset, "free": fmt(free), "locked": fmt(lock)})
    f = st.flags
    return {
        "makerCommission": 10,
        "takerCommission": 10,
        "buyerCommission": 0,
        "sellerCommission": 0,
        "commissionRates": {
            "maker": "0.00100000",
            "taker": "0.00100000",
            "buyer": "0.00000000",
            "seller": "0.00000000",
        },
        "canTrade": f.can_trade,
        "canWithdraw": f.can_withdraw,
        "canDeposit": f.can_deposit,
        "brokered": False,
        "requireSelfTradePrevention": False,
        "preventSor": False,
        "updateTime": ctx.now_ms - 60_000,
        "accountType": "SPOT",
        "balances": balances,
        "permissions": ["SPOT"],
        "uid": st.scenario.uid,
    }


def open_orders(ctx: Ctx) -> Any:
    return [o.to_json() for o in ctx.state.open_orders(ctx.symbol(required=False))]


def cancel_open_orders(ctx: Ctx) -> Any:
    reports = cancel_symbol_now(ctx.state, str(ctx.symbol()), ctx.now_ms)
    return group_cancel_reports(ctx.state, reports)  # OCO legs answer as list entries


def all_orders(ctx: Ctx) -> Any:
    sym = str(ctx.symbol())
    limit = ctx.limit(500)
    start, end = ctx.window(DAY_MS)
    rows = ctx.state.book(sym).query_orders(
        ctx.now_ms, order_id=ctx.int_param("orderId"), start=start, end=end, limit=limit
    )
    return [o.to_json() for o in rows]


_TRADE_COMBOS: tuple[set[str], ...] = (
    {"orderId"},
    {"startTime"},
    {"endTime"},
    {"fromId"},
    {"startTime", "endTime"},
    {"orderId", "fromId"},
    set(),
)


def my_trades(ctx: Ctx) -> Any:
    sym = str(ctx.symbol())
    limit = ctx.limit(500)
    given = {p for p in ("orderId", "startTime", "endTime", "fromId") if ctx.params.get(p)}
    if given not in _TRADE_COMBOS:
        raise ApiError(-1128, "Combination of optional parameters invalid.")
    start, end = ctx.window(DAY_MS)
    rows = ctx.state.book(sym).query_trades(
        order_id=ctx.int_param("orderId"), from_id=ctx.int_param("fromId"), start=start, end=end, limit=limit
    )
    return [t.to_json() for t in rows]


def _find(ctx: Ctx) -> Any:
    sym = str(ctx.symbol())
    order_id, client_id = ctx.int_param("orderId"), ctx.params.get("origClientOrderId")
    if order_id is None and not client_id:
        raise ApiError(
            -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"
        )
    return ctx.state.book(sym).find(order_id, client_id)


def get_order(ctx: Ctx) -> Any:
    order = _find(ctx)
    if order is None:
        raise ApiError(-2013, "Order does not exist.")
    if order.archived(ctx.now_ms):
        raise ApiError(
            -2026,
            "Order was canceled or expired with no executed qty over 90 days ago and has been archived.",
        )
    return order.to_json()


def cancel_order(ctx: Ctx) -> Any:
    order = _find(ctx)
    if order is None or not order.is_open:
        raise ApiError(-2011, "Unknown order sent.")
    cancel_now(ctx.state, order, ctx.now_ms)
    return order.cancel_report(ctx.params.get("newClientOrderId") or base62(ctx.state.rng, 22), ctx.now_ms)


def new_order(ctx: Ctx) -> Any:
    ctx.symbol()
    if not ctx.state.flags.can_trade:
        raise ApiError(-2010, "This account may not place or cancel orders.")
    return place_now(ctx.state, ctx.params, ctx.now_ms)


def rate_limit_order(ctx: Ctx) -> Any:
    day = ctx.now_ms - ctx.now_ms % DAY_MS
    books = ctx.state.books.values()
    today = sum(1 for b in books for o in b.orders if o.time_ms >= day and o.source == "api")
    recent = sum(1 for b in books for o in b.orders if o.time_ms >= ctx.now_ms - 10_000 and o.source == "api")
    return [
        {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 50, "count": recent},
        {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 160000, "count": today},
    ]


def _ticker_weight(p: dict[str, str]) -> int:
    return 2 if "symbol" in p else 4


def _klines_weight(p: dict[str, str]) -> int:
    return 2


ENDPOINTS = [
    Endpoint("GET", "/api/v3/ping", ping, "NONE", 1, permission=None),
    Endpoint("GET", "/api/v3/time", server_time, "NONE", 1, permission=None),
    Endpoint("GET", "/api/v3/exchangeInfo", exchange_info, "NONE", 20, permission=None),
    Endpoint("GET", "/api/v3/klines", klines, "NONE", _klines_weight, permission=None),
    Endpoint("GET", "/api/v3/ticker/price", ticker_price, "NONE", _ticker_weight, permission=None),
    Endpoint(
        "GET",
        "/api/v3/ticker/24hr",
        ticker_24hr,
        "NONE",
        lambda p: 2 if "symbol" in p else 80,
        permission=None,
    ),
    Endpoint("GET", "/api/v3/account", account, weight=20),
    Endpoint("GET", "/api/v3/openOrders", open_orders, weight=lambda p: 6 if "symbol" in p else 80),
    Endpoint(
        "DELETE", "/api/v3/openOrders", cancel_open_orders, "TRADE", 1, permission=TRADE, zero_on_success=True
    ),
    Endpoint("GET", "/api/v3/allOrders", all_orders, weight=20),
    Endpoint("GET", "/api/v3/myTrades", my_trades, weight=lambda p: 5 if "orderId" in p else 20),
    Endpoint("GET", "/api/v3/order", get_order, weight=4),
    Endpoint("POST", "/api/v3/order", new_order, "TRADE", 1, permission=TRADE, zero_on_success=True),
    Endpoint("DELETE", "/api/v3/order", cancel_order, "TRADE", 1, permission=TRADE, zero_on_success=True),
    Endpoint("GET", "/api/v3/rateLimit/order", rate_limit_order, weight=40),
]
