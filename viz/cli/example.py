"""`tracegrad example` (the default command): the worked example of `nn.worked_example`, step by step.

Prints the forward pass, every partial derivative of E_total, the chain rule
for chosen weights, the weights after one step, the error after --steps, and
writes the drawing.
"""

from rich.markup import escape
from rich.table import Table

from nn import worked_example as example
from viz import explain, render, to_html
from viz.cli import common
from viz.cli.common import number, option
from viz.dot import DRAWING_DIGITS, VIEWS
from viz.render import FORMATS, check_output
from viz.worked_example import neuron_groups

HTML_SUFFIXES = (".html", ".htm")
TABLE_DIGITS = 9  # significant digits in the tables and explanations unless --digits says otherwise
EXPLAIN_WIDTH = 100  # columns

# Printed under --order published: what the post did that exact gradient descent does not.
WHY_PUBLISHED_DIFFERS = (
    "The post's later figures come from computing the hidden-layer gradients with the output weights "
    "already updated in the same step (its own text says to use the original weights), while exact "
    "gradient descent, which backprop computes, takes every gradient of a step at the weights the step "
    "started with."
)

OPTIONS = (
    option("--steps", type=common.positive(int), default=10_000, help="training steps"),
    option("--lr", type=common.positive(float), default=example.LEARNING_RATE, help="learning rate, > 0"),
    option("--train-biases", action="store_true", help="train b1 and b2 too (the post does not)"),
    option(
        "--order",
        choices=example.ORDERS,
        default="exact",
        help="exact: gradient descent; published: the order behind the post's later figures",
    ),
    option("--explain", action="append", default=[], metavar="NODE", help="also explain dE_total/dNODE (e.g. w3)"),
    common.digits_option(TABLE_DIGITS, DRAWING_DIGITS),
    option(
        "--highlight",
        metavar="NODE",
        help="draw the paths from NODE to E_total in colour, as explain walks them (default: the first --explain NODE)",
    ),
    option(
        "--out",
        help="the drawing: .svg, .png, .pdf, .dot (default ./worked_example.svg; with --html only when given)",
    ),
    option(
        "--html",
        metavar="FILE",
        help="also write the page that steps through the forward and backward pass in a browser (.html)",
    ),
    option(
        "--view",
        choices=VIEWS,
        default="graph",
        help="graph: every value a box (default); network: neurons as nodes, weights on the arrows",
    ),
)


def _table(title):
    # At least as wide as its title, so a short table does not wrap its title over several lines.
    return Table(title=title, min_width=len(title))


def _weights_table(title, before, afters, digits, caption=None):
    """The weights `before` a step, then one column per (heading, weights after) in `afters`."""
    table = _table(title)
    table.caption = caption
    table.add_column("weight")
    table.add_column("before", justify="right")
    for heading, _ in afters:
        table.add_column(heading, justify="right")
    for name, value in before.items():
        table.add_row(name, number(value, digits), *[number(after[name], digits) for _, after in afters])
    return table


def _print_passes(out, graph, digits):
    """The forward pass, the errors and the backward pass's partials, as tables."""
    forward = _table("Forward pass")
    forward.add_column("neuron")
    forward.add_column("net", justify="right")
    forward.add_column("out = sigmoid(net)", justify="right")
    for neuron in ("h1", "h2", "o1", "o2"):
        forward.add_row(
            neuron,
            number(graph[f"net_{neuron}"].data, digits),
            number(graph[f"out_{neuron}"].data, digits),
        )
    out.print(forward)
    for name in ("E_o1", "E_o2", "E_total"):
        out.print(f"  {name:<8} = {number(graph[name].data, digits)}")

    partials = _table("Backward pass: every partial derivative of E_total")
    partials.add_column("node")
    partials.add_column("value", justify="right")
    partials.add_column("dE_total/d(node)", justify="right")
    for label in example.LABELS:
        if not label.startswith(("i", "target")):
            node = graph[label]
            partials.add_row(label, number(node.data, digits), number(node.grad, digits))
    out.print(partials)


def _print_training(out, args, digits):
    """The weights after one step, then the error after one step and after --steps, as nn.worked_example trains."""
    options = {"learning_rate": args.lr, "train_biases": args.train_biases}
    exact = example.train(1, **options)
    one = exact if args.order == "exact" else example.train(1, order=args.order, **options)
    if args.order == "published":
        title = f"One step of w - {args.lr} * dE_total/dw, exact and in the post's published order"
        afters = [("exact gradient descent", exact.weights), ("published order", one.weights)]
        caption = "published order: output weights first, then hidden-layer gradients with them"
        out.print(_weights_table(title, example.INITIAL_WEIGHTS, afters, digits, caption))
    else:
        title = f"One step of exact gradient descent: w - {args.lr} * dE_total/dw"
        out.print(_weights_table(title, example.INITIAL_WEIGHTS, [("after", exact.weights)], digits))
    many = example.train(args.steps, order=args.order, **options)
    how = "the post's published order" if args.order == "published" else "exact gradient descent"
    out.print(f"Training with {how}" + (", biases too" if args.train_biases else "") + ":")
    steps = "step" if args.steps == 1 else "steps"
    out.print(f"  E_total before training  = {number(one.initial_error, digits)}")
    out.print(f"  E_total after 1 step     = {number(one.error, digits)}")
    out.print(
        f"  E_total after {args.steps} {steps} = {number(many.error, digits)}; outputs "
        f"{number(many.outputs[0], digits)} and {number(many.outputs[1], digits)} for targets "
        f"{example.TARGETS['o1']} and {example.TARGETS['o2']}",
    )
    if args.order == "published":
        out.print(f"[italic]Why these differ from exact backprop:[/italic] {escape(WHY_PUBLISHED_DIFFERS)}")
    elif args.lr == example.LEARNING_RATE and not args.train_biases:
        published = example.PUBLISHED_LATER["E_total after 1 step"]
        out.print(
            f"The post itself prints {published} after one step: see --order published for why it differs.",
        )


def run_example(args):
    explained = list(dict.fromkeys(["w5", "w1", *args.explain]))
    unknown = [name for name in explained if name not in example.LABELS]
    if unknown:
        raise common.UsageError(
            f"--explain: no node labelled {unknown[0]!r}; the labels are {', '.join(example.LABELS)}"
        )
    highlighted = args.highlight if args.highlight is not None else next(iter(args.explain), None)
    if highlighted is not None and highlighted not in example.LABELS:
        raise common.UsageError(
            f"--highlight: no node labelled {highlighted!r}; the labels are {', '.join(example.LABELS)}"
        )
    digits = TABLE_DIGITS if args.digits is None else args.digits
    drawing_digits = DRAWING_DIGITS if args.digits is None else args.digits
    if args.out is None and args.html is None:
        args.out = "worked_example.svg"
    if args.out is not None:
        common.check_output_file(args.out, "--out", FORMATS)
        check_output(args.out)
    if args.html is not None:
        common.check_output_file(args.html, "--html", HTML_SUFFIXES)
    out = common.console()
    graph = example.labelled_graph(backward=True)
    root = graph["E_total"]

    out.print("[bold]The worked example[/bold]: a 2-2-2 sigmoid network, one training pair, squared error.")
    out.print(
        f"inputs i1 = {example.INPUTS['i1']}, i2 = {example.INPUTS['i2']}; targets {example.TARGETS['o1']} and "
        f"{example.TARGETS['o2']}; learning rate {args.lr}; b1 and b2 are each shared by a layer's two neurons.",
    )
    _print_passes(out, graph, digits)
    for name in explained:
        # Never wider than 100 columns, nor than the terminal: explain breaks its own lines, aligned.
        width = max(40, min(EXPLAIN_WIDTH, out.width))
        out.print(explain(root, graph[name], digits=digits, width=width), markup=False, soft_wrap=True)
        out.print()
    _print_training(out, args, digits)

    if args.out is not None:
        highlight = graph[highlighted] if highlighted is not None else None
        path = render(
            root,
            args.out,
            groups=neuron_groups(graph),
            digits=drawing_digits,
            view=args.view,
            highlight=highlight,
        )
        out.print(f"drawing written to {escape(str(path))}")
    if args.html is not None:
        path = to_html(root, args.html, digits=digits, title="The worked example, step by step")
        out.print(f"step-by-step page written to {escape(str(path))}")
    return common.EXIT_OK


def add_parser(commands):
    common.add_command(
        commands,
        "example",
        OPTIONS,
        run_example,
        help="the worked example, step by step (the default)",
        description=(
            "The classic step-by-step backpropagation example: the forward pass, every partial derivative\n"
            "of E_total, the chain rule for w5, w1 and each --explain NODE, the weights after one step, the\n"
            "error after one step and after --steps, and the drawing (./worked_example.svg, or --out)."
        ),
        epilog=(
            "example: tracegrad example --order published --explain w1 --out graph.svg\n"
            "         tracegrad example --html steps.html   (then open it in a browser)"
        ),
    )
