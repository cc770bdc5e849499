"""Compiled training: `TrainStep`, forward, backward and update as one generated program.

Owns `TrainStep` (its buffers, its one-call step and its python batch) and
`LOOP_FROM`. Imports `math` from the standard library, `autograd` (`jit` and
the program parts it generates), `nn.checks`, `nn.compiled_update` (the
update programs), `nn.optim`, and `nn.compiled_numpy` (the numpy step) only
inside the `backend="numpy"` path, lazily; never numpy itself, `nn.losses`,
fit's `nn.compiled_fit` (which imports this) or `viz`.

`TrainStep(fn, optimizer, l2=...)` is a training step compiled whole: `fn`
(one example's loss, closing over the parameters) is traced by `autograd.jit`,
and the optimizer's update (SGD with momentum or Adam, as `nn.optim` computes
them) and the derivative of the L2 penalty are appended to the replayed
program, so a step reads and writes plain floats and touches no Value. The
parameters live in a flat buffer of the step (a list; a float64 array for
numpy) while it trains; `sync()` writes them back into the Values' `.data`,
the last step's gradients into `.grad` and the optimizer's state (velocity,
moments, step count) into the optimizer, and `reload()` reads them again (after
the model or the optimizer was changed by hand). Use it as a context manager
to sync on leaving the block.

Why the numbers are the eager step's, bit for bit. The eager step builds
`objective = fn(...) + l2 * weighted_sum(params, params)`, runs `backward()`
and `optimizer.step()`. Its backward pass, in reverse topological order, adds
the edges of `fn`'s graph into each parameter's gradient first and the
penalty's two edges (`l2 * p`, once as a weight and once as an input of the
`weighted_sum`) last, and `backward()` adds the total into `.grad`, which
`zero_grad()` left at 0.0. The program performs those additions in that order
and then the optimizer's arithmetic as `nn.optim` writes it; a batch
continues one running sum per parameter row after row, as fit's eager graph
does. The numpy back end reorders the sums of its matrix products, so it
agrees to rounding.

A step that cannot be replayed (a guard fails, an op raises, a number is not
finite, a trace is missing) is run by the eager engine from the last synced
state instead, so its errors are the engine's and the optimizer's own, and a
failed step leaves the parameters, their gradients and the optimizer's state as
they were.
"""

import math

from autograd import CompiledFunction, jit
from nn.checks import ArgumentError, as_number, finite_nonnegative, shown
from nn.compiled_update import (
    ADAM_UPDATE,
    MOMENTUM_UPDATE,
    SGD_UPDATE,
    STATE_NAMES,
    batch_update,
    define,
    eager_penalty,
    step_update,
)
from nn.optim import SGD, Adam

BACKENDS = ("python", "numpy")
# From this many parameters the update is a loop over the buffers (`loop_update`), not generated line by
# line: generating costs compile time in proportion to the model (0.1-0.2 s for 64-10-10's 760 parameters
# with Adam, 0.4-0.7 s for 64-32-10's 2410), and the loop's list comprehensions ran as fast or faster.
LOOP_FROM = 128
_NO_ARGUMENTS = ((), ())  # the signature of a call without arguments


class TrainStep:
    """A training step of `optimizer` on `fn`'s value, compiled whole: call it per example, `batch` per batch.

    `fn` is a function of Values (or an `autograd.jit` of one) returning one
    example's loss, closing over the parameters, as `jit` takes it;
    `optimizer` an `nn.SGD` or `nn.Adam`; `l2` adds `l2 * sum of p**2` over
    the optimizer's parameters to the objective. `step(*args)` runs forward,
    backward and update on one call of `fn` and returns the objective before
    the update (with `fn`'s aux: `(objective, [aux floats])`).
    `step.batch(*columns, gradient=g)` runs one update on the whole batch:
    the gradient of `g * sum over rows of fn(row) + l2 * sum p**2`.

    Between `sync()`s the step owns the parameters: their Values, `.grad`s
    and the optimizer's state are written back by `sync()` (or on leaving a
    `with` block), and read again by `reload()`. The learning rate (and
    momentum, betas, eps) are read from the optimizer at every step, so a
    schedule that sets `optimizer.lr` works unchanged. Other Values `fn` closes
    over (constants) are read at every call.
    """

    def __init__(self, fn, optimizer, *, l2=0.0, backend="python", static_argnums=()):
        if type(optimizer) not in (SGD, Adam):
            raise TypeError(
                f"TrainStep: optimizer must be an nn SGD or Adam (whose updates it compiles), "
                f"got {type(optimizer).__name__}"
            )
        if backend not in BACKENDS:
            raise ArgumentError(f"TrainStep: backend must be 'python' or 'numpy', got {shown(backend)}")
        self.function = fn if isinstance(fn, CompiledFunction) else jit(fn, static_argnums=static_argnums)
        self.optimizer = optimizer
        self.l2 = finite_nonnegative(l2, "TrainStep: l2")
        self.backend = backend
        self.params = list(optimizer.params)
        self._position = {p: i for i, p in enumerate(self.params)}
        self._fused = {}  # (program, variant) -> the generated one-call step
        self._updates = {}  # variant -> the generated update of a batch
        self._layouts = {}  # program -> where its parameters sit in the buffer, and its numpy batch
        self._data = None
        self._summed = None  # numpy: a batch's gradients, summed over its rows
        self._gradients = None  # the last step's gradients, optimizer order (None: none since reload)
        self.eager_steps = 0  # steps the eager engine ran (first traces, failed guards, errors)
        self.reload()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.sync()
        return False

    def __repr__(self):
        return f"<TrainStep of {type(self.optimizer).__name__} on {self.function!r}>"

    # ------------------------------------------------------------------ state

    def reload(self):
        """Read the parameters' `.data` and the optimizer's state into the step (after changing them by hand)."""
        data = [p.data for p in self.params]
        optimizer = self.optimizer
        if type(optimizer) is SGD:
            state = [list(optimizer.velocity)]
        else:
            state = [list(optimizer.first_moment), list(optimizer.second_moment)]
        self._steps = optimizer.steps if type(optimizer) is Adam else 0
        if self.backend == "numpy":
            from nn import compiled_numpy

            data, self._summed, state = compiled_numpy.load(self._data, self._summed, data, state)
        self._data = data
        self._state = state
        self._gradients = None

    def sync(self):
        """The parameters into the Values' `.data`, the last step's gradients into `.grad`, the optimizer's state."""
        data = self._data if self.backend == "python" else self._data.tolist()
        for p, number in zip(self.params, data):
            p.data = number
        if self._gradients is not None:
            gradients = self._gradients if self.backend == "python" else self._gradients.tolist()
            for p, g in zip(self.params, gradients):
                p.grad = g
        state = [list(s) if self.backend == "python" else s.tolist() for s in self._state]
        optimizer = self.optimizer
        if type(optimizer) is SGD:
            optimizer.velocity = state[0]
        else:
            optimizer.first_moment, optimizer.second_moment = state
            optimizer.steps = self._steps

    def sources(self):
        """The generated source of every compiled step and update so far (it holds no user text)."""
        sources = [source for _, source in (*self._fused.values(), *self._updates.values()) if source is not None]
        return sources + [layout[4].source for layout in self._layouts.values() if layout[4] is not None]

    # ------------------------------------------------------------------ steps

    def __call__(self, *args):
        """One step on `fn(*args)`: returns the objective before the update (with aux, `(objective, aux)`)."""
        key, flat = self.function._signature(args) if args else _NO_ARGUMENTS
        variant, hyper = self._hyper()
        if self.backend == "python":
            gradients = self._gradients
            if gradients is None:
                gradients = self._gradients = [0.0] * len(self.params)
            for program in self.function._programs.get(key, ()):
                if program.eager:
                    break
                fused = self._fused.get((program, variant))
                if fused is None:
                    fused = self._fused[program, variant] = self._fuse(program, variant)
                try:
                    result = fused[0](flat, self._data, program.params, 1.0, hyper, *self._state, gradients)
                except (ArithmeticError, ValueError):
                    break
                if result is None:
                    continue  # a guard failed: the next trace, or the engine
                if result is False:
                    break
                if variant is ADAM_UPDATE:
                    self._steps += 1
                value = result[0] + result[2] if self.l2 else result[0]
                return (value, list(result[1])) if program.aux_count else value
        returned, penalty = self._eager(lambda: self.function.value_and_grad(*args)[0])
        if not self.l2:
            return returned
        if isinstance(returned, tuple):
            return returned[0] + penalty, returned[1]
        return returned + penalty

    def batch(self, *columns, gradient=1.0):
        """One step on a batch (one column per argument of `fn`): `(values of fn per row, the L2 penalty)`.

        The update follows the gradient of `gradient * sum of fn over the
        rows + l2 * sum of p**2`, the rows' gradients summed in row order. The
        penalty returned is the one before the update (0.0 without `l2`).
        """
        gradient = as_number(gradient, "TrainStep.batch: gradient")
        variant, hyper = self._hyper()
        if self.backend == "numpy":
            outcome = self._numpy_batch(columns, gradient, variant, hyper)
        else:
            outcome = self._python_batch(columns, gradient, variant, hyper)
        if outcome is not None:
            return outcome
        values = []

        def eager():
            values.extend(self.function.batch(*columns, gradient=gradient, backend=self.backend)[0])

        _, penalty = self._eager(eager)
        return values, penalty

    # ------------------------------------------------------------------ internals

    def _hyper(self):
        """`(variant, numbers)`: the update program, and the optimizer's numbers as `step()` reads them."""
        optimizer = self.optimizer
        lr = optimizer.lr
        if lr.__class__ is not float or not 0.0 <= lr < math.inf:
            lr = optimizer._learning_rate()  # its error message, or the number as a float
        if type(optimizer) is SGD:
            momentum = optimizer.momentum
            return (SGD_UPDATE if momentum == 0.0 else MOMENTUM_UPDATE), (lr, momentum, self.l2)
        beta1, beta2 = optimizer.betas
        steps = self._steps + 1
        numbers = (lr, beta1, beta2, 1.0 - beta1, 1.0 - beta2, 1.0 - beta1**steps, 1.0 - beta2**steps,
                   optimizer.eps, self.l2)  # fmt: skip
        return ADAM_UPDATE, numbers

    def _fuse(self, program, variant):
        """`(function, source)`: forward, backward and update of one call of `program`, in one function."""
        parts = program.parts
        reads = {}
        for j, (value, leaf) in enumerate(zip(parts.param_values, program.params)):
            i = self._position.get(leaf)
            reads[f"{value} = P[{j}]"] = f"{value} = B[{i}]" if i is not None else f"{value} = L[{j}].data"
        body = [reads.get(line, line) for line in parts.body]
        in_program = {self._position[leaf]: j for j, leaf in enumerate(program.params) if leaf in self._position}
        values = [parts.param_values[in_program[i]] if i in in_program else None for i in range(len(self.params))]
        grads = [parts.fresh_param_grads[in_program[i]] if i in in_program else "-0.0" for i in range(len(self.params))]
        states = ", ".join(STATE_NAMES[variant[0]])
        update, penalty, names = step_update(variant, values, grads, bool(self.l2), len(self.params) >= LOOP_FROM)
        lines = [*body, *parts.fresh_backward, *update]
        source = (
            f"def step(X, B, L, seed, H, {states}, GR):\n    "
            + "\n    ".join(lines)
            + f"\n    return {parts.result}, {parts.aux}, {penalty}\n"
        )
        return define(source, {**program.namespace, **names}, "step"), source

    def _update(self, variant):
        """`(function, source)`: the update of every parameter from summed data gradients D (a batch's)."""
        known = self._updates.get(variant)
        if known is None:
            count = len(self.params)
            known = self._updates[variant] = batch_update(variant, count, bool(self.l2), count >= LOOP_FROM)
        return known[0]

    def _python_batch(self, columns, gradient, variant, hyper):
        """The batch replayed row by row and updated in one program; None when it must run eagerly."""
        from autograd.jit import _rows, _RunningSums

        function = self.function
        rows = _rows(columns)
        programs = function._programs
        data = self._data
        position = self._position
        inputs = {}  # id of a program's parameter list -> its numbers (the programs keep the lists alive)
        sums = _RunningSums()
        values = []
        append = values.append
        for args in rows:
            key, flat = function._signature(args)
            for program in programs.get(key, ()):
                if program.eager:
                    return None
                # Traces with equal parameter lists share one list object (one per class index, say):
                # their numbers are gathered once per batch.
                numbers = inputs.get(id(program.params))
                if numbers is None:
                    numbers = inputs[id(program.params)] = [
                        data[position[leaf]] if leaf in position else leaf.data for leaf in program.params
                    ]
                try:
                    result = program.backward(flat, numbers, gradient, sums.running(program.params))
                except (ArithmeticError, ValueError):
                    return None
                if result is None:
                    continue
                if result is False:
                    return None
                sums.replace(result[3])
                append((result[0], list(result[1])) if program.aux_count else result[0])
                break
            else:
                return None  # no trace yet, or every guard failed: the engine traces
        totals = sums.totals()
        summed = [totals.get(p, -0.0) for p in self.params]
        gradients = [0.0] * len(self.params)
        penalty = self._update(variant)(data, summed, hyper, *self._state, gradients)
        if penalty is False:
            return None
        self._gradients = gradients
        self._steps += variant is ADAM_UPDATE
        return values, penalty

    def _numpy_batch(self, columns, gradient, variant, hyper):
        """The batch as numpy arrays, updated in place; None when it must run eagerly."""
        from nn import compiled_numpy

        outcome = compiled_numpy.batch(self.function, columns, gradient, self._data, self._position, self._layouts,
                                       self._summed, variant, hyper, self._state, self.l2)  # fmt: skip
        if outcome is None:
            return None
        values, self._gradients, penalty = outcome
        self._steps += variant is ADAM_UPDATE
        return values, penalty

    def _eager(self, run):
        """`(what run() returned, penalty)`: the step by the eager engine from the synced state.

        On an error the parameters, their gradients and the optimizer's state
        are left as they were, and the error is the engine's or the optimizer's.
        """
        self.eager_steps += 1
        self.sync()
        saved = [p.grad for p in self.params]
        optimizer = self.optimizer
        try:
            optimizer.zero_grad()
            returned = run()
            penalty = eager_penalty(self.params, self.l2) if self.l2 else 0.0
            optimizer.step()
        except BaseException:
            for p, g in zip(self.params, saved):
                p.grad = g
            raise
        finally:
            self.reload()
        self._gradients = [p.grad for p in self.params]
        if self.backend == "numpy":
            from nn import compiled_numpy

            self._gradients = compiled_numpy.array(self._gradients)
        return returned, penalty
