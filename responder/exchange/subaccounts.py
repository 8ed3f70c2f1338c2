"""The master account's sub-account endpoints (reference §3.3): read sub-accounts and their API keys,
delete a key, restrict its IPs, drop its permissions, and move a sub-account's assets to the master.

Every call goes through the client's one chokepoint (`BinanceClient.call`): signing, server-time
stamps, the shared rate budget (these endpoints cost 3,000 UID weight each, counted from
`X-SAPI-USED-UID-WEIGHT-1M`), evidence recording (the sub-account key masked), and the error tree. A
mutation is never retried once it may have reached Binance (5XX, timeout → `OutcomeUnknown`): the
caller reads the key list back (`key_state`) and decides. Parsed at the edge into frozen types;
balances are `Decimal`. A sub-account key's full value stays in memory (it is the id Binance needs)
and is shown only masked: `SubApiKey.masked`, and its `repr` never holds it.

Binance's shapes (binance-connector-python sub_account SDK): the key list's rows spell `apikey` in
lower case and say nothing about withdrawals or the IP whitelist (a separate read per key gives the
whitelist); sub-account assets come as JSON numbers, read back through their shortest decimal form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from responder.clock import from_ms
from responder.errors import ExchangeError, Rejected
from responder.secrets import mask_key

if TYPE_CHECKING:
    from responder.exchange.client import BinanceClient

T = TypeVar("T")
KEYS = "/sapi/v1/sub-account/subAccountApi"
IP_READ = "/sapi/v1/sub-account/subAccountApi/ipRestriction"
IP_WRITE = "/sapi/v2/sub-account/subAccountApi/ipRestriction"
PERMISSIONS = "/sapi/v1/sub-account/subAccountApiPermission"
LIST = "/sapi/v1/sub-account/list"
ASSETS = "/sapi/v3/sub-account/assets"
TRANSFER = "/sapi/v1/sub-account/universalTransfer"
MAX_PAGES = 50  # bounds every paged read: 50 × 200 sub-accounts, 50 × 100 keys
MAX_IPS = 30
# Binance's permission flags on these endpoints, as `key check` names them.
FLAGS = {
    "canTrade": "enableSpotAndMarginTrading",
    "canMarginLoanRepay": "enableMargin",
    "canFuturesTrade": "enableFutures",
    "canUniversalTransfer": "permitsUniversalTransfer",
    "canVanillaOptions": "enableVanillaOptions",
}


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError(f"{name} is not a boolean: {str(value)[:40]!r}")


def _text(value: Any, name: str, limit: int = 200) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise ValueError(f"{name} is not a string of at most {limit} characters")
    return value


def _number(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{name} is not a number")
    amount = Decimal(repr(value) if isinstance(value, float) else str(value))
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{name} is not a non-negative finite number")
    return amount


@dataclass(frozen=True)
class SubAccount:
    email: str
    sub_user_id: int | None
    frozen: bool
    created: datetime | None
    managed: bool
    asset_management: bool  # Binance manages no API keys for these

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SubAccount:
        return cls(
            _text(d["email"], "email"),
            int(d["subUserId"]) if d.get("subUserId") is not None else None,
            _bool(d.get("isFreeze", False), "isFreeze"),
            from_ms(int(d["createTime"])) if d.get("createTime") is not None else None,
            _bool(d.get("isManagedSubAccount", False), "isManagedSubAccount"),
            _bool(d.get("isAssetManagementSubAccount", False), "isAssetManagementSubAccount"),
        )


@dataclass(frozen=True)
class SubApiKey:
    """One API key of a sub-account, as the master sees it. `api_key` is not in the repr."""

    email: str
    name: str
    api_key: str = field(repr=False)
    flags: tuple[tuple[str, bool], ...]  # Binance's can* flags, in Binance's order
    created: datetime | None

    @property
    def masked(self) -> str:
        return mask_key(self.api_key)

    @property
    def permissions(self) -> dict[str, bool]:
        """The flags under `key check`'s names (enableSpotAndMarginTrading, …)."""
        return {FLAGS[k]: v for k, v in self.flags}

    @property
    def can_trade(self) -> bool:
        return dict(self.flags).get("canTrade", False)

    @classmethod
    def from_json(cls, d: dict[str, Any], email: str) -> SubApiKey:
        api_key = _text(d.get("apikey", d.get("apiKey")), "apikey", 128)
        flags = tuple((k, _bool(d[k], k)) for k in FLAGS if k in d)
        ts = d.get("timestamp")
        return cls(
            _text(d.get("email", email), "email"),
            _text(d.get("apiName", ""), "apiName"),
            api_key,
            flags,
            from_ms(int(ts)) if ts is not None else None,
        )


@dataclass(frozen=True)
class IpRestriction:
    restricted: bool
    ips: tuple[str, ...]

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> IpRestriction:
        # the reads say ipRestrict "true"; the v2 write answers status "1" (unrestricted) or "2" (trusted)
        restricted = _bool(d["ipRestrict"], "ipRestrict") if "ipRestrict" in d else str(d["status"]) == "2"
        ips = d.get("ipList") or []
        if not isinstance(ips, list) or len(ips) > 500:
            raise ValueError("ipList is not a list of addresses")
        return cls(restricted, tuple(_text(ip, "ipList[]", 64) for ip in ips))


@dataclass(frozen=True)
class SubBalance:
    asset: str
    free: Decimal
    locked: Decimal

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SubBalance:
        return cls(
            _text(d["asset"], "asset", 20), _number(d["free"], "free"), _number(d.get("locked", 0), "locked")
        )


@dataclass(frozen=True)
class SubTransfer:
    tran_id: int
    client_tran_id: str
    asset: str
    amount: Decimal
    status: str

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SubTransfer:
        return cls(
            int(d["tranId"]),
            _text(d.get("clientTranId", ""), "clientTranId", 64),
            _text(d.get("asset", ""), "asset", 20),
            _number(d.get("amount", 0), "amount"),
            _text(d.get("status", ""), "status", 20),
        )


KeyState = Literal["present", "absent"]
RefusalKind = Literal[
    "not-master", "not-related", "asset-sub-account", "kyc-ip-check", "permission", "refused"
]


@dataclass(frozen=True)
class Refusal:
    """Why Binance refused a sub-account call, in words a person can act on."""

    kind: RefusalKind
    reason: str


def classify_refusal(err: Rejected) -> Refusal:
    """Binance's refusal as one of the cases the playbook falls back on (the message is only a hint:
    the codes for Asset sub-accounts and the KYC check are not documented)."""
    msg = err.msg.lower()
    if err.code == -8012 or "sub-account function is not enabled" in msg:
        return Refusal(
            "not-master", "this key's account has no sub-accounts (it is not a master account's key)"
        )
    if "parent-child" in msg:
        return Refusal("not-related", "that email is not a sub-account of this master account")
    if "asset" in msg and "sub" in msg:
        return Refusal(
            "asset-sub-account", "Binance does not manage API keys of Asset Management sub-accounts"
        )
    if "kyc" in msg:
        return Refusal("kyc-ip-check", "Binance's KYC IP-restriction check refused this request from this IP")
    if err.code in (-1002, -2015):
        return Refusal("permission", "the master key lacks a permission this call needs")
    return Refusal("refused", f"Binance refused it ({err.code})")


class SubAccounts:
    """The sub-account endpoints over one master-key client."""

    def __init__(self, client: BinanceClient) -> None:
        self._client = client

    # --- reads ---------------------------------------------------------------------------------------
    def sub_accounts(self) -> list[SubAccount]:
        out: list[SubAccount] = []
        for page in range(1, MAX_PAGES + 1):
            data = self._client.call("GET", LIST, [("page", page), ("limit", 200)])
            rows = _parse(f"GET {LIST}", lambda d: [SubAccount.from_json(r) for r in d["subAccounts"]], data)
            out.extend(rows)
            if len(rows) < 200:
                return out
        raise ExchangeError(f"GET {LIST}: more than {MAX_PAGES * 200} sub-accounts", endpoint=f"GET {LIST}")

    def api_keys(self, email: str, *, api_key: str | None = None) -> list[SubApiKey]:
        """Every active API key of the sub-account `email` (or the one `api_key`)."""
        out: list[SubApiKey] = []
        for page in range(1, MAX_PAGES + 1):
            params = [("email", email), ("subAccountApiKey", api_key), ("page", page), ("size", 100)]
            data = self._client.call("GET", KEYS, params)
            rows, total = _parse(
                f"GET {KEYS}",
                lambda d: (
                    [SubApiKey.from_json(r, email) for r in d.get("rows") or []],
                    int(d.get("total", 0)),
                ),
                data,
            )
            out.extend(rows)
            if len(rows) < 100 or len(out) >= total:
                return out
        raise ExchangeError(f"GET {KEYS}: more than {MAX_PAGES * 100} keys", endpoint=f"GET {KEYS}")

    def key_state(self, email: str, api_key: str) -> KeyState:
        """Read back whether `api_key` is still among the sub-account's keys (after an unknown outcome)."""
        return "present" if any(k.api_key == api_key for k in self.api_keys(email)) else "absent"

    def ip_restriction(self, email: str, api_key: str) -> IpRestriction:
        data = self._client.call("GET", IP_READ, [("email", email), ("subAccountApiKey", api_key)])
        return _parse(f"GET {IP_READ}", IpRestriction.from_json, data)

    def assets(self, email: str) -> list[SubBalance]:
        data = self._client.call("GET", ASSETS, [("email", email)])
        return _parse(f"GET {ASSETS}", lambda d: [SubBalance.from_json(b) for b in d["balances"]], data)

    def transfers(self, client_tran_id: str) -> list[SubTransfer]:
        data = self._client.call("GET", TRANSFER, [("clientTranId", client_tran_id)])
        return _parse(
            f"GET {TRANSFER}", lambda d: [SubTransfer.from_json(r) for r in d.get("result") or []], data
        )

    # --- mutations (never retried; the caller reads back on an unknown outcome) --------------------------
    def delete_api_key(self, email: str, api_key: str) -> None:
        """MUTATING. Delete one API key of a sub-account (not for Asset sub-accounts; KYC IP check)."""
        self._client.call("DELETE", KEYS, [("email", email), ("subAccountApiKey", api_key)])

    def restrict_ips(self, email: str, api_key: str, ips: tuple[str, ...]) -> IpRestriction:
        """MUTATING. Restrict the key to trusted IPs (status 2), adding `ips` to its list."""
        if not ips or len(ips) > MAX_IPS:
            raise ValueError(f"give 1–{MAX_IPS} trusted IP addresses")
        params = [
            ("email", email),
            ("subAccountApiKey", api_key),
            ("status", 2),
            ("ipAddress", ",".join(ips)),
        ]
        data = self._client.call("POST", IP_WRITE, params)
        return _parse(f"POST {IP_WRITE}", IpRestriction.from_json, data)

    def set_permissions(self, email: str, api_key: str, keep: dict[str, bool]) -> dict[str, bool]:
        """MUTATING. Set every can* flag explicitly (a flag left out would mean different things to
        different Binance versions); returns the flags Binance reports after the change."""
        params: list[tuple[str, object]] = [("email", email), ("subAccountApiKey", api_key)]
        params += [(flag, "true" if keep.get(flag, False) else "false") for flag in FLAGS]
        data = self._client.call("POST", PERMISSIONS, params)
        return _parse(f"POST {PERMISSIONS}", lambda d: {k: _bool(d[k], k) for k in FLAGS if k in d}, data)

    def transfer_to_master(self, email: str, asset: str, amount: Decimal, client_tran_id: str) -> int:
        """MUTATING. Universal transfer SPOT→SPOT from the sub-account to the master; returns tranId.
        `client_tran_id` is unique, so an unknown outcome is settled by `transfers(client_tran_id)`."""
        params: list[tuple[str, object]] = [
            ("fromEmail", email),
            ("fromAccountType", "SPOT"),
            ("toAccountType", "SPOT"),
            ("asset", asset),
            ("amount", format(amount, "f")),
            ("clientTranId", client_tran_id),
        ]
        data = self._client.call("POST", TRANSFER, params)
        return _parse(f"POST {TRANSFER}", lambda d: int(d["tranId"]), data)


def _parse(endpoint: str, parse: Callable[[Any], T], data: Any) -> T:
    try:
        return parse(data)
    except (KeyError, ValueError, TypeError, AttributeError, ArithmeticError) as exc:
        raise ExchangeError(
            f"{endpoint}: Binance's answer has an unexpected shape ({type(exc).__name__}: {str(exc)[:120]})",
            endpoint=endpoint,
            hint="the API may have changed; nothing was acted on",
        ) from None
