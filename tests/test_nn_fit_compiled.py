"""`fit` through `autograd.jit` trains exactly as the eager loop: the same losses and weights, bit for bit."""

import random

import pytest

from autograd import Value, jit
from nn import MLP, SGD, Adam, fit, two_moons
from nn import worked_example as example
from nn.losses import squared_error


def train(compiled, *, loss="hinge", l2=0.0, batch_size=None, activation="relu", optimizer="sgd", epochs=8):
    points, labels = two_moons(60, noise=0.1, rng=random.Random(0))
    output = "linear"
    sizes = [8, 8, 1]
    if loss == "cross_entropy":
        labels, sizes = [0 if t < 0 else 1 for t in labels], [8, 8, 2]
    elif loss == "binary_cross_entropy":
        labels, output = [0 if t < 0 else 1 for t in labels], "sigmoid"
    model = MLP(2, sizes, activation, output, rng=random.Random(1337))
    parameters = model.parameters()
    step = SGD(parameters, 0.1, momentum=0.5) if optimizer == "sgd" else Adam(parameters, 0.01)
    history = fit(
        model, points, labels, loss=loss, optimizer=step, epochs=epochs, l2=l2,
        batch_size=batch_size, rng=random.Random(5), compiled=compiled,
    )  # fmt: skip
    return [(r.loss, r.accuracy) for r in history], [p.data for p in model.parameters()]


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"loss": "binary_cross_entropy"},
        {"loss": "mse"},
        {"loss": "cross_entropy"},
        {"batch_size": 16},
        {"activation": "tanh", "optimizer": "adam"},
    ],
    ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()) or "hinge",
)
def test_compiled_fit_is_the_eager_fit_bit_for_bit(settings):
    assert train(True, **settings) == train(False, **settings)


def test_with_an_l2_penalty_it_agrees_to_rounding():
    (eager_history, eager_weights), (history, weights) = train(False, l2=1e-3), train(True, l2=1e-3)
    assert [a for _, a in history] == [a for _, a in eager_history]
    assert [h for h, _ in history] == pytest.approx([h for h, _ in eager_history], rel=1e-12)
    assert weights == pytest.approx(eager_weights, rel=1e-12, abs=1e-15)


def test_the_numpy_back_end_agrees_to_rounding():
    (eager_history, eager_weights), (history, weights) = train(False), train("numpy")
    assert [h for h, _ in history] == pytest.approx([h for h, _ in eager_history], rel=1e-10)
    assert weights == pytest.approx(eager_weights, rel=1e-9, abs=1e-12)


def test_compiled_must_be_a_known_mode():
    with pytest.raises(ValueError, match="compiled"):
        train("fast")


def test_the_worked_example_compiled_for_10000_steps_gives_the_published_digits():
    model = example.network()
    params = {p.label: p for p in model.parameters()}
    optimizer = SGD([params[f"w{k}"] for k in range(1, 9)], example.LEARNING_RATE)
    inputs = [Value(example.INPUTS["i1"], "i1"), Value(example.INPUTS["i2"], "i2")]
    targets = [example.TARGETS["o1"], example.TARGETS["o2"]]
    error = jit(lambda: squared_error(model(inputs), targets))
    history = []
    for _ in range(10_000):
        optimizer.zero_grad()
        value, _ = error.value_and_grad()
        history.append(value)
        optimizer.step()
    eager = example.train(10_000)
    assert history == eager.history
    assert {name: params[name].data for name in example.INITIAL_WEIGHTS} == eager.weights
    assert error() == eager.error == pytest.approx(3.5101878e-05, rel=1e-7)  # the figure the README quotes
    assert error.traces == 1
