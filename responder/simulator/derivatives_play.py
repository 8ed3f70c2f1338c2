"""The futures and margin timeline: the user's futures bot, universal transfers, the attacker's actions.

Built once with the account (`ExchangeState`), in time order: the user's bot round trips over the last
`days`, every transfer into or out of USD-M futures found in the wallet history (the user's and the
attacker's), and the `futures_*` / `margin_*` attacker actions. Actions after "now" wait in `pending`
and happen when the simulated clock passes them, unless the leaked key is gone (then "prevented").
Every attacker action is a ground-truth `TruthEntry` with `market: futures|margin`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from responder.simulator.derivatives import DAY_MS, INTO_FUTURES, OUT_OF_FUTURES, Futures
from responder.simulator.margin import Margin
from responder.simulator.scenario import AttackAction
from responder.simulator.scenario_derivatives import DERIVATIVE_KINDS, FuturesSpec
from responder.simulator.wire import ApiError


def _dec(value: object) -> Decimal:
    return Decimal(str(value))


@dataclass
class Derivatives:
    state: Any  # the ExchangeState (typed loosely: the state builds this, no import cycle)
    truth_entry: Any  # state.TruthEntry, handed in for the same reason
    futures: Futures = field(init=False)
    margin: Margin = field(init=False)
    pending: list[AttackAction] = field(default_factory=list)

    def __post_init__(self) -> None:
        st = self.state
        self.enabled = st.scenario.futures is not None
        self.futures = Futures(st, st.scenario.futures or FuturesSpec())
        self.margin = Margin(st)
        events: list[tuple[int, int, Any]] = []
        for t, n, bot in self._bot_plan():
            events.append((t, 0, ("bot", n, bot)))
        for rec in st.wallet:
            if rec.kind == "transfer" and rec.time_ms <= st.anchor_ms:
                events.append((rec.time_ms, 1, ("transfer", rec)))
        attack = st.scenario.attack
        for action in attack.actions if attack else ():
            if action.kind not in DERIVATIVE_KINDS:
                continue
            t = st.anchor_ms + action.at_s * 1000
            if action.at_s > 0:
                self.pending.append(action)
                self._truth(action, t, "pending", {})
            else:
                events.append((t, 2, ("attack", action)))
        for t, _, ev in sorted(events, key=lambda e: (e[0], e[1])):
            if ev[0] == "bot":
                self._bot(t, ev[1], ev[2])
            elif ev[0] == "transfer":
                self._transfer(ev[1])
            else:
                self._play(ev[1], t)
        st.truth.sort(key=lambda e: e.time_ms)

    # --- the user's futures bot ----------------------------------------------------------------------
    def _bot_plan(self) -> list[tuple[int, int, str]]:
        spec = self.state.scenario.futures
        if spec is None:
            return []
        rng = random.Random(f"fbot:{self.state.seed}")
        start = self.state.anchor_ms - spec.days * DAY_MS
        out = []
        for sym in spec.bot_symbols:
            self.futures.leverage.setdefault(sym, spec.bot_leverage)
            for day in range(spec.days):
                for k in range(max(1, spec.bot_trades_per_day // 2)):
                    t_open = start + day * DAY_MS + rng.randint(0, DAY_MS // 2)
                    t_close = t_open + rng.randint(600_000, DAY_MS // 3)
                    if t_close < self.state.anchor_ms:
                        out += [(t_open, 2 * k, sym), (t_close, 2 * k + 1, sym)]
        return out

    def _bot(self, t: int, n: int, symbol: str) -> None:
        f = self.futures
        pos = f.position(symbol)
        market = f.market(symbol)
        spec = self.state.scenario.futures
        assert spec is not None
        prefix = spec.bot_prefix
        cid = f"{prefix}{t // 1000}-{n}"
        if pos.amt > 0:
            f.place(symbol, "SELL", pos.amt, t, client_id=cid, reduce_only=True, source="user-bot")
            return
        budget = f.wallet.get("USDT", Decimal(0)) * Decimal("0.2") * f.lev(symbol)
        qty = (budget / market.price(t) / market.spec.step_size).to_integral_value() * market.spec.step_size
        if qty > 0:
            try:
                f.place(symbol, "BUY", qty, t, client_id=cid, source="user-bot")
            except ApiError:
                return

    # --- transfers -----------------------------------------------------------------------------------
    def _transfer(self, rec: Any) -> None:
        sign = INTO_FUTURES.get(rec.data["type"]) or OUT_OF_FUTURES.get(rec.data["type"])
        if sign:
            amount = _dec(rec.data["amount"]) * sign
            self.futures.transfer(str(rec.data["asset"]), amount, rec.time_ms, int(rec.data["tranId"]))

    def sync_transfers(self) -> None:
        """Transfers made after the start (a pending attacker transfer) reach the futures wallet."""
        for rec in self.state.wallet:
            if (
                rec.kind == "transfer"
                and int(rec.data.get("tranId", 0)) not in self.futures.applied_transfers
            ):
                self._transfer(rec)

    # --- the attacker --------------------------------------------------------------------------------
    def _truth(
        self, action: AttackAction, t: int, status: str, ref: dict[str, Any], reason: str = ""
    ) -> None:
        market = "margin" if action.kind.startswith("margin_") else "futures"
        self.state.truth.append(
            self.truth_entry(action.label, action.kind, t, status, {"market": market, **ref}, reason)
        )

    def _play(self, action: AttackAction, t: int) -> None:
        try:
            ref = self._act(action, t)
        except ApiError as e:
            self._truth(action, t, "prevented", {}, e.msg)
            return
        self._truth(action, t, "done", ref)

    def _act(self, action: AttackAction, t: int) -> dict[str, Any]:
        a, f = action.fields, self.futures
        symbol = str(a.get("symbol", ""))
        if action.kind == "futures_leverage":
            f.leverage[symbol] = int(a["leverage"])
            return {"symbol": symbol, "leverage": int(a["leverage"])}
        if action.kind == "futures_order":
            if "leverage" in a:
                f.leverage[symbol] = int(a["leverage"])
            o = f.place(
                symbol,
                str(a["side"]),
                _dec(a["quantity"]),
                t,
                order_type=str(a.get("type", "MARKET")),
                price=_dec(a["price"]) if "price" in a else None,
                client_id=f"x-{random.Random(f'{t}{action.label}').getrandbits(48):012x}",
                source="attacker",
                label=action.label,
            )
            return {
                "symbol": symbol,
                "orderId": o.order_id,
                "clientOrderId": o.client_order_id,
                "side": o.side,
                "orderStatus": o.status,
                "leverage": f.lev(symbol),
            }
        if action.kind == "futures_liquidation":
            o = f.liquidate(symbol, t, action.label)
            return {"symbol": symbol, "orderId": o.order_id, "clientOrderId": o.client_order_id}
        if action.kind == "margin_borrow":
            rec = self.margin.borrow(str(a["asset"]), _dec(a["amount"]), t)
            return {"asset": rec["asset"], "amount": rec["amount"], "txId": rec["txId"]}
        o2 = self.margin.place(
            symbol,
            str(a["side"]),
            _dec(a["quantity"]),
            t,
            order_type=str(a.get("type", "MARKET")),
            price=_dec(a["price"]) if "price" in a else None,
            source="attacker",
            label=action.label,
        )
        return {"symbol": symbol, "orderId": o2.order_id, "side": o2.side, "orderStatus": o2.status}

    def apply_due(self, now_ms: int) -> None:
        self.sync_transfers()
        while self.pending and self.state.anchor_ms + self.pending[0].at_s * 1000 <= now_ms:
            action = self.pending.pop(0)
            t = self.state.anchor_ms + action.at_s * 1000
            entry = next(
                e
                for e in self.state.truth
                if e.status == "pending" and e.label == action.label and e.time_ms == t
            )
            reason = self._prevented()
            if reason:
                entry.status, entry.reason = "prevented", reason
                continue
            try:
                entry.ref = {**entry.ref, **self._act(action, t)}
                entry.status = "done"
            except ApiError as e:
                entry.status, entry.reason = "prevented", e.msg

    def _prevented(self) -> str:
        st = self.state
        key = next((k for k in st.keys if k.leaked), st.keys[0])
        if st.flags.disabled:
            return "account disabled"
        if not key.active:
            return "leaked key deleted"
        return ""

    def ground_truth(self) -> dict[str, Any]:
        f = self.futures
        return {
            "futures_open_orders": [
                {"symbol": o.symbol, "orderId": o.order_id, "source": o.source, "label": o.label}
                for o in f.open_orders(None)
            ],
            "futures_positions": [
                {"symbol": s, "positionAmt": format(p.amt, "f"), "entryPrice": format(p.entry, "f")}
                for s, p in sorted(f.positions.items())
                if p.amt
            ],
            "margin_open_orders": [
                {"symbol": o.symbol, "orderId": o.order_id, "source": o.source, "label": o.label}
                for o in self.margin.orders
                if o.is_open
            ],
        }
