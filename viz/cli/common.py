"""What every subcommand of the CLI shares: exit codes, the usage error, number formatting,
output-path checks, argument types, and the option tables the parser is built from.

Imports the standard library and rich only.
"""

import argparse
import os
from pathlib import Path
from typing import NamedTuple

from rich.console import Console

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports after Ctrl-C

# From this size on, the tables show numbers as 1.000000000e+308 rather than in all their digits.
_LARGE = 1e15


class UsageError(Exception):
    """A mistake of the user's: reported as one line, `tracegrad <command>: message`, exit code 2."""


def console():
    return Console(highlight=False)


def number(x, digits):
    """`x` with `digits` decimal places (0.298371109), in exponent form when tiny or huge (1.000000000e+308)."""
    if x == 0.0 or 10.0**-digits <= abs(x) < _LARGE:
        return f"{x:.{digits}f}"
    return f"{x:.{digits}e}"


# ---------------------------------------------------------------- option tables


class Option(NamedTuple):
    """One argument of a subcommand, declared once: what `add_argument` gets."""

    flags: tuple
    settings: dict


def option(*flags, **settings):
    return Option(flags, settings)


_TAKE_NO_VALUE = {"store_true", "store_false", "store_const", "count", "help", "version"}


def add_command(commands, name, options, run, **settings):
    """Add the subcommand `name` with its declared `options`, run by `run(args)`; `settings` go to argparse."""
    parser = commands.add_parser(name, formatter_class=argparse.RawDescriptionHelpFormatter, **settings)
    for declared in options:
        parser.add_argument(*declared.flags, **declared.settings)
    parser.set_defaults(run=run)


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


def positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {_KIND_NAMES[kind]}, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
        return value

    return parse


def digit_count(text):
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
