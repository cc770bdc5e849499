"""The network view: `to_dot(root, view="network")`, read back by parsing the DOT it writes.

The worked example must come out as the post draws it: one node per neuron
(h1 h2 o1 o2) with net, out and delta, one arrow per weight w1..w8 from the
input it multiplies, with its value and gradient. The numbers are checked
against the post's published figures and against closed forms and central
differences, never against what the drawing code computes.
"""

import math
import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from published import agrees_with_published

from autograd import Value, weighted_sum
from nn import MLP, binary_cross_entropy
from nn.worked_example import INITIAL_WEIGHTS, INPUTS, PUBLISHED, labelled_graph
from viz import to_dot
from viz.network import find_neurons

SVG = "{http://www.w3.org/2000/svg}"

# --- a small reader of the DOT that `graphviz.Digraph` writes ---------------------------------------------

_TOKEN = re.compile(r'\s*(?:(->|--|[{}\[\]=;,])|"((?:[^"\\]|\\.)*)"|([^\s{}\[\]=;,"]+))', re.S)


def _tokens(source):
    source = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("//"))
    position = 0
    found = []
    while position < len(source):
        if source[position:].strip() == "":
            break
        match = _TOKEN.match(source, position)
        assert match, f"cannot read the DOT at {source[position : position + 40]!r}"
        punctuation, quoted, bare = match.groups()
        if punctuation is not None:
            found.append(("punct", punctuation))
        elif quoted is not None:
            found.append(("id", quoted.replace('\\"', '"')))
        else:
            found.append(("id", bare))
        position = match.end()
    return found


def parse_dot(source):
    """nodes: DOT name -> attributes; edges: list of (tail, head, attributes). Statements of any subgraph count."""
    tokens = _tokens(source)
    nodes, edges = {}, []
    i = 0

    def attributes(i):
        result = {}
        while tokens[i] == ("punct", "["):
            i += 1
            while tokens[i] != ("punct", "]"):
                key = tokens[i][1]
                assert tokens[i + 1] == ("punct", "=")
                result[key] = tokens[i + 2][1]
                i += 3
                if tokens[i] in (("punct", ","), ("punct", ";")):
                    i += 1
            i += 1
        return result, i

    while i < len(tokens):
        kind, text = tokens[i]
        if kind == "punct":  # braces and semicolons
            i += 1
        elif text in ("digraph", "subgraph"):
            i += 2 if tokens[i + 1][0] == "id" else 1
        elif text in ("graph", "node", "edge") and tokens[i + 1] == ("punct", "["):
            _, i = attributes(i + 1)
        elif tokens[i + 1] == ("punct", "="):  # a graph attribute, key=value
            i += 3
        elif tokens[i + 1] == ("punct", "->"):
            head = tokens[i + 2][1]
            found, i = attributes(i + 3)
            edges.append((text, head, found))
        else:
            found, i = attributes(i + 1)
            nodes.setdefault(text, {}).update(found)
    return nodes, edges


def record_fields(label):
    r"""The fields of a record label, unescaped: `a\ b|c` -> ["a b", "c"]."""
    fields = re.split(r"(?<!\\)\|", label.strip("{}"))
    return [re.sub(r"\\(.)", r"\1", field) for field in fields]


def text_lines(label):
    r"""The lines of a plain label: `a\nb` -> ["a", "b"]."""
    return label.replace("\\l", "\n").replace("\\n", "\n").strip("\n").split("\n")


def number_after(line, prefix):
    assert line.startswith(prefix), (line, prefix)
    return float(line[len(prefix) :].split()[0])


# --- the worked example ------------------------------------------------------------------------------------

NEURON_LAYERS = {"h1": 1, "h2": 1, "o1": 2, "o2": 2}
# Which input each weight multiplies and which neuron it feeds, as the post draws them.
WEIGHT_EDGES = {
    "w1": ("i1", "h1"),
    "w2": ("i2", "h1"),
    "w3": ("i1", "h2"),
    "w4": ("i2", "h2"),
    "w5": ("h1", "o1"),
    "w6": ("h2", "o1"),
    "w7": ("h1", "o2"),
    "w8": ("h2", "o2"),
}


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def closed_form():
    """net, out and delta of every neuron, and dE/dw of every weight, by the textbook formulas."""
    w = INITIAL_WEIGHTS
    i1, i2 = INPUTS["i1"], INPUTS["i2"]
    net = {"h1": w["w1"] * i1 + w["w2"] * i2 + w["b1"], "h2": w["w3"] * i1 + w["w4"] * i2 + w["b1"]}
    out = {name: sigmoid(net[name]) for name in ("h1", "h2")}
    net["o1"] = w["w5"] * out["h1"] + w["w6"] * out["h2"] + w["b2"]
    net["o2"] = w["w7"] * out["h1"] + w["w8"] * out["h2"] + w["b2"]
    out["o1"], out["o2"] = sigmoid(net["o1"]), sigmoid(net["o2"])
    delta = {
        "o1": (out["o1"] - 0.01) * out["o1"] * (1 - out["o1"]),
        "o2": (out["o2"] - 0.99) * out["o2"] * (1 - out["o2"]),
    }
    delta["h1"] = (delta["o1"] * w["w5"] + delta["o2"] * w["w7"]) * out["h1"] * (1 - out["h1"])
    delta["h2"] = (delta["o1"] * w["w6"] + delta["o2"] * w["w8"]) * out["h2"] * (1 - out["h2"])
    value = {"i1": i1, "i2": i2, **out}
    gradient = {name: delta[head] * value[tail] for name, (tail, head) in WEIGHT_EDGES.items()}
    return net, out, delta, gradient


def central_difference(name, eps=1e-6):
    """dE_total/d(weight `name`) from two forward passes, no backprop involved."""
    high = labelled_graph({name: INITIAL_WEIGHTS[name] + eps})["E_total"].data
    low = labelled_graph({name: INITIAL_WEIGHTS[name] - eps})["E_total"].data
    return (high - low) / (2 * eps)


def backpropagated():
    """The worked example's labelled graph with its gradients filled (whether or not labelled_graph runs backward)."""
    graph = labelled_graph()
    if graph["E_total"].grad == 0.0:
        graph["E_total"].backward()
    return graph


@pytest.fixture(scope="module")
def network():
    graph = backpropagated()
    nodes, edges = parse_dot(to_dot(graph["E_total"], view="network", digits=9).source)
    fields = {name: record_fields(attributes["label"]) for name, attributes in nodes.items() if "label" in attributes}
    title = {name: rows[0] for name, rows in fields.items()}
    return nodes, edges, fields, title


def neuron_rows(network):
    _, _, fields, _ = network
    found = {}
    for rows in fields.values():
        match = re.fullmatch(r"(\S+) · (\S+)", rows[0])
        if match:
            found[match[1]] = (match[2], rows[1:])
    return found


def short_name(title):
    return title.split(" · ")[0].split(" = ")[0]


def test_one_node_per_neuron_showing_net_out_and_delta(network):
    neurons = neuron_rows(network)
    assert set(neurons) == set(NEURON_LAYERS)
    net, out, delta, _ = closed_form()
    for name, (activation, rows) in neurons.items():
        assert activation == "sigmoid"
        read = {row.split()[0]: row for row in rows}
        assert math.isclose(number_after(read["net"], "net "), net[name], rel_tol=1e-8)
        assert math.isclose(number_after(read["out"], "out "), out[name], rel_tol=1e-8)
        assert math.isclose(number_after(read["δ"], "δ = ∂E/∂net "), delta[name], rel_tol=1e-8)
        if f"out_{name}" in PUBLISHED:
            assert agrees_with_published(PUBLISHED[f"out_{name}"], number_after(read["out"], "out "))


def test_the_neurons_carry_the_posts_partials(network):
    neurons = neuron_rows(network)
    o1 = {row.split()[0]: row for row in neurons["o1"][1]}
    h1_rows = neurons["h1"][1]
    h1 = {row.split()[0]: row for row in h1_rows}
    read = {
        "dE_total/dout_o1": number_after(o1["∂E/∂out"], "∂E/∂out "),
        "dout_o1/dnet_o1": number_after(o1["∂out/∂net"], "∂out/∂net "),
        "dE_total/dout_h1": number_after(h1["∂E/∂out"], "∂E/∂out "),
        "dout_h1/dnet_h1": number_after(h1["∂out/∂net"], "∂out/∂net "),
    }
    # Under h1's gradient, what o1 and o2 send back: the post's dE_o1/dout_h1 and dE_o2/dout_h1.
    first = next(row for row in h1_rows if row.startswith("= "))
    second = next(row for row in h1_rows if row.startswith(("+ ", "− ")))
    assert first.endswith("from o1") and second.endswith("from o2")
    read["dE_o1/dout_h1"] = float(first.split()[1])
    read["dE_o2/dout_h1"] = float(second.split()[1]) * (-1 if second.startswith("−") else 1)
    for key, value in read.items():
        assert agrees_with_published(PUBLISHED[key], value), (key, value, PUBLISHED[key])


def test_one_arrow_per_weight_from_its_input_to_its_neuron(network):
    _, edges, _, title = network
    _, _, _, gradient = closed_form()
    by_weight = {}
    for tail, head, attributes in edges:
        lines = text_lines(attributes.get("label", ""))
        match = re.fullmatch(r"(w\d) = (\S+)", lines[0])
        if match:
            assert match[1] not in by_weight, f"two arrows for {match[1]}"
            by_weight[match[1]] = (short_name(title[tail]), short_name(title[head]), float(match[2]), lines[1])
    assert set(by_weight) == set(WEIGHT_EDGES)
    for name, (tail, head, value, gradient_line) in by_weight.items():
        assert (tail, head) == WEIGHT_EDGES[name]
        assert value == INITIAL_WEIGHTS[name]
        shown = number_after(gradient_line, f"∂E/∂{name} ")
        assert math.isclose(shown, gradient[name], rel_tol=1e-8)
        assert math.isclose(shown, central_difference(name), rel_tol=1e-5)
    assert agrees_with_published(PUBLISHED["dE_total/dw5"], number_after(by_weight["w5"][3], "∂E/∂w5 "))
    assert agrees_with_published(PUBLISHED["dE_total/dw1"], number_after(by_weight["w1"][3], "∂E/∂w1 "))


def test_inputs_biases_and_errors_are_nodes_and_weights_are_not(network):
    nodes, edges, _, title = network
    names = {short_name(text) for text in title.values()}
    assert {"i1", "i2", "b1", "b2", "E_o1", "E_o2", "E_total", "target_o1", "target_o2"} <= names
    assert not names & set(WEIGHT_EDGES), "a weight is drawn as a node"
    assert not any("#" in name for name in names), names
    assert len(nodes) == len(NEURON_LAYERS) + 9
    bias_edges = sorted(
        (short_name(title[tail]), short_name(title[head]))
        for tail, head, attributes in edges
        if attributes.get("style") == "dashed"
    )
    assert bias_edges == [("b1", "h1"), ("b1", "h2"), ("b2", "o1"), ("b2", "o2")]


def test_the_error_terms_are_compact_with_their_derivatives(network):
    _, edges, fields, title = network
    into = {}
    for tail, head, attributes in edges:
        if short_name(title[head]).startswith("E_"):
            into[(short_name(title[tail]), short_name(title[head]))] = float(attributes["label"])
    _, out, _, _ = closed_form()
    assert set(into) == {
        ("o1", "E_o1"),
        ("target_o1", "E_o1"),
        ("o2", "E_o2"),
        ("target_o2", "E_o2"),
        ("E_o1", "E_total"),
        ("E_o2", "E_total"),
    }
    # E_o1 = 1/2 (t - out)^2, so dE_o1/dout = out - t, the post's dE_total/dout_o1.
    assert agrees_with_published(PUBLISHED["dE_total/dout_o1"], into[("o1", "E_o1")])
    assert math.isclose(into[("o2", "E_o2")], out["o2"] - 0.99, rel_tol=1e-8)
    assert into[("E_o1", "E_total")] == into[("E_o2", "E_total")] == 1.0
    totals = {short_name(rows[0]): rows[0] for rows in fields.values()}
    for key in ("E_o1", "E_o2", "E_total"):
        assert agrees_with_published(PUBLISHED[key], float(totals[key].split(" = ")[1]))


def test_highlight_colours_the_paths_from_a_weight_to_the_root():
    graph = backpropagated()
    nodes, edges = parse_dot(to_dot(graph["E_total"], view="network", highlight=graph["w5"], digits=9).source)
    title = {name: short_name(record_fields(a["label"])[0]) for name, a in nodes.items() if "label" in a}
    red = {(title[tail], title[head]) for tail, head, a in edges if a.get("color") == "#c0392b"}
    assert red == {("h1", "o1"), ("o1", "E_o1"), ("E_o1", "E_total")}
    marked = {title[name] for name, a in nodes.items() if a.get("color") == "#c0392b"}
    assert marked == {"o1", "E_o1", "E_total"}


# --- other graphs -------------------------------------------------------------------------------------------


def mlp_loss():
    model = MLP(2, [3, 1], activation="tanh", output_activation="sigmoid", rng=random.Random(4))
    loss = binary_cross_entropy(model([0.5, -1.0]), [1.0])
    loss.backward()
    return model, loss


def test_an_unlabelled_style_mlp_gets_one_node_per_neuron_and_one_arrow_per_weight():
    model, loss = mlp_loss()
    nodes, edges = parse_dot(to_dot(loss, view="network", digits=9).source)
    titles = [record_fields(a["label"])[0] for a in nodes.values() if "label" in a]
    assert sorted(t for t in titles if " · " in t) == [
        "L0.n0 · tanh",
        "L0.n1 · tanh",
        "L0.n2 · tanh",
        "L1.n0 · sigmoid",
    ]
    weight_arrows = [a for _, _, a in edges if re.match(r"w\d+ = ", a.get("label", ""))]
    weights = [p for p in model.parameters() if not p.label.endswith(".b")]
    assert len(weight_arrows) == len(weights) == 9
    shown = sorted(float(text_lines(a["label"])[0].split(" = ")[1]) for a in weight_arrows)
    assert shown == pytest.approx(sorted(w.data for w in weights), rel=1e-8)


def test_neurons_without_labels_are_named_by_layer_and_place():
    x = [Value(0.3), Value(-0.2)]
    hidden = [weighted_sum([Value(0.1), Value(0.2)], x, Value(0.0)).tanh() for _ in range(2)]
    out = weighted_sum([Value(0.5), Value(-0.5)], hidden)
    names = [neuron.name for neuron in find_neurons(out)]
    assert names == ["L0.n0", "L0.n1", "L1.n0"]
    assert [neuron.activation for neuron in find_neurons(out)] == ["tanh", "tanh", "linear"]


def test_a_graph_without_neurons_is_drawn_as_the_graph_view():
    x, y = Value(2.0, "x"), Value(3.0, "y")
    z = x * y + x
    z.backward()
    assert to_dot(z, view="network").source == to_dot(z).source


def test_a_penalty_w_dot_w_is_no_neuron():
    w = [Value(0.5, "a"), Value(-1.0, "b")]
    assert find_neurons(weighted_sum(w, w)) == []


def test_the_network_view_escapes_labels():
    x = Value(1.0, 'x"|{<')
    w = Value(0.5, "w} [label=1]")
    net = weighted_sum([w], [x])
    net.label = 'net_n|"1'
    out = net.sigmoid()
    out.backward()
    nodes, edges = parse_dot(to_dot(out, view="network").source)
    titles = [record_fields(a["label"])[0] for a in nodes.values() if "label" in a]
    assert 'n|"1 · sigmoid' in titles
    assert 'x"|{< = 1' in titles
    assert text_lines(edges[0][2]["label"])[0] == "w} [label=1] = 0.5"


def test_an_unknown_view_is_refused():
    with pytest.raises(ValueError, match="view must be one of graph, network"):
        to_dot(Value(1.0), view="networks")


# --- the command line ---------------------------------------------------------------------------------------


def test_tracegrad_example_view_network_writes_the_network_view(tmp_path, capsys):
    from viz.cli import main

    out = tmp_path / "network.dot"
    assert main(["example", "--steps", "1", "--view", "network", "--out", str(out)]) == 0
    nodes, _ = parse_dot(out.read_text(encoding="utf-8"))
    titles = {record_fields(a["label"])[0] for a in nodes.values() if "label" in a}
    assert {"h1 · sigmoid", "h2 · sigmoid", "o1 · sigmoid", "o2 · sigmoid"} <= titles
    assert f"drawing written to {out}" in capsys.readouterr().out.replace("\n", "")


def test_tracegrad_draw_view_network_of_an_expression_falls_back_to_the_graph(tmp_path, capsys):
    from viz.cli import main

    graph, network = tmp_path / "graph.dot", tmp_path / "network.dot"
    assert main(["draw", "tanh(x*w + b)", "x=0.5", "w=-1", "b=0.2", "-o", str(graph)]) == 0
    assert main(["draw", "tanh(x*w + b)", "x=0.5", "w=-1", "b=0.2", "--view", "network", "-o", str(network)]) == 0
    assert network.read_text(encoding="utf-8") == graph.read_text(encoding="utf-8")
    assert main(["draw", "x", "x=1", "--view", "nets", "-o", str(network)]) == 2
    assert "invalid choice: 'nets'" in capsys.readouterr().err


# --- the README's picture -----------------------------------------------------------------------------------

PICTURE = Path(__file__).resolve().parent.parent / "docs" / "worked_example_network.svg"
REGENERATE = (
    "TRACEGRAD_GRAPHVIZ=embedded .venv/bin/tracegrad example --steps 1 --view network --digits 9 "
    "--out docs/worked_example_network.svg"
)


def svg_texts(group):
    return [" ".join(text.text.split()) for text in group.iter(f"{SVG}text") if text.text]


def test_the_committed_network_picture_shows_what_the_code_draws_now():
    """Same nodes, arrows and texts as today's DOT (compared by content, so any Graphviz build passes)."""
    root = ET.parse(PICTURE).getroot()
    graph = backpropagated()
    nodes, edges = parse_dot(to_dot(graph["E_total"], view="network", digits=9).source)
    drawn_nodes = {}
    drawn_edges = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "node":
            drawn_nodes[group.get("id")] = svg_texts(group)
        elif group.get("class") == "edge":
            drawn_edges[group.get("id")] = svg_texts(group)
    expected_nodes = {name: record_fields(a["label"]) for name, a in nodes.items() if "label" in a}
    expected_edges = {a["id"]: text_lines(a["label"]) if "label" in a else [] for _, _, a in edges if "id" in a}
    message = f"docs/worked_example_network.svg is out of date: run {REGENERATE}"
    assert drawn_nodes == {name: [" ".join(f.split()) for f in fields] for name, fields in expected_nodes.items()}, (
        message
    )
    assert drawn_edges == expected_edges, message
    texts = [text for texts in drawn_nodes.values() for text in texts]
    assert "o1 · sigmoid" in texts and "δ = ∂E/∂net 0.138498562" in texts
