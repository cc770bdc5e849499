"""`fit` and `evaluate`: a small training loop reporting loss and accuracy per epoch; `targets_for` a loss.

Owns the loop that ties a model, a loss, an optimizer and a data set together.
Imports `dataclasses` from the standard library, `autograd` (`Value`,
`no_grad`, `total`, `weighted_sum`) and `nn.checks`, `nn.compiled_fit`, `nn.losses`,
`nn.module`, `nn.optim`; never `viz`.

`loss` is named, because the name also says how a prediction is read off the
model's outputs and so how accuracy is counted:

| loss                   | model outputs  | labels            | prediction            |
|------------------------|----------------|-------------------|-----------------------|
| "hinge"                | 1 score        | -1 or +1          | +1 if score > 0       |
| "binary_cross_entropy" | 1 probability  | 0 or 1 (or [0,1]) | 1 if probability > .5 |
| "cross_entropy"        | k logits       | class index       | index of the largest  |
| "mse"                  | k values       | number or k list  | none (accuracy None)  |

The model is any `Module` whose call returns a Value or a list of Values; a
single Value counts as a list of one (a `Neuron` is a model too).
"""

from dataclasses import dataclass

from autograd import Value, no_grad, total, weighted_sum
from nn.checks import ArgumentError, check_count, check_rng, check_sequence, finite_nonnegative, shown
from nn.compiled_fit import CompiledStep, NotCompilableError
from nn.losses import binary_cross_entropy, cross_entropy, hinge, mse
from nn.module import Module
from nn.optim import Optimizer

LOSSES = ("hinge", "binary_cross_entropy", "cross_entropy", "mse")


@dataclass(frozen=True)
class EpochReport:
    """What `fit` tells its callback after each epoch.

    `epoch` counts from 0 to `epochs` - 1. `loss` is the objective minimised
    (data loss plus the L2 penalty) and `accuracy` the fraction of examples
    classified right (None for "mse"), both over the epoch's forward passes,
    that is before each batch's update. `learning_rate` is the one used.
    """

    epoch: int
    epochs: int
    loss: float
    accuracy: float | None
    learning_rate: float


def fit(
    model,
    inputs,
    labels,
    *,
    loss,
    optimizer,
    epochs,
    batch_size=None,
    callback=None,
    l2=0.0,
    schedule=None,
    rng=None,
    compiled=True,
):
    """Train `model` on `(inputs, labels)` and return the list of `EpochReport`s.

    Each epoch visits every example once, in batches of `batch_size` (all at
    once when None; shuffled by `rng` otherwise), and per batch runs: forward,
    `loss` (mean over the batch) + `l2` * sum of squared parameters, zero the
    gradients, backward, `optimizer.step()`. `schedule(epoch)`, if given,
    sets `optimizer.lr` before each epoch. `callback(report)` runs after each
    epoch; returning True stops training early.

    `compiled=True` (the default) runs each batch through `autograd.jit`: one
    example's loss is traced once and replayed for every example, with the
    eager step's numbers bit for bit (L2 penalty included) and several times
    its speed. With `nn.SGD` or `nn.Adam` over `model.parameters()` the whole
    step is compiled (`nn.TrainStep`: the update runs inside the replayed
    program, and the model is written back after each epoch, before the
    callback, and when fit returns or is interrupted); another optimizer
    steps eagerly after each replayed batch. cross_entropy's class (a
    one-hot) and mse's targets are inputs of the trace, so one trace serves
    every class and every target. "numpy"
    replays whole batches with numpy as matrix products: it agrees to
    rounding, not bit for bit, and is several times faster for batches of 16
    and more through layers of ten neurons and more (the digits). False
    builds the graph eagerly. A model or loss the trace cannot take trains
    eagerly.
    """
    _check_fit_arguments(model, inputs, labels, loss, optimizer, epochs, batch_size, callback, schedule)
    l2 = finite_nonnegative(l2, "fit: l2")
    if batch_size is not None:
        rng = check_rng(rng, "fit: rng")
    step = _compiled_step(model, loss, compiled, optimizer, l2)
    if step is not None:
        with no_grad():  # what the model returns, checked as the eager loop checks it, with its message
            _outputs(model, inputs, 0, "fit")
    try:
        return _epochs(model, inputs, labels, loss, optimizer, epochs, batch_size, callback, l2, schedule, rng, step)
    finally:
        if step is not None:
            step.sync()  # an interrupted fit leaves the model at its last finished step, as the eager loop does


def _epochs(model, inputs, labels, loss, optimizer, epochs, batch_size, callback, l2, schedule, rng, step):
    parameters = model.parameters()
    order = list(range(len(inputs)))
    size = len(order) if batch_size is None else batch_size
    history = []
    for epoch in range(epochs):
        if schedule is not None:
            optimizer.lr = _scheduled_rate(schedule, epoch)
        if batch_size is not None:
            rng.shuffle(order)
        loss_sum = 0.0
        correct = 0
        for start in range(0, len(order), size):
            batch = order[start : start + size]
            targets = [labels[i] for i in batch]
            if step is not None:
                try:
                    value, correct_here = _compiled_batch(step, loss, [inputs[i] for i in batch], targets)
                except NotCompilableError:  # found while tracing, before anything was updated
                    step.abandon()
                    step = None
                else:
                    correct += correct_here
                    loss_sum += value * len(batch)
                    continue
            outputs = [_outputs(model, inputs, i, "fit") for i in batch]
            objective = _batch_loss(loss, outputs, targets)
            correct += _count_correct(loss, outputs, targets)
            if l2 and parameters:
                objective = objective + l2 * weighted_sum(parameters, parameters)
            optimizer.zero_grad()
            objective.backward()
            optimizer.step()
            loss_sum += objective.data * len(batch)
        report = EpochReport(
            epoch=epoch,
            epochs=epochs,
            loss=loss_sum / len(order),
            accuracy=None if loss == "mse" else correct / len(order),
            learning_rate=optimizer.lr,
        )
        history.append(report)
        if step is not None:
            step.sync()  # the callback, and the caller after the last epoch, see the trained model
        if callback is not None:
            stop = callback(report) is True
            if step is not None:
                step.reload()  # the callback may have changed the model or the optimizer
            if stop:
                break
    return history


def evaluate(model, inputs, labels, *, loss):
    """`(mean loss, accuracy)` of `model` on the examples, without recording a graph.

    Accuracy is None for "mse". The loss has no L2 penalty.
    """
    _check_model("evaluate", model)
    _check_examples("evaluate", inputs, labels)
    _check_loss("evaluate", loss)
    with no_grad():
        outputs = [_outputs(model, inputs, i, "evaluate") for i in range(len(inputs))]
        value = _batch_loss(loss, outputs, list(labels)).data
    accuracy = None if loss == "mse" else _count_correct(loss, outputs, labels) / len(inputs)
    return value, accuracy


def _compiled_step(model, loss, compiled, optimizer, l2):
    """The compiled step for `fit`, or None for the eager one."""
    if compiled is False:
        return None
    if compiled not in (True, "python", "numpy"):
        raise ArgumentError(f"fit: compiled must be True, False, 'python' or 'numpy', got {shown(compiled)}")
    return CompiledStep(
        model, lambda result: _output_list(result, "fit", "an example"), loss, _batch_loss,
        "numpy" if compiled == "numpy" else "python", optimizer, l2,
    )  # fmt: skip


def _compiled_batch(step, loss, batch_inputs, targets):
    """`(objective, correct count)` of one batch through the compiled step, which also updates the parameters."""
    value, outputs = step.run(batch_inputs, targets)
    if loss == "mse":
        return value, 0
    return value, _count_correct(loss, [[_Number(x) for x in o] for o in outputs], targets)


class _Number:
    """A float standing in for a Value where `predict` reads `.data`."""

    __slots__ = ("data",)

    def __init__(self, data):
        self.data = data


def predict(loss, outputs):
    """The class a model's outputs (a list of Values) stand for, read as the table in the module docstring says."""
    if loss == "hinge":
        return 1 if outputs[0].data > 0.0 else -1
    if loss == "binary_cross_entropy":
        return 1 if outputs[0].data > 0.5 else 0
    if loss == "cross_entropy":
        return max(range(len(outputs)), key=lambda k: outputs[k].data)
    raise ArgumentError(f"predict: {loss!r} is a regression loss with no classes; use one of {LOSSES[:3]}")


def targets_for(loss, labels):
    """A data set's class labels (any sortable values) as `loss` wants them, per the table above.

    The classes are the distinct labels in sorted order: cross_entropy takes
    their indices 0..k-1; the one-output losses need exactly two classes, read
    as 0/1 by binary_cross_entropy and as -1/+1 by hinge and mse (the sign of
    the score is the class). Fewer or more than two classes for those raises
    `ArgumentError`.
    """
    if loss not in LOSSES:
        raise ArgumentError(f"targets_for: loss must be one of {', '.join(LOSSES)}, got {shown(loss)}")
    classes = sorted(set(labels))
    index = {label: k for k, label in enumerate(classes)}
    if loss == "cross_entropy":
        return [index[label] for label in labels]
    if len(classes) != 2:
        raise ArgumentError(
            f"targets_for: the loss {loss} needs exactly two classes, got {len(classes)}; use cross_entropy"
        )
    if loss == "binary_cross_entropy":
        return [index[label] for label in labels]
    return [2 * index[label] - 1 for label in labels]


def _outputs(model, inputs, index, owner):
    """`model(inputs[index])` as a list of Values: a single Value becomes a list of one."""
    return _output_list(model(inputs[index]), owner, f"inputs[{index}]")


def _output_list(result, owner, where):
    """A model's result as a list of Values, or a TypeError naming `where` it came from."""
    if isinstance(result, Value):
        return [result]
    if isinstance(result, (list, tuple)) and result and all(isinstance(value, Value) for value in result):
        return list(result)
    raise TypeError(
        f"{owner}: the model must return a Value or a non-empty list of Values, "
        f"got {type(result).__name__}: {shown(result)} for {where}"
    )


def _scheduled_rate(schedule, epoch):
    return finite_nonnegative(schedule(epoch), f"fit: the learning rate schedule({epoch})")


def _batch_loss(loss, outputs, targets):
    if loss == "hinge":
        return hinge([_single(o, loss) for o in outputs], targets)
    if loss == "binary_cross_entropy":
        return binary_cross_entropy([_single(o, loss) for o in outputs], targets)
    if loss == "cross_entropy":
        return total([cross_entropy(o, t) for o, t in zip(outputs, targets)]) / len(outputs)
    flat_outputs = [value for o in outputs for value in o]
    flat_targets = [value for t in targets for value in (t if isinstance(t, (list, tuple)) else [t])]
    return mse(flat_outputs, flat_targets)


def _count_correct(loss, outputs, targets):
    if loss == "mse":
        return 0
    if loss == "binary_cross_entropy":
        return sum(predict(loss, o) == (1 if float(t) > 0.5 else 0) for o, t in zip(outputs, targets))
    return sum(predict(loss, o) == t for o, t in zip(outputs, targets))


def _single(outputs, loss):
    if len(outputs) != 1:
        raise ArgumentError(f"{loss}: the model must give exactly 1 output per example, got {len(outputs)}")
    return outputs[0]


def _check_model(owner, model):
    if not isinstance(model, Module) or not callable(model):
        raise TypeError(f"{owner}: model must be a callable nn Module, got {type(model).__name__}")


def _check_examples(owner, inputs, labels):
    for name, given in (("inputs", inputs), ("labels", labels)):
        check_sequence(given, f"{owner}: {name}")
    if len(inputs) != len(labels):
        raise ArgumentError(f"{owner}: needs one label per input, got {len(inputs)} inputs and {len(labels)} labels")
    if not inputs:
        raise ArgumentError(f"{owner}: needs at least one example, got none")


def _check_loss(owner, loss):
    choices = ", ".join(map(repr, LOSSES))
    if not isinstance(loss, str):
        raise TypeError(f"{owner}: loss must be one of {choices}, got {type(loss).__name__}: {shown(loss)}")
    if loss not in LOSSES:
        raise ArgumentError(f"{owner}: loss must be one of {choices}, got {shown(loss)}")


def _check_optimizer(model, optimizer):
    for method in ("step", "zero_grad"):
        if not callable(getattr(optimizer, method, None)):
            raise TypeError(
                f"fit: optimizer must have step() and zero_grad(), such as nn.SGD or nn.Adam, "
                f"got {type(optimizer).__name__}"
            )
    # An optimizer made for another model would train nothing, silently.
    if isinstance(optimizer, Optimizer) and not set(optimizer.params) & set(model.parameters()):
        raise ArgumentError("fit: the optimizer holds none of the model's parameters; build it with model.parameters()")


def _check_fit_arguments(model, inputs, labels, loss, optimizer, epochs, batch_size, callback, schedule):
    _check_model("fit", model)
    _check_examples("fit", inputs, labels)
    _check_loss("fit", loss)
    _check_optimizer(model, optimizer)
    check_count("fit: epochs", epochs, 0)
    if batch_size is not None:
        check_count("fit: batch_size", batch_size)
    for name, given in (("callback", callback), ("schedule", schedule)):
        if given is not None and not callable(given):
            raise TypeError(f"fit: {name} must be callable or None, got {type(given).__name__}")
