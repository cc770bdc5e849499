"""Backpropagation through time with nn.RNN, and the vanishing gradient seen in a plot.

An Elman RNN (1 input, 8 tanh hidden units) and a linear read-out learn to
predict the next value of a noisy sine from the values so far. Then, for one
sequence of 60 steps, the loss of the LAST prediction only is backpropagated
through the unrolled graph and |dL/dh_t| (the norm over the hidden units) is
plotted against t: it shrinks roughly geometrically as t moves away from the
end, which is why a plain RNN struggles to learn long-range dependencies.
Last, `explain` writes the gradient of one recurrent weight as the sum over
the time steps it is used in.

    .venv/bin/python examples/rnn_vanishing_gradient.py [rnn_gradients.png]

Uses only the public API (and matplotlib, which tracegrad depends on).
"""

import math
import random
import sys

from matplotlib.figure import Figure

from nn import RNN, Adam, Layer, squared_error
from viz import explain

HIDDEN = 8


def noisy_sine(length, rng):
    phase = rng.uniform(0.0, 2.0 * math.pi)
    return [math.sin(0.4 * t + phase) + rng.gauss(0.0, 0.05) for t in range(length + 1)]


def predictions(rnn, readout, values):
    """The read-out of each hidden state: the prediction of values[t + 1] from values[: t + 1]."""
    states = rnn([[v] for v in values])
    return [readout(state)[0] for state in states]


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "rnn_gradients.png"
    rng = random.Random(0)
    rnn = RNN(1, HIDDEN, rng=rng)
    readout = Layer(HIDDEN, 1, "linear", rng=rng)
    parameters = rnn.parameters() + readout.parameters()
    optimizer = Adam(parameters, lr=0.01)

    print("training on windows of 20 steps of a noisy sine (predict the next value; the noise alone costs 0.0025)")
    block = []
    for step in range(1, 301):
        series = noisy_sine(20, rng)
        outputs = predictions(rnn, readout, series[:-1])
        loss = squared_error(outputs, series[1:])  # sum of 1/2 (t - o)^2 over the 20 steps
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        block.append(2.0 * loss.data / 20)
        if step % 50 == 0:
            print(f"  steps {step - 49:3}-{step}: mean squared error {sum(block) / len(block):.5f}")
            block = []

    # The vanishing gradient: the loss of the last prediction only, through 60 steps.
    steps = 60
    series = noisy_sine(steps, rng)
    states = rnn([[v] for v in series[:-1]])
    last = squared_error(readout(states[-1]), [series[-1]])
    for p in parameters:
        p.grad = 0.0
    last.backward()
    norms = [math.sqrt(sum(h.grad**2 for h in state)) for state in states]
    print(f"\n|dL/dh_t| for the loss at t = {steps} (the last step):")
    for t in (steps, steps - 5, steps - 10, steps - 20, steps - 40, 1):
        print(f"  t = {t:2}: {norms[t - 1]:.3e}")
    print(f"  shrinking by about {(norms[0] / norms[-1]) ** (1 / (steps - 1)):.3f} per step back in time")

    figure = Figure(figsize=(8, 4.5), dpi=160)  # 1280 x 720 pixels
    axes = figure.add_subplot()
    axes.semilogy(range(1, steps + 1), norms, marker="o", markersize=3, color="#1f77b4")
    axes.set_xlabel("time step t")
    axes.set_ylabel("|dL/dh_t|")
    axes.set_title(f"Vanishing gradient: loss at t = {steps}, tanh RNN with {HIDDEN} hidden units")
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    print(f"wrote {path}")

    # A recurrent weight's gradient is a sum over the time steps where it is used (steps 2 .. T).
    short = rnn([[v] for v in series[:6]])
    loss = squared_error(readout(short[-1]), [series[6]])
    for p in parameters:
        p.grad = 0.0
    loss.backward()
    print()
    print(explain(loss, rnn.hidden_weights[0][0], max_paths=1))


if __name__ == "__main__":
    main()
