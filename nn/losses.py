"""Loss functions: lists of Values and numbers in, one Value out.

Owns `squared_error`, `mse`, `hinge`, `binary_cross_entropy`,
`cross_entropy` and `one_hot_cross_entropy`. Imports `autograd` (`Value`,
`maximum`, `total`, `weighted_sum`) and `nn.checks`; never
`viz`. Every loss checks its arguments and says what it expected: a wrong kind
of argument (not a list, not a number) raises `TypeError`, a wrong value
(unequal or zero lengths, labels out of range) `nn.checks.ArgumentError`.
Sums are one `total` node. A loss labels its result and each example's term
(`E_o1`, `hinge_0`, ...); the steps inside a term are named by drawings and
`explain` from their expression.
"""

from autograd import Value, maximum, total, weighted_sum
from nn.checks import ArgumentError, as_number, as_value, check_count, check_sequence, shown

_BIGGEST = 1.7976931348623157e308  # the largest finite float: -_BIGGEST <= x <= _BIGGEST is isfinite(x)
_SIGNS = {-1: -1.0, 1: 1.0}  # hinge labels as given (-1, 1, -1.0, 1.0; equal keys hash alike) -> float


def squared_error(outputs, targets):
    """E_total = sum_i 1/2 (t_i - o_i)^2; dE/do_i = o_i - t_i.

    The result is one `total` node labelled E_total whose parents are the
    per-output terms, each a node of its own, labelled after its output: for
    the worked example's `out_o1` the term is `E_o1` (the post's name), for an
    output labelled otherwise `E_<index>`. The steps inside a term are left
    unlabelled on purpose: drawings and `explain` name them by their
    expression (`target_o1 − out_o1`, `(target_o1 − out_o1)²`), and `explain`
    groups a path's factors at labelled nodes, which gives the post's
    dE_o1/dout_o1 = 0.74136507 as one factor.
    """
    _check_pairs("squared_error", outputs, targets, "targets")
    terms = []
    for index, (output, target) in enumerate(zip(outputs, targets)):
        # A finite float target and a Value output (a training loop's case) need no conversion.
        if target.__class__ is not float or not -_BIGGEST <= target <= _BIGGEST:
            target = _target(target, f"squared_error: targets[{index}]")
        if output.__class__ is not Value:
            output = _value(output, f"squared_error: outputs[{index}]")
        label = output.label
        term = 0.5 * (target - output) ** 2
        term.label = f"E_{label[4:]}" if label.startswith("out_") and len(label) > 4 else f"E_{index}"
        terms.append(term)
    return _labelled(total(terms), "E_total")


def mse(outputs, targets):
    """Mean of (t_i - o_i)^2 over the n outputs, labelled `mse`; d/do_i = 2 (o_i - t_i) / n."""
    _check_pairs("mse", outputs, targets, "targets")
    terms = [
        (_target(target, f"mse: targets[{index}]") - _value(output, f"mse: outputs[{index}]")) ** 2
        for index, (output, target) in enumerate(zip(outputs, targets))
    ]
    return _labelled(total(terms) / len(outputs), "mse")


def hinge(scores, labels):
    """Mean of max(0, 1 - y_i s_i) with labels y_i in {-1, +1}; d/ds_i = -y_i / n where 1 - y_i s_i > 0, else 0.

    Each example's term is labelled `hinge_<index>`, the mean `hinge`.
    """
    _check_pairs("hinge", scores, labels, "labels")
    terms = []
    for index, (score, label) in enumerate(zip(scores, labels)):
        # An int or float label of exactly -1 or +1 (the usual case) is used as its float.
        y = _SIGNS.get(label) if label.__class__ is int or label.__class__ is float else None
        if y is None:
            y = as_number(label, f"hinge: labels[{index}]")
            if y not in (-1.0, 1.0):
                raise ArgumentError(f"hinge: labels must be -1 or +1, got {shown(label)} at index {index}")
        if score.__class__ is not Value:
            score = _value(score, f"hinge: scores[{index}]")
        term = (1.0 - score * y).relu()
        term.label = f"hinge_{index}"
        terms.append(term)
    return _labelled(total(terms) / len(terms), "hinge")


def binary_cross_entropy(probs, targets):
    """Mean of -(t log p + (1 - t) log(1 - p)); d/dp = (p - t) / (p (1 - p)) / n.

    Targets lie in [0, 1] (usually exactly 0 or 1). A term whose weight is 0
    is left out, so p = 0 with t = 0 (or p = 1 with t = 1) costs nothing, as the
    limit 0 log 0 = 0 says. A probability of exactly 0 or 1 on the wrong side
    (p = 0 with t > 0) makes the loss infinite: that raises ArgumentError.
    """
    _check_pairs("binary_cross_entropy", probs, targets, "targets")
    terms = []
    for index, (prob, target) in enumerate(zip(probs, targets)):
        p = _value(prob, f"binary_cross_entropy: probs[{index}]")
        t = as_number(target, f"binary_cross_entropy: targets[{index}]")
        if not 0.0 <= t <= 1.0:
            raise ArgumentError(
                f"binary_cross_entropy: targets must lie in [0, 1], got {shown(target)} at index {index}"
            )
        if not 0.0 <= p.data <= 1.0:
            raise ArgumentError(
                f"binary_cross_entropy: probabilities must lie in [0, 1], got {p.data!r} at index {index}{_of(p)}"
            )
        if (t > 0.0 and p.data == 0.0) or (t < 1.0 and p.data == 1.0):
            raise ArgumentError(
                f"binary_cross_entropy: probability {p.data!r} at index {index}{_of(p)} with target {shown(target)} "
                f"makes the loss infinite (log 0); the model is certain and wrong"
            )
        if t == 1.0:
            term = -p.log()
        elif t == 0.0:
            term = -(1.0 - p).log()
        else:
            term = -(t * p.log() + (1.0 - t) * (1.0 - p).log())
        terms.append(_labelled(term, f"bce_{index}"))
    return _labelled(total(terms) / len(terms), "binary_cross_entropy")


def cross_entropy(logits, target_index):
    """-log softmax(logits)[target] = log sum_j e^(z_j) - z_target; d/dz_j = softmax_j - [j == target].

    Computed stably as m + log sum_j e^(z_j - m) - z_target with m = max_j z_j,
    so every exponent is <= 0 and nothing overflows: logits [1000, 0] give
    finite numbers. m is made by `maximum` ops, part of the graph rather than a
    number read off `.data`, so a traced step (`autograd.jit`) recomputes it
    for every example; its gradient through the two terms cancels
    (1 - sum_j softmax_j = 0, to rounding).
    """
    check_sequence(logits, "cross_entropy: logits", "a non-empty list")
    if len(logits) == 0:
        raise ArgumentError("cross_entropy: logits must be a non-empty list, got an empty one")
    check_count("cross_entropy: target_index", target_index, 0)
    if target_index >= len(logits):
        raise ArgumentError(
            f"cross_entropy: target_index must be in 0..{len(logits) - 1} for {len(logits)} logits, "
            f"got {shown(target_index)}"
        )
    logits = [_value(z, f"cross_entropy: logits[{index}]") for index, z in enumerate(logits)]
    log_sum, shifted = _shifted_log_sum(logits)
    # -(z_t - m) + log_sum, which is log_sum - (z_t - m) exactly, with log_sum as the last parent: the backward
    # pass then orders the whole graph by log_sum's sum, whatever the target, as one_hot_cross_entropy's does.
    return _labelled(-shifted[target_index] + log_sum, "cross_entropy")


def one_hot_cross_entropy(logits, one_hot):
    """`cross_entropy(logits, t)` with the class given as data: `one_hot` is k numbers or Values, 1 at t, 0 elsewhere.

    The picked logit is `weighted_sum(one_hot, shifted)` instead of
    `shifted[t]`, so a trace (`autograd.jit`) takes the class as an input and
    one program serves every class. Its numbers are `cross_entropy`'s bit for
    bit: the weighted sum adds exact zeros to z_t - m; backward gives z_t - m
    the same -g, and every other z_j - m an extra (-g) * 0.0, which is -0.0
    for a positive seed g (a mean's 1/n) and vanishes (-0.0 + c == c). For a
    negative seed it is +0.0, which can turn a -0.0 gradient into +0.0: the
    sign of a zero, nothing else. The checks are the caller's (nn's compiled
    training step builds `one_hot` from a class index checked by `cross_entropy`).
    """
    log_sum, shifted = _shifted_log_sum(logits)
    return _labelled(-weighted_sum(one_hot, shifted) + log_sum, "cross_entropy")


def _shifted_log_sum(logits):
    """`(log sum_j e^(z_j - m), [z_j - m])` with m = max_j z_j made by `maximum` ops."""
    largest = logits[0]
    for z in logits[1:]:
        largest = maximum(largest, z)
    shifted = [z - largest for z in logits]
    return _labelled(total([s.exp() for s in shifted]).log(), "log Σ exp"), shifted


def _labelled(value, label):
    """`value` with its label set."""
    value.label = label
    return value


def _check_pairs(name, outputs, others, what):
    for given, called in ((outputs, "the first argument"), (others, what)):
        if given.__class__ is not list and given.__class__ is not tuple:
            check_sequence(given, f"{name}: {called}")
    if len(outputs) != len(others):
        raise ArgumentError(
            f"{name}: needs as many {what} as outputs, got {len(outputs)} outputs and {len(others)} {what}"
        )
    if not outputs:
        raise ArgumentError(f"{name}: needs at least one output, got an empty list")


def _value(x, what):
    """An output: a Value as it is, a finite number as a constant Value."""
    return as_value(x, what)


def _target(x, what):
    """A regression target: a Value as it is (it may carry a label or be trained), or a finite float."""
    return x if isinstance(x, Value) else as_number(x, what)


def _of(value):
    return f" (label {value.label!r})" if value.label else ""
