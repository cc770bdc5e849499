"""The conventions API.md fixes: kinks, sqrt at 0, a sigmoid that never overflows,
identity `==`, comparisons on data, `float()`, and what `Value(...)` accepts."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest

from autograd import Value


def slope(op, x):
    """The node `op` makes at `x`, and the gradient backward() leaves on x."""
    leaf = Value(x, label="x")
    out = op(leaf)
    out.backward()
    return out, leaf.grad


@pytest.mark.parametrize("zero", [0.0, -0.0])
def test_relu_derivative_at_zero_is_zero(zero):
    out, gradient = slope(Value.relu, zero)
    assert out.data == 0.0
    assert out.local_grads == (0.0,)
    assert gradient == 0.0


@pytest.mark.parametrize("zero", [0.0, -0.0])
def test_abs_derivative_at_zero_is_zero(zero):
    out, gradient = slope(abs, zero)
    assert out.data == 0.0
    assert out.local_grads == (0.0,)
    assert gradient == 0.0


def test_sqrt_at_zero_is_zero_with_an_infinite_slope():
    out, gradient = slope(Value.sqrt, 0.0)
    assert out.data == 0.0
    assert out.local_grads == (math.inf,)
    assert gradient == math.inf


@pytest.mark.parametrize("x", [1000.0, -1000.0, 710.0, -710.0, 1e308, -1e308, 1.7976931348623157e308])
def test_sigmoid_is_finite_for_huge_inputs(x):
    out, gradient = slope(Value.sigmoid, x)
    assert 0.0 <= out.data <= 1.0
    assert out.data == pytest.approx(1.0 if x > 0 else 0.0, abs=1e-300)  # e^-710 is about 4e-309
    assert math.isfinite(out.local_grads[0]) and out.local_grads[0] >= 0.0
    assert gradient == pytest.approx(0.0, abs=1e-300)


@pytest.mark.parametrize("x", [-700.0, -40.0, 40.0])
def test_sigmoid_keeps_its_relative_precision_in_the_tails(x):
    out = Value(x).sigmoid()
    # sigmoid(x) = e^x / (1 + e^x): e^x in the left tail, 1 - e^-x in the right one.
    expected = math.exp(x) / (1.0 + math.exp(x)) if x < 0 else 1.0 / (1.0 + math.exp(-x))
    assert out.data == pytest.approx(expected, rel=1e-14)
    assert out.data > 0.0


def test_double_equals_is_identity_and_values_are_hashable():
    a = Value(1.0)
    b = Value(1.0)
    assert a == a
    assert a != b
    assert not (a == 1.0)  # noqa: SIM201 - checking __eq__ itself
    assert len({a, b, a}) == 2
    grads = {a: "a", b: "b"}
    assert grads[a] == "a" and grads[b] == "b"
    assert a in [a] and b not in [a]


def test_ordering_compares_data_with_values_and_numbers_either_side():
    one, two = Value(1.0), Value(2.0)
    assert one < two and one <= two and two > one and two >= one
    assert not (two < one)
    assert one < 1.5 and 1.5 > one and 0 < one and 2 >= two and two <= 2 and 3 > two  # noqa: SIM300 - a number on the left is the point
    assert Value(2.0) <= Value(2.0) and Value(2.0) >= 2
    assert Fraction(1, 2) < one
    assert all(type(result) is bool for result in (one < two, one <= 2, 0.5 > one, two >= one))  # noqa: SIM300 - a number on the left is the point
    assert [v.data for v in sorted([two, one, Value(1.5)])] == [1.0, 1.5, 2.0]


def test_ordering_with_a_non_number_raises_type_error():
    with pytest.raises(TypeError):
        Value(1.0) < "2"  # noqa: B015
    with pytest.raises(TypeError):
        None >= Value(1.0)  # noqa: B015, SIM300


def test_float_gives_data():
    v = Value(2.5)
    assert float(v) == 2.5 and type(float(v)) is float
    assert math.sqrt(Value(4.0)) == 2.0


@pytest.mark.parametrize(
    ("data", "type_name"), [(True, "bool"), (False, "bool"), ("1", "str"), (None, "NoneType"), ([1.0], "list")]
)
def test_value_rejects_non_numbers_naming_the_type(data, type_name):
    with pytest.raises(TypeError, match=type_name):
        Value(data)


@pytest.mark.parametrize(
    ("data", "expected"),
    [(3, 3.0), (2.5, 2.5), (Fraction(1, 3), 1 / 3), (Decimal("2.25"), 2.25), (Value(7.0), 7.0)],
)
def test_value_accepts_any_object_with_float(data, expected):
    v = Value(data)
    assert v.data == expected and type(v.data) is float


def test_objects_with_float_work_as_operands_on_either_side():
    x = Value(2.0)
    assert (x + Fraction(1, 2)).data == 2.5
    assert (Fraction(1, 2) + x).data == 2.5
    assert (x * Decimal("1.5")).data == 3.0
    assert (Decimal("1.5") * x).data == 3.0
    assert (x ** Fraction(1, 2)).data == pytest.approx(math.sqrt(2.0))
    assert (x ** Fraction(1, 2)).parents == (x,)


def test_a_new_leaf():
    v = Value(3)
    assert (v.data, v.grad, v.label, v.op, v.parents, v.local_grads) == (3.0, 0.0, "", "", (), ())
    v.label = "renamed"
    assert Value(1.0, label="w").label == "w" and v.label == "renamed"
