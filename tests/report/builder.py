"""Synthetic incident directories in the format pinned by docs/ARCHITECTURE.md, for report tests.

`IncidentBuilder` writes the journal and evidence with the engine's own writers (so the fixtures are
what a real run produces) and findings.json as forensics pins it, on a manual clock.
`full_incident` is a pump-and-dump drill with hostile strings in every attacker-controlled field;
`quiet_incident` is a live leak where nothing was found.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from responder.clock import ManualClock
from responder.incident.evidence import MANIFEST_NAME, EvidenceStore, close_case
from responder.incident.findings import write_findings
from responder.incident.journal import Journal
from responder.secrets import Secret, SecretRegistry

CANARY = "CANARYsecretDoNotLeak0123456789abcdefABCDEF0123456789abcdefABCD"
KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
HOSTILE_COID = "<script>alert(1)</script>|`x`[a](https://evil.example)\x1b[31m"
HOSTILE_ADDRESS = "0xdead|<img src=https://evil.example/x.png>\x1b]0;pwn\x07"
START = datetime(2026, 11, 23, 14, 0, 0, tzinfo=UTC)


class IncidentBuilder:
    """Writes through the engine's real `Journal` and `EvidenceStore`, on a manual clock."""

    def __init__(self, directory: Path, start: datetime = START) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.dir = directory
        self.clock = ManualClock(start)
        self.secrets = SecretRegistry()
        self.secrets.add(Secret(CANARY))
        self.journal = Journal.create(directory, self.clock, self.secrets)
        self.store = EvidenceStore(directory, self.journal, self.secrets)

    def advance(self, seconds: float) -> IncidentBuilder:
        self.clock.advance(seconds)
        return self

    def event(self, kind: str, payload: dict[str, Any], step: str | None = None) -> str:
        return self.journal.append(kind, step, payload).hash

    def evidence(self, name: str, data: Any, source: str, description: str, step: str | None = None) -> Path:
        ref = self.store.write(name, data, source=source, description=description, step=step)
        return self.dir / ref.path

    def findings(self, data: dict[str, Any]) -> None:
        write_findings(self.dir, data, secrets=self.secrets, journal=self.journal)

    def close(self, status: str = "done") -> Path:
        """Close the case as the runner does: the manifest, then `case-closed` recording it."""
        close_case(self.journal, status)
        return self.dir / MANIFEST_NAME


def open_case(b: IncidentBuilder, mode: str = "drill", scenario: str | None = "pump-and-dump") -> None:
    b.event(
        "case-opened",
        {
            "case_id": "2026-11-23-7f3a",
            "mode": mode,
            "playbook_id": "binance-api-key-leak",
            "playbook_sha256": "ab" * 32,
            "responder_version": "0.1.0",
            "base_url": "http://127.0.0.1:53121",
            "key": "vmPU…Eh8A",
            "key_type": "HMAC",
            "scenario": scenario,
        },
    )


def full_incident(directory: Path) -> Path:
    """A pump-and-dump drill: snapshot, cancelled orders, key proven dead, flagged fills, a withdrawal."""
    b = IncidentBuilder(directory)
    open_case(b)
    b.advance(14).event(
        "answer",
        {"question": "What leaked?", "value": "API key and secret", "role": "what-leaked"},
        "triage-what",
    )
    b.advance(3).event(
        "answer",
        {"question": "How?", "value": "Pushed to a public repository", "role": "leak-vector"},
        "triage-vector",
    )
    b.advance(5).event(
        "answer",
        {"question": "When could it have leaked?", "value": "2026-11-23T09:02:00Z", "role": "leak-time"},
        "triage-leak-time",
    )
    b.advance(5).event(
        "answer",
        {"question": "When did you first notice?", "value": "2026-11-23T13:50:00Z", "role": "noticed-time"},
        "triage-noticed",
    )
    b.advance(10).evidence(
        "snapshot-before-revoke",
        {
            "apiRestrictions": {
                "ipRestrict": False,
                "createTime": 1745000000000,
                "enableReading": True,
                "enableSpotAndMarginTrading": True,
                "enableWithdrawals": False,
            },
            "account": {
                "uid": 354937868,
                "canTrade": True,
                "canWithdraw": False,
                "canDeposit": True,
                "balances": [{"asset": "USDT", "free": "12.5", "locked": "0"}],
            },
            "openOrders": [{"symbol": "QKCUSDT", "clientOrderId": HOSTILE_COID}],
        },
        "GET /sapi/v1/account/apiRestrictions + /api/v3/account + /api/v3/openOrders",
        "before revocation",
        "snapshot",
    )
    b.advance(11).event(
        "intent",
        {
            "action": "cancel-open-orders",
            "request": {"method": "DELETE", "path": "/api/v3/openOrders", "params": {"symbol": "QKCUSDT"}},
            "description": "Cancel 3 open orders on QKCUSDT",
        },
        "cancel",
    )
    b.advance(1).event(
        "outcome",
        {"action": "cancel-open-orders", "status": "ok", "summary": {"cancelled": 3, "symbol": "QKCUSDT"}},
        "cancel",
    )
    b.advance(20).event(
        "confirmation",
        {"item": "delete-key", "text": "Deleted the key in API Management", "role": "key-deleted"},
        "delete-key",
    )
    b.advance(4).event(
        "check",
        {"action": "revocation-check", "result": "alive", "reason": "the key still answered 200"},
        "delete-key",
    )
    b.advance(15).event(
        "check",
        {
            "action": "revocation-check",
            "result": "dead",
            "reason": "rejected -2015; no IP whitelist, so this is conclusive",
        },
        "delete-key",
    )
    b.advance(30).event(
        "confirmation", {"item": "whitelist", "text": "Withdrawal whitelist turned on"}, "lockdown"
    )
    b.advance(40).event(
        "action-result", {"action": "investigate", "summary": {"orders": 5, "flagged": 3}}, "investigate"
    )
    b.advance(5).event(
        "action-result",
        {"action": "report", "summary": {"formats": ["md", "txt", "html"]}, "role": "report"},
        "report",
    )
    b.findings(
        {
            "orders": [
                _order(1, "2026-11-23T11:02:00Z", "attacker", "x-AttackerBroker1"),
                _order(2, "2026-11-23T11:02:05Z", "attacker", HOSTILE_COID),
                _order(3, "2026-11-23T11:03:00Z", "suspicious", "web_7b2c|[x](https://evil.example)"),
                _order(4, "2026-11-20T10:00:00Z", "normal", "mybot-1"),
                _order(5, "2026-11-21T10:00:00Z", "normal", "mybot-2"),
            ],
            "withdrawals": [
                {
                    "id": "w1",
                    "coin": "USDT",
                    "network": "ETH",
                    "amount": "250.5",
                    "address": HOSTILE_ADDRESS,
                    "addressTag": "memo`|<b>",
                    "txId": "0x" + "ab" * 32,
                    "applyTime": "2026-11-23 12:00:00",
                    "status": 6,
                    "reason": "withdrawal-after-leak",
                },
                {
                    "id": "w2",
                    "coin": "TRX",
                    "network": "TRX",
                    "amount": "10",
                    "address": "TXYZ",
                    "txId": "Internal transfer 123",
                    "time": "2026-11-23T12:30:00Z",
                    "status": 6,
                    "reason": "internal",
                },
                {
                    "id": "w0",
                    "coin": "BTC",
                    "network": "BTC",
                    "amount": "0.1",
                    "address": "bc1q",
                    "txId": "cd" * 32,
                    "time": "2026-11-01T12:30:00Z",
                    "status": 6,
                    "reason": "before the leak",
                },
            ],
            "transfers": [
                {
                    "asset": "USDT",
                    "amount": "99.9",
                    "type": "MAIN_FUNDING",
                    "tranId": 777,
                    "timestamp": 1795435200000,
                    "reason": "transfer-out-after-leak",
                }
            ],
            "addresses": [],
            "summary": {
                "loss": {
                    "usdt_paid": "1234.5600",
                    "value_at_leak": "1234.56",
                    "value_now": "310.2",
                    "method": "quote paid by attacker buys, valued at the 1m kline close",
                }
            },
        }
    )
    b.advance(1).close()  # the manifest and `case-closed`, after forensics saved findings.json
    return directory


def _order(n: int, time: str, verdict: str, coid: str) -> dict[str, Any]:
    return {
        "symbol": "QKCUSDT",
        "orderId": 1000 + n,
        "clientOrderId": coid,
        "time": time,
        "side": "BUY",
        "type": "LIMIT",
        "price": "0.0123",
        "origQty": "10000",
        "executedQty": "10000",
        "quoteQty": "123.00",
        "status": "FILLED",
        "verdict": verdict,
        "rules": ["after-leak", "off-market-price"] if verdict != "normal" else [],
        "reason": "fill 42% above the 1m kline high | <b>bold</b>" if verdict != "normal" else "",
    }


def quiet_incident(directory: Path) -> Path:
    """A live case with almost nothing recorded: no answers, no evidence, no checks, no findings."""
    b = IncidentBuilder(directory)
    open_case(b, mode="live", scenario=None)
    b.advance(60).event("step-started", {"index": 1, "total": 10, "title": "Open the case"}, "open")
    return directory
