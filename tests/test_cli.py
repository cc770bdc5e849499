"""The `tracegrad` command line, called in-process through `main([...])` and once as a subprocess.

Each test runs in its own temporary directory, so what a command writes (or
must not write) can be seen there.
"""

import errno
import json
import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from nn import worked_example as example
from nn.datasets import spirals
from viz import cli
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
    assert example.PUBLISHED_LATER["E_total after 1 step"] in out
    assert "0.291027774" not in out.split("Training with")[1]
    assert example.WHY_PUBLISHED_DIFFERS in out  # the sentence saying why the figures differ, whole


def test_training_the_biases_too(capsys):
    code, out, _ = run(capsys, "example", "--train-biases", "--steps", "1", "--out", "g.dot")
    assert code == 0
    assert "0.285750887" in out


def test_explain_any_named_node(capsys):
    code, out, _ = run(capsys, "example", "--steps", "1", "--explain", "w3", "--out", "g.dot")
    assert code == 0
    assert "dE_total/dw3" in out


def test_explain_an_unknown_node_is_one_clear_line(capsys):
    code, out, err = run(capsys, "example", "--steps", "1", "--explain", "w3", "--explain", "w9", "--out", "g.dot")
    assert code == 2
    assert "w9" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert out == ""  # refused before anything was printed


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
        (["draw", "x", "x=1", "y=2"], "y not used"),
        (["draw", "1" + "0" * 400 + "*x", "x=1"], "finite"),
        (["draw", "x*1e999", "x=1"], "1e999"),
        (["gradcheck", "x**1e999", "x=1"], "1e999"),
        (["gradcheck", "2+3"], "no variables"),
        (["draw", "x", "--bogus", "x=1"], "--bogus"),
    ],
)
def test_every_user_mistake_is_one_line_and_a_non_zero_exit(capsys, argv, words):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert words in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert re.match(r"tracegrad( [a-z]+)?: \S", err), err  # names the program (and the subcommand)
    assert out == ""


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


# ---------------------------------------------------------------- draw and gradcheck edge cases


def _row(out, name, *numbers):
    """Whether the table in `out` has a row: name, then the numbers, cell by cell."""
    cells = r"\s*│\s*".join(re.escape(cell) for cell in (name, *numbers))
    return re.search(rf"│\s*{cells}\s*│", out) is not None


@pytest.mark.parametrize("expression", ["x", "+x", "(x)", "+(+x)"])
def test_draw_an_expression_that_is_its_variable(capsys, tmp_path, expression):
    code, out, err = run(capsys, "draw", expression, "x=2.5", "-o", "p.dot")
    assert code == 0, err
    assert _row(out, "x", "2.500000000", "1.000000000")  # d(x)/dx = 1
    assert '"x|data 2.5|grad 1"' in (tmp_path / "p.dot").read_text(encoding="utf-8")  # still named x


@pytest.mark.parametrize(
    ("argv", "gradient"),
    [
        (["draw", "-x", "x=1.5", "-o", "p.dot"], "-1.000000000"),
        (["draw", "--", "-x", "x=1.5", "-o", "p.dot"], "-1.000000000"),
        (["draw", "-o", "p.dot", "-x*x", "x=1.5"], "-3.000000000"),  # d(-x^2)/dx = -2x
        (["draw", "--out=p.dot", "--digits", "3", "-(x)", "x=1.5"], "-1.000"),
    ],
)
def test_draw_an_expression_starting_with_a_minus(capsys, tmp_path, argv, gradient):
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert gradient in out
    assert (tmp_path / "p.dot").exists()


@pytest.mark.parametrize("command", ["draw", "gradcheck"])
def test_every_option_taking_a_value_is_known_to_the_expr_finder(capsys, command):
    # An option missing from cli._VALUE_OPTIONS would have its value taken for EXPR.
    with pytest.raises(SystemExit):
        main([command, "--help"])
    options_section = capsys.readouterr().out.split("options:")[1]
    taking_a_value = set(re.findall(r"(-{1,2}[a-z][\w-]*) [A-Z{]", options_section))
    assert taking_a_value == set(cli._VALUE_OPTIONS[command])


def test_gradcheck_an_expression_starting_with_a_minus(capsys):
    code, out, err = run(capsys, "gradcheck", "-log(x)", "x=2", "--order", "2")
    assert code == 0, err
    assert "passed" in out


def test_fullwidth_names_are_the_names_python_reads(capsys):
    code, out, err = run(capsys, "draw", "ｘ*2", "ｘ=1", "-o", "p.dot")
    assert code == 0, err
    assert _row(out, "x", "1.000000000", "2.000000000")


def test_huge_numbers_print_in_exponent_form(capsys):
    code, out, err = run(capsys, "draw", "x*2", "x=1e300", "-o", "p.dot")
    assert code == 0, err
    assert _row(out, "x", "1.000000000e+300", "2.000000000")
    assert "x*2 = 2.000000000e+300" in out
    assert not re.search(r"\d{20}", out)


def test_draw_digits_sets_the_table_and_the_drawing(capsys, tmp_path):
    code, out, err = run(capsys, "draw", "x*x", "x=0.123456789", "--digits", "3", "-o", "p.dot")
    assert code == 0, err
    assert _row(out, "x", "0.123", "0.247")  # 3 decimals; d(x^2)/dx = 2x = 0.246913578
    drawing = (tmp_path / "p.dot").read_text(encoding="utf-8")
    assert "data 0.123|grad 0.247" in drawing  # 3 significant digits
    assert "0.123456789" not in drawing


def test_an_os_error_without_a_file_name_is_one_clean_line(capsys, monkeypatch):
    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cli, "render", disk_full)
    code, _, err = run(capsys, "draw", "x", "x=1", "-o", "p.svg")
    assert code == 2
    assert err == "tracegrad draw: No space left on device\n"


# ---------------------------------------------------------------- output paths, checked first


@pytest.mark.parametrize(
    ("argv", "given"),
    [
        (["draw", "x", "x=1", "-o", "missing/p.svg"], "missing/p.svg"),
        (["draw", "x", "x=1", "-o", "folder"], "folder"),
        (["draw", "x", "x=1", "-o", "p.bmp"], "p.bmp"),
        (["example", "--steps", "1", "--out", "missing/g.svg"], "missing/g.svg"),
        (["example", "--steps", "1", "--out", "g.jpeg"], "g.jpeg"),
        (["train", "xor", "--epochs", "1", "--samples", "8", "--save", "missing/w.json"], "missing/w.json"),
        (["train", "xor", "--epochs", "1", "--samples", "8", "--save", "folder"], "folder"),
        (["train", "xor", "--epochs", "1", "--samples", "8", "--plots", "missing"], "missing"),
        (["train", "xor", "--epochs", "1", "--samples", "8", "--plots", "file.txt"], "file.txt"),
    ],
)
def test_an_unwritable_output_is_refused_before_any_work(capsys, tmp_path, argv, given):
    (tmp_path / "folder").mkdir()
    (tmp_path / "file.txt").write_text("not a directory", encoding="utf-8")
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""  # nothing computed, nothing printed
    assert f"'{given}'" in err and ".tmp" not in err
    assert len(err.strip().splitlines()) == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == ["file.txt", "folder"]


# ---------------------------------------------------------------- Ctrl-C


def test_ctrl_c_in_train_keeps_what_was_trained(capsys, tmp_path, monkeypatch):
    real_fit = cli.fit

    def fit_interrupted_in_the_third_epoch(*args, callback, **kwargs):
        def report(epoch):
            callback(epoch)
            if epoch.epoch == 1:
                raise KeyboardInterrupt

        return real_fit(*args, callback=report, **kwargs)

    common = ["train", "xor", "--samples", "12", "--layers", "4", "--seed", "3"]
    monkeypatch.setattr(cli, "fit", fit_interrupted_in_the_third_epoch)
    code, out, err = run(capsys, *common, "--epochs", "30", "--save", "stopped.json")
    assert code == 130
    assert err.count("\n") == 1 and "interrupted at epoch 3 of 30" in err
    assert "weights saved to stopped.json" in out
    for name in ("xor_loss.png", "xor_boundary.png"):
        assert (tmp_path / name).read_bytes().startswith(PNG_MAGIC)
    # What was saved is exactly the model after the two finished epochs.
    monkeypatch.setattr(cli, "fit", real_fit)
    code, _, err = run(capsys, *common, "--epochs", "2", "--save", "two.json")
    assert code == 0, err
    saved = json.loads((tmp_path / "stopped.json").read_text(encoding="utf-8"))
    assert saved == json.loads((tmp_path / "two.json").read_text(encoding="utf-8"))


def test_ctrl_c_in_the_middle_of_an_update_keeps_the_last_finished_epoch(capsys, tmp_path, monkeypatch):
    class AdamStoppedInItsThirdStep(cli.Adam):
        def __init__(self, params, **options):
            super().__init__(params, **options)
            self.updated = list(params)
            self.calls = 0

        def step(self):
            self.calls += 1
            if self.calls == 3:  # full batches: one step per epoch
                self.updated[0].data += 1.0  # the update half done when Ctrl-C comes
                raise KeyboardInterrupt
            super().step()

    real_adam = cli.Adam
    common = ["train", "xor", "--samples", "12", "--layers", "4", "--seed", "3"]
    monkeypatch.setattr(cli, "Adam", AdamStoppedInItsThirdStep)
    code, _, err = run(capsys, *common, "--epochs", "30", "--save", "stopped.json")
    assert code == 130
    assert "interrupted at epoch 3 of 30" in err and "2 finished epochs" in err
    monkeypatch.setattr(cli, "Adam", real_adam)
    code, _, err = run(capsys, *common, "--epochs", "2", "--save", "two.json")
    assert code == 0, err
    saved = json.loads((tmp_path / "stopped.json").read_text(encoding="utf-8"))
    assert saved == json.loads((tmp_path / "two.json").read_text(encoding="utf-8"))


def test_ctrl_c_elsewhere_is_one_line_and_exit_130(capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "render", interrupted)
    code, _, err = run(capsys, "draw", "x", "x=1", "-o", "p.svg")
    assert code == 130
    assert err == "tracegrad draw: interrupted\n"


# ---------------------------------------------------------------- train: labels for the loss


def test_hinge_on_spirals_reads_the_two_classes_as_minus_and_plus_one(capsys):
    argv = ["train", "spirals", "--loss", "hinge", "--epochs", "1", "--samples", "12", "--layers", "4"]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert "training accuracy" in out


@pytest.mark.parametrize("loss", ["hinge", "mse", "binary_cross_entropy"])
def test_a_two_class_loss_on_three_classes_is_refused_before_training(capsys, monkeypatch, loss):
    monkeypatch.setitem(cli.DATASETS, "spirals", lambda n, rng: spirals(n, classes=3, rng=rng))
    code, out, err = run(capsys, "train", "spirals", "--loss", loss, "--epochs", "1", "--samples", "12")
    assert code == 2
    assert out == ""
    assert "cross_entropy" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "train", "spirals", "--epochs", "1", "--samples", "12", "--layers", "4")
    assert code == 0, err  # the default for spirals, cross_entropy, takes three classes


# ---------------------------------------------------------------- example options


def test_options_alone_run_the_example(capsys):
    code, out, err = run(capsys, "--steps", "1", "--out", "g.dot")
    assert code == 0, err
    assert "0.298371109" in out
    code, out, err = run(capsys, "--order", "published", "--steps", "1", "--out", "g.dot")
    assert code == 0, err
    assert example.PUBLISHED_LATER["E_total after 1 step"] in out


def test_published_order_shows_the_weights_after_one_published_step(capsys):
    code, out, err = run(capsys, "example", "--order", "published", "--steps", "1", "--out", "g.dot")
    assert code == 0, err
    before_training = out.split("Training with")[0]
    assert "exact gradient descent" in before_training
    published = example.train(1, order="published").weights
    # The output layer's update is the same in both orders; the hidden layer's is not.
    assert _row(before_training, "w5", "0.400000000", "0.358916480", f"{published['w5']:.9f}")
    assert _row(before_training, "w1", "0.150000000", "0.149780716", f"{published['w1']:.9f}")
    assert f"{published['w1']:.9f}" != "0.149780716"


def test_the_exact_table_is_titled_exact(capsys):
    code, out, err = run(capsys, "example", "--steps", "1", "--out", "g.dot")
    assert code == 0, err
    assert "One step of exact gradient descent" in out
    assert f"The post itself prints {example.PUBLISHED_LATER['E_total after 1 step']}" in out


@pytest.mark.parametrize("option", [["--lr", "0.1"], ["--train-biases"]])
def test_the_posts_figure_is_quoted_only_for_the_posts_settings(capsys, option):
    code, out, err = run(capsys, "example", "--steps", "1", "--out", "g.dot", *option)
    assert code == 0, err
    assert "The post itself prints" not in out


def test_explaining_w5_again_prints_it_once(capsys):
    code, out, err = run(capsys, "example", "--steps", "1", "--explain", "w5", "--out", "g.dot")
    assert code == 0, err
    assert out.count("dE_total/dw5 by the chain rule") == 1


def test_example_digits_sets_tables_explanations_and_drawing(capsys, tmp_path):
    code, out, err = run(capsys, "example", "--steps", "1", "--digits", "4", "--out", "g.dot")
    assert code == 0, err
    assert "E_total  = 0.2984" in out  # 4 decimal places in the tables
    assert "dE_total/dw5 = 0.08217 " in out  # 4 significant digits in the explanation
    drawing = (tmp_path / "g.dot").read_text(encoding="utf-8")
    assert "data 0.2984" in drawing and "0.298371109" not in drawing  # and in the drawing


def test_png_without_system_graphviz_is_refused_before_the_work(capsys, monkeypatch):
    monkeypatch.setenv("TRACEGRAD_GRAPHVIZ", "embedded")  # as if `dot` were missing
    code, out, err = run(capsys, "example", "--steps", "1", "--out", "graph.png")
    assert code == 2
    assert "Forward pass" not in out  # nothing computed before the refusal
    assert "apt-get install graphviz" in err and len(err.strip().splitlines()) == 1
