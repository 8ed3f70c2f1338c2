# ruff: noqa: E501 — the named differences read best as one sentence each
"""Binance's own contract (issue 12): the simulator's answers and the client's requests against Binance's
OpenAPI description of the Spot/SAPI REST API (`shared/reference/binance-spot-openapi.yaml`, v1.22, 2024-10).

Every answer the simulator serves for an endpoint the spec covers validates against the spec's response
schema; every request the client sends uses the spec's parameter names and its required parameters.
Where the spec is older than Binance's current behaviour (reference §11), the test follows current
behaviour and names the difference in `SPEC_IS_OLDER`. The spec is parsed once per session (1.7 s) and
cached as a pickle keyed by its SHA-256 in the temp directory.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from responder.clock import SystemClock, to_ms
from responder.exchange.client import BinanceClient
from responder.exchange.signing import HmacSigner, encode_params
from responder.secrets import Secret
from responder.simulator import Simulator, load_scenario
from responder.simulator.orderlists import place_oco
from responder.simulator.sim import ROUTES

yaml = pytest.importorskip("yaml")
jsonschema = pytest.importorskip("jsonschema")

SPEC_NAME = "binance-spot-openapi.yaml"

Schema = dict[str, Any]


def _not_required(*path: str, field: str) -> Any:
    def patch(schema: Schema) -> None:
        node = schema
        for key in path:
            node = node[key]
        node["required"] = [r for r in node["required"] if r != field]

    return patch


def _unlock_confirm_is_an_integer(schema: Schema) -> None:
    schema["items"]["properties"]["unlockConfirm"] = {"type": "integer"}


def _filters_are_polymorphic(schema: Schema) -> None:
    filters = schema["properties"]["symbols"]["items"]["properties"]["filters"]
    filters["items"] = {
        "type": "object",
        "properties": {"filterType": {"type": "string"}},
        "required": ["filterType"],
    }


def _limit_maker_legs_have_no_stop_price(schema: Schema) -> None:
    reports = schema["items"]["anyOf"][1]["properties"]["orderReports"]["items"]
    reports["required"] = [r for r in reports["required"] if r != "stopPrice"]


def _balances_are_numbers(schema: Schema) -> None:
    for name in ("free", "locked"):
        schema["properties"]["balances"]["items"]["properties"][name] = {"type": "number"}


def _transfers_come_in_a_result_page(schema: Schema) -> None:
    rows = dict(schema)
    schema.clear()
    schema.update(
        type="object",
        properties={"result": rows, "totalCount": {"type": "integer"}},
        required=["result", "totalCount"],
    )


def _one_of_is_any_of(schema: Schema) -> None:
    schema["anyOf"] = schema.pop("oneOf")


# Where the spec (2024-10) differs from Binance's current behaviour (reference §3.2, §11), the simulator
# follows Binance and the schema is patched here, with the reason: (method, path) → (why, patch).
SPEC_IS_OLDER: dict[tuple[str, str], tuple[str, Any]] = {
    ("GET", "/api/v3/allOrderList"): (
        "the spec requires `isIsolated` on spot order lists; Binance's current answer has none (a margin field)",
        _not_required("items", field="isIsolated"),
    ),
    ("DELETE", "/api/v3/openOrders"): (
        "the spec requires `stopPrice` on every order-list leg report, but a LIMIT_MAKER leg has no stop "
        "price and Binance (and the spec's own example) leaves it out",
        _limit_maker_legs_have_no_stop_price,
    ),
    ("GET", "/api/v3/exchangeInfo"): (
        "the spec describes every symbol filter as a PRICE_FILTER (minPrice/maxPrice/tickSize required); "
        "Binance's filters are polymorphic by filterType (LOT_SIZE, NOTIONAL, …)",
        _filters_are_polymorphic,
    ),
    ("GET", "/sapi/v1/account/apiRestrictions"): (
        "`tradingAuthorityExpirationTime` is only on older page versions (reference §3.2, §9)",
        _not_required(field="tradingAuthorityExpirationTime"),
    ),
    ("GET", "/sapi/v1/account/apiTradingStatus"): (
        "the per-symbol `indicators` map is absent from Binance's current model (reference §3.2)",
        _not_required("properties", "data", field="indicators"),
    ),
    ("GET", "/sapi/v1/asset/transfer"): (
        'Binance answers `{"total": 0}` with no `rows` when nothing was transferred',
        _not_required(field="rows"),
    ),
    ("GET", "/sapi/v1/capital/withdraw/history"): (
        "`withdrawOrderId` is omitted when none was set (reference §3.2)",
        _not_required("items", field="withdrawOrderId"),
    ),
    ("GET", "/sapi/v1/capital/deposit/hisrec"): (
        "`unlockConfirm` is the integer 0 in Binance's current answers (reference §3.2), not the string '12/12'",
        _unlock_confirm_is_an_integer,
    ),
    ("GET", "/sapi/v3/sub-account/assets"): (
        "the spec types a sub-account balance's free/locked as integer; Binance sends JSON numbers with "
        "fractions (its own example's 0.1 BTC could not be written otherwise)",
        _balances_are_numbers,
    ),
    ("GET", "/sapi/v1/sub-account/universalTransfer"): (
        "the spec answers a bare array; Binance's current answer is a page {result: [...], totalCount}",
        _transfers_come_in_a_result_page,
    ),
    ("POST", "/api/v3/order"): (
        "the spec's oneOf ACK/RESULT/FULL cannot hold: a FULL answer is also a valid RESULT (extra fields are "
        "allowed), so it is read as anyOf",
        _one_of_is_any_of,
    ),
}
# Request parameters the client must send that the spec does not list: (method, path) → (names, why).
REQUEST_SPEC_IS_OLDER: dict[tuple[str, str], tuple[frozenset[str], str]] = {
    ("POST", "/sapi/v2/sub-account/subAccountApi/ipRestriction"): (
        frozenset({"ipAddress"}),
        "v2 takes the trusted IPs as `ipAddress` (comma-separated; reference §3.3); the spec lists status only",
    ),
    ("GET", "/sapi/v1/capital/withdraw/address/list"): (
        frozenset({"timestamp"}),
        "a USER_DATA endpoint is signed: Binance requires timestamp (and signature), which the spec omits",
    ),
}
# Parameters the spec requires that Binance's current docs make optional: (method, path) → (why, names).
OPTIONAL_NOW: dict[tuple[str, str], tuple[str, frozenset[str]]] = {
    ("GET", "/sapi/v1/margin/borrow-repay"): (
        "the current docs list `asset` as optional (`type` is the one required parameter); the client reads "
        "every asset's loans in one query",
        frozenset({"asset"}),
    ),
}
# Endpoints the simulator serves that the spec does not describe at all (newer than 2024-10).
_SUB_API_MANAGEMENT = "sub-account API-key management was added in 2026 (SDK 6.0.0, 2026-07-14; reference §3.3): newer than the spec"
NOT_IN_SPEC: dict[tuple[str, str], str] = {
    ("GET", "/sapi/v1/sub-account/subAccountApi"): _SUB_API_MANAGEMENT,
    ("DELETE", "/sapi/v1/sub-account/subAccountApi"): _SUB_API_MANAGEMENT,
    ("POST", "/sapi/v1/sub-account/subAccountApiPermission"): _SUB_API_MANAGEMENT,
}


def find_spec() -> Path | None:
    env = os.environ.get("RESPONDER_BINANCE_OPENAPI")
    if env:
        return Path(env)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "reference" / SPEC_NAME
        if candidate.is_file():
            return candidate
    return None


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    path = find_spec()
    if path is None:
        pytest.skip(f"{SPEC_NAME} not found (set RESPONDER_BINANCE_OPENAPI to its path)")
    raw = path.read_bytes()
    cache = Path(tempfile.gettempdir()) / f"responder-openapi-{hashlib.sha256(raw).hexdigest()[:16]}.pickle"
    if cache.is_file():
        loaded: dict[str, Any] = pickle.loads(cache.read_bytes())  # our own cache, keyed by the spec's hash
        return loaded
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    parsed: dict[str, Any] = yaml.load(raw, Loader=loader)  # a safe loader
    tmp = cache.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(pickle.dumps(parsed))
    tmp.replace(cache)
    return parsed


def deref(spec: dict[str, Any], node: Any) -> Any:
    """The node with every `$ref` inlined and OpenAPI's `nullable` turned into JSON Schema."""
    if isinstance(node, list):
        return [deref(spec, n) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return deref(spec, target)
    out = {k: deref(spec, v) for k, v in node.items() if k not in ("example", "examples")}
    if out.pop("nullable", False) and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


def operation(spec: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    op: dict[str, Any] | None = spec["paths"].get(path, {}).get(method.lower())
    return op


def response_schema(spec: dict[str, Any], method: str, path: str, *, patched: bool = True) -> Any:
    op = operation(spec, method, path)
    assert op is not None
    content = op["responses"]["200"].get("content", {}).get("application/json", {})
    schema = deref(spec, content.get("schema", {}))
    if patched and (method, path) in SPEC_IS_OLDER:
        SPEC_IS_OLDER[(method, path)][1](schema)
    return schema


def parameters(spec: dict[str, Any], method: str, path: str) -> dict[str, bool]:
    """name → required, for one operation."""
    op = operation(spec, method, path)
    assert op is not None
    return {p["name"]: bool(p.get("required")) for p in deref(spec, op.get("parameters", []))}


@dataclass
class Served:
    method: str
    path: str
    status: int
    body: Any


@dataclass
class Traffic:
    answers: list[Served]
    client_requests: list[tuple[str, str, dict[str, str]]]  # method, path, params (no signature)


def _signed(sim: Simulator, http: httpx.Client, method: str, path: str, params: dict[str, str]) -> Served:
    return _signed_as(sim, sim.keys[0], http, method, path, params)


def _signed_as(
    sim: Simulator, key: Any, http: httpx.Client, method: str, path: str, params: dict[str, str]
) -> Served:
    assert key.secret is not None
    query = encode_params([*params.items(), ("timestamp", to_ms(SystemClock().now()))])
    query += "&signature=" + HmacSigner(Secret(key.secret.reveal())).sign(query)
    resp = http.request(method, f"http://sim{path}?{query}", headers={"X-MBX-APIKEY": key.api_key})
    return Served(method, path, resp.status_code, resp.json())


@pytest.fixture(scope="module")
def traffic() -> Iterator[Traffic]:
    """Every endpoint the simulator serves, exercised: the client's own calls, then the rest signed by hand."""
    sim = Simulator(load_scenario("pump-and-dump"))
    answers: list[Served] = []

    def record(endpoint: str, params: dict[str, object], status: int, body: Any) -> None:
        method, path = endpoint.split(" ", 1)
        answers.append(Served(method, path, status, body))

    key = sim.keys[0]
    assert key.secret is not None
    with httpx.Client(transport=sim.transport(client_ip=sim.scenario.client_ip)) as http:
        c = BinanceClient(
            "http://127.0.0.1:1", key.api_key, HmacSigner(Secret(key.secret.reveal())), http=http, clock=SystemClock(),
            recorder=record,
        )  # fmt: skip
        now = c.server_time()
        info = c.exchange_info()
        c.ticker_prices()
        c.klines("BTCUSDT", "1h", limit=5)
        c.account()
        orders = c.open_orders()
        symbol = orders[0].symbol
        c.open_orders(symbol)
        c.all_orders(symbol, start=now - timedelta(hours=23), end=now)
        c.my_trades(symbol, start=now - timedelta(hours=23), end=now)
        c.api_restrictions(), c.account_status(), c.api_trading_status()
        c.withdraw_history(start=now - timedelta(days=30), end=now)
        c.deposit_history(start=now - timedelta(days=30), end=now)
        c.withdraw_addresses()
        c.universal_transfers("MAIN_FUNDING", start=now - timedelta(days=7), end=now)
        c.account_snapshot(start=now - timedelta(days=7), end=now)
        c.convert_trades(start=now - timedelta(days=30), end=now)
        quiet = next(s.symbol for s in info.symbols if s.symbol not in {o.symbol for o in orders})
        price = sim.state.markets[quiet].quote(sim.now_ms())[0]
        place_oco(sim.state, quiet, {"side": "SELL", "quantity": "1", "abovePrice": str(price * 2),
                                     "belowPrice": str(price / 2)}, sim.now_ms())  # fmt: skip
        c.open_order_lists()
        c.all_order_lists(start=now - timedelta(hours=1), end=now + timedelta(minutes=5))
        c.cancel_open_orders(symbol)
        c.cancel_open_orders(quiet)  # answered with an order-list entry
        client_requests = [(e.method, e.path, dict(e.params)) for e in sim.request_log.entries()]
        answers.extend(_by_hand(sim, http, quiet, price))
    sim.close()
    sub_answers, sub_requests = _sub_account_traffic()
    margin_answers, margin_requests = _margin_traffic()
    yield Traffic(answers + sub_answers + margin_answers, client_requests + sub_requests + margin_requests)


def _margin_traffic() -> tuple[list[Served], list[tuple[str, str, dict[str, str]]]]:
    """The cross-margin endpoints (SAPI, in the spec), through the client's `MarginClient`."""
    from datetime import timedelta

    from responder.exchange.margin import MarginClient

    sim = Simulator(load_scenario("futures-drain"))
    answers: list[Served] = []

    def record(endpoint: str, params: dict[str, object], status: int, body: Any) -> None:
        method, path = endpoint.split(" ", 1)
        answers.append(Served(method, path, status, body))

    key = sim.keys[0]
    assert key.secret is not None
    with httpx.Client(transport=sim.transport(client_ip=sim.scenario.client_ip)) as http:
        c = BinanceClient(
            "http://127.0.0.1:1", key.api_key, HmacSigner(Secret(key.secret.reveal())), http=http,
            clock=SystemClock(), recorder=record,
        )  # fmt: skip
        m = MarginClient(c)
        m.account()
        symbol = m.open_orders()[0].symbol
        end = c.server_time()
        m.my_trades(symbol, start=end - timedelta(hours=23), end=end)
        m.all_orders(symbol, start=end - timedelta(hours=23), end=end)
        m.loans("BORROW")
        m.force_liquidations()
        m.cancel_open_orders(symbol)
        requests = [(e.method, e.path, dict(e.params)) for e in sim.request_log.entries()]
    sim.close()
    return answers, requests


def _sub_account_traffic() -> tuple[list[Served], list[tuple[str, str, dict[str, str]]]]:
    """The sub-account endpoints, through the client's `SubAccounts` with the master key."""
    from decimal import Decimal

    from responder.exchange.subaccounts import SubAccounts

    sim = Simulator(load_scenario("sub-account-leak"))
    answers: list[Served] = []

    def record(endpoint: str, params: dict[str, object], status: int, body: Any) -> None:
        method, path = endpoint.split(" ", 1)
        answers.append(Served(method, path, status, body))

    master = next(k for k in sim.keys if k.name == "master")
    assert master.secret is not None
    with httpx.Client(transport=sim.transport(client_ip=sim.scenario.client_ip)) as http:
        c = BinanceClient(
            "http://127.0.0.1:1", master.api_key, HmacSigner(Secret(master.secret.reveal())), http=http,
            clock=SystemClock(), recorder=record,
        )  # fmt: skip
        api = SubAccounts(c)
        email = api.sub_accounts()[0].email
        keys = api.api_keys(email)
        api.ip_restriction(email, keys[1].api_key)
        asset = next(b for b in api.assets(email) if b.free > 0)
        api.transfer_to_master(email, asset.asset, min(asset.free, Decimal(1)), "conformance-1")
        api.transfers("conformance-1")
        api.restrict_ips(email, keys[2].api_key, ("203.0.113.9",))
        api.set_permissions(email, keys[2].api_key, {"canTrade": False})
        api.delete_api_key(email, keys[0].api_key)
        requests = [(e.method, e.path, dict(e.params)) for e in sim.request_log.entries()]
        answers.append(
            _signed_as(sim, master, http, "DELETE", "/sapi/v1/sub-account/subAccountApi/ipRestriction/ipList",
                       {"email": email, "subAccountApiKey": keys[2].api_key, "ipAddress": "203.0.113.9"})
        )  # fmt: skip
    sim.close()
    return answers, requests


def _by_hand(sim: Simulator, http: httpx.Client, symbol: str, price: Any) -> list[Served]:
    """The endpoints the client never calls (it places no orders), with valid parameters."""
    out = [
        Served("GET", "/api/v3/ping", 200, http.get("http://sim/api/v3/ping").json()),
        Served("GET", "/api/v3/ticker/24hr", 200, http.get(f"http://sim/api/v3/ticker/24hr?symbol={symbol}").json()),
        _signed(sim, http, "GET", "/api/v3/rateLimit/order", {}),
    ]  # fmt: skip
    limit = {"symbol": symbol, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "1",
             "price": str(price), "newOrderRespType": "FULL"}  # the bid: on tick, rests as a maker  # fmt: skip
    placed = _signed(sim, http, "POST", "/api/v3/order", limit)
    assert placed.status == 200, placed.body
    order_id = str(placed.body["orderId"])
    out += [
        placed,
        _signed(sim, http, "GET", "/api/v3/order", {"symbol": symbol, "orderId": order_id}),
        _signed(sim, http, "DELETE", "/api/v3/order", {"symbol": symbol, "orderId": order_id}),
        _signed(sim, http, "POST", "/api/v3/orderList/oco", {
            "symbol": symbol, "side": "SELL", "quantity": "1", "aboveType": "LIMIT_MAKER",
            "abovePrice": str(price * 2), "belowType": "STOP_LOSS_LIMIT", "belowPrice": str(price / 2),
            "belowStopPrice": str(price / 2), "belowTimeInForce": "GTC",
        }),
    ]  # fmt: skip
    return out


def test_every_endpoint_the_simulator_serves_is_exercised_here(traffic: Traffic) -> None:
    """Every spot-host endpoint (/api, /sapi). USDⓈ-M futures (/fapi) is another product on another host,
    outside this spec (reference §10): its shapes are held by its own tests."""
    seen = {(a.method, a.path) for a in traffic.answers if a.status == 200}
    spot_host = {r for r in ROUTES if not r[1].startswith("/fapi/")}
    assert spot_host - seen == set(), "add a call for each new simulator endpoint to `traffic`"


def test_every_simulator_answer_validates_against_the_spec(spec: dict[str, Any], traffic: Traffic) -> None:
    problems = []
    checked = set()
    for a in traffic.answers:
        if a.status != 200:
            continue
        if operation(spec, a.method, a.path) is None:
            assert (a.method, a.path) in NOT_IN_SPEC, f"{a.method} {a.path} is not in the spec: name why"
            continue
        checked.add((a.method, a.path))
        validator = jsonschema.Draft4Validator(response_schema(spec, a.method, a.path))
        for error in validator.iter_errors(a.body):
            where = "/".join(str(p) for p in error.absolute_path)
            problems.append(f"{a.method} {a.path} at /{where}: {error.message[:160]}")
    assert not problems, "\n".join(sorted(set(problems)))
    assert len(checked) >= 20


@pytest.mark.parametrize(("method", "path"), sorted(SPEC_IS_OLDER))
def test_each_named_difference_is_real(
    spec: dict[str, Any], traffic: Traffic, method: str, path: str
) -> None:
    """A difference we name must still exist: the unpatched schema rejects what the simulator serves."""
    validator = jsonschema.Draft4Validator(response_schema(spec, method, path, patched=False))
    bodies = [a.body for a in traffic.answers if (a.method, a.path) == (method, path) and a.status == 200]
    assert bodies and any(list(validator.iter_errors(b)) for b in bodies)


def test_every_client_request_uses_the_specs_parameter_names_and_required_parameters(
    spec: dict[str, Any], traffic: Traffic
) -> None:
    problems = []
    for method, path, params in traffic.client_requests:
        if operation(spec, method, path) is None:
            assert (method, path) in NOT_IN_SPEC, f"the client calls {method} {path}, which the spec lacks"
            continue
        declared = parameters(spec, method, path)
        unknown = (
            set(params) - set(declared) - REQUEST_SPEC_IS_OLDER.get((method, path), (frozenset(), ""))[0]
        )
        optional_now = OPTIONAL_NOW.get((method, path), ("", frozenset()))[1]
        required = {n for n, r in declared.items() if r and n != "signature" and n not in optional_now}
        missing = required - set(params)
        if unknown:
            problems.append(f"{method} {path}: parameters not in the spec: {sorted(unknown)}")
        if missing:
            problems.append(f"{method} {path}: required parameters not sent: {sorted(missing)}")
    assert not problems, "\n".join(sorted(set(problems)))
    assert len({(m, p) for m, p, _ in traffic.client_requests}) >= 20
