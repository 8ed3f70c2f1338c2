"""A planted repository, built once per module (git commits take a moment)."""

from __future__ import annotations

import pytest

from .repo_builder import Planted, build


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    return build(tmp_path_factory.mktemp("scan"))
