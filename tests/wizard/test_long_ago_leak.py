"""A leak long ago (issue 12): windows over Binance's limits (90 days of wallet history, 24 h of orders,
30 days of converts) are split for the person, never refused mid-case."""

from __future__ import annotations

from pathlib import Path

from .conftest import run_leak


def test_a_leak_120_days_ago_runs_to_the_report_without_refusing_a_window(tmp_path: Path) -> None:
    case = run_leak(tmp_path, "pump-and-dump", change={"triage": {"leaked_at": "120 days ago"}})
    try:
        leaked = case.outputs("snapshot")["leaked_at"]
        assert leaked < "2026-08", leaked  # the answer took: about 120 days before the run
        failed = {s.id: s.outputs for s in case.result.steps if s.status == "failed"}
        assert failed == {}, failed
        assert case.status("investigate") == "done"
        windows = [
            int(e.params["endTime"]) - int(e.params["startTime"])
            for e in case.sim.request_log.entries()
            if e.path in ("/sapi/v1/capital/withdraw/history", "/sapi/v1/capital/deposit/hisrec")
            and "startTime" in e.params
        ]
        assert len(windows) >= 4 and max(windows) < 90 * 86_400_000  # 120 days: two windows each
    finally:
        case.sim.close()
