"""`detect_anomaly()`: the first NaN or infinity raises AnomalyError naming the op, its operands and the line.

Each test computes the line it expects to be named (`line()` returns the
number of the line after its call), so the check is that the message points
at this file's code, not at the engine's.
"""

import inspect
import math
import os
import threading

import pytest

from autograd import AnomalyError, Value, detect_anomaly, no_grad
from autograd.mode import RECORDING, current_mode

HERE = os.path.relpath(__file__)


def next_line():
    """`tests/test_anomaly.py:N` for the line after the caller's."""
    return f"{HERE}:{inspect.currentframe().f_back.f_lineno + 1}"


def test_anomaly_error_is_a_value_error():
    assert issubclass(AnomalyError, ValueError)


def test_an_op_that_makes_infinity_names_the_op_operands_and_line():
    big = Value(1e308, label="big")
    with detect_anomaly(), pytest.raises(AnomalyError) as error:
        where = next_line()
        big * 10.0
    message = str(error.value)
    assert message.startswith("detect_anomaly: op '*' made inf at ")
    assert where in message
    assert "1e+308 (label 'big'), 10" in message
    assert "big * 10.0" in message  # the source line


def test_a_nan_leaf_flowing_into_an_op_is_named():
    x = Value(math.nan, label="x")
    with detect_anomaly(), pytest.raises(AnomalyError) as error:
        where = next_line()
        (x + 1.0).exp()
    message = str(error.value)
    assert message.startswith(f"detect_anomaly: op '+' at {where} was given the non-finite operand nan (label 'x')")
    assert "a leaf, so it came in as data" in message


def test_an_infinite_leaf_is_caught_even_where_the_op_would_hide_it():
    # relu(-inf) is 0.0: the infinity would vanish without a trace.
    x = Value(-math.inf, label="x")
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"op 'relu' at .* non-finite operand -inf \(label 'x'\)"):
        x.relu()


def test_no_grad_inside_still_checks():
    with detect_anomaly(), no_grad(), pytest.raises(AnomalyError) as error:
        where = next_line()
        Value(1e308) * 10.0
    assert str(error.value).startswith(f"detect_anomaly: op '*' made inf at {where} from the operands 1e+308, 10")
    assert current_mode() is RECORDING


def test_finite_work_inside_is_unchanged():
    with detect_anomaly():
        x = Value(0.5, label="x")
        y = (x * 3.0).tanh() + x.exp()
        y.backward()
    assert y.data == pytest.approx(math.tanh(1.5) + math.exp(0.5))
    assert x.grad == pytest.approx(3 * (1 - math.tanh(1.5) ** 2) + math.exp(0.5))


def test_outside_the_block_nothing_is_checked_and_the_mode_is_restored():
    with pytest.raises(AnomalyError), detect_anomaly():
        Value(math.nan) + 1.0
    assert current_mode() is RECORDING
    assert math.isnan((Value(math.nan) + 1.0).data)
    with detect_anomaly(), detect_anomaly():
        pass
    assert current_mode() is RECORDING


def test_per_thread():
    # Another thread keeps running unchecked while this one is inside the block.
    results = []

    def other():
        results.append((Value(math.nan) + 1.0).data)

    with detect_anomaly():
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        with pytest.raises(AnomalyError):
            Value(math.nan) + 1.0
    assert len(results) == 1 and math.isnan(results[0])


def test_backward_names_the_edge_where_inf_times_zero_gives_nan():
    x = Value(0.0, label="x")
    with detect_anomaly():
        made = next_line()
        s = x.sqrt()  # local derivative +inf at 0
        s.label = "s"
        y = s * 0.0  # sends 0 back to s
        with pytest.raises(AnomalyError) as error:
            y.backward()
    message = str(error.value)
    assert message.startswith("detect_anomaly: the gradient became nan on the edge from sqrt node 's'")
    assert f"(made at {made})" in message
    assert "to its input 0 'x' = 0: local derivative inf times gradient from above 0 = nan" in message
    assert "an infinite local derivative times a zero gradient from above" in message
    assert "s = x.sqrt()" in message
    assert x.grad == 0.0 and s.grad == 0.0  # nothing was accumulated


@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_names_the_same_edge(create_graph):
    from autograd import grad

    x = Value(0.0, label="x")
    with detect_anomaly():
        made = next_line()
        y = x.sqrt() * 0.0
        with pytest.raises(AnomalyError) as error:
            grad(y, [x], create_graph=create_graph)
    assert "on the edge from sqrt node" in str(error.value) and f"(made at {made})" in str(error.value)


def test_without_the_block_the_same_backward_gives_nan_silently():
    x = Value(0.0, label="x")
    y = x.sqrt() * 0.0
    y.backward()
    assert math.isnan(x.grad)


def test_a_graph_made_outside_is_checked_in_backward_inside():
    x = Value(0.0, label="x")
    y = x.sqrt() * 0.0
    with detect_anomaly(), pytest.raises(AnomalyError) as error:
        y.backward()
    assert "on the edge from sqrt node to its input 0 'x' = 0" in str(error.value)
    assert "made at" not in str(error.value)


def test_an_overflowing_sum_of_gradients_is_named():
    x = Value(1e-10, label="x")  # the values stay finite, the two slopes of 1e308 do not add up
    with detect_anomaly():
        y = x * 1e308 + x * 1e308
        with pytest.raises(AnomalyError, match="add up to inf"):
            y.backward()


def test_a_non_finite_seed_is_named():
    with detect_anomaly():
        y = Value(2.0, label="t") * 3.0
        with pytest.raises(AnomalyError, match="started with the non-finite gradient nan"):
            y.backward(math.nan)


def test_the_checked_backward_gives_the_same_gradients_bit_for_bit():
    from autograd import grad

    def build():
        a, b = Value(0.3, label="a"), Value(-1.2, label="b")
        h = (a * b).tanh() + (a / (b * b + 1.0)).exp() - a.sigmoid() * b
        return h * h + abs(b) + (a + 0.1).relu(), a, b

    out, a, b = build()
    out.backward()
    plain = (a.grad, b.grad)
    second = [g.data for g in grad(grad(out, [a, b], create_graph=True)[0], [a, b])]
    with detect_anomaly():
        out, a, b = build()
        out.backward()
        checked_second = [g.data for g in grad(grad(out, [a, b], create_graph=True)[0], [a, b])]
    assert (a.grad, b.grad) == plain
    assert checked_second == second


def test_a_node_made_inside_remembers_its_line_for_check_local():
    from autograd import check_local

    with detect_anomaly():
        x = Value(0.5, label="x")
        made = next_line()
        y = x.exp()
        y.local_grads = (1.0,)
        assert f"made at {made}" in str(check_local(y))
    assert "made at" not in str(check_local(y))  # known inside the block only


def test_the_origins_table_holds_no_node_and_tells_a_reused_address():
    from autograd.anomaly import origin_of

    outside = Value(0.5) * 3.0  # made before the block: no origin
    with detect_anomaly():
        checker = current_mode().anomaly
        x = Value(0.5, label="x")
        made = next_line()
        y = x * 2.0
        assert origin_of(y) == made and origin_of(outside) is None
        # Only ids, op names and strings: the table keeps no graph alive.
        reachable = [checker.origins]
        for item in reachable:
            assert not isinstance(item, Value)
            if isinstance(item, (dict, tuple)):
                reachable.extend(item.items() if isinstance(item, dict) else item)
        # An entry left by a dead node whose address was reused does not match the node living there now.
        checker.origins[id(outside)] = (("tanh", (1, 2)), "stale.py:1")
        assert origin_of(outside) is None
    assert origin_of(y) is None  # known inside the block only


def test_a_define_op_whose_forward_returns_inf_is_named():
    from autograd import define_op

    blowup = define_op("blowup", lambda x: math.inf if x > 1.0 else x, lambda out, x: (1.0,))
    with detect_anomaly(), pytest.raises(AnomalyError) as error:
        where = next_line()
        blowup(Value(2.0, label="x")) * 3.0
    assert str(error.value).startswith(
        f"detect_anomaly: op 'blowup' made inf at {where} from the operands 2 (label 'x')"
    )


def test_a_node_made_inside_a_library_call_points_at_the_callers_line():
    from nn import mse

    with detect_anomaly(), pytest.raises(AnomalyError) as error:
        where = next_line()
        mse([Value(math.nan, label="o")], [1.0])
    message = str(error.value)
    assert f"at {where} (via nn/losses.py:" in message
    assert "non-finite operand nan (label 'o')" in message
