"""Test-only entry point: run or resume a playbook in a subprocess against the simulator on loopback.

    BINANCE_API_KEY=… BINANCE_API_SECRET=… python tests/playbook/harness.py --case DIR --playbook PATH
        --answers FILE --base-url URL [--resume] [--dry-run] [--kill-at-step N] [--kill-after-mutation]

`--kill-at-step N` SIGKILLs the process itself when step N's header is shown (its `step-started`
is journaled; every earlier step is complete); `--kill-after-mutation` SIGKILLs it after the cancel
request got its response and before the outcome is journaled. Prints the RunResult as JSON.
Not part of responder: it lives under tests/ and is not reachable from the CLI.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

from responder.clock import SystemClock
from responder.credentials import load_credentials
from responder.exchange.client import BinanceClient, connect
from responder.exchange.models import Order
from responder.exchange.protocol import RawResponse
from responder.playbook import actions_generic
from responder.playbook.actions import ActionRegistry
from responder.playbook.answers import load_answers
from responder.playbook.loader import load_playbook
from responder.playbook.protocols import Level
from responder.playbook.runner import Env
from responder.playbook.session import resume_case, start_case
from responder.secrets import SecretRegistry
from responder.wizard.prompter import AnswersPrompter
from tests.exchange.unused import UnusedExchange


class KillAfterCancel(UnusedExchange):
    """The real client for the generic actions' calls, able to die between a cancel's answer and its
    journaled outcome (`--kill-after-mutation`)."""

    def __init__(self, client: BinanceClient, *, kill_after_mutation: bool) -> None:
        self.client = client
        self.kill_after_mutation = kill_after_mutation

    @property
    def masked_key(self) -> str:
        return self.client.masked_key

    def last_response(self, endpoint: str) -> RawResponse | None:
        return self.client.last_response(endpoint)

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        return self.client.open_orders(symbol)

    def cancel_order(self, symbol: str, order_id: int) -> Order:
        return self.client.cancel_order(symbol, order_id)

    def cancel_open_orders(self, symbol: str) -> list[Order]:
        try:
            return self.client.cancel_open_orders(symbol)
        finally:
            if self.kill_after_mutation:
                os.kill(os.getpid(), signal.SIGKILL)


class KillingDisplay:
    def __init__(self, kill_at_step: int | None) -> None:
        self.kill_at_step = kill_at_step
        self.headers = 0

    def step(self, index: int, total: int, title: str, elapsed: timedelta) -> None:
        self.headers += 1
        if self.headers == self.kill_at_step:
            os.kill(os.getpid(), signal.SIGKILL)

    def show(self, level: Level, text: str) -> None:
        pass

    def progress(self, text: str) -> None:
        pass


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    for name in ("--case", "--playbook", "--answers", "--base-url"):
        parser.add_argument(name, required=True)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--kill-at-step", type=int)
    parser.add_argument("--kill-after-mutation", action="store_true")
    args = parser.parse_args(argv)
    registry = ActionRegistry()
    actions_generic.register(registry)
    playbook = load_playbook(Path(args.playbook), registry)
    clock = SystemClock()
    secrets = SecretRegistry()
    credentials = load_credentials(os.environ, secrets)
    with connect(args.base_url, credentials, clock=clock) as client:
        env = Env(
            AnswersPrompter(load_answers(Path(args.answers), playbook), clock=clock),
            KillingDisplay(args.kill_at_step), clock, secrets, registry,
            KillAfterCancel(client, kill_after_mutation=args.kill_after_mutation),
        )  # fmt: skip
        case = Path(args.case)
        if args.resume:
            result = resume_case(env, case, playbook=playbook)
        else:
            result = start_case(env, playbook, mode="dry-run" if args.dry_run else "live", incident_dir=case)
    steps = {s.id: {"status": s.status, "outputs": dict(s.outputs)} for s in result.steps}
    sys.stdout.write(json.dumps({"closed": result.closed, "steps": steps}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
