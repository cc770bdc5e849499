"""`grad`: gradients as Values, without touching `.grad`, to any order.

Owns the functional interface to the backprop core. Imports only `autograd`'s
own modules; never `nn` or `viz`.
"""

from autograd.graph import backprop, gradients
from autograd.value import Value, local_grads_as_values, made_under_no_grad


def grad(output, inputs, *, create_graph=False):
    """d(output)/d(input) for each of `inputs`, as a tuple of Values.

    `.grad` of every node stays as it was. An input that `output` does not
    depend on gets `Value(0.0)`. With `create_graph=True` the returned Values are
    nodes of a new graph built from the derivative rules, so `grad` of them gives
    second (and higher) derivatives; otherwise they are constants.

    An output that an op made inside `no_grad()` is a constant with no graph
    behind it; asked for its gradient with respect to other nodes, `grad`
    raises `RuntimeError` saying so (as PyTorch does) rather than returning
    zeros that look like an answer.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, not {type(output).__name__}")
    if isinstance(inputs, Value):
        raise TypeError("grad: inputs must be a sequence of Values; wrap a single one as [x]")
    inputs = tuple(inputs)
    for position, node in enumerate(inputs):
        if not isinstance(node, Value):
            raise TypeError(f"grad: inputs[{position}] must be a Value, not {type(node).__name__}")
    if made_under_no_grad(output) and any(node is not output for node in inputs):
        label = f" {output.label!r}" if output.label else ""
        raise RuntimeError(
            f"grad: the output{label} (data {output.data!r}) was computed inside no_grad(), so it is a "
            "constant that records no graph and its gradient is 0 for every input; compute it outside "
            "the no_grad() block to differentiate it"
        )
    if create_graph:
        _, found = backprop(output, Value(1.0), local_grads_as_values)
        return tuple(found[node] if node in found else Value(0.0) for node in inputs)
    return tuple(Value(gradient) for gradient in gradients(output, 1.0, inputs))
