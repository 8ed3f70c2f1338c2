"""USDⓈ-M futures account endpoints: balances, positions (v2 with leverage, v3 without), brackets.

Split from `api_futures.py` (one concept per module): the rows every account view shares are built
from the simulated futures state (`derivatives.py`) at the request's server time.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from responder.simulator.derivatives import Futures, f8
from responder.simulator.routes import Ctx
from responder.simulator.wire import ApiError, mandatory


def futures_of(ctx: Ctx) -> Futures:
    futures: Futures = ctx.state.derivatives.futures
    return futures


def symbol_param(ctx: Ctx, required: bool = True) -> str | None:
    sym = ctx.params.get("symbol")
    if not sym:
        if required:
            raise mandatory("symbol")
        return None
    if sym not in futures_of(ctx).symbols():
        raise ApiError(-1121, "Invalid symbol.")
    return sym


_f = futures_of
_sym = symbol_param


def _position_rows(ctx: Ctx, v2: bool, symbol: str | None = None) -> list[dict[str, Any]]:
    f = _f(ctx)
    rows = []
    for sym in f.symbols():
        if symbol is not None and sym != symbol:
            continue
        p = f.position(sym)
        if not v2 and p.amt == 0 and not f.open_orders(sym):
            continue  # v3 lists only symbols with a position or open orders
        mark, lev = f.mark(sym, ctx.now_ms), f.lev(sym)
        notional = mark * p.amt
        row: dict[str, Any] = {
            "symbol": sym,
            "positionSide": "BOTH",
            "positionAmt": format(p.amt, "f"),
            "entryPrice": f8(p.entry),
            "breakEvenPrice": f8(p.entry),
            "markPrice": f8(mark),
            "unRealizedProfit": f8((mark - p.entry) * p.amt if p.amt else Decimal(0)),
            "liquidationPrice": f8(p.liquidation_price(lev)),
            "isolatedMargin": "0",
            "notional": f8(notional),
            "isolatedWallet": "0",
            "updateTime": p.update_ms,
        }
        if v2:
            row |= {
                "leverage": str(lev),
                "marginType": "cross",
                "isAutoAddMargin": "false",
                "maxNotionalValue": "50000000",
            }
        else:
            im = abs(notional) / lev
            row |= {
                "marginAsset": "USDT",
                "initialMargin": f8(im),
                "maintMargin": f8(abs(notional) * Decimal("0.005")),
                "positionInitialMargin": f8(im),
                "openOrderInitialMargin": "0",
                "adl": 0,
                "bidNotional": "0",
                "askNotional": "0",
            }
        rows.append(row)
    return rows


def position_risk_v2(ctx: Ctx) -> Any:
    return _position_rows(ctx, True, _sym(ctx, required=False))


def position_risk_v3(ctx: Ctx) -> Any:
    return _position_rows(ctx, False, _sym(ctx, required=False))


def _assets(ctx: Ctx) -> list[dict[str, Any]]:
    f = _f(ctx)
    upnl, used = f.unrealized(ctx.now_ms), f.used_margin()
    out = []
    for asset, bal in sorted(f.wallet.items()):
        u = upnl if asset == "USDT" else Decimal(0)
        m = used if asset == "USDT" else Decimal(0)
        out.append(
            {
                "asset": asset,
                "walletBalance": f8(bal),
                "unrealizedProfit": f8(u),
                "marginBalance": f8(bal + u),
                "maintMargin": f8(m * Decimal("0.1")),
                "initialMargin": f8(m),
                "positionInitialMargin": f8(m),
                "openOrderInitialMargin": "0",
                "crossWalletBalance": f8(bal),
                "crossUnPnl": f8(u),
                "availableBalance": f8(max(bal + u - m, Decimal(0))),
                "maxWithdrawAmount": f8(max(bal + u - m, Decimal(0))),
                "marginAvailable": True,
                "updateTime": ctx.now_ms,
            }
        )
    return out


def _account(ctx: Ctx, v2: bool) -> Any:
    f = _f(ctx)
    usdt, upnl, used = f.wallet.get("USDT", Decimal(0)), f.unrealized(ctx.now_ms), f.used_margin()
    positions = []
    for row in _position_rows(ctx, True):
        if not v2 and Decimal(row["positionAmt"]) == 0:
            continue
        keep = (
            "symbol",
            "positionSide",
            "positionAmt",
            "isolatedMargin",
            "notional",
            "isolatedWallet",
            "updateTime",
        )
        extra = {"unrealizedProfit": row["unRealizedProfit"], "initialMargin": "0", "maintMargin": "0"}
        if v2:
            extra |= {
                "entryPrice": row["entryPrice"],
                "leverage": row["leverage"],
                "isolated": False,
                "maxNotional": row["maxNotionalValue"],
            }
        positions.append({k: row[k] for k in keep} | extra)
    return {
        **(
            {
                "feeTier": 0,
                "canTrade": True,
                "canDeposit": True,
                "canWithdraw": True,
                "updateTime": 0,
                "multiAssetsMargin": False,
                "tradeGroupId": -1,
            }
            if v2
            else {}
        ),
        "totalInitialMargin": f8(used),
        "totalMaintMargin": f8(used * Decimal("0.1")),
        "totalWalletBalance": f8(usdt),
        "totalUnrealizedProfit": f8(upnl),
        "totalMarginBalance": f8(usdt + upnl),
        "totalPositionInitialMargin": f8(used),
        "totalOpenOrderInitialMargin": "0",
        "totalCrossWalletBalance": f8(usdt),
        "totalCrossUnPnl": f8(upnl),
        "availableBalance": f8(max(f.available(ctx.now_ms), Decimal(0))),
        "maxWithdrawAmount": f8(max(f.available(ctx.now_ms), Decimal(0))),
        "assets": _assets(ctx),
        "positions": positions,
    }


def account_v2(ctx: Ctx) -> Any:
    return _account(ctx, True)


def account_v3(ctx: Ctx) -> Any:
    return _account(ctx, False)


def balance(ctx: Ctx) -> Any:
    return [
        {
            "accountAlias": "SgsR",
            "asset": a["asset"],
            "balance": a["walletBalance"],
            "crossWalletBalance": a["crossWalletBalance"],
            "crossUnPnl": a["crossUnPnl"],
            "availableBalance": a["availableBalance"],
            "maxWithdrawAmount": a["maxWithdrawAmount"],
            "marginAvailable": True,
            "updateTime": a["updateTime"],
        }
        for a in _assets(ctx)
    ]


def leverage_bracket(ctx: Ctx) -> Any:
    sym = _sym(ctx, required=False)
    rows = [
        {
            "symbol": s,
            "notionalCoef": 1.0,
            "brackets": [
                {
                    "bracket": 1,
                    "initialLeverage": 125,
                    "notionalCap": 50000,
                    "notionalFloor": 0,
                    "maintMarginRatio": 0.004,
                    "cum": 0.0,
                },
                {
                    "bracket": 2,
                    "initialLeverage": 20,
                    "notionalCap": 50000000,
                    "notionalFloor": 50000,
                    "maintMarginRatio": 0.025,
                    "cum": 1050.0,
                },
            ],
        }
        for s in _f(ctx).symbols()
        if sym is None or s == sym
    ]
    return rows[0] if sym is not None else rows
