"""Fixtures for the report tests: synthetic incident directories and their contexts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from responder.incident.record import read_incident
from responder.report.context import build_context
from responder.report.model import ReportContext
from tests.report.builder import full_incident, quiet_incident

GENERATED = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def full_dir(tmp_path: Path) -> Path:
    return full_incident(tmp_path / "full")


@pytest.fixture
def quiet_dir(tmp_path: Path) -> Path:
    return quiet_incident(tmp_path / "quiet")


def context_of(directory: Path) -> ReportContext:
    return build_context(read_incident(directory), generated_at=GENERATED, zone=PARIS)


@pytest.fixture
def full_ctx(full_dir: Path) -> ReportContext:
    return context_of(full_dir)


@pytest.fixture
def quiet_ctx(quiet_dir: Path) -> ReportContext:
    return context_of(quiet_dir)
