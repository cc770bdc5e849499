"""Derivatives against central differences: `gradcheck` for a function, `check_local` per node.

Owns the numeric oracle of the project: `gradcheck`, `check_local`, their
reports and `GradcheckError`. Imports only `autograd`'s own modules and the
standard library; never `nn` or `viz`.

`gradcheck(fn, inputs)` checks the derivatives of a whole function; when it
fails, it runs `check_local` on fn's graph to say which node is to blame.
`check_local(root)` checks each node on its own: its recorded `local_grads`
against central differences of its op re-run at the parent values it
recorded. A wrong rule then shows at the node that has it, not smeared over
every input downstream; and points where central differences are no fair
estimate (a kink, a jump, the edge of a domain) are told apart from failures
by comparing the one-sided slopes at two steps (see `_check_edge`).

Order 1 compares each d(fn)/d(x_i) with (f(x + eps e_i) - f(x - eps e_i)) / 2 eps.
Order 2 compares each Hessian entry d2(fn)/d(x_i)d(x_j), from `grad` with
`create_graph=True`, with central differences of the analytic gradient (as
PyTorch's gradgradcheck does: differencing function values twice would lose
half the digits to rounding). So order 2 checks the second-order rules against
the first-order ones; run order 1 as well to check those.

Both sides run in the caller's grad mode. The numeric side must not switch
recording off: a `fn` that calls `grad()` inside needs its graph to have
parents, or its inner gradient is a constant and every slope comes out 0.

Why the repr is one line: pytest prints the repr of a failing `assert report`
with its newlines escaped as literal `\\n` (and cut to 240 characters without
`-vv`), so a table there is unreadable. The repr names the failing entries
with their numbers in one line; `str()`, `print(report)` and the message of
`GradcheckError` are the table.
"""

import inspect
import math
import textwrap
from collections import namedtuple

from autograd.anomaly import detect_anomaly, origin_of
from autograd.differentiate import grad
from autograd.graph import topological_order
from autograd.value import Value, forward_at, node_op, op_arguments

Row = namedtuple("Row", "index analytic numeric abs_err rel_err")
Row.__doc__ = "One checked entry: the analytic and numeric derivative and their errors."


class GradcheckError(AssertionError):
    """A failed `gradcheck(..., raise_exception=True)`: the message is the whole report.

    An `AssertionError`, so test runners count it as a failed check, not an error.
    `report` is the `GradcheckReport`.
    """

    __module__ = "autograd"  # shown in tracebacks as autograd.GradcheckError, where it is imported from

    def __init__(self, report):
        super().__init__(str(report))
        self.report = report


class GradcheckReport:
    """The outcome of `gradcheck`: truthy exactly when every entry is in tolerance.

    `rows` holds one `Row` per derivative checked; `failures` the rows out of
    tolerance; `notes` what was found about the likely cause. `str()` is a
    table with the failing entries marked; `repr()` says the same in one line
    (see the module docstring), so `assert gradcheck(...)` explains itself in
    pytest and `assert report, report` prints the table.
    """

    def __init__(self, rows, *, order, eps, atol, rtol, names, notes):
        self.rows = rows
        self.order = order
        self.eps = eps
        self.atol = atol
        self.rtol = rtol
        self.names = names
        self.notes = notes
        self.failures = [row for row in rows if not self.within_tolerance(row)]

    def within_tolerance(self, row):
        """abs_err <= atol + rtol * |numeric| (a NaN anywhere fails)."""
        return row.abs_err <= self.atol + self.rtol * abs(row.numeric)

    def __bool__(self):
        return not self.failures

    def entry_name(self, index):
        """`d/dw` for order 1, `d2/dw dx` for the Hessian entry (w, x)."""
        if self.order == 1:
            return f"d/d{self.names[index]}"
        i, j = index
        return f"d2/d{self.names[i]} d{self.names[j]}"

    def _verdict(self):
        if self:
            return "passed"
        named = ", ".join(self.entry_name(row.index) for row in self.failures[:3])
        more = ", ..." if len(self.failures) > 3 else ""
        return f"FAILED at {named}{more} ({len(self.failures)} of {len(self.rows)} entries out of tolerance)"

    def __str__(self):
        lines = [
            f"gradcheck order {self.order} {self._verdict()}",
            f"  tolerance atol + rtol*|numeric| with atol={self.atol:g}, rtol={self.rtol:g}; step eps={self.eps:g}",
            f"  {'entry':<22} {'analytic':>16} {'numeric':>16} {'abs_err':>10} {'rel_err':>10}",
        ]
        for row in self.rows:
            mark = "" if self.within_tolerance(row) else "  <-- FAIL"
            lines.append(
                f"  {self.entry_name(row.index):<22} {row.analytic:>16.9g} {row.numeric:>16.9g} "
                f"{row.abs_err:>10.3g} {row.rel_err:>10.3g}{mark}"
            )
        lines.extend(_wrapped("  note: ", note) for note in self.notes)
        return "\n".join(lines)

    def __repr__(self):
        # One line, the failing entries and the first note first: pytest escapes
        # newlines in a repr and, without -vv, cuts it in the middle at 240 characters.
        if self:
            return f"<gradcheck order {self.order} passed: {len(self.rows)} entries in tolerance>"
        row = self.failures[0]
        shown = f"{self.entry_name(row.index)} analytic {row.analytic:.9g} numeric {row.numeric:.9g}"
        more = f" (and {len(self.failures) - 1} more)" if len(self.failures) > 1 else ""
        note = f"; {self.notes[0]}" if self.notes else ""
        return (
            f"<gradcheck order {self.order} FAILED, {len(self.failures)} of {len(self.rows)} entries: "
            f"{shown}{more}{note}; print(report) for the table>"
        )


_WIDTH = 96  # reports read in an 80-100 column terminal


def _wrapped(lead, text):
    """`lead` + `text` wrapped at _WIDTH columns, continuation lines indented under the text."""
    return textwrap.fill(
        text,
        _WIDTH,
        initial_indent=lead,
        subsequent_indent=" " * len(lead),
        break_long_words=False,
        break_on_hyphens=False,
    )


def _relative(abs_err, numeric):
    if abs_err == 0.0:
        return 0.0
    return abs_err / abs(numeric) if numeric != 0.0 else math.inf


def _row(index, analytic, numeric):
    abs_err = abs(analytic - numeric)
    return Row(index, analytic, numeric, abs_err, _relative(abs_err, numeric))


def _call(fn, values):
    out = fn(*values)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: fn must return a Value, got {type(out).__name__}: {out!r}")
    return out


def _finite_number(name, value, *, positive, caller="gradcheck"):
    """`value` as a float, refused unless finite and >= 0 (> 0 when `positive`)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{caller}: {name} must be a number, not {type(value).__name__}: {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{caller}: {name} must be a finite number, got {value!r}")
    if positive and not value > 0.0:
        raise ValueError(f"{caller}: {name} must be > 0, got {value!r}")
    if value < 0.0:
        raise ValueError(f"{caller}: {name} must be >= 0, got {value!r}")
    return value


def _parameter_names(fn):
    """The names of `fn`'s positional parameters in order, as far as it has named ones."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins without a signature
        return []
    names = []
    for parameter in signature.parameters.values():
        if parameter.kind not in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            break
        names.append(parameter.name)
    return names


def _entry_names(fn, inputs):
    """One name per input: fn's parameter name, else the input Value's label, else `x[i]`.

    `self` (a method passed as `Value.sqrt`) is no name a user chose. Names
    that would repeat fall back to `x[i]`, so every row is unambiguous.
    """
    parameters = [name for name in _parameter_names(fn) if name != "self"]
    chosen = []
    for i, x in enumerate(inputs):
        if i < len(parameters):
            chosen.append(parameters[i])
        elif isinstance(x, Value) and x.label:
            chosen.append(x.label)
        else:
            chosen.append(None)
    return [name if name is not None and chosen.count(name) == 1 else f"x[{i}]" for i, name in enumerate(chosen)]


def _diagnose_again(fn, variables, order, eps, atol, rtol):
    """`_diagnose` on fn's graph made again inside detect_anomaly(), so its notes say where each node was made.

    None when that run stops at a NaN or infinity (or fails otherwise): the
    graph already made is then diagnosed without the lines.
    """
    try:
        with detect_anomaly():
            output = _call(fn, variables)
            roots = [output] if order == 1 else [output, *grad(output, variables, create_graph=True)]
            return _diagnose(roots, eps, atol, rtol)
    except (ArithmeticError, ValueError):
        return None


_SHOWN = 3  # a failing gradcheck names this many wrong (and not comparable) edges, then counts the rest


def _diagnose(roots, eps, atol, rtol):
    """Notes for a failed gradcheck from `check_local` over the graphs of `roots`: wrong nodes first, then kinks."""
    positions = _checked_nodes(roots)
    rows, not_comparable = _check_nodes(positions, eps, atol, rtol)
    local = LocalCheckReport(rows, not_comparable, positions, eps=eps, atol=atol, rtol=rtol)
    notes = [
        f"wrong local derivative (check_local) at {local.name(row.node)}, {_operand_name(row.node, row.index)}: "
        f"recorded {row.analytic:.9g}, central differences of the op give {row.numeric:.9g}"
        for row in local.failures[:_SHOWN]
    ]
    if len(local.failures) > _SHOWN:
        ops = ", ".join(repr(op) for op in dict.fromkeys(row.node.op for row in local.failures))
        notes.append(f"... and {len(local.failures) - _SHOWN} more wrong local derivatives (ops: {ops})")
    notes.extend(
        f"{local.name(row.node)}, {_operand_name(row.node, row.index)}: {reason}"
        for row, reason in not_comparable[:_SHOWN]
    )
    if len(not_comparable) > _SHOWN:
        notes.append(f"... and {len(not_comparable) - _SHOWN} more local derivatives not comparable")
    return notes


def gradcheck(fn, inputs, *, eps=1e-6, atol=1e-6, rtol=1e-4, order=1, raise_exception=False):
    """Check `fn`'s derivatives at `inputs` against central differences.

    `fn` takes one Value per number in `inputs` and returns a Value. With
    `order=1` every first partial is checked, with `order=2` every Hessian
    entry. Returns a `GradcheckReport`, truthy when all entries pass; with
    `raise_exception=True` a failed check raises `GradcheckError` instead,
    whose message is the report's table. Rows are named after fn's parameters
    (`d/dw`), else after the inputs' labels, else `d/dx[i]`.
    """
    if isinstance(order, bool) or order not in (1, 2):
        raise ValueError(f"gradcheck: order must be 1 or 2, got {order!r}")
    eps = _finite_number("eps", eps, positive=True)
    atol = _finite_number("atol", atol, positive=False)
    rtol = _finite_number("rtol", rtol, positive=False)
    inputs = list(inputs)
    if not inputs:
        raise ValueError("gradcheck: needs at least one input to differentiate by, got none")
    point = [x.data if isinstance(x, Value) else Value(x).data for x in inputs]
    names = _entry_names(fn, inputs)
    count = len(point)
    notes = []

    def leaves(at):
        return [Value(x, label=name) for x, name in zip(at, names)]

    def shifted(i, step):
        at = list(point)
        at[i] += step
        return at

    if order == 1:

        def evaluate(at):
            return _call(fn, leaves(at)).data

        variables = leaves(point)
        output = _call(fn, variables)
        analytic = [g.data for g in grad(output, variables)]
    else:

        def evaluate(at):
            variables = leaves(at)
            return [g.data for g in grad(_call(fn, variables), variables)]

        variables = leaves(point)
        output = _call(fn, variables)
        gradient = grad(output, variables, create_graph=True)
        analytic = [[h.data for h in grad(g, variables)] for g in gradient]

    rows = []
    for j in range(count):
        try:
            plus = evaluate(shifted(j, eps))
            minus = evaluate(shifted(j, -eps))
        except (ValueError, ZeroDivisionError) as error:
            notes.append(f"fn is not defined at {names[j]} +/- eps ({error}); its numeric derivative is NaN")
            plus = minus = [math.nan] * count if order == 2 else math.nan
        if order == 1:
            rows.append(_row(j, analytic[j], (plus - minus) / (2.0 * eps)))
        else:
            rows.extend(_row((i, j), analytic[i][j], (plus[i] - minus[i]) / (2.0 * eps)) for i in range(count))
    if order == 2:
        rows.sort(key=lambda row: row.index)

    report = GradcheckReport(rows, order=order, eps=eps, atol=atol, rtol=rtol, names=names, notes=notes)
    if not report:
        report.notes[:0] = _diagnose_again(fn, leaves(point), order, eps, atol, rtol) or _diagnose(
            [output] if order == 1 else [output, *gradient], eps, atol, rtol
        )
        what = "fn" if order == 1 else "the gradient of fn"
        for row in report.failures:
            if abs(row.numeric) * eps > 0.1 and abs(row.analytic) * eps < 0.1:
                report.notes.append(
                    f"{report.entry_name(row.index)}: the numeric slope is of order 1/eps, so {what} jumps "
                    f"(is discontinuous) within eps of this point"
                )
        if raise_exception:
            __tracebackhide__ = True  # pytest: show the caller's line and the table, not this function
            raise GradcheckError(report)
    return report


# ---------------------------------------------------------------- check_local

LocalRow = namedtuple("LocalRow", "node index analytic numeric abs_err rel_err")
LocalRow.__doc__ = (
    "One checked edge: d(node)/d(node.parents[index]) as recorded (analytic) and by central differences (numeric)."
)

_SHRINK = 0.75  # a one-sided jump that does not shrink with the step is a kink, not curvature


def _replay(node):
    """A function of floats that re-runs `node`'s op at other values of its parents (its constants kept).

    The op's own forward, through the engine's `forward_at`, so it raises
    where the op would. None for a node whose op is not known (made by hand).
    """
    if node_op(node) is None:
        return None
    return lambda *xs: forward_at(node, xs)


def _kink_reason(node, eps):
    """Why the kinks the op declares make central differences unfair at the node's inputs, or None."""
    kink = getattr(node_op(node), "kink", None)
    if kink is None:
        return None
    distance = kink(*[a.data if isinstance(a, Value) else a for a in op_arguments(node)])
    if distance == 0.0:
        return f"at a kink of {node.op}, where its recorded derivative is a convention"
    if distance <= eps:
        return f"{distance:.3g} from a kink of {node.op}, which a step of eps crosses"
    return None


def describe_node(node, position=None):
    """`node #17 (op 'tanh', label 'h1', made at train.py:42)`: how reports name a node.

    `#k` is the node's place in `topological_order(root)`; the place it was made
    is known when it was made inside `detect_anomaly()`.
    """
    facts = [f"op {node.op!r}"]
    if node.label:
        facts.append(f"label {node.label!r}")
    origin = origin_of(node)
    if origin:
        facts.append(f"made at {origin}")
    number = f" #{position}" if position is not None else ""
    return f"node{number} ({', '.join(facts)})"


def _operand_name(node, index):
    parent = node.parents[index]
    label = f" {parent.label!r}" if parent.label else ""
    return f"input {index}{label} = {parent.data:.9g}"


class LocalCheckReport:
    """The outcome of `check_local`: truthy when every comparable local derivative agrees.

    `rows` holds one `LocalRow` per checked (node, input) pair; `failures` the
    rows out of tolerance; `not_comparable` the rows where central differences
    are no fair estimate, as `(row, reason)`: a kink or a jump at or within eps
    of the point, or an op undefined there. `positions` maps each node to its
    place in the topological order (`#k` in the text).
    """

    def __init__(self, rows, not_comparable, positions, *, eps, atol, rtol):
        self.rows = rows
        self.not_comparable = not_comparable
        self.positions = positions
        self.eps = eps
        self.atol = atol
        self.rtol = rtol
        skipped = {id(row) for row, _ in not_comparable}
        self.failures = [row for row in rows if id(row) not in skipped and not self.within_tolerance(row)]

    def within_tolerance(self, row):
        """abs_err <= atol + rtol * |numeric| (a NaN anywhere fails)."""
        return row.abs_err <= self.atol + self.rtol * abs(row.numeric)

    def __bool__(self):
        return not self.failures

    @property
    def failing_nodes(self):
        """The nodes with at least one wrong local derivative, in topological order."""
        return list(dict.fromkeys(row.node for row in self.failures))

    def name(self, node):
        return describe_node(node, self.positions.get(node))

    def failure_text(self, row):
        """One failing edge in words, with the numbers."""
        return (
            f"{self.name(row.node)}: d/d({_operand_name(row.node, row.index)}) recorded {row.analytic:.9g}, "
            f"central differences of the op give {row.numeric:.9g} "
            f"(abs_err {row.abs_err:.3g}, rel_err {row.rel_err:.3g})"
        )

    def _summary(self):
        nodes = len({id(row.node) for row in self.rows})
        counted = f"{len(self.rows)} local derivatives of {nodes} nodes"
        skipped = f", {len(self.not_comparable)} not comparable" if self.not_comparable else ""
        if self:
            return f"check_local passed: {counted} agree with central differences{skipped}"
        wrong = len(self.failing_nodes)
        nodes_text = "1 node" if wrong == 1 else f"{wrong} nodes"
        return f"check_local FAILED: {nodes_text} with a wrong local derivative ({counted}{skipped})"

    def __str__(self):
        lines = [
            self._summary(),
            f"  tolerance atol + rtol*|numeric| with atol={self.atol:g}, rtol={self.rtol:g}; step eps={self.eps:g}",
        ]
        lines.extend(_wrapped("  FAIL ", self.failure_text(row)) for row in self.failures)
        lines.extend(
            _wrapped("  not comparable: ", f"{self.name(row.node)}, {_operand_name(row.node, row.index)}: {reason}")
            for row, reason in self.not_comparable
        )
        return "\n".join(lines)

    def __repr__(self):
        if self:
            return f"<{self._summary()}>"
        first = self.failure_text(self.failures[0])
        more = f"; {len(self.failures) - 1} more" if len(self.failures) > 1 else ""
        return f"<{self._summary()}: {first}{more}; print(report) shows all>"


def _checked_nodes(roots):
    """Every node with parents in the graphs of `roots`, once each, with its place in the topological order."""
    seen = {}
    for root in roots:
        for position, node in enumerate(topological_order(root)):
            if node.parents and node not in seen:
                seen[node] = position
    return seen


def _check_edge(forward, point, index, analytic, eps, atol, rtol):
    """(numeric, reason): the central difference of `forward` along input `index`, and why it is no fair estimate.

    reason is None when the estimate is fair. Two steps, eps and eps/2, tell
    curvature from a kink: for a smooth op the one-sided slopes differ by about
    f'' h, which halves with the step; at a kink or a jump the gap does not
    shrink; and a kink within eps of the point makes the two central
    differences disagree.
    """

    def at(step):
        shifted = list(point)
        shifted[index] += step
        return forward(*shifted)

    try:
        here = forward(*point)
        values = [(at(h), at(-h), h) for h in (eps, eps / 2.0)]
    except (ArithmeticError, ValueError) as error:
        return math.nan, f"the op is not defined within eps of this point ({error})"
    slopes = [(plus - minus) / (2.0 * h) for plus, minus, h in values]
    gaps = [(plus - 2.0 * here + minus) / h for plus, minus, h in values]
    numeric = slopes[0]
    if not all(math.isfinite(x) for x in slopes + gaps):
        return numeric, "the op's value is not finite within eps of this point"
    tolerance = atol + rtol * abs(numeric)
    if abs(gaps[0]) > tolerance and abs(gaps[1]) > _SHRINK * abs(gaps[0]):
        left = (here - values[0][1]) / eps
        right = (values[0][0] - here) / eps
        return numeric, (
            f"at a kink or jump, or within eps of one: over eps the slope is {left:.6g} from the left and "
            f"{right:.6g} from the right, and central differences average them"
        )
    if abs(slopes[0] - slopes[1]) > tolerance:
        return numeric, (
            f"a kink or jump lies within eps: central differences give {slopes[0]:.9g} with step eps "
            f"and {slopes[1]:.9g} with eps/2"
        )
    return numeric, None


def _check_nodes(nodes, eps, atol, rtol):
    rows = []
    not_comparable = []
    for node in nodes:
        forward = _replay(node)
        point = [parent.data for parent in node.parents]
        declared = _kink_reason(node, eps) if forward is not None else None
        for index, analytic in enumerate(node.local_grads):
            if forward is None:
                numeric, reason = math.nan, "its op cannot be re-run (a node made by hand)"
            else:
                numeric, reason = _check_edge(forward, point, index, analytic, eps, atol, rtol)
                reason = declared or reason
            row = _row(index, analytic, numeric)
            row = LocalRow(node, *row)
            rows.append(row)
            if reason is not None:
                not_comparable.append((row, reason))
    return rows, not_comparable


def check_local(root, *, eps=1e-6, atol=1e-6, rtol=1e-4):
    """Check every node of `root`'s graph on its own against central differences of its op.

    For each node with parents and each of its inputs, the recorded
    `local_grads[i]` is compared with the central difference of the node's op
    at the parent values it recorded, so a wrong derivative rule is found at
    the node that has it, whatever the graph around it. Points where central
    differences are no fair estimate (a kink, a jump, the edge of the op's
    domain) are reported as not comparable, not as failures. Returns a
    `LocalCheckReport`, truthy when every comparable entry is in tolerance.
    """
    if not isinstance(root, Value):
        raise TypeError(f"check_local: root must be a Value, not {type(root).__name__}")
    eps = _finite_number("eps", eps, positive=True, caller="check_local")
    atol = _finite_number("atol", atol, positive=False, caller="check_local")
    rtol = _finite_number("rtol", rtol, positive=False, caller="check_local")
    positions = _checked_nodes([root])
    rows, not_comparable = _check_nodes(positions, eps, atol, rtol)
    return LocalCheckReport(rows, not_comparable, positions, eps=eps, atol=atol, rtol=rtol)
