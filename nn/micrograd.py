"""micrograd's `nn` on tracegrad: change `micrograd.engine`/`micrograd.nn` to `nn.micrograd` and its code runs.

Owns `Neuron(nin, nonlin=True)`, `Layer(nin, nout, **kwargs)` and `MLP(nin,
nouts)` with micrograd 0.1.0's semantics, and re-exports `Value` and `Module`
so that one import serves. Imports `autograd` (`Value`), `nn.checks`,
`nn.layers`, `nn.module` and `nn.shapes`; never `viz`.

The same as micrograd: hidden layers are ReLU and the last layer is linear; a
layer (and so an MLP) whose last layer has one neuron returns a single Value,
otherwise a list; neurons have `w` (list of weights) and `b` (bias) and
`nonlin`; `parameters()` lists each neuron's `w` then its `b`, neuron by
neuron, layer by layer; `zero_grad()`; weights are drawn with
`random.uniform(-1, 1)` from Python's module-level `random` in that same
order and biases start at 0, so after `random.seed(k)` both libraries build
the same network.

These are tracegrad's own classes (subclasses of `nn.Neuron`, `nn.Layer`,
`nn.MLP`) on tracegrad's one engine: a neuron's net input is one
`weighted_sum` node rather than micrograd's chain of `+` nodes, so sums are
added in another order and results agree with micrograd's to rounding (about
1e-16 relative per operation), not bit for bit. `backward()` adds into the
root's `.grad` as everywhere in tracegrad (micrograd sets it to 1); after
`zero_grad()` or on a new graph the two are the same.
"""

from autograd import Value
from nn import layers, shapes
from nn.checks import check_flag
from nn.module import Module

__all__ = ["MLP", "Layer", "Module", "Neuron", "Value"]


class Neuron(layers.Neuron):
    """micrograd's neuron: relu(sum_i w_i x_i + b) when `nonlin`, else the sum itself."""

    def __init__(self, nin, nonlin=True):
        check_flag(nonlin, "Neuron: nonlin")
        super().__init__(nin, "relu" if nonlin else "linear")

    @property
    def w(self):
        """The weights, a list of Values (micrograd's name for `weights`)."""
        return self.weights

    @property
    def b(self):
        """The bias Value (micrograd's name for `bias`)."""
        return self.bias

    @property
    def nonlin(self):
        return self.activation == "relu"

    def __repr__(self):
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({self.nin})"


class Layer(layers.Layer):
    """`nout` micrograd Neurons on the same inputs; one Value out when `nout` is 1, else a list."""

    def __init__(self, nin, nout, **kwargs):
        unexpected = sorted(set(kwargs) - {"nonlin"})
        if unexpected:
            raise TypeError(f"Layer: unexpected keyword argument {unexpected[0]!r} (micrograd's Layer passes nonlin)")
        nonlin = kwargs.get("nonlin", True)
        check_flag(nonlin, "Layer: nonlin")
        shapes.check_size("Layer", nin, nout)
        # Drawn neuron by neuron, weight by weight, as micrograd draws them.
        neurons = [Neuron(nin, nonlin) for _ in range(nout)]
        super().__init__(
            nin,
            nout,
            "relu" if nonlin else "linear",
            weights=[neuron.weights for neuron in neurons],
            biases=[neuron.bias for neuron in neurons],
        )
        self.neurons = neurons  # the same parameter Values, as micrograd Neurons (w, b, nonlin)

    def __call__(self, x):
        out = super().__call__(x)
        return out[0] if len(out) == 1 else out

    def __repr__(self):
        return f"Layer of [{', '.join(str(neuron) for neuron in self.neurons)}]"


class MLP(layers.MLP):
    """micrograd's MLP: `nin` inputs, a Layer per entry of `nouts`, ReLU hidden layers, a linear last one."""

    def __init__(self, nin, nouts):
        shapes.check_sizes("MLP", nin, nouts, "nouts")
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        layers.Sequential.__init__(self, [Layer(sizes[i], sizes[i + 1], nonlin=i != last) for i in range(len(nouts))])
        self.activation = "relu"
        self.output_activation = "linear"

    def __call__(self, x):
        # Every layer hands the next a list (micrograd breaks on a hidden layer of one neuron; this does not).
        for layer in self.layers:
            x = layers.Layer.__call__(layer, x)
        return x[0] if len(x) == 1 else x

    def __repr__(self):
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
