"""softmax, accuracy, confusion matrices, scalers, the train/test split and k-fold cross-validation."""

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Value, gradcheck
from nn.checks import ArgumentError
from nn.functional import softmax
from nn.metrics import accuracy, confusion_matrix, predict_classes
from nn.preprocessing import (
    MinMaxScaler,
    StandardScaler,
    cross_validate,
    k_folds,
    minmax_scale,
    standardize,
    train_test_split,
)

logits = st.lists(st.floats(-50, 50), min_size=1, max_size=6)


@given(logits)
def test_softmax_is_the_formula_and_sums_to_1(zs):
    probabilities = softmax(zs)
    exps = [math.exp(z) for z in zs]
    assert [p.data for p in probabilities] == pytest.approx([e / sum(exps) for e in exps], rel=1e-12, abs=1e-300)
    assert math.fsum(p.data for p in probabilities) == pytest.approx(1.0, abs=1e-12)


def test_softmax_is_stable_for_large_logits():
    assert [p.data for p in softmax([1000.0, 0.0])] == [1.0, pytest.approx(math.exp(-1000.0), abs=1e-300)]
    assert [p.data for p in softmax([1e308, 1e308])] == [0.5, 0.5]
    assert [p.data for p in softmax([-1e4, -1e4 - math.log(3.0)])] == pytest.approx([0.75, 0.25])


def test_softmax_derivatives_pass_gradcheck():
    for target in range(3):
        assert gradcheck(lambda a, b, c, t=target: softmax([a, b, c])[t], [0.3, -1.2, 2.0])
    # d s_i / d z_j = s_i ([i == j] - s_j), in closed form
    zs = [Value(0.5), Value(-0.25), Value(1.5)]
    s = softmax(zs)
    s[0].backward()
    p = [v.data for v in s]
    assert [z.grad for z in zs] == pytest.approx([p[0] * (1 - p[0]), -p[0] * p[1], -p[0] * p[2]])


def test_softmax_refuses_bad_logits():
    with pytest.raises(ArgumentError, match="non-empty"):
        softmax([])
    with pytest.raises(TypeError, match="logits"):
        softmax(3.0)
    with pytest.raises(ArgumentError, match=r"logits\[1\]"):
        softmax([1.0, math.inf])


def test_nn_exports_softmax():
    assert nn.softmax is softmax


def test_accuracy_and_confusion_matrix():
    actual = [0, 0, 1, 1, 2, 2, 2]
    predicted = [0, 1, 1, 1, 2, 0, 2]
    assert accuracy(predicted, actual) == 5 / 7
    assert confusion_matrix(actual, predicted) == [[1, 1, 0], [0, 2, 0], [1, 0, 2]]
    assert confusion_matrix([0, 1], [0, 0], classes=4) == [[1, 0, 0, 0], [1, 0, 0, 0], [0] * 4, [0] * 4]
    with pytest.raises(ArgumentError, match="as many predictions as labels"):
        accuracy([0], [0, 1])
    with pytest.raises(ArgumentError, match="at least one"):
        accuracy([], [])
    with pytest.raises(ArgumentError, match="classes must be an int >= 3"):
        confusion_matrix(actual, predicted, classes=2)
    with pytest.raises(ArgumentError, match="class indices"):
        confusion_matrix([0, -1], [0, 0])


def test_predict_classes_takes_the_largest_output():
    model = nn.Layer(2, 3, "linear", weights=[[1, 0], [0, 1], [-1, -1]], biases=[0, 0, 0])
    assert predict_classes(model, [[2.0, 1.0], [0.0, 3.0], [-2.0, -2.0]]) == [0, 1, 2]
    neuron = nn.Neuron(1, "sigmoid", weights=[1.0], bias=0.0)
    assert predict_classes(neuron, [[3.0], [-3.0]]) == [1, 0]


def test_minmax_scaler_fits_on_one_set_and_applies_to_another():
    train = [[1.0, 10.0, 5.0], [3.0, 20.0, 5.0], [2.0, 30.0, 5.0]]
    scaler = MinMaxScaler().fit(train)
    assert scaler.transform(train) == [[0.0, 0.0, 0.0], [1.0, 0.5, 0.0], [0.5, 1.0, 0.0]]
    assert scaler.transform([[5.0, 0.0, 7.0]]) == [[2.0, -0.5, 0.0]]  # outside the training range: beyond [0, 1]
    assert minmax_scale(train) == scaler.transform(train)
    assert train[0] == [1.0, 10.0, 5.0]  # the input is not changed


def test_minmax_scaler_is_the_tutorial_formula_on_the_seeds():
    rows, _ = nn.load_seeds()
    scaled = minmax_scale(rows)
    lows = [min(column) for column in zip(*rows)]
    highs = [max(column) for column in zip(*rows)]
    assert scaled[7][5] == (rows[7][5] - lows[5]) / (highs[5] - lows[5])
    assert all(0.0 <= x <= 1.0 for row in scaled for x in row)


def test_standard_scaler_gives_mean_0_and_std_1():
    rows, _ = nn.load_iris()
    scaled = standardize(rows)
    for column in zip(*scaled):
        mean = math.fsum(column) / len(column)
        std = math.sqrt(math.fsum((x - mean) ** 2 for x in column) / len(column))
        assert mean == pytest.approx(0.0, abs=1e-12)
        assert std == pytest.approx(1.0, rel=1e-12)
    # A constant column (the digits' always-blank corner pixel) is centred, not divided by 0.
    digits, _ = nn.load_digits()
    assert {row[0] for row in StandardScaler().fit_transform(digits)} == {0.0}


def test_scalers_refuse_bad_rows():
    with pytest.raises(ArgumentError, match="call fit"):
        MinMaxScaler().transform([[1.0]])
    with pytest.raises(ArgumentError, match=r"rows\[1\] has 1"):
        MinMaxScaler().fit([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError, match=r"rows\[0\]\[1\] must be a number"):
        StandardScaler().fit([[1.0, "2"]])
    with pytest.raises(ArgumentError, match="must be finite"):
        StandardScaler().fit([[math.nan]])
    with pytest.raises(ArgumentError, match="3 columns"):
        MinMaxScaler().fit([[1, 2, 3]]).transform([[1, 2]])


def test_train_test_split_is_seeded_and_a_partition():
    rows, labels = nn.load_digits()
    first = train_test_split(rows, labels, 0.2, rng=random.Random(7))
    again = train_test_split(rows, labels, 0.2, rng=random.Random(7))
    assert first == again
    x_train, x_test, _, y_test = first
    assert len(x_test) == 360 and len(x_train) == 1437  # ceil(1797 * 0.2) test rows, as scikit-learn
    assert sorted(map(id, x_train + x_test)) == sorted(map(id, rows))
    assert {id(row) for row in x_test}.isdisjoint(id(row) for row in x_train)
    index = {id(row): i for i, row in enumerate(rows)}
    assert [labels[index[id(row)]] for row in x_test] == y_test


def test_train_test_split_with_rng_none_follows_random_seed():
    rows, labels = nn.load_iris()
    random.seed(3)
    first = train_test_split(rows, labels)
    random.seed(3)
    assert train_test_split(rows, labels) == first


def test_stratified_split_keeps_the_class_proportions():
    rows, labels = nn.load_iris()
    _, _, y_train, y_test = train_test_split(rows, labels, 0.2, rng=random.Random(0), stratify=True)
    assert [y_test.count(k) for k in range(3)] == [10, 10, 10]
    assert [y_train.count(k) for k in range(3)] == [40, 40, 40]
    digits, digit_labels = nn.load_digits()
    _, x_test, _, y_test = train_test_split(digits, digit_labels, 0.2, rng=random.Random(0), stratify=True)
    assert len(x_test) == 360  # ceil(1797 * 0.2), as without stratify
    for k in range(10):
        assert abs(y_test.count(k) - digit_labels.count(k) * 0.2) < 1


def test_train_test_split_refuses_bad_arguments():
    with pytest.raises(ArgumentError, match="one label per row"):
        train_test_split([[1], [2]], [0])
    with pytest.raises(ArgumentError, match=r"in \(0, 1\)"):
        train_test_split([[1], [2]], [0, 1], 1.0)
    with pytest.raises(TypeError, match=r"random\.Random"):
        train_test_split([[1], [2]], [0, 1], rng=3)


@given(st.integers(2, 60), st.integers(2, 10), st.integers(0, 2**32))
def test_k_folds_test_every_index_exactly_once(n, k, seed):
    if k > n:
        with pytest.raises(ArgumentError, match="at most n"):
            k_folds(n, k)
        return
    folds = k_folds(n, k, rng=random.Random(seed))
    assert len(folds) == k
    tested = [i for _, test in folds for i in test]
    assert sorted(tested) == list(range(n))
    sizes = [len(test) for _, test in folds]
    assert max(sizes) - min(sizes) <= 1 and sizes == sorted(sizes, reverse=True)
    for train, test in folds:
        assert sorted(train + test) == list(range(n))
    assert folds == k_folds(n, k, rng=random.Random(seed))


def test_k_folds_without_shuffle_are_consecutive():
    assert [test for _, test in k_folds(7, 3, shuffle=False)] == [[0, 1, 2], [3, 4], [5, 6]]


def test_cross_validate_scores_each_fold_on_its_own_test_rows():
    rows = [[float(i)] for i in range(10)]
    labels = list(range(10))
    seen = []

    def score(x_train, y_train, x_test, y_test):
        assert not set(y_train) & set(y_test)
        seen.extend(y_test)
        return len(y_test)

    assert cross_validate(score, rows, labels, 5, rng=random.Random(0)) == [2] * 5
    assert sorted(seen) == labels


def test_fan_in_uniform_draws_as_torch_linear():
    from nn.init import fan_in_uniform

    model = nn.MLP(64, [10, 3], "tanh", rng=random.Random(0))
    assert fan_in_uniform(model, rng=random.Random(1)) is model
    for layer, bound in zip(model.layers, (1 / 8, 1 / math.sqrt(10))):
        values = [p.data for p in layer.parameters()]
        assert all(abs(v) <= bound for v in values)
        assert max(abs(v) for v in values) > 0.8 * bound
    again = fan_in_uniform(nn.MLP(64, [10, 3], "tanh", rng=random.Random(0)), rng=random.Random(1))
    assert [p.data for p in again.parameters()] == [p.data for p in model.parameters()]
    shared = nn.Layer(4, 3, shared_bias=True, rng=random.Random(0))
    fan_in_uniform(shared, rng=random.Random(2))
    rng = random.Random(2)
    expected = [rng.uniform(-0.5, 0.5) for _ in range(4 + 1 + 4 + 4)]
    assert [w.data for w in shared.neurons[0].weights] + [shared.bias.data] == expected[:5]
    with pytest.raises(TypeError, match="Module"):
        fan_in_uniform([1, 2])
