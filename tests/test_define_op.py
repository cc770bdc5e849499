"""`define_op`: one declaration makes an op that draws, backpropagates and differentiates to order 2."""

import math

import pytest

from autograd import DomainError, Value, define_op, grad, gradcheck, no_grad, topological_order
from autograd.value import forward_at, op_arguments, op_display

softsign = define_op("softsign", lambda x: x / (1.0 + abs(x)), lambda out, x: (1.0 / (1.0 + abs(x)) ** 2,))
hypot = define_op("hypot", math.hypot, lambda out, x, y: (x / out, y / out))
log2 = define_op("log2", math.log2, lambda out, x: (1.0 / (x * math.log(2.0)),), domain="needs x > 0")


def test_one_node_named_by_the_op():
    x = Value(0.5, label="x")
    y = softsign(x)
    assert (y.op, y.parents) == ("softsign", (x,))
    assert y.data == pytest.approx(1.0 / 3.0)
    assert y.local_grads == pytest.approx((1.0 / 2.25,))
    assert topological_order(y) == [x, y]


def test_backward_and_gradcheck_to_order_two():
    for point in ([0.5], [-2.0], [3.0]):
        assert gradcheck(softsign, point, order=1)
        assert gradcheck(softsign, point, order=2)
    assert gradcheck(lambda a, b: hypot(a, b) * a, [0.3, -1.2], order=2)


def test_second_derivative_through_the_rule():
    x = Value(0.5, label="x")
    (first,) = grad(softsign(x), [x], create_graph=True)
    (second,) = grad(first, [x])
    assert second.data == pytest.approx(-2.0 / 1.5**3)


def test_a_number_argument_is_part_of_the_op():
    x = Value(3.0, label="x")
    y = hypot(x, 4.0)
    assert y.parents == (x,) and y.data == 5.0
    assert y.local_grads == pytest.approx((0.6,))
    assert op_arguments(y) == (x, 4.0)
    assert op_display(y) == "hypot(4)"
    assert forward_at(y, [0.0]) == 4.0
    assert hypot(3.0, 4.0).parents == ()  # numbers only: a constant


def test_a_domain_error_names_the_op_the_value_and_the_label():
    with pytest.raises(DomainError, match=r"log2: needs x > 0, got -1\.0 \(label 'x'\)"):
        log2(Value(-1.0, label="x"))
    unnamed = define_op("unnamed_sqrt", math.sqrt, lambda out, x: (0.5 / out,))
    with pytest.raises(DomainError, match=r"unnamed_sqrt: math domain error, got -4\.0"):
        unnamed(Value(-4.0))
    with pytest.raises(DomainError, match="overflows"):
        define_op("cube_exp", lambda x: math.exp(x) ** 3, lambda out, x: (3.0 * out,))(Value(400.0))


def test_a_non_finite_result_at_finite_inputs_is_a_domain_error():
    broken = define_op("broken", lambda x: math.inf, lambda out, x: (0.0,))
    with pytest.raises(DomainError, match="broken: the result overflows a float"):
        broken(Value(1.0, label="x"))
    assert broken(Value(math.nan)).data == math.inf  # a non-finite operand propagates


def test_a_constant_derivative_may_be_given_as_a_tuple():
    shift = define_op("shift", lambda x, y: x - 2.0 * y, (1.0, -2.0))
    a, b = Value(1.0), Value(2.0)
    out = shift(a, b)
    assert out.local_grads == (1.0, -2.0)
    assert gradcheck(lambda a, b: shift(a, b) * a, [1.0, 2.0], order=2)


def test_under_no_grad_the_result_is_a_constant():
    with no_grad():
        y = softsign(Value(1.0))
    assert (y.op, y.parents, y.data) == ("", (), 0.5)


def test_bad_declarations_and_calls():
    with pytest.raises(TypeError):
        define_op("", math.sin, lambda out, x: (math.cos(x),))
    with pytest.raises(TypeError):
        define_op("f", "not callable", lambda out, x: (1.0,))
    with pytest.raises(TypeError, match="argument 0"):
        softsign("a")
    wrong_count = define_op("wrong", lambda x, y: x * y, lambda out, x, y: (y,))
    with pytest.raises(TypeError, match="1 local derivatives for 2 inputs"):
        wrong_count(Value(1.0), Value(2.0))
