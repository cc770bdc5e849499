"""The numpy batch back end of `jit`: the per-row results to rounding, whatever the rows do.

The oracle is the per-row replay (itself bit for bit the eager engine, see
test_jit.py): values, input gradients and summed parameter gradients agree to
1e-12 relative; rows the batch cannot take (a guard that fails, a domain
error) are answered exactly as the eager engine answers them.
"""

import random
import subprocess
import sys

import pytest

from autograd import DomainError, Value, jit, weighted_sum
from nn import MLP, two_moons

np = pytest.importorskip("numpy")


def both_backends(compiled, params, *columns, gradient=1.0):
    """(values, input grads, parameter grads) from the python and the numpy back end."""
    results = []
    for backend in ("python", "numpy"):
        for p in params:
            p.grad = 0.0
        values, grads = compiled.batch(*columns, gradient=gradient, backend=backend)
        results.append((values, grads, [p.grad for p in params]))
    return results


def close(a, b):
    return np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-12, atol=1e-14)


def test_an_mlp_batch_is_the_per_row_replay_to_rounding():
    points, labels = two_moons(60, noise=0.1, rng=random.Random(0))
    model = MLP(2, [16, 16, 1], activation="relu", rng=random.Random(1))
    params = model.parameters()
    compiled = jit(lambda x, y: (1.0 - model(x)[0] * y).relu())
    (pv, (px, py), pp), (nv, (nx, ny), npp) = both_backends(compiled, params, points, labels, gradient=1 / 60)
    assert close(pv, nv) and close(px, nx) and close(py, ny) and close(pp, npp)
    assert isinstance(nv, np.ndarray) and nx.shape == (60, 2)
    assert compiled.traces == 1


def test_tanh_and_sigmoid_layers_and_shared_biases():
    shared = Value(0.35, "b1")
    weights = [[Value(0.15), Value(0.2)], [Value(0.25), Value(0.3)]]
    out_weights = [Value(0.4), Value(0.45)]

    def net(x, t):
        hidden = [weighted_sum(row, x, shared).sigmoid() for row in weights]  # one bias shared by both
        return (weighted_sum(out_weights, hidden).tanh() - t) ** 2

    params = [shared, *weights[0], *weights[1], *out_weights]
    rng = random.Random(2)
    xs = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(25)]
    ts = [rng.uniform(-1, 1) for _ in range(25)]
    (pv, pg, pp), (nv, ng, npp) = both_backends(jit(net), params, xs, ts)
    assert close(pv, nv) and close(pg[0], ng[0]) and close(pp, npp)


def test_rows_that_fail_a_guard_take_the_per_row_path():
    w = Value(1.5)

    def piecewise(x):
        return x * w if x > 0.0 else (x * w).exp()

    compiled = jit(piecewise)
    xs = [-1.0, 2.0, 0.5, -0.25, 3.0]
    (pv, pg, pp), (nv, ng, npp) = both_backends(compiled, [w], xs)
    assert close(pv, nv) and close(pg[0], ng[0]) and close(pp, npp)
    assert compiled.traces == 2


def test_a_domain_error_in_one_row_is_the_engine_s():
    compiled = jit(lambda x: (x - 1.0).log())
    with pytest.raises(DomainError, match="log"):
        compiled.batch([3.0, 2.0, 0.5], backend="numpy")


def test_static_arguments_group_the_rows():
    w = [Value(0.5), Value(-0.3)]
    compiled = jit(lambda x, k: weighted_sum(w, x) * (k + 1.0), static_argnums=(1,))
    xs = [[1.0, 2.0], [0.5, -1.0], [2.0, 2.0]]
    ks = [0, 1, 0]
    (pv, pg, pp), (nv, ng, npp) = both_backends(compiled, w, xs, ks)
    assert close(pv, nv) and close(pg[0], ng[0]) and close(pp, npp)
    assert pg[1] is None and ng[1] is None
    assert compiled.traces == 2


def test_aux_outputs_come_back_per_row():
    w = Value(2.0)
    compiled = jit(lambda x: ((x * w) ** 2, [x * w]))
    values, _ = compiled.batch([1.0, 3.0], backend="numpy")
    assert values == [(4.0, [2.0]), (36.0, [6.0])]


def test_importing_autograd_or_nn_does_not_import_numpy():
    code = (
        "import sys, autograd, nn; w = autograd.Value(1.0); autograd.jit(lambda x: x * 2.0)(1.0); "
        "step = nn.TrainStep(lambda x: (x * w) ** 2, nn.SGD([w], 0.1)); step(1.0); step(2.0); "
        "print('numpy' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_a_batch_of_values_only_computes_no_gradient(backend):
    if backend == "numpy":
        pytest.importorskip("numpy")
    rng = random.Random(4)
    w = [Value(rng.uniform(-1, 1)) for _ in range(3)]
    compiled = jit(lambda x, y: ((weighted_sum(w, x).tanh() - y) ** 2, [weighted_sum(w, x)]))
    xs = [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(10)]
    ys = [rng.uniform(-1, 1) for _ in range(10)]
    with_gradients, _ = compiled.batch(xs, ys, backend=backend)
    for p in w:
        p.grad = 0.0
    values, input_grads = compiled.batch(xs, ys, gradient=None, backend=backend)
    assert [(float(v), list(a)) for v, a in values] == [(float(v), list(a)) for v, a in with_gradients]
    assert input_grads == (None, None)
    assert [p.grad for p in w] == [0.0, 0.0, 0.0]
