"""nn.RNN: the Elman recurrence, gradcheck of a loss through time, long sequences, explain of a recurrent weight."""

import math
import random

import pytest

import nn
from autograd import Value, gradcheck
from nn import RNN
from nn.checks import ArgumentError


def parameters_as_attributes(rnn, values):
    """Put `values` (a flat list of Values, in parameters() order) into rnn's attributes."""
    values = list(values)
    nin, nh = rnn.nin, rnn.nhidden
    rnn.input_weights = [values[i * nin : (i + 1) * nin] for i in range(nh)]
    offset = nh * nin
    rnn.hidden_weights = [values[offset + i * nh : offset + (i + 1) * nh] for i in range(nh)]
    rnn.biases = values[offset + nh * nh :]


def test_the_recurrence_is_elmans():
    rnn = RNN(2, 3, rng=random.Random(0))
    wx = [[w.data for w in row] for row in rnn.input_weights]
    wh = [[w.data for w in row] for row in rnn.hidden_weights]
    b = [v.data for v in rnn.biases]
    sequence = [[0.5, -1.0], [0.25, 2.0], [-0.75, 0.0]]
    states = rnn(sequence)
    h = [0.0, 0.0, 0.0]
    for t, x in enumerate(sequence):
        h = [
            math.tanh(sum(wx[i][j] * x[j] for j in range(2)) + sum(wh[i][k] * h[k] for k in range(3)) + b[i])
            for i in range(3)
        ]
        assert [v.data for v in states[t]] == pytest.approx(h, rel=1e-14)
    assert len(states) == 3 and all(len(state) == 3 for state in states)
    assert states[2][1].label == "h3[1]" and states[0][0].parents[0].parents[-1] is rnn.biases[0]


def test_parameters_and_initialisation():
    rnn = RNN(2, 4, rng=random.Random(1))
    names = [name for name, _ in rnn.named_parameters()]
    assert len(names) == 4 * 2 + 4 * 4 + 4
    assert names[0] == "input_weights.0.0" and names[-1] == "biases.3"
    assert all(abs(p.data) <= 0.5 for p in rnn.parameters())  # 1/sqrt(4)
    assert rnn.input_weights[1][0].label == "Wx[1][0]" and rnn.hidden_weights[2][3].label == "Wh[2][3]"
    random.seed(5)
    first = [p.data for p in RNN(2, 4).parameters()]
    random.seed(5)
    assert [p.data for p in RNN(2, 4).parameters()] == first  # rng=None draws from the module-level random
    assert repr(rnn) == "RNN(2, 4, 'tanh')"


def test_a_given_h0_feeds_the_first_step():
    rnn = RNN(1, 2, rng=random.Random(2))
    with_zeros = rnn([[1.0], [2.0]], h0=[0.0, 0.0])
    without = rnn([[1.0], [2.0]])
    assert [v.data for v in with_zeros[1]] == pytest.approx([v.data for v in without[1]], rel=1e-15)
    h0 = [Value(0.3, "h0a"), Value(-0.2, "h0b")]
    states = rnn([[1.0]], h0=h0)
    states[0][0].backward()
    assert h0[0].grad != 0.0 and h0[1].grad != 0.0


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "linear"])
def test_gradcheck_of_a_loss_through_time_wrt_every_parameter(activation):
    rng = random.Random(3)
    rnn = RNN(2, 3, activation, rng=rng)
    sequence = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(6)]
    targets = [rng.uniform(-1, 1) for _ in range(6)]
    start = [p.data for p in rnn.parameters()]

    def loss(*parameters):
        parameters_as_attributes(rnn, parameters)
        states = rnn(sequence)
        return nn.mse([state[0] for state in states], targets)

    report = gradcheck(loss, start)
    assert report, report
    assert len(report.rows) == 2 * 3 + 3 * 3 + 3


def test_a_recurrent_weights_gradient_is_a_sum_over_the_time_steps():
    rnn = RNN(1, 1, rng=random.Random(4))
    w = rnn.hidden_weights[0][0]
    states = rnn([[0.5], [-0.3], [0.8], [0.1]])
    loss = states[-1][0] * states[-1][0]
    loss.backward()
    # w feeds the net input of steps 2, 3, 4 (step 1 has no W_h term): its gradient is the sum of three terms,
    # d loss/d net_t * h_(t-1), one per step.
    nets = [node for node in (s[0].parents[0] for s in states)]
    terms = [net.grad * states[t - 1][0].data for t, net in enumerate(nets) if t > 0]
    assert len(terms) == 3
    assert w.grad == pytest.approx(math.fsum(terms), rel=1e-12)


def test_explain_of_a_recurrent_weight_is_a_sum_over_the_time_steps():
    from viz import explain

    rnn = RNN(1, 3, rng=random.Random(4))
    w = rnn.hidden_weights[0][1]
    states = rnn([[0.5], [-0.3], [0.8], [0.1], [0.2], [0.3]])
    loss = nn.squared_error(states[-1], [0.0, 0.0, 0.0])
    loss.backward()
    # Hundreds of paths; the one-step form lists one term per edge out of w: one per time step 2..6.
    text = explain(loss, w, max_paths=1)
    terms = [line.split()[0] for line in text.splitlines() if "× d(net" in line]
    assert terms == [f"dE_total/d(net{t}[0])" for t in range(2, 7)]
    assert "matches" in text
    assert f"= {w.grad:.9g}" in text


def test_two_hundred_steps_backpropagate():
    rng = random.Random(5)
    rnn = RNN(2, 4, rng=rng)
    sequence = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(200)]
    states = rnn(sequence)
    loss = nn.mse(states[-1], [0.5, -0.5, 0.25, 0.0])
    loss.backward()
    assert all(math.isfinite(p.grad) for p in rnn.parameters())
    assert any(p.grad != 0.0 for p in rnn.hidden_weights[0])
    # One weight against a central difference of the whole unrolled loss.
    w = rnn.hidden_weights[1][2]
    analytic = w.grad
    original = w.data
    values = []
    for shift in (1e-6, -1e-6):
        w.data = original + shift
        values.append(nn.mse(rnn(sequence)[-1], [0.5, -0.5, 0.25, 0.0]).data)
    w.data = original
    assert analytic == pytest.approx((values[0] - values[1]) / 2e-6, rel=1e-4, abs=1e-9)


def test_a_very_long_sequence_needs_no_recursion():
    rnn = RNN(1, 1, rng=random.Random(6))
    states = rnn([[0.01]] * 5000)  # 10,000 nodes deep
    states[-1][0].backward()
    assert math.isfinite(rnn.hidden_weights[0][0].grad)


def test_bad_arguments():
    with pytest.raises(ArgumentError, match="nhidden"):
        RNN(1, 0)
    with pytest.raises(ArgumentError, match="activation"):
        RNN(1, 1, "softsign")
    with pytest.raises(TypeError, match="rng"):
        RNN(1, 1, rng=4)
    rnn = RNN(2, 2, rng=random.Random(0))
    with pytest.raises(ArgumentError, match="at least one input"):
        rnn([])
    with pytest.raises(ArgumentError, match=r"sequence\[1\] must have 2 entries"):
        rnn([[1, 2], [1]])
    with pytest.raises(TypeError, match=r"sequence\[0\]"):
        rnn([3.0])
    with pytest.raises(ArgumentError, match="h0 must have 2 entries"):
        rnn([[1, 2]], h0=[0.0])
    with pytest.raises(ArgumentError, match=r"sequence\[0\]\[1\]"):
        rnn([[1, math.nan]])


def test_the_vanishing_gradient_example_writes_its_plot(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    example = Path(__file__).resolve().parent.parent / "examples" / "rnn_vanishing_gradient.py"
    plot = tmp_path / "gradients.png"
    finished = subprocess.run(
        [sys.executable, str(example), str(plot)], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert finished.returncode == 0, finished.stderr
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    norms = {}
    for line in finished.stdout.splitlines():
        if line.strip().startswith("t = "):
            t, value = line.split("=")[1].split(":")[0], line.split(":")[1]
            norms[int(t)] = float(value)
    assert norms[60] > 1e3 * norms[40] > 1e6 * norms[1] > 0.0  # the gradient vanishes going back in time
    assert "d(net2[0])" in finished.stdout and "after backward(): matches" in finished.stdout
