"""The scan result as a person reads it (a table with what to do next), as JSON, and as SARIF 2.1.0.

Pure: the findings and verdicts come in, text and JSON-ready objects go out. Every path and other
string that came from the scanned files passes `clean` (control characters and escape sequences
removed) before it reaches a terminal; keys are only ever shown masked (first 4 … last 4).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from responder import __version__
from responder.report.text import clean
from responder.scan.collect import Finding
from responder.scan.verify import Verdict

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_RULES = {
    "hmac": ("binance-hmac-credential", "Binance HMAC API key and secret"),
    "ed25519": ("binance-ed25519-private-key", "Binance Ed25519 API private key"),
    "rsa": ("binance-rsa-private-key", "Binance RSA API private key"),
    "key-only": ("binance-api-key", "Binance API key (no secret found near it)"),
}
VECTOR_REPOSITORY = "repository"


@dataclass(frozen=True)
class ScanResult:
    findings: tuple[Finding, ...]
    verdicts: Mapping[str, Verdict] | None = None  # by raw API key; None without --verify
    stats: Mapping[str, int] = field(default_factory=dict)
    history: bool = False

    def verdict(self, f: Finding) -> Verdict | None:
        if self.verdicts is None:
            return None
        if f.api_key is None:
            return Verdict("indeterminate", "no API key found with it: nothing to ask Binance")
        return self.verdicts.get(f.api_key)

    @property
    def leaks(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.example)

    @property
    def unreachable(self) -> bool:
        return any(v.unreachable for v in (self.verdicts or {}).values())


def iso(when: datetime | None) -> str | None:
    return when.isoformat().replace("+00:00", "Z") if when is not None else None


def run_command(f: Finding) -> str:
    """The exact command that starts the playbook with this finding's leak time and vector."""
    parts = ["responder run"]
    if f.first_exposed is not None:
        parts.append(f"--leaked-at {iso(f.first_exposed)}")
    if f.commit is not None:
        parts.append(f"--vector {VECTOR_REPOSITORY}")
    return " ".join(parts)


def next_step(f: Finding, v: Verdict | None) -> str:
    """What to do about one finding, as one sentence (the command last)."""
    if f.example:
        return "Binance's documentation example, not a leak: nothing to do."
    where = "remove it from the files and from git history" if f.commit else "remove it from the files"
    if f.api_key is None:
        what = (
            "A secret without its key: find the key it belongs to in API Management"
            if f.kind == "hmac"
            else "A private key with no API key beside it: find the API keys registered with this public key"
        )
        return f"{what}, {where}; if one is still listed: {run_command(f)}"
    status = v.status if v is not None else None
    if status == "revoked":
        return f"Dead: Binance no longer accepts it. Still {where}."
    if status == "live":
        return f"LIVE: start the playbook now: {run_command(f)}"
    unsure = "Could not be proven dead" if status == "indeterminate" else "Not checked (add --verify)"
    return f"{unsure}: treat it as live. If API Management lists it: {run_command(f)}"


def to_json(result: ScanResult) -> dict[str, Any]:
    """The `scan --json` object."""
    rows = []
    for f in result.findings:
        row: dict[str, Any] = {
            "kind": f.kind,
            "key": f.masked,
            "path": clean(f.path),
            "line": f.line,
            "commit": f.commit,
            "first_exposed": iso(f.first_exposed),
            "example": f.example,
        }
        v = result.verdict(f)
        if result.verdicts is not None:
            row["status"] = v.status if v else None
            row["reason"] = v.reason if v else None
            if v is not None and v.status == "live":
                row["permissions"] = v.permissions
        row["rule"] = f.rule
        row["in_work_tree"] = f.in_work_tree
        row["next"] = next_step(f, v)
        rows.append(row)
    return {"findings": rows, "summary": summary(result)}


def summary(result: ScanResult) -> dict[str, Any]:
    statuses = Counter((result.verdict(f) or Verdict(None, "")).status or "unchecked" for f in result.leaks)
    keys = {f.api_key for f in result.leaks if f.api_key}
    out: dict[str, Any] = {
        "findings": len(result.leaks),
        "examples": len(result.findings) - len(result.leaks),
        "distinct_keys": len(keys),
        "by_kind": dict(sorted(Counter(f.kind for f in result.leaks).items())),
        "history": result.history,
        "verified": result.verdicts is not None,
        "scanned": {k: v for k, v in sorted(result.stats.items()) if v},
    }
    if result.verdicts is not None:
        out["status"] = dict(sorted(statuses.items()))
    earliest = min((f.first_exposed for f in result.leaks if f.first_exposed), default=None)
    out["first_exposed"] = iso(earliest)
    return out


def render_table(result: ScanResult) -> str:
    """Human output: one block per finding, then the summary line."""
    lines: list[str] = []
    for n, f in enumerate(result.findings, 1):
        v = result.verdict(f)
        state = "found" if v is None else (v.status or "not checked").upper()
        tag = " (documentation example)" if f.example else ""
        lines.append(f"{n}. {f.kind:<8} {f.masked}  {state}{tag}")
        lines.append(
            f"   where    {clean(f.path)}:{f.line}"
            + ("  (still in the work tree)" if f.commit and f.in_work_tree else "")
        )
        if f.commit:
            lines.append(f"   exposed  {iso(f.first_exposed)} in commit {f.commit[:12]}")
        if v is not None and v.reason and result.verdicts is not None:
            lines.append(f"   check    {clean(v.reason)}")
        if v is not None and v.permissions:
            on = [k for k, val in v.permissions.items() if val and k != "ipRestrict"]
            whitelist = "yes" if v.permissions.get("ipRestrict") else "NO"
            lines.append(f"   can      {', '.join(on) or 'nothing'}; IP whitelist {whitelist}")
        lines.append(f"   next     {next_step(f, v)}")
    s = summary(result)
    scanned = _scanned_text(result.stats)
    if not result.leaks:
        head = "No Binance credentials found"
    else:
        head = f"{s['findings']} finding(s), {s['distinct_keys']} distinct key(s)"
    extra = f" (+{s['examples']} documentation examples)" if s["examples"] else ""
    lines.append(f"{head}{extra} · scanned {scanned or 'nothing'}")
    if result.verdicts is None and result.leaks:
        lines.append("Nothing was sent anywhere. Check which are live: add --verify.")
    return "\n".join(lines)


def _scanned_text(stats: Mapping[str, int]) -> str:
    """`13 files, 15 file versions in 4 commits; 1 candidate without Binance context ignored`."""
    parts = [f"{stats.get('files', 0)} files"]
    if "commits" in stats:
        parts.append(f"{stats.get('blobs', 0)} file versions in {stats['commits']} commits")
    text = ", ".join(parts)
    skipped = {k.removeprefix("blobs-"): v for k, v in stats.items() if k.startswith("blobs-") and v}
    skipped["skipped"] = stats.get("skipped", 0) + stats.get("unreadable", 0)
    unread = ", ".join(f"{v} {k}" for k, v in skipped.items() if v)
    if unread:
        text += f"; not read: {unread}"
    if stats.get("without-context"):
        text += f"; {stats['without-context']} candidate(s) without Binance context ignored"
    return text


def to_sarif(result: ScanResult) -> dict[str, Any]:
    """SARIF 2.1.0 for code-scanning dashboards; documentation examples are left out."""
    rules = [
        {
            "id": rule_id,
            "name": rule_id.replace("-", " ").title().replace(" ", ""),
            "shortDescription": {"text": text},
            "properties": {"tags": ["security", "secret", "binance"]},
        }
        for rule_id, text in _RULES.values()
    ]
    results = []
    for f in result.leaks:
        v = result.verdict(f)
        rule_id, text = _RULES[f.kind]
        props: dict[str, Any] = {"kind": f.kind, "key": f.masked, "commit": f.commit}
        props["first_exposed"] = iso(f.first_exposed)
        if v is not None:
            props["status"] = v.status
        results.append(
            {
                "ruleId": rule_id,
                "ruleIndex": list(_RULES).index(f.kind),
                "level": "error" if (v is None or v.status != "revoked") else "warning",
                "message": {"text": f"{text} {f.masked}. {next_step(f, v)}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": _uri(f.path)},
                            "region": {"startLine": max(f.line, 1)},
                        }
                    }
                ],
                "partialFingerprints": {"credential/v1": f"{f.kind}:{f.masked}:{clean(f.path)}"},
                "properties": props,
            }
        )
    driver = {"name": "responder", "version": __version__, "rules": rules}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }


def _uri(path: str) -> str:
    from urllib.parse import quote

    return quote(clean(path), safe="/")
