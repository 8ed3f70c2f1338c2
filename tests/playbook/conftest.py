from __future__ import annotations

from pathlib import Path

import pytest

from responder.clock import ManualClock
from responder.playbook import actions_generic
from responder.playbook.actions import ActionRegistry
from responder.playbook.loader import load_playbook
from responder.playbook.model import Playbook
from responder.secrets import SecretRegistry

from .fakes import T0

DATA = Path(__file__).parent / "data"

BASIC_ANSWERS: dict[str, object] = {
    "triage": {"vector": "public-repo", "leaked_at": "2026-11-23 09:40", "symbol": "QKCUSDT",
               "passphrase": "old-secret-value-123"},
    "cancel": True,
    "delete-key": ["I deleted the key", "I checked no other key exists"],
}  # fmt: skip


@pytest.fixture
def registry() -> ActionRegistry:
    """The generic actions only: engine tests do not depend on other areas' actions."""
    return generic_registry()


def generic_registry() -> ActionRegistry:
    reg = ActionRegistry()
    actions_generic.register(reg)
    return reg


@pytest.fixture
def basic(registry: ActionRegistry) -> Playbook:
    return load_playbook(DATA / "basic.toml", registry)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def secrets() -> SecretRegistry:
    return SecretRegistry()


@pytest.fixture
def basic_path() -> Path:
    return DATA / "basic.toml"
