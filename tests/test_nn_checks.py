"""nn.checks: ArgumentError and the one copy of each argument check nn's modules share."""

import ast
import math
import pathlib
import random

import pytest

import nn
from autograd import Value
from nn.checks import ArgumentError, as_number, as_value, check_count, check_flag, check_rng, finite_nonnegative

NN = pathlib.Path(nn.__file__).parent


def test_argument_error_is_a_value_error_exported_by_nn():
    assert issubclass(ArgumentError, ValueError)
    assert nn.ArgumentError is ArgumentError


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: check_count("n", 2.0), TypeError, "n must be an int >= 1, got float: 2.0"),
        (lambda: check_count("n", True), TypeError, "n must be an int >= 1, got bool: True"),
        (lambda: check_count("n", 1, 2), ArgumentError, "n must be an int >= 2, got 1"),
        (lambda: check_flag(1, "f"), TypeError, "f must be True or False, got int: 1"),
        (lambda: check_rng(7, "rng"), TypeError, r"rng must be a random\.Random \(or None\), got int"),
        (lambda: as_number("1", "x"), TypeError, "x must be a number, got str: '1'"),
        (lambda: as_number(math.inf, "x"), ArgumentError, "x must be finite, got inf"),
        (lambda: as_value(None, "x"), TypeError, "x must be a number or a Value, got NoneType: None"),
        (lambda: as_value(10**400, "x"), ArgumentError, "x is too large for a float, got an int of about 401 digits"),
        (lambda: finite_nonnegative("1", "lr"), TypeError, "lr must be a finite number >= 0, got str"),
        (lambda: finite_nonnegative(-1, "lr"), ArgumentError, "lr must be a finite number >= 0, got -1"),
    ],
)
def test_a_wrong_kind_is_a_type_error_and_a_wrong_value_an_argument_error(call, error, message):
    with pytest.raises(error, match=message) as info:
        call()
    assert type(info.value) is error


def test_the_conversions_keep_values_and_convert_numbers():
    v = Value(2.0, "v")
    assert as_value(v, "x") is v
    made = as_value(3, "x", "label")
    assert (made.data, made.label, made.parents) == (3.0, "label", ())
    assert as_number(v, "x") == 2.0
    generator = random.Random(0)
    assert check_rng(generator, "rng") is generator
    assert check_count("n", 0, 0) == 0


def _functions_defined(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


@pytest.mark.parametrize("path", sorted(NN.glob("*.py")), ids=lambda path: path.name)
def test_each_shared_check_has_one_home(path):
    """No module of nn keeps its own copy of a check that nn.checks owns."""
    if path.name == "checks.py":
        return
    copies = _functions_defined(path) & {"_check_rng", "_check_count", "_number", "_check_flag", "_fits_a_float"}
    assert not copies, f"{path.name} defines {sorted(copies)}; use nn.checks"
    assert "random.Random()" not in path.read_text(encoding="utf-8"), f"{path.name} picks its own default generator"
