"""The `tracegrad` command line, called in-process through `main([...])` and once as a subprocess.

Each test runs in its own temporary directory, so what a command writes (or
must not write) can be seen there.
"""

import math
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from viz.cli import main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def in_temporary_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_valid_svg(path, *texts):
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    content = path.read_text(encoding="utf-8")
    for text in texts:
        assert text in content


def test_default_run_is_the_worked_example(capsys, tmp_path):
    code, out, err = run(capsys)
    assert code == 0, err
    # The post's E_total and dE_total/dw5, then the exact figures after one and 10,000 steps.
    for figure in ("0.298371109", "0.082167041", "0.000438568", "0.291027774", "0.015913620", "0.984064274"):
        assert figure in out
    for new_weight in ("0.358916480", "0.408666186", "0.149780716", "0.199561432"):
        assert new_weight in out
    assert "worked_example.svg" in out
    assert_valid_svg(tmp_path / "worked_example.svg", "E_total", "w5", "out_h1")


def test_published_order_reproduces_the_posts_later_figure(capsys):
    code, out, _ = run(capsys, "example", "--order", "published", "--steps", "1", "--out", "g.dot")
    assert code == 0
    assert "0.291027924" in out
    assert "0.291027774" not in out.split("Training with")[1]
    assert "updated" in out  # the sentence saying why the figures differ


def test_training_the_biases_too(capsys):
    code, out, _ = run(capsys, "example", "--train-biases", "--steps", "1", "--out", "g.dot")
    assert code == 0
    assert "0.285750887" in out


def test_explain_any_named_node(capsys):
    code, out, _ = run(capsys, "example", "--steps", "1", "--explain", "w3", "--out", "g.dot")
    assert code == 0
    assert "dE_total/dw3" in out


def test_explain_an_unknown_node_is_one_clear_line(capsys):
    code, _, err = run(capsys, "example", "--steps", "1", "--explain", "w9", "--out", "g.dot")
    assert code == 2
    assert "w9" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_draw_prints_the_gradients_and_writes_the_drawing(capsys, tmp_path):
    code, out, err = run(capsys, "draw", "tanh(x*w+b)", "x=0.5", "w=-1", "b=0.2", "-o", "neuron.svg")
    assert code == 0, err
    y = math.tanh(0.5 * -1 + 0.2)
    slope = 1 - y * y
    # Closed forms: dy/dx = w (1 - y^2), dy/dw = x (1 - y^2), dy/db = 1 - y^2.
    for expected in (-1 * slope, 0.5 * slope, slope):
        assert f"{expected:.9f}" in out
    assert_valid_svg(tmp_path / "neuron.svg", "tanh")


def test_draw_never_evaluates_python(capsys, tmp_path):
    code, _, err = run(capsys, "draw", "__import__('os').system('touch x')")
    assert code == 2
    assert "unknown function" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["draw", "x.__class__", "x=1"], "Attribute"),
        (["draw", "foo(x)", "x=1"], "unknown function"),
        (["draw", "x*y", "x=1"], "no value given for y"),
        (["draw", "x", "x=one"], "must be a number"),
        (["draw", "log(x)", "x=0"], "log"),
        (["draw", "x", "x=1", "-o", "out.bmp"], "suffix"),
        (["gradcheck", "sqrt(x)", "x=-1"], "sqrt"),
        (["train", "moons", "--layers", "16,x"], "16,x"),
        (["train", "triangles"], "triangles"),
        (["train", "xor", "--load", "missing.json"], "missing.json"),
        (["--no-such-option"], "--no-such-option"),
    ],
)
def test_every_user_mistake_is_one_line_and_a_non_zero_exit(capsys, argv, words):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert words in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_an_unreadable_weights_file_is_one_line(capsys, tmp_path):
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    code, _, err = run(capsys, "train", "xor", "--load", "bad.json", "--epochs", "1")
    assert code == 2
    assert "bad.json" in err and len(err.strip().splitlines()) == 1


def test_gradcheck_exit_codes(capsys):
    code, out, _ = run(capsys, "gradcheck", "relu(x)", "x=0")
    assert code == 1
    assert "FAIL" in out and "kink" in out
    code, out, _ = run(capsys, "gradcheck", "log(1 + exp(-y*s))", "y=1", "s=0.3")
    assert code == 0
    code, _, _ = run(capsys, "gradcheck", "sin(x*y) + x**3", "x=0.4", "y=-1.2", "--order", "2")
    assert code == 0


def test_train_reaches_full_accuracy_and_writes_both_plots(capsys, tmp_path):
    argv = ["train", "xor", "--epochs", "30", "--samples", "40", "--seed", "1", "--save", "xor.json"]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert "training accuracy 100.0%" in out
    for name in ("xor_loss.png", "xor_boundary.png"):
        assert (tmp_path / name).read_bytes().startswith(PNG_MAGIC)
    # Continue from the saved weights: the first epoch starts where training ended.
    again = ["train", "xor", "--epochs", "1", "--samples", "40", "--seed", "1", "--load", "xor.json"]
    code, out, err = run(capsys, *again)
    assert code == 0, err
    assert "training accuracy 100.0%" in out


@pytest.mark.parametrize("command", ["example", "train", "draw", "gradcheck"])
def test_every_subcommand_has_help_with_an_example(capsys, command):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "example: tracegrad" in capsys.readouterr().out


def test_as_a_subprocess(tmp_path):
    finished = subprocess.run(
        [sys.executable, "-m", "viz", "draw", "x*x + 1", "x=3", "-o", "square.svg"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    assert "6.000000000" in finished.stdout  # d(x*x + 1)/dx at 3
    assert_valid_svg(tmp_path / "square.svg")
