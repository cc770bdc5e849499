"""`check_local`: every node's recorded local derivatives against central differences of its own op.

The oracle is the op's forward itself, re-run at the parent values the node
recorded; a wrong derivative is found at the node that has it, by op and
label, however large the graph around it. Kinks, jumps and domain edges are
reported as not comparable, never as failures.
"""

import math
import os
import random
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from autograd import LocalCheckReport, Value, check_local, define_op, grad, gradcheck, maximum, topological_order
from nn import MLP, mse

ROW_FIELDS = ("node", "index", "analytic", "numeric", "abs_err", "rel_err")


def mlp_loss(seed=0):
    """An MLP's loss on two samples: 3 inputs, 2 hidden layers of 6, well over 50 nodes."""
    model = MLP(3, [6, 6, 1], "tanh", rng=random.Random(seed))
    samples = [([0.3, -0.2, 0.9], 0.5), ([-0.7, 0.4, 0.1], -0.25)]
    outputs = [model([Value(x, label=f"x{i}") for i, x in enumerate(xs)])[0] for xs, _ in samples]
    return mse(outputs, [t for _, t in samples]), model


def test_an_mlp_graph_passes_and_every_edge_is_a_row():
    loss, _ = mlp_loss()
    nodes = [node for node in topological_order(loss) if node.parents]
    assert len(nodes) >= 50
    report = check_local(loss)
    assert isinstance(report, LocalCheckReport)
    assert report, str(report)
    assert not report.failures and not report.not_comparable
    assert [(row.node, row.index) for row in report.rows] == [
        (node, i) for node in nodes for i in range(len(node.parents))
    ]
    for row in report.rows:
        assert row._fields == ROW_FIELDS
        assert row.analytic == row.node.local_grads[row.index]
        assert row.abs_err == abs(row.analytic - row.numeric)
    assert str(report).startswith(f"check_local passed: {len(report.rows)} local derivatives of {len(nodes)} nodes")


def test_a_tampered_node_in_an_mlp_graph_is_named():
    loss, _ = mlp_loss()
    target = next(node for node in topological_order(loss) if node.op == "tanh")
    target.label = "h_bad"
    right = target.local_grads[0]
    target.local_grads = (right * 1.01,)  # a 1% error
    report = check_local(loss)
    assert not report
    assert report.failing_nodes == [target]
    (row,) = report.failures
    assert (row.node, row.index, row.analytic) == (target, 0, right * 1.01)
    assert row.numeric == pytest.approx(right, rel=1e-7)
    text = " ".join(str(report).split())  # entries are wrapped at 96 columns
    assert text.startswith("check_local FAILED: 1 node with a wrong local derivative")
    assert max(len(line) for line in str(report).splitlines()) <= 96
    position = topological_order(loss).index(target)
    assert f"FAIL node #{position} (op 'tanh', label 'h_bad'): d/d(input 0" in text
    assert "\n" not in repr(report) and "h_bad" in repr(report)


def test_a_failing_gradcheck_through_the_tampered_mlp_names_the_node():
    def loss_of(w0, w1):
        loss, model = mlp_loss()
        first = model.parameters()[0]
        # Put the two checked inputs into the network in place of two weights.
        scaled = (w0 * first + w1).tanh()
        scaled.label = "tampered"
        scaled.local_grads = (scaled.local_grads[0] * 2.0, *scaled.local_grads[1:])
        return loss * scaled

    report = gradcheck(loss_of, [0.4, -0.3])
    assert not report
    assert any("wrong local derivative (check_local) at node" in note and "'tampered'" in note for note in report.notes)
    assert "label 'tampered'" in str(report) and "label 'tampered'" in repr(report)
    # gradcheck made fn's graph again inside detect_anomaly(), so the note says where the node was made.
    assert f"made at {os.path.relpath(__file__)}:" in report.notes[0]


# The same function as relu, declared without telling check_local where its kink is.
plain_relu = define_op("plain_relu", lambda x: max(x, 0.0), lambda out, x: (1.0 if x > 0.0 else 0.0,))


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        # Ops that declare their kinks (the built-ins) are told by the declaration...
        (lambda x: x.relu(), "at a kink of relu, where its recorded derivative is a convention"),
        (lambda x: abs(x), "at a kink of abs"),
        (lambda x: (x + 1e-8).relu(), "1e-08 from a kink of relu, which a step of eps crosses"),
        (lambda x: x.floor(), "at a kink of floor"),
        (lambda x: maximum(x, 0.0), "at a kink of maximum"),
        # ... the others by comparing one-sided slopes at two steps.
        (lambda x: plain_relu(x), "at a kink or jump"),
        (lambda x: plain_relu(x + 1e-8), "at a kink or jump, or within eps of one"),
        (lambda x: plain_relu(x + 7e-7), "a kink or jump lies within eps"),
        (lambda x: x.sqrt(), "not defined within eps"),
        (lambda x: (x + 1e-7).log(), "not defined within eps"),
    ],
)
def test_kinks_and_domain_edges_are_not_comparable_not_failed(make, reason):
    out = make(Value(0.0, label="x"))
    report = check_local(out)
    assert report, str(report)
    assert report.not_comparable
    assert any(reason in text for _, text in report.not_comparable), str(report)
    assert "not comparable: node #" in str(report)


def test_a_wrong_convention_away_from_the_kink_still_fails():
    out = Value(0.5, label="x").relu()
    out.local_grads = (0.0,)
    report = check_local(out)
    assert not report and not report.not_comparable


@pytest.mark.parametrize(
    ("build", "closed_form"),
    [
        (lambda a, b: a * b, lambda a, b: (b, a)),
        (lambda a, b: a / b, lambda a, b: (1 / b, -a / b**2)),
        (lambda a, b: a**b, lambda a, b: (b * a ** (b - 1), a**b * math.log(a))),
        (lambda a, b: (a * 1.5).exp() + b.sin(), None),
    ],
)
def test_numeric_local_derivatives_match_closed_forms(build, closed_form):
    a, b = Value(1.3, label="a"), Value(0.7, label="b")
    out = build(a, b)
    report = check_local(out)
    assert report, str(report)
    if closed_form is not None:
        numeric = [row.numeric for row in report.rows if row.node is out]
        assert numeric == pytest.approx(closed_form(1.3, 0.7), rel=1e-8)


def test_a_value_used_twice_is_checked_per_slot():
    x = Value(0.8, label="x")
    out = x * x
    report = check_local(out)
    assert [row.index for row in report.rows] == [0, 1]
    assert [row.numeric for row in report.rows] == pytest.approx([0.8, 0.8], rel=1e-8)


def test_a_leaf_has_nothing_to_check():
    report = check_local(Value(2.0))
    assert report and report.rows == []


def test_bad_arguments():
    with pytest.raises(TypeError, match="check_local: root must be a Value"):
        check_local(2.0)
    with pytest.raises(ValueError, match="check_local: eps must be > 0"):
        check_local(Value(1.0), eps=0.0)
    with pytest.raises(ValueError, match="check_local: rtol must be a finite number"):
        check_local(Value(1.0), rtol=math.inf)
    with pytest.raises(ValueError, match="check_local: atol must be >= 0"):
        check_local(Value(1.0), atol=-1.0)


UNARY = ("exp", "tanh", "sigmoid", "sin", "cos", "neg", "square", "log", "sqrt")


@st.composite
def graphs(draw):
    """A random graph over three labelled leaves, each op inside its domain by construction."""
    nodes = [Value(draw(st.floats(-2.0, 2.0)), label=name) for name in "abc"]
    for _ in range(draw(st.integers(1, 25))):
        if draw(st.booleans()):
            x = draw(st.sampled_from(nodes))
            op = draw(st.sampled_from(UNARY))
            if op in ("log", "sqrt"):
                out = getattr(x * x + 0.5, op)()
            elif op == "square":
                out = x**2
            elif op == "neg":
                out = -x
            elif op == "exp":
                out = x.tanh().exp()
            else:
                out = getattr(x, op)()
        else:
            x, y = draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes))
            op = draw(st.sampled_from("+-*/"))
            out = x / (y * y + 1.0) if op == "/" else {"+": x + y, "-": x - y, "*": x * y}[op]
        nodes.append(out)
    return nodes[-1]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_random_graphs_pass(root):
    assume(all(abs(node.data) < 1e3 for node in topological_order(root)))
    report = check_local(root)
    assert report, str(report)


def test_domain_errors_of_the_op_are_not_comparable_not_raised():
    x = Value(1e-7, label="x")
    out = x.sqrt()
    report = check_local(out)
    (row,) = report.rows
    assert math.isnan(row.numeric)
    assert "sqrt: needs x >= 0" in report.not_comparable[0][1]


# A define_op with a derivative planted wrong, inside an MLP-sized graph: the
# activation of every hidden neuron. The right one says d/dx softsign = 1/(1+|x|)^2;
# the wrong one forgets the square.
def _softsign(x):
    return x / (1.0 + abs(x))


softsign = define_op("softsign", _softsign, lambda out, x: (1.0 / ((1.0 + abs(x)) * (1.0 + abs(x))),))
bad_softsign = define_op("bad_softsign", _softsign, lambda out, x: (1.0 / (1.0 + abs(x)),))


def softsign_net(activation, w0, w1, seed=0):
    """Two inputs scaled by w0, w1 through 3 -> 6 -> 6 -> 1 with `activation` in the hidden layers: 260 op nodes."""
    rng = random.Random(seed)
    sizes = [3, 6, 6]
    samples = [[0.3, -0.2, 0.9], [-0.7, 0.4, 0.1]]
    total_loss = 0.0
    weights = [[[rng.uniform(-1, 1) for _ in range(n_in)] for _ in range(n_out)] for n_in, n_out in pairwise(sizes)]
    for sample in samples:
        h = [w0 * sample[0], w1 * sample[1], Value(sample[2])]
        for layer, rows in enumerate(weights):
            h = [activation(sum((w * x for w, x in zip(row, h)), Value(0.0))) for row in rows]
            for i, node in enumerate(h):
                node.label = f"h{layer}.{i}"
        total_loss = total_loss + sum(h, Value(0.0)) ** 2
    return total_loss


def test_a_wrong_define_op_in_an_mlp_graph_is_named_by_check_local():
    loss = softsign_net(bad_softsign, Value(0.8, label="w0"), Value(-0.5, label="w1"))
    assert sum(1 for node in topological_order(loss) if node.parents) >= 50
    report = check_local(loss)
    assert not report
    bad = [node for node in topological_order(loss) if node.op == "bad_softsign"]
    assert report.failing_nodes == bad  # every one of them, and nothing else
    assert {row.node.op for row in report.failures} == {"bad_softsign"}
    text = str(report)
    assert f"check_local FAILED: {len(bad)} nodes with a wrong local derivative" in text
    assert "(op 'bad_softsign', label 'h0.0')" in text


def test_a_wrong_define_op_in_an_mlp_graph_is_named_by_a_failing_gradcheck():
    report = gradcheck(lambda w0, w1: softsign_net(bad_softsign, w0, w1), [0.8, -0.5])
    assert not report
    assert any(
        "wrong local derivative (check_local) at node" in note and "bad_softsign" in note for note in report.notes
    )
    assert "(op 'bad_softsign', label 'h" in repr(report)


@pytest.mark.parametrize("order", [1, 2])
def test_the_right_define_op_in_the_same_graph_passes(order):
    assert check_local(softsign_net(softsign, Value(0.8), Value(-0.5)))
    report = gradcheck(lambda w0, w1: softsign_net(softsign, w0, w1), [0.8, -0.5], order=order)
    assert report, str(report)


def test_check_local_sees_the_constants_that_are_part_of_an_op():
    x = Value(1.3, label="x")
    out = (x * 0.5 - 2.0) ** 3
    report = check_local(out)
    assert report, str(report)
    assert [row.numeric for row in report.rows] == pytest.approx([0.5, 1.0, 3 * (1.3 * 0.5 - 2.0) ** 2], rel=1e-7)


def test_a_second_derivative_graph_is_checked_too():
    x = Value(0.7, label="x")
    (slope,) = grad(x.sin() * x.exp(), [x], create_graph=True)
    assert check_local(slope)
