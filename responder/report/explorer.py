"""Block-explorer links for withdrawal TxIDs: a small pure table from Binance network names.

Only networks whose explorer URL scheme is stable are listed; an unknown network gets no link (the
TxID is still shown). A TxID that is not a plain hash (internal transfers say "Internal transfer …")
never becomes a link.
"""

from __future__ import annotations

import re
from typing import Final

EXPLORERS: Final[dict[str, str]] = {
    "ETH": "https://etherscan.io/tx/{tx}",
    "BSC": "https://bscscan.com/tx/{tx}",
    "BNB": "https://explorer.bnbchain.org/tx/{tx}",
    "TRX": "https://tronscan.org/#/transaction/{tx}",
    "BTC": "https://mempool.space/tx/{tx}",
    "SOL": "https://solscan.io/tx/{tx}",
    "ARBITRUM": "https://arbiscan.io/tx/{tx}",
    "OPTIMISM": "https://optimistic.etherscan.io/tx/{tx}",
    "MATIC": "https://polygonscan.com/tx/{tx}",
    "POLYGON": "https://polygonscan.com/tx/{tx}",
    "AVAXC": "https://snowtrace.io/tx/{tx}",
    "BASE": "https://basescan.org/tx/{tx}",
    "LTC": "https://litecoinspace.org/tx/{tx}",
    "TON": "https://tonviewer.com/transaction/{tx}",
}

_TX: Final = re.compile(r"^(0x)?[A-Za-z0-9]{16,128}$")


def tx_url(network: str, tx_id: str) -> str | None:
    """The explorer URL for a transaction, or None when the network is unknown or the id is not a hash."""
    template = EXPLORERS.get(network.strip().upper())
    if template is None or not _TX.fullmatch(tx_id):
        return None
    return template.format(tx=tx_id)
