"""The floor for scalar Python: the benchmark workloads written out on plain floats.

No graph and no objects per operation: each forward pass keeps only what its
backward pass needs, and each backward pass is the chain rule written by hand
for that one workload. Every engine in `engine.py` and `mlp_demo.py` is
reported as a ratio to these functions, timed in the same run.

Imports the standard library only (no engine), so the floor measures Python
itself. The arithmetic follows the engines' order where it matters: a net
input is sum_i w_i * x_i accumulated from 0.0 left to right, then + b (as
`autograd.weighted_sum`).
"""


# A chain of n multiply-adds: v_{k+1} = v_k * w + b, starting from v_0 = x.
def chain_forward(n, x, w, b):
    """The chain's output and the n values v_0 .. v_{n-1} its backward pass needs."""
    history = []
    keep = history.append
    v = x
    for _ in range(n):
        keep(v)
        v = v * w + b
    return v, history


def chain_backward(history, w):
    """(d/dx, d/dw, d/db) of the chain's output: d v_{k+1} / d v_k = w, / dw = v_k, / db = 1."""
    upstream = 1.0
    grad_w = 0.0
    grad_b = 0.0
    for v in reversed(history):
        grad_w += upstream * v
        grad_b += upstream
        upstream *= w
    return upstream, grad_w, grad_b


# A sum of n products: s = a_0 b_0 + a_1 b_1 + ... (accumulated left to right).
def sum_forward(a, b):
    s = a[0] * b[0]
    for i in range(1, len(a)):
        s = s + a[i] * b[i]
    return s


def sum_backward(a, b):
    """(ds/da, ds/db) as two lists: ds/da_i = b_i, ds/db_i = a_i."""
    upstream = 1.0
    grad_a = [0.0] * len(a)
    grad_b = [0.0] * len(b)
    for i in reversed(range(len(a))):
        grad_a[i] = upstream * b[i]
        grad_b[i] = upstream * a[i]
    return grad_a, grad_b


# An MLP with ReLU hidden layers and a linear output, trained with the hinge
# loss mean_i max(0, 1 - y_i s_i) plus alpha * sum of squared parameters, as in
# micrograd's demo. `layers` is a list of (weights, biases): weights[j] is
# neuron j's row of input weights (lists of floats, updated in place by `sgd`).
def mlp_forward(layers, points, labels, alpha):
    """The loss and a tape of every layer's inputs and net inputs, point by point."""
    last = len(layers) - 1
    tape = []
    data_loss = 0.0
    for point, label in zip(points, labels):
        acts = list(point)
        steps = []
        for depth, (weights, biases) in enumerate(layers):
            nets = []
            for row, bias in zip(weights, biases):
                net = 0.0
                for w, a in zip(row, acts):
                    net += w * a
                nets.append(net + bias)
            steps.append((acts, nets))
            acts = nets if depth == last else [z if z > 0.0 else 0.0 for z in nets]
        margin = 1.0 - label * acts[0]
        tape.append((steps, label, margin))
        if margin > 0.0:
            data_loss += margin
    reg = 0.0
    for weights, biases in layers:
        for row, bias in zip(weights, biases):
            for w in row:
                reg += w * w
            reg += bias * bias
    return data_loss * (1.0 / len(points)) + alpha * reg, tape


def mlp_backward(layers, tape, alpha):
    """d(loss)/d(parameter) in the shape of `layers`: a list of (weight rows, biases)."""
    last = len(layers) - 1
    grads = [([[2.0 * alpha * w for w in row] for row in weights], [2.0 * alpha * b for b in biases])
             for weights, biases in layers]  # fmt: skip
    scale = 1.0 / len(tape)
    for steps, label, margin in tape:
        if margin <= 0.0:
            continue
        upstream = [-label * scale]  # d(loss)/d(score)
        for depth in range(last, -1, -1):
            acts, nets = steps[depth]
            weights = layers[depth][0]
            grad_rows, grad_biases = grads[depth]
            if depth != last:  # ReLU: the slope is 1 where the net input is > 0, else 0
                upstream = [g if z > 0.0 else 0.0 for g, z in zip(upstream, nets)]
            below = [0.0] * len(acts)
            for j, g in enumerate(upstream):
                if g == 0.0:
                    continue
                row = weights[j]
                grad_row = grad_rows[j]
                for i, a in enumerate(acts):
                    grad_row[i] += g * a
                    below[i] += g * row[i]
                grad_biases[j] += g
            upstream = below
    return grads


def sgd(layers, grads, lr):
    """p -= lr * dL/dp for every parameter, in place."""
    for (weights, biases), (grad_rows, grad_biases) in zip(layers, grads):
        for row, grad_row in zip(weights, grad_rows):
            for i, g in enumerate(grad_row):
                row[i] -= lr * g
        for j, g in enumerate(grad_biases):
            biases[j] -= lr * g
