"""`tracegrad draw` and `tracegrad gradcheck`: an expression typed by the user, drawn or checked.

Both parse EXPR with `viz.expression` (never eval'd). Their options are
declared once, in DRAW_OPTIONS and GRADCHECK_OPTIONS, which both the parser
and the EXPR finder of `viz.cli` read.
"""

import contextlib

from rich.markup import escape
from rich.table import Table

from autograd import Value, detect_anomaly, gradcheck
from viz import render, to_html
from viz.cli.common import (
    EXIT_CHECK_FAILED,
    EXIT_OK,
    UsageError,
    add_command,
    check_output_file,
    console,
    digits_option,
    number,
    number_in,
    option,
)
from viz.dot import DRAWING_DIGITS, VIEWS
from viz.expression import FUNCTIONS, Expression, parse_assignments
from viz.render import FORMATS, check_output

HTML_SUFFIXES = (".html", ".htm")
TABLE_DIGITS = 9  # significant digits in the table unless --digits says otherwise

_EXPRESSION = option(
    "expression",
    metavar="EXPR",
    help="an expression in the variables, e.g. 'log(1 + exp(-y*s))'; + - * / %% **, unary -, and "
    + ", ".join(FUNCTIONS),
)
_ASSIGNMENTS = option("assignments", metavar="NAME=VALUE", nargs="*", help="a value for each variable, e.g. x=0.5")
_ANOMALY = option(
    "--anomaly",
    action="store_true",
    help="stop at the first NaN or infinity, forward or backward, naming the op or edge that made it",
)

DRAW_OPTIONS = (
    _EXPRESSION,
    _ASSIGNMENTS,
    option(
        "-o",
        "--out",
        help="the drawing: .svg, .png, .pdf, .dot, .gv (default expression.svg; with --html only when given)",
    ),
    option("--html", metavar="FILE", help="also write the page that steps through the passes (.html)"),
    digits_option(TABLE_DIGITS, DRAWING_DIGITS),
    option(
        "--view",
        choices=VIEWS,
        default="graph",
        help="graph: every value a box (default); network: neurons as nodes, weights on the arrows "
        "(an expression without neurons is drawn as a graph)",
    ),
    _ANOMALY,
    option(
        "--highlight",
        metavar="NAME",
        help="draw the paths from the variable NAME to the result in colour, as explain walks them",
    ),
)

GRADCHECK_OPTIONS = (
    _EXPRESSION,
    _ASSIGNMENTS,
    option("--order", type=int, choices=(1, 2), default=1, help="1: the gradient, 2: the Hessian"),
    option("--eps", type=number_in(float, low=0, low_open=True), default=1e-6, help="finite-difference step, > 0"),
    option("--atol", type=number_in(float, low=0), default=1e-6, help="absolute tolerance, >= 0"),
    option("--rtol", type=number_in(float, low=0), default=1e-4, help="relative tolerance, >= 0"),
    _ANOMALY,
)


def _expression_and_values(args):
    expression = Expression(args.expression)
    values = parse_assignments(args.assignments)
    unknown = [name for name in values if name not in expression.variables]
    if unknown:
        raise UsageError(f"{', '.join(unknown)} not used in the expression {expression.text!r}")
    return expression, values


def _anomaly_mode(args):
    """detect_anomaly() with --anomaly: an AnomalyError is one of the user errors main reports with exit 2."""
    return detect_anomaly() if args.anomaly else contextlib.nullcontext()


def run_draw(args):
    if args.out is None and args.html is None:
        args.out = "expression.svg"
    if args.out is not None:
        check_output_file(args.out, "-o/--out", FORMATS)
        check_output(args.out)
    if args.html is not None:
        check_output_file(args.html, "--html", HTML_SUFFIXES)
    expression, values = _expression_and_values(args)
    if args.highlight is not None and args.highlight not in expression.variables:
        raise UsageError(
            f"--highlight: {args.highlight!r} is not a variable of {expression.text!r}; "
            f"its variables are {', '.join(expression.variables) or 'none'}"
        )
    with _anomaly_mode(args):
        root, leaves = expression.evaluate_with_leaves(values)
        if root.parents:
            # Not when the expression is a variable ("x", "+x", "(x)") or a number: that would rename it.
            root.label = expression.text
        root.backward()
    out = console()
    text = escape(expression.text)
    digits = TABLE_DIGITS if args.digits is None else args.digits
    table = Table(title=f"{text} = {number(root.data, digits)}")
    table.add_column("variable")
    table.add_column("value", justify="right")
    table.add_column(f"d({text})/d(variable)", justify="right")
    for name, node in leaves.items():
        table.add_row(name, number(node.data, digits), number(node.grad, digits))
    out.print(table)
    if args.out is not None:
        highlight = leaves.get(args.highlight) if args.highlight is not None else None
        drawing_digits = DRAWING_DIGITS if args.digits is None else args.digits
        path = render(root, args.out, digits=drawing_digits, view=args.view, highlight=highlight)
        out.print(f"drawing written to {escape(str(path))}")
    if args.html is not None:
        path = to_html(root, args.html, digits=digits)
        out.print(f"step-by-step page written to {escape(str(path))}")
    return EXIT_OK


def run_gradcheck(args):
    expression, values = _expression_and_values(args)
    names = expression.variables
    if not names:
        raise UsageError(f"{expression.text!r} has no variables, so there is no derivative to check")

    def fn(*nodes):
        return expression.evaluate(dict(zip(names, nodes)))

    with _anomaly_mode(args):
        # Evaluate once first, so a missing value or a domain error reads as the user's mistake.
        expression.evaluate_with_leaves(values)
        inputs = [values[name] for name in names]
        report = gradcheck(
            fn,
            [Value(x, label=name) for x, name in zip(inputs, names)],
            eps=args.eps,
            atol=args.atol,
            rtol=args.rtol,
            order=args.order,
        )
    print(report)
    return EXIT_OK if report else EXIT_CHECK_FAILED


def add_parsers(commands):
    # No abbreviated options, so that the EXPR finder can tell EXPR from them.
    add_command(
        commands,
        "draw",
        DRAW_OPTIONS,
        run_draw,
        help="draw an expression's graph with every value, gradient and local derivative",
        description=(
            "Parse EXPR (never eval'd), run backward, print each variable's gradient and write the drawing\n"
            "to ./expression.svg, or where -o says. EXPR may start with '-' ('-x'), or come after '--'."
        ),
        epilog=(
            "example: tracegrad draw 'tanh(x*w + b)' x=0.5 w=-1 b=0.2 -o neuron.svg\n"
            "         tracegrad draw 'tanh(x*w + b)' x=0.5 w=-1 b=0.2 --html neuron.html\n"
            "         tracegrad draw '-log(x)' x=2"
        ),
        allow_abbrev=False,
    )

    add_command(
        commands,
        "gradcheck",
        GRADCHECK_OPTIONS,
        run_gradcheck,
        help="compare an expression's derivatives with central differences",
        description=(
            "Compare every derivative of EXPR (order 1) or every second derivative (order 2) with central\n"
            "differences; one passes when |analytic - numeric| <= atol + rtol * |numeric|. Exit code 0 when\n"
            "all pass, 1 when one does not. EXPR may start with '-' ('-log(x)'), or come after '--'."
        ),
        epilog="example: tracegrad gradcheck 'relu(x)' x=0   (fails: relu has a kink at 0)",
        allow_abbrev=False,
    )
