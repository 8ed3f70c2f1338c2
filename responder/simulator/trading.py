"""Everything that moves money: placing and cancelling orders, and the attacker's scheduled actions.

The matching model is deliberately simple: the generated market quotes a bid and an ask with
`depth` base units at the touch; an order that crosses fills at the touch up to that depth and the
rest rests (GTC) or expires (IOC/FOK); MARKET orders fill completely at the touch. Fills move free
balances (commission from the asset received); resting orders lock funds; cancels release them.
"""

from __future__ import annotations

import random
from decimal import Decimal, InvalidOperation
from typing import Any

from responder.simulator.history import FEE, attacker_order
from responder.simulator.keys import base62
from responder.simulator.market import Market, fmt
from responder.simulator.records import ZERO, SimOrder
from responder.simulator.scenario import AttackAction
from responder.simulator.state import ExchangeState, order_ref
from responder.simulator.wire import ApiError, mandatory

_CLIENT_ID_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
INSUFFICIENT = "Account has insufficient balance for requested action."


def _decimal(params: dict[str, str], name: str) -> Decimal | None:
    if name not in params:
        return None
    try:
        value = Decimal(params[name])
    except InvalidOperation:
        raise ApiError(
            -1100,
            f"Illegal characters found in parameter '{name}'; "
            "legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
        ) from None
    if not value.is_finite() or value <= 0:
        raise ApiError(-1013, f"Invalid {name}.")
    return value


def _check_filters(market: Market, price: Decimal | None, qty: Decimal) -> None:
    spec = market.spec
    if price is not None and price % spec.tick_size != 0:
        raise ApiError(-1013, "Filter failure: PRICE_FILTER")
    if qty % spec.step_size != 0 or qty < spec.step_size:
        raise ApiError(-1013, "Filter failure: LOT_SIZE")


def _move(state: ExchangeState, asset: str, delta: Decimal) -> None:
    state.free[asset] = state.free.get(asset, ZERO) + delta


def execute_fills(
    state: ExchangeState,
    market: Market,
    order: SimOrder,
    *,
    qty: Decimal,
    price: Decimal,
    t_ms: int,
    maker: bool = False,
) -> dict[str, Any]:
    book = state.book(market.symbol)
    trade = book.fill(
        order, qty, price, t_ms, maker=maker, fee_rate=FEE, base=market.spec.base, quote=market.spec.quote
    )
    if order.side == "BUY":
        _move(state, market.spec.quote, -qty * price)
        _move(state, market.spec.base, qty - trade.commission)
    else:
        _move(state, market.spec.base, -qty)
        _move(state, market.spec.quote, qty * price - trade.commission)
    return {
        "price": fmt(price),
        "qty": fmt(qty),
        "commission": fmt(trade.commission),
        "commissionAsset": trade.commission_asset,
        "tradeId": trade.id,
    }


def _lock(state: ExchangeState, market: Market, order: SimOrder, sign: int) -> None:
    if order.side == "BUY":
        _move(state, market.spec.quote, -sign * order.remaining * order.price)
    else:
        _move(state, market.spec.base, -sign * order.remaining)


def _afford(state: ExchangeState, market: Market, side: str, qty: Decimal, price: Decimal) -> bool:
    if side == "BUY":
        return state.free.get(market.spec.quote, ZERO) >= qty * price
    return state.free.get(market.spec.base, ZERO) >= qty


def _order_from_params(state: ExchangeState, market: Market, params: dict[str, str], now_ms: int) -> SimOrder:
    side, otype = params.get("side", ""), params.get("type", "")
    if side not in ("BUY", "SELL"):
        raise (
            mandatory("side")
            if not side
            else ApiError(-1100, "Illegal characters found in parameter 'side'.")
        )
    if otype not in ("LIMIT", "MARKET", "LIMIT_MAKER"):
        raise mandatory("type") if not otype else ApiError(-1013, f"Invalid order type {otype}.")
    qty, price = _decimal(params, "quantity"), _decimal(params, "price")
    quote_qty = _decimal(params, "quoteOrderQty")
    bid, ask = market.quote(now_ms)
    if otype == "MARKET":
        if qty is None and quote_qty is None:
            raise ApiError(
                -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"
            )
        touch = ask if side == "BUY" else bid
        if qty is None:
            assert quote_qty is not None
            qty = (quote_qty / touch / market.spec.step_size).to_integral_value() * market.spec.step_size
        price = None
    else:
        if "timeInForce" not in params and otype == "LIMIT":
            raise mandatory("timeInForce")
        if qty is None:
            raise mandatory("quantity")
        if price is None:
            raise mandatory("price")
    _check_filters(market, price, qty)
    notional = qty * (price if price is not None else (ask if side == "BUY" else bid))
    if notional < market.spec.min_notional:
        raise ApiError(-1013, "Filter failure: NOTIONAL")
    client_id = params.get("newClientOrderId") or base62(state.rng, 22)
    if len(client_id) > 36 or not set(client_id) <= _CLIENT_ID_OK:
        raise ApiError(
            -1100,
            "Illegal characters found in parameter 'newClientOrderId'; "
            "legal range is '^[a-zA-Z0-9-_]{1,36}$'.",
        )
    if any(o.client_order_id == client_id for o in state.book(market.symbol).open_orders()):
        raise ApiError(-2010, "Duplicate order sent.")
    tif = params.get("timeInForce", "GTC") if otype == "LIMIT" else "GTC"
    return SimOrder(
        market.symbol,
        0,
        client_id,
        price or ZERO,
        qty,
        side,
        otype,
        now_ms,
        tif=tif,
        update_ms=now_ms,
        orig_quote_qty=quote_qty or ZERO,
    )


def place_order(state: ExchangeState, params: dict[str, str], now_ms: int) -> dict[str, Any]:
    """POST /api/v3/order for the calling key: validate, match against the touch, rest or expire."""
    market = state.markets[params["symbol"]]
    order = _order_from_params(state, market, params, now_ms)
    bid, ask = market.quote(now_ms)
    touch = ask if order.side == "BUY" else bid
    crosses = order.type == "MARKET" or (order.price >= ask if order.side == "BUY" else order.price <= bid)
    if order.type == "LIMIT_MAKER" and crosses:
        raise ApiError(-2010, "Order would immediately match and take.")
    fill_qty = (
        order.orig_qty
        if order.type == "MARKET"
        else min(order.orig_qty, market.spec.depth)
        if crosses
        else ZERO
    )
    if order.tif == "FOK" and fill_qty < order.orig_qty:
        fill_qty = ZERO
    need_price = touch if crosses else order.price
    if not _afford(state, market, order.side, order.orig_qty, max(need_price, order.price)):
        raise ApiError(-2010, INSUFFICIENT)
    state.book(market.symbol).add_order(order)
    fills = []
    if fill_qty > 0:
        fills.append(execute_fills(state, market, order, qty=fill_qty, price=touch, t_ms=now_ms))
    if order.is_open and (order.type == "MARKET" or order.tif in ("IOC", "FOK")):
        order.status = "EXPIRED"
    elif order.is_open:
        _lock(state, market, order, +1)
    return _order_response(order, fills, params.get("newOrderRespType"), now_ms)


def _order_response(
    order: SimOrder, fills: list[dict[str, Any]], resp_type: str | None, now_ms: int
) -> dict[str, Any]:
    ack = {
        "symbol": order.symbol,
        "orderId": order.order_id,
        "orderListId": -1,
        "clientOrderId": order.client_order_id,
        "transactTime": now_ms,
    }
    if (resp_type or ("FULL" if order.type in ("MARKET", "LIMIT") else "ACK")) == "ACK":
        return ack
    full = order.to_json()
    for k in ("time", "updateTime", "isWorking", "stopPrice", "icebergQty"):
        full.pop(k)
    result = {**ack, **full, "workingTime": now_ms}
    return result if resp_type == "RESULT" else {**result, "fills": fills}


def cancel(state: ExchangeState, order: SimOrder, now_ms: int) -> None:
    market = state.markets[order.symbol]
    _lock(state, market, order, -1)
    order.status, order.update_ms = "CANCELED", now_ms
    for entry in state.truth:
        if entry.ref.get("orderId") == order.order_id and entry.ref.get("symbol") == order.symbol:
            entry.ref["orderStatus"] = "CANCELED"


def cancel_open_orders(state: ExchangeState, symbol: str, now_ms: int) -> list[dict[str, Any]]:
    """DELETE /api/v3/openOrders: every open order on the symbol; one shared cancel id."""
    open_now = state.book(symbol).open_orders()
    if not open_now:
        raise ApiError(-2011, "Unknown order sent.")
    cancel_id = base62(state.rng, 22)
    for order in open_now:
        cancel(state, order, now_ms)
    return [o.cancel_report(cancel_id, now_ms) for o in open_now]


# --- the attacker's timeline ----------------------------------------------------------------------
def apply_due(state: ExchangeState, now_ms: int) -> None:
    """Play every pending attacker action whose time has come, in order."""
    while state.pending and state.anchor_ms + state.pending[0].at_s * 1000 <= now_ms:
        action = state.pending.pop(0)
        t = state.anchor_ms + action.at_s * 1000
        entry = next(
            e for e in state.truth if e.status == "pending" and e.label == action.label and e.time_ms == t
        )
        reason = _prevented(state, action)
        if reason:
            entry.status, entry.reason = "prevented", reason
            continue
        try:
            entry.ref = _act(state, action, t)
            entry.status = "done"
        except ApiError as e:
            entry.status, entry.reason = "prevented", e.msg
    state.derivatives.apply_due(now_ms)  # futures and margin actions (derivatives_play.py)


def _prevented(state: ExchangeState, action: AttackAction) -> str:
    name = action.fields.get("key")
    key = state.key_by_name(str(name)) if name else next((k for k in state.keys if k.leaked), state.keys[0])
    if state.flags.disabled:
        return "account disabled"
    if action.kind == "address":
        return ""
    if key is None or not key.active:
        return "leaked key deleted"
    need = {
        "order": "enableSpotAndMarginTrading",
        "withdrawal": "enableWithdrawals",
        "transfer": "permitsUniversalTransfer",
    }[action.kind]
    if not key.allows(need):
        return f"key lacks {need}"
    return ""


def _act(state: ExchangeState, action: AttackAction, t: int) -> dict[str, Any]:
    f = action.fields
    if action.kind == "order":
        market = state.markets[str(f["symbol"])]
        rng = random.Random(f"atk:{state.seed}:{t}:{action.label}")
        order, fill = attacker_order(market, action, t, rng, bot_prefix=state.scenario.history.bot_prefix)
        if not _afford(state, market, order.side, order.orig_qty, order.price):
            raise ApiError(-2010, INSUFFICIENT)
        state.book(market.symbol).add_order(order)
        qty = (order.orig_qty * fill / market.spec.step_size).to_integral_value() * market.spec.step_size
        if qty > 0:
            execute_fills(state, market, order, qty=qty, price=order.price, t_ms=t)
        if order.is_open:
            _lock(state, market, order, +1)
        return order_ref(order)
    if action.kind == "withdrawal":
        return _withdraw(state, action, t)
    rec = state.wallet_record(action.kind, t, f, action.label)
    if action.kind == "transfer":
        _move(state, rec.data["asset"], -Decimal(rec.data["amount"]))
    return state._ref(rec)


def _withdraw(state: ExchangeState, action: AttackAction, t: int) -> dict[str, Any]:
    f = action.fields
    if t < state.flags.withdrawals_locked_until_ms:
        raise ApiError(-1002, "withdrawals are locked for 24 h after a security change")
    white = {r.data["address"] for r in state.records("address") if r.data.get("whiteStatus")}
    if state.flags.withdrawal_whitelist and str(f["address"]) not in white:
        raise ApiError(-1002, "address not on the withdrawal whitelist")
    coin, amount = str(f.get("coin", "USDT")), Decimal(str(f.get("amount", "0")))
    if state.free.get(coin, ZERO) < amount:
        raise ApiError(-2010, INSUFFICIENT)
    _move(state, coin, -amount)
    rec = state.wallet_record("withdrawal", t, f, action.label)
    return state._ref(rec)
