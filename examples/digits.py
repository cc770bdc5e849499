"""Handwritten digits: small MLPs on the 8x8 images, scored on a held-out 20% of them.

The tutorial network (64 inputs, a hidden layer of 10 tanh neurons, 10
outputs) and a wider one (32 hidden neurons), trained with cross-entropy and
Adam in mini-batches, on 80% of `nn.load_digits()` (a stratified, seeded
split); accuracy is measured on the other 20% (360 images), never seen in
training.

    .venv/bin/python examples/digits.py              # both networks, a few seconds
    .venv/bin/python examples/digits.py --hidden 32  # only the wider one
    .venv/bin/python examples/digits.py --python     # the compiled step in plain Python (bit for bit eager)
    .venv/bin/python examples/digits.py --eager      # without the compiled step (autograd.jit), to compare

The step is compiled with numpy (`fit(..., compiled="numpy")`: each batch of
32 as matrix products, agreeing with the eager step to rounding) when numpy
is installed, else in plain Python (`compiled=True`).

`tracegrad train digits` does the same from the command line, with a
progress bar and plots. Uses only the public API.
"""

import argparse
import importlib.util
import random
import time

from nn import MLP, Adam, MinMaxScaler, accuracy, fit, load_digits, predict_classes, train_test_split
from nn.init import fan_in_uniform

# Hidden units -> epochs of training.
RECIPES = {10: 20, 32: 20}
# fit's fastest step for batches of 32 through layers of 10 and more neurons: numpy's, where it is installed.
FASTEST = "numpy" if importlib.util.find_spec("numpy") else True


def train_digits(hidden, epochs, *, seed=0, lr=0.01, batch_size=32, report=None, compiled=FASTEST):
    """Train 64-`hidden`-10 on the seeded 80% split; returns (test accuracy, model, CPU seconds of training)."""
    rng = random.Random(seed)
    images, labels = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(images, labels, 0.2, rng=rng, stratify=True)
    scaler = MinMaxScaler().fit([[0.0] * 64, [16.0] * 64])  # the pixels count 0..16
    x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    model = fan_in_uniform(MLP(64, [hidden, 10], "tanh", "linear", rng=rng), rng=rng)
    optimizer = Adam(model.parameters(), lr=lr)
    started = time.process_time()
    fit(
        model,
        x_train,
        y_train,
        loss="cross_entropy",
        optimizer=optimizer,
        epochs=epochs,
        batch_size=batch_size,
        rng=rng,
        callback=report,
        compiled=compiled,
    )
    seconds = time.process_time() - started
    return accuracy(predict_classes(model, x_test), y_test), model, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hidden", type=int, choices=sorted(RECIPES), help="train only this network")
    parser.add_argument("--seed", type=int, default=0)
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("--python", action="store_true", help="the compiled step in plain Python, not numpy")
    modes.add_argument("--eager", action="store_true", help="build the graph every step instead of the compiled step")
    args = parser.parse_args()
    compiled = False if args.eager else True if args.python else FASTEST
    mode = {False: "eager", True: "compiled (python)", "numpy": "compiled (numpy)"}[compiled]
    for hidden in [args.hidden] if args.hidden else sorted(RECIPES):
        epochs = RECIPES[hidden]
        print(f"64-{hidden}-10, {epochs} epochs, Adam lr 0.01, batches of 32, seed {args.seed}, {mode}", flush=True)

        def report(epoch):
            if (epoch.epoch + 1) % 5 == 0:
                print(
                    f"  epoch {epoch.epoch + 1:3}: loss {epoch.loss:.4f}, training accuracy {epoch.accuracy:.1%}",
                    flush=True,
                )

        score, _, seconds = train_digits(hidden, epochs, seed=args.seed, report=report, compiled=compiled)
        print(f"  held-out accuracy {score:.1%} on 360 test images ({seconds:.0f} s of CPU for training)\n", flush=True)


if __name__ == "__main__":
    main()
