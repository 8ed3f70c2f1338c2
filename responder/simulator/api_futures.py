"""USDⓈ-M futures endpoints (`/fapi/...`) with Binance's shapes, weights and windows (reference §10).

The futures host has its own REQUEST_WEIGHT budget (2400/min; `sim.py` keeps a separate limiter for
`/fapi/`). Signed endpoints need the key's `enableFutures` (else -2015, HTTP 401). Windows: allOrders
and userTrades take at most 7 days (no times: the last 7 days); income without times answers the
last 7 days and keeps 3 months; allOrders forgets CANCELED/EXPIRED orders without fills after 3 days.
Binance does not document the code for a too-wide futures window; we answer -1127 like /api does.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from responder.simulator.api_futures_account import (
    account_v2,
    account_v3,
    balance,
    futures_of,
    leverage_bracket,
    position_risk_v2,
    position_risk_v3,
    symbol_param,
)
from responder.simulator.derivatives import f8
from responder.simulator.market import INTERVALS_MS, kline_opens
from responder.simulator.routes import DAY_MS, Ctx, Endpoint
from responder.simulator.wire import ApiError, mandatory

FUTURES = "enableFutures"
WEEK_MS = 7 * DAY_MS
KEPT_MS = 90 * DAY_MS
CANCEL_ALL_DONE = {"code": 200, "msg": "The operation of cancel all open order is done."}


_f = futures_of
_sym = symbol_param


def _week(ctx: Ctx) -> tuple[int, int]:
    """startTime/endTime of a ≤ 7-day query; without them the last 7 days."""
    start, end = ctx.int_param("startTime"), ctx.int_param("endTime")
    if start is not None and end is not None and end - start > WEEK_MS:
        raise ApiError(-1127, "More than 7 days between startTime and endTime.")
    if start is None and end is None:
        return ctx.now_ms - WEEK_MS, ctx.now_ms
    if start is None:
        assert end is not None
        return end - WEEK_MS, end
    return start, end if end is not None else start + WEEK_MS


def _decimal(ctx: Ctx, name: str) -> Decimal | None:
    raw = ctx.params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ApiError(-1100, f"Illegal characters found in parameter '{name}'.") from None
    if not value.is_finite() or len(raw) > 30:
        raise ApiError(-1100, f"Illegal characters found in parameter '{name}'.")
    return value


# --- public ---------------------------------------------------------------------------------------------
def ping(ctx: Ctx) -> Any:
    return {}


def server_time(ctx: Ctx) -> Any:
    return {"serverTime": ctx.now_ms}


def _filters(tick: Decimal, step: Decimal) -> list[dict[str, Any]]:
    return [
        {
            "filterType": "PRICE_FILTER",
            "minPrice": format(tick, "f"),
            "maxPrice": "1000000",
            "tickSize": format(tick, "f"),
        },
        {
            "filterType": "LOT_SIZE",
            "minQty": format(step, "f"),
            "maxQty": "100000000",
            "stepSize": format(step, "f"),
        },
        {
            "filterType": "MARKET_LOT_SIZE",
            "minQty": format(step, "f"),
            "maxQty": "100000000",
            "stepSize": format(step, "f"),
        },
        {"filterType": "MAX_NUM_ORDERS", "limit": 200},
        {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
        {"filterType": "MIN_NOTIONAL", "notional": "5"},
        {
            "filterType": "PERCENT_PRICE",
            "multiplierUp": "1.0500",
            "multiplierDown": "0.9500",
            "multiplierDecimal": "4",
        },
    ]


def _symbol_info(ctx: Ctx, sym: str) -> dict[str, Any]:
    spec = ctx.state.markets[sym].spec
    tick, step = spec.tick_size, spec.step_size
    return {
        "symbol": sym,
        "pair": sym,
        "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000,
        "onboardDate": 1569398400000,
        "status": "TRADING",
        "maintMarginPercent": "2.5000",
        "requiredMarginPercent": "5.0000",
        "baseAsset": spec.base,
        "quoteAsset": "USDT",
        "marginAsset": "USDT",
        "pricePrecision": max(0, -tick.normalize().as_tuple().exponent),  # type: ignore[operator]
        "quantityPrecision": max(0, -step.normalize().as_tuple().exponent),  # type: ignore[operator]
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "underlyingType": "COIN",
        "underlyingSubType": [],
        "triggerProtect": "0.0500",
        "liquidationFee": "0.012500",
        "marketTakeBound": "0.05",
        "maxMoveOrderLimit": 10000,
        "filters": _filters(tick, step),
        "orderTypes": [
            "LIMIT",
            "MARKET",
            "STOP",
            "STOP_MARKET",
            "TAKE_PROFIT",
            "TAKE_PROFIT_MARKET",
            "TRAILING_STOP_MARKET",
        ],
        "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"],
        "permissionSets": ["GRID", "COPY"],
    }


def exchange_info(ctx: Ctx) -> Any:
    return {
        "timezone": "UTC",
        "serverTime": ctx.now_ms,
        "futuresType": "U_MARGINED",
        "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 2400},
            {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 300},
        ],
        "exchangeFilters": [],
        "assets": [{"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "-10000"}],
        "symbols": [_symbol_info(ctx, s) for s in _f(ctx).symbols()],
    }


def klines(ctx: Ctx) -> Any:
    sym = str(_sym(ctx))
    interval = ctx.params.get("interval")
    if not interval:
        raise mandatory("interval")
    if interval not in INTERVALS_MS:
        raise ApiError(-1120, "Invalid interval.")
    limit = ctx.limit(500, 1500)
    start, end = ctx.window(None)
    market = ctx.state.markets[sym]
    return [market.kline(o, c) for o, c in kline_opens(interval, start, end, limit, ctx.now_ms)]


def _klines_weight(params: dict[str, str]) -> int:
    raw = params.get("limit", "500")
    limit = int(raw) if raw.isdigit() else 500
    return 1 if limit < 100 else 2 if limit < 500 else 5 if limit <= 1000 else 10


def _premium(ctx: Ctx, sym: str) -> dict[str, Any]:
    mark = _f(ctx).mark(sym, ctx.now_ms)
    eight_h = 8 * 3_600_000
    return {
        "symbol": sym,
        "markPrice": f8(mark),
        "indexPrice": f8(mark),
        "estimatedSettlePrice": f8(mark),
        "lastFundingRate": "0.00010000",
        "interestRate": "0.00010000",
        "nextFundingTime": (ctx.now_ms // eight_h + 1) * eight_h,
        "time": ctx.now_ms,
    }


def premium_index(ctx: Ctx) -> Any:
    sym = _sym(ctx, required=False)
    if sym is not None:
        return _premium(ctx, sym)
    return [_premium(ctx, s) for s in _f(ctx).symbols()]


# --- history ----------------------------------------------------------------------------------------
def open_orders(ctx: Ctx) -> Any:
    return [o.to_json() for o in _f(ctx).open_orders(_sym(ctx, required=False))]


def all_orders(ctx: Ctx) -> Any:
    sym = str(_sym(ctx))
    limit = ctx.limit(500, 1000)
    order_id = ctx.int_param("orderId")
    rows = [o for o in _f(ctx).orders if o.symbol == sym]
    forgotten = [
        o
        for o in rows
        if o.status in ("CANCELED", "EXPIRED") and o.executed_qty == 0 and o.time_ms + 3 * DAY_MS < ctx.now_ms
    ]
    rows = [o for o in rows if o not in forgotten]
    if order_id is not None:
        rows = [o for o in rows if o.order_id >= order_id]
    else:
        start, end = _week(ctx)
        rows = [o for o in rows if start <= o.time_ms <= end]
    rows.sort(key=lambda o: o.order_id)
    return [o.to_json() for o in rows[:limit]]


def user_trades(ctx: Ctx) -> Any:
    sym = str(_sym(ctx))
    limit = ctx.limit(500, 1000)
    from_id = ctx.int_param("fromId")
    if from_id is not None and ("startTime" in ctx.params or "endTime" in ctx.params):
        raise ApiError(-4166, "fromId cannot be sent with startTime or endTime.")  # code per ccxt; unverified
    rows = [t for t in _f(ctx).trades if t.symbol == sym]
    if from_id is not None:
        rows = [t for t in rows if t.id >= from_id]
    else:
        start, end = _week(ctx)
        rows = [t for t in rows if start <= t.time_ms <= end]
    rows.sort(key=lambda t: t.id)
    return [t.to_json() for t in rows[:limit]]


def income(ctx: Ctx) -> Any:
    limit = ctx.limit(100, 1000)
    sym = _sym(ctx, required=False)
    kind = ctx.params.get("incomeType")
    start, end = ctx.int_param("startTime"), ctx.int_param("endTime")
    if start is None and end is None:
        start = ctx.now_ms - WEEK_MS
    lo = max(start if start is not None else 0, ctx.now_ms - KEPT_MS)
    hi = end if end is not None else ctx.now_ms
    rows = [
        r
        for r in _f(ctx).income
        if lo <= r.time_ms <= hi
        and (sym is None or r.symbol == sym)
        and (kind is None or r.income_type == kind)
    ]
    rows.sort(key=lambda r: r.time_ms)
    return [r.to_json() for r in rows[:limit]]


def force_orders(ctx: Ctx) -> Any:
    sym = _sym(ctx, required=False)
    limit = ctx.limit(50, 100)
    kind = ctx.params.get("autoCloseType")
    if kind not in (None, "LIQUIDATION", "ADL"):
        raise ApiError(-1100, "Illegal characters found in parameter 'autoCloseType'.")
    end = ctx.int_param("endTime") or ctx.now_ms
    start = ctx.int_param("startTime") or end - WEEK_MS
    rows = [
        o
        for o in _f(ctx).orders
        if o.source == "liquidation"
        and (sym is None or o.symbol == sym)
        and start <= o.time_ms <= end
        and kind != "ADL"
    ]
    return [o.to_json() for o in rows[:limit]]


# --- trading ----------------------------------------------------------------------------------------
def new_order(ctx: Ctx) -> Any:
    sym = str(_sym(ctx))
    side = ctx.params.get("side") or ""
    order_type = ctx.params.get("type") or ""
    if not side:
        raise mandatory("side")
    if not order_type:
        raise mandatory("type")
    qty = _decimal(ctx, "quantity")
    if qty is None:
        raise mandatory("quantity")
    if ctx.params.get("positionSide", "BOTH") != "BOTH":
        raise ApiError(-4061, "Order's position side does not match user's setting.")
    order = _f(ctx).place(
        sym,
        side,
        qty,
        ctx.now_ms,
        order_type=order_type,
        price=_decimal(ctx, "price"),
        client_id=ctx.params.get("newClientOrderId") or None,
        reduce_only=ctx.flag("reduceOnly"),
    )
    return order.to_json()


def cancel_all(ctx: Ctx) -> Any:
    _f(ctx).cancel_all(str(_sym(ctx)), ctx.now_ms)
    return dict(CANCEL_ALL_DONE)


def set_leverage(ctx: Ctx) -> Any:
    sym = str(_sym(ctx))
    lev = ctx.int_param("leverage")
    if lev is None:
        raise mandatory("leverage")
    if not 1 <= lev <= 125:
        raise ApiError(-4028, f"Leverage {lev} is not valid")
    _f(ctx).leverage[sym] = lev
    return {"leverage": lev, "maxNotionalValue": "50000000", "symbol": sym}


def _weight_by_symbol(with_symbol: int, without: int) -> Any:
    return lambda p: with_symbol if "symbol" in p else without


def _endpoint(method: str, path: str, handler: Any, weight: Any, security: str = "USER_DATA") -> Endpoint:
    return Endpoint(method, path, handler, security, weight, permission=FUTURES)


ENDPOINTS = [
    Endpoint("GET", "/fapi/v1/ping", ping, "NONE", 1, permission=None),
    Endpoint("GET", "/fapi/v1/time", server_time, "NONE", 1, permission=None),
    Endpoint("GET", "/fapi/v1/exchangeInfo", exchange_info, "NONE", 1, permission=None),
    Endpoint("GET", "/fapi/v1/klines", klines, "NONE", _klines_weight, permission=None),
    Endpoint(
        "GET", "/fapi/v1/premiumIndex", premium_index, "NONE", _weight_by_symbol(1, 10), permission=None
    ),
    _endpoint("GET", "/fapi/v2/account", account_v2, 5),
    _endpoint("GET", "/fapi/v3/account", account_v3, 5),
    _endpoint("GET", "/fapi/v2/balance", balance, 5),
    _endpoint("GET", "/fapi/v3/balance", balance, 5),
    _endpoint("GET", "/fapi/v2/positionRisk", position_risk_v2, 5),
    _endpoint("GET", "/fapi/v3/positionRisk", position_risk_v3, 5),
    _endpoint("GET", "/fapi/v1/leverageBracket", leverage_bracket, 1),
    _endpoint("GET", "/fapi/v1/openOrders", open_orders, _weight_by_symbol(1, 40)),
    _endpoint("GET", "/fapi/v1/allOrders", all_orders, 5),
    _endpoint("GET", "/fapi/v1/userTrades", user_trades, 5),
    _endpoint("GET", "/fapi/v1/income", income, 30),
    _endpoint("GET", "/fapi/v1/forceOrders", force_orders, _weight_by_symbol(20, 50)),
    _endpoint("POST", "/fapi/v1/order", new_order, 0, "TRADE"),
    _endpoint("DELETE", "/fapi/v1/allOpenOrders", cancel_all, 1, "TRADE"),
    _endpoint("POST", "/fapi/v1/leverage", set_leverage, 1, "TRADE"),
]
