"""The report end to end on real drills: `responder drill --auto` in a subprocess, then the bundle.

The manifest checks with the real `sha256sum`, tampering is caught by it and by `responder verify`, the
scenario's key secrets appear nowhere, and the report's content matches the journal, the snapshot
evidence and the simulator's ground truth (not hand-written expectations).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from responder.incident.evidence import MANIFEST_NAME, sha256_file
from responder.incident.record import parse_time
from responder.incident.verify import verify_case
from responder.report import fmt
from responder.simulator import Simulator, load_scenario

RESPONDER = str(Path(sys.executable).parent / "responder")
SCENARIOS = ("pump-and-dump", "quiet-leak", "withdrawal-drain")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(RESPONDER).exists(), reason="the responder script is not installed"),
]


@dataclass(frozen=True)
class Drill:
    dir: Path
    stdout: str
    stderr: str


def _env(home: Path) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
            "NO_COLOR": "1", "LC_ALL": "C.UTF-8"}  # fmt: skip


def _run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RESPONDER, *args], env=_env(home), capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def drills(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Drill]:
    home = tmp_path_factory.mktemp("home")
    out: dict[str, Drill] = {}
    for scenario in SCENARIOS:
        case = tmp_path_factory.mktemp(scenario) / "case"
        done = _run("drill", "--auto", "--scenario", scenario, "--incident-dir", str(case), home=home)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr
        out[scenario] = Drill(case, done.stdout, done.stderr)
    return out


def _copy(drill: Drill, tmp_path: Path) -> Path:
    return Path(shutil.copytree(drill.dir, tmp_path / "case"))


def _sha256sum(folder: Path) -> subprocess.CompletedProcess[str] | None:
    if shutil.which("sha256sum") is None:
        return None
    return subprocess.run(
        ["sha256sum", "-c", MANIFEST_NAME], cwd=folder, capture_output=True, text=True, check=False
    )


def _manifest_checks(folder: Path) -> bool:
    done = _sha256sum(folder)
    return verify_case(folder).intact if done is None else done.returncode == 0


def _journal(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "journal.jsonl").read_text().splitlines()]


def _truth(scenario: str) -> dict[str, Any]:
    sim = Simulator(load_scenario(scenario))
    try:
        return sim.ground_truth
    finally:
        sim.close()


def _secrets(scenario: str) -> list[str]:
    """Every scenario key's secret: HMAC secrets whole, private keys by each line of their PEM body."""
    sim = Simulator(load_scenario(scenario))
    try:
        found: list[str] = []
        for k in sim.keys:
            if k.secret is not None:
                found.append(k.secret.reveal())
            if k.private_key_pem is not None:
                found += [ln for ln in k.private_key_pem.reveal().splitlines() if not ln.startswith("-----")]
        return found
    finally:
        sim.close()


class _Sections(HTMLParser):
    """Text of every `<section id=…>` (and `<header id=…>`), the rows of its tables, and every tag seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: dict[str, str] = {}
        self.rows: dict[str, list[list[str]]] = {}
        self.tags: set[str] = set()
        self.order: list[str] = []  # section ids in document order
        self._section: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        ident = dict(attrs).get("id")
        if tag in ("section", "header") and ident:
            self._section = ident
            self.order.append(ident)
            self.text.setdefault(ident, "")
            self.rows.setdefault(ident, [])
        elif tag == "tr" and self._section:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._section:
            self.rows[self._section].append(self._row)
            self._row = None
        elif tag in ("section", "header"):
            self._section = None

    def handle_data(self, data: str) -> None:
        if self._section:
            self.text[self._section] += data
        if self._cell is not None:
            self._cell.append(data)


def _html(folder: Path) -> _Sections:
    parser = _Sections()
    parser.feed((folder / "report.html").read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_manifest_covers_the_whole_bundle_and_sha256sum_accepts_it(
    drills: dict[str, Drill], scenario: str
) -> None:
    folder = drills[scenario].dir
    listed = {line.split("  ", 1)[1] for line in (folder / MANIFEST_NAME).read_text().splitlines()}
    evidence = {p.relative_to(folder).as_posix() for p in (folder / "evidence").iterdir()}
    assert {"findings.json", "report.md", "report.txt", "report.html"} | evidence == listed
    assert _manifest_checks(folder)
    assert _run("verify", str(folder), home=folder.parent).returncode == 0


@pytest.mark.parametrize("scenario", ["pump-and-dump", "quiet-leak"])
@pytest.mark.parametrize("victim", ["evidence/api-restrictions.json", "report.html", "findings.json"])
def test_one_changed_byte_fails_sha256sum_and_verify(
    drills: dict[str, Drill], scenario: str, victim: str, tmp_path: Path
) -> None:
    folder = _copy(drills[scenario], tmp_path)
    data = bytearray((folder / victim).read_bytes())
    data[len(data) // 2] ^= 0x01
    (folder / victim).write_bytes(bytes(data))
    assert not _manifest_checks(folder)
    done = _sha256sum(folder)
    if done is not None:
        assert f"{victim}: FAILED" in done.stdout
    verify = _run("verify", str(folder), home=tmp_path)
    assert verify.returncode == 1
    assert victim in verify.stdout + verify.stderr


def test_report_rerenders_journals_the_rendering_and_never_blesses_changed_evidence(
    drills: dict[str, Drill], tmp_path: Path
) -> None:
    folder = _copy(drills["pump-and-dump"], tmp_path)
    before = (folder / "report.md").read_text()
    assert _run("report", str(folder), "--tz", "UTC", home=tmp_path).returncode == 0
    assert (folder / "report.md").read_text() != before  # a new "generated at" and journal head
    assert _manifest_checks(folder)
    assert _run("verify", str(folder), home=tmp_path).returncode == 0
    tail = _journal(folder)[-4:]
    assert [(e["kind"], e["payload"].get("path")) for e in tail] == [
        ("file", "report.md"), ("file", "report.txt"), ("file", "report.html"), ("case-closed", None),
    ]  # fmt: skip
    evidence = folder / "evidence" / "open-orders.json"
    evidence.write_text(evidence.read_text().replace("PHBUSDT", "PHBUSDX"))
    again = _run("report", str(folder), home=tmp_path)
    assert again.returncode == 0
    assert "CHANGED" in (folder / "report.md").read_text()
    assert not _manifest_checks(folder)  # the new manifest keeps the journaled hash
    verify = _run("verify", str(folder), home=tmp_path)
    assert verify.returncode == 1 and "evidence/open-orders.json: changed since" in verify.stdout


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_no_key_secret_in_any_file_or_output(drills: dict[str, Drill], scenario: str) -> None:
    drill = drills[scenario]
    secrets = _secrets(scenario)
    assert secrets and all(len(s) >= 16 for s in secrets)
    texts = {"stdout": drill.stdout, "stderr": drill.stderr}
    texts |= {p.as_posix(): p.read_text(errors="replace") for p in drill.dir.rglob("*") if p.is_file()}
    assert "report.html" in "".join(texts) and "MANIFEST.sha256" in "".join(texts)
    leaks = [name for name, text in texts.items() if any(s in text for s in secrets)]
    assert leaks == []


def _answers(journal: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["payload"]["question"]: e["payload"]["value"] for e in journal if e["kind"] == "answer"}


def test_pump_and_dump_header_and_what_happened_match_the_record(drills: dict[str, Drill]) -> None:
    folder = drills["pump-and-dump"].dir
    page = _html(folder)
    restrictions = json.loads((folder / "evidence/api-restrictions.json").read_text())
    uid = str(json.loads((folder / "evidence/account.json").read_text())["uid"])
    header = {row[0]: row[1] for row in page.rows["key"] if len(row) == 2}
    assert header["Account UID"] == uid
    assert header["API key"].endswith("(HMAC)") and "…" in header["API key"]
    created = datetime.fromtimestamp(restrictions["createTime"] / 1000, UTC)  # Binance's raw body
    assert header["Key created"].startswith(fmt.stamp(created) + " UTC")
    assert "spot & margin trading" in header["Permissions at the leak"]
    assert "withdrawals" not in header["Permissions at the leak"].split("(")[0]
    assert header["IP restriction"].startswith("none")
    answers = _answers(_journal(folder))
    happened = page.text["what-happened"]
    assert answers["vector"] in happened and answers["what"] in happened
    for moment in (answers["leaked_at"], answers["noticed_at"]):
        assert fmt.stamp(parse_time(moment)) + " UTC" in happened
    assert "DRILL" in page.text["header"] and "pump-and-dump" in page.text["header"]


def test_pump_and_dump_time_to_contain_and_revocation_proof(drills: dict[str, Drill]) -> None:
    folder = drills["pump-and-dump"].dir
    journal = _journal(folder)
    dead = next(e for e in journal if e["kind"] == "check" and e["payload"]["result"] == "dead")
    assert dead["payload"]["action"] == "leak.revocation_check"
    noticed = parse_time(_answers(journal)["noticed_at"])
    page = _html(folder)
    assert fmt.duration(parse_time(dead["time"]) - noticed) in page.text["metrics"]
    proof = [row for row in page.rows["revocation"] if row and row[0] == str(dead["seq"])]
    assert proof and proof[0][2] == "dead" and fmt.stamp(parse_time(dead["time"])) in proof[0][1]
    assert "proven dead" in page.text["revocation"]


def test_pump_and_dump_orders_table_lists_exactly_the_attackers_orders(drills: dict[str, Drill]) -> None:
    page = _html(drills["pump-and-dump"].dir)
    header, *rows = page.rows["orders"]
    assert header == ["Time", "Symbol", "Side", "Qty", "Price", "Quote amount", "orderId", "clientOrderId",
                      "Status", "Verdict", "Rules"]  # fmt: skip
    actions = _truth("pump-and-dump")["attacker_actions"]
    truth = [a for a in actions if a["kind"] == "order" and a["status"] == "done"]  # not future ones
    assert len(truth) >= 10
    col = header.index("clientOrderId")
    assert sorted(r[col] for r in rows) == sorted(a["clientOrderId"] for a in truth)
    by_id = {r[header.index("orderId")]: r for r in rows}
    assert sorted(by_id) == sorted(str(a["orderId"]) for a in truth)
    assert {r[1] for r in rows} == {"PHBUSDT"}
    assert all(r[header.index("Verdict")] == "attacker" for r in rows)
    assert all(r[header.index("Quote amount")].endswith(" USDT") for r in rows)
    # the open ones the person cancelled say so, with when (from the journal's confirmed cancels)
    cancelled = [e for e in _journal(drills["pump-and-dump"].dir) if e["kind"] == "outcome"]
    ids = {str(o["orderId"]): e for e in cancelled for o in e["payload"]["response"].get("cancelled", [])}
    mine = [r for oid, r in by_id.items() if oid in ids]
    assert mine and all(r[header.index("Status")].startswith("cancelled by the user at ") for r in mine)
    assert all(
        f"(entry #{ids[r[header.index('orderId')]]['seq']})" in r[header.index("Status")] for r in mine
    )
    assert all(r[header.index("Status")] == "filled" for oid, r in by_id.items() if oid not in ids)
    # reasons once per rule, in the legend, not on every row
    legend = page.text["rules"]
    for rule in {rule for r in rows for rule in r[header.index("Rules")].split()}:
        assert legend.count(rule) == 1, rule
    assert "baseline 95th percentile (" not in page.text["orders"]  # per-row reasons are gone
    assert "USDT" in page.text["loss"] and "Method" in page.text["loss"]
    assert {"svg", "table"} <= page.tags and "script" not in page.tags


def test_withdrawal_drain_lists_the_withdrawal_and_transfer_after_the_leak(drills: dict[str, Drill]) -> None:
    page = _html(drills["withdrawal-drain"].dir)
    truth = _truth("withdrawal-drain")["attacker_actions"]
    drain = next(a for a in truth if a["kind"] == "withdrawal")
    transfer = next(a for a in truth if a["kind"] == "transfer")
    main, detail = page.rows["withdrawals"][1:]
    assert (main[1], main[3]) == (drain["coin"], drain["amount"])
    assert drain["address"] in detail[0].split()  # the whole address, never cut
    assert "TxID" in detail[0]
    assert [r[4] for r in page.rows["transfers"][1:]] == [str(transfer["tranId"])]
    header = {row[0]: row[1] for row in page.rows["key"] if len(row) == 2}
    assert header["Withdrawals"] == "ENABLED"
    assert "incomplete" in page.text["orders"]  # the account was disabled: orders could not be swept
    md = (drills["withdrawal-drain"].dir / "report.md").read_text()
    assert "my loss is not known yet" in md


def test_quiet_leak_renders_the_minimal_report_with_nothing_found(drills: dict[str, Drill]) -> None:
    folder = drills["quiet-leak"].dir
    page = _html(folder)
    assert page.rows["orders"] == [] and "Nothing found" in page.text["orders"]
    assert "None found" in page.text["withdrawals"] and "None found" in page.text["transfers"]
    for name in ("report.md", "report.txt"):
        text = (folder / name).read_text()
        assert "Nothing found" in text and "I have found no loss so far" in text


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_evidence_list_has_every_file_with_its_hash_and_the_journal_head(
    drills: dict[str, Drill], scenario: str
) -> None:
    folder = drills[scenario].dir
    page = _html(folder)
    rows = {r[0]: r[1] for r in page.rows["evidence"][1:]}
    files = sorted((folder / "evidence").iterdir())
    assert rows == {p.relative_to(folder).as_posix(): sha256_file(p) for p in files}
    journal = _journal(folder)
    rendered = next(e for e in journal if e["kind"] == "file" and e["payload"]["what"] == "report")
    head = journal[rendered["seq"] - 2]  # the last entry before the first rendering was journaled
    assert head["hash"] in page.text["evidence"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_summary_comes_first_then_the_letter_then_the_tables(
    drills: dict[str, Drill], scenario: str
) -> None:
    folder = drills[scenario].dir
    page = _html(folder)
    assert page.order[:4] == ["header", "summary", "request", "orders"]
    summary = {row[0]: row[1] for row in page.rows["summary"] if len(row) == 2}
    assert list(summary) == [
        "Account UID", "Leaked API key", "Permissions at the leak", "Suspected leak", "The leaked key",
        "Estimated loss", "After the leak", "Journal head",
    ]  # fmt: skip
    opened = _journal(folder)[0]["payload"]
    assert summary["Leaked API key"].startswith(opened["key"]) and "…" in opened["key"]
    assert summary["Account UID"].isdigit()
    assert summary["The leaked key"].startswith("proven dead at ")
    truth = _truth(scenario)["attacker_actions"]
    orders = sum(1 for a in truth if a["kind"] == "order" and a["status"] == "done")
    if scenario != "withdrawal-drain":  # there the account was disabled before orders could be swept
        assert summary["After the leak"].startswith(f"{orders} attacker order(s)")
    # the letter quotes the journal head it was written at, which `verify --expect` accepts
    letter = page.text["request"]
    head = next(h for h in letter.split() if len(h.rstrip(",.")) == 64).rstrip(",.")
    assert head in {e["hash"] for e in _journal(folder)}
    verify = _run("verify", str(folder), "--expect", head, home=folder.parent)
    assert verify.returncode == 0, verify.stdout


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_report_txt_wraps_at_100_columns_and_the_timeline_has_no_engine_lines(
    drills: dict[str, Drill], scenario: str
) -> None:
    folder = drills[scenario].dir
    text = (folder / "report.txt").read_text(encoding="utf-8")
    assert max(len(line) for line in text.splitlines()) <= 100
    for name in ("report.txt", "report.md", "report.html"):
        body = (folder / name).read_text(encoding="utf-8")
        for engine in ("leak.open_case", "status: ok", "condition not met", "leak.snapshot"):
            assert engine not in body, (name, engine)
    md = (folder / "report.md").read_text(encoding="utf-8")
    letter = md.split("## Letter to Binance support", 1)[1].split("\n## ", 1)[0]
    assert "|" not in letter and "**" not in letter  # pastes into a chat as plain text


def test_the_letter_never_splits_across_printed_pages(drills: dict[str, Drill]) -> None:
    css = (drills["pump-and-dump"].dir / "report.html").read_text(encoding="utf-8")
    rule = css.split("#request {", 1)[1].split("}", 1)[0]
    assert "break-inside: avoid" in rule
