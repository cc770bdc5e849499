"""How drawings walk a graph: the node-count guard, the reading order, node and edge ids, highlighted paths.

Owns what both views of a drawing (`viz.dot`'s graph view, `viz.network`'s
network view), `explain` and the stepper page read a graph with, so that
they agree on it: `count_nodes` (refuses a graph too large to draw before it
is walked in full), `reading_order` (the order nodes are named and numbered
in), `node_id` and `edge_id` (the DOT names and SVG ids pages find nodes and
edges by), `fed_by` (the nodes on the paths from one node to the root), and
`check_options`, the checks of the options both views take. Imports
`autograd` and `viz.names`; never the CLI.

Node ids are positions in `reading_order(root)`, so the same graph always
gives the same source: `n7` for the node at position 7, `e7_1` for the edge
from that node's second operand (`parents[1]`) into it. Both follow from the
graph alone.
"""

import math

from autograd import Value
from viz.names import check_digits

DEFAULT_MAX_NODES = 5000
RANKDIRS = ("LR", "RL", "TB", "BT")


def check_options(root, *, rankdir, digits, max_nodes, highlight):
    """The checks of the options every view of `to_dot` takes, each a clear error before anything is drawn."""
    if rankdir not in RANKDIRS:
        raise ValueError(f"to_dot: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    check_digits(digits)
    count_nodes(root, max_nodes)
    if highlight is not None and not isinstance(highlight, Value):
        raise TypeError(f"to_dot: highlight must be a Value, not {type(highlight).__name__}")


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
    rank, and node ids and names (`#7`) are positions in it. Iterative. The
    engine's order takes the last operand first, which is the order its
    backward pass sums in; making one walk serve both would change the
    drawings, or the order (and so possibly the last bits) of gradient sums.
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


def fed_by(order, start):
    """`start` and every node of `order` it feeds, directly or not: the nodes on its paths to the root."""
    marked = {start}
    for node in order:
        if node not in marked and any(parent in marked for parent in node.parents):
            marked.add(node)
    return marked
