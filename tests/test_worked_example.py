"""The worked example (the classic step-by-step backpropagation post) against its published figures.

The oracle is the post: every number below is typed in from its table, as
printed, and a computed figure must agree to the digits shown (within one unit
of the last). The module's own PUBLISHED table is checked against this one.
"""

import pytest
from published import agrees_with_published

from autograd import Value, grad, topological_order
from nn import SGD, ArgumentError, Layer, Sequential, squared_error
from nn import worked_example as we

# The post's table, as printed.
TABLE = {
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


def assert_printed(number, printed):
    """`number` agrees with the printed figure within one unit of its last digit."""
    decimals = len(printed.split(".")[1])
    unit = 10.0**-decimals
    assert abs(number - float(printed)) <= unit * (1 + 1e-9), f"{number!r} is not {printed} to {decimals} decimals"


def local(child, parent):
    (position,) = [i for i, node in enumerate(child.parents) if node is parent]
    return child.local_grads[position]


@pytest.fixture(scope="module")
def graph():
    return we.labelled_graph(backward=True)


def test_every_label_of_the_post_names_a_node(graph):
    expected = {"i1", "i2", "b1", "b2", "E_o1", "E_o2", "E_total"}
    expected |= {f"w{k}" for k in range(1, 9)}
    expected |= {f"{part}_{neuron}" for part in ("net", "out") for neuron in ("h1", "h2", "o1", "o2")}
    assert expected <= set(graph)
    assert set(graph) == set(we.LABELS)
    for label, node in graph.items():
        assert isinstance(node, Value)
        assert node.label == label
    # Every labelled node is in E_total's graph, and no two nodes share a label.
    nodes = topological_order(graph["E_total"])
    labels = [node.label for node in nodes if node.label]
    assert len(labels) == len(set(labels))
    assert set(labels) == set(graph)


def test_the_graph_has_the_post_structure(graph):
    g = graph
    # One weighted-sum node per net input, parents weights, inputs, bias; shared biases.
    assert g["net_h1"].op == "weighted_sum"
    assert g["net_h1"].parents == (g["w1"], g["w2"], g["i1"], g["i2"], g["b1"])
    assert g["net_h2"].parents == (g["w3"], g["w4"], g["i1"], g["i2"], g["b1"])
    assert g["net_o1"].parents == (g["w5"], g["w6"], g["out_h1"], g["out_h2"], g["b2"])
    assert g["net_o2"].parents == (g["w7"], g["w8"], g["out_h1"], g["out_h2"], g["b2"])
    assert g["net_o1"].local_grads == (g["out_h1"].data, g["out_h2"].data, 0.40, 0.45, 1.0)
    for neuron in ("h1", "h2", "o1", "o2"):
        net, out = f"net_{neuron}", f"out_{neuron}"
        assert g[out].op == "sigmoid" and g[out].parents == (g[net],), neuron
    assert g["E_total"].op == "sum" and g["E_total"].parents == (g["E_o1"], g["E_o2"])
    # The shared biases collect the gradient of both neurons they feed.
    assert g["b1"].grad == pytest.approx(g["net_h1"].grad + g["net_h2"].grad, rel=1e-15)


@pytest.mark.parametrize("name", ["out_h1", "out_h2", "out_o1", "out_o2", "E_o1", "E_o2", "E_total"])
def test_forward_pass_figures(graph, name):
    assert_printed(graph[name].data, TABLE[name])


def test_partial_derivatives_read_off_the_nodes(graph):
    g = graph
    assert_printed(g["out_o1"].grad, TABLE["dE_total/dout_o1"])
    assert_printed(local(g["out_o1"], g["net_o1"]), TABLE["dout_o1/dnet_o1"])
    assert_printed(local(g["net_o1"], g["w5"]), TABLE["dnet_o1/dw5"])
    assert_printed(g["w5"].grad, TABLE["dE_total/dw5"])
    (by_e_o1,) = grad(g["E_o1"], [g["out_h1"]])
    (by_e_o2,) = grad(g["E_o2"], [g["out_h1"]])
    assert_printed(by_e_o1.data, TABLE["dE_o1/dout_h1"])
    assert_printed(by_e_o2.data, TABLE["dE_o2/dout_h1"])
    assert by_e_o2.data == pytest.approx(-0.01904911826, abs=1e-11)  # the unrounded figure
    assert_printed(g["out_h1"].grad, TABLE["dE_total/dout_h1"])
    assert_printed(local(g["out_h1"], g["net_h1"]), TABLE["dout_h1/dnet_h1"])
    assert_printed(g["w1"].grad, TABLE["dE_total/dw1"])


def test_chain_rule_products_match_the_post(graph):
    g = graph
    product = g["out_o1"].grad * local(g["out_o1"], g["net_o1"]) * local(g["net_o1"], g["w5"])
    assert product == pytest.approx(g["w5"].grad, rel=1e-14)


@pytest.mark.parametrize("k", range(1, 9))
def test_new_weights_after_one_step(k):
    result = we.train(1)
    assert_printed(result.weights[f"w{k}"], TABLE[f"new w{k}"])
    assert result.weights["b1"] == 0.35 and result.weights["b2"] == 0.60


def test_module_figures_and_published_constants_agree_with_the_post(graph):
    assert we.PUBLISHED == TABLE
    computed = we.figures(graph)
    assert set(computed) == set(TABLE)
    for name, printed in TABLE.items():
        assert_printed(computed[name], printed)
        assert agrees_with_published(printed, computed[name])
    assert not agrees_with_published("0.291027924", 0.291027774)
    assert we.PUBLISHED_LATER == {
        "E_total after 1 step": "0.291027924",
        "out_o1 after 10000 steps": "0.015912196",
        "out_o2 after 10000 steps": "0.984065734",
        "E_total after 10000 steps": "0.000035085",
    }


def test_one_exact_step():
    result = we.train(1)
    assert result.initial_error == pytest.approx(0.298371109, abs=1e-9)
    assert result.error == pytest.approx(0.291027774, abs=1e-9)
    assert result.history == [result.initial_error]


def test_one_step_in_the_posts_order():
    result = we.train(1, order="published")
    assert result.error == pytest.approx(0.291027924, abs=1e-9)


def test_one_step_training_the_shared_biases():
    result = we.train(1, train_biases=True)
    assert result.error == pytest.approx(0.285750887, abs=1e-9)
    assert result.weights["b1"] != 0.35 and result.weights["b2"] != 0.60


def test_one_step_training_one_bias_per_neuron():
    """Built directly with nn Layers, biases not shared: the other figure of the note."""
    model = Sequential(
        [
            Layer(2, 2, "sigmoid", weights=[[0.15, 0.20], [0.25, 0.30]], biases=[0.35, 0.35]),
            Layer(2, 2, "sigmoid", weights=[[0.40, 0.45], [0.50, 0.55]], biases=[0.60, 0.60]),
        ]
    )
    assert len(model.parameters()) == 12
    optimizer = SGD(model.parameters(), lr=0.5)
    squared_error(model([0.05, 0.10]), [0.01, 0.99]).backward()
    optimizer.step()
    assert squared_error(model([0.05, 0.10]), [0.01, 0.99]).data == pytest.approx(0.280471447, abs=1e-9)


def test_the_orders_agree_before_the_first_update_and_differ_after():
    exact, published = we.train(2), we.train(2, order="published")
    assert exact.history[0] == published.history[0]
    assert exact.history[1] != published.history[1]
    # The output weights get the same first update in both orders.
    one_exact, one_published = we.train(1), we.train(1, order="published")
    for name in ("w5", "w6", "w7", "w8"):
        assert one_exact.weights[name] == one_published.weights[name]
    assert one_exact.weights["w1"] != one_published.weights["w1"]


def test_ten_thousand_exact_steps():
    result = we.train(10_000)
    assert result.error == pytest.approx(3.5101878e-05, abs=1e-12)
    assert result.outputs[0] == pytest.approx(0.015913620, abs=1e-9)
    assert result.outputs[1] == pytest.approx(0.984064274, abs=1e-9)
    assert len(result.history) == 10_000
    assert result.history[1] == pytest.approx(0.291027774, abs=1e-9)
    # E_total is the post's error of the reported outputs.
    t1, t2 = we.TARGETS["o1"], we.TARGETS["o2"]
    o1, o2 = result.outputs
    assert result.error == pytest.approx(0.5 * (t1 - o1) ** 2 + 0.5 * (t2 - o2) ** 2, rel=1e-12)


def test_ten_thousand_steps_in_the_posts_order_give_its_published_figures():
    result = we.train(10_000, order="published")
    assert_printed(result.outputs[0], "0.015912196")
    assert_printed(result.outputs[1], "0.984065734")
    assert_printed(result.error, "0.000035085")
    assert result.error == pytest.approx(3.5084786e-05, abs=1e-12)


def test_train_is_a_pure_function_of_its_arguments():
    assert we.train(3).weights == we.train(3).weights
    start = we.train(0)
    assert start.weights == we.INITIAL_WEIGHTS and start.error == start.initial_error


def test_other_weights_change_the_graph():
    g = we.labelled_graph({"w1": 0.0, "w2": 0.0, "b1": 0.0})
    assert g["out_h1"].data == 0.5 and g["w1"].data == 0.0 and g["w5"].data == 0.40


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"order": "backwards"}, "order"),
        ({"learning_rate": -1.0}, "learning_rate"),
        ({"weights": {"w9": 1.0}}, "w9"),
        ({"weights": {"w1": float("nan")}}, "w1"),
        ({"weights": {"w1": 10**400}}, "w1 is too large for a float"),
        ({"learning_rate": 10**400}, "learning_rate must be a finite number >= 0, got an int of about 401 digits"),
        ({"learning_rate": float("nan")}, "learning_rate"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ArgumentError, match=message):
        we.train(1, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"order": None}, "order must be 'exact' or 'published', got NoneType"),
        ({"train_biases": "yes"}, "train_biases must be True or False, got str"),
        ({"weights": {"w1": "x"}}, "w1 must be a number, got str"),
        ({"weights": []}, "weights must be a dict"),
        ({"learning_rate": "0.5"}, "learning_rate must be a finite number >= 0, got str"),
    ],
)
def test_wrong_kinds_of_argument_are_type_errors(kwargs, message):
    with pytest.raises(TypeError, match=message):
        we.train(1, **kwargs)


def test_bad_step_counts_are_refused():
    with pytest.raises(ArgumentError, match="steps must be an int >= 0, got -1"):
        we.train(-1)
    for steps in (1.5, True, "10"):
        with pytest.raises(TypeError, match="steps must be an int >= 0"):
            we.train(steps)


def test_labelled_graph_refuses_unknown_weights():
    with pytest.raises(ArgumentError, match="unknown name 'w0'"):
        we.labelled_graph({"w0": 1.0})


def test_labelled_graph_comes_before_backward_and_one_pass_gives_the_posts_gradients():
    g = we.labelled_graph()
    assert all(node.grad == 0.0 for node in topological_order(g["E_total"]))
    g["E_total"].backward()
    assert agrees_with_published(we.PUBLISHED["dE_total/dw5"], g["w5"].grad)
    assert agrees_with_published(we.PUBLISHED["dE_total/dw1"], g["w1"].grad)
    once = {label: node.grad for label, node in g.items()}
    g["E_total"].backward()  # a second pass adds the same again: exactly twice, as the README says
    assert {label: node.grad for label, node in g.items()} == {label: 2 * grad for label, grad in once.items()}
    with pytest.raises(TypeError, match="backward must be True or False"):
        we.labelled_graph(backward=1)


def test_squared_error_names_the_posts_error_terms_itself():
    model = we.network()
    error = squared_error(model([0.05, 0.10]), [0.01, 0.99])
    assert [term.label for term in error.parents] == ["E_o1", "E_o2"] and error.label == "E_total"


def test_no_node_of_the_worked_example_has_a_positional_name():
    from viz.names import node_names

    order = topological_order(we.labelled_graph()["E_total"])
    names = node_names(order)
    names = list(names.values() if isinstance(names, dict) else names)
    assert not [name for name in names if "#" in name]
    for k in ("o1", "o2"):  # the steps inside E_o1 and E_o2, named by their expression
        assert {f"target_{k} − out_{k}", f"(target_{k} − out_{k})²"} <= set(names)
