"""Matplotlib figures of a training run, made to be printed or put on a slide, written as PNG.

Owns `loss_figure` (training loss and accuracy by epoch), `boundary_figure`
(a 2-D classifier's decision regions and boundary over its data),
`confusion_figure` (a classifier's confusion matrix), `digit_grid_figure`
(8x8 digit images, titled true -> predicted) and `save_figure`. Imports
matplotlib (only its object-oriented `Figure`, no pyplot state), `autograd`
and `nn`; never the CLI. Importing matplotlib takes
most of a second, so the CLI imports this module only when it makes a plot.

Every figure says what it shows in words: the model and the data set in the
title, axis labels, a legend. They are 8 inches wide at 160 dpi (1280 px).
The boundary is where the model's score crosses its decision threshold, found
on a grid of scores and interpolated between grid points, so it is smooth
rather than stair-stepped. The grid's 10,000 points go through
`autograd.jit`: the model is traced once and replayed over all of them as a
numpy batch (values only), instead of building 10,000 graphs.
"""

import io

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from autograd import Value, jit, no_grad
from autograd.files import write_atomically
from nn.training import predict

DPI = 160
WIDTH = 8.0  # inches: 1280 px at DPI
GRID = 100  # grid points per side of the decision-boundary plot

# The losses of nn.training, as a reader says them.
LOSS_WORDS = {
    "hinge": "hinge loss",
    "binary_cross_entropy": "binary cross-entropy",
    "cross_entropy": "cross-entropy",
    "mse": "mean squared error",
}
# Class colours (colour-blind safe, after Okabe and Ito), a light version for the regions.
_CLASS_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
_LOSS_COLOUR = "#1f4e79"
_ACCURACY_COLOUR = "#2e7d32"
_BOUNDARY_COLOUR = "#222222"
_TITLE_SIZE = 14
_LABEL_SIZE = 12.5
_TICK_SIZE = 11


def describe_model(model):
    """`MLP 2-16-16-1 (relu hidden layers, linear output)` for nn's layered models; the repr otherwise."""
    layers = getattr(model, "layers", None)
    if not layers or not all(getattr(layer, "neurons", None) for layer in layers):
        return repr(model)
    sizes = [layers[0].neurons[0].nin] + [len(layer.neurons) for layer in layers]
    hidden = sorted({neuron.activation for layer in layers[:-1] for neuron in layer.neurons})
    output = sorted({neuron.activation for neuron in layers[-1].neurons})
    parts = []
    if hidden:
        parts.append(f"{'/'.join(hidden)} hidden layer{'s' if len(layers) > 2 else ''}")
    parts.append(f"{'/'.join(output)} output")
    kind = "MLP" if len(layers) > 1 else "one layer"
    return f"{kind} {'-'.join(str(size) for size in sizes)} ({', '.join(parts)})"


def _subject(model, dataset):
    """`MLP 2-16-1 (...) on moons`, or as much of it as is known."""
    parts = [describe_model(model) if model is not None else "", f"on {dataset}" if dataset else ""]
    return " ".join(part for part in parts if part)


def loss_figure(history, loss, *, model=None, dataset=None, l2=None):
    """The training loss by epoch and, for a classifier, the training accuracy, with a legend.

    `history` is the list of `nn.training.EpochReport` that `fit` reported;
    `loss` the name of the loss (a key of LOSS_WORDS); `model`, `dataset`
    and `l2` (the penalty's weight) go into the title and the axis label.
    """
    figure = Figure(figsize=(WIDTH, 5.0), dpi=DPI)
    axes = figure.add_subplot()
    epochs = [report.epoch + 1 for report in history]
    words = LOSS_WORDS.get(loss, loss)
    if l2:
        words += f" + L2 penalty ({l2:g} × Σw²)"
    (loss_line,) = axes.plot(epochs, [report.loss for report in history], color=_LOSS_COLOUR, linewidth=2)
    loss_line.set_label("train loss")
    axes.set_xlabel("epoch (one pass over the training data)", fontsize=_LABEL_SIZE)
    axes.set_ylabel(f"training loss: {words}", fontsize=_LABEL_SIZE, color=_LOSS_COLOUR)
    axes.tick_params(labelsize=_TICK_SIZE)
    axes.grid(True, alpha=0.3)
    axes.set_ylim(bottom=0)
    if len(epochs) == 1:
        loss_line.set_marker("o")
    handles = [loss_line]
    if history and all(report.accuracy is not None for report in history):
        twin = axes.twinx()
        (accuracy_line,) = twin.plot(
            epochs, [report.accuracy for report in history], color=_ACCURACY_COLOUR, linewidth=2, linestyle="--"
        )
        accuracy_line.set_label("train accuracy")
        if len(epochs) == 1:
            accuracy_line.set_marker("o")
        twin.set_ylabel("training accuracy (share classified right)", fontsize=_LABEL_SIZE, color=_ACCURACY_COLOUR)
        twin.set_ylim(0, 1.05)
        twin.yaxis.set_major_formatter(PercentFormatter(1.0))
        twin.tick_params(labelsize=_TICK_SIZE)
        handles.append(accuracy_line)
    axes.legend(handles=handles, loc="center right", fontsize=_LABEL_SIZE, framealpha=0.9)
    subject = _subject(model, dataset)
    axes.set_title(f"Training {subject}" if subject else "Training", fontsize=_TITLE_SIZE)
    figure.tight_layout()
    return figure


def _class_names(loss, targets):
    classes = sorted(set(targets))
    if loss == "hinge":
        return classes, {c: f"class {'+1' if c > 0 else '−1'}" for c in classes}
    return classes, {c: f"class {c}" for c in classes}


def _grid_outputs(model, points):
    """The model's outputs (floats) at each point: one trace of the model, replayed as a numpy batch."""

    def outputs(point):
        values = _as_list(model(point))
        return values[0], values

    replayed, _ = jit(outputs).batch(points, gradient=None, backend="numpy")
    return [aux for _, aux in replayed]


def _scores(outputs, loss, classes):
    """Per class, how far the point whose model outputs (floats) these are is inside its region: > 0 inside."""
    if loss == "cross_entropy":
        logits = outputs
        result = []
        for c in classes:
            others = max(logit for k, logit in enumerate(logits) if k != c) if len(logits) > 1 else float("-inf")
            result.append(logits[c] - others)
        return result
    threshold = 0.5 if loss == "binary_cross_entropy" else 0.0
    score = outputs[0] - threshold
    low, high = classes[0], classes[-1]
    return [(-score if c == low else score) if c in (low, high) else float("-inf") for c in classes]


def boundary_figure(model, points, targets, loss, dataset, resolution=GRID):
    """The decision regions of a 2-D classifier, its boundary and the data points, with a legend.

    The model is evaluated on a `resolution` × `resolution` grid around the
    points (traced once and replayed over the grid, see `_grid_outputs`); the
    boundary is drawn where its score crosses the decision threshold (0 for
    hinge, 0.5 for binary cross-entropy, equal top logits for cross-entropy),
    interpolated between grid points.
    """
    if any(len(point) != 2 for point in points):
        raise ValueError("boundary_figure: the points must be 2-D (two features each) to draw a decision boundary")
    if not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"boundary_figure: resolution must be an int >= 2, got {resolution!r}")
    classes, names = _class_names(loss, targets)
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    margin_x = 0.1 * (max(xs) - min(xs) or 1.0)
    margin_y = 0.1 * (max(ys) - min(ys) or 1.0)
    x_low, x_high = min(xs) - margin_x, max(xs) + margin_x
    y_low, y_high = min(ys) - margin_y, max(ys) + margin_y
    grid_x = [x_low + (x_high - x_low) * i / (resolution - 1) for i in range(resolution)]
    grid_y = [y_low + (y_high - y_low) * j / (resolution - 1) for j in range(resolution)]
    grid = _grid_outputs(model, [[x, y] for y in grid_y for x in grid_x])
    scores = [[_scores(grid[j * resolution + i], loss, classes) for i in range(resolution)] for j in range(resolution)]
    with no_grad():
        right = sum(predict(loss, _as_list(model(list(p)))) == t for p, t in zip(points, targets))

    plot_height = (WIDTH - 1.2) * (y_high - y_low) / (x_high - x_low)
    figure = Figure(figsize=(WIDTH, min(max(plot_height, 3.5), 9.0) + 2.4), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    handles = []
    for index, c in enumerate(classes):
        colour = _CLASS_COLOURS[index % len(_CLASS_COLOURS)]
        field = [[row[index] for row in line] for line in scores]
        if any(value > 0 for line in field for value in line):
            axes.contourf(grid_x, grid_y, field, levels=[0.0, float("inf")], colors=[colour], alpha=0.16)
        if any(value > 0 for line in field for value in line) and any(value < 0 for line in field for value in line):
            axes.contour(grid_x, grid_y, field, levels=[0.0], colors=[_BOUNDARY_COLOUR], linewidths=2)
        members = [(x, y) for x, y, t in zip(xs, ys, targets) if t == c]
        axes.scatter(
            [x for x, _ in members],
            [y for _, y in members],
            color=colour,
            edgecolors="white",
            linewidths=0.6,
            s=36,
            zorder=3,
        )
        handles.append(Line2D([], [], marker="o", linestyle="", color=colour, markeredgecolor="white", markersize=8))
        handles[-1].set_label(f"{names[c]} ({len(members)} points)")
    handles.append(Line2D([], [], color=_BOUNDARY_COLOUR, linewidth=2, label="decision boundary"))
    handles.append(Patch(facecolor="#999999", alpha=0.3, label="shaded: where the model predicts that class"))
    figure.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=_TICK_SIZE, frameon=False)
    axes.set_xlim(x_low, x_high)
    axes.set_ylim(y_low, y_high)
    axes.set_aspect("equal", adjustable="box")
    axes.set_xlabel("first feature (x₁)", fontsize=_LABEL_SIZE)
    axes.set_ylabel("second feature (x₂)", fontsize=_LABEL_SIZE)
    axes.tick_params(labelsize=_TICK_SIZE)
    accuracy = right / len(points) if points else 0.0
    data = f"{dataset}, " if dataset else ""
    axes.set_title(
        f"Decision boundary: {describe_model(model)}\n{data}{LOSS_WORDS.get(loss, loss)}, "
        f"training accuracy {accuracy:.1%} on {len(points)} points",
        fontsize=_TITLE_SIZE,
    )
    return figure


def _as_list(outputs):
    return [outputs] if isinstance(outputs, Value) else outputs


def save_figure(figure, path):
    """Write `figure` to `path` as PNG at its own resolution (DPI), atomically; returns `path`."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=figure.dpi)
    write_atomically(path, buffer.getvalue())
    return path


def confusion_figure(matrix, classes, title):
    """A confusion matrix as a heat map with the counts written in: row i, column j = class i predicted as j."""
    count = len(matrix)
    figure = Figure(figsize=(WIDTH, 0.8 * WIDTH), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    image = axes.imshow(matrix, cmap="Blues")
    colorbar = figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04)
    colorbar.set_label("examples", fontsize=_LABEL_SIZE)
    colorbar.ax.tick_params(labelsize=_TICK_SIZE)
    largest = max(max(row) for row in matrix) or 1
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            colour = "white" if value > largest / 2 else "black"
            axes.text(j, i, str(value), ha="center", va="center", color=colour, fontsize=_TICK_SIZE)
    axes.set_xticks(
        range(count),
        labels=list(classes),
        rotation=45 if max(map(len, classes)) > 3 else 0,
        ha="right" if max(map(len, classes)) > 3 else "center",
    )
    axes.set_yticks(range(count), labels=list(classes))
    axes.tick_params(labelsize=_TICK_SIZE)
    axes.set_xlabel("predicted class", fontsize=_LABEL_SIZE)
    axes.set_ylabel("true class", fontsize=_LABEL_SIZE)
    axes.set_title(title, fontsize=_TITLE_SIZE)
    return figure


def digit_grid_figure(images, true_labels, predicted, title, columns=8):
    """8x8 digit images in a grid, each titled "true -> predicted" (the misclassified test digits, say).

    `images` are lists of 64 pixel values (row by row); with no images the
    figure says so.
    """
    count = len(images)
    rows = max(1, -(-count // columns))
    cell = WIDTH / columns
    figure = Figure(figsize=(WIDTH, 1.2 * cell * rows + 0.6), dpi=DPI, layout="constrained")
    if not count:
        figure.text(0.5, 0.5, "no misclassified digits", ha="center", va="center", fontsize=_TITLE_SIZE)
    for index, (pixels, truth, guess) in enumerate(zip(images, true_labels, predicted)):
        axes = figure.add_subplot(rows, columns, index + 1)
        axes.imshow([pixels[r * 8 : (r + 1) * 8] for r in range(8)], cmap="gray_r", vmin=0, vmax=16)
        axes.set_title(f"{truth} \u2192 {guess}", fontsize=_TICK_SIZE, color="#b22222")
        axes.set_xticks([])
        axes.set_yticks([])
    figure.suptitle(title, fontsize=_TITLE_SIZE)
    return figure
