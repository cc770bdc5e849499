"""Hostile weight files: every broken kind is refused with one line and leaves the model exactly as it was.

Part of the fuzz suite: a table of hand-made broken files (each kind the
loader must refuse), special files that must not block or be read, and a
hypothesis property over random damage to a good file.
"""

import json
import os
import random
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nn import MAX_WEIGHT_FILE_BYTES, MLP, ArgumentError, Neuron
from nn.module import read_weight_file

POINTS = [[0.3, -0.7], [1.5, 0.2]]


def make_model(seed=1):
    return MLP(2, [3, 1], rng=random.Random(seed))


def good_document():
    """A correct weight file for `make_model()`, from another seed, as a dict."""
    return {"format": "tracegrad.nn/1", "model": "MLP", "parameters": make_model(seed=2).state_dict()}


def snapshot(model):
    return model.state_dict(), [model(point)[0].data for point in POINTS]


def with_parameters(change):
    document = good_document()
    change(document["parameters"])
    return json.dumps(document)


def _first(parameters):
    return next(iter(parameters))


BROKEN = {
    "empty": "",
    "whitespace": "  \n",
    "truncated": json.dumps(good_document())[:-7],
    "not JSON": "weights: 1, 2, 3",
    "a JSON list": "[1, 2, 3]",
    "NaN": json.dumps(good_document()).replace(": -", ': NaN, "x": -', 1),
    "Infinity": '{"format": "tracegrad.nn/1", "model": "MLP", "parameters": {"a": Infinity}}',
    "nested deep": "[" * 100_000 + "]" * 100_000,
    "wrong format": json.dumps(good_document() | {"format": "tracegrad.nn/0"}),
    "no format": json.dumps({k: v for k, v in good_document().items() if k != "format"}),
    "no model field": json.dumps({k: v for k, v in good_document().items() if k != "model"}),
    "another model": json.dumps(good_document() | {"model": "Neuron"}),
    "model not a str": json.dumps(good_document() | {"model": ["MLP"]}),
    "parameters a list": json.dumps(good_document() | {"parameters": [1.0, 2.0]}),
    "duplicate parameter": json.dumps(good_document()).replace(
        '"parameters": {', '"parameters": {"layers.0.neurons.0.weights.0": 0.5, ', 1
    ),
    "duplicate top-level key": json.dumps(good_document())[:-1] + ', "model": "MLP"}',
    "missing parameter": with_parameters(lambda p: p.pop(_first(p))),
    "unexpected parameter": with_parameters(lambda p: p.update({"layers.9.bias": 0.0})),
    "string number": with_parameters(lambda p: p.update({_first(p): "0.5"})),
    "bool": with_parameters(lambda p: p.update({_first(p): True})),
    "null": with_parameters(lambda p: p.update({_first(p): None})),
    "huge int": with_parameters(lambda p: p.update({_first(p): 10**400})),
    "overflowing float": json.dumps(good_document()).replace(": -", ': -1e400, "y": -', 1),
    "epochs negative": json.dumps(good_document() | {"format": "tracegrad.nn/2", "epochs": -1}),
    "epochs a float": json.dumps(good_document() | {"format": "tracegrad.nn/2", "epochs": 2.0}),
    "epochs a bool": json.dumps(good_document() | {"format": "tracegrad.nn/2", "epochs": True}),
    "epochs a str": json.dumps(good_document() | {"format": "tracegrad.nn/2", "epochs": "10"}),
    "dataset not a str": json.dumps(good_document() | {"format": "tracegrad.nn/2", "dataset": ["moons"]}),
    "dataset with a control character": json.dumps(
        good_document() | {"format": "tracegrad.nn/2", "dataset": "a\x1b[2J"}
    ),
    "dataset too long": json.dumps(good_document() | {"format": "tracegrad.nn/2", "dataset": "m" * 201}),
}


def test_the_duplicate_parameter_file_really_holds_a_key_twice():
    text = BROKEN["duplicate parameter"]
    assert text.count('"layers.0.neurons.0.weights.0"') == 2


@pytest.mark.parametrize("kind", list(BROKEN))
def test_a_broken_weight_file_is_refused_in_one_line_and_changes_nothing(tmp_path, kind):
    path = tmp_path / "weights.json"
    path.write_text(BROKEN[kind], encoding="utf-8")
    model = make_model()
    before = snapshot(model)
    with pytest.raises(ArgumentError) as info:
        model.load(path)
    message = str(info.value)
    assert message.startswith(f"load: {path}") and "\n" not in message and len(message) < 400
    assert snapshot(model) == before


def test_a_good_file_loads_and_the_checks_name_what_is_wrong(tmp_path):
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(good_document()), encoding="utf-8")
    model = make_model().load(path)
    assert model.state_dict() == make_model(seed=2).state_dict()
    for kind, words in [
        ("another model", "holds the weights of 'Neuron', not of a MLP"),
        ("no model field", "holds the weights of no 'model' field, not of a MLP"),
        ("duplicate top-level key", "the key 'model' appears twice"),
        ("duplicate parameter", "the key 'layers.0.neurons.0.weights.0' appears twice"),
    ]:
        path.write_text(BROKEN[kind], encoding="utf-8")
        with pytest.raises(ArgumentError, match=words):
            make_model().load(path)


def test_the_file_records_epochs_and_data_set_and_an_old_file_says_it_does_not(tmp_path):
    path = tmp_path / "weights.json"
    trained = make_model(seed=2)
    trained.save(path, epochs=30, dataset="moons")
    saved = read_weight_file(path)
    assert (saved.format, saved.model, saved.epochs, saved.dataset) == ("tracegrad.nn/2", "MLP", 30, "moons")
    assert make_model().load_weights(saved).state_dict() == trained.state_dict()
    trained.save(path)
    assert (read_weight_file(path).epochs, read_weight_file(path).dataset) == (None, None)
    # A file of the first format (no epochs, no data set) loads, and says it records neither.
    path.write_text(json.dumps(good_document()), encoding="utf-8")
    old = read_weight_file(path)
    assert (old.format, old.epochs, old.dataset) == ("tracegrad.nn/1", None, None)
    assert make_model().load(path).state_dict() == trained.state_dict()


@pytest.mark.parametrize(
    ("options", "error", "words"),
    [
        ({"epochs": -1}, ArgumentError, "save: epochs must be an int >= 0"),
        ({"epochs": 1.5}, TypeError, "save: epochs must be an int >= 0"),
        ({"epochs": True}, TypeError, "save: epochs must be an int >= 0"),
        ({"dataset": 3}, TypeError, "save: dataset must be a str or None"),
        ({"dataset": "two\nlines"}, ArgumentError, "save: dataset must be printable text"),
    ],
)
def test_save_refuses_what_it_could_not_read_back_and_writes_nothing(tmp_path, options, error, words):
    path = tmp_path / "weights.json"
    with pytest.raises(error, match=words):
        make_model().save(path, **options)
    assert not path.exists()


def test_load_weights_takes_only_what_read_weight_file_returns():
    with pytest.raises(TypeError, match="expected a WeightFile"):
        make_model().load_weights(good_document())


def test_not_utf8_is_refused(tmp_path):
    path = tmp_path / "weights.json"
    path.write_bytes(b'{"format": "\xff\xfe"}')
    model = make_model()
    before = snapshot(model)
    with pytest.raises(ArgumentError, match="not a UTF-8 text file"):
        model.load(path)
    assert snapshot(model) == before


def test_a_file_past_the_size_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as file:
        file.truncate(MAX_WEIGHT_FILE_BYTES + 1)  # sparse: no disk used, and reading it would take 256 MiB
    model = make_model()
    before = snapshot(model)
    with pytest.raises(ArgumentError, match=r"268,435,457 bytes; a weight file may be at most 268,435,456 bytes"):
        model.load(path)
    assert snapshot(model) == before


def test_a_device_is_refused_without_reading_it(tmp_path):
    link = tmp_path / "zero.json"
    link.symlink_to("/dev/zero")  # read whole, it took all memory
    model = make_model()
    before = snapshot(model)
    with pytest.raises(ArgumentError, match="is a character device, not a regular file"):
        model.load(link)
    assert snapshot(model) == before


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(ArgumentError, match="is a directory, not a regular file"):
        make_model().load(tmp_path)


def test_a_symlink_to_a_good_file_loads(tmp_path):
    real = tmp_path / "real.json"
    real.write_text(json.dumps(good_document()), encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert make_model().load(link).state_dict() == make_model(seed=2).state_dict()


_LOAD_A_FIFO = """
import os, sys
from nn import Neuron, ArgumentError
os.mkfifo(sys.argv[1])
try:
    Neuron(1, weights=[1.0]).load(sys.argv[1])
except ArgumentError as error:
    print(error)
"""


def test_loading_a_fifo_does_not_block(tmp_path):
    # In a child with a timeout: a loader that blocked in open() would hang the suite otherwise.
    fifo = tmp_path / "weights.json"
    result = subprocess.run([sys.executable, "-c", _LOAD_A_FIFO, str(fifo)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"load: {fifo} is a FIFO (named pipe), not a regular file, so not a weight file\n"


GOOD = json.dumps(good_document(), indent=1).encode()


@st.composite
def damaged(draw):
    """The good file with a few bytes deleted, replaced or inserted at random places."""
    data = bytearray(GOOD)
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["delete", "replace", "insert"]))
        byte = draw(st.sampled_from(list(b'{}[]",:.-+eE0123456789 \n\xff\x00tfnNaIy')))
        if action == "delete" and position < len(data):
            del data[position]
        elif action == "replace" and position < len(data):
            data[position] = byte
        else:
            data.insert(position, byte)
    return bytes(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=damaged())
def test_random_damage_is_refused_or_loads_exactly_what_the_file_says(tmp_path, data):
    path = tmp_path / "weights.json"
    path.write_bytes(data)
    model = make_model()
    before = snapshot(model)
    try:
        model.load(path)
    except ArgumentError as error:
        assert "\n" not in str(error)
        assert snapshot(model) == before
        return
    # It loaded: then the file was a valid weight file for this model, and the model holds its numbers.
    document = json.loads(data.decode("utf-8"))
    assert model.state_dict() == {name: float(number) for name, number in document["parameters"].items()}


def test_saving_then_loading_through_every_model_kind_round_trips(tmp_path):
    for model in (Neuron(2, weights=[1.0, 2.0]), make_model()):
        path = tmp_path / f"{type(model).__name__}.json"
        model.save(path)
        copy = Neuron(2, weights=[0.0, 0.0]) if isinstance(model, Neuron) else make_model(seed=3)
        assert copy.load(path).state_dict() == model.state_dict()
    assert sorted(os.listdir(tmp_path)) == ["MLP.json", "Neuron.json"]
