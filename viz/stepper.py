"""`to_html`: one self-contained page that steps through the forward and backward pass of a graph.

Owns the stepper page: the trace of a graph as data (`trace`), the page that
embeds it with the drawing (`page`, `to_html`), and the size budget. Imports
`autograd`, `viz.dot`, `viz.explain` and `viz.render` (the drawing is the one
`to_dot` makes, laid out by the same Graphviz as `render`); never the CLI.

Every sentence, name and number on the page is written here, in Python, with
the functions `explain` and the drawing use (`node_names`, `partial_name`,
`format_number`): the page's script only shows the strings of the step it is
on. The backward pass is run here, from a seed of 1, in the order and with the
arithmetic of `Value.backward()`, so after the last step every gradient on the
page is bit for bit the `.grad` a single `backward()` leaves.

The page is one HTML file: the SVG inline, the trace as JSON in a
non-executed script element, a small script and a stylesheet, both allowed by
hash in a Content-Security-Policy that forbids every fetch, so it works from
file://, attached to a mail or in a course platform.
"""

import base64
import hashlib
import html
import json
import math
import xml.etree.ElementTree as ET
from importlib import resources

from autograd import Value, topological_order
from autograd.files import write_atomically
from autograd.value import op_arguments
from viz.dot import to_dot
from viz.explain import _TIMES, _sum
from viz.names import DEFAULT_DIGITS, check_digits, format_number, node_names, partial_name
from viz.render import render_source
from viz.walk import count_nodes, edge_id, node_id, reading_order

# Past this many nodes a page is refused: its drawing is unreadable, its steps
# are too many to walk, and the file grows past a few megabytes.
DEFAULT_MAX_NODES = 300

_SVG_NS = "http://www.w3.org/2000/svg"
_SVG = f"{{{_SVG_NS}}}"
_PENDING = "—"  # what a node shows for a number not computed yet
_LEAVES_LISTED = 12
# Ops written as an infix operator between their two operands.
# Ops written as an infix operator between their two operands, with the symbols of the names.
_INFIX = {"+": " + ", "-": " − ", "*": "·", "/": "/", "**": "^", "%": " % "}
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _operand(text):
    """`text` as an operand of a formula: in parentheses when it is a sum, product or negative number.

    A name like `(target_o1 − out_o1)²` has its operators inside brackets and
    stays as it is; `target_o1 − out_o1` and `-0.74` get brackets.
    """
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1, "[": 1, "]": -1}.get(char, 0)
        if depth == 0 and char in " ·/^":
            return f"({text})"
    return f"({text})" if text.startswith(("-", "−")) else text


def _expression(node, operands):
    """The op of `node` applied to the operand texts (names or numbers): `w5·out_h1 + w6·out_h2 + b2`."""
    op = node.op
    if op == "weighted_sum":
        count = len(operands) // 2
        terms = [f"{_operand(w)}·{_operand(x)}" for w, x in zip(operands[:count], operands[count : 2 * count])]
        if len(operands) % 2:
            terms.append(_operand(operands[-1]))
        return " + ".join(terms)
    if op == "sum":
        return " + ".join(_operand(text) for text in operands)
    arguments = op_arguments(node)
    if op == "**" and len(arguments) == 2 and not isinstance(arguments[1], Value):
        exponent = float(arguments[1])
        if exponent.is_integer() and abs(exponent) < 1e15:
            return _operand(operands[0]) + str(int(exponent)).translate(_SUPERSCRIPTS)
    if op in _INFIX and len(operands) == 2:
        return _INFIX[op].join(_operand(text) for text in operands)
    if op == "neg" and len(operands) == 1:
        return f"−{_operand(operands[0])}"
    if op == "abs" and len(operands) == 1:
        return f"|{operands[0]}|"
    return f"{op}({', '.join(operands)})"


def _backward_pass(order, root):
    """node -> list of (child, position, upstream, local, product, before, after), and the final gradients.

    The arithmetic of `autograd.graph.backprop`: every gradient starts at -0.0
    (which adds exactly), the root's is the seed 1.0, and the nodes are taken in
    reverse topological order, each edge adding upstream * local into its parent.
    """
    gradients = dict.fromkeys(order, -0.0)
    gradients[root] = 1.0
    steps = []
    for node in reversed(order):
        upstream = gradients[node]
        for position, (parent, local) in enumerate(zip(node.parents, node.local_grads)):
            product = upstream * local
            before = gradients[parent]
            gradients[parent] = before + product
            steps.append((node, position, upstream, local, product, before, gradients[parent]))
    return steps, gradients


def _uses(order):
    """node -> list of (child, position): every edge out of the node."""
    uses = {node: [] for node in order}
    for node in order:
        for position, parent in enumerate(node.parents):
            uses[parent].append((node, position))
    return uses


def _chain_above(node, root, uses):
    """The single path from `node` up to the first labelled node above it, as edges (child, position).

    Followed while each node on the way has exactly one use and is not the
    root; empty when `node` itself is the root or has several uses, or when
    the path reaches the root. It lets a
    step say dE_total/dnet_o1 as the post does: dE_total/dout_o1 × dout_o1/dnet_o1.
    """
    chain = []
    current = node
    while current is not root and len(uses[current]) == 1:
        child, position = uses[current][0]
        chain.append((child, position))
        current = child
        if child.label:
            break
    # Up to the root the first factor would be droot/droot = 1, which says nothing.
    return [] if current is root else chain


class _Writer:
    """The texts of the steps of one graph: names as `explain` gives them, numbers at `digits`."""

    def __init__(self, root, digits):
        self.root = root
        self.digits = digits
        self.drawn = reading_order(root)
        self.names = node_names(self.drawn)
        self.ids = {node: node_id(index) for index, node in enumerate(self.drawn)}
        self.index = {node: index for index, node in enumerate(self.drawn)}

    def number(self, x):
        return format_number(x, self.digits)

    def factor(self, x):
        """A number as a factor of a product: negative ones in parentheses."""
        text = self.number(x)
        return f"({text})" if text.startswith("-") else text

    def partial(self, top, bottom):
        return partial_name(self.names[top], self.names[bottom])

    def edge(self, child, position):
        return edge_id(self.index[child], position)

    def forward(self, node):
        # The op's arguments in order, Values and the numbers that are part of the op (the 0.5 of 0.5 * x).
        arguments = op_arguments(node)
        names = [self.names[a] if isinstance(a, Value) else self.number(a) for a in arguments]
        values = [self.number(a.data if isinstance(a, Value) else a) for a in arguments]
        symbolic = _expression(node, names)
        numeric = _expression(node, values)
        name = self.names[node]
        value = self.number(node.data)
        # An unlabelled node is named by its expression: say it once.
        defined = name if symbolic == name else f"{name} = {symbolic}"
        recorded = [
            [self.partial(node, parent), self.number(local)] for parent, local in zip(node.parents, node.local_grads)
        ]
        return {
            "phase": "forward",
            "node": self.ids[node],
            "edges": [self.edge(node, position) for position in range(len(node.parents))],
            "sentence": f"Forward: {defined} = {value}.",
            "formula": [defined, f"= {numeric} = {value}"],
            "details": [["local derivatives recorded", ""], *recorded],
            "data": {self.ids[node]: value},
        }

    def seed(self):
        name = self.names[self.root]
        partial = self.partial(self.root, self.root)
        return {
            "phase": "backward",
            "node": self.ids[self.root],
            "sentence": f"Backward: the pass starts at {name} with the seed {partial} = 1.",
            "formula": [f"{partial} = 1", "(the seed: the root's derivative with respect to itself)"],
            "details": [],
            "grad": {self.ids[self.root]: "1"},
        }

    def backward(self, step, uses, last_use):
        child, position, upstream, local, product, before, after = step
        parent = child.parents[position]
        root = self.root
        target = self.partial(root, parent)
        from_above = self.partial(root, child)
        here = self.partial(child, parent)
        # A named node's gradient is written as the post writes it, through the named node above it.
        chain = _chain_above(child, root, uses) if child.label else []
        if chain:
            top = chain[-1][0]
            ratio = math.prod(grand.local_grads[index] for grand, index in chain)
            names = [self.partial(root, top), self.partial(top, child), here]
            numbers = [self.factor(self.gradients[top]), self.factor(ratio), self.factor(local)]
        else:
            names = [from_above, here]
            numbers = [self.factor(upstream), self.factor(local)]
        first = before == 0.0 and math.copysign(1.0, before) < 0  # the -0.0 start: nothing arrived yet
        accumulated = (
            f"{target} = {self.number(product)} (its first contribution)"
            if first
            else f"{target} = {''.join(_sum([before, product], self.digits))} = {self.number(after)}"
        )
        twice = child.parents.count(parent) > 1
        via = f" (operand {position + 1} of {len(child.parents)}: {self.names[child]} uses it twice)" if twice else ""
        complete = "; that was its last edge, so it is complete" if last_use else ""
        went = "from nothing" if first else f"from {self.number(before)}"
        sentence = (
            f"Backward: {self.names[parent]} gets {from_above} × {here} = {self.factor(upstream)} × "
            f"{self.factor(local)} = {self.number(product)} from {self.names[child]}{via}; "
            f"{target} goes {went} to {self.number(after)}{complete}."
        )
        return {
            "phase": "backward",
            "node": self.ids[child],
            "target": self.ids[parent],
            "edge": self.edge(child, position),
            "sentence": sentence,
            "formula": [f"{target} += {_TIMES.join(names)}", f"= {_TIMES.join(numbers)} = {self.number(product)}"],
            "details": [
                ["gradient from above", f"{from_above} = {self.number(upstream)}"],
                ["local derivative", f"{here} = {self.number(local)}"],
                ["their product", self.number(product)],
                ["before", self.number(before) if not first else _PENDING],
                ["after +=", accumulated],
            ],
            "grad": {self.ids[parent]: self.number(after)},
        }

    def start(self, leaves, op_count, edge_count):
        listed = ", ".join(f"{self.names[leaf]} = {self.number(leaf.data)}" for leaf in leaves[:_LEAVES_LISTED])
        if len(leaves) > _LEAVES_LISTED:
            listed += f", and {len(leaves) - _LEAVES_LISTED} more"
        return {
            "phase": "start",
            "sentence": (
                f"Before the first step: the leaves hold their values ({listed}). Next come {op_count} forward "
                f"steps, one per node, then the seed and {edge_count} backward steps, one per edge."
            ),
            "formula": [],
            "details": [],
        }


def trace(root, *, digits=DEFAULT_DIGITS, max_nodes=DEFAULT_MAX_NODES):
    """The steps of the forward and backward pass of `root`'s graph, as JSON-ready data.

    Returns a dict: `root` (its name), `nodes` (SVG id -> name, data text,
    whether it is a leaf), `steps` (step 0 is before the first step), and
    `gradients` (node -> final gradient, for drawing). Each step has a `phase`
    ("start", "forward", "backward"), a `sentence`, `formula` lines, `details`
    rows and the ids of the node and edge it is about; a forward step sets one
    node's `data`, a backward step one node's `grad` (the text to show).
    """
    if not isinstance(root, Value):
        raise TypeError(f"to_html: root must be a Value, not {type(root).__name__}")
    check_digits(digits)
    count = count_nodes(root, None)
    if max_nodes is not None and count > max_nodes:
        raise ValueError(
            f"to_html: the graph of {root!r} has {count} nodes, more than the page's budget of {max_nodes}: "
            f"stepping through {count} nodes one edge at a time teaches nothing and the page would be slow. "
            f"Step through a smaller sub-expression, draw this one with render(root, 'graph.svg'), "
            f"or pass max_nodes={count} (or None) if you mean it."
        )
    writer = _Writer(root, digits)
    order = topological_order(root)  # the order Value.backward() runs in, reversed
    passes, gradients = _backward_pass(order, root)
    writer.gradients = gradients
    uses = _uses(order)
    leaves = [node for node in writer.drawn if not node.parents]
    # Forward in the drawing's reading order (i1 before i2, h1 before h2); backward in the engine's order.
    computed = [node for node in writer.drawn if node.parents]

    last_into = {}
    for number, (child, position, *_rest) in enumerate(passes):
        last_into[child.parents[position]] = number
    steps = [writer.start(leaves, len(computed), len(passes))]
    steps += [writer.forward(node) for node in computed]
    steps.append(writer.seed())
    for number, step in enumerate(passes):
        parent = step[0].parents[step[1]]
        steps.append(writer.backward(step, uses, last_into[parent] == number))
    total = len(steps) - 1
    for number, step in enumerate(steps):
        step["number"] = number
        step["heading"] = (
            f"Step {number} of {total}" + {"start": "", "forward": ": forward", "backward": ": backward"}[step["phase"]]
        )

    nodes = {}
    for node in writer.drawn:
        nodes[writer.ids[node]] = {
            "name": writer.names[node],
            "data": writer.number(node.data),
            "grad": writer.number(gradients[node] + 0.0),
            "leaf": not node.parents,
        }
    # The step at which each node's gradient is complete, for "jump to node".
    complete = {writer.ids[root]: len(computed) + 1}
    for parent, number in last_into.items():
        complete[writer.ids[parent]] = len(computed) + 2 + number
    for node in writer.drawn:
        nodes[writer.ids[node]]["complete"] = complete.get(writer.ids[node], total)
    return {
        "root": writer.names[root],
        "digits": digits,
        "pending": _PENDING,
        "order": [writer.ids[node] for node in writer.drawn],
        "nodes": nodes,
        "steps": steps,
        "gradients": {node: gradients[node] + 0.0 for node in writer.drawn},
    }


# ---------------------------------------------------------------- the drawing


def _texts(group):
    return list(group.iter(f"{_SVG}text"))


def _text_of(element):
    return (element.text or "").replace("\xa0", " ")


def _mark(svg_bytes, data, writer_names):
    """The SVG with the texts the page changes marked by class, as a string to put inline in HTML.

    In each node's group the text that shows its data gets class `tg-data`
    and the one that shows its grad `tg-grad`; an edge's label texts get
    `tg-local`. They are found by the very strings `to_dot` wrote, so a change
    of the drawing's wording that breaks this fails loudly here.
    """
    ET.register_namespace("", _SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    svg = ET.fromstring(svg_bytes)
    groups = {group.get("id"): group for group in svg.iter(f"{_SVG}g")}
    for node_key, info in data["nodes"].items():
        group = groups.get(node_key)
        if group is None:
            raise RuntimeError(f"to_html: the drawing has no element with id {node_key!r}")
        texts = _texts(group)
        data_texts = [t for t in texts if _text_of(t).strip() == f"data {info['data']}"]
        grad_texts = [t for t in texts if _text_of(t).strip() == f"grad {info['grad']}"]
        if len(data_texts) != 1 or len(grad_texts) != 1:
            raise RuntimeError(f"to_html: cannot find the data and grad texts of node {node_key} in the drawing")
        data_texts[0].set("class", "tg-data")
        grad_texts[0].set("class", "tg-grad")
        title = group.find(f"{_SVG}title")
        if title is not None:
            title.text = writer_names[node_key]
    for group in svg.iter(f"{_SVG}g"):
        if group.get("class") == "edge":
            for text in _texts(group):
                text.set("class", "tg-local")
    svg.set("role", "img")
    svg.set("aria-label", f"the graph of {data['root']}")
    svg.set("id", "tg-svg")
    return ET.tostring(svg, encoding="unicode")


def _json_for_script(data):
    """JSON that cannot end its <script> element or open a comment: <, >, & and line separators escaped."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


def _asset(name):
    return resources.files("viz").joinpath(name).read_text(encoding="utf-8")


def _hash(text):
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def page(root, *, digits=DEFAULT_DIGITS, title=None, max_nodes=DEFAULT_MAX_NODES):
    """The stepper page for `root` as one HTML string (see `to_html`)."""
    if title is not None and not isinstance(title, str):
        raise TypeError(f"to_html: title must be a str or None, not {type(title).__name__}")
    data = trace(root, digits=digits, max_nodes=max_nodes)
    gradients = data.pop("gradients")
    source = to_dot(root, digits=digits, legend=False, gradients=gradients).source
    names = {key: info["name"] for key, info in data["nodes"].items()}
    svg = _mark(render_source(source, "svg"), data, names)
    if title is None:
        title = f"Backpropagation through {data['root']}, step by step"
    data["title"] = title
    script = _asset("stepper.js")
    style = _asset("stepper.css")
    policy = (
        f"default-src 'none'; script-src {_hash(script)}; style-src {_hash(style)}; img-src 'none'; "
        "connect-src 'none'; font-src 'none'; base-uri 'none'; form-action 'none'"
    )
    shown_title = html.escape(title)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{html.escape(policy, quote=False)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tracegrad">
<title>{shown_title}</title>
<style>{style}</style>
</head>
<body>
<header>
<h1>{shown_title}</h1>
<p class="tg-intro">Each step computes one node (forward) or sends the gradient back along one edge
(backward), as <code>backward()</code> does: upstream gradient × local derivative, added into the
parent's gradient. Keys: ← → step, space plays and pauses, Home and End go to the first and last step.
Printing gives one page per step.</p>
</header>
<nav id="tg-controls" aria-label="steps">
<button type="button" id="tg-first" title="first step (Home)">|◀ first</button>
<button type="button" id="tg-prev" title="previous step (←)">◀ previous</button>
<button type="button" id="tg-play" title="play or pause (space)">▶ play</button>
<button type="button" id="tg-next" title="next step (→)">next ▶</button>
<button type="button" id="tg-last" title="last step (End)">last ▶|</button>
<label>speed <select id="tg-speed">
<option value="2000">0.5 steps/s</option>
<option value="1000" selected>1 step/s</option>
<option value="500">2 steps/s</option>
<option value="250">4 steps/s</option>
</select></label>
<input type="range" id="tg-scrubber" min="0" max="{len(data["steps"]) - 1}" value="0" aria-label="step">
<span id="tg-counter"></span>
<label>jump to node <select id="tg-jump"><option value="">…</option></select></label>
</nav>
<main>
<section id="tg-panel" aria-label="the current step">
<h2 id="tg-heading" class="tg-heading"></h2>
<p id="tg-sentence" class="tg-sentence" aria-live="polite"></p>
<div id="tg-formula" class="tg-formula"></div>
<table id="tg-details" class="tg-details"><tbody></tbody></table>
</section>
<figure id="tg-figure">{svg}</figure>
</main>
<div id="tg-print"></div>
<template id="tg-page-template"><section class="tg-print-page"><h2 class="tg-heading"></h2>
<p class="tg-sentence"></p><div class="tg-formula"></div><table class="tg-details"><tbody></tbody></table>
<div class="tg-print-figure"></div></section></template>
<script type="application/json" id="tg-trace">{_json_for_script(data)}</script>
<script>{script}</script>
</body>
</html>
"""


def to_html(root, path, *, digits=DEFAULT_DIGITS, title=None, max_nodes=DEFAULT_MAX_NODES):
    """Write ONE self-contained HTML page that steps through the forward and backward pass of `root`.

    The page shows the graph as `render` draws it and walks it: step 0 is
    before the first step, then one forward step per computed node (in
    topological order, with its formula and numbers), the seed, and one
    backward step per edge (upstream gradient × local derivative, added into
    the parent's gradient, in the order `backward()` runs). Open it at
    `path#step=N` to start at step N. It needs no network and no server. The
    gradients are those of one backward pass from a seed of 1, whatever
    `.grad` holds. `digits` is the significant digits of every number, `title`
    the page's title. A graph of more than `max_nodes` nodes (default 300) is
    refused with a ValueError; `max_nodes=None` takes any size. Returns the
    Path written (atomically).
    """
    return write_atomically(path, page(root, digits=digits, title=title, max_nodes=max_nodes))
