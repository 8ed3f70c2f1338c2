"""Valuing amounts in USDT: stablecoins at par, other assets through their USDT (or BTC) ticker.

Used to compare order sizes across quote assets and to value the loss. An approximation, stated
wherever it is used: stablecoins are taken at 1 USDT, and an asset with no USDT or BTC market is
left unvalued (None) rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

STABLES = frozenset({"USDT", "USDC", "FDUSD", "BUSD", "TUSD", "DAI", "USDP"})


def usdt_price(asset: str, tickers: Mapping[str, Decimal]) -> Decimal | None:
    """The USDT price of `asset` from symbol tickers (`BTCUSDT` → price), or None if unknown."""
    if asset in STABLES:
        return Decimal(1)
    direct = tickers.get(f"{asset}USDT")
    if direct is not None and direct > 0:
        return direct
    inverse = tickers.get(f"USDT{asset}")
    if inverse is not None and inverse > 0:
        return 1 / inverse
    via_btc, btc = tickers.get(f"{asset}BTC"), tickers.get("BTCUSDT")
    if via_btc is not None and btc is not None:
        return via_btc * btc
    return None


def to_usdt(asset: str, amount: Decimal, tickers: Mapping[str, Decimal]) -> Decimal | None:
    price = usdt_price(asset, tickers)
    return None if price is None else amount * price
