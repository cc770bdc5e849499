"""`grad` with `create_graph=True`: higher derivatives against closed forms."""

import math

import pytest

from autograd import Value, grad

POINTS = [(-1.3, 0.4), (0.2, -0.9), (0.8, 1.7), (1.5, 0.3)]


def d(output, *inputs):
    """Differentiable d(output)/d(input) for each input."""
    return grad(output, inputs, create_graph=True)


@pytest.mark.parametrize("x0", [-2.0, -0.5, 0.0, 1.0, 3.0])
def test_derivatives_of_x_cubed(x0):
    x = Value(x0, label="x")
    (first,) = d(x**3, x)
    (second,) = d(first, x)
    (third,) = d(second, x)
    (fourth,) = d(third, x)
    assert first.data == pytest.approx(3 * x0**2)
    assert second.data == pytest.approx(6 * x0)
    assert third.data == pytest.approx(6.0)
    assert fourth.data == 0.0


@pytest.mark.parametrize(("x0", "y0"), POINTS)
def test_mixed_partials_of_x_y_squared(x0, y0):
    x, y = Value(x0, label="x"), Value(y0, label="y")
    dx, dy = d(x * y * y, x, y)
    assert (dx.data, dy.data) == pytest.approx((y0 * y0, 2 * x0 * y0))
    dxdx, dxdy = d(dx, x, y)
    dydx, dydy = d(dy, x, y)
    assert (dxdx.data, dxdy.data, dydx.data, dydy.data) == pytest.approx((0.0, 2 * y0, 2 * y0, 2 * x0))


@pytest.mark.parametrize(("x0", "y0"), POINTS)
def test_mixed_partials_of_sin_x_y(x0, y0):
    x, y = Value(x0, label="x"), Value(y0, label="y")
    dx, dy = d((x * y).sin(), x, y)
    assert dx.data == pytest.approx(y0 * math.cos(x0 * y0))
    dxdx, dxdy = d(dx, x, y)
    (dydx,) = d(dy, x)
    assert dxdx.data == pytest.approx(-y0 * y0 * math.sin(x0 * y0))
    mixed = math.cos(x0 * y0) - x0 * y0 * math.sin(x0 * y0)
    assert dxdy.data == pytest.approx(mixed)
    assert dydx.data == pytest.approx(mixed)


@pytest.mark.parametrize(("x0", "y0"), POINTS)
def test_mixed_partials_of_x_over_y_and_x_to_the_y(x0, y0):
    x, y = Value(x0, label="x"), Value(y0, label="y")
    (dy,) = d(x / y, y)
    dydx, dydy = d(dy, x, y)
    assert (dydx.data, dydy.data) == pytest.approx((-1 / y0**2, 2 * x0 / y0**3))
    base = Value(abs(x0) + 0.5, label="base")
    b0 = base.data
    (dbase,) = d(base**y, base)
    (dbasedy,) = d(dbase, y)
    assert dbasedy.data == pytest.approx(b0 ** (y0 - 1) * (1 + y0 * math.log(b0)))


def test_the_mixed_partial_of_x_to_the_y_at_y_exactly_0():
    # d/dx x^y = y x^(y-1) is 0 at y = 0, but its derivative by y there is x^-1, not 0: the rule must
    # not return a constant 0 for a Value exponent (the Hessian came out asymmetric, 0 against 1/x).
    base, y = Value(1.5, label="base"), Value(0.0, label="y")
    (dbase,) = d(base**y, base)
    assert dbase.data == 0.0
    (dbasedy,) = d(dbase, y)
    assert dbasedy.data == pytest.approx(1 / 1.5)
    (dy,) = d(base**y, y)
    (dydbase,) = d(dy, base)
    assert dydbase.data == pytest.approx(dbasedy.data)
    # A number exponent 0 stays a slope of 0 everywhere, 0 included.
    x = Value(0.0, label="x")
    (dx,) = d(x**0.0, x)
    assert dx.data == 0.0


@pytest.mark.parametrize(("x0", "y0"), POINTS)
def test_third_order_of_exp_x_y(x0, y0):
    x, y = Value(x0, label="x"), Value(y0, label="y")
    (dx,) = d((x * y).exp(), x)
    (dxdx,) = d(dx, x)
    dxdxdx, dxdxdy = d(dxdx, x, y)
    e = math.exp(x0 * y0)
    assert dxdx.data == pytest.approx(y0**2 * e)
    assert dxdxdx.data == pytest.approx(y0**3 * e)
    assert dxdxdy.data == pytest.approx((2 * y0 + x0 * y0**2) * e)
    # The order of differentiation does not matter: d/dy d/dx d/dx = d/dx d/dx d/dy.
    (dy,) = d((x * y).exp(), y)
    (dydx,) = d(dy, x)
    (dydxdx,) = d(dydx, x)
    assert dydxdx.data == pytest.approx(dxdxdy.data)


SECOND_DERIVATIVES = [
    ("exp", Value.exp, math.exp, 0.7),
    ("log", Value.log, lambda x: -1 / x**2, 0.7),
    ("tanh", Value.tanh, lambda x: -2 * math.tanh(x) / math.cosh(x) ** 2, 0.7),
    ("sigmoid", Value.sigmoid, lambda x: math.exp(-x) * (math.exp(-x) - 1) / (1 + math.exp(-x)) ** 3, 0.7),
    ("sin", Value.sin, lambda x: -math.sin(x), 0.7),
    ("cos", Value.cos, lambda x: -math.cos(x), 0.7),
    ("sqrt", Value.sqrt, lambda x: -0.25 * x**-1.5, 0.7),
    ("x ** 2.5", lambda v: v**2.5, lambda x: 2.5 * 1.5 * x**0.5, 0.7),
    ("x ** -2", lambda v: v**-2, lambda x: 6 * x**-4, -0.7),
    ("2 ** x", lambda v: 2**v, lambda x: 2**x * math.log(2) ** 2, 0.7),
    ("1 / x", lambda v: 1 / v, lambda x: 2 / x**3, -0.7),
    ("relu", Value.relu, lambda x: 0.0, 0.7),
    ("abs", abs, lambda x: 0.0, -0.7),
]


@pytest.mark.parametrize(
    ("op", "f2", "x0"), [row[1:] for row in SECOND_DERIVATIVES], ids=[row[0] for row in SECOND_DERIVATIVES]
)
def test_second_derivative_of_each_unary_op(op, f2, x0):
    x = Value(x0, label="x")
    (first,) = d(op(x), x)
    (second,) = d(first, x)
    assert second.data == pytest.approx(f2(x0), rel=1e-12, abs=1e-15)


def test_without_create_graph_the_results_are_constants():
    x = Value(0.3, label="x")
    (dx,) = grad((x * x).sin(), [x])
    assert dx.parents == () and dx.op == ""
    (second,) = grad(dx, [x])
    assert second.data == 0.0


def test_with_create_graph_the_results_depend_on_the_inputs():
    x = Value(0.3, label="x")
    (dx,) = grad((x * x).sin(), [x], create_graph=True)
    assert dx.parents != ()
    dx.backward()
    assert x.grad == pytest.approx(2 * math.cos(0.09) - 4 * 0.09 * math.sin(0.09))


def test_gradient_with_respect_to_an_intermediate_node():
    x, y = Value(0.5, label="x"), Value(2.0, label="y")
    product = x * y
    (dproduct,) = grad(product.exp(), [product])
    assert dproduct.data == pytest.approx(math.exp(1.0))


def test_an_input_listed_twice_gets_its_gradient_twice():
    x = Value(1.5, label="x")
    first, second = grad(x * x * x, [x, x])
    assert first.data == second.data == pytest.approx(3 * 1.5**2)


def test_grad_of_the_output_itself_is_one():
    x = Value(1.5)
    assert grad(x, [x])[0].data == 1.0
    y = x.exp()
    assert grad(y, [y], create_graph=True)[0].data == 1.0


def test_grad_rejects_what_is_not_a_value():
    x = Value(1.0)
    with pytest.raises(TypeError, match="Value"):
        grad(2.0, [x])
    with pytest.raises(TypeError, match="sequence"):
        grad(x * x, x)
    with pytest.raises(TypeError, match=r"inputs\[1\]"):
        grad(x * x, [x, 1.0])
