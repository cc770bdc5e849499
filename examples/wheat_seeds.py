"""The wheat-seeds backpropagation tutorial, written with tracegrad: its cross-validation table to the digit.

Jason Brownlee's "How to Code a Neural Network with Backpropagation In Python
(from scratch)" trains a 7-5-3 sigmoid network on the UCI wheat seeds and
publishes the accuracy of 5 cross-validation folds: 92.857, 92.857, 97.619,
92.857, 90.476 (mean 93.333%). This is its procedure, step by step, with
tracegrad's Layer, squared_error and SGD doing the backpropagation:

    .venv/bin/python examples/wheat_seeds.py            # about 1.5 to 4 minutes on one core
    .venv/bin/python examples/wheat_seeds.py --epochs 5 # a quick run of the same steps (not the table)

`tracegrad train seeds --reproduce-tutorial` runs the same procedure (from
`nn.wheat_seeds`) with a progress bar. Uses only the public API.
"""

import argparse
import random
import time

from nn import SGD, Layer, Sequential, load_seeds, minmax_scale, squared_error

PUBLISHED = [92.857, 92.857, 97.619, 92.857, 90.476]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=500, help="epochs per fold (the tutorial's: 500)")
    args = parser.parse_args()

    random.seed(1)  # 1. the tutorial's seed; every draw below comes from the module-level generator
    features, labels = load_seeds()
    # 2. The tutorial numbered the classes by iterating a set of the label strings: '1', '2', '3' -> 1, 2, 0.
    #    load_seeds gives '1', '2', '3' as 0, 1, 2.
    classes = [(1, 2, 0)[label] for label in labels]
    rows = minmax_scale(features)  # 3. min-max over the whole set

    # 4. 5 folds of 42 rows, each drawn with randrange from what is left of a copy of the rows.
    remaining = list(range(len(rows)))
    folds = []
    for _ in range(5):
        fold = []
        while len(fold) < len(rows) // 5:
            fold.append(remaining.pop(random.randrange(len(remaining))))
        folds.append(fold)

    scores = []
    started = time.perf_counter()
    for number, test in enumerate(folds):
        train = [i for other, fold in enumerate(folds) if other != number for i in fold]
        # 5. A fresh 7-5-3 network: per neuron, its weights and then its bias from random(), hidden layer first.
        layers = []
        for nin, nout in ((7, 5), (5, 3)):
            drawn = [[random.random() for _ in range(nin + 1)] for _ in range(nout)]
            weights = [row[:-1] for row in drawn]
            biases = [row[-1] for row in drawn]
            layers.append(Layer(nin, nout, "sigmoid", weights=weights, biases=biases))
        model = Sequential(layers)
        # 6. Online gradient descent on 1/2 sum (t - o)^2, one-hot targets, lr 0.3, the training rows in order.
        optimizer = SGD(model.parameters(), lr=0.3)
        for _ in range(args.epochs):
            for i in train:
                target = [1.0 if k == classes[i] else 0.0 for k in range(3)]
                loss = squared_error(model(rows[i]), target)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        # 7. The prediction is the largest output.
        correct = 0
        for i in test:
            outputs = [o.data for o in model(rows[i])]
            correct += max(range(3), key=outputs.__getitem__) == classes[i]
        scores.append(correct / len(test) * 100.0)
        print(f"fold {number + 1}: {scores[-1]:.3f}%  ({time.perf_counter() - started:.0f} s)", flush=True)

    print()
    print(f"{'fold':>4}  {'tracegrad':>9}  {'published':>9}")
    for number, score in enumerate(scores):
        print(f"{number + 1:>4}  {score:9.3f}  {PUBLISHED[number]:9.3f}")
    mean = sum(scores) / len(scores)
    print(f"{'mean':>4}  {mean:9.3f}  {sum(PUBLISHED) / 5:9.3f}")
    if args.epochs == 500:
        same = [round(score, 3) for score in scores] == PUBLISHED
        print("the published table, to the digit" if same else "NOT the published table")


if __name__ == "__main__":
    main()
