"""The worked example's drawing: every partial the post publishes can be read off it.

Runs examples/draw_worked_example.py (into a temporary file) with the embedded
Graphviz, then reads the numbers back out of the SVG and compares them with the
post's figures to the digits it prints.
"""

import importlib.util
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from nn.worked_example import PUBLISHED, agrees_with_published

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "draw_worked_example.py"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def drawn_file(tmp_path_factory):
    """The example script's SVG, drawn now by the embedded Graphviz."""
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("TRACEGRAD_GRAPHVIZ", "embedded")
    spec = importlib.util.spec_from_file_location("draw_worked_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("drawing") / "worked_example.svg"
    try:
        module.main(["draw_worked_example.py", str(out)])
    finally:
        monkeypatch.undo()
    return out


@pytest.fixture(scope="module")
def drawing(drawn_file):
    """The example script's SVG, parsed."""
    return ET.parse(drawn_file).getroot()


def boxes(root):
    """node title -> the texts of its box (label, op, data, grad)."""
    found = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "node":
            lines = [text.text for text in group.iter(f"{SVG}text")]
            found[lines[0]] = lines
    return found


def arrows(root):
    """(tail title, head title) -> (local derivative, gradient carried back), read from the SVG."""
    titles = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "node":
            titles[group.find(f"{SVG}title").text] = next(group.iter(f"{SVG}text")).text
    found = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "edge":
            tail, head = group.find(f"{SVG}title").text.split("->")
            local, carried = (text.text for text in group.iter(f"{SVG}text"))
            found[(titles[tail], titles[head])] = (float(local), float(carried.strip("[]")))
    return found


def number(line, word):
    return float(re.fullmatch(rf"{word} (\S+)", line)[1])


def test_every_partial_of_the_post_is_on_the_drawing(drawing):
    box = boxes(drawing)
    arrow = arrows(drawing)
    assert {"i1", "i2", "w1", "w8", "b1", "b2", "net_h1", "out_o2", "E_o1", "E_o2", "E_total"} <= set(box)
    read = {
        name: number(box[name][-2], "data")
        for name in ("out_h1", "out_h2", "out_o1", "out_o2", "E_o1", "E_o2", "E_total")
    }
    read["dE_total/dout_o1"] = number(box["out_o1"][-1], "grad")
    read["dout_o1/dnet_o1"] = arrow[("net_o1", "out_o1")][0]
    read["dnet_o1/dw5"] = arrow[("w5", "net_o1")][0]
    read["dE_total/dw5"] = number(box["w5"][-1], "grad")
    # What flows back from each output neuron into out_h1 is the post's dE_o/dout_h1.
    read["dE_o1/dout_h1"] = arrow[("out_h1", "net_o1")][1]
    read["dE_o2/dout_h1"] = arrow[("out_h1", "net_o2")][1]
    read["dE_total/dout_h1"] = number(box["out_h1"][-1], "grad")
    read["dout_h1/dnet_h1"] = arrow[("net_h1", "out_h1")][0]
    read["dE_total/dw1"] = number(box["w1"][-1], "grad")
    for name, value in read.items():
        assert agrees_with_published(PUBLISHED[name], value), (name, value, PUBLISHED[name])


def test_the_neurons_are_drawn_as_clusters(drawing):
    clusters = [group for group in drawing.iter(f"{SVG}g") if group.get("class") == "cluster"]
    names = sorted(next(group.iter(f"{SVG}text")).text for group in clusters)
    assert names == ["neuron h1", "neuron h2", "neuron o1", "neuron o2"]


def test_the_committed_drawing_is_up_to_date(drawn_file):
    committed = Path(__file__).resolve().parent.parent / "docs" / "worked_example.svg"
    assert drawn_file.read_bytes() == committed.read_bytes(), (
        "docs/worked_example.svg differs from what the code draws now: "
        "run TRACEGRAD_GRAPHVIZ=embedded .venv/bin/python examples/draw_worked_example.py and commit the result"
    )
