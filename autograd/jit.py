"""`jit`: trace a function of Values once, then replay it fast on new numbers.

Owns the tracing compiler: `jit`, the `CompiledFunction` it returns, and the
per-sample back end (generated Python over flat slots). The batch back end
with numpy lives in `autograd.jit_numpy`. Imports the standard library and
`autograd`'s own modules; never `nn` or `viz`.

How it works. The first call with a given signature runs the function eagerly
on fresh input Values, so the real ops build the real graph, and the result of
that call is the eager engine's. The graph, in the engine's own topological
order, becomes a program: one line per node computing `v<k>` from the slots of
its operands, then the backward pass as one line per edge, in the order the
engine's backward pass takes them. Each op's forward and local derivatives come
from the op's own declaration (`autograd.value.node_op`): called on
`autograd.symbolic.Symbol`s instead of floats, a rule written in arithmetic
returns that arithmetic as source, which the program inlines; a rule that does
more (a comparison, a `math` function) is called as it is. Either way the
program performs the engine's floating-point operations in the engine's order,
so its results are the eager engine's bit for bit. The source names only slots
and numbers written with `repr`: no label, nor any text a user typed, reaches
it (`CompiledFunction.sources()` shows it).

What a trace sees and what it cannot. Comparisons of Values (`<`, `<=`, `>`,
`>=`) and `float(v)` made while tracing are recorded as guards: a replay whose
comparisons come out otherwise, or whose `float(v)` reads differ, is not used,
and the function is traced again for those numbers (after `MAX_TRACES` traces
of one signature it runs eagerly from then on). Piecewise ops (relu, abs,
maximum) are ops, evaluated on every replay, and need no guard. A trace cannot
see Python code that reads `.data` and branches on it, nor state outside the
function (a counter, a list that grows): don't `jit` such a function. A replay
that raises (a domain error) or yields a non-finite number is run again eagerly,
so errors and non-finite results are exactly the engine's.
"""

import inspect
import math

from autograd.graph import topological_order
from autograd.mode import current_mode, enter, leave, tracing
from autograd.symbolic import CONSTANTS, Symbol, source_of
from autograd.value import Value, node_op, op_arguments, total

MAX_TRACES = 8  # traces kept per signature before the function runs eagerly
MAX_NODES = 200_000  # graphs larger than this run eagerly (generated source would be huge)
_MAX_DEPTH = 90  # deepest parenthesised expression inlined (the parser's limit is 200)


def jit(fn, *, static_argnums=()):
    """Compile `fn`, a function of Values returning a Value, for fast replay.

    Each positional argument of `fn` is a number (it becomes one input Value), a
    sequence of numbers (a list of input Values) or, at a position listed in
    `static_argnums`, any hashable object passed through unchanged (a class
    index, a flag): each distinct static value gets its own trace. `fn` may
    return `(value, aux)` where `aux` is a list of Values computed alongside (a
    model's outputs, for accuracy); their numbers are returned too.

    Values that `fn` uses but does not receive (a model's parameters, closed
    over) are read afresh at every call, so an optimizer's `step()` works
    unchanged, and `value_and_grad` adds their gradients into `.grad`, as
    `backward()` would.
    """
    if not callable(fn):
        raise TypeError(f"jit: fn must be callable, got {type(fn).__name__}")
    return CompiledFunction(fn, static_argnums)


class CompiledFunction:
    """What `jit` returns: call it for the value, `value_and_grad` for gradients too, `batch` over many inputs."""

    def __init__(self, fn, static_argnums=()):
        static = tuple(static_argnums)
        for position in static:
            if position.__class__ is not int or position < 0:
                raise TypeError(f"jit: static_argnums must be non-negative ints, got {position!r}")
        self.fn = fn
        self.static_argnums = frozenset(static)
        self._names = _parameter_names(fn)
        self._programs = {}  # signature -> list of _Program, newest first
        self._param_lists = []  # the programs' parameter lists, one object for equal lists (cheap running sums)
        self.traces = 0  # how many times fn was traced (a user can watch retraces)
        self.eager_calls = 0  # calls answered by the eager engine after the first trace

    def __repr__(self):
        name = getattr(self.fn, "__qualname__", type(self.fn).__name__)
        return f"<jit of {name}: {self.traces} traces, {self.eager_calls} eager calls>"

    def __call__(self, *args):
        """The value of fn(*args) as a float (with `aux`: `(value, [aux floats])`), without gradients."""
        value, aux, _, program, _ = self._run(args, None)
        return (value, aux) if program.aux_count else value

    def value_and_grad(self, *args, gradient=1.0):
        """`(value, input_gradients)`, adding d(value)/d(parameter) * gradient into every closed-over leaf's `.grad`.

        `input_gradients` has one entry per argument: a float for a number, a
        list of floats for a sequence, None for a static argument. With `aux`,
        the value is `(value, [aux floats])`.
        """
        gradient = _gradient(gradient)
        key, flat = self._signature(args)
        programs = self._programs.get(key)
        if programs and len(programs) == 1 and not programs[0].eager:
            # The hot path of a training loop: one program, replayed with sums that start at -0.0.
            program = programs[0]
            params = program.params
            try:
                result = program.backward(flat, [leaf.data for leaf in params], gradient, program.zeros)
            except (ArithmeticError, ValueError):
                result = False
            if result and _finite(result, True):
                for leaf, g in zip(params, result[3]):
                    leaf.grad += g
                value = (result[0], list(result[1])) if program.aux_count else result[0]
                return value, _shaped(args, self.static_argnums, result[2])
        sums = _RunningSums()
        value, aux, input_grads, program, _ = self._run(args, gradient, sums)
        for leaf, g in sums.totals().items():
            leaf.grad += g
        return ((value, aux) if program.aux_count else value), _shaped(args, self.static_argnums, input_grads)

    def batch(self, *columns, gradient=1.0, backend="python"):
        """fn over a batch of rows: `(values, input_gradients)`, parameter gradients summed into `.grad`.

        Each argument holds one entry per row, in the form `fn` takes it: for a
        number argument a sequence of numbers (or a 1-D array), for a sequence
        argument a sequence of sequences (or a 2-D array, one row per row), for
        a static argument a sequence of its values. `values` has one entry per
        row; `input_gradients` one entry per argument, holding one gradient per
        row (None for a static argument). Every row's parameter gradients,
        times `gradient`, are summed and added into `.grad` once. With
        `gradient=None` only the values are computed (a plot, an evaluation):
        no gradient, nothing added into `.grad`, and `input_gradients` holds None.

        `backend="python"` replays row by row (bit for bit the eager engine;
        lists come back). `backend="numpy"` runs the whole batch at once with
        numpy, neurons as matrix products (see `autograd.jit_numpy`): much
        faster on large batches, equal to the per-row results to rounding;
        numpy arrays come back.
        """
        gradient = None if gradient is None else _gradient(gradient)
        if backend == "numpy":
            from autograd.jit_numpy import batch as numpy_batch  # numpy only when asked for

            return numpy_batch(self, columns, gradient)
        if backend != "python":
            raise ValueError(f"jit batch: backend must be 'python' or 'numpy', got {backend!r}")
        rows = _rows(columns)
        values, per_row, sums = [], [], _RunningSums()
        for args in rows:
            value, aux, grads, program, _ = self._run(args, gradient, sums)
            values.append((value, aux) if program.aux_count else value)
            if gradient is not None:
                per_row.append(_shaped(args, self.static_argnums, grads))
        for leaf, g in sums.totals().items():
            leaf.grad += g
        input_grads = tuple(
            None if position in self.static_argnums or gradient is None else [row[position] for row in per_row]
            for position in range(len(columns))
        )
        return values, input_grads

    def sources(self):
        """The generated Python source of every program traced so far (for reading; it holds no user text)."""
        return [program.source for programs in self._programs.values() for program in programs]

    # ------------------------------------------------------------------ internals

    def _run(self, args, gradient, sums=None):
        """`(value, aux, input grads, program, parameter grads)` for one call; grads None without a gradient.

        With a gradient, the parameters' gradients go on the running sums `sums`
        (a `_RunningSums`), which the caller adds into `.grad`.
        """
        key, flat = self._signature(args)
        programs = self._programs.get(key)
        trace = True
        if programs:
            outcome = _replay(programs, flat, gradient, sums)
            if outcome.__class__ is tuple:
                return outcome
            # A guard failed: trace again, while this signature has traces left. A
            # replay that raised or met a non-finite number: the engine decides, once.
            trace = outcome is _GUARD_FAILED and len(programs) < MAX_TRACES and not programs[0].eager
            self.eager_calls += not trace
        return self._eager(args, key, flat, gradient, trace, sums)

    def _signature(self, args):
        """`(key, flat numbers)`: the trace key (statics and shapes) and the dynamic numbers in order."""
        key, flat = [], []
        for position, arg in enumerate(args):
            if position in self.static_argnums:
                try:
                    hash(arg)
                except TypeError:
                    raise TypeError(
                        f"jit: static argument {position} must be hashable, got {type(arg).__name__}"
                    ) from None
                key.append(("static", arg))
            elif _is_number(arg):
                key.append(None)
                flat.append(float(arg))
            elif isinstance(arg, (list, tuple)) or (hasattr(arg, "__len__") and not isinstance(arg, (str, bytes))):
                if _FLOATS.issuperset(map(type, arg)):  # floats only (a data set's rows): taken as they are
                    flat.extend(arg)
                    key.append(len(arg))
                    continue
                for item in arg:
                    if not _is_number(item):
                        raise TypeError(
                            f"jit: argument {position} must be a number or a sequence of numbers, "
                            f"got an item of type {type(item).__name__}"
                        )
                    flat.append(float(item))
                key.append(len(arg))
            else:
                raise TypeError(
                    f"jit: argument {position} must be a number or a sequence of numbers "
                    f"(or be listed in static_argnums), got {type(arg).__name__}"
                )
        return tuple(key), flat

    def _eager(self, args, key, flat, gradient, trace, sums=None):
        """Run fn eagerly, tracing it when `trace`; return its result as `_run` does."""
        inputs, call_args = self._input_values(args, flat)
        recorder = _Recorder() if trace else None
        token = tracing.set(recorder)
        enter(True, current_mode().anomaly)  # the graph is recorded even when called under no_grad
        try:
            returned = self.fn(*call_args)
        finally:
            leave()
            tracing.reset(token)
        output, aux = _split_output(returned)
        program = None
        if trace:
            program = _Program.build(output, aux, inputs, recorder, self._param_lists)
            self.traces += 1
            self._programs.setdefault(key, []).insert(0, program)
        if program is None or program.eager:
            program = _Program.eager_only(output, aux, inputs)
        aux_data = [a.data for a in aux]
        if gradient is None:
            return output.data, aux_data, None, program, None
        input_grads, param_grads = _eager_gradients(output, gradient, inputs, program.params)
        sums.add(program.params, param_grads)
        return output.data, aux_data, input_grads, program, param_grads

    def _input_values(self, args, flat):
        """Fresh input Values for one eager run, flat and as the arguments fn receives."""
        inputs, call_args = [], []
        position_in_flat = 0
        for position, arg in enumerate(args):
            name = self._names[position] if position < len(self._names) else f"arg{position}"
            if position in self.static_argnums:
                call_args.append(arg)
            elif _is_number(arg):
                value = Value(flat[position_in_flat], label=name)
                position_in_flat += 1
                inputs.append(value)
                call_args.append(value)
            else:
                values = []
                for index in range(len(arg)):
                    values.append(Value(flat[position_in_flat], label=f"{name}[{index}]"))
                    position_in_flat += 1
                inputs.extend(values)
                call_args.append(values)
        return inputs, call_args


_FLOATS = frozenset((float,))
_GUARD_FAILED = "guard failed"
_EAGER_ONCE = "eager once"


def _replay(programs, flat, gradient, sums):
    """The result of the newest stored program whose guards hold, or why there is none."""
    for program in programs:
        if program.eager:
            return _EAGER_ONCE
        params_data = [leaf.data for leaf in program.params]
        try:
            if gradient is None:
                result = program.forward(flat, params_data)
            else:
                result = program.backward(flat, params_data, gradient, sums.running(program.params))
        except (ArithmeticError, ValueError):
            return _EAGER_ONCE  # the eager engine says what went wrong, in its own words
        if result is None:
            continue  # a guard failed: try the next trace
        if result is False or not _finite(result, gradient is not None):
            return _EAGER_ONCE
        if gradient is None:
            return result[0], list(result[1]), None, program, None
        sums.replace(result[3])
        return result[0], list(result[1]), result[2], program, result[3]
    return _GUARD_FAILED


class _RunningSums:
    """Parameter gradients summed over the calls of a batch, in the order one backward pass adds them.

    A replay continues the sums it is given for its own parameter list; only
    when the next row's program has another list do the sums go through a
    dict keyed by parameter. They start at -0.0, the float that adds exactly.
    """

    __slots__ = ("_current", "_params", "_sums")

    def __init__(self):
        self._sums = {}
        self._params = None
        self._current = None

    def running(self, params):
        """The running sums for `params`, in its order."""
        if params is not self._params:
            self._flush()
            self._params = params
            self._current = [self._sums.get(leaf, -0.0) for leaf in params]
        return self._current

    def replace(self, sums):
        """The sums after a replay continued them."""
        self._current = sums

    def add(self, params, gradients):
        """Add one eager call's gradients (summed on their own) onto the running sums."""
        current = self.running(params)
        self._current = [a + b for a, b in zip(current, gradients)]

    def _flush(self):
        if self._params is not None:
            for leaf, g in zip(self._params, self._current):
                self._sums[leaf] = g

    def totals(self):
        """{parameter: its summed gradient}."""
        self._flush()
        self._params = None
        return self._sums


def _rows(columns, lazily=False):
    """The rows of a batch given as one column per argument (with `lazily`, only their count)."""
    if not columns:
        raise TypeError("jit batch: give one column (a sequence with one entry per row) per argument of fn")
    lengths = {len(column) for column in columns}
    if len(lengths) != 1:
        raise ValueError(f"jit batch: every argument needs one entry per row, got lengths {sorted(lengths)}")
    return lengths.pop() if lazily else list(zip(*columns))


def _gradient(gradient):
    if isinstance(gradient, (bool, str, bytes)) or not hasattr(gradient, "__float__"):
        raise TypeError(f"jit: gradient must be a number, got {type(gradient).__name__}")
    return float(gradient)


class _Recorder:
    """What a trace saw of the numbers: comparisons and float() reads (the guards)."""

    __slots__ = ("comparisons", "reads")

    def __init__(self):
        self.comparisons = []  # (left, operator, right, result); left/right a Value or a float
        self.reads = []  # (value, the float it had)

    def compared(self, left, operator, right, result):
        self.comparisons.append((left, operator, right, result))

    def read(self, value):
        self.reads.append((value, value.data))


class _Program:
    """One trace, generated as Python: `forward(X, P)` and `backward(X, P, seed)`."""

    __slots__ = (
        "aux_count", "backward", "eager", "forward", "graph", "namespace", "numpy_plan", "params", "parts", "source",
        "zeros",
    )  # fmt: skip

    @classmethod
    def eager_only(cls, output, aux, inputs):
        program = cls()
        program.eager = True
        program.params = _closed_over_leaves(_full_order(output, aux, ()), inputs)
        program.aux_count = len(aux)
        program.source = ""
        program.forward = program.backward = program.graph = program.numpy_plan = program.parts = None
        program.namespace = None
        program.zeros = [-0.0] * len(program.params)
        return program

    @classmethod
    def build(cls, output, aux, inputs, recorder, param_lists):
        guard_roots = [x for comparison in recorder.comparisons for x in (comparison[0], comparison[2])]
        guard_roots += [value for value, _ in recorder.reads]
        order = topological_order(output)  # the eager backward pass's order, for bitwise equal sums
        full = _full_order(output, aux, [x for x in guard_roots if x.__class__ is Value or isinstance(x, Value)])
        if len(full) > MAX_NODES:
            return cls.eager_only(output, aux, inputs)
        program = cls()
        program.eager = False
        program.aux_count = len(aux)
        program.params = _shared_list(_closed_over_leaves(full, inputs), param_lists)
        program.zeros = [-0.0] * len(program.params)  # running sums that have not started
        # What the batch back end needs to plan its own program (autograd.jit_numpy).
        program.graph = _Graph(full, order, inputs, output, aux, recorder)
        program.numpy_plan = None
        functions = _FunctionTable()
        try:
            program.parts = _generate(full, order, output, aux, inputs, program.params, recorder, functions)
            program.source = program.parts.source()
            namespace = dict(CONSTANTS)
            namespace.update(functions.names)
            program.namespace = namespace
            defined = dict(namespace)
            exec(compile(program.source, "<tracegrad jit>", "exec"), defined)
        except (RecursionError, MemoryError, SyntaxError):
            return cls.eager_only(output, aux, inputs)
        program.forward = defined["forward"]
        program.backward = defined["backward"]
        return program


class _Graph:
    """The traced graph behind a program: nodes in program order, the backward order, inputs, outputs, guards."""

    __slots__ = ("aux", "comparisons", "inputs", "nodes", "order", "output", "reads")

    def __init__(self, nodes, order, inputs, output, aux, recorder):
        self.nodes = nodes
        self.order = order
        self.inputs = inputs
        self.output = output
        self.aux = aux
        self.comparisons = recorder.comparisons
        self.reads = recorder.reads


class _FunctionTable:
    """Functions the generated source calls (ops that are not inlined), by the name given to them."""

    __slots__ = ("names",)

    def __init__(self):
        self.names = {}

    def add(self, function):
        """The name the source calls `function` by (one name per distinct function)."""
        for name, known in self.names.items():
            if known is function:
                return name
        name = f"F{len(self.names)}"
        self.names[name] = function
        return name


class Parts:
    """The pieces of a program's source, for a generator that adds lines of its own (nn's compiled training step).

    `body` computes every slot and checks the guards (leaving with None when
    one fails, with False on a non-finite value); `backward` then computes the
    gradients, a parameter's continuing the running sum `G[j]` it is given;
    `result`, `aux`, `input_grads` are source expressions, `param_values[j]`
    and `param_grads[j]` those of parameter j's value and summed gradient.
    `fresh_backward` and `fresh_param_grads` are the same for a call on its
    own, whose sums start at -0.0 (no G).
    Every line holds only slot names, indices and numbers written with `repr`.
    """

    __slots__ = (
        "aux", "backward", "body", "fresh_backward", "fresh_param_grads", "input_grads", "param_grads", "param_values",
        "result",
    )  # fmt: skip

    def __init__(self, body, backward, result, aux, input_grads, param_values, param_grads):
        self.body = body
        self.backward = backward
        self.result = result
        self.aux = aux
        self.input_grads = input_grads
        self.param_values = param_values
        self.param_grads = param_grads

    def source(self):
        """`forward(X, P)` and `backward(X, P, seed, G)`."""
        body = "\n    ".join(self.body)
        param_grads = "[" + "".join(f"{g}, " for g in self.param_grads) + "]"
        return (
            f"def forward(X, P):\n    {body}\n    return {self.result}, {self.aux}\n\n\n"
            f"def backward(X, P, seed, G):\n    {body}\n    "
            + "\n    ".join(self.backward)
            + f"\n    return {self.result}, {self.aux}, {self.input_grads}, {param_grads}\n"
        )


def _generate(full, order, output, aux, inputs, params, recorder, functions):
    """The `Parts` of `forward(X, P)` and `backward(X, P, seed, G)` for the graph."""
    slot = {node: k for k, node in enumerate(full)}
    input_index = {node: i for i, node in enumerate(inputs)}
    param_index = {node: j for j, node in enumerate(params)}
    forward_lines = []
    derivative_lines = {}  # node slot -> line computing its local derivatives when they are called, not inlined
    local_sources = {}  # node slot -> source of each local derivative
    for node in full:
        k = slot[node]
        if node in input_index:
            forward_lines.append(f"v{k} = X[{input_index[node]}]")
            continue
        if node in param_index:
            forward_lines.append(f"v{k} = P[{param_index[node]}]")
            continue
        op = node_op(node)
        arguments = op_arguments(node)
        symbols = [Symbol(f"v{slot[a]}") if isinstance(a, Value) else a for a in arguments]
        forward_lines.append(f"v{k} = {_forward_source(op, symbols, functions)}")
        local_sources[k], line = _local_sources(op, k, symbols, arguments, functions)
        if line:
            derivative_lines[k] = line
    guard_lines = _guard_lines(recorder, slot)
    # The engine refuses a non-finite result at finite operands; a replay leaves
    # with None on any non-finite value, and the eager engine then decides.
    every_value = ", ".join(f"v{slot[node]}" for node in full if node.parents)
    if every_value:
        guard_lines.append(f"if not -_BIG <= _sum(({every_value},)) <= _BIG: return False")
    result = f"v{slot[output]}"
    aux_tuple = "(" + "".join(f"v{slot[a]}, " for a in aux) + ")"

    backward_lines = []
    fresh_lines = []  # the same for one call alone: sums that start at -0.0, and -0.0 + c == c exactly
    touched = set()
    # A parameter's gradient continues the running sum G it is given, as one
    # backward pass over a whole batch's graph adds edge after edge into it.
    start = {slot[p]: f"G[{j}]" for j, p in enumerate(params)}
    backward_lines.append(f"g{slot[output]} = seed")
    fresh_lines.append(backward_lines[-1])
    touched.add(slot[output])
    for node in reversed(order):
        if not node.parents:
            continue
        k = slot[node]
        if k in derivative_lines:
            backward_lines.append(derivative_lines[k])
            fresh_lines.append(derivative_lines[k])
        for index, parent in enumerate(node.parents):
            p = slot[parent]
            local = local_sources[k][index]
            contribution = f"g{k}" if local == "1.0" else f"(g{k} * {local})"
            if p in touched:
                backward_lines.append(f"g{p} = (g{p} + {contribution})")
            elif p in start:
                backward_lines.append(f"g{p} = ({start[p]} + {contribution})")
                touched.add(p)
            else:
                backward_lines.append(f"g{p} = {contribution}")
                touched.add(p)
            if p in start and backward_lines[-1].startswith(f"g{p} = ({start[p]} + "):
                fresh_lines.append(f"g{p} = {contribution}")
            else:
                fresh_lines.append(backward_lines[-1])
    input_grads = "(" + "".join(f"g{slot[x]}, " if x in slot and slot[x] in touched else "0.0, " for x in inputs) + ")"
    param_grads = [f"g{slot[p]}" if slot[p] in touched else f"G[{j}]" for j, p in enumerate(params)]
    param_values = [f"v{slot[p]}" for p in params]
    body = forward_lines + guard_lines
    parts = Parts(body, backward_lines, result, aux_tuple, input_grads, param_values, param_grads)
    parts.fresh_backward = fresh_lines
    parts.fresh_param_grads = [f"g{slot[p]}" if slot[p] in touched else "-0.0" for p in params]
    return parts


def _forward_source(op, symbols, functions):
    """`op`'s forward inlined as arithmetic on the slots, or a call of it."""
    twin = _FORWARD_TWINS.get(op)
    if twin is not None:
        source = twin(*symbols)
        if source is not None:
            return source
    try:
        source = source_of(op.forward(*symbols))
        if _depth(source) <= _MAX_DEPTH:
            return source
    except Exception:
        pass
    name = functions.add(op.forward)
    return f"{name}({', '.join(source_of(s) for s in symbols)})"


def _local_sources(op, k, symbols, arguments, functions):
    """Source of each local derivative of node k (one per parent), and a line to run first if they come from a call.

    The op's derivative gives one entry per argument; entries for number
    arguments (constants inside the op) are dropped, as the engine drops them.
    """
    positions = [i for i, a in enumerate(arguments) if isinstance(a, Value)]
    out = Symbol(f"v{k}")
    twin = _DERIVATIVE_TWINS.get(op)
    if twin is not None:
        everything = twin(out, *symbols)
        if everything is not None:
            return [everything[i] for i in positions], None
    try:
        everything = tuple(op.derivative(out, *symbols))
        if len(everything) == len(arguments):
            sources = [source_of(everything[i]) for i in positions]
            if all(_depth(s) <= _MAX_DEPTH for s in sources):
                return sources, None
    except Exception:
        pass
    name = functions.add(op.derivative)
    line = f"L{k} = {name}(v{k}, {', '.join(source_of(s) for s in symbols)})"
    return [f"L{k}[{i}]" for i in positions], line


def _twins():
    """Inline source for the built-in ops whose declarations compare or call `math` (which a Symbol refuses).

    Each twin writes the declaration's own operations, in its order, for the
    arguments it is given (slot names, or numbers for the constants of an
    op), or returns None where it does not apply (then the declaration is
    called). tests/test_jit.py checks every twin against its declaration, bit
    for bit, at ordinary points, zeros of both signs, infinities and NaN.
    """

    def op(method):
        return method.op

    def slot(x):
        return x.__class__ is Symbol

    def integer(x):
        return not slot(x) and math.isfinite(x) and float(x).is_integer()

    def sigmoid(x):
        x = x.source
        return f"((1.0 / (1.0 + _exp((-{x})))) if {x} >= 0.0 else (_exp({x}) / (1.0 + _exp({x}))))"

    def power(base, exponent):
        # An integer exponent: neither of the declaration's domain checks can fail.
        if not (slot(base) and integer(exponent)):
            return None
        return f"({base.source} ** {source_of(float(exponent))})"

    def power_slope(out, base, exponent):
        # d/dx = p * x ** (p - 1) for p != 0 (x == 0 with p < 1 fails in the forward already);
        # an overflow raises here and the engine decides, as `_power` would say +-inf.
        if not (slot(base) and integer(exponent)):
            return None
        p = float(exponent)
        if p == 0.0:
            return ("0.0", "0.0")
        return (f"({source_of(p)} * ({base.source} ** {source_of(p - 1.0)}))", "0.0")

    def pair_sum(*terms):
        # fsum of two floats is their correctly rounded sum, which + is; only a zero's sign may differ.
        if len(terms) != 2:
            return None
        a, b = (source_of(t) for t in terms)
        return f"({a} + {b})" if _FSUM_KEEPS_ZERO_SIGN else f"(0.0 + ({a} + {b}))"

    forward = {
        op(Value.relu): lambda x: f"(0.0 if {x.source} <= 0.0 else {x.source})",
        op(Value.sigmoid): sigmoid,
        op(Value.__pow__): power,
        total.op: pair_sum,
    }
    derivative = {
        op(Value.relu): lambda out, x: (f"(1.0 if {x.source} > 0.0 else 0.0 if {x.source} <= 0.0 else _NAN)",),
        op(Value.__pow__): power_slope,
    }
    return forward, derivative


_FSUM_KEEPS_ZERO_SIGN = math.copysign(1.0, math.fsum((-0.0, -0.0))) < 0.0
_FORWARD_TWINS, _DERIVATIVE_TWINS = _twins()


def _guard_lines(recorder, slot):
    """One line per recorded comparison or float() read: leave with None when it comes out otherwise."""
    lines = []
    for left, operator, right, result in recorder.comparisons:
        test = f"({_operand_source(left, slot)} {operator} {_operand_source(right, slot)})"
        lines.append(f"if not {test}: return None" if result else f"if {test}: return None")
    for value, data in recorder.reads:
        lines.append(f"if v{slot[value]} != {source_of(data)}: return None")
    return lines


def _operand_source(x, slot):
    return f"v{slot[x]}" if isinstance(x, Value) else source_of(x)


def _depth(source):
    depth = deepest = 0
    for character in source:
        if character == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif character == ")":
            depth -= 1
    return deepest


def _full_order(output, aux, extra_roots):
    """Every node the program computes: the output's topological order, then what aux and guards add."""
    order = topological_order(output)
    seen = set(order)
    for root in (*aux, *extra_roots):
        if root in seen:
            continue
        for node in topological_order(root):
            if node not in seen:
                seen.add(node)
                order.append(node)
    return order


def _shared_list(params, param_lists):
    """`params`, or an equal list met before (the same object lets running sums skip the dict)."""
    for known in param_lists:
        if len(known) == len(params) and all(a is b for a, b in zip(known, params)):
            return known
    param_lists.append(params)
    return params


def _closed_over_leaves(order, inputs):
    """The leaves the program reads that are not its inputs: parameters (and constants), read at every call."""
    inputs = set(inputs)
    return [node for node in order if not node.parents and node not in inputs]


def _eager_gradients(output, gradient, inputs, params):
    """(input gradients, parameter gradients) of an eager graph, as backward() computes them."""
    from autograd.graph import backprop

    _, gradients = backprop(output, gradient)
    return (
        tuple(gradients.get(x, 0.0) for x in inputs),
        tuple(gradients.get(p, 0.0) for p in params),
    )


def _split_output(returned):
    if isinstance(returned, Value):
        return returned, []
    if isinstance(returned, tuple) and len(returned) == 2 and isinstance(returned[0], Value):
        aux = returned[1]
        aux = [aux] if isinstance(aux, Value) else list(aux)
        for item in aux:
            if not isinstance(item, Value):
                raise TypeError(f"jit: fn's aux output must be Values, got {type(item).__name__}")
        return returned[0], aux
    raise TypeError(f"jit: fn must return a Value or (Value, aux Values), got {type(returned).__name__}")


def _shaped(args, static_argnums, flat_grads):
    """Flat input gradients regrouped like the arguments."""
    shaped, position_in_flat = [], 0
    for position, arg in enumerate(args):
        if position in static_argnums:
            shaped.append(None)
        elif _is_number(arg):
            shaped.append(flat_grads[position_in_flat])
            position_in_flat += 1
        else:
            shaped.append(list(flat_grads[position_in_flat : position_in_flat + len(arg)]))
            position_in_flat += len(arg)
    return tuple(shaped)


def _finite(result, with_grads):
    """Whether the replay's numbers are all finite (else the eager engine decides what happens)."""
    total = result[0] + sum(result[1])
    if with_grads:
        total += sum(result[2]) + sum(result[3])
    return math.isfinite(total) or _all_finite(result, with_grads)


def _all_finite(result, with_grads):
    """Slow path of `_finite` for sums that overflow: every number checked on its own."""
    numbers = [result[0], *result[1]]
    if with_grads:
        numbers += [*result[2], *result[3]]
    return all(math.isfinite(x) for x in numbers)


def _is_number(x):
    """A number as jit takes one: int, float or anything with `__float__` (numpy scalars); not bool, not a sequence."""
    return (
        x.__class__ is float
        or x.__class__ is int
        or (
            not isinstance(x, (bool, str, bytes, list, tuple, Value))
            and hasattr(x, "__float__")
            and not hasattr(x, "__len__")
        )
    )


def _parameter_names(fn):
    try:
        return [p.name for p in inspect.signature(fn).parameters.values()]
    except (TypeError, ValueError):
        return []
