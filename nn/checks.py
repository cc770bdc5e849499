"""Argument checks shared by nn's modules: numbers that fit a float, sequences, and safe reprs for messages.

Standard library only; never imports `viz`. Every public nn function checks
what a user hands it and raises `TypeError` (wrong kind of thing) or
`ValueError` (right kind, wrong value) naming the argument and the value;
these helpers keep those messages alike and keep a hostile value (a 5,000
digit int, whose repr itself raises) from turning an error message into a
second error.
"""

import math
import numbers

# Ints longer than this many bits do not fit a float (its largest is just under 2**1024).
_FLOAT_BITS = 1024


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


def finite_float(number, what):
    """`number` (a number, see `is_number`) as a float; ValueError naming `what` if it is too large or not finite."""
    try:
        value = float(number)
    except OverflowError:
        raise ValueError(f"{what} is too large for a float, got {shown(number)}") from None
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return value


def finite_nonnegative(number, what):
    """`number` as a float, or ValueError naming `what` unless it is a real number >= 0 that fits a finite float."""
    if not isinstance(number, bool) and isinstance(number, numbers.Real):
        try:
            value = float(number)
        except OverflowError:
            value = math.inf
        if 0.0 <= value < math.inf:
            return value
    raise ValueError(f"{what} must be a finite number >= 0, got {shown(number)}")
