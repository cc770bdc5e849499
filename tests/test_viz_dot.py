"""to_dot: every node's label, data and grad and every edge's local derivative are in the DOT
source; hostile labels can neither break nor inject; highlight, groups and max_nodes work.

The DOT source is parsed statement by statement (a small parser below), and the
numbers on it are compared with closed-form derivatives, not with the engine's
own fields. SVG is made by the embedded Graphviz, so no system `dot` is needed.
"""

import math
import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import viz.dot
import viz.walk
from autograd import Value, topological_order, total
from viz import render, to_dot
from viz.dot import DRAWING_DIGITS
from viz.render import render_source

SVG = "{http://www.w3.org/2000/svg}"
NODE = re.compile(r"^\t+(n\d+) \[(.*)\]$")
EDGE = re.compile(r"^\t+(n\d+) -> (n\d+) \[(.*)\]$")
ATTRIBUTE = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s"\]]+)')


def attributes(text):
    """DOT `a=b c="d e"` as a dict, quoted values unquoted (escapes kept)."""
    found = {}
    for key, value in ATTRIBUTE.findall(text):
        found[key] = value[1:-1] if value.startswith('"') else value
    return found


def parse_dot(source):
    """Node statements (id -> attributes) and edge statements (tail, head, attributes), in order."""
    nodes, edges = {}, []
    for line in source.splitlines():
        edge = EDGE.match(line)
        if edge:
            edges.append((edge[1], edge[2], attributes(edge[3])))
            continue
        node = NODE.match(line)
        if node:
            nodes[node[1]] = attributes(node[2])
    return nodes, edges


def record_fields(label):
    """A record label's fields, unescaped: `a\\|b|data 1` -> ['a|b', 'data 1']."""
    label = label.removeprefix("{").removesuffix("}")
    fields, current, escaped = [], "", False
    for ch in label:
        if escaped:
            current += "\n" if ch == "n" else ch
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "|":
            fields.append(current)
            current = ""
        else:
            current += ch
    return [*fields, current]


def drawn_nodes(source):
    """node id -> (title, op or None, data, grad) read back from the DOT source."""
    nodes, _ = parse_dot(source)
    drawn = {}
    for node_id, attrs in nodes.items():
        fields = record_fields(attrs["label"])
        data = float(fields[-2].removeprefix("data "))
        gradient = float(fields[-1].removeprefix("grad "))
        drawn[node_id] = (fields[0], fields[1] if len(fields) == 4 else None, data, gradient)
    return drawn


def close(printed, exact, digits=DRAWING_DIGITS):
    """A number printed with `digits` significant digits agrees with the exact one."""
    return math.isclose(printed, exact, rel_tol=10.0 ** (1 - digits), abs_tol=1e-300)


def svg_groups(svg, kind):
    """The <g class=kind> elements of an SVG document (parsing it also checks it is well-formed)."""
    return [g for g in ET.fromstring(svg).iter(f"{SVG}g") if g.get("class") == kind]


def texts(group):
    return [(t.text or "").replace("\xa0", " ") for t in group.iter(f"{SVG}text")]


def small_graph():
    """e = tanh(a*b + a) at a = 2, b = -3, every node labelled; backward run."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    e = d.tanh()
    e.label = "e"
    e.backward()
    return a, b, c, d, e


def test_every_node_shows_label_op_data_grad_and_every_edge_its_local_derivative():
    *_, e = small_graph()
    source = to_dot(e).source
    drawn = {title: (op, data, gradient) for title, op, data, gradient in drawn_nodes(source).values()}

    # Closed forms: d = a*b + a = -4, e = tanh(d); de/dd = 1 - tanh(d)^2; dd/da = b + 1, dd/db = a.
    slope = 1.0 - math.tanh(-4.0) ** 2
    expected = {
        "a": (None, 2.0, slope * (-3.0 + 1.0)),
        "b": (None, -3.0, slope * 2.0),
        "c": ("*", -6.0, slope),
        "d": ("+", -4.0, slope),
        "e": ("tanh", math.tanh(-4.0), 1.0),
    }
    assert set(drawn) == set(expected)
    for title, (op, data, gradient) in expected.items():
        assert drawn[title][0] == op, title
        assert close(drawn[title][1], data), (title, drawn[title], data)
        assert close(drawn[title][2], gradient), (title, drawn[title], gradient)

    nodes, edges = parse_dot(source)
    titles = {node_id: record_fields(attrs["label"])[0] for node_id, attrs in nodes.items()}
    locals_on_edges = sorted(
        (titles[tail], titles[head], float(attrs["label"].split("\\n")[0])) for tail, head, attrs in edges
    )
    expected_edges = sorted([("a", "c", -3.0), ("b", "c", 2.0), ("c", "d", 1.0), ("a", "d", 1.0), ("d", "e", slope)])
    assert len(locals_on_edges) == len(expected_edges)
    for (tail, head, local), (want_tail, want_head, want_local) in zip(locals_on_edges, expected_edges):
        assert (tail, head) == (want_tail, want_head)
        assert close(local, want_local), (tail, head, local, want_local)


def test_edges_carry_the_gradient_they_pass_back_when_grads_are_filled():
    *_, e = small_graph()
    nodes, edges = parse_dot(to_dot(e, edges="both").source)
    titles = {node_id: record_fields(attrs["label"])[0] for node_id, attrs in nodes.items()}
    flows = Counter()
    for tail, _, attrs in edges:
        _, carried = attrs["label"].split("\\n")
        flows[titles[tail]] += float(carried.strip("[]"))
    slope = 1.0 - math.tanh(-4.0) ** 2
    # What arrives at a leaf along its edges is its gradient: a gets slope*b + slope*1.
    assert close(flows["a"], slope * -2.0, digits=DRAWING_DIGITS - 1)
    assert close(flows["b"], slope * 2.0, digits=DRAWING_DIGITS - 1)
    # edges="carried" shows that number alone; by default an edge shows only its local derivative.
    carried = parse_dot(to_dot(e, edges="carried").source)[1]
    assert sorted(float(attrs["label"]) for _, _, attrs in carried) == sorted(
        float(attrs["label"].split("\\n")[1].strip("[]")) for _, _, attrs in edges
    )
    assert all("\\n" not in attrs["label"] for _, _, attrs in parse_dot(to_dot(e).source)[1])
    with pytest.raises(ValueError, match="edges must be one of local, carried, both"):
        to_dot(e, edges="flows")


def test_a_parent_used_twice_gives_two_edges():
    a = Value(3.0, label="a")
    square = a * a
    square.label = "square"
    square.backward()
    nodes, edges = parse_dot(to_dot(square).source)
    assert len(nodes) == 2
    assert len(edges) == 2
    assert [float(attrs["label"].split("\\n")[0]) for _, _, attrs in edges] == [3.0, 3.0]

    b = a + a
    c = b + b
    assert len(parse_dot(to_dot(c).source)[1]) == 4


def test_node_ids_are_stable():
    first = to_dot(small_graph()[-1]).source
    second = to_dot(small_graph()[-1]).source
    assert first == second
    assert first == to_dot(small_graph()[-1]).source


def test_the_reading_order_is_the_engines_set_of_nodes_with_first_operands_first():
    # Why the drawing keeps its own order: the engine's post-order visits the last operand first
    # (the order its backward pass sums in), a drawing reads left to right, i1 before i2.
    from nn.worked_example import labelled_graph

    graph = labelled_graph()
    root = graph["E_total"]
    order, engines = viz.walk.reading_order(root), topological_order(root)
    assert set(order) == set(engines) and len(order) == len(engines) and order[-1] is root
    position = {node: index for index, node in enumerate(order)}
    assert all(position[parent] < position[node] for node in order for parent in node.parents)
    for first, second in [("i1", "i2"), ("w1", "w2"), ("E_o1", "E_o2"), ("b1", "b2")]:
        assert position[graph[first]] < position[graph[second]], (first, second)


def test_every_node_and_edge_has_an_svg_id_that_follows_from_the_graph():
    a, b, c, d, e = small_graph()
    svg = render_source(to_dot(e).source)
    # Graphviz writes a node's DOT name and an edge's "tail->head" as the <title> of its group.
    nodes = {g.get("id"): next(g.iter(f"{SVG}title")).text for g in svg_groups(svg, "node")}
    edges = {g.get("id"): next(g.iter(f"{SVG}title")).text for g in svg_groups(svg, "edge")}
    order = viz.walk.reading_order(e)
    assert order == [a, b, c, d, e]
    assert nodes == {f"n{index}": f"n{index}" for index in range(5)}
    # e<head>_<operand>: d = c + a is node 3, fed by c (operand 0) and a (operand 1).
    assert edges == {"e2_0": "n0->n2", "e2_1": "n1->n2", "e3_0": "n2->n3", "e3_1": "n0->n3", "e4_0": "n3->n4"}

    # The ids come from the graph's structure, not from the order the Values were created in.
    y = Value(-3.0, label="b")
    x = Value(2.0, label="a")
    same = ((x * y) + x).tanh()
    assert render_source(to_dot(same).source).count(b'id="e') == 5
    assert re.findall(rb'id="([ne]\d+(?:_\d+)?)"', render_source(to_dot(same).source)) == re.findall(
        rb'id="([ne]\d+(?:_\d+)?)"', svg
    )


def test_the_two_edges_of_a_parent_used_twice_have_two_ids():
    a = Value(3.0, label="a")
    b = a + a
    c = b + b
    c.backward()
    edges = {g.get("id"): next(g.iter(f"{SVG}title")).text for g in svg_groups(render_source(to_dot(c).source), "edge")}
    assert edges == {"e1_0": "n0->n1", "e1_1": "n0->n1", "e2_0": "n1->n2", "e2_1": "n1->n2"}


def test_digits_option_sets_the_significant_digits():
    x = Value(2.0 / 3.0, label="x")
    y = x * 3.0
    y.backward()
    assert drawn_nodes(to_dot(y, digits=4).source)["n0"][2] == 0.6667
    assert "data 0.666667|" in to_dot(y).source  # six by default: readable on a slide
    assert "data 0.666666667|" in to_dot(y, digits=9).source
    with pytest.raises(ValueError, match="digits"):
        to_dot(y, digits=0)


def test_unlabelled_nodes_are_named_by_their_expression_and_constants_by_their_value():
    x = Value(1.0, label="x")
    y = (x * Value(2.0)).exp()
    titles = sorted(title for title, *_ in drawn_nodes(to_dot(y).source).values())
    assert titles == sorted(["x", "2", "x·2", "exp(x·2)"])
    # A node named by its expression shows no op row (the name says it); a labelled one does.
    assert all(op is None for title, op, *_ in drawn_nodes(to_dot(y).source).values())
    y.label = "y"
    assert ("y", "exp") in {(title, op) for title, op, *_ in drawn_nodes(to_dot(y).source).values()}


def test_rankdir_and_its_validation():
    x = Value(1.0, label="x")
    y = x.exp()
    assert "rankdir=LR" in to_dot(y).source
    top_down = to_dot(y, rankdir="TB").source
    assert "rankdir=TB" in top_down
    # Top to bottom, a record stacks its fields only inside braces.
    assert all(attrs["label"].startswith("{") for attrs in parse_dot(top_down)[0].values())
    with pytest.raises(ValueError, match="rankdir"):
        to_dot(y, rankdir="sideways")


HOSTILE = [
    '"',
    "{}",
    "|",
    "<>",
    "\\",
    "two\nlines",
    "]; evil [shape=box]",
    '"]; n0 -> n0 [label="injected',
    "} | { <port> x",
    "<b>html?</b>",
    "ends with a backslash\\",
    "\\n is not a newline",
    "\x01 control",
    "a  b",
]


def expected_display(label):
    """What the drawing shows for a label: lines kept, control characters as escapes."""
    return label.replace("\x01", "\\x01")


@pytest.fixture(scope="module")
def hostile_graph():
    leaves = [Value(float(i), label=label) for i, label in enumerate(HOSTILE)]
    root = total(leaves)
    root.label = "root"
    root.backward()
    return leaves, root


def test_hostile_labels_keep_the_dot_source_intact(hostile_graph):
    leaves, root = hostile_graph
    nodes, edges = parse_dot(to_dot(root).source)
    assert len(nodes) == len(leaves) + 1
    assert len(edges) == len(leaves)
    assert all(set(attrs) <= {"id", "label", "fillcolor", "shape"} for attrs in nodes.values())
    shown = sorted(record_fields(attrs["label"])[0] for attrs in nodes.values())
    assert shown == sorted([*(expected_display(label) for label in HOSTILE), "root"])


def test_hostile_labels_render_to_valid_svg_with_the_label_text(hostile_graph, monkeypatch):
    monkeypatch.setenv("TRACEGRAD_GRAPHVIZ", "embedded")
    leaves, root = hostile_graph
    svg = render_source(to_dot(root).source, "svg")
    nodes = svg_groups(svg, "node")
    assert len(nodes) == len(leaves) + 1
    assert len(svg_groups(svg, "edge")) == len(leaves)
    # Each leaf box reads: the label's lines, then data, then grad.
    shown = sorted("\n".join(texts(node)[:-2]) for node in nodes)
    assert shown == sorted([*(expected_display(label) for label in HOSTILE), "root\nΣ"])


def test_hostile_group_names_are_escaped_too(monkeypatch):
    monkeypatch.setenv("TRACEGRAD_GRAPHVIZ", "embedded")
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    z = x * y
    name = 'neuron "1"}; evil [shape=box] \\'
    svg = render_source(to_dot(z, groups={name: [x, y]}).source, "svg")
    (cluster,) = svg_groups(svg, "cluster")
    assert texts(cluster) == [name]
    assert len(svg_groups(svg, "node")) == 3


def test_highlight_marks_exactly_the_chain_rule_paths_to_the_root():
    x, y = Value(0.5, label="x"), Value(-1.5, label="y")
    a = x * y
    a.label = "a"
    b = a + y
    b.label = "b"
    c = b.exp()
    c.label = "c"
    d = c * x
    d.label = "d"
    nodes, edges = parse_dot(to_dot(d, highlight=y).source)
    titles = {node_id: record_fields(attrs["label"])[0] for node_id, attrs in nodes.items()}
    colour = viz.dot._HIGHLIGHT
    marked = {(titles[tail], titles[head]) for tail, head, attrs in edges if attrs.get("color") == colour}
    # y feeds a and b; the paths are y-a-b-c-d and y-b-c-d. x's edges are on no path from y.
    assert marked == {("y", "a"), ("a", "b"), ("y", "b"), ("b", "c"), ("c", "d")}
    marked_nodes = {titles[node_id] for node_id, attrs in nodes.items() if attrs.get("color") == colour}
    assert marked_nodes == {"y", "a", "b", "c", "d"}


def clusters_of(source):
    """cluster name -> titles of the nodes declared inside it."""
    clusters, current = {}, None
    for line in source.splitlines():
        start = re.match(r"^\tsubgraph (cluster_\d+) \{$", line)
        if start:
            current = clusters.setdefault(start[1], [])
        elif line == "\t}":
            current = None
        elif current is not None and NODE.match(line):
            current.append(record_fields(attributes(NODE.match(line)[2])["label"])[0])
    return clusters


def test_groups_draw_clusters_and_a_shared_node_outside_them():
    w1, w2, bias = Value(0.1, label="w1"), Value(0.2, label="w2"), Value(0.3, label="b")
    x = Value(1.0, label="x")
    h1 = (w1 * x + bias).sigmoid()
    h1.label = "h1"
    h2 = (w2 * x + bias).sigmoid()
    h2.label = "h2"
    out = h1 + h2
    stranger = Value(9.0, label="not in the graph")
    source = to_dot(out, groups={"n1": [w1, h1, bias], "n2": [w2, h2, bias, stranger], "empty": []}).source
    assert clusters_of(source) == {"cluster_0": ["w1", "h1"], "cluster_1": ["w2", "h2"]}
    assert "label=n1" in source and "label=n2" in source
    with pytest.raises(TypeError, match="groups"):
        to_dot(out, groups={"n1": [1.0]})


def long_chain(count):
    """A graph of `count` + 1 nodes: x, then `count` negations."""
    x = Value(1.0, label="x")
    y = x
    for _ in range(count):
        y = -y
    return y


def test_max_nodes_refuses_a_huge_graph_before_building_anything(monkeypatch, tmp_path):
    huge = long_chain(100_000)

    def must_not_run(*args, **kwargs):
        raise AssertionError("the graph was walked in full or drawn before its size was checked")

    monkeypatch.setattr(viz.dot, "reading_order", must_not_run)
    monkeypatch.setattr(viz.dot, "Digraph", must_not_run)
    with pytest.raises(ValueError, match="max_nodes=5000"):
        to_dot(huge)
    with pytest.raises(ValueError, match="more than max_nodes=5000 nodes"):
        render(huge, tmp_path / "huge.svg")
    assert list(tmp_path.iterdir()) == []


def test_max_nodes_counts_nodes_exactly():
    chain = long_chain(9)  # 10 nodes
    assert len(parse_dot(to_dot(chain, max_nodes=10).source)[0]) == 10
    with pytest.raises(ValueError, match="max_nodes=9"):
        to_dot(chain, max_nodes=9)
    assert len(parse_dot(to_dot(long_chain(6000), max_nodes=None, legend=False).source)[0]) == 6001
    with pytest.raises(ValueError, match="max_nodes"):
        to_dot(chain, max_nodes=0)


def test_a_label_that_is_not_text_is_a_clear_type_error():
    x = Value(1.0)
    x.label = 5  # assignment cannot be checked by the slot
    with pytest.raises(TypeError, match="label must be a str, got int 5"):
        to_dot(x * 2)


def test_a_node_feeding_many_ranks_does_not_constrain_the_layout():
    # x feeds every node of a 30-long chain: ranked edges would make the layout quadratic.
    x = Value(1.0, "x")
    y = x
    for _ in range(30):
        y = y + x
    nodes, edges = parse_dot(to_dot(y).source)
    x_id = next(node_id for node_id, attrs in nodes.items() if record_fields(attrs["label"])[0] == "x")
    from_x = [attrs for tail, _, attrs in edges if tail == x_id]
    others = [attrs for tail, _, attrs in edges if tail != x_id]
    assert len(from_x) == 31
    assert all(attrs.get("constraint") == "false" for attrs in from_x)
    assert all("constraint" not in attrs for attrs in others)


def test_a_layer_feeding_one_rank_keeps_its_layout():
    inputs = [Value(float(i), f"x{i}") for i in range(12)]
    outputs = [total([x * (j + 1) for x in inputs]) for j in range(12)]
    _, edges = parse_dot(to_dot(total(outputs)).source)
    assert all("constraint" not in attrs for _, _, attrs in edges)


def test_layouts_that_would_take_minutes_are_refused_by_their_cost_not_only_their_size():
    # x feeding every link of a 100-link chain: 201 nodes, but Graphviz takes ~20 s on its long edges.
    x = Value(1.0, label="x")
    y = x
    for _ in range(100):
        y = y * x
    with pytest.raises(ValueError, match=r"cross \d+ ranks in all \(from x, for one"):
        to_dot(y)
    assert len(parse_dot(to_dot(y, max_nodes=None).source)[0]) == 101  # the escape hatch still draws it
    fan = total([x * float(i) for i in range(2100)])
    with pytest.raises(ValueError, match="has 2100 inputs, more than the 2000"):
        to_dot(fan)
    with pytest.raises(ValueError, match="x feeds 2100 nodes, more than the 2000"):
        to_dot(total([total([x * float(i) for i in range(100)]) for _ in range(21)]))
    # A wide layer fed by shared inputs, or a long plain chain, costs nothing extra.
    to_dot(long_chain(4000))


# Hostile labels, generated: whatever the text, the SVG parses as XML and every node and edge is drawn.
_HOSTILE_PIECE = st.one_of(
    st.sampled_from(list('&#;x{}|<>"\\\n\r\t ][')),
    st.sampled_from(["&#1;", "&#xFFFE;", "&#xD800;", "&amp;", "&lt;b&gt;", "\ud800", "\ufffe", "\x00", "\x1b[31m"]),
    st.characters(),
)
_HOSTILE_TEXT = st.lists(_HOSTILE_PIECE, max_size=8).map("".join)


@settings(max_examples=25, deadline=None)
@given(labels=st.lists(_HOSTILE_TEXT, min_size=1, max_size=4))
@example(labels=["a", "\t\nx"])  # a first line of spaces: the field opened with a line break
def test_hostile_labels_always_give_svg_that_parses_with_every_node_and_edge(labels):
    leaves = [Value(float(i), label=label) for i, label in enumerate(labels)]
    root = total(leaves) * 2.0
    root.label = labels[0]
    root.backward()
    source = to_dot(root).source
    # Graphviz drops the spaces that open a record field; a field that then starts with a line
    # break corrupts Graphviz's memory (viz/embedded.py), so none may.
    fields = [field for attrs in parse_dot(source)[0].values() for field in record_fields(attrs["label"])]
    assert not [field for field in fields if field.lstrip(" ").startswith("\n")]
    svg = render_source(source, "svg", backend="embedded")
    assert len(svg_groups(svg, "node")) == len(leaves) + 2
    assert len(svg_groups(svg, "edge")) == len(leaves) + 1
