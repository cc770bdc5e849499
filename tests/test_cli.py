"""The `tracegrad` command as a whole: the parser, the error mapping, help, and `python -m viz`."""

import errno
import re
import subprocess
import sys

import pytest
from cli_support import assert_valid_svg, run

from nn import worked_example as example
from viz import cli
from viz.cli import draw as draw_command
from viz.cli import main

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
