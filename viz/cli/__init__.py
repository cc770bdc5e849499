"""The `tracegrad` command line (also `python -m viz`): `main`, the parser and the error mapping.

Sits on top of everything: imports `autograd`, `nn` and `viz`; nothing
imports it. One module per subcommand: `example` (the default: the worked
example step by step), `train`, and `draw` (draw and gradcheck); `common`
holds what they share.

Every user mistake prints one line on stderr, starting with
`tracegrad <command>: `, and exits with code 2; only `gradcheck` uses exit
code 1, for a failed check, and Ctrl-C exits with 130 (`train` still saves and
plots what it has trained). Output paths are checked before any work.

A user mistake is one of the project's own user-facing errors: the CLI's
`UsageError`, `viz.expression.ExpressionError`, `autograd.DomainError` and
`autograd.AnomalyError` (--anomaly), `nn.ArgumentError`, the renderer's
errors, or an `OSError` on a path the user gave. Anything else is a bug and
keeps its traceback.

Nothing here imports matplotlib: `train` imports `viz.plots` when it plots,
so `--help`, every error and `draw` start quickly.
"""

import argparse
import os
import signal
import sys
import threading

from autograd import AnomalyError, DomainError
from nn import ArgumentError
from viz.cli import draw, example, train
from viz.cli.common import EXIT_INTERRUPTED, EXIT_USAGE, HelpFormatter, UsageError, value_options
from viz.expression import ExpressionError
from viz.render import GraphvizNotFoundError, RenderError

# The errors that mean "the user asked for something we refuse", said in one line with exit code 2.
USER_ERRORS = (
    UsageError,
    ExpressionError,
    DomainError,
    AnomalyError,
    ArgumentError,
    GraphvizNotFoundError,
    RenderError,
)

EXAMPLES = """examples:
  tracegrad                                  the worked example, step by step
  tracegrad example --order published --explain w1
  tracegrad train moons --layers 16,16 --epochs 100 --save moons.json
  tracegrad draw 'tanh(x*w + b)' x=0.5 w=-1 b=0.2 -o neuron.svg
  tracegrad gradcheck 'relu(x)' x=0          exit code 1: relu has a kink at 0

'tracegrad COMMAND --help' shows a command's options and their defaults."""

# The options that take a value, read from the same tables the parser is built from: knowing them
# lets _positionals_last find EXPR even when it starts with "-", as "-x" or "-log(x)" do.
_VALUE_OPTIONS = {
    "draw": value_options(draw.DRAW_OPTIONS),
    "gradcheck": value_options(draw.GRADCHECK_OPTIONS),
}


class _ArgumentError(UsageError):
    """argparse's complaint; its message already starts with the (sub)command's name."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line on stderr and exit code 2."""

    def error(self, message):
        raise _ArgumentError(f"{self.prog}: {message} (see '{self.prog} --help')")


def build_parser():
    parser = _Parser(
        prog="tracegrad",
        description=(
            "A scalar autograd engine you can see. With no subcommand (or only options, as in "
            "'tracegrad --steps 5'), runs the worked example."
        ),
        epilog=EXAMPLES,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action=_Version, help="show the version and exit")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    example.add_parser(commands)
    train.add_parser(commands)
    draw.add_parsers(commands)
    return parser


class _Version(argparse.Action):
    """--version, reading the installed version only when asked (importlib.metadata is slow to import)."""

    def __init__(self, option_strings, dest, **settings):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **settings)

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib import metadata

        try:
            version = metadata.version("tracegrad")
        except metadata.PackageNotFoundError:  # run from a source tree that was never installed
            version = "(not installed)"
        print(f"tracegrad {version}")
        parser.exit()


def _is_option(token, value_options):
    """Whether argparse reads `token` as one of the options: -h, --out=p.svg, -op.svg (a value attached)."""
    if token in ("-h", "--help") or token.split("=", 1)[0] in value_options:
        return True
    return not token.startswith("--") and token[:2] in value_options


def _positionals_last(command, tokens):
    """What follows `draw` or `gradcheck`, reordered: the options, then `--` and EXPR with its NAME=VALUEs.

    argparse takes any token starting with "-" for an option, so it refuses the
    EXPR "-x". Here a token is an option only if it is one of the command's
    (or looks like a long option, which argparse then reports); anything else
    is positional, and the token after a `--` always is. Options may come
    before, between or after the positionals, as usual.
    """
    value_options = _VALUE_OPTIONS[command]
    options = []
    positionals = []
    remaining = iter(tokens)
    for token in remaining:
        if token == "--":
            following = next(remaining, None)
            if following is not None:
                positionals.append(following)
        elif token in value_options:
            value = next(remaining, None)
            # "--eps=-1" keeps a value that starts with "-" attached to its option.
            options.append(token if value is None else f"{token}={value}")
        elif _is_option(token, value_options) or token.startswith("--"):
            options.append(token)
        else:
            positionals.append(token)
    return options + (["--", *positionals] if positionals else [])


def _normalised(argv):
    """argv as the parser should read it: `example` when no command is named, and EXPR made safe."""
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv = ["example", *argv]
    if argv[0] in _VALUE_OPTIONS:
        argv = [argv[0], *_positionals_last(argv[0], argv[1:])]
    return argv


def _os_error_text(error):
    reason = error.strerror or str(error)
    # For os.replace (the last step of every write) filename2 is the user's path, filename the temporary file.
    name = error.filename2 if error.filename2 is not None else error.filename
    return reason if name is None else f"{os.fsdecode(name)}: {reason}"


def main(argv=None):
    """Run the command line (`sys.argv` when `argv` is None); returns the exit code."""
    as_program = argv is None
    argv = _normalised(sys.argv[1:] if argv is None else list(argv))
    prog = "tracegrad"
    try:
        args = build_parser().parse_args(argv)
        prog = f"tracegrad {args.command}"
        return args.run(args)
    except _ArgumentError as error:
        print(error, file=sys.stderr)
    except KeyboardInterrupt:
        _say_interrupted(prog, as_program)
        return EXIT_INTERRUPTED
    except USER_ERRORS as error:
        print(f"{prog}: {error}", file=sys.stderr)
    except OSError as error:
        print(f"{prog}: {_os_error_text(error)}", file=sys.stderr)
    return EXIT_USAGE


def _say_interrupted(prog, as_program):
    """Say so in one line; a second Ctrl-C meanwhile must not turn that into a traceback."""
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
    print(f"{prog}: interrupted", file=sys.stderr)
    if main_thread and not as_program:
        # Called in-process (tests, scripts): give Ctrl-C back. A program on its way out keeps ignoring it.
        signal.signal(signal.SIGINT, previous)
