"""Shared test settings (hypothesis runs derandomized on CI, with no deadline) and shared fixtures."""

import os

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def in_temporary_directory(tmp_path, monkeypatch):
    """Run the test in its own empty directory, with a terminal 200 columns wide (the CLI tests use it)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


@pytest.fixture
def no_system_graphviz(tmp_path, monkeypatch):
    """No `dot` on PATH and no backend chosen by the environment; returns an empty directory to write into.

    PATH points at an empty directory, so a test means the same on a machine
    that has system Graphviz: only the embedded one can draw.
    """
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("TRACEGRAD_GRAPHVIZ", raising=False)
    out = tmp_path / "out"
    out.mkdir()
    return out
