"""`no_grad`: ops inside return constants, and the previous mode always comes back."""

import pytest

from autograd import Value, grad, no_grad, total, weighted_sum


def records():
    """Whether ops record their parents right now."""
    return (Value(1.0) * 2.0).parents != ()


def test_ops_inside_return_parentless_constants():
    x, y = Value(0.5, label="x"), Value(2.0, label="y")
    with no_grad():
        results = [
            x + y,
            3 - x,
            x * y,
            x / y,
            x**2,
            2**x,
            x**y,
            -x,
            abs(x),
            x.exp(),
            x.log(),
            x.tanh(),
            x.sigmoid(),
            x.relu(),
            x.sin(),
            x.cos(),
            x.sqrt(),
            weighted_sum([x], [y], 1.0),
            total([x, y]),
        ]
    for out in results:
        assert (out.op, out.parents, out.local_grads) == ("", (), ())
    assert [out.data for out in results[:3]] == [2.5, 2.5, 1.0]


def test_recording_resumes_after_the_block():
    with no_grad():
        assert not records()
    assert records()


def test_nesting_restores_each_level():
    with no_grad():
        with no_grad():
            assert not records()
        assert not records()
    assert records()


def test_one_instance_entered_inside_itself():
    block = no_grad()
    with block:
        with block:
            assert not records()
        assert not records()
    assert records()
    with block:  # and it can be used again
        assert not records()
    assert records()


def test_an_exception_inside_restores_the_mode():
    with pytest.raises(ZeroDivisionError), no_grad():
        Value(1.0) / 0.0
    assert records()
    with no_grad():
        with pytest.raises(ValueError), no_grad():
            Value(-1.0).log()
        assert not records()
    assert records()


def test_a_constant_made_inside_blocks_the_gradient():
    x = Value(2.0, label="x")
    with no_grad():
        scale = x * 3.0
    y = scale * x
    y.backward()
    assert x.grad == 6.0  # d(c x)/dx with c = 6 held fixed, not d(3x^2)/dx = 12
    assert grad(y, [x])[0].data == 6.0


def test_parameter_update_pattern():
    w = Value(1.0, label="w")
    loss = (w - 3.0) ** 2
    loss.backward()
    with no_grad():
        w.data -= 0.25 * w.grad
        step = w * 1.0
    assert w.data == 2.0 and w.parents == () and step.parents == ()
