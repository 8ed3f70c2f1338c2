"""Findings from the snapshot alone, when the sweep could not run (no key can read any more).

The snapshot taken before revoking holds the withdrawals and transfers of the last 89 days, the
leaked key's restrictions and, when the audit ran, the address book. Those are judged by the same
rules as in a sweep; orders are *not known* (not "none"): written with `swept=False`, the summary
says `orders_swept: false`, and the loss counts what the snapshot proves (withdrawals) and names
what it leaves out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from responder.exchange.models import ApiRestrictions, Transfer, WithdrawAddress, Withdrawal
from responder.forensics.baseline import learn
from responder.forensics.context import build
from responder.forensics.loss import estimate
from responder.forensics.model import Evidence, Findings, Window
from responder.forensics.verdict import judge_addresses, judge_key, judge_transfers, judge_withdrawals


def judge_snapshot(
    *,
    since: datetime,
    now: datetime,
    why: str,
    withdrawals: Sequence[Withdrawal],
    transfers: Sequence[Transfer] = (),
    addresses: Sequence[WithdrawAddress] = (),
    restrictions: ApiRestrictions | None = None,
    tickers: Mapping[str, Decimal] | None = None,
    gaps: Sequence[str] = (),
) -> Findings:
    """The findings for what the snapshot shows; no order verdicts (orders are unknown, a gap)."""
    window = Window(since, max(now, since + timedelta(seconds=1)))
    evidence = Evidence(
        window,
        withdrawals=tuple(withdrawals),
        transfers=tuple(transfers),
        addresses=tuple(addresses),
        restrictions=restrictions,
    )
    ctx = build(evidence, learn([], symbols={}, tickers={}))
    judged = judge_withdrawals(ctx)
    stolen = [v.subject for v in judged if v.verdict == "attacker" and isinstance(v.subject, Withdrawal)]
    unsure = [v.subject for v in judged if v.verdict == "suspicious" and isinstance(v.subject, Withdrawal)]
    all_gaps = [f"orders and trades not swept: {why}", *gaps]
    if not addresses:
        all_gaps.append("address book not read: whitelisted entries could not be told apart")
    loss = estimate(
        [], stolen, symbols={}, prices_at_leak={}, tickers_now=tickers or {},
        unsure_withdrawals=unsure, orders_swept=why,
    )  # fmt: skip
    return Findings(
        window, (), judged, judge_transfers(ctx), judge_addresses(judged, ctx), judge_key(ctx), loss,
        gaps=tuple(all_gaps),
    )  # fmt: skip
