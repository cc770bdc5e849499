"""One table of every primitive op, each checked three ways and for its node shape.

Every row names the public entry point it exercises (a method of `Value` or a
function of `autograd` that is made from an op's declaration), the op string
its node must carry, the kind of each argument, how to call it, the reference
function on floats, its closed-form partial derivatives (one per argument;
`None` where the argument is a number, which gets none) and a sampler that
stays inside the domain. Each row is then checked by value, by closed form (the
recorded `local_grads` and the `.grad` left by `backward()`), and by
`gradcheck` at orders 1 and 2. Kinks are kept out of the samples; the
conventions at them live in test_conventions.py. A guard test, which finds the
public ops by inspecting `Value` and `autograd`, fails when one has no row.
"""

import math
import operator
import random
import re
from collections import namedtuple

import pytest

import autograd
from autograd import Value, atan2, gradcheck, maximum, minimum, no_grad, topological_order, total, weighted_sum
from autograd.value import Op, forward_at, op_arguments, op_display

VALUE = "value"  # a Value operand: a parent, and one of gradcheck's variables
NUMBER = "number"  # a plain number operand: part of the op, not a parent
LEAF = "leaf"  # a plain number in weighted_sum or total: becomes a constant leaf parent

Primitive = namedtuple("Primitive", "name method op kinds call f df sample")
Primitive.__doc__ = """One row: `call(*args)` on Values and numbers, `f(*floats)` its value,
`df(*floats)` the partial by every argument (None for a NUMBER), `sample(rng)` a point."""

# Every op name API.md (and its Additions) lists for `v.op`.
DOCUMENTED_OP_NAMES = {
    "+", "-", "*", "/", "**", "neg", "abs", "exp", "log", "tanh",
    "sigmoid", "relu", "sin", "cos", "sqrt", "sum", "weighted_sum",
    "tan", "sinh", "cosh", "asin", "acos", "atan", "log1p", "expm1", "softplus",
    "floor", "ceil", "leaky_relu", "%", "atan2", "maximum", "minimum",
}  # fmt: skip

# Methods of Value that make no node of their own (everything else public is an op).
NOT_OPS = {"backward", "detach", "op", "parents", "local_grads"}


def uniform(low, high):
    return lambda rng: rng.uniform(low, high)


def away_from_zero(low, high):
    """|x| in [low, high] with either sign."""
    return lambda rng: rng.choice((-1.0, 1.0)) * rng.uniform(low, high)


def independent(*samplers):
    return lambda rng: tuple(sample(rng) for sample in samplers)


def off_integer(sample, gap=0.05):
    """A sample at least `gap` from every integer (the steps of floor and ceil)."""

    def draw(rng):
        while True:
            x = sample(rng)
            if abs(x - round(x)) >= gap:
                return x

    return draw


def off_integer_ratio(sample, gap=0.05):
    """A pair (a, b) whose ratio a/b is at least `gap` from every integer (the kinks of a % b)."""

    def draw(rng):
        while True:
            a, b = sample(rng), sample(rng)
            if abs(a / b - round(a / b)) >= gap:
                return a, b

    return draw


def apart(sample, gap=0.05):
    """A pair at least `gap` apart (the kink of maximum and minimum is where they tie)."""

    def draw(rng):
        while True:
            a, b = sample(rng), sample(rng)
            if abs(a - b) >= gap:
                return a, b

    return draw


def sign(x):
    return 1.0 if x > 0.0 else -1.0


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


V, N, L = VALUE, NUMBER, LEAF
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
    Primitive("x ** n, integer n, either sign of x", "__pow__", "**", (V, N), lambda x, n: x**n,
              lambda x, n: x**n, lambda x, n: (n * x ** (n - 1), None),
              independent(away_from_zero(0.3, 2), lambda rng: rng.choice((-3, -2, -1, 0, 1, 2, 3)))),
    Primitive("x ** p, real p, x > 0", "__pow__", "**", (V, N), lambda x, p: x**p, lambda x, p: x**p,
              lambda x, p: (p * x ** (p - 1), None), independent(uniform(0.2, 3), uniform(-2.5, 2.5))),
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
    Primitive("x % y", "__mod__", "%", (V, V), lambda x, y: x % y, lambda x, y: x % y,
              lambda x, y: (1.0, -math.floor(x / y)), off_integer_ratio(away_from_zero(0.3, 3))),
    Primitive("x % c", "__mod__", "%", (V, N), lambda x, c: x % c, lambda x, c: x % c,
              lambda x, c: (1.0, None), off_integer_ratio(away_from_zero(0.3, 3))),
    Primitive("c % x", "__rmod__", "%", (N, V), lambda c, x: c % x, lambda c, x: c % x,
              lambda c, x: (None, -math.floor(c / x)), off_integer_ratio(away_from_zero(0.3, 3))),
    Primitive("tan(x)", "tan", "tan", (V,), Value.tan, math.tan, lambda x: (1.0 / math.cos(x) ** 2,),
              independent(uniform(-1.3, 1.3))),
    Primitive("sinh(x)", "sinh", "sinh", (V,), Value.sinh, math.sinh, lambda x: (math.cosh(x),),
              independent(uniform(-4, 4))),
    Primitive("cosh(x)", "cosh", "cosh", (V,), Value.cosh, math.cosh, lambda x: (math.sinh(x),),
              independent(uniform(-4, 4))),
    Primitive("asin(x)", "asin", "asin", (V,), Value.asin, math.asin, lambda x: (1.0 / math.sqrt(1.0 - x * x),),
              independent(uniform(-0.95, 0.95))),
    Primitive("acos(x)", "acos", "acos", (V,), Value.acos, math.acos, lambda x: (-1.0 / math.sqrt(1.0 - x * x),),
              independent(uniform(-0.95, 0.95))),
    Primitive("atan(x)", "atan", "atan", (V,), Value.atan, math.atan, lambda x: (1.0 / (1.0 + x * x),),
              independent(uniform(-4, 4))),
    Primitive("log1p(x)", "log1p", "log1p", (V,), Value.log1p, lambda x: math.log(1.0 + x),
              lambda x: (1.0 / (1.0 + x),), independent(uniform(-0.9, 5))),
    Primitive("expm1(x)", "expm1", "expm1", (V,), Value.expm1, lambda x: math.exp(x) - 1.0, lambda x: (math.exp(x),),
              independent(uniform(-5, 5))),
    Primitive("softplus(x)", "softplus", "softplus", (V,), Value.softplus, lambda x: math.log(1.0 + math.exp(x)),
              lambda x: (sigmoid(x),), independent(uniform(-8, 8))),
    Primitive("floor(x)", "floor", "floor", (V,), Value.floor, math.floor, lambda x: (0.0,),
              independent(off_integer(uniform(-4, 4)))),
    Primitive("ceil(x)", "ceil", "ceil", (V,), Value.ceil, math.ceil, lambda x: (0.0,),
              independent(off_integer(uniform(-4, 4)))),
    Primitive("leaky_relu(x), default slope", "leaky_relu", "leaky_relu", (V,), Value.leaky_relu,
              lambda x: x if x > 0 else 0.01 * x, lambda x: (1.0 if x > 0 else 0.01,),
              independent(away_from_zero(0.05, 3))),
    Primitive("leaky_relu(x, s), number slope", "leaky_relu", "leaky_relu", (V, N), Value.leaky_relu,
              lambda x, s: x if x > 0 else s * x, lambda x, s: (1.0 if x > 0 else s, None),
              independent(away_from_zero(0.05, 3), uniform(0, 0.5))),
    Primitive("leaky_relu(x, s), Value slope", "leaky_relu", "leaky_relu", (V, V), Value.leaky_relu,
              lambda x, s: x if x > 0 else s * x, lambda x, s: (1.0 if x > 0 else s, 0.0 if x > 0 else x),
              independent(away_from_zero(0.05, 3), uniform(0, 0.5))),
    Primitive("atan2(y, x)", "atan2", "atan2", (V, V), atan2, math.atan2,
              lambda y, x: (x / (x * x + y * y), -y / (x * x + y * y)),
              independent(away_from_zero(0.2, 3), away_from_zero(0.2, 3))),
    Primitive("atan2(y, c)", "atan2", "atan2", (V, N), atan2, math.atan2,
              lambda y, x: (x / (x * x + y * y), None), independent(away_from_zero(0.2, 3), away_from_zero(0.2, 3))),
    Primitive("atan2(c, x)", "atan2", "atan2", (N, V), atan2, math.atan2,
              lambda y, x: (None, -y / (x * x + y * y)), independent(away_from_zero(0.2, 3), away_from_zero(0.2, 3))),
    Primitive("maximum(a, b)", "maximum", "maximum", (V, V), maximum, max,
              lambda a, b: (1.0, 0.0) if a > b else (0.0, 1.0), apart(uniform(-3, 3))),
    Primitive("maximum(a, c)", "maximum", "maximum", (V, N), maximum, max,
              lambda a, b: (1.0 if a > b else 0.0, None), apart(uniform(-3, 3))),
    Primitive("minimum(a, b)", "minimum", "minimum", (V, V), minimum, min,
              lambda a, b: (1.0, 0.0) if a < b else (0.0, 1.0), apart(uniform(-3, 3))),
    Primitive("minimum(c, b)", "minimum", "minimum", (N, V), minimum, min,
              lambda a, b: (None, 0.0 if a < b else 1.0), apart(uniform(-3, 3))),
    Primitive("weighted_sum(w, x, b)", "weighted_sum", "weighted_sum", (V, V, V, V, V),
              lambda w1, w2, x1, x2, b: weighted_sum([w1, w2], [x1, x2], b),
              lambda w1, w2, x1, x2, b: w1 * x1 + w2 * x2 + b,
              lambda w1, w2, x1, x2, b: (x1, x2, w1, w2, 1.0), independent(*[uniform(-2, 2)] * 5)),
    Primitive("weighted_sum with numbers, no bias", "weighted_sum", "weighted_sum", (V, L, L, V),
              lambda w1, w2, x1, x2: weighted_sum([w1, w2], [x1, x2]),
              lambda w1, w2, x1, x2: w1 * x1 + w2 * x2,
              lambda w1, w2, x1, x2: (x1, x2, w1, w2), independent(*[uniform(-2, 2)] * 4)),
    Primitive("total([a, b, c, d])", "total", "sum", (V, V, L, V), lambda a, b, c, d: total([a, b, c, d]),
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


def public_ops():
    """Every public entry point made from an op's declaration, found by inspection."""
    found = {name for name, member in vars(Value).items() if isinstance(getattr(member, "op", None), Op)}
    found |= {name for name in autograd.__all__ if isinstance(getattr(getattr(autograd, name), "op", None), Op)}
    return found


def test_every_public_op_has_a_row():
    covered = {row.method for row in TABLE}
    ops = public_ops()
    assert not ops - covered, f"public ops missing from the primitive table: {sorted(ops - covered)}"
    assert not covered - ops, f"table rows for names that are not public ops: {sorted(covered - ops)}"


def test_every_public_method_of_value_is_an_op_or_known_not_to_be_one():
    # Catches an op method written by hand without its declaration (it would escape the guard above).
    public = {name for name, member in vars(Value).items() if callable(member) or isinstance(member, property)}
    public = {name for name in public if not name.startswith("_") or (name.startswith("__") and name.endswith("__"))}
    comparisons_and_protocol = {"__init__", "__repr__", "__float__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__"}
    assert public - public_ops() - comparisons_and_protocol == NOT_OPS


def test_every_documented_op_name_is_made_by_some_row():
    assert {row.op for row in TABLE} == DOCUMENTED_OP_NAMES


def parent_partials(row, point):
    """The closed-form partials by the arguments that become parents, in order."""
    return [d for d, kind in zip(row.df(*point), row.kinds) if kind != NUMBER]


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
        expected = parent_partials(row, point)
        assert out.local_grads == pytest.approx(expected, rel=1e-9, abs=1e-12), point
        out.backward()
        parent_args = [arg for arg, kind in zip(args, row.kinds) if kind != NUMBER]
        for k, (parent, arg) in enumerate(zip(out.parents, parent_args)):
            if isinstance(arg, Value):
                assert arg.grad == pytest.approx(expected[k], rel=1e-9, abs=1e-12), (point, k)
            else:  # the constant leaf made from the number still receives its gradient
                assert parent.grad == pytest.approx(expected[k], rel=1e-9, abs=1e-12), (point, k)
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

    operands = [(kind, arg) for kind, arg in zip(row.kinds, args) if kind != NUMBER]
    assert len(out.parents) == len(operands), "a number is part of the op, not a parent; every Value is one"
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


@rows
def test_forward_at_the_recorded_parents_gives_the_node_back(row):
    point = row.sample(random.Random(row.name))
    args = arguments(row, point)
    out = row.call(*args)
    assert forward_at(out, [p.data for p in out.parents]) == out.data
    if row.op not in ("sum", "weighted_sum"):  # the n-ary ops turn numbers into leaves instead
        recorded = op_arguments(out)
        assert len(recorded) >= len(args)  # leaky_relu's default slope is an argument too
        for kept, given in zip(recorded, args):
            assert kept is given if isinstance(given, Value) else kept == float(given)


def test_number_exponent_is_part_of_the_op():
    x = Value(3.0, label="x")
    for exponent in (2, 2.5, -1, 0):
        out = x**exponent
        assert out.parents == (x,)
        assert out.data == pytest.approx(3.0**exponent)
        assert op_arguments(out) == (x, float(exponent))


def test_a_value_exponent_is_a_parent_and_a_number_base_part_of_the_op():
    y = Value(1.5, label="y")
    out = 2**y
    assert out.op == "**"
    assert out.parents == (y,)
    assert out.local_grads == pytest.approx((2**1.5 * math.log(2),))
    assert op_arguments(out) == (2.0, y)
    assert op_display(out) == "2**"


@pytest.mark.parametrize(
    ("make", "arguments_of", "shown"),
    [
        (lambda x: x * 0.5, lambda x: (x, 0.5), "*0.5"),
        (lambda x: 0.5 * x, lambda x: (0.5, x), "0.5*"),
        (lambda x: x + 2, lambda x: (x, 2.0), "+2"),
        (lambda x: 0.5 - x, lambda x: (0.5, x), "0.5-"),
        (lambda x: x / 4, lambda x: (x, 4.0), "/4"),
        (lambda x: 1 / x, lambda x: (1.0, x), "1/"),
        (lambda x: x**2, lambda x: (x, 2.0), "**2"),
        (lambda x: x % 2, lambda x: (x, 2.0), "%2"),
        (lambda x: x.leaky_relu(), lambda x: (x, 0.01), "leaky_relu(0.01)"),
        (lambda x: atan2(1.0, x), lambda x: (1.0, x), "atan2(1, ·)"),
        (lambda x: x * x, lambda x: (x, x), "*"),
        (lambda x: x.tanh(), lambda x: (x,), "tanh"),
    ],
)
def test_a_number_is_kept_on_the_node_for_drawings(make, arguments_of, shown):
    x = Value(1.5, label="x")
    out = make(x)
    assert op_arguments(out) == arguments_of(x)
    assert op_display(out) == shown
    assert out.parents == tuple(a for a in arguments_of(x) if isinstance(a, Value))


def test_a_number_operand_adds_no_leaf_to_the_graph():
    x = Value(0.5, label="x")
    y = x * 0.5 + 0.0001
    assert topological_order(y) == [x, y.parents[0], y]
    assert y.parents[0].local_grads == (0.5,)


def test_detach_gives_a_constant_with_the_same_data():
    x = Value(1.5, label="x")
    y = x * x
    d = y.detach()
    assert (d.data, d.op, d.parents, d.local_grads) == (2.25, "", (), ())
    z = d * x
    z.backward()
    assert x.grad == 2.25  # no gradient flows through the detached factor


def _shape(node):
    """Everything a node records, floats by their bits (repr), for comparing two ways of making it."""
    return (
        repr(node.data),
        node.op,
        node.parents,
        tuple(map(repr, node.local_grads)),
        tuple(repr(a) if not isinstance(a, Value) else a for a in op_arguments(node)),
        op_display(node),
    )


@pytest.mark.parametrize("symbol", ["+", "-", "*"])
@pytest.mark.parametrize(
    "left, right",
    [("x", "y"), ("x", 0.375), ("x", 3), (0.375, "x"), (3, "x"), ("x", "x"), ("x", 1e308), (-1e308, "x")],
)
def test_the_inline_arithmetic_makes_the_node_its_declaration_makes(symbol, left, right):
    # + - * have their arithmetic written inline for speed; the op's declaration,
    # called directly, is the reference (floats, ints, a repeated operand, overflow).
    x, y = Value(1.25e308 if 1e308 in (left, right) or -1e308 in (left, right) else 1.25, label="x"), Value(-0.5)
    operands = [x if a == "x" else y if a == "y" else a for a in (left, right)]
    method = {"+": operator.add, "-": operator.sub, "*": operator.mul}[symbol]
    declared = next(row for row in TABLE if row.op == symbol)
    op = getattr(Value, declared.method).op
    try:
        expected = _shape(op(*operands))
    except autograd.DomainError as error:
        with pytest.raises(autograd.DomainError, match=re.escape(str(error))):
            method(*operands)
        return
    assert _shape(method(*operands)) == expected
    with no_grad():
        made = method(*operands)
    assert (made.data, made.parents, made.op) == (float(expected[0]), (), "")


@pytest.mark.parametrize("base", [1.25, -1.25, 0.0, 3e200, -3e-200, math.inf, math.nan])
@pytest.mark.parametrize("exponent", [2, 2.0, 3, -1, 0.5, -0.5, 0, 1e-3, 7.0, 2**80])
def test_the_written_out_number_power_makes_the_node_its_declaration_makes(base, exponent):
    x = Value(base, label="x")
    try:
        expected = _shape(Value.__pow__.op(x, exponent))
    except autograd.DomainError as error:
        with pytest.raises(autograd.DomainError, match=re.escape(str(error))):
            x**exponent
        return
    assert _shape(x**exponent) == expected


@pytest.mark.parametrize("count, bias", [(1, 0.25), (2, None), (2, -1.5), (3, 2.0), (5, None), (4, 1e308)])
def test_the_written_out_weighted_sum_makes_the_node_its_declaration_makes(count, bias):
    rng = random.Random(count)
    weights = [Value(rng.uniform(-2, 2)) for _ in range(count)]
    inputs = [Value(rng.uniform(-2, 2) * (1e308 if bias == 1e308 else 1.0)) for _ in range(count)]
    bias_value = None if bias is None else Value(bias)
    parents = [*weights, *inputs] + ([] if bias is None else [bias_value])
    try:
        expected = _shape(weighted_sum.op(*parents))
    except autograd.DomainError as error:
        with pytest.raises(autograd.DomainError, match=re.escape(str(error))):
            weighted_sum(weights, inputs, bias_value)
        return
    assert _shape(weighted_sum(weights, inputs, bias_value)) == expected


@pytest.mark.parametrize(
    "terms", [[0.5], [0.5, -0.25], [0.1, 0.2, 0.3], [1e308, 1e308], [1e308, -1e308, 1.0], [math.nan, 1.0]]
)
def test_the_written_out_total_makes_the_node_its_declaration_makes(terms):
    values = [Value(t) for t in terms]
    try:
        expected = _shape(total.op(*values))
    except autograd.DomainError as error:
        with pytest.raises(autograd.DomainError, match=re.escape(str(error))):
            total(values)
        return
    assert _shape(total(values)) == expected


@pytest.mark.parametrize("name", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("x", [2.5, 1e-300, -1.0, 0.0, -0.0, 0.3, -0.7, 40.0, -800.0, math.inf, -math.inf, math.nan])
def test_the_written_out_activations_make_the_node_their_declaration_makes(name, x):
    value = Value(x)
    op = getattr(Value, name).op
    assert _shape(getattr(value, name)()) == _shape(op(value))
    with no_grad():
        made = getattr(value, name)()
    assert made.parents == () and repr(made.data) == repr(op(value).data)
