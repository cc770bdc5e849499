"""The compiled training step of `fit`: one example's loss traced once, replayed for every example.

Owns `CompiledStep`. Imports `math` from the standard library and `autograd`
(`jit`); never `viz`. `nn.training` hands it the model, the check of what
the model returns and the function that builds a batch's loss, so both paths
compute the same loss.

Why the numbers are the eager step's, bit for bit: every loss of `nn` is
`total(terms) / T`, T terms over the batch (one per example, or one per output
for "mse"). In the eager graph each term receives the gradient 1.0 * (1.0 / T)
from above, and a parameter's gradient is the sum of the edges into it, example
after example, in order. The compiled step traces one example's
`total(its terms)`, seeds it with the same 1.0 / T, and lets `autograd.jit`
continue one running sum per parameter across the examples, in order; the
loss is fsum(all terms) / T, as `total` and `/` compute it.
"""

import math

from autograd import jit


class NotCompilableError(Exception):
    """The model or loss builds something the compiled step does not take (then `fit` trains eagerly)."""


class CompiledStep:
    """One batch's forward and backward through `autograd.jit`: the data loss, per-example outputs, grads in `.grad`."""

    def __init__(self, model, output_list, loss, batch_loss, backend="python"):
        self.model = model
        self.output_list = output_list
        self.loss = loss
        self.batch_loss = batch_loss
        self.backend = backend
        self.function = jit(self._example, static_argnums=(1,))

    def _example(self, inputs, target):
        """One example: `(total of its loss terms, [terms..., outputs...])`."""
        outputs = self.output_list(self.model(inputs))
        objective = self.batch_loss(self.loss, [outputs], [_unhashed(target)])
        terms = objective.parents[0] if objective.parents else None
        if objective.op != "/" or terms is None or terms.op != "sum":
            raise NotCompilableError(f"the {self.loss} loss is not a mean of terms")
        return terms, [*terms.parents, *outputs]

    def run(self, inputs, targets):
        """Forward and backward over one batch; returns `(data loss, outputs of each example as floats)`.

        The gradients are added into `.grad`, as `objective.backward()` of the
        eager step adds them (zero them first).
        """
        targets = [_hashable(t) for t in targets]
        per_example = [len(t) if isinstance(t, tuple) else 1 for t in targets] if self.loss == "mse" else None
        count = sum(per_example) if per_example else len(targets)
        values, _ = self.function.batch(inputs, targets, gradient=1.0 / count, backend=self.backend)
        terms = []
        outputs = []
        for value in values:
            _, aux = value
            k = len(aux) // 2 if self.loss == "mse" else 1
            terms.extend(aux[:k])
            outputs.append(list(aux[k:]))
        return math.fsum(terms) / count, outputs


def _hashable(target):
    return tuple(target) if isinstance(target, list) else target


def _unhashed(target):
    return list(target) if isinstance(target, tuple) else target
