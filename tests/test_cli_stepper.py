"""`tracegrad example --html` and `tracegrad draw ... --html`: the stepper page from the command line."""

import json
import re

import pytest
from cli_support import run

from nn import worked_example

pytestmark = pytest.mark.usefixtures("in_temporary_directory")


def embedded_trace(path):
    text = path.read_text(encoding="utf-8")
    return json.loads(re.search(r'<script type="application/json" id="tg-trace">(.*?)</script>', text, re.S)[1])


def test_example_writes_the_page_and_no_drawing_unless_asked(capsys, tmp_path):
    code, out, err = run(capsys, "example", "--steps", "1", "--html", "steps.html")
    assert code == 0, err
    assert "step-by-step page written to steps.html" in out
    assert sorted(path.name for path in tmp_path.iterdir()) == ["steps.html"]
    data = embedded_trace(tmp_path / "steps.html")
    assert data["title"] == "The worked example, step by step"
    (w5,) = [
        step for step in data["steps"] if step["phase"] == "backward" and step["formula"][0].startswith("dE_total/dw5")
    ]
    assert w5["formula"][1] == "= 0.74136507 × 0.186815602 × 0.593269992 = 0.0821670406"
    names = {info["name"] for info in data["nodes"].values()}
    assert set(worked_example.LABELS) <= names

    code, out, err = run(capsys, "example", "--steps", "1", "--html", "again.html", "--out", "graph.svg")
    assert code == 0, err
    assert (tmp_path / "graph.svg").exists() and (tmp_path / "again.html").exists()


def test_draw_writes_the_page(capsys, tmp_path):
    code, _, err = run(capsys, "draw", "b + b", "b=1.5", "--html", "sum.html", "--digits", "4")
    assert code == 0, err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["sum.html"]
    data = embedded_trace(tmp_path / "sum.html")
    into_b = [step for step in data["steps"] if step.get("target") and step["formula"][0].startswith("d(b + b)/db")]
    assert [list(step["grad"].values()) for step in into_b] == [["1"], ["2"]]
    assert data["digits"] == 4


def test_a_bad_html_path_is_refused_before_any_work(capsys, tmp_path):
    code, _, err = run(capsys, "draw", "x*x", "x=2", "--html", "out.svg")
    assert code == 2
    assert "--html 'out.svg'" in err and ".html" in err
    code, _, err = run(capsys, "example", "--html", "missing/steps.html")
    assert code == 2
    assert "does not exist" in err
    assert list(tmp_path.iterdir()) == []
