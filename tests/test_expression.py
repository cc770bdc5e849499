"""`viz.expression`: the leaves by name, the literals it refuses and the names it normalises."""

import math
import re

import pytest

from autograd import Value
from viz.expression import MAX_DEPTH, Expression, ExpressionError, parse_assignments


def test_the_leaves_are_the_variables_of_the_graph_by_name():
    root, leaves = Expression("x*y + x").evaluate_with_leaves({"y": 3.0, "x": 2.0})
    assert list(leaves) == ["x", "y"]  # in order of first appearance
    root.backward()
    # Closed forms: d(xy + x)/dx = y + 1, d(xy + x)/dy = x.
    assert leaves["x"].grad == 4.0
    assert leaves["y"].grad == 2.0


@pytest.mark.parametrize("text", ["x", "+x", "(x)", "+(+x)"])
def test_an_expression_that_is_its_variable_has_that_leaf_as_root(text):
    root, leaves = Expression(text).evaluate_with_leaves({"x": 2.5})
    assert root is leaves["x"]
    assert root.label == "x"


def test_given_values_are_used_as_they_are():
    x = Value(0.5, label="input")
    root, leaves = Expression("exp(x)").evaluate_with_leaves({"x": x})
    assert leaves["x"] is x and root.parents == (x,)
    assert Expression("exp(x)").evaluate({"x": 0.5}).data == math.exp(0.5)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("1e999", "1e999"),
        ("x * 1e999", "1e999"),
        ("x ** -1e999", "1e999"),
        ("1" + "0" * 400 + " * x", "(401 characters)"),
        ("2.5e308 + x", "2.5e308"),
    ],
)
def test_a_literal_that_is_not_a_finite_float_is_refused(text, shown):
    with pytest.raises(ExpressionError, match="finite") as error:
        Expression(text)
    assert shown in str(error.value)


def test_the_largest_finite_literals_are_accepted():
    assert Expression("1.7976931348623157e308 * x").evaluate({"x": 0.5}).data == 1.7976931348623157e308 / 2
    assert Expression("1" + "0" * 300 + " * x").evaluate({"x": 1.0}).data == 1e300


def test_names_are_normalised_as_python_normalises_identifiers():
    expression = Expression("ｘ*2")
    assert expression.variables == ["x"]
    values = parse_assignments(["ｘ=1.5"])
    assert values == {"x": 1.5}
    assert expression.evaluate(values).data == 3.0
    with pytest.raises(ExpressionError, match="given twice"):
        parse_assignments(["ｘ=1", "x=2"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tan(x) + sinh(x) + cosh(x)", lambda x: math.tan(x) + math.sinh(x) + math.cosh(x)),
        ("asin(x) + acos(x) + atan(x)", lambda x: math.asin(x) + math.acos(x) + math.atan(x)),
        ("log1p(x) + expm1(x) + softplus(x)", lambda x: math.log1p(x) + math.expm1(x) + math.log1p(math.exp(x))),
        ("floor(3*x) + ceil(3*x) + x % 0.3", lambda x: math.floor(3 * x) + math.ceil(3 * x) + x % 0.3),
        ("leaky_relu(-x) + leaky_relu(-x, 0.2)", lambda x: -0.01 * x - 0.2 * x),
        ("atan2(x, 2) + maximum(x, 0.1) + minimum(x, 0.1)", lambda x: math.atan2(x, 2) + max(x, 0.1) + min(x, 0.1)),
    ],
)
def test_the_engine_ops_added_to_the_language(text, expected):
    assert Expression(text).evaluate({"x": 0.5}).data == pytest.approx(expected(0.5), rel=1e-12)


@pytest.mark.parametrize("text", ["atan2(x)", "maximum(x, x, x)", "leaky_relu(x, 0.1, 2)", "floor(x, x)"])
def test_functions_refuse_the_wrong_number_of_arguments(text):
    with pytest.raises(ExpressionError, match="takes exactly"):
        Expression(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # Columns count characters from 1, not UTF-8 bytes from 0.
        ("ééé + x.a", "attributes (x.name) are not allowed at column 7"),
        ("x $ 2", "invalid syntax at column 3"),
        ("x +", "invalid syntax at the end of the expression"),
        ("(x\n+ foo(", "'(' was never closed at line 2, column 6"),
        # No ast class names.
        ("x if y else z", "conditional expressions (a if b else c) are not allowed at column 1"),
        ("x < y", "comparisons are not allowed"),
        ("x @ y", "the operator @ is not allowed"),
        ("~x", "the operator ~ is not allowed"),
        ("x.y(1)", "only a function name can be called at column 1"),
        # A real column for NUL, and the parser's error for a lone surrogate (not UnicodeEncodeError).
        ("x\0", "the control character U+0000 at column 2 is not allowed"),
        ("x + \ud800", "the lone surrogate U+D800 at column 5 is not allowed"),
        # A comment cannot carry a terminal escape sequence to stdout.
        ("x*2 # \x1b[2J", "the control character U+001B at column 7 is not allowed"),
        ("x*2 # \x9b2J", "the control character U+009B at column 7 is not allowed"),
        # What Python only warns about is an error with a column.
        ("x+1or 2", "invalid decimal literal at column 3"),
        ("  ", "the expression is empty"),
    ],
)
def test_messages_say_what_and_where_in_words(text, message):
    with pytest.raises(ExpressionError) as error:
        Expression(text)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


TOO_DEEP = f"nested too deeply (at most {MAX_DEPTH} levels"


@pytest.mark.parametrize(
    "text",
    [
        "(" + "-" * 330 + "x)()",  # the callee once reached the recursive ast.unparse
        "(" + "+".join(["x"] * 300) + ")()",
        "-" * 1999 + "x",
        "(" * 150 + "x" + ")" * 150,
        "(" * 300 + "x" + ")" * 300,  # past Python's own limit of 200
        "exp(" * 101 + "x" + ")" * 101,
        "x" + "**x" * 101,
    ],
)
def test_deep_nesting_is_refused_at_the_stated_limit(text):
    with pytest.raises(ExpressionError, match=re.escape(TOO_DEEP)):
        Expression(text)


def test_nesting_up_to_the_limit_is_accepted_and_evaluates():
    assert Expression("-" * MAX_DEPTH + "x").evaluate({"x": 2.0}).data == 2.0
    assert Expression("(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH).evaluate({"x": 2.0}).data == 2.0
    root = Expression("sin(" * (MAX_DEPTH - 1) + "x" + ")" * (MAX_DEPTH - 1) + " # ((((").evaluate({"x": 0.5})
    expected = 0.5
    for _ in range(MAX_DEPTH - 1):
        expected = math.sin(expected)
    assert root.data == expected
