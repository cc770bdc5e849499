"""The steps of the stepper page as data: `trace(root)` walks the forward and backward pass of a graph.

Owns every sentence, name and number the page shows, written here, in
Python, with the functions `explain` and the drawing use (`node_names`,
`partial_name`, `format_number`): the page's script only shows the strings
of the step it is on. The backward pass is run here, from a seed of 1, in
the order and with the arithmetic of `Value.backward()`, so after the last
step every gradient on the page is bit for bit the `.grad` a single
`backward()` leaves. Also the page's size budget, `DEFAULT_MAX_NODES`.
Imports `autograd`, `viz.names` and `viz.walk`; never the CLI.
"""

import math

from autograd import Value, topological_order
from autograd.value import op_arguments
from viz.names import DEFAULT_DIGITS, TIMES, check_digits, format_number, node_names, partial_name, sum_pieces
from viz.walk import count_nodes, edge_id, node_id, reading_order

# Past this many nodes a page is refused: its drawing is unreadable, its steps
# are too many to walk, and the file grows past a few megabytes.
DEFAULT_MAX_NODES = 300

_PENDING = "—"  # what a node shows for a number not computed yet
_LEAVES_LISTED = 12
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
            else f"{target} = {''.join(sum_pieces([before, product], self.digits))} = {self.number(after)}"
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
            "formula": [f"{target} += {TIMES.join(names)}", f"= {TIMES.join(numbers)} = {self.number(product)}"],
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
