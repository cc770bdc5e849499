"""`nn.TrainStep`: forward, backward and update compiled into one program, with the eager step's numbers.

The oracle is the eager step itself, written out as a user writes it:
`objective = fn(...) + l2 * weighted_sum(params, params)`, `zero_grad()`,
`backward()`, `optimizer.step()`. The python back end must give its losses,
weights, gradients and optimizer state bit for bit (compared with `==`); the
numpy back end to 1e-12 relative.
"""

import math
import random

import pytest

import nn.compiled
from autograd import DomainError, Value, total, weighted_sum
from nn import MLP, SGD, Adam, ArgumentError, TrainStep, hinge, two_moons
from nn import worked_example as example
from nn.losses import squared_error


@pytest.fixture(autouse=True, params=["generated", "loop"])
def update_form(request, monkeypatch):
    """Every test twice: the update generated line by line (small models) and as a loop (from LOOP_FROM parameters)."""
    monkeypatch.setattr(nn.compiled, "LOOP_FROM", 10**9 if request.param == "generated" else 0)
    return request.param


OPTIMIZERS = {
    "sgd": lambda params: SGD(params, 0.1),
    "momentum": lambda params: SGD(params, 0.05, momentum=0.9),
    "adam": lambda params: Adam(params, 0.01),
}


def moons(count=40):
    return two_moons(count, noise=0.1, rng=random.Random(0))


def model_and_optimizer(kind, activation="relu", seed=1337):
    model = MLP(2, [6, 6, 1], activation, rng=random.Random(seed))
    return model, OPTIMIZERS[kind](model.parameters())


def state(model, optimizer):
    """Everything a step changes: weights, gradients and the optimizer's state."""
    params = model.parameters()
    extra = (
        (optimizer.velocity,)
        if isinstance(optimizer, SGD)
        else (optimizer.first_moment, optimizer.second_moment, optimizer.steps)
    )
    return [p.data for p in params], [p.grad for p in params], extra


def eager_batch_step(model, optimizer, points, labels, l2):
    objective = hinge([model(x)[0] for x in points], labels)
    if l2:
        params = optimizer.params
        objective = objective + l2 * weighted_sum(params, params)
    optimizer.zero_grad()
    objective.backward()
    optimizer.step()
    return objective.data


def term(model):
    """One example's hinge term, closing over the model."""
    return lambda x, y: (1.0 - model(x)[0] * y).relu()


@pytest.mark.parametrize("kind", sorted(OPTIMIZERS))
@pytest.mark.parametrize("l2", [0.0, 1e-3])
def test_a_batch_step_is_the_eager_step_bit_for_bit(kind, l2):
    points, labels = moons()
    eager_model, eager_optimizer = model_and_optimizer(kind)
    model, optimizer = model_and_optimizer(kind)
    step = TrainStep(term(model), optimizer, l2=l2)
    for k in range(6):
        eager_optimizer.lr = optimizer.lr = 0.1 / (k + 1)  # read at every step, as a schedule sets it
        want = eager_batch_step(eager_model, eager_optimizer, points, labels, l2)
        values, penalty = step.batch(points, labels, gradient=1.0 / len(points))
        assert math.fsum(values) / len(points) + (penalty if l2 else 0.0) == want
        step.sync()
        assert state(model, optimizer) == state(eager_model, eager_optimizer)
    assert step.eager_steps == 1  # the first batch traces


@pytest.mark.parametrize("kind", sorted(OPTIMIZERS))
def test_the_numpy_back_end_agrees_to_rounding(kind):
    pytest.importorskip("numpy")
    points, labels = moons()
    # Not as many points of each class: Adam divides by the gradient's size, so a gradient that is
    # 0 up to rounding (the output bias of a balanced batch) would move by +-lr on rounding alone.
    points, labels = points[:33], labels[:33]
    eager_model, eager_optimizer = model_and_optimizer(kind, "tanh")
    model, optimizer = model_and_optimizer(kind, "tanh")
    step = TrainStep(term(model), optimizer, l2=1e-3, backend="numpy")
    for _ in range(6):
        want = eager_batch_step(eager_model, eager_optimizer, points, labels, 1e-3)
        values, penalty = step.batch(points, labels, gradient=1.0 / len(points))
        assert math.fsum(values) / len(points) + penalty == pytest.approx(want, rel=1e-12)
    step.sync()
    got, want = state(model, optimizer), state(eager_model, eager_optimizer)
    assert got[0] == pytest.approx(want[0], rel=1e-12, abs=1e-15)
    assert got[1] == pytest.approx(want[1], rel=1e-9, abs=1e-15)
    assert step.eager_steps == 1


def test_the_worked_example_10000_steps_bit_for_bit():
    model = example.network()
    params = {p.label: p for p in model.parameters()}
    optimizer = SGD([params[f"w{k}"] for k in range(1, 9)], example.LEARNING_RATE)
    inputs = [Value(example.INPUTS["i1"], "i1"), Value(example.INPUTS["i2"], "i2")]
    targets = [example.TARGETS["o1"], example.TARGETS["o2"]]
    with TrainStep(lambda: squared_error(model(inputs), targets), optimizer) as step:
        history = [step() for _ in range(10_000)]
    eager = example.train(10_000)
    assert history == eager.history
    assert {name: params[name].data for name in example.INITIAL_WEIGHTS} == eager.weights
    assert step.eager_steps == 1


@pytest.mark.parametrize("kind", sorted(OPTIMIZERS))
def test_one_call_steps_with_inputs_aux_and_l2_bit_for_bit(kind):
    points, labels = moons(12)
    eager_model, eager_optimizer = model_and_optimizer(kind, "tanh")
    model, optimizer = model_and_optimizer(kind, "tanh")

    def loss(x, y):
        score = model(x)[0]
        return (score - y) ** 2, [score]

    step = TrainStep(loss, optimizer, l2=1e-2)
    for x, y in zip(points, labels):
        score = eager_model(x)[0]
        params = eager_optimizer.params
        objective = (score - y) ** 2 + 1e-2 * weighted_sum(params, params)
        eager_optimizer.zero_grad()
        objective.backward()
        eager_optimizer.step()
        assert step(x, y) == (objective.data, [score.data])
    step.sync()
    assert state(model, optimizer) == state(eager_model, eager_optimizer)


def test_sync_and_reload_hand_the_parameters_over():
    w = Value(1.0, "w")
    optimizer = SGD([w], 0.1, momentum=0.5)
    step = TrainStep(lambda x: (w * x - 1.0) ** 2, optimizer)
    step(2.0)  # the first call traces: an eager step, which leaves the model synced
    assert w.data == 1.0 - 0.1 * 4.0 and optimizer.velocity == [4.0]
    step(2.0)
    assert w.data == 0.6  # the step owns the parameters until sync()
    step.sync()
    gradient = 2.0 * (2.0 * 0.6 - 1.0) * 2.0
    assert w.grad == gradient and optimizer.velocity == [0.5 * 4.0 + gradient]
    assert w.data == 0.6 - 0.1 * (0.5 * 4.0 + gradient)
    w.data = 3.0  # changed by hand: reload() reads it
    optimizer.velocity = [0.0]
    step.reload()
    step(2.0)
    step.sync()
    assert w.data == 3.0 - 0.1 * (2.0 * (2.0 * 3.0 - 1.0) * 2.0)


def test_other_closed_over_values_are_read_at_every_call():
    w = Value(1.0, "w")
    shift = Value(0.5, "shift")  # not trained: a constant of the step, read afresh
    step = TrainStep(lambda x: (w * x - shift) ** 2, SGD([w], 0.1))
    step(1.0)
    shift.data = 2.0
    step(1.0)
    step.sync()
    w_eager = 1.0 - 0.1 * (2.0 * (1.0 - 0.5))
    assert w.data == w_eager - 0.1 * (2.0 * (w_eager - 2.0))


def test_a_failed_step_leaves_everything_as_it_was():
    w = Value(0.5, "w")
    optimizer = Adam([w], 0.1)
    step = TrainStep(lambda x: (w * x).log(), optimizer)
    for x in (1.0, 2.0, 3.0):
        step(x)
    step.sync()
    before = (w.data, w.grad, list(optimizer.first_moment), list(optimizer.second_moment), optimizer.steps)
    with pytest.raises(DomainError, match="log"):
        step(-1.0)  # log of a negative number: the engine's own error
    assert (w.data, w.grad, optimizer.first_moment, optimizer.second_moment, optimizer.steps) == before
    step(4.0)  # and training goes on from there
    step.sync()
    assert optimizer.steps == 4 and w.data != before[0]


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_a_non_finite_update_is_refused_with_nothing_changed(backend):
    if backend == "numpy":
        pytest.importorskip("numpy")
    points, labels = moons(10)
    model, optimizer = model_and_optimizer("momentum")
    step = TrainStep(term(model), optimizer, backend=backend)
    step.batch(points, labels, gradient=0.1)
    step.batch(points, labels, gradient=0.1)
    step.sync()
    before = state(model, optimizer)
    optimizer.lr = 1e308  # momentum: the update overflows
    with pytest.raises(ArgumentError, match="no parameter was updated"):
        step.batch(points, labels, gradient=1e300)
    assert state(model, optimizer) == before
    optimizer.lr = 0.05
    step.batch(points, labels, gradient=0.1)
    step.sync()
    assert state(model, optimizer)[0] != before[0]


def test_a_graph_that_depends_on_a_comparison_is_traced_again():
    w = Value(0.3, "w")
    eager_w = Value(0.3, "w")

    def make(weight):
        def loss(x):
            y = weight * x
            return y * y if y > 0.0 else -y  # a comparison: a guard of the trace

        return loss

    optimizer, eager_optimizer = SGD([w], 0.1), SGD([eager_w], 0.1)
    step = TrainStep(make(w), optimizer)
    eager_loss = make(eager_w)
    for x in (1.0, 2.0, -1.0, 3.0, -2.0, 0.5):
        out = eager_loss(Value(x))
        eager_optimizer.zero_grad()
        out.backward()
        eager_optimizer.step()
        assert step(x) == out.data
    step.sync()
    assert w.data == eager_w.data
    assert step.function.traces == 2


def test_only_nn_optimizers_are_compiled():
    w = Value(1.0)

    class Custom(SGD):
        def step(self):
            pass

    with pytest.raises(TypeError, match="SGD or Adam"):
        TrainStep(lambda x: w * x, Custom([w], 0.1))
    with pytest.raises(ValueError, match="backend"):
        TrainStep(lambda x: w * x, SGD([w], 0.1), backend="fortran")


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_no_label_reaches_the_generated_step(backend, update_form):
    if backend == "numpy":
        pytest.importorskip("numpy")
    hostile = '"); __import__("os").system("echo pwned") #'
    w = Value(0.5, label=hostile)
    b = Value(0.1, label="\n'''\nraise SystemExit")
    step = TrainStep(lambda x: (x * w + b).tanh() ** 2, Adam([w, b], 0.1), l2=1e-3, backend=backend)
    step(1.0)  # traces
    step(1.0)  # the one-call program (python)
    step.batch([1.0, 2.0], gradient=0.5)  # the batch's update (python) or the whole batch (numpy)
    sources = step.sources()
    # python: the one-call step and the batch's update (a loop, with no source of its own, from LOOP_FROM)
    assert len(sources) == (2 if backend == "python" and update_form == "generated" else 1)
    for source in sources:
        assert "pwned" not in source and "SystemExit" not in source
        assert set(source) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789.+-*/()[]=<>:,! \n")


def test_a_batch_equals_a_loop_of_one_call_steps_with_the_gradients_summed():
    """The batch's update uses the sum of the rows' gradients: the same as the eager graph of their total."""
    points, labels = moons(8)
    model, optimizer = model_and_optimizer("sgd")
    eager_model, eager_optimizer = model_and_optimizer("sgd")
    step = TrainStep(term(model), optimizer)
    values, _ = step.batch(points, labels)
    terms = [(1.0 - eager_model(x)[0] * y).relu() for x, y in zip(points, labels)]
    objective = total(terms)
    eager_optimizer.zero_grad()
    objective.backward()
    eager_optimizer.step()
    assert values == [t.data for t in terms]
    step.sync()
    assert state(model, optimizer) == state(eager_model, eager_optimizer)


def test_the_numpy_batch_reads_an_mlp_s_layers_as_views_of_the_parameter_buffer():
    pytest.importorskip("numpy")
    points, labels = moons(10)
    model, optimizer = model_and_optimizer("sgd")
    step = TrainStep(term(model), optimizer, backend="numpy")
    step.batch(points, labels, gradient=0.1)  # traces
    step.batch(points, labels, gradient=0.1)
    (source,) = step.sources()
    assert source.count(" @ ") == 3 + 2 + 3  # three layers forward, two gradients below, three weight gradients
    assert "B[WI" not in source and "GB[WI" not in source  # no gathers: the layers are views of the buffers


def test_a_constant_value_among_the_parameters_takes_the_general_numpy_path():
    np = pytest.importorskip("numpy")
    rng = random.Random(2)
    results = []
    for backend in ("python", "numpy"):
        w = [Value(0.3), Value(-0.2)]
        fixed = Value(0.7, "fixed")  # a weight the optimizer does not train: read at every call
        weights = [*w, fixed]
        step = TrainStep(lambda x, y, weights=weights: (weighted_sum(weights, x).tanh() - y) ** 2, SGD(w, 0.1),
                         backend=backend)  # fmt: skip
        xs = [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(8)]
        ys = [rng.uniform(-1, 1) for _ in range(8)]
        for _ in range(3):
            values, _ = step.batch(np.array(xs) if backend == "numpy" else xs, ys, gradient=0.125)
        step.sync()
        results.append(([float(v) for v in values], [p.data for p in w]))
        rng = random.Random(2)
    assert results[1][0] == pytest.approx(results[0][0], rel=1e-12)
    assert results[1][1] == pytest.approx(results[0][1], rel=1e-12)
