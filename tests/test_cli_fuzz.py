"""Fuzzing the command line through `main()`: any expression, random or grammar-made, ends in an exit code.

Hypothesis feeds `tracegrad draw` and `tracegrad gradcheck` random text and
expressions built from the language's own grammar (names, numbers, operators,
every function, brackets). Whatever comes in: no exception leaves `main`
(a traceback would), the exit code is 0, 2 or (gradcheck only) 1, a mistake
is one line on stderr, and a failed command writes no file.
"""

import contextlib
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from viz.cli import main

FUNCTIONS_1 = ("tanh", "exp", "log", "sqrt", "relu", "sin", "cos", "abs", "sigmoid", "atan", "softplus", "floor")
FUNCTIONS_2 = ("atan2", "maximum", "minimum")
OPERATORS = ("+", "-", "*", "/", "**", "%")

names = st.sampled_from(["x", "y", "z"])  # z is never given a value: a mistake to report
numbers = st.one_of(st.integers(-3, 1000).map(str), st.floats(-1e3, 1e3, allow_nan=False).map(repr))


def _extend(inner):
    return st.one_of(
        st.tuples(inner, st.sampled_from(OPERATORS), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(FUNCTIONS_1), inner).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(FUNCTIONS_2), inner, inner).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        inner.map(lambda e: f"-{e}"),
    )


expressions = st.recursive(st.one_of(names, numbers), _extend, max_leaves=8)
garbage = st.text(max_size=40)
values = st.lists(st.sampled_from(["x=0.5", "y=-2", "x=0", "y=1e308", "x=nan", "y=", "=1", "x=1=2"]), max_size=3)

fuzz_settings = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run(*argv):
    """(exit code, stdout, stderr) of main(argv); any exception escaping main fails the test."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def check_draw(expression, assignments):
    with tempfile.TemporaryDirectory() as directory:
        target = Path(directory) / "graph.dot"
        code, _, err = run("draw", expression, *assignments, "-o", str(target))
        assert code in (0, 2), (expression, assignments, code, err)
        if code == 2:
            assert len(err.strip().splitlines()) == 1, err
            assert not target.exists()
            assert list(Path(directory).iterdir()) == []


def check_gradcheck(expression, assignments):
    code, _, err = run("gradcheck", expression, *assignments)
    assert code in (0, 1, 2), (expression, assignments, code, err)
    if code == 2:
        assert len(err.strip().splitlines()) == 1, err


@fuzz_settings
@given(expressions, values)
def test_draw_takes_any_grammar_made_expression(expression, assignments):
    check_draw(expression, assignments or ["x=0.5", "y=-2"])


@fuzz_settings
@given(garbage, values)
def test_draw_takes_any_text(text, assignments):
    check_draw(text, assignments)


@fuzz_settings
@given(expressions, values)
def test_gradcheck_takes_any_grammar_made_expression(expression, assignments):
    check_gradcheck(expression, assignments or ["x=0.5", "y=-2"])


@fuzz_settings
@given(garbage, values)
def test_gradcheck_takes_any_text(text, assignments):
    check_gradcheck(text, assignments)
