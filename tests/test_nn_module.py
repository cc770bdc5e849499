"""Module: parameter names by attribute walk, state dicts and JSON weight files, all or nothing."""

import json
import math
import os
import random
from pathlib import Path

import pytest

import autograd.files
from autograd import Value
from nn import MLP, ArgumentError, Layer, Module, Neuron, Sequential


def outputs_of(model, points):
    return [[v.data for v in model(x)] for x in points]


POINTS = [[0.5, -1.0], [2.0, 0.25], [-0.75, 0.0]]


def test_neuron_names_follow_the_attributes():
    neuron = Neuron(3, rng=random.Random(0))
    names = [name for name, _ in neuron.named_parameters()]
    assert names == ["weights.0", "weights.1", "weights.2", "bias"]
    assert neuron.parameters() == [*neuron.weights, neuron.bias]


def test_mlp_names_and_count():
    model = MLP(2, [16, 16, 1], rng=random.Random(0))
    named = model.named_parameters()
    assert len(named) == 16 * 3 + 16 * 17 + 1 * 17
    assert named[0][0] == "layers.0.neurons.0.weights.0"
    assert named[2][0] == "layers.0.neurons.0.bias"
    assert named[-1][0] == "layers.2.neurons.0.bias"
    assert len({name for name, _ in named}) == len(named)
    assert model.parameters() == [value for _, value in named]


def test_names_are_stable_across_instances_and_calls():
    first = MLP(3, [4, 2], rng=random.Random(1))
    second = MLP(3, [4, 2], rng=random.Random(2))
    assert [n for n, _ in first.named_parameters()] == [n for n, _ in second.named_parameters()]
    assert first.named_parameters() == first.named_parameters()


def test_a_shared_parameter_appears_once():
    layer = Layer(2, 3, biases=0.5, shared_bias=True, rng=random.Random(0))
    names = [name for name, _ in layer.named_parameters()]
    assert names[0] == "bias"
    assert names.count("bias") == 1 and len(names) == 1 + 3 * 2
    assert all(neuron.bias is layer.bias for neuron in layer.neurons)
    # The same Value passed to two neurons by hand is listed once too, under its first name.
    shared = Value(1.0, "shared")
    layer = Layer(1, 2, weights=[[shared], [shared]], biases=[0.0, 0.0])
    named = layer.named_parameters()
    assert [value for _, value in named].count(shared) == 1
    assert named[0] == ("neurons.0.weights.0", shared)


def test_a_custom_module_walks_attributes_in_definition_order():
    class Custom(Module):
        def __init__(self):
            self.scale = Value(2.0)
            self._cache = Value(9.0)  # private: not a parameter
            self.name = "custom"
            self.blocks = [Neuron(1, weights=[1.0]), (Value(3.0), [Value(4.0)])]
            self.offset = Value(5.0)
            self.again = self.scale

        def __call__(self, x):
            return [self.scale * x[0] + self.offset]

    names = [name for name, _ in Custom().named_parameters()]
    assert names == [
        "scale",
        "blocks.0.weights.0",
        "blocks.0.bias",
        "blocks.1.0",
        "blocks.1.1.0",
        "offset",
    ]


def test_zero_grad_clears_every_parameter():
    model = MLP(2, [3, 1], rng=random.Random(0))
    model([1.0, 2.0])[0].backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_state_dict_round_trip_is_bit_for_bit():
    source = MLP(2, [5, 3, 2], "tanh", rng=random.Random(3))
    target = MLP(2, [5, 3, 2], "tanh", rng=random.Random(4))
    assert outputs_of(source, POINTS) != outputs_of(target, POINTS)
    state = source.state_dict()
    assert all(isinstance(number, float) for number in state.values())
    target.load_state_dict(state)
    assert outputs_of(source, POINTS) == outputs_of(target, POINTS)
    assert target.state_dict() == state
    # Loading sets data in place: the parameter Values stay the same objects.
    before = target.parameters()
    target.load_state_dict(MLP(2, [5, 3, 2], rng=random.Random(5)).state_dict())
    assert all(a is b for a, b in zip(before, target.parameters()))


def bad_states(good):
    """Each a way a state dict can be wrong, built from a good one."""
    names = list(good)
    missing = dict(good)
    del missing[names[-1]]
    extra = dict(good, **{"layers.9.bias": 0.0})
    renamed = dict(good)
    renamed["layers.0.neurons.0.weight.0"] = renamed.pop(names[0])
    text = dict(good, **{names[-1]: "0.5"})
    none = dict(good, **{names[-1]: None})
    boolean = dict(good, **{names[-1]: True})
    nan = dict(good, **{names[-1]: math.nan})
    inf = dict(good, **{names[-1]: math.inf})
    minus_inf = dict(good, **{names[-1]: -math.inf})
    # Exact ints too large for a float (10**400 has 401 digits; 10**5000 cannot even be repr'd by default).
    huge = dict(good, **{names[-1]: 10**400})
    minus_huge = dict(good, **{names[-1]: -(10**400)})
    enormous = dict(good, **{names[-1]: 10**5000})
    nested = dict(good, **{names[-1]: [0.5]})
    return {
        "missing": missing,
        "unexpected": extra,
        "renamed": renamed,
        "string": text,
        "None": none,
        "bool": boolean,
        "nan": nan,
        "inf": inf,
        "-inf": minus_inf,
        "huge int": huge,
        "huge negative int": minus_huge,
        "enormous int": enormous,
        "list": nested,
        "wrong shape": MLP(2, [5, 2], rng=random.Random(0)).state_dict(),
    }


@pytest.mark.parametrize("kind", list(bad_states(MLP(2, [5, 3, 2], rng=random.Random(0)).state_dict())))
def test_a_bad_state_dict_raises_and_changes_nothing(kind):
    model = MLP(2, [5, 3, 2], rng=random.Random(1))
    # Every good entry differs from the model's, so a partial load would show.
    donor = MLP(2, [5, 3, 2], rng=random.Random(0)).state_dict()
    state = bad_states(donor)[kind]
    before = model.state_dict()
    outputs = outputs_of(model, POINTS)
    with pytest.raises(ArgumentError, match="load_state_dict") as info:
        model.load_state_dict(state)
    if kind not in ("missing", "unexpected", "renamed", "wrong shape"):
        assert repr(list(donor)[-1]) in str(info.value)  # the message names the entry
    assert model.state_dict() == before
    assert outputs_of(model, POINTS) == outputs


def test_a_state_that_is_not_a_dict_is_a_type_error_and_changes_nothing():
    model = MLP(2, [3, 1], rng=random.Random(1))
    before = model.state_dict()
    with pytest.raises(TypeError, match="load_state_dict: expected a dict of name -> number, got list"):
        model.load_state_dict(list(MLP(2, [3, 1], rng=random.Random(0)).state_dict().items()))
    assert model.state_dict() == before


def test_mismatch_message_names_what_is_missing_and_unexpected():
    model = Neuron(2, weights=[1.0, 2.0])
    with pytest.raises(ValueError) as info:
        model.load_state_dict({"weights.0": 1.0, "weights.1": 2.0, "bias_": 0.0})
    assert "missing 1 ('bias')" in str(info.value)
    assert "unexpected 1 ('bias_')" in str(info.value)


def test_save_and_load_round_trip_bit_for_bit(tmp_path):
    source = MLP(2, [4, 4, 1], "relu", rng=random.Random(7))
    path = tmp_path / "weights.json"
    assert source.save(path) == path
    target = MLP(2, [4, 4, 1], "relu", rng=random.Random(8))
    assert target.load(path) is target
    assert outputs_of(source, POINTS) == outputs_of(target, POINTS)
    assert target.state_dict() == source.state_dict()
    # Also through a str path, and with awkward floats.
    neuron = Neuron(3, weights=[0.1 + 0.2, 1e-310, -123456789.12345678], bias=math.pi)
    neuron.save(str(tmp_path / "n.json"))
    other = Neuron(3, rng=random.Random(0)).load(str(tmp_path / "n.json"))
    assert [p.data for p in other.parameters()] == [p.data for p in neuron.parameters()]


def test_the_file_is_plain_json_not_pickle(tmp_path):
    path = tmp_path / "weights.json"
    model = Layer(2, 1, weights=[[0.25, -0.5]], biases=[0.125])
    model.save(path)
    raw = path.read_bytes()
    assert raw.startswith(b"{") and not raw.startswith(b"\x80")  # pickle protocol 2+ starts with 0x80
    document = json.loads(raw.decode("utf-8"))
    assert document == {
        "format": "tracegrad.nn/2",
        "model": "Layer",
        "epochs": None,
        "dataset": None,
        "parameters": {"neurons.0.weights.0": 0.25, "neurons.0.weights.1": -0.5, "neurons.0.bias": 0.125},
    }


def corrupt_files(good_text):
    document = json.loads(good_text)
    names = list(document["parameters"])

    def edited(change):
        copy = json.loads(good_text)
        change(copy)
        return json.dumps(copy)

    return {
        "truncated": good_text[: len(good_text) // 2],
        "empty": "",
        "not json": "weights: 1, 2, 3",
        "a list": "[1, 2, 3]",
        "no format": edited(lambda d: d.pop("format")),
        "other format": edited(lambda d: d.update(format="pickle")),
        "no parameters": edited(lambda d: d.pop("parameters")),
        "parameters not an object": edited(lambda d: d.update(parameters=[1.0, 2.0])),
        "incomplete": edited(lambda d: d["parameters"].pop(names[-1])),
        "unexpected entry": edited(lambda d: d["parameters"].update({"extra": 1.0})),
        "non-numeric": edited(lambda d: d["parameters"].update({names[0]: "1.0"})),
        "null": edited(lambda d: d["parameters"].update({names[0]: None})),
        "NaN literal": good_text.replace(str(document["parameters"][names[0]]), "NaN", 1),
        "Infinity literal": good_text.replace(str(document["parameters"][names[0]]), "-Infinity", 1),
        "401-digit integer": good_text.replace(str(document["parameters"][names[0]]), "1" + "0" * 400, 1),
        "overflowing float": good_text.replace(str(document["parameters"][names[0]]), "1e400", 1),
        "5000-digit integer": good_text.replace(str(document["parameters"][names[0]]), "9" * 5000, 1),
        "nested 100000 deep": "[" * 100_000 + "]" * 100_000,
        "wrong shape": json.dumps(
            {
                "format": "tracegrad.nn/1",
                "model": "MLP",
                "parameters": MLP(2, [3, 1], rng=random.Random(0)).state_dict(),
            }
        ),
    }


def test_corrupt_files_raise_and_leave_the_model_unchanged(tmp_path):
    good = tmp_path / "good.json"
    MLP(2, [4, 1], rng=random.Random(1)).save(good)
    model = MLP(2, [4, 1], rng=random.Random(2))
    before = model.state_dict()
    outputs = outputs_of(model, POINTS)
    cases = corrupt_files(good.read_text())
    for kind, text in cases.items():
        path = tmp_path / f"{kind}.json"
        path.write_text(text)
        with pytest.raises(ValueError, match="load") as info:
            model.load(path)
        assert str(path) in str(info.value), kind
        assert model.state_dict() == before, kind
        assert outputs_of(model, POINTS) == outputs, kind
    # The good file does load, so the failures above were about the files.
    model.load(good)
    assert model.state_dict() != before


def test_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        Neuron(1, weights=[1.0]).load(tmp_path / "absent.json")


def test_save_overwrites_atomically(tmp_path, monkeypatch):
    path = tmp_path / "weights.json"
    old = Neuron(2, weights=[1.0, 2.0], bias=3.0)
    old.save(path)
    old_text = path.read_text()
    new = Neuron(2, weights=[4.0, 5.0], bias=6.0)

    moves = []
    real_replace = os.replace

    def observed_replace(source, destination):
        # At the moment of the move the new content is complete, in the same directory.
        moves.append((os.path.dirname(source), json.loads(Path(source).read_text())["parameters"]["bias"]))
        assert path.read_text() == old_text
        real_replace(source, destination)

    monkeypatch.setattr(autograd.files.os, "replace", observed_replace)
    new.save(path)
    assert moves == [(str(tmp_path), 6.0)]
    assert json.loads(path.read_text())["parameters"]["bias"] == 6.0
    assert sorted(os.listdir(tmp_path)) == ["weights.json"]


def test_a_failed_save_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "weights.json"
    Neuron(2, weights=[1.0, 2.0], bias=3.0).save(path)
    old_text = path.read_text()

    def failing_replace(source, destination):
        raise OSError("disk full")

    monkeypatch.setattr(autograd.files.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        Neuron(2, weights=[4.0, 5.0], bias=6.0).save(path)
    assert path.read_text() == old_text
    assert sorted(os.listdir(tmp_path)) == ["weights.json"]


def test_save_refuses_non_finite_weights_and_writes_nothing(tmp_path):
    neuron = Neuron(2, weights=[1.0, 2.0])
    neuron.weights[1].data = math.nan
    with pytest.raises(ValueError, match=r"weights\.1"):
        neuron.save(tmp_path / "nan.json")
    assert os.listdir(tmp_path) == []


def test_sequential_of_layers_round_trips(tmp_path):
    model = Sequential([Layer(2, 3, rng=random.Random(0)), Layer(3, 1, "linear", rng=random.Random(1))])
    model.save(tmp_path / "s.json")
    other = Sequential([Layer(2, 3, rng=random.Random(2)), Layer(3, 1, "linear", rng=random.Random(3))])
    other.load(tmp_path / "s.json")
    assert outputs_of(other, POINTS) == outputs_of(model, POINTS)


def test_a_huge_int_in_a_state_dict_is_named_and_changes_nothing():
    model = Neuron(2, weights=[1.0, 2.0], bias=3.0)
    with pytest.raises(ValueError, match=r"'weights\.1' is too large for a float.*401 digits"):
        model.load_state_dict({"weights.0": 5.0, "weights.1": 10**400, "bias": 6.0})
    assert model.state_dict() == {"weights.0": 1.0, "weights.1": 2.0, "bias": 3.0}


def test_a_weight_file_with_a_401_digit_integer_is_refused_by_name(tmp_path):
    path = tmp_path / "huge.json"
    path.write_text(
        '{"format": "tracegrad.nn/1", "model": "Neuron", '
        '"parameters": {"weights.0": 5.0, "weights.1": 1' + "0" * 400 + ', "bias": 6.0}}'
    )
    model = Neuron(2, weights=[1.0, 2.0], bias=3.0)
    with pytest.raises(ValueError, match=r"'weights\.1' is too large") as info:
        model.load(path)
    assert str(path) in str(info.value)
    assert model.state_dict() == {"weights.0": 1.0, "weights.1": 2.0, "bias": 3.0}


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe{\x00}\x00", b'{"format": "tracegrad.nn/1", "parameters": {"bias": 1.0, "\xe9": 2}}'],
    ids=["utf-16 bytes", "latin-1 byte"],
)
def test_a_file_that_is_not_utf8_is_a_value_error_naming_the_path(tmp_path, content):
    path = tmp_path / "weights.json"
    path.write_bytes(content)
    model = Neuron(1, weights=[1.0], bias=2.0)
    with pytest.raises(ValueError, match="not a UTF-8 text file") as info:
        model.load(path)
    assert str(path) in str(info.value)
    assert model.state_dict() == {"weights.0": 1.0, "bias": 2.0}


@pytest.mark.parametrize("path", [5, None, ["w.json"]])
def test_save_and_load_need_a_path(path):
    model = Neuron(1, weights=[1.0])
    with pytest.raises(TypeError, match="save: path must be a str"):
        model.save(path)
    with pytest.raises(TypeError, match="load: path must be a str"):
        model.load(path)


class Tree(Module):
    """A node that knows its parent and its children: cycles everywhere."""

    def __init__(self, weight, parent=None):
        self.weight = Value(weight)
        self.parent = parent
        self.children = []
        self.me = self


def test_cycles_end_and_list_every_parameter_once():
    root = Tree(1.0)
    left, right = Tree(2.0, root), Tree(3.0, root)
    root.children = [left, right]
    left.children = [Tree(4.0, left)]
    left.children[0].children = [root]  # a grandchild holding the root
    cyclic = [1]
    cyclic.append(cyclic)  # a list holding itself
    root.loop = cyclic
    named = root.named_parameters()
    assert named == [
        ("weight", root.weight),
        ("children.0.weight", left.weight),
        ("children.0.children.0.weight", left.children[0].weight),
        ("children.1.weight", right.weight),
    ]
    # From a child the walk goes up through `parent` first: each Module under its first name.
    assert [name for name, _ in left.named_parameters()] == [
        "weight",
        "parent.weight",
        "parent.children.1.weight",
        "children.0.weight",
    ]
    # The state dict round-trips through such a model.
    state = root.state_dict()
    root.load_state_dict({name: 10.0 * number for name, number in state.items()})
    assert [p.data for p in root.parameters()] == [10.0, 20.0, 40.0, 30.0]


def test_a_module_reached_twice_is_listed_under_its_first_name():
    class Twice(Module):
        def __init__(self):
            self.first = Neuron(1, weights=[1.0], bias=2.0)
            self.pair = (Value(3.0), self.first)
            self.second = self.first

    model = Twice()
    assert [name for name, _ in model.named_parameters()] == ["first.weights.0", "first.bias", "pair.0"]


def test_dict_attributes_are_walked_in_insertion_order():
    class Experts(Module):
        def __init__(self):
            self.scale = Value(1.0)
            self.heads = {"zeta": Neuron(1, weights=[2.0], bias=3.0), "alpha": Value(4.0)}
            self.table = {"w": Value(5.0), "nested": {"deep": [Value(6.0)]}, "note": "not a parameter"}
            self.again = self.table  # the same dict again: walked once

    model = Experts()
    named = model.named_parameters()
    assert [name for name, _ in named] == [
        "scale",
        "heads.zeta.weights.0",
        "heads.zeta.bias",
        "heads.alpha",
        "table.w",
        "table.nested.deep.0",
    ]
    assert [value.data for _, value in named] == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    # Dict parameters take part in state dicts like any other.
    model.load_state_dict({name: -number for name, number in model.state_dict().items()})
    assert model.heads["alpha"].data == -4.0 and model.table["nested"]["deep"][0].data == -6.0


def test_a_dict_with_keys_that_cannot_name_a_parameter_is_refused_by_name():
    class Keyed(Module):
        def __init__(self, table):
            self.block = [Value(1.0), table]

    with pytest.raises(TypeError, match=r"Keyed\.named_parameters: the dict 'block\.1' has the key 3 of type int"):
        Keyed({3: Value(2.0)}).parameters()
    with pytest.raises(ValueError, match=r"the dict 'block\.1' has the key 'a\.b'"):
        Keyed({"a.b": Value(2.0)}).parameters()
    with pytest.raises(ValueError, match=r"the dict 'block\.1' has the key ''"):
        Keyed({"": Value(2.0)}).state_dict()


def test_a_write_that_fails_midway_keeps_the_old_file_and_names_the_target(tmp_path, monkeypatch):
    path = tmp_path / "weights.json"
    Neuron(2, weights=[1.0, 2.0], bias=3.0).save(path)
    old_text = path.read_text()

    def failing_fsync(descriptor):
        raise OSError(5, "Input/output error")  # EIO, as a failing disk gives

    monkeypatch.setattr(autograd.files.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="Input/output error") as info:
        Neuron(2, weights=[4.0, 5.0], bias=6.0).save(path)
    assert info.value.filename == str(path)
    assert path.read_text() == old_text
    assert sorted(os.listdir(tmp_path)) == ["weights.json"]
