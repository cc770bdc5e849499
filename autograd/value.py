"""`Value`, the scalar node, and every primitive op with its derivative rule.

Owns: the node (`data`, `grad`, `label`, `op`, `parents`, `local_grads`), the
ops, their domain checks, and the n-ary `weighted_sum` and `total`.
Imports only the standard library and `autograd.graph`; never `nn` or `viz`.

How an op is written. Each op is a method that checks its domain, computes its
value on floats and hands both to `_node`, the one constructor every op goes
through (it honours the per-context mode of `autograd.mode`: `no_grad` and the
anomaly hook). Next to it sits the op's derivative rule, a
function `rule(out, arg, *inputs)` written in plain arithmetic, so the same rule
runs on floats, to record `local_grads` in the forward pass, and on Values, to
build differentiable gradients for `grad(..., create_graph=True)`. `arg` is the
op's constant argument (the number exponent of `**`, the number of weights of a
weighted sum), `None` for the rest. `_RULES` maps each op name to its rule.

Why `==` is identity: Values are graph nodes and must work as dict keys and set
members (the backward pass keeps its gradients in a dict keyed by node), so
`==` and `hash` stay those of `object`. Compare numbers with `a.data == b.data`.

Why no closures: a node that stored a backward closure referring to itself would
form a reference cycle per node, and the cyclic garbage collector would then
spend most of the time walking the graph. Our nodes refer only to their parents.
"""

import math

from autograd.graph import backprop
from autograd.mode import RECORDING, current_mode
from autograd.mode import no_grad as no_grad  # re-exported: its home was this module


class DomainError(ValueError):
    """An op was given an input outside its domain (log of 0, sqrt of -1, ...)."""


class DivisionByZeroError(DomainError, ZeroDivisionError):
    """x / 0: a DomainError that is also a ZeroDivisionError."""


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


def _describe(operand):
    """`2.0` or `2.0 (label 'x')`, for error messages."""
    if operand.label:
        return f"{operand.data!r} (label {operand.label!r})"
    return repr(operand.data)


def _domain_error(op, operand, requirement, error=DomainError):
    return error(f"{op}: {requirement}, got {_describe(operand)}")


_new_object = object.__new__


def _node(data, op, parents, local_grads, arg=None):
    """The one constructor of op results; under `no_grad` the result is a constant."""
    node = _new_object(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    if current_mode() is RECORDING:  # the fast path: one read of the context variable
        node.op = op
        node.parents = parents
        node.local_grads = local_grads
        node._arg = arg
        return node
    mode = current_mode()
    if mode.grad_enabled:
        node.op = op
        node.parents = parents
        node.local_grads = local_grads
        node._arg = arg
    else:
        node.op = ""
        node.parents = ()
        node.local_grads = ()
        node._arg = None
    if mode.anomaly is not None:
        mode.anomaly.forward(node)
    return node


def _operand(other):
    """A Value for the other side of a binary op, or None if it is not a number."""
    if other.__class__ is Value:
        return other
    if other.__class__ is float or other.__class__ is int:
        return Value(other)
    if isinstance(other, Value):
        return other
    if isinstance(other, (bool, str, bytes)) or not hasattr(other, "__float__"):
        return None
    return Value(other)


def _exponent(power):
    """A number exponent of `**` as a float, or None if it is not a number."""
    if power.__class__ is int or power.__class__ is float:
        return float(power)
    if isinstance(power, (bool, str, bytes)) or not hasattr(power, "__float__"):
        return None
    return float(power)


def _value_of(x):
    """The float behind a float or a Value: for rules whose result is piecewise constant."""
    return x.data if x.__class__ is Value else x


# Functions a rule may call, working on floats and on Values alike.
def _cos(x):
    return x.cos() if x.__class__ is Value else math.cos(x)


def _sin(x):
    return x.sin() if x.__class__ is Value else math.sin(x)


def _log(x):
    return x.log() if x.__class__ is Value else math.log(x)


# Derivative rules, rule(out, arg, *inputs) -> one local derivative per input.
# A constant rule returns one shared tuple; its op passes that tuple straight to
# `_node` (the rule and the op cannot disagree, and a call per node is saved).
_ONE_ONE = (1.0, 1.0)
_ONE_MINUS_ONE = (1.0, -1.0)
_MINUS_ONE = (-1.0,)


def _add_rule(out, arg, a, b):
    return _ONE_ONE


def _sub_rule(out, arg, a, b):
    return _ONE_MINUS_ONE


def _mul_rule(out, arg, a, b):
    return (b, a)


def _div_rule(out, arg, a, b):
    return (1.0 / b, -out / b)


def _neg_rule(out, arg, x):
    return _MINUS_ONE


def _pow_rule(out, arg, base, exponent=None):
    if exponent is None:  # number exponent `arg`, part of the op
        if arg == 0.0:
            return (0.0,)
        if _value_of(base) == 0.0 and arg < 1.0:
            return (math.inf,)  # like sqrt'(0): the slope is vertical at 0
        return (arg * _power(base, arg - 1.0),)
    return (exponent * _power(base, exponent - 1.0), out * _log(base))


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


def _abs_rule(out, arg, x):
    data = _value_of(x)
    return (1.0 if data > 0.0 else -1.0 if data < 0.0 else 0.0,)


def _exp_rule(out, arg, x):
    return (out,)


def _log_rule(out, arg, x):
    return (1.0 / x,)


def _tanh_rule(out, arg, x):
    return (1.0 - out * out,)


def _sigmoid_rule(out, arg, x):
    return (out * (1.0 - out),)


def _relu_rule(out, arg, x):
    return (1.0 if _value_of(x) > 0.0 else 0.0,)


def _sin_rule(out, arg, x):
    return (_cos(x),)


def _cos_rule(out, arg, x):
    return (-_sin(x),)


def _sqrt_rule(out, arg, x):
    return (0.5 / out if _value_of(out) != 0.0 else math.inf,)


def _sum_rule(out, arg, *terms):
    return (1.0,) * len(terms)


def _weighted_sum_rule(out, arg, *parents):
    weights = parents[:arg]
    inputs = parents[arg : 2 * arg]
    return inputs + weights + (1.0,) * (len(parents) - 2 * arg)


_RULES = {
    "+": _add_rule,
    "-": _sub_rule,
    "*": _mul_rule,
    "/": _div_rule,
    "neg": _neg_rule,
    "**": _pow_rule,
    "abs": _abs_rule,
    "exp": _exp_rule,
    "log": _log_rule,
    "tanh": _tanh_rule,
    "sigmoid": _sigmoid_rule,
    "relu": _relu_rule,
    "sin": _sin_rule,
    "cos": _cos_rule,
    "sqrt": _sqrt_rule,
    "sum": _sum_rule,
    "weighted_sum": _weighted_sum_rule,
}

# The public ops, by the name a user writes; the primitive table in the tests
# must cover every one of them.
OPS = (
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
    "__truediv__", "__rtruediv__", "__pow__", "__rpow__", "__neg__", "__abs__",
    "exp", "log", "tanh", "sigmoid", "relu", "sin", "cos", "sqrt",
    "weighted_sum", "total",
)  # fmt: skip


class Value:
    """One scalar node of a computation graph.

    `data` is the value, `grad` the gradient accumulated by `backward()`,
    `label` free text for drawings, `op` the name of the op that made it (`""`
    for a leaf), `parents` its inputs in argument order (repeats kept) and
    `local_grads` d(self)/d(parents[i]), recorded when the node was made.
    """

    __slots__ = ("data", "grad", "label", "op", "parents", "local_grads", "_arg")

    def __init__(self, data, label=""):
        if data.__class__ is not float:
            data = _to_float(data)
        if label.__class__ is not str:
            raise TypeError(f"Value label must be a str, not {type(label).__name__}")
        self.data = data
        self.grad = 0.0
        self.label = label
        self.op = ""
        self.parents = ()
        self.local_grads = ()
        self._arg = None

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __float__(self):
        return self.data

    # Ordering compares data; == and hash stay identity (see the module docstring).
    def __lt__(self, other):
        other = _operand(other)
        return NotImplemented if other is None else self.data < other.data

    def __le__(self, other):
        other = _operand(other)
        return NotImplemented if other is None else self.data <= other.data

    def __gt__(self, other):
        other = _operand(other)
        return NotImplemented if other is None else self.data > other.data

    def __ge__(self, other):
        other = _operand(other)
        return NotImplemented if other is None else self.data >= other.data

    __hash__ = object.__hash__

    # Binary ops: a plain number on either side becomes a constant leaf parent.
    def __add__(self, other):
        """a + b; d/da = 1, d/db = 1."""
        if other.__class__ is not Value:
            other = _operand(other)
            if other is None:
                return NotImplemented
        out = self.data + other.data
        return _node(out, "+", (self, other), _ONE_ONE)  # _add_rule

    def __radd__(self, other):
        other = _operand(other)
        return NotImplemented if other is None else other.__add__(self)

    def __sub__(self, other):
        """a - b; d/da = 1, d/db = -1."""
        if other.__class__ is not Value:
            other = _operand(other)
            if other is None:
                return NotImplemented
        out = self.data - other.data
        return _node(out, "-", (self, other), _ONE_MINUS_ONE)  # _sub_rule

    def __rsub__(self, other):
        other = _operand(other)
        return NotImplemented if other is None else other.__sub__(self)

    def __mul__(self, other):
        """a * b; d/da = b, d/db = a."""
        if other.__class__ is not Value:
            other = _operand(other)
            if other is None:
                return NotImplemented
        a = self.data
        b = other.data
        out = a * b
        return _node(out, "*", (self, other), _mul_rule(out, None, a, b))

    def __rmul__(self, other):
        other = _operand(other)
        return NotImplemented if other is None else other.__mul__(self)

    def __truediv__(self, other):
        """a / b; d/da = 1/b, d/db = -(a/b)/b. Needs b != 0."""
        if other.__class__ is not Value:
            other = _operand(other)
            if other is None:
                return NotImplemented
        b = other.data
        if b == 0.0:
            raise _domain_error("/", other, "division by zero: the divisor must not be 0", DivisionByZeroError)
        out = self.data / b
        return _node(out, "/", (self, other), _div_rule(out, None, self.data, b))

    def __rtruediv__(self, other):
        other = _operand(other)
        return NotImplemented if other is None else other.__truediv__(self)

    def __pow__(self, power):
        """x ** p; d/dx = p x^(p-1); with a Value exponent also d/dp = x^p log x (needs x > 0)."""
        if power.__class__ is Value or isinstance(power, Value):
            return self._pow_value(power)
        p = _exponent(power)
        if p is None:
            return NotImplemented
        x = self.data
        if x < 0.0 and not p.is_integer():
            raise _domain_error("**", self, f"a negative base needs an integer exponent, not {p!r}")
        if x == 0.0 and p < 0.0:
            raise _domain_error("**", self, f"0 to the negative power {p!r} is a division by zero", DivisionByZeroError)
        try:
            out = x**p
        except OverflowError:
            raise _domain_error("**", self, f"the result of raising to {p!r} overflows a float") from None
        return _node(out, "**", (self,), _pow_rule(out, p, x), p)

    def _pow_value(self, exponent):
        base = self.data
        if base <= 0.0:
            raise _domain_error(
                "**",
                self,
                "with a Value exponent the base must be > 0 (d/d exponent = out * log(base)); "
                "use a number exponent for other bases",
            )
        try:
            out = base**exponent.data
        except OverflowError:
            raise _domain_error("**", self, f"the result of raising to {exponent.data!r} overflows a float") from None
        return _node(out, "**", (self, exponent), _pow_rule(out, None, base, exponent.data))

    def __rpow__(self, other):
        other = _operand(other)
        return NotImplemented if other is None else other._pow_value(self)

    def __neg__(self):
        """-x; d/dx = -1."""
        out = -self.data
        return _node(out, "neg", (self,), _MINUS_ONE)  # _neg_rule

    def __abs__(self):
        """|x|; d/dx = sign(x), with abs'(0) = 0."""
        x = self.data
        out = abs(x)
        return _node(out, "abs", (self,), _abs_rule(out, None, x))

    def exp(self):
        """e^x; d/dx = e^x. Overflows (raises) above about 709.78."""
        try:
            out = math.exp(self.data)
        except OverflowError:
            raise _domain_error("exp", self, "the result overflows a float (x must be <= 709.78)") from None
        return _node(out, "exp", (self,), _exp_rule(out, None, self.data))

    def log(self):
        """ln x; d/dx = 1/x. Needs x > 0."""
        x = self.data
        if x <= 0.0:
            raise _domain_error("log", self, "needs x > 0")
        out = math.log(x)
        return _node(out, "log", (self,), _log_rule(out, None, x))

    def tanh(self):
        """tanh x; d/dx = 1 - tanh(x)^2."""
        x = self.data
        out = math.tanh(x)
        return _node(out, "tanh", (self,), _tanh_rule(out, None, x))

    def sigmoid(self):
        """1 / (1 + e^-x); d/dx = s (1 - s). Never overflows for finite x."""
        x = self.data
        if x >= 0.0:
            out = 1.0 / (1.0 + math.exp(-x))
        else:
            z = math.exp(x)
            out = z / (1.0 + z)
        return _node(out, "sigmoid", (self,), _sigmoid_rule(out, None, x))

    def relu(self):
        """max(0, x); d/dx = 1 for x > 0, else 0 (relu'(0) = 0)."""
        x = self.data
        out = x if x > 0.0 else 0.0
        return _node(out, "relu", (self,), _relu_rule(out, None, x))

    def sin(self):
        """sin x; d/dx = cos x."""
        x = self.data
        try:
            out = math.sin(x)
        except ValueError:
            raise _domain_error("sin", self, "needs a finite x") from None
        return _node(out, "sin", (self,), _sin_rule(out, None, x))

    def cos(self):
        """cos x; d/dx = -sin x."""
        x = self.data
        try:
            out = math.cos(x)
        except ValueError:
            raise _domain_error("cos", self, "needs a finite x") from None
        return _node(out, "cos", (self,), _cos_rule(out, None, x))

    def sqrt(self):
        """sqrt x; d/dx = 1 / (2 sqrt x), +inf at 0. Needs x >= 0."""
        x = self.data
        if x < 0.0:
            raise _domain_error("sqrt", self, "needs x >= 0")
        out = math.sqrt(x)
        return _node(out, "sqrt", (self,), _sqrt_rule(out, None, x))

    def backward(self, gradient=1.0):
        """Add d(self)/d(node) * gradient into `.grad` of every node self depends on."""
        if gradient.__class__ is not float:
            gradient = _to_float(gradient)
        _, gradients = backprop(self, gradient)
        for node, total_gradient in gradients.items():
            node.grad += total_gradient


def local_grads_as_values(node):
    """`node.local_grads` recomputed by the op's own rule on the parent Values.

    The result is differentiable: this is what `grad(..., create_graph=True)`
    multiplies along the graph to get derivatives of derivatives.
    """
    return _RULES[node.op](node, node._arg, *node.parents)


def total(values):
    """sum_i v_i as ONE node (op "sum"); d/dv_i = 1.

    Numbers become constant leaves. Faster than chaining `+` and draws as one
    node with one edge per term.
    """
    terms = _as_values(values, "total")
    if not terms:
        raise ValueError("total: needs at least one value, got an empty sequence")
    out = math.fsum([t.data for t in terms])
    return _node(out, "sum", terms, _sum_rule(out, None, *terms))


def weighted_sum(weights, inputs, bias=None):
    """sum_i w_i * x_i + b as ONE node (op "weighted_sum").

    Parents are the weights, then the inputs, then the bias (if given); the local
    derivatives are x_i for w_i, w_i for x_i and 1 for b. A neuron's net input.
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
    data = [p.data for p in parents]
    count = len(weights)
    out = 0.0
    for i in range(count):
        out += data[i] * data[count + i]
    if bias is not None:
        out += data[-1]
    return _node(out, "weighted_sum", parents, _weighted_sum_rule(out, count, *data), count)


def _as_values(items, op):
    """`items` as a tuple of Values, numbers made constant leaves (the tuple itself when all are Values)."""
    items = tuple(items)
    for item in items:
        if item.__class__ is not Value:
            return tuple(x if x.__class__ is Value else _as_value(x, op) for x in items)
    return items


def _as_value(x, op):
    value = _operand(x)
    if value is None:
        raise TypeError(f"{op}: expected a Value or a number, not {type(x).__name__}: {x!r}")
    return value
