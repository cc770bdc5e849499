"""The network view: a graph of Values drawn as a textbook draws a neural network.

Owns `network_dot`, what `to_dot(root, view="network")` returns. Imports
`graphviz`, the modules both views share (`viz.walk`, `viz.dot_text`,
`viz.names`, `viz.digraph`) and `viz.neurons`, which finds the neurons; never `viz.dot`
(which imports this module) nor the CLI.

A neuron (see `viz.neurons`) is a `weighted_sum` node, net = sum_i w_i x_i +
b, together with the activation it feeds. Each neuron is ONE node showing net
and out, their gradients (d root/d net is the textbook's delta) and d out/d
net. Each weight that is a
leaf used only as a weight becomes an edge from the input it multiplies to the
neuron, labelled with its name, value and gradient; inputs and biases are
nodes. The rest (targets, losses, error terms) is drawn compactly: a node
without a label that feeds exactly one other node is merged into it, and the
edges into a merged node carry the derivative of that node with respect to
the edge's tail, the product of the local derivatives in between.

A graph with no neuron in it is drawn as the ordinary graph view.
"""

import itertools

import graphviz

from viz.digraph import Digraph
from viz.dot_text import escape_record_field, escape_text
from viz.names import DEFAULT_DIGITS, format_number, node_names, printable
from viz.neurons import find_neurons
from viz.walk import DEFAULT_MAX_NODES, check_options, edge_id, fed_by, node_id, reading_order

_FONT = "Helvetica"
_NEURON_FILL = "#fdf0c2"
_INPUT_FILL = "#e3eefa"
_BIAS_FILL = "#eeeeee"
_OTHER_FILL = "white"
_ROOT_FILL = "#f6d8b8"
_HIGHLIGHT = "#c0392b"
_HIGHLIGHT_FILL = "#f9dcd8"
_EDGE = "#4d4d4d"
_BIAS_EDGE = "#8c8c8c"
_SPLIT_LIMIT = 3  # an output read by more nodes than this shows only its total gradient
_NAME_LIMIT = 4  # a longer root name is called E in the labels (the legend says which)


def network_dot(
    root,
    *,
    rankdir="LR",
    max_nodes=DEFAULT_MAX_NODES,
    highlight=None,
    digits=DEFAULT_DIGITS,
    flows=None,
    legend=True,
):
    """The graph of `root` drawn as a network, or None when it has no neuron.

    Options as for `to_dot`; `flows=True` writes under each weight, in
    brackets, the gradient its arrow carries back to the input, delta × w
    (off by default: a neuron's output read by two or three neurons already
    lists these terms under its gradient).
    """
    check_options(root, rankdir=rankdir, digits=digits, max_nodes=max_nodes, highlight=highlight)
    order = reading_order(root)
    neurons = find_neurons(root, order)
    if not neurons:
        return None
    return _Drawing(root, order, neurons, rankdir, highlight, digits, flows, legend).graph


class _Drawing:
    """Builds the Digraph of the network view; one instance per drawing."""

    def __init__(self, root, order, neurons, rankdir, highlight, digits, flows, legend):
        self.root = root
        self.digits = digits
        self.names = node_names(order, digits)
        root_name = self.names[root]
        self.e = root_name if len(root_name) <= _NAME_LIMIT else "E"
        self.emphasised = fed_by(order, highlight) if highlight in set(order) else set()
        self.highlight = highlight

        self.neuron_of = {}
        self.neuron_by_node = {}
        self.index = {node: index for index, node in enumerate(order)}
        for neuron in neurons:
            self.neuron_of[neuron.net] = self.neuron_of[neuron.out] = node_id(self.index[neuron.net])
            self.neuron_by_node[neuron.net] = self.neuron_by_node[neuron.out] = neuron
        uses = {}
        for node in order:
            for parent in node.parents:
                uses[parent] = uses.get(parent, 0) + 1
        weight_uses = {}
        for neuron in neurons:
            for weight in neuron.weights:
                weight_uses[weight] = weight_uses.get(weight, 0) + 1
        # Weights drawn only as edge labels: leaves read by nothing but neurons, as weights.
        self.edge_weights = {
            w for w, n in weight_uses.items() if not w.parents and uses[w] == n and w not in self.neuron_of
        }
        biases = {neuron.bias for neuron in neurons if neuron.bias is not None}
        neuron_inputs = {x for neuron in neurons for x in neuron.inputs} | biases
        neuron_inputs |= {w for w in weight_uses if w not in self.edge_weights}

        # Every other node is a node of its own or merged into the one node it feeds.
        self.rep = {}
        self.consumers = consumers = {}
        for node in order:
            for parent in node.parents:
                consumers.setdefault(parent, []).append(node)
        shown = []
        for node in reversed(order):
            if node in self.neuron_of or node in self.edge_weights:
                continue
            readers = consumers.get(node, [])
            merged = (
                node is not root
                and not node.label
                and node not in neuron_inputs
                and node is not highlight
                and len(readers) == 1
                and readers[0] not in self.neuron_of
            )
            if merged:
                self.rep[node] = self.rep[readers[0]]
            else:
                self.rep[node] = node_id(self.index[node])
                shown.append(node)
        shown.reverse()
        members = {}
        for node in order:
            if node in self.rep:
                members.setdefault(self.rep[node], []).append(node)

        self.graph = Digraph(name="tracegrad", comment="drawn by tracegrad: the network view")
        # Straight segments through the label positions: each weight sits on its own line, as in textbooks.
        self.graph.attr(rankdir=rankdir, nodesep="0.3", ranksep="0.5", newrank="true", splines="polyline")
        self.graph.attr("node", fontname=_FONT, fontsize="14", style="filled,rounded", shape="Mrecord")
        self.graph.attr("edge", fontname=_FONT, fontsize="13", arrowsize="0.7", color=_EDGE)
        if legend:
            self.graph.attr(label=graphviz.nohtml(self._legend(root_name, flows)), labelloc="b", labeljust="l")
            self.graph.attr(fontname=_FONT, fontsize="12", fontcolor="#444444")
        self.vertical = rankdir in ("LR", "RL")

        for node in shown:
            self._value_node(self.graph, node, self._kind(node, biases, neuron_inputs))
        for neuron in neurons:
            self._neuron_node(self.graph, neuron)
        self._ranks(neurons)
        for neuron in neurons:
            self._neuron_edges(neuron, flows)
        for neuron in neurons:
            self._bias_edge(neuron)
        for node in shown:
            self._compact_edges(node, members[self.rep[node]])

    def _kind(self, node, biases, neuron_inputs):
        if node is self.root:
            return "root"
        if node.parents:
            return "value"
        if node in biases:
            return "bias"
        return "input" if node in neuron_inputs else "constant"

    def _ranks(self, neurons):
        """Layers as columns: the inputs, then each layer's neurons; each bias below the column feeding its neurons."""
        columns = {}
        placed = set()

        def place(column, node_id):
            if node_id not in placed:
                placed.add(node_id)
                columns.setdefault(column, []).append(node_id)

        for neuron in neurons:
            for x in neuron.inputs:
                if not x.parents and x in self.rep:
                    place(neuron.layer - 1, self.rep[x])
            place(neuron.layer, self.neuron_of[neuron.net])
        for neuron in neurons:
            if neuron.bias is not None and not neuron.bias.parents and neuron.bias in self.rep:
                place(neuron.layer - 1, self.rep[neuron.bias])
        for column in sorted(columns):
            with self.graph.subgraph() as same:
                same.attr(rank="same")
                ids = columns[column]
                for node_id in ids:
                    same.node(node_id)
                for upper, lower in itertools.pairwise(ids):
                    same.edge(upper, lower, style="invis")

    def _id(self, node):
        return self.neuron_of.get(node) or self.rep[node]

    def _number(self, x):
        return format_number(x, self.digits)

    def _fields(self, rows):
        """A record label of one field per row, the rows stacked whatever the rankdir."""
        label = "|".join(escape_record_field(row) for row in rows)
        return graphviz.nohtml(label if self.vertical else "{" + label + "}")

    def _node_style(self, node, fill):
        attributes = {"fillcolor": fill}
        if node in self.emphasised:
            attributes.update(color=_HIGHLIGHT, penwidth="2.5")
            if node is self.highlight:
                attributes["fillcolor"] = _HIGHLIGHT_FILL
        return attributes

    def _neuron_node(self, target, neuron):
        """Forward on top (net, out), backward below it (∂E/∂out × ∂out/∂net = δ), as the textbook goes."""
        n = self._number
        e = self.e
        rows = [f"{neuron.name} · {neuron.activation}", f"net {n(neuron.net.data)}"]
        if neuron.out is not neuron.net:
            rows.append(f"out {n(neuron.out.data)}")
            rows.append(f"∂{e}/∂out {n(neuron.out.grad)}")
            rows.extend(f"{sign} {n(term)} from {name}" for sign, term, name in self._split(neuron.out))
            rows.append(f"∂out/∂net {n(neuron.out.local_grads[0])}")
        rows.append(f"δ = ∂{e}/∂net {n(neuron.net.grad)}")
        emphasised = neuron.net in self.emphasised or neuron.out in self.emphasised
        attributes = {"fillcolor": _ROOT_FILL if self.root in (neuron.net, neuron.out) else _NEURON_FILL}
        if emphasised:
            attributes.update(color=_HIGHLIGHT, penwidth="2.5")
            if self.highlight in (neuron.net, neuron.out):
                attributes["fillcolor"] = _HIGHLIGHT_FILL
        name = self.neuron_of[neuron.net]
        target.node(name, id=name, label=self._fields(rows), **attributes)

    def _split(self, node):
        """What each reader of `node` sends back to it, when 2 or 3 do: the terms that add up to its gradient.

        For an output feeding the next layer these are delta × w, one per
        neuron it feeds (the post's dE_o1/dout_h1 and dE_o2/dout_h1).
        """
        terms = []
        for reader in self.consumers.get(node, []):
            name = self._name(reader)
            for parent, local in zip(reader.parents, reader.local_grads):
                if parent is node:
                    terms.append((reader.grad * local, name))
        if not 2 <= len(terms) <= _SPLIT_LIMIT:
            return []
        (first, first_name), rest = terms[0], terms[1:]
        return [("=", first, first_name)] + [("−" if term < 0 else "+", abs(term), name) for term, name in rest]

    def _name(self, node):
        neuron = self.neuron_by_node.get(node)
        return neuron.name if neuron is not None else self.names[node]

    def _value_node(self, target, node, kind):
        """An input, a bias or another value: its name and value, and its gradient where it has one."""
        n = self._number
        rows = [f"{self.names[node]} = {n(node.data)}"]
        if node is not self.root and kind != "constant":
            rows.append(f"∂{self.e}/∂{self.names[node]} {n(node.grad)}")
        fill = {"root": _ROOT_FILL, "bias": _BIAS_FILL, "input": _INPUT_FILL}.get(kind, _OTHER_FILL)
        name = self.rep[node]
        target.node(name, id=name, label=self._fields(rows), **self._node_style(node, fill))

    def _edge_style(self, tail, via=None):
        on_path = tail in self.emphasised or (via is not None and via in self.emphasised)
        return {"color": _HIGHLIGHT, "fontcolor": _HIGHLIGHT, "penwidth": "2.5"} if on_path else {}

    def _neuron_edges(self, neuron, flows):
        """One arrow per weight, from the input it multiplies; its id is the weight's operand edge (`e7_0`)."""
        head = self.neuron_of[neuron.net]
        net = self.index[neuron.net]
        count = len(neuron.weights)
        for index, (weight, x) in enumerate(zip(neuron.weights, neuron.inputs)):
            name = self._weight_name(neuron, weight, index)
            lines = [f"{name} = {self._number(weight.data)}", f"∂{self.e}/∂{name} {self._number(weight.grad)}"]
            if flows:
                lines.append(f"[{self._number(neuron.net.grad * weight.data)}]")
            attributes = self._edge_style(x, weight)
            label = escape_text("\n".join(lines))
            if weight in self.edge_weights:
                self.graph.edge(self._id(x), head, id=edge_id(net, index), label=label, **attributes)
            else:  # a weight computed by the graph is a node of its own, with a dotted arrow
                self.graph.edge(self._id(x), head, id=edge_id(net, count + index), label=label, **attributes)
                self.graph.edge(
                    self._id(weight), head, id=edge_id(net, index), style="dotted", arrowhead="odot", **attributes
                )

    def _bias_edge(self, neuron):
        """A dashed arrow from the bias; it sets no rank, so the layers' order comes from the weights alone."""
        if neuron.bias is not None:
            attributes = {"style": "dashed", "color": _BIAS_EDGE, "constraint": "false"}
            attributes.update(self._edge_style(neuron.bias))
            edge = edge_id(self.index[neuron.net], len(neuron.net.parents) - 1)
            self.graph.edge(self._id(neuron.bias), self.neuron_of[neuron.net], id=edge, **attributes)

    def _weight_name(self, neuron, weight, index):
        if weight not in self.edge_weights:
            return self.names[weight]
        label = printable(weight.label)
        if not label:
            return f"w{index}"
        prefix = neuron.name + "."
        return label[len(prefix) :] if label.startswith(prefix) and len(label) > len(prefix) else label

    def _compact_edges(self, node, group):
        """The arrows into a shown node: one per outside node its group reads, with d(node)/d(that node).

        `group` is the node and the nodes merged into it, in reading order. The
        derivative is summed over every way the outside node enters the group
        (a small reverse pass inside it); the arrow's id is that of the first
        operand edge by which it enters.
        """
        inside = set(group)
        adjoint = {node: 1.0}
        outside = {}
        first_entry = {}
        for member in reversed(group):  # `node`, the group's last, first: each member after all it feeds
            carried = adjoint.get(member, 0.0)
            for position, (parent, local) in enumerate(zip(member.parents, member.local_grads)):
                if parent in inside:
                    adjoint[parent] = adjoint.get(parent, 0.0) + carried * local
                else:
                    outside[parent] = outside.get(parent, 0.0) + carried * local
                    first_entry.setdefault(parent, edge_id(self.index[member], position))
        for parent, derivative in outside.items():
            self.graph.edge(
                self._id(parent),
                self.rep[node],
                id=first_entry[parent],
                label=self._number(derivative),
                **self._edge_style(parent),
            )

    def _legend(self, root_name, flows):
        e = self.e
        lines = [
            f"Each neuron, top to bottom: net = Σ w·x + b; out = activation(net); ∂{e}/∂out, and under it the δ × w",
            f"that each neuron it feeds sends back; ∂out/∂net; δ = ∂{e}/∂net = ∂{e}/∂out × ∂out/∂net.",
            f"Each solid arrow into a neuron: a weight w, its value and ∂{e}/∂w. Dashed arrows bring the bias.",
            f"Other boxes: name = value and the gradient ∂{e}/∂name; an arrow into one: its derivative by the tail.",
        ]
        if e != root_name:
            lines.insert(0, f"{e} is {root_name}, the quantity the gradients are of.")
        if flows:
            lines.append("In brackets: the gradient a weight's arrow carries back to its input, δ × w.")
        return "".join(escape_text(line) + "\\l" for line in lines)
