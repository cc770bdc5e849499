"""The runnable examples keep working: each is run as a user would, in a subprocess."""

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name, *args, cwd):
    finished = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    return finished.stdout


def test_engine_tour(tmp_path):
    out = run_example("engine_tour.py", cwd=tmp_path)
    # tanh(0.5 * -1 + 0.2) and its derivative 1 - tanh^2, and the derivatives of x**3 at 2.
    assert "y = tanh(x*w + b) = -0.291312612" in out
    assert "dy/db = 0.915136962" in out
    assert "first 12.0, second 12.0, third 6.0" in out
    assert "gradcheck order 1 passed" in out


def test_draw_worked_example(tmp_path):
    out = run_example("draw_worked_example.py", str(tmp_path / "drawing.dot"), cwd=tmp_path)
    assert "0.0821670406" in out  # dE_total/dw5, summed over its one path
    assert "0.000438567734" in out  # dE_total/dw1, over two paths
    assert "E_total" in (tmp_path / "drawing.dot").read_text(encoding="utf-8")
