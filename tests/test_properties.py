"""Property tests: random expression graphs over three variables pass `gradcheck`.

Hypothesis draws an expression tree (at most MAX_LEAVES variable leaves) from
every op, each kept inside its domain by construction: log, sqrt and division
see `a*a + c` with c > 0, a Value exponent has such a positive base, a number
base is positive. What construction cannot bound is filtered: a graph is
rejected when a node overflows (exp, **), when a value or a slope leaves
[-BOUND, BOUND], and when the input of abs or relu is so close to its kink that
the points x +- eps could cross it (there the function is not differentiable and
gradcheck is right to fail; test_gradcheck.py covers that). The graphs drawn
have about 7 nodes on average and up to about 40.

Tolerances. Central differences with step eps err by about
eps^2/6 |f'''| (truncation) plus u |f| / eps per rounding (u ~ 1e-16). Order 1
differences fn, order 2 its analytic gradient, and both are kept within
BOUND = 100 (values and slopes), so with eps = 1e-6 rounding costs at most about
1e-8 per op, some 4e-7 for the largest graphs drawn (about 40 nodes): hence
atol = 1e-6. Truncation is relative to the slopes it comes with: rtol = 1e-6.
Measured over 20,000 drawn graphs per order (order 1 / order 2): the worst
absolute error where |numeric| < 1 was 9e-10 / 2.4e-9, the worst relative error
where |numeric| >= 1 was 1.1e-9 / 2.4e-9, so every entry passed with a margin of
400 or more. A wrong rule is off by a fraction of the slope itself, far outside:
a 1% error fails (last test).
"""

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from autograd import DomainError, Value, grad, gradcheck, topological_order, total, weighted_sum

VARIABLES = 3
MAX_LEAVES = 12
BOUND = 100.0
EPS = 1e-6
ATOL = 1e-6
RTOL = 1e-6
KINK_MARGIN = 1e-4  # the kink input must be farther from 0 than this times its slope sum: 100 eps


def no_number():
    return st.none()


def numbers(low, high):
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


# name -> (number of subexpressions, strategy for the op's number, build(number, *subexpressions))
SHAPES = {
    "+": (2, no_number(), lambda c, a, b: a + b),
    "-": (2, no_number(), lambda c, a, b: a - b),
    "*": (2, no_number(), lambda c, a, b: a * b),
    "/": (2, no_number(), lambda c, a, b: a / (b * b + 0.5)),
    "value ** value": (2, no_number(), lambda c, a, b: (a * a + 0.5) ** b),
    "number + x": (1, numbers(-2, 2), lambda c, a: c + a),
    "number - x": (1, numbers(-2, 2), lambda c, a: c - a),
    "number * x": (1, numbers(-2, 2), lambda c, a: c * a),
    "number / x": (1, numbers(-2, 2), lambda c, a: c / (a * a + 0.5)),
    "x ** integer": (1, st.integers(-2, 3).map(float), lambda n, a: a**n if n >= 0 else (a * a + 0.5) ** n),
    "x ** real": (1, numbers(-1.5, 2.5), lambda p, a: (a * a + 0.25) ** p),
    "number ** x": (1, numbers(0.5, 3), lambda c, a: c**a),
    "neg": (1, no_number(), lambda c, a: -a),
    "abs": (1, no_number(), lambda c, a: abs(a)),
    "exp": (1, no_number(), lambda c, a: a.exp()),
    "log": (1, no_number(), lambda c, a: (a * a + 0.5).log()),
    "tanh": (1, no_number(), lambda c, a: a.tanh()),
    "sigmoid": (1, no_number(), lambda c, a: a.sigmoid()),
    "relu": (1, no_number(), lambda c, a: a.relu()),
    "sin": (1, no_number(), lambda c, a: a.sin()),
    "cos": (1, no_number(), lambda c, a: a.cos()),
    "sqrt": (1, no_number(), lambda c, a: (a * a + 0.25).sqrt()),
    "weighted_sum": (4, numbers(-2, 2), lambda c, w1, w2, x1, x2: weighted_sum([w1, w2], [x1, x2], c)),
    "total": (3, no_number(), lambda c, a, b, d: total([a, b, d])),
}


def grow(subexpressions):
    return st.one_of(
        [
            st.tuples(st.just(name), number, st.tuples(*[subexpressions] * arity))
            for name, (arity, number, _) in SHAPES.items()
        ]
    )


leaves = st.integers(0, VARIABLES - 1).map(lambda i: ("x", i, ()))
expressions = st.recursive(leaves, grow, max_leaves=MAX_LEAVES)
points = st.lists(numbers(-1.5, 1.5), min_size=VARIABLES, max_size=VARIABLES)


def build(tree, variables):
    name, number, subtrees = tree
    if name == "x":
        return variables[number]
    return SHAPES[name][2](number, *(build(subtree, variables) for subtree in subtrees))


def as_function(tree):
    return lambda *variables: build(tree, variables)


def usable(tree, point):
    """Whether the values and slopes stay within BOUND, and kinks far away, at `point` (see the module docstring)."""
    variables = [Value(x) for x in point]
    try:
        out = build(tree, variables)
    except DomainError:  # an overflow of exp or **
        return False
    if not all(abs(g.data) <= BOUND for g in grad(out, variables)):
        return False
    for node in topological_order(out):
        if not abs(node.data) <= BOUND:
            return False
        if node.op in ("abs", "relu"):
            kink_input = node.parents[0]
            slopes = sum(abs(g.data) for g in grad(kink_input, variables))
            if not abs(kink_input.data) > KINK_MARGIN * max(slopes, 1.0):
                return False
    return True


property_settings = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("order", [1, 2])
@property_settings
@given(tree=expressions, point=points)
def test_random_graphs_pass_gradcheck(order, tree, point):
    assume(usable(tree, point))
    report = gradcheck(as_function(tree), point, eps=EPS, atol=ATOL, rtol=RTOL, order=order)
    assert report, tree


@property_settings
@given(expressions, points)
def test_backward_twice_is_exactly_twice_and_agrees_with_grad(tree, point):
    assume(usable(tree, point))
    variables = [Value(x) for x in point]
    out = build(tree, variables)
    gradients = [g.data for g in grad(out, variables)]
    out.backward()
    once = {node: node.grad for node in topological_order(out)}
    out.backward()
    assert all(node.grad == 2 * once[node] for node in topological_order(out))
    # A variable the tree does not use is not in the graph and gets 0 from grad.
    assert [x.grad / 2 for x in variables] == gradients


@property_settings
@given(expressions, points)
def test_topological_order_of_random_graphs(tree, point):
    assume(usable(tree, point))
    out = build(tree, [Value(x) for x in point])
    order = topological_order(out)
    assert order[-1] is out and len(set(order)) == len(order)
    position = {node: i for i, node in enumerate(order)}
    assert all(position[parent] < position[node] for node in order for parent in node.parents)
    assert topological_order(out) == order


def test_the_tolerances_still_catch_a_wrong_rule():
    """A derivative off by a small relative amount (1%) fails at these tolerances."""

    def slightly_wrong(x, y):
        out = (x * y).sin() + x.exp()
        if out.parents:  # gradcheck also evaluates fn under no_grad, where there is nothing to tamper with
            out.local_grads = (1.01 * out.local_grads[0], out.local_grads[1])
        return out

    assert not gradcheck(slightly_wrong, [0.3, -0.8], eps=EPS, atol=ATOL, rtol=RTOL)
