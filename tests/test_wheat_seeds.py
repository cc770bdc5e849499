"""The wheat-seeds tutorial's table: the procedure against a hand-written float version, and the published folds."""

import math
import random

import pytest

import nn
from nn import wheat_seeds


def tutorial_in_floats(epochs, folds=5):
    """The tutorial's procedure written out with floats, as it reads: the oracle for nn.wheat_seeds."""
    rng = random.Random(1)
    features, labels = nn.load_seeds()
    bounds = [(min(column), max(column)) for column in zip(*features)]
    rows = [
        [(x - lo) / (hi - lo) for x, (lo, hi) in zip(row, bounds)] + [(1, 2, 0)[label]]
        for row, label in zip(features, labels)
    ]
    remaining = list(rows)
    split = []
    for _ in range(folds):
        fold = []
        while len(fold) < len(rows) // folds:
            fold.append(remaining.pop(rng.randrange(len(remaining))))
        split.append(fold)
    scores = []
    for fold in split:
        train = [row for other in split if other is not fold for row in other]
        network = [
            [[rng.random() for _ in range(8)] for _ in range(5)],
            [[rng.random() for _ in range(6)] for _ in range(3)],
        ]

        def forward(row, network=network):
            outputs = [row[:7]]
            for layer in network:
                inputs = outputs[-1]
                outputs.append(
                    [1.0 / (1.0 + math.exp(-(w[-1] + sum(wi * xi for wi, xi in zip(w, inputs))))) for w in layer]
                )
            return outputs

        for _ in range(epochs):
            for row in train:
                inputs, hidden, out = forward(row)
                target = [1.0 if k == row[-1] else 0.0 for k in range(3)]
                delta_out = [(o - t) * o * (1 - o) for o, t in zip(out, target)]
                delta_hidden = [
                    sum(network[1][k][j] * delta_out[k] for k in range(3)) * h * (1 - h) for j, h in enumerate(hidden)
                ]
                for layer, deltas, x in ((network[0], delta_hidden, inputs), (network[1], delta_out, hidden)):
                    for w, d in zip(layer, deltas):
                        for j in range(len(x)):
                            w[j] -= 0.3 * d * x[j]
                        w[-1] -= 0.3 * d
        correct = sum(max(range(3), key=forward(row)[-1].__getitem__) == row[-1] for row in fold)
        scores.append(correct / len(fold) * 100.0)
    return scores


def test_the_procedure_is_the_tutorials_step_by_step():
    assert wheat_seeds.reproduce(epochs=3) == tutorial_in_floats(3)


def test_folds_draw_rows_from_a_shrinking_copy():
    split = wheat_seeds.tutorial_folds(210, 5, random.Random(1))
    assert [len(fold) for fold in split] == [42] * 5
    assert sorted(i for fold in split for i in fold) == list(range(210))
    rng = random.Random(1)
    assert split[0][:2] == [rng.randrange(210), sorted(set(range(210)) - {split[0][0]})[rng.randrange(209)]]


def test_network_draws_weights_then_bias_neuron_by_neuron():
    model = wheat_seeds.tutorial_network(7, 5, 3, random.Random(1))
    rng = random.Random(1)
    first = [rng.random() for _ in range(8)]
    hidden = model.layers[0].neurons[0]
    assert [w.data for w in hidden.weights] == first[:7] and hidden.bias.data == first[7]
    assert len(model.parameters()) == 5 * 8 + 3 * 6


def test_table_shows_each_fold_beside_the_published_one():
    lines = wheat_seeds.table(list(wheat_seeds.PUBLISHED))
    assert lines[1].split() == ["1", "92.857", "92.857", "same"]
    assert lines[-1].split() == ["mean", "93.333", "93.333", "same"]
    assert "same" not in wheat_seeds.table([50.0] * 5)[1]


@pytest.mark.slow
def test_the_published_table_to_the_digit():
    scores = wheat_seeds.reproduce()
    assert [round(score, 3) for score in scores] == list(wheat_seeds.PUBLISHED)
    assert [round(score * 42 / 100) for score in scores] == [39, 39, 41, 39, 38]
    assert round(sum(scores) / 5, 3) == wheat_seeds.PUBLISHED_MEAN


def test_the_example_runs_the_same_procedure(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    example = Path(__file__).resolve().parent.parent / "examples" / "wheat_seeds.py"
    finished = subprocess.run(
        [sys.executable, str(example), "--epochs", "3"], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert finished.returncode == 0, finished.stderr
    expected = [f"{score:.3f}%" for score in wheat_seeds.reproduce(epochs=3)]
    assert [
        line.split()[2] for line in finished.stdout.splitlines() if line.startswith("fold ") and ":" in line
    ] == expected
    assert "published" in finished.stdout
