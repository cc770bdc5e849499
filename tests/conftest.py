"""Shared test settings: hypothesis runs derandomized on CI, with no deadline."""

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
