"""A real client nobody here wrote: ccxt's binance driver against `responder simulator serve`.

If ccxt and the simulator disagree, the simulator is fixed to Binance's documented behaviour; ccxt is
never special-cased.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

ccxt = pytest.importorskip("ccxt")

pytestmark = [pytest.mark.loopback, pytest.mark.slow]


@pytest.fixture(scope="module")
def server() -> Iterator[dict[str, Any]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "responder.cli", "simulator", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield json.loads(proc.stdout.readline())
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def _exchange(server: dict[str, Any], secret: str | None = None) -> Any:
    key = server["keys"][0]
    base = server["base_url"]
    ex = ccxt.binance(
        {
            "apiKey": key["api_key"],
            "secret": secret or key["secret"],
            "enableRateLimit": False,
            "options": {
                "fetchMarkets": {"types": ["spot"]},
                "fetchCurrencies": False,
                "fetchMargins": False,
                "warnOnFetchOpenOrdersWithoutSymbol": False,
            },
        }
    )
    ex.urls["api"] = {name: f"{base}/api/v3" for name in ("public", "private", "v1", "v3")} | {
        "sapi": f"{base}/sapi/v1",
        "sapiV2": f"{base}/sapi/v2",
        "sapiV3": f"{base}/sapi/v3",
    }
    return ex


def test_ccxt_reads_the_account_and_cancels_the_attackers_orders(server: dict[str, Any]) -> None:
    ex = _exchange(server)
    markets = ex.load_markets()
    assert "PHB/USDT" in markets and markets["BTC/USDT"]["spot"] is True
    assert markets["BTC/USDT"]["precision"]["price"] == pytest.approx(0.01)
    balance = ex.fetch_balance()
    assert balance["PHB"]["used"] == pytest.approx(900.0)
    trades = ex.fetch_my_trades("BTC/USDT")
    assert trades and all(t["symbol"] == "BTC/USDT" for t in trades)
    orders = ex.fetch_orders("PHB/USDT")
    assert {o["status"] for o in orders} >= {"closed", "open"}
    open_orders = ex.fetch_open_orders("PHB/USDT")
    assert len(open_orders) == 3 and {o["side"] for o in open_orders} == {"sell"}
    cancelled = ex.cancel_all_orders("PHB/USDT")
    assert len(cancelled) == 3
    assert ex.fetch_open_orders("PHB/USDT") == []
    assert ex.fetch_balance()["PHB"]["used"] == pytest.approx(0.0)


def test_ccxt_sees_a_wrong_secret_as_an_authentication_error(server: dict[str, Any]) -> None:
    ex = _exchange(server, secret="x" * 64)
    with pytest.raises(ccxt.AuthenticationError):
        ex.fetch_balance()


def test_ccxt_sees_a_stale_timestamp_as_an_invalid_nonce(server: dict[str, Any]) -> None:
    with httpx.Client(base_url=server["base_url"]) as http:
        http.post("/_sim/inject-fault", json={"kind": "skew", "ms": 60_000})  # the server runs 60 s ahead
        try:
            ex = _exchange(server)
            with pytest.raises(ccxt.InvalidNonce):
                ex.fetch_balance()
        finally:
            http.post("/_sim/clear-faults")
