"""`tracegrad train seeds|iris|digits`: held-out accuracy, confusion matrix, plots, --save, and the tutorial's table."""

import json
import os
import subprocess
import sys

import pytest
from cli_support import PNG_MAGIC, run

from nn import wheat_seeds

pytestmark = pytest.mark.usefixtures("in_temporary_directory")


def test_train_iris_end_to_end_in_a_subprocess(tmp_path):
    plots = tmp_path / "plots"
    plots.mkdir()
    finished = subprocess.run(
        [sys.executable, "-m", "viz", "train", "iris", "--epochs", "40", "--plots", str(plots), "--save", "iris.json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        env={**os.environ, "COLUMNS": "100"},
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    out = finished.stdout
    assert "on 120 iris rows (30 held out)" in out
    assert "test accuracy" in out and "setosa" in out and "virginica" in out
    accuracy = float(out.split("test accuracy ")[1].split("%")[0])
    assert accuracy >= 90.0
    for name in ("iris_loss.png", "iris_confusion.png"):
        assert (plots / name).read_bytes().startswith(PNG_MAGIC)
    saved = json.loads((tmp_path / "iris.json").read_text(encoding="utf-8"))
    assert len(saved["parameters"]) == 4 * 8 + 8 + 8 * 3 + 3


def test_train_digits_writes_the_misclassified_digits(capsys, tmp_path):
    code, out, err = run(capsys, "train", "digits", "--epochs", "1", "--layers", "4", "--seed", "3")
    assert code == 0, err
    assert "on 1437 digits rows (360 held out)" in out
    for name in ("digits_loss.png", "digits_confusion.png", "digits_misclassified.png"):
        assert (tmp_path / name).read_bytes().startswith(PNG_MAGIC)


def test_the_same_seed_gives_the_same_run(capsys):
    first = run(capsys, "train", "seeds", "--epochs", "3", "--seed", "5")
    second = run(capsys, "train", "seeds", "--epochs", "3", "--seed", "5")
    assert first[0] == second[0] == 0
    lines = [line for line in first[1].splitlines() if "accuracy" in line and "epoch 3/3" not in line]
    assert lines and all(line in second[1] for line in lines)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["train", "iris", "--reproduce-tutorial"], "is for seeds"),
        (["train", "moons", "--reproduce-tutorial"], "is for seeds"),
        (["train", "seeds", "--reproduce-tutorial", "--epochs", "3"], "drop --epochs"),
        (["train", "iris", "--samples", "50"], "fixed number of rows"),
        (["train", "iris", "--loss", "hinge"], "cross_entropy"),
        (["train", "digits", "--test-fraction", "1.5"], "between 0 and 1"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(capsys, argv, words):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert words in err and len(err.strip().splitlines()) == 1


def test_reproduce_tutorial_prints_the_table_beside_the_published_one(capsys, tmp_path, monkeypatch):
    real = wheat_seeds.cross_validation
    monkeypatch.setattr(wheat_seeds, "cross_validation", lambda callback: real(epochs=2, callback=callback))
    code, out, err = run(capsys, "train", "seeds", "--reproduce-tutorial")
    assert code == 1, err  # two epochs per fold are not the tutorial's 500: not the published table
    assert "NOT the published table" in out
    for published in ("92.857", "97.619", "90.476", "93.333"):
        assert published in out
    assert (tmp_path / "seeds_tutorial_confusion.png").read_bytes().startswith(PNG_MAGIC)


@pytest.mark.slow
def test_reproduce_tutorial_gives_the_published_table(capsys):
    code, out, err = run(capsys, "train", "seeds", "--reproduce-tutorial")
    assert code == 0, err
    assert "the published table, to the digit" in out
    assert out.count("same") == 6
