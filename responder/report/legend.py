"""What each detection rule means, said once in the report instead of on every row.

The report names rules by their stable ids (from findings.json); this is the plain sentence an agent
reads for each. A rule the report does not know is still listed, with its id only. Worded from the
rules' own docstrings in `forensics/rules.py`, including when they can be wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from responder.report.model import RuleNote

MEANINGS: Final = {
    "after-leak": "placed after the suspected leak time (context, not proof: my own bots kept trading too)",
    "unknown-origin": "its clientOrderId comes from a channel (app, broker, API default id, bot prefix) this "
    "account did not use before the leak (a heuristic: ids can be forged)",
    "new-symbol": "a market this account did not trade in the period before the leak",
    "off-market-price": "a buy above (or sell below) the market range of the hour before, by more than "
    "max(5 %, 3x that range): the signature of a pump",
    "illiquid-pair": "the fill was at least 25 % of the whole market's volume within 30 minutes",
    "size-outlier": "worth more than 3x this account's usual large orders (95th percentile) and 1.5x its "
    "largest before the leak",
    "burst": "one of many orders from one channel within a minute, at least twice this account's usual peak",
    "wash-trade": "matched by an opposite fill of the same size and price within 5 minutes, or expired by "
    "Binance to prevent a self-trade",
    "balance-drain": "part of a funnel pouring the account's holdings into one asset it never traded before",
    "withdrawal-after-leak": "a withdrawal requested after the suspected leak (any status: a failed one "
    "still shows intent)",
    "new-withdrawal-address": "sent to an address this account never withdrew to before the leak",
    "transfer-out-after-leak": "a transfer out of the spot or funding wallet after the leak, often a step "
    "before a withdrawal",
}


def legend(rules: Iterable[str]) -> tuple[RuleNote, ...]:
    """Each rule once, in the order first met."""
    seen = dict.fromkeys(r for r in rules if r)
    return tuple(
        RuleNote(r, MEANINGS.get(r, "a rule of the investigation (see findings.json)")) for r in seen
    )
