"""The floor for scalar Python: the benchmark workloads written out on plain floats.

No graph and no objects per operation: each forward pass keeps only what its
backward pass needs, and each backward pass is the chain rule written by hand
for that one workload. Every engine in `engine.py`, `mlp_demo.py` and
`compiled.py` is reported as a ratio to these functions, timed in the same run.

Imports the standard library only (no engine), so the floor measures Python
itself. The arithmetic follows the engines' order where it matters: a net
input is sum_i w_i * x_i accumulated from 0.0 left to right, then + b (as
`autograd.weighted_sum`). Also holds the clocks the benchmarks time with.
"""

import math
import time

# The clocks the benchmarks time with. "cpu" (the default) is the process's CPU
# time, user + system (`time.process_time`): on an idle machine it is the
# wall-clock time of a single-threaded run, and on a shared one it leaves out
# the time the process waits for a core, which otherwise lands on whichever
# engine happens to be running. "wall" is `time.perf_counter`.
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
CLOCK_HELP = "cpu: the process's CPU time (default; steady on a shared machine), wall: wall-clock time"


class Clock:
    """The clock a benchmark reads, chosen once by its --clock option."""

    def __init__(self, name="cpu"):
        self.use(name)

    def use(self, name):
        self.name = name
        self.now = CLOCKS[name]


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


# A chain of n steps with plain-number constants: v_{k+1} = v_k * w + b, only d/dx wanted.
def plain_chain_forward(n, x, w, b):
    """The chain's output; its backward pass needs none of the v_k (d v_{k+1} / d v_k = w)."""
    v = x
    for _ in range(n):
        v = v * w + b
    return v


def plain_chain_backward(n, w):
    """d/dx of the chain's output: w multiplied in once per step, as a backward pass would."""
    upstream = 1.0
    for _ in range(n):
        upstream *= w
    return upstream


# A sum of n products: s = a_0 b_0 + a_1 b_1 + ... (accumulated left to right).
def sum_forward(a, b):
    s = a[0] * b[0]
    for i in range(1, len(a)):
        s = s + a[i] * b[i]
    return s


def builtin_sum_forward(a, b):
    """The same sum as Python's builtin `sum` writes it (from 0, left to right)."""
    return sum(x * y for x, y in zip(a, b))


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


# The worked example (a 2-2-2 sigmoid network, one bias shared per layer, the
# squared error 1/2 (t - o)^2 summed over both outputs), trained by gradient
# descent on w1..w8 with every gradient taken at the step's starting weights.
def worked_floats(steps, weights, inputs, targets, rate):
    """E_total at the forward pass of the last of `steps` steps (0.0 for none).

    `weights` maps w1..w8, b1, b2 to numbers, `inputs` is (i1, i2), `targets`
    is (t1, t2), `rate` the learning rate.
    """
    w = [weights[f"w{k}"] for k in range(1, 9)]
    b1, b2 = weights["b1"], weights["b2"]
    i1, i2 = inputs
    t1, t2 = targets
    error = 0.0
    for _ in range(steps):
        h1 = 1.0 / (1.0 + math.exp(-(w[0] * i1 + w[1] * i2 + b1)))
        h2 = 1.0 / (1.0 + math.exp(-(w[2] * i1 + w[3] * i2 + b1)))
        o1 = 1.0 / (1.0 + math.exp(-(w[4] * h1 + w[5] * h2 + b2)))
        o2 = 1.0 / (1.0 + math.exp(-(w[6] * h1 + w[7] * h2 + b2)))
        error = 0.5 * (t1 - o1) ** 2 + 0.5 * (t2 - o2) ** 2
        d1 = (o1 - t1) * o1 * (1.0 - o1)
        d2 = (o2 - t2) * o2 * (1.0 - o2)
        e1 = (d1 * w[4] + d2 * w[6]) * h1 * (1.0 - h1)
        e2 = (d1 * w[5] + d2 * w[7]) * h2 * (1.0 - h2)
        grads = [e1 * i1, e1 * i2, e2 * i1, e2 * i2, d1 * h1, d1 * h2, d2 * h1, d2 * h2]
        w = [p - rate * g for p, g in zip(w, grads)]
    return error
