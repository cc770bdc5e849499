"""fit's compiled step: `CompiledStep` (one batch's forward, backward and update) and `NotCompilableError`.

Owns what `fit` runs per batch when it compiles: one example's loss traced by
`autograd.jit`, each batch replayed through a `TrainStep` when the optimizer
is a plain `SGD` or `Adam` over the model's parameters, else through `jit`'s
batch with the optimizer stepping eagerly; and the batch's targets as a trace
takes them (cross_entropy's class as a one-hot input, mse's targets as data).
Imports `math` from the standard library, `autograd` (`Value`, `jit`,
`no_grad`, `total`), `nn.checks`, `nn.compiled`, `nn.compiled_update`,
`nn.losses` and `nn.optim`; never numpy or `viz`.
"""

import math

from autograd import Value, jit, no_grad, total
from nn.checks import as_number
from nn.compiled import TrainStep
from nn.compiled_update import eager_penalty
from nn.losses import cross_entropy, one_hot_cross_entropy
from nn.optim import SGD, Adam


class NotCompilableError(Exception):
    """The model or loss builds something the compiled step does not take (then `fit` trains eagerly)."""


class CompiledStep:
    """One batch's forward, backward and update for `fit`: the data loss, per-example outputs, the penalty."""

    def __init__(self, model, output_list, loss, batch_loss, backend="python", optimizer=None, l2=0.0):
        self.model = model
        self.output_list = output_list
        self.loss = loss
        self.batch_loss = batch_loss
        self.backend = backend
        # cross_entropy's class (a one-hot input) and mse's targets are data: one trace serves every target.
        # hinge's and binary_cross_entropy's labels are static (two values; binary_cross_entropy branches on it).
        self.one_hot = loss == "cross_entropy"
        self._one_hots = None  # class index -> its one-hot tuple, once the number of classes is known
        if self.one_hot:
            self.function = jit(self._one_hot_example)
        elif loss == "mse":
            self.function = jit(self._example)
        else:
            self.function = jit(self._example, static_argnums=(1,))
        self.optimizer = optimizer
        self.l2 = l2
        parameters = model.parameters()
        # The whole step compiles for nn's own optimizers over exactly the model's parameters
        # (the eager loop's penalty sums model.parameters(), in that order).
        whole = (
            type(optimizer) in (SGD, Adam)
            and len(optimizer.params) == len(parameters)
            and all(a is b for a, b in zip(optimizer.params, parameters))
        )
        self.train_step = TrainStep(self.function, optimizer, l2=l2, backend=backend) if whole else None
        self.parameters = parameters

    def _example(self, inputs, target):
        """One example: `(total of its loss terms, [terms..., outputs...])`."""
        outputs = self.output_list(self.model(inputs))
        objective = self.batch_loss(self.loss, [outputs], [_unhashed(target)])
        terms = objective.parents[0] if objective.parents else None
        if objective.op != "/" or terms is None or terms.op != "sum":
            raise NotCompilableError(f"the {self.loss} loss is not a mean of terms")
        return terms, [*terms.parents, *outputs]

    def _one_hot_example(self, inputs, one_hot):
        """One example of cross_entropy with its class as a one-hot input: as `_example` returns it."""
        outputs = self.output_list(self.model(inputs))
        if len(outputs) != len(one_hot):
            raise NotCompilableError("the model's number of outputs changed")
        terms = total([one_hot_cross_entropy(outputs, one_hot)])
        return terms, [*terms.parents, *outputs]

    def _class_columns(self, inputs, targets):
        """The batch's class indices as one-hot tuples, each checked as `cross_entropy` checks it (its errors)."""
        one_hots = self._one_hots
        if one_hots is None:
            with no_grad():
                count = len(self.output_list(self.model(inputs[0])))
            one_hots = self._one_hots = [tuple(float(j == k) for j in range(count)) for k in range(count)]
        count = len(one_hots)
        columns = []
        for t in targets:
            if t.__class__ is not int or not 0 <= t < count:
                cross_entropy([0.0] * count, t)  # the eager loss's TypeError or ArgumentError; or t is an int
                t = int(t)
            columns.append(one_hots[t])
        return columns

    def run(self, inputs, targets):
        """Forward, backward and update over one batch: `(objective, outputs of each example as floats)`.

        The objective is the data loss plus the L2 penalty, before the update,
        as the eager step's `objective.data`.
        """
        if self.one_hot:
            targets = self._class_columns(inputs, targets)
        elif self.loss == "mse":
            targets = _regression_targets(targets)
        else:
            targets = [_hashable(t) for t in targets]
        per_example = [len(t) if isinstance(t, tuple) else 1 for t in targets] if self.loss == "mse" else None
        count = sum(per_example) if per_example else len(targets)
        if self.train_step is not None:
            values, penalty = self.train_step.batch(inputs, targets, gradient=1.0 / count)
        else:
            self.optimizer.zero_grad()
            values, _ = self.function.batch(inputs, targets, gradient=1.0 / count, backend=self.backend)
            penalty = eager_penalty(self.parameters, self.l2) if self.l2 and self.parameters else 0.0
            self.optimizer.step()
        terms = []
        outputs = []
        for value in values:
            _, aux = value
            k = len(aux) // 2 if self.loss == "mse" else 1
            terms.extend(aux[:k])
            outputs.append(list(aux[k:]))
        data_loss = math.fsum(terms) / count
        return (data_loss + penalty if self.l2 and self.parameters else data_loss), outputs

    def sync(self):
        """The parameters and the optimizer's state back into the model and the optimizer (fit's epoch ends)."""
        if self.train_step is not None:
            self.train_step.sync()

    def reload(self):
        """The model and the optimizer's state read again (a callback may have changed them)."""
        if self.train_step is not None:
            self.train_step.reload()

    def abandon(self):
        """Stop using the compiled step (fit trains eagerly from here): the model synced, then nothing any more."""
        if self.train_step is not None:
            self.train_step.sync()  # the batches trained so far are in the step's buffer
        self.train_step = None


def _regression_targets(targets):
    """mse's targets as fit's eager loss checks them (its errors), as floats or tuples of floats, for a trace.

    A Value target (it may be trained) is not data a trace can take: NotCompilableError, and fit trains eagerly.
    """
    index = 0
    column = []
    for target in targets:
        if isinstance(target, (list, tuple)):
            numbers = []
            for x in target:
                if isinstance(x, Value):
                    raise NotCompilableError("a Value among mse's targets")
                numbers.append(as_number(x, f"mse: targets[{index}]"))
                index += 1
            column.append(tuple(numbers))
        else:
            if isinstance(target, Value):
                raise NotCompilableError("a Value among mse's targets")
            column.append(as_number(target, f"mse: targets[{index}]"))
            index += 1
    return column


def _hashable(target):
    return tuple(target) if isinstance(target, list) else target


def _unhashed(target):
    return list(target) if isinstance(target, tuple) else target
