"""The neurons of a graph, as the network view draws them: `find_neurons` and its `Neuron`.

Owns what counts as a neuron: a `weighted_sum` node, net = sum_i w_i x_i + b
(parents: the weights, then the inputs, then the bias), together with the
activation it feeds when that activation (sigmoid, tanh, relu, ...) is the
only node that reads the net; its layer, counted from the inputs; and its
name (`h1` for the nodes net_h1 and out_h1, `L1.n0` for an unlabelled one).
Imports `autograd`, `viz.names` and `viz.walk`; never the CLI.
"""

from dataclasses import dataclass

from autograd import Value
from viz.names import printable
from viz.walk import reading_order

# The ops drawn inside the neuron whose net they read.
ACTIVATION_OPS = frozenset({"sigmoid", "tanh", "relu", "leaky_relu", "softplus", "elu", "gelu", "silu", "exp"})


@dataclass(frozen=True)
class Neuron:
    """One neuron found in a graph: its net input node and its output node (the net itself when linear)."""

    name: str
    net: Value
    out: Value
    weights: tuple
    inputs: tuple
    bias: Value | None
    layer: int

    @property
    def activation(self):
        return self.out.op if self.out is not self.net else "linear"


def weighted_sum_slots(node):
    """(weights, inputs, bias) of a `weighted_sum` node, or None when it is no neuron's net input.

    The parents of `weighted_sum(weights, inputs, bias)` are the weights, then
    the inputs, then the bias if there is one. A sum whose weights are also its
    inputs (w·w, an L2 penalty) is no neuron.
    """
    if node.op != "weighted_sum":
        return None
    parents = node.parents
    count = len(parents) // 2
    if count == 0:
        return None
    weights = parents[:count]
    inputs = parents[count : 2 * count]
    bias = parents[-1] if len(parents) % 2 else None
    if set(weights) & set(inputs):
        return None
    return weights, inputs, bias


def find_neurons(root, order=None):
    """The neurons of `root`'s graph, in reading order (inputs first), named as the drawing names them."""
    order = reading_order(root) if order is None else order
    consumers = {}
    for node in order:
        for parent in node.parents:
            consumers.setdefault(parent, []).append(node)
    found = []
    layer_of = {}  # a neuron's output node -> its layer (1 for the first)
    for node in order:
        slots = weighted_sum_slots(node)
        if slots is None:
            continue
        weights, inputs, bias = slots
        out = node
        readers = consumers.get(node, [])
        if len(readers) == 1 and readers[0].op in ACTIVATION_OPS and readers[0].parents == (node,):
            out = readers[0]
        layer = 1 + max((layer_of.get(x, 0) for x in inputs), default=0)
        layer_of[out] = layer
        found.append((node, out, weights, inputs, bias, layer))
    names = _neuron_names(found)
    return [
        Neuron(name, net, out, weights, inputs, bias, layer)
        for name, (net, out, weights, inputs, bias, layer) in zip(names, found)
    ]


def _neuron_names(found):
    """`h1` for a neuron whose nodes are net_h1 and out_h1; `L1.n0` (layer, index) for an unlabelled one."""
    names = []
    index_in_layer = {}
    for net, out, _, _, _, layer in found:
        index = index_in_layer.get(layer, 0)
        index_in_layer[layer] = index + 1
        name = _stem(out.label, "out_") if out is not net else ""
        name = name or _stem(net.label, "net_") or printable(out.label) or f"L{layer - 1}.n{index}"
        names.append(name)
    seen = {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
    counter = {}
    unique = []
    for name in names:
        if seen[name] > 1:
            counter[name] = counter.get(name, 0) + 1
            name = f"{name}#{counter[name]}"
        unique.append(name)
    return unique


def _stem(label, prefix):
    label = printable(label)
    return label[len(prefix) :] if label.startswith(prefix) and len(label) > len(prefix) else ""
