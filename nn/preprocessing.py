"""Preparing tabular data: feature scaling, a train/test split and k-fold cross-validation.

Owns `MinMaxScaler`, `StandardScaler` (and the one-call `minmax_scale`,
`standardize`), `train_test_split`, `k_folds` and `cross_validate`. Imports
the standard library and `nn.checks` only; never `autograd` or `viz`.

Data are plain lists: `X` a list of rows (lists of numbers), `y` a list of
labels. Scalers learn per-column numbers with `fit` and apply them with
`transform`, so a test set is scaled with the training set's numbers, as
scikit-learn's do. Randomness comes from `rng`, a `random.Random`; with
`rng=None` it is Python's module-level `random`, so `random.seed(k)` makes
the split and the folds reproducible.
"""

import math
import random

from nn.checks import ArgumentError, check_count, check_flag, check_sequence, is_number, shown


class MinMaxScaler:
    """x' = (x - min) / (max - min) per column, so the training data span [0, 1].

    A column whose values are all equal (max == min) maps to 0. `minimum`
    and `maximum` hold the fitted per-column numbers.
    """

    def __init__(self):
        self.minimum = None
        self.maximum = None

    def fit(self, rows):
        columns = _columns("MinMaxScaler.fit", rows)
        self.minimum = [min(column) for column in columns]
        self.maximum = [max(column) for column in columns]
        return self

    def transform(self, rows):
        _check_fitted("MinMaxScaler", self.minimum)
        rows = _rows("MinMaxScaler.transform", rows, len(self.minimum))
        return [
            [(x - lo) / (hi - lo) if hi != lo else 0.0 for x, lo, hi in zip(row, self.minimum, self.maximum)]
            for row in rows
        ]

    def fit_transform(self, rows):
        return self.fit(rows).transform(rows)


class StandardScaler:
    """x' = (x - mean) / std per column (the population standard deviation, as scikit-learn).

    A column with std 0 is only centred (maps to 0). `mean` and `std` hold
    the fitted per-column numbers.
    """

    def __init__(self):
        self.mean = None
        self.std = None

    def fit(self, rows):
        columns = _columns("StandardScaler.fit", rows)
        self.mean = [math.fsum(column) / len(column) for column in columns]
        self.std = [
            math.sqrt(math.fsum((x - mean) ** 2 for x in column) / len(column))
            for column, mean in zip(columns, self.mean)
        ]
        return self

    def transform(self, rows):
        _check_fitted("StandardScaler", self.mean)
        rows = _rows("StandardScaler.transform", rows, len(self.mean))
        return [
            [(x - mean) / std if std > 0.0 else x - mean for x, mean, std in zip(row, self.mean, self.std)]
            for row in rows
        ]

    def fit_transform(self, rows):
        return self.fit(rows).transform(rows)


def minmax_scale(rows):
    """`rows` scaled column by column to [0, 1] over all of them (`MinMaxScaler().fit_transform(rows)`)."""
    return MinMaxScaler().fit_transform(rows)


def standardize(rows):
    """`rows` scaled to mean 0 and standard deviation 1 per column (`StandardScaler().fit_transform(rows)`)."""
    return StandardScaler().fit_transform(rows)


def train_test_split(X, y, test_fraction=0.2, *, rng=None, stratify=False):  # noqa: N803 (X, as scikit-learn)
    """`(X_train, X_test, y_train, y_test)`: a shuffled split with ceil(n * test_fraction) test rows.

    With `stratify=True` each class is split on its own, so both parts keep
    the class proportions: each class gives floor(its count * test_fraction)
    test rows, and the rows still missing from the total go one each to the
    classes with the largest remainders. Rows keep their lists (the parts
    hold the same row objects, not copies).
    """
    _check_examples("train_test_split", X, y)
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, (int, float)):
        raise TypeError(f"train_test_split: test_fraction must be a number, got {type(test_fraction).__name__}")
    if not 0.0 < test_fraction < 1.0:
        raise ArgumentError(f"train_test_split: test_fraction must be in (0, 1), got {shown(test_fraction)}")
    check_flag(stratify, "train_test_split: stratify")
    rng = _generator(rng, "train_test_split")
    if stratify:
        groups = {}
        for index, label in enumerate(y):
            groups.setdefault(label, []).append(index)
        groups = [groups[label] for label in sorted(groups, key=repr)]
        shares = _stratified_shares([len(group) for group in groups], math.ceil(len(X) * test_fraction))
        test = []
        train = []
        for members, share in zip(groups, shares):
            rng.shuffle(members)
            test += members[:share]
            train += members[share:]
        rng.shuffle(test)
        rng.shuffle(train)
    else:
        order = list(range(len(X)))
        rng.shuffle(order)
        cut = math.ceil(len(order) * test_fraction)
        test, train = order[:cut], order[cut:]
    if not train or not test:
        raise ArgumentError(
            f"train_test_split: {len(X)} rows with test_fraction {test_fraction} leave "
            f"{len(train)} training and {len(test)} test rows; both must be at least 1"
        )
    return [X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test]


def k_folds(n, k=5, *, rng=None, shuffle=True):
    """`k` pairs `(train_indices, test_indices)` covering range(n): each index is tested exactly once.

    The indices are shuffled with `rng` (unless `shuffle=False`) and cut into
    k folds of n // k, the first n % k folds one larger, as scikit-learn's
    KFold. Each test fold is in shuffled order; each training set is the
    other folds, in fold order.
    """
    check_count("k_folds: n", n, 2)
    check_count("k_folds: k", k, 2)
    if k > n:
        raise ArgumentError(f"k_folds: k must be at most n ({n}), got {k}")
    check_flag(shuffle, "k_folds: shuffle")
    order = list(range(n))
    if shuffle:
        _generator(rng, "k_folds").shuffle(order)
    folds = []
    start = 0
    for fold in range(k):
        size = n // k + (1 if fold < n % k else 0)
        folds.append(order[start : start + size])
        start += size
    return [([i for other, part in enumerate(folds) if other != fold for i in part], folds[fold]) for fold in range(k)]


def cross_validate(score, X, y, k=5, *, rng=None):  # noqa: N803 (X, as scikit-learn)
    """k-fold cross-validation: the list of `score(X_train, y_train, X_test, y_test)` over the folds of `k_folds`.

    `score` trains a fresh model on the training part and returns a number
    measured on the test part (an accuracy, say).
    """
    _check_examples("cross_validate", X, y)
    if not callable(score):
        raise TypeError(f"cross_validate: score must be callable, got {type(score).__name__}")
    results = []
    for train, test in k_folds(len(X), k, rng=rng):
        results.append(score([X[i] for i in train], [y[i] for i in train], [X[i] for i in test], [y[i] for i in test]))
    return results


def _stratified_shares(counts, total):
    """How many test rows each class gives: proportional shares of `total`, rounded by largest remainder."""
    size = sum(counts)
    shares = [count * total // size for count in counts]
    by_remainder = sorted(range(len(counts)), key=lambda k: (-(counts[k] * total % size), k))
    for k in by_remainder[: total - sum(shares)]:
        shares[k] += 1
    return shares


def _generator(rng, owner):
    if rng is None:
        return random
    if not isinstance(rng, random.Random):
        raise TypeError(
            f"{owner}: rng must be a random.Random (or None for the module-level random), got {type(rng).__name__}"
        )
    return rng


def _check_examples(owner, X, y):  # noqa: N803
    check_sequence(X, f"{owner}: X")
    check_sequence(y, f"{owner}: y")
    if len(X) != len(y):
        raise ArgumentError(f"{owner}: needs one label per row, got {len(X)} rows and {len(y)} labels")
    if len(X) < 2:
        raise ArgumentError(f"{owner}: needs at least 2 rows, got {len(X)}")


def _rows(owner, rows, width=None):
    """`rows` as a list of float lists of one width, or TypeError/ArgumentError naming the row and column."""
    check_sequence(rows, f"{owner}: rows")
    if not rows:
        raise ArgumentError(f"{owner}: needs at least one row, got none")
    out = []
    for r, row in enumerate(rows):
        check_sequence(row, f"{owner}: rows[{r}]")
        if width is None:
            width = len(row)
            if width == 0:
                raise ArgumentError(f"{owner}: rows must have at least one column, rows[0] is empty")
        if len(row) != width:
            raise ArgumentError(f"{owner}: every row must have {width} columns, rows[{r}] has {len(row)}")
        values = []
        for c, x in enumerate(row):
            if not is_number(x):
                raise TypeError(f"{owner}: rows[{r}][{c}] must be a number, got {type(x).__name__}: {shown(x)}")
            value = float(x)
            if not math.isfinite(value):
                raise ArgumentError(f"{owner}: rows[{r}][{c}] must be finite, got {value!r}")
            values.append(value)
        out.append(values)
    return out


def _columns(owner, rows):
    rows = _rows(owner, rows)
    return [list(column) for column in zip(*rows)]


def _check_fitted(name, state):
    if state is None:
        raise ArgumentError(f"{name}.transform: call fit(rows) first")
