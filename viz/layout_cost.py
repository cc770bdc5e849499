"""The layout-cost guard: graphs Graphviz would take minutes (or gigabytes) to lay out, found before it tries.

Owns `feeds_many_ranks` (the nodes whose edges are drawn without ranking
constraints, which keeps such layouts fast) and `check_layout_cost` (refuses,
with a ValueError saying why, what is still too costly), with their bounds
`MAX_EDGE_SPAN` and `MAX_FAN`. Imports nothing; never the CLI.
"""

_SCATTER_LIMIT = 8  # see feeds_many_ranks

# Past these, Graphviz takes minutes (or gigabytes) to lay a graph out, whatever its node count.
MAX_EDGE_SPAN = 3000  # ranks crossed by all the edges of the nodes that feed many ranks, added up
MAX_FAN = 2000  # edges into or out of one node


def check_layout_cost(order, names):
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


def feeds_many_ranks(order, limit=_SCATTER_LIMIT):
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
