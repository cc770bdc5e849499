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
import os
import re

import graphviz

from autograd import Value
from viz.backend import DEFAULT_TIMEOUT, backend_choice, render_source, system_dot
from viz.names import DEFAULT_DIGITS, check_digits, format_number, node_names, op_text, printable  # noqa: F401

DEFAULT_MAX_NODES = 5000
# Significant digits in a drawing: six keep the worked example readable on a 1280 px slide.
DRAWING_DIGITS = 6
RANKDIRS = ("LR", "RL", "TB", "BT")
VIEWS = ("graph", "network")

_SCATTER_LIMIT = 8  # see _feeds_many_ranks
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
# Characters with a meaning inside a record label (or a DOT string): each gets a backslash.
_RECORD_SPECIAL = frozenset('\\"{}|<> ')
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class Digraph(graphviz.Digraph):
    """The `graphviz.Digraph` that `to_dot` returns: it shows itself in Jupyter with no system Graphviz.

    Everything of `graphviz.Digraph` holds (`.source`, `.save()`, `.render()`,
    `.pipe()`); the notebook display (`_repr_mimebundle_`, `_repr_svg_`) goes
    through the same renderer as `viz.render` (the system `dot` when it is on
    PATH, else the embedded Graphviz), and so do `.render()` and `.pipe()` to
    SVG when `dot` is missing. `backend` and `timeout` are as for `render`.
    """

    backend = None
    timeout = DEFAULT_TIMEOUT

    def _svg(self):
        return render_source(self.source, "svg", backend=self.backend, timeout=self.timeout).decode("utf-8")

    def _repr_svg_(self):
        return self._svg()

    def _repr_image_svg_xml(self):
        return self._svg()

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        bundle = {"image/svg+xml": self._svg(), "text/plain": repr(self)}
        return {
            kind: data
            for kind, data in bundle.items()
            if (not include or kind in include) and kind not in (exclude or ())
        }

    def _embedded(self, format):
        """Whether an SVG of ours is to be drawn by the embedded Graphviz rather than by graphviz's own `dot` call."""
        return (format or self.format) == "svg" and system_dot("svg", backend_choice(self.backend)) is None

    def pipe(self, format=None, *args, encoding=None, **kwargs):
        """As `graphviz.Digraph.pipe`; SVG without system Graphviz comes from the embedded one."""
        if args or kwargs or not self._embedded(format):
            return super().pipe(format, *args, encoding=encoding, **kwargs)
        svg = render_source(self.source, "svg", backend=self.backend, timeout=self.timeout)
        return svg.decode(encoding) if encoding else svg

    def render(self, filename=None, directory=None, view=False, cleanup=False, format=None, *args, **kwargs):
        """As `graphviz.Digraph.render`: saves the DOT source and writes `<source>.<format>` next to it.

        SVG without system Graphviz comes from the embedded one; other formats
        (and viewing) need the system Graphviz, as in graphviz itself.
        """
        if args or kwargs or view or not self._embedded(format):
            return super().render(filename, directory, view, cleanup, format, *args, **kwargs)
        source_path = self.save(filename, directory=directory)
        out = f"{source_path}.svg"
        with open(out, "wb") as file:
            file.write(render_source(self.source, "svg", backend=self.backend, timeout=self.timeout))
        if cleanup:
            os.remove(source_path)
        return out


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


def partial_name(top, bottom):
    """`dnet_o1/dw5` for two node names; a name that is not an identifier is bracketed: `d(*#7)/dx`."""
    return f"{_d(top)}/{_d(bottom)}"


def _d(name):
    return f"d{name}" if _IDENTIFIER.match(name) else f"d({name})"


def _lines(text):
    """`text` split into lines, each shown literally: tabs as spaces, control and other
    non-printable characters (which XML cannot hold) as escapes, `&` as `&amp;`.

    Graphviz decodes character references (`&#1;`, `&amp;`) in every label, so
    an `&` left alone would let a label write a raw control byte or a lone
    surrogate into the SVG, which no XML parser reads; escaped, it is drawn
    as typed. Line breaks at the start and the end are dropped.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Blank lines at the start or end would only push the text off centre, and the
    # embedded Graphviz crashes on a record field that starts with a line break.
    lines = text.strip("\n").split("\n")
    return [printable(line.replace("\t", " ")).replace("&", "&amp;") for line in lines]


def escape_record_field(text):
    r"""`text` as one field of a record label: shown literally, never parsed.

    Record labels give `{ } | < >` a meaning and DOT strings give `"` and `\`
    one, so each of those (and the space, which records would trim) gets a
    backslash. A newline becomes the DOT line break `\n`; other control
    characters are shown as escapes, since they are not even valid in SVG.
    """
    out = ["".join("\\" + ch if ch in _RECORD_SPECIAL else ch for ch in line) for line in _lines(text)]
    return "\\n".join(out)


def escape_text(text):
    r"""`text` as a plain DOT label (an escString): `\` and `"` escaped, newlines as `\n`."""
    out = [line.replace("\\", "\\\\").replace('"', '\\"') for line in _lines(text)]
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
    keys = [(f"box: name, op, data,\ngrad = {_d(root_name)}/d(box)", "white", {})]
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
    feeding more than MAX_FAN others, or edges that cross more than
    MAX_EDGE_SPAN ranks in all); `None` for no limit.
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
    if rankdir not in RANKDIRS:
        raise ValueError(f"to_dot: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    check_digits(digits)
    if view not in VIEWS:
        raise ValueError(f"to_dot: view must be one of {', '.join(VIEWS)}, got {view!r}")
    if edges not in EDGE_NUMBERS:
        raise ValueError(f"to_dot: edges must be one of {', '.join(EDGE_NUMBERS)}, got {edges!r}")
    count_nodes(root, max_nodes)
    if highlight is not None and not isinstance(highlight, Value):
        raise TypeError(f"to_dot: highlight must be a Value, not {type(highlight).__name__}")
    if view == "network":
        # viz.network builds on this module's helpers, so it is imported when it is asked for.
        from viz.network import network_dot

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

    scattered = _feeds_many_ranks(order)
    if max_nodes is not None:
        _check_layout_cost(order, names)
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


# Past these, Graphviz takes minutes (or gigabytes) to lay a graph out, whatever its node count.
MAX_EDGE_SPAN = 3000  # ranks crossed by all the edges of the nodes that feed many ranks, added up
MAX_FAN = 2000  # edges into or out of one node


def _check_layout_cost(order, names):
    """Refuse, with a ValueError saying why, a graph Graphviz would take minutes to lay out.

    The count of nodes is not enough: a node feeding every link of a chain
    (x in x*x*...*x) has edges across the whole drawing, and Graphviz routes
    each of them past every rank it crosses: a 100-link chain takes 20 s, a
    2,400-link one gigabytes. So the ranks crossed by the edges of such nodes
    are added up, and so are the edges of one node (a 2,498-way fan-out took
    54 s), each against a bound.
    """
    depth = {}
    child_depths = {}
    for node in order:
        depth[node] = 1 + max((depth[parent] for parent in node.parents), default=-1)
        if len(node.parents) > MAX_FAN:
            raise ValueError(
                f"to_dot: {names[node]} has {len(node.parents)} inputs, more than the {MAX_FAN} a drawing can lay out "
                f"in reasonable time; draw a smaller sub-expression (or pass max_nodes=None if you mean it)."
            )
        for parent in node.parents:
            child_depths.setdefault(parent, []).append(depth[node])
    span = 0
    worst = None
    for node, depths in child_depths.items():
        if len(depths) > MAX_FAN:
            raise ValueError(
                f"to_dot: {names[node]} feeds {len(depths)} nodes, more than the {MAX_FAN} a drawing can lay out "
                f"in reasonable time; draw a smaller sub-expression (or pass max_nodes=None if you mean it)."
            )
        # Graphviz puts a leaf just before the first node it feeds, an op node at its depth.
        start = min(depths) - 1 if not node.parents else depth[node]
        long = sum(d - start for d in depths if d - start > 1)
        if long:
            span += long
            worst = node
    if span > MAX_EDGE_SPAN:
        raise ValueError(
            f"to_dot: the edges of this graph cross {span} ranks in all (from {names[worst]}, for one, which feeds "
            f"nodes far apart), more than the {MAX_EDGE_SPAN} Graphviz lays out in reasonable time; draw a smaller "
            f"sub-expression (or pass max_nodes=None if you mean it)."
        )
