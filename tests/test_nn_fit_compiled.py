"""`fit` through `autograd.jit` trains exactly as the eager loop: the same losses and weights, bit for bit."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn.compiled
import nn.compiled_fit
from autograd import Value, jit
from nn import MLP, SGD, Adam, fit, load_iris, two_moons
from nn import worked_example as example
from nn.checks import ArgumentError
from nn.losses import cross_entropy, one_hot_cross_entropy, squared_error


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


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("batch_size", [None, 16])
def test_with_an_l2_penalty_it_is_the_eager_fit_bit_for_bit(optimizer, batch_size):
    settings = {"l2": 1e-3, "optimizer": optimizer, "batch_size": batch_size}
    assert train(True, **settings) == train(False, **settings)


class Plain(SGD):
    """An optimizer fit cannot compile (its step is its own): the replayed batch, then this step()."""

    def step(self):
        super().step()


def test_another_optimizer_steps_eagerly_after_each_replayed_batch_bit_for_bit():
    points, labels = two_moons(40, noise=0.1, rng=random.Random(0))
    runs = []
    for compiled in (True, False):
        model = MLP(2, [6, 1], "relu", rng=random.Random(3))
        history = fit(model, points, labels, loss="hinge", optimizer=Plain(model.parameters(), 0.1), epochs=4,
                      l2=1e-3, compiled=compiled)  # fmt: skip
        runs.append(([r.loss for r in history], [p.data for p in model.parameters()]))
    assert runs[0] == runs[1]


def test_the_callback_sees_the_model_of_each_epoch_and_an_interrupted_fit_keeps_the_last_finished_step():
    points, labels = two_moons(40, noise=0.1, rng=random.Random(0))
    seen = {}
    for compiled in (True, False):
        model = MLP(2, [6, 1], "relu", rng=random.Random(3))
        optimizer = Adam(model.parameters(), 0.01)
        seen[compiled] = []

        def callback(report, model=model, optimizer=optimizer, record=seen[compiled]):
            record.append(([p.data for p in model.parameters()], list(optimizer.first_moment), optimizer.steps))
            if report.epoch == 1:
                model.parameters()[0].data = 0.25  # changed by the callback: the next epoch starts from it
            if report.epoch == 3:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            fit(model, points, labels, loss="hinge", optimizer=optimizer, epochs=10, batch_size=8,
                rng=random.Random(2), callback=callback, compiled=compiled)  # fmt: skip
        seen[compiled].append([p.data for p in model.parameters()])
    assert seen[True] == seen[False]
    assert len(seen[True]) == 5


@pytest.mark.parametrize("settings", [{}, {"loss": "cross_entropy", "l2": 1e-3}, {"batch_size": 16, "l2": 1e-3}])
def test_the_numpy_back_end_agrees_to_rounding(settings):
    (eager_history, eager_weights), (history, weights) = train(False, **settings), train("numpy", **settings)
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


def bits(numbers):
    """Numbers as their exact bits (so -0.0 and 0.0 differ, and NaN equals itself)."""
    return [float(x).hex() for x in numbers]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(-800.0, 800.0), min_size=1, max_size=12),
    st.data(),
    st.sampled_from([1.0, 1 / 32, 0.37, 3.0, -1.0, -0.25]),
)
def test_cross_entropy_with_the_class_as_data_is_cross_entropy_bit_for_bit(logits, data, seed):
    """The compiled step's form (the picked logit a weighted sum with a one-hot): value and gradients, bit for bit."""
    target = data.draw(st.integers(0, len(logits) - 1))
    if data.draw(st.booleans()):
        logits = [logits[0]] * len(logits)  # ties: the maximum splits its gradient
    eager = [Value(z) for z in logits]
    one_hot = [Value(z) for z in logits]
    a = cross_entropy(eager, target)
    b = one_hot_cross_entropy(one_hot, [Value(float(j == target)) for j in range(len(logits))])
    a.backward(seed)
    b.backward(seed)
    assert bits([a.data, *(z.grad for z in eager)]) == bits([b.data, *(z.grad for z in one_hot)])


def spy_on_jit(monkeypatch):
    """The CompiledFunctions fit's compiled step (nn.compiled_fit) makes, in a list."""
    made = []

    def recording(fn, **options):
        made.append(jit(fn, **options))
        return made[-1]

    monkeypatch.setattr(nn.compiled_fit, "jit", recording)
    return made


def train_classes(compiled, *, optimizer="adam", l2=0.0, epochs=3):
    """A 4-32-3 tanh network on iris in batches of 16 (three classes): losses, accuracies, weights.

    Its 259 parameters are past nn.compiled.LOOP_FROM: the update runs as a loop.
    """
    points, labels = load_iris()
    model = MLP(4, [32, 3], "tanh", "linear", rng=random.Random(7))
    assert len(model.parameters()) >= nn.compiled.LOOP_FROM
    parameters = model.parameters()
    step = SGD(parameters, 0.05, momentum=0.9) if optimizer == "sgd" else Adam(parameters, 0.01)
    history = fit(model, points, labels, loss="cross_entropy", optimizer=step, epochs=epochs, batch_size=16,
                  l2=l2, rng=random.Random(3), compiled=compiled)  # fmt: skip
    return bits(x for r in history for x in (r.loss, r.accuracy)), bits(p.data for p in parameters)


@pytest.mark.parametrize("settings", [{}, {"optimizer": "sgd", "l2": 1e-3}], ids=["adam", "sgd-l2"])
def test_one_trace_trains_every_class_of_iris_bit_for_bit_with_eager(monkeypatch, settings):
    made = spy_on_jit(monkeypatch)
    compiled = train_classes(True, **settings)
    assert compiled == train_classes(False, **settings)
    (function,) = made
    assert function.traces == 1 and function.eager_calls == 0  # three classes, one program


def test_a_class_out_of_range_raises_the_eager_loss_error_where_eager_fit_does():
    """The batches before the bad label train; its batch raises cross_entropy's error before updating anything."""
    points, labels = load_iris()
    left = {}
    for compiled in (True, "numpy", False):
        model = MLP(4, [5, 3], "tanh", "linear", rng=random.Random(7))
        optimizer = Adam(model.parameters(), 0.01)
        with pytest.raises(ArgumentError, match=r"target_index must be in 0\.\.2 for 3 logits, got 3"):
            fit(model, points, [*labels[:100], 3, *labels[101:]], loss="cross_entropy", optimizer=optimizer,
                epochs=1, batch_size=32, rng=random.Random(3), compiled=compiled)  # fmt: skip
        left[compiled] = optimizer.steps, [p.data for p in model.parameters()]
        with pytest.raises(TypeError, match="target_index must be an int"):
            fit(model, points, [*labels[:-1], 1.0], loss="cross_entropy", optimizer=optimizer, epochs=1,
                compiled=compiled)  # fmt: skip
        assert left[compiled] == (optimizer.steps, [p.data for p in model.parameters()])
    assert left[True] == left[False]
    assert left["numpy"][0] == left[False][0] > 0
    assert left["numpy"][1] == pytest.approx(left[False][1], rel=1e-9)


def test_the_numpy_back_end_replays_a_batch_of_every_class_at_once(monkeypatch):
    pytest.importorskip("numpy")
    made = spy_on_jit(monkeypatch)
    (eager_history, eager_weights) = train_classes(False)
    (history, weights) = train_classes("numpy")
    assert [float.fromhex(h) for h in history] == pytest.approx([float.fromhex(h) for h in eager_history], rel=1e-10)
    assert [float.fromhex(w) for w in weights] == pytest.approx([float.fromhex(w) for w in eager_weights], rel=1e-9)
    (function,) = made
    assert function.traces == 1


def regression(targets_as, compiled, optimizer="adam"):
    """mse on continuous targets (each one distinct), in batches of 20: losses and weights as bits."""
    rng = random.Random(0)
    points = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(100)]
    targets = [targets_as(x[0] * x[1] + 0.1 * rng.random(), x[0] - x[1]) for x in points]
    outputs = 1 if not isinstance(targets[0], list) else 2
    model = MLP(2, [8, outputs], "tanh", rng=random.Random(1))
    parameters = model.parameters()
    step = SGD(parameters, 0.1, momentum=0.5) if optimizer == "sgd" else Adam(parameters, 0.01)
    history = fit(model, points, targets, loss="mse", optimizer=step, epochs=3, batch_size=20,
                  rng=random.Random(2), l2=1e-4, compiled=compiled)  # fmt: skip
    return bits(r.loss for r in history), bits(p.data for p in parameters)


@pytest.mark.parametrize("targets_as", [lambda a, b: a, lambda a, b: [a, b]], ids=["number", "list"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_continuous_mse_targets_are_data_one_trace_bit_for_bit_with_eager(monkeypatch, targets_as, optimizer):
    made = spy_on_jit(monkeypatch)
    assert regression(targets_as, True, optimizer) == regression(targets_as, False, optimizer)
    (function,) = made
    assert function.traces == 1  # a hundred distinct targets, one program


def test_a_bad_mse_target_raises_the_eager_loss_error_and_a_value_target_trains_eagerly():
    points = [[0.1 * k, -0.05 * k] for k in range(10)]
    for compiled in (True, False):
        model = MLP(2, [3, 1], "tanh", rng=random.Random(1))
        with pytest.raises(TypeError, match=r"mse: targets\[3\] must be a number, got str"):
            fit(model, points, [0.5, 0.1, 0.2, "x", *[0.0] * 6], loss="mse", optimizer=SGD(model.parameters(), 0.1),
                epochs=1, compiled=compiled)  # fmt: skip
    runs = []
    points = [[0.1 * k, -0.05 * k] for k in range(40)]
    for compiled in (True, False):
        model = MLP(2, [3, 1], "tanh", rng=random.Random(1))
        # One Value target (it may be trained): the compiled step trains up to its batch, then fit goes on eagerly.
        targets = [Value(0.3) if k == 37 else 0.01 * k for k in range(40)]
        history = fit(model, points, targets, loss="mse", optimizer=SGD(model.parameters(), 0.1), epochs=3,
                      batch_size=5, rng=random.Random(4), compiled=compiled)  # fmt: skip
        runs.append((bits(r.loss for r in history), bits(p.data for p in model.parameters())))
    assert runs[0] == runs[1]
