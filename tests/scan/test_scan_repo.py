"""`scan` over a real git repository holding every shape and trap: findings, non-findings, the
commit and time of first exposure, and the command hand-off. The core call, no subprocess."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from responder.clock import SystemClock
from responder.errors import UsageError
from responder.scan.collect import Finding
from responder.scan.render import iso, run_command
from responder.scan.service import run_scan

from .repo_builder import EXAMPLE_KEY, T1, T2, T_BRANCH, Planted, git, mask


def scan(path: Path, *, history: bool) -> list[Finding]:
    result = run_scan(path, history=history, verify_keys=False, base_url="", clock=SystemClock())
    return list(result.findings)


def by_key(findings: list[Finding]) -> dict[str | None, Finding]:
    return {f.api_key or f.masked: f for f in findings}


def test_the_work_tree_alone(planted: Planted) -> None:
    found = by_key(scan(planted.repo, history=False))
    k = planted.keys
    expected = {k["worktree"]: ("hmac", ".env"), k["freqtrade"]: ("hmac", "user_data/config.json"),
                k["keyonly"]: ("key-only", "ops/deploy.sh"), k["rsa"]: ("rsa", "ops/rsa.env"),
                EXAMPLE_KEY: ("hmac", "docs/signing.md")}  # fmt: skip
    pem = [f for f in found.values() if f.kind == "ed25519"]
    assert len(pem) == 1 and pem[0].path == "keys/trading.pem" and pem[0].api_key is None
    assert {key: (f.kind, f.path) for key, f in found.items() if f.kind != "ed25519"} == expected
    assert all(f.commit is None and f.first_exposed is None for f in found.values())
    assert k["history"] not in found and k["deleted"] not in found and k["branch"] not in found


def test_history_finds_every_shape_with_its_introducing_commit(planted: Planted) -> None:
    found = by_key(scan(planted.repo, history=True))
    k, c = planted.keys, planted.commits
    expected = {
        k["history"]: ("hmac", "bot/trade.py", 3, c["c1"], T1, False),
        k["deleted"]: ("hmac", "deploy/secrets.yaml", 2, c["c1"], T1, False),
        k["freqtrade"]: ("hmac", "user_data/config.json", 5, c["c1"], T1, True),
        k["rsa"]: ("rsa", "ops/rsa.env", 2, c["c2"], T2, True),
        k["keyonly"]: ("key-only", "ops/deploy.sh", 3, c["c2"], T2, True),
        k["branch"]: ("hmac", ".cursor/mcp.json", 7, c["branch"], T_BRANCH, False),
        k["worktree"]: ("hmac", ".env", 2, None, None, True),
        EXAMPLE_KEY: ("hmac", "docs/signing.md", 5, c["c1"], T1, True),
    }
    actual = {
        key: (f.kind, f.path, f.line, f.commit, iso(f.first_exposed), f.in_work_tree)
        for key, f in found.items()
        if f.kind != "ed25519"
    }
    assert actual == expected
    (pem,) = [f for f in found.values() if f.kind == "ed25519"]
    assert (pem.path, pem.commit, iso(pem.first_exposed)) == ("keys/trading.pem", c["c2"], T2)
    assert found[EXAMPLE_KEY].example and not any(f.example for key, f in found.items() if key != EXAMPLE_KEY)


def test_the_traps_are_not_findings(planted: Planted) -> None:
    findings = scan(planted.repo, history=True)
    paths = {f.path for f in findings}
    assert paths.isdisjoint({"downloads/binance-cli.sha256", "package-lock.json", "weather/settings.ini",
                             "misc/notes.txt", "tls/server.key"})  # fmt: skip
    assert len(findings) == 9  # 7 leaks + the PEM + the documentation example, nothing else


def test_first_exposed_is_the_earliest_commit_even_when_later_commits_keep_it(tmp_path: Path) -> None:
    import random

    from .repo_builder import commit, token

    rng = random.Random(3)
    key, secret = token(rng), token(rng)
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "config.yaml").write_text(f"binance:\n  key: {key}\n  secret: {secret}\n")
    first = commit(repo, "one", "2026-01-02T03:04:05Z")
    for n in range(3):
        (repo / "config.yaml").write_text(f"# v{n}\nbinance:\n  key: {key}\n  secret: {secret}\n")
        commit(repo, f"edit {n}", f"2026-02-0{n + 1}T00:00:00Z")
    (f,) = scan(repo, history=True)
    assert f.commit == first and iso(f.first_exposed) == "2026-01-02T03:04:05Z"
    assert f.line == 3  # where it is in the work tree now


def test_a_merge_resolution_that_adds_a_key_is_found(tmp_path: Path) -> None:
    import random

    from .repo_builder import commit, token

    rng = random.Random(5)
    key, secret = token(rng), token(rng)
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "binance.env").write_text("A=1\n")
    commit(repo, "base", "2026-01-01T00:00:00Z")
    git(repo, "checkout", "-q", "-b", "side")
    (repo / "binance.env").write_text("A=2\n")
    commit(repo, "side", "2026-01-02T00:00:00Z")
    git(repo, "checkout", "-q", "main")
    (repo / "binance.env").write_text("A=3\n")
    commit(repo, "main", "2026-01-03T00:00:00Z")
    git(repo, "merge", "-q", "side", "-s", "ours", "--no-commit")
    (repo / "binance.env").write_text(f"BINANCE_API_KEY={key}\nBINANCE_API_SECRET={secret}\n")
    merge = commit(repo, "merge", "2026-01-04T00:00:00Z")
    (repo / "binance.env").write_text("A=4\n")
    commit(repo, "clean", "2026-01-05T00:00:00Z")
    (f,) = scan(repo, history=True)
    assert f.commit == merge and f.api_key == key


def test_an_empty_repository_and_a_plain_directory(tmp_path: Path) -> None:
    repo = tmp_path / "empty"
    repo.mkdir()
    git(repo, "init", "-q")
    assert scan(repo, history=True) == []
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(UsageError, match="not inside a git repository"):
        scan(plain, history=True)
    with pytest.raises(UsageError, match="does not exist"):
        scan(tmp_path / "missing", history=False)


def test_a_single_file_can_be_scanned(planted: Planted) -> None:
    (f,) = scan(planted.repo / "user_data" / "config.json", history=False)
    assert f.api_key == planted.keys["freqtrade"] and f.path == "config.json"


def test_the_hand_off_command_carries_leak_time_and_vector(planted: Planted) -> None:
    found = by_key(scan(planted.repo, history=True))
    assert (
        run_command(found[planted.keys["deleted"]]) == f"responder run --leaked-at {T1} --vector repository"
    )
    assert run_command(found[planted.keys["worktree"]]) == "responder run"


def test_masks_never_show_more_than_four_and_four(planted: Planted) -> None:
    for f in scan(planted.repo, history=True):
        if f.api_key:
            assert f.masked == mask(f.api_key)
        assert isinstance(f.first_exposed, (datetime, type(None)))


def test_hostile_file_names_reach_the_output_without_control_characters(tmp_path: Path) -> None:
    import random

    from responder.scan.render import render_table, to_json

    from .repo_builder import commit, token

    rng = random.Random(9)
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    name = "binance\x1b[31mred\nline.env"
    (repo / name).write_text(f"BINANCE_API_KEY={token(rng)}\n")
    commit(repo, "hostile", "2026-03-01T00:00:00Z")
    result = run_scan(repo, history=True, verify_keys=False, base_url="", clock=SystemClock())
    (f,) = result.findings
    assert f.path == name and f.commit is not None  # the work tree and git agree on the raw name
    shown = render_table(result) + str(to_json(result))
    import json

    assert "\x1b" not in shown and "\\n" not in json.dumps(to_json(result))  # no escaped newline either
    assert "binance\\x1b[31mred line.env:1" in render_table(
        result
    )  # the escape shown, not acted on (issue 12)


def test_what_git_cannot_give_is_counted_or_refused_never_silently_skipped(tmp_path: Path) -> None:
    from .repo_builder import commit

    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "a.txt").write_text("one\n")
    first = commit(repo, "one", "2026-01-01T00:00:00Z")
    (repo / "a.txt").write_text("two\n")
    commit(repo, "two", "2026-01-02T00:00:00Z")
    blob = git(repo, "rev-parse", f"{first}:a.txt")
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # a lost blob: counted as missing
    result = run_scan(repo, history=True, verify_keys=False, base_url="", clock=SystemClock())
    assert result.stats["blobs-missing"] == 1 and result.stats["commits"] == 2
    tree = git(repo, "rev-parse", f"{first}^{{tree}}")
    (repo / ".git" / "objects" / tree[:2] / tree[2:]).unlink()  # a lost tree: git log fails, so do we
    with pytest.raises(UsageError, match="reading the git history"):
        run_scan(repo, history=True, verify_keys=False, base_url="", clock=SystemClock())
