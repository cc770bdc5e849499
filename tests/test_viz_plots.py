"""The training plots: print-size PNGs that say what they show, read back with Pillow.

The decision boundary is checked against a closed form: for a linear model
the boundary is a straight line, and every point of the drawn boundary must
lie on it (a stair-stepped boundary would stray by up to a grid cell).
"""

import random
import subprocess
import sys

import numpy
import pytest
from PIL import Image

from autograd import no_grad
from nn import MLP
from nn.training import EpochReport
from viz import plots

MIN_WIDTH = 1200
MIN_DPI = 150


def history(epochs=20, accuracy=True):
    return [
        EpochReport(
            epoch=k,
            epochs=epochs,
            loss=1.0 / (k + 1),
            accuracy=min(1.0, 0.5 + k / 40) if accuracy else None,
            learning_rate=0.1,
        )
        for k in range(epochs)
    ]


def read_png(path):
    with Image.open(path) as image:
        image.load()
        return image.convert("RGB"), image.info.get("dpi", (0, 0))


def has_colour(image, colour, tolerance=40, at_least=50):
    """Whether at least `at_least` pixels are within `tolerance` of `colour` (per channel)."""
    target = numpy.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    pixels = numpy.asarray(image, dtype=int)
    near = (numpy.abs(pixels - target) <= tolerance).all(axis=2)
    return int(near.sum()) >= at_least


def linear_model(w1, w2, b):
    """A one-neuron linear classifier: score = w1 x1 + w2 x2 + b."""
    return MLP(2, [1], output_activation="linear", weights=[[[w1, w2]]], biases=[[b]])


POINTS = [[-1.0, -1.0], [-0.5, 0.8], [0.3, -0.9], [1.0, 1.0], [0.9, -0.2], [-0.8, 0.1]]


def test_the_loss_plot_is_print_size_with_words_and_a_legend(tmp_path):
    model = MLP(2, [4, 1], "tanh")
    figure = plots.loss_figure(history(), "binary_cross_entropy", model=model, dataset="moons", l2=1e-4)
    loss_axes, accuracy_axes = figure.axes
    assert loss_axes.get_xlabel().startswith("epoch")
    assert "binary cross-entropy" in loss_axes.get_ylabel() and "_" not in loss_axes.get_ylabel()
    assert "L2 penalty" in loss_axes.get_ylabel()
    assert accuracy_axes.get_ylabel().startswith("training accuracy")
    assert [text.get_text() for text in loss_axes.get_legend().get_texts()] == ["train loss", "train accuracy"]
    assert loss_axes.get_title() == "Training MLP 2-4-1 (tanh hidden layer, linear output) on moons"

    path = plots.save_figure(figure, tmp_path / "loss.png")
    image, dpi = read_png(path)
    assert image.width >= MIN_WIDTH and min(dpi) >= MIN_DPI - 0.5, (image.size, dpi)
    assert has_colour(image, plots._LOSS_COLOUR) and has_colour(image, plots._ACCURACY_COLOUR)


def test_a_regression_loss_plot_has_no_accuracy_axis(tmp_path):
    figure = plots.loss_figure(history(accuracy=False), "mse")
    (axes,) = figure.axes
    assert axes.get_ylabel() == "training loss: mean squared error"
    assert [text.get_text() for text in axes.get_legend().get_texts()] == ["train loss"]
    image, _ = read_png(plots.save_figure(figure, tmp_path / "mse.png"))
    assert image.width >= MIN_WIDTH and not has_colour(image, plots._ACCURACY_COLOUR, tolerance=10)


def boundary_lines(figure):
    """The vertices of the drawn decision boundary (the line contours at level 0)."""
    axes = figure.axes[0]
    vertices = []
    for collection in axes.collections:
        if getattr(collection, "filled", True) is False:
            for path in collection.get_paths():
                vertices.extend(path.vertices.tolist())
    return vertices


def test_the_boundary_is_where_the_score_crosses_zero_not_a_staircase():
    model = linear_model(1.0, -1.0, 0.25)  # boundary: x1 - x2 + 0.25 = 0
    targets = [1 if x - y + 0.25 > 0 else -1 for x, y in POINTS]
    figure = plots.boundary_figure(model, POINTS, targets, "hinge", "a test set", resolution=40)
    vertices = boundary_lines(figure)
    assert len(vertices) >= 20
    assert max(abs(x - y + 0.25) for x, y in vertices) < 1e-9
    # The line crosses the whole plot, not just a cell of it.
    xs = [x for x, _ in vertices]
    assert max(xs) - min(xs) > 2.0


def test_the_boundary_plot_is_print_size_with_the_classes_in_its_legend(tmp_path):
    model = linear_model(0.5, 1.0, -0.1)
    targets = [1 if 0.5 * x + y - 0.1 > 0 else -1 for x, y in POINTS]
    figure = plots.boundary_figure(model, POINTS, targets, "hinge", "moons")
    labels = [text.get_text() for text in figure.legends[0].get_texts()]
    assert labels[:3] == ["class −1 (3 points)", "class +1 (3 points)", "decision boundary"]
    axes = figure.axes[0]
    assert axes.get_xlabel() == "first feature (x₁)" and axes.get_ylabel() == "second feature (x₂)"
    title = axes.get_title()
    assert "one layer 2-1 (linear output)" in title and "moons" in title and "hinge loss" in title
    assert "training accuracy 100.0% on 6 points" in title

    image, dpi = read_png(plots.save_figure(figure, tmp_path / "boundary.png"))
    assert image.width >= MIN_WIDTH and min(dpi) >= MIN_DPI - 0.5, (image.size, dpi)
    for colour in plots._CLASS_COLOURS[:2]:
        assert has_colour(image, colour, tolerance=25), colour


def test_the_boundary_grid_is_fine_and_leaves_the_model_untouched(monkeypatch):
    model = linear_model(1.0, 1.0, 0.0)
    asked = []
    replay = plots._grid_outputs

    def counting(model, points):
        asked.append(len(points))
        return replay(model, points)

    monkeypatch.setattr(plots, "_grid_outputs", counting)
    targets = [1 if x + y > 0 else -1 for x, y in POINTS]
    plots.boundary_figure(model, POINTS, targets, "hinge", "a test set")
    assert asked == [plots.GRID**2] and plots.GRID**2 >= 100**2
    assert [p.data for p in model.parameters()] == [1.0, 1.0, 0.0]
    assert [p.grad for p in model.parameters()] == [0.0, 0.0, 0.0]  # values only: no gradient anywhere


def test_the_grid_s_replayed_outputs_are_the_model_s():
    model = MLP(2, [8, 3], "tanh", rng=random.Random(4))
    grid = [[-1.5 + 0.1 * i, 1.2 - 0.07 * j] for i in range(30) for j in range(30)]
    replayed = plots._grid_outputs(model, grid)
    with no_grad():
        eager = [[v.data for v in model(point)] for point in grid]
    assert len(replayed) == len(eager)
    for got, want in zip(replayed, eager):
        assert got == pytest.approx(want, rel=1e-12, abs=1e-15)


def test_three_classes_each_get_a_region_and_a_legend_entry():
    model = MLP(2, [3], output_activation="linear", weights=[[[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]]], biases=[[0, 0, 0]])
    targets = [max(range(3), key=lambda k: (x, -x, y)[k]) for x, y in POINTS]
    figure = plots.boundary_figure(model, POINTS, targets, "cross_entropy", "three", resolution=30)
    labels = [text.get_text() for text in figure.legends[0].get_texts()]
    assert [label.split(" (")[0] for label in labels[:3]] == ["class 0", "class 1", "class 2"]
    assert "cross-entropy" in figure.axes[0].get_title()


def test_points_that_are_not_2d_are_refused():
    with pytest.raises(ValueError, match="must be 2-D"):
        plots.boundary_figure(linear_model(1, 1, 0), [[1.0, 2.0, 3.0]], [1], "hinge", "x")


def test_the_cli_help_does_not_import_matplotlib():
    code = (
        "import sys\n"
        "from viz.cli import main\n"
        "try:\n"
        "    main(['train', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('matplotlib' in sys.modules)\n"
    )
    finished = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert finished.stdout.strip().splitlines()[-1] == "False", finished.stdout + finished.stderr
