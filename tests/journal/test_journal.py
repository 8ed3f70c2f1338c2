"""The journal: hash chain format, fsync'd appends, secret refusal, and tamper detection."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from responder.clock import ManualClock
from responder.errors import JournalError
from responder.incident.journal import ZERO_HASH, Journal, canonical, read_entries, verify_chain
from responder.incident.store import IncidentWriteError
from responder.secrets import Secret, SecretRegistry

T0 = datetime(2026, 11, 23, 14, 2, 3, 123456, tzinfo=UTC)


def make_journal(tmp_path: Path, lines: int = 5, secrets: SecretRegistry | None = None) -> Journal:
    clock = ManualClock(T0)
    journal = Journal.create(tmp_path, clock, secrets or SecretRegistry())
    journal.append("case-opened", None, {"case_id": "2026-11-23-7f3a", "mode": "drill"})
    for i in range(1, lines):
        clock.advance(1.5)
        journal.append("step-started", f"s{i}", {"index": i, "total": lines - 1, "title": f"Step {i} ✓ é"})
    return journal


def raw_lines(tmp_path: Path) -> list[bytes]:
    return (tmp_path / "journal.jsonl").read_bytes().splitlines(keepends=True)


def test_each_line_has_the_pinned_fields_and_a_verifiable_hash(tmp_path: Path) -> None:
    make_journal(tmp_path)
    objs = [json.loads(line) for line in raw_lines(tmp_path)]
    assert list(objs[0]) == ["seq", "time", "kind", "step", "payload", "prev", "hash"]
    assert objs[0]["prev"] == ZERO_HASH
    assert objs[0]["time"] == "2026-11-23T14:02:03.123Z"
    assert objs[1]["time"] == "2026-11-23T14:02:04.623Z"
    for n, obj in enumerate(objs, start=1):
        body = {k: v for k, v in obj.items() if k != "hash"}
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert obj["hash"] == hashlib.sha256(text.encode()).hexdigest()
        assert obj["seq"] == n
        if n > 1:
            assert obj["prev"] == objs[n - 2]["hash"]
    assert "Step 1 ✓ é" in raw_lines(tmp_path)[1].decode()  # ensure_ascii=False


def test_an_intact_journal_verifies_clean(tmp_path: Path) -> None:
    make_journal(tmp_path)
    assert verify_chain(tmp_path / "journal.jsonl") == []


def test_a_flipped_byte_is_found_on_its_line(tmp_path: Path) -> None:
    make_journal(tmp_path)
    path = tmp_path / "journal.jsonl"
    data = bytearray(path.read_bytes())
    lines = raw_lines(tmp_path)
    offset = sum(len(x) for x in lines[:2]) + lines[2].index(b"Step 2") + 5
    data[offset] ^= 0x01  # "Step 2" -> "Step 3"
    path.write_bytes(bytes(data))
    problems = verify_chain(path)
    assert problems == ["journal.jsonl:3: bad hash (the line was changed after it was written)"]


def test_a_flipped_byte_that_breaks_json_is_reported_as_garbled(tmp_path: Path) -> None:
    make_journal(tmp_path)
    path = tmp_path / "journal.jsonl"
    lines = raw_lines(tmp_path)
    lines[1] = lines[1].replace(b"{", b"[", 1)
    path.write_bytes(b"".join(lines))
    problems = verify_chain(path)
    assert problems[0].startswith("journal.jsonl:2: truncated or garbled")


def test_a_deleted_line_breaks_the_link_and_the_sequence(tmp_path: Path) -> None:
    make_journal(tmp_path)
    path = tmp_path / "journal.jsonl"
    lines = raw_lines(tmp_path)
    del lines[2]
    path.write_bytes(b"".join(lines))
    problems = verify_chain(path)
    assert problems == [
        "journal.jsonl:3: broken link (prev does not match the hash of line 2)",
        "journal.jsonl:3: seq 4 where 3 was expected (line missing or moved)",
    ]


def test_a_deleted_last_line_is_not_detectable_by_the_chain_alone_but_by_the_manifest(tmp_path: Path) -> None:
    """Truncation at the end keeps a valid prefix; that is why the manifest covers the journal."""
    make_journal(tmp_path)
    path = tmp_path / "journal.jsonl"
    path.write_bytes(b"".join(raw_lines(tmp_path)[:-1]))
    assert verify_chain(path) == []


def test_reordered_lines_are_found(tmp_path: Path) -> None:
    make_journal(tmp_path)
    path = tmp_path / "journal.jsonl"
    lines = raw_lines(tmp_path)
    lines[2], lines[3] = lines[3], lines[2]
    path.write_bytes(b"".join(lines))
    problems = verify_chain(path)
    assert "journal.jsonl:3: seq 4 where 3 was expected (line missing or moved)" in problems
    assert "journal.jsonl:3: broken link (prev does not match the hash of line 2)" in problems
    assert any(p.startswith("journal.jsonl:4: broken link") for p in problems)


def test_a_truncated_last_line_is_reported(tmp_path: Path) -> None:
    make_journal(tmp_path)
    path = tmp_path / "journal.jsonl"
    path.write_bytes(path.read_bytes()[:-20])
    problems = verify_chain(path)
    assert any(p.startswith("journal.jsonl:5: torn last line (a write was cut off") for p in problems)
    assert any(p.startswith("journal.jsonl:5: truncated or garbled") for p in problems)


def test_reopening_sets_a_torn_last_line_aside_and_journals_the_recovery(tmp_path: Path) -> None:
    from responder.incident.verify import verify_case

    make_journal(tmp_path)
    path = tmp_path / "journal.jsonl"
    whole = path.read_bytes()
    torn = whole[: whole.rstrip(b"\n").rfind(b"\n") + 1] + whole.splitlines(keepends=True)[-1][:37]
    path.write_bytes(torn)  # the power went out while line 5 was being written
    assert not verify_case(tmp_path).intact
    with pytest.raises(IncidentWriteError, match="Read-only file system"):
        Journal.open(tmp_path, ManualClock(T0), SecretRegistry(), writer=_ReadOnly())
    assert path.read_bytes() == torn and not list(tmp_path.glob("journal.torn-*"))  # nothing touched
    journal = Journal.open(tmp_path, ManualClock(T0), SecretRegistry())
    kept = tmp_path / "journal.torn-5"
    assert kept.read_bytes() == whole.splitlines(keepends=True)[-1][:37]
    assert oct(kept.stat().st_mode & 0o777) == "0o600"
    last = journal.entries[-1]
    assert (last.seq, last.kind, last.payload["what"], last.payload["line"]) == (5, "file", "torn-line", 5)
    assert last.payload["sha256"] == hashlib.sha256(kept.read_bytes()).hexdigest()
    assert verify_chain(path) == []
    v = verify_case(tmp_path)
    assert v.intact and v.closed is None
    assert any(n.startswith("a torn journal line was recovered: line 5") for n in v.notes)
    kept.write_bytes(b"x")  # the bytes set aside are evidence too
    assert any(p.startswith("journal.torn-5: changed") for p in verify_case(tmp_path).problems)


def test_a_whole_last_line_missing_only_its_newline_gets_it_back(tmp_path: Path) -> None:
    make_journal(tmp_path)
    path = tmp_path / "journal.jsonl"
    path.write_bytes(path.read_bytes()[:-1])
    journal = Journal.open(tmp_path, ManualClock(T0), SecretRegistry())
    assert len(journal.entries) == 5 and not list(tmp_path.glob("journal.torn-*"))
    assert verify_chain(path) == []


class _ReadOnly:
    """A folder that refuses every write (a read-only mount)."""

    def make_dir(self, path: Path) -> None:
        raise OSError(30, "Read-only file system")

    write_new = replace = append = lambda self, path, data: self.make_dir(path)


def test_a_rehashed_forgery_still_breaks_the_next_link(tmp_path: Path) -> None:
    from responder.incident.journal import line_hash

    make_journal(tmp_path)
    path = tmp_path / "journal.jsonl"
    lines = raw_lines(tmp_path)
    obj = json.loads(lines[1])
    obj["payload"]["title"] = "forged"
    obj["hash"] = line_hash(obj)
    lines[1] = (json.dumps(obj, ensure_ascii=False) + "\n").encode()
    path.write_bytes(b"".join(lines))
    assert verify_chain(path) == ["journal.jsonl:3: broken link (prev does not match the hash of line 2)"]


def test_the_writer_refuses_a_payload_containing_a_loaded_secret(tmp_path: Path) -> None:
    secrets = SecretRegistry()
    secrets.add(Secret("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"))
    journal = make_journal(tmp_path, lines=2, secrets=secrets)
    before = (tmp_path / "journal.jsonl").read_bytes()
    with pytest.raises(JournalError, match="contains a loaded secret"):
        journal.append(
            "answer",
            "s1",
            {"question": "q", "value": "x NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"},
        )
    with pytest.raises(JournalError, match="contains a loaded secret"):
        journal.append(
            "answer",
            "s1",
            {"nested": [{"deep": "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"}]},
        )
    with pytest.raises(JournalError, match="Secret object"):
        journal.append("answer", "s1", {"value": Secret("whatever-else-123")})
    assert (tmp_path / "journal.jsonl").read_bytes() == before
    assert len(journal.entries) == 2


def test_the_writer_refuses_a_private_key_line_by_line(tmp_path: Path) -> None:
    body = "MC4CAQAwBQYDK2VwBCIEIGl0Zm9yZ2VkYnV0cmVhbGlzdGljMTIz"
    pem = f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n"
    secrets = SecretRegistry()
    secrets.add(Secret(pem))
    journal = make_journal(tmp_path, lines=1, secrets=secrets)
    with pytest.raises(JournalError):
        journal.append("check", None, {"reason": "MC4CAQAwBQYDK2VwBCIEIGl0Zm9yZ2VkYnV0cmVhbGlzdGljMTIz"})


def test_unknown_kinds_are_refused_and_decimals_are_written_as_strings(tmp_path: Path) -> None:
    journal = make_journal(tmp_path, lines=1)
    with pytest.raises(JournalError, match="unknown journal entry kind"):
        journal.append("made-up", None, {})
    entry = journal.append("action-result", "s", {"action": "a", "summary": {"usdt": Decimal("1.10")}})
    assert entry.payload["summary"] == {"usdt": "1.10"}
    assert read_entries(tmp_path / "journal.jsonl")[-1] == entry


def test_open_continues_the_chain_and_refuses_a_broken_one(tmp_path: Path) -> None:
    make_journal(tmp_path)
    journal = Journal.open(tmp_path, ManualClock(T0), SecretRegistry())
    journal.append("resumed", None, {"from_seq": 5})
    assert verify_chain(tmp_path / "journal.jsonl") == []
    assert journal.entries[-1].seq == 6
    lines = raw_lines(tmp_path)
    del lines[1]
    (tmp_path / "journal.jsonl").write_bytes(b"".join(lines))
    with pytest.raises(JournalError, match="damaged"):
        Journal.open(tmp_path, ManualClock(T0), SecretRegistry())


def test_create_never_overwrites(tmp_path: Path) -> None:
    make_journal(tmp_path)
    with pytest.raises(JournalError, match="never overwritten"):
        Journal.create(tmp_path, ManualClock(T0), SecretRegistry())


def test_canonical_json_is_sorted_compact_and_utf8() -> None:
    assert canonical({"b": 1, "a": "é"}) == '{"a":"é","b":1}'
