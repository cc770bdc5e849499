"""The wheat-seeds backpropagation tutorial's cross-validation table, reproduced to the digit with nn.

Owns the tutorial's procedure and its published figures. Imports the standard
library, `autograd` and nn's own modules; never `viz`.

The tutorial (Jason Brownlee, "How to Code a Neural Network with
Backpropagation In Python (from scratch)") classifies the UCI wheat seeds
(`nn.load_seeds`) with a 7-5-3 sigmoid network and reports the accuracy of
each of 5 cross-validation folds. Its procedure, step by step, as here:

1. `random.seed(1)`; the rows in the file's order.
2. Class labels to indices by iterating a `set` of the label strings, so the
   mapping depends on Python's string hash seed; the published table comes
   from '1' -> 1, '2' -> 2, '3' -> 0 (`TUTORIAL_INDEX`).
3. Every feature min-max scaled over the whole set.
4. 5 folds of 210 // 5 = 42 rows, each row drawn with `randrange` from a
   shrinking copy of the rows (`tutorial_folds`).
5. Per fold, a fresh 7-5-3 network whose weights are drawn with `random()`
   neuron by neuron, hidden layer first, each neuron's 7 (or 5) weights and
   then its bias; sigmoid on both layers.
6. Online gradient descent on 1/2 sum (t - o)^2 with one-hot targets:
   learning rate 0.3, 500 epochs over the training rows (the other folds,
   in fold order), one update per row.
7. The prediction is the index of the largest output; a fold's accuracy is
   the percentage of its 42 rows predicted right.

On tracegrad's engine this gives exactly the published folds (`PUBLISHED`),
92.857, 92.857, 97.619, 92.857, 90.476, mean 93.333%.
"""

import random
from dataclasses import dataclass

from autograd import no_grad
from nn.checks import check_count
from nn.layers import Layer, Sequential
from nn.loaders import load_seeds
from nn.losses import squared_error
from nn.optim import SGD
from nn.preprocessing import minmax_scale

PUBLISHED = (92.857, 92.857, 97.619, 92.857, 90.476)
PUBLISHED_MEAN = 93.333
SEED = 1
FOLDS = 5
HIDDEN = 5
LEARNING_RATE = 0.3
EPOCHS = 500

# nn.load_seeds gives the file's labels '1', '2', '3' as classes 0, 1, 2; the tutorial's set order made them 1, 2, 0.
TUTORIAL_INDEX = (1, 2, 0)


def tutorial_folds(count, folds, rng):
    """The tutorial's cross_validation_split on row numbers: `folds` lists of count // folds rows.

    Each row is drawn with `rng.randrange` from what is left of a copy of
    range(count); rows left over after the last fold are in none.
    """
    remaining = list(range(count))
    size = count // folds
    split = []
    for _ in range(folds):
        fold = []
        while len(fold) < size:
            fold.append(remaining.pop(rng.randrange(len(remaining))))
        split.append(fold)
    return split


def tutorial_network(inputs, hidden, outputs, rng):
    """A fresh `inputs`-`hidden`-`outputs` sigmoid network, weights then bias of each neuron from `rng.random()`."""
    layers = []
    for label, (nin, nout) in (("hidden", (inputs, hidden)), ("output", (hidden, outputs))):
        rows = [[rng.random() for _ in range(nin + 1)] for _ in range(nout)]
        layers.append(
            Layer(
                nin, nout, "sigmoid", weights=[row[:-1] for row in rows], biases=[row[-1] for row in rows], label=label
            )
        )
    return Sequential(layers)


def predicted_class(model, row):
    outputs = model(row)
    return max(range(len(outputs)), key=lambda k: outputs[k].data)


def train_online(model, rows, classes, outputs, *, lr, epochs, callback=None):
    """Online gradient descent on squared_error against one-hot targets, one update per row, rows in order.

    `callback(epoch)` runs after each epoch (0-based).
    """
    optimizer = SGD(model.parameters(), lr=lr)
    targets = [[1.0 if k == c else 0.0 for k in range(outputs)] for c in classes]
    for epoch in range(epochs):
        for row, target in zip(rows, targets):
            loss = squared_error(model(row), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if callback is not None:
            callback(epoch)
    return model


@dataclass(frozen=True)
class Fold:
    """One fold of the tutorial's cross-validation: its accuracy (percent), test rows, their classes and predictions.

    `model` is the network trained on the other folds. Classes are the
    tutorial's indices (see `TUTORIAL_INDEX`); `CLASS_NAMES` names them.
    """

    accuracy: float
    rows: list
    actual: list
    predicted: list
    model: Sequential


# The tutorial's class indices 0, 1, 2 are the file's labels '3', '1', '2'.
CLASS_NAMES = ("Canadian", "Kama", "Rosa")


def cross_validation(*, epochs=EPOCHS, folds=FOLDS, callback=None):
    """The tutorial's procedure (see the module docstring), one `Fold` per fold.

    `epochs` and `folds` other than the tutorial's give a shorter run of the
    same procedure (no longer the published table). `callback(fold, epoch)`
    runs after each epoch, both counted from 0.
    """
    check_count("cross_validation: epochs", epochs, 1)
    check_count("cross_validation: folds", folds, 2)
    rng = random.Random(SEED)  # the tutorial's random.seed(1), without touching the module-level generator
    features, labels = load_seeds()
    rows = minmax_scale(features)
    classes = [TUTORIAL_INDEX[label] for label in labels]
    count = len(set(classes))
    split = tutorial_folds(len(rows), folds, rng)
    results = []
    for number, test in enumerate(split):
        train = [i for other, fold in enumerate(split) if other != number for i in fold]
        model = tutorial_network(len(rows[0]), HIDDEN, count, rng)
        train_online(
            model,
            [rows[i] for i in train],
            [classes[i] for i in train],
            count,
            lr=LEARNING_RATE,
            epochs=epochs,
            callback=None if callback is None else (lambda epoch, number=number: callback(number, epoch)),
        )
        with no_grad():
            predicted = [predicted_class(model, rows[i]) for i in test]
        actual = [classes[i] for i in test]
        correct = sum(p == a for p, a in zip(predicted, actual))
        results.append(Fold(correct / len(test) * 100.0, [rows[i] for i in test], actual, predicted, model))
    return results


def reproduce(*, epochs=EPOCHS, folds=FOLDS, callback=None):
    """The tutorial's fold accuracies in percent, one per fold: with the defaults, the published table."""
    return [fold.accuracy for fold in cross_validation(epochs=epochs, folds=folds, callback=callback)]


def table(scores, published=PUBLISHED):
    """Text lines: each fold's accuracy beside the published one, then the means."""
    lines = [f"{'fold':>4}  {'tracegrad':>9}  {'published':>9}"]
    for number, score in enumerate(scores):
        theirs = f"{published[number]:9.3f}" if number < len(published) else f"{'-':>9}"
        mark = "  same" if number < len(published) and round(score, 3) == published[number] else ""
        lines.append(f"{number + 1:>4}  {score:9.3f}  {theirs}{mark}")
    mean = sum(scores) / len(scores)
    lines.append(
        f"{'mean':>4}  {mean:9.3f}  {PUBLISHED_MEAN:9.3f}" + ("  same" if round(mean, 3) == PUBLISHED_MEAN else "")
    )
    return lines
