"""Argument checks shared by nn's modules, and `ArgumentError`, the error nn raises for a bad value.

Imports the standard library and `autograd` only; never `viz`.

The rule every nn function follows: a wrong KIND of argument (a str where a
number goes, a number where a list goes, an rng that is not a
`random.Random`) raises `TypeError`; the right kind with a wrong VALUE (a
negative size, lists of different lengths, a label outside {-1, +1}, a
weight file that does not fit the model) raises `ArgumentError`, a
`ValueError`. Both name the function, the argument and the value. The
command line turns `ArgumentError` into a one-line usage error; any other
exception out of nn is a bug and keeps its traceback.

These helpers keep those messages alike and keep a hostile value (a 5,000
digit int, whose repr itself raises) from turning an error message into a
second error.
"""

import math
import numbers
import random

from autograd import Value

# Ints longer than this many bits do not fit a float (its largest is just under 2**1024).
_FLOAT_BITS = 1024


class ArgumentError(ValueError):
    """A value nn refuses: a bad argument, a weight file that does not fit, an update that would not be finite."""


def shown(thing, limit=80):
    """A short repr of `thing` for an error message; never raises for a huge int."""
    if isinstance(thing, int) and thing.bit_length() > _FLOAT_BITS:
        digits = int(thing.bit_length() * math.log10(2)) + 1
        return f"an int of about {digits} digits"
    try:
        text = repr(thing)
    except Exception:  # a repr that fails must not hide the error being reported
        return f"a {type(thing).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_number(thing):
    """True for an int, a float or anything with `__float__`, but not a bool, str or bytes."""
    return not isinstance(thing, (bool, str, bytes)) and hasattr(thing, "__float__")


def is_sequence(thing):
    """True for a list, a tuple or another sized, iterable container that is not a str, bytes or dict."""
    return not isinstance(thing, (str, bytes, dict)) and hasattr(thing, "__len__") and hasattr(thing, "__iter__")


def check_sequence(thing, what, expected="a list"):
    """TypeError naming `what` unless `thing` is a list-like container (see `is_sequence`)."""
    if not is_sequence(thing):
        raise TypeError(f"{what} must be {expected}, got {type(thing).__name__}: {shown(thing)}")


def finite_float(number, what):
    """`number` (a number, see `is_number`) as a float; ArgumentError naming `what` if it is too large or not finite."""
    try:
        value = float(number)
    except OverflowError:
        raise ArgumentError(f"{what} is too large for a float, got {shown(number)}") from None
    if not math.isfinite(value):
        raise ArgumentError(f"{what} must be finite, got {value!r}")
    return value


def as_number(thing, what):
    """`thing` as a finite float: a Value gives its data; TypeError if it is no number, ArgumentError if not finite."""
    if isinstance(thing, Value):
        thing = thing.data
    if not is_number(thing):
        raise TypeError(f"{what} must be a number, got {type(thing).__name__}: {shown(thing)}")
    return finite_float(thing, what)


def as_value(thing, what, label=""):
    """`thing` itself if it is a Value, else a new leaf Value of the finite number `thing`, labelled `label`.

    The one number-to-Value conversion of nn (parameters, inputs, loss
    operands): TypeError for anything that is neither a Value nor a number,
    ArgumentError for a number that is not a finite float.
    """
    if isinstance(thing, Value):
        return thing
    if not is_number(thing):
        raise TypeError(f"{what} must be a number or a Value, got {type(thing).__name__}: {shown(thing)}")
    return Value(finite_float(thing, what), label)


def finite_nonnegative(number, what):
    """`number` as a float; TypeError unless it is a real number, ArgumentError unless it is finite and >= 0."""
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        raise TypeError(f"{what} must be a finite number >= 0, got {type(number).__name__}: {shown(number)}")
    try:
        value = float(number)
    except OverflowError:
        value = math.inf
    if not 0.0 <= value < math.inf:
        raise ArgumentError(f"{what} must be a finite number >= 0, got {shown(number)}")
    return value


def check_count(what, count, minimum=1):
    """`count` if it is an int >= `minimum`; TypeError naming `what` for a non-int or a bool, else ArgumentError."""
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError(f"{what} must be an int >= {minimum}, got {type(count).__name__}: {shown(count)}")
    if count < minimum:
        raise ArgumentError(f"{what} must be an int >= {minimum}, got {shown(count)}")
    return count


def check_flag(flag, what):
    """`flag` if it is True or False; TypeError naming `what` otherwise."""
    if not isinstance(flag, bool):
        raise TypeError(f"{what} must be True or False, got {type(flag).__name__}: {shown(flag)}")
    return flag


def check_rng(rng, what):
    """The generator to draw from: `rng` itself, or for None the `random` module (its shared generator).

    So `random.seed(k)` reproduces everything drawn with `rng=None`, as in
    micrograd. TypeError unless `rng` is None or a `random.Random`.
    """
    if rng is None:
        return random
    if not isinstance(rng, random.Random):
        raise TypeError(f"{what} must be a random.Random (or None), got {type(rng).__name__}")
    return rng
