"""Wallet and convert `/sapi` endpoints with Binance's shapes and window rules (reference §3.2, §8).

Windows: withdraw/deposit history < 90 days (7 with `withdrawOrderId`), convert ≤ 30 days, account
snapshots < 30 days within the last month, universal transfers only within the last 6 months.
Binance does not document the code for a too-wide SAPI window; we answer -1127 like /api does.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from responder.simulator.market import fmt
from responder.simulator.records import ZERO, WalletRecord
from responder.simulator.routes import DAY_MS, Ctx, Endpoint
from responder.simulator.wire import ApiError, mandatory

TRANSFER_TYPES = frozenset(
    (
        "MAIN_UMFUTURE",
        "MAIN_CMFUTURE",
        "MAIN_MARGIN",
        "UMFUTURE_MAIN",
        "UMFUTURE_MARGIN",
        "CMFUTURE_MAIN",
        "CMFUTURE_MARGIN",
        "MARGIN_MAIN",
        "MARGIN_UMFUTURE",
        "MARGIN_CMFUTURE",
        "ISOLATEDMARGIN_MARGIN",
        "MARGIN_ISOLATEDMARGIN",
        "ISOLATEDMARGIN_ISOLATEDMARGIN",
        "MAIN_FUNDING",
        "FUNDING_MAIN",
        "FUNDING_UMFUTURE",
        "UMFUTURE_FUNDING",
        "MARGIN_FUNDING",
        "FUNDING_MARGIN",
        "FUNDING_CMFUTURE",
        "CMFUTURE_FUNDING",
        "MAIN_OPTION",
        "OPTION_MAIN",
        "UMFUTURE_OPTION",
        "OPTION_UMFUTURE",
        "MARGIN_OPTION",
        "OPTION_MARGIN",
        "FUNDING_OPTION",
        "OPTION_FUNDING",
        "MAIN_PORTFOLIO_MARGIN",
        "PORTFOLIO_MARGIN_MAIN",
    )
)


def api_restrictions(ctx: Ctx) -> Any:
    key = ctx.key
    assert key is not None
    flags = {
        p: key.allows(p)
        for p in (
            "enableReading",
            "enableWithdrawals",
            "enableInternalTransfer",
            "enableMargin",
            "enableFutures",
            "permitsUniversalTransfer",
            "enableVanillaOptions",
        )
    }
    return {
        "ipRestrict": bool(key.ip_whitelist),
        "createTime": key.create_ms,
        **flags,
        "enableFixApiTrade": False,
        "enableFixReadOnly": key.allows("enableReading"),
        "enableSpotAndMarginTrading": key.allows("enableSpotAndMarginTrading"),
        "enablePortfolioMarginTrading": False,
    }


def account_status(ctx: Ctx) -> Any:
    return {"data": "Normal"}


def api_trading_status(ctx: Ctx) -> Any:
    return {
        "data": {
            "isLocked": False,
            "plannedRecoverTime": 0,
            "triggerCondition": {"GCR": 150, "IFER": 150, "UFR": 300},
            "updateTime": 0,
        }
    }


def _history(ctx: Ctx, kind: str, max_days: int) -> list[WalletRecord]:
    start, end = ctx.int_param("startTime"), ctx.int_param("endTime")
    if kind == "withdrawal" and ctx.params.get("withdrawOrderId"):
        max_days = 7
    end = end if end is not None else ctx.now_ms
    start = start if start is not None else end - max_days * DAY_MS
    if end - start > max_days * DAY_MS:
        raise ApiError(-1127, f"More than {max_days} days between startTime and endTime.")
    rows = [r for r in ctx.state.records(kind) if start <= r.time_ms <= end]
    if coin := ctx.params.get("coin"):
        rows = [r for r in rows if r.data.get("coin") == coin]
    if (status := ctx.int_param("status")) is not None:
        rows = [r for r in rows if r.data.get("status") == status]
    if kind == "withdrawal" and (woid := ctx.params.get("withdrawOrderId")):
        rows = [r for r in rows if r.data.get("withdrawOrderId") == woid]
    if kind == "withdrawal" and (ids := ctx.params.get("idList")):
        wanted = set(ids.split(","))
        rows = [r for r in rows if r.data["id"] in wanted]
    rows.sort(key=lambda r: r.time_ms, reverse=True)  # newest first, as Binance lists them
    offset = ctx.int_param("offset") or 0
    return rows[offset : offset + ctx.limit(1000)]


def withdraw_history(ctx: Ctx) -> Any:
    return [r.to_json() for r in _history(ctx, "withdrawal", 90)]


def deposit_history(ctx: Ctx) -> Any:
    include_source = ctx.flag("includeSource")
    out = []
    for r in _history(ctx, "deposit", 90):
        row = r.to_json()
        if include_source:
            row["sourceAddress"] = r.data.get("address", "")
        out.append(row)
    return out


def withdraw_addresses(ctx: Ctx) -> Any:
    return [r.to_json() for r in ctx.state.records("address")]


def universal_transfers(ctx: Ctx) -> Any:
    ttype = ctx.params.get("type")
    if not ttype:
        raise mandatory("type")
    if ttype not in TRANSFER_TYPES:
        raise ApiError(-1100, "Illegal characters found in parameter 'type'.")
    size = ctx.int_param("size") or 10
    if size > 100:
        raise ApiError(-1102, "'size' contains unexpected value. Cannot be greater than 100.")
    current = max(ctx.int_param("current") or 1, 1)
    start, end = ctx.int_param("startTime"), ctx.int_param("endTime")
    if start is None and end is None:
        start = ctx.now_ms - 7 * DAY_MS
    floor = ctx.now_ms - 183 * DAY_MS  # only the last 6 months are kept
    start = max(start if start is not None else floor, floor)
    end = end if end is not None else ctx.now_ms
    rows = [r for r in ctx.state.records("transfer") if r.data["type"] == ttype and start <= r.time_ms <= end]
    rows.sort(key=lambda r: r.time_ms, reverse=True)
    page = rows[(current - 1) * size : current * size]
    if not rows:
        return {"total": 0}  # Binance omits "rows" when there are none
    return {"total": len(rows), "rows": [r.to_json() for r in page]}


def account_snapshot(ctx: Ctx) -> Any:
    stype = ctx.params.get("type")
    if not stype:
        raise mandatory("type")
    if stype not in ("SPOT", "MARGIN", "FUTURES"):
        raise ApiError(-1100, "Illegal characters found in parameter 'type'.")
    limit = ctx.limit(7, maximum=30, minimum=7)
    start, end = ctx.int_param("startTime"), ctx.int_param("endTime")
    if start is not None and end is not None and end - start > 30 * DAY_MS:
        raise ApiError(-1127, "More than 30 days between startTime and endTime.")
    last_day = ctx.now_ms - ctx.now_ms % DAY_MS - 1000  # yesterday 23:59:59.000
    days = [last_day - i * DAY_MS for i in range(30)]
    chosen = [d for d in days if (start is None or d >= start) and (end is None or d <= end)]
    chosen = sorted(chosen[:limit] if start is None else chosen[-limit:])
    if stype != "SPOT":
        return {"code": 200, "msg": "", "snapshotVos": []}
    return {"code": 200, "msg": "", "snapshotVos": [_spot_snapshot(ctx, d) for d in chosen]}


def _spot_snapshot(ctx: Ctx, day_ms: int) -> dict[str, Any]:
    st = ctx.state
    locked = st.locked()
    total_btc = ZERO
    balances = []
    for asset in sorted(st.free):
        free, lock = st.free[asset], locked.get(asset, ZERO)
        if free == 0 and lock == 0:
            continue
        balances.append({"asset": asset, "free": fmt(free), "locked": fmt(lock)})
        total_btc += (free + lock) * _btc_value(ctx, asset, day_ms)
    return {
        "type": "spot",
        "updateTime": day_ms,
        "data": {"totalAssetOfBtc": fmt(total_btc), "balances": balances},
    }


def _btc_value(ctx: Ctx, asset: str, t_ms: int) -> Decimal:
    m = ctx.state.markets
    if asset == "BTC":
        return Decimal(1)
    if f"{asset}BTC" in m:
        return m[f"{asset}BTC"].price(t_ms)
    if f"{asset}USDT" in m and "BTCUSDT" in m:
        return m[f"{asset}USDT"].price(t_ms) / m["BTCUSDT"].price(t_ms)
    if asset == "USDT" and "BTCUSDT" in m:
        return 1 / m["BTCUSDT"].price(t_ms)
    return ZERO


def convert_trades(ctx: Ctx) -> Any:
    start, end = ctx.int_param("startTime"), ctx.int_param("endTime")
    if start is None:
        raise mandatory("startTime")
    if end is None:
        raise mandatory("endTime")
    if end - start > 30 * DAY_MS:
        raise ApiError(-1127, "More than 30 days between startTime and endTime.")
    limit = ctx.limit(100)
    rows = [r for r in ctx.state.records("convert") if start <= r.time_ms <= end]
    return {
        "list": [r.to_json() for r in rows[:limit]],
        "startTime": start,
        "endTime": end,
        "limit": limit,
        "moreData": len(rows) > limit,
    }


ENDPOINTS = [
    Endpoint(
        "GET",
        "/sapi/v1/account/apiRestrictions",
        api_restrictions,
        weight=1,
        sapi_scope="IP",
        permission=None,
    ),
    Endpoint("GET", "/sapi/v1/account/status", account_status, weight=1, sapi_scope="IP"),
    Endpoint("GET", "/sapi/v1/account/apiTradingStatus", api_trading_status, weight=1, sapi_scope="IP"),
    Endpoint(
        "GET",
        "/sapi/v1/capital/withdraw/history",
        withdraw_history,
        weight=18000,
        sapi_scope="UID",
        per_second=10,
    ),
    Endpoint("GET", "/sapi/v1/capital/deposit/hisrec", deposit_history, weight=1, sapi_scope="IP"),
    Endpoint("GET", "/sapi/v1/capital/withdraw/address/list", withdraw_addresses, weight=10, sapi_scope="IP"),
    Endpoint("GET", "/sapi/v1/asset/transfer", universal_transfers, weight=1, sapi_scope="IP"),
    Endpoint("GET", "/sapi/v1/accountSnapshot", account_snapshot, weight=2400, sapi_scope="IP"),
    Endpoint("GET", "/sapi/v1/convert/tradeFlow", convert_trades, weight=3000, sapi_scope="UID"),
]
