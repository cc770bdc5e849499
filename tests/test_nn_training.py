"""fit and evaluate: hand-computed epochs, reports, stopping, and micrograd's two-moons demo."""

import math
import random

import pytest

from autograd import Value
from nn import MLP, SGD, Adam, ArgumentError, EpochReport, Layer, Module, Neuron, evaluate, fit, two_moons, xor
from nn.training import predict, targets_for


def accuracy_by_hand(model, points, labels):
    """Fraction of points whose score has the sign of the label (the oracle, independent of nn.training)."""
    right = sum((model(x)[0].data > 0.0) == (y > 0) for x, y in zip(points, labels))
    return right / len(points)


def test_micrograd_two_moons_demo_reaches_full_training_accuracy():
    """2-16-16-1 ReLU MLP, hinge loss + 1e-4 L2, SGD with lr 1.0 - 0.9 k/100, as micrograd's demo.

    Stops as soon as every training point is classified right; micrograd's demo
    runs 100 steps, so 100 is the bound.
    """
    points, labels = two_moons(100, noise=0.1, rng=random.Random(4))
    model = MLP(2, [16, 16, 1], "relu", "linear", rng=random.Random(4))
    optimizer = SGD(model.parameters(), lr=1.0)
    history = fit(
        model,
        points,
        labels,
        loss="hinge",
        optimizer=optimizer,
        epochs=100,
        l2=1e-4,
        schedule=lambda k: 1.0 - 0.9 * k / 100,
        callback=lambda report: accuracy_by_hand(model, points, labels) == 1.0,
    )
    assert len(history) < 100
    assert accuracy_by_hand(model, points, labels) == 1.0
    assert evaluate(model, points, labels, loss="hinge")[1] == 1.0
    assert history[-1].loss < history[0].loss / 5
    assert [report.learning_rate for report in history[:3]] == [1.0, 1.0 - 0.009, 1.0 - 0.018]


def test_one_full_batch_epoch_by_hand():
    """A linear neuron w x + b, mse, L2: one SGD step against the derivative written out."""
    model = Layer(1, 1, "linear", weights=[[0.5]], biases=[0.25])
    xs, ys = [[1.0], [2.0], [-1.0]], [1.0, 3.0, 0.0]
    optimizer = SGD(model.parameters(), lr=0.1)
    (report,) = fit(model, xs, ys, loss="mse", optimizer=optimizer, epochs=1, l2=0.01)
    w, b = 0.5, 0.25
    residuals = [w * x[0] + b - y for x, y in zip(xs, ys)]
    data_loss = sum(r * r for r in residuals) / 3
    assert report.loss == pytest.approx(data_loss + 0.01 * (w * w + b * b), rel=1e-14)
    assert report.accuracy is None and report.epoch == 0 and report.epochs == 1
    grad_w = sum(2 * r * x[0] for r, x in zip(residuals, xs)) / 3 + 2 * 0.01 * w
    grad_b = sum(2 * r for r in residuals) / 3 + 2 * 0.01 * b
    new_w, new_b = (p.data for p in model.parameters())
    assert new_w == pytest.approx(w - 0.1 * grad_w, rel=1e-14)
    assert new_b == pytest.approx(b - 0.1 * grad_b, rel=1e-14)


def test_minibatches_take_one_step_per_batch_and_are_reproducible():
    class CountingSGD(SGD):
        steps = 0

        def step(self):
            CountingSGD.steps += 1
            super().step()

    points, labels = xor(10, rng=random.Random(0))
    states = []
    for _ in range(2):
        model = MLP(2, [4, 1], rng=random.Random(1))
        CountingSGD.steps = 0
        fit(
            model,
            points,
            labels,
            loss="hinge",
            optimizer=CountingSGD(model.parameters(), lr=0.1),
            epochs=3,
            batch_size=4,
            rng=random.Random(2),
        )
        assert CountingSGD.steps == 3 * 3  # batches of 4, 4 and 2
        states.append(model.state_dict())
    assert states[0] == states[1]


def test_callback_gets_every_epoch_and_can_stop():
    points, labels = xor(8, rng=random.Random(0))
    model = MLP(2, [4, 1], rng=random.Random(0))
    seen = []
    history = fit(
        model,
        points,
        labels,
        loss="hinge",
        optimizer=SGD(model.parameters(), lr=0.05),
        epochs=10,
        callback=lambda report: seen.append(report) or report.epoch == 3,
    )
    assert [report.epoch for report in seen] == [0, 1, 2, 3]
    assert history == seen
    assert all(isinstance(report, EpochReport) and report.epochs == 10 for report in seen)
    assert all(0.0 <= report.accuracy <= 1.0 and math.isfinite(report.loss) for report in seen)
    assert fit(model, points, labels, loss="hinge", optimizer=SGD(model.parameters(), lr=0.05), epochs=0) == []


def test_adam_learns_xor():
    points, labels = xor(4, noise=0.0, rng=random.Random(0))
    model = MLP(2, [8, 1], "tanh", rng=random.Random(3))
    optimizer = Adam(model.parameters(), lr=0.05)
    fit(model, points, labels, loss="hinge", optimizer=optimizer, epochs=300, callback=lambda r: r.loss == 0.0)
    assert accuracy_by_hand(model, points, labels) == 1.0


def test_binary_cross_entropy_and_cross_entropy_accuracy():
    # A sigmoid neuron on x: p > 0.5 exactly when x > 0.
    neuron = Layer(1, 1, "sigmoid", weights=[[1.0]], biases=[0.0])
    loss, accuracy = evaluate(neuron, [[2.0], [-1.0], [0.5], [-3.0]], [1, 0, 0, 0], loss="binary_cross_entropy")
    assert accuracy == 0.75
    probs = [1 / (1 + math.exp(-x)) for x in (2.0, -1.0, 0.5, -3.0)]
    expected = -(math.log(probs[0]) + math.log(1 - probs[1]) + math.log(1 - probs[2]) + math.log(1 - probs[3])) / 4
    assert loss == pytest.approx(expected, rel=1e-14)
    # Three logits equal to the inputs: the class is the index of the largest input.
    identity = Layer(3, 3, "linear", weights=[[1, 0, 0], [0, 1, 0], [0, 0, 1]], biases=[0, 0, 0])
    points = [[3.0, 1.0, 2.0], [0.0, 5.0, 1.0], [1.0, 2.0, 3.0]]
    loss, accuracy = evaluate(identity, points, [0, 1, 0], loss="cross_entropy")
    assert accuracy == pytest.approx(2 / 3)
    by_hand = [math.log(sum(math.exp(z) for z in p)) - p[t] for p, t in zip(points, [0, 1, 0])]
    assert loss == pytest.approx(sum(by_hand) / 3, rel=1e-14)


def test_predict_reads_outputs_by_loss():
    outputs = Layer(1, 3, "linear", weights=[[1.0], [-1.0], [2.0]], biases=[0, 0, 0])([1.0])
    assert predict("cross_entropy", outputs) == 2
    assert predict("hinge", outputs[:1]) == 1 and predict("hinge", outputs[1:2]) == -1
    assert predict("binary_cross_entropy", outputs[:1]) == 1
    with pytest.raises(ValueError, match="regression"):
        predict("mse", outputs)


def test_a_multi_output_model_with_hinge_is_refused():
    model = MLP(2, [3, 2], rng=random.Random(0))
    with pytest.raises(ValueError, match="exactly 1 output"):
        fit(model, [[0.0, 1.0]], [1], loss="hinge", optimizer=SGD(model.parameters(), lr=0.1), epochs=1)


def _fit_arguments(change):
    """A small model and good arguments for `fit`, with `change` applied: (model, inputs, labels, keywords)."""
    model = MLP(2, [3, 1], rng=random.Random(0))
    arguments = {
        "inputs": [[0.0, 1.0], [1.0, 0.0]],
        "labels": [1, -1],
        "loss": "hinge",
        "optimizer": SGD(model.parameters(), lr=0.1),
        "epochs": 1,
    }
    arguments.update(change)
    return model, arguments.pop("inputs"), arguments.pop("labels"), arguments


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"loss": "softmax"}, "loss must be one of"),
        ({"epochs": -1}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"l2": -1e-4}, "l2"),
        ({"labels": [1]}, "one label per input"),
        ({"inputs": [], "labels": []}, "at least one"),
        ({"l2": 10**400}, "l2"),
        ({"l2": math.nan}, "l2"),
        ({"schedule": lambda epoch: -0.1}, r"schedule\(0\)"),
        ({"schedule": lambda epoch: math.nan}, r"schedule\(0\)"),
        ({"optimizer": SGD([Value(1.0)], lr=0.1)}, "none of the model's parameters"),
    ],
)
def test_fit_checks_its_arguments(change, message):
    model, inputs, labels, arguments = _fit_arguments(change)
    with pytest.raises(ArgumentError, match=message):
        fit(model, inputs, labels, **arguments)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"epochs": 2.0}, "epochs must be an int >= 0, got float"),
        ({"batch_size": 2.0}, "batch_size must be an int >= 1, got float"),
        ({"callback": "print"}, "callback must be callable"),
        ({"schedule": 0.1}, "schedule must be callable"),
        ({"inputs": "ab", "labels": [1, -1]}, "inputs must be a list, got str"),
        ({"labels": 1}, "labels must be a list, got int"),
        ({"schedule": lambda epoch: "0.1"}, r"schedule\(0\) must be a finite number >= 0, got str"),
        ({"loss": None}, "loss must be one of .* got NoneType"),
        ({"l2": "0.1"}, "l2 must be a finite number >= 0, got str"),
        ({"batch_size": 1, "rng": 3}, r"rng must be a random\.Random"),
    ],
)
def test_fit_refuses_wrong_kinds_of_argument_with_type_error(change, message):
    model, inputs, labels, arguments = _fit_arguments(change)
    with pytest.raises(TypeError, match=message):
        fit(model, inputs, labels, **arguments)


def test_fit_needs_a_model():
    with pytest.raises(TypeError, match="Module"):
        fit(lambda x: x, [[0.0]], [1], loss="hinge", optimizer=None, epochs=1)


def test_fit_needs_an_optimizer():
    model = MLP(2, [3, 1], rng=random.Random(0))
    for optimizer in (None, "sgd", lambda: None):
        with pytest.raises(TypeError, match=r"optimizer must have step\(\) and zero_grad\(\)"):
            fit(model, [[0.0, 1.0]], [1], loss="hinge", optimizer=optimizer, epochs=1)


def test_a_bad_schedule_changes_no_parameter():
    model = MLP(2, [3, 1], rng=random.Random(0))
    before = model.state_dict()
    optimizer = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="schedule"):
        fit(model, [[0.0, 1.0]], [1], loss="hinge", optimizer=optimizer, epochs=2, schedule=lambda epoch: -1.0)
    assert model.state_dict() == before


def test_fit_trains_a_neuron_whose_call_returns_a_value():
    """A linear neuron w x + b with hinge loss: one full-batch SGD step against the derivative by hand."""
    neuron = Neuron(1, "linear", weights=[0.5], bias=0.25)
    xs, ys = [[1.0], [-2.0]], [1, 1]
    (report,) = fit(neuron, xs, ys, loss="hinge", optimizer=SGD(neuron.parameters(), lr=0.1), epochs=1)
    # Scores 0.75 and -0.75: both margins violated, hinge terms 0.25 and 1.75.
    assert report.loss == pytest.approx(1.0, rel=1e-15)
    assert report.accuracy == 0.5
    # d/dw = mean(-y x) = (-1 + 2) / 2 = 0.5 and d/db = mean(-y) = -1.
    assert neuron.weights[0].data == pytest.approx(0.5 - 0.1 * 0.5, rel=1e-15)
    assert neuron.bias.data == pytest.approx(0.25 + 0.1 * 1.0, rel=1e-15)
    loss, accuracy = evaluate(neuron, xs, ys, loss="hinge")
    scores = [0.45 * 1.0 + 0.35, 0.45 * -2.0 + 0.35]
    assert loss == pytest.approx(sum(max(0.0, 1.0 - s) for s in scores) / 2, rel=1e-14)
    assert accuracy == 0.5


def test_fit_takes_any_module_returning_a_value_or_a_list_of_values():
    class Scale(Module):
        """y = a x, returning a tuple, for mse."""

        def __init__(self):
            self.a = Value(1.0)

        def __call__(self, x):
            return (self.a * x[0],)

    model = Scale()
    (report,) = fit(model, [[1.0], [2.0]], [2.0, 4.0], loss="mse", optimizer=SGD(model.parameters(), lr=0.1), epochs=1)
    # mse = ((1 - 2)^2 + (2 - 4)^2) / 2 = 2.5; d/da = (2 (1 - 2) 1 + 2 (2 - 4) 2) / 2 = -5.
    assert report.loss == 2.5
    assert model.a.data == pytest.approx(1.5, rel=1e-15)


@pytest.mark.parametrize("returned", ["a", 1.0, [], [1.0], None])
def test_a_model_returning_something_else_is_a_clear_error(returned):
    class Odd(Module):
        def __init__(self):
            self.w = Value(1.0)

        def __call__(self, x):
            return returned

    model = Odd()
    with pytest.raises(
        TypeError, match=r"fit: the model must return a Value or a non-empty list of Values.*inputs\[0\]"
    ):
        fit(model, [[1.0]], [1], loss="hinge", optimizer=SGD(model.parameters(), lr=0.1), epochs=1)
    with pytest.raises(TypeError, match=r"evaluate: the model must return"):
        evaluate(model, [[1.0]], [1], loss="hinge")


def test_evaluate_needs_a_model():
    with pytest.raises(TypeError, match="evaluate: model must be a callable nn Module"):
        evaluate(None, [[0.0]], [1], loss="hinge")


def test_targets_for_reads_the_classes_as_each_loss_wants_them():
    labels = ["b", "a", "b", "a"]
    assert targets_for("cross_entropy", [2, 0, 1, 2]) == [2, 0, 1, 2]
    assert targets_for("binary_cross_entropy", labels) == [1, 0, 1, 0]
    assert targets_for("hinge", labels) == [1, -1, 1, -1]
    assert targets_for("mse", [-1, 1, 1]) == [-1, 1, 1]
    with pytest.raises(ArgumentError, match="exactly two classes, got 3; use cross_entropy"):
        targets_for("hinge", [0, 1, 2])
    with pytest.raises(ArgumentError, match="loss must be one of"):
        targets_for("l1", labels)
