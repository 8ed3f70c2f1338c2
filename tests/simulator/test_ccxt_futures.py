"""ccxt's `binanceusdm` (a USDⓈ-M futures client nobody here wrote) against `responder simulator serve`.

If ccxt and the simulator disagree, the simulator is fixed to Binance's documented behaviour; ccxt is
never special-cased. Only the URLs are pointed at the simulator (one host serves /fapi and /sapi).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

ccxt = pytest.importorskip("ccxt")

pytestmark = [pytest.mark.loopback, pytest.mark.slow]


@pytest.fixture(scope="module")
def server() -> Iterator[dict[str, Any]]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "responder.cli",
            "simulator",
            "serve",
            "--port",
            "0",
            "--scenario",
            "futures-drain",
        ],
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
    ex = ccxt.binanceusdm(
        {
            "apiKey": key["api_key"],
            "secret": secret or key["secret"],
            "enableRateLimit": False,
            "options": {"fetchCurrencies": False, "fetchMargins": False},
        }
    )
    ex.urls["api"] = dict(ex.urls["api"]) | {
        "fapiPublic": f"{base}/fapi/v1",
        "fapiPublicV2": f"{base}/fapi/v2",
        "fapiPublicV3": f"{base}/fapi/v3",
        "fapiPrivate": f"{base}/fapi/v1",
        "fapiPrivateV2": f"{base}/fapi/v2",
        "fapiPrivateV3": f"{base}/fapi/v3",
        "fapiData": f"{base}/futures/data",
        "sapi": f"{base}/sapi/v1",
        "public": f"{base}/api/v3",
        "private": f"{base}/api/v3",
    }
    return ex


def test_ccxt_binanceusdm_reads_the_futures_account(server: dict[str, Any]) -> None:
    ex = _exchange(server)
    markets = ex.load_markets()
    zkj = markets["ZKJ/USDT:USDT"]
    assert zkj["swap"] and zkj["linear"] and zkj["settle"] == "USDT"
    assert zkj["precision"]["price"] == pytest.approx(0.0001)
    balance = ex.fetch_balance()
    assert balance["USDT"]["total"] > 0
    positions = [p for p in ex.fetch_positions() if p["contracts"]]
    assert [(p["symbol"], p["side"]) for p in positions] == [("ETH/USDT:USDT", "short")]
    assert positions[0]["entryPrice"] > 0 and positions[0]["liquidationPrice"] > positions[0]["entryPrice"]
    open_orders = ex.fetch_open_orders("ZKJ/USDT:USDT")
    assert {o["side"] for o in open_orders} == {"buy", "sell"} and all(
        o["status"] == "open" for o in open_orders
    )
    trades = ex.fetch_my_trades("ZKJ/USDT:USDT")
    assert trades and all(t["symbol"] == "ZKJ/USDT:USDT" for t in trades)
    assert sum(float(t["info"]["realizedPnl"]) for t in trades) < 0
    orders = ex.fetch_orders("ZKJ/USDT:USDT")
    assert {o["status"] for o in orders} >= {"closed", "open"}
    candles = ex.fetch_ohlcv("ZKJ/USDT:USDT", "1h", limit=5)
    assert len(candles) == 5 and all(c[2] >= c[3] for c in candles)
    ledger = ex.fetch_ledger("USDT")
    kinds = {entry["info"]["incomeType"] for entry in ledger}
    assert {"TRANSFER", "REALIZED_PNL", "INSURANCE_CLEAR"} <= kinds


def test_ccxt_binanceusdm_sees_a_wrong_secret_as_an_authentication_error(server: dict[str, Any]) -> None:
    ex = _exchange(server, secret="x" * 64)
    ex.markets = None
    with pytest.raises(ccxt.AuthenticationError):
        ex.fetch_positions()
