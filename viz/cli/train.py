"""`tracegrad train`: an MLP trained on a built-in data set, with a progress bar, then the plots.

Ctrl-C stops training early; the weights of the last finished epoch are kept,
saved with --save and plotted (exit code 130).
"""

import argparse
import random
import sys
from pathlib import Path

from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from nn import DATASETS, MLP, SGD, Adam, fit
from nn.loaders import TABLES
from nn.training import LOSSES
from viz.cli import tables
from viz.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    UsageError,
    add_command,
    check_output_directory,
    check_output_file,
    console,
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
    return sizes


OPTIONS = (
    option(
        "dataset",
        choices=[*sorted(DATASETS), *TABLES],
        metavar="DATASET",
        help=f"generated 2-D points: {', '.join(sorted(DATASETS))}; shipped data sets: {', '.join(TABLES)}",
    ),
    option("--samples", type=positive(int), help="number of points of a 2-D set (default 100)"),
    option("--layers", type=_layer_sizes, help="hidden layer sizes (default 16,16; see below for the shipped sets)"),
    option("--activation", choices=("relu", "tanh", "sigmoid", "linear"), help="default relu (tanh: shipped sets)"),
    option(
        "--loss",
        choices=LOSSES,
        help="default: hinge (cross_entropy for spirals); hinge, mse and binary_cross_entropy need two classes",
    ),
    option("--optimizer", choices=("sgd", "adam"), default="adam"),
    option("--lr", type=positive(float), help="learning rate (default 0.05; shipped sets: below)"),
    option("--momentum", type=float, default=0.0, help="SGD momentum (default 0)"),
    option("--epochs", type=positive(int), help="passes over the data (default 100; shipped sets: below)"),
    option("--batch-size", type=positive(int), help="examples per update (default: all; shipped sets: below)"),
    option("--l2", type=float, default=1e-4, help="L2 penalty on the weights (default 1e-4)"),
    option("--seed", type=int, default=0, help="seed of the data and the initial weights"),
    option(
        "--eager",
        action="store_true",
        help="build the graph of every step (default: replay one traced example per step, same numbers, faster)",
    ),
    option("--save", metavar="PATH", help="write the trained weights as JSON"),
    option("--load", metavar="PATH", help="start from weights saved by --save"),
    option("--plots", type=Path, default=Path("."), help="directory for the PNG plots (default .)"),
    *tables.OPTIONS,
)

# Defaults of the generated 2-D sets (the shipped ones have theirs in viz.cli.tables).
DEFAULTS = {"samples": 100, "layers": [16, 16], "activation": "relu", "lr": 0.05, "epochs": 100}


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


def _train(model, inputs, targets, loss, optimizer, args, rng, out):
    """Run `fit` under a progress bar; returns (history, interrupted), the model at its last finished epoch."""
    history = []
    finished = model.state_dict()  # the weights after the last finished epoch, kept if Ctrl-C stops one midway
    interrupted = False
    columns = (
        TextColumn("epoch {task.completed}/{task.total}"),
        BarColumn(),
        TextColumn("loss {task.fields[loss]}  accuracy {task.fields[accuracy]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=out, transient=False) as progress:
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
                compiled=not args.eager,
            )
        except KeyboardInterrupt:
            interrupted = True
            model.load_state_dict(finished)
    return history, interrupted


def run_train(args):
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
        out.print(f"weights loaded from {escape(args.load)}")
    parameters = model.parameters()
    if args.optimizer == "adam":
        optimizer = Adam(parameters, lr=args.lr)
    else:
        optimizer = SGD(parameters, lr=args.lr, momentum=args.momentum)
    inputs = [list(point) for point in points]
    out.print(
        f"training {escape(repr(model))} on {args.samples} {args.dataset} points: loss {loss}, {args.optimizer} "
        f"lr {args.lr}, {args.epochs} epochs, seed {args.seed}",
        soft_wrap=True,
    )
    history, interrupted = _train(model, inputs, targets, loss, optimizer, args, rng, out)
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
        out.print(f"final epoch: loss {last.loss:.6f}, training accuracy {accuracy}")
    if args.save:
        model.save(args.save)
        out.print(f"weights saved to {escape(args.save)}")

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
            "         tracegrad train seeds --reproduce-tutorial   (the wheat-seeds tutorial's table)\n\n"
            "defaults of the shipped sets:\n  " + tables.describe_defaults()
        ),
    )
