"""`explain`: a partial derivative written out by the chain rule, with the numbers.

Owns the text that decomposes d(root)/d(node) into products of local
derivatives along the paths from `node` to `root`. It reads only `parents`
and `local_grads` (as the backward pass does) and computes the sum itself, then
compares it with `node.grad`. Imports `autograd` and `viz.dot` (for number
formatting and node names, so the text matches the drawing); never the CLI.

Everything is iterative: graphs may be a million nodes deep. The number of
paths can grow exponentially (each diamond doubles it), so it is counted first
by dynamic programming, and above `max_paths` the text falls back to the
one-step form: d root/d node = sum over the edges out of node of
d root/d child x d child/d node, with each d root/d child from one backward pass.
"""

import math

from autograd import Value, grad
from viz.dot import fed_by, partial_name, reading_order
from viz.names import DEFAULT_DIGITS, check_digits, format_number, node_names, printable

DEFAULT_MAX_PATHS = 64
# Listing paths costs one line entry per factor; past this many factors in all, fall back too.
_MAX_FACTORS = 2000
_TIMES = " × "


def _paths(root, node, downstream):
    """Every path from `root` down to `node` as a list of edges (child, position in child.parents).

    Walks parents in argument order, so the paths come out in the order the
    root's inputs were written (through E_o1 before E_o2). Only nodes fed by
    `node` (`downstream`) can lead to it.
    """
    paths = []
    stack = [(root, [])]
    while stack:
        current, edges = stack.pop()
        if current is node:
            paths.append(edges)
            continue
        # Pushed in reverse, so the first parent is walked first.
        for position in reversed(range(len(current.parents))):
            if current.parents[position] in downstream:
                stack.append((current.parents[position], [*edges, (current, position)]))
    return paths


def _columns(names, numbers):
    """Two lines, a product of names over the same product of numbers, each factor in its own column."""
    widths = [max(len(name), len(number)) for name, number in zip(names, numbers)]
    top = _TIMES.join(name.ljust(width) for name, width in zip(names, widths))
    bottom = _TIMES.join(number.ljust(width) for number, width in zip(numbers, widths))
    return [f"    {top.rstrip()}", f"  = {bottom.rstrip()}"]


def _grouped(path, start, names, digits):
    """The path's factors (root end first) merged between labelled nodes, or None if that changes nothing.

    A graph built from small ops has unlabelled nodes in between the named
    quantities (E_o1 = 0.5 * (t - out_o1)**2 is three nodes); multiplying the
    factors across them gives the partials a reader knows, like dE_o1/dout_o1.
    """
    groups = []
    top = path[0][0]
    product = 1.0
    for child, position in path:
        product *= child.local_grads[position]
        parent = child.parents[position]
        if parent is start or parent.label:
            groups.append((partial_name(names[top], names[parent]), format_number(product, digits)))
            top = parent
            product = 1.0
    if len(groups) in (1, len(path)):
        return None
    return groups


def _chain(path, start, names):
    """`w5 -> net_o1 -> out_o1`; an edge into a node that uses its parent twice says which use it is."""
    text = names[start]
    for child, position in reversed(path):
        parent = child.parents[position]
        if child.parents.count(parent) > 1:
            text += f" -[operand {position + 1}]-> {names[child]}"
        else:
            text += f" -> {names[child]}"
    return text


def _sum(numbers, digits):
    """`a + b - c`, each number formatted."""
    text = format_number(numbers[0], digits)
    for number in numbers[1:]:
        sign = "-" if math.copysign(1.0, number) < 0 else "+"
        text += f" {sign} {format_number(abs(number), digits)}"
    return text


def _path_lines(number, path, start, names, digits):
    factors = [child.local_grads[position] for child, position in path]
    product = math.prod(factors)
    lines = [f"  path {number}: {_chain(path, start, names)}"]
    lines += _columns(
        [partial_name(names[child], names[child.parents[position]]) for child, position in path],
        [format_number(factor, digits) for factor in factors],
    )
    grouped = _grouped(path, start, names, digits)
    if grouped is not None:
        lines.append("    grouped at the labelled nodes:")
        lines += ["  " + line for line in _columns(*zip(*grouped))]
    if len(factors) > 1:
        lines.append(f"  = {format_number(product, digits)}")
    return product, lines


def _check_lines(root, node, total, scale, names, digits):
    """Whether `node.grad` agrees with the chain-rule sum, if a backward pass has filled the grads."""
    if root.grad == 0.0:
        return [f"({names[root]}.grad is 0: run {names[root]}.backward() to fill the grads and compare.)"]
    expected = root.grad * total
    close = node.grad == expected or abs(node.grad - expected) <= 1e-9 * scale * abs(root.grad)
    verdict = "matches" if close else "does NOT match"
    if root.grad == 1.0:
        return [f"{names[node]}.grad = {format_number(node.grad, digits)} after backward(): {verdict}."]
    return [
        f"{names[node]}.grad = {format_number(node.grad, digits)} and {names[root]}.grad = "
        f"{format_number(root.grad, digits)} (a backward seed other than 1, or several passes): "
        f"{names[root]}.grad × the sum = {format_number(expected, digits)}: {verdict}."
    ]


def _one_step_lines(root, node, order, downstream, names, digits):
    """The fallback: d root/d node from the edges out of `node` and d root/d child by one backward pass."""
    feeds = [
        (child, position)
        for child in order
        if child in downstream
        for position, parent in enumerate(child.parents)
        if parent is node
    ]
    unique = list(dict.fromkeys(child for child, _ in feeds))
    upstream = {child: gradient.data for child, gradient in zip(unique, grad(root, unique))}
    root_name, node_name = names[root], names[node]
    lines = [
        f"  One step instead: {partial_name(root_name, node_name)} = sum over the edges out of {node_name} of "
        f"{partial_name(root_name, 'child')} × {partial_name('child', node_name)},",
        f"  with each {partial_name(root_name, 'child')} from one backward pass:",
    ]
    terms = []
    for child, position in feeds:
        down = child.local_grads[position]
        term = upstream[child] * down
        terms.append(term)
        lines += _columns(
            [partial_name(root_name, names[child]), partial_name(names[child], node_name)],
            [format_number(upstream[child], digits), format_number(down, digits)],
        )
        lines.append(f"  = {format_number(term, digits)}")
    return terms, lines


def explain(root, node, *, digits=DEFAULT_DIGITS, max_paths=DEFAULT_MAX_PATHS):
    """d(root)/d(node) decomposed by the chain rule, as text with the numbers.

    Lists every path from `node` up to `root` as a product of local
    derivatives, each factor named by the two nodes it joins (dnet_o1/dw5),
    with its value, the path's product, and the sum over the paths, which is
    d(root)/d(node). When a backward pass has filled the grads it says whether
    `node.grad` matches. Unlabelled nodes are named by the expression they
    compute (`target_o1 − out_o1`), constants by their value, as in the
    drawing. With more than `max_paths` paths (counted first, without
    listing them) it explains one step instead. `digits` is
    the number of significant digits (default 9).
    """
    for what, value in (("root", root), ("node", node)):
        if not isinstance(value, Value):
            raise TypeError(f"explain: {what} must be a Value, not {type(value).__name__}")
    check_digits(digits)
    if max_paths.__class__ is not int or max_paths < 1:
        raise ValueError(f"explain: max_paths must be a positive int, got {max_paths!r}")

    order = reading_order(root)
    names = node_names(order, digits)
    if node not in names:
        name = printable(node.label) or f"the node {node!r}"
        return f"{names[root]} does not depend on {name}: no path leads from it to {names[root]}, so the partial is 0."
    partial = partial_name(names[root], names[node])
    if node is root:
        return f"{names[root]} is the root itself: {partial} = 1 (a path of no edges)."

    downstream = fed_by(order, node)  # only these lie on the paths from node to the root

    # Paths from each node down to `node` (and their total length), parents before children.
    path_count = {node: 1}
    factor_count = {node: 0}
    for current in order:
        if current in downstream and current is not node:
            below = [parent for parent in current.parents if parent in downstream]
            path_count[current] = sum(path_count[parent] for parent in below)
            factor_count[current] = sum(factor_count[parent] + path_count[parent] for parent in below)
    count = path_count[root]
    plural = "path" if count == 1 else "paths"
    # A long chain of diamonds has astronomically many paths; say how many without printing 10^300 digits.
    count_text = str(count) if count < 10**15 else f"at least 2^{count.bit_length() - 1}"

    if count <= max_paths and factor_count[root] <= _MAX_FACTORS:
        lines = [f"{partial} by the chain rule: {count} {plural} from {names[node]} to {names[root]}.", ""]
        products = []
        for number, path in enumerate(_paths(root, node, downstream), start=1):
            product, path_lines = _path_lines(number, path, node, names, digits)
            products.append(product)
            lines += [*path_lines, ""]
        total = math.fsum(products)
        if count == 1:
            lines.append(f"{partial} = {format_number(total, digits)}  (one path, so nothing to add)")
        else:
            terms = _sum(products, digits)
            lines.append(f"{partial} = {terms} = {format_number(total, digits)}  (the sum over the {count} paths)")
    else:
        too_many = "too many to list" if count > max_paths else "too long to list"
        lines = [
            f"{partial} by the chain rule: {count_text} {plural} from {names[node]} to {names[root]}, "
            f"{too_many} (the limit is {max_paths} paths, {_MAX_FACTORS} factors in all).",
        ]
        products, step_lines = _one_step_lines(root, node, order, downstream, names, digits)
        total = math.fsum(products)
        lines += [*step_lines, ""]
        lines.append(f"{partial} = {_sum(products, digits)} = {format_number(total, digits)}")
    scale = math.fsum(abs(product) for product in products)
    lines += _check_lines(root, node, total, scale, names, digits)
    return "\n".join(lines)
