"""`gradcheck`, the numeric oracle: it passes on smooth functions, flags kinks, jumps
and wrong rules, and its report says which entries failed."""

import math
import os
import subprocess
import sys
import textwrap

import pytest

from autograd import GradcheckError, GradcheckReport, Value, grad, gradcheck

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
        out.local_grads = (3.0,)  # d/dx of 2x claimed to be 3 (the 2.0 is part of the op)
        return out

    report = gradcheck(tampered, [0.4])
    assert not report
    assert report.rows[0].analytic == 3.0
    assert report.rows[0].numeric == pytest.approx(2.0)


@pytest.mark.parametrize("order", [1, 2])
def test_str_and_repr_point_at_the_failing_entries(order):
    x, y = Value(0.0, label="x"), Value(1.0, label="y")
    report = gradcheck(lambda *xs: xs[0].relu() + xs[1] * xs[1] * xs[1], [x, y], order=order)
    assert not report
    failing = ["d/dx"] if order == 1 else ["d2/dx dx"]
    passing = ["d/dy"] if order == 1 else ["d2/dx dy", "d2/dy dx", "d2/dy dy"]
    lines = str(report).splitlines()
    for name in failing:
        assert any(name in line and "FAIL" in line for line in lines), str(report)
    for name in passing:
        assert any(name in line for line in lines) and not any(name in line and "FAIL" in line for line in lines)
    # The repr is one line (pytest escapes newlines in it) naming the failing entries with their numbers.
    assert "\n" not in repr(report)
    assert "FAILED" in repr(report) and failing[0] + " analytic 0 numeric" in repr(report)
    assert all(name not in repr(report) for name in passing)


def test_a_passing_repr_says_so():
    assert repr(gradcheck(smooth, [0.6, -1.3])) == "<gradcheck order 1 passed: 2 entries in tolerance>"


def test_a_failing_assert_explains_itself():
    report = gradcheck(lambda x: x.relu(), [0.0])
    with pytest.raises(AssertionError) as failure:
        assert report, report
    assert "FAIL" in str(failure.value) and "d/dx analytic 0 numeric 0.5" in str(failure.value)


def test_raise_exception_raises_gradcheck_error_with_the_whole_table():
    def kinked(x):
        return x.relu()

    report = gradcheck(kinked, [0.0])
    with pytest.raises(GradcheckError) as failure:
        gradcheck(kinked, [0.0], raise_exception=True)
    assert isinstance(failure.value, AssertionError)
    assert str(failure.value) == str(report)
    assert "analytic" in str(failure.value) and "d/dx" in str(failure.value) and "<-- FAIL" in str(failure.value)
    assert str(failure.value.report) == str(report)
    passed = gradcheck(smooth, [0.6, -1.3], raise_exception=True, order=2)
    assert passed and isinstance(passed, GradcheckReport)


# What a user of pytest sees for each form, with and without -vv. The repr must read
# as one line with the failing entry (pytest escapes newlines to a literal \n), and
# raise_exception=True must show the table itself, not gradcheck's source.
USER_TESTS = """
    from autograd import gradcheck


    def test_assert():
        assert gradcheck(lambda w: w.relu(), [0.0])


    def test_raise():
        gradcheck(lambda w: w.relu(), [0.0], raise_exception=True)
"""


@pytest.mark.parametrize("verbosity", [[], ["-vv"]])
def test_what_pytest_shows_for_a_failing_check(tmp_path, verbosity):
    (tmp_path / "test_user.py").write_text(textwrap.dedent(USER_TESTS))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *verbosity, "test_user.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    shown = run.stdout
    assert "\\n" not in shown
    summary = "<gradcheck order 1 FAILED, 1 of 1 entries: d/dw analytic 0 numeric 0.5;"
    assert f"E       AssertionError: assert {summary}" in shown
    assert "E       autograd.GradcheckError: gradcheck order 1 FAILED at d/dw" in shown
    assert any(line.startswith("E") and "d/dw" in line and "<-- FAIL" in line for line in shown.splitlines())
    assert "def gradcheck(" not in shown  # the library's frame is hidden


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
    with pytest.raises(ValueError, match="order"):
        gradcheck(smooth, [0.1, 0.2], order=True)
    with pytest.raises(TypeError, match="Value"):
        gradcheck(lambda x: 2.0, [0.1])


@pytest.mark.parametrize(
    ("option", "value", "problem"),
    [
        ("eps", 0.0, "must be > 0"),
        ("eps", -1e-6, "must be > 0"),
        ("eps", math.inf, "must be a finite number"),
        ("eps", math.nan, "must be a finite number"),
        ("atol", -1.0, "must be >= 0"),
        ("atol", math.nan, "must be a finite number"),
        ("atol", math.inf, "must be a finite number"),
        ("rtol", -1e-4, "must be >= 0"),
        ("rtol", math.inf, "must be a finite number"),  # would make every check pass
        ("rtol", math.nan, "must be a finite number"),
    ],
)
def test_tolerances_and_step_are_refused_unless_finite_and_in_range(option, value, problem):
    with pytest.raises(ValueError, match=f"gradcheck: {option} {problem}"):
        gradcheck(smooth, [0.1, 0.2], **{option: value})


@pytest.mark.parametrize("value", ["1e-6", None, True])
def test_tolerances_must_be_numbers(value):
    with pytest.raises(TypeError, match="atol must be a number"):
        gradcheck(smooth, [0.1, 0.2], atol=value)


def test_zero_tolerances_are_allowed():
    report = gradcheck(lambda x: x * 3.0, [0.5], atol=0, rtol=0)
    assert report.atol == 0.0 and report.rtol == 0.0


@pytest.mark.parametrize("order", [1, 2])
def test_a_function_that_calls_grad_inside_passes(order):
    # The numeric side runs in the same grad mode as the analytic side; under
    # no_grad the inner grad() would see no parents and every slope would be 0.
    def slope(x):
        return grad(x.sin(), [x], create_graph=True)[0]

    report = gradcheck(slope, [0.5], order=order)
    assert report, str(report)
    expected = -math.sin(0.5) if order == 1 else -math.cos(0.5)
    assert report.rows[0].analytic == pytest.approx(expected)
    assert report.rows[0].numeric == pytest.approx(expected, rel=1e-6)
    assert gradcheck(lambda x: grad(x.sin(), [x], create_graph=True)[0], [0.5])


def test_a_mixed_partial_through_an_inner_grad():
    def dfdx(x, y):
        return grad(x * x * y + y.exp(), [x], create_graph=True)[0]  # 2xy

    assert gradcheck(dfdx, [0.7, -0.4])
    assert gradcheck(dfdx, [0.7, -0.4], order=2)


def test_rows_are_named_after_the_parameters_of_fn():
    report = gradcheck(lambda w, b: (w * 2.0 + b).tanh(), [0.3, Value(0.1, label="bias")])
    assert "d/dw " in str(report) and "d/db " in str(report)
    report = gradcheck(lambda w, b: w * b, [0.3, 0.1], order=2)
    assert [report.entry_name(row.index) for row in report.rows] == ["d2/dw dw", "d2/dw db", "d2/db dw", "d2/db db"]


def test_rows_without_parameter_names_use_labels_then_indices():
    def scaled(w, *rest):
        return w * rest[0] * rest[1]

    report = gradcheck(scaled, [0.3, Value(0.2, label="gain"), 0.5])
    assert [report.entry_name(row.index) for row in report.rows] == ["d/dw", "d/dgain", "d/dx[2]"]
    # A method passed unbound has a parameter called self, which no user chose.
    assert gradcheck(Value.exp, [Value(0.2, label="t")]).names == ["t"]
    assert gradcheck(Value.exp, [0.2]).names == ["x[0]"]
    # Labels that repeat cannot tell rows apart.
    same = [Value(0.2, label="v"), Value(0.3, label="v")]
    assert gradcheck(lambda *xs: xs[0] * xs[1], same).names == ["x[0]", "x[1]"]


def test_a_point_closer_to_a_kink_than_the_step_is_named_in_the_report():
    report = gradcheck(lambda x: x.relu(), [1e-8])
    assert not report
    made = f"made at {os.path.relpath(__file__)}:"
    text = " ".join(str(report).split())  # notes are wrapped at 96 columns
    assert f"node #1 (op 'relu', {made}" in text
    assert "input 0 'x' = 1e-08: 1e-08 from a kink of relu, which a step of eps crosses" in text


@pytest.mark.parametrize("inputs", [[], ["1.5"], [True], [None]])
def test_inputs_must_be_numbers(inputs):
    with pytest.raises((TypeError, ValueError)):
        gradcheck(lambda *xs: xs[0] if xs else Value(0.0), inputs)
