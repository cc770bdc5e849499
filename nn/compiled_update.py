"""The optimizer's update as a program: generated line by line, or a loop over the buffers; the eager penalty.

Owns the update programs `TrainStep` runs after a step's or a batch's
gradients are known: `step_update` and `batch_update` (the update of a
one-call step and of a batch), `update_lines` (the source of the update of every
parameter, appended to a generated step), `loop_update` (the same arithmetic
as a loop, for many parameters: nothing to compile), `define` (a generated
source made a function), the update variants and their state buffers'
names, and `eager_penalty` (the L2 penalty's edges as the eager backward pass
adds them). The arithmetic is `nn.optim`'s, operation for operation, so the
numbers are the eager step's bit for bit. Imports `math` from the standard
library, `autograd.jit` (`CONSTANTS`, the names generated code may read) and
`nn.checks`; never numpy, `nn.compiled` (which imports this) or `viz`.

The update is generated line by line (one line per operation and parameter)
for small models; from `nn.compiled.LOOP_FROM` parameters it is
`loop_update`, a loop over the buffers with the same arithmetic in the same
order, which costs nothing to compile: a big model's first steps no longer
wait for the update's source (0.4-0.7 s for 2410 parameters with Adam).
"""

import math

from autograd.jit import CONSTANTS
from nn.checks import ArgumentError

STATE_NAMES = {"sgd": ("V",), "adam": ("M", "Q")}
_BIG = CONSTANTS["_BIG"]  # the largest float: -_BIG <= x <= _BIG is isfinite(x)
# The update programs: (kind, plain) for SGD without momentum, with it, and Adam.
SGD_UPDATE = ("sgd", True)
MOMENTUM_UPDATE = ("sgd", False)
ADAM_UPDATE = ("adam",)


def step_update(variant, values, grads, with_l2, as_loop):
    """`(lines, penalty, names)`: the update appended to a generated one-call step, and the names it reads.

    As a loop over the buffers after the gradients' tuple D (`loop_update`),
    or line by line (`update_lines`, which says what values and grads are).
    """
    if as_loop:
        states = ", ".join(STATE_NAMES[variant[0]])
        lines = [f"D = ({''.join(f'{g}, ' for g in grads)})", f"penalty = _loop(B, D, H, {states}, GR)",
                 "if penalty is False: return False"]  # fmt: skip
        return lines, "penalty", {"_loop": loop_update(variant[0], variant[-1], with_l2)}
    lines, penalty = update_lines(variant, values, grads, with_l2)
    return lines, penalty, {}


def batch_update(variant, count, with_l2, as_loop):
    """`(function, source)`: the update of `count` parameters from summed data gradients D (a batch's).

    `function(B, D, H, *state, GR)` returns the penalty, or False (nothing
    written); as a loop (`loop_update`) it has no source (None).
    """
    if as_loop:
        return loop_update(variant[0], variant[-1], with_l2), None
    grads = [f"D[{i}]" for i in range(count)]
    update, penalty = update_lines(variant, [None] * count, grads, with_l2)
    states = ", ".join(STATE_NAMES[variant[0]])
    source = f"def update(B, D, H, {states}, GR):\n    " + "\n    ".join(update) + f"\n    return {penalty}\n"
    return define(source, dict(CONSTANTS), "update"), source


def update_lines(variant, values, grads, with_l2):
    """Source lines of the update of every parameter i, and the expression of the penalty.

    `values[i]` is the slot holding parameter i's value (None: read it from
    B[i]); `grads[i]` the expression of its summed data gradient. H holds the
    optimizer's numbers in the order `TrainStep._hyper` gives them; the last
    is l2. The arithmetic is `nn.optim`'s, operation for operation.
    """
    kind = variant[0]
    names = ("lr", "momentum", "l2") if kind == "sgd" else ("lr", "b1", "b2", "c1", "c2", "k1", "k2", "eps", "l2")
    lines = [f"{', '.join(f'h_{name}' for name in names)}, = H"]
    checked = []
    penalty = "0.0"
    if with_l2:
        lines.append("w = 0.0")
    for i, (value, grad) in enumerate(zip(values, grads)):
        p = value
        if p is None:
            p = f"p{i}"
            lines.append(f"{p} = B[{i}]")
        if with_l2:
            lines.append(f"w = (w + ({p} * {p}))")  # weighted_sum(params, params), as its forward adds
            # backward(): the penalty's two edges after the data's, then the total into .grad (0.0 after zero_grad)
            lines.append(f"d{i} = (0.0 + (({grad} + (h_l2 * {p})) + (h_l2 * {p})))")
        else:
            lines.append(f"d{i} = (0.0 + {grad})")
        d = f"d{i}"
        if kind == "sgd" and variant[1]:
            lines.append(f"n{i} = ({p} - (h_lr * {d}))")
        elif kind == "sgd":
            lines.append(f"u{i} = ((h_momentum * V[{i}]) + {d})")
            lines.append(f"n{i} = ({p} - (h_lr * u{i}))")
        else:
            lines.append(f"m{i} = ((h_b1 * M[{i}]) + (h_c1 * {d}))")
            lines.append(f"q{i} = ((h_b2 * Q[{i}]) + ((h_c2 * {d}) * {d}))")
            lines.append(f"r{i} = (_sqrt((q{i} / h_k2)) + h_eps)")
            lines.append(f"n{i} = (({p} - ((h_lr * (m{i} / h_k1)) / r{i})) if r{i} else {p})")
        checked += [d, f"n{i}"]
    if with_l2:
        lines.append("penalty = (h_l2 * w)")
        penalty = "penalty"
        checked.append(penalty)
    # nn.optim refuses a non-finite gradient or result: then the engine and the optimizer say so.
    lines.append(f"if not -_BIG <= _sum(({', '.join(checked)},)) <= _BIG: return False")
    # Written in one slice assignment each, after every number is known: never half an update.
    count = range(len(values))
    lines.append(f"B[:] = ({''.join(f'n{i}, ' for i in count)})")
    lines.append(f"GR[:] = ({''.join(f'd{i}, ' for i in count)})")
    if kind == "sgd" and not variant[1]:
        lines.append(f"V[:] = ({''.join(f'u{i}, ' for i in count)})")
    elif kind == "adam":
        lines.append(f"M[:] = ({''.join(f'm{i}, ' for i in count)})")
        lines.append(f"Q[:] = ({''.join(f'q{i}, ' for i in count)})")
    return lines, penalty


def loop_update(kind, plain, with_l2):
    """The update of every parameter as a loop over the buffers (for many parameters: nothing to compile).

    `update(B, D, H, *state, GR)` performs `update_lines`' arithmetic, the same
    operations on the same numbers in the same order per parameter; it
    returns the penalty, or False (nothing written) when a number is not
    finite (a finite sum of numbers means every one of them is finite).
    """
    sqrt = math.sqrt

    def gradients(data, summed, l2):
        if not with_l2:
            return [0.0 + g for g in summed], 0.0
        w = 0.0
        for p in data:
            w = w + p * p
        return [0.0 + ((g + l2 * p) + l2 * p) for g, p in zip(summed, data)], l2 * w

    def sgd(data, summed, hyper, velocity, grads):  # velocity unused: SGD without momentum keeps none
        lr, _, l2 = hyper
        d, penalty = gradients(data, summed, l2)
        n = [p - lr * g for p, g in zip(data, d)]
        if not -_BIG <= sum(d) + sum(n) + penalty <= _BIG:
            return False
        data[:] = n
        grads[:] = d
        return penalty

    def momentum(data, summed, hyper, velocity, grads):
        lr, mu, l2 = hyper
        d, penalty = gradients(data, summed, l2)
        u = [mu * v + g for v, g in zip(velocity, d)]
        n = [p - lr * x for p, x in zip(data, u)]
        if not -_BIG <= sum(d) + sum(n) + penalty <= _BIG:
            return False
        data[:] = n
        grads[:] = d
        velocity[:] = u
        return penalty

    def adam(data, summed, hyper, first, second, grads):
        lr, b1, b2, c1, c2, k1, k2, eps, l2 = hyper
        d, penalty = gradients(data, summed, l2)
        m = [b1 * x + c1 * g for x, g in zip(first, d)]
        q = [b2 * x + (c2 * g) * g for x, g in zip(second, d)]
        n = []
        for p, x, y in zip(data, m, q):
            r = sqrt(y / k2) + eps
            n.append(p - (lr * (x / k1)) / r if r else p)
        if not -_BIG <= sum(d) + sum(n) + penalty <= _BIG:
            return False
        data[:] = n
        grads[:] = d
        first[:] = m
        second[:] = q
        return penalty

    return adam if kind == "adam" else sgd if plain else momentum


def define(source, namespace, name):
    """The function `name` that `source` defines, run in a copy of `namespace` (with `_sqrt`)."""
    defined = dict(namespace)
    defined["_sqrt"] = math.sqrt
    exec(compile(source, "<tracegrad train step>", "exec"), defined)
    return defined[name]


def eager_penalty(params, l2):
    """`l2 * sum p**2`'s edges added into `.grad` as backward() adds them (after the data's); its value."""
    total = 0.0
    for p in params:
        total += p.data * p.data
    for p in params:
        p.grad = (p.grad + l2 * p.data) + l2 * p.data
    penalty = l2 * total
    if not math.isfinite(penalty):
        raise ArgumentError(f"TrainStep: the L2 penalty is not finite ({penalty!r})")
    return penalty
