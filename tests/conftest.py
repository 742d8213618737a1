"""Shared fixtures."""

import pytest


@pytest.fixture
def in_tmp_cwd(tmp_path, monkeypatch):
    """Run in an empty folder that has an empty outputs/, as a fresh clone has."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "outputs").mkdir()
    return tmp_path
