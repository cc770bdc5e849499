"""The `tracegrad` command as a whole: the parser, the error mapping, help, and `python -m viz`."""

import argparse
import errno
import io
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from cli_support import assert_valid_svg, run

from nn import ArgumentError
from nn import worked_example as example
from viz import cli
from viz.cli import build_parser, main
from viz.cli import draw as draw_command
from viz.cli import train as train_command

pytestmark = pytest.mark.usefixtures("in_temporary_directory")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["draw", "x.__class__", "x=1"], "attributes (x.name) are not allowed at column 1"),
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
    assert "6.00000000" in finished.stdout  # d(x*x + 1)/dx at 3
    assert_valid_svg(tmp_path / "square.svg")


@pytest.mark.parametrize("command", ["draw", "gradcheck"])
def test_every_option_taking_a_value_is_known_to_the_expr_finder(capsys, command):
    # An option missing from cli._VALUE_OPTIONS would have its value taken for EXPR.
    with pytest.raises(SystemExit):
        main([command, "--help"])
    options_section = capsys.readouterr().out.split("options:")[1]
    taking_a_value = set(re.findall(r"(-{1,2}[a-z][\w-]*) [A-Z{]", options_section))
    assert taking_a_value == set(cli._VALUE_OPTIONS[command])


def test_an_os_error_without_a_file_name_is_one_clean_line(capsys, monkeypatch):
    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(draw_command, "render", disk_full)
    code, _, err = run(capsys, "draw", "x", "x=1", "-o", "p.svg")
    assert code == 2
    assert err == "tracegrad draw: No space left on device\n"


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


def test_ctrl_c_elsewhere_is_one_line_and_exit_130(capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(draw_command, "render", interrupted)
    code, _, err = run(capsys, "draw", "x", "x=1", "-o", "p.svg")
    assert code == 130
    assert err == "tracegrad draw: interrupted\n"


def test_options_alone_run_the_example(capsys):
    code, out, err = run(capsys, "--steps", "1", "--out", "g.dot")
    assert code == 0, err
    assert "0.298371109" in out
    code, out, err = run(capsys, "--order", "published", "--steps", "1", "--out", "g.dot")
    assert code == 0, err
    assert example.PUBLISHED_LATER["E_total after 1 step"] in out


# ---------------------------------------------------------------- version, help, and which errors are the user's


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert re.fullmatch(r"tracegrad \d+\.\d+\.\d+\S*\n", capsys.readouterr().out)


def test_the_top_level_help_has_examples(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("tracegrad train moons", "tracegrad draw 'tanh(x*w + b)'", "tracegrad gradcheck 'relu(x)' x=0"):
        assert command in out


@pytest.mark.parametrize("columns", [80, 100])
@pytest.mark.parametrize("command", [[], ["example"], ["train"], ["draw"], ["gradcheck"]])
def test_help_fits_the_terminal_and_keeps_its_examples_as_written(capsys, monkeypatch, command, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    out = capsys.readouterr().out
    too_long = [line for line in out.splitlines() if len(line) > columns]
    assert not too_long, too_long
    assert "\n  tracegrad " in out or "\nexample: tracegrad " in out  # the examples, as written


@pytest.mark.parametrize("command", ["example", "train", "draw", "gradcheck"])
def test_every_option_has_help_and_every_default_is_stated(command):
    for action in build_parser()._subparsers._group_actions[0].choices[command]._actions:
        assert action.help, f"{command} {action.dest} has no help"
        if action.default not in (None, False, [], argparse.SUPPRESS) and action.option_strings:
            assert "default" in action.help, f"{command} {action.dest}: {action.help!r}"


@pytest.mark.parametrize("error", [ValueError("a bug"), KeyError("y"), TypeError("a bug"), RuntimeError("a bug")])
def test_an_error_that_is_not_the_users_is_a_bug_with_its_traceback(monkeypatch, error):
    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(draw_command, "render", broken)
    with pytest.raises(type(error)):
        main(["draw", "x", "x=1", "-o", "p.svg"])


def test_nn_argument_errors_are_the_users(capsys, monkeypatch):
    def refused(*args, **kwargs):
        raise ArgumentError("MLP: a bad value")

    monkeypatch.setattr(train_command, "MLP", refused)
    code, _, err = run(capsys, "train", "xor", "--epochs", "1", "--samples", "8")
    assert code == 2
    assert err == "tracegrad train: MLP: a bad value\n"


def test_a_second_ctrl_c_while_saying_interrupted_is_not_a_traceback(capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    class InterruptedAgainWhileWriting(io.StringIO):
        def write(self, text):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # let the handler run, if there is one
            return super().write(text)

    monkeypatch.setattr(draw_command, "render", interrupted)
    stderr = InterruptedAgainWhileWriting()
    monkeypatch.setattr(sys, "stderr", stderr)
    assert main(["draw", "x", "x=1", "-o", "p.svg"]) == 130
    assert stderr.getvalue() == "tracegrad draw: interrupted\n"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # given back after an in-process call


# What a user waits for: matplotlib alone takes most of a second to import.
NO_MATPLOTLIB = """
import sys
from viz.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
print("matplotlib" in " ".join(sys.modules), code)
"""


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["train", "--help"], ["draw", "x*x", "x=3", "-o", "p.dot"], ["draw", "x+"], ["gradcheck", "x", "x=1"]],
)
def test_help_errors_and_draw_do_not_import_matplotlib(tmp_path, argv):
    finished = subprocess.run(
        [sys.executable, "-c", NO_MATPLOTLIB, *argv],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert finished.stdout.strip().splitlines()[-1] in ("False 0", "False 2"), finished.stdout + finished.stderr


def test_train_imports_matplotlib_to_plot(tmp_path):
    argv = ["train", "xor", "--epochs", "1", "--samples", "8", "--layers", "2"]
    finished = subprocess.run(
        [sys.executable, "-c", NO_MATPLOTLIB, *argv], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert finished.stdout.strip().splitlines()[-1] == "True 0", finished.stdout + finished.stderr
