"""`tracegrad draw` and `tracegrad gradcheck`: expressions typed by the user."""

import math
import re

import pytest
from cli_support import assert_valid_svg, row, run

pytestmark = pytest.mark.usefixtures("in_temporary_directory")


def test_draw_prints_the_gradients_and_writes_the_drawing(capsys, tmp_path):
    code, out, err = run(capsys, "draw", "tanh(x*w+b)", "x=0.5", "w=-1", "b=0.2", "-o", "neuron.svg")
    assert code == 0, err
    y = math.tanh(0.5 * -1 + 0.2)
    slope = 1 - y * y
    # Closed forms: dy/dx = w (1 - y^2), dy/dw = x (1 - y^2), dy/db = 1 - y^2.
    for expected in (-1 * slope, 0.5 * slope, slope):
        assert f"{expected:.9f}" in out
    assert_valid_svg(tmp_path / "neuron.svg", "tanh")


def test_draw_never_evaluates_python(capsys, tmp_path):
    code, _, err = run(capsys, "draw", "__import__('os').system('touch x')")
    assert code == 2
    assert "only a function name can be called" in err
    code, _, err = run(capsys, "draw", "__import__('os')")
    assert code == 2
    assert "unknown function '__import__'" in err
    assert list(tmp_path.iterdir()) == []


def test_gradcheck_exit_codes(capsys):
    code, out, _ = run(capsys, "gradcheck", "relu(x)", "x=0")
    assert code == 1
    assert "FAIL" in out and "kink" in out
    code, out, _ = run(capsys, "gradcheck", "log(1 + exp(-y*s))", "y=1", "s=0.3")
    assert code == 0
    code, _, _ = run(capsys, "gradcheck", "sin(x*y) + x**3", "x=0.4", "y=-1.2", "--order", "2")
    assert code == 0


@pytest.mark.parametrize("expression", ["x", "+x", "(x)", "+(+x)"])
def test_draw_an_expression_that_is_its_variable(capsys, tmp_path, expression):
    code, out, err = run(capsys, "draw", expression, "x=2.5", "-o", "p.dot")
    assert code == 0, err
    assert row(out, "x", "2.50000000", "1.00000000")  # d(x)/dx = 1
    assert '"x|data 2.5|grad 1"' in (tmp_path / "p.dot").read_text(encoding="utf-8")  # still named x


@pytest.mark.parametrize(
    ("argv", "gradient"),
    [
        (["draw", "-x", "x=1.5", "-o", "p.dot"], "-1.00000000"),
        (["draw", "--", "-x", "x=1.5", "-o", "p.dot"], "-1.00000000"),
        (["draw", "-o", "p.dot", "-x*x", "x=1.5"], "-3.00000000"),  # d(-x^2)/dx = -2x
        (["draw", "--out=p.dot", "--digits", "3", "-(x)", "x=1.5"], "-1.00"),
    ],
)
def test_draw_an_expression_starting_with_a_minus(capsys, tmp_path, argv, gradient):
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert gradient in out
    assert (tmp_path / "p.dot").exists()


def test_gradcheck_an_expression_starting_with_a_minus(capsys):
    code, out, err = run(capsys, "gradcheck", "-log(x)", "x=2", "--order", "2")
    assert code == 0, err
    assert "passed" in out


def test_fullwidth_names_are_the_names_python_reads(capsys):
    code, out, err = run(capsys, "draw", "ｘ*2", "ｘ=1", "-o", "p.dot")
    assert code == 0, err
    assert row(out, "x", "1.00000000", "2.00000000")


def test_huge_numbers_print_in_exponent_form(capsys):
    code, out, err = run(capsys, "draw", "x*2", "x=1e300", "-o", "p.dot")
    assert code == 0, err
    assert row(out, "x", "1.00000000e+300", "2.00000000")
    assert "x*2 = 2.00000000e+300" in out
    assert not re.search(r"\d{20}", out)


def test_draw_digits_sets_the_table_and_the_drawing(capsys, tmp_path):
    code, out, err = run(capsys, "draw", "x*x", "x=0.123456789", "--digits", "3", "-o", "p.dot")
    assert code == 0, err
    assert row(out, "x", "0.123", "0.247")  # 3 significant digits; d(x^2)/dx = 2x = 0.246913578
    drawing = (tmp_path / "p.dot").read_text(encoding="utf-8")
    assert "data 0.123|grad 0.247" in drawing  # 3 significant digits
    assert "0.123456789" not in drawing


def test_an_anomaly_is_the_users_error(capsys):
    code, out, err = run(capsys, "draw", "x*x*x", "x=1e200", "--anomaly", "-o", "p.dot")
    assert code == 2
    assert err.startswith("tracegrad draw: ") and len(err.strip().splitlines()) == 1 and out == ""
