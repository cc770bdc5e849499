"""The `tracegrad` command line (also `python -m viz`).

Owns argument parsing and terminal output (rich tables and progress bars,
matplotlib plots). Sits on top of everything: imports `autograd`, `nn` and
`viz`; nothing imports it.

Subcommands: `example` (the default: the worked example step by step),
`train`, `draw` and `gradcheck`. Every user mistake prints one line on stderr,
starting with `tracegrad <command>: `, and exits with code 2; only `gradcheck`
uses exit code 1, for a failed check, and Ctrl-C exits with 130 (`train` still
saves and plots what it has trained). Output paths are checked before any work.
"""

import argparse
import io
import os
import random
import sys
from pathlib import Path

from matplotlib.figure import Figure
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from autograd import Value, gradcheck, no_grad
from nn import DATASETS, MLP, SGD, Adam, fit
from nn import worked_example as example
from nn.module import write_atomically
from nn.training import LOSSES, predict
from viz import explain, render
from viz.expression import Expression, parse_assignments
from viz.render import FORMATS, GraphvizNotFoundError, RenderError, check_output

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports after Ctrl-C

# From this size on, the tables show numbers as 1.000000000e+308 rather than in all their digits.
_LARGE = 1e15

# The options of draw and gradcheck that take a value (keep in step with build_parser): knowing them
# lets _positionals_last find EXPR even when it starts with "-", as "-x" or "-log(x)" do.
_VALUE_OPTIONS = {
    "draw": ("-o", "--out", "--digits"),
    "gradcheck": ("--order", "--eps", "--atol", "--rtol"),
}


class UsageError(Exception):
    """A mistake of the user's: reported as one line, `tracegrad <command>: message`, exit code 2."""


class _ArgumentError(UsageError):
    """argparse's complaint; its message already starts with the (sub)command's name."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line on stderr and exit code 2."""

    def error(self, message):
        raise _ArgumentError(f"{self.prog}: {message} (see '{self.prog} --help')")


def _console():
    return Console(highlight=False)


def _number(x, digits):
    """`x` with `digits` decimal places (0.298371109), in exponent form when tiny or huge (1.000000000e+308)."""
    if x == 0.0 or 10.0**-digits <= abs(x) < _LARGE:
        return f"{x:.{digits}f}"
    return f"{x:.{digits}e}"


# ---------------------------------------------------------------- output paths


def _check_output_file(given, option, suffixes=None):
    """Refuse, before any work, a file that could not be written; the message names the path as given."""
    path = Path(given)
    if path.is_dir():
        raise UsageError(f"{option} {given!r} is a directory; give a file name")
    if suffixes is not None and path.suffix.lower() not in suffixes:
        found = f"the suffix {path.suffix!r}" if path.suffix else "a name without a suffix"
        raise UsageError(f"{option} {given!r}: cannot tell the format from {found}; use one of {', '.join(suffixes)}")
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"{option} {given!r}: the directory {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {given!r}: the directory {str(folder)!r} is not writable")


def _check_output_directory(given, option):
    folder = Path(given)
    if not folder.is_dir():
        problem = "is a file, not a directory" if folder.exists() else "is not an existing directory"
        raise UsageError(f"{option} {str(given)!r} {problem}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {str(given)!r}: the directory is not writable")


# ---------------------------------------------------------------- draw / gradcheck


def _expression_and_values(args):
    expression = Expression(args.expression)
    values = parse_assignments(args.assignments)
    unknown = [name for name in values if name not in expression.variables]
    if unknown:
        raise UsageError(f"{', '.join(unknown)} not used in the expression {expression.text!r}")
    return expression, values


def run_draw(args):
    _check_output_file(args.out, "-o/--out", FORMATS)
    check_output(args.out)
    expression, values = _expression_and_values(args)
    root, leaves = expression.evaluate_with_leaves(values)
    if root.parents:
        # Not when the expression is a variable ("x", "+x", "(x)") or a number: that would rename it.
        root.label = expression.text
    root.backward()
    console = _console()
    text = escape(expression.text)
    table = Table(title=f"{text} = {_number(root.data, args.digits)}")
    table.add_column("variable")
    table.add_column("value", justify="right")
    table.add_column(f"d({text})/d(variable)", justify="right")
    for name, node in leaves.items():
        table.add_row(name, _number(node.data, args.digits), _number(node.grad, args.digits))
    console.print(table)
    path = render(root, args.out, digits=args.digits)
    console.print(f"drawing written to {escape(str(path))}")
    return EXIT_OK


def run_gradcheck(args):
    expression, values = _expression_and_values(args)
    names = expression.variables
    if not names:
        raise UsageError(f"{expression.text!r} has no variables, so there is no derivative to check")

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
    for name, number in before.items():
        table.add_row(name, _number(number, digits), *[_number(after[name], digits) for _, after in afters])
    return table


def run_example(args):
    explained = list(dict.fromkeys(["w5", "w1", *args.explain]))
    unknown = [name for name in explained if name not in example.LABELS]
    if unknown:
        raise UsageError(f"--explain: no node labelled {unknown[0]!r}; the labels are {', '.join(example.LABELS)}")
    _check_output_file(args.out, "--out", FORMATS)
    check_output(args.out)
    console = _console()
    digits = args.digits
    graph = example.labelled_graph()
    root = graph["E_total"]

    console.print("[bold]The worked example[/bold]: a 2-2-2 sigmoid network, one training pair, squared error.")
    console.print(
        f"inputs i1 = {example.INPUTS['i1']}, i2 = {example.INPUTS['i2']}; targets {example.TARGETS['o1']} and "
        f"{example.TARGETS['o2']}; learning rate {args.lr}; b1 and b2 are each shared by a layer's two neurons.",
        soft_wrap=True,
    )

    forward = _table("Forward pass")
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

    partials = _table("Backward pass: every partial derivative of E_total")
    partials.add_column("node")
    partials.add_column("value", justify="right")
    partials.add_column("dE_total/d(node)", justify="right")
    for label in example.LABELS:
        if not label.startswith(("i", "target")):
            node = graph[label]
            partials.add_row(label, _number(node.data, digits), _number(node.grad, digits))
    console.print(partials)

    for name in explained:
        console.print(explain(root, graph[name], digits=digits), markup=False, soft_wrap=True)
        console.print()

    weights = {name: graph[name].data for name in example.INITIAL_WEIGHTS}
    trainable = [name for name in weights if name.startswith("w") or args.train_biases]
    updated = {
        name: weights[name] - args.lr * graph[name].grad if name in trainable else weights[name] for name in weights
    }
    one = example.train(1, learning_rate=args.lr, order=args.order, train_biases=args.train_biases)
    if args.order == "published":
        title = f"One step of w - {args.lr} * dE_total/dw, exact and in the post's published order"
        afters = [("exact gradient descent", updated), ("published order", one.weights)]
        caption = "published order: output weights first, then hidden-layer gradients with them"
        console.print(_weights_table(title, weights, afters, digits, caption))
    else:
        title = f"One step of exact gradient descent: w - {args.lr} * dE_total/dw"
        console.print(_weights_table(title, weights, [("after", updated)], digits))
    many = example.train(args.steps, learning_rate=args.lr, order=args.order, train_biases=args.train_biases)
    how = "the post's published order" if args.order == "published" else "exact gradient descent"
    console.print(f"Training with {how}" + (", biases too" if args.train_biases else "") + ":")
    steps = "step" if args.steps == 1 else "steps"
    console.print(f"  E_total before training  = {_number(one.initial_error, digits)}")
    console.print(f"  E_total after 1 step     = {_number(one.error, digits)}")
    console.print(
        f"  E_total after {args.steps} {steps} = {_number(many.error, digits)} ({many.error:.8e}); outputs "
        f"{_number(many.outputs[0], digits)} and {_number(many.outputs[1], digits)} for targets "
        f"{example.TARGETS['o1']} and {example.TARGETS['o2']}",
        soft_wrap=True,
    )
    if args.order == "published":
        console.print(
            f"[italic]Why these differ from exact backprop:[/italic] {escape(example.WHY_PUBLISHED_DIFFERS)}",
            soft_wrap=True,
        )
    elif args.lr == example.LEARNING_RATE and not args.train_biases:
        published = example.PUBLISHED_LATER["E_total after 1 step"]
        console.print(
            f"The post itself prints {published} after one step: see --order published for why it differs.",
            soft_wrap=True,
        )

    path = render(root, args.out, groups=example.neuron_groups(graph), digits=digits)
    console.print(f"drawing written to {escape(str(path))}")
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


def _targets_for(loss, labels, dataset):
    """The data set's labels as `loss` wants them (see nn.training), or a UsageError before any training.

    The classes are the distinct labels in order: cross_entropy takes their
    indices 0..k-1; the one-output losses need exactly two classes, read as
    0/1 by binary_cross_entropy and as -1/+1 by hinge and mse (the sign of
    the score is the class).
    """
    classes = sorted(set(labels))
    index = {label: k for k, label in enumerate(classes)}
    if loss == "cross_entropy":
        return [index[label] for label in labels]
    if len(classes) != 2:
        raise UsageError(
            f"--loss {loss} needs exactly two classes and {dataset} has {len(classes)}; use --loss cross_entropy"
        )
    if loss == "binary_cross_entropy":
        return [index[label] for label in labels]
    return [2 * index[label] - 1 for label in labels]


def run_train(args):
    if args.save:
        _check_output_file(args.save, "--save")
    _check_output_directory(args.plots, "--plots")
    console = _console()
    rng = random.Random(args.seed)
    points, labels = DATASETS[args.dataset](args.samples, rng=rng)
    loss = args.loss or ("cross_entropy" if args.dataset == "spirals" else "hinge")
    targets = _targets_for(loss, labels, args.dataset)
    classes = len(set(targets))
    outputs = classes if loss == "cross_entropy" else 1
    output_activation = "sigmoid" if loss == "binary_cross_entropy" else "linear"
    model = MLP(2, [*args.layers, outputs], args.activation, output_activation, rng=rng)
    if args.load:
        model.load(args.load)
        console.print(f"weights loaded from {escape(args.load)}")
    parameters = model.parameters()
    if args.optimizer == "adam":
        optimizer = Adam(parameters, lr=args.lr)
    else:
        optimizer = SGD(parameters, lr=args.lr, momentum=args.momentum)
    inputs = [list(point) for point in points]
    console.print(
        f"training {escape(repr(model))} on {args.samples} {args.dataset} points: loss {loss}, {args.optimizer} "
        f"lr {args.lr}, {args.epochs} epochs, seed {args.seed}",
        soft_wrap=True,
    )
    history = []
    finished = model.state_dict()  # the weights after the last finished epoch, kept if Ctrl-C stops one midway
    interrupted = False
    columns = (
        TextColumn("epoch {task.completed}/{task.total}"),
        BarColumn(),
        TextColumn("loss {task.fields[loss]}  accuracy {task.fields[accuracy]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("train", total=args.epochs, loss="-", accuracy="-")

        def report(epoch):
            nonlocal finished
            finished = model.state_dict()
            history.append(epoch)
            accuracy = "-" if epoch.accuracy is None else f"{epoch.accuracy:.0%}"
            progress.update(task, advance=1, loss=f"{epoch.loss:.4f}", accuracy=accuracy)

        try:
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
        except KeyboardInterrupt:
            interrupted = True
            model.load_state_dict(finished)
    if interrupted:
        done = len(history)
        print(
            f"tracegrad train: training interrupted at epoch {min(done + 1, args.epochs)} of {args.epochs}; "
            f"keeping the weights after the {done} finished epoch{'' if done == 1 else 's'}",
            file=sys.stderr,
        )
    if history:
        last = history[-1]
        accuracy = "n/a" if last.accuracy is None else f"{last.accuracy:.1%}"
        console.print(f"final epoch: loss {last.loss:.6f}, training accuracy {accuracy}")
    if args.save:
        model.save(args.save)
        console.print(f"weights saved to {escape(args.save)}")
    loss_path = _save_figure(_loss_figure(history, loss), args.plots / f"{args.dataset}_loss.png")
    console.print(f"loss curve written to {escape(str(loss_path))}")
    if loss != "mse":
        boundary = _boundary_figure(model, points, targets, loss, args.dataset)
        boundary_path = _save_figure(boundary, args.plots / f"{args.dataset}_boundary.png")
        console.print(f"decision boundary written to {escape(str(boundary_path))}")
    return EXIT_INTERRUPTED if interrupted else EXIT_OK


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
    write_atomically(path, buffer.getvalue())
    return path


# ---------------------------------------------------------------- the parser


def build_parser():
    parser = _Parser(
        prog="tracegrad",
        description=(
            "A scalar autograd engine you can see. With no subcommand (or only options, as in "
            "'tracegrad --steps 5'), runs the worked example."
        ),
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
    worked.add_argument(
        "--digits",
        type=_digits,
        default=9,
        help="precision: decimal places in the tables, significant digits in the explanations and the drawing "
        "(default 9)",
    )
    worked.add_argument(
        "--out", default="worked_example.svg", help="the drawing: .svg, .png, .pdf, .dot (default ./worked_example.svg)"
    )
    worked.set_defaults(run=run_example)

    train = commands.add_parser(
        "train",
        help="train an MLP on a built-in data set, with a progress bar and plots",
        description=(
            "Train an MLP; at the end write a loss curve and a decision boundary as PNG.\n"
            "Ctrl-C stops training early and still saves and plots what was trained (exit code 130)."
        ),
        epilog="example: tracegrad train moons --layers 16,16 --epochs 100 --save moons.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    train.add_argument("dataset", choices=sorted(DATASETS), metavar="DATASET", help=", ".join(sorted(DATASETS)))
    train.add_argument("--samples", type=_positive(int), default=100, help="number of points (default 100)")
    train.add_argument("--layers", type=_layer_sizes, default=[16, 16], help="hidden layer sizes (default 16,16)")
    train.add_argument("--activation", choices=("relu", "tanh", "sigmoid", "linear"), default="relu")
    train.add_argument(
        "--loss",
        choices=LOSSES,
        help="default: hinge (cross_entropy for spirals); hinge, mse and binary_cross_entropy need two classes",
    )
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

    # draw and gradcheck: no abbreviated options, so that _positionals_last can tell EXPR from them.
    draw = commands.add_parser(
        "draw",
        help="draw an expression's graph with every value, gradient and local derivative",
        description=(
            "Parse EXPR (never eval'd), run backward, print each variable's gradient and write the drawing.\n"
            "EXPR may start with '-' ('-x'), or come after '--'."
        ),
        epilog=(
            "example: tracegrad draw 'tanh(x*w + b)' x=0.5 w=-1 b=0.2 -o neuron.svg\n"
            "         tracegrad draw '-log(x)' x=2"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    draw.add_argument("expression", metavar="EXPR", help="e.g. 'log(1 + exp(-y*s))'")
    draw.add_argument("assignments", metavar="NAME=VALUE", nargs="*", help="a value for each variable")
    draw.add_argument("-o", "--out", default="expression.svg", help="output file: .svg, .png, .pdf, .dot, .gv")
    draw.add_argument(
        "--digits",
        type=_digits,
        default=9,
        help="precision: decimal places in the table, significant digits in the drawing (default 9)",
    )
    draw.set_defaults(run=run_draw)

    check = commands.add_parser(
        "gradcheck",
        help="compare an expression's derivatives with central differences",
        description=(
            "Exit code 0 when every derivative matches its numeric estimate, 1 when one does not.\n"
            "EXPR may start with '-' ('-log(x)'), or come after '--'."
        ),
        epilog="example: tracegrad gradcheck 'relu(x)' x=0   (fails: relu has a kink at 0)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
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


def _is_option(token, value_options):
    """Whether argparse reads `token` as one of the options: -h, --out=p.svg, -op.svg (a value attached)."""
    if token in ("-h", "--help") or token.split("=", 1)[0] in value_options:
        return True
    return not token.startswith("--") and token[:2] in value_options


def _positionals_last(command, tokens):
    """What follows `draw` or `gradcheck`, reordered: the options, then `--` and EXPR with its NAME=VALUEs.

    argparse takes any token starting with "-" for an option, so it refuses the
    EXPR "-x". Here a token is an option only if it is one of the command's
    (or looks like a long option, which argparse then reports); anything else
    is positional, and the token after a `--` always is. Options may come
    before, between or after the positionals, as usual.
    """
    value_options = _VALUE_OPTIONS[command]
    options = []
    positionals = []
    remaining = iter(tokens)
    for token in remaining:
        if token == "--":
            following = next(remaining, None)
            if following is not None:
                positionals.append(following)
        elif token in value_options:
            value = next(remaining, None)
            # "--eps=-1" keeps a value that starts with "-" attached to its option.
            options.append(token if value is None else f"{token}={value}")
        elif _is_option(token, value_options) or token.startswith("--"):
            options.append(token)
        else:
            positionals.append(token)
    return options + (["--", *positionals] if positionals else [])


def _normalised(argv):
    """argv as the parser should read it: `example` when no command is named, and EXPR made safe."""
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["example", *argv]
    if argv[0] in _VALUE_OPTIONS:
        argv = [argv[0], *_positionals_last(argv[0], argv[1:])]
    return argv


def _os_error_text(error):
    reason = error.strerror or str(error)
    # For os.replace (the last step of every write) filename2 is the user's path, filename the temporary file.
    name = error.filename2 if error.filename2 is not None else error.filename
    return reason if name is None else f"{os.fsdecode(name)}: {reason}"


def main(argv=None):
    """Run the command line; returns the exit code."""
    argv = _normalised(sys.argv[1:] if argv is None else list(argv))
    prog = "tracegrad"
    try:
        args = build_parser().parse_args(argv)
        prog = f"tracegrad {args.command}"
        return args.run(args)
    except _ArgumentError as error:
        print(error, file=sys.stderr)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (UsageError, ValueError, GraphvizNotFoundError, RenderError) as error:
        # ValueError covers ExpressionError and the engine's DomainError: bad input, said in one line.
        print(f"{prog}: {error}", file=sys.stderr)
    except OSError as error:
        print(f"{prog}: {_os_error_text(error)}", file=sys.stderr)
    return EXIT_USAGE
