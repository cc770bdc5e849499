"""Backward passes that meet: threads on one graph, a pass started inside a pass, a pass that fails.

The pass keeps its gradients and marks in the nodes themselves (autograd/graph.py),
so these are the cases where a wrong design gives wrong numbers rather than an error.
"""

import random
import sys
import threading

import pytest

from autograd import Value, grad, topological_order, total, weighted_sum
from autograd.graph import backprop


@pytest.fixture
def switch_often():
    """Let threads switch every microsecond, so that passes interleave mid-way."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def _shared_graph(depth=3000):
    """A chain with a diamond per step: y = sum over steps, every gradient a small integer (exact in floats)."""
    x = Value(0.5, label="x")
    w = Value(2.0, label="w")
    v = x
    for _ in range(depth):
        v = (v + w) - w + 1.0  # d/dv = 1, d/dw = 0 per step
    y = v * 3.0 + x  # dy/dx = 3 * 1 + 1 = 4, dy/dw = 0
    return x, w, y


def _run_in_threads(count, target):
    failures = []

    def guarded(k):
        try:
            target(k)
        except BaseException as error:  # reported in the main thread
            failures.append(error)

    threads = [threading.Thread(target=guarded, args=(k,)) for k in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a thread of the test hung"
    if failures:
        raise failures[0]


def test_threads_taking_grad_of_one_shared_graph_get_exact_gradients(switch_often):
    x, w, y = _shared_graph()
    seen = []

    def work(_):
        for _ in range(8):
            seen.append(tuple(g.data for g in grad(y, [x, w])))

    _run_in_threads(4, work)
    assert seen == [(4.0, 0.0)] * 32


def test_threads_running_backward_on_one_shared_graph_add_exactly_once_each(switch_often):
    x, w, y = _shared_graph()

    def work(_):
        for _ in range(5):
            y.backward()

    _run_in_threads(4, work)
    # 20 passes, each adding 4 to x.grad and 0 to w.grad: exact, whatever the interleaving.
    assert (x.grad, w.grad, y.grad) == (80.0, 0.0, 20.0)


def test_threads_on_graphs_that_share_only_leaves(switch_often):
    x = Value(1.5, label="x")
    results = {}

    def work(k):
        v = x
        for _ in range(2000):
            v = v * 1.0 + float(k)
        results[k] = [grad(v, [x])[0].data for _ in range(5)]

    _run_in_threads(4, work)
    assert results == {k: [1.0] * 5 for k in range(4)}


class _Reentrant(float):
    """A `.grad` whose `+` runs another pass over the same graph: a pass started inside a pass."""

    inner = None

    def __add__(self, other):
        inner = type(self).inner
        if inner is not None:
            inner()
        return float(self) + other


def test_a_pass_started_inside_a_pass_in_the_same_thread():
    x, w, y = _shared_graph(depth=50)
    chain = y.parents[0].parents[0]
    other = chain * 5.0 + x * w  # shares the chain and the leaves with y: d/dx = 5 + 2, d/dw = 0.5
    inner_results = []
    _Reentrant.inner = lambda: inner_results.append(grad(other, [x, w]))
    try:
        x.grad = _Reentrant(0.0)  # its `+` runs while the outer pass adds its totals into .grad
        y.backward()
    finally:
        _Reentrant.inner = None
    assert [(a.data, b.data) for a, b in inner_results] == [(7.0, 0.5)]
    assert x.grad == 4.0 and w.grad == 0.0 and y.grad == 1.0
    y.backward()  # and the graph is as good as new afterwards
    assert (x.grad, w.grad) == (8.0, 0.0)
    assert tuple(g.data for g in grad(other, [x, w])) == (7.0, 0.5)


def test_a_failed_pass_leaves_the_graph_as_good_as_new():
    x, w, y = _shared_graph(depth=50)
    middle = y.parents[0].parents[0]
    middle.grad = "not a number"  # `.grad += ...` raises TypeError inside the pass
    with pytest.raises(TypeError):
        y.backward()
    middle.grad = 0.0
    assert tuple(g.data for g in grad(y, [x, w])) == (4.0, 0.0)
    x.grad = w.grad = 0.0
    y.backward()
    assert (x.grad, w.grad) == (4.0, 0.0)


def _random_graph(rng, size):
    nodes = [Value(rng.uniform(-1, 1)) for _ in range(3)]
    for _ in range(size):
        a, b = rng.choice(nodes), rng.choice(nodes)
        kind = rng.randrange(8)
        if kind == 0:
            nodes.append(a * b)
        elif kind == 1:
            nodes.append(a + 0.5)
        elif kind == 2:
            nodes.append(0.5 - a)
        elif kind == 3:
            nodes.append(a.tanh())
        elif kind == 4:
            nodes.append(a.leaky_relu(0.1) + b * a)
        elif kind == 5:
            nodes.append(a * Value(rng.uniform(-1, 1)))  # a new leaf as the second operand
        elif kind == 6:
            nodes.append(total([a, b, rng.choice(nodes), a]))
        else:
            nodes.append(weighted_sum([Value(0.5), rng.choice(nodes)], [a, b], Value(0.25)))
    return nodes[:3], nodes[-1]


@pytest.mark.parametrize("seed", range(40))
def test_the_pass_visits_the_public_order_and_agrees_with_the_dict_pass(seed):
    rng = random.Random(seed)
    leaves, root = _random_graph(rng, 40)
    order, found = backprop(root, 1.0)
    assert order == topological_order(root)
    # The same pass with a dict, as a pass started inside a pass runs it: the same bits.
    _, by_dict = backprop(root, 1.0, lambda node: node.local_grads)
    assert found == by_dict
    assert [g.data for g in grad(root, leaves)] == [found.get(leaf, 0.0) for leaf in leaves]


def test_a_gradient_that_is_no_number_is_named_as_backwards_argument():
    x = Value(2.0, label="x")
    y = x * 3.0
    with pytest.raises(TypeError, match=r"^backward: gradient must be a number, not str: 'a' \(at 6\.0\)$"):
        y.backward("a")
    x.label = "loss"
    too_large = r"^backward: gradient 10{400} is too large for a float \(at 2\.0 \(label 'loss'\)\)$"
    with pytest.raises(ValueError, match=too_large):
        x.backward(10**400)
    assert (x.grad, y.grad) == (0.0, 0.0)  # nothing was added
