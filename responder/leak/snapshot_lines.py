"""How the snapshot's balances and withdrawals read on screen: amounts and addresses, not just counts.

Every string that came from the server (assets, coins, addresses, memos, networks) goes through
`responder.untrusted.shown_line`, the chokepoint for server text.
"""

from __future__ import annotations

from typing import Any

from responder.clock import show
from responder.playbook.protocols import Level
from responder.untrusted import shown_line as clean


def amounts(held: Any, shown: int = 6) -> str:
    """`5 assets: 0.52 BTC, 1,200 USDT, …` — what the snapshot proved the account held."""
    items = sorted(held, key=lambda b: b.asset)
    parts = [f"{b.total.normalize():,f} {clean(b.asset)}" for b in items[:shown]]
    more = f", +{len(items) - shown} more" if len(items) > shown else ""
    return f"{len(items)} assets: {', '.join(parts)}{more}" if items else "no assets"


def withdrawal_lines(after: list[Any], shown: int = 5) -> list[tuple[Level, str]]:
    lines: list[tuple[Level, str]] = [
        ("warn" if after else "ok", f"withdrawals   {len(after) or 'none'} since the leak")
    ]
    lines += [("warn", f"  {_withdrawal(w)}") for w in sorted(after, key=lambda w: w.apply_time)[:shown]]
    if len(after) > shown:
        lines.append(("warn", f"  … and {len(after) - shown} more (evidence/withdrawals.json)"))
    return lines


def _withdrawal(w: Any) -> str:
    tag = f" memo {clean(w.address_tag)}" if w.address_tag else ""
    return (
        f"{w.amount.normalize():,f} {clean(w.coin)} to {clean(w.address)}{tag} ({clean(w.network)}) "
        f"at {show(w.apply_time)}"
    )
