"""Scenarios: what the simulated account looks like, as data (TOML files shipped in the package).

A scenario describes the account (uid, balances, API keys), its markets, the user's normal history
and an attack timeline. Every time in it is relative to "now" (`"-5h30m"`, `"+10m"`), so a drill run
on any day looks fresh. This module is the only code that knows the file format; it parses into
frozen dataclasses and reports every problem with the file's name. The format is described in
`docs/simulator.md`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from responder.simulator.scenario_derivatives import (
    DERIVATIVE_KINDS,
    FuturesSpec,
    MarginSpec,
    parse_futures,
    parse_margin,
)
from responder.simulator.signature import KEY_TYPES


class ScenarioError(ValueError):
    """A scenario that does not load: the message names the file; `hint` says what would."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


PERMISSIONS = (
    "enableReading",
    "enableSpotAndMarginTrading",
    "enableWithdrawals",
    "enableInternalTransfer",
    "enableMargin",
    "enableFutures",
    "permitsUniversalTransfer",
    "enableVanillaOptions",
)
ACTION_KINDS = ("order", "address", "withdrawal", "transfer", *DERIVATIVE_KINDS)
_OFFSET = re.compile(r"^([+-])?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def offset_seconds(text: object, where: str) -> int:
    """Seconds relative to now from `"-2d3h"`, `"+90s"`, `"now"` or an integer number of seconds."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    if not isinstance(text, str):
        raise ValueError(f'{where}: expected a relative time like "-5h30m", got {text!r}')
    if text.strip() == "now":
        return 0
    m = _OFFSET.match(text.strip())
    if not m or not any(m.groups()[1:]):
        raise ValueError(f'{where}: bad relative time {text!r} (use e.g. "-5h30m", "+10m", "-2d")')
    sign = -1 if m.group(1) == "-" else 1
    d, h, mi, s = (int(g or 0) for g in m.groups()[1:])
    return sign * (d * 86400 + h * 3600 + mi * 60 + s)


def _dec(value: object, where: str) -> Decimal:
    if isinstance(value, (float, bool)):
        raise ValueError(f'{where}: write amounts as strings ("0.5"), not {value!r}')
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{where}: not a decimal amount: {value!r}") from None


@dataclass(frozen=True)
class KeySpec:
    name: str
    type: str
    permissions: tuple[str, ...]
    created_s: int
    ip_whitelist: tuple[str, ...] = ()
    leaked: bool = False


@dataclass(frozen=True)
class PumpSpec:
    start_s: int
    end_s: int
    factor: Decimal


@dataclass(frozen=True)
class MarketSpec:
    symbol: str
    base: str
    quote: str
    price: Decimal
    tick_size: Decimal = Decimal("0.01")
    step_size: Decimal = Decimal("0.00001")
    min_notional: Decimal = Decimal("5")
    volatility: Decimal = Decimal("0.02")
    spread: Decimal = Decimal("0.0005")
    depth: Decimal = Decimal("10")  # base quantity available at the touch
    pump: PumpSpec | None = None


@dataclass(frozen=True)
class HistoryEvent:
    """A deposit, withdrawal, address-book entry, transfer or convert in the user's (or attacker's) past."""

    kind: str
    at_s: int
    fields: dict[str, Any]


@dataclass(frozen=True)
class HistorySpec:
    days: int = 30
    bot_prefix: str = "bot-"
    bot_symbols: tuple[str, ...] = ()
    bot_orders_per_day: int = 10
    bot_open_orders: int = 0
    web_trades: int = 0
    web_symbols: tuple[str, ...] = ()
    bulk_trades: int = 0  # extra bot trades spread over every market (large accounts)
    events: tuple[HistoryEvent, ...] = ()


@dataclass(frozen=True)
class AttackAction:
    kind: str
    at_s: int
    label: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class AttackSpec:
    leak_s: int
    actions: tuple[AttackAction, ...] = ()


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    seed: int
    client_ip: str
    uid: int
    balances: dict[str, Decimal]
    keys: tuple[KeySpec, ...]
    markets: tuple[MarketSpec, ...]
    generated_markets: int = 0
    history: HistorySpec = field(default_factory=HistorySpec)
    attack: AttackSpec | None = None
    account_flags: dict[str, bool] = field(default_factory=dict)
    faults: tuple[dict[str, Any], ...] = ()
    source: str = ""
    futures: FuturesSpec | None = None  # the USDⓈ-M futures wallet and the user's futures bot
    margin: MarginSpec | None = None  # the cross-margin account
    drill_leaked_at_s: int = -900  # the unattended drill's leak-time answer, relative to the real one
    org: Any = None  # OrgSpec (org_scenario.py): a master account and its sub-accounts, or None


def _key(d: dict[str, Any], where: str) -> KeySpec:
    ktype = str(d.get("type", "HMAC")).upper()
    if ktype not in KEY_TYPES:
        raise ValueError(f"{where}: type must be one of {', '.join(KEY_TYPES)}, not {ktype!r}")
    perms = tuple(str(p) for p in d.get("permissions", ["enableReading"]))
    for p in perms:
        if p not in PERMISSIONS:
            raise ValueError(f"{where}: unknown permission {p!r} (known: {', '.join(PERMISSIONS)})")
    return KeySpec(
        str(d["name"]),
        ktype,
        perms,
        offset_seconds(d.get("created", "-90d"), f"{where}.created"),
        tuple(str(a) for a in d.get("ip_whitelist", [])),
        bool(d.get("leaked", False)),
    )


def _market(d: dict[str, Any], where: str) -> MarketSpec:
    pump = None
    if "pump" in d:
        p = d["pump"]
        pump = PumpSpec(
            offset_seconds(p["start"], f"{where}.pump.start"),
            offset_seconds(p["end"], f"{where}.pump.end"),
            _dec(p["factor"], f"{where}.pump.factor"),
        )
    decimals = {
        k: _dec(d[k], f"{where}.{k}")
        for k in ("tick_size", "step_size", "min_notional", "volatility", "spread", "depth")
        if k in d
    }
    return MarketSpec(
        str(d["symbol"]),
        str(d["base"]),
        str(d["quote"]),
        _dec(d["price"], f"{where}.price"),
        pump=pump,
        **decimals,
    )


def _events(items: list[dict[str, Any]], kind: str, where: str) -> list[HistoryEvent]:
    return [
        HistoryEvent(
            kind,
            offset_seconds(e.get("at", "-1d"), f"{where}[{i}].at"),
            {k: v for k, v in e.items() if k != "at"},
        )
        for i, e in enumerate(items)
    ]


def _history(d: dict[str, Any]) -> HistorySpec:
    events: list[HistoryEvent] = []
    for table, kind in (
        ("deposits", "deposit"),
        ("withdrawals", "withdrawal"),
        ("addresses", "address"),
        ("transfers", "transfer"),
        ("converts", "convert"),
    ):
        events += _events(d.get(table, []), kind, f"history.{table}")
    return HistorySpec(
        days=int(d.get("days", 30)),
        bot_prefix=str(d.get("bot_prefix", "bot-")),
        bot_symbols=tuple(d.get("bot_symbols", [])),
        bot_orders_per_day=int(d.get("bot_orders_per_day", 10)),
        bot_open_orders=int(d.get("bot_open_orders", 0)),
        web_trades=int(d.get("web_trades", 0)),
        web_symbols=tuple(d.get("web_symbols", [])),
        bulk_trades=int(d.get("bulk_trades", 0)),
        events=tuple(sorted(events, key=lambda e: e.at_s)),
    )


def _attack(d: dict[str, Any]) -> AttackSpec:
    actions = []
    for i, a in enumerate(d.get("actions", [])):
        where = f"attack.actions[{i}]"
        kind = str(a.get("kind", ""))
        if kind not in ACTION_KINDS:
            raise ValueError(f"{where}: kind must be one of {', '.join(ACTION_KINDS)}, not {kind!r}")
        if not a.get("label"):
            raise ValueError(f"{where}: every attacker action needs a ground-truth label")
        at = offset_seconds(a.get("at"), f"{where}.at")
        every = offset_seconds(a.get("every", 60), f"{where}.every")
        rest = {k: v for k, v in a.items() if k not in ("kind", "at", "label", "repeat", "every")}
        for n in range(int(a.get("repeat", 1))):
            actions.append(AttackAction(kind, at + n * every, str(a["label"]), {**rest, "_n": n}))
    return AttackSpec(
        offset_seconds(d.get("leak", "-1h"), "attack.leak"), tuple(sorted(actions, key=lambda x: x.at_s))
    )


def parse_scenario(data: dict[str, Any], source: str = "<memory>") -> Scenario:
    """Build a Scenario from decoded TOML; any problem raises ScenarioError naming the file."""
    try:
        acct = data.get("account", {})
        keys = tuple(_key(k, f"keys[{i}]") for i, k in enumerate(data.get("keys", [])))
        if not keys:
            raise ValueError("a scenario needs at least one [[keys]] entry")
        keys = tuple(sorted(keys, key=lambda k: not k.leaked))  # the leaked key first
        markets = tuple(_market(m, f"markets[{i}]") for i, m in enumerate(data.get("markets", [])))
        if not markets and not data.get("generated_markets"):
            raise ValueError("a scenario needs [[markets]] or generated_markets")
        flags = {k: bool(v) for k, v in acct.items() if isinstance(v, bool)}
        from responder.simulator.org_scenario import parse_org

        org = parse_org(data, key=_key, dec=_dec, offset=offset_seconds)
        return Scenario(
            name=str(data.get("name", Path(source).stem)),
            description=str(data.get("description", "")),
            seed=int(data.get("seed", 1)),
            client_ip=str(data.get("client_ip", "203.0.113.10")),
            uid=int(acct.get("uid", 354937868)),
            balances={str(a): _dec(v, f"account.balances.{a}") for a, v in acct.get("balances", {}).items()},
            keys=keys,
            markets=markets,
            generated_markets=int(data.get("generated_markets", 0)),
            history=_history(data.get("history", {})),
            attack=_attack(data["attack"]) if "attack" in data else None,
            account_flags=flags,
            faults=tuple(data.get("faults", [])),
            drill_leaked_at_s=offset_seconds(
                data.get("drill", {}).get("leaked_at", "-15m"), "drill.leaked_at"
            ),
            source=source,
            futures=parse_futures(data.get("futures")),
            margin=parse_margin(data.get("margin")),
            org=org,
        )
    except (KeyError, ValueError, TypeError) as e:
        detail = f"missing field {e}" if isinstance(e, KeyError) else str(e)
        raise ScenarioError(f"scenario {source} does not load: {detail}") from None


def builtin_names() -> list[str]:
    """Names of the scenarios shipped in the package."""
    folder = resources.files("responder.simulator").joinpath("scenarios")
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def load_scenario(name_or_path: str | Path = "pump-and-dump") -> Scenario:
    """Load a shipped scenario by name (`pump-and-dump`) or any scenario TOML file by path."""
    text = str(name_or_path)
    if text in builtin_names():
        res = resources.files("responder.simulator").joinpath("scenarios", f"{text}.toml")
        raw, source = res.read_text(encoding="utf-8"), f"{text}.toml"
    else:
        path = Path(text)
        if not path.is_file():
            raise ScenarioError(f"no scenario named {text!r}", hint=f"built-in: {', '.join(builtin_names())}")
        raw, source = path.read_text(encoding="utf-8"), str(path)
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"scenario {source} is not valid TOML: {e}") from None
    return parse_scenario(data, source)
