"""nn.micrograd against micrograd 0.1.0 itself, in the same process: its README, its engine tests, its demo.

micrograd is a dev dependency (pyproject's dev extra), so these run against the
real client, not a copy of its code. Each piece of micrograd code below is
written once and run on both libraries (micrograd's `Value`/`MLP` or
`nn.micrograd`'s), from the same `random.seed`; every number is compared to
1e-12 (tracegrad adds a neuron's sum in another order, so bit-for-bit equality
is not expected).
"""

import gc
import random

import micrograd.engine
import micrograd.nn
import pytest

import autograd
import nn
import nn.micrograd
from nn import two_moons

TOLERANCE = {"rel": 1e-12, "abs": 1e-12}
LIBRARIES = {
    "micrograd": (micrograd.engine.Value, micrograd.nn),
    "tracegrad": (nn.micrograd.Value, nn.micrograd),
}


def readme_example(Value):  # noqa: N803 (the class, as micrograd's code names it)
    """micrograd's README example, verbatim apart from the returns."""
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return g.data, a.grad, b.grad


def sanity_check(Value):  # noqa: N803
    """The expression of micrograd's test_engine.py::test_sanity_check."""
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    return y.data, x.grad


def more_ops(Value):  # noqa: N803
    """The expression of micrograd's test_engine.py::test_more_ops."""
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    return g.data, a.grad, b.grad


def test_the_readme_example_gives_micrograds_numbers():
    ours = readme_example(nn.micrograd.Value)
    theirs = readme_example(micrograd.engine.Value)
    assert ours == pytest.approx(theirs, **TOLERANCE)
    assert [f"{number:.4f}" for number in ours] == ["24.7041", "138.8338", "645.5773"]  # as the README prints


@pytest.mark.parametrize("expression", [sanity_check, more_ops], ids=["sanity_check", "more_ops"])
def test_micrograds_engine_test_expressions_agree(expression):
    assert expression(nn.micrograd.Value) == pytest.approx(expression(micrograd.engine.Value), **TOLERANCE)


def demo(library, X, y, steps, collect=lambda: None):  # noqa: N803 (the demo's names)
    """micrograd's demo.ipynb training loop with only its imports changed; the losses and parameters of each step."""
    Value, mnn = LIBRARIES[library]  # noqa: N806
    random.seed(1337)
    model = mnn.MLP(2, [16, 16, 1])  # 2-layer neural network

    def loss():
        Xb, yb = X, y  # noqa: N806 (the full batch, as the demo's loss() without batch_size)
        inputs = [list(map(Value, xrow)) for xrow in Xb]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    history = [[p.data for p in model.parameters()]]
    losses = []
    accuracies = []
    for k in range(steps):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        losses.append(total_loss.data)
        accuracies.append(acc)
        history.append([p.data for p in model.parameters()])
        if k % 5 == 4:
            collect()
    return losses, accuracies, history, model


def _run_micrograd_demo(X, y, steps):  # noqa: N803
    """micrograd's demo on micrograd, its cyclic garbage collected every 5 steps rather than by the GC's timing.

    micrograd's nodes hold closures that refer back to them, so every graph
    is a reference cycle; left to the automatic collector, its passes over
    the test process's objects made a step some 10 times slower.
    """
    gc.disable()
    try:
        return demo("micrograd", X, y, steps, gc.collect)
    finally:
        gc.enable()
        gc.collect()


def _compare_demo(points, steps):
    X, y = two_moons(points, noise=0.1, rng=random.Random(0))  # noqa: N806 (one fixed data set for both)
    their_losses, their_accuracies, their_history, their_model = _run_micrograd_demo(X, y, steps)
    our_losses, our_accuracies, our_history, our_model = demo("tracegrad", X, y, steps)
    assert len(our_history[0]) == len(their_history[0]) == 337  # the demo prints "number of parameters 337"
    assert len(our_losses) == steps
    assert our_losses == pytest.approx(their_losses, **TOLERANCE)
    assert our_accuracies == their_accuracies
    for step, (our_parameters, their_parameters) in enumerate(zip(our_history, their_history)):
        assert our_parameters == pytest.approx(their_parameters, **TOLERANCE), f"parameters after {step} steps"
    assert our_losses[-1] < our_losses[0]  # it trains
    assert str(our_model) == str(their_model)


def test_twenty_steps_of_micrograds_demo_agree_in_every_loss_and_every_parameter():
    _compare_demo(points=30, steps=20)


@pytest.mark.slow
def test_twenty_steps_of_micrograds_demo_at_its_own_size_agree():
    _compare_demo(points=100, steps=20)  # the demo's 100 moons points


def test_the_classes_are_tracegrads_own_on_its_one_engine():
    random.seed(0)
    model = nn.micrograd.MLP(3, [4, 4, 1])
    assert nn.micrograd.Value is autograd.Value
    assert isinstance(model, nn.MLP) and isinstance(model.layers[0], nn.Layer)
    assert isinstance(model.layers[0].neurons[0], nn.Neuron)
    out = model([2.0, 3.0, -1.0])
    assert isinstance(out, autograd.Value)  # one Value out of a one-neuron last layer
    ((out - 1.0) ** 2).backward()
    assert [layer.activation for layer in model.layers] == ["relu", "relu", "linear"]
    assert nn.Module.named_parameters(model)[0][0] == "layers.0.neurons.0.weights.0"


def test_micrograd_attributes_order_and_outputs():
    random.seed(5)
    neuron = nn.micrograd.Neuron(3)
    assert neuron.parameters() == [*neuron.w, neuron.b] and neuron.b.data == 0.0 and neuron.nonlin
    assert repr(neuron) == "ReLUNeuron(3)" and repr(nn.micrograd.Neuron(2, nonlin=False)) == "LinearNeuron(2)"
    layer = nn.micrograd.Layer(2, 3, nonlin=False)
    assert layer.parameters() == [p for n in layer.neurons for p in (*n.w, n.b)]
    assert isinstance(layer([1.0, 2.0]), list) and len(layer([1.0, 2.0])) == 3
    assert isinstance(nn.micrograd.Layer(2, 1)([1.0, 2.0]), autograd.Value)
    model = nn.micrograd.MLP(2, [3, 2])
    assert isinstance(model([1.0, 2.0]), list)
    assert isinstance(nn.micrograd.MLP(2, [1, 1])([1.0, 2.0]), autograd.Value)  # micrograd itself fails here
    for p in model.parameters():
        p.grad = 1.0
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_micrograds_own_draws_are_reproduced():
    random.seed(42)
    theirs = [p.data for p in micrograd.nn.MLP(3, [5, 4, 1]).parameters()]
    random.seed(42)
    ours = [p.data for p in nn.micrograd.MLP(3, [5, 4, 1]).parameters()]
    assert ours == theirs  # the same draws in the same order: bit for bit


def test_bad_arguments_are_refused_as_elsewhere_in_nn():
    with pytest.raises(TypeError, match="unexpected keyword argument 'activation'"):
        nn.micrograd.Layer(2, 2, activation="tanh")
    with pytest.raises(TypeError, match="nonlin must be True or False"):
        nn.micrograd.Neuron(2, nonlin="yes")
    with pytest.raises(nn.ArgumentError, match=r"nouts\[1\] must be an int >= 1, got 0"):
        nn.micrograd.MLP(2, [3, 0])
    with pytest.raises(nn.ArgumentError, match="limit"):
        nn.micrograd.MLP(2, [10**9])


def _weights(model):
    return [p.data for p in model.parameters()]


@pytest.mark.parametrize(
    "build",
    [
        lambda: nn.MLP(2, [8, 8, 1]),
        lambda: nn.Layer(3, 4),
        lambda: nn.Neuron(5),
        lambda: nn.micrograd.MLP(2, [8, 1]),
    ],
    ids=["MLP", "Layer", "Neuron", "micrograd.MLP"],
)
def test_random_seed_makes_models_reproducible(build):
    random.seed(0)
    first = _weights(build())
    random.seed(0)
    second = _weights(build())
    assert first == second
    assert _weights(build()) != first  # the module-level generator moved on


@pytest.mark.parametrize("make", [nn.two_moons, nn.circles, nn.xor, nn.spirals])
def test_random_seed_makes_data_sets_reproducible(make):
    random.seed(3)
    first = make(20)
    random.seed(3)
    assert make(20) == first


def test_an_explicit_rng_wins_and_leaves_the_module_generator_alone():
    random.seed(1)
    state = random.getstate()
    model = nn.MLP(2, [4, 1], rng=random.Random(9))
    points = nn.two_moons(10, rng=random.Random(9))
    assert random.getstate() == state
    assert _weights(model) == _weights(nn.MLP(2, [4, 1], rng=random.Random(9)))
    assert points == nn.two_moons(10, rng=random.Random(9))
