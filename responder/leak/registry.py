"""The action registry of this build, composed explicitly: the engine's generic actions and the leak
playbook's containment, aftercare and sub-account actions. No discovery by name, no import-time
side effects."""

from __future__ import annotations

from responder.leak import (
    aftercare,
    containment,
    derivatives_containment,
    orders,
    subaccount,
    subaccount_others,
)
from responder.playbook import actions_generic
from responder.playbook.actions import ActionRegistry


def build_registry() -> ActionRegistry:
    """Every action a bundled playbook may name."""
    registry = ActionRegistry()
    actions_generic.register(registry)
    containment.register(registry)
    aftercare.register(registry)
    orders.register(registry)
    derivatives_containment.register(registry)  # futures and margin (issue 15)
    subaccount.register(registry)
    subaccount_others.register(registry)
    return registry
