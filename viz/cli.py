"""The `tracegrad` command line (also `python -m viz`).

Owns argument parsing and terminal output (rich tables and progress bars,
matplotlib plots). Sits on top of everything: imports `autograd`, `nn` and
`viz`; nothing imports it.

Subcommands: `example` (the default: the worked example step by step),
`train`, `draw` and `gradcheck`. Every user mistake prints one line on stderr
and exits with a non-zero code; only `gradcheck` uses exit code 1, for a
failed check.
"""

import argparse
import io
import random
import sys
from pathlib import Path

from matplotlib.figure import Figure
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from autograd import DomainError, Value, gradcheck, no_grad, topological_order
from nn import DATASETS, MLP, SGD, Adam, fit
from nn import worked_example as example
from nn.training import LOSSES, predict
from viz import explain, render
from viz.expression import Expression, ExpressionError, parse_assignments
from viz.render import GraphvizNotFoundError, RenderError, write_atomic

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """A mistake of the user's: reported as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line on stderr and exit code 2."""

    def error(self, message):
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def _console():
    return Console(highlight=False)


def _number(x, digits):
    return f"{x:.{digits}f}" if abs(x) >= 10.0**-digits or x == 0.0 else f"{x:.{digits}e}"


# ---------------------------------------------------------------- draw / gradcheck


def _expression_and_values(args):
    expression = Expression(args.expression)
    values = parse_assignments(args.assignments)
    unknown = [name for name in values if name not in expression.variables]
    if unknown:
        raise UsageError(f"{', '.join(unknown)} not used in the expression {expression.text!r}")
    return expression, values


def run_draw(args):
    expression, values = _expression_and_values(args)
    root = expression.evaluate(values)
    root.label = expression.text
    root.backward()
    leaves = {}
    # The variables are the expression's leaves with those names.
    for node in _leaves(root):
        if node.label in values:
            leaves[node.label] = node
    console = _console()
    table = Table(title=f"{expression.text} = {_number(root.data, args.digits)}")
    table.add_column("variable")
    table.add_column("value", justify="right")
    table.add_column(f"d({expression.text})/d(variable)", justify="right")
    for name in expression.variables:
        node = leaves[name]
        table.add_row(name, _number(node.data, args.digits), _number(node.grad, args.digits))
    console.print(table)
    path = render(root, args.out)
    console.print(f"drawing written to {path}")
    return EXIT_OK


def _leaves(root):
    return [node for node in topological_order(root) if not node.parents]


def run_gradcheck(args):
    expression, values = _expression_and_values(args)
    names = expression.variables

    def fn(*nodes):
        return expression.evaluate(dict(zip(names, nodes)))

    inputs = [values[name] for name in names]
    # Evaluate once first, so a domain error reads as the user's mistake.
    fn(*inputs)
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


# ---------------------------------------------------------------- example


def _weights_table(title, weights, digits, before=None):
    table = Table(title=title)
    table.add_column("weight")
    if before is not None:
        table.add_column("before", justify="right")
    table.add_column("after" if before is not None else "value", justify="right")
    for name, number in weights.items():
        cells = [name] + ([_number(before[name], digits)] if before is not None else []) + [_number(number, digits)]
        table.add_row(*cells)
    return table


def run_example(args):
    console = _console()
    digits = args.digits
    graph = example.labelled_graph()
    root = graph["E_total"]

    console.print("[bold]The worked example[/bold]: a 2-2-2 sigmoid network, one training pair, squared error.")
    console.print(
        f"inputs i1 = {example.INPUTS['i1']}, i2 = {example.INPUTS['i2']}; targets {example.TARGETS['o1']} and "
        f"{example.TARGETS['o2']}; learning rate {args.lr}; b1 and b2 are each shared by a layer's two neurons."
    )

    forward = Table(title="Forward pass")
    forward.add_column("neuron")
    forward.add_column("net", justify="right")
    forward.add_column("out = sigmoid(net)", justify="right")
    for neuron in ("h1", "h2", "o1", "o2"):
        forward.add_row(
            neuron, _number(graph[f"net_{neuron}"].data, digits), _number(graph[f"out_{neuron}"].data, digits)
        )
    console.print(forward)
    for name in ("E_o1", "E_o2", "E_total"):
        console.print(f"  {name:<8} = {_number(graph[name].data, digits)}")

    partials = Table(title="Backward pass: every partial derivative of E_total")
    partials.add_column("node")
    partials.add_column("value", justify="right")
    partials.add_column("dE_total/d(node)", justify="right")
    for label in example.LABELS:
        if not label.startswith(("i", "target")):
            node = graph[label]
            partials.add_row(label, _number(node.data, digits), _number(node.grad, digits))
    console.print(partials)

    for name in ["w5", "w1", *args.explain]:
        if name not in graph:
            raise UsageError(f"tracegrad: --explain: no node labelled {name!r}; the labels are {', '.join(graph)}")
        console.print(explain(root, graph[name]), markup=False, soft_wrap=True)
        console.print()

    weights = {name: graph[name].data for name in example.INITIAL_WEIGHTS}
    trainable = [name for name in weights if name.startswith("w") or args.train_biases]
    updated = {
        name: weights[name] - args.lr * graph[name].grad if name in trainable else weights[name] for name in weights
    }
    console.print(
        _weights_table(f"One step of gradient descent: w - {args.lr} * dE_total/dw", updated, digits, weights)
    )

    one = example.train(1, learning_rate=args.lr, order=args.order, train_biases=args.train_biases)
    many = example.train(args.steps, learning_rate=args.lr, order=args.order, train_biases=args.train_biases)
    how = "the post's published order" if args.order == "published" else "exact gradient descent"
    console.print(f"Training with {how}" + (", biases too" if args.train_biases else "") + ":")
    console.print(f"  E_total before training  = {_number(one.initial_error, digits)}")
    console.print(f"  E_total after 1 step     = {_number(one.error, digits)}")
    console.print(
        f"  E_total after {args.steps} steps = {_number(many.error, digits)} ({many.error:.8e}); outputs "
        f"{_number(many.outputs[0], digits)} and {_number(many.outputs[1], digits)} for targets "
        f"{example.TARGETS['o1']} and {example.TARGETS['o2']}"
    )
    if args.order == "published":
        console.print(f"[italic]Why these differ from exact backprop:[/italic] {example.WHY_PUBLISHED_DIFFERS}")
    else:
        console.print("The post itself prints 0.291027924 after one step: see --order published for why it differs.")

    path = render(root, args.out, groups=example.neuron_groups(graph))
    console.print(f"drawing written to {path}")
    return EXIT_OK


# ---------------------------------------------------------------- train


def _layer_sizes(text):
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 16,16, got {text!r}") from None
    if not sizes or any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"expected positive layer sizes like 16,16, got {text!r}")
    return sizes


def _positive(kind):
    def parse(text):
        try:
            number = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}") from None
        if not number > 0:
            raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
        return number

    return parse


def _targets_for(loss, labels):
    """Labels as the loss wants them: the data sets give -1/+1 (or class indices for spirals)."""
    if loss == "binary_cross_entropy":
        return [(y + 1) // 2 for y in labels]
    if loss == "cross_entropy" and min(labels) < 0:
        return [(y + 1) // 2 for y in labels]
    return labels


def run_train(args):
    console = _console()
    rng = random.Random(args.seed)
    points, labels = DATASETS[args.dataset](args.samples, rng=rng)
    loss = args.loss or ("cross_entropy" if args.dataset == "spirals" else "hinge")
    targets = _targets_for(loss, labels)
    classes = len(set(targets))
    outputs = classes if loss == "cross_entropy" else 1
    output_activation = "sigmoid" if loss == "binary_cross_entropy" else "linear"
    model = MLP(2, [*args.layers, outputs], args.activation, output_activation, rng=rng)
    if args.load:
        model.load(args.load)
        console.print(f"weights loaded from {args.load}")
    parameters = model.parameters()
    if args.optimizer == "adam":
        optimizer = Adam(parameters, lr=args.lr)
    else:
        optimizer = SGD(parameters, lr=args.lr, momentum=args.momentum)
    inputs = [list(point) for point in points]
    console.print(
        f"training {model!r} on {args.samples} {args.dataset} points: loss {loss}, {args.optimizer} "
        f"lr {args.lr}, {args.epochs} epochs, seed {args.seed}"
    )
    history = []
    columns = (
        TextColumn("epoch {task.completed}/{task.total}"),
        BarColumn(),
        TextColumn("loss {task.fields[loss]}  accuracy {task.fields[accuracy]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("train", total=args.epochs, loss="-", accuracy="-")

        def report(epoch):
            history.append(epoch)
            accuracy = "-" if epoch.accuracy is None else f"{epoch.accuracy:.0%}"
            progress.update(task, advance=1, loss=f"{epoch.loss:.4f}", accuracy=accuracy)

        fit(
            model,
            inputs,
            targets,
            loss=loss,
            optimizer=optimizer,
            epochs=args.epochs,
            batch_size=args.batch_size,
            callback=report,
            l2=args.l2,
            rng=rng,
        )
    if history:
        last = history[-1]
        accuracy = "n/a" if last.accuracy is None else f"{last.accuracy:.1%}"
        console.print(f"final epoch: loss {last.loss:.6f}, training accuracy {accuracy}")
    if args.save:
        model.save(args.save)
        console.print(f"weights saved to {args.save}")
    stem = args.plots / args.dataset
    loss_path = _save_figure(_loss_figure(history, loss), stem.with_name(f"{args.dataset}_loss.png"))
    console.print(f"loss curve written to {loss_path}")
    if loss != "mse":
        boundary = _boundary_figure(model, points, targets, loss, args.dataset)
        boundary_path = _save_figure(boundary, stem.with_name(f"{args.dataset}_boundary.png"))
        console.print(f"decision boundary written to {boundary_path}")
    return EXIT_OK


def _loss_figure(history, loss):
    figure = Figure(figsize=(6, 4), dpi=100)
    axes = figure.add_subplot()
    axes.plot([epoch.epoch + 1 for epoch in history], [epoch.loss for epoch in history], color="#1f77b4")
    axes.set_xlabel("epoch")
    axes.set_ylabel(f"{loss} loss (+ L2)")
    axes.set_title("Training loss")
    axes.grid(True, alpha=0.3)
    if history and all(epoch.accuracy is not None for epoch in history):
        twin = axes.twinx()
        twin.plot([epoch.epoch + 1 for epoch in history], [epoch.accuracy for epoch in history], color="#2ca02c")
        twin.set_ylabel("training accuracy", color="#2ca02c")
        twin.set_ylim(0, 1.05)
    figure.tight_layout()
    return figure


def _boundary_figure(model, points, targets, loss, dataset, resolution=60):
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    margin = 0.5
    x_low, x_high = min(xs) - margin, max(xs) + margin
    y_low, y_high = min(ys) - margin, max(ys) + margin
    grid_x = [x_low + (x_high - x_low) * i / (resolution - 1) for i in range(resolution)]
    grid_y = [y_low + (y_high - y_low) * j / (resolution - 1) for j in range(resolution)]
    with no_grad():
        classes = [[predict(loss, model([x, y])) for x in grid_x] for y in grid_y]
    figure = Figure(figsize=(5.5, 5), dpi=100)
    axes = figure.add_subplot()
    axes.contourf(grid_x, grid_y, classes, alpha=0.35, cmap="coolwarm")
    axes.scatter(xs, ys, c=targets, cmap="coolwarm", edgecolors="black", linewidths=0.5, s=25)
    axes.set_title(f"Decision boundary on {dataset}")
    axes.set_aspect("equal")
    figure.tight_layout()
    return figure


def _save_figure(figure, path):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    write_atomic(path, buffer.getvalue())
    return path


# ---------------------------------------------------------------- the parser


def build_parser():
    parser = _Parser(
        prog="tracegrad",
        description="A scalar autograd engine you can see. With no subcommand, runs the worked example.",
    )
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    worked = commands.add_parser(
        "example",
        help="the worked example, step by step (the default)",
        description=(
            "The classic step-by-step backpropagation example: forward pass, every partial derivative of "
            "E_total, the updated weights, the error after one step and after --steps, and the drawing."
        ),
        epilog="example: tracegrad example --order published --explain w1 --out graph.svg",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    worked.add_argument("--steps", type=_positive(int), default=10_000, help="training steps (default 10000)")
    worked.add_argument("--lr", type=_positive(float), default=example.LEARNING_RATE, help="learning rate (0.5)")
    worked.add_argument("--train-biases", action="store_true", help="train b1 and b2 too (the post does not)")
    worked.add_argument(
        "--order",
        choices=example.ORDERS,
        default="exact",
        help="exact gradient descent (default), or the order behind the post's published later figures",
    )
    worked.add_argument(
        "--explain", action="append", default=[], metavar="NODE", help="also explain dE_total/dNODE (e.g. w3)"
    )
    worked.add_argument("--digits", type=_digits, default=9, help="decimal places shown (default 9)")
    worked.add_argument("--out", default="worked_example.svg", help="the drawing (default ./worked_example.svg)")
    worked.set_defaults(run=run_example)

    train = commands.add_parser(
        "train",
        help="train an MLP on a built-in data set, with a progress bar and plots",
        description="Train an MLP; at the end write a loss curve and a decision boundary as PNG.",
        epilog="example: tracegrad train moons --layers 16,16 --epochs 100 --save moons.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    train.add_argument("dataset", choices=sorted(DATASETS), metavar="DATASET", help=", ".join(sorted(DATASETS)))
    train.add_argument("--samples", type=_positive(int), default=100, help="number of points (default 100)")
    train.add_argument("--layers", type=_layer_sizes, default=[16, 16], help="hidden layer sizes (default 16,16)")
    train.add_argument("--activation", choices=("relu", "tanh", "sigmoid", "linear"), default="relu")
    train.add_argument("--loss", choices=LOSSES, help="default: hinge (cross_entropy for spirals)")
    train.add_argument("--optimizer", choices=("sgd", "adam"), default="adam")
    train.add_argument("--lr", type=_positive(float), default=0.05, help="learning rate (default 0.05)")
    train.add_argument("--momentum", type=float, default=0.0, help="SGD momentum (default 0)")
    train.add_argument("--epochs", type=_positive(int), default=100, help="passes over the data (default 100)")
    train.add_argument("--batch-size", type=_positive(int), help="examples per update (default: all)")
    train.add_argument("--l2", type=float, default=1e-4, help="L2 penalty on the weights (default 1e-4)")
    train.add_argument("--seed", type=int, default=0, help="seed of the data and the initial weights")
    train.add_argument("--save", metavar="PATH", help="write the trained weights as JSON")
    train.add_argument("--load", metavar="PATH", help="start from weights saved by --save")
    train.add_argument("--plots", type=Path, default=Path("."), help="directory for the PNG plots (default .)")
    train.set_defaults(run=run_train)

    draw = commands.add_parser(
        "draw",
        help="draw an expression's graph with every value, gradient and local derivative",
        description="Parse EXPR (never eval'd), run backward, print each variable's gradient and write the drawing.",
        epilog="example: tracegrad draw 'tanh(x*w + b)' x=0.5 w=-1 b=0.2 -o neuron.svg",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    draw.add_argument("expression", metavar="EXPR", help="e.g. 'log(1 + exp(-y*s))'")
    draw.add_argument("assignments", metavar="NAME=VALUE", nargs="*", help="a value for each variable")
    draw.add_argument("-o", "--out", default="expression.svg", help="output file: .svg, .png, .pdf, .dot")
    draw.add_argument("--digits", type=_digits, default=9, help="decimal places shown (default 9)")
    draw.set_defaults(run=run_draw)

    check = commands.add_parser(
        "gradcheck",
        help="compare an expression's derivatives with central differences",
        description="Exit code 0 when every derivative matches its numeric estimate, 1 when one does not.",
        epilog="example: tracegrad gradcheck 'relu(x)' x=0   (fails: relu has a kink at 0)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("expression", metavar="EXPR")
    check.add_argument("assignments", metavar="NAME=VALUE", nargs="*")
    check.add_argument("--order", type=int, choices=(1, 2), default=1, help="1: gradient, 2: Hessian")
    check.add_argument("--eps", type=float, default=1e-6, help="finite-difference step (default 1e-6)")
    check.add_argument("--atol", type=float, default=1e-6)
    check.add_argument("--rtol", type=float, default=1e-4)
    check.set_defaults(run=run_gradcheck)
    return parser


def _digits(text):
    try:
        digits = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of digits, got {text!r}") from None
    if not 1 <= digits <= 17:
        raise argparse.ArgumentTypeError(f"digits must be between 1 and 17, got {digits}")
    return digits


def main(argv=None):
    """Run the command line; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv or ["example"])
        return args.run(args)
    except UsageError as error:
        print(error, file=sys.stderr)
    except (ExpressionError, DomainError, GraphvizNotFoundError, RenderError) as error:
        print(f"tracegrad: {error}", file=sys.stderr)
    except OSError as error:
        print(f"tracegrad: {error.filename or ''}: {error.strerror or error}", file=sys.stderr)
    except ValueError as error:
        print(f"tracegrad: {error}", file=sys.stderr)
    return EXIT_USAGE
