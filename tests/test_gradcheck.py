"""`gradcheck`, the numeric oracle: it passes on smooth functions, flags kinks, jumps
and wrong rules, and its report says which entries failed."""

import math

import pytest

from autograd import GradcheckReport, Value, gradcheck

ROW_FIELDS = ("index", "analytic", "numeric", "abs_err", "rel_err")


def smooth(x, y):
    return (x * y).sin() + (x / y).exp() + x.tanh() * y.sigmoid()


@pytest.mark.parametrize("order", [1, 2])
def test_passes_on_a_smooth_function(order):
    report = gradcheck(smooth, [0.6, -1.3], order=order)
    assert isinstance(report, GradcheckReport)
    assert report
    assert bool(report) is True
    assert "FAIL" not in str(report)


def test_order_one_rows():
    report = gradcheck(smooth, [0.6, -1.3])
    assert [row.index for row in report.rows] == [0, 1]
    for row in report.rows:
        assert row._fields == ROW_FIELDS
        assert row.abs_err == abs(row.analytic - row.numeric)
        assert row.rel_err == pytest.approx(row.abs_err / abs(row.numeric))
    x, y = 0.6, -1.3
    expected = (
        y * math.cos(x * y) + math.exp(x / y) / y + (1 - math.tanh(x) ** 2) / (1 + math.exp(-y)),
        x * math.cos(x * y) - x / y**2 * math.exp(x / y) + math.tanh(x) * math.exp(-y) / (1 + math.exp(-y)) ** 2,
    )
    assert [row.analytic for row in report.rows] == pytest.approx(expected)
    assert [row.numeric for row in report.rows] == pytest.approx(expected, rel=1e-6)


def test_order_two_rows_are_indexed_by_hessian_pairs():
    report = gradcheck(lambda x, y, z: x * y * y + z.exp() * x, [0.5, -1.0, 0.2], order=2)
    assert report
    assert [row.index for row in report.rows] == [(i, j) for i in range(3) for j in range(3)]
    assert all(row._fields == ROW_FIELDS for row in report.rows)
    hessian = {row.index: row.analytic for row in report.rows}
    x, y, z = 0.5, -1.0, 0.2
    assert hessian[(0, 1)] == pytest.approx(2 * y) and hessian[(1, 0)] == pytest.approx(2 * y)
    assert hessian[(1, 1)] == pytest.approx(2 * x)
    assert hessian[(0, 2)] == pytest.approx(math.exp(z)) and hessian[(2, 2)] == pytest.approx(x * math.exp(z))
    assert hessian[(0, 0)] == 0.0


def test_truthy_exactly_when_every_row_is_within_tolerance():
    for fn, point, order in [(smooth, [0.6, -1.3], 1), (lambda x: x.relu(), [0.0], 1), (lambda x: abs(x), [0.0], 2)]:
        report = gradcheck(fn, point, order=order, atol=1e-6, rtol=1e-4)
        within = [row.abs_err <= 1e-6 + 1e-4 * abs(row.numeric) for row in report.rows]
        assert bool(report) == all(within)


@pytest.mark.parametrize("order", [1, 2])
def test_relu_at_its_kink_is_flagged(order):
    report = gradcheck(lambda x: x.relu(), [0.0], order=order)
    assert not report
    (row,) = report.rows
    assert row.index == (0 if order == 1 else (0, 0))
    assert row.analytic == 0.0  # the convention relu'(0) = 0, and relu'' = 0
    # Central differences see the average slope 1/2, and for order 2 the jump of the slope from 0 to 1.
    assert row.numeric == pytest.approx(0.5 if order == 1 else 1 / (2 * 1e-6))
    assert "FAIL" in str(report)
    assert "kink" in str(report)
    assert ("the gradient of fn jumps" in str(report)) == (order == 2)


def test_abs_at_its_kink_passes_order_one_and_fails_order_two():
    # |x| is symmetric, so central differences give 0 = abs'(0); its slope jumps from -1 to 1.
    assert gradcheck(lambda x: abs(x), [0.0], order=1)
    report = gradcheck(lambda x: abs(x), [0.0], order=2)
    assert not report
    assert report.rows[0].numeric == pytest.approx(1 / 1e-6)


def test_a_jump_is_flagged():
    def jump(x):
        return x + 1 if x > 0 else x

    report = gradcheck(jump, [0.0])
    assert not report
    assert report.rows[0].analytic == 1.0
    assert report.rows[0].numeric == pytest.approx((1 + 2e-6) / 2e-6)
    assert "discontinuous" in str(report)
    # Its slope is 1 on both sides of the jump, so the Hessian check agrees with f'' = 0.
    assert gradcheck(jump, [0.0], order=2)


def test_a_wrong_local_derivative_is_caught():
    def tampered(x):
        out = x * 2.0
        out.local_grads = (3.0, x.data)  # d/dx of 2x claimed to be 3
        return out

    report = gradcheck(tampered, [0.4])
    assert not report
    assert report.rows[0].analytic == 3.0
    assert report.rows[0].numeric == pytest.approx(2.0)


@pytest.mark.parametrize("order", [1, 2])
def test_str_and_repr_point_at_the_failing_entries(order):
    x, y = Value(0.0, label="x"), Value(1.0, label="y")
    report = gradcheck(lambda a, b: a.relu() + b * b * b, [x, y], order=order)
    assert not report
    assert repr(report) == str(report)
    failing = ["d/dx"] if order == 1 else ["d2/dxdx"]
    passing = ["d/dy"] if order == 1 else ["d2/dxdy", "d2/dydx", "d2/dydy"]
    lines = str(report).splitlines()
    for name in failing:
        assert any(name in line and "FAIL" in line for line in lines), str(report)
    for name in passing:
        assert any(name in line for line in lines) and not any(name in line and "FAIL" in line for line in lines)


def test_a_failing_assert_explains_itself():
    report = gradcheck(lambda x: x.relu(), [0.0])
    with pytest.raises(AssertionError) as failure:
        assert report
    assert "FAIL" in str(failure.value) and "d/dx[0]" in str(failure.value)


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize(("fn", "x0"), [(Value.sqrt, 1e-7), (Value.log, 5e-7), (lambda x: (1 - x).sqrt(), 1 - 1e-7)])
def test_a_domain_ending_within_eps_gives_a_failing_report(fn, x0, order):
    report = gradcheck(fn, [x0], order=order)
    assert not report
    assert math.isnan(report.rows[0].numeric)
    assert "not defined" in str(report)


def test_inputs_may_be_values_and_are_left_as_they_were():
    x = Value(0.3, label="x")
    x.grad = 0.25
    assert gradcheck(lambda v: v.exp() * v, [x], order=2)
    assert (x.data, x.grad, x.label) == (0.3, 0.25, "x")


def test_bad_arguments():
    with pytest.raises(ValueError, match="order"):
        gradcheck(smooth, [0.1, 0.2], order=3)
    with pytest.raises(ValueError, match="eps"):
        gradcheck(smooth, [0.1, 0.2], eps=0.0)
    with pytest.raises(TypeError, match="Value"):
        gradcheck(lambda x: 2.0, [0.1])


def test_a_point_closer_to_a_kink_than_the_step_is_named_in_the_report():
    report = gradcheck(lambda x: x.relu(), [1e-8])
    assert not report
    assert "within 10 eps of its kink" in str(report)


@pytest.mark.parametrize("inputs", [[], ["1.5"], [True], [None]])
def test_inputs_must_be_numbers(inputs):
    with pytest.raises((TypeError, ValueError)):
        gradcheck(lambda *xs: xs[0] if xs else Value(0.0), inputs)
