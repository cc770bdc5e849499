"""`explain`: a partial derivative written out by the chain rule, with the numbers.

Owns the text that decomposes d(root)/d(node) into products of local
derivatives along the paths from `node` to `root`. It reads only `parents`
and `local_grads` (as the backward pass does) and computes the sum itself, then
compares it with `node.grad`. Imports `autograd`, `viz.names` (number
formatting and node names, so the text matches the drawing) and `viz.walk`
(the reading order and the nodes on a path); never the CLI.

Everything is iterative: graphs may be a million nodes deep. The number of
paths can grow exponentially (each diamond doubles it), so it is counted first
by dynamic programming, and above `max_paths` the text falls back to the
one-step form: d root/d node = sum over the edges out of node of
d root/d child x d child/d node, with each d root/d child from one backward pass.
"""

import math

from autograd import Value, grad
from viz.names import (
    DEFAULT_DIGITS,
    TIMES,
    check_digits,
    format_number,
    node_names,
    partial_name,
    printable,
    sum_pieces,
)
from viz.walk import fed_by, reading_order

DEFAULT_MAX_PATHS = 64
DEFAULT_WIDTH = 100  # columns: fits a 100-column terminal
# Listing paths costs one line entry per factor; past this many factors in all, fall back too.
_MAX_FACTORS = 2000


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


def _columns(names, numbers, width, indent=""):
    """A product of names over the same product of numbers, each factor in its own column.

    Two lines, or, when the product does not fit `width` columns, blocks of
    two lines: the first block starts `=` under the names, each further one
    starts `×` on both lines, its columns aligned within it.
    """
    cells = [(name, number, max(len(name), len(number))) for name, number in zip(names, numbers)]
    blocks = [[]]
    used = len(indent) + 4
    for cell in cells:
        extra = cell[2] + (len(TIMES) if blocks[-1] else 0)
        if blocks[-1] and used + extra > width:
            blocks.append([])
            used = len(indent) + 4
            extra = cell[2]
        blocks[-1].append(cell)
        used += extra
    lines = []
    for index, block in enumerate(blocks):
        top = TIMES.join(name.ljust(size) for name, _, size in block).rstrip()
        bottom = TIMES.join(number.ljust(size) for _, number, size in block).rstrip()
        if index == 0:
            lines += [f"{indent}    {top}", f"{indent}  = {bottom}"]
        else:
            lines += [f"{indent}  × {top}", f"{indent}  × {bottom}"]
    return lines


def _fill(pieces, width, first, rest):
    """The pieces joined and broken into lines of at most `width` columns (where a piece allows).

    Each piece carries its own leading separator (" -> x", " + 2"); the first
    line starts with `first`, the others with `rest`, and a piece that does not
    fit starts a new line (its separator's leading space dropped).
    """
    lines = [first]
    for piece in pieces:
        if len(lines[-1]) + len(piece) > width and lines[-1].strip():
            lines.append(rest + piece.lstrip())
        else:
            lines[-1] += piece
    return lines


def _wrap(text, width, indent="  "):
    """One long sentence broken at spaces into lines of at most `width` columns, continued with `indent`."""
    words = text.split(" ")
    return _fill([words[0], *(" " + word for word in words[1:])], width, "", indent)


def _in_chain(name):
    """A name as a step of `w5 -> net_o1 -> ...`: bracketed when it has spaces of its own (`(t − o)`)."""
    depth = 0
    for ch in name:
        depth += ch == "("
        depth -= ch == ")"
        if ch == " " and depth == 0:
            return f"({name})"
    return name


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
    """`w5 -> net_o1 -> out_o1` as pieces; an edge into a node that uses its parent twice says which use it is."""
    pieces = [_in_chain(names[start])]
    for child, position in reversed(path):
        parent = child.parents[position]
        if child.parents.count(parent) > 1:
            pieces.append(f" -[operand {position + 1}]-> {_in_chain(names[child])}")
        else:
            pieces.append(f" -> {_in_chain(names[child])}")
    return pieces


def _path_lines(number, path, start, names, digits, width):
    factors = [child.local_grads[position] for child, position in path]
    product = math.prod(factors)
    head = f"  path {number}: "
    lines = _fill(_chain(path, start, names), width, head, " " * len(head))
    lines += _columns(
        [partial_name(names[child], names[child.parents[position]]) for child, position in path],
        [format_number(factor, digits) for factor in factors],
        width,
    )
    grouped = _grouped(path, start, names, digits)
    if grouped is not None:
        lines.append("    grouped at the labelled nodes:")
        lines += _columns(*zip(*grouped), width, indent="  ")
    if len(factors) > 1:
        lines.append(f"  = {format_number(product, digits)}")
    return product, lines


def _check_lines(root, node, total, scale, names, digits, width):
    """Whether `node.grad` agrees with the chain-rule sum, if a backward pass has filled the grads."""
    if root.grad == 0.0:
        return _wrap(f"({names[root]}.grad is 0: run {names[root]}.backward() to fill the grads and compare.)", width)
    expected = root.grad * total
    close = node.grad == expected or abs(node.grad - expected) <= 1e-9 * scale * abs(root.grad)
    verdict = "matches" if close else "does NOT match"
    if root.grad == 1.0:
        return _wrap(f"{names[node]}.grad = {format_number(node.grad, digits)} after backward(): {verdict}.", width)
    return _wrap(
        f"{names[node]}.grad = {format_number(node.grad, digits)} and {names[root]}.grad = "
        f"{format_number(root.grad, digits)} (a backward seed other than 1, or several passes): "
        f"{names[root]}.grad × the sum = {format_number(expected, digits)}: {verdict}.",
        width,
    )


def _one_step_lines(root, node, order, downstream, names, digits, width):
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
    lines = _wrap(
        f"  One step instead: {partial_name(root_name, node_name)} = sum over the edges out of {node_name} of "
        f"{partial_name(root_name, 'child')} × {partial_name('child', node_name)}, "
        f"with each {partial_name(root_name, 'child')} from one backward pass:",
        width,
        "    ",
    )
    terms = []
    for child, position in feeds:
        down = child.local_grads[position]
        term = upstream[child] * down
        terms.append(term)
        lines += _columns(
            [partial_name(root_name, names[child]), partial_name(names[child], node_name)],
            [format_number(upstream[child], digits), format_number(down, digits)],
            width,
        )
        lines.append(f"  = {format_number(term, digits)}")
    return terms, lines


def explain(root, node, *, digits=DEFAULT_DIGITS, max_paths=DEFAULT_MAX_PATHS, width=DEFAULT_WIDTH):
    """d(root)/d(node) decomposed by the chain rule, as text with the numbers.

    Lists every path from `node` up to `root` as a product of local
    derivatives, each factor named by the two nodes it joins (dnet_o1/dw5),
    with its value, the path's product, and the sum over the paths, which is
    d(root)/d(node). When a backward pass has filled the grads it says whether
    `node.grad` matches. Unlabelled nodes are named by the expression they
    compute (`target_o1 − out_o1`), constants by their value, as in the
    drawing. With more than `max_paths` paths (counted first, without
    listing them, and only up to `max_paths + 1`) it explains one step
    instead. `digits` is the number of significant digits (default 9). The
    text fits `width` columns (default 100): a long product goes on aligned
    continuation lines, each starting with `×`.
    """
    for what, value in (("root", root), ("node", node)):
        if not isinstance(value, Value):
            raise TypeError(f"explain: {what} must be a Value, not {type(value).__name__}")
    check_digits(digits)
    if max_paths.__class__ is not int or max_paths < 1:
        raise ValueError(f"explain: max_paths must be a positive int, got {max_paths!r}")
    if width.__class__ is not int or width < 40:
        raise ValueError(f"explain: width must be an int of at least 40 columns, got {width!r}")

    order = reading_order(root)
    names = node_names(order, digits)
    if node not in names:
        name = printable(node.label) or f"the node {node!r}"
        return "\n".join(
            _wrap(
                f"{names[root]} does not depend on {name}: no path leads from it to {names[root]}, "
                "so the partial is 0.",
                width,
            )
        )
    partial = partial_name(names[root], names[node])
    if node is root:
        return "\n".join(_wrap(f"{names[root]} is the root itself: {partial} = 1 (a path of no edges).", width))

    downstream = fed_by(order, node)  # only these lie on the paths from node to the root

    # Paths from each node down to `node` (and their total length), parents before children. Both
    # counts stop at one past their limit: all that matters above it is that it is passed, and exact
    # counts grow to huge integers (a chain of n diamonds has 2^n paths) that cost time and memory.
    path_cap, factor_cap = max_paths + 1, _MAX_FACTORS + 1
    path_count = {node: 1}
    factor_count = {node: 0}
    for current in order:
        if current in downstream and current is not node:
            below = [parent for parent in current.parents if parent in downstream]
            path_count[current] = min(path_cap, sum(path_count[parent] for parent in below))
            factor_count[current] = min(factor_cap, sum(factor_count[parent] + path_count[parent] for parent in below))
    count = path_count[root]
    plural = "path" if count == 1 else "paths"

    if count <= max_paths and factor_count[root] <= _MAX_FACTORS:
        lines = [
            *_wrap(f"{partial} by the chain rule: {count} {plural} from {names[node]} to {names[root]}.", width),
            "",
        ]
        products = []
        for number, path in enumerate(_paths(root, node, downstream), start=1):
            product, path_lines = _path_lines(number, path, node, names, digits, width)
            products.append(product)
            lines += [*path_lines, ""]
        total = math.fsum(products)
        if count == 1:
            lines += _wrap(f"{partial} = {format_number(total, digits)}  (one path, so nothing to add)", width)
        else:
            pieces = [
                *sum_pieces(products, digits),
                f" = {format_number(total, digits)}",
                f"  (the sum over the {count} paths)",
            ]
            lines += _fill(pieces, width, f"{partial} = ", "    ")
    else:
        if count > max_paths:
            counted = f"more than {max_paths} paths from {names[node]} to {names[root]}, too many to list"
        else:
            counted = f"{count} {plural} from {names[node]} to {names[root]}, too long to list"
        lines = _wrap(
            f"{partial} by the chain rule: {counted} (the limit is {max_paths} paths, {_MAX_FACTORS} factors in all).",
            width,
        )
        products, step_lines = _one_step_lines(root, node, order, downstream, names, digits, width)
        total = math.fsum(products)
        lines += [*step_lines, ""]
        pieces = [*sum_pieces(products, digits), f" = {format_number(total, digits)}"]
        lines += _fill(pieces, width, f"{partial} = ", "    ")
    scale = math.fsum(abs(product) for product in products)
    lines += _check_lines(root, node, total, scale, names, digits, width)
    return "\n".join(lines)
