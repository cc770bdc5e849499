"""`tracegrad train seeds|iris|digits`: an MLP on a data set shipped with nn, scored on held-out rows.

The rows are split (seeded, stratified) into training and test parts
(`--test-fraction`, default 0.2); the features are scaled to [0, 1] with
the training part's minimum and maximum (the digits' pixels with their range
0..16); an MLP with a linear output layer, its weights drawn as
torch.nn.Linear draws them (`nn.init.fan_in_uniform`), is trained with
cross-entropy under the progress bar; then the test accuracy and confusion
matrix are printed and the plots written: the loss curve, the confusion
matrix, and for digits the misclassified test digits as images. `--save`
writes the weights.

`tracegrad train seeds --reproduce-tutorial` instead runs the wheat-seeds
tutorial's cross-validation (`nn.wheat_seeds`) and prints its table beside
the published one.
"""

import random
import sys

from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from nn import MLP, MinMaxScaler, accuracy, confusion_matrix, predict_classes, train_test_split, wheat_seeds
from nn.init import fan_in_uniform
from nn.loaders import TABLES, load
from viz.cli import training_run
from viz.cli.common import (
    EXIT_CHECK_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    UsageError,
    check_size,
    epochs_text,
    interrupts_deferred,
    option,
)

# What `train` uses for a shipped set when an option is not given.
DEFAULTS = {
    "seeds": {"layers": [8], "activation": "tanh", "lr": 0.01, "epochs": 100, "batch_size": 16},
    "iris": {"layers": [8], "activation": "tanh", "lr": 0.01, "epochs": 100, "batch_size": 16},
    "digits": {"layers": [32], "activation": "tanh", "lr": 0.01, "epochs": 20, "batch_size": 32},
}

OPTIONS = (
    option(
        "--test-fraction",
        type=float,
        default=0.2,
        help="seeds, iris, digits: the share of rows held out for testing (default 0.2)",
    ),
    option(
        "--reproduce-tutorial",
        action="store_true",
        help="seeds: run the wheat-seeds tutorial's 5-fold cross-validation and compare with its published table",
    ),
)


def describe_defaults():
    """One line per shipped set, for the help text."""
    return "\n  ".join(
        f"{name}: layers {','.join(map(str, d['layers']))}, {d['activation']}, lr {d['lr']}, "
        f"{d['epochs']} epochs, batches of {d['batch_size']}"
        for name, d in DEFAULTS.items()
    )


def run(args, train_with_progress, out):
    """Train on the shipped set `args.dataset`; `train_with_progress` is the 2-D sets' loop under its progress bar."""
    if args.reproduce_tutorial:
        return _reproduce(args, out)
    if args.samples is not None:
        raise UsageError(f"--samples is for the generated 2-D sets; {args.dataset} has a fixed number of rows")
    if args.loss not in (None, "cross_entropy"):
        raise UsageError(f"--loss {args.loss}: {args.dataset} has several classes; train it with cross_entropy")
    if not 0.0 < args.test_fraction < 1.0:
        raise UsageError(f"--test-fraction must be between 0 and 1, got {args.test_fraction}")
    for name, value in DEFAULTS[args.dataset].items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    table = TABLES[args.dataset]
    rng = random.Random(args.seed)
    features, labels = load(args.dataset)
    x_train, x_test, y_train, y_test = train_test_split(features, labels, args.test_fraction, rng=rng, stratify=True)
    raw_test = x_test
    # Min-max with the training rows' numbers; the digits' pixels with their known range 0..16 (a pixel
    # blank in every training image would otherwise make a faint test pixel huge).
    scaler = MinMaxScaler().fit([[0.0] * 64, [16.0] * 64] if args.dataset == "digits" else x_train)
    x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    classes = len(table.classes)
    check_size([table.features, *args.layers, classes], min(args.batch_size or len(x_train), len(x_train)))
    # Weights as torch.nn.Linear draws them: micrograd's U(-1, 1) saturates tanh neurons with 64 inputs.
    model = fan_in_uniform(MLP(table.features, [*args.layers, classes], args.activation, "linear", rng=rng), rng=rng)
    earlier_epochs = training_run.load_weights(model, args, out)
    optimizer = training_run.optimizer(args, model.parameters())
    out.print(
        f"training {escape(repr(model))} on {len(x_train)} {args.dataset} rows ({len(x_test)} held out):\n"
        f"  cross_entropy, {args.optimizer} lr {args.lr}, {epochs_text(args.epochs)}, batches of {args.batch_size}, "
        f"seed {args.seed}"
    )
    history, interrupted = train_with_progress(
        model, x_train, y_train, "cross_entropy", optimizer, args, rng, out, earlier_epochs
    )
    if interrupted:
        training_run.say_interrupted(history, args, earlier_epochs)
    predicted = predict_classes(model, x_test)
    if history:
        last = history[-1]
        out.print(f"final epoch: loss {last.loss:.6f}, training accuracy {last.accuracy:.1%}")
    matrix = confusion_matrix(y_test, predicted, classes)
    out.print(f"test accuracy {accuracy(predicted, y_test):.1%} on {len(y_test)} held-out rows")
    out.print(_matrix_table(matrix, table.classes))
    if args.save:
        with interrupts_deferred():  # a second Ctrl-C waits until the weights are saved
            training_run.save_weights(model, args, earlier_epochs, history, out)

    from viz import plots  # matplotlib takes most of a second to import: only when a plot is made

    written = [
        plots.save_figure(
            plots.loss_figure(history, "cross_entropy", model=model, dataset=args.dataset, l2=args.l2),
            args.plots / f"{args.dataset}_loss.png",
        )
    ]
    figure = plots.confusion_figure(matrix, table.classes, f"{args.dataset}: test confusion matrix")
    written.append(plots.save_figure(figure, args.plots / f"{args.dataset}_confusion.png"))
    if args.dataset == "digits":
        wrong = [i for i, (p, a) in enumerate(zip(predicted, y_test)) if p != a]
        shown_count = min(len(wrong), 64)
        what = (
            f"{len(wrong)} of {len(y_test)}"
            if shown_count == len(wrong)
            else f"{len(wrong)} of {len(y_test)}, the first 64 shown"
        )
        wrong = wrong[:shown_count]
        figure = plots.digit_grid_figure(
            [raw_test[i] for i in wrong],
            [y_test[i] for i in wrong],
            [predicted[i] for i in wrong],
            f"misclassified test digits ({what}): true \u2192 predicted",
        )
        written.append(plots.save_figure(figure, args.plots / "digits_misclassified.png"))
    for path in written:
        out.print(f"wrote {escape(str(path))}")
    return EXIT_INTERRUPTED if interrupted else EXIT_OK


def _matrix_table(matrix, names):
    table = Table(title="test confusion matrix", title_justify="left")
    table.add_column("true \\ predicted")
    for name in names:
        table.add_column(escape(name), justify="right")
    for name, row in zip(names, matrix):
        table.add_row(escape(name), *(str(count) for count in row))
    return table


def _reproduce(args, out):
    if args.dataset != "seeds":
        raise UsageError(f"--reproduce-tutorial is for seeds (the wheat-seeds tutorial), not {args.dataset}")
    given = [
        flag
        for flag, value in (
            ("--layers", args.layers),
            ("--activation", args.activation),
            ("--lr", args.lr),
            ("--epochs", args.epochs),
            ("--batch-size", args.batch_size),
            ("--loss", args.loss),
            ("--samples", args.samples),
            ("--load", args.load),
            ("--save", args.save),
        )
        if value is not None
    ]
    if given:
        raise UsageError(
            f"--reproduce-tutorial runs the tutorial's fixed procedure (7-5-3 sigmoid, lr 0.3, 500 epochs, "
            f"5 folds, its seed); drop {', '.join(given)}"
        )
    out.print(
        "the wheat-seeds tutorial's 5-fold cross-validation: 7-5-3 sigmoid network, online gradient descent on "
        "1/2 sum (t - o)^2, lr 0.3, 500 epochs per fold, random.seed(1)"
    )
    folds, epochs = wheat_seeds.FOLDS, wheat_seeds.EPOCHS
    columns = (
        TextColumn("fold {task.fields[fold]}/5 epoch {task.fields[epoch]}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=out, transient=False) as progress:
            task = progress.add_task("folds", total=folds * epochs, fold=1, epoch=0)

            def report(fold, epoch):
                progress.update(task, advance=1, fold=fold + 1, epoch=epoch + 1)

            results = wheat_seeds.cross_validation(callback=report)
    except KeyboardInterrupt:
        print("tracegrad train: interrupted; the table needs all five folds", file=sys.stderr)
        return EXIT_INTERRUPTED
    scores = [fold.accuracy for fold in results]
    table = Table(title="fold accuracy (%)", title_justify="left")
    for name in ("fold", "tracegrad", "published", ""):
        table.add_column(name, justify="right")
    for number, (score, theirs) in enumerate(zip(scores, wheat_seeds.PUBLISHED), start=1):
        table.add_row(str(number), f"{score:.3f}", f"{theirs:.3f}", "same" if round(score, 3) == theirs else "DIFFERS")
    mean = sum(scores) / len(scores)
    same_mean = round(mean, 3) == wheat_seeds.PUBLISHED_MEAN
    table.add_row("mean", f"{mean:.3f}", f"{wheat_seeds.PUBLISHED_MEAN:.3f}", "same" if same_mean else "DIFFERS")
    out.print(table)
    identical = same_mean and all(round(s, 3) == p for s, p in zip(scores, wheat_seeds.PUBLISHED))
    out.print("the published table, to the digit" if identical else "NOT the published table (exit code 1)")

    from viz import plots

    actual = [c for fold in results for c in fold.actual]
    predicted = [c for fold in results for c in fold.predicted]
    figure = plots.confusion_figure(
        confusion_matrix(actual, predicted, 3),
        wheat_seeds.CLASS_NAMES,
        "wheat seeds, tutorial: test folds pooled",
    )
    path = plots.save_figure(figure, args.plots / "seeds_tutorial_confusion.png")
    out.print(f"wrote {escape(str(path))}")
    return EXIT_OK if identical else EXIT_CHECK_FAILED
