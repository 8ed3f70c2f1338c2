"""The simulated cross-margin account: balances, loans, orders and trades on the spot price path.

Margin orders and trades carry the spot shapes plus `isIsolated`. A borrow adds to `free` and to
`borrowed` (interest accrues at a flat 0.02 % per started hour, enough to show a debt growing);
market orders fill at the spot touch at once, limit orders rest and lock their funds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from responder.simulator.records import ZERO
from responder.simulator.wire import ApiError

HOURLY = Decimal("0.0002")
Q8 = Decimal("0.00000001")


def f8(x: Decimal) -> str:
    return format(x.quantize(Q8), "f")


@dataclass
class MarginOrder:
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
    quote_qty: Decimal = ZERO
    source: str = "user"
    label: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status in ("NEW", "PARTIALLY_FILLED")

    def to_json(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "orderId": self.order_id,
            "clientOrderId": self.client_order_id,
            "price": f8(self.price),
            "origQty": f8(self.orig_qty),
            "executedQty": f8(self.executed_qty),
            "cummulativeQuoteQty": f8(self.quote_qty),
            "status": self.status,
            "timeInForce": "GTC",
            "type": self.type,
            "side": self.side,
            "stopPrice": "0.00000000",
            "icebergQty": "0.00000000",
            "time": self.time_ms,
            "updateTime": self.update_ms,
            "isWorking": True,
            "isIsolated": False,
            "selfTradePreventionMode": "EXPIRE_MAKER",
        }


@dataclass
class Margin:
    state: Any  # the ExchangeState (typed loosely: the state builds this, no import cycle)
    free: dict[str, Decimal] = field(default_factory=dict)
    locked: dict[str, Decimal] = field(default_factory=dict)
    borrowed: dict[str, Decimal] = field(default_factory=dict)
    loans: list[dict[str, Any]] = field(default_factory=list)  # borrow records as Binance sends them
    orders: list[MarginOrder] = field(default_factory=list)
    trades: list[dict[str, Any]] = field(default_factory=list)
    liquidations: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"margin:{self.state.seed}")
        spec = self.state.scenario.margin
        self.free = {"USDT": ZERO, "BTC": ZERO, **(spec.balances if spec else {})}
        self._next = 3_300_000_000

    def interest(self, asset: str, now_ms: int) -> Decimal:
        total = ZERO
        for loan in self.loans:
            if loan["asset"] == asset:
                hours = max(0, now_ms - int(loan["timestamp"])) // 3_600_000 + 1
                total += Decimal(loan["amount"]) * HOURLY * hours
        return total.quantize(Q8)

    def assets(self) -> list[str]:
        return sorted(set(self.free) | set(self.locked) | set(self.borrowed))

    def borrow(self, asset: str, amount: Decimal, t: int) -> dict[str, Any]:
        if amount <= 0:
            raise ApiError(-3045, "The system does not have enough asset now.")
        self.free[asset] = self.free.get(asset, ZERO) + amount
        self.borrowed[asset] = self.borrowed.get(asset, ZERO) + amount
        rec = {
            "type": "AUTO",
            "isolatedSymbol": "",
            "amount": f8(amount),
            "asset": asset,
            "interest": "0",
            "principal": f8(amount),
            "status": "CONFIRMED",
            "timestamp": t,
            "txId": self.rng.randint(10**10, 9 * 10**10),
        }
        self.loans.append(rec)
        return rec

    def place(
        self,
        symbol: str,
        side: str,
        qty: Decimal,
        t: int,
        *,
        order_type: str = "MARKET",
        price: Decimal | None = None,
        source: str = "user",
        label: str | None = None,
    ) -> MarginOrder:
        if symbol not in self.state.markets:
            raise ApiError(-1121, "Invalid symbol.")
        m = self.state.markets[symbol]
        base, quote = m.spec.base, m.spec.quote
        self._next += self.rng.randint(3, 40)
        cid = f"{'x' if source == 'attacker' else 'web'}_{self.rng.getrandbits(64):016x}"
        if order_type == "LIMIT":
            assert price is not None
            order = MarginOrder(
                self._next, cid, symbol, side, "LIMIT", price, qty, t, t, source=source, label=label
            )
            asset, need = (quote, qty * price) if side == "BUY" else (base, qty)
            if self.free.get(asset, ZERO) < need:
                raise ApiError(-2010, "Account has insufficient balance for requested action.")
            self.free[asset] -= need
            self.locked[asset] = self.locked.get(asset, ZERO) + need
            self.orders.append(order)
            return order
        bid, ask = m.quote(t)
        fill = ask if side == "BUY" else bid
        cost = qty * fill
        pay, get, pay_amt, get_amt = (quote, base, cost, qty) if side == "BUY" else (base, quote, qty, cost)
        if self.free.get(pay, ZERO) < pay_amt:
            raise ApiError(-2010, "Account has insufficient balance for requested action.")
        self.free[pay] -= pay_amt
        self.free[get] = self.free.get(get, ZERO) + get_amt
        order = MarginOrder(
            self._next, cid, symbol, side, "MARKET", ZERO, qty, t, t, "FILLED", qty, cost, source, label
        )
        self.orders.append(order)
        self.trades.append(
            {
                "commission": "0",
                "commissionAsset": base,
                "id": self.rng.randint(10**8, 9 * 10**8),
                "isBestMatch": True,
                "isBuyer": side == "BUY",
                "isMaker": False,
                "orderId": order.order_id,
                "price": f8(fill),
                "qty": f8(qty),
                "quoteQty": f8(cost),
                "symbol": symbol,
                "isIsolated": False,
                "time": t,
            }
        )
        return order

    def cancel_all(self, symbol: str, t: int) -> list[MarginOrder]:
        done = []
        m = self.state.markets[symbol]
        for o in self.orders:
            if o.symbol == symbol and o.is_open:
                o.status, o.update_ms = "CANCELED", t
                asset, amount = (
                    (m.spec.quote, o.orig_qty * o.price) if o.side == "BUY" else (m.spec.base, o.orig_qty)
                )
                self.locked[asset] -= amount
                self.free[asset] = self.free.get(asset, ZERO) + amount
                done.append(o)
        return done

    def account_json(self, now_ms: int, btc_price: Decimal) -> dict[str, Any]:
        rows, assets_btc, debt_btc = [], ZERO, ZERO
        for a in self.assets():
            free, locked = self.free.get(a, ZERO), self.locked.get(a, ZERO)
            borrowed = self.borrowed.get(a, ZERO)
            interest = self.interest(a, now_ms) if borrowed else ZERO
            net = free + locked - borrowed - interest
            rows.append(
                {
                    "asset": a,
                    "borrowed": f8(borrowed),
                    "free": f8(free),
                    "interest": f8(interest),
                    "locked": f8(locked),
                    "netAsset": f8(net),
                }
            )
            rate = self._btc_rate(a, btc_price)
            assets_btc += (free + locked) * rate
            debt_btc += (borrowed + interest) * rate
        level = (assets_btc / debt_btc) if debt_btc else Decimal(999)
        return {
            "borrowEnabled": True,
            "marginLevel": f8(level),
            "collateralMarginLevel": f8(level),
            "totalAssetOfBtc": f8(assets_btc),
            "totalLiabilityOfBtc": f8(debt_btc),
            "totalNetAssetOfBtc": f8(assets_btc - debt_btc),
            "TotalCollateralValueInUSDT": f8(assets_btc * btc_price),
            "totalOpenOrderLossInUsdt": "0",
            "tradeEnabled": True,
            "transferInEnabled": True,
            "transferOutEnabled": True,
            "transferEnabled": True,
            "accountType": "MARGIN_1",
            "userAssets": rows,
        }

    def _btc_rate(self, asset: str, btc_price: Decimal) -> Decimal:
        if asset == "BTC":
            return Decimal(1)
        if asset in ("USDT", "USDC", "FDUSD"):
            return 1 / btc_price if btc_price else ZERO
        m = self.state.markets.get(f"{asset}USDT")
        return m.price(self.state.anchor_ms) / btc_price if m and btc_price else ZERO
