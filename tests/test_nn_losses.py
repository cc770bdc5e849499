"""Losses against hand computations and central differences (our own gradcheck)."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, gradcheck
from nn import ArgumentError, binary_cross_entropy, cross_entropy, hinge, mse, squared_error


def values(numbers):
    return [Value(x) for x in numbers]


def test_squared_error_by_hand():
    outputs = values([0.75, 0.2])
    loss = squared_error(outputs, [1.0, 0.0])
    assert loss.data == pytest.approx(0.5 * 0.25**2 + 0.5 * 0.2**2, rel=1e-15)
    # One sum node over one node per output, as the worked example's E_total = E_o1 + E_o2.
    assert loss.op == "sum" and len(loss.parents) == 2
    assert loss.parents[0].data == pytest.approx(0.5 * 0.25**2, rel=1e-15)
    assert loss.label == "E_total" and [term.label for term in loss.parents] == ["E_0", "E_1"]
    loss.backward()
    assert [o.grad for o in outputs] == pytest.approx([0.75 - 1.0, 0.2 - 0.0], rel=1e-15)


def test_squared_error_accepts_value_targets():
    target = Value(0.01, "target")
    output = Value(0.75)
    loss = squared_error([output], [target])
    loss.backward()
    assert target.grad == pytest.approx(0.01 - 0.75, rel=1e-15)
    assert output.grad == pytest.approx(0.75 - 0.01, rel=1e-15)


def test_mse_by_hand():
    outputs = values([1.0, 2.0, 4.0])
    loss = mse(outputs, [0.0, 2.0, 1.0])
    assert loss.data == pytest.approx((1.0 + 0.0 + 9.0) / 3, rel=1e-15)
    loss.backward()
    assert [o.grad for o in outputs] == pytest.approx([2 * 1.0 / 3, 0.0, 2 * 3.0 / 3], rel=1e-15)


def test_hinge_by_hand():
    scores = values([2.0, -0.5, 0.3])
    loss = hinge(scores, [1, 1, -1])
    assert loss.data == pytest.approx((0.0 + 1.5 + 1.3) / 3, rel=1e-15)
    loss.backward()
    # -y/n where the margin is violated, 0 where it is not.
    assert [s.grad for s in scores] == pytest.approx([0.0, -1.0 / 3, 1.0 / 3], rel=1e-15)


@pytest.mark.parametrize("label", [0, 2, 0.5])
def test_hinge_labels_must_be_plus_or_minus_one(label):
    with pytest.raises(ArgumentError, match="labels must be -1 or \\+1"):
        hinge([Value(1.0)], [label])


@pytest.mark.parametrize("label", ["1", None, True])
def test_hinge_labels_must_be_numbers(label):
    with pytest.raises(TypeError, match=r"hinge: labels\[0\] must be a number"):
        hinge([Value(1.0)], [label])


def test_binary_cross_entropy_by_hand():
    probs = values([0.9, 0.2, 0.6])
    loss = binary_cross_entropy(probs, [1, 0, 0.25])
    soft = -(0.25 * math.log(0.6) + 0.75 * math.log(0.4))
    assert loss.data == pytest.approx((-math.log(0.9) - math.log(0.8) + soft) / 3, rel=1e-14)
    loss.backward()
    expected = [(p - t) / (p * (1 - p)) / 3 for p, t in ((0.9, 1), (0.2, 0), (0.6, 0.25))]
    assert [p.grad for p in probs] == pytest.approx(expected, rel=1e-12)


def test_binary_cross_entropy_at_certain_and_right_is_zero():
    probs = values([0.0, 1.0])
    loss = binary_cross_entropy(probs, [0, 1])
    assert loss.data == 0.0
    loss.backward()
    assert all(math.isfinite(p.grad) for p in probs)


@pytest.mark.parametrize(("prob", "target"), [(0.0, 1), (1.0, 0), (0.0, 0.5), (1.0, 0.5)])
def test_binary_cross_entropy_certain_and_wrong_is_a_clear_error(prob, target):
    with pytest.raises(ArgumentError, match="infinite") as info:
        binary_cross_entropy([Value(prob, "p")], [target])
    assert "label 'p'" in str(info.value)


@pytest.mark.parametrize(
    ("prob", "target", "message"), [(1.5, 1, "probabilities"), (0.5, 2, "targets"), (-0.1, 0, "probabilities")]
)
def test_binary_cross_entropy_ranges(prob, target, message):
    with pytest.raises(ArgumentError, match=message):
        binary_cross_entropy([Value(prob)], [target])


def test_cross_entropy_by_hand():
    logits = values([1.0, 2.0, 3.0])
    loss = cross_entropy(logits, 0)
    normaliser = math.exp(1) + math.exp(2) + math.exp(3)
    assert loss.data == pytest.approx(math.log(normaliser) - 1.0, rel=1e-15)
    loss.backward()
    softmax = [math.exp(k) / normaliser for k in (1, 2, 3)]
    assert [z.grad for z in logits] == pytest.approx([softmax[0] - 1, softmax[1], softmax[2]], rel=1e-14)


@pytest.mark.parametrize(("logits", "target", "expected"), [([1000.0, 0.0], 0, 0.0), ([1000.0, 0.0], 1, 1000.0)])
def test_cross_entropy_is_stable_for_huge_logits(logits, target, expected):
    nodes = values(logits)
    loss = cross_entropy(nodes, target)
    assert loss.data == expected
    loss.backward()
    assert all(math.isfinite(z.grad) for z in nodes)
    assert nodes[0].grad == pytest.approx(1.0 - (target == 0), abs=1e-300)
    assert cross_entropy([-1000.0, 1000.0, 0.0], 0).data == 2000.0


@settings(max_examples=60)
@given(
    st.lists(st.floats(min_value=-30, max_value=30), min_size=1, max_size=6),
    st.floats(min_value=-500, max_value=500),
    st.data(),
)
def test_cross_entropy_is_minus_log_softmax_and_shift_invariant(logits, shift, data):
    target = data.draw(st.integers(min_value=0, max_value=len(logits) - 1))
    naive = -math.log(math.exp(logits[target]) / sum(math.exp(z) for z in logits))
    assert cross_entropy(logits, target).data == pytest.approx(naive, rel=1e-9, abs=1e-12)
    shifted = cross_entropy([z + shift for z in logits], target).data
    assert shifted == pytest.approx(naive, rel=1e-9, abs=1e-9)
    nodes = values(logits)
    cross_entropy(nodes, target).backward()
    assert sum(z.grad for z in nodes) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("target", [-1, 3])
def test_cross_entropy_target_index_is_checked(target):
    with pytest.raises(ArgumentError, match="target_index"):
        cross_entropy([1.0, 2.0, 3.0], target)


@pytest.mark.parametrize("target", [1.0, True, "0", None])
def test_cross_entropy_target_index_must_be_an_int(target):
    with pytest.raises(TypeError, match="cross_entropy: target_index must be an int"):
        cross_entropy([1.0, 2.0, 3.0], target)


def test_cross_entropy_needs_logits():
    with pytest.raises(ArgumentError, match="non-empty"):
        cross_entropy([], 0)
    with pytest.raises(TypeError, match="cross_entropy: logits must be a non-empty list, got float"):
        cross_entropy(1.0, 0)


LOSSES = {
    "squared_error": lambda a, b, c: squared_error([a, b, c], [0.1, -0.4, 2.0]),
    "mse": lambda a, b, c: mse([a, b, c], [0.1, -0.4, 2.0]),
    "hinge": lambda a, b, c: hinge([a, b, c], [1, -1, 1]),
    "binary_cross_entropy": lambda a, b, c: binary_cross_entropy([a.sigmoid(), b.sigmoid(), c.sigmoid()], [1, 0, 0.3]),
    "cross_entropy": lambda a, b, c: cross_entropy([a, b, c], 1),
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_every_loss_passes_gradcheck(name):
    # Points away from the hinge's kinks (1 - y*s != 0).
    assert gradcheck(LOSSES[name], [0.3, 0.2, -0.7])
    assert gradcheck(LOSSES[name], [2.5, -1.5, 0.9])


@pytest.mark.parametrize("loss", [squared_error, mse, hinge, binary_cross_entropy])
def test_mismatched_or_empty_lists_raise(loss):
    with pytest.raises(ArgumentError, match="as many"):
        loss([Value(0.5), Value(0.5)], [1])
    with pytest.raises(ArgumentError, match="at least one"):
        loss([], [])
    # A wrong kind of argument is a TypeError, as everywhere in nn.
    with pytest.raises(TypeError, match="the first argument must be a list, got Value"):
        loss(Value(0.5), [1])
    with pytest.raises(TypeError, match="must be a list, got int"):
        loss([Value(0.5)], 1)


def test_losses_take_plain_numbers_too():
    assert squared_error([0.5], [1.0]).data == 0.125
    assert mse([0.5, 1.0], [1.0, 1.0]).data == 0.125
    assert hinge([0.5], [1]).data == 0.5
    assert cross_entropy([0.0, 0.0], 1).data == pytest.approx(math.log(2), rel=1e-15)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: mse([Value(1.0)], ["a"]), TypeError, r"mse: targets\[0\] must be a number, got str: 'a'"),
        (lambda: squared_error([Value(1.0)], [None]), TypeError, r"squared_error: targets\[0\] must be a number"),
        (lambda: mse([Value(1.0), Value(2.0)], [0.0, math.nan]), ValueError, r"mse: targets\[1\] must be finite"),
        (lambda: mse([Value(1.0)], [10**400]), ValueError, r"mse: targets\[0\] is too large for a float"),
        (lambda: squared_error([10**400], [1.0]), ValueError, r"squared_error: outputs\[0\] is too large"),
        (lambda: mse(["1"], [1.0]), TypeError, r"mse: outputs\[0\] must be a number or a Value, got str"),
        (lambda: hinge([10**400], [1]), ValueError, r"hinge: scores\[0\] is too large for a float"),
        (lambda: hinge([Value(1.0)], [10**400]), ValueError, r"hinge: labels\[0\] is too large for a float"),
        (lambda: binary_cross_entropy([math.nan], [1]), ValueError, r"binary_cross_entropy: probs\[0\] must be finite"),
        (lambda: cross_entropy([0.0, 10**400], 0), ValueError, r"cross_entropy: logits\[1\] is too large"),
        (lambda: cross_entropy([0.0, 1.0], 10**400), ValueError, r"target_index must be in 0\.\.1 .* about 401 digits"),
        (lambda: mse({"a": 1.0}, [1.0]), TypeError, r"mse: the first argument must be a list, got dict"),
    ],
)
def test_bad_numbers_name_the_argument_and_the_index(call, error, message):
    with pytest.raises(error, match=message):
        call()
    if error is ValueError:
        with pytest.raises(ArgumentError):
            call()


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_float_target_is_refused(bad):
    with pytest.raises(ArgumentError, match=r"squared_error: targets\[1\] must be finite"):
        squared_error([Value(0.5), Value(0.5)], [0.0, bad])


@pytest.mark.parametrize("label", [1, 1.0, -1, -1.0, True, 0, 2.0, math.nan])
def test_hinge_reads_every_form_of_label_alike(label):
    score = Value(0.25, "s")
    if label in (1, -1) and label is not True:
        assert hinge([score], [label]).data == max(0.0, 1.0 - 0.25 * float(label))
        return
    error = TypeError if label is True else ArgumentError
    with pytest.raises(error, match=r"hinge: labels"):
        hinge([score], [label])
