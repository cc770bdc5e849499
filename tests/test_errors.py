"""Bad input: every domain error API.md lists, and operands that are not numbers.

A domain error is a `ValueError` (x/0 may also be a `ZeroDivisionError`) whose
message names the op, the offending value and the operand's label.
"""

import math

import pytest

from autograd import DivisionByZeroError, DomainError, Value, total, weighted_sum

# (case, the failing call on a Value labelled `name`, op named in the message, offending value)
DOMAIN_ERRORS = [
    ("log of 0", lambda v: v.log(), 0.0, "log", "0.0"),
    ("log of a negative", lambda v: v.log(), -2.5, "log", "-2.5"),
    ("x / 0", lambda v: Value(1.0) / v, 0.0, "/", "0.0"),
    ("number / 0", lambda v: 3 / v, 0.0, "/", "0.0"),
    ("sqrt of a negative", lambda v: v.sqrt(), -1.0, "sqrt", "-1.0"),
    ("negative base to a non-integer power", lambda v: v**0.5, -2.0, "**", "-2.0"),
    ("negative base to a Value exponent", lambda v: v ** Value(2.0), -2.0, "**", "-2.0"),
    ("zero base to a Value exponent", lambda v: v ** Value(2.0), 0.0, "**", "0.0"),
    ("exp overflow", lambda v: v.exp(), 710.0, "exp", "710.0"),
    ("0 to a negative integer power", lambda v: v**-1, 0.0, "**", "0.0"),
    ("0 to a negative real power", lambda v: v**-0.5, 0.0, "**", "0.0"),
    ("power overflow", lambda v: v**400, 10.0, "**", "10.0"),
    ("power overflow, Value exponent", lambda v: v ** Value(400.0), 10.0, "**", "10.0"),
    ("product overflow", lambda v: v * v, 1e200, "*", "1e+200"),
    ("sum overflow", lambda v: v + 1.7e308, 1.7e308, "+", "1.7e+308"),
    ("quotient overflow", lambda v: v / 1e-300, 1e10, "/", "10000000000.0"),
    ("weighted sum overflow", lambda v: weighted_sum([v], [v]), 1e200, "weighted_sum", "1e+200"),
    ("total overflow", lambda v: total([v, v]), 1.7e308, "sum", "1.7e+308"),
    ("sinh overflow", lambda v: v.sinh(), 800.0, "sinh", "800.0"),
    ("asin beyond 1", lambda v: v.asin(), 1.5, "asin", "1.5"),
    ("acos below -1", lambda v: v.acos(), -1.5, "acos", "-1.5"),
    ("log1p at -1", lambda v: v.log1p(), -1.0, "log1p", "-1.0"),
    ("x % 0", lambda v: Value(1.0) % v, 0.0, "%", "0.0"),
    ("leaky_relu overflow", lambda v: v.leaky_relu(1e300), -1e100, "leaky_relu", "-1e+100"),
]
cases = pytest.mark.parametrize(
    ("call", "data", "op", "shown"), [case[1:] for case in DOMAIN_ERRORS], ids=[case[0] for case in DOMAIN_ERRORS]
)


@cases
def test_domain_error_names_op_value_and_label(call, data, op, shown):
    with pytest.raises(ValueError) as error:
        call(Value(data, label="operand_x"))
    assert isinstance(error.value, DomainError)
    message = str(error.value)
    assert message.startswith(f"{op}:"), message
    assert shown in message and "operand_x" in message, message


@cases
def test_domain_error_without_a_label_says_no_label(call, data, op, shown):
    with pytest.raises(ValueError) as error:
        call(Value(data))
    message = str(error.value)
    assert op in message and shown in message and "label" not in message, message


def test_division_by_zero_is_also_a_zero_division_error():
    for zero in (0, 0.0, -0.0, Value(0.0)):
        with pytest.raises(ZeroDivisionError) as error:
            Value(1.0) / zero
        assert isinstance(error.value, DivisionByZeroError) and isinstance(error.value, ValueError)


def test_a_number_base_with_a_value_exponent_names_the_base():
    with pytest.raises(ValueError, match=r"\*\*.*-3\.0"):
        (-3) ** Value(1.0, label="e")


def test_boundaries_that_are_inside_the_domain():
    assert Value(5e-324).log().data == pytest.approx(math.log(5e-324))
    assert Value(709.0).exp().data == pytest.approx(math.exp(709.0))
    assert Value(0.0).sqrt().data == 0.0
    assert (Value(0.0) ** 0).data == 1.0
    assert (Value(0.0) ** 2).data == 0.0
    assert (Value(-2.0) ** 3).data == -8.0
    assert (Value(-2.0) ** -1).data == -0.5
    assert (Value(-2.0) ** 2.0).data == 4.0


def test_a_finite_power_whose_slope_overflows_gets_an_infinite_local_derivative():
    # d/dx x^-1 = -x^-2 = -1e400 at x = 1e-200: beyond the floats, like sqrt'(0).
    x = Value(1e-200, label="x")
    y = x**-1
    assert y.data == pytest.approx(1e200)
    assert y.local_grads == (-math.inf,)
    z = Value(-1e-150) ** -2  # d/dx = -2 x^-3 = +2e450
    assert z.data == pytest.approx(1e300) and z.local_grads == (math.inf,)
    w = x ** Value(-1.0)
    assert w.data == pytest.approx(1e200) and w.local_grads[0] == -math.inf


NOT_NUMBERS = ["a", None, [1.0], True, b"1"]


@pytest.mark.parametrize("other", NOT_NUMBERS, ids=repr)
def test_operators_reject_non_numbers(other):
    x = Value(1.0)
    for operation in (
        lambda: x + other,
        lambda: other + x,
        lambda: x - other,
        lambda: other - x,
        lambda: x * other,
        lambda: other * x,
        lambda: x / other,
        lambda: other / x,
        lambda: x**other,
        lambda: other**x,
    ):
        with pytest.raises(TypeError):
            operation()


def test_n_ary_ops_reject_non_numbers_and_bad_shapes():
    x = Value(1.0)
    with pytest.raises(TypeError, match="str"):
        total([x, "a"])
    with pytest.raises(TypeError, match="NoneType"):
        weighted_sum([x], [None])
    with pytest.raises(TypeError, match="str"):
        weighted_sum([x], [x], bias="b")
    with pytest.raises(ValueError, match="2 weights and 1 inputs"):
        weighted_sum([x, x], [x])
    with pytest.raises(ValueError, match="empty"):
        total([])
    with pytest.raises(ValueError, match="at least one weight or a bias"):
        weighted_sum([], [])
    assert weighted_sum([], [], bias=x).data == 1.0


def test_other_bad_arguments():
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)
    with pytest.raises(TypeError, match="str"):
        Value(1.0).backward("1")


def test_an_int_too_large_for_a_float_is_a_value_error_not_an_overflow():
    with pytest.raises(ValueError, match="too large for a float"):
        Value(10**400)
    with pytest.raises(ValueError, match="too large for a float"):
        Value(1.0) + 10**400
