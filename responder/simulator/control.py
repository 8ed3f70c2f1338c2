"""The control channel: what a user does in Binance's web UI, plus the knobs of the simulation.

Binance has no API to delete a key or lock an account (reference §3.3), so the drill acts those
manual steps out here: under `/_sim/` (no signature, loopback peers only; a path real Binance does
not have) and as methods of `sim.control`. Also: advance the clock, inject faults, move the
client's apparent IP, and read the ground truth (attacker actions as they really happened), which
never appears in a Binance-shaped response.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qsl

from responder.simulator.clock import from_ms
from responder.simulator.keys import SimKey, SimSecret, make_key
from responder.simulator.scenario import PERMISSIONS, KeySpec
from responder.simulator.signature import KEY_TYPES
from responder.simulator.wire import SimRequest, SimResponse

if TYPE_CHECKING:
    import threading

    from responder.simulator.faults import Faults
    from responder.simulator.limits import Limits
    from responder.simulator.org import Org
    from responder.simulator.requestlog import RequestLog
    from responder.simulator.state import ExchangeState

_DAY_MS = 86_400_000


class Host(Protocol):
    """What the control channel drives: the simulator's parts and its clock (no import of `sim.py`)."""

    lock: threading.RLock
    state: ExchangeState
    faults: Faults
    limits: Limits
    request_log: RequestLog
    client_ip: str
    org: Org | None  # the organisation (org.py) when the scenario has a master account

    def now_ms(self) -> int: ...

    def advance(self, seconds: float) -> None: ...


class Control:
    def __init__(self, sim: Host) -> None:
        self._sim = sim

    def _event(self, action: str, **detail: Any) -> dict[str, Any]:
        ev = {"action": action, "time": self._sim.now_ms(), **detail}
        self._sim.state.events.append(ev)
        return ev

    # --- the web-UI actions --------------------------------------------------------------------------
    def delete_key(self, name_or_api_key: str) -> dict[str, Any]:
        with self._sim.lock:
            key = self._sim.state.key_by_name(name_or_api_key)
            if key is None:
                raise KeyError(f"no key named {name_or_api_key!r}")
            key.state = "deleted"
            return self._event("delete_key", key=key.name)

    def add_key(
        self,
        name: str,
        key_type: str = "HMAC",
        *,
        permissions: tuple[str, ...] = ("enableReading",),
        ip_whitelist: tuple[str, ...] = (),
        api_key: str | None = None,
        secret: str | None = None,
        public_pem: str | None = None,
    ) -> SimKey:
        """The user creates a key in API Management: Binance makes the API key and the HMAC secret, or
        registers the user's own Ed25519/RSA public key (`public_pem`). `api_key` and `secret` pin the
        material (a test that plants a known secret)."""
        if key_type not in KEY_TYPES or not set(permissions) <= set(PERMISSIONS):
            raise ValueError(f"key type must be one of {KEY_TYPES}, permissions among {PERMISSIONS}")
        if (key_type == "HMAC") == (public_pem is not None):
            raise ValueError("an HMAC key takes no public key; an Ed25519/RSA key needs one")
        with self._sim.lock:
            spec = KeySpec(name, key_type, tuple(permissions), 0, tuple(ip_whitelist))
            key = make_key(spec, self._sim.state.scenario.seed, self._sim.now_ms())
            key.api_key = api_key or key.api_key
            if secret is not None:
                key.secret = SimSecret(secret)
            if public_pem is not None:
                key.public_pem, key.private_key_pem = public_pem, None
            self._sim.state.keys.append(key)
            self._event("add_key", key=name)
            return key

    def enable_withdrawal_whitelist(self) -> dict[str, Any]:
        with self._sim.lock:
            self._sim.state.flags.withdrawal_whitelist = True
            return self._event("enable_withdrawal_whitelist")

    def disable_account(self) -> dict[str, Any]:
        """Binance's "Disable account": trading and withdrawals off, every API key deleted."""
        with self._sim.lock:
            st = self._sim.state
            st.flags.disabled = True
            st.flags.can_trade = st.flags.can_withdraw = False
            for key in st.keys:
                key.state = "deleted"
            return self._event("disable_account")

    def _security_change(self, action: str) -> dict[str, Any]:
        with self._sim.lock:
            now = self._sim.now_ms()
            flags = self._sim.state.flags
            flags.withdrawals_locked_until_ms = now + _DAY_MS  # Binance holds withdrawals for 24 h
            setattr(
                flags,
                {
                    "change_password": "password_changed_ms",
                    "reset_2fa": "twofa_reset_ms",
                    "log_out_devices": "devices_logged_out_ms",
                }[action],
                now,
            )
            return self._event(action)

    def change_password(self) -> dict[str, Any]:
        return self._security_change("change_password")

    def reset_2fa(self) -> dict[str, Any]:
        return self._security_change("reset_2fa")

    def log_out_devices(self) -> dict[str, Any]:
        return self._security_change("log_out_devices")

    def set_anti_phishing_code(self, code: str) -> dict[str, Any]:
        with self._sim.lock:
            self._sim.state.flags.anti_phishing_code = bool(code)
            return self._event("set_anti_phishing_code")  # the code itself is not kept

    # --- simulation knobs ----------------------------------------------------------------------------
    def advance_clock(self, seconds: float) -> dict[str, Any]:
        self._sim.advance(seconds)
        return self._event("advance_clock", seconds=seconds)

    def inject_fault(self, kind: str, **options: Any) -> dict[str, Any]:
        if kind == "skew":
            self._sim.faults.skew_ms = int(options.get("ms", 0))
            return self._event("clock_skew", ms=self._sim.faults.skew_ms)
        fault = self._sim.faults.add(kind, **options)
        return self._event("inject_fault", **fault.to_json())

    def clear_faults(self) -> dict[str, Any]:
        self._sim.faults.clear()
        return self._event("clear_faults")

    def set_client_ip(self, ip: str) -> dict[str, Any]:
        self._sim.client_ip = ip
        return self._event("set_client_ip", ip=ip)

    def set_weight_used(self, weight: int) -> dict[str, Any]:
        """Another client on the same IP: this much weight is already used in every minute."""
        self._sim.limits.preused = int(weight)
        return self._event("set_weight_used", weight=int(weight))

    def set_kyc_ip_check(self, passes: bool) -> dict[str, Any]:
        """Whether the master's key-management calls pass Binance's KYC IP-restriction check."""
        if self._sim.org is None:
            raise KeyError("this scenario has no master account")
        self._sim.org.kyc_ip_check = bool(passes)
        return self._event("set_kyc_ip_check", passes=bool(passes))

    def ground_truth(self) -> dict[str, Any]:
        with self._sim.lock:
            st = self._sim.state
            attack = st.scenario.attack
            return {
                "scenario": st.scenario.name,
                "now": self._sim.now_ms(),
                "leak_time": st.anchor_ms + attack.leak_s * 1000 if attack else None,
                "attacker_actions": [t.to_json() for t in st.truth],
                "keys": [
                    {
                        "name": k.name,
                        "state": k.state,
                        "leaked": k.leaked,
                        "type": k.type,
                        "ip_whitelist": list(k.ip_whitelist),
                        "created": k.create_ms,
                    }
                    for k in st.keys
                ],
                "account": {
                    "disabled": st.flags.disabled,
                    "can_trade": st.flags.can_trade,
                    "can_withdraw": st.flags.can_withdraw,
                    "withdrawal_whitelist": st.flags.withdrawal_whitelist,
                    "withdrawals_locked_until": st.flags.withdrawals_locked_until_ms,
                    "anti_phishing_code": st.flags.anti_phishing_code,
                },
                "user_actions": list(st.events),
                "open_orders": [
                    {"symbol": o.symbol, "orderId": o.order_id, "source": o.source, "label": o.label}
                    for o in st.open_orders(None)
                ],
                **st.derivatives.ground_truth(),  # futures and margin open orders, positions
                **({"organisation": self._sim.org.truth()} if self._sim.org is not None else {}),
            }

    # --- HTTP ----------------------------------------------------------------------------------------
    def handle_http(self, req: SimRequest) -> SimResponse:
        if not req.loopback_peer:
            return SimResponse.html(404, "<html><body><h1>404 Not Found</h1></body></html>")
        args: dict[str, Any] = dict(parse_qsl(req.query))
        if req.body.strip():
            try:
                loaded = json.loads(req.body)
            except ValueError:
                loaded = dict(parse_qsl(req.body))
            args.update(loaded if isinstance(loaded, dict) else {})
        name = req.path.removeprefix("/_sim/").strip("/").replace("-", "_")
        try:
            result = self._dispatch(req.method, name, args)
        except (KeyError, ValueError, TypeError) as e:
            return SimResponse.json({"error": str(e).strip("'\"")}, 400)
        return SimResponse.json(result)

    def _dispatch(self, method: str, name: str, args: dict[str, Any]) -> Any:
        if method == "GET":
            reads: dict[str, Callable[[], Any]] = {
                "ground_truth": self.ground_truth,
                "log": lambda: [e.to_json() for e in self._sim.request_log],
                "time": lambda: {"now": self._sim.now_ms(), "iso": from_ms(self._sim.now_ms()).isoformat()},
            }
            if name not in reads:
                raise KeyError(f"unknown control GET {name}")
            return reads[name]()
        actions: dict[str, Callable[[], Any]] = {
            "enable_withdrawal_whitelist": self.enable_withdrawal_whitelist,
            "disable_account": self.disable_account,
            "change_password": self.change_password,
            "reset_2fa": self.reset_2fa,
            "log_out_devices": self.log_out_devices,
            "clear_faults": self.clear_faults,
            "delete_key": lambda: self.delete_key(str(args["key"])),
            "set_anti_phishing_code": lambda: self.set_anti_phishing_code(str(args.get("code", ""))),
            "advance_clock": lambda: self.advance_clock(float(args["seconds"])),
            "inject_fault": lambda: self._inject_from_http(args),
            "set_client_ip": lambda: self.set_client_ip(str(args["ip"])),
            "set_weight_used": lambda: self.set_weight_used(int(args["weight"])),
            "set_kyc_ip_check": lambda: self.set_kyc_ip_check(
                str(args.get("passes", "true")).lower() == "true"
            ),
        }
        if name not in actions:
            raise KeyError(f"unknown control action {name}")
        return actions[name]()

    def _inject_from_http(self, args: dict[str, Any]) -> dict[str, Any]:
        kind = str(args.pop("kind"))
        opts = {
            k: (int(v) if k in ("count", "status", "ms", "code", "retry_after") and v is not None else v)
            for k, v in args.items()
        }
        executed = opts.get("executed")
        if isinstance(executed, str):
            opts["executed"] = executed.lower() == "true"
        return self.inject_fault(kind, **opts)
