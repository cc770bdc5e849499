"""Matplotlib figures of a training run: the loss curve and a 2-D decision boundary, written as PNG.

Imports matplotlib (only its object-oriented `Figure`, no pyplot state), `autograd` and `nn`.
Importing matplotlib takes most of a second, so the CLI imports this module only when it makes a plot.
"""

import io

from matplotlib.figure import Figure

from autograd import no_grad
from autograd.files import write_atomically
from nn.training import predict


def loss_figure(history, loss):
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


def boundary_figure(model, points, targets, loss, dataset, resolution=60):
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


def save_figure(figure, path):
    """Write `figure` to `path` as PNG, atomically; returns `path`."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    write_atomically(path, buffer.getvalue())
    return path


def confusion_figure(matrix, classes, title):
    """A confusion matrix as a heat map with the counts written in: row i, column j = class i predicted as j."""
    count = len(matrix)
    side = max(4.0, 0.55 * count + 2.5)
    figure = Figure(figsize=(side + 1.0, side), dpi=150)
    axes = figure.add_subplot()
    image = axes.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04, label="examples")
    largest = max(max(row) for row in matrix) or 1
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            colour = "white" if value > largest / 2 else "black"
            axes.text(j, i, str(value), ha="center", va="center", color=colour, fontsize=9)
    axes.set_xticks(
        range(count),
        labels=list(classes),
        rotation=45 if max(map(len, classes)) > 3 else 0,
        ha="right" if max(map(len, classes)) > 3 else "center",
    )
    axes.set_yticks(range(count), labels=list(classes))
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    axes.set_title(title)
    figure.tight_layout()
    return figure


def digit_grid_figure(images, true_labels, predicted, title, columns=8):
    """8x8 digit images in a grid, each titled "true -> predicted" (the misclassified test digits, say).

    `images` are lists of 64 pixel values (row by row); with no images the
    figure says so.
    """
    count = len(images)
    rows = max(1, -(-count // columns))
    figure = Figure(figsize=(1.3 * columns, 1.45 * rows + 0.6), dpi=120)
    if not count:
        figure.text(0.5, 0.5, "no misclassified digits", ha="center", va="center", fontsize=14)
    for index, (pixels, truth, guess) in enumerate(zip(images, true_labels, predicted)):
        axes = figure.add_subplot(rows, columns, index + 1)
        axes.imshow([pixels[r * 8 : (r + 1) * 8] for r in range(8)], cmap="gray_r", vmin=0, vmax=16)
        axes.set_title(f"{truth} \u2192 {guess}", fontsize=10, color="#b22222")
        axes.set_xticks([])
        axes.set_yticks([])
    figure.suptitle(title)
    figure.tight_layout()
    return figure
