"""Scoring a classifier: `predict_classes`, `accuracy`, `confusion_matrix`.

Imports `autograd` (`Value`, `no_grad`) and `nn.checks`; never `viz`.
"""

from autograd import Value, no_grad
from nn.checks import ArgumentError, check_sequence, shown


def predict_classes(model, inputs):
    """The class index of the largest output of `model` for each input, without recording a graph.

    `model(x)` returns a list of Values (logits, probabilities, or sigmoid
    outputs: the largest wins, ties go to the lowest index) or one Value (a
    one-output model: class 1 if it is > 0.5, else 0, for a sigmoid
    output).
    """
    check_sequence(inputs, "predict_classes: inputs")
    predictions = []
    with no_grad():
        for index, x in enumerate(inputs):
            outputs = model(x)
            if isinstance(outputs, Value):
                predictions.append(1 if outputs.data > 0.5 else 0)
                continue
            if not isinstance(outputs, (list, tuple)) or not outputs:
                raise TypeError(
                    f"predict_classes: the model must return a Value or a non-empty list of Values, "
                    f"got {type(outputs).__name__} for inputs[{index}]"
                )
            data = [o.data if isinstance(o, Value) else float(o) for o in outputs]
            predictions.append(max(range(len(data)), key=data.__getitem__))
    return predictions


def accuracy(predicted, actual):
    """The fraction of positions where `predicted` equals `actual` (lists of class labels of the same length)."""
    _check_pair("accuracy", predicted, actual)
    return sum(p == a for p, a in zip(predicted, actual)) / len(actual)


def confusion_matrix(actual, predicted, classes=None):
    """`matrix[i][j]` = how many examples of class i were predicted as class j (rows: truth, as scikit-learn).

    Labels are class indices 0 .. classes-1; `classes` defaults to one more
    than the largest label seen.
    """
    _check_pair("confusion_matrix", predicted, actual)
    for name, labels in (("actual", actual), ("predicted", predicted)):
        for index, label in enumerate(labels):
            if isinstance(label, bool) or not isinstance(label, int) or label < 0:
                raise ArgumentError(
                    f"confusion_matrix: {name} must hold class indices (ints >= 0), got {shown(label)} at index {index}"
                )
    seen = max(max(actual), max(predicted)) + 1
    if classes is None:
        classes = seen
    elif isinstance(classes, bool) or not isinstance(classes, int) or classes < seen:
        raise ArgumentError(
            f"confusion_matrix: classes must be an int >= {seen} (labels up to {seen - 1} occur), got {shown(classes)}"
        )
    matrix = [[0] * classes for _ in range(classes)]
    for a, p in zip(actual, predicted):
        matrix[a][p] += 1
    return matrix


def _check_pair(owner, predicted, actual):
    check_sequence(predicted, f"{owner}: predicted")
    check_sequence(actual, f"{owner}: actual")
    if len(predicted) != len(actual):
        raise ArgumentError(
            f"{owner}: needs as many predictions as labels, got {len(predicted)} predictions and {len(actual)} labels"
        )
    if not actual:
        raise ArgumentError(f"{owner}: needs at least one example, got none")
