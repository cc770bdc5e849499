"""The `tracegrad` command line (also `python -m viz`): `main`, the parser and the error mapping.

Sits on top of everything: imports `autograd`, `nn` and `viz`; nothing
imports it. One module per subcommand: `example` (the default: the worked
example step by step), `train`, and `draw` (draw and gradcheck); `common`
holds what they share.

Every user mistake prints one line on stderr, starting with
`tracegrad <command>: `, and exits with code 2; only `gradcheck` uses exit
code 1, for a failed check, and Ctrl-C exits with 130 (`train` still saves and
plots what it has trained). Output paths are checked before any work.
"""

import argparse
import os
import sys

from viz.cli import draw, example, train
from viz.cli.common import EXIT_INTERRUPTED, EXIT_USAGE, UsageError, value_options
from viz.render import GraphvizNotFoundError, RenderError

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
    )
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    example.add_parser(commands)
    train.add_parser(commands)
    draw.add_parsers(commands)
    return parser


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
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
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
    """Run the command line; returns the exit code."""
    argv = _normalised(sys.argv[1:] if argv is None else list(argv))
    prog = "tracegrad"
    try:
        args = build_parser().parse_args(argv)
        prog = f"tracegrad {args.command}"
        return args.run(args)
    except _ArgumentError as error:
        print(error, file=sys.stderr)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (UsageError, ValueError, GraphvizNotFoundError, RenderError) as error:
        # ValueError covers ExpressionError and the engine's DomainError: bad input, said in one line.
        print(f"{prog}: {error}", file=sys.stderr)
    except OSError as error:
        print(f"{prog}: {_os_error_text(error)}", file=sys.stderr)
    return EXIT_USAGE
