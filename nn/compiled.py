"""Compiled training: `TrainStep` (forward, backward and update as one generated program) and fit's `CompiledStep`.

Owns `TrainStep` and `CompiledStep`. Imports `math` from the standard library,
`autograd` (`jit` and the program parts it generates, `no_grad`, `total`),
`nn.checks`, `nn.losses` (`cross_entropy`, `one_hot_cross_entropy`) and
`nn.optim`; numpy only inside the `backend="numpy"` path, lazily; never `viz`.

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

The update is generated line by line (one line per operation and parameter)
for small models; from `LOOP_FROM` parameters it is `_loop_update`, a loop
over the buffers with the same arithmetic in the same order, which costs
nothing to compile: a big model's first steps no longer wait for the update's
source (0.4-0.7 s for 2410 parameters with Adam).

A step that cannot be replayed (a guard fails, an op raises, a number is not
finite, a trace is missing) is run by the eager engine from the last synced
state instead, so its errors are the engine's and the optimizer's own, and a
failed step leaves the parameters, their gradients and the optimizer's state as
they were.

`CompiledStep` is what `fit` runs per batch: one example's loss traced, each
batch replayed through a `TrainStep` when the optimizer is a plain `SGD` or
`Adam` over the model's parameters, else through `jit`'s batch with the
optimizer stepping eagerly.
"""

import math

from autograd import CompiledFunction, Value, jit, no_grad, total
from autograd.jit import CONSTANTS
from nn.checks import ArgumentError, as_number, finite_nonnegative, shown
from nn.losses import cross_entropy, one_hot_cross_entropy
from nn.optim import SGD, Adam

BACKENDS = ("python", "numpy")


class NotCompilableError(Exception):
    """The model or loss builds something the compiled step does not take (then `fit` trains eagerly)."""


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
            import numpy as np

            if self._data is None:
                self._data = np.zeros(len(data))
                self._summed = np.zeros(len(data))  # a batch's gradients, summed over its rows
            self._data[...] = data  # in place: the generated batches read views of this buffer
            state = [np.array(s, dtype=float) for s in state]
            data = self._data
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
                if variant is _ADAM:
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
            return (_SGD if momentum == 0.0 else _MOMENTUM), (lr, momentum, self.l2)
        beta1, beta2 = optimizer.betas
        steps = self._steps + 1
        numbers = (lr, beta1, beta2, 1.0 - beta1, 1.0 - beta2, 1.0 - beta1**steps, 1.0 - beta2**steps,
                   optimizer.eps, self.l2)  # fmt: skip
        return _ADAM, numbers

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
        states = ", ".join(_STATE_NAMES[variant[0]])
        if len(self.params) >= LOOP_FROM:  # the update as a loop over the buffers, after the gradients' tuple
            penalty = "penalty"
            update = [f"D = ({''.join(f'{g}, ' for g in grads)})", f"penalty = _loop(B, D, H, {states}, GR)",
                      "if penalty is False: return False"]  # fmt: skip
            namespace = {**program.namespace, "_loop": _loop_update(variant[0], variant[-1], bool(self.l2))}
        else:
            update, penalty = _update_lines(variant, values, grads, bool(self.l2))
            namespace = program.namespace
        lines = [*body, *parts.fresh_backward, *update]
        source = (
            f"def step(X, B, L, seed, H, {states}, GR):\n    "
            + "\n    ".join(lines)
            + f"\n    return {parts.result}, {parts.aux}, {penalty}\n"
        )
        return _define(source, namespace, "step"), source

    def _update(self, variant):
        """`(function, source)`: the update of every parameter from summed data gradients D (a batch's)."""
        known = self._updates.get(variant)
        if known is None and len(self.params) >= LOOP_FROM:
            known = self._updates[variant] = _loop_update(variant[0], variant[-1], bool(self.l2)), None
        if known is None:
            grads = [f"D[{i}]" for i in range(len(self.params))]
            update, penalty = _update_lines(variant, [None] * len(self.params), grads, bool(self.l2))
            states = ", ".join(_STATE_NAMES[variant[0]])
            source = f"def update(B, D, H, {states}, GR):\n    " + "\n    ".join(update) + f"\n    return {penalty}\n"
            known = self._updates[variant] = _define(source, dict(CONSTANTS), "update"), source
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
        self._steps += variant is _ADAM
        return values, penalty

    def _numpy_batch(self, columns, gradient, variant, hyper):
        """The batch as numpy arrays, updated in place; None when it must run eagerly."""
        import numpy as np

        from autograd.jit_numpy import numpy_rows

        with np.errstate(all="ignore"):  # a non-finite number sends the step to the engine instead
            values = numpy_rows(self.function, columns, gradient, self._data, self._position, self._layouts,
                                self._summed)  # fmt: skip
            if values is None:
                return None
            updated = _numpy_update(variant, hyper, self._data, self._summed, self._state, self.l2)
        if updated is None:
            return None
        self._gradients, penalty = updated
        self._steps += variant is _ADAM
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
            penalty = _eager_penalty(self.params, self.l2) if self.l2 else 0.0
            optimizer.step()
        except BaseException:
            for p, g in zip(self.params, saved):
                p.grad = g
            raise
        finally:
            self.reload()
        self._gradients = [p.grad for p in self.params]
        if self.backend == "numpy":
            import numpy as np

            self._gradients = np.array(self._gradients, dtype=float)
        return returned, penalty


_STATE_NAMES = {"sgd": ("V",), "adam": ("M", "Q")}
# From this many parameters the update is a loop over the buffers (`_loop_update`), not generated line by
# line: generating costs compile time in proportion to the model (0.1-0.2 s for 64-10-10's 760 parameters
# with Adam, 0.4-0.7 s for 64-32-10's 2410), and the loop's list comprehensions ran as fast or faster.
LOOP_FROM = 128
_BIG = CONSTANTS["_BIG"]  # the largest float: -_BIG <= x <= _BIG is isfinite(x)
# The update programs: (kind, plain) for SGD without momentum, with it, and Adam.
_SGD = ("sgd", True)
_MOMENTUM = ("sgd", False)
_ADAM = ("adam",)
_NO_ARGUMENTS = ((), ())  # the signature of a call without arguments


def _update_lines(variant, values, grads, with_l2):
    """Source lines of the update of every parameter i, and the expression of the penalty.

    `values[i]` is the slot holding parameter i's value (None: read it from
    B[i]); `grads[i]` the expression of its summed data gradient. H holds the
    optimizer's numbers in the order `TrainStep._hyper` gives them; the last
    is l2. The arithmetic is `nn.optim`'s, operation for operation.
    """
    kind = variant[0]
    names = ("lr", "momentum", "l2") if kind == "sgd" else ("lr", "b1", "b2", "c1", "c2", "k1", "k2", "eps", "l2")
    lines = [f"{', '.join(f'h_{name}' for name in names)}, = H"]
    checked = []
    penalty = "0.0"
    if with_l2:
        lines.append("w = 0.0")
    for i, (value, grad) in enumerate(zip(values, grads)):
        p = value
        if p is None:
            p = f"p{i}"
            lines.append(f"{p} = B[{i}]")
        if with_l2:
            lines.append(f"w = (w + ({p} * {p}))")  # weighted_sum(params, params), as its forward adds
            # backward(): the penalty's two edges after the data's, then the total into .grad (0.0 after zero_grad)
            lines.append(f"d{i} = (0.0 + (({grad} + (h_l2 * {p})) + (h_l2 * {p})))")
        else:
            lines.append(f"d{i} = (0.0 + {grad})")
        d = f"d{i}"
        if kind == "sgd" and variant[1]:
            lines.append(f"n{i} = ({p} - (h_lr * {d}))")
        elif kind == "sgd":
            lines.append(f"u{i} = ((h_momentum * V[{i}]) + {d})")
            lines.append(f"n{i} = ({p} - (h_lr * u{i}))")
        else:
            lines.append(f"m{i} = ((h_b1 * M[{i}]) + (h_c1 * {d}))")
            lines.append(f"q{i} = ((h_b2 * Q[{i}]) + ((h_c2 * {d}) * {d}))")
            lines.append(f"r{i} = (_sqrt((q{i} / h_k2)) + h_eps)")
            lines.append(f"n{i} = (({p} - ((h_lr * (m{i} / h_k1)) / r{i})) if r{i} else {p})")
        checked += [d, f"n{i}"]
    if with_l2:
        lines.append("penalty = (h_l2 * w)")
        penalty = "penalty"
        checked.append(penalty)
    # nn.optim refuses a non-finite gradient or result: then the engine and the optimizer say so.
    lines.append(f"if not -_BIG <= _sum(({', '.join(checked)},)) <= _BIG: return False")
    # Written in one slice assignment each, after every number is known: never half an update.
    count = range(len(values))
    lines.append(f"B[:] = ({''.join(f'n{i}, ' for i in count)})")
    lines.append(f"GR[:] = ({''.join(f'd{i}, ' for i in count)})")
    if kind == "sgd" and not variant[1]:
        lines.append(f"V[:] = ({''.join(f'u{i}, ' for i in count)})")
    elif kind == "adam":
        lines.append(f"M[:] = ({''.join(f'm{i}, ' for i in count)})")
        lines.append(f"Q[:] = ({''.join(f'q{i}, ' for i in count)})")
    return lines, penalty


def _loop_update(kind, plain, with_l2):
    """The update of every parameter as a loop over the buffers (for many parameters: nothing to compile).

    `update(B, D, H, *state, GR)` performs `_update_lines`' arithmetic, the same
    operations on the same numbers in the same order per parameter; it
    returns the penalty, or False (nothing written) when a number is not
    finite (a finite sum of numbers means every one of them is finite).
    """
    sqrt = math.sqrt

    def gradients(data, summed, l2):
        if not with_l2:
            return [0.0 + g for g in summed], 0.0
        w = 0.0
        for p in data:
            w = w + p * p
        return [0.0 + ((g + l2 * p) + l2 * p) for g, p in zip(summed, data)], l2 * w

    def sgd(data, summed, hyper, velocity, grads):  # velocity unused: SGD without momentum keeps none
        lr, _, l2 = hyper
        d, penalty = gradients(data, summed, l2)
        n = [p - lr * g for p, g in zip(data, d)]
        if not -_BIG <= sum(d) + sum(n) + penalty <= _BIG:
            return False
        data[:] = n
        grads[:] = d
        return penalty

    def momentum(data, summed, hyper, velocity, grads):
        lr, mu, l2 = hyper
        d, penalty = gradients(data, summed, l2)
        u = [mu * v + g for v, g in zip(velocity, d)]
        n = [p - lr * x for p, x in zip(data, u)]
        if not -_BIG <= sum(d) + sum(n) + penalty <= _BIG:
            return False
        data[:] = n
        grads[:] = d
        velocity[:] = u
        return penalty

    def adam(data, summed, hyper, first, second, grads):
        lr, b1, b2, c1, c2, k1, k2, eps, l2 = hyper
        d, penalty = gradients(data, summed, l2)
        m = [b1 * x + c1 * g for x, g in zip(first, d)]
        q = [b2 * x + (c2 * g) * g for x, g in zip(second, d)]
        n = []
        for p, x, y in zip(data, m, q):
            r = sqrt(y / k2) + eps
            n.append(p - (lr * (x / k1)) / r if r else p)
        if not -_BIG <= sum(d) + sum(n) + penalty <= _BIG:
            return False
        data[:] = n
        grads[:] = d
        first[:] = m
        second[:] = q
        return penalty

    return adam if kind == "adam" else sgd if plain else momentum


def _define(source, namespace, name):
    defined = dict(namespace)
    defined["_sqrt"] = math.sqrt
    exec(compile(source, "<tracegrad train step>", "exec"), defined)
    return defined[name]


def _numpy_update(variant, hyper, data, summed, state, l2):
    """The update on float64 arrays, in place: `(gradients, penalty)`, or None (nothing changed) if not finite.

    The arithmetic is `nn.optim`'s, elementwise (the caller silences numpy's warnings).
    """
    import numpy as np

    kind = variant[0]
    if l2:
        step = l2 * data
        gradients = summed + step
        gradients += step
        gradients += 0.0
        penalty = l2 * float(np.dot(data, data))
    else:
        gradients = summed + 0.0
        penalty = 0.0
    if kind == "sgd":
        lr, momentum = hyper[0], hyper[1]
        if variant[1]:
            new = data - lr * gradients
            moved = ()
        else:
            velocity = momentum * state[0] + gradients
            new = data - lr * velocity
            moved = (velocity,)
    else:
        lr, b1, b2, c1, c2, k1, k2, eps = hyper[:8]
        first = b1 * state[0] + c1 * gradients
        second = b2 * state[1] + (c2 * gradients) * gradients
        root = np.sqrt(second / k2) + eps
        new = np.where(root != 0.0, data - (lr * (first / k1)) / root, data)
        moved = (first, second)
    if not (math.isfinite(penalty) and np.isfinite(gradients).all() and np.isfinite(new).all()):
        return None
    data[...] = new
    for target, source in zip(state, moved):
        target[...] = source
    return gradients, penalty


def _eager_penalty(params, l2):
    """`l2 * sum p**2`'s edges added into `.grad` as backward() adds them (after the data's); its value."""
    total = 0.0
    for p in params:
        total += p.data * p.data
    for p in params:
        p.grad = (p.grad + l2 * p.data) + l2 * p.data
    penalty = l2 * total
    if not math.isfinite(penalty):
        raise ArgumentError(f"TrainStep: the L2 penalty is not finite ({penalty!r})")
    return penalty


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
            penalty = _eager_penalty(self.parameters, self.l2) if self.l2 and self.parameters else 0.0
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
