"""The worked example's drawing: every partial the post publishes can be read off it.

Runs examples/draw_worked_example.py (into a temporary file) with the embedded
Graphviz, then reads the numbers back out of the SVG and compares them with the
post's figures to the digits the drawing shows. The committed
docs/worked_example.svg is compared by its content (every box's text, every
arrow's number), not byte for byte, so that another Graphviz build, which
places things a little differently, does not fail the suite.
"""

import importlib.util
import math
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from nn.worked_example import PUBLISHED, labelled_graph
from viz import to_dot
from viz.dot import DRAWING_DIGITS
from viz.render import render_source

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "draw_worked_example.py"
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


def groups(root, kind):
    """The <g> elements whose class is exactly `kind` (the legend's are "node legend")."""
    return [group for group in root.iter(f"{SVG}g") if group.get("class") == kind]


def lines(group):
    return [(text.text or "").replace("\xa0", " ") for text in group.iter(f"{SVG}text")]


def boxes(root):
    """node title -> the texts of its box (name, op, data, grad)."""
    return {lines(group)[0]: lines(group) for group in groups(root, "node")}


def arrows(root):
    """(tail title, head title) -> the arrow's number, read from the SVG."""
    titles = {group.find(f"{SVG}title").text: lines(group)[0] for group in groups(root, "node")}
    found = {}
    for group in groups(root, "edge"):
        tail, head = group.find(f"{SVG}title").text.split("->")
        (number,) = lines(group)
        found[(titles[tail], titles[head])] = float(number)
    return found


def number(line, word):
    return float(re.fullmatch(rf"{word} (\S+)", line)[1])


def shown(published, value):
    """A published figure agrees with a number the drawing prints to DRAWING_DIGITS significant digits."""
    return math.isclose(float(published), value, rel_tol=10.0 ** (1 - DRAWING_DIGITS))


def test_every_partial_of_the_post_is_on_the_drawing(drawing):
    box = boxes(drawing)
    arrow = arrows(drawing)
    assert {"i1", "i2", "w1", "w8", "b1", "b2", "net_h1", "out_o2", "E_o1", "E_o2", "E_total"} <= set(box)
    read = {
        name: number(box[name][-2], "data")
        for name in ("out_h1", "out_h2", "out_o1", "out_o2", "E_o1", "E_o2", "E_total")
    }
    read["dE_total/dout_o1"] = number(box["out_o1"][-1], "grad")
    read["dout_o1/dnet_o1"] = arrow[("net_o1", "out_o1")]
    read["dnet_o1/dw5"] = arrow[("w5", "net_o1")]
    read["dE_total/dw5"] = number(box["w5"][-1], "grad")
    read["dE_total/dout_h1"] = number(box["out_h1"][-1], "grad")
    read["dout_h1/dnet_h1"] = arrow[("net_h1", "out_h1")]
    read["dE_total/dw1"] = number(box["w1"][-1], "grad")
    for name, value in read.items():
        assert shown(PUBLISHED[name], value), (name, value, PUBLISHED[name])


def test_the_carried_gradients_give_the_posts_split_of_de_dout_h1():
    # With edges="carried", what flows back from each output neuron into out_h1 is the post's dE_o/dout_h1.
    graph = labelled_graph(backward=True)
    svg = render_source(to_dot(graph["E_total"], edges="carried").source, "svg", backend="embedded")
    arrow = arrows(ET.fromstring(svg))
    assert shown(PUBLISHED["dE_o1/dout_h1"], arrow[("out_h1", "net_o1")])
    assert shown(PUBLISHED["dE_o2/dout_h1"], arrow[("out_h1", "net_o2")])


def test_no_node_of_the_worked_example_has_a_positional_name(drawing):
    titles = set(boxes(drawing))
    assert not [title for title in titles if re.search(r"#\d", title)]
    assert {"target_o1 − out_o1", "(target_o1 − out_o1)²"} <= titles


def test_the_neurons_are_drawn_as_clusters(drawing):
    names = sorted(lines(group)[0] for group in groups(drawing, "cluster"))
    assert names == ["neuron h1", "neuron h2", "neuron o1", "neuron o2"]


def test_w5s_paths_are_highlighted_and_explained_in_a_legend(drawing):
    legend = [" ".join(lines(group)) for group in drawing.iter(f"{SVG}g") if group.get("class") == "node legend"]
    assert any("the paths from w5 to E_total" in text for text in legend)
    assert any("grad > 0" in text for text in legend) and any("grad < 0" in text for text in legend)


def content(root):
    """What the drawing says, without where: every box's texts and every arrow's (tail, head, texts)."""
    titles = {group.find(f"{SVG}title").text: lines(group)[0] for group in root.iter(f"{SVG}g")}
    said = Counter(tuple(lines(group)) for group in root.iter(f"{SVG}g") if "node" in (group.get("class") or ""))
    for group in groups(root, "edge"):
        tail, head = group.find(f"{SVG}title").text.split("->")
        said[(titles.get(tail), titles.get(head), *lines(group))] += 1
    for group in groups(root, "cluster"):
        said[("cluster", *lines(group))] += 1
    return said


def test_the_committed_drawing_says_what_the_code_draws_now(drawn_file):
    committed = ROOT / "docs" / "worked_example.svg"
    assert content(ET.parse(committed).getroot()) == content(ET.parse(drawn_file).getroot()), (
        "docs/worked_example.svg says something else than the code draws now: "
        "run TRACEGRAD_GRAPHVIZ=embedded .venv/bin/python examples/draw_worked_example.py and commit the result"
    )
