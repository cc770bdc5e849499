"""The classic traps of a scalar autograd engine, each against a number worked out by hand.

Repeated operands, a node reused by two children, a diamond, two backward passes
(which must give exactly twice, also on intermediate nodes), a chain a million
nodes deep (no recursion anywhere), `grad` leaving `.grad` alone, and the
contract of `topological_order`.
"""

import pytest

from autograd import Value, grad, topological_order


def test_x_times_x_counts_both_edges():
    x = Value(3.0, label="x")
    y = x * x
    assert y.parents == (x, x)
    y.backward()
    assert x.grad == 6.0


def test_a_node_reused_by_its_child():
    a = Value(1.5, label="a")
    b = a + a
    c = b + b
    c.backward()
    assert (c.grad, b.grad, a.grad) == (1.0, 2.0, 4.0)


def test_backward_twice_gives_exactly_twice_on_every_node():
    a = Value(1.5, label="a")
    b = a + a
    c = b + b
    c.backward()
    c.backward()
    assert (a.grad, b.grad, c.grad) == (8.0, 4.0, 2.0)


def diamond():
    """d = (3a) * (a + 1): two paths from a to d; dd/da = 3(a + 1) + 3a = 6a + 3."""
    a = Value(2.0, label="a")
    b = a * 3.0
    c = a + 1.0
    d = b * c
    return a, b, c, d


def test_diamond():
    a, b, c, d = diamond()
    d.backward()
    assert a.grad == 15.0
    assert b.grad == c.data == 3.0
    assert c.grad == b.data == 6.0


def test_diamond_backward_twice():
    a, b, c, d = diamond()
    d.backward()
    d.backward()
    assert (a.grad, b.grad, c.grad, d.grad) == (30.0, 6.0, 12.0, 2.0)


def test_backward_takes_the_seed_gradient():
    x = Value(3.0)
    y = x * x
    y.backward(0.5)
    assert (x.grad, y.grad) == (3.0, 0.5)


def test_backward_of_a_leaf():
    x = Value(3.0)
    x.backward()
    assert x.grad == 1.0


def test_backward_from_an_intermediate_adds_to_what_is_there():
    a, b, c, d = diamond()
    d.backward()
    c.backward()  # dc/da = 1 and dc/dc = 1 on top of the first pass
    assert (a.grad, c.grad, b.grad) == (16.0, 7.0, 3.0)


DEPTH = 1_000_000


@pytest.fixture(scope="module")
def deep_chain():
    """y_0 = x, y_k = y_(k-1) + x: a chain of DEPTH nodes, each also fed by x; dy/dx = DEPTH + 1."""
    x = Value(0.5, label="x")
    y = x
    for _ in range(DEPTH):
        y = y + x
    return x, y


def test_deep_chain_topological_order(deep_chain):
    x, y = deep_chain
    order = topological_order(y)
    assert len(order) == DEPTH + 1
    assert order[0] is x and order[-1] is y
    assert order[1].parents == (x, x) and order[2].parents == (order[1], x)


def test_deep_chain_grad(deep_chain):
    x, y = deep_chain
    before = x.grad
    (dx,) = grad(y, [x])
    assert dx.data == DEPTH + 1
    assert x.grad == before


def test_deep_chain_backward(deep_chain):
    x, y = deep_chain
    x_before, y_before, previous_before = x.grad, y.grad, y.parents[0].grad
    y.backward()
    assert x.grad - x_before == DEPTH + 1
    assert y.grad - y_before == 1.0
    assert y.parents[0].grad - previous_before == 1.0


def graph_of_every_kind():
    """A small graph with a repeated operand, shared subexpressions, constants and n-ary nodes."""
    x = Value(0.7, label="x")
    y = Value(-1.2, label="y")
    s = x * y
    t = s.tanh() + s * s
    u = (x - y) ** 2 / (1.0 + y * y)
    return [x, y], (t * u + t.exp() - u.sigmoid()).sin()


def ancestors(root):
    """Every node root depends on, by a plain worklist walk (no order)."""
    found = {root}
    pending = [root]
    while pending:
        for parent in pending.pop().parents:
            if parent not in found:
                found.add(parent)
                pending.append(parent)
    return found


def test_topological_order_contract():
    _, root = graph_of_every_kind()
    order = topological_order(root)
    assert order[-1] is root
    assert len(order) == len(set(order)), "each node appears once"
    assert set(order) == ancestors(root)
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert position[parent] < position[node]


def test_topological_order_is_deterministic():
    _, root = graph_of_every_kind()
    first = topological_order(root)
    assert topological_order(root) == first
    assert all(a is b for a, b in zip(topological_order(root), first))
    # The same graph built again gives the same sequence of nodes.
    _, again = graph_of_every_kind()
    assert [(n.op, n.data) for n in topological_order(again)] == [(n.op, n.data) for n in first]


def test_topological_order_of_a_leaf():
    x = Value(1.0)
    assert topological_order(x) == [x]


def test_grad_leaves_every_grad_untouched():
    inputs, root = graph_of_every_kind()
    root.backward()
    before = {node: node.grad for node in topological_order(root)}
    for create_graph in (False, True):
        grad(root, inputs, create_graph=create_graph)
        assert {node: node.grad for node in topological_order(root)} == before


def test_grad_matches_backward():
    inputs, root = graph_of_every_kind()
    gradients = grad(root, inputs)
    root.backward()
    assert [g.data for g in gradients] == [x.grad for x in inputs]


@pytest.mark.parametrize("create_graph", [False, True])
def test_an_input_the_output_does_not_depend_on_gets_zero(create_graph):
    x = Value(2.0, label="x")
    unused = Value(5.0, label="unused")
    dx, dunused = grad(x * x, [x, unused], create_graph=create_graph)
    assert dx.data == 4.0
    assert isinstance(dunused, Value) and dunused.data == 0.0
