"""`Value`, the scalar node, `define_op`, and every op declared through it.

Owns: the node (`data`, `grad`, `label`, `op`, `parents`, `local_grads`), the
`Op` declaration and the one way a node is made, every built-in op, the
n-ary `weighted_sum` and `total`, and what a drawing or a checker may ask of a
node's op (`op_arguments`, `op_display`, `forward_at`). Imports only the
standard library and `autograd`'s `graph` and `mode`; never `nn` or `viz`.

One op, one declaration. `define_op(name, forward, derivative)` is all an op
is: `forward(*floats)` computes the value, `derivative(out, *inputs)` returns
one local derivative per input, written in plain arithmetic so that the same
rule runs on floats (to record `local_grads` in the forward pass) and on
Values (to build differentiable gradients for `grad(..., create_graph=True)`).
The built-in ops below are declared exactly so, each with its one line of math;
`Value`'s methods are made from those declarations (`_unary`, `_binary`,
`_reflected`), so there is no second list of ops to keep in step.

Numbers are part of the op. An argument that is a plain number is no parent:
`x * 0.5` is one node with `parents == (x,)` and `local_grads == (0.5,)`, and
the node keeps the number in a slot of its own (see `Value` for the layout),
so the forward can be re-run and a drawing can show the 0.5.

One rule for numbers that are not finite. Operands that are all finite give a
finite result or a `DomainError` (outside the op's domain, or the result
overflows a float): `x * x` overflowing raises as `exp(1000)` does. Operands
that are inf or NaN (data you put in) propagate as IEEE arithmetic does, never
an error and never hidden: `relu(nan)` is nan, `exp(inf)` is inf, `sin(inf)`
is nan. `detect_anomaly()` stops at the first non-finite value.

Why `==` is identity: Values are graph nodes and must work as dict keys and set
members (`topological_order` keeps its marks in a dict keyed by node), so
`==` and `hash` stay those of `object`. Compare numbers with `a.data == b.data`.

Why no closures per node: a node that stored a backward closure referring to
itself would form a reference cycle per node, and the cyclic garbage collector
would then spend most of the time walking the graph. Our nodes refer only to
their parents and to their op's declaration, which is shared; and a node is
one object (its operands and local derivatives in slots, no tuples of its own
for one- and two-operand ops), because the collector's work grows with the
number of objects it tracks: two per node made it most of a large build.
"""

import math
import operator

from autograd.graph import accumulate
from autograd.mode import RECORDING, active, current_mode, tracing
from autograd.mode import no_grad as no_grad  # re-exported: its home was this module


class DomainError(ValueError):
    """An op was given an input outside its domain (log of 0, sqrt of -1, an overflow, ...)."""


class DivisionByZeroError(DomainError, ZeroDivisionError):
    """x / 0: a DomainError that is also a ZeroDivisionError."""


_FORWARD_ERRORS = (ValueError, OverflowError, ZeroDivisionError, ArithmeticError)
# -1.7976931348623157e308 <= x <= 1.7976931348623157e308 holds exactly for finite x, not for
# inf or nan; the hot paths spell the bounds out so that they are constants, not globals.
_BIGGEST = 1.7976931348623157e308
_new_object = object.__new__


def _to_float(data):
    """`data` as a float: int, float or anything with `__float__`, but not bool or str."""
    if isinstance(data, (bool, str, bytes)) or not hasattr(data, "__float__"):
        raise TypeError(
            f"Value data must be a number (int, float or an object with __float__), not {type(data).__name__}: {data!r}"
        )
    try:
        return float(data)
    except OverflowError:
        raise ValueError(f"Value data {type(data).__name__} is too large for a float (|data| > 1.8e308)") from None


def _number(x):
    """A plain number operand as a float, or None if `x` is not one (a Value is not a plain number)."""
    if x.__class__ is float:
        return x
    if x.__class__ is int:
        try:
            return float(x)
        except OverflowError:
            return _to_float(x)  # raises the ValueError that says so
    if isinstance(x, (bool, str, bytes, Value)) or not hasattr(x, "__float__"):
        return None
    return _to_float(x)


def _describe(operand):
    """`2.0` or `2.0 (label 'x')` for a Value, `2.0` for a number: for error messages."""
    if operand.__class__ is not Value:
        return repr(operand)
    if operand.label:
        return f"{operand.data!r} (label {operand.label!r})"
    return repr(operand.data)


def _finite(x):
    return -_BIGGEST <= x <= _BIGGEST


class Op:
    """One op: its `name`, `forward(*floats)`, `derivative(out, *inputs)`, and how it reads.

    Calling it on Values and numbers makes ONE node with `op == name`. `domain`
    is the requirement an error message states ("needs x > 0"); `infix` marks
    an operator drawn between its operands (`*0.5`); `kink(*floats)`, when the
    op has kinks, gives the distance from its arguments to the nearest point
    where it is not differentiable; `doc` states f and f' in one line.
    """

    __slots__ = ("name", "forward", "derivative", "constant", "domain", "infix", "kink", "doc")

    def __init__(self, name, forward, derivative, *, domain=None, infix=False, kink=None, doc=""):
        self.name = name
        self.forward = forward
        if isinstance(derivative, tuple):  # the same local derivatives everywhere: no call per node
            self.constant = tuple(float(g) for g in derivative)
            self.derivative = lambda out, *inputs: self.constant
        else:
            self.constant = None
            self.derivative = derivative
        self.domain = domain
        self.infix = infix
        self.kink = kink
        self.doc = doc

    def __repr__(self):
        return f"<op {self.name!r}>"

    def __call__(self, *args):
        """The op applied to Values and numbers: one node, whose parents are the Value arguments."""
        parents = []
        floats = []
        constants = False
        for position, arg in enumerate(args):
            if isinstance(arg, Value):
                parents.append(arg)
                floats.append(arg.data)
                continue
            number = _number(arg)
            if number is None:
                raise TypeError(
                    f"{self.name}: argument {position} must be a Value or a number, not {type(arg).__name__}: {arg!r}"
                )
            floats.append(number)
            constants = True
        arg = tuple(None if isinstance(a, Value) else f for a, f in zip(args, floats)) if constants else None
        parents = tuple(parents)
        try:
            out = self.forward(*floats)
        except _FORWARD_ERRORS as error:
            return _refused(self, parents, floats, arg, error)
        if out.__class__ is not float:
            out = _to_float(out)
        if not _finite(out):
            return _non_finite(self, parents, floats, arg, out)
        if not parents:  # numbers only: a constant, like an op under no_grad
            return Value(out)
        local = _checked_derivative(self, out, floats, arg)
        return _node(out, self, parents, local, arg)


def define_op(name, forward, derivative, *, domain=None, infix=False, kink=None, doc=""):
    """A new op: a callable that takes Values or numbers and makes ONE node with `op == name`.

    `forward(*floats)` returns the value as a float. `derivative(out, *inputs)`
    (or, for an op whose local derivatives are the same everywhere, a tuple of
    those numbers) returns one local derivative per input (all of them, numbers included; the
    entries for number arguments are dropped), written in arithmetic that works
    on floats and on Values alike (use the Value methods' float twins from
    `math` only on floats), so that `grad(..., create_graph=True)`
    differentiates through it. An error `forward` raises outside its domain
    (ValueError, OverflowError, ZeroDivisionError, as `math` does) becomes a
    `DomainError` naming the op, the values and their labels; so does a result
    that is not finite at finite inputs. `domain` is the requirement to state in
    that message ("needs x > 0"), `kink` an optional distance-to-kink function
    for checkers, `doc` the one line of math shown as the op's help.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"define_op: name must be a non-empty str, not {name!r}")
    if not callable(forward) or not (callable(derivative) or isinstance(derivative, tuple)):
        raise TypeError("define_op: forward must be a callable, derivative a callable or a tuple of numbers")
    return Op(name, forward, derivative, domain=domain, infix=infix, kink=kink, doc=doc)


def _node(data, op, parents, local_grads, arg):
    """The one constructor of op results; under `no_grad` the result is a constant.

    The method makers below repeat its first lines inline (a call per node saved
    on the hottest paths) and hand every other mode to `_in_mode`. The mode is
    the default unless some thread or task has entered another one (`active`
    is then not empty): only then is the context variable read.
    """
    node = _new_object(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    node._g = None
    if not active or current_mode() is RECORDING:
        _record(node, op, parents, local_grads, arg)
        return node
    return _in_mode(node, op, parents, local_grads, arg)


def _record(node, op, parents, local_grads, arg):
    """Store `op`, its Value operands, their local derivatives and the op's numbers in `node`'s slots.

    The layout (see `Value`): one or two Value operands in `_a`/`_b` with their
    local derivatives in `_da`/`_db`, a number operand in `_db`; any other
    shape keeps tuples (`_b` the parents, `_db` their local derivatives, `_da`
    the op's arguments with None at each Value's position).
    """
    node._op = op
    count = len(parents)
    if arg is None:
        if count == 2:
            node._a, node._b = parents
            node._da, node._db = local_grads
            return
        if count == 1:
            node._a = parents[0]
            node._b = None
            node._da = local_grads[0]
            node._db = None
            return
    elif count == 1 and len(arg) == 2:
        node._a = parents[0]
        node._da = local_grads[0]
        if arg[0] is None:  # x OP c
            node._b = None
            node._db = arg[1]
        else:  # c OP x
            node._b = _NUMBER_FIRST
            node._db = arg[0]
        return
    node._a = None
    node._b = tuple(parents)
    node._da = arg
    node._db = tuple(local_grads)


def _in_mode(node, op, parents, local_grads, arg):
    """Finish `node` in a mode other than the default: record or not, then the anomaly hook."""
    mode = current_mode()
    if mode.grad_enabled:
        _record(node, op, parents, local_grads, arg)
    else:
        node._op = None
        node._a = None
        node._b = None
        node._da = MADE_UNDER_NO_GRAD  # how grad() tells this constant from a leaf you made
        node._db = None
    if mode.anomaly is not None:  # told the op and its arguments, which a constant made under no_grad drops
        mode.anomaly.forward(node, op.name, _fill(arg, parents))
    return node


# What `_da` of a constant an op made under `no_grad` holds: it has no op and no parents.
MADE_UNDER_NO_GRAD = "made under no_grad"
# What `_b` holds when the one Value operand comes after the op's number (`0.5 - x`): false, not a Value.
_NUMBER_FIRST = False


def made_under_no_grad(node):
    """Whether `node` is a constant that an op made inside `no_grad()` (not a leaf made by hand)."""
    return node._op is None and node._da is MADE_UNDER_NO_GRAD


def _arg_of(node):
    """The op's numbers as the layout keeps them: None when every argument is a Value, else a tuple
    of the op's arguments with None at each Value's position."""
    if node._a is None:
        return node._da if node._b else None
    b = node._b
    if b:
        return None
    number = node._db
    if number is None:
        return None
    return (number, None) if b is _NUMBER_FIRST else (None, number)


def _operands_text(parents, floats, arg):
    if arg is None:
        return ", ".join(_describe(p) for p in parents)
    values = iter(parents)
    return ", ".join(_describe(next(values)) if a is None else repr(a) for a in arg)


def _domain_error(op, parents, floats, arg, requirement, error_class=DomainError):
    return error_class(f"{op.name}: {requirement}, got {_operands_text(parents, floats, arg)}")


def _all_finite(floats):
    return all(_finite(f) for f in floats)


def _refused(op, parents, floats, arg, error):
    """The forward raised: a DomainError at finite operands, a NaN result at non-finite ones."""
    if not _all_finite(floats):
        return _node(math.nan, op, parents, (math.nan,) * len(parents), arg)
    if isinstance(error, OverflowError):
        requirement = "the result overflows a float"
    elif op.domain:
        requirement = op.domain
    else:
        requirement = str(error) or type(error).__name__
    error_class = DivisionByZeroError if isinstance(error, ZeroDivisionError) else DomainError
    raise _domain_error(op, parents, floats, arg, requirement, error_class) from None


def _non_finite(op, parents, floats, arg, out):
    """The forward gave inf or NaN: propagated from non-finite operands, refused from finite ones."""
    if _all_finite(floats) and current_mode().anomaly is None:
        what = "overflows a float" if out == out else "is not a number"
        raise _domain_error(op, parents, floats, arg, f"the result {what} ({out!r})")
    try:
        local = _checked_derivative(op, out, floats, arg)
    except DomainError:
        local = (math.nan,) * len(parents)
    return _node(out, op, parents, local, arg)


def _checked_derivative(op, out, floats, arg):
    """`op.derivative` on floats for a node made by a caller's op: counted, as floats, the constants' dropped."""
    try:
        local = tuple(op.derivative(out, *floats))
    except _FORWARD_ERRORS as error:
        if not _all_finite(floats):
            return (math.nan,) * (len(floats) if arg is None else arg.count(None))
        raise _domain_error(op, (), floats, tuple(floats), f"the derivative is undefined here ({error})") from None
    if len(local) != len(floats):
        raise TypeError(f"{op.name}: derivative returned {len(local)} local derivatives for {len(floats)} inputs")
    if arg is not None:
        local = tuple(g for g, a in zip(local, arg) if a is None)
    return tuple(g if g.__class__ is float else _to_float(g) for g in local)


# Method makers: a Value method from an op's declaration, with the common cases
# unrolled (one or two operands, a number on either side) and `_node` inlined,
# because these run once per node. They do what `Op.__call__` does, no more.
def _unary(op):
    forward = op.forward
    derivative = op.derivative
    constant = op.constant

    def method(self):
        data = self.data
        try:
            out = forward(data)
        except _FORWARD_ERRORS as error:
            return _refused(op, (self,), (data,), None, error)
        if not -1.7976931348623157e308 <= out <= 1.7976931348623157e308:  # not finite
            return _non_finite(op, (self,), (data,), None, out)
        local = derivative(out, data)[0] if constant is None else constant[0]
        node = _new_object(Value)
        node.data = out
        node.grad = 0.0
        node.label = ""
        node._g = None
        if not active or current_mode() is RECORDING:
            node._op = op
            node._a = self
            node._b = None
            node._da = local
            node._db = None
            return node
        return _in_mode(node, op, (self,), (local,), None)

    return _named(method, op)


def _binary(op):
    """`self OP other` with `other` a Value or a number (then part of the op)."""
    forward = op.forward
    derivative = op.derivative
    constant = op.constant

    def method(self, other):
        x = self.data
        if other.__class__ is Value:
            y = other.data
            b = other
        else:
            y = other if other.__class__ is float else _number(other)
            if y is None:
                return op(self, other) if isinstance(other, Value) else NotImplemented
            b = None
        try:
            out = forward(x, y)
        except _FORWARD_ERRORS as error:
            return _refused(op, (self, other) if b else (self,), (x, y), None if b else (None, y), error)
        if not -1.7976931348623157e308 <= out <= 1.7976931348623157e308:  # not finite
            return _non_finite(op, (self, other) if b else (self,), (x, y), None if b else (None, y), out)
        da, db = derivative(out, x, y) if constant is None else constant
        node = _new_object(Value)
        node.data = out
        node.grad = 0.0
        node.label = ""
        node._g = None
        if not active or current_mode() is RECORDING:
            node._op = op
            node._a = self
            node._b = b
            node._da = da
            node._db = db if b else y  # a number operand is kept where its derivative would be
            return node
        if b:
            return _in_mode(node, op, (self, other), (da, db), None)
        return _in_mode(node, op, (self,), (da,), (None, y))

    return _named(method, op)


def _reflected(op):
    """`other OP self` for a number `other` on the left (Python calls `self.__rOP__(other)`)."""
    forward = op.forward
    derivative = op.derivative
    constant = op.constant

    def method(self, other):
        x = other if other.__class__ is float else _number(other)
        if x is None:
            return NotImplemented
        y = self.data
        try:
            out = forward(x, y)
        except _FORWARD_ERRORS as error:
            return _refused(op, (self,), (x, y), (x, None), error)
        if not -1.7976931348623157e308 <= out <= 1.7976931348623157e308:  # not finite
            return _non_finite(op, (self,), (x, y), (x, None), out)
        local = derivative(out, x, y)[1] if constant is None else constant[1]
        node = _new_object(Value)
        node.data = out
        node.grad = 0.0
        node.label = ""
        node._g = None
        if not active or current_mode() is RECORDING:
            node._op = op
            node._a = self
            node._b = _NUMBER_FIRST
            node._da = local
            node._db = x
            return node
        return _in_mode(node, op, (self,), (local,), (x, None))

    return _named(method, op)


def _named(method, op):
    method.__doc__ = op.doc
    method.op = op  # how the tests find every public op: by inspecting Value
    return method


def _apply_values(op, parents):
    """`op` on a tuple of Values (the n-ary ops): one node."""
    floats = [p.data for p in parents]
    try:
        out = op.forward(*floats)
    except _FORWARD_ERRORS as error:
        return _refused(op, parents, floats, None, error)
    if -1.7976931348623157e308 <= out <= 1.7976931348623157e308:  # finite
        return _node(out, op, parents, op.derivative(out, *floats), None)
    return _non_finite(op, parents, floats, None, out)


# What a rule may call: each works on floats and on Values alike.
def _value_of(x):
    """The float behind a float or a Value: for rules whose result is piecewise constant."""
    return x.data if x.__class__ is Value else x


def _cos(x):
    return x.cos() if x.__class__ is Value else math.cos(x)


def _sin(x):
    return x.sin() if x.__class__ is Value else math.sin(x)


def _cosh(x):
    return x.cosh() if x.__class__ is Value else math.cosh(x)


def _sinh(x):
    return x.sinh() if x.__class__ is Value else math.sinh(x)


def _log(x):
    return x.log() if x.__class__ is Value else math.log(x)


def _sqrt(x):
    return x.sqrt() if x.__class__ is Value else math.sqrt(x)


def _sigmoid(x):
    return x.sigmoid() if x.__class__ is Value else _sigmoid_forward(x)


def _power(x, p):
    """x ** p for a slope: on floats, a slope beyond the floats is infinite, not an error.

    x^p may be finite while p x^(p-1) is not (x = 1e-200, p = -1); like sqrt'(0),
    the local derivative is then +-inf. The sign is that of x^(p-1): negative
    only for x < 0 and an odd integer power. (On Values, `**` itself raises a
    DomainError for an overflow.)
    """
    try:
        return x**p
    except OverflowError:
        return -math.inf if x < 0.0 and p % 2.0 == 1.0 else math.inf


def _floor_float(x):
    return float(math.floor(x)) if _finite(x) else x


def _ceil_float(x):
    return float(math.ceil(x)) if _finite(x) else x


def _to_integer(x):
    """Distance from x to the nearest integer: where floor, ceil and % have their kinks."""
    return abs(x - round(x)) if _finite(x) else math.inf


# The built-in ops. Each: the op's name, its forward on floats, its derivative
# rule on floats and Values (a tuple where it is the same everywhere: one
# shared tuple then, none made per node), the domain its error message
# states, its one line of math.

_ADD = define_op("+", operator.add, (1.0, 1.0), infix=True, doc="a + b; d/da = 1, d/db = 1.")
_SUB = define_op("-", operator.sub, (1.0, -1.0), infix=True, doc="a - b; d/da = 1, d/db = -1.")
_MUL = define_op("*", operator.mul, lambda out, a, b: (b, a), infix=True, doc="a * b; d/da = b, d/db = a.")
_DIV = define_op(
    "/",
    operator.truediv,
    lambda out, a, b: (1.0 / b, -out / b),
    domain="division by zero: the divisor must not be 0",
    infix=True,
    doc="a / b; d/da = 1/b, d/db = -(a/b)/b. Needs b != 0.",
)


def _mod_derivative(out, a, b):
    """d/da (a - b floor(a/b)) = 1; d/db = -floor(a/b), a constant where it is differentiable."""
    quotient = _value_of(a) / _value_of(b)
    return (1.0, -_floor_float(quotient) if _finite(quotient) else math.nan)


_MOD = define_op(
    "%",
    operator.mod,
    _mod_derivative,
    domain="division by zero: the divisor must not be 0",
    infix=True,
    kink=lambda a, b: abs(b) * _to_integer(a / b) if b else math.inf,
    doc="a % b = a - b floor(a/b) (Python's, the sign of b); d/da = 1, d/db = -floor(a/b).",
)


def _pow_forward(base, exponent):
    if base < 0.0 and not exponent.is_integer():
        raise ValueError(f"a negative base needs an integer exponent, not {exponent!r}")
    if base == 0.0 and exponent < 0.0:
        raise ZeroDivisionError(f"0 to the negative power {exponent!r} is a division by zero")
    return base**exponent


def _pow_derivative(out, base, exponent):
    """d/dx x^p = p x^(p-1) (vertical at x = 0 for p < 1); d/dp x^p = x^p log x, for x > 0."""
    x = _value_of(base)
    p = _value_of(exponent)
    if p == 0.0 and exponent.__class__ is not Value:
        # A number exponent 0: x^0 = 1 has slope 0 everywhere (even at x = 0, where 0 x^-1 is 0/0).
        # A Value exponent keeps p x^(p-1) (its base is > 0), whose derivative by p is x^(p-1) at p = 0.
        d_base = 0.0
    elif x == 0.0 and p < 1.0:
        d_base = math.inf  # like sqrt'(0): the slope is vertical at 0
    else:
        d_base = exponent * _power(base, exponent - 1.0)
    # d/dp needs x > 0; a Value exponent is refused for other bases (see `__pow__`),
    # so a number exponent is the only way here and this entry is then dropped.
    d_exponent = out * _log(base) if x > 0.0 else 0.0 if x == 0.0 else math.nan
    return (d_base, d_exponent)


_POW = define_op(
    "**",
    _pow_forward,
    _pow_derivative,
    infix=True,
    doc="x ** p; d/dx = p x^(p-1); with a Value exponent also d/dp = x^p log x (needs x > 0).",
)
_NEG = define_op("neg", operator.neg, (-1.0,), doc="-x; d/dx = -1.")


def _abs_derivative(out, x):
    data = _value_of(x)
    return (1.0 if data > 0.0 else -1.0 if data < 0.0 else 0.0 if data == 0.0 else math.nan,)


_ABS = define_op("abs", abs, _abs_derivative, kink=abs, doc="|x|; d/dx = sign(x), with abs'(0) = 0.")
_EXP = define_op("exp", math.exp, lambda out, x: (out,), doc="e^x; d/dx = e^x. Overflows (raises) above about 709.78.")
_LOG = define_op("log", math.log, lambda out, x: (1.0 / x,), domain="needs x > 0", doc="ln x; d/dx = 1/x. Needs x > 0.")
_TANH = define_op("tanh", math.tanh, lambda out, x: (1.0 - out * out,), doc="tanh x; d/dx = 1 - tanh(x)^2.")


def _sigmoid_forward(x):
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


_SIGMOID = define_op(
    "sigmoid",
    _sigmoid_forward,
    lambda out, x: (out * (1.0 - out),),
    doc="1 / (1 + e^-x); d/dx = s (1 - s). Never overflows for finite x.",
)


def _relu_derivative(out, x):
    data = _value_of(x)
    return (1.0 if data > 0.0 else 0.0 if data <= 0.0 else math.nan,)


_RELU = define_op(
    "relu",
    lambda x: 0.0 if x <= 0.0 else x,  # written so that relu(nan) is nan
    _relu_derivative,
    kink=abs,
    doc="max(0, x); d/dx = 1 for x > 0, else 0 (relu'(0) = 0).",
)


def _leaky_relu_forward(x, slope):
    return slope * x if x <= 0.0 else x


def _leaky_relu_derivative(out, x, slope):
    data = _value_of(x)
    if data > 0.0:
        return (1.0, 0.0)
    if data <= 0.0:
        return (slope, x)
    return (math.nan, math.nan)


_LEAKY_RELU = define_op(
    "leaky_relu",
    _leaky_relu_forward,
    _leaky_relu_derivative,
    kink=lambda x, slope: abs(x),
    doc="x for x > 0, else slope * x; d/dx = 1 for x > 0, else slope (at 0: slope); d/dslope = min(x, 0).",
)
_SIN = define_op("sin", math.sin, lambda out, x: (_cos(x),), doc="sin x; d/dx = cos x.")
_COS = define_op("cos", math.cos, lambda out, x: (-_sin(x),), doc="cos x; d/dx = -sin x.")
_TAN = define_op("tan", math.tan, lambda out, x: (1.0 + out * out,), doc="tan x; d/dx = 1 + tan(x)^2.")
_SINH = define_op("sinh", math.sinh, lambda out, x: (_cosh(x),), doc="sinh x; d/dx = cosh x.")
_COSH = define_op("cosh", math.cosh, lambda out, x: (_sinh(x),), doc="cosh x; d/dx = sinh x.")


def _arc_slope(x):
    """1 / sqrt(1 - x^2): the slope of asin (and minus that of acos), infinite at x = +-1."""
    rest = 1.0 - x * x
    return 1.0 / _sqrt(rest) if _value_of(rest) > 0.0 else math.inf


_ASIN = define_op(
    "asin",
    math.asin,
    lambda out, x: (_arc_slope(x),),
    domain="needs -1 <= x <= 1",
    doc="asin x; d/dx = 1 / sqrt(1 - x^2) (+inf at x = +-1). Needs -1 <= x <= 1.",
)
_ACOS = define_op(
    "acos",
    math.acos,
    lambda out, x: (-_arc_slope(x),),
    domain="needs -1 <= x <= 1",
    doc="acos x; d/dx = -1 / sqrt(1 - x^2) (-inf at x = +-1). Needs -1 <= x <= 1.",
)
_ATAN = define_op("atan", math.atan, lambda out, x: (1.0 / (1.0 + x * x),), doc="atan x; d/dx = 1 / (1 + x^2).")


def _atan2_derivative(out, y, x):
    r = x * x + y * y
    if _value_of(r) == 0.0:
        raise ZeroDivisionError("the slope of atan2 is undefined at y = x = 0")
    return (x / r, -y / r)


_ATAN2 = define_op(
    "atan2",
    math.atan2,
    _atan2_derivative,
    doc="atan2(y, x), the angle of (x, y); d/dy = x / (x^2 + y^2), d/dx = -y / (x^2 + y^2).",
)
_LOG1P = define_op(
    "log1p",
    math.log1p,
    lambda out, x: (1.0 / (1.0 + x),),
    domain="needs x > -1",
    doc="ln(1 + x), exact for small x; d/dx = 1 / (1 + x). Needs x > -1.",
)
_EXPM1 = define_op(
    "expm1",
    math.expm1,
    lambda out, x: (out + 1.0,),
    doc="e^x - 1, exact for small x; d/dx = e^x. Overflows above 709.78.",
)


def _softplus_forward(x):
    return max(x, 0.0) + math.log1p(math.exp(-abs(x))) if x == x else x


_SOFTPLUS = define_op(
    "softplus",
    _softplus_forward,
    lambda out, x: (_sigmoid(x),),
    doc="ln(1 + e^x), computed stably; d/dx = sigmoid(x).",
)
_FLOOR = define_op("floor", _floor_float, (0.0,), kink=_to_integer, doc="floor x; d/dx = 0 (as PyTorch, steps too).")
_CEIL = define_op("ceil", _ceil_float, (0.0,), kink=_to_integer, doc="ceil x; d/dx = 0 (as PyTorch, steps too).")
_SQRT = define_op(
    "sqrt",
    math.sqrt,
    lambda out, x: (0.5 / out if _value_of(out) != 0.0 else math.inf,),
    domain="needs x >= 0",
    doc="sqrt x; d/dx = 1 / (2 sqrt x), +inf at 0. Needs x >= 0.",
)


def _maximum_forward(a, b):
    return a if a > b else b if b > a else a if a == b else math.nan


def _maximum_derivative(out, a, b):
    x, y = _value_of(a), _value_of(b)
    return (1.0, 0.0) if x > y else (0.0, 1.0) if y > x else (0.5, 0.5) if x == y else (math.nan, math.nan)


def _minimum_forward(a, b):
    return a if a < b else b if b < a else a if a == b else math.nan


def _minimum_derivative(out, a, b):
    x, y = _value_of(a), _value_of(b)
    return (1.0, 0.0) if x < y else (0.0, 1.0) if y < x else (0.5, 0.5) if x == y else (math.nan, math.nan)


_MAXIMUM = define_op(
    "maximum",
    _maximum_forward,
    _maximum_derivative,
    kink=lambda a, b: abs(a - b),
    doc="max(a, b); d/da = 1 where a > b, 0 where a < b, 1/2 at a tie (as torch.maximum); NaN propagates.",
)
_MINIMUM = define_op(
    "minimum",
    _minimum_forward,
    _minimum_derivative,
    kink=lambda a, b: abs(a - b),
    doc="min(a, b); d/da = 1 where a < b, 0 where a > b, 1/2 at a tie (as torch.minimum); NaN propagates.",
)


_fsum = math.fsum


def _sum_forward(*terms):
    return _fsum(terms)


_SUM = define_op("sum", _sum_forward, lambda out, *terms: (1.0,) * len(terms), doc="sum_i v_i; d/dv_i = 1.")


def _weighted_sum_forward(*parents):
    count = len(parents) // 2  # weights, inputs, then the bias when the count is odd
    out = 0.0
    for weight, x in zip(parents[:count], parents[count : 2 * count]):
        out += weight * x
    if len(parents) % 2:
        out += parents[-1]
    return out


def _weighted_sum_derivative(out, *parents):
    count = len(parents) // 2
    return parents[count : 2 * count] + parents[:count] + (1.0,) * (len(parents) - 2 * count)


_WEIGHTED_SUM = define_op(
    "weighted_sum",
    _weighted_sum_forward,
    _weighted_sum_derivative,
    doc="sum_i w_i x_i + b; d/dw_i = x_i, d/dx_i = w_i, d/db = 1.",
)

_INFIX_OPS = (_ADD, _SUB, _MUL, _DIV, _MOD, _POW)


def _value_exponent_refused(base, exponent, arg):
    parents = tuple(v for v in (base, exponent) if v.__class__ is Value)
    return _domain_error(
        _POW,
        parents,
        None,
        arg,
        "with a Value exponent the base must be > 0 (d/d exponent = out * log(base)); "
        "use a number exponent for other bases",
    )


_pow_method = _binary(_POW)

# `+ - *` (and relu, tanh, sigmoid) once more, with their arithmetic and their local derivatives
# written inline: they make most of the nodes of a graph, and a call to the
# forward, to the derivative rule and to `_number` cost as much as the rest.
# Each handles a Value or a float on the other side and a finite result; every
# other case (an int or another number type, a Value subclass, a result that is
# not finite) goes to the general method made from the declaration, which
# gives the same node. `tests/test_primitives.py` holds them to the
# declarations.
_add_general = _binary(_ADD)
_radd_general = _reflected(_ADD)
_sub_general = _binary(_SUB)
_rsub_general = _reflected(_SUB)
_mul_general = _binary(_MUL)
_rmul_general = _reflected(_MUL)
_relu_general = _unary(_RELU)
_tanh_general = _unary(_TANH)
_sigmoid_general = _unary(_SIGMOID)
_math_tanh = math.tanh
_math_exp = math.exp


def _relu(self):
    """relu with `_RELU`'s forward and derivative written out (every hidden unit of a ReLU network)."""
    x = self.data
    if x > 0.0:
        if x - x != 0.0:  # +inf: the general method
            return _relu_general(self)
        local = 1.0
        out = x
    elif x <= 0.0:
        local = 0.0
        out = 0.0
    else:  # nan
        return _relu_general(self)
    node = _new_object(Value)
    node.data = out
    node.grad = 0.0
    node.label = ""
    node._g = None
    if not active or current_mode() is RECORDING:
        node._op = _RELU
        node._a = self
        node._b = None
        node._da = local
        node._db = None
        return node
    return _in_mode(node, _RELU, (self,), (local,), None)


def _tanh(self):
    """tanh with `_TANH`'s forward and derivative written out (the activation of most small networks)."""
    out = _math_tanh(self.data)
    if out - out != 0.0:  # nan: the general method
        return _tanh_general(self)
    node = _new_object(Value)
    node.data = out
    node.grad = 0.0
    node.label = ""
    node._g = None
    if not active or current_mode() is RECORDING:
        node._op = _TANH
        node._a = self
        node._b = None
        node._da = 1.0 - out * out
        node._db = None
        return node
    return _in_mode(node, _TANH, (self,), (1.0 - out * out,), None)


def _sigmoid_method(self):
    """sigmoid with `_SIGMOID`'s forward (`_sigmoid_forward`) and derivative written out."""
    x = self.data
    if x >= 0.0:
        out = 1.0 / (1.0 + _math_exp(-x))
    else:
        z = _math_exp(x)
        out = z / (1.0 + z)
    if out - out != 0.0:  # nan: the general method
        return _sigmoid_general(self)
    node = _new_object(Value)
    node.data = out
    node.grad = 0.0
    node.label = ""
    node._g = None
    if not active or current_mode() is RECORDING:
        node._op = _SIGMOID
        node._a = self
        node._b = None
        node._da = out * (1.0 - out)
        node._db = None
        return node
    return _in_mode(node, _SIGMOID, (self,), (out * (1.0 - out),), None)


def _add(self, other):
    if other.__class__ is Value:
        out = self.data + other.data
        if out - out == 0.0:  # finite (inf - inf and nan - nan are nan)
            node = _new_object(Value)
            node.data = out
            node.grad = 0.0
            node.label = ""
            node._g = None
            if not active or current_mode() is RECORDING:
                node._op = _ADD
                node._a = self
                node._b = other
                node._da = 1.0
                node._db = 1.0
                return node
            return _in_mode(node, _ADD, (self, other), (1.0, 1.0), None)
    elif other.__class__ is float:
        out = self.data + other
        if out - out == 0.0:
            node = _new_object(Value)
            node.data = out
            node.grad = 0.0
            node.label = ""
            node._g = None
            if not active or current_mode() is RECORDING:
                node._op = _ADD
                node._a = self
                node._b = None
                node._da = 1.0
                node._db = other
                return node
            return _in_mode(node, _ADD, (self,), (1.0,), (None, other))
    return _add_general(self, other)


def _radd(self, other):
    if other.__class__ is float:
        out = other + self.data
        if out - out == 0.0:
            node = _new_object(Value)
            node.data = out
            node.grad = 0.0
            node.label = ""
            node._g = None
            if not active or current_mode() is RECORDING:
                node._op = _ADD
                node._a = self
                node._b = _NUMBER_FIRST
                node._da = 1.0
                node._db = other
                return node
            return _in_mode(node, _ADD, (self,), (1.0,), (other, None))
    return _radd_general(self, other)


def _sub(self, other):
    if other.__class__ is Value:
        out = self.data - other.data
        if out - out == 0.0:
            node = _new_object(Value)
            node.data = out
            node.grad = 0.0
            node.label = ""
            node._g = None
            if not active or current_mode() is RECORDING:
                node._op = _SUB
                node._a = self
                node._b = other
                node._da = 1.0
                node._db = -1.0
                return node
            return _in_mode(node, _SUB, (self, other), (1.0, -1.0), None)
    elif other.__class__ is float:
        out = self.data - other
        if out - out == 0.0:
            node = _new_object(Value)
            node.data = out
            node.grad = 0.0
            node.label = ""
            node._g = None
            if not active or current_mode() is RECORDING:
                node._op = _SUB
                node._a = self
                node._b = None
                node._da = 1.0
                node._db = other
                return node
            return _in_mode(node, _SUB, (self,), (1.0,), (None, other))
    return _sub_general(self, other)


def _rsub(self, other):
    if other.__class__ is float:
        out = other - self.data
        if out - out == 0.0:
            node = _new_object(Value)
            node.data = out
            node.grad = 0.0
            node.label = ""
            node._g = None
            if not active or current_mode() is RECORDING:
                node._op = _SUB
                node._a = self
                node._b = _NUMBER_FIRST
                node._da = -1.0
                node._db = other
                return node
            return _in_mode(node, _SUB, (self,), (-1.0,), (other, None))
    return _rsub_general(self, other)


def _mul(self, other):
    if other.__class__ is Value:
        x = self.data
        y = other.data
        out = x * y
        if out - out == 0.0:
            node = _new_object(Value)
            node.data = out
            node.grad = 0.0
            node.label = ""
            node._g = None
            if not active or current_mode() is RECORDING:
                node._op = _MUL
                node._a = self
                node._b = other
                node._da = y
                node._db = x
                return node
            return _in_mode(node, _MUL, (self, other), (y, x), None)
    elif other.__class__ is float:
        out = self.data * other
        if out - out == 0.0:
            node = _new_object(Value)
            node.data = out
            node.grad = 0.0
            node.label = ""
            node._g = None
            if not active or current_mode() is RECORDING:
                node._op = _MUL
                node._a = self
                node._b = None
                node._da = other
                node._db = other
                return node
            return _in_mode(node, _MUL, (self,), (other,), (None, other))
    return _mul_general(self, other)


def _rmul(self, other):
    if other.__class__ is float:
        out = other * self.data
        if out - out == 0.0:
            node = _new_object(Value)
            node.data = out
            node.grad = 0.0
            node.label = ""
            node._g = None
            if not active or current_mode() is RECORDING:
                node._op = _MUL
                node._a = self
                node._b = _NUMBER_FIRST
                node._da = other
                node._db = other
                return node
            return _in_mode(node, _MUL, (self,), (other,), (other, None))
    return _rmul_general(self, other)


class Value:
    """One scalar node of a computation graph.

    `data` is the value, `grad` the gradient accumulated by `backward()`,
    `label` free text for drawings, `op` the name of the op that made it (`""`
    for a leaf), `parents` its Value inputs in argument order (repeats kept) and
    `local_grads` d(self)/d(parents[i]), recorded when the node was made.

    The node is one object, with no tuple, list or dict of its own for the
    common ops (one GC-tracked object per node: the cyclic garbage collector's
    work grows with their number). `parents` and `local_grads` are tuples made
    on demand from these slots:

    - `_op`: the `Op` that made the node; None for a leaf or a constant.
    - `_a`, `_b`: the Value operands of a one- or two-operand op (`_b` None
      for one, or `_NUMBER_FIRST` when the op's number comes before the Value,
      as in `0.5 - x`); `_da`, `_db` their local derivatives as floats. With
      one Value operand, `_db` is the op's number (None if it has none).
    - Any other shape (n-ary ops, an op with more numbers): `_a` None, `_b`
      the tuple of parents, `_db` the tuple of their local derivatives, `_da`
      the op's arguments with None at each Value's position (None if all are
      Values).
    - `_g`: scratch space of the backward pass (autograd/graph.py): None
      outside a pass.
    """

    __slots__ = ("data", "grad", "label", "_op", "_a", "_b", "_da", "_db", "_g")

    def __init__(self, data, label=""):
        if data.__class__ is not float:
            data = _to_float(data)
        if label.__class__ is not str:
            raise TypeError(f"Value label must be a str, not {type(label).__name__}")
        self.data = data
        self.grad = 0.0
        self.label = label
        self._op = None
        self._a = None
        self._b = None
        self._da = None
        self._db = None
        self._g = None

    @property
    def op(self):
        """The name of the op that made this node; `""` for a leaf or a constant."""
        op = self._op
        return "" if op is None else op.name

    @property
    def parents(self):
        """The Value operands of the op that made this node, in argument order (repeats kept); `()` for a leaf."""
        a = self._a
        if a is None:
            return self._b or ()
        b = self._b
        return (a, b) if b else (a,)

    @property
    def local_grads(self):
        """d(self)/d(parents[i]) as floats, recorded when the node was made; `()` for a leaf."""
        if self._a is None:
            return self._db if self._b else ()
        return (self._da, self._db) if self._b else (self._da,)

    @local_grads.setter
    def local_grads(self, values):
        # For checkers' tests, which plant a wrong derivative on purpose.
        values = tuple(float(v) for v in values)
        if len(values) != len(self.parents):
            raise ValueError(f"local_grads: {len(self.parents)} parents need as many local derivatives, got {values}")
        if self._a is None:
            self._db = values
        elif self._b:
            self._da, self._db = values
        else:
            (self._da,) = values

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __float__(self):
        tracer = tracing.get()
        if tracer is not None:  # autograd.jit is tracing: the number read is a guard of the trace
            tracer.read(self)
        return self.data

    # Ordering compares data; == and hash stay identity (see the module docstring).
    # While autograd.jit traces, each comparison is recorded as a guard of the trace.
    def __lt__(self, other):
        number = _compared(other)
        return NotImplemented if number is None else _comparison(self, "<", other, number, self.data < number)

    def __le__(self, other):
        number = _compared(other)
        return NotImplemented if number is None else _comparison(self, "<=", other, number, self.data <= number)

    def __gt__(self, other):
        number = _compared(other)
        return NotImplemented if number is None else _comparison(self, ">", other, number, self.data > number)

    def __ge__(self, other):
        number = _compared(other)
        return NotImplemented if number is None else _comparison(self, ">=", other, number, self.data >= number)

    __hash__ = object.__hash__

    # The ops, each made from its declaration above.
    __add__ = _named(_add, _ADD)
    __radd__ = _named(_radd, _ADD)
    __sub__ = _named(_sub, _SUB)
    __rsub__ = _named(_rsub, _SUB)
    __mul__ = _named(_mul, _MUL)
    __rmul__ = _named(_rmul, _MUL)
    __truediv__ = _binary(_DIV)
    __rtruediv__ = _reflected(_DIV)
    __mod__ = _binary(_MOD)
    __rmod__ = _reflected(_MOD)
    __neg__ = _unary(_NEG)
    __abs__ = _unary(_ABS)
    exp = _unary(_EXP)
    log = _unary(_LOG)
    tanh = _named(_tanh, _TANH)
    sigmoid = _named(_sigmoid_method, _SIGMOID)
    relu = _named(_relu, _RELU)
    sin = _unary(_SIN)
    cos = _unary(_COS)
    tan = _unary(_TAN)
    sinh = _unary(_SINH)
    cosh = _unary(_COSH)
    asin = _unary(_ASIN)
    acos = _unary(_ACOS)
    atan = _unary(_ATAN)
    log1p = _unary(_LOG1P)
    expm1 = _unary(_EXPM1)
    softplus = _unary(_SOFTPLUS)
    floor = _unary(_FLOOR)
    ceil = _unary(_CEIL)
    sqrt = _unary(_SQRT)

    def leaky_relu(self, slope=0.01):
        return _LEAKY_RELU(self, slope)

    leaky_relu.__doc__ = _LEAKY_RELU.doc
    leaky_relu.op = _LEAKY_RELU

    def __pow__(self, power):
        if power.__class__ is float or power.__class__ is int:
            # A number exponent with `_pow_forward` and `_pow_derivative` written out
            # for the plain case (x != 0, p != 0, an integer p for x < 0, finite
            # results): squares of errors are in every loss. Anything else, below.
            x = self.data
            try:
                p = float(power)
                if x != 0.0 and p != 0.0 and (x > 0.0 or p.is_integer()):
                    out = x**p
                    local = p * x ** (p - 1.0)
                    if out - out == 0.0 and local - local == 0.0:
                        node = _new_object(Value)
                        node.data = out
                        node.grad = 0.0
                        node.label = ""
                        node._g = None
                        if not active or current_mode() is RECORDING:
                            node._op = _POW
                            node._a = self
                            node._b = None
                            node._da = local
                            node._db = p
                            return node
                        return _in_mode(node, _POW, (self,), (local,), (None, p))
            except (OverflowError, ZeroDivisionError):
                pass  # the general method below says so, or gives the infinite slope
        elif isinstance(power, Value) and not self.data > 0.0 and self.data == self.data:
            raise _value_exponent_refused(self, power, None)
        return _pow_method(self, power)

    __pow__.__doc__ = _POW.doc
    __pow__.op = _POW

    def __rpow__(self, base):
        number = _number(base)
        if number is None:
            return NotImplemented
        if not number > 0.0 and number == number:
            raise _value_exponent_refused(number, self, (number, None))
        return _POW(number, self)

    __rpow__.__doc__ = _POW.doc
    __rpow__.op = _POW

    def detach(self):
        """A constant Value with the same data: no parents, so no gradient flows through it."""
        return Value(self.data)

    def backward(self, gradient=1.0):
        """Add d(self)/d(node) * gradient into `.grad` of every node self depends on."""
        if gradient.__class__ is not float:
            try:
                gradient = _to_float(gradient)
            except TypeError:
                raise TypeError(
                    f"backward: gradient must be a number, not {type(gradient).__name__}: {gradient!r} "
                    f"(at {_describe(self)})"
                ) from None
            except ValueError:
                raise ValueError(
                    f"backward: gradient {gradient!r} is too large for a float (at {_describe(self)})"
                ) from None
        accumulate(self, gradient)


def _comparison(value, operator, other, number, result):
    """`result` of `value OPERATOR other`, reported to `autograd.jit`'s recorder when it is tracing."""
    tracer = tracing.get()
    if tracer is not None:
        tracer.compared(value, operator, other if isinstance(other, Value) else number, result)
    return result


def _compared(other):
    """The number a comparison reads from the other side, or None if it is not a number."""
    if other.__class__ is Value or isinstance(other, Value):
        return other.data
    return _number(other)


def _fill(arg, parents):
    """The op's arguments in call order: `parents` at the Value positions of `arg`, its numbers elsewhere."""
    if arg is None:
        return tuple(parents)
    values = iter(parents)
    return tuple(next(values) if a is None else a for a in arg)


def node_op(node):
    """The `Op` that made `node`, or None for a leaf (or a constant made under `no_grad`)."""
    return node._op


def op_arguments(node):
    """The arguments `node`'s op was called with, in order: parent Values and numbers.

    `x * 0.5` gives `(x, 0.5)`, `0.5 - x` gives `(0.5, x)`, `x ** 2` gives
    `(x, 2.0)`; a leaf gives `()`.
    """
    if node._op is None:
        return ()
    return _fill(_arg_of(node), node.parents)


def _short(number, digits):
    return format(number, f".{digits}g")


def op_display(node, digits=6):
    """How a drawing names `node`'s op, its constants included.

    The op's name when every argument is a Value (`*`, `tanh`); an operator
    with a number, that number on its side (`*0.5`, `0.5-`, `**2`, `2**`); a
    named op with numbers, `leaky_relu(0.01)` when the one Value comes first,
    else `atan2(·, 2)` with `·` for each Value. `""` for a leaf.
    """
    op = node._op
    if op is None:
        return ""
    arg = _arg_of(node)
    if arg is None:
        return op.name
    if op.infix and len(arg) == 2:
        left, right = arg
        return f"{op.name}{_short(right, digits)}" if left is None else f"{_short(left, digits)}{op.name}"
    if arg[0] is None and arg.count(None) == 1:
        return f"{op.name}({', '.join(_short(a, digits) for a in arg[1:])})"
    return f"{op.name}({', '.join('·' if a is None else _short(a, digits) for a in arg)})"


def forward_at(node, values):
    """`node`'s op re-run on floats: `values` holds one number per parent, in `node.parents` order.

    The node's constants are filled in, so `forward_at(x * 0.5, [3.0])` is 1.5.
    Outside the op's domain it raises the op's `DomainError`.
    """
    op = node._op
    if op is None:
        raise ValueError("forward_at: a leaf has no op to run")
    values = [float(v) for v in values]
    if len(values) != len(node.parents):
        raise ValueError(f"forward_at: {op.name} has {len(node.parents)} parents, got {len(values)} values")
    floats = _fill(_arg_of(node), values)
    try:
        out = op.forward(*floats)
    except _FORWARD_ERRORS as error:
        if not _all_finite(floats):
            return math.nan
        _refused(op, (), floats, floats, error)
    return float(out)


def local_grads_as_values(node):
    """`node.local_grads` recomputed by the op's own rule on the parent Values.

    The result is differentiable: this is what `grad(..., create_graph=True)`
    multiplies along the graph to get derivatives of derivatives.
    """
    arg = _arg_of(node)
    local = node._op.derivative(node, *_fill(arg, node.parents))
    if arg is None:
        return local
    return tuple(g for g, a in zip(local, arg) if a is None)


def atan2(y, x):
    """atan2(y, x), the angle of the point (x, y), as one node; Values or numbers."""
    return _ATAN2(y, x)


def maximum(a, b):
    """max(a, b) as one node; a tie splits the gradient 1/2, 1/2 (as torch.maximum)."""
    return _MAXIMUM(a, b)


def minimum(a, b):
    """min(a, b) as one node; a tie splits the gradient 1/2, 1/2 (as torch.minimum)."""
    return _MINIMUM(a, b)


def total(values):
    """sum_i v_i as ONE node (op "sum"); d/dv_i = 1.

    Its parents are exactly `values`, in order: a number among them becomes a
    constant leaf (unlike the binary operators, where a number is part of the
    op), so the node has one edge per term. Faster than chaining `+`.
    """
    terms = _as_values(values, "total")
    if not terms:
        raise ValueError("total: needs at least one value, got an empty sequence")
    try:
        out = _fsum([term.data for term in terms])  # the declaration's forward, without the call through it
    except _FORWARD_ERRORS:
        out = math.nan  # an overflow: the general path below says so
    if out - out == 0.0 and (not active or current_mode() is RECORDING):
        node = _new_object(Value)
        node.data = out
        node.grad = 0.0
        node.label = ""
        node._g = None
        node._op = _SUM
        count = len(terms)
        if count == 2:
            node._a, node._b = terms
            node._da = node._db = 1.0
        elif count == 1:
            node._a = terms[0]
            node._b = None
            node._da = 1.0
            node._db = None
        else:
            node._a = None
            node._b = terms
            node._da = None
            node._db = (1.0,) * count
        return node
    return _apply_values(_SUM, terms)


def weighted_sum(weights, inputs, bias=None):
    """sum_i w_i * x_i + b as ONE node (op "weighted_sum").

    Parents are the weights, then the inputs, then the bias (if given), as the
    contract fixes; a number among them becomes a constant leaf, so the
    positions always say which parent is which. The local derivatives are x_i
    for w_i, w_i for x_i and 1 for b. A neuron's net input.
    """
    weights = _as_values(weights, "weighted_sum")
    inputs = _as_values(inputs, "weighted_sum")
    if len(weights) != len(inputs):
        raise ValueError(
            f"weighted_sum: needs as many weights as inputs, got {len(weights)} weights and {len(inputs)} inputs"
        )
    parents = weights + inputs
    if bias is not None:
        parents += (bias if bias.__class__ is Value else _as_value(bias, "weighted_sum"),)
    if not parents:
        raise ValueError("weighted_sum: needs at least one weight or a bias, got neither")
    if len(parents) > 2:
        # The declaration's forward and derivative written out on the Values (a
        # neuron's net input, made once per neuron and example): the same
        # arithmetic in the same order, so the same bits.
        out = 0.0
        for weight, x in zip(weights, inputs):
            out += weight.data * x.data
        local = [x.data for x in inputs]
        local += [weight.data for weight in weights]
        if bias is not None:
            out += parents[-1].data
            local.append(1.0)
        if out - out == 0.0 and (not active or current_mode() is RECORDING):
            node = _new_object(Value)
            node.data = out
            node.grad = 0.0
            node.label = ""
            node._g = None
            node._op = _WEIGHTED_SUM
            node._a = None
            node._b = parents
            node._da = None
            node._db = tuple(local)
            return node
    return _apply_values(_WEIGHTED_SUM, parents)


atan2.op = _ATAN2
maximum.op = _MAXIMUM
minimum.op = _MINIMUM
total.op = _SUM
weighted_sum.op = _WEIGHTED_SUM


def _as_values(items, op):
    """`items` as a tuple of Values, numbers made constant leaves (the tuple itself when all are Values)."""
    items = tuple(items)
    for item in items:
        if item.__class__ is not Value:
            return tuple(x if x.__class__ is Value else _as_value(x, op) for x in items)
    return items


def _as_value(x, op):
    if isinstance(x, Value):
        return x
    number = _number(x)
    if number is None:
        raise TypeError(f"{op}: expected a Value or a number, not {type(x).__name__}: {x!r}")
    return Value(number)
