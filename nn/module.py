"""`Module`: parameters found by walking attributes, state dicts, JSON weight files.

Owns the parameter bookkeeping every model shares: naming, zeroing, state
dicts and saving/loading weights. Imports the standard library and `autograd`
only; never `viz`.

How parameters are found. `named_parameters()` walks the instance attributes
in the order they were first assigned (`vars(self)` keeps it): a `Value` is a
parameter, a `Module` is walked with its attribute name as a prefix, a list or
tuple is walked with the index as the name. Attributes whose names start with
"_" and everything else (numbers, strings, functions) are skipped. There is no
registration magic: a model's parameters are whatever its attributes hold, so
a reader sees them in `__init__`. A Value reached twice (a shared bias) is
listed once, under the first name met.

Weight files are JSON, `{"format": "tracegrad.nn/1", "model": <class name>,
"parameters": {name: number}}`, written to a temporary file in the same
directory and moved into place with `os.replace`, so a crash never leaves half
a file. Never pickle: loading a weight file runs no code.
"""

import contextlib
import json
import math
import os
import secrets

from autograd import Value

FILE_FORMAT = "tracegrad.nn/1"


class Module:
    """Base class of models: parameters, gradients to zero, state dicts, files."""

    def named_parameters(self):
        """List of `(name, Value)`, dotted names in attribute order, each Value once."""
        found = []
        seen = set()
        # An explicit stack instead of recursion; pushed reversed so items pop in order.
        stack = [("", self)]
        while stack:
            name, item = stack.pop()
            if isinstance(item, Value):
                if item not in seen:
                    seen.add(item)
                    found.append((name, item))
                continue
            if isinstance(item, Module):
                children = [(key, child) for key, child in vars(item).items() if not key.startswith("_")]
            elif isinstance(item, (list, tuple)):
                children = [(str(index), child) for index, child in enumerate(item)]
            else:
                continue
            prefix = f"{name}." if name else ""
            for key, child in reversed(children):
                if isinstance(child, (Value, Module, list, tuple)):
                    stack.append((prefix + key, child))
        return found

    def parameters(self):
        """List of the parameter Values, in the order of `named_parameters()`."""
        return [value for _, value in self.named_parameters()]

    def zero_grad(self):
        """Set `.grad` of every parameter to 0.0."""
        for value in self.parameters():
            value.grad = 0.0

    def state_dict(self):
        """Dict name -> float of every parameter's data, in parameter order."""
        return {name: value.data for name, value in self.named_parameters()}

    def load_state_dict(self, state):
        """Set every parameter from `state` (name -> number), all or nothing.

        A missing, unexpected, non-numeric or non-finite entry raises
        `ValueError` before any parameter is touched.
        """
        named = self.named_parameters()
        values = _checked_state(state, [name for name, _ in named], type(self).__name__)
        for (_, parameter), number in zip(named, values):
            parameter.data = number

    def save(self, path):
        """Write the parameters to `path` as JSON, atomically. Returns the path."""
        state = self.state_dict()
        for name, number in state.items():
            if not math.isfinite(number):
                raise ValueError(f"save: parameter {name!r} is {number!r}; only finite weights can be saved")
        document = {"format": FILE_FORMAT, "model": type(self).__name__, "parameters": state}
        # Floats are written with repr, which reads back to the same float bit for bit.
        text = json.dumps(document, indent=1, allow_nan=False) + "\n"
        _write_atomically(os.fspath(path), text)
        return path

    def load(self, path):
        """Set the parameters from a file written by `save`, in place, all or nothing.

        A file that is not valid JSON, not a tracegrad weight file, or whose
        parameters do not match this model's names and numbers raises
        `ValueError` and leaves the model unchanged. Returns the model.
        """
        path = os.fspath(path)
        with open(path, encoding="utf-8") as file:
            text = file.read()
        try:
            document = json.loads(text, parse_constant=_reject_constant)
        except ValueError as error:
            raise ValueError(f"load: {path} is not a valid JSON weight file ({error})") from None
        if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
            raise ValueError(f"load: {path} is not a tracegrad weight file (expected format {FILE_FORMAT!r})")
        if not isinstance(document.get("parameters"), dict):
            raise ValueError(f"load: {path} has no 'parameters' object")
        try:
            self.load_state_dict(document["parameters"])
        except ValueError as error:
            raise ValueError(f"load: {path}: {error}") from None
        return self

    def __repr__(self):
        return f"{type(self).__name__}() with {len(self.parameters())} parameters"


def _checked_state(state, names, model):
    """The numbers of `state` in the order of `names`, or ValueError naming every problem."""
    if not isinstance(state, dict):
        raise ValueError(f"load_state_dict: expected a dict of name -> number, got {type(state).__name__}")
    missing = [name for name in names if name not in state]
    expected = set(names)
    unexpected = [name for name in state if name not in expected]
    if missing or unexpected:
        problems = []
        if missing:
            problems.append(f"missing {_listing(missing)}")
        if unexpected:
            problems.append(f"unexpected {_listing(unexpected)}")
        raise ValueError(
            f"load_state_dict: the state does not fit this {model} ({len(names)} parameters): " + "; ".join(problems)
        )
    numbers = []
    for name in names:
        number = state[name]
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise ValueError(f"load_state_dict: {name!r} must be a number, got {type(number).__name__}: {number!r}")
        number = float(number)
        if not math.isfinite(number):
            raise ValueError(f"load_state_dict: {name!r} must be finite, got {number!r}")
        numbers.append(number)
    return numbers


def _listing(names, limit=5):
    shown = ", ".join(repr(name) for name in names[:limit])
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return f"{len(names)} ({shown}{more})"


def _reject_constant(name):
    raise ValueError(f"{name} is not a number a weight file may hold")


def _write_atomically(path, text):
    """Write `text` to a new temporary file beside `path`, then move it over `path`.

    `os.replace` within one directory is atomic: readers see the old file or
    the new one, never a part. The temporary file is created like any new file
    (mode 0o666 less the umask), so the result has the usual permissions.
    """
    directory, name = os.path.split(os.path.abspath(path))
    temporary = os.path.join(directory, f".{name}.{secrets.token_hex(6)}.tmp")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
