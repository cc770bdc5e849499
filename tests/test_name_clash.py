"""The import names autograd, nn and viz are shared with other packages (HIPS
autograd above all). These tests fail loudly when another package shadows ours."""

import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", ["autograd", "nn", "viz"])
def test_imported_package_is_tracegrad(name):
    module = importlib.import_module(name)
    assert getattr(module, "__tracegrad__", None) == name, (
        f"'import {name}' found {module.__file__}, which is not tracegrad's package: another "
        f"distribution installed the same import name. Use a dedicated virtual environment."
    )
    assert Path(module.__file__).resolve().parent == ROOT / name
