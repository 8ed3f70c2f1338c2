"""The simulated USDⓈ-M futures account: wallet, leverage, one-way positions, orders, trades, income.

Perpetuals exist for every USDT-quoted market of the scenario and share its price path: the mark
price is the spot mid, fills take the spot touch. Market orders fill at once; limit orders rest
(nothing trades against them). Realised PnL, commission (0.04 % taker), transfers and liquidations
are written to the income history as Binance does. Liquidation is simplified: the position is
force-closed at `entry × (1 ∓ 1/leverage ± MMR)` and everything it held as margin is lost (REALIZED_PNL
plus INSURANCE_CLEAR). The user's own futures bot trades in the past; attacker actions come from the
scenario's `[[attack.actions]]` (`futures_*` kinds) and are labelled in the ground truth.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from responder.simulator.market import Market
from responder.simulator.records import ZERO
from responder.simulator.scenario_derivatives import FuturesSpec
from responder.simulator.wire import ApiError

DAY_MS = 86_400_000
TAKER = Decimal("0.0004")
MMR = Decimal("0.005")  # maintenance margin rate of the simplified liquidation price
INTO_FUTURES = {"MAIN_UMFUTURE": 1, "MARGIN_UMFUTURE": 1, "FUNDING_UMFUTURE": 1}
OUT_OF_FUTURES = {"UMFUTURE_MAIN": -1, "UMFUTURE_MARGIN": -1, "UMFUTURE_FUNDING": -1}
Q8 = Decimal("0.00000001")
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def f8(x: Decimal) -> str:
    return format(x.quantize(Q8), "f")


@dataclass
class FutOrder:
    order_id: int
    client_order_id: str
    symbol: str
    side: str
    type: str
    price: Decimal
    orig_qty: Decimal
    time_ms: int
    update_ms: int
    status: str = "NEW"
    executed_qty: Decimal = ZERO
    avg_price: Decimal = ZERO
    reduce_only: bool = False
    source: str = "user"  # user | user-bot | attacker | liquidation
    label: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status in ("NEW", "PARTIALLY_FILLED")

    def to_json(self) -> dict[str, Any]:
        liquidation = self.source == "liquidation"
        return {
            "orderId": self.order_id,
            "symbol": self.symbol,
            "status": self.status,
            "clientOrderId": self.client_order_id,
            "price": f8(self.price),
            "avgPrice": f8(self.avg_price),
            "origQty": format(self.orig_qty, "f"),
            "executedQty": format(self.executed_qty, "f"),
            "cumQuote": f8(self.executed_qty * self.avg_price),
            "timeInForce": "IOC" if liquidation or self.type == "MARKET" else "GTC",
            "type": "LIMIT" if liquidation else self.type,
            "reduceOnly": self.reduce_only,
            "closePosition": False,
            "side": self.side,
            "positionSide": "BOTH",
            "stopPrice": "0",
            "workingType": "CONTRACT_PRICE",
            "priceProtect": False,
            "origType": "LIMIT" if liquidation else self.type,
            "priceMatch": "NONE",
            "selfTradePreventionMode": "NONE",
            "goodTillDate": 0,
            "time": self.time_ms,
            "updateTime": self.update_ms,
        }


@dataclass
class FutTrade:
    id: int
    order_id: int
    symbol: str
    side: str
    price: Decimal
    qty: Decimal
    realized_pnl: Decimal
    commission: Decimal
    time_ms: int

    def to_json(self) -> dict[str, Any]:
        return {
            "buyer": self.side == "BUY",
            "commission": f8(self.commission),
            "commissionAsset": "USDT",
            "id": self.id,
            "maker": False,
            "orderId": self.order_id,
            "price": format(self.price, "f"),
            "qty": format(self.qty, "f"),
            "quoteQty": f8(self.price * self.qty),
            "realizedPnl": f8(self.realized_pnl),
            "side": self.side,
            "positionSide": "BOTH",
            "symbol": self.symbol,
            "time": self.time_ms,
        }


@dataclass
class IncomeRow:
    symbol: str
    income_type: str
    income: Decimal
    asset: str
    info: str
    time_ms: int
    tran_id: int
    trade_id: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "incomeType": self.income_type,
            "income": f8(self.income),
            "asset": self.asset,
            "info": self.info,
            "time": self.time_ms,
            "tranId": self.tran_id,
            "tradeId": self.trade_id,
        }


@dataclass
class Position:
    amt: Decimal = ZERO
    entry: Decimal = ZERO
    update_ms: int = 0

    def liquidation_price(self, leverage: int) -> Decimal:
        if self.amt == 0:
            return ZERO
        step = Decimal(1) / leverage - MMR
        return self.entry * (1 - step) if self.amt > 0 else self.entry * (1 + step)


@dataclass
class Futures:
    state: Any  # the ExchangeState (typed loosely: the state builds this, no import cycle)
    spec: FuturesSpec
    wallet: dict[str, Decimal] = field(default_factory=dict)
    leverage: dict[str, int] = field(default_factory=dict)
    positions: dict[str, Position] = field(default_factory=dict)
    orders: list[FutOrder] = field(default_factory=list)
    trades: list[FutTrade] = field(default_factory=list)
    income: list[IncomeRow] = field(default_factory=list)
    applied_transfers: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"futures:{self.state.seed}")
        self.wallet = {"USDT": ZERO, "BNB": ZERO, **self.spec.balances}
        self.leverage = dict(self.spec.leverage)
        self._next_order = 8_100_000_000
        self._next_trade = 510_000_000

    # --- markets --------------------------------------------------------------------------------------
    def symbols(self) -> list[str]:
        return sorted(s for s, m in self.state.markets.items() if m.spec.quote == "USDT")

    def market(self, symbol: str) -> Market:
        if symbol not in self.symbols():
            raise ApiError(-1121, "Invalid symbol.")
        market: Market = self.state.markets[symbol]
        return market

    def lev(self, symbol: str) -> int:
        return self.leverage.get(symbol, 20)

    def mark(self, symbol: str, t_ms: int) -> Decimal:
        return self.market(symbol).price(t_ms)

    def position(self, symbol: str) -> Position:
        return self.positions.setdefault(symbol, Position())

    # --- money ---------------------------------------------------------------------------------------
    def used_margin(self) -> Decimal:
        return sum(
            (abs(p.amt) * p.entry / self.lev(s) for s, p in self.positions.items() if p.amt),
            ZERO,
        )

    def unrealized(self, t_ms: int) -> Decimal:
        return sum(((self.mark(s, t_ms) - p.entry) * p.amt for s, p in self.positions.items() if p.amt), ZERO)

    def available(self, t_ms: int) -> Decimal:
        return self.wallet["USDT"] + self.unrealized(t_ms) - self.used_margin()

    def _income(
        self, symbol: str, kind: str, amount: Decimal, t: int, *, info: str = "", trade: str = ""
    ) -> None:
        self.wallet["USDT"] = self.wallet.get("USDT", ZERO) + amount
        tran = self.rng.randint(10**9, 9 * 10**9)
        self.income.append(IncomeRow(symbol, kind, amount, "USDT", info, t, tran, trade))

    def transfer(self, asset: str, amount: Decimal, t: int, tran_id: int) -> None:
        """Money into (positive) or out of (negative) the futures wallet via a universal transfer."""
        if tran_id in self.applied_transfers:
            return
        self.applied_transfers.add(tran_id)
        self.wallet[asset] = self.wallet.get(asset, ZERO) + amount
        self.income.append(IncomeRow("", "TRANSFER", amount, asset, "TRANSFER", t, tran_id))

    # --- orders --------------------------------------------------------------------------------------
    def new_id(self) -> int:
        self._next_order += self.rng.randint(3, 40)
        return self._next_order

    def place(
        self,
        symbol: str,
        side: str,
        qty: Decimal,
        t: int,
        *,
        order_type: str = "MARKET",
        price: Decimal | None = None,
        client_id: str | None = None,
        reduce_only: bool = False,
        source: str = "user",
        label: str | None = None,
    ) -> FutOrder:
        market = self.market(symbol)
        if side not in ("BUY", "SELL"):
            raise ApiError(-1117, "Invalid side.")
        if qty <= 0 or (qty / market.spec.step_size) % 1 != 0:
            raise ApiError(-1111, "Precision is over the maximum defined for this asset.")
        pos = self.position(symbol)
        signed = qty if side == "BUY" else -qty
        if reduce_only and (pos.amt == 0 or (pos.amt > 0) == (signed > 0) or abs(signed) > abs(pos.amt)):
            raise ApiError(-2022, "ReduceOnly Order is rejected.")
        cid = client_id or "".join(self.rng.choice(_BASE62) for _ in range(22))  # Binance's default id
        base = FutOrder(self.new_id(), cid, symbol, side, order_type, ZERO, qty, t, t)
        base.reduce_only, base.source, base.label = reduce_only, source, label
        if order_type == "LIMIT":
            if price is None or price <= 0:
                raise ApiError(
                    -1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed."
                )
            base.price = price
            self.orders.append(base)
            return base
        if order_type != "MARKET":
            raise ApiError(-1116, "Invalid orderType.")
        bid, ask = market.quote(t)
        fill = ask if side == "BUY" else bid
        growing = pos.amt == 0 or (pos.amt > 0) == (signed > 0)
        if growing and qty * fill / self.lev(symbol) > self.available(t):
            raise ApiError(-2019, "Margin is insufficient.")
        base.status, base.executed_qty, base.avg_price = "FILLED", qty, fill
        self.orders.append(base)
        self._fill(base, signed, fill, t)
        return base

    def _fill(self, order: FutOrder, signed: Decimal, price: Decimal, t: int) -> Decimal:
        pos = self.position(order.symbol)
        pnl = ZERO
        if pos.amt == 0 or (pos.amt > 0) == (signed > 0):
            total = pos.amt + signed
            pos.entry = (pos.entry * abs(pos.amt) + price * abs(signed)) / abs(total)
            pos.amt = total
        else:
            closed = min(abs(signed), abs(pos.amt))
            pnl = (price - pos.entry) * closed * (1 if pos.amt > 0 else -1)
            pos.amt += signed
            if pos.amt != 0 and (pos.amt > 0) == (signed > 0):
                pos.entry = price  # flipped: the rest opens at the fill price
            if pos.amt == 0:
                pos.entry = ZERO
        pos.update_ms = t
        self._next_trade += self.rng.randint(1, 30)
        commission = (abs(signed) * price * TAKER).quantize(Q8)
        self.trades.append(
            FutTrade(
                self._next_trade,
                order.order_id,
                order.symbol,
                order.side,
                price,
                abs(signed),
                pnl,
                commission,
                t,
            )
        )
        if pnl:
            self._income(order.symbol, "REALIZED_PNL", pnl, t, trade=str(self._next_trade))
        self._income(order.symbol, "COMMISSION", -commission, t, trade=str(self._next_trade))
        return pnl

    def cancel_all(self, symbol: str, t: int) -> int:
        n = 0
        for o in self.orders:
            if o.symbol == symbol and o.is_open:
                o.status, o.update_ms, n = "CANCELED", t, n + 1
        return n

    def liquidate(self, symbol: str, t: int, label: str | None) -> FutOrder:
        pos = self.position(symbol)
        if pos.amt == 0:
            raise ApiError(-2022, "no position to liquidate")
        lev = self.lev(symbol)
        price = pos.liquidation_price(lev).quantize(self.market(symbol).spec.tick_size)
        margin = abs(pos.amt) * pos.entry / lev
        side = "SELL" if pos.amt > 0 else "BUY"
        qty = abs(pos.amt)
        order = FutOrder(
            self.new_id(),
            f"autoclose-{t}{self.rng.randint(100000, 999999)}",
            symbol,
            side,
            "LIMIT",
            price,
            qty,
            t,
            t,
            "FILLED",
            qty,
            price,
            False,
            "liquidation",
            label,
        )
        self.orders.append(order)
        pnl = self._fill(order, -pos.amt, price, t)
        self._income(symbol, "INSURANCE_CLEAR", -(margin + pnl) if margin + pnl > 0 else ZERO, t)
        return order

    def open_orders(self, symbol: str | None) -> list[FutOrder]:
        return [o for o in self.orders if o.is_open and (symbol is None or o.symbol == symbol)]
