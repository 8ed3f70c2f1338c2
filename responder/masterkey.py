"""The master account's key: where it comes from, and what it can do before anything relies on it.

It comes from the environment (`BINANCE_MASTER_API_KEY` with `BINANCE_MASTER_API_SECRET`, or
`BINANCE_MASTER_PRIVATE_KEY_FILE` [+ `BINANCE_MASTER_PRIVATE_KEY_PASSPHRASE`]) or a masked prompt,
never the command line; the secrets are registered like the leaked key's. `check_master` makes two
reads — the key's own restrictions and the sub-account list — and says, true or unknown, whether it is
a master account's key, and whether it may delete keys, restrict IPs (Binance asks for Spot & Margin
trading on the master key for that) and move assets (internal transfer).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from responder.credentials import Credentials, load_credentials
from responder.errors import ExchangeError, Rejected
from responder.exchange.models import ApiRestrictions
from responder.exchange.protocol import Exchange
from responder.exchange.subaccounts import SubAccount, SubAccounts, classify_refusal
from responder.secrets import SecretRegistry

MASTER_ENV = {
    "BINANCE_API_KEY": "BINANCE_MASTER_API_KEY",
    "BINANCE_API_SECRET": "BINANCE_MASTER_API_SECRET",
    "BINANCE_PRIVATE_KEY_FILE": "BINANCE_MASTER_PRIVATE_KEY_FILE",
    "BINANCE_PRIVATE_KEY_PASSPHRASE": "BINANCE_MASTER_PRIVATE_KEY_PASSPHRASE",
}


def master_in_env(env: Mapping[str, str]) -> bool:
    return bool(env.get("BINANCE_MASTER_API_KEY"))


def load_master_credentials(
    env: Mapping[str, str], registry: SecretRegistry, *, ask_secret: Callable[[str], str] | None = None
) -> Credentials:
    """The master key from `BINANCE_MASTER_*`, asking (masked) for whatever is missing."""
    mapped = {ours: env[theirs] for ours, theirs in MASTER_ENV.items() if env.get(theirs)}
    ask = (lambda prompt: ask_secret(f"Master account {prompt}")) if ask_secret is not None else None
    return load_credentials(mapped, registry, ask_secret=ask)


@dataclass(frozen=True)
class MasterCheck:
    """What the master key can do. `is_master` None: unknown (the read failed)."""

    is_master: bool | None
    reason: str
    restrictions: ApiRestrictions | None = None
    sub_accounts: tuple[SubAccount, ...] = ()

    @property
    def can_delete(self) -> bool:
        return bool(self.is_master)

    @property
    def can_restrict_ips(self) -> bool:
        return bool(self.is_master and self.restrictions and self.restrictions.enable_spot_and_margin_trading)

    @property
    def can_transfer(self) -> bool:
        return bool(self.is_master and self.restrictions and self.restrictions.enable_internal_transfer)

    def sub(self, email: str) -> SubAccount | None:
        wanted = email.strip().lower()
        return next((s for s in self.sub_accounts if s.email.lower() == wanted), None)


def check_master(master: Exchange, api: SubAccounts) -> MasterCheck:
    """Two reads: the master key's restrictions, then the sub-account list (which only a master has)."""
    try:
        restrictions = master.api_restrictions()
    except Rejected as e:
        return MasterCheck(False, f"Binance rejected the master key ({e.code} {e.msg})")
    except ExchangeError as e:
        return MasterCheck(None, f"the master key could not be checked: {e.one_line()}")
    try:
        subs = api.sub_accounts()
    except Rejected as e:
        return MasterCheck(False, classify_refusal(e).reason, restrictions)
    except ExchangeError as e:
        return MasterCheck(None, f"the sub-account list could not be read: {e.one_line()}", restrictions)
    return MasterCheck(
        True, f"a master account key with {len(subs)} sub-account(s)", restrictions, tuple(subs)
    )
