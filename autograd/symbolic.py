"""Symbols that turn a derivative rule or a forward into Python source.

Owns `Symbol` and `source_of`: a rule written in plain arithmetic, called on
Symbols instead of floats, returns Symbols whose text is the same arithmetic
as source. `autograd.jit` uses it to inline an op's forward and local
derivatives into the program it generates, so the program evaluates exactly
the operations the eager engine evaluates, in the same order (every operation
is parenthesised), and its floats are the engine's, bit for bit. Imports only
the standard library; never `nn` or `viz`.

A Symbol refuses everything that is not arithmetic: comparing it, asking for
its truth or its float raises `NotInlineError`, and so does handing it to a `math`
function (which wants a real float). A rule that does any of those is not
inlined; the program then calls the rule itself.

The text of a Symbol holds only slot names the generator chose (`v12`) and
numbers written with `repr` of a float, never any text a user gave.
"""

import math


class NotInlineError(Exception):
    """The rule does something other than arithmetic on its arguments: call it instead."""


class Symbol:
    """A float-valued expression known only by its source text."""

    __slots__ = ("source",)

    def __init__(self, source):
        self.source = source

    def __add__(self, other):
        return _binary(self, "+", other)

    def __radd__(self, other):
        return _binary(other, "+", self)

    def __sub__(self, other):
        return _binary(self, "-", other)

    def __rsub__(self, other):
        return _binary(other, "-", self)

    def __mul__(self, other):
        return _binary(self, "*", other)

    def __rmul__(self, other):
        return _binary(other, "*", self)

    def __truediv__(self, other):
        return _binary(self, "/", other)

    def __rtruediv__(self, other):
        return _binary(other, "/", self)

    def __neg__(self):
        return Symbol(f"(-{self.source})")

    def __pos__(self):
        return self

    def _refuse(self, *args):
        raise NotInlineError("not plain arithmetic")

    # Anything that would need the value, not the expression, is refused.
    __bool__ = __float__ = __int__ = __index__ = _refuse
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _refuse
    __pow__ = __rpow__ = __mod__ = __rmod__ = __abs__ = __floordiv__ = __rfloordiv__ = _refuse
    __hash__ = None


def source_of(x):
    """Source text of a Symbol or of a plain number (a float literal that reads back to the same float)."""
    if x.__class__ is Symbol:
        return x.source
    if x.__class__ is float or x.__class__ is int:
        x = float(x)
        if math.isfinite(x):
            return repr(x)
        if math.isnan(x):
            return "_NAN"
        return "_INF" if x > 0.0 else "(-_INF)"
    raise NotInlineError(f"not a number or a symbol: {type(x).__name__}")


def _binary(left, operator, right):
    return Symbol(f"({source_of(left)} {operator} {source_of(right)})")


# Names the generated source may use: non-finite constants, the finiteness check, exp (autograd.jit's twins).
CONSTANTS = {"_INF": math.inf, "_NAN": math.nan, "_BIG": 1.7976931348623157e308, "_sum": sum, "_exp": math.exp}
