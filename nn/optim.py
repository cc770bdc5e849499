"""Optimizers `SGD` and `Adam`: update parameters from their `.grad`, as PyTorch does.

Owns the update rules and their state. Imports `math` and `numbers` from the
standard library, `autograd` (`Value`) and `nn.checks`; never `viz`.

An update is plain float arithmetic assigned to `p.data`: no op runs on a
Value, so nothing is recorded in any graph (the effect of `no_grad`). Every
`step()` is all or nothing: it first computes every new value and new state,
and if any gradient or result is not finite it raises `nn.checks.ArgumentError`
(a `ValueError`) naming the parameter, with every parameter and the
optimizer's state unchanged.
"""

import math
import numbers

from autograd import Value
from nn.checks import ArgumentError, finite_nonnegative, shown


class Optimizer:
    """What SGD and Adam share: the parameter list, `lr`, `zero_grad()` and the checks."""

    def __init__(self, params, lr):
        name = type(self).__name__
        if isinstance(params, (Value, str, bytes, dict)) or not hasattr(params, "__iter__"):
            raise TypeError(
                f"{name}: params must be a list of Values such as model.parameters(), "
                f"got {type(params).__name__}: {shown(params)}"
            )
        params = list(params)
        if not params:
            raise ArgumentError(f"{name}: got an empty parameter list")
        seen = set()
        for index, p in enumerate(params):
            if not isinstance(p, Value):
                raise TypeError(f"{name}: params[{index}] must be a Value, got {type(p).__name__}: {shown(p)}")
            if p in seen:
                raise ArgumentError(f"{name}: {_describe(index, p)} appears more than once in params")
            seen.add(p)
        self.params = params
        self.lr = _check_rate(name, "lr", lr)

    def zero_grad(self):
        """Set `.grad` of every parameter to 0.0."""
        for p in self.params:
            p.grad = 0.0

    def _learning_rate(self):
        """`lr` checked again at each step, since it may have been set since construction (a schedule does)."""
        lr = self.lr
        if lr.__class__ is float and 0.0 <= lr <= _BIGGEST:  # a finite float >= 0: nothing to convert
            return lr
        return _check_rate(f"{type(self).__name__}.step", "lr", lr)

    def _gradients(self):
        """Every parameter's gradient, or ArgumentError naming the first that is not finite."""
        gradients = [p.grad for p in self.params]
        if not _all_finite(gradients):
            for index, g in enumerate(gradients):
                if not math.isfinite(g):
                    raise ArgumentError(
                        f"{type(self).__name__}.step: {_describe(index, self.params[index])} has the non-finite "
                        f"gradient {g!r}; no parameter was updated"
                    )
        return gradients

    def _assign(self, new_data):
        """Give every parameter its new value, or change nothing if one is not finite."""
        if not _all_finite(new_data):
            for index, number in enumerate(new_data):
                if not math.isfinite(number):
                    raise ArgumentError(
                        f"{type(self).__name__}.step: the update of {_describe(index, self.params[index])} gives "
                        f"{number!r}; no parameter was updated"
                    )
        for p, number in zip(self.params, new_data):
            p.data = number


class SGD(Optimizer):
    """Gradient descent with momentum, as PyTorch: v = momentum*v + g, p = p - lr*v."""

    def __init__(self, params, lr, momentum=0.0):
        super().__init__(params, lr)
        self.momentum = _check_rate("SGD", "momentum", momentum)
        self.velocity = [0.0] * len(self.params)

    def step(self):
        """One update of every parameter from its `.grad` (all or nothing)."""
        lr = self._learning_rate()
        gradients = self._gradients()
        if self.momentum == 0.0:
            self._assign([p.data - lr * g for p, g in zip(self.params, gradients)])
            return
        momentum = self.momentum
        velocity = [momentum * v + g for v, g in zip(self.velocity, gradients)]
        self._assign([p.data - lr * v for p, v in zip(self.params, velocity)])
        self.velocity = velocity


class Adam(Optimizer):
    """Adam with bias correction, as PyTorch.

    m = b1*m + (1-b1)*g, v = b2*v + (1-b2)*g^2 (t counts steps from 1),
    p = p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)):
            raise TypeError(f"Adam: betas must be a pair (beta1, beta2), got {type(betas).__name__}: {shown(betas)}")
        if len(betas) != 2:
            raise ArgumentError(f"Adam: betas must be a pair (beta1, beta2), got {shown(betas)}")
        for index, beta in enumerate(betas):
            if isinstance(beta, bool) or not isinstance(beta, numbers.Real):
                raise TypeError(f"Adam: betas[{index}] must be a number in [0, 1), got {type(beta).__name__}")
            if not 0.0 <= beta < 1.0:
                raise ArgumentError(f"Adam: betas[{index}] must be a number in [0, 1), got {shown(beta)}")
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = _check_rate("Adam", "eps", eps)
        self.steps = 0
        self.first_moment = [0.0] * len(self.params)
        self.second_moment = [0.0] * len(self.params)

    def step(self):
        """One update of every parameter from its `.grad` (all or nothing)."""
        lr = self._learning_rate()
        gradients = self._gradients()
        beta1, beta2 = self.betas
        steps = self.steps + 1
        correction1 = 1.0 - beta1**steps
        correction2 = 1.0 - beta2**steps
        eps = self.eps
        first = [beta1 * m + (1.0 - beta1) * g for m, g in zip(self.first_moment, gradients)]
        second = [beta2 * v + (1.0 - beta2) * g * g for v, g in zip(self.second_moment, gradients)]
        new_data = []
        for p, m, v in zip(self.params, first, second):
            denominator = math.sqrt(v / correction2) + eps
            # A zero denominator (eps = 0) means every gradient so far was 0, so m is 0: no move.
            new_data.append(p.data - lr * (m / correction1) / denominator if denominator else p.data)
        self._assign(new_data)
        self.first_moment = first
        self.second_moment = second
        self.steps = steps


_BIGGEST = 1.7976931348623157e308  # the largest finite float


def _all_finite(numbers):
    """True when every number is finite; False may also mean only that their sum overflows.

    One pass in C instead of an `isfinite` per parameter: an inf or NaN among
    the numbers makes their sum inf or NaN, so a finite sum proves them all
    finite; the callers look number by number only when it is not.
    """
    return -_BIGGEST <= sum(numbers) <= _BIGGEST


def _check_rate(owner, name, number):
    return finite_nonnegative(number, f"{owner}: {name}")


def _describe(index, p):
    return f"parameter {index} (label {p.label!r})" if p.label else f"parameter {index}"
