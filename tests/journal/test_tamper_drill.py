"""Tampering with a real drill's incident, each way a person (or an attacker) could, and `verify`'s verdict.

The drill runs once (`responder drill --auto` in a subprocess); each test works on a copy. The closing
screen's head hash is what the person keeps; `verify --expect` is the only thing that can catch a
journal re-chained from scratch, and the test shows that plainly.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from responder.incident.journal import canonical, line_hash

RESPONDER = str(Path(sys.executable).parent / "responder")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(RESPONDER).exists(), reason="the responder script is not installed"),
]


@dataclass(frozen=True)
class Drill:
    dir: Path
    stdout: str


def run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
           "NO_COLOR": "1", "LC_ALL": "C.UTF-8", "COLUMNS": "200"}  # fmt: skip
    return subprocess.run(
        [RESPONDER, *args], env=env, capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Drill:
    case = tmp_path_factory.mktemp("drill") / "case"
    done = run(
        "drill", "--auto", "--scenario", "pump-and-dump", "--incident-dir", str(case), home=case.parent
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    return Drill(case, done.stdout)


@pytest.fixture
def case(drill: Drill, tmp_path: Path) -> Path:
    return Path(shutil.copytree(drill.dir, tmp_path / "case"))


def lines(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (folder / "journal.jsonl").read_text(encoding="utf-8").splitlines()]


def verify(folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run("verify", str(folder), *extra, home=folder.parent)


def sha256sum_manifest(folder: Path) -> None:
    """What a careful forger does: recompute MANIFEST.sha256 with sha256sum over the files it lists."""
    if shutil.which("sha256sum") is None:
        pytest.skip("sha256sum is not installed")
    listed = [ln.split("  ", 1)[1] for ln in (folder / "MANIFEST.sha256").read_text().splitlines()]
    listed = [rel for rel in listed if (folder / rel).is_file()]
    done = subprocess.run(["sha256sum", *listed], cwd=folder, capture_output=True, text=True, check=True)
    (folder / "MANIFEST.sha256").write_text(done.stdout)


def broken(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [ln.removeprefix("BROKEN  ") for ln in done.stdout.splitlines() if ln.startswith("BROKEN  ")]


def test_the_untouched_drill_verifies_closed_and_the_closing_screen_gave_its_head(drill: Drill) -> None:
    done = verify(drill.dir)
    assert done.returncode == 0, done.stdout
    assert re.search(
        r"^intact  .*: closed \(done\) · journal chain of \d+ entries · \d+ files", done.stdout, re.M
    )
    head = lines(drill.dir)[-1]["hash"]
    assert f"Journal head hash: {head}" in drill.stdout  # the closing screen, to keep elsewhere
    assert verify(drill.dir, "--expect", head).returncode == 0
    assert verify(drill.dir, "--expect", head[:16]).returncode == 0  # a prefix, as people copy them


def test_edited_account_evidence_with_a_recomputed_manifest_is_caught(case: Path) -> None:
    path = case / "evidence" / "account.json"
    data = json.loads(path.read_text())
    for b in data["balances"]:
        b["free"] = b["locked"] = "0"
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    sha256sum_manifest(case)
    done = verify(case)
    assert done.returncode == 1
    problems = broken(done)
    assert any(p.startswith("evidence/account.json: changed since it was journaled at #") for p in problems)
    assert any(p.startswith("MANIFEST.sha256: changed since it was journaled") for p in problems)


def test_a_deleted_evidence_file_with_a_fixed_manifest_is_caught(case: Path) -> None:
    (case / "evidence" / "open-orders.json").unlink()
    sha256sum_manifest(case)
    done = verify(case)
    assert done.returncode == 1
    assert any(p.startswith("evidence/open-orders.json: missing (journaled at #") for p in broken(done))


def test_flipped_verdicts_without_a_manifest_cannot_hide_the_attackers_orders(case: Path) -> None:
    (case / "MANIFEST.sha256").unlink()
    findings = json.loads((case / "findings.json").read_text())
    attacker = [o["orderId"] for o in findings["orders"] if o["verdict"] == "attacker"]
    assert attacker
    for o in findings["orders"]:
        o["verdict"] = "normal"
    (case / "findings.json").write_text(json.dumps(findings, indent=2) + "\n")
    assert run("report", str(case), home=case.parent).returncode == 0
    html = (case / "report.html").read_text()
    assert all(str(order_id) in html for order_id in attacker)  # shown from the journaled copy
    assert "findings.json was changed after it was journaled" in html
    done = verify(case)
    assert done.returncode == 1
    assert any(p.startswith("findings.json: changed since it was journaled") for p in broken(done))


def test_the_journals_last_20_lines_and_the_manifest_removed_is_a_lost_end(case: Path) -> None:
    journal = case / "journal.jsonl"
    journal.write_bytes(b"".join(journal.read_bytes().splitlines(keepends=True)[:-20]))
    (case / "MANIFEST.sha256").unlink()
    done = verify(case)
    assert done.returncode == 1
    assert "manifest verified" not in done.stdout and "intact" not in done.stdout
    problems = broken(done)
    assert any(p.startswith("report.html: not accounted for") and "lost its end" in p for p in problems)
    assert "open: the case was not closed" in done.stdout


@pytest.mark.parametrize("how", ["flip", "delete", "reorder"])
def test_a_flipped_deleted_or_reordered_journal_line_breaks_the_chain(case: Path, how: str) -> None:
    journal = case / "journal.jsonl"
    raw = journal.read_bytes().splitlines(keepends=True)
    middle = len(raw) // 2
    if how == "flip":
        line = bytearray(raw[middle])
        at = line.index(b'"step"')
        line[at + 1] ^= 0x20  # "step" -> "Step": the same length, a different line
        raw[middle] = bytes(line)
    elif how == "delete":
        del raw[middle]
    else:
        raw[middle], raw[middle + 1] = raw[middle + 1], raw[middle]
    journal.write_bytes(b"".join(raw))
    done = verify(case)
    assert done.returncode == 1
    assert any(p.startswith(f"journal.jsonl:{middle + 1}:") for p in broken(done)), done.stdout


def rechain(folder: Path, entries: list[dict[str, Any]]) -> None:
    prev = "0" * 64
    out = []
    for seq, entry in enumerate(entries, start=1):
        forged = {**entry, "seq": seq, "prev": prev}
        forged["hash"] = line_hash(forged)
        prev = forged["hash"]
        out.append(json.dumps(forged, separators=(",", ":"), ensure_ascii=False) + "\n")
    (folder / "journal.jsonl").write_text("".join(out), encoding="utf-8")


def test_a_journal_re_chained_with_a_recomputed_manifest_is_caught_only_by_the_kept_head(
    case: Path,
) -> None:
    kept = lines(case)[-1]["hash"]  # what the closing screen showed and the person wrote down
    path = case / "evidence" / "account.json"
    path.write_text(path.read_text().replace('"free": "', '"free": "0'))

    entries = lines(case)
    for e in entries:
        if e["kind"] == "evidence" and e["payload"]["path"] == "evidence/account.json":
            e["payload"]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    records: dict[str, str] = {}
    for e in entries:
        if e["kind"] in ("evidence", "file"):
            records[e["payload"]["path"]] = e["payload"]["sha256"]
    text = "".join(f"{sha}  {rel}\n" for rel, sha in sorted(records.items()))
    (case / "MANIFEST.sha256").write_text(text)
    entries[-1]["payload"]["manifest"]["sha256"] = hashlib.sha256(text.encode()).hexdigest()
    assert canonical(entries[-1]["payload"])  # still plain JSON
    rechain(case, entries)
    alone = verify(case)
    assert alone.returncode == 0  # a whole forged record is self-consistent: nothing inside can tell
    assert kept not in alone.stdout  # but its head is not the one kept
    done = verify(case, "--expect", kept)
    assert done.returncode == 1
    assert "does not contain the kept head hash" in done.stdout


def test_a_torn_last_line_is_recovered_by_resume_and_reported_by_verify(case: Path) -> None:
    entries = lines(case)
    cut = next(e["seq"] for e in entries if e["kind"] == "step-completed" and e["step"] == "snapshot")
    recorded = {e["payload"]["path"] for e in entries[:cut] if e["kind"] in ("evidence", "file")}
    for p in sorted(case.rglob("*"), reverse=True):  # as if the power went out right there
        rel = p.relative_to(case).as_posix()
        if p.is_file() and rel != "journal.jsonl" and rel not in recorded:
            p.unlink()
    raw = (case / "journal.jsonl").read_bytes().splitlines(keepends=True)
    (case / "journal.jsonl").write_bytes(b"".join(raw[:cut]) + raw[cut][:41])
    torn = verify(case)
    assert torn.returncode == 1 and f"journal.jsonl:{cut + 1}: torn last line" in torn.stdout
    resumed = run("resume", str(case), home=case.parent)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr
    assert f"bytes are kept in journal.torn-{cut + 1}" in " ".join(resumed.stdout.split())
    assert (case / f"journal.torn-{cut + 1}").read_bytes() == raw[cut][:41]
    done = verify(case)
    assert done.returncode == 0, done.stdout
    assert "closed (done)" in done.stdout
    assert f"note    a torn journal line was recovered: line {cut + 1} was cut off" in done.stdout


def test_an_interrupted_case_is_intact_so_far_and_says_its_end_is_not_anchored(case: Path) -> None:
    entries = lines(case)
    cut = next(e["seq"] for e in entries if e["kind"] == "step-completed" and e["step"] == "cancel")
    recorded = {e["payload"]["path"] for e in entries[:cut] if e["kind"] in ("evidence", "file")}
    for p in case.rglob("*"):
        rel = p.relative_to(case).as_posix()
        if p.is_file() and rel != "journal.jsonl" and rel not in recorded:
            p.unlink()
    raw = (case / "journal.jsonl").read_bytes().splitlines(keepends=True)
    (case / "journal.jsonl").write_bytes(b"".join(raw[:cut]))
    done = verify(case)
    assert done.returncode == 0, done.stdout
    assert done.stdout.startswith("intact so far, open  ")
    assert "its end is not anchored" in done.stdout
