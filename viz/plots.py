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
