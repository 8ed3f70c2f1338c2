"""`responder scan` as CI and people run it: a real subprocess, JSON and SARIF (validated against the
SARIF 2.1.0 schema), exit codes, the canary sweep, `--verify` over loopback, and a pseudo-terminal."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pexpect
import pytest

from responder.simulator import Simulator, load_scenario
from responder.simulator.server import serve
from tests.exchange.cli_run import Run, run

from .repo_builder import T1, Planted, mask

pytestmark = pytest.mark.slow
SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text())
ROW_KEYS = {
    "kind",
    "key",
    "path",
    "line",
    "commit",
    "first_exposed",
    "example",
    "rule",
    "in_work_tree",
    "next",
}


def scan(args: list[str], home: Path) -> Run:
    return run(["scan", *args], {}, home)


def no_secret_in(planted: Planted, *texts: str) -> None:
    for text in texts:
        for needle in planted.all_secret_needles():
            assert needle not in text
        for key in planted.keys.values():  # API keys only ever masked
            assert key not in text


def test_json_is_one_object_with_every_finding(planted: Planted, tmp_path: Path) -> None:
    result = scan(["--history", "--json", str(planted.repo)], tmp_path)
    assert result.code == 1, result.err
    (line,) = result.out.strip().splitlines()
    doc = json.loads(line)
    assert set(doc) == {"findings", "summary"}
    assert all(set(row) == ROW_KEYS for row in doc["findings"])
    rows = {row["key"]: row for row in doc["findings"]}
    deleted = rows[mask(planted.keys["deleted"])]
    assert deleted == {
        "kind": "hmac", "key": mask(planted.keys["deleted"]), "path": "deploy/secrets.yaml", "line": 2,
        "commit": planted.commits["c1"], "first_exposed": T1, "example": False, "rule": "hmac-pair",
        "in_work_tree": False,
        "next": f"Not checked (add --verify): treat it as live. If API Management lists it: responder run "
        f"--leaked-at {T1} --vector repository",
    }  # fmt: skip
    s = doc["summary"]
    assert (s["findings"], s["examples"], s["distinct_keys"]) == (8, 1, 7)
    assert s["first_exposed"] == T1 and s["history"] is True and s["verified"] is False
    assert s["scanned"]["commits"] == 4
    no_secret_in(planted, result.out, result.err)


def test_sarif_validates_against_the_schema_and_leaves_examples_out(planted: Planted, tmp_path: Path) -> None:
    out = tmp_path / "scan.sarif"
    result = scan(["--history", "--sarif", str(out), str(planted.repo)], tmp_path)
    assert result.code == 1, result.err
    text = out.read_text()
    doc = json.loads(text)
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    (run_,) = doc["runs"]
    results = run_["results"]
    assert len(results) == 8
    rule_ids = {r["id"] for r in run_["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in results} <= rule_ids
    deleted = next(r for r in results if r["properties"]["key"] == mask(planted.keys["deleted"]))
    loc = deleted["locations"][0]["physicalLocation"]
    assert loc == {"artifactLocation": {"uri": "deploy/secrets.yaml"}, "region": {"startLine": 2}}
    assert deleted["properties"]["first_exposed"] == T1 and deleted["level"] == "error"
    no_secret_in(planted, text, result.out, result.err)


def test_exit_codes(planted: Planted, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "README.md").write_text("A Binance bot. Keys come from the environment.\n")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "binance.md").write_text((planted.repo / "docs" / "signing.md").read_text())
    assert scan([str(clean)], tmp_path).code == 0
    only_examples = scan([str(docs)], tmp_path)
    assert only_examples.code == 0 and "documentation example" in only_examples.out
    assert scan([str(planted.repo)], tmp_path).code == 1
    missing = scan([str(tmp_path / "nope")], tmp_path)
    assert missing.code == 2 and missing.err.count("\n") == 1 and "Traceback" not in missing.err
    not_git = scan(["--history", str(clean)], tmp_path)
    assert not_git.code == 2 and "not inside a git repository" in not_git.err
    bad_url = scan(["--verify", "--base-url", "http://example.com", str(clean)], tmp_path)
    assert bad_url.code == 2


@pytest.fixture
def served() -> Iterator[tuple[Simulator, str]]:
    sim = Simulator(load_scenario("pump-and-dump"))
    with serve(sim) as base:
        yield sim, base
    sim.close()


@pytest.mark.loopback
def test_verify_over_loopback_says_live_and_hands_off(served: tuple[Simulator, str], tmp_path: Path) -> None:
    sim, base = served
    key = sim.keys[0]
    assert key.secret is not None
    folder = tmp_path / "bot"
    folder.mkdir()
    (folder / "config.json").write_text(
        json.dumps(
            {"exchange": {"name": "binance", "key": key.api_key, "secret": key.secret.reveal()}}, indent=1
        )
    )
    result = scan(["--verify", "--base-url", base, "--json", str(folder)], tmp_path)
    assert result.code == 1, result.err
    (row,) = json.loads(result.out)["findings"]
    assert row["status"] == "live" and row["permissions"]["enableReading"] is True
    assert row["next"] == "LIVE: start the playbook now: responder run"
    assert key.secret.reveal() not in result.out + result.err and key.api_key not in result.out
    assert [e.path for e in sim.request_log.entries() if e.path != "/api/v3/time"] == [
        "/sapi/v1/account/apiRestrictions"
    ]


@pytest.mark.loopback
def test_verify_exits_3_when_binance_cannot_be_reached(planted: Planted, tmp_path: Path) -> None:
    result = scan(["--verify", "--base-url", "http://127.0.0.1:9", "--json", str(planted.repo)], tmp_path)
    assert result.code == 3
    doc: dict[str, Any] = json.loads(result.out)
    statuses = {row["status"] for row in doc["findings"] if not row["example"]}
    assert statuses <= {"indeterminate"} and "could not reach" in result.err
    no_secret_in(planted, result.out, result.err)


def test_a_person_reads_the_table_in_a_terminal(planted: Planted, tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "responder"
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "TERM": "xterm", "LC_ALL": "C.UTF-8"}
    child = pexpect.spawn(
        str(script), ["scan", "--history", str(planted.repo)], env=env, encoding="utf-8", timeout=30,
        dimensions=(50, 200),
    )  # fmt: skip
    child.expect(r"deploy/secrets\.yaml:2")
    child.expect(f"exposed  {T1} in commit {planted.commits['c1'][:12]}")
    child.expect(f"responder run --leaked-at {T1} --vector repository")
    child.expect(r"8 finding\(s\), 7 distinct key\(s\) \(\+1 documentation examples\)")
    child.expect("Nothing was sent anywhere")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    no_secret_in(planted, child.before or "")
