"""`jit`: a replayed trace gives the eager engine's numbers bit for bit, and is never reused wrongly.

The oracle is the eager engine itself: every test computes the same function
both ways and compares the floats with `==` (not a tolerance), gradients for
inputs and for closed-over parameters included.
"""

import math
import random
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_properties import build, expressions, points, property_settings, usable

from autograd import DomainError, Value, grad, jit, no_grad, total, weighted_sum
from autograd.value import node_op

# ----------------------------------------------------------------- helpers


def eager(fn, args, params=(), gradient=1.0):
    """(value, input gradients, parameter gradients) of fn computed by the eager engine."""
    inputs = [Value(float(a)) for a in args]
    out = fn(*inputs)
    found = grad(out, [*inputs, *params])
    scaled = [g.data * gradient if gradient != 1.0 else g.data for g in found]
    return out.data, scaled[: len(inputs)], scaled[len(inputs) :]


def public_ops():
    """Every public op of Value (each method carries its op), and the module-level functions."""
    return sorted(name for name in dir(Value) if getattr(getattr(Value, name), "op", None) is not None)


# A point inside each op's domain, away from kinks, per number of operands.
UNARY_POINT = {"acos": 0.3, "asin": -0.4, "log": 0.7, "sqrt": 1.3, "log1p": 0.2, "floor": 1.4, "ceil": -1.6}


@pytest.mark.parametrize("name", public_ops())
def test_every_public_op_replays_bit_for_bit(name):
    method = getattr(Value, name)
    if name in ("__add__", "__sub__", "__mul__", "__truediv__", "__mod__", "__pow__"):
        shapes = [
            (lambda a, b: method(a, b), (1.7, 0.6)),
            (lambda a: method(a, 0.6), (1.7,)),  # a number on the right: part of the op
        ]
    elif name.startswith("__r"):
        shapes = [(lambda a: method(a, 1.3), (0.8,))]  # a number on the left
    elif name == "leaky_relu":
        shapes = [(lambda a: a.leaky_relu(0.2), (-0.9,)), (lambda a: a.leaky_relu(), (0.9,))]
    else:
        shapes = [(lambda a: method(a), (UNARY_POINT.get(name, 0.45),))]
    for fn, args in shapes:
        compiled = jit(fn)
        first = compiled.value_and_grad(*args)  # the trace: the eager run itself
        value, input_grads = compiled.value_and_grad(*args)  # a replay
        shifted = tuple(a * 1.01 for a in args)
        replayed = compiled.value_and_grad(*shifted)
        assert compiled.traces == 1, name
        for (got_value, got_grads), point in ((first, args), ((value, input_grads), args), (replayed, shifted)):
            want_value, want_grads, _ = eager(fn, point)
            assert got_value == want_value, (name, point)
            assert list(got_grads) == want_grads, (name, point)


def test_n_ary_ops_and_closed_over_parameters_bit_for_bit():
    weights = [Value(0.3, "w0"), Value(-1.2, "w1"), Value(0.7, "w2")]
    bias = Value(0.05, "b")

    def neuron(x0, x1, x2):
        return weighted_sum(weights, [x0, x1, x2], bias).tanh()

    compiled = jit(neuron)
    for point in ([0.1, 0.2, 0.3], [-1.0, 2.0, 0.5], [3.0, -0.25, 1e-3]):
        for p in (*weights, bias):
            p.grad = 0.0
        value, input_grads = compiled.value_and_grad(*point)
        got = [p.grad for p in (*weights, bias)]
        want_value, want_inputs, want_params = eager(neuron, point, (*weights, bias))
        assert value == want_value
        assert list(input_grads) == want_inputs
        assert got == want_params
    assert compiled.traces == 1


@property_settings
@given(expressions, points, st.floats(-0.2, 0.2))
def test_random_graphs_replay_bit_for_bit(tree, point, shift):
    assume_usable = usable(tree, point) and usable(tree, [x + shift for x in point])
    if not assume_usable:
        return

    def fn(a, b, c):
        return build(tree, [a, b, c])

    compiled = jit(fn)
    compiled.value_and_grad(*point)  # trace
    moved = [x + shift for x in point]
    value, input_grads = compiled.value_and_grad(*moved)
    want_value, want_grads, _ = eager(fn, moved)
    if compiled.traces == 1:  # a tree whose graph shape does not change with the point
        assert value == want_value
        assert list(input_grads) == want_grads
    assert compiled(*moved) == want_value


def test_parameters_are_read_at_every_call_so_an_optimizer_step_works():
    w = Value(2.0, "w")
    compiled = jit(lambda x: (x * w - 1.0) ** 2)
    for _ in range(5):
        w.grad = 0.0
        value, _ = compiled.value_and_grad(3.0)
        x = Value(3.0)
        expected = (x * Value(w.data) - 1.0) ** 2
        assert value == expected.data
        assert w.grad == 2.0 * (3.0 * w.data - 1.0) * 3.0
        w.data -= 0.01 * w.grad
    assert compiled.traces == 1


def test_gradients_add_into_grad_like_backward():
    w = Value(0.5, "w")
    compiled = jit(lambda x: (x * w).sin())
    compiled.value_and_grad(1.5)
    compiled.value_and_grad(1.5)
    x = Value(1.5)
    y = (x * w).sin()
    local = y.local_grads[0] * 1.5
    assert w.grad == local + local  # twice, exactly, as two backward() calls give
    w.grad = 0.0
    compiled.value_and_grad(1.5, gradient=0.25)
    assert w.grad == 0.25 * local


def test_a_data_dependent_branch_is_never_replayed_wrongly():
    def piecewise(x):
        if x > 0.0:  # a comparison the trace records as a guard
            return x * x
        return -x * 3.0

    compiled = jit(piecewise)
    assert compiled.value_and_grad(2.0) == (4.0, (4.0,))
    assert compiled.value_and_grad(-1.0) == (3.0, (-3.0,))  # the other branch: traced anew
    assert compiled.value_and_grad(5.0) == (25.0, (10.0,))
    assert compiled.value_and_grad(-2.0) == (6.0, (-3.0,))
    assert compiled.traces == 2


def test_float_of_a_value_is_a_guard():
    def scaled(x):
        return x * float(x)  # the float becomes a constant of the op: only right for this x

    compiled = jit(scaled)
    assert compiled(3.0) == 9.0
    assert compiled(4.0) == 16.0
    assert compiled.traces == 2


def test_too_many_traces_of_one_signature_run_eagerly():
    compiled = jit(lambda x: x * float(x))
    for k in range(20):
        assert compiled(float(k)) == float(k) * float(k)
    assert compiled.traces == 8
    assert compiled.eager_calls == 12


def test_domain_errors_are_the_engine_s():
    compiled = jit(lambda x: (x - 1.0).log())
    assert compiled(3.0) == math.log(2.0)
    with pytest.raises(DomainError, match="log"):
        compiled(0.5)
    assert compiled(5.0) == math.log(4.0)
    assert compiled.traces == 1


def test_a_non_finite_intermediate_is_decided_by_the_engine():
    compiled = jit(lambda x: (x * x).tanh())
    assert compiled(2.0) == math.tanh(4.0)
    with pytest.raises(DomainError):
        compiled(1e200)  # x*x overflows: the engine refuses, although tanh(inf) would be 1
    assert compiled.traces == 1


def test_static_arguments_and_sequences():
    def pick(xs, k):
        return xs[k] * 2.0 + xs[0]

    compiled = jit(pick, static_argnums=(1,))
    assert compiled.value_and_grad([1.0, 2.0, 3.0], 2) == (7.0, ([1.0, 0.0, 2.0], None))
    assert compiled.value_and_grad([1.0, 2.0, 3.0], 1) == (5.0, ([1.0, 2.0, 0.0], None))
    assert compiled.traces == 2


def test_aux_outputs():
    w = Value(1.5)
    compiled = jit(lambda x: ((x * w) ** 2, [x * w]))
    (value, aux), _ = compiled.value_and_grad(2.0)
    assert (value, aux) == (9.0, [3.0])
    assert compiled(4.0) == (36.0, [6.0])


def test_works_under_no_grad_and_in_threads():
    w = Value(0.25)
    compiled = jit(lambda x: (x * w).exp())
    with no_grad():
        assert compiled(2.0) == math.exp(0.5)  # traced under no_grad: the graph is still recorded
    assert compiled(4.0) == math.exp(1.0)
    results = {}

    def worker(k):
        results[k] = compiled(float(k))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {k: math.exp(0.25 * k) for k in range(8)}


def test_batch_equals_a_loop_of_calls():
    rng = random.Random(3)
    w = [Value(rng.uniform(-1, 1)) for _ in range(3)]
    compiled = jit(lambda x, y: (weighted_sum(w, x).tanh() - y) ** 2)
    xs = [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(10)]
    ys = [rng.uniform(-1, 1) for _ in range(10)]
    values, (x_grads, y_grads) = compiled.batch(xs, ys)
    batch_grads = [p.grad for p in w]
    for p in w:
        p.grad = 0.0
    looped = [compiled.value_and_grad(x, y) for x, y in zip(xs, ys)]
    assert values == [v for v, _ in looped]
    assert x_grads == [g[0] for _, g in looped]
    assert y_grads == [g[1] for _, g in looped]
    assert [p.grad for p in w] == pytest.approx(batch_grads, rel=1e-15)


def test_no_label_reaches_the_generated_source():
    hostile = '"); __import__("os").system("echo pwned") #'
    w = Value(0.5, label=hostile)
    node = Value(2.0, label="\n'''\nraise SystemExit")
    compiled = jit(lambda x: (x * w + node).tanh())
    compiled(1.0)
    (source,) = compiled.sources()
    assert "pwned" not in source and "SystemExit" not in source
    assert set(source) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789.+-*/()[]=<>:,! \n")


def test_inlined_ops_are_plain_arithmetic_and_others_are_calls():
    compiled = jit(lambda x, y: (x * y + 1.0).tanh())
    compiled(0.5, 0.25)
    (source,) = compiled.sources()
    assert "(v1 * v0)" in source
    assert "F0(" in source  # tanh: a math function, called


def test_every_op_declares_forward_and_derivative():
    y = Value(0.3).tanh()
    assert node_op(y).forward is math.tanh


TWIN_POINTS = [0.0, -0.0, 0.3, -0.3, 1.5, -2.5, 1e-300, -1e-300, 37.0, -37.0, 700.0, -800.0, 1e200, -1e200,
               math.inf, -math.inf, math.nan]  # fmt: skip


def _same(a, b):
    """Equal as floats, zero signs and NaN included."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def _evaluate(source, **slots):
    """A twin's source run on numbers; an exception stands for itself (the engine then decides)."""
    from autograd.symbolic import CONSTANTS

    try:
        return eval(source, dict(CONSTANTS), slots)  # our own generated text, never user input
    except (ArithmeticError, ValueError) as error:
        return type(error)


def _declared(function, *arguments):
    try:
        return function(*arguments)
    except (ArithmeticError, ValueError) as error:
        return type(error)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "pow", "sum"])
def test_inline_twins_compute_what_the_declarations_compute(name):
    """Each inline twin gives its op's forward and derivative bit for bit, or fails where the engine would decide."""
    from autograd.jit import _DERIVATIVE_TWINS, _FORWARD_TWINS
    from autograd.symbolic import Symbol

    x, y = Symbol("x"), Symbol("y")
    op = {"relu": Value.relu.op, "sigmoid": Value.sigmoid.op, "pow": Value.__pow__.op, "sum": total.op}[name]
    cases = []
    for a in TWIN_POINTS:
        if name == "pow":
            cases += [((a, p), (x, p)) for p in (0.0, 1.0, 2.0, 3.0, -1.0, -2.0)]
        elif name == "sum":
            cases += [((a, b), (x, y)) for b in TWIN_POINTS]
        else:
            cases.append(((a,), (x,)))
    for numbers, symbols in cases:
        slots = {"x": numbers[0]}
        if name == "sum":
            slots["y"] = numbers[1]
        want = _declared(op.forward, *numbers)
        got = _evaluate(_FORWARD_TWINS[op](*symbols), **slots)
        if isinstance(want, float) and math.isfinite(numbers[0]) and math.isfinite(want):
            assert isinstance(got, float) and _same(got, want), (name, numbers, got, want)
        elif isinstance(got, float):  # where the engine raises or overflows, the replay must not be trusted
            assert not math.isfinite(got) or _same(got, want), (name, numbers, got, want)
        twin = _DERIVATIVE_TWINS.get(op)
        if twin is None or not isinstance(want, float):
            continue
        slots["out"] = want
        local = twin(Symbol("out"), *symbols)
        expected = _declared(op.derivative, want, *numbers)
        if not isinstance(expected, tuple):
            continue
        value = _evaluate(local[0], **slots)
        if isinstance(value, float) and math.isfinite(value):
            assert _same(value, expected[0]), (name, numbers, value, expected)
        else:  # an overflow of the slope: the replay leaves it to the engine (a non-finite number or an error)
            assert value is OverflowError or not math.isfinite(expected[0]) or not math.isfinite(value)


def test_relu_sigmoid_squares_and_pair_sums_are_inlined_not_called():
    def fn(x, y):
        return total([(x * y).relu().sigmoid() ** 2, (x - y) ** 2]) + (-x).sigmoid()

    compiled = jit(fn)
    for point in ((0.5, 0.25), (-0.5, 0.25), (0.0, -0.0), (3.0, -1.0)):
        value, grads = compiled.value_and_grad(*point)
        want_value, want_grads, _ = eager(fn, point)
        assert value == want_value and list(grads) == want_grads
    (source,) = compiled.sources()
    assert "F0(" not in source
