"""Real data sets shipped inside the package: wheat seeds, iris and 8x8 handwritten digits.

Owns `load_seeds`, `load_iris`, `load_digits` and `TABLES` (name -> `Table`,
what each file holds). Imports the standard library and `nn.checks` only;
never `viz`.

Each loader returns `(X, y)`: `X` a list of feature lists (floats), `y` a list
of class indices 0 .. k-1, in the file's row order. The files live in
`nn/data/` (package data, in the wheel; their sources, licences and checksums
are in `nn/data/README.md`) and are never downloaded. Reading is strict: a
line with the wrong number of fields, a field that is not a finite number, a
label outside the set's classes, or a wrong count of rows or of rows per class
raises `DataFileError` naming the file and, where there is one, the line.
Each call returns new lists, so changing them changes nothing for the next.
"""

import gzip
import math
import re
import zlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from nn.checks import ArgumentError, shown


class DataFileError(ValueError):
    """A shipped data file that does not hold what it should (corrupted or replaced)."""


@dataclass(frozen=True)
class Table:
    """What one shipped file holds, checked on every load.

    `per_class` the rows of each class, as the sources publish them;
    `labels` are the label texts of the file's last column, in class-index
    order (label `labels[k]` becomes class k); `classes` the names of the
    classes; `header` the exact first line, or None when the file has none.
    """

    name: str
    filename: str
    rows: int
    features: int
    labels: tuple
    classes: tuple
    feature_names: tuple
    per_class: tuple
    header: str | None = None


_PIXELS = tuple(f"pixel_{row}_{column}" for row in range(8) for column in range(8))

TABLES = {
    "seeds": Table(
        name="seeds",
        filename="wheat-seeds.csv",
        rows=210,
        features=7,
        labels=("1", "2", "3"),
        classes=("Kama", "Rosa", "Canadian"),
        feature_names=(
            "area",
            "perimeter",
            "compactness",
            "kernel length",
            "kernel width",
            "asymmetry coefficient",
            "groove length",
        ),
        per_class=(70, 70, 70),
    ),
    "iris": Table(
        name="iris",
        filename="iris.csv",
        rows=150,
        features=4,
        labels=("0", "1", "2"),
        classes=("setosa", "versicolor", "virginica"),
        feature_names=("sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"),
        per_class=(50, 50, 50),
        header="150,4,setosa,versicolor,virginica",
    ),
    "digits": Table(
        name="digits",
        filename="digits.csv.gz",
        rows=1797,
        features=64,
        labels=tuple(str(digit) for digit in range(10)),
        classes=tuple(str(digit) for digit in range(10)),
        feature_names=_PIXELS,
        # As scikit-learn's load_digits counts them.
        per_class=(178, 182, 177, 183, 181, 182, 181, 179, 174, 180),
    ),
}

# A decimal number as the files write them: no spaces, signs of exponents only, no "nan", "inf" or "1_0".
_NUMBER = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")

_cache = {}


def load_seeds():
    """The UCI wheat seeds: 210 kernels, 7 geometric features, varieties Kama, Rosa, Canadian (70 each).

    Labels 1, 2, 3 of the file become classes 0, 1, 2. Features are as
    measured (area, perimeter, compactness, length, width, asymmetry, groove
    length); scale them before training (`nn.MinMaxScaler`).
    """
    return load("seeds")


def load_iris():
    """Fisher's iris: 150 flowers, 4 measurements in cm, classes setosa, versicolor, virginica (50 each)."""
    return load("iris")


def load_digits():
    """UCI optdigits' test set as scikit-learn ships it: 1797 8x8 images, 64 pixel counts 0..16, digits 0..9.

    Pixel k of a row is the image's row k // 8, column k % 8.
    """
    return load("digits")


def load(name):
    """`(X, y)` of the shipped set `name` ("seeds", "iris" or "digits")."""
    if not isinstance(name, str) or name not in TABLES:
        raise ArgumentError(f"load: the data sets are {', '.join(map(repr, TABLES))}, got {shown(name)}")
    if name not in _cache:
        table = TABLES[name]
        _cache[name] = read_table(data_path(table.filename), table)
    features, labels = _cache[name]
    return [list(row) for row in features], list(labels)


def data_path(filename):
    """The path of a file in `nn/data/` (inside the installed package)."""
    return Path(str(resources.files("nn.data") / filename))


def read_table(path, table):
    """Parse `path` strictly as `table` says; `(features, labels)` as tuples, or DataFileError."""
    path = Path(path)
    lines = _lines(path)
    first = 1
    if table.header is not None:
        if not lines or lines[0] != table.header:
            got = shown(lines[0]) if lines else "an empty file"
            raise DataFileError(f"{path}, line 1: expected the header {table.header!r}, got {got}")
        first = 2
    features = []
    labels = []
    label_index = {label: index for index, label in enumerate(table.labels)}
    fields = table.features + 1
    for number, line in enumerate(lines[first - 1 :], start=first):
        if not line.strip():
            if number == len(lines):  # one newline at the end of the file is no row
                continue
            raise DataFileError(f"{path}, line {number}: empty line inside the data")
        parts = line.split(",")
        if len(parts) != fields:
            raise DataFileError(
                f"{path}, line {number}: expected {fields} comma-separated fields "
                f"({table.features} features and the label), got {len(parts)}: {shown(line)}"
            )
        row = []
        for column, text in enumerate(parts[:-1], start=1):
            row.append(_field(text, path, number, column))
        label = parts[-1].rstrip("\r")  # a CRLF line end is tolerated, nothing else
        if label not in label_index:
            raise DataFileError(
                f"{path}, line {number}: the label must be one of {', '.join(table.labels)}, got {shown(parts[-1])}"
            )
        features.append(tuple(row))
        labels.append(label_index[label])
    if len(features) != table.rows:
        raise DataFileError(f"{path}: expected {table.rows} rows of {table.name} data, got {len(features)}")
    counts = tuple(labels.count(k) for k in range(len(table.labels)))
    if counts != table.per_class:
        raise DataFileError(f"{path}: expected {table.per_class} rows per class, got {counts}")
    return tuple(features), tuple(labels)


def _lines(path):
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DataFileError(f"{path}: cannot read the data file ({error.strerror or error})") from None
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as error:
            raise DataFileError(f"{path}: not a valid gzip file ({error})") from None
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DataFileError(f"{path}, line {line}: a byte that is not ASCII ({raw[error.start]:#04x})") from None
    return text.split("\n")


def _field(text, path, line, column):
    if not _NUMBER.fullmatch(text):
        raise DataFileError(f"{path}, line {line}, field {column}: not a number: {shown(text)}")
    value = float(text)
    if not math.isfinite(value):  # digits beyond the largest float
        raise DataFileError(f"{path}, line {line}, field {column}: not a finite number: {shown(text)}")
    return value
