"""Benchmark: micrograd's demo, trained by tracegrad, by micrograd and by hand-written floats.

Run it with `make bench` (from the repository root) or, inside benchmarks/.venv,
`python mlp_demo.py [--steps 100] [--micrograd-steps 100] [--record rows.jsonl]`.

The workload is micrograd's demo notebook: 100 two-moons points (noise 0.1), an
MLP 2-16-16-1 with ReLU hidden layers and a linear output, the hinge loss
mean_i relu(1 - y_i * score_i) plus 1e-4 * sum of squared parameters, and SGD
with learning rate 1.0 - 0.9 * k / 100 at step k, on the full batch. All three
start from the same weights, drawn once from a seeded random.Random (uniform
in [-1, 1], biases 0) and loaded into micrograd's MLP and into ours; the data
come from `nn.two_moons` with a seeded rng, so every run is the same.

Each engine writes the step its own way: tracegrad eagerly (no `jit`) with
`nn.MLP`, `nn.hinge`, the L2 term as one `weighted_sum` node (as `nn.fit`
writes it) and `nn.SGD`; micrograd with the demo's own code; the floor with
`handwritten.py`. A step is forward + backward + update, timed as a whole;
the table shows the median over the steps and the ratio to the floor measured
in the same run. The row "tracegrad, tuned_gc()" is the same step run inside
`with autograd.tuned_gc():` (entering and leaving timed with it), a second
model from the same weights. Floats and the tracegrad rows take turns step by
step; micrograd trains afterwards, alone, so that collecting its garbage
(reference cycles, which only the cyclic GC frees) lands in its own steps.
The loss trajectories are printed side by side: the three engines compute the
same function in slightly different orders (sums, the place of the bias), so
they agree to rounding, and the largest difference is printed. `--record
FILE` appends the step's figures for `summary.py` (see engine.py). Times are
the process's CPU time unless `--clock wall` (see handwritten.CLOCKS).
"""

import argparse
import random
import statistics

import handwritten
import micrograd.engine
import micrograd.nn
import summary
from rich.console import Console
from rich.table import Table

from autograd import tuned_gc, weighted_sum
from nn import MLP, SGD, hinge, two_moons

SIZES = (16, 16, 1)
ALPHA = 1e-4
DATA_SEED = 0
WEIGHT_SEED = 1337
CLOCK = handwritten.Clock()  # what every timing reads; --clock wall switches it


def learning_rate(step):
    return 1.0 - 0.9 * step / 100


def initial_weights(seed=WEIGHT_SEED):
    """Per layer, `nout` rows of `nin` weights uniform in [-1, 1], and `nout` zero biases."""
    rng = random.Random(seed)
    weights, biases = [], []
    for nin, nout in zip((2, *SIZES), SIZES):
        weights.append([[rng.uniform(-1.0, 1.0) for _ in range(nin)] for _ in range(nout)])
        biases.append([0.0] * nout)
    return weights, biases


def accuracy(scores, labels):
    return sum((score > 0) == (label > 0) for score, label in zip(scores, labels)) / len(labels)


class Floats:
    """The floor: the network as lists of floats, `handwritten.py` doing forward, backward and update."""

    def __init__(self, weights, biases, points, labels):
        self.layers = [([list(row) for row in rows], list(layer_biases)) for rows, layer_biases in zip(weights, biases)]
        self.points = points
        self.labels = labels

    def step(self, step):
        """One training step; returns the loss before the update."""
        loss, tape = handwritten.mlp_forward(self.layers, self.points, self.labels, ALPHA)
        grads = handwritten.mlp_backward(self.layers, tape, ALPHA)
        handwritten.sgd(self.layers, grads, learning_rate(step))
        return loss

    def scores(self):
        _, tape = handwritten.mlp_forward(self.layers, self.points, self.labels, ALPHA)
        return [(1.0 - margin) * label for _, label, margin in tape]  # margin = 1 - label * score


class Tracegrad:
    """tracegrad as a user writes it: `nn.MLP`, `nn.hinge`, `autograd.total` for the L2 term, `nn.SGD`."""

    def __init__(self, weights, biases, points, labels):
        self.model = MLP(2, list(SIZES), "relu", "linear", weights=weights, biases=biases)
        self.params = self.model.parameters()
        self.optimizer = SGD(self.params, lr=learning_rate(0))
        self.points = points
        self.labels = labels

    def step(self, step):
        scores = [self.model(point)[0] for point in self.points]
        loss = hinge(scores, self.labels) + ALPHA * weighted_sum(self.params, self.params)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.lr = learning_rate(step)
        self.optimizer.step()
        return loss.data

    def scores(self):
        return [self.model(point)[0].data for point in self.points]


class TracegradTuned(Tracegrad):
    """The same step inside `with tuned_gc():`, the collector restored after each step."""

    def step(self, step):
        with tuned_gc():
            return super().step(step)


class Micrograd:
    """micrograd with the demo notebook's own code: its MLP, its loss(), its update loop."""

    def __init__(self, weights, biases, points, labels):
        self.model = micrograd.nn.MLP(2, list(SIZES))
        for layer, rows, layer_biases in zip(self.model.layers, weights, biases):
            for neuron, row, bias in zip(layer.neurons, rows, layer_biases):
                for parameter, number in zip(neuron.w, row):
                    parameter.data = number
                neuron.b.data = bias
        self.points = points
        self.labels = labels

    def step(self, step):
        value = micrograd.engine.Value
        inputs = [list(map(value, point)) for point in self.points]
        scores = list(map(self.model, inputs))
        losses = [(1 + -y * score).relu() for y, score in zip(self.labels, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in self.model.parameters())
        loss = data_loss + reg_loss
        self.model.zero_grad()
        loss.backward()
        rate = learning_rate(step)
        for p in self.model.parameters():
            p.data -= rate * p.grad
        return loss.data

    def scores(self):
        return [self.model(list(map(micrograd.engine.Value, point))).data for point in self.points]


def train(trainers, steps):
    """Run `steps` training steps of every trainer, the trainers taking turns step by step.

    Returns name -> (losses, seconds per step). Taking turns spreads any slow
    spell of a shared machine over the engines alike.
    """
    results = {name: ([], []) for name in trainers}
    for step in range(steps):
        for name, trainer in trainers.items():
            start = CLOCK.now()
            loss = trainer.step(step)
            results[name][1].append(CLOCK.now() - start)
            results[name][0].append(loss)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100, help="training steps for tracegrad and floats")
    parser.add_argument("--micrograd-steps", type=int, default=None, help="steps for micrograd (default: --steps)")
    parser.add_argument("--record", metavar="FILE", help="append the step's figures to FILE (JSON lines)")
    parser.add_argument("--clock", choices=sorted(handwritten.CLOCKS), default="cpu", help=handwritten.CLOCK_HELP)
    arguments = parser.parse_args()
    CLOCK.use(arguments.clock)
    steps = arguments.steps
    micrograd_steps = steps if arguments.micrograd_steps is None else min(arguments.micrograd_steps, steps)
    console = Console(width=120)

    points, labels = two_moons(100, noise=0.1, rng=random.Random(DATA_SEED))
    weights, biases = initial_weights()
    console.print(
        f"micrograd's demo: {len(points)} two-moons points, MLP 2-{'-'.join(map(str, SIZES))} (ReLU, linear out), "
        f"hinge + {ALPHA:g} L2, SGD lr = 1 - 0.9 k/100; {steps} steps ({micrograd_steps} for micrograd)"
    )
    kinds = (("floats", Floats), ("tracegrad", Tracegrad), ("tracegrad, tuned_gc()", TracegradTuned))
    trainers = {name: kind(weights, biases, points, labels) for name, kind in kinds}
    runs = train(trainers, steps)
    # micrograd alone, afterwards: its graphs are reference cycles that only the cyclic
    # GC frees, and that work must land in micrograd's own steps, as in its demo.
    trainers["micrograd"] = Micrograd(weights, biases, points, labels)
    runs.update(train({"micrograd": trainers["micrograd"]}, micrograd_steps))

    floor = statistics.median(runs["floats"][1])
    table = Table(title="Seconds per training step (forward + backward + update), median", title_justify="left")
    for heading in ("engine", "steps", "per step", "/ floats", "final accuracy"):
        table.add_column(heading, justify="left" if heading == "engine" else "right")
    for name, (_, seconds) in runs.items():
        per_step = statistics.median(seconds)
        final_accuracy = accuracy(trainers[name].scores(), labels)
        table.add_row(name, str(len(seconds)), f"{per_step * 1e3:.1f} ms", f"{per_step / floor:.1f}x",
                      f"{final_accuracy:.0%}")  # fmt: skip
    console.print(table)

    table = Table(title="Loss before each update", title_justify="left")
    for heading in ("step", "floats", "tracegrad", "micrograd", "|tracegrad - floats|", "|tracegrad - micrograd|"):
        table.add_column(heading, justify="right")
    floats, ours, theirs = runs["floats"][0], runs["tracegrad"][0], runs["micrograd"][0]
    for step in range(steps):
        mine = ours[step]
        other = theirs[step] if step < len(theirs) else None
        table.add_row(
            str(step),
            f"{floats[step]:.15f}",
            f"{mine:.15f}",
            "" if other is None else f"{other:.15f}",
            f"{abs(mine - floats[step]):.1e}",
            "" if other is None else f"{abs(mine - other):.1e}",
        )
    console.print(table)
    if runs["tracegrad, tuned_gc()"][0] != ours:
        raise AssertionError("the step inside tuned_gc() gave other losses than the same step outside")
    versus_floats = max(abs(a - b) for a, b in zip(ours, floats))
    versus_micrograd = max(abs(a - b) for a, b in zip(ours, theirs))
    console.print(
        f"largest difference of the losses: tracegrad vs floats {versus_floats:.1e}, "
        f"tracegrad vs micrograd {versus_micrograd:.1e} (over {len(theirs)} steps)"
    )
    if arguments.record:
        medians = {name: statistics.median(seconds) for name, (_, seconds) in runs.items()}
        workload = "micrograd's moons training step (2-16-16-1, 100 points)"
        summary.append(
            arguments.record,
            [
                summary.row(1, workload, floats=floor, tracegrad=medians["tracegrad"],
                            micrograd=medians["micrograd"], target=8),
                summary.row(1.5, "  the same, inside tuned_gc()", floats=floor,
                            tracegrad=medians["tracegrad, tuned_gc()"], micrograd=None),
            ],
        )  # fmt: skip


if __name__ == "__main__":
    main()
