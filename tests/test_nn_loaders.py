"""The shipped data sets: checksums, shapes, class counts, published sums, and strict reading of corrupted copies."""

import gzip
import hashlib
import math

import pytest

import nn
from nn.loaders import TABLES, DataFileError, data_path, read_table

# The SHA-256 of each file as copied from its source (nn/data/README.md names the sources).
CHECKSUMS = {
    "wheat-seeds.csv": "8dbd1853a4439afc113cfe07f290422c7ce3fe48745d71f3f7eaa027cd38fd6e",
    "iris.csv": "f13ffa8fdd56fd8e6c8d16d4081a3fbd3114bcd0aae4256c43205169cd9d1449",
    "digits.csv.gz": "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22",
}


@pytest.mark.parametrize("filename", sorted(CHECKSUMS))
def test_checksum(filename):
    assert hashlib.sha256(data_path(filename).read_bytes()).hexdigest() == CHECKSUMS[filename]


def test_every_shipped_file_is_checked_and_named_in_the_readme():
    readme = data_path("README.md").read_text(encoding="utf-8")
    assert {table.filename for table in TABLES.values()} == set(CHECKSUMS)
    for filename, digest in CHECKSUMS.items():
        assert filename in readme
        assert digest in readme
    assert readme.count("CC BY 4.0") >= 4


@pytest.mark.parametrize(
    ("load", "count", "features", "counts"),
    [
        (nn.load_seeds, 210, 7, [70, 70, 70]),
        (nn.load_iris, 150, 4, [50, 50, 50]),
        (nn.load_digits, 1797, 64, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]),
    ],
)
def test_shapes_and_class_counts(load, count, features, counts):
    rows, y = load()
    assert len(rows) == len(y) == count
    assert all(len(row) == features for row in rows)
    assert all(type(value) is float for row in rows for value in row)
    assert all(type(label) is int for label in y)
    assert [y.count(k) for k in range(len(counts))] == counts


def test_seeds_column_sums_are_the_published_ones():
    rows, y = nn.load_seeds()
    sums = [3117.98, 3057.45, 182.9097, 1181.992, 684.307, 777.0422, 1135.695]
    for column, expected in enumerate(sums):
        assert math.fsum(row[column] for row in rows) == pytest.approx(expected, abs=1e-9)
    # File labels 1, 2, 3 in blocks of 70 become classes 0, 1, 2.
    assert y == [0] * 70 + [1] * 70 + [2] * 70
    assert rows[0] == [15.26, 14.84, 0.871, 5.763, 3.312, 2.221, 5.22]


def test_iris_is_fishers_table():
    rows, y = nn.load_iris()
    # Column sums of Fisher's data (UCI's file differs in rows 35 and 38; the shipped copy follows the paper).
    for column, expected in enumerate([876.5, 458.6, 563.7, 179.9]):
        assert math.fsum(row[column] for row in rows) == pytest.approx(expected, abs=1e-9)
    assert rows[34] == [4.9, 3.1, 1.5, 0.2]
    assert rows[37] == [4.9, 3.6, 1.4, 0.1]
    assert y[:50] == [0] * 50 and y[100:] == [2] * 50


def test_digits_are_8x8_counts_from_0_to_16():
    rows, y = nn.load_digits()
    values = {value for row in rows for value in row}
    assert values == {float(k) for k in range(17)}
    # The first image of scikit-learn's load_digits, a 0.
    assert y[0] == 0
    assert rows[0][:16] == [0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0]
    assert math.fsum(value for row in rows for value in row) == 561718.0


def test_each_call_returns_new_lists():
    rows, y = nn.load_iris()
    rows[0][0] = 99.0
    y[0] = 7
    again, labels_again = nn.load_iris()
    assert again[0][0] == 5.1 and labels_again[0] == 0


def test_load_by_name_refuses_an_unknown_set():
    with pytest.raises(ValueError, match="'seeds', 'iris', 'digits'"):
        nn.loaders.load("mnist")


def corrupted(tmp_path, filename, edit):
    """A copy of a shipped file with `edit(lines)` applied to its lines."""
    source = data_path(filename)
    raw = source.read_bytes()
    if filename.endswith(".gz"):
        raw = gzip.decompress(raw)
    lines = raw.decode("ascii").split("\n")
    edit(lines)
    raw = "\n".join(lines).encode("ascii")
    target = tmp_path / filename
    target.write_bytes(gzip.compress(raw) if filename.endswith(".gz") else raw)
    return target


@pytest.mark.parametrize(
    ("name", "edit", "message"),
    [
        (
            "seeds",
            lambda lines: lines.__setitem__(4, lines[4].replace("16.14", "16.1x")),
            r"line 5, field 1: not a number",
        ),
        ("seeds", lambda lines: lines.__setitem__(9, "1,2,3"), r"line 10: expected 8 comma-separated fields"),
        ("seeds", lambda lines: lines.__setitem__(0, lines[0][:-1] + "4"), r"line 1: the label must be one of 1, 2, 3"),
        ("seeds", lambda lines: lines.__setitem__(2, lines[2].replace("14.29", "nan")), r"line 3, field 1"),
        ("seeds", lambda lines: lines.__setitem__(2, lines[2].replace("14.29", " 14.29")), r"line 3, field 1"),
        (
            "seeds",
            lambda lines: lines.__setitem__(6, lines[6].replace("14.69", "1e999")),
            r"line 7, field 1: not a finite",
        ),
        ("seeds", lambda lines: lines.insert(100, ""), r"line 101: empty line inside the data"),
        ("seeds", lambda lines: lines.pop(), r"expected 210 rows of seeds data, got 209"),
        ("seeds", lambda lines: lines.__setitem__(0, lines[0][:-1] + "2"), r"expected \(70, 70, 70\) rows per class"),
        ("iris", lambda lines: lines.__setitem__(0, "150,4,a,b,c"), r"line 1: expected the header"),
        ("iris", lambda lines: lines.__setitem__(40, lines[40] + ",0"), r"line 41: expected 5 comma-separated"),
        ("digits", lambda lines: lines.__setitem__(1000, lines[1000].replace(",", ";", 1)), r"line 1001: expected 65"),
        ("digits", lambda lines: lines.__setitem__(1796, lines[1796][:-1] + "x"), r"line 1797: the label must be"),
    ],
)
def test_a_corrupted_file_names_the_file_and_the_line(tmp_path, name, edit, message):
    table = TABLES[name]
    path = corrupted(tmp_path, table.filename, edit)
    with pytest.raises(DataFileError, match=message) as caught:
        read_table(path, table)
    assert str(caught.value).startswith(str(path))
    assert "\n" not in str(caught.value)


def test_a_truncated_gzip_file_is_named(tmp_path):
    path = tmp_path / "digits.csv.gz"
    path.write_bytes(data_path("digits.csv.gz").read_bytes()[:5000])
    with pytest.raises(DataFileError, match="not a valid gzip file") as caught:
        read_table(path, TABLES["digits"])
    assert str(path) in str(caught.value)


def test_a_non_ascii_byte_is_named_with_its_line(tmp_path):
    path = tmp_path / "iris.csv"
    raw = data_path("iris.csv").read_bytes().replace(b"5.7,2.8,4.1", b"5.7,2\xc3\xa9,4.1", 1)
    path.write_bytes(raw)
    line = raw[: raw.index(b"\xc3")].count(b"\n") + 1
    with pytest.raises(DataFileError, match=f"line {line}: a byte that is not ASCII"):
        read_table(path, TABLES["iris"])


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(DataFileError, match="cannot read the data file"):
        read_table(tmp_path / "nowhere.csv", TABLES["seeds"])


def test_the_clean_files_read_the_same_through_read_table(tmp_path):
    for table in TABLES.values():
        copy = corrupted(tmp_path, table.filename, lambda lines: None)
        features, _ = read_table(copy, table)
        assert [list(row) for row in features] == nn.loaders.load(table.name)[0]


def test_pyproject_ships_every_data_file_in_the_wheel():
    """The wheel holds nn/data (checked by hand with `pip wheel . -w DIR`); this keeps the configuration so."""
    import fnmatch
    from pathlib import Path

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    root = Path(__file__).resolve().parent.parent
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert "nn.data" in config["packages"]
    patterns = config["package-data"]["nn.data"]
    for path in (root / "nn" / "data").iterdir():
        if path.suffix != ".py" and path.name != "__pycache__":
            assert any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns), path.name
