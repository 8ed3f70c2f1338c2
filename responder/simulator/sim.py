"""The Simulator: one simulated Binance (account, limits, faults, log) answering `SimRequest`s.

Request pipeline, in Binance's order: route → faults → rate limit/ban → key format (-2014) → key
state, IP and account (-2015) → timing (-1021/-1102) → signature (-1022) → permission → handler.
Weight is charged for every answered request except successful order placement and cancels
(0 since 2026-04-02). One lock serialises state; latency is slept outside it.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

from responder.simulator.api_futures import ENDPOINTS as FUTURES_ENDPOINTS
from responder.simulator.api_margin import ENDPOINTS as MARGIN_ENDPOINTS
from responder.simulator.api_sapi import ENDPOINTS as SAPI_ENDPOINTS
from responder.simulator.api_spot import ENDPOINTS as SPOT_ENDPOINTS
from responder.simulator.api_subaccount import ENDPOINTS as SUBACCOUNT_ENDPOINTS
from responder.simulator.auth import (
    check_access,
    check_key_header,
    check_signature,
    check_timing,
    parse_params,
)
from responder.simulator.clock import Clock, SystemClock, from_ms, to_ms
from responder.simulator.control import Control
from responder.simulator.faults import Fault, Faults, fault_response
from responder.simulator.keys import SimKey
from responder.simulator.limits import Limits
from responder.simulator.orderlists import endpoints as order_list_endpoints
from responder.simulator.org import build_org
from responder.simulator.requestlog import LogEntry, RequestLog, mask_key
from responder.simulator.routes import TRADE, Ctx, Endpoint, table
from responder.simulator.scenario import Scenario
from responder.simulator.state import ExchangeState
from responder.simulator.trading import apply_due
from responder.simulator.wire import ApiError, SimRequest, SimResponse

ROUTES = table(
    SPOT_ENDPOINTS
    + SAPI_ENDPOINTS
    + SUBACCOUNT_ENDPOINTS
    + FUTURES_ENDPOINTS
    + MARGIN_ENDPOINTS
    + order_list_endpoints(TRADE)
)


class Simulator:
    def __init__(
        self,
        scenario: Scenario,
        *,
        clock: Clock | None = None,
        weight_limit: int = 6000,
        latency_ms: int = 0,
        preused_weight: int = 0,
        strikes_to_ban: int = 2,
        log_path: Path | None = None,
    ) -> None:
        self.scenario = scenario
        self.clock: Clock = clock or SystemClock()
        self.offset_ms = 0  # the simulated clock moved forward by the control channel
        self.lock = threading.RLock()
        self.faults = Faults(latency_ms)
        self.limits = Limits(weight_limit=weight_limit, preused=preused_weight, strikes_to_ban=strikes_to_ban)
        # The futures host (fapi) counts its own REQUEST_WEIGHT, 2400 a minute (reference §10).
        self.fapi_limits = Limits(weight_limit=2400, strikes_to_ban=strikes_to_ban)
        self.request_log = RequestLog(log_path)
        self.client_ip = scenario.client_ip
        self.state = ExchangeState(scenario, self.now_ms())
        self.org = build_org(scenario, self.state, self.state.anchor_ms)  # None without a [master]
        for spec in scenario.faults:
            self.faults.add(str(spec.get("kind")), **{k: v for k, v in spec.items() if k != "kind"})
        self.control = Control(self)

    # --- the public surface ---------------------------------------------------------------------------
    @property
    def keys(self) -> list[SimKey]:
        """Every key of the account, the leaked one first; then the organisation's (master first)."""
        return list(self.state.keys) + (self.org.other_keys(self.state) if self.org else [])

    @property
    def ground_truth(self) -> dict[str, Any]:
        return self.control.ground_truth()

    @property
    def app(self) -> Any:
        from responder.simulator.app import WsgiApp

        return WsgiApp(self)

    def transport(self, client_ip: str | None = None) -> Any:
        """An `httpx.BaseTransport` that answers in-process, as if the client were at `client_ip`."""
        from responder.simulator.transport import SimTransport

        return SimTransport(self, client_ip)

    def now_ms(self) -> int:
        """The server's clock: the injected clock, moved by `advance` and skewed by faults."""
        return to_ms(self.clock.now()) + self.offset_ms + self.faults.skew_ms

    def close(self) -> None:
        self.request_log.close()

    # --- the pipeline ---------------------------------------------------------------------------------
    def handle(self, req: SimRequest) -> SimResponse:
        if req.path.startswith("/_sim/"):
            return self.control.handle_http(req)
        route = ROUTES.get((req.method, req.path))
        fault = self.faults.take(req.method, req.path)
        delay = self.faults.latency_ms + (fault.ms if fault and fault.kind == "latency" else 0)
        if delay:
            self.clock.sleep(delay / 1000)
        failing = fault is not None and fault.kind != "latency"
        if fault is not None and failing and (fault.kind in ("connect", "waf", "geo") or not fault.executed):
            resp = fault_response(fault)
            self._log(req, route, resp, 0, fault)
            return resp
        resp, weight = self._execute(req, route)
        if fault is not None and failing:
            resp = fault_response(fault)
        self._log(req, route, resp, weight, fault)
        return resp

    def _execute(self, req: SimRequest, route: Endpoint | None) -> tuple[SimResponse, int]:
        with self.lock:
            now = self.now_ms()
            apply_due(self.state, now)
            if route is None:
                return SimResponse.html(404, "<html><body><h1>404 Not Found</h1></body></html>"), 0
            weight = 0
            bucket: str | None = None
            try:
                params = parse_params(req)
                weight = route.weight_for(params)
                bucket = self._check_limits(req, route, weight, now)
                ctx = Ctx(self.state, params, now, req, weight_limit=self.limits.weight_limit, org=self.org)
                if route.signed:
                    ctx.key = self._authenticate(req, route, params, now)
                    if self.org is not None:  # a key of the master or another sub-account: its own wallet
                        ctx.state = self.org.state_of(ctx.key) or self.state
                body = route.handler(ctx)
                resp = SimResponse.json(body)
                if route.zero_on_success:
                    weight = 0
            except ApiError as e:
                if e.status in (418, 429):
                    weight = 0
                resp = SimResponse.error(e)
            resp.headers.extend(self._charge(req, route, weight, now, bucket))
            return resp, weight

    def _host_limits(self, route: Endpoint) -> Limits:
        return self.fapi_limits if route.path.startswith("/fapi/") else self.limits

    def _check_limits(self, req: SimRequest, route: Endpoint, weight: int, now: int) -> str | None:
        if route.sapi_scope is None:
            self._host_limits(route).check_api(req.client_ip, weight, now)
            return None
        ident = req.client_ip if route.sapi_scope == "IP" else str(self.scenario.uid)
        bucket = self.limits.sapi_bucket(route.sapi_scope, ident, route.path)
        self.limits.check_sapi(
            req.client_ip, bucket, route.sapi_scope, weight, now, per_second=route.per_second
        )
        return bucket

    def _charge(
        self, req: SimRequest, route: Endpoint, weight: int, now: int, bucket: str | None
    ) -> list[tuple[str, str]]:
        if route.sapi_scope is None:
            self._host_limits(route).charge_api(req.client_ip, weight, now)
            return self._host_limits(route).api_headers(req.client_ip, now)
        if bucket is None:
            ident = req.client_ip if route.sapi_scope == "IP" else str(self.scenario.uid)
            bucket = self.limits.sapi_bucket(route.sapi_scope, ident, route.path)
        if weight:
            self.limits.charge_sapi(bucket, weight, now)
        return self.limits.sapi_headers(bucket, route.sapi_scope, now, per_second=bool(route.per_second))

    def _authenticate(self, req: SimRequest, route: Endpoint, params: dict[str, str], now: int) -> SimKey:
        api_key = check_key_header(req)
        key = self.state.key_by_api_key(api_key)
        if key is None and self.org is not None:
            key = self.org.key_by_api_key(api_key)
        sapi = route.path.startswith("/sapi/")
        owner = (self.org.state_of(key) if self.org is not None and key is not None else None) or self.state
        check_access(key, req.client_ip, sapi=sapi, permission=None, account_disabled=owner.flags.disabled)
        assert key is not None
        check_timing(params, now)
        check_signature(req, params, key)
        return check_access(
            key,
            req.client_ip,
            sapi=sapi,
            permission=route.permission,
            account_disabled=owner.flags.disabled,
        )

    def _log(
        self, req: SimRequest, route: Endpoint | None, resp: SimResponse, weight: int, fault: Fault | None
    ) -> None:
        params = {k: v for k, v in _loose_params(req).items() if k != "signature"}
        api_key = req.headers.get("x-mbx-apikey")
        mutating = route.mutating if route else req.method not in ("GET", "HEAD", "OPTIONS")
        self.request_log.append(
            LogEntry(
                from_ms(self.now_ms()),
                req.method,
                req.path,
                params,
                mask_key(api_key) if api_key else None,
                resp.status if resp.abort is None else None,
                weight,
                mutating,
                req.client_ip,
                fault.kind if fault else None,
            )
        )

    def advance(self, seconds: float) -> None:
        """Move the simulated clock forward; due attacker actions happen."""
        with self.lock:
            self.offset_ms += int(timedelta(seconds=seconds).total_seconds() * 1000)
            apply_due(self.state, self.now_ms())


def _loose_params(req: SimRequest) -> dict[str, str]:
    from urllib.parse import parse_qsl

    out: dict[str, str] = {}
    for part in (req.body, req.query):
        try:
            out.update(parse_qsl(part, keep_blank_values=True))
        except (ValueError, UnicodeDecodeError):
            continue
    return out
