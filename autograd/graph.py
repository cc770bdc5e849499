"""The backprop core: topological order and one reverse pass over a graph.

Owns: `topological_order`, the pass that `Value.backward()` and `grad()` run
(`accumulate`, `gradients`) and `backprop` (the same pass handing back a dict,
and the pass that builds a graph for `create_graph=True`). It reads the node's
slots as autograd/value.py lays them out (`Value`'s docstring: `_a`, `_b` the
operands, `_da`, `_db` their local derivatives, a tuple in `_b`/`_db` for any
other shape) and never imports `value` (that module imports this one), nor
`nn` or `viz`. Inside `detect_anomaly()` (read from the mode once per pass) it
hands the pass to the checked copy in autograd/anomaly.py.

Why iterative: a chain a million nodes deep is a normal graph for an unrolled
loop, and recursion would stop near Python's recursion limit (about 1,000).

Why gradients of their own per pass: each pass sums its own gradients from
-0.0 and adds the totals into `.grad` only at the end. Reading and writing
`.grad` during the pass would mix this pass with earlier ones, so a second
`backward()` would push the already accumulated gradient of an intermediate
node down again (micrograd's double counting: 18 where 12 is right).

Where a pass keeps them: in the nodes themselves, in the scratch slot `_g`.
Outside a pass `_g` is None on every node. The pass's topological sort marks
a node it has opened with `_OPEN` and a node it has emitted with -0.0, which
is also where that node's gradient starts (-0.0 + g == g for every g, zeros
and their signs included, so each edge is one `+=` with no test for a first
contribution); the chain rule adds into `_g` along each edge; at the end the
totals go to `.grad` (or to the caller of `grad()`) and `_g` is None again,
also when the pass is interrupted. A dict per pass would cost a hash lookup
per edge and per mark, which was most of the backward pass's time.

Threads. The scratch slots are shared by every pass over a node, so one pass
at a time may use them: the module's `_lock` is held for the length of one
pass. A second thread's pass over the same (or any) graph waits for it; under
the GIL the two could not run at the same time anyway, so this costs no
throughput, and the gradients of each pass are exactly those it would get
alone. Building graphs, `no_grad()`, and passes that use no scratch slots
(`topological_order`, `create_graph=True`, `detect_anomaly()`) take no lock.
A pass started while this thread's own pass holds the lock (which only code
run from inside that pass could do: a signal handler, a `.grad` of a type of
your own whose `+` runs a pass) runs with a dict instead of the slots, with
the same results.
"""

import threading

from autograd.mode import RECORDING, active, current_mode

_OPEN = "open"
_DONE = "done"

_lock = threading.RLock()  # held by the thread whose pass is using the scratch slots
_busy = False  # True while a pass uses them (read and written only by the lock's owner)


def topological_order(root):
    """Every node `root` depends on, each after all of its parents, `root` last.

    Iterative depth-first post-order. A node is looked at twice: first it is
    marked open and its unseen parents go on the stack above it; when it is on
    top again all of them are done, and it is emitted. The order depends only on
    the graph, so it is the same on every call, and it is the order the
    backward pass visits (`_marked_order` is this loop with its marks in the
    nodes). It keeps its marks in a dict of its own: any thread may call it at
    any time.
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
            a = node._a
            if a is not None:
                if a not in state:
                    push(a)
                b = node._b
                if b and b not in state:
                    push(b)
            else:
                for parent in node._b or ():
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


def _marked_order(root):
    """`topological_order` with its marks in `_g`: `_OPEN`, then -0.0 once emitted. Holds the lock.

    The same post-order, written for speed: a node is popped, and when its
    only unseen parent is its first (the chain of an unrolled loop) the loop
    walks down to it at once instead of pushing it and popping it again; a
    node with no unseen parent is emitted at once. (Method calls, not bound
    methods in locals: CPython 3.11 specializes `list.append` only so.) On
    any exception every mark is taken away again.
    """
    order = []
    stack = [root]
    node = root
    try:
        while stack:
            node = stack.pop()
            mark = node._g
            if mark is _OPEN:  # on top again: its parents are done
                node._g = -0.0
                order.append(node)
                continue
            if mark is not None:  # pushed twice and done since
                continue
            while True:
                a = node._a
                if a is not None:
                    b = node._b
                    if b and b._g is None:
                        if b._a is None and not b._b:  # a leaf, next on top: emitted at once
                            b._g = -0.0
                            order.append(b)
                        else:
                            node._g = _OPEN
                            stack.append(node)
                            if a._g is None:
                                stack.append(a)
                            stack.append(b)
                            break
                    if a._g is None:
                        node._g = _OPEN
                        stack.append(node)
                        node = a
                        continue
                else:
                    parents = node._b
                    if parents:
                        # From the last parent back (the order the stack would give them):
                        # leaves are emitted at once up to the first parent with parents of its
                        # own; it and every unseen parent before it go on the stack.
                        rest = None
                        for parent in reversed(parents):
                            if parent._g is None:
                                if rest is not None:
                                    rest.append(parent)
                                elif parent._a is None and not parent._b:
                                    parent._g = -0.0
                                    order.append(parent)
                                else:
                                    rest = [parent]
                        if rest is not None:
                            node._g = _OPEN
                            stack.append(node)
                            rest.reverse()
                            stack.extend(rest)
                            break
                node._g = -0.0
                order.append(node)
                break
    except BaseException:
        node._g = None
        _unmark(order)
        _unmark(stack)
        raise
    return order


def _unmark(nodes):
    for node in nodes:
        node._g = None


def _chain_rule(root, seed):
    """The pass itself: the order, with d(root)/d(node) * seed in each node's `_g`. Holds the lock."""
    order = _marked_order(root)
    try:
        root._g = seed
        for node in reversed(order):
            a = node._a
            if a is not None:
                upstream = node._g
                a._g += upstream * node._da
                b = node._b
                if b:
                    b._g += upstream * node._db
            else:
                parents = node._b
                if parents:
                    upstream = node._g
                    for parent, local in zip(parents, node._db):
                        parent._g += upstream * local
    except BaseException:
        _unmark(order)
        raise
    return order


def accumulate(root, seed):
    """`Value.backward()`: add d(root)/d(node) * seed into `.grad` of every node `root` depends on."""
    global _busy
    if active:
        mode = current_mode()
        if mode is not RECORDING and mode.anomaly is not None:
            for node, gradient in backprop(root, seed)[1].items():
                node.grad += gradient
            return
    with _lock:
        if _busy:  # a pass started from inside this thread's own pass
            for node, gradient in _dict_pass(root, seed).items():
                node.grad += gradient
            return
        _busy = True
        try:
            order = _chain_rule(root, seed)
            try:
                for node in order:
                    node.grad += node._g
                    node._g = None
            except BaseException:
                _unmark(order)
                raise
        finally:
            _busy = False


def gradients(root, seed, inputs):
    """`grad()`: d(root)/d(input) * seed for each of `inputs`, floats; 0.0 for one `root` does not depend on."""
    global _busy
    if active:
        mode = current_mode()
        if mode is not RECORDING and mode.anomaly is not None:
            found = backprop(root, seed)[1]
            return [found.get(node, 0.0) for node in inputs]
    with _lock:
        if _busy:
            found = _dict_pass(root, seed)
            return [found.get(node, 0.0) for node in inputs]
        _busy = True
        try:
            order = _chain_rule(root, seed)
            try:
                return [0.0 if node._g is None else node._g for node in inputs]
            finally:
                _unmark(order)
        finally:
            _busy = False


def _dict_pass(root, seed):
    """The float pass with a dict instead of the scratch slots (which this thread's outer pass is using)."""
    return backprop(root, seed, _recorded)[1]


def _recorded(node):
    return node.local_grads


def backprop(root, seed, partials=None):
    """Apply the chain rule from `root` back to every node it depends on.

    Returns `(order, gradients)`: the topological order and a dict mapping each
    node of it to d(root)/d(node), starting from `seed` at the root.

    With `partials=None` the recorded float `local_grads` are used and the
    result holds floats. Otherwise `partials(node)` must return the node's local
    derivatives as differentiable objects (Values), `seed` is one too, and the
    arithmetic below builds a new graph: that is `create_graph=True`. Its sums
    start from the first contribution rather than -0.0, which for floats gives
    the same bits.
    """
    mode = current_mode()
    if mode is not RECORDING and mode.anomaly is not None:
        # Inside detect_anomaly(): a checked copy of the loops (autograd/anomaly.py).
        order = topological_order(root)
        return order, mode.anomaly.backprop(order, root, seed, partials)
    if partials is None:
        global _busy
        with _lock:
            if not _busy:
                _busy = True
                try:
                    order = _chain_rule(root, seed)
                    try:
                        return order, {node: node._g for node in order}
                    finally:
                        _unmark(order)
                finally:
                    _busy = False
        partials = _recorded
    order = topological_order(root)
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
