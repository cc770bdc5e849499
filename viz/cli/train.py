"""`tracegrad train`: an MLP trained on a built-in data set, with a progress bar, then the plots.

Ctrl-C stops training early; the weights of the last finished epoch are kept,
saved with --save and plotted (exit code 130). A second Ctrl-C cannot cut the
save short: it waits until the file is written. Requests too large for this
engine (the bounds below, stated in --help) are refused before the model or
its graph is allocated.
"""

import argparse
import random
from pathlib import Path

from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from nn import ACTIVATIONS, DATASETS, MLP, ArgumentError, fit
from nn.loaders import TABLES
from nn.training import LOSSES, targets_for
from viz.cli import tables, training_run
from viz.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    MAX_GRAPH,
    MAX_LAYER,
    MAX_SAMPLES,
    MAX_WEIGHTS,
    UsageError,
    add_command,
    check_output_directory,
    check_output_file,
    check_size,
    console,
    epochs_text,
    interrupts_deferred,
    number_in,
    option,
    positive,
)


def _layer_sizes(text):
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 16,16, got {text!r}") from None
    if not sizes or any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"expected positive layer sizes like 16,16, got {text!r}")
    if max(sizes) > MAX_LAYER:
        raise argparse.ArgumentTypeError(f"at most {MAX_LAYER} neurons per layer, got {text!r}")
    return sizes


OPTIONS = (
    option(
        "dataset",
        choices=[*sorted(DATASETS), *TABLES],
        metavar="DATASET",
        help=f"generated 2-D points: {', '.join(sorted(DATASETS))}; shipped data sets: {', '.join(TABLES)}",
    ),
    option(
        "--samples",
        type=number_in(int, low=1, high=MAX_SAMPLES),
        help=f"number of points of a 2-D set, 1 to {MAX_SAMPLES} (default 100)",
    ),
    option(
        "--layers",
        type=_layer_sizes,
        help=f"hidden layer sizes, each 1 to {MAX_LAYER}, at most {MAX_WEIGHTS} weights in all "
        "(default 16,16; see below for the shipped sets)",
    ),
    option(
        "--activation",
        choices=tuple(ACTIVATIONS),
        help="of the hidden layers (default relu; tanh for the shipped sets)",
    ),
    option(
        "--loss",
        choices=LOSSES,
        help="default: hinge (cross_entropy for spirals); hinge, mse and binary_cross_entropy need two classes",
    ),
    option("--optimizer", choices=("sgd", "adam"), default="adam", help="the update rule"),
    option("--lr", type=positive(float), help="learning rate, > 0 (default 0.05; shipped sets: below)"),
    option("--momentum", type=number_in(float, low=0), default=0.0, help="SGD momentum, >= 0"),
    option("--epochs", type=positive(int), help="passes over the data (default 100; shipped sets: below)"),
    option(
        "--batch-size",
        type=positive(int),
        help=f"examples per update (default: all; shipped sets: below); batch size x weights at most {MAX_GRAPH}",
    ),
    option("--l2", type=number_in(float, low=0), default=1e-4, help="L2 penalty on the weights, >= 0"),
    option("--seed", type=int, default=0, help="seed of the data and the initial weights"),
    option(
        "--eager",
        action="store_true",
        help="build the graph of every step (default: replay one traced example per step, same numbers, faster)",
    ),
    option(
        "--numpy",
        action="store_true",
        help="replay each batch with numpy's matrix products: faster for batches of 16 or more and wide layers, "
        "the same numbers to rounding (not bit for bit)",
    ),
    option("--save", metavar="PATH", help="write the trained weights as JSON (default: not saved)"),
    option("--load", metavar="PATH", help="start from weights saved by --save (default: fresh random weights)"),
    option("--plots", type=Path, default=Path("."), help="directory for the PNG plots"),
    *tables.OPTIONS,
)

# Defaults of the generated 2-D sets (the shipped ones have theirs in viz.cli.tables).
DEFAULTS = {"samples": 100, "layers": [16, 16], "activation": "relu", "lr": 0.05, "epochs": 100}


def _train(model, inputs, targets, loss, optimizer, args, rng, out, earlier_epochs=0):
    """Run `fit` under a progress bar; returns (history, interrupted), the model at its last finished epoch.

    The bar counts epochs on from `earlier_epochs` (those of loaded weights; None when unknown, counted from 0).
    """
    history = []
    finished = model.state_dict()  # the weights after the last finished epoch, kept if Ctrl-C stops one midway
    interrupted = False
    columns = (
        TextColumn("epoch {task.fields[epoch]}"),
        BarColumn(),
        TextColumn("loss {task.fields[loss]}  accuracy {task.fields[accuracy]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=out, transient=False) as progress:
        before = earlier_epochs or 0

        def counted(done):
            return f"{before + done}/{before + args.epochs}"

        task = progress.add_task("train", total=args.epochs, epoch=counted(0), loss="-", accuracy="-")

        def report(epoch):
            nonlocal finished
            finished = model.state_dict()
            history.append(epoch)
            accuracy = "-" if epoch.accuracy is None else f"{epoch.accuracy:.0%}"
            progress.update(task, advance=1, epoch=counted(len(history)), loss=f"{epoch.loss:.4f}", accuracy=accuracy)

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
                compiled=_step_kind(args),
            )
        except KeyboardInterrupt:
            interrupted = True
            with interrupts_deferred(reraise=False):  # we are stopping already: a second Ctrl-C changes nothing
                model.load_state_dict(finished)
    return history, interrupted


def _step_kind(args):
    """`fit(compiled=...)`'s argument: False for --eager, "numpy" for --numpy, else True (the Python replay)."""
    if args.eager and args.numpy:
        raise UsageError(
            "--eager and --numpy exclude each other: --eager builds every graph, --numpy replays with numpy"
        )
    if args.numpy:
        return "numpy"
    return not args.eager


def run_train(args):
    _step_kind(args)  # a contradiction is a usage error before any data is made
    if args.save:
        check_output_file(args.save, "--save")
    check_output_directory(args.plots, "--plots")
    out = console()
    if args.dataset in TABLES:
        return tables.run(args, _train, out)
    if args.reproduce_tutorial:
        raise UsageError(f"--reproduce-tutorial is for seeds (the wheat-seeds tutorial), not {args.dataset}")
    for name, value in DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    batch = min(args.batch_size or args.samples, args.samples)
    check_size([2, *args.layers, 1], batch)  # before the data: at least one output
    rng = random.Random(args.seed)
    points, labels = DATASETS[args.dataset](args.samples, rng=rng)
    loss = args.loss or ("cross_entropy" if args.dataset == "spirals" else "hinge")
    try:
        targets = targets_for(loss, labels)
    except ArgumentError:
        raise UsageError(
            f"--loss {loss} needs exactly two classes and {args.dataset} has {len(set(labels))}; "
            "use --loss cross_entropy"
        ) from None
    outputs = len(set(targets)) if loss == "cross_entropy" else 1
    sizes = [2, *args.layers, outputs]
    check_size(sizes, batch)
    output_activation = "sigmoid" if loss == "binary_cross_entropy" else "linear"
    model = MLP(2, sizes[1:], args.activation, output_activation, rng=rng)
    earlier_epochs = training_run.load_weights(model, args, out)
    optimizer = training_run.optimizer(args, model.parameters())
    inputs = [list(point) for point in points]
    # Words, not characters, are what a narrow terminal may break: rich wraps this at spaces.
    out.print(
        f"training {escape(repr(model))} on {args.samples} {args.dataset} points:\n"
        f"  loss {loss}, {args.optimizer} lr {args.lr}, {epochs_text(args.epochs)}, seed {args.seed}"
    )
    history, interrupted = _train(model, inputs, targets, loss, optimizer, args, rng, out, earlier_epochs)
    with interrupts_deferred():  # a second Ctrl-C waits until the weights are saved
        if interrupted:
            training_run.say_interrupted(history, args, earlier_epochs)
        if history:
            last = history[-1]
            accuracy = "n/a" if last.accuracy is None else f"{last.accuracy:.1%}"
            out.print(f"final epoch: loss {last.loss:.6f}, training accuracy {accuracy}")
        if args.save:
            training_run.save_weights(model, args, earlier_epochs, history, out)

    from viz import plots  # matplotlib takes most of a second to import: only when a plot is made

    loss_path = plots.save_figure(
        plots.loss_figure(history, loss, model=model, dataset=args.dataset, l2=args.l2),
        args.plots / f"{args.dataset}_loss.png",
    )
    out.print(f"loss curve written to {escape(str(loss_path))}")
    if loss != "mse":
        boundary = plots.boundary_figure(model, points, targets, loss, args.dataset)
        boundary_path = plots.save_figure(boundary, args.plots / f"{args.dataset}_boundary.png")
        out.print(f"decision boundary written to {escape(str(boundary_path))}")
    return EXIT_INTERRUPTED if interrupted else EXIT_OK


def add_parser(commands):
    add_command(
        commands,
        "train",
        OPTIONS,
        run_train,
        help="train an MLP on a built-in data set, with a progress bar and plots",
        description=(
            "Train an MLP; at the end write a loss curve and a decision boundary as PNG.\n"
            "On the shipped sets (seeds, iris, digits) a share of the rows is held out: the test accuracy\n"
            "and confusion matrix are printed and plotted (digits: the misclassified digits too).\n"
            "Ctrl-C stops training early and still saves and plots what was trained (exit code 130)."
        ),
        epilog=(
            "example: tracegrad train moons --layers 16,16 --epochs 100 --save moons.json\n"
            "         tracegrad train digits --save digits.json\n"
            "         tracegrad train seeds --reproduce-tutorial   (the tutorial's table)\n\n"
            "defaults of the shipped sets:\n  " + tables.describe_defaults()
        ),
    )
