"""Benchmark: `autograd.jit` against the eager engine, micrograd, hand-written floats and hand-written numpy.

Run it with `make bench` (from the repository root) or, inside benchmarks/.venv,
`python compiled.py [--steps 100] [--worked-steps 10000]`.

Workloads, each timed in this one process and reported as a ratio to its floor:
- micrograd's demo step (mlp_demo.py's workload: 100 two-moons points, MLP
  2-16-16-1, hinge + 1e-4 L2, SGD, full batch), forward + backward + update:
  eager tracegrad, per-sample replay (`nn.TrainStep`: one point's loss traced
  once, replayed for every point, the L2 penalty's derivative and SGD's update
  in the replayed program), micrograd; floor: hand-written floats
  (handwritten.py).
- the same step with numpy: batch replay (`nn.TrainStep(backend="numpy")`:
  the 100 points at once, neurons as matrix products, the update in place on
  the parameter buffer) against hand-written numpy, both float64.
- the worked example, 10,000 steps of gradient descent: eager, per-sample
  replay (one call of a `TrainStep` per step), hand-written floats.
- the first two calls of the moons step (the trace, then the generation of the
  step's program; two steps in all), in eager steps.
All start from the same weights; the loss trajectories are compared too. Times
are the process's CPU time unless `--clock wall` (see handwritten.CLOCKS).
"""

import argparse
import math
import random
import statistics

import handwritten
import numpy as np
from mlp_demo import ALPHA, DATA_SEED, SIZES, Floats, Micrograd, Tracegrad, initial_weights, learning_rate
from rich.console import Console
from rich.table import Table

from autograd import Value, jit
from nn import MLP, SGD, TrainStep, two_moons
from nn import worked_example as example
from nn.losses import squared_error


class PerSample:
    """tracegrad with `nn.TrainStep`: one point's hinge term traced once; forward, backward, L2 and SGD replayed."""

    def __init__(self, weights, biases, points, labels, backend="python"):
        self.model = MLP(2, list(SIZES), "relu", "linear", weights=weights, biases=biases)
        self.optimizer = SGD(self.model.parameters(), lr=learning_rate(0))
        self.points = points if backend == "python" else np.array(points)
        self.labels = labels if backend == "python" else np.array(labels, dtype=float)
        model = self.model
        term = jit(lambda x, y: (1.0 - model(x)[0] * y).relu())
        self.train = TrainStep(term, self.optimizer, l2=ALPHA, backend=backend)
        self.total = math.fsum if backend == "python" else np.sum

    def step(self, step):
        count = len(self.labels)
        self.optimizer.lr = learning_rate(step)
        values, penalty = self.train.batch(self.points, self.labels, gradient=1.0 / count)
        return float(self.total(values)) / count + penalty


class HandNumpy:
    """The numpy floor: the demo's MLP as float64 arrays, forward, backward and update written out."""

    def __init__(self, weights, biases, points, labels):
        self.W = [np.array(rows, dtype=float) for rows in weights]
        self.b = [np.array(layer, dtype=float) for layer in biases]
        self.X = np.array(points, dtype=float)
        self.y = np.array(labels, dtype=float)

    def step(self, step):
        activations, nets = [self.X], []
        for depth, (w, b) in enumerate(zip(self.W, self.b)):
            z = activations[-1] @ w.T + b
            nets.append(z)
            activations.append(z if depth == len(self.W) - 1 else np.maximum(z, 0.0))
        margin = 1.0 - self.y * activations[-1][:, 0]
        penalty = sum((w * w).sum() + (b * b).sum() for w, b in zip(self.W, self.b))
        loss = np.maximum(margin, 0.0).mean() + ALPHA * penalty
        upstream = (np.where(margin > 0.0, -self.y, 0.0) / len(self.y))[:, None]
        rate = learning_rate(step)
        for depth in range(len(self.W) - 1, -1, -1):
            if depth != len(self.W) - 1:
                upstream = upstream * (nets[depth] > 0.0)
            grad_w = upstream.T @ activations[depth] + 2.0 * ALPHA * self.W[depth]
            grad_b = upstream.sum(axis=0) + 2.0 * ALPHA * self.b[depth]
            upstream = upstream @ self.W[depth]
            self.W[depth] -= rate * grad_w
            self.b[depth] -= rate * grad_b
        return float(loss)


def worked_floats(steps):
    """The worked example trained by hand-written floats (handwritten.py), from the example's numbers."""
    inputs = (example.INPUTS["i1"], example.INPUTS["i2"])
    targets = (example.TARGETS["o1"], example.TARGETS["o2"])
    return handwritten.worked_floats(steps, example.INITIAL_WEIGHTS, inputs, targets, example.LEARNING_RATE)


def worked_compiled(steps):
    """The worked example's 10,000 exact steps: the loss traced once, each step one call of the compiled step."""
    model = example.network()
    params = {p.label: p for p in model.parameters()}
    trained = [params[f"w{k}"] for k in range(1, 9)]
    optimizer = SGD(trained, example.LEARNING_RATE)
    inputs = [Value(example.INPUTS["i1"], "i1"), Value(example.INPUTS["i2"], "i2")]
    targets = [example.TARGETS["o1"], example.TARGETS["o2"]]
    value = 0.0
    with TrainStep(lambda: squared_error(model(inputs), targets), optimizer) as step:
        for _ in range(steps):
            value = step()
    return value, {name: p.data for name, p in params.items()}


CLOCK = handwritten.Clock()  # what every timing reads; --clock wall switches it


def timed(function, *args):
    start = CLOCK.now()
    result = function(*args)
    return result, CLOCK.now() - start


def train(trainers, steps):
    """Per trainer: (losses, seconds per step), the trainers taking turns step by step."""
    results = {name: ([], []) for name in trainers}
    for step in range(steps):
        for name, trainer in trainers.items():
            loss, seconds = timed(trainer.step, step)
            results[name][0].append(loss)
            results[name][1].append(seconds)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100, help="training steps of the moons demo")
    parser.add_argument("--micrograd-steps", type=int, default=10, help="steps for micrograd (slow)")
    parser.add_argument("--worked-steps", type=int, default=10_000, help="steps of the worked example")
    parser.add_argument("--clock", choices=sorted(handwritten.CLOCKS), default="cpu", help=handwritten.CLOCK_HELP)
    arguments = parser.parse_args()
    CLOCK.use(arguments.clock)
    console = Console(width=120)
    console.print(f"autograd.jit and nn.TrainStep against eager, micrograd, floats and numpy; clock: {CLOCK.name}")
    points, labels = two_moons(100, noise=0.1, rng=random.Random(DATA_SEED))
    weights, biases = initial_weights()

    # The first calls: the trace (an eager step) and the step program's generation (the second
    # step), together, against eager steps measured on a model of their own.
    first = PerSample(weights, biases, points, labels)
    _, first_seconds = timed(lambda: (first.step(0), first.step(1)))
    eager_probe = Tracegrad(weights, biases, points, labels)
    eager_seconds = statistics.median(timed(eager_probe.step, k)[1] for k in range(5))

    kinds = (("floats", Floats), ("eager", Tracegrad), ("per-sample replay", PerSample))
    trainers = {name: kind(weights, biases, points, labels) for name, kind in kinds}
    trainers["numpy, by hand"] = HandNumpy(weights, biases, points, labels)
    trainers["batch replay (numpy)"] = PerSample(weights, biases, points, labels, backend="numpy")
    runs = train(trainers, arguments.steps)
    runs.update(train({"micrograd": Micrograd(weights, biases, points, labels)}, arguments.micrograd_steps))

    floors = {"floats": statistics.median(runs["floats"][1]), "numpy": statistics.median(runs["numpy, by hand"][1])}
    table = Table(title="micrograd's demo step (forward + backward + update), median of a run", title_justify="left")
    for heading in ("engine", "steps", "per step", "/ floats", "/ numpy by hand", "largest |loss - eager|"):
        table.add_column(heading, justify="left" if heading == "engine" else "right")
    eager_losses = runs["eager"][0]
    for name, (losses, seconds) in runs.items():
        per_step = statistics.median(seconds)
        gap = max(abs(a - b) for a, b in zip(losses, eager_losses))
        table.add_row(name, str(len(seconds)), f"{per_step * 1e3:.2f} ms", f"{per_step / floors['floats']:.2f}x",
                      f"{per_step / floors['numpy']:.2f}x", f"{gap:.1e}")  # fmt: skip
    console.print(table)
    console.print(
        f"first two calls of the per-sample step (trace + compile + two steps): {first_seconds * 1e3:.1f} ms "
        f"= {first_seconds / eager_seconds:.2f} eager steps ({eager_seconds * 1e3:.1f} ms each)"
    )

    steps = arguments.worked_steps
    floats_error, floats_seconds = timed(worked_floats, steps)
    eager_result, eager_seconds = timed(example.train, steps)
    (compiled_error, compiled_weights), compiled_seconds = timed(worked_compiled, steps)
    table = Table(title=f"The worked example, {steps:,} steps of gradient descent", title_justify="left")
    for heading in ("engine", "seconds", "/ floats", "E_total before the last step"):
        table.add_column(heading, justify="left" if heading == "engine" else "right")
    table.add_row("floats", f"{floats_seconds:.3f}", "1.00x", f"{floats_error:.12e}")
    table.add_row(
        "eager", f"{eager_seconds:.3f}", f"{eager_seconds / floats_seconds:.2f}x", f"{eager_result.history[-1]:.12e}"
    )
    table.add_row("per-sample replay", f"{compiled_seconds:.3f}", f"{compiled_seconds / floats_seconds:.2f}x",
                  f"{compiled_error:.12e}")  # fmt: skip
    console.print(table)
    same = compiled_weights == {
        **eager_result.weights,
        **{k: v for k, v in compiled_weights.items() if k in ("b1", "b2")},
    }
    console.print(f"replay's weights after {steps:,} steps equal the eager engine's bit for bit: {same}")


if __name__ == "__main__":
    main()
