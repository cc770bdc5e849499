"""`gradcheck`: analytic derivatives against central differences, with a report.

Owns the numeric oracle of the project: `gradcheck`, its report and
`GradcheckError`. Imports only `autograd`'s own modules and the standard
library; never `nn` or `viz`.

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
from collections import namedtuple

from autograd.differentiate import grad
from autograd.graph import topological_order
from autograd.value import Value

Row = namedtuple("Row", "index analytic numeric abs_err rel_err")
Row.__doc__ = "One checked entry: the analytic and numeric derivative and their errors."

_KINK_OPS = frozenset({"relu", "abs"})
_NEAR = 10.0  # an input within _NEAR * eps of a kink is too close for central differences


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
            f"gradcheck order {self.order} {self._verdict()} "
            f"(tolerance atol + rtol*|numeric| with atol={self.atol:g}, rtol={self.rtol:g}; eps={self.eps:g})",
            f"  {'entry':<22} {'analytic':>16} {'numeric':>16} {'abs_err':>10} {'rel_err':>10}",
        ]
        for row in self.rows:
            mark = "" if self.within_tolerance(row) else "  <-- FAIL"
            lines.append(
                f"  {self.entry_name(row.index):<22} {row.analytic:>16.9g} {row.numeric:>16.9g} "
                f"{row.abs_err:>10.3g} {row.rel_err:>10.3g}{mark}"
            )
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)

    def __repr__(self):
        # One line, the failing entries and the first note first: pytest escapes
        # newlines in a repr and, without -vv, cuts it in the middle at 240 characters.
        if self:
            return f"<gradcheck order {self.order} passed: {len(self.rows)} entries in tolerance>"
        shown = "; ".join(
            f"{self.entry_name(row.index)} analytic {row.analytic:.9g} numeric {row.numeric:.9g}"
            for row in self.failures[:2]
        )
        more = f"; {len(self.failures) - 2} more" if len(self.failures) > 2 else ""
        note = f"; {self.notes[0]}" if self.notes else ""
        return (
            f"<gradcheck order {self.order} FAILED, {len(self.failures)} of {len(self.rows)} entries: "
            f"{shown}{more}{note}; print(report) shows the table>"
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


def _finite_number(name, value, *, positive):
    """`value` as a float, refused unless finite and >= 0 (> 0 when `positive`)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"gradcheck: {name} must be a number, not {type(value).__name__}: {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"gradcheck: {name} must be a finite number, got {value!r}")
    if positive and not value > 0.0:
        raise ValueError(f"gradcheck: {name} must be > 0, got {value!r}")
    if value < 0.0:
        raise ValueError(f"gradcheck: {name} must be >= 0, got {value!r}")
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


def _kinks(output, names_of, eps):
    """Notes on nodes sitting on a kink, or too close to one for the step eps, where one-sided slopes differ."""
    notes = []
    for node in topological_order(output):
        if node.op in _KINK_OPS:
            at = node.parents[0].data
            where = names_of.get(node.parents[0]) or node.parents[0].label
            where = f"{where} = {at:g}" if where else f"input {at:g}"
            if at == 0.0:
                notes.append(
                    f"{node.op} at its kink ({where}): {node.op}'(0) = 0 is a convention, "
                    f"central differences average the two one-sided slopes"
                )
            elif abs(at) < _NEAR * eps:
                notes.append(
                    f"{node.op} within {_NEAR:g} eps of its kink at 0 ({where}): central differences "
                    f"straddle it; use a smaller eps or a point further from 0"
                )
        elif node.op == "sqrt" and node.data == 0.0:
            notes.append("sqrt is evaluated at 0, where its derivative is infinite")
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
        report.notes.extend(_kinks(output, {v: n for v, n in zip(variables, names)}, eps))
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
