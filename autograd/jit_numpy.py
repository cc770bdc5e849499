"""Batch replay of a traced program with numpy: one array operation per op over the whole batch.

Owns `batch`, which `CompiledFunction.batch(backend="numpy")` runs, and the
plan it makes of a program's traced graph. The only module of `autograd` that
imports numpy, and only when a batch is asked for; never `nn` or `viz`.

The plan. Neurons are what makes a batch fast: the `weighted_sum` nodes that
read the same inputs in the same order, with parameters as weights (and a
parameter as bias), are one layer, computed as one matrix product
`A @ W.T + b` for the whole batch, and their gradients as `G @ W`, `G.T @ A`
and `G.sum(0)`. A unary op applied to every neuron of a layer (the
activation) is one array operation on the layer's matrix. Every other node is
one array operation on the batch's column of values. Each op's arithmetic is
its own declaration run on arrays (`op.forward`, `op.derivative`); where a
declaration calls a `math` function or compares (tanh, relu, ...), the array
twin below is used, and where there is none, the declaration itself runs
element by element (`numpy.vectorize`: right, not fast). Sums are reordered
(a matrix product adds in its own order), so results agree with the per-row
replay to rounding (about 1e-15 relative), not bit for bit.

Rows whose recorded comparisons come out otherwise, or which meet a
non-finite number, are run by the per-row path instead (which may trace
again), so a batch never returns what the eager engine would not.
"""

import numpy as np

from autograd.value import Value, node_op, op_arguments, total

_COLUMN = "column"


def _gathered(compiled, columns, rows):
    """A batch's `(count, static positions, widths, inputs, groups)`: the dynamic columns side by side as one
    float64 array of `count` rows (`widths[k]` columns for the k-th), and the row indices grouped by the
    values of the static arguments (one trace each)."""
    count = rows(columns, lazily=True)
    static = sorted(compiled.static_argnums)
    dynamic = [
        np.asarray(column, dtype=float).reshape(count, -1) for p, column in enumerate(columns) if p not in static
    ]
    widths = [d.shape[1] for d in dynamic]
    inputs = dynamic[0] if len(dynamic) == 1 else np.concatenate(dynamic, axis=1) if dynamic else np.zeros((count, 0))
    if static:
        groups = {}
        for index, key in enumerate(zip(*(columns[p] for p in static))):
            groups.setdefault(key, []).append(index)
        groups = list(groups.values())
    else:
        groups = [range(count)]
    return count, static, widths, inputs, groups


def batch(compiled, columns, gradient):
    """`(values, input_gradients)` as arrays, parameter gradients summed into `.grad`: see CompiledFunction.batch."""
    from autograd.jit import _rows, _RunningSums

    count, static, widths, inputs, groups = _gathered(compiled, columns, _rows)

    def row(index):
        return tuple(column[index] for column in columns)

    values = np.zeros(count)
    aux_values = {}
    grads_x = np.zeros_like(inputs)
    sums = _RunningSums()
    for indices in groups:
        first = row(indices[0])
        key, flat = compiled._signature(first)
        program = _program_for(compiled, key, first, flat)
        redo = indices
        if program is not None:
            if program.numpy_plan is None:
                program.numpy_plan = _Plan(program)
            picked = np.arange(count) if indices.__class__ is range else np.array(indices, dtype=np.intp)
            params = np.array([leaf.data for leaf in program.params], dtype=float)
            group_inputs = inputs if indices.__class__ is range else inputs[picked]
            out, aux, group_grads_x, grads_p, good = program.numpy_plan.run(group_inputs, params, gradient)
            if gradient is not None:
                sums.add(program.params, grads_p.tolist())
            if good.all():
                values[picked] = out
                grads_x[picked] = group_grads_x
            else:
                values[picked[good]] = out[good]
                grads_x[picked[good]] = group_grads_x[good]
            for position in np.flatnonzero(good).tolist():
                if program.aux_count:
                    aux_values[indices[position]] = aux[position].tolist()
            redo = [indices[position] for position in np.flatnonzero(~good).tolist()]
        for index in redo:  # the per-row path: guards that failed, non-finite numbers, untraceable programs
            value, aux, row_grads, row_program, _ = compiled._run(row(index), gradient, sums)
            values[index] = value
            if row_program.aux_count:
                aux_values[index] = aux
            if gradient is not None:
                grads_x[index] = row_grads
    for leaf, g in sums.totals().items():
        leaf.grad += g
    input_grads, start = [], 0
    for position, column in enumerate(columns):
        if position in static or gradient is None:
            input_grads.append(None)
            continue
        width = widths[len([p for p in range(position) if p not in static])]
        block = grads_x[:, start : start + width]
        input_grads.append(block[:, 0] if np.ndim(column[0]) == 0 else block)
        start += width
    if aux_values:
        return [(float(values[i]), aux_values[i]) for i in range(count)], tuple(input_grads)
    return values, tuple(input_grads)


def numpy_rows(compiled, columns, gradient, data, position, layouts, summed):
    """A batch's values for a compiled training step, its parameter gradients summed into `summed`; or None.

    `data` is the step's float64 buffer of parameters and `summed` one of the
    same size for their gradients (set to zeros here, then summed over the
    rows), `position` maps a parameter to its index in them (other
    closed-over Values are constants, read now) and `layouts` caches, per
    program, where its parameters sit and its generated batch function
    (`bind_step`). Returns the values as `batch` returns them. Nothing is
    traced here and nothing else is changed: a missing trace, a failed guard
    or a non-finite number gives None, and the caller runs the step eagerly.
    """
    from autograd.jit import _rows

    count, _, _, inputs, groups = _gathered(compiled, columns, _rows)
    values = np.zeros(count)
    aux_values = None
    summed.fill(0.0)
    for indices in groups:
        key, _ = compiled._signature(tuple(column[indices[0]] for column in columns))
        programs = compiled._programs.get(key)
        if not programs or programs[0].eager:
            return None
        program = programs[0]
        if program.numpy_plan is None:
            program.numpy_plan = _Plan(program)
        layout = layouts.get(program)
        if layout is None:
            where = np.array([position.get(leaf, -1) for leaf in program.params], dtype=np.intp)
            trained = where >= 0
            constants = [(j, leaf) for j, leaf in enumerate(program.params) if leaf not in position]
            bound = bind_step(program, where, data, summed)
            layout = layouts[program] = (where, trained, where[trained], constants, bound)
        where, trained, trained_where, constants, bound = layout
        whole = indices.__class__ is range
        picked = None if whole else np.array(indices, dtype=np.intp)
        rows = inputs if whole else inputs[picked]
        if bound is not None:
            result = bound(rows, gradient)  # the caller silences numpy's warnings: a bad number means None
            if result is None:
                return None
            out, aux = result
        else:
            params = data[where]
            for j, leaf in constants:
                params[j] = leaf.data
            out, aux, _, grads_p, good = program.numpy_plan.run(rows, params, gradient)
            if not good.all():
                return None
            summed[trained_where] += grads_p[trained]
        if whole:
            values = out
        else:
            values[picked] = out
        if program.aux_count:
            if aux_values is None:
                aux_values = [None] * count
            for row, numbers in zip(indices, aux.tolist()):
                aux_values[row] = numbers
    if not np.isfinite(summed).all():
        return None
    if aux_values is not None:
        return [(value, aux_values[i]) for i, value in enumerate(values.tolist())]
    return values


def _program_for(compiled, key, args, flat):
    """The newest traced program for `key` (tracing it on `args` when there is none), or None if it runs eagerly."""
    programs = compiled._programs.get(key)
    if not programs:
        compiled._eager(args, key, flat, None, True)
        programs = compiled._programs.get(key)
    program = programs[0] if programs else None
    return None if program is None or program.eager else program


class _Plan:
    """A program's graph as array operations: layers, activations over layers, and single nodes."""

    def __init__(self, program):
        graph = program.graph
        self.aux_count = program.aux_count
        self.input_count = len(graph.inputs)
        self.param_count = len(program.params)
        nodes = graph.nodes
        self.slot = {node: k for k, node in enumerate(nodes)}
        input_index = {node: i for i, node in enumerate(graph.inputs)}
        param_index = {node: j for j, node in enumerate(program.params)}
        self.where = {}  # slot -> ("input", i) | ("param", j) | (_COLUMN, matrix, j) | ("node", slot)
        for node, i in input_index.items():
            self.where[self.slot[node]] = ("input", i)
        for node, j in param_index.items():
            self.where[self.slot[node]] = ("param", j)
        self.steps = []  # forward steps in order; the backward pass runs them reversed
        self.matrix_count = 0
        self._widths = []
        layers = _layers(nodes, param_index)
        activations = {}
        done = set()
        for node in nodes:
            k = self.slot[node]
            if k in self.where or k in done:
                continue
            group = layers.get(node)
            if group is not None:
                self._add_layer(group, param_index)
                done.update(self.slot[n] for n in group)
                activations.update(_activations(group, nodes))
                continue
            mapped = activations.get(node)
            if mapped is not None:
                self._add_map(mapped)
                done.update(self.slot[n] for n in mapped)
                continue
            self._add_node(node)
        self.output = self.slot[graph.output]
        self.aux = [self.slot[a] for a in graph.aux]
        self.guards = [
            (_operand(self, left), operator, _operand(self, right), result)
            for left, operator, right, result in graph.comparisons
        ]
        self.reads = [(self.slot[value], data) for value, data in graph.reads]
        # The backward pass starts at the output; steps it does not reach (guards, aux) get no gradient.
        reached = {self.slot[node] for node in graph.order}
        self.backward_steps = [step for step in reversed(self.steps) if step.reached(reached)]

    def _new_matrix(self, width):
        self._widths.append(width)
        self.matrix_count += 1
        return self.matrix_count - 1

    def _block(self, slots):
        """How to read `slots` as one matrix.

        ("matrix", id, columns or None for all in order), ("inputs", columns, None)
        or ("stack", slots, None).
        """
        kinds = [self.where[k] for k in slots]
        distinct = len(set(slots)) == len(slots)
        if distinct and all(kind[0] == _COLUMN and kind[1] == kinds[0][1] for kind in kinds):
            columns = [kind[2] for kind in kinds]
            width = self._widths[kinds[0][1]]
            return ("matrix", kinds[0][1], None if columns == list(range(width)) else np.array(columns, dtype=np.intp))
        if distinct and all(kind[0] == "input" for kind in kinds):
            return ("inputs", np.array([kind[1] for kind in kinds], dtype=np.intp), None)
        return ("stack", slots, None)

    def _add_layer(self, group, param_index):
        count = len(group[0].parents) // 2
        inputs = self._block([self.slot[x] for x in group[0].parents[count : 2 * count]])
        weights = np.array([[param_index[w] for w in n.parents[:count]] for n in group], dtype=np.intp)
        kind, matrix_in, columns = inputs
        if kind == "matrix" and columns is not None and len(columns) == self._widths[matrix_in]:
            # The inputs are all the columns of one matrix, in another order: permute the weights
            # once here instead of the columns at every call (A[:, c] @ W.T == A @ W'.T, W'[:, c] = W).
            permuted = np.empty_like(weights)
            permuted[:, columns] = weights
            weights, inputs = permuted, ("matrix", matrix_in, None)
        has_bias = len(group[0].parents) % 2 == 1
        biases = np.array([param_index[n.parents[-1]] for n in group], dtype=np.intp) if has_bias else None
        matrix = self._new_matrix(len(group))
        outs = [self.slot[n] for n in group]
        for j, k in enumerate(outs):
            self.where[k] = (_COLUMN, matrix, j)
        self.steps.append(_LayerStep(matrix, outs, inputs, weights, biases))

    def _add_map(self, mapped):
        source = self.where[self.slot[mapped[0].parents[0]]][1]
        matrix = self._new_matrix(len(mapped))
        outs = [self.slot[n] for n in mapped]
        for j, k in enumerate(outs):
            self.where[k] = (_COLUMN, matrix, j)
        self.steps.append(_MapStep(matrix, outs, source, mapped[0]))

    def _add_node(self, node):
        k = self.slot[node]
        self.where[k] = ("node", k)
        arguments = [(self.slot[a] if isinstance(a, Value) else None, a) for a in op_arguments(node)]
        self.steps.append(_NodeStep(k, node, arguments))

    def run(self, inputs, params, gradient):
        """Forward and backward over the batch: (out, aux, input grads, summed parameter grads, good rows).

        A row is good when its guards hold and its numbers are finite; the
        others are left to the caller (their entries are not meaningful), and
        the parameter gradients are those of the good rows alone.
        """
        rows = inputs.shape[0]
        with np.errstate(all="ignore"):
            state = _State(self, inputs, params, rows)
            for step in self.steps:
                step.forward(state)
            good = np.isfinite(state.checksum)
            for left, operator, right, result in self.guards:
                test = _COMPARE[operator](state.get(left), state.get(right))
                good &= np.broadcast_to(test if result else ~test, (rows,))
            for k, data in self.reads:
                good &= np.broadcast_to(state.get(k) == data, (rows,))
            if not good.all():
                return self._run_good_rows(inputs, params, gradient, good)
            out = np.array(np.broadcast_to(state.get(self.output), (rows,)), dtype=float)
            aux = np.stack([np.broadcast_to(state.get(a), (rows,)) for a in self.aux], axis=1) if self.aux else None
            if gradient is None:  # values only
                return out, (aux if aux is not None else np.zeros((rows, 0))), state.grads_x, state.grads_p, good
            state.start_backward(self.output, np.full(rows, gradient))
            for step in self.backward_steps:
                step.backward(state)
            grads_x, grads_p = state.grads_x, state.grads_p
        if not (np.isfinite(grads_p).all() and np.isfinite(grads_x).all()):
            return self._run_good_rows(inputs, params, gradient, np.isfinite(grads_x).all(axis=1) & False)
        return out, (aux if aux is not None else np.zeros((rows, 0))), grads_x, grads_p, good

    def _run_good_rows(self, inputs, params, gradient, good):
        """`run` on the good rows only; the rest are marked not good."""
        rows = inputs.shape[0]
        out = np.zeros(rows)
        aux = np.zeros((rows, len(self.aux)))
        grads_x = np.zeros((rows, self.input_count))
        grads_p = np.zeros(self.param_count)
        if good.any():
            sub = self.run(inputs[good], params, gradient)
            out[good], aux[good], grads_x[good], grads_p = sub[0], sub[1], sub[2], sub[3]
            good = good.copy()
            good[good] = sub[4]
        return out, aux, grads_x, grads_p, good


class _State:
    """The numbers of one batch run: values and gradients by slot, layer matrices, input and parameter grads."""

    def __init__(self, plan, inputs, params, rows):
        self.plan = plan
        self.inputs = inputs
        self.params = params
        self.rows = rows
        self.values = {}
        self.matrices = [None] * plan.matrix_count
        self.checksum = np.zeros(rows)
        self.grads = {}
        self.matrix_grads = [None] * plan.matrix_count
        self.grads_x = np.zeros((rows, plan.input_count))
        self.grads_p = np.zeros(plan.param_count)

    def get(self, where):
        """The value at `where` (a slot, or a number for a constant) as an array over rows or a scalar."""
        if where.__class__ is float:
            return where
        kind = self.plan.where[where]
        if kind[0] == "input":
            return self.inputs[:, kind[1]]
        if kind[0] == "param":
            return self.params[kind[1]]
        if kind[0] == _COLUMN:
            return self.matrices[kind[1]][:, kind[2]]
        return self.values[where]

    def block(self, block):
        """The values of a planned block of slots (see `_block`) as one (rows, width) matrix."""
        kind, where, columns = block
        if kind == "matrix":
            matrix = self.matrices[where]
            return matrix if columns is None else matrix[:, columns]
        if kind == "inputs":
            return self.inputs[:, where]
        return np.stack([np.broadcast_to(self.get(k), (self.rows,)) for k in where], axis=1)

    def start_backward(self, output, seed):
        self.add_grad(output, seed)

    def grad(self, k):
        kind = self.plan.where[k]
        if kind[0] == _COLUMN:
            matrix = self.matrix_grads[kind[1]]
            return None if matrix is None else matrix[:, kind[2]]
        return self.grads.get(k)

    def add_grad(self, k, contribution):
        """Add a gradient (an array over rows, or a scalar for every row) into slot k."""
        kind = self.plan.where[k]
        if kind[0] == "input":
            self.grads_x[:, kind[1]] += contribution
        elif kind[0] == "param":
            self.grads_p[kind[1]] += np.sum(np.broadcast_to(contribution, (self.rows,)))
        elif kind[0] == _COLUMN:
            matrix = self.matrix_grads[kind[1]]
            if matrix is None:
                matrix = self.matrix_grads[kind[1]] = np.zeros(self.matrices[kind[1]].shape)
            matrix[:, kind[2]] += contribution
        elif k in self.grads:
            self.grads[k] = self.grads[k] + contribution
        else:
            self.grads[k] = np.broadcast_to(contribution, (self.rows,)).astype(float)

    def add_block_grad(self, block, contribution):
        """Add a (rows, width) gradient into a planned block of slots, in one operation where it is one matrix."""
        kind, where, columns = block
        if kind == "matrix":
            grads = self.matrix_grads[where]
            if grads is None:
                grads = self.matrix_grads[where] = np.zeros(self.matrices[where].shape)
            if columns is None:
                grads += contribution
            else:
                grads[:, columns] += contribution  # the columns of one block are distinct
        elif kind == "inputs":
            self.grads_x[:, where] += contribution  # distinct input columns
        else:
            for j, k in enumerate(where):
                self.add_grad(k, contribution[:, j])


class _LayerStep:
    """Neurons reading the same inputs: Y = A @ W.T + b."""

    def __init__(self, matrix, outs, inputs, weights, biases):
        self.matrix = matrix
        self.outs = outs
        self.inputs = inputs
        self.weights = weights
        self.biases = biases
        # Shared parameters (the worked example's biases) need add.at; distinct ones a plain +=.
        self.distinct_weights = len(np.unique(weights)) == weights.size
        self.distinct_biases = biases is None or len(np.unique(biases)) == biases.size

    def reached(self, reached):
        return any(k in reached for k in self.outs)

    def forward(self, state):
        a = state.block(self.inputs)
        w = state.params[self.weights]
        y = a @ w.T
        if self.biases is not None:
            y = y + state.params[self.biases]
        state.matrices[self.matrix] = y
        state.checksum += y.sum(axis=1)
        state.values[self] = (a, w)

    def backward(self, state):
        g = state.matrix_grads[self.matrix]
        if g is None:
            return
        a, w = state.values[self]
        state.add_block_grad(self.inputs, g @ w)
        _add_into(state.grads_p, self.weights, g.T @ a, self.distinct_weights)
        if self.biases is not None:
            _add_into(state.grads_p, self.biases, g.sum(axis=0), self.distinct_biases)


class _MapStep:
    """One unary op over every neuron of a layer (its activation): one array operation on the matrix."""

    def __init__(self, matrix, outs, source, example):
        self.matrix = matrix
        self.outs = outs
        self.source = source
        self.op = node_op(example)
        self.constants = [a for a in op_arguments(example) if not isinstance(a, Value)]
        self.position = next(i for i, a in enumerate(op_arguments(example)) if isinstance(a, Value))

    def reached(self, reached):
        return any(k in reached for k in self.outs)

    def _arguments(self, x):
        arguments = list(self.constants)
        arguments.insert(self.position, x)
        return arguments

    def forward(self, state):
        x = state.matrices[self.source]
        y = _forward(self.op, self._arguments(x))
        state.matrices[self.matrix] = y
        state.checksum += y.sum(axis=1)

    def backward(self, state):
        g = state.matrix_grads[self.matrix]
        if g is None:
            return
        x = state.matrices[self.source]
        local = _derivative(self.op, state.matrices[self.matrix], self._arguments(x))[self.position]
        contribution = g * local
        if state.matrix_grads[self.source] is None:
            state.matrix_grads[self.source] = np.array(np.broadcast_to(contribution, x.shape), dtype=float)
        else:
            state.matrix_grads[self.source] += contribution


class _NodeStep:
    """One node of any op: one array operation over the batch."""

    def __init__(self, k, node, arguments):
        self.k = k
        self.op = node_op(node)
        self.arguments = arguments  # (slot or None, the constant when None)

    def reached(self, reached):
        return self.k in reached

    def _values(self, state):
        return [state.get(slot) if slot is not None else constant for slot, constant in self.arguments]

    def forward(self, state):
        y = _forward(self.op, self._values(state))
        state.values[self.k] = y
        state.checksum += y

    def backward(self, state):
        g = state.grad(self.k)
        if g is None:
            return
        local = _derivative(self.op, state.values[self.k], self._values(state))
        for (slot, _), derivative in zip(self.arguments, local):
            if slot is not None:
                state.add_grad(slot, g * derivative)


def _add_into(target, indices, values, distinct):
    """target[indices] += values, with repeated indices adding up (np.add.at) only where there are any."""
    if distinct:
        target[indices] += values
    else:
        np.add.at(target, indices, values)


def _operand(plan, x):
    return plan.slot[x] if isinstance(x, Value) else float(x)


def _layers(nodes, param_index):
    """`weighted_sum` nodes grouped into layers: {node: its layer}.

    A layer's neurons read the same inputs in the same order, with parameters
    as weights (and as bias, if they have one).
    """
    groups = {}
    for node in nodes:
        if node.op != "weighted_sum" or not node.parents:
            continue
        parents = node.parents
        count = len(parents) // 2
        if count == 0:
            continue
        weights = parents[:count]
        bias = parents[2 * count :]
        if not all(w in param_index for w in weights) or not all(b in param_index for b in bias):
            continue
        key = (tuple(parents[count : 2 * count]), len(bias))
        groups.setdefault(key, []).append(node)
    return {node: group for group in groups.values() for node in group}


def _activations(group, nodes):
    """A unary op applied, with the same constants, to every neuron of `group`: {each such node: all, in order}."""
    consumers = {neuron: [] for neuron in group}
    for node in nodes:
        if len(node.parents) == 1 and node.parents[0] in consumers:
            consumers[node.parents[0]].append(node)
    chosen = []
    for neuron in group:
        users = consumers[neuron]
        if len(users) != 1:
            return {}
        chosen.append(users[0])
    first = chosen[0]
    signature = (node_op(first), tuple(a for a in op_arguments(first) if not isinstance(a, Value)))
    for node in chosen:
        if (node_op(node), tuple(a for a in op_arguments(node) if not isinstance(a, Value))) != signature:
            return {}
    return dict.fromkeys(chosen, chosen)


_COMPARE = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}


def _forward(op, arguments):
    """The op's forward on arrays: its own declaration where that works on arrays, else its twin or elementwise."""
    twin = _FORWARD_TWINS.get(op)
    if twin is not None:
        return np.asarray(twin(*arguments), dtype=float)
    try:
        result = op.forward(*arguments)
        if isinstance(result, np.ndarray) or all(not isinstance(a, np.ndarray) for a in arguments):
            return np.asarray(result, dtype=float)
    except Exception:
        pass
    return np.asarray(np.vectorize(op.forward, otypes=[float])(*arguments), dtype=float)


def _derivative(op, out, arguments):
    """The op's local derivatives on arrays, one per argument (as `op.derivative`)."""
    twin = _DERIVATIVE_TWINS.get(op)
    if twin is not None:
        return twin(out, *arguments)
    try:
        local = tuple(op.derivative(out, *arguments))
        if all(isinstance(x, (np.ndarray, float, int)) for x in local):
            return local
    except Exception:
        pass
    count = len(arguments)
    return tuple(
        np.vectorize(lambda o, *a, i=i: float(op.derivative(o, *a)[i]), otypes=[float])(out, *arguments)
        for i in range(count)
    )


_SUM_OP = node_op(total([Value(0.0), Value(0.0)]))  # the op of `total`, found by using it


def _twins():
    """Array twins of the built-in ops whose declarations call `math` or compare, found by the ops themselves."""

    def op(method):
        return method.op

    forward = {
        op(Value.exp): np.exp,
        op(Value.log): np.log,
        op(Value.tanh): np.tanh,
        op(Value.sin): np.sin,
        op(Value.cos): np.cos,
        op(Value.sqrt): np.sqrt,
        op(Value.__abs__): np.abs,
        op(Value.relu): lambda x: np.maximum(x, 0.0),  # NaN stays NaN, as in the engine
        _SUM_OP: lambda *terms: np.sum(np.broadcast_arrays(*terms), axis=0),
        op(Value.sigmoid): lambda x: np.where(x >= 0.0, 1.0 / (1.0 + np.exp(-x)), np.exp(x) / (1.0 + np.exp(x))),
    }
    derivative = {
        op(Value.relu): lambda out, x: (np.greater(x, 0.0).astype(float),),
        op(Value.__abs__): lambda out, x: (np.sign(x),),
        op(Value.sin): lambda out, x: (np.cos(x),),
        op(Value.cos): lambda out, x: (-np.sin(x),),
        op(Value.sqrt): lambda out, x: (np.where(out != 0.0, 0.5 / out, np.inf),),
    }
    return forward, derivative


_FORWARD_TWINS, _DERIVATIVE_TWINS = _twins()


# ---------------------------------------------------------------- a training batch as one generated function


def bind_step(program, where, data, gradients):
    """A training batch of `program` generated as one numpy function over a parameter buffer, or None.

    `data` and `gradients` are float64 buffers that nn's compiled training
    step owns and updates in place; `where[j]` is the position of the
    program's parameter j in them. A layer whose weights sit in the buffer as
    a grid (an MLP's neuron-major parameters) reads them as a strided view
    of it and adds its gradient into a view of `gradients`, so a batch
    gathers and scatters nothing. The function returned, `run(X, seed)`,
    adds the batch's parameter gradients (times `seed`) into `gradients` and
    returns `(values, aux)` for the rows of X, or None, having added nothing
    a caller keeps, when a guard fails or a number is not finite (the caller
    then runs the step eagerly). Returns None for a plan this generator does
    not take (a constant Value among the parameters, inputs stacked from
    single nodes); the generic path runs those.
    """
    if program.numpy_plan is None:
        program.numpy_plan = _Plan(program)
    try:
        return _StepSource(program.numpy_plan, where, data, gradients).function()
    except _NotBoundError:
        return None


class _NotBoundError(Exception):
    """The plan has something the generated batch does not take."""


class _StepSource:
    """Writes `run(X, seed)` for one plan: the forward pass, the guards, the backward pass into the buffers."""

    def __init__(self, plan, where, data, gradients):
        self.plan = plan
        self.where = [int(w) for w in where]
        self.namespace = {
            "np": np, "B": data, "GB": gradients, "_rowsum": _rowsum, "_broadcast": _broadcast,
            "_column_stack": _column_stack, "_isfinite": np.isfinite, "_sum": np.sum, "_all": np.all, "_any": np.any,
        }  # fmt: skip
        self.data = data
        self.gradients = gradients
        self.forward = ["n = X.shape[0]", "T = 0.0"]
        self.backward = []
        self.assigned = set()  # node slots and matrices whose gradient has a variable already
        self.names = 0

    def name(self, prefix, thing):
        """A new name in the namespace for a constant object (a view, an index array, a function)."""
        self.names += 1
        key = f"{prefix}{self.names}"
        self.namespace[key] = thing
        return key

    def value(self, k):
        """Source of slot k's value (a float for a constant argument)."""
        if k.__class__ is float:
            return repr(k)
        kind = self.plan.where[k]
        if kind[0] == "input":
            return f"X[:, {kind[1]}]"
        if kind[0] == "param":
            return f"B[{self.position(kind[1])}]"
        if kind[0] == _COLUMN:
            return f"Y{kind[1]}[:, {kind[2]}]"
        return f"V{k}"

    def position(self, j):
        position = self.where[j]
        if position < 0:
            raise _NotBoundError("a constant among the parameters")
        return position

    def add(self, k, contribution):
        """A backward line adding `contribution` (per row) into slot k's gradient."""
        kind = self.plan.where[k]
        if kind[0] == "input":
            return  # a training step wants no input gradients
        if kind[0] == "param":
            self.backward.append(f"GB[{self.position(kind[1])}] += _rowsum({contribution}, n)")
        elif kind[0] == _COLUMN:
            self.allocate(kind[1])
            self.backward.append(f"GY{kind[1]}[:, {kind[2]}] += {contribution}")
        elif k in self.assigned:
            self.backward.append(f"GV{k} = GV{k} + {contribution}")
        else:
            self.assigned.add(k)
            self.backward.append(f"GV{k} = _broadcast({contribution}, n)")

    def allocate(self, matrix):
        if ("matrix", matrix) not in self.assigned:
            self.assigned.add(("matrix", matrix))
            self.backward.append(f"GY{matrix} = np.zeros(Y{matrix}.shape)")

    def add_matrix(self, matrix, contribution, columns=None):
        """Add a whole (rows, width) gradient into a matrix, or into some of its columns."""
        if columns is None and ("matrix", matrix) not in self.assigned:
            self.assigned.add(("matrix", matrix))
            self.backward.append(f"GY{matrix} = {contribution}")
        elif columns is None:
            self.backward.append(f"GY{matrix} += {contribution}")
        else:
            self.allocate(matrix)
            self.backward.append(f"GY{matrix}[:, {self.name('I', columns)}] += {contribution}")

    def function(self):
        plan = self.plan
        backward_steps = {id(step) for step in plan.backward_steps}
        lines = {
            _LayerStep: (self.forward_layer, self.backward_layer),
            _MapStep: (self.forward_map, self.backward_map),
            _NodeStep: (self.forward_node, self.backward_node),
        }
        for step in plan.steps:
            lines[type(step)][0](step)
        for left, operator, right, result in plan.guards:
            test = f"({self.value(left)} {operator} {self.value(right)})"
            self.forward.append(f"if not _all({test}): return None" if result else f"if _any({test}): return None")
        for k, data in plan.reads:
            self.forward.append(f"if not _all({self.value(k)} == {data!r}): return None")
        self.forward.append("if not _isfinite(T): return None")
        output = self.value(plan.output)
        aux = f"_column_stack(({''.join(self.value(a) + ', ' for a in plan.aux)}), n)" if plan.aux else "None"
        self.forward.append(f"OUT = _broadcast({output}, n)")
        self.forward.append(f"AUX = {aux}")
        self.add(plan.output, "seed")
        for step in reversed(plan.steps):
            if id(step) in backward_steps:
                lines[type(step)][1](step)
        source = "def run(X, seed):\n    " + "\n    ".join(self.forward + self.backward) + "\n    return OUT, AUX\n"
        defined = dict(self.namespace)
        exec(compile(source, "<tracegrad numpy step>", "exec"), defined)
        run = defined["run"]
        run.source = source
        return run

    # The forward and backward lines of each kind of step.

    def _grid(self, positions):
        """A view of the buffers for parameter positions that form a grid (with their gradients), or gathers."""
        positions = np.asarray(positions, dtype=np.intp)
        view = _strided(self.data, positions)
        if view is not None:
            return self.name("W", view), self.name("GW", _strided(self.gradients, positions)), None
        return None, None, self.name("WI", positions)

    def forward_layer(self, step):
        m = step.matrix
        kind, where, columns = step.inputs
        if kind == "inputs":
            count = self.plan.input_count
            source = "X" if where.tolist() == list(range(count)) else f"X[:, {self.name('I', where)}]"
        elif kind == "matrix":
            source = f"Y{where}" if columns is None else f"Y{where}[:, {self.name('I', columns)}]"
        else:
            raise _NotBoundError("inputs stacked from single nodes")
        weights = [[self.position(j) for j in row] for row in step.weights.tolist()]
        view, grad_view, gather = self._grid(weights)
        step_names = {"A": f"A{m}", "W": view or f"W{m}"}
        self.forward.append(f"A{m} = {source}")
        if gather is not None:
            self.forward.append(f"W{m} = B[{gather}]")
        self.forward.append(f"Y{m} = A{m} @ {step_names['W']}.T")
        bias = None
        if step.biases is not None:
            bias = self._grid([self.position(j) for j in step.biases.tolist()])
            self.forward.append(f"Y{m} += {bias[0]}" if bias[0] else f"Y{m} += B[{bias[2]}]")
        self.forward.append(f"T = T + Y{m}.sum()")
        step.bound = (step_names["W"], grad_view, gather, bias)

    def backward_layer(self, step):
        m = step.matrix
        if ("matrix", m) not in self.assigned:
            return
        weights, grad_view, gather, bias = step.bound
        kind, where, columns = step.inputs
        if kind == "matrix":
            self.add_matrix(where, f"(GY{m} @ {weights})", None if columns is None else columns)
        if grad_view is not None:
            self.backward.append(f"{grad_view}[...] += GY{m}.T @ A{m}")
        elif step.distinct_weights:
            self.backward.append(f"GB[{gather}] += GY{m}.T @ A{m}")
        else:
            self.backward.append(f"np.add.at(GB, {gather}, GY{m}.T @ A{m})")
        if bias is not None:
            if bias[1] is not None:
                self.backward.append(f"{bias[1]}[...] += GY{m}.sum(axis=0)")
            elif step.distinct_biases:
                self.backward.append(f"GB[{bias[2]}] += GY{m}.sum(axis=0)")
            else:
                self.backward.append(f"np.add.at(GB, {bias[2]}, GY{m}.sum(axis=0))")

    def forward_map(self, step):
        forward = _FORWARD_TWINS.get(step.op) if not step.constants else None
        if forward is None:
            forward = lambda x, step=step: _forward(step.op, step._arguments(x))  # noqa: E731
        self.forward.append(f"Y{step.matrix} = {self.name('F', forward)}(Y{step.source})")
        self.forward.append(f"T = T + Y{step.matrix}.sum()")

    def backward_map(self, step):
        m = step.matrix
        if ("matrix", m) not in self.assigned:
            return
        local = _inline_derivative(step.op, f"Y{m}", [f"Y{step.source}" if i == step.position else c
                                                     for i, c in enumerate(step._arguments(None))])  # fmt: skip
        if local is not None:
            local = local[step.position]
        elif step.op is _RELU_OP:
            local = f"(Y{step.source} > 0.0)"
        else:
            derivative = lambda out, x, step=step: _derivative(step.op, out, step._arguments(x))[step.position]  # noqa: E731
            local = f"{self.name('D', derivative)}(Y{m}, Y{step.source})"
        self.add_matrix(step.source, f"(GY{m} * {local})")

    def forward_node(self, step):
        arguments = [self.value(slot) if slot is not None else repr(float(c)) for slot, c in step.arguments]
        inline = _inline_forward(step.op, arguments)
        if inline is None:
            call = self.name("F", lambda *a, op=step.op: _forward(op, list(a)))
            inline = f"{call}({', '.join(arguments)})"
        self.forward.append(f"V{step.k} = {inline}")
        self.forward.append(f"T = T + _sum(V{step.k})")
        step.bound = arguments

    def backward_node(self, step):
        k = step.k
        if k not in self.assigned:
            return
        arguments = step.bound
        locals_ = _inline_derivative(step.op, f"V{k}", arguments)
        if locals_ is None:
            call = self.name("D", lambda out, *a, op=step.op: _derivative(op, out, list(a)))
            self.backward.append(f"L{k} = {call}(V{k}, {', '.join(arguments)})")
            locals_ = [f"L{k}[{i}]" for i in range(len(arguments))]
        for (slot, _), local in zip(step.arguments, locals_):
            if slot is not None:
                self.add(slot, f"GV{k}" if local == "1.0" else f"(GV{k} * {local})")


def _inline_forward(op, arguments):
    """The op's forward as arithmetic source on the argument sources (its own declaration on Symbols), or None."""
    from autograd.symbolic import NotInlineError, Symbol, source_of

    try:
        return source_of(op.forward(*[Symbol(a) if not _is_literal(a) else float(a) for a in arguments]))
    except (NotInlineError, TypeError, ArithmeticError, ValueError):
        return None


def _inline_derivative(op, out, arguments):
    """The op's local derivatives as arithmetic source, one per argument, or None."""
    from autograd.symbolic import NotInlineError, Symbol, source_of

    symbols = [Symbol(a) if not _is_literal(a) else float(a) for a in arguments]
    try:
        local = tuple(op.derivative(Symbol(out), *symbols))
        return [source_of(x) for x in local] if len(local) == len(arguments) else None
    except (NotInlineError, TypeError, ArithmeticError, ValueError):
        return None


def _is_literal(source):
    if source.__class__ is not str:
        return True
    try:
        float(source)
    except ValueError:
        return False
    return True


def _strided(buffer, positions):
    """A view of `buffer` at integer `positions` (1-D or 2-D) when they form an evenly spaced grid, else None.

    A layer lists its neurons in the graph's order, which may run against the
    parameters' order: an axis that steps backwards is flipped, viewed, and
    flipped back (a view still).
    """
    flips = tuple(
        axis for axis in range(positions.ndim)
        if positions.shape[axis] > 1 and np.take(positions, 1, axis).flat[0] < np.take(positions, 0, axis).flat[0]
    )  # fmt: skip
    ordered = np.flip(positions, flips) if flips else positions
    flat = ordered.ravel()
    if flat.size == 0 or len(np.unique(flat)) != flat.size:
        return None
    base = int(flat[0])
    steps = []
    for axis in range(ordered.ndim):
        count = ordered.shape[axis]
        steps.append(int(np.take(ordered, 1, axis).flat[0] - base) if count > 1 else 1)
    grid = np.full(ordered.shape, base, dtype=np.intp)
    for axis, step in enumerate(steps):
        shape = [1] * ordered.ndim
        shape[axis] = ordered.shape[axis]
        grid = grid + step * np.arange(ordered.shape[axis]).reshape(shape)
    if min(steps) <= 0 or not np.array_equal(grid, ordered):
        return None
    item = buffer.itemsize
    view = np.lib.stride_tricks.as_strided(
        buffer[base:], shape=ordered.shape, strides=tuple(s * item for s in steps), writeable=True
    )
    return np.flip(view, flips) if flips else view


def _rowsum(contribution, rows):
    """The sum over the rows of a per-row contribution (an array, or one number for every row)."""
    if np.ndim(contribution) == 0:
        return contribution * rows
    return contribution.sum()


def _broadcast(values, rows):
    """`values` as an array over the rows (a new one only where it is not one already)."""
    if values.__class__ is np.ndarray and values.shape == (rows,) and values.dtype == np.float64:
        return values
    return np.array(np.broadcast_to(values, (rows,)), dtype=float)


def _column_stack(columns, rows):
    return np.stack([np.broadcast_to(c, (rows,)) for c in columns], axis=1)


_RELU_OP = Value.relu.op
