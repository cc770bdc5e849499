"""`to_dot`: a graph of Values as Graphviz DOT, every number on it.

Owns the drawing's content: which nodes and edges there are, what each label
says, how numbers are written, how label text is escaped, and the node-count
guard. Also the names `explain` gives to nodes, so the text and the drawing
agree. Imports `autograd` and the `graphviz` package (which only builds DOT
text here); never the CLI.

Each Value is one record node with its label, its op, its data and its grad;
each edge runs from a parent to the Value it feeds and carries the local
derivative d(child)/d(parent) that the child recorded. A parent used twice is
two edges (`a*a`). Node ids are positions in `reading_order(root)`, so the
same graph always gives the same source.

Every node and edge also carries an `id` attribute, which Graphviz writes as
the `id` of its SVG group, so a page can find them: `n7` for the node at
position 7 of `reading_order`, `e7_1` for the edge from that node's second
operand (`parents[1]`) into it. Both follow from the graph alone.
"""

import math
import re

import graphviz

from autograd import Value

DEFAULT_MAX_NODES = 5000
DEFAULT_DIGITS = 9
RANKDIRS = ("LR", "RL", "TB", "BT")

# How an op reads in a drawing; an op missing here is shown by its name.
OP_SYMBOLS = {"weighted_sum": "w·x + b", "neg": "−x", "abs": "|x|", "sum": "Σ"}

_SCATTER_LIMIT = 8  # see _feeds_many_ranks
_FONT = "Courier"
_LEAF_FILL = "#e3eefa"
_ROOT_FILL = "#fdf0c2"
_HIGHLIGHT = "#c0392b"
_HIGHLIGHT_FILL = "#f9dcd8"
# Characters with a meaning inside a record label (or a DOT string): each gets a backslash.
_RECORD_SPECIAL = frozenset('\\"{}|<> ')
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def format_number(x, digits=DEFAULT_DIGITS):
    """`x` with `digits` significant digits: 0.593269992, 1, -0.0190491183, 3.51e-05, inf."""
    return f"{x:.{digits}g}"


def check_digits(digits):
    if digits.__class__ is not int or not 1 <= digits <= 17:
        raise ValueError(f"digits must be an int from 1 to 17 (significant digits), got {digits!r}")


def count_nodes(root, max_nodes, what="to_dot"):
    """The number of Values `root` depends on (itself included).

    Stops walking as soon as the count passes `max_nodes` and raises
    ValueError, so a huge graph is refused after `max_nodes` steps rather than
    after it was all walked (or drawn). `max_nodes=None` means no limit.
    """
    if not isinstance(root, Value):
        raise TypeError(f"{what}: root must be a Value, not {type(root).__name__}")
    if max_nodes is not None and (max_nodes.__class__ is not int or max_nodes < 1):
        raise ValueError(f"{what}: max_nodes must be a positive int or None, got {max_nodes!r}")
    limit = math.inf if max_nodes is None else max_nodes
    seen = {root}
    stack = [root]
    while stack:
        for parent in stack.pop().parents:
            if parent not in seen:
                seen.add(parent)
                if len(seen) > limit:
                    raise ValueError(
                        f"{what}: the graph of {root!r} has more than max_nodes={max_nodes} nodes; "
                        f"a drawing that large is unreadable and slow to lay out. Draw a smaller "
                        f"sub-expression, or pass a larger max_nodes (or max_nodes=None) if you mean it."
                    )
                stack.append(parent)
    return len(seen)


def reading_order(root):
    """Every node `root` depends on, parents before children, `root` last, read left to right.

    A topological order like `autograd.topological_order`, but the depth-first
    walk takes each node's parents in argument order, so the first input comes
    first (i1 before i2, E_o1 before E_o2). Graphviz keeps that order within a
    rank, and node ids and names (`#7`) are positions in it. Iterative.
    """
    order = []
    done = set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if node in done:
            continue
        if expanded:
            done.add(node)
            order.append(node)
            continue
        stack.append((node, True))
        for parent in reversed(node.parents):
            if parent not in done:
                stack.append((parent, False))
    return order


def node_id(index):
    """The DOT name and SVG `id` of the node at position `index` of `reading_order`: `n7`."""
    return f"n{index}"


def edge_id(index, position):
    """The SVG `id` of the edge from `parents[position]` into the node at position `index`: `e7_1`.

    An edge is named by the node it feeds and the operand it is, so the two
    edges of `a + a` have two ids (`e7_0`, `e7_1`).
    """
    return f"e{index}_{position}"


def node_names(order):
    """A readable, unique name for each node of `order` (a topological order).

    A label used once is the name; an unlabelled node is its op and its
    position in the order (`*#7`, `leaf#3` for a leaf), the same number the
    drawing shows; a label several nodes share gets the position too (`x#2`).
    """
    uses = {}
    for node in order:
        if not isinstance(node.label, str):
            raise TypeError(
                f"a node's label must be a str, got {type(node.label).__name__} {node.label!r} "
                f"on the {node.op or 'leaf'} node with data {node.data!r}"
            )
        if node.label:
            uses[node.label] = uses.get(node.label, 0) + 1
    names = {}
    for index, node in enumerate(order):
        label = printable(node.label)
        if label and uses[node.label] == 1:
            names[node] = label
        elif label:
            names[node] = f"{label}#{index}"
        else:
            names[node] = f"{node.op or 'leaf'}#{index}"
    return names


def partial_name(top, bottom):
    """`dnet_o1/dw5` for two node names; a name that is not an identifier is bracketed: `d(*#7)/dx`."""
    return f"{_d(top)}/{_d(bottom)}"


def _d(name):
    return f"d{name}" if _IDENTIFIER.match(name) else f"d({name})"


def printable(text):
    """`text` on one line: newlines and other control characters written as escapes (\\n, \\x01)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def escape_record_field(text):
    r"""`text` as one field of a record label: shown literally, never parsed.

    Record labels give `{ } | < >` a meaning and DOT strings give `"` and `\`
    one, so each of those (and the space, which records would trim) gets a
    backslash. A newline becomes the DOT line break `\n`; other control
    characters are shown as escapes, since they are not even valid in SVG.
    """
    out = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = printable(line.replace("\t", " "))
        out.append("".join("\\" + ch if ch in _RECORD_SPECIAL else ch for ch in line))
    return "\\n".join(out)


def escape_text(text):
    r"""`text` as a plain DOT label (an escString): `\` and `"` escaped, newlines as `\n`."""
    out = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = printable(line.replace("\t", " "))
        out.append(line.replace("\\", "\\\\").replace('"', '\\"'))
    return graphviz.nohtml("\\n".join(out))


def fed_by(order, start):
    """`start` and every node of `order` it feeds, directly or not: the nodes on its paths to the root."""
    marked = {start}
    for node in order:
        if node not in marked and any(parent in marked for parent in node.parents):
            marked.add(node)
    return marked


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


def _legend(root_name, flows):
    """How to read the drawing, as left-justified lines (so no renderer's font can push it off the page)."""
    lines = [
        f"Each box: label (or op#position), op, data, and grad = {_d(root_name)}/d(box).",
        "Each arrow: the local derivative d(head)/d(tail), recorded when the head was computed.",
    ]
    if flows:
        lines.append("In brackets: the gradient the arrow carries back, grad of head × local derivative;")
        lines.append("a box's grad is the sum of the brackets on the arrows leaving it.")
    return "".join(escape_text(line) + "\\l" for line in lines)


def to_dot(
    root,
    *,
    rankdir="LR",
    max_nodes=DEFAULT_MAX_NODES,
    highlight=None,
    groups=None,
    digits=DEFAULT_DIGITS,
    flows=None,
    legend=True,
):
    """The graph of `root` as a `graphviz.Digraph`.

    Every Value `root` depends on is one node showing its label (or, when it
    has none, its op and `#i`, its position in `reading_order`, the name
    `explain` uses), its op, `data` and `grad`; every edge goes from a parent
    to the Value it feeds and is labelled with the local derivative
    d(child)/d(parent). Leaves are shaded blue, the root yellow.

    `rankdir`: "LR" (default, inputs on the left), "RL", "TB" or "BT".
    `max_nodes`: refuse (ValueError) a graph with more nodes than this, before
    any DOT is built; `None` for no limit.
    `highlight`: a Value whose chain-rule paths to `root` are drawn in red.
    `groups`: mapping name -> iterable of Values, each drawn boxed in a cluster
    under its name (a neuron's weights and net input, say). Values outside
    the graph are skipped; one listed in two groups is drawn outside both.
    `digits`: significant digits of every number (default 9).
    `flows`: also write under each local derivative, in brackets, the gradient
    that edge carries back (child.grad × local derivative; the parent's grad is
    the sum of these). Default: when the grads are filled (root.grad != 0).
    `legend`: a line under the drawing saying how to read it.
    """
    if rankdir not in RANKDIRS:
        raise ValueError(f"to_dot: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    check_digits(digits)
    count_nodes(root, max_nodes)
    if highlight is not None and not isinstance(highlight, Value):
        raise TypeError(f"to_dot: highlight must be a Value, not {type(highlight).__name__}")

    order = reading_order(root)
    ids = {node: node_id(index) for index, node in enumerate(order)}
    names = node_names(order)
    if flows is None:
        flows = root.grad != 0.0
    emphasised = fed_by(order, highlight) if highlight in ids else set()
    group_names, group_of = _group_of(order, groups)

    graph = graphviz.Digraph(name="tracegrad", comment="drawn by tracegrad: data, grad and local derivatives")
    graph.attr(rankdir=rankdir, nodesep="0.25", ranksep="0.45")
    graph.attr("node", shape="record", fontname=_FONT, fontsize="11", style="filled", fillcolor="white")
    graph.attr("edge", fontname=_FONT, fontsize="10", arrowsize="0.7", color="#555555")
    if legend:
        graph.attr(label=graphviz.nohtml(_legend(names[root], flows)), labelloc="b", labeljust="l")
        graph.attr(fontname=_FONT, fontsize="11", fontcolor="#444444")

    clusters = []
    for name in group_names:
        cluster = graphviz.Digraph(name=f"cluster_{len(clusters)}")
        cluster.attr(label=escape_text(name), style="rounded,dashed", color="#8a8a8a")
        cluster.attr(fontname=_FONT, fontsize="12", fontcolor="#555555", labeljust="l")
        clusters.append(cluster)

    vertical = rankdir in ("LR", "RL")  # a record's top-level fields stack across the rank direction
    for node in order:
        # A label is shown as written (line breaks kept); a missing or shared one by its name.
        title = node.label if printable(node.label) == names[node] else names[node]
        fields = [escape_record_field(title)]
        if node.op:
            fields.append(escape_record_field(OP_SYMBOLS.get(node.op, node.op)))
        fields.append(f"data {format_number(node.data, digits)}")
        fields.append(f"grad {format_number(node.grad, digits)}")
        label = "|".join(fields) if vertical else "{" + "|".join(fields) + "}"
        attributes = {"id": ids[node]}
        if node is root:
            attributes["fillcolor"] = _ROOT_FILL
        elif not node.parents:
            attributes["fillcolor"] = _LEAF_FILL
        if node in emphasised:
            attributes.update(color=_HIGHLIGHT, penwidth="2")
            if node is highlight:
                attributes["fillcolor"] = _HIGHLIGHT_FILL
        target = clusters[group_of[node]] if node in group_of else graph
        target.node(ids[node], label=graphviz.nohtml(label), **attributes)
    used = set(group_of.values())
    for index, cluster in enumerate(clusters):
        if index in used:
            graph.subgraph(cluster)

    scattered = _feeds_many_ranks(order)
    for index, node in enumerate(order):
        for position, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            label = format_number(local, digits)
            if flows:
                label += f"\\n[{format_number(node.grad * local, digits)}]"
            attributes = {"id": edge_id(index, position), "label": label, "decorate": "true"}
            if parent in emphasised:
                attributes.update(color=_HIGHLIGHT, fontcolor=_HIGHLIGHT, penwidth="2")
            if parent in scattered:
                attributes["constraint"] = "false"
            graph.edge(ids[parent], ids[node], **attributes)
    return graph


def _feeds_many_ranks(order, limit=_SCATTER_LIMIT):
    """The nodes whose children lie at more than `limit` different depths.

    Such a node (x in x + x + ... + x) pulls its edges across the whole drawing,
    and Graphviz lays each long edge out as a chain of dummy nodes, one per
    rank: the layout grows quadratic and takes minutes. Its edges are drawn
    without ranking constraints instead, which keeps the layout fast. A node
    feeding many nodes of one layer (an MLP's hidden output) is not affected.
    """
    depth = {}
    child_depths = {}
    for node in order:
        depth[node] = 1 + max((depth[parent] for parent in node.parents), default=-1)
        for parent in node.parents:
            child_depths.setdefault(parent, set()).add(depth[node])
    return {node for node, depths in child_depths.items() if len(depths) > limit}
