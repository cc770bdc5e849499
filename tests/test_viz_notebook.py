"""Drawings in Jupyter with no system Graphviz: what `to_dot`, `draw_dot` and `draw` return
shows itself as SVG, checked by calling the display hooks and by one real headless
notebook run (nbclient and ipykernel) with no `dot` on PATH.
"""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import pytest

from autograd import Value, weighted_sum
from viz import draw_dot, to_dot

SVG = "{http://www.w3.org/2000/svg}"


def neuron():
    x, w = Value(0.5, label="x"), Value(-1.0, label="w")
    y = (x * w).tanh()
    y.label = "y"
    y.backward()
    return y


def node_titles(svg):
    root = ET.fromstring(svg)
    return sorted(next(group.iter(f"{SVG}text")).text for group in root.iter(f"{SVG}g") if group.get("class") == "node")


def test_to_dot_is_a_digraph_that_displays_as_svg_without_system_graphviz(no_system_graphviz):
    graph = to_dot(neuron())
    assert isinstance(graph, graphviz.Digraph)
    bundle = graph._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml", "text/plain"}
    assert node_titles(bundle["image/svg+xml"]) == ["w", "x", "x·w", "y"]
    assert node_titles(graph._repr_svg_()) == ["w", "x", "x·w", "y"]
    assert set(graph._repr_mimebundle_(include={"image/svg+xml"})) == {"image/svg+xml"}


def test_the_network_view_displays_as_svg_without_system_graphviz(no_system_graphviz):
    x, w, b = Value(0.5, label="x"), Value(-1.0, label="w"), Value(0.2, label="b")
    y = weighted_sum([w], [x], b).tanh()
    y.backward()
    graph = to_dot(y, view="network")
    svg = graph._repr_mimebundle_()["image/svg+xml"]
    texts = [text.text for text in ET.fromstring(svg).iter(f"{SVG}text")]
    assert "L0.n0 · tanh" in texts and "w = -1" in texts
    assert graph._repr_svg_() == svg


def test_draw_dot_as_micrograd_calls_it(no_system_graphviz):
    y = neuron()
    graph = draw_dot(y, format="svg", rankdir="TB")
    assert "rankdir=TB" in graph.source
    assert node_titles(graph.pipe().decode("utf-8")) == ["w", "x", "x·w", "y"]
    out = graph.render(no_system_graphviz / "gout")
    assert out == f"{no_system_graphviz / 'gout'}.svg"
    assert node_titles(Path(out).read_text(encoding="utf-8")) == ["w", "x", "x·w", "y"]
    assert (no_system_graphviz / "gout").read_text(encoding="utf-8") == graph.source
    assert node_titles(draw_dot(y)._repr_mimebundle_()["image/svg+xml"]) == ["w", "x", "x·w", "y"]
    with pytest.raises(ValueError):
        draw_dot(y, format="no such format")


def test_a_headless_notebook_shows_the_svg_of_to_dot_draw_and_draw_dot(no_system_graphviz):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    cells = [
        "from autograd import Value\n"
        "from viz import draw, draw_dot, to_dot\n"
        "x = Value(0.5, label='x'); w = Value(-1.0, label='w')\n"
        "y = (x * w).tanh(); y.label = 'y'; y.backward()\n"
        "to_dot(y)",
        "display(draw_dot(y))\ndraw(y)",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    # The kernel is this interpreter; PATH holds no `dot`, so only the embedded Graphviz can draw.
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {}})
    client.km = client.create_kernel_manager()
    client.km.kernel_cmd = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    client.execute()
    shown = []
    for cell in notebook.cells:
        for output in cell.outputs:
            assert output.output_type != "error", output
            if "image/svg+xml" in output.get("data", {}):
                shown.append(node_titles(output["data"]["image/svg+xml"]))
    # to_dot(y), draw_dot(y) and draw(y): three pictures of the same four nodes.
    assert shown == [["w", "x", "x·w", "y"]] * 3
