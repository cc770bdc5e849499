"""Loss functions: lists of Values and numbers in, one Value out.

Owns `squared_error`, `mse`, `hinge`, `binary_cross_entropy` and
`cross_entropy`. Imports `autograd` (`Value`, `total`) and `nn.checks`; never
`viz`. Every loss checks its arguments and says what it expected: a wrong kind
of argument (not a list, not a number) raises `TypeError`, a wrong value
(unequal or zero lengths, labels out of range) `nn.checks.ArgumentError`.
Sums are one `total` node.
"""

from autograd import Value, total
from nn.checks import ArgumentError, as_number, as_value, check_count, check_sequence, shown


def squared_error(outputs, targets):
    """E_total = sum_i 1/2 (t_i - o_i)^2; dE/do_i = o_i - t_i.

    The result is one `total` node whose parents are the per-output terms
    (labelled E_0, E_1, ...), each a node of its own: the worked example's
    E_o1 and E_o2 are `E_total.parents`.
    """
    _check_pairs("squared_error", outputs, targets, "targets")
    terms = []
    for index, (output, target) in enumerate(zip(outputs, targets)):
        target = _target(target, f"squared_error: targets[{index}]")
        term = 0.5 * (target - _value(output, f"squared_error: outputs[{index}]")) ** 2
        term.label = f"E_{index}"
        terms.append(term)
    loss = total(terms)
    loss.label = "E_total"
    return loss


def mse(outputs, targets):
    """Mean of (t_i - o_i)^2 over the n outputs; d/do_i = 2 (o_i - t_i) / n."""
    _check_pairs("mse", outputs, targets, "targets")
    terms = [
        (_target(target, f"mse: targets[{index}]") - _value(output, f"mse: outputs[{index}]")) ** 2
        for index, (output, target) in enumerate(zip(outputs, targets))
    ]
    loss = total(terms) / len(outputs)
    loss.label = "mse"
    return loss


def hinge(scores, labels):
    """Mean of max(0, 1 - y_i s_i) with labels y_i in {-1, +1}; d/ds_i = -y_i / n where 1 - y_i s_i > 0, else 0."""
    _check_pairs("hinge", scores, labels, "labels")
    terms = []
    for index, (score, label) in enumerate(zip(scores, labels)):
        y = as_number(label, f"hinge: labels[{index}]")
        if y not in (-1.0, 1.0):
            raise ArgumentError(f"hinge: labels must be -1 or +1, got {shown(label)} at index {index}")
        terms.append((1.0 - _value(score, f"hinge: scores[{index}]") * y).relu())
    loss = total(terms) / len(terms)
    loss.label = "hinge"
    return loss


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
        terms.append(term)
    loss = total(terms) / len(terms)
    loss.label = "binary_cross_entropy"
    return loss


def cross_entropy(logits, target_index):
    """-log softmax(logits)[target] = log sum_j e^(z_j) - z_target; d/dz_j = softmax_j - [j == target].

    Computed stably as m + log sum_j e^(z_j - m) - z_target with m = max_j z_j,
    a constant (its gradient through both terms cancels exactly), so every
    exponent is <= 0 and nothing overflows: logits [1000, 0] give finite
    numbers.
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
    largest = max(z.data for z in logits)
    shifted = [z - largest for z in logits]
    log_sum = total([s.exp() for s in shifted]).log()
    loss = log_sum - shifted[target_index]
    loss.label = "cross_entropy"
    return loss


def _check_pairs(name, outputs, others, what):
    for given, called in ((outputs, "the first argument"), (others, what)):
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
