"""The simulated account: balances, per-symbol books, wallet history, keys, account flags, ground truth.

Scenario balances are the *free* amounts at the start; open orders add what they lock. Books are
built lazily per symbol (a 400-market account starts instantly); symbols with open orders or attacker
activity are built up front so balances are right from the first request. Attacker actions scheduled
after the start wait in `pending` and happen when the simulated clock passes them (`trading.py`).
All access goes through the simulator's lock.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from responder.simulator.book import Book
from responder.simulator.history import Plan, build_book
from responder.simulator.keys import SimKey, make_key
from responder.simulator.market import Market, generated_markets
from responder.simulator.records import ZERO, SimOrder, WalletRecord
from responder.simulator.scenario import AttackAction, Scenario
from responder.simulator.scenario_derivatives import DERIVATIVE_KINDS

_DAY_MS = 86_400_000
_OTHER_ASSETS = ("ADA", "DOGE", "FDUSD", "LTC", "SOL", "TRX", "USDC", "XRP")


@dataclass
class TruthEntry:
    """One attacker action as it really happened (or was prevented): tests and the drill's self-check."""

    label: str
    kind: str
    time_ms: int
    status: str  # done | pending | prevented
    ref: dict[str, Any] = field(default_factory=dict)
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "kind": self.kind,
            "time": self.time_ms,
            "status": self.status,
            **self.ref,
            **({"reason": self.reason} if self.reason else {}),
        }


@dataclass
class AccountFlags:
    can_trade: bool = True
    can_withdraw: bool = True
    can_deposit: bool = True
    disabled: bool = False
    withdrawal_whitelist: bool = False
    withdrawals_locked_until_ms: int = 0
    password_changed_ms: int | None = None
    twofa_reset_ms: int | None = None
    devices_logged_out_ms: int | None = None
    anti_phishing_code: bool = False


class ExchangeState:
    def __init__(self, scenario: Scenario, anchor_ms: int) -> None:
        self.scenario = scenario
        self.anchor_ms = anchor_ms
        self.seed = scenario.seed
        specs = list(scenario.markets) + generated_markets(scenario.generated_markets, scenario.seed)
        self.markets = {s.symbol: Market(s, scenario.seed, anchor_ms) for s in specs}
        self.keys: list[SimKey] = [make_key(k, scenario.seed, anchor_ms) for k in scenario.keys]
        flags = scenario.account_flags
        self.flags = AccountFlags(
            can_trade=flags.get("can_trade", True),
            can_withdraw=flags.get("can_withdraw", True),
            withdrawal_whitelist=flags.get("withdrawal_whitelist", False),
        )
        listed = (*_OTHER_ASSETS, *(a for m in specs for a in (m.base, m.quote)))
        self.free: dict[str, Decimal] = dict.fromkeys(listed, ZERO)  # Binance lists zero balances too
        self.free.update(scenario.balances)
        self.books: dict[str, Book] = {}
        self.plans = self._plans()
        self.wallet: list[WalletRecord] = []
        self.truth: list[TruthEntry] = []
        self.pending: list[AttackAction] = []
        self.events: list[dict[str, Any]] = []
        self.rng = random.Random(f"state:{scenario.seed}")
        self._past_wallet()
        self._past_attack()
        from responder.simulator.derivatives_play import Derivatives  # it builds on this state

        self.derivatives = Derivatives(self, TruthEntry)  # USDⓈ-M futures and cross margin (issue 15)

    # --- construction ----------------------------------------------------------------------------
    def _plans(self) -> dict[str, Plan]:
        h = self.scenario.history
        plans: dict[str, Plan] = {}
        per_day = h.bot_orders_per_day * h.days
        for sym in h.bot_symbols:
            plans[sym] = Plan(
                bot_orders=per_day,
                open_orders=h.bot_open_orders,
                archived=2,
                days=h.days,
                bot_prefix=h.bot_prefix,
            )
        for i, sym in enumerate(h.web_symbols):
            old = plans.get(sym, Plan(days=h.days, bot_prefix=h.bot_prefix))
            share = h.web_trades // len(h.web_symbols) + (i < h.web_trades % len(h.web_symbols))
            plans[sym] = Plan(old.bot_orders, old.open_orders, share, old.archived, h.days, h.bot_prefix)
        if h.bulk_trades:
            rng = random.Random(f"bulk:{self.seed}")
            each = h.bulk_trades / max(len(self.markets), 1)
            for sym in self.markets:
                extra = int(each * rng.uniform(0.5, 1.5))
                old = plans.get(sym, Plan(days=h.days, bot_prefix=h.bot_prefix))
                plans[sym] = Plan(
                    old.bot_orders + extra,
                    old.open_orders,
                    old.web_orders,
                    old.archived,
                    h.days,
                    h.bot_prefix,
                )
        return plans

    def _past_attack(self) -> None:
        attack = self.scenario.attack
        if attack is None:
            return
        past_orders: dict[str, list[AttackAction]] = {}
        for action in attack.actions:
            if action.kind in DERIVATIVE_KINDS:
                continue  # futures and margin actions are played by `derivatives_play.py`
            if action.at_s > 0:
                self.pending.append(action)
                self.truth.append(
                    TruthEntry(action.label, action.kind, self.anchor_ms + action.at_s * 1000, "pending")
                )
            elif action.kind == "order":
                past_orders.setdefault(str(action.fields["symbol"]), []).append(action)
            else:
                rec = self.wallet_record(
                    action.kind, self.anchor_ms + action.at_s * 1000, action.fields, action.label
                )
                self.truth.append(TruthEntry(action.label, action.kind, rec.time_ms, "done", self._ref(rec)))
        for sym, actions in past_orders.items():
            for action, order in self._build(sym, actions):
                self.truth.append(TruthEntry(action.label, "order", order.time_ms, "done", order_ref(order)))
        for sym, plan in self.plans.items():  # open orders lock balances from the first request
            if plan.open_orders and sym not in self.books:
                self._build(sym, [])
        self.truth.sort(key=lambda t: t.time_ms)

    def _build(self, symbol: str, attacker: list[AttackAction]) -> list[tuple[AttackAction, SimOrder]]:
        h = self.scenario.history
        plan = self.plans.get(symbol, Plan(days=h.days, bot_prefix=h.bot_prefix))
        book, placed = build_book(
            self.markets[symbol], plan, seed=self.seed, anchor_ms=self.anchor_ms, attacker=attacker
        )
        self.books[symbol] = book
        return placed

    def _past_wallet(self) -> None:
        for ev in self.scenario.history.events:
            self.wallet_record(ev.kind, self.anchor_ms + ev.at_s * 1000, ev.fields, None)

    # --- access ----------------------------------------------------------------------------------
    def book(self, symbol: str) -> Book:
        if symbol not in self.books:
            self._build(symbol, [])
        return self.books[symbol]

    def locked(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for book in self.books.values():
            m = self.markets[book.symbol].spec
            for asset, amount in book.locked(m.base, m.quote).items():
                out[asset] = out.get(asset, ZERO) + amount
        return out

    def open_orders(self, symbol: str | None) -> list[SimOrder]:
        books = [self.book(symbol)] if symbol else list(self.books.values())
        rows = [o for b in books for o in b.open_orders()]
        return sorted(rows, key=lambda o: (o.time_ms, o.symbol, o.order_id))

    def key_by_api_key(self, api_key: str) -> SimKey | None:
        return next((k for k in self.keys if k.api_key == api_key), None)

    def key_by_name(self, name: str) -> SimKey | None:
        return next((k for k in self.keys if name in (k.name, k.api_key)), None)

    def records(self, kind: str) -> list[WalletRecord]:
        return [r for r in self.wallet if r.kind == kind]

    # --- wallet records --------------------------------------------------------------------------
    def wallet_record(self, kind: str, t_ms: int, fields: dict[str, Any], label: str | None) -> WalletRecord:
        d = {k: v for k, v in fields.items() if not k.startswith("_") and k not in ("key", "price_step")}
        shape = _WALLET_SHAPES.get(kind)
        if shape is not None:
            d = shape(d, self.rng)
        rec = WalletRecord(kind, t_ms, d, label)
        self.wallet.append(rec)
        self.wallet.sort(key=lambda r: r.time_ms)
        return rec

    @staticmethod
    def _ref(rec: WalletRecord) -> dict[str, Any]:
        keys = {
            "withdrawal": ("id", "coin", "amount", "address"),
            "address": ("address", "coin", "network"),
            "transfer": ("tranId", "asset", "amount", "type"),
            "deposit": ("id",),
            "convert": ("orderId",),
        }
        return {k: rec.data[k] for k in keys.get(rec.kind, ()) if k in rec.data}


def order_ref(order: SimOrder) -> dict[str, Any]:
    return {
        "symbol": order.symbol,
        "orderId": order.order_id,
        "clientOrderId": order.client_order_id,
        "side": order.side,
        "orderStatus": order.status,
    }


# The Binance JSON of each wallet record kind, from a scenario's (or an attacker action's) fields.
def _withdrawal(d: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    return {
        "id": f"{rng.getrandbits(128):032x}",
        "amount": str(d.get("amount", "0")),
        "transactionFee": str(d.get("fee", "0")),
        "coin": str(d.get("coin", "USDT")),
        "status": int(d.get("status", 6)),
        "address": str(d["address"]),
        "txId": str(d.get("tx_id", f"0x{rng.getrandbits(256):064x}")),
        "network": str(d.get("network", "ETH")),
        "transferType": int(d.get("transfer_type", 0)),
        "confirmNo": 12,
        "walletType": 0,
        "txKey": "",
        "info": "",
    }


def _deposit(d: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    return {
        "id": str(rng.getrandbits(62)),
        "amount": str(d.get("amount", "0")),
        "coin": str(d.get("coin", "USDT")),
        "network": str(d.get("network", "ETH")),
        "status": int(d.get("status", 1)),
        "address": str(d.get("address", "")),
        "addressTag": "",
        "txId": f"0x{rng.getrandbits(256):064x}",
        "transferType": 0,
        "confirmTimes": "12/12",
        "unlockConfirm": 0,
        "walletType": 0,
    }


def _address(d: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    return {
        "address": str(d["address"]),
        "addressTag": str(d.get("tag", "")),
        "coin": str(d.get("coin", "USDT")),
        "name": str(d.get("name", "")),
        "network": str(d.get("network", "ETH")),
        "origin": str(d.get("origin", "")),
        "originType": str(d.get("origin_type", "others")),
        "whiteStatus": bool(d.get("white", False)),
    }


def _transfer(d: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    return {
        "asset": str(d.get("asset", "USDT")),
        "amount": str(d.get("amount", "0")),
        "type": str(d.get("type", "MAIN_FUNDING")),
        "status": str(d.get("status", "CONFIRMED")),
        "tranId": rng.randint(10**10, 9 * 10**10),
    }


def _convert(d: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    return {
        "quoteId": f"{rng.getrandbits(128):032x}",
        "orderId": rng.randint(10**17, 9 * 10**17),
        "orderStatus": "SUCCESS",
        "fromAsset": str(d["from_asset"]),
        "fromAmount": str(d["from_amount"]),
        "toAsset": str(d["to_asset"]),
        "toAmount": str(d["to_amount"]),
        "ratio": str(d.get("ratio", "1")),
        "inverseRatio": str(d.get("inverse_ratio", "1")),
    }


_WALLET_SHAPES: dict[str, Callable[[dict[str, Any], random.Random], dict[str, Any]]] = {
    "withdrawal": _withdrawal,
    "deposit": _deposit,
    "address": _address,
    "transfer": _transfer,
    "convert": _convert,
}
