"""The classic step-by-step backpropagation example, built with nn, to the last published digit.

Owns the 2-2-2 sigmoid network of the post (inputs 0.05 and 0.10, targets
0.01 and 0.99, one bias b1 shared by the hidden neurons and one b2 shared by
the output neurons), its labelled graph, its published figures and its
training in two update orders. Imports `dataclasses` from the standard
library, `autograd` (`Value`, `grad`, `topological_order`, `weighted_sum`) and
`nn.checks`, `nn.layers`, `nn.losses`, `nn.optim`; never `viz`.

Every node carries the post's name: i1 i2 w1..w8 b1 b2 net_h1 out_h1 net_h2
out_h2 net_o1 out_o1 net_o2 out_o2 E_o1 E_o2 E_total, and the targets
target_o1 and target_o2; the steps inside 1/2 (t - o)^2 are labelled by
`squared_error` (`target_o1 − out_o1`, `(target_o1 − out_o1)²`).

Two update orders:
- "exact" (the default): every gradient of a step is taken at the weights the
  step started with. This is gradient descent, and what backprop computes.
- "published": the output weights are updated first and the hidden-layer
  gradients are then computed with those already-updated output weights,
  which is what the post's later figures (0.291027924 after one step, ...)
  come from, although its text says to use the original weights.
"""

from dataclasses import dataclass

from autograd import Value, grad, topological_order, weighted_sum
from nn.checks import ArgumentError, as_number, check_count, check_flag, finite_nonnegative, shown
from nn.layers import Layer, Sequential
from nn.losses import squared_error
from nn.optim import SGD

INPUTS = {"i1": 0.05, "i2": 0.10}
TARGETS = {"o1": 0.01, "o2": 0.99}
INITIAL_WEIGHTS = {
    "w1": 0.15,
    "w2": 0.20,
    "w3": 0.25,
    "w4": 0.30,
    "w5": 0.40,
    "w6": 0.45,
    "w7": 0.50,
    "w8": 0.55,
    "b1": 0.35,
    "b2": 0.60,
}
LEARNING_RATE = 0.5
ORDERS = ("exact", "published")

# Every label `labelled_graph` returns, inputs first, errors last.
LABELS = (
    "i1", "i2",
    "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "b1", "b2",
    "net_h1", "out_h1", "net_h2", "out_h2", "net_o1", "out_o1", "net_o2", "out_o2",
    "target_o1", "target_o2", "E_o1", "E_o2", "E_total",
)  # fmt: skip

# The figures the post publishes, as printed (the digits shown set the
# tolerance: one unit in the last digit). Exact backprop reproduces all of them;
# `figures()` computes the same quantities, under the same keys.
PUBLISHED = {
    "out_h1": "0.593269992",
    "out_h2": "0.596884378",
    "out_o1": "0.75136507",
    "out_o2": "0.772928465",
    "E_o1": "0.274811083",
    "E_o2": "0.023560026",
    "E_total": "0.298371109",
    "dE_total/dout_o1": "0.74136507",
    "dout_o1/dnet_o1": "0.186815602",
    "dnet_o1/dw5": "0.593269992",
    "dE_total/dw5": "0.082167041",
    "new w5": "0.35891648",
    "new w6": "0.408666186",
    "new w7": "0.511301270",
    "new w8": "0.561370121",
    "dE_o1/dout_h1": "0.055399425",
    "dE_o2/dout_h1": "-0.019049119",
    "dE_total/dout_h1": "0.036350306",
    "dout_h1/dnet_h1": "0.241300709",
    "dE_total/dw1": "0.000438568",
    "new w1": "0.149780716",
    "new w2": "0.19956143",
    "new w3": "0.24975114",
    "new w4": "0.29950229",
}

# The post's later figures, which exact gradient descent does NOT reproduce;
# `train(..., order="published")` does.
PUBLISHED_LATER = {
    "E_total after 1 step": "0.291027924",
    "out_o1 after 10000 steps": "0.015912196",
    "out_o2 after 10000 steps": "0.984065734",
    "E_total after 10000 steps": "0.000035085",
}


def network(weights=None):
    """The post's network: `Sequential([hidden, output])`, two sigmoid Layers of 2 neurons.

    Parameters are labelled w1..w8, b1, b2 (b1 and b2 shared, one per layer);
    neurons h1, h2 and o1, o2. `weights` overrides any of INITIAL_WEIGHTS.
    """
    numbers = _checked_weights(weights)
    p = {name: Value(number, name) for name, number in numbers.items()}
    hidden = Layer(
        2,
        2,
        "sigmoid",
        weights=[[p["w1"], p["w2"]], [p["w3"], p["w4"]]],
        biases=p["b1"],
        shared_bias=True,
        label="hidden",
        neuron_labels=("h1", "h2"),
    )
    output = Layer(
        2,
        2,
        "sigmoid",
        weights=[[p["w5"], p["w6"]], [p["w7"], p["w8"]]],
        biases=p["b2"],
        shared_bias=True,
        label="output",
        neuron_labels=("o1", "o2"),
    )
    return Sequential([hidden, output])


def labelled_graph(weights=None, *, backward=False):
    """Every labelled node of the forward pass, by label (see LABELS), BEFORE any backward pass by default.

    Every `.grad` is 0.0, so `graph["E_total"].backward()` fills each with
    the post's gradient, once; a second `backward()` adds the same again
    (gradients accumulate, so every one is then exactly twice). With
    `backward=True` that one pass has been run already. `weights` (a dict like
    INITIAL_WEIGHTS, any subset) overrides the post's.
    """
    check_flag(backward, "labelled_graph: backward")
    model = network(weights)
    inputs = [Value(INPUTS["i1"], "i1"), Value(INPUTS["i2"], "i2")]
    targets = [Value(TARGETS["o1"], "target_o1"), Value(TARGETS["o2"], "target_o2")]
    error = squared_error(model(inputs), targets)  # labels E_o1, E_o2 and their parts itself
    if backward:
        error.backward()
    found = {node.label: node for node in topological_order(error) if node.label}
    return {label: found[label] for label in LABELS}


def figures(graph=None):
    """Every quantity of PUBLISHED (same keys) as exact backprop computes it, read off the graph.

    `graph` is what `labelled_graph(backward=True)` returns (the default).
    Values and gradients come from the labelled nodes, local derivatives from
    their `local_grads`, dE_o1/dout_h1 and dE_o2/dout_h1 from `grad`, and the
    new weights are w - LEARNING_RATE * dE_total/dw.
    """
    g = labelled_graph(backward=True) if graph is None else graph
    (error_o1_by_out_h1,) = grad(g["E_o1"], [g["out_h1"]])
    (error_o2_by_out_h1,) = grad(g["E_o2"], [g["out_h1"]])
    result = {name: g[name].data for name in ("out_h1", "out_h2", "out_o1", "out_o2", "E_o1", "E_o2", "E_total")}
    result["dE_total/dout_o1"] = g["out_o1"].grad
    result["dout_o1/dnet_o1"] = _local(g["out_o1"], g["net_o1"])
    result["dnet_o1/dw5"] = _local(g["net_o1"], g["w5"])
    result["dE_total/dw5"] = g["w5"].grad
    for name in ("w5", "w6", "w7", "w8"):
        result[f"new {name}"] = g[name].data - LEARNING_RATE * g[name].grad
    result["dE_o1/dout_h1"] = error_o1_by_out_h1.data
    result["dE_o2/dout_h1"] = error_o2_by_out_h1.data
    result["dE_total/dout_h1"] = g["out_h1"].grad
    result["dout_h1/dnet_h1"] = _local(g["out_h1"], g["net_h1"])
    result["dE_total/dw1"] = g["w1"].grad
    for name in ("w1", "w2", "w3", "w4"):
        result[f"new {name}"] = g[name].data - LEARNING_RATE * g[name].grad
    return result


@dataclass(frozen=True)
class TrainingResult:
    """The outcome of `train`.

    `weights` maps w1..w8, b1, b2 to their values after training; `error` is
    E_total evaluated with those weights and `outputs` are (out_o1, out_o2)
    there; `initial_error` is E_total before any step; `history[k]` is E_total
    at the forward pass of step k, before its update.
    """

    steps: int
    order: str
    learning_rate: float
    train_biases: bool
    initial_error: float
    error: float
    outputs: tuple
    weights: dict
    history: list


def train(steps, *, learning_rate=LEARNING_RATE, order="exact", train_biases=False, weights=None):
    """Run `steps` steps of gradient descent on the post's training pair.

    `order` is "exact" (the default) or "published" (the module docstring
    says how they differ). The post trains w1..w8 only; with
    `train_biases=True` the shared b1 and b2 are trained too.
    """
    check_count("train: steps", steps, 0)
    if not isinstance(order, str):
        raise TypeError(f"train: order must be 'exact' or 'published', got {type(order).__name__}: {shown(order)}")
    if order not in ORDERS:
        raise ArgumentError(f"train: order must be 'exact' or 'published', got {shown(order)}")
    learning_rate = finite_nonnegative(learning_rate, "train: learning_rate")
    check_flag(train_biases, "train: train_biases")
    model = network(weights)
    hidden, output = model.layers
    parameters = {p.label: p for p in model.parameters()}
    hidden_names = ["w1", "w2", "w3", "w4"] + (["b1"] if train_biases else [])
    output_names = ["w5", "w6", "w7", "w8"] + (["b2"] if train_biases else [])
    hidden_parameters = [parameters[name] for name in hidden_names]
    output_parameters = [parameters[name] for name in output_names]
    inputs = [Value(INPUTS["i1"], "i1"), Value(INPUTS["i2"], "i2")]
    targets = [TARGETS["o1"], TARGETS["o2"]]
    initial_error = squared_error(model(inputs), targets).data
    history = []
    if order == "exact":
        optimizer = SGD(hidden_parameters + output_parameters, learning_rate)
        for _ in range(steps):
            error = squared_error(model(inputs), targets)
            history.append(error.data)
            optimizer.zero_grad()
            error.backward()
            optimizer.step()
    else:
        hidden_optimizer = SGD(hidden_parameters, learning_rate)
        output_optimizer = SGD(output_parameters, learning_rate)
        for _ in range(steps):
            hidden_outputs = hidden(inputs)
            outputs = output(hidden_outputs)
            error = squared_error(outputs, targets)
            history.append(error.data)
            output_optimizer.zero_grad()
            error.backward()
            output_optimizer.step()
            # dE/dnet_o of this step's forward pass, pushed back through output nets
            # rebuilt with the updated output weights: the post's hidden-layer gradients.
            deltas = [out.parents[0].grad for out in outputs]
            rebuilt = weighted_sum(deltas, [neuron.net(hidden_outputs) for neuron in output.neurons])
            for p, gradient in zip(hidden_parameters, grad(rebuilt, hidden_parameters)):
                p.grad = gradient.data
            hidden_optimizer.step()
    outputs = model(inputs)
    return TrainingResult(
        steps=steps,
        order=order,
        learning_rate=learning_rate,
        train_biases=train_biases,
        initial_error=initial_error,
        error=squared_error(outputs, targets).data,
        outputs=(outputs[0].data, outputs[1].data),
        weights={name: parameters[name].data for name in INITIAL_WEIGHTS},
        history=history,
    )


def _checked_weights(weights):
    numbers = dict(INITIAL_WEIGHTS)
    if weights is None:
        return numbers
    if not isinstance(weights, dict):
        raise TypeError(f"weights must be a dict like {{'w1': 0.15, ...}}, got {type(weights).__name__}")
    for name, number in weights.items():
        if name not in INITIAL_WEIGHTS:
            raise ArgumentError(f"weights: unknown name {shown(name)}; the names are {', '.join(INITIAL_WEIGHTS)}")
        numbers[name] = as_number(number, f"weights: {name}")
    return numbers


def _local(child, parent):
    """d(child)/d(parent) as recorded on `child` (summed if parent feeds it twice)."""
    return sum(local for node, local in zip(child.parents, child.local_grads) if node is parent)
