"""SGD and Adam against updates worked out by hand, and their all-or-nothing step."""

import math

import pytest

from autograd import Value
from nn import MLP, SGD, Adam, ArgumentError


def test_plain_sgd_step():
    p = Value(1.0, "p")
    q = Value(-2.0, "q")
    optimizer = SGD([p, q], lr=0.1)
    p.grad, q.grad = 0.5, -3.0
    optimizer.step()
    assert p.data == pytest.approx(1.0 - 0.1 * 0.5, rel=1e-15)
    assert q.data == pytest.approx(-2.0 + 0.1 * 3.0, rel=1e-15)


def test_sgd_momentum_over_two_steps():
    p = Value(1.0)
    optimizer = SGD([p], lr=0.1, momentum=0.9)
    p.grad = 0.5
    optimizer.step()  # v = 0.5, p = 1 - 0.05
    assert p.data == pytest.approx(0.95, rel=1e-15)
    optimizer.zero_grad()
    assert p.grad == 0.0
    p.grad = 0.2
    optimizer.step()  # v = 0.9 * 0.5 + 0.2 = 0.65, p = 0.95 - 0.065
    assert optimizer.velocity == pytest.approx([0.65], rel=1e-15)
    assert p.data == pytest.approx(0.885, rel=1e-15)


def test_sgd_learning_rate_can_change_between_steps():
    p = Value(0.0)
    optimizer = SGD([p], lr=1.0)
    p.grad = 1.0
    optimizer.step()
    optimizer.lr = 0.5
    optimizer.step()
    assert p.data == pytest.approx(-1.5, rel=1e-15)


def test_adam_first_step_moves_each_parameter_by_about_lr():
    params = [Value(1.0), Value(-2.0), Value(0.5)]
    gradients = [3.0, -1e-3, 250.0]
    optimizer = Adam(params, lr=0.01)
    for p, g in zip(params, gradients):
        p.grad = g
    optimizer.step()
    # Bias correction makes m_hat = g and v_hat = g^2, so the step is lr * g / (|g| + eps).
    for p, start, g in zip(params, [1.0, -2.0, 0.5], gradients):
        assert p.data - start == pytest.approx(-0.01 * math.copysign(1.0, g), rel=1e-5)
    assert optimizer.steps == 1


def test_adam_second_step_by_hand():
    p = Value(0.0)
    optimizer = Adam([p], lr=0.1, betas=(0.5, 0.75), eps=0.0)
    p.grad = 1.0
    optimizer.step()  # m = 0.5, v = 0.25; m_hat = 1, v_hat = 1: p = -0.1
    assert p.data == pytest.approx(-0.1, rel=1e-15)
    p.grad = -2.0
    optimizer.step()
    # m = 0.5*0.5 + 0.5*(-2) = -0.75, v = 0.75*0.25 + 0.25*4 = 1.1875
    # m_hat = -0.75 / 0.75 = -1, v_hat = 1.1875 / 0.4375; p = -0.1 + 0.1 / sqrt(v_hat)
    assert p.data == pytest.approx(-0.1 + 0.1 / math.sqrt(1.1875 / 0.4375), rel=1e-14)
    assert optimizer.first_moment == pytest.approx([-0.75]) and optimizer.second_moment == pytest.approx([1.1875])


def test_adam_with_zero_gradient_and_zero_eps_does_not_move():
    p = Value(1.0)
    optimizer = Adam([p], eps=0.0)
    optimizer.step()
    assert p.data == 1.0


def test_adam_defaults_are_pytorchs():
    optimizer = Adam([Value(0.0)])
    assert (optimizer.lr, optimizer.betas, optimizer.eps) == (1e-3, (0.9, 0.999), 1e-8)


def snapshot(optimizer):
    state = {key: value for key, value in vars(optimizer).items() if key != "params"}
    return [p.data for p in optimizer.params], repr(state)


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9), lambda ps: Adam(ps, lr=0.1)])
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_gradient_changes_nothing(make, bad):
    params = [Value(1.0, "a"), Value(2.0, "b"), Value(3.0, "c")]
    optimizer = make(params)
    for p in params:
        p.grad = 0.5
    optimizer.step()  # some state to keep
    before = snapshot(optimizer)
    params[0].grad, params[1].grad, params[2].grad = 0.25, bad, 0.25
    with pytest.raises(ValueError, match=r"parameter 1 \(label 'b'\).*non-finite.*no parameter was updated"):
        optimizer.step()
    assert snapshot(optimizer) == before
    # After fixing the gradient the optimizer steps as if nothing happened.
    params[1].grad = 0.25
    optimizer.step()
    assert all(math.isfinite(p.data) for p in params)


def test_an_update_that_overflows_changes_nothing():
    params = [Value(1.0, "small"), Value(1e308, "huge")]
    optimizer = SGD(params, lr=1e10)
    params[0].grad, params[1].grad = 1.0, -1e300
    with pytest.raises(ValueError, match="'huge'"):
        optimizer.step()
    assert [p.data for p in params] == [1.0, 1e308]


def test_zero_grad_and_model_parameters():
    model = MLP(2, [3, 1])
    optimizer = SGD(model.parameters(), lr=0.1)
    model([1.0, 2.0])[0].backward()
    optimizer.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SGD([], lr=0.1), "empty"),
        (lambda: SGD([Value(1.0)], lr=-0.1), "lr"),
        (lambda: SGD([Value(1.0)], lr=math.nan), "lr"),
        (lambda: SGD([Value(1.0)], lr=0.1, momentum=-0.5), "momentum"),
        (lambda: Adam([Value(1.0)], betas=(0.9,)), "betas"),
        (lambda: Adam([Value(1.0)], betas=(1.0, 0.999)), r"betas\[0\]"),
        (lambda: Adam([Value(1.0)], eps=-1.0), "eps"),
    ],
)
def test_bad_hyperparameters_raise(make, message):
    with pytest.raises(ArgumentError, match=message):
        make()


def test_params_must_be_distinct_values():
    p = Value(1.0, "p")
    with pytest.raises(ArgumentError, match="more than once"):
        SGD([p, p], lr=0.1)
    with pytest.raises(TypeError, match=r"params\[1\]"):
        SGD([p, 2.0], lr=0.1)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SGD([Value(1.0)], lr=10**400), r"SGD: lr must be a finite number >= 0, got an int of about 401"),
        (lambda: SGD([Value(1.0)], lr=math.inf), r"SGD: lr .* got inf"),
        (lambda: SGD([Value(1.0)], lr=0.1, momentum=math.nan), r"momentum .* got nan"),
        (lambda: Adam([Value(1.0)], betas=(math.nan, 0.999)), r"betas\[0\] must be a number in \[0, 1\), got nan"),
        (lambda: Adam([Value(1.0)], betas=(0.9, -0.1)), r"betas\[1\] .* got -0.1"),
        (lambda: Adam([Value(1.0)], betas=(0.9, 10**400)), r"betas\[1\] .* got an int of about 401 digits"),
        (lambda: Adam([Value(1.0)], eps=math.nan), r"eps .* got nan"),
        (lambda: Adam([Value(1.0)], lr=-1e-3), r"Adam: lr .* got -0.001"),
    ],
)
def test_bad_hyperparameters_name_themselves_and_the_value(make, message):
    with pytest.raises(ArgumentError, match=message):
        make()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SGD([Value(1.0)], lr="0.1"), r"SGD: lr must be a finite number >= 0, got str: '0.1'"),
        (lambda: SGD([Value(1.0)], lr=True), r"SGD: lr .* got bool: True"),
        (lambda: Adam([Value(1.0)], betas=(0.9, "0.99")), r"betas\[1\] must be a number in \[0, 1\), got str"),
        (lambda: Adam([Value(1.0)], betas=0.9), r"betas must be a pair \(beta1, beta2\), got float: 0.9"),
    ],
)
def test_wrong_kinds_of_hyperparameter_raise_type_error(make, message):
    with pytest.raises(TypeError, match=message):
        make()


@pytest.mark.parametrize("params", [Value(1.0), MLP(2, [1]), 5, "ab", None])
def test_params_must_be_a_list_of_values(params):
    with pytest.raises(TypeError, match=r"params must be a list of Values such as model\.parameters\(\)"):
        SGD(params, lr=0.1)


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1), lambda ps: Adam(ps, lr=0.1)])
@pytest.mark.parametrize(
    ("bad", "error"),
    [(-0.1, ArgumentError), (math.nan, ArgumentError), ("0.1", TypeError), (10**400, ArgumentError)],
    ids=["negative", "nan", "str", "huge int"],
)
def test_a_learning_rate_set_after_construction_is_checked_at_the_step(make, bad, error):
    params = [Value(1.0), Value(2.0)]
    optimizer = make(params)
    for p in params:
        p.grad = 0.5
    optimizer.lr = bad
    name = type(optimizer).__name__
    with pytest.raises(error, match=rf"{name}\.step: lr must be a finite number >= 0"):
        optimizer.step()
    assert [p.data for p in params] == [1.0, 2.0]
    optimizer.lr = 0.1
    optimizer.step()
    assert params[0].data < 1.0 and params[1].data < 2.0


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=1e-300), lambda ps: SGD(ps, lr=1e-300, momentum=0.5)])
def test_finite_gradients_whose_sum_overflows_still_step(make):
    # The step checks all gradients at once through their sum; a sum that overflows
    # must fall back to looking at each one, not refuse the step.
    params = [Value(1.0, "a"), Value(2.0, "b")]
    optimizer = make(params)
    params[0].grad, params[1].grad = 1.5e308, 1.5e308
    optimizer.step()
    assert [p.data for p in params] == [1.0 - 1e-300 * 1.5e308, 2.0 - 1e-300 * 1.5e308]


@pytest.mark.parametrize(("bad", "error"), [(math.nan, ValueError), (math.inf, ValueError), (-0.5, ValueError)])
def test_a_float_learning_rate_set_to_a_bad_value_is_refused(bad, error):
    p = Value(1.0, "p")
    optimizer = SGD([p], lr=0.1)
    p.grad = 1.0
    optimizer.lr = bad
    with pytest.raises(error, match=r"SGD\.step: lr must be a finite number >= 0"):
        optimizer.step()
    assert p.data == 1.0
