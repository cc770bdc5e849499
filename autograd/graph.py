"""The backprop core: topological order and one reverse pass over a graph.

Owns: `topological_order` and `backprop`, the single loop that both
`Value.backward()` and `grad()` run. It reads only the two fields every node
carries, `parents` and `local_grads`, and never imports `value` (that module
imports this one), nor `nn` or `viz`. Inside `detect_anomaly()` (read from the
mode once per pass) it hands the pass to the checked copy in autograd/anomaly.py.

Why iterative: a chain a million nodes deep is a normal graph for an unrolled
loop, and recursion would stop near Python's recursion limit (about 1,000).

Why a per-pass dict: each pass sums its own gradients in a fresh mapping and
hands the totals back. Reading and writing `.grad` during the pass would mix
this pass with earlier ones, so a second `backward()` would push the already
accumulated gradient of an intermediate node down again (micrograd's double
counting: 18 where 12 is right).
"""

from autograd.mode import RECORDING, current_mode

_OPEN = "open"
_DONE = "done"


def topological_order(root):
    """Every node `root` depends on, each after all of its parents, `root` last.

    Iterative depth-first post-order. A node is looked at twice: first it is
    marked open and its unseen parents go on the stack above it; when it is on
    top again all of them are done, and it is emitted. The order depends only on
    the graph, so it is the same on every call.
    """
    order = []
    emit = order.append
    state = {}  # node -> _OPEN while its parents are being done, then _DONE
    seen = state.get
    stack = [root]
    push = stack.append
    pop = stack.pop
    while stack:
        node = stack[-1]
        mark = seen(node)
        if mark is None:
            state[node] = _OPEN
            for parent in node.parents:
                if parent not in state:
                    push(parent)
        else:
            pop()
            # A node may sit on the stack twice (pushed by two children before it
            # was opened); only the first pop after it was opened emits it.
            if mark is _OPEN:
                state[node] = _DONE
                emit(node)
    return order


def backprop(root, seed, partials=None):
    """Apply the chain rule from `root` back to every node it depends on.

    Returns `(order, gradients)`: the topological order and a dict mapping each
    node of it to d(root)/d(node), starting from `seed` at the root.

    With `partials=None` the recorded float `local_grads` are used and the
    result holds floats. Otherwise `partials(node)` must return the node's local
    derivatives as differentiable objects (Values), `seed` is one too, and the
    arithmetic below builds a new graph: that is `create_graph=True`.
    """
    order = topological_order(root)
    mode = current_mode()
    if mode is not RECORDING and mode.anomaly is not None:
        # Inside detect_anomaly(): a checked copy of the loops below (autograd/anomaly.py).
        return order, mode.anomaly.backprop(order, root, seed, partials)
    if partials is None:
        # Every node starts at -0.0, the float that adds exactly: -0.0 + g == g for
        # every g, zeros and their signs included. So each edge is one `+=`, with
        # no test for a first contribution, and the sums are bit for bit those of
        # starting from the first contribution.
        gradients = dict.fromkeys(order, -0.0)
        gradients[root] = seed
        for node in reversed(order):
            parents = node.parents
            # Most ops have one or two operands: unpacking them is much cheaper
            # than making a zip per node, and this loop runs once per node.
            if len(parents) == 2:
                a, b = parents
                local_a, local_b = node.local_grads
                upstream = gradients[node]
                gradients[a] += upstream * local_a
                gradients[b] += upstream * local_b
            elif len(parents) == 1:
                gradients[parents[0]] += gradients[node] * node.local_grads[0]
            elif parents:
                upstream = gradients[node]
                for parent, local in zip(parents, node.local_grads):
                    gradients[parent] += upstream * local
        return order, gradients

    gradients = {root: seed}
    for node in reversed(order):
        parents = node.parents
        if parents:
            upstream = gradients[node]
            for parent, local in zip(parents, partials(node)):
                # A constant local derivative of exactly 1 (sums) adds no node.
                contribution = upstream if local.__class__ is float and local == 1.0 else upstream * local
                if parent in gradients:
                    gradients[parent] = gradients[parent] + contribution
                else:
                    gradients[parent] = contribution
    return order, gradients
