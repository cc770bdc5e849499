"""How drawings box the worked example's neurons: `NEURONS` and `neuron_groups`.

Owns which nodes of `nn.worked_example.labelled_graph()` belong to which
neuron in a drawing (a cluster per neuron in the graph view). Drawing is
viz's concern, so this lives here rather than beside the network in `nn`.
Imports nothing but the standard library; never the CLI.
"""

# The labelled nodes of each neuron, for clustering in drawings: its net input
# and its output. The error terms E_o1, E_o2 and E_total belong to no neuron.
NEURONS = {
    "h1": ("net_h1", "out_h1"),
    "h2": ("net_h2", "out_h2"),
    "o1": ("net_o1", "out_o1"),
    "o2": ("net_o2", "out_o2"),
}


def neuron_groups(graph):
    """Each neuron's nodes, for boxing in a drawing: the weights feeding it, its net input and output.

    `graph` is what `nn.worked_example.labelled_graph` returns; the result maps
    "neuron h1" etc. to lists of its Values (the shared biases belong to no
    single neuron). Pass it as `to_dot(..., groups=...)`.
    """
    groups = {}
    for neuron, labels in NEURONS.items():
        members = [graph[label] for label in labels]
        weights = [parent for parent in members[0].parents if parent.label.startswith("w")]
        groups[f"neuron {neuron}"] = weights + members
    return groups
