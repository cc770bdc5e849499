"""One table of every primitive op, each checked three ways and for its node shape.

Every row names the public entry point it exercises (a name in
`autograd.value.OPS`), the op string its node must carry, the kind of each
argument, how to call it, the reference function on floats, its closed-form
partial derivatives and a sampler that stays inside the domain. Each row is then
checked by value, by closed form (the recorded `local_grads` and the `.grad`
left by `backward()`), and by `gradcheck` at orders 1 and 2. The kinks of abs
and relu are kept out of the samples; their conventions at 0 live in
test_conventions.py. A guard test fails when a public op has no row.
"""

import math
import random
from collections import namedtuple

import pytest

from autograd import Value, gradcheck, topological_order, total, weighted_sum
from autograd.value import OPS

VALUE = "value"  # a Value operand: a parent, and one of gradcheck's variables
NUMBER = "number"  # a plain number operand: becomes a constant leaf parent
EXPONENT = "exponent"  # the number exponent of **: part of the op, not a parent

Primitive = namedtuple("Primitive", "name method op kinds call f df sample")
Primitive.__doc__ = """One row: `call(*args)` on Values and numbers, `f(*floats)` its value,
`df(*floats)` the partials by every argument that becomes a parent, `sample(rng)` a point."""

# Every op name API.md lists for `v.op`.
DOCUMENTED_OP_NAMES = {
    "+", "-", "*", "/", "**", "neg", "abs", "exp", "log", "tanh",
    "sigmoid", "relu", "sin", "cos", "sqrt", "sum", "weighted_sum",
}  # fmt: skip


def uniform(low, high):
    return lambda rng: rng.uniform(low, high)


def away_from_zero(low, high):
    """|x| in [low, high] with either sign."""
    return lambda rng: rng.choice((-1.0, 1.0)) * rng.uniform(low, high)


def independent(*samplers):
    return lambda rng: tuple(sample(rng) for sample in samplers)


def sign(x):
    return 1.0 if x > 0.0 else -1.0


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


V, N, E = VALUE, NUMBER, EXPONENT
TABLE = [
    Primitive("x + y", "__add__", "+", (V, V), lambda x, y: x + y, lambda x, y: x + y,
              lambda x, y: (1.0, 1.0), independent(uniform(-3, 3), uniform(-3, 3))),
    Primitive("x + c", "__add__", "+", (V, N), lambda x, c: x + c, lambda x, c: x + c,
              lambda x, c: (1.0, 1.0), independent(uniform(-3, 3), uniform(-3, 3))),
    Primitive("c + x", "__radd__", "+", (N, V), lambda c, x: c + x, lambda c, x: c + x,
              lambda c, x: (1.0, 1.0), independent(uniform(-3, 3), uniform(-3, 3))),
    Primitive("x - y", "__sub__", "-", (V, V), lambda x, y: x - y, lambda x, y: x - y,
              lambda x, y: (1.0, -1.0), independent(uniform(-3, 3), uniform(-3, 3))),
    Primitive("x - c", "__sub__", "-", (V, N), lambda x, c: x - c, lambda x, c: x - c,
              lambda x, c: (1.0, -1.0), independent(uniform(-3, 3), uniform(-3, 3))),
    Primitive("c - x", "__rsub__", "-", (N, V), lambda c, x: c - x, lambda c, x: c - x,
              lambda c, x: (1.0, -1.0), independent(uniform(-3, 3), uniform(-3, 3))),
    Primitive("x * y", "__mul__", "*", (V, V), lambda x, y: x * y, lambda x, y: x * y,
              lambda x, y: (y, x), independent(uniform(-3, 3), uniform(-3, 3))),
    Primitive("x * c", "__mul__", "*", (V, N), lambda x, c: x * c, lambda x, c: x * c,
              lambda x, c: (c, x), independent(uniform(-3, 3), uniform(-3, 3))),
    Primitive("c * x", "__rmul__", "*", (N, V), lambda c, x: c * x, lambda c, x: c * x,
              lambda c, x: (x, c), independent(uniform(-3, 3), uniform(-3, 3))),
    Primitive("x / y", "__truediv__", "/", (V, V), lambda x, y: x / y, lambda x, y: x / y,
              lambda x, y: (1.0 / y, -x / (y * y)), independent(uniform(-3, 3), away_from_zero(0.3, 3))),
    Primitive("x / c", "__truediv__", "/", (V, N), lambda x, c: x / c, lambda x, c: x / c,
              lambda x, c: (1.0 / c, -x / (c * c)), independent(uniform(-3, 3), away_from_zero(0.3, 3))),
    Primitive("c / x", "__rtruediv__", "/", (N, V), lambda c, x: c / x, lambda c, x: c / x,
              lambda c, x: (1.0 / x, -c / (x * x)), independent(uniform(-3, 3), away_from_zero(0.3, 3))),
    Primitive("x ** n, integer n, either sign of x", "__pow__", "**", (V, E), lambda x, n: x**n,
              lambda x, n: x**n, lambda x, n: (n * x ** (n - 1),),
              independent(away_from_zero(0.3, 2), lambda rng: rng.choice((-3, -2, -1, 0, 1, 2, 3)))),
    Primitive("x ** p, real p, x > 0", "__pow__", "**", (V, E), lambda x, p: x**p, lambda x, p: x**p,
              lambda x, p: (p * x ** (p - 1),), independent(uniform(0.2, 3), uniform(-2.5, 2.5))),
    Primitive("x ** y, Value exponent", "__pow__", "**", (V, V), lambda x, y: x**y, lambda x, y: x**y,
              lambda x, y: (y * x ** (y - 1), x**y * math.log(x)), independent(uniform(0.2, 3), uniform(-2, 2))),
    Primitive("c ** x, number base", "__rpow__", "**", (N, V), lambda c, x: c**x, lambda c, x: c**x,
              lambda c, x: (x * c ** (x - 1), c**x * math.log(c)), independent(uniform(0.2, 3), uniform(-2, 2))),
    Primitive("-x", "__neg__", "neg", (V,), lambda x: -x, lambda x: -x, lambda x: (-1.0,), independent(uniform(-3, 3))),
    Primitive("abs(x)", "__abs__", "abs", (V,), abs, abs, lambda x: (sign(x),), independent(away_from_zero(0.05, 3))),
    Primitive("exp(x)", "exp", "exp", (V,), Value.exp, math.exp, lambda x: (math.exp(x),),
              independent(uniform(-5, 5))),
    Primitive("log(x)", "log", "log", (V,), Value.log, math.log, lambda x: (1.0 / x,), independent(uniform(0.05, 10))),
    Primitive("tanh(x)", "tanh", "tanh", (V,), Value.tanh, math.tanh, lambda x: (1.0 / math.cosh(x) ** 2,),
              independent(uniform(-3, 3))),
    Primitive("sigmoid(x)", "sigmoid", "sigmoid", (V,), Value.sigmoid, sigmoid,
              lambda x: (math.exp(-x) / (1.0 + math.exp(-x)) ** 2,), independent(uniform(-6, 6))),
    Primitive("relu(x)", "relu", "relu", (V,), Value.relu, lambda x: max(0.0, x),
              lambda x: (1.0 if x > 0.0 else 0.0,), independent(away_from_zero(0.05, 3))),
    Primitive("sin(x)", "sin", "sin", (V,), Value.sin, math.sin, lambda x: (math.cos(x),), independent(uniform(-4, 4))),
    Primitive("cos(x)", "cos", "cos", (V,), Value.cos, math.cos, lambda x: (-math.sin(x),),
              independent(uniform(-4, 4))),
    Primitive("sqrt(x)", "sqrt", "sqrt", (V,), Value.sqrt, math.sqrt, lambda x: (0.5 / math.sqrt(x),),
              independent(uniform(0.05, 9))),
    Primitive("weighted_sum(w, x, b)", "weighted_sum", "weighted_sum", (V, V, V, V, V),
              lambda w1, w2, x1, x2, b: weighted_sum([w1, w2], [x1, x2], b),
              lambda w1, w2, x1, x2, b: w1 * x1 + w2 * x2 + b,
              lambda w1, w2, x1, x2, b: (x1, x2, w1, w2, 1.0), independent(*[uniform(-2, 2)] * 5)),
    Primitive("weighted_sum with numbers, no bias", "weighted_sum", "weighted_sum", (V, N, N, V),
              lambda w1, w2, x1, x2: weighted_sum([w1, w2], [x1, x2]),
              lambda w1, w2, x1, x2: w1 * x1 + w2 * x2,
              lambda w1, w2, x1, x2: (x1, x2, w1, w2), independent(*[uniform(-2, 2)] * 4)),
    Primitive("total([a, b, c, d])", "total", "sum", (V, V, N, V), lambda a, b, c, d: total([a, b, c, d]),
              lambda a, b, c, d: a + b + c + d, lambda a, b, c, d: (1.0, 1.0, 1.0, 1.0),
              independent(*[uniform(-3, 3)] * 4)),
    Primitive("total([a])", "total", "sum", (V,), lambda a: total([a]), lambda a: a, lambda a: (1.0,),
              independent(uniform(-3, 3))),
]  # fmt: skip

POINTS_PER_ROW = 12


def points(row):
    rng = random.Random(row.name)  # a str seed is stable across runs and interpreters
    return [row.sample(rng) for _ in range(POINTS_PER_ROW)]


def arguments(row, point):
    """Values (labelled a0, a1, ...) for the VALUE slots, plain numbers for the rest."""
    return [Value(x, label=f"a{i}") if kind == VALUE else x for i, (kind, x) in enumerate(zip(row.kinds, point))]


def as_function(row, point):
    """`row.call` as a function of its Value arguments only, the numbers held fixed, and the point it is at."""
    variables = [i for i, kind in enumerate(row.kinds) if kind == VALUE]

    def fn(*values):
        args = list(point)
        for i, value in zip(variables, values):
            args[i] = value
        return row.call(*args)

    return fn, [point[i] for i in variables]


rows = pytest.mark.parametrize("row", TABLE, ids=[row.name for row in TABLE])


def test_every_public_op_has_a_row():
    covered = {row.method for row in TABLE}
    assert not set(OPS) - covered, f"public ops missing from the primitive table: {sorted(set(OPS) - covered)}"
    assert not covered - set(OPS), f"table rows for names that are not public ops: {sorted(covered - set(OPS))}"


def test_every_documented_op_name_is_made_by_some_row():
    assert {row.op for row in TABLE} == DOCUMENTED_OP_NAMES


@rows
def test_value_matches_the_reference(row):
    for point in points(row):
        out = row.call(*arguments(row, point))
        assert isinstance(out, Value)
        assert out.data == pytest.approx(row.f(*point), rel=1e-12, abs=1e-12), point


@rows
def test_local_grads_and_backward_match_the_closed_form(row):
    for point in points(row):
        args = arguments(row, point)
        out = row.call(*args)
        expected = row.df(*point)
        assert out.local_grads == pytest.approx(expected, rel=1e-9, abs=1e-12), point
        out.backward()
        parent_slots = [i for i, kind in enumerate(row.kinds) if kind != EXPONENT]
        for k, i in enumerate(parent_slots):
            if row.kinds[i] == VALUE:
                assert args[i].grad == pytest.approx(expected[k], rel=1e-9, abs=1e-12), (point, i)
            else:  # the constant leaf made from the number still receives its gradient
                assert out.parents[k].grad == pytest.approx(expected[k], rel=1e-9, abs=1e-12), (point, i)
        assert out.grad == 1.0


@rows
@pytest.mark.parametrize("order", [1, 2])
def test_gradcheck_passes(row, order):
    for point in points(row):
        fn, inputs = as_function(row, point)
        report = gradcheck(fn, inputs, order=order)
        assert report, point


@rows
def test_one_node_whose_parents_are_the_operands(row):
    point = row.sample(random.Random(row.name))
    args = arguments(row, point)
    out = row.call(*args)
    assert out.op == row.op
    assert isinstance(out.parents, tuple)
    assert isinstance(out.local_grads, tuple)
    assert len(out.local_grads) == len(out.parents)
    assert all(type(g) is float for g in out.local_grads)

    operands = [(kind, arg) for kind, arg in zip(row.kinds, args) if kind != EXPONENT]
    assert len(out.parents) == len(operands), "a number exponent is not a parent; every other operand is"
    for parent, (kind, arg) in zip(out.parents, operands):
        if kind == VALUE:
            assert parent is arg
        else:
            assert isinstance(parent, Value)
            assert (parent.op, parent.parents, parent.local_grads) == ("", (), ())
            assert parent.data == float(arg)
            assert all(parent is not a for a in args)
    # Exactly one node: the graph is the result and its (leaf) operands, nothing in between.
    assert topological_order(out)[-1] is out
    assert set(topological_order(out)) == {out, *out.parents}


def test_number_exponent_is_part_of_the_op():
    x = Value(3.0, label="x")
    for exponent in (2, 2.5, -1, 0):
        out = x**exponent
        assert out.parents == (x,)
        assert out.data == pytest.approx(3.0**exponent)


def test_a_value_exponent_is_a_parent_and_a_number_base_a_constant_leaf():
    y = Value(1.5, label="y")
    out = 2**y
    assert out.op == "**"
    assert len(out.parents) == 2
    assert out.parents[1] is y
    assert out.parents[0].data == 2.0 and out.parents[0].op == ""
