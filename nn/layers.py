"""`Neuron`, `Layer`, `Sequential` and `MLP`: models built from Values.

Owns the model shapes, their initialisation and their forward passes. Imports
`autograd` (`Value`, `weighted_sum`), `nn.checks`, `nn.module` and
`nn.shapes` (the size and shape checks); never `viz`.

A neuron's net input is ONE `weighted_sum` node whose parents are its weights,
its inputs and its bias, with local derivatives x_i, w_i and 1; the activation
is one more node. Labels are computed once, when a model is built, and the
forward pass only assigns them: a neuron labelled "h1" makes nodes "net_h1" and
"out_h1", its parameters are "h1.w0", "h1.w1", ... and "h1.b".

Weights and biases may be given as numbers (new parameters are made) or as
Values (used as they are, label included): passing the same Value to several
neurons shares it, and a Layer built with `shared_bias=True` gives all of its
neurons one bias parameter (the worked example's b1 and b2).

Random initialisation follows micrograd: weights uniform in [-1, 1] drawn from
`rng` (a `random.Random`), biases 0. With `rng=None` the weights come from
Python's module-level `random`, so `random.seed(k)` makes a model
reproducible (as in micrograd, and as `torch.manual_seed`); an explicit `rng`
wins and leaves the module-level generator alone.

A model is refused, before anything is allocated, past `nn.MAX_PARAMETERS` (see `nn.shapes`).
"""

from autograd import Value, weighted_sum
from nn.checks import ArgumentError, as_value, check_flag, check_rng, is_sequence, shown
from nn.module import Module
from nn.shapes import check_matrix, check_neuron_labels, check_size, check_sizes, shape_of

# Activation name -> the Value method applying it (None: the net input is the output).
ACTIVATIONS = {"linear": None, "sigmoid": Value.sigmoid, "tanh": Value.tanh, "relu": Value.relu}


class Neuron(Module):
    """out = activation(sum_i w_i * x_i + b), with the sum as one node."""

    def __init__(self, nin, activation="tanh", *, weights=None, bias=None, rng=None, label=""):
        check_size("Neuron", nin, 1)
        _check_activation("Neuron", activation)
        _check_label("Neuron", label)
        rng = check_rng(rng, "Neuron: rng")
        if weights is None:
            weights = [rng.uniform(-1.0, 1.0) for _ in range(nin)]
        elif not is_sequence(weights):
            raise TypeError(f"Neuron: weights must be a list of {nin} numbers, got {shape_of(weights)}")
        elif len(weights) != nin:
            raise ArgumentError(f"Neuron: weights must be {nin} numbers (one per input), got {shape_of(weights)}")
        self.weights = [_parameter(w, _named(label, f"w{i}"), f"Neuron: weights[{i}]") for i, w in enumerate(weights)]
        self.bias = _parameter(0.0 if bias is None else bias, _named(label, "b"), "Neuron: bias")
        self.activation = activation
        self.label = label
        self._activate = ACTIVATIONS[activation]
        self._net_label = f"net_{label}" if label else "net"
        self._out_label = f"out_{label}" if label else "out"
        self._title = f"Neuron {label!r}" if label else "Neuron"

    @property
    def nin(self):
        return len(self.weights)

    def net(self, inputs):
        """The net input sum_i w_i * x_i + b: one `weighted_sum` node. Numbers become input leaves x0, x1, ..."""
        net = weighted_sum(self.weights, _checked_inputs(self._title, inputs, len(self.weights)), self.bias)
        net.label = self._net_label
        return net

    def __call__(self, inputs):
        """activation(net(inputs)): one Value. With "linear" that is the net node itself."""
        return self._forward(_checked_inputs(self._title, inputs, len(self.weights)))

    def _forward(self, inputs):
        """The output for `inputs`, already checked: `nin` Values (how a Layer calls its neurons).

        Runs once per neuron and example, so it is written out: one `weighted_sum`
        node, one activation node, their labels, and nothing checked again.
        """
        net = weighted_sum(self.weights, inputs, self.bias)
        net.label = self._net_label
        activate = self._activate
        if activate is None:
            return net
        out = activate(net)
        out.label = self._out_label
        return out

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Neuron({self.nin}, {self.activation!r}{label})"


class Layer(Module):
    """`nout` neurons reading the same `nin` inputs; calling it returns a list of Values.

    `weights` is `nout` rows of `nin` numbers or Values (row i is neuron i).
    `biases` is `nout` numbers or Values; with `shared_bias=True` it is ONE
    number or Value, the single bias of every neuron (then named "bias" on the
    layer). `neuron_labels` names the neurons (default "<label>.n<i>").
    """

    def __init__(
        self,
        nin,
        nout,
        activation="tanh",
        *,
        weights=None,
        biases=None,
        rng=None,
        shared_bias=False,
        label="",
        neuron_labels=None,
    ):
        _check_label("Layer", label)
        owner = f"Layer {label!r}" if label else "Layer"
        check_size(owner, nin, nout)
        _check_activation(owner, activation)
        check_flag(shared_bias, f"{owner}: shared_bias")
        if neuron_labels is None:
            neuron_labels = [f"{label}.n{i}" if label else f"n{i}" for i in range(nout)]
        else:
            check_neuron_labels(owner, neuron_labels, nout)
        rng = check_rng(rng, f"{owner}: rng")
        if weights is None:
            weights = [[rng.uniform(-1.0, 1.0) for _ in range(nin)] for _ in range(nout)]
        else:
            check_matrix(owner, weights, nout, nin)
        if shared_bias:
            if is_sequence(biases):
                raise TypeError(
                    f"{owner}: with shared_bias=True, biases must be one number or Value (the shared bias), "
                    f"got {shape_of(biases)}"
                )
            bias = 0.0 if biases is None else biases
            self.bias = _parameter(bias, _named(label, "b"), f"{owner}: biases (the shared bias)")
            biases = [self.bias] * nout
        else:
            self.bias = None
            if biases is None:
                biases = [0.0] * nout
            elif not is_sequence(biases):
                raise TypeError(f"{owner}: biases must be a list of {nout} numbers, got {shape_of(biases)}")
            elif len(biases) != nout:
                raise ArgumentError(f"{owner}: biases must be {nout} numbers (one per neuron), got {shape_of(biases)}")
            biases = [
                _parameter(b, _named(name, "b"), f"{owner}: biases[{index}]")
                for index, (b, name) in enumerate(zip(biases, neuron_labels))
            ]
        # The parameters are made here, so a bad number is reported as the Layer's argument.
        weights = [
            [
                _parameter(w, _named(name, f"w{column}"), f"{owner}: weights[{row}][{column}]")
                for column, w in enumerate(ws)
            ]
            for row, (ws, name) in enumerate(zip(weights, neuron_labels))
        ]
        self.neurons = [
            Neuron(nin, activation, weights=ws, bias=b, label=name)
            for ws, b, name in zip(weights, biases, neuron_labels)
        ]
        self.activation = activation
        self.label = label
        self._title = owner

    @property
    def nin(self):
        return self.neurons[0].nin

    @property
    def nout(self):
        return len(self.neurons)

    def __call__(self, inputs):
        """The neurons' outputs, a list of `nout` Values. Numbers become input leaves x0, x1, ..."""
        # Convert numbers once, so every neuron reads the same input node.
        inputs = _checked_inputs(self._title, inputs, len(self.neurons[0].weights))
        return [neuron._forward(inputs) for neuron in self.neurons]

    def __repr__(self):
        shared = ", shared_bias=True" if self.bias is not None else ""
        label = f", label={self.label!r}" if self.label else ""
        return f"Layer({self.nin}, {self.nout}, {self.activation!r}{shared}{label})"


class Sequential(Module):
    """Modules applied one after the other: `Sequential([hidden, output])(x)`.

    Each module takes the previous one's list of Values. Consecutive Layers
    must agree in size (a layer's nin is the previous layer's nout).
    """

    def __init__(self, layers):
        if isinstance(layers, (str, bytes, dict)) or not hasattr(layers, "__iter__"):
            raise TypeError(
                f"Sequential: layers must be a list of Modules, got {type(layers).__name__}: {shown(layers)}"
            )
        layers = list(layers)
        if not layers:
            raise ArgumentError("Sequential: needs at least one layer, got none")
        for index, layer in enumerate(layers):
            if not isinstance(layer, Module) or not callable(layer):
                raise TypeError(f"Sequential: layers[{index}] must be a callable Module, got {type(layer).__name__}")
        for index in range(1, len(layers)):
            before, after = layers[index - 1], layers[index]
            if isinstance(before, Layer) and isinstance(after, Layer) and before.nout != after.nin:
                raise ArgumentError(
                    f"Sequential: layers[{index}] expects {after.nin} inputs, "
                    f"but layers[{index - 1}] gives {before.nout} outputs"
                )
        self.layers = layers

    def __call__(self, inputs):
        """The last layer's outputs, a list of Values."""
        for layer in self.layers:
            inputs = layer(inputs)
        return inputs

    def __repr__(self):
        inner = ", ".join(repr(layer) for layer in self.layers)
        return f"{type(self).__name__}([{inner}])"


class MLP(Sequential):
    """A multilayer perceptron: `nin` inputs, then one Layer per entry of `sizes`.

    Hidden layers use `activation`, the last layer `output_activation`. Layers
    are labelled L0, L1, ...; neuron j of layer l is "L<l>.n<j>". For a network
    typed in from a book, `weights[l]` and `biases[l]` are the weights and
    biases of layer l in the Layer format (`biases[l]` one number per layer
    when `shared_bias=True`).
    """

    def __init__(
        self,
        nin,
        sizes,
        activation="tanh",
        output_activation="linear",
        *,
        rng=None,
        weights=None,
        biases=None,
        shared_bias=False,
    ):
        check_sizes("MLP", nin, sizes)
        _check_activation("MLP", activation)
        _check_activation("MLP", output_activation, "output_activation")
        check_flag(shared_bias, "MLP: shared_bias")
        for name, given in (("weights", weights), ("biases", biases)):
            if given is None:
                continue
            if not is_sequence(given):
                raise TypeError(f"MLP: {name} must be a list with one entry per layer, got {shape_of(given)}")
            if len(given) != len(sizes):
                raise ArgumentError(
                    f"MLP: {name} must be a list with one entry per layer ({len(sizes)}), got {shape_of(given)}"
                )
        check_rng(rng, "MLP: rng")  # passed on as given: one generator (or the module's) for all layers
        fan_in = [nin, *sizes[:-1]]
        layers = []
        for index, (layer_nin, layer_nout) in enumerate(zip(fan_in, sizes)):
            last = index == len(sizes) - 1
            layers.append(
                Layer(
                    layer_nin,
                    layer_nout,
                    output_activation if last else activation,
                    weights=None if weights is None else weights[index],
                    biases=None if biases is None else biases[index],
                    rng=rng,
                    shared_bias=shared_bias,
                    label=f"L{index}",
                )
            )
        super().__init__(layers)
        self.activation = activation
        self.output_activation = output_activation

    @property
    def nin(self):
        return self.layers[0].nin

    @property
    def sizes(self):
        return [layer.nout for layer in self.layers]

    def __repr__(self):
        return f"MLP({self.nin}, {self.sizes}, {self.activation!r}, {self.output_activation!r})"


def _check_activation(owner, activation, name="activation"):
    choices = ", ".join(repr(name) for name in ACTIVATIONS)
    if not isinstance(activation, str):
        kind = type(activation).__name__
        raise TypeError(f"{owner}: {name} must be one of {choices}, got {kind}: {shown(activation)}")
    if activation not in ACTIVATIONS:
        raise ArgumentError(f"{owner}: {name} must be one of {choices}, got {shown(activation)}")


def _check_label(owner, label):
    if not isinstance(label, str):
        raise TypeError(f"{owner}: label must be a str, got {type(label).__name__}")


def _parameter(x, label, what):
    """`x` itself if it is a Value, else a new parameter Value labelled `label`."""
    return as_value(x, what, label)


def _named(owner_label, name):
    """The label of a neuron's parameter: "h1.w0" for neuron "h1", "w0" for an unlabelled one."""
    return f"{owner_label}.{name}" if owner_label else name


def _checked_inputs(owner, inputs, count):
    """`inputs` as `count` Values; numbers become input leaves labelled x0, x1, ...

    The common case, a list or tuple of `count` Values (a layer's own output fed
    to the next), is returned as it is after one look at each item; everything
    else takes the full check, which names what is wrong.
    """
    if (inputs.__class__ is list or inputs.__class__ is tuple) and len(inputs) == count:
        for x in inputs:
            if x.__class__ is not Value:
                break
        else:
            return inputs
    if not is_sequence(inputs):
        raise TypeError(
            f"{owner}: inputs must be a list of {count} numbers or Values, got {type(inputs).__name__}: {shown(inputs)}"
        )
    if len(inputs) != count:
        raise ArgumentError(f"{owner}: expected {count} inputs, got {len(inputs)}")
    return [
        x if x.__class__ is Value else as_value(x, f"{owner}: inputs[{index}]", f"x{index}")
        for index, x in enumerate(inputs)
    ]
