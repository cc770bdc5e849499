"""Neuron, Layer, Sequential and MLP: shapes, initialisation, labels and derivatives.

Oracles: closed forms of the activations, central differences through our own
gradcheck, and the worked example's published forward pass typed in as a book
network.
"""

import math
import random

import pytest

from autograd import Value, gradcheck, no_grad
from nn import ACTIVATIONS, MLP, ArgumentError, Layer, Neuron, Sequential

CLOSED_FORMS = {
    "linear": lambda z: z,
    "sigmoid": lambda z: 1.0 / (1.0 + math.exp(-z)),
    "tanh": math.tanh,
    "relu": lambda z: max(0.0, z),
}


def test_every_activation_has_a_closed_form_here():
    assert set(ACTIVATIONS) == set(CLOSED_FORMS) == {"linear", "sigmoid", "tanh", "relu"}


@pytest.mark.parametrize("activation", list(CLOSED_FORMS))
def test_neuron_output_is_the_activation_of_the_weighted_sum(activation):
    neuron = Neuron(3, activation, weights=[0.5, -1.5, 2.0], bias=0.25)
    for inputs in ([1.0, 2.0, 3.0], [-1.0, 0.5, -0.25]):
        z = 0.5 * inputs[0] - 1.5 * inputs[1] + 2.0 * inputs[2] + 0.25
        out = neuron(inputs)
        assert isinstance(out, Value)
        assert out.data == pytest.approx(CLOSED_FORMS[activation](z), rel=1e-15, abs=1e-300)


def test_the_net_input_is_one_weighted_sum_node_with_the_right_local_derivatives():
    w = [Value(0.5, "a"), Value(-1.5, "b")]
    x = [Value(3.0, "x"), Value(4.0, "y")]
    bias = Value(0.25, "c")
    neuron = Neuron(2, "tanh", weights=w, bias=bias)
    out = neuron(x)
    (net,) = out.parents
    assert out.op == "tanh"
    assert net.op == "weighted_sum"
    assert net.parents == (*w, *x, bias)
    # dnet/dw_i = x_i, dnet/dx_i = w_i, dnet/db = 1.
    assert net.local_grads == (3.0, 4.0, 0.5, -1.5, 1.0)
    assert neuron.net(x).data == net.data == 0.5 * 3.0 - 1.5 * 4.0 + 0.25


def test_a_linear_neuron_returns_its_net_node():
    out = Neuron(2, "linear", weights=[1.0, 2.0])([3.0, 4.0])
    assert out.op == "weighted_sum" and out.data == 11.0


@pytest.mark.parametrize("activation", ["linear", "sigmoid", "tanh", "relu"])
def test_neuron_gradients_pass_gradcheck(activation):
    # Inputs chosen so the relu is away from its kink.
    def fn(w0, w1, x0, x1, b):
        return Neuron(2, activation, weights=[w0, w1], bias=b)([x0, x1])

    assert gradcheck(fn, [0.3, -0.7, 1.2, 0.4, 0.9])


def test_mlp_gradients_with_respect_to_inputs_pass_gradcheck():
    model = MLP(3, [4, 3, 2], "tanh", "sigmoid", rng=random.Random(5))

    def fn(a, b, c):
        first, second = model([a, b, c])
        return first * second

    assert gradcheck(fn, [0.2, -0.4, 0.9])


def test_random_init_is_reproducible_from_the_rng():
    first = MLP(2, [4, 3], rng=random.Random(42)).state_dict()
    again = MLP(2, [4, 3], rng=random.Random(42)).state_dict()
    other = MLP(2, [4, 3], rng=random.Random(43)).state_dict()
    assert first == again
    assert first != other
    # Weights in [-1, 1], biases 0, as micrograd.
    for name, number in first.items():
        if name.endswith("bias"):
            assert number == 0.0
        else:
            assert -1.0 <= number <= 1.0
    # Without an rng the init is random (two draws of 12 weights agree with vanishing probability).
    assert MLP(2, [4, 3]).state_dict() != MLP(2, [4, 3]).state_dict()


def test_a_layer_takes_its_weights_from_the_rng_in_row_order():
    rng = random.Random(9)
    expected = [[rng.uniform(-1.0, 1.0) for _ in range(3)] for _ in range(2)]
    layer = Layer(3, 2, rng=random.Random(9))
    assert [[w.data for w in neuron.weights] for neuron in layer.neurons] == expected


@pytest.mark.parametrize("not_an_rng", [42, "seed", random])
def test_rng_must_be_a_random_instance(not_an_rng):
    with pytest.raises(TypeError, match=r"random\.Random"):
        MLP(2, [3], rng=not_an_rng)


def test_calling_returns_lists_of_values_for_numbers_and_values():
    model = MLP(2, [3, 1], rng=random.Random(0))
    for inputs in ([1.0, 2], [Value(1.0), Value(2.0)], (1.0, Value(2.0))):
        out = model(inputs)
        assert isinstance(out, list) and len(out) == 1 and isinstance(out[0], Value)
    layer = Layer(2, 3, rng=random.Random(0))
    out = layer([0.5, 0.25])
    assert isinstance(out, list) and len(out) == 3
    assert [v.data for v in out] == [n([0.5, 0.25]).data for n in layer.neurons]


def test_a_layer_converts_number_inputs_once_so_neurons_share_them():
    layer = Layer(2, 3, rng=random.Random(0))
    outs = layer([0.5, 0.25])
    first_inputs = [out.parents[0].parents[2:4] for out in outs]
    assert all(inputs[0] is first_inputs[0][0] and inputs[1] is first_inputs[0][1] for inputs in first_inputs)
    assert [node.label for node in first_inputs[0]] == ["x0", "x1"]


def test_labels_of_parameters_and_nodes():
    model = MLP(2, [2, 1], "tanh", "linear", rng=random.Random(0))
    labels = [p.label for p in model.parameters()]
    assert labels[:3] == ["L0.n0.w0", "L0.n0.w1", "L0.n0.b"]
    assert labels[-1] == "L1.n0.b"
    (out,) = model([1.0, 2.0])
    assert out.label == "net_L1.n0"
    hidden = out.parents[2]
    assert hidden.label == "out_L0.n0" and hidden.parents[0].label == "net_L0.n0"
    neuron = Neuron(1, "relu", weights=[1.0])
    assert neuron([2.0]).label == "out" and neuron.net([2.0]).label == "net"
    named = Layer(1, 2, "sigmoid", weights=[[1.0], [2.0]], neuron_labels=["h1", "h2"])
    assert [v.label for v in named([1.0])] == ["out_h1", "out_h2"]
    assert [p.label for p in named.parameters()] == ["h1.w0", "h1.b", "h2.w0", "h2.b"]


def test_given_values_are_used_as_they_are():
    w = Value(0.15, "w1")
    b = Value(0.35, "b1")
    neuron = Neuron(1, "sigmoid", weights=[w], bias=b)
    assert neuron.weights[0] is w and neuron.bias is b
    assert w.label == "w1" and b.label == "b1"


def test_a_shared_bias_gathers_the_gradient_of_every_neuron():
    layer = Layer(2, 3, "tanh", weights=[[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]], biases=0.5, shared_bias=True)
    assert layer.bias.data == 0.5 and layer.bias.label == "b"
    outs = layer([1.0, -2.0])
    total_out = outs[0] + outs[1] + outs[2]
    total_out.backward()
    expected = sum(1.0 - out.data**2 for out in outs)
    assert layer.bias.grad == pytest.approx(expected, rel=1e-14)
    assert len(layer.parameters()) == 7


def test_the_same_value_in_biases_is_shared_too():
    b = Value(0.35, "b1")
    layer = Layer(2, 2, "sigmoid", weights=[[0.15, 0.20], [0.25, 0.30]], biases=[b, b])
    assert layer.neurons[0].bias is layer.neurons[1].bias is b
    assert len(layer.parameters()) == 5


def test_a_book_network_typed_in_reproduces_the_worked_example():
    model = MLP(
        2,
        [2, 2],
        "sigmoid",
        "sigmoid",
        weights=[[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]],
        biases=[0.35, 0.60],
        shared_bias=True,
    )
    assert len(model.parameters()) == 10
    out_o1, out_o2 = model([0.05, 0.10])
    assert out_o1.data == pytest.approx(0.75136507, abs=1e-8)
    assert out_o2.data == pytest.approx(0.772928465, abs=1e-9)


def test_under_no_grad_a_model_records_no_graph():
    model = MLP(2, [3, 1], rng=random.Random(0))
    with no_grad():
        (out,) = model([1.0, 2.0])
    assert out.parents == () and out.op == ""
    assert out.data == model([1.0, 2.0])[0].data


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Neuron(2, weights=[1.0]), r"weights must be 2 numbers"),
        (lambda: Layer(2, 2, weights=[[1.0, 2.0]]), r"shape \(2, 2\)"),
        (lambda: Layer(2, 2, weights=[[1.0, 2.0], [3.0]]), r"shape \(2, 2\); row 1 has 1 entry"),
        (lambda: Layer(3, 1, weights=[[1.0, 2.0]]), r"shape \(1, 3\)"),
        (lambda: Layer(2, 2, biases=[0.0]), r"biases must be 2 numbers"),
        (lambda: Layer(2, 2, neuron_labels=["a"]), r"neuron_labels"),
        (lambda: Neuron(0), r"nin must be an int >= 1, got 0"),
        (lambda: Layer(2, 0), r"nout must be an int >= 1, got 0"),
        (lambda: MLP(2, []), r"sizes"),
        (lambda: MLP(2, [3, -1]), r"sizes\[1\]"),
        (lambda: MLP(2, [3], activation="softmax"), r"activation must be one of"),
        (lambda: MLP(2, [3], output_activation="Tanh"), r"activation must be one of"),
        (lambda: MLP(2, [2, 1], weights=[[[1.0, 2.0], [3.0, 4.0]]]), r"one entry per layer"),
        (lambda: Neuron(2, weights=[1.0, math.nan]), r"finite"),
        (lambda: Sequential([]), r"at least one layer"),
        (lambda: Sequential([Layer(2, 3, rng=random.Random(0)), Layer(2, 1, rng=random.Random(0))]), "expects 2"),
    ],
)
def test_bad_shapes_and_arguments_raise_argument_error(build, message):
    with pytest.raises(ArgumentError, match=message):
        build()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Neuron(2, weights=1.0), r"weights must be a list of 2 numbers, got float 1.0"),
        (lambda: Layer(2, 2, weights=[1.0, 2.0]), r"shape \(2, 2\); row 0 has float"),
        (lambda: Layer(2, 2, weights=3.0), r"shape \(2, 2\); got float"),
        (lambda: Layer(2, 2, biases=0.0), r"biases must be a list of 2 numbers"),
        (lambda: Layer(2, 2, biases=[0.0, 0.0], shared_bias=True), r"one number or Value"),
        (lambda: Neuron(2.0), r"nin must be an int >= 1, got float: 2.0"),
        (lambda: Neuron(True), r"nin must be an int >= 1, got bool: True"),
        (lambda: MLP(2, 3), r"MLP: sizes must be a list of layer sizes, got int: 3"),
        (lambda: MLP(2, [2.5]), r"MLP: sizes\[0\] must be an int >= 1, got float"),
        (lambda: MLP(2, [3], activation=None), r"activation must be one of .* got NoneType"),
        (lambda: MLP(2, [2, 1], biases=0.0), r"MLP: biases must be a list with one entry per layer"),
    ],
)
def test_wrong_kinds_of_argument_raise_type_error(build, message):
    with pytest.raises(TypeError, match=message):
        build()


def test_non_numbers_raise_type_error():
    with pytest.raises(TypeError, match=r"weights\[1\]"):
        Neuron(2, weights=[1.0, "2"])
    with pytest.raises(TypeError, match="bias"):
        Neuron(1, weights=[1.0], bias=True)
    with pytest.raises(TypeError, match="Module"):
        Sequential([lambda x: x])
    with pytest.raises(TypeError, match="inputs"):
        Layer(1, 1, rng=random.Random(0))(["1"])


def test_wrong_input_counts_raise_argument_error():
    with pytest.raises(ArgumentError, match="expected 2 inputs, got 3"):
        MLP(2, [3, 1], rng=random.Random(0))([1.0, 2.0, 3.0])
    with pytest.raises(ArgumentError, match="Neuron 'h1': expected 2 inputs, got 1"):
        Neuron(2, label="h1", rng=random.Random(0))([1.0])


def test_sizes_and_repr():
    model = MLP(2, [16, 16, 1], "relu", rng=random.Random(0))
    assert model.nin == 2 and model.sizes == [16, 16, 1]
    assert repr(model) == "MLP(2, [16, 16, 1], 'relu', 'linear')"
    assert [layer.activation for layer in model.layers] == ["relu", "relu", "linear"]
    assert repr(Layer(2, 3, "tanh", shared_bias=True, rng=random.Random(0))) == "Layer(2, 3, 'tanh', shared_bias=True)"


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: Neuron(1, weights=[10**400]), ValueError, r"Neuron: weights\[0\] is too large for a float"),
        (lambda: Layer(1, 1, weights=[[10**400]]), ValueError, r"Layer: weights\[0\]\[0\] is too large"),
        (lambda: Layer(2, 1, weights=[[1.0, "2"]]), TypeError, r"Layer: weights\[0\]\[1\] must be a number"),
        (lambda: Layer(1, 2, biases=[0.0, math.inf]), ValueError, r"Layer: biases\[1\] must be finite"),
        (lambda: Layer(1, 2, biases=None, shared_bias="no"), TypeError, r"shared_bias must be True or False"),
        (lambda: MLP(1, [2], shared_bias=1), TypeError, r"MLP: shared_bias must be True or False"),
        (lambda: Layer(1, 2, neuron_labels=["a", 2]), TypeError, r"neuron_labels\[1\] must be a str"),
        (lambda: Layer(1, 2, neuron_labels=5), TypeError, r"neuron_labels must be 2 strings"),
        (lambda: Layer(1, 2, neuron_labels=(s for s in "ab")), TypeError, r"neuron_labels must be 2 strings"),
        (
            lambda: MLP(2, [2, 1], weights=[[[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0, 3.0]]]),
            ValueError,
            r"Layer 'L1': weights must be 1 rows .* shape \(1, 2\); row 0 has 3 entries",
        ),
        (lambda: MLP(2, [2], biases=[[0.0, "x"]]), TypeError, r"Layer 'L0': biases\[1\] must be a number"),
        (lambda: Sequential(5), TypeError, r"Sequential: layers must be a list of Modules"),
        (lambda: Sequential(Layer(1, 1)), TypeError, r"Sequential: layers must be a list of Modules, got Layer"),
    ],
)
def test_bad_arguments_name_the_argument_and_the_value(build, error, message):
    with pytest.raises(error, match=message):
        build()


@pytest.mark.parametrize(
    ("inputs", "error", "message"),
    [
        (5, TypeError, r"inputs must be a list of 2 numbers or Values, got int: 5"),
        ("ab", TypeError, r"inputs must be a list of 2 numbers or Values, got str: 'ab'"),
        ((x for x in [1.0, 2.0]), TypeError, r"inputs must be a list of 2 numbers or Values, got generator"),
        ([1.0, None], TypeError, r"inputs\[1\] must be a number or a Value, got NoneType: None"),
        ([10**400, 1.0], ValueError, r"inputs\[0\] is too large for a float"),
        ([1.0, math.nan], ValueError, r"inputs\[1\] must be finite, got nan"),
        ([1.0], ValueError, r"expected 2 inputs, got 1"),
    ],
)
def test_bad_inputs_to_a_neuron_a_layer_or_an_mlp_are_clear_errors(inputs, error, message):
    models = {
        "Neuron 'h'": Neuron(2, label="h", rng=random.Random(0)),
        "Layer 'L'": Layer(2, 2, label="L", rng=random.Random(0)),
        "Layer 'L0'": MLP(2, [2, 1], rng=random.Random(0)),
    }
    for name, model in models.items():
        with pytest.raises(error, match=f"{name}: {message}"):
            model(inputs)
    with pytest.raises(error, match=f"Neuron 'h': {message}"):
        models["Neuron 'h'"].net(inputs)


def test_a_neuron_called_on_numbers_labels_its_inputs_like_a_layer():
    out = Neuron(2, "linear", weights=[1.0, 2.0])([3, 4.0])
    assert [node.label for node in out.parents[2:4]] == ["x0", "x1"]
    assert [node.data for node in out.parents[2:4]] == [3.0, 4.0]


@pytest.mark.parametrize(
    "build",
    [
        lambda: MLP(2, [10**9]),
        lambda: MLP(2, [100_000, 100_000]),
        lambda: Layer(10**6, 10**6),
        lambda: Neuron(10**7),
        lambda: MLP(2, [10**400]),
    ],
    ids=["MLP 2-1e9", "MLP 1e5,1e5", "Layer 1e6x1e6", "Neuron 1e7", "huge int"],
)
def test_models_past_the_parameter_limit_are_refused_before_allocating(build):
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(ArgumentError, match=r"parameters, more than this engine's limit of 1,000,000") as info:
            build()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, f"{peak} bytes allocated before refusing"
    assert "nn.MAX_PARAMETERS" in str(info.value) and "\n" not in str(info.value)


def test_a_model_at_the_parameter_limit_is_allowed_to_be_declared():
    import nn

    assert nn.MAX_PARAMETERS == 1_000_000
    # Sum of (fan-in + 1) * size: 998 * 1000 + 1001 * 1 = 999,001 fits; one more input makes 1,000,001.
    from nn.shapes import check_sizes

    check_sizes("MLP", 997, [1000, 1])
    with pytest.raises(ArgumentError, match="makes 1,000,001 parameters"):
        check_sizes("MLP", 998, [1000, 1])
