"""What every subcommand of the CLI shares: exit codes, the usage error, number formatting, Ctrl-C deferral,
output-path checks, argument types, the option tables the parser is built from, and train's bounds.

Imports the standard library and rich only.
"""

import argparse
import math
import os
import signal
import textwrap
import threading
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

from rich.console import Console

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports after Ctrl-C


# train's bounds: far above what a scalar engine trains in reasonable time, far below what exhausts memory.
MAX_SAMPLES = 100_000
MAX_LAYER = 10_000  # neurons in one layer
MAX_WEIGHTS = 1_000_000  # parameters of the whole MLP
MAX_GRAPH = 10_000_000  # examples per update x parameters: the graph of one update holds about that many nodes


class UsageError(Exception):
    """A mistake of the user's: reported as one line, `tracegrad <command>: message`, exit code 2."""


@contextmanager
def interrupts_deferred(*, reraise=True):
    """Inside, Ctrl-C is remembered instead of raised; on leaving, a remembered Ctrl-C is raised (if `reraise`).

    For the steps that must finish once begun, such as restoring and saving the
    weights after a first Ctrl-C. Outside the main thread, where Python cannot
    set signal handlers, it does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught and reraise:
        raise KeyboardInterrupt


def console():
    return Console(highlight=False)


def number(x, digits):
    """`x` with `digits` significant digits, trailing zeros kept so columns line up.

    0.298371109, 0.000438567734, 2.50000000, 1.00000000e+300 at 9 digits: the
    same precision as the drawings and explanations (there without the zeros).
    """
    return f"{x:#.{digits}g}".replace(".e", "e").rstrip(".")


# ---------------------------------------------------------------- option tables


class Option(NamedTuple):
    """One argument of a subcommand, declared once: what `add_argument` gets."""

    flags: tuple
    settings: dict


def epochs_text(count):
    """`1 epoch`, `5 epochs`."""
    return f"{count} epoch" if count == 1 else f"{count} epochs"


def option(*flags, **settings):
    return Option(flags, settings)


_TAKE_NO_VALUE = {"store_true", "store_false", "store_const", "count", "help", "version"}


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's help, with the prose of a description or epilog refilled to the terminal's width.

    A paragraph (lines between blank lines) is running text and is wrapped
    anew, so a narrow terminal gets no overlong lines; a paragraph with an
    indented line, or one that starts with "example" or ends with ":", is a
    layout (examples, a list of defaults) and is kept as written.
    """

    def _fill_text(self, text, width, indent):
        paragraphs = []
        for paragraph in text.split("\n\n"):
            lines = paragraph.splitlines()
            kept = (
                any(line.startswith(" ") for line in lines)
                or paragraph.startswith("example")
                or paragraph.rstrip().endswith(":")
            )
            if kept:
                paragraphs.append("\n".join(indent + line for line in lines))
            else:
                text = " ".join(lines)
                paragraphs.append(textwrap.fill(text, width, initial_indent=indent, subsequent_indent=indent))
        return "\n\n".join(paragraphs)


def add_command(commands, name, options, run, **settings):
    """Add the subcommand `name` with its declared `options`, run by `run(args)`; `settings` go to argparse.

    Each option's help ends with its default, read from the declaration (so
    the two cannot disagree) unless the help already says what it is.
    """
    parser = commands.add_parser(name, formatter_class=HelpFormatter, **settings)
    for declared in options:
        arguments = dict(declared.settings)
        shown = _default_text(arguments.get("default"))
        if shown is not None and "help" in arguments and "default" not in arguments["help"]:
            arguments["help"] += f" (default {shown})"
        parser.add_argument(*declared.flags, **arguments)
    parser.set_defaults(run=run)


def _default_text(default):
    if default is None or isinstance(default, bool) or default == []:
        return None
    if isinstance(default, list):
        return ",".join(str(item) for item in default)
    if isinstance(default, float):
        return repr(default).replace("e-0", "e-")  # 1e-6, not 1e-06
    return str(default)


def value_options(options):
    """The flags in `options` that take a value, as the EXPR finder needs them."""
    return tuple(
        flag
        for declared in options
        if declared.settings.get("action") not in _TAKE_NO_VALUE
        for flag in declared.flags
        if flag.startswith("-")
    )


# ---------------------------------------------------------------- argument types


_KIND_NAMES = {int: "an int", float: "a number"}


def number_in(kind, *, low, high=math.inf, low_open=False):
    """An argparse type: a finite `kind` (int or float) from `low` (excluded if `low_open`) to `high`."""
    if kind is int and not low_open and high < math.inf:
        wanted = f"an int from {low} to {high}"
    else:
        wanted = f"{'an int' if kind is int else 'a finite number'} {'>' if low_open else '>='} {low}"
        if high < math.inf:
            wanted += f" and <= {high}"

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {_KIND_NAMES[kind]}, got {text!r}") from None
        too_low = value <= low if low_open else value < low
        if not math.isfinite(value) or too_low or value > high:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
        return value

    return parse


def positive(kind):
    return number_in(kind, low=0, low_open=True)


def _digit_count(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of digits, got {text!r}") from None
    if not 1 <= value <= 17:
        raise argparse.ArgumentTypeError(f"digits must be between 1 and 17, got {value}")
    return value


# ---------------------------------------------------------------- output paths


def check_output_file(given, option, suffixes=None):
    """Refuse, before any work, a file that could not be written; the message names the path as given."""
    path = Path(given)
    if path.is_dir():
        raise UsageError(f"{option} {given!r} is a directory; give a file name")
    if suffixes is not None and path.suffix.lower() not in suffixes:
        found = f"the suffix {path.suffix!r}" if path.suffix else "a name without a suffix"
        raise UsageError(f"{option} {given!r}: cannot tell the format from {found}; use one of {', '.join(suffixes)}")
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"{option} {given!r}: the directory {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {given!r}: the directory {str(folder)!r} is not writable")


def check_output_directory(given, option):
    folder = Path(given)
    if not folder.is_dir():
        problem = "is a file, not a directory" if folder.exists() else "is not an existing directory"
        raise UsageError(f"{option} {str(given)!r} {problem}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {str(given)!r}: the directory is not writable")


def digits_option(table_default, drawing_default):
    """--digits: significant digits of every number shown; by default `table_default` in tables and
    explanations, `drawing_default` in the drawing (a drawing has less room)."""
    return option(
        "--digits",
        type=_digit_count,
        default=None,
        help=f"significant digits of every number shown, 1 to 17 (default {table_default} in the tables "
        f"and explanations, {drawing_default} in the drawing)",
    )


# ---------------------------------------------------------------- train's shared checks and messages


def check_size(sizes, batch):
    """Refuse, before anything is allocated, an MLP of `sizes` (inputs first) or an update graph past the bounds."""
    weights = sum((fan_in + 1) * fan_out for fan_in, fan_out in pairwise(sizes))
    if weights > MAX_WEIGHTS:
        hidden = ",".join(map(str, sizes[1:-1]))
        raise UsageError(f"--layers {hidden} makes {weights} weights; at most {MAX_WEIGHTS}")
    if batch * weights > MAX_GRAPH:
        raise UsageError(
            f"{batch} examples per update x {weights} weights is too large a graph for one update "
            f"(batch size x weights at most {MAX_GRAPH}); give a smaller --batch-size, --samples or --layers"
        )
