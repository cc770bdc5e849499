"""`Module`: parameters found by walking attributes, state dicts, JSON weight files.

Owns the parameter bookkeeping every model shares: naming, zeroing, state
dicts and saving/loading weights. Imports `json`, `math`, `numbers`, `os` and
`stat` from the standard library, `autograd` (`Value`), `autograd.files`
(`file_kind`, `write_atomically`) and `nn.checks`; never `viz`.

How parameters are found. `named_parameters()` walks the instance attributes
in the order they were first assigned (`vars(self)` keeps it): a `Value` is a
parameter, a `Module` is walked with its attribute name as a prefix, a list or
tuple is walked with the index as the name, a dict with its keys as the names
(in insertion order; keys must be non-empty str without "."). Attributes whose
names start with "_" and everything else (numbers, strings, functions) are
skipped, so keep other dicts in "_" attributes. There is no registration
magic: a model's parameters are whatever its attributes hold, so a reader sees
them in `__init__`. A Value reached twice (a shared bias) is listed once, under
the first name met; so is a Module, list, tuple or dict reached twice, which
also makes a cycle (a child holding its parent) harmless.

Weight files are JSON, `{"format": "tracegrad.nn/2", "model": <class name>,
"epochs": <int or null>, "dataset": <str or null>, "parameters": {name: number}}`,
written by `autograd.files.write_atomically` (the old file or the new one,
never a part; only a regular file replaced; its permission bits kept).
"epochs" is how many epochs the weights were trained for and "dataset" what
on, as the caller of `save` states them (null: not stated). Files of format
"tracegrad.nn/1", which hold no "epochs" and no "dataset", still load: their
`WeightFile` says None for both. Never pickle: `read_weight_file` parses JSON
and checks every field, so loading a weight file runs no code.
"""

import json
import math
import numbers
import os
import stat
from dataclasses import dataclass

from autograd import Value
from autograd.files import file_kind, write_atomically
from nn.checks import ArgumentError, check_count, finite_float, shown

FILE_FORMAT = "tracegrad.nn/2"
# Every format `read_weight_file` reads: /1 is the same file without "epochs" and "dataset".
READABLE_FORMATS = ("tracegrad.nn/1", FILE_FORMAT)
MAX_DATASET_NAME = 200  # characters of the "dataset" field
# The largest weight file `load` reads: 256 MiB, about four times the file of a model at
# nn.MAX_PARAMETERS (some 60 bytes a parameter), so only a file that no model here could have
# written is refused, before a byte of it is read.
MAX_WEIGHT_FILE_BYTES = 256 * 2**20


@dataclass(frozen=True)
class WeightFile:
    """What `read_weight_file` found in a weight file, checked field by field.

    `model` is the class name of the model that saved it (None if the file
    names none, which no model then accepts); `parameters` maps
    each name to a finite float (not yet checked against any model);
    `epochs` (an int >= 0) and `dataset` (a str) are None when the file does
    not state them, as every file of format "tracegrad.nn/1"; `format` is the
    file's format string and `path` where it was read.
    """

    path: str
    format: str
    model: str
    parameters: dict
    epochs: int | None = None
    dataset: str | None = None


class Module:
    """Base class of models: parameters, gradients to zero, state dicts, files."""

    def named_parameters(self):
        """List of `(name, Value)`, dotted names in attribute order, each Value once."""
        found = []
        seen = set()
        # ids of the Modules, lists, tuples and dicts already walked: each is walked once,
        # under the first name met, so a cycle ends and a shared child is not listed twice.
        walked = set()
        # An explicit stack instead of recursion; pushed reversed so items pop in order.
        stack = [("", self)]
        while stack:
            name, item = stack.pop()
            if isinstance(item, Value):
                if item not in seen:
                    seen.add(item)
                    found.append((name, item))
                continue
            if id(item) in walked:
                continue
            walked.add(id(item))
            prefix = f"{name}." if name else ""
            for key, child in reversed(_children(item, name, type(self).__name__)):
                if isinstance(child, (Value, Module, list, tuple, dict)):
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
        `ArgumentError` (a `ValueError`) before any parameter is touched; a
        `state` that is not a dict raises `TypeError`.
        """
        named = self.named_parameters()
        values = _checked_state(state, [name for name, _ in named], type(self).__name__)
        for (_, parameter), number in zip(named, values):
            parameter.data = number

    def save(self, path, *, epochs=None, dataset=None):
        """Write the parameters to `path` as JSON; returns the path.

        `epochs` (an int >= 0) and `dataset` (a str) are recorded for whoever
        loads the file, `read_weight_file(path).epochs` and `.dataset`; None
        records that they are not known. Through
        `autograd.files.write_atomically`: readers find the old file or the
        new one, never a part; an existing target that is not a regular file
        (a directory, a FIFO, a device) is refused with `OSError`; a symlink to
        a regular file is followed (the file it points to is replaced, the link
        stays); an existing file keeps its permission bits. A write killed
        outright can leave a temporary `.<name>.<hex>.tracegrad-tmp` beside the
        target, removed by the next save to it.
        """
        _check_path("save", path)
        if epochs is not None:
            check_count("save: epochs", epochs, 0)
        if dataset is not None:
            _check_dataset_name(dataset, "save: dataset", TypeError)
        state = self.state_dict()
        for name, number in state.items():
            if not math.isfinite(number):
                raise ArgumentError(f"save: parameter {name!r} is {number!r}; only finite weights can be saved")
        document = {
            "format": FILE_FORMAT,
            "model": type(self).__name__,
            "epochs": epochs,
            "dataset": dataset,
            "parameters": state,
        }
        # Floats are written with repr, which reads back to the same float bit for bit.
        text = json.dumps(document, indent=1, allow_nan=False) + "\n"
        write_atomically(path, text)
        return path

    def load(self, path):
        """Set the parameters from a file written by `save`, in place, all or nothing. Returns the model.

        `load_weights(read_weight_file(path))`: see both for what is refused.
        To learn what the file records besides the weights (the epochs, the
        data set), read it with `read_weight_file` and pass that to
        `load_weights`.
        """
        return self.load_weights(read_weight_file(path))

    def load_weights(self, weights):
        """Set the parameters from `weights`, a `WeightFile`, all or nothing. Returns the model.

        Refused with `ArgumentError` (a `ValueError`) naming the file, the
        model left unchanged: weights of another kind of model (the file's
        "model" field) and parameters that do not match this model's names.
        """
        if not isinstance(weights, WeightFile):
            raise TypeError(f"load_weights: expected a WeightFile from read_weight_file, got {type(weights).__name__}")
        model = type(self).__name__
        if weights.model != model:
            found = shown(weights.model) if weights.model is not None else "no 'model' field"
            raise ArgumentError(f"load: {weights.path} holds the weights of {found}, not of a {model}")
        try:
            self.load_state_dict(weights.parameters)
        except ValueError as error:
            raise ArgumentError(f"load: {weights.path}: {error}") from None
        return self

    def __repr__(self):
        return f"{type(self).__name__}() with {len(self.parameters())} parameters"


def read_weight_file(path):
    """The checked contents of the weight file at `path`, a `WeightFile`; nothing is loaded into a model.

    Refused with `ArgumentError` (a `ValueError`) naming the path: anything
    that is not a regular file (a FIFO, a device such as /dev/zero, a
    directory; checked on the opened file, so nothing blocks or is read), a
    file larger than MAX_WEIGHT_FILE_BYTES (checked before reading), text that
    is not UTF-8 or not JSON, a key that appears twice in one object, a file
    that is not a tracegrad weight file of a format in READABLE_FORMATS, and
    fields of the wrong kind ("epochs" not an int >= 0, "dataset" not a short
    str, "parameters" not an object). A file that cannot be opened raises the
    usual `OSError`.
    """
    _check_path("load", path)
    path = os.fsdecode(path)
    text = _read_weight_file(path)
    try:
        document = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError) as error:
        # RecursionError: JSON nested thousands deep, which no weight file is.
        raise ArgumentError(f"load: {path} is not a valid JSON weight file ({error})") from None
    if not isinstance(document, dict) or document.get("format") not in READABLE_FORMATS:
        raise ArgumentError(f"load: {path} is not a tracegrad weight file (expected format {FILE_FORMAT!r})")
    model = document.get("model")
    if model is not None and not isinstance(model, str):
        raise ArgumentError(f"load: {path} holds the weights of {shown(model)}, which is no model's name")
    if not isinstance(document.get("parameters"), dict):
        raise ArgumentError(f"load: {path} has no 'parameters' object")
    epochs = document.get("epochs")
    if epochs is not None and (isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0):
        raise ArgumentError(f"load: {path}: 'epochs' must be an int >= 0 or null, got {shown(epochs)}")
    dataset = document.get("dataset")
    if dataset is not None:
        _check_dataset_name(dataset, f"load: {path}: 'dataset'", ArgumentError)
    return WeightFile(path, document["format"], model, document["parameters"], epochs, dataset)


def _check_dataset_name(name, what, kind_error):
    """A data set's name is a str of at most MAX_DATASET_NAME characters, printable (it is shown to users)."""
    if not isinstance(name, str):
        raise kind_error(f"{what} must be a str or None, got {type(name).__name__}: {shown(name)}")
    if len(name) > MAX_DATASET_NAME or not name.isprintable():
        raise ArgumentError(
            f"{what} must be printable text of at most {MAX_DATASET_NAME} characters, got {shown(name)}"
        )


def _children(item, name, model):
    """The `(key, child)` pairs `named_parameters` walks inside a Module, list, tuple or dict `item`."""
    if isinstance(item, Module):
        attributes = getattr(item, "__dict__", {})
        return [(key, child) for key, child in attributes.items() if isinstance(key, str) and not key.startswith("_")]
    if isinstance(item, (list, tuple)):
        return [(str(index), child) for index, child in enumerate(item)]
    if isinstance(item, dict):
        for key in item:
            if not isinstance(key, str):
                raise TypeError(
                    f"{model}.named_parameters: the dict {name!r} has the key {shown(key)} of type "
                    f"{type(key).__name__}; keys of a dict attribute name parameters, so they must be str "
                    f"(keep other dicts in attributes whose names start with '_')"
                )
            if not key or "." in key:
                raise ArgumentError(
                    f"{model}.named_parameters: the dict {name!r} has the key {key!r}; keys of a dict attribute "
                    f"name parameters, so they must be non-empty and hold no '.'"
                )
        return list(item.items())
    return []


def _checked_state(state, names, model):
    """The numbers of `state` in the order of `names`, or ArgumentError naming every problem."""
    if not isinstance(state, dict):
        raise TypeError(f"load_state_dict: expected a dict of name -> number, got {type(state).__name__}")
    missing = [name for name in names if name not in state]
    expected = set(names)
    unexpected = [name for name in state if name not in expected]
    if missing or unexpected:
        problems = []
        if missing:
            problems.append(f"missing {_listing(missing)}")
        if unexpected:
            problems.append(f"unexpected {_listing(unexpected)}")
        raise ArgumentError(
            f"load_state_dict: the state does not fit this {model} ({len(names)} parameters): " + "; ".join(problems)
        )
    checked = []
    for name in names:
        number = state[name]
        if isinstance(number, bool) or not isinstance(number, numbers.Real):
            raise ArgumentError(
                f"load_state_dict: {name!r} must be a number, got {type(number).__name__}: {shown(number)}"
            )
        checked.append(finite_float(number, f"load_state_dict: {name!r}"))
    return checked


def _listing(names, limit=5):
    listed = ", ".join(shown(name) for name in names[:limit])
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return f"{len(names)} ({listed}{more})"


def _read_weight_file(path):
    """The text of the regular file at `path`, or ArgumentError; never blocks, never reads past the limit."""
    # O_NONBLOCK: opening a FIFO would otherwise wait for a writer forever. The checks are on
    # the opened descriptor, so a file swapped after a check cannot slip through.
    handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise ArgumentError(f"load: {path} is {file_kind(info.st_mode)}, not a regular file, so not a weight file")
        if info.st_size > MAX_WEIGHT_FILE_BYTES:
            raise ArgumentError(_too_large(path, f"{info.st_size:,} bytes"))
        file = os.fdopen(handle, "rb")
    except BaseException:
        os.close(handle)
        raise
    with file:
        data = file.read(MAX_WEIGHT_FILE_BYTES + 1)  # a file still growing is cut off here
    if len(data) > MAX_WEIGHT_FILE_BYTES:
        raise ArgumentError(_too_large(path, "more bytes than that"))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ArgumentError(f"load: {path} is not a UTF-8 text file, so not a JSON weight file ({error})") from None


def _too_large(path, size):
    return (
        f"load: {path} is {size}; a weight file may be at most {MAX_WEIGHT_FILE_BYTES:,} bytes "
        f"(nn.MAX_WEIGHT_FILE_BYTES), far more than any model this engine can train"
    )


def _unique_keys(pairs):
    """A JSON object as a dict, or ValueError for a key it holds twice (json.loads would keep the last)."""
    document = {}
    for key, value in pairs:
        if key in document:
            raise ValueError(f"the key {shown(key)} appears twice in one object")
        document[key] = value
    return document


def _reject_constant(name):
    raise ArgumentError(f"{name} is not a number a weight file may hold")


def _check_path(owner, path):
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(
            f"{owner}: path must be a str or an os.PathLike such as pathlib.Path, got {type(path).__name__}"
        )
