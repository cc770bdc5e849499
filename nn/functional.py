"""`softmax`: class probabilities from logits, as Values, stable for large logits.

Imports the standard library, `autograd` and `nn.checks` only; never `viz`.
"""

from autograd import Value, maximum, total
from nn.checks import ArgumentError, as_value, check_sequence


def softmax(logits):
    """softmax(z)_i = e^(z_i) / sum_j e^(z_j), a list of Values summing to 1.

    Computed as e^(z_i - m) / sum_j e^(z_j - m) with m = max_j z_j: the shift
    cancels in the ratio, so values and derivatives (d softmax_i / d z_j =
    s_i ([i == j] - s_j)) are those of the formula (m's own share cancels, to
    rounding), and no exponent is positive, so logits like [1000, 0] give
    [1, 0] without overflow. m is made by `maximum` ops, part of the graph
    rather than a number read off `.data`, so a traced step (`autograd.jit`)
    recomputes it for every example. Numbers among the logits become constant leaves.
    """
    check_sequence(logits, "softmax: logits")
    if len(logits) == 0:
        raise ArgumentError("softmax: logits must be a non-empty list, got an empty one")
    values = [z if isinstance(z, Value) else as_value(z, f"softmax: logits[{i}]") for i, z in enumerate(logits)]
    largest = values[0]
    for z in values[1:]:
        largest = maximum(largest, z)
    exps = [(z - largest).exp() for z in values]
    norm = total(exps)
    probabilities = [e / norm for e in exps]
    for index, p in enumerate(probabilities):
        p.label = f"softmax[{index}]"
    return probabilities
