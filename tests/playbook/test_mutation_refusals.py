"""What a refused mutation means (issue 12): a 429 or 418 answer to a cancel was NOT executed, and a
-1021 attempt is journaled before its one re-send, so every request that reached the wire is recorded."""

from __future__ import annotations

from pathlib import Path

import pytest

from responder.clock import ManualClock
from responder.errors import IpBanned, RateLimited, TimestampRejected
from responder.incident.journal import verify_chain
from responder.playbook.actions import ActionRegistry
from responder.playbook.model import Playbook
from responder.playbook.session import start_case

from .conftest import BASIC_ANSWERS
from .fakes import FakeExchange, make_order
from .test_runner import env_for, journal

CANCEL = "DELETE /api/v3/openOrders"


def _minus_1021() -> TimestampRejected:
    return TimestampRejected(-1021, "Timestamp for this request is outside of the recvWindow.", status=400)


def _outcomes(case: Path) -> list[dict[str, object]]:
    return [e["payload"] for e in journal(case) if e["kind"] == "outcome"]


def test_a_429_answer_to_the_cancel_is_journaled_as_not_executed_never_as_unknown(
    basic: Playbook, clock: ManualClock, registry: ActionRegistry, tmp_path: Path
) -> None:
    refused = RateLimited(
        f"{CANCEL}: Binance refused it with HTTP 429 (too many requests): it was NOT executed",
        retry_after=30,
        endpoint=CANCEL,
    )
    ex = FakeExchange([make_order(1)], refuse_cancels=[refused])
    env = env_for(BASIC_ANSWERS | {"delete-key.keep-checking": False}, ex, clock, registry)
    start_case(env, basic, mode="live", incident_dir=tmp_path / "c")
    outcomes = _outcomes(tmp_path / "c")
    assert [o["status"] for o in outcomes] == ["rejected"]
    assert outcomes[0]["response"] == {"error": refused.one_line(), "executed": False}
    assert "NOT executed" in str(outcomes[0]["response"])
    assert len(ex.mutations) == 1 and len(ex.orders) == 1  # nothing re-sent, nothing cancelled


def test_a_minus_1021_attempt_is_journaled_before_the_one_resend(
    basic: Playbook, clock: ManualClock, registry: ActionRegistry, tmp_path: Path
) -> None:
    ex = FakeExchange([make_order(1)], refuse_cancels=[_minus_1021()])
    env = env_for(BASIC_ANSWERS | {"delete-key.keep-checking": False}, ex, clock, registry)
    start_case(env, basic, mode="live", incident_dir=tmp_path / "c")
    cancel = [e for e in journal(tmp_path / "c") if e["kind"] in ("intent", "outcome")]
    assert [(e["kind"], e["payload"].get("status")) for e in cancel] == [
        ("intent", None), ("outcome", "resent"), ("outcome", "ok"),
    ]  # fmt: skip
    assert cancel[1]["payload"]["response"]["code"] == -1021
    assert len(ex.mutations) == 2 and ex.orders == []  # both attempts reached the wire; one executed
    verify_chain(tmp_path / "c" / "journal.jsonl")


def test_a_second_minus_1021_is_a_rejection_not_a_third_send(
    basic: Playbook, clock: ManualClock, registry: ActionRegistry, tmp_path: Path
) -> None:
    ex = FakeExchange([make_order(1)], refuse_cancels=[_minus_1021(), _minus_1021()])
    env = env_for(BASIC_ANSWERS | {"delete-key.keep-checking": False}, ex, clock, registry)
    start_case(env, basic, mode="live", incident_dir=tmp_path / "c")
    assert [o["status"] for o in _outcomes(tmp_path / "c")] == ["resent", "rejected"]
    assert len(ex.mutations) == 2


def test_a_418_answer_to_the_cancel_is_not_executed_and_ends_the_run_with_the_ban_end(
    basic: Playbook, clock: ManualClock, registry: ActionRegistry, tmp_path: Path
) -> None:
    ban = IpBanned(f"{CANCEL}: Binance banned this IP (HTTP 418)", until=clock.now(), endpoint=CANCEL)
    ex = FakeExchange([make_order(1)], refuse_cancels=[ban])
    env = env_for(BASIC_ANSWERS | {"delete-key.keep-checking": False}, ex, clock, registry)
    with pytest.raises(IpBanned) as info:
        start_case(env, basic, mode="live", incident_dir=tmp_path / "c")
    assert "banned by Binance until 2026-11-23 12:00:00 UTC" in info.value.one_line()
    assert [o["status"] for o in _outcomes(tmp_path / "c")] == ["rejected"]
    assert [e["kind"] for e in journal(tmp_path / "c")][-1] == "outcome"  # recorded, then stopped
    verify_chain(tmp_path / "c" / "journal.jsonl")
