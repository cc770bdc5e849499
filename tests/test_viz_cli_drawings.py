"""The drawing options of the command line (--highlight, --digits) read back from the SVG it writes,
and the worked example's text fitting the terminal.

`--highlight w5` must colour exactly the arrows on w5's paths to E_total, the
ones `explain` walks; the expected arrows are written out from the network's
structure (w5 feeds net_o1 only), not computed by the code under test.
"""

import re
import xml.etree.ElementTree as ET

import pytest
from cli_support import run

from viz.dot import _HIGHLIGHT, DRAWING_DIGITS

SVG = "{http://www.w3.org/2000/svg}"

# w5 -> net_o1 -> out_o1 -> target_o1 − out_o1 -> its square -> E_o1 -> E_total: the one path of dE_total/dw5.
W5_PATH = {
    ("w5", "net_o1"),
    ("net_o1", "out_o1"),
    ("out_o1", "target_o1 − out_o1"),
    ("target_o1 − out_o1", "(target_o1 − out_o1)²"),
    ("(target_o1 − out_o1)²", "E_o1"),
    ("E_o1", "E_total"),
}


@pytest.fixture(autouse=True)
def embedded(monkeypatch):
    monkeypatch.setenv("TRACEGRAD_GRAPHVIZ", "embedded")


def coloured_edges(path):
    """(tail title, head title) of every arrow whose line is drawn in the highlight colour."""
    root = ET.parse(path).getroot()
    titles = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "node":
            titles[group.find(f"{SVG}title").text] = next(group.iter(f"{SVG}text")).text
    coloured, plain = set(), set()
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "edge":
            tail, head = group.find(f"{SVG}title").text.split("->")
            strokes = {element.get("stroke") for element in group.iter(f"{SVG}path")}
            (coloured if strokes == {_HIGHLIGHT} else plain).add((titles[tail], titles[head]))
    assert coloured.isdisjoint(plain)
    return coloured, plain


def test_highlight_w5_colours_exactly_the_edges_on_its_paths(capsys, tmp_path):
    code, _, _ = run(capsys, "example", "--steps", "1", "--highlight", "w5", "--out", str(tmp_path / "w5.svg"))
    assert code == 0
    coloured, plain = coloured_edges(tmp_path / "w5.svg")
    assert coloured == W5_PATH
    assert len(plain) > 20  # every other arrow is drawn, in grey


def test_explain_highlights_its_node_in_the_drawing(capsys, tmp_path):
    code, _, _ = run(capsys, "example", "--steps", "1", "--explain", "w5", "--out", str(tmp_path / "e.svg"))
    assert code == 0
    assert coloured_edges(tmp_path / "e.svg")[0] == W5_PATH
    # Without --explain or --highlight nothing is coloured.
    code, _, _ = run(capsys, "example", "--steps", "1", "--out", str(tmp_path / "plain.svg"))
    assert coloured_edges(tmp_path / "plain.svg")[0] == set()


def test_highlight_names_a_node_that_exists(capsys, tmp_path):
    code, _, err = run(capsys, "example", "--highlight", "w9", "--out", str(tmp_path / "x.svg"))
    assert code == 2
    assert "--highlight: no node labelled 'w9'" in err
    assert not (tmp_path / "x.svg").exists()
    code, _, err = run(capsys, "draw", "x*y", "x=1", "y=2", "--highlight", "z", "-o", str(tmp_path / "d.svg"))
    assert code == 2
    assert "'z' is not a variable of 'x*y'" in err
    assert not (tmp_path / "d.svg").exists()


def test_draw_highlights_a_variable(capsys, tmp_path):
    out = tmp_path / "d.svg"
    code, _, _ = run(capsys, "draw", "x*y + x", "x=1", "y=2", "--highlight", "y", "-o", str(out))
    assert code == 0
    coloured, plain = coloured_edges(out)
    assert coloured == {("y", "x·y"), ("x·y", "x*y + x")}
    assert plain == {("x", "x·y"), ("x", "x*y + x")}


def drawn_numbers(path):
    """Every number in the drawing's boxes and on its arrows."""
    root = ET.parse(path).getroot()
    numbers = []
    for group in root.iter(f"{SVG}g"):
        if group.get("class") in ("node", "edge"):
            for text in group.iter(f"{SVG}text"):
                numbers += re.findall(r"-?\d+\.\d+(?:e-?\d+)?", text.text or "")
    return numbers


def significant(number):
    mantissa = number.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
    return len(mantissa)


def test_digits_means_significant_digits_in_the_drawing(capsys, tmp_path):
    run(capsys, "example", "--steps", "1", "--out", str(tmp_path / "default.svg"))
    run(capsys, "example", "--steps", "1", "--digits", "3", "--out", str(tmp_path / "three.svg"))
    default, three = drawn_numbers(tmp_path / "default.svg"), drawn_numbers(tmp_path / "three.svg")
    assert max(significant(number) for number in default) == DRAWING_DIGITS
    assert max(significant(number) for number in three) == 3
    assert "0.0822" in three  # dE_total/dw5 = 0.082167041 to three significant digits


@pytest.mark.parametrize("columns", [100, 80])
def test_the_example_fits_the_terminal_up_to_100_columns(capsys, tmp_path, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, _ = run(capsys, "example", "--steps", "1", "--explain", "w3", "--out", str(tmp_path / "w.svg"))
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= columns
    assert "dE_total/dw3 by the chain rule: 2 paths" in out
