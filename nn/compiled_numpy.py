"""The numpy back end of `TrainStep`: its float64 buffers, its batch and its update, in place.

Owns what `TrainStep(backend="numpy")` does with arrays: `load` (the
parameters and the optimizer's state into float64 buffers), `batch` (the
batch replayed by `autograd.jit_numpy.numpy_rows` over views of the parameter
buffer, then `update`), `update` (`nn.optim`'s arithmetic, elementwise) and
`array`. The only module of `nn` that imports numpy; `nn.compiled` imports
it only inside the numpy path, so `import nn` loads no numpy (a subprocess
test checks it). Imports `math` from the standard library, numpy and
`autograd.jit_numpy`; never `nn.compiled` (which imports this) or `viz`.
"""

import math

import numpy as np

from autograd.jit_numpy import numpy_rows


def load(buffer, summed, data, state):
    """`(buffer, summed, state)`: `data` into `buffer` in place (made on the first load), the state as arrays."""
    if buffer is None:
        buffer = np.zeros(len(data))
        summed = np.zeros(len(data))  # a batch's gradients, summed over its rows
    buffer[...] = data  # in place: the generated batches read views of this buffer
    return buffer, summed, [np.array(s, dtype=float) for s in state]


def array(numbers):
    """`numbers` as a float64 array."""
    return np.array(numbers, dtype=float)


def batch(function, columns, gradient, data, position, layouts, summed, variant, hyper, state, l2):
    """The batch as numpy arrays, updated in place: `(values, gradients, penalty)`; None when it must run eagerly."""
    with np.errstate(all="ignore"):  # a non-finite number sends the step to the engine instead
        values = numpy_rows(function, columns, gradient, data, position, layouts, summed)
        if values is None:
            return None
        updated = update(variant, hyper, data, summed, state, l2)
    if updated is None:
        return None
    gradients, penalty = updated
    return values, gradients, penalty


def update(variant, hyper, data, summed, state, l2):
    """The update on float64 arrays, in place: `(gradients, penalty)`, or None (nothing changed) if not finite.

    The arithmetic is `nn.optim`'s, elementwise (the caller silences numpy's warnings).
    """
    kind = variant[0]
    if l2:
        step = l2 * data
        gradients = summed + step
        gradients += step
        gradients += 0.0
        penalty = l2 * float(np.dot(data, data))
    else:
        gradients = summed + 0.0
        penalty = 0.0
    if kind == "sgd":
        lr, momentum = hyper[0], hyper[1]
        if variant[1]:
            new = data - lr * gradients
            moved = ()
        else:
            velocity = momentum * state[0] + gradients
            new = data - lr * velocity
            moved = (velocity,)
    else:
        lr, b1, b2, c1, c2, k1, k2, eps = hyper[:8]
        first = b1 * state[0] + c1 * gradients
        second = b2 * state[1] + (c2 * gradients) * gradients
        root = np.sqrt(second / k2) + eps
        new = np.where(root != 0.0, data - (lr * (first / k1)) / root, data)
        moved = (first, second)
    if not (math.isfinite(penalty) and np.isfinite(gradients).all() and np.isfinite(new).all()):
        return None
    data[...] = new
    for target, source in zip(state, moved):
        target[...] = source
    return gradients, penalty
