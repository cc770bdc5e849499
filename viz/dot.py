"""`to_dot`: a graph of Values as Graphviz DOT, every number on it.

Owns the graph view's content: which nodes and edges there are, what each
label says, the fills by gradient, the clusters, the highlighted paths and
the legend; and `to_dot` itself, which hands `view="network"` to
`viz.network`. What both views share lives beside them: the walks, ids and
node-count guard in `viz.walk`, label escaping in `viz.dot_text`, names and
number formatting in `viz.names`, the notebook display in `viz.digraph`, the
layout-cost guard in `viz.layout_cost`. Imports `autograd`, the `graphviz`
package (which only builds DOT text here) and those modules; never the CLI.

Each Value is one record node with its label, its op, its data and its grad;
each edge runs from a parent to the Value it feeds and carries the local
derivative d(child)/d(parent) that the child recorded. A parent used twice is
two edges (`a*a`). Every node and edge carries an `id` attribute, which
Graphviz writes as the `id` of its SVG group, so a page can find them (`n7`,
`e7_1`: see `viz.walk`).
"""

import math

import graphviz

from autograd import Value
from viz.digraph import Digraph
from viz.dot_text import escape_record_field, escape_text
from viz.layout_cost import check_layout_cost, feeds_many_ranks
from viz.names import differential, format_number, node_names, op_text, printable
from viz.network import network_dot
from viz.walk import DEFAULT_MAX_NODES, check_options, edge_id, fed_by, node_id, reading_order

# Significant digits in a drawing: six keep the worked example readable on a 1280 px slide.
DRAWING_DIGITS = 6
VIEWS = ("graph", "network")

_FONT = "Helvetica"
_NODE_SIZE = "12"
_EDGE_SIZE = "11"
_LEGEND_SIZE = "11"
_ROOT_FILL = "#fde68a"
_NO_GRADIENT_FILL = "#f4f4f4"
_POSITIVE_FILLS = ("#fdebdc", "#f9c39b", "#f08f5a")  # light, medium, strong
_NEGATIVE_FILLS = ("#e2eef9", "#aacdea", "#6aa7da")
_HIGHLIGHT = "#7b2cbf"
_EDGE_COLOR = "#8a8a8a"


def _group_of(order, groups):
    """node -> cluster index for the nodes of `groups` that are in the graph.

    A node listed in two groups (a bias shared by two neurons) belongs to
    neither cluster and is drawn between them.
    """
    if groups is None:
        return [], {}
    if not hasattr(groups, "items"):
        raise TypeError(f"to_dot: groups must map a name to an iterable of Values, not {type(groups).__name__}")
    in_graph = set(order)
    names = []
    member = {}
    shared = set()
    for index, (name, values) in enumerate(groups.items()):
        names.append(str(name))
        for value in values:
            if not isinstance(value, Value):
                raise TypeError(f"to_dot: groups[{name!r}] must hold Values, found {type(value).__name__}: {value!r}")
            if value not in in_graph:
                continue
            if value in member and member[value] != index:
                shared.add(value)
            member[value] = index
    for value in shared:
        del member[value]
    return names, member


def _shade(gradient, scale):
    """The fill for a node whose grad is `gradient`: warm for > 0, cool for < 0, darker for larger |grad|.

    `scale` is the largest |grad| of the drawing (the root left out); the
    three shades are |grad| >= scale/3, >= scale/30 and below.
    """
    if not gradient or not scale or math.isnan(gradient):
        return _NO_GRADIENT_FILL
    ratio = abs(gradient) / scale
    level = 2 if ratio >= 1 / 3 else 1 if ratio >= 1 / 30 else 0
    return (_POSITIVE_FILLS if gradient > 0 else _NEGATIVE_FILLS)[level]


def _gradient_scale(order, root, gradients):
    finite = [abs(gradients[node]) for node in order if node is not root and math.isfinite(gradients[node])]
    return max(finite, default=0.0)


EDGE_NUMBERS = ("local", "carried", "both")


def _edge_label(gradient, local, edges, digits):
    if edges == "local":
        return format_number(local, digits)
    carried = format_number(gradient * local, digits)
    if edges == "carried":
        return carried
    return f"{format_number(local, digits)}\\n[{carried}]"


def _legend_nodes(graph, root_id, root_name, highlight_name, shaded, edges):
    """A small key beside the root: what the fills and the coloured arrows mean, and what a box and an arrow show."""
    keys = [(f"box: name, op, data,\ngrad = {differential(root_name)}/d(box)", "white", {})]
    keys.append(
        (
            {
                "local": "arrow: local derivative\nd(head)/d(tail)",
                "carried": "arrow: gradient carried back\ngrad(head) × d(head)/d(tail)",
                "both": "arrow: d(head)/d(tail)\n[grad(head) × d(head)/d(tail)]",
            }[edges],
            "white",
            {},
        )
    )
    if shaded:
        keys.append((f"grad > 0: raising it\nraises {root_name}", _POSITIVE_FILLS[1], {}))
        keys.append((f"grad < 0: raising it\nlowers {root_name}", _NEGATIVE_FILLS[1], {}))
        keys.append(("darker: larger |grad|", _POSITIVE_FILLS[2], {}))
    if highlight_name is not None:
        highlighted = {"color": _HIGHLIGHT, "penwidth": "2.5", "fontcolor": _HIGHLIGHT}
        keys.append((f"the paths from\n{highlight_name} to {root_name}", "white", highlighted))
    # In the root's rank, where a graph that funnels into one root has room to spare.
    with graph.subgraph(name="legend") as legend:
        legend.attr(rank="same")
        legend.node(root_id)
        # Declared last to first: Graphviz stacks them above the root that way round, first on top.
        for index, (text, fill, extra) in reversed(list(enumerate(keys))):
            legend.node(
                f"legend{index}",
                label=escape_text(text),
                shape="box",
                style="rounded,filled",
                fillcolor=fill,
                fontsize=_LEGEND_SIZE,
                margin="0.08,0.03",
                **{"class": "legend"},
                height="0.2",
                color=extra.get("color", "#999999"),
                penwidth=extra.get("penwidth", "1"),
                fontcolor=extra.get("fontcolor", "black"),
            )


def to_dot(
    root,
    *,
    rankdir="LR",
    max_nodes=DEFAULT_MAX_NODES,
    highlight=None,
    groups=None,
    digits=DRAWING_DIGITS,
    edges="local",
    legend=True,
    view="graph",
    gradients=None,
):
    """The graph of `root` as a `graphviz.Digraph`.

    Every Value `root` depends on is one node showing its name (its label; for
    an unlabelled node the expression it computes, `target_o1 − out_o1`, or
    its value if it is a constant; the names `explain` uses), its op (with
    the op's constant, `**2`), `data` and `grad`; every edge goes from a parent
    to the Value it feeds and is labelled with one number, the local derivative
    d(child)/d(parent). Leaves are drawn with rounded corners, the root in
    yellow; once a backward pass has filled the grads, each node is filled warm
    for a positive grad, cool for a negative one, darker the larger it is.

    `rankdir`: "LR" (default, inputs on the left), "RL", "TB" or "BT".
    `max_nodes`: refuse (ValueError) a graph with more nodes than this, before
    any DOT is built, and a graph whose layout would take minutes (a node
    feeding more than `viz.layout_cost.MAX_FAN` others, or edges that cross
    more than `MAX_EDGE_SPAN` ranks in all); `None` for no limit.
    `highlight`: a Value whose chain-rule paths to `root` are drawn in colour.
    `groups`: mapping name -> iterable of Values, each drawn boxed in a cluster
    under its name (a neuron's weights and net input, say). Values outside
    the graph are skipped; one listed in two groups is drawn outside both.
    `digits`: significant digits of every number (default 6).
    `edges`: the number on each edge: "local" (default) the local derivative,
    "carried" the gradient the edge carries back (grad of the child × local
    derivative; a node's grad is the sum over its outgoing edges), "both".
    `legend`: a small key beside the root saying how to read the drawing.
    `view`: "graph" (default, every Value a node) or "network": each neuron one
    node, each weight an arrow, as textbooks draw networks (`viz.network`;
    `groups` is ignored there, and `edges` other than "local" adds to each
    weight's arrow the gradient it carries back). A graph with no neuron in it
    is drawn as the graph view.
    `gradients`: a mapping node -> gradient, shown instead of `node.grad` (for
    a caller that ran a backward pass of its own, as the stepper page does;
    graph view).
    """
    if view not in VIEWS:
        raise ValueError(f"to_dot: view must be one of {', '.join(VIEWS)}, got {view!r}")
    if edges not in EDGE_NUMBERS:
        raise ValueError(f"to_dot: edges must be one of {', '.join(EDGE_NUMBERS)}, got {edges!r}")
    check_options(root, rankdir=rankdir, digits=digits, max_nodes=max_nodes, highlight=highlight)
    if view == "network":
        flows = edges in ("carried", "both")
        drawing = network_dot(
            root, rankdir=rankdir, max_nodes=max_nodes, highlight=highlight, digits=digits, flows=flows, legend=legend
        )
        if drawing is not None:
            return drawing

    order = reading_order(root)
    ids = {node: node_id(index) for index, node in enumerate(order)}
    names = node_names(order, digits)
    emphasised = fed_by(order, highlight) if highlight in ids else set()
    group_names, group_of = _group_of(order, groups)
    if gradients is None:
        gradients = {node: node.grad for node in order}
    scale = _gradient_scale(order, root, gradients)

    graph = Digraph(name="tracegrad", comment="drawn by tracegrad: data, grad and local derivatives")
    graph.attr(rankdir=rankdir, nodesep="0.12", ranksep="0.25", newrank="true")
    graph.attr("node", shape="record", fontname=_FONT, fontsize=_NODE_SIZE, style="filled", fillcolor="white")
    graph.attr("node", margin="0.06,0.02", height="0.2", color="#666666")
    graph.attr("edge", fontname=_FONT, fontsize=_EDGE_SIZE, arrowsize="0.6", color=_EDGE_COLOR, fontcolor="#333333")

    clusters = []
    for name in group_names:
        cluster = Digraph(name=f"cluster_{len(clusters)}")
        cluster.attr(label=escape_text(name), style="rounded,dashed", color="#9a9a9a")
        cluster.attr(fontname=_FONT, fontsize=_NODE_SIZE, fontcolor="#555555", labeljust="l", margin="6")
        clusters.append(cluster)

    vertical = rankdir in ("LR", "RL")  # a record's top-level fields stack across the rank direction
    for node in order:
        # A label is shown as written (line breaks kept); a missing or shared one by its name.
        name = names[node]
        title = node.label if node.label and printable(node.label) == name else name
        fields = [escape_record_field(title)]
        if node.op and (node.label or f"{node.op}#" in name):
            fields.append(escape_record_field(op_text(node, digits)))
        fields.append(f"data {format_number(node.data, digits)}")
        fields.append(f"grad {format_number(gradients[node], digits)}")
        label = "|".join(fields) if vertical else "{" + "|".join(fields) + "}"
        attributes = {"id": ids[node], "fillcolor": _ROOT_FILL if node is root else _shade(gradients[node], scale)}
        if not node.parents:
            attributes["shape"] = "Mrecord"
        if node in emphasised:
            attributes.update(color=_HIGHLIGHT, penwidth="2.5")
        target = clusters[group_of[node]] if node in group_of else graph
        target.node(ids[node], label=graphviz.nohtml(label), **attributes)
    used = set(group_of.values())
    for index, cluster in enumerate(clusters):
        if index in used:
            graph.subgraph(cluster)

    scattered = feeds_many_ranks(order)
    if max_nodes is not None:
        check_layout_cost(order, names)
    for index, node in enumerate(order):
        for position, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            attributes = {"id": edge_id(index, position), "label": _edge_label(gradients[node], local, edges, digits)}
            if parent in emphasised:
                attributes.update(color=_HIGHLIGHT, fontcolor=_HIGHLIGHT, penwidth="2.5")
            if parent in scattered:
                attributes["constraint"] = "false"
            graph.edge(ids[parent], ids[node], **attributes)
    if legend:
        shaded = scale > 0.0
        highlight_name = names[highlight] if highlight in ids else None
        _legend_nodes(graph, ids[root], names[root], highlight_name, shaded, edges)
    return graph


def draw_dot(root, format="svg", rankdir="LR", **options):
    """micrograd's `draw_dot`: the graph of `root` as a Digraph that displays inline in Jupyter.

    Call it as micrograd's notebooks do, `draw_dot(root)` or `draw_dot(root,
    format="svg", rankdir="TB")`; the result has `.source` and `.render()` as
    a `graphviz.Digraph` has, and needs no system Graphviz for SVG. Other
    keyword options go to `to_dot`.
    """
    graph = to_dot(root, rankdir=rankdir, **options)
    graph.format = format
    return graph
