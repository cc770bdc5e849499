"""One rule for numbers that are not finite, the same for every op (README, "Conventions").

Finite operands give a finite result or a `DomainError` (outside the domain, or
an overflow). Operands that are inf or NaN propagate as IEEE arithmetic does:
never an error, never hidden (no NaN turned into a number).
"""

import math

import pytest

from autograd import DomainError, Value, atan2, maximum, minimum, total, weighted_sum

UNARY = [
    "exp", "log", "tanh", "sigmoid", "relu", "sin", "cos", "sqrt", "tan", "sinh", "cosh", "asin", "acos",
    "atan", "log1p", "expm1", "softplus", "floor", "ceil", "leaky_relu", "__neg__", "__abs__",
]  # fmt: skip


def ops_on(x):
    """Every op with `x` as (one of) its operands, the other operands finite and harmless."""
    yield from ((name, lambda name=name: getattr(x, name)()) for name in UNARY)
    yield from [
        ("x + 1", lambda: x + 1.0), ("1 - x", lambda: 1.0 - x), ("x * 2", lambda: x * 2.0),
        ("x * x", lambda: x * x), ("x / 2", lambda: x / 2.0), ("2 / x", lambda: 2.0 / x),
        ("x ** 2", lambda: x**2), ("x ** 0.5", lambda: x**0.5), ("2 ** x", lambda: 2.0**x),
        ("x % 3", lambda: x % 3.0), ("atan2(x, 1)", lambda: atan2(x, 1.0)),
        ("maximum(x, 0)", lambda: maximum(x, 0.0)), ("minimum(x, 0)", lambda: minimum(x, 0.0)),
        ("total", lambda: total([x, 1.0])), ("weighted_sum", lambda: weighted_sum([x], [2.0], 1.0)),
    ]  # fmt: skip


@pytest.mark.parametrize("name", [name for name, _ in ops_on(Value(0.0))])
def test_nan_in_gives_nan_out_for_every_op_never_an_error(name):
    x = Value(math.nan, label="x")
    make = dict(ops_on(x))[name]
    out = make()
    assert math.isnan(out.data), (name, out.data)
    assert x in out.parents  # still recorded: the NaN is visible, and traceable to x


@pytest.mark.parametrize("sign", [1.0, -1.0])
@pytest.mark.parametrize("name", [name for name, _ in ops_on(Value(0.0))])
def test_infinity_in_never_raises(name, sign):
    x = Value(sign * math.inf, label="x")
    out = dict(ops_on(x))[name]()
    assert isinstance(out.data, float)
    assert len(out.local_grads) == len(out.parents)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: Value(math.inf).exp(), math.inf),
        (lambda: Value(-math.inf).exp(), 0.0),
        (lambda: Value(math.inf).tanh(), 1.0),
        (lambda: Value(-math.inf).sigmoid(), 0.0),
        (lambda: Value(math.inf).relu(), math.inf),
        (lambda: Value(-math.inf).relu(), 0.0),
        (lambda: Value(math.inf) * 2.0, math.inf),
        (lambda: Value(math.inf).floor(), math.inf),
        (lambda: Value(math.inf).log(), math.inf),
        (lambda: maximum(Value(-math.inf), 1.0), 1.0),
        (lambda: Value(math.inf).atan(), math.pi / 2),
    ],
)
def test_infinities_follow_ieee(make, expected):
    assert make().data == expected


@pytest.mark.parametrize(
    "make",
    [
        lambda: Value(math.inf).sin(),  # math.sin refuses inf; IEEE says NaN
        lambda: Value(-math.inf).log(),
        lambda: Value(math.inf) - math.inf,
        lambda: Value(math.inf) * 0.0,
        lambda: Value(-math.inf).sqrt(),
    ],
)
def test_where_ieee_has_no_number_the_result_is_nan(make):
    assert math.isnan(make().data)


def test_relu_no_longer_hides_a_nan():
    out = Value(math.nan).relu()
    assert math.isnan(out.data) and math.isnan(out.local_grads[0])


@pytest.mark.parametrize(
    "make",
    [
        lambda x: x * x,
        lambda x: x**2,
        lambda x: x * 1e108 + x * 1e108,
        lambda x: (x * 1e108).exp(),
        lambda x: weighted_sum([x], [x]),
        lambda x: x.cosh() * 0 + (x * 1e200),
    ],
)
def test_finite_operands_that_overflow_raise_alike(make):
    with pytest.raises(DomainError, match="overflows a float"):
        make(Value(1e200, label="big"))


def test_a_finite_result_from_finite_operands_is_unchanged():
    x = Value(3.0, label="x")
    assert (x * x).data == 9.0 and (x**2).data == 9.0 and x.exp().data == math.exp(3.0)
