"""autograd.files.write_atomically: old or new file, only regular files replaced, modes kept, leftovers cleaned."""

import fcntl
import json
import os
import socket
import stat
import time

import pytest

from autograd.files import TEMPORARY_SUFFIX, write_atomically
from nn import Neuron


def leftover(directory, name, hex_digits="0123456789ab", age=3600.0):
    """A temporary file as a killed write leaves it, `age` seconds old."""
    path = directory / f".{name}.{hex_digits}{TEMPORARY_SUFFIX}"
    path.write_text('{"half')
    old = time.time() - age
    os.utime(path, (old, old))
    return path


def test_write_atomically_names_the_target_when_the_directory_is_missing(tmp_path):
    target = tmp_path / "no such directory" / "weights.json"
    with pytest.raises(FileNotFoundError) as info:
        Neuron(1, weights=[1.0]).save(target)
    assert info.value.filename == str(target)
    assert str(target) in str(info.value) and TEMPORARY_SUFFIX not in str(info.value)
    assert os.listdir(tmp_path) == []
    # The same through the writer itself, with bytes.
    with pytest.raises(FileNotFoundError, match="no such directory"):
        write_atomically(str(target), b"data")


def test_write_atomically_writes_text_and_bytes_and_refuses_other_data(tmp_path):
    path = tmp_path / "out.txt"
    assert write_atomically(path, "héllo\n") == path
    assert path.read_bytes() == "héllo\n".encode()
    write_atomically(str(path), b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    with pytest.raises(TypeError, match="data must be str or bytes"):
        write_atomically(path, 3)
    with pytest.raises(TypeError, match="path must be a str"):
        write_atomically(3, b"")
    assert path.read_bytes() == b"\x00\x01"
    assert sorted(os.listdir(tmp_path)) == ["out.txt"]


def _fifo(path):
    os.mkfifo(path)
    return "FIFO"


def _directory(path):
    path.mkdir()
    return "directory"


def _socket(path):
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()
    return "socket"


@pytest.mark.parametrize("make", [_fifo, _directory, _socket], ids=["fifo", "directory", "socket"])
@pytest.mark.parametrize("through_a_link", [False, True], ids=["direct", "symlink"])
def test_a_target_that_is_not_a_regular_file_is_refused_and_left_alone(tmp_path, make, through_a_link):
    special = tmp_path / "special"
    kind = make(special)
    before = os.lstat(special)
    target = special
    if through_a_link:
        target = tmp_path / "link"
        target.symlink_to(special)
    with pytest.raises(OSError, match=rf"{kind}.*not a regular file; refusing to replace it") as info:
        write_atomically(target, "data")
    assert info.value.filename == str(target)
    after = os.lstat(special)
    assert (stat.S_IFMT(after.st_mode), after.st_ino) == (stat.S_IFMT(before.st_mode), before.st_ino)
    assert sorted(os.listdir(tmp_path)) == sorted(["special", *(["link"] if through_a_link else [])])
    # The same, one line, through Module.save.
    with pytest.raises(OSError, match="not a regular file"):
        Neuron(1, weights=[1.0]).save(target)


def test_a_symlink_to_a_regular_file_is_followed_and_stays_a_link(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomically(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new"
    assert sorted(os.listdir(tmp_path)) == ["link.json", "real.json"]


def test_a_dangling_symlink_creates_the_file_it_names_and_a_link_into_nowhere_is_refused(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "made.json")
    write_atomically(link, "new")
    assert (tmp_path / "made.json").read_text() == "new" and link.is_symlink()
    nowhere = tmp_path / "nowhere.json"
    nowhere.symlink_to(tmp_path / "missing directory" / "file.json")
    with pytest.raises(FileNotFoundError, match="symlink to a file in a missing directory") as info:
        write_atomically(nowhere, "new")
    assert info.value.filename == str(nowhere)


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755])
def test_an_existing_file_keeps_its_permission_bits(tmp_path, mode):
    path = tmp_path / "weights.json"
    path.write_text("old")
    path.chmod(mode)
    Neuron(1, weights=[1.0]).save(path)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert json.loads(path.read_text())["parameters"]["weights.0"] == 1.0


def test_a_new_file_gets_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        write_atomically(tmp_path / "new.txt", "x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644


def test_stale_temporaries_of_ours_are_removed_by_the_next_write_and_nothing_else(tmp_path):
    stale = leftover(tmp_path, "weights.json")
    fresh = leftover(tmp_path, "weights.json", "cdef01234567", age=0.0)  # maybe a writer that has not locked yet
    other_target = leftover(tmp_path, "other.json")
    not_ours = tmp_path / ".weights.json.0123456789ab.tmp"
    not_ours.write_text("someone else's")
    held = leftover(tmp_path, "weights.json", "aaaaaaaaaaaa")
    handle = os.open(held, os.O_RDONLY)
    fcntl.flock(handle, fcntl.LOCK_EX)  # a live writer's lock
    try:
        Neuron(1, weights=[2.0]).save(tmp_path / "weights.json")
    finally:
        os.close(handle)
    assert not stale.exists()
    assert fresh.exists() and other_target.exists() and not_ours.exists() and held.exists()
    assert (tmp_path / "weights.json").exists()


# A child that writes three different contents over one file, in turn, until it is killed. After
# each write is in place it says which content that was, so the parent can kill it at a known phase
# instead of guessing one from a clock (a loaded machine stretches a write past any fixed sleep).
_MODELS = """
import random
import sys
from nn import MLP
models = [MLP(2, [150, 150, 1], rng=random.Random(seed)) for seed in (1, 2, 3)]
models[0].save(sys.argv[1])
print("ready", flush=True)
while True:
    for index, model in enumerate(models):
        model.save(sys.argv[1])
        print(index, flush=True)
"""
# Large contents, so that a kill lands inside the write itself more often than not.
_LARGE = """
import sys
from autograd.files import write_atomically
contents = [bytes([65 + k]) * 20_000_000 for k in (0, 1, 2)]
write_atomically(sys.argv[1], contents[0])
print("ready", flush=True)
while True:
    for index, data in enumerate(contents):
        write_atomically(sys.argv[1], data)
        print(index, flush=True)
"""


def _model_states():
    import random

    from nn import MLP

    return [MLP(2, [150, 150, 1], rng=random.Random(seed)).state_dict() for seed in (1, 2, 3)]


def _sigkill_during_writes(tmp_path, child_code, kills, rng_seed, read):
    """Kill a writer `kills` times; each time `read(path)` must find the last finished content or the next one.

    Kill k waits until the child reports a finished write of content k % 3
    (after 1 to 3 reports), then kills it at a random moment of the write
    that follows. What the child reported up to its death says which write
    finished last: the file must hold that content, or the next one if the
    kill came between that write's rename and its report; never a part, a
    mix, or the content before (which a lost write would leave). Returns (the
    contents that had last finished when a kill was sent, how many kills left
    a temporary file behind).
    """
    import random
    import signal
    import subprocess
    import sys

    path = tmp_path / "weights.json"
    rng = random.Random(rng_seed)
    killed_after = set()
    interrupted = 0
    for number in range(kills):
        child = subprocess.Popen([sys.executable, "-c", child_code, str(path)], stdout=subprocess.PIPE)
        assert child.stdout.readline() == b"ready\n"
        wanted, reports, last = number % 3, rng.randint(1, 3), None
        while reports > 0 or last != wanted:
            last = int(child.stdout.readline())
            reports -= 1
        killed_after.add(last)
        time.sleep(rng.uniform(0.0, 0.05))
        child.send_signal(signal.SIGKILL)
        child.wait()
        later = child.stdout.read().split()  # writes that finished before the kill took effect
        child.stdout.close()
        if later:
            last = int(later[-1])
        assert read(path) in (last, (last + 1) % 3)
        temporaries = [name for name in os.listdir(tmp_path) if name.endswith(TEMPORARY_SUFFIX)]
        assert len(temporaries) <= 1 and all(name.startswith(".weights.json.") for name in temporaries)
        interrupted += len(temporaries)
        for name in temporaries:  # left by the kill; make it older than a writer's grace period
            old = time.time() - 10
            os.utime(tmp_path / name, (old, old))
    # The next save cleans up what the kills left.
    Neuron(1, weights=[1.0]).save(path)
    assert os.listdir(tmp_path) == ["weights.json"]
    return killed_after, interrupted


def _read_model(states):
    def read(path):
        parameters = json.loads(path.read_text())["parameters"]  # complete JSON, never a part
        assert parameters in states
        return states.index(parameters)

    return read


def _read_large(path):
    data = path.read_bytes()
    assert len(data) == 20_000_000 and data.count(data[:1]) == len(data), "a partial or mixed file"
    assert data[:1] in (b"A", b"B", b"C")
    return data[0] - ord("A")


def test_a_sigkill_during_a_save_leaves_the_old_or_the_new_file(tmp_path):
    _sigkill_during_writes(tmp_path, _MODELS, 4, 0, _read_model(_model_states()))


@pytest.mark.slow
def test_sigkills_during_saves_leave_the_old_or_the_new_file(tmp_path):
    killed_after, _ = _sigkill_during_writes(tmp_path, _MODELS, 60, 1, _read_model(_model_states()))
    assert killed_after == {0, 1, 2}  # kills came after a finished write of each content


@pytest.mark.slow
def test_sigkills_inside_large_writes_leave_the_old_or_the_new_file(tmp_path):
    killed_after, interrupted = _sigkill_during_writes(tmp_path, _LARGE, 30, 2, _read_large)
    assert killed_after == {0, 1, 2}
    assert interrupted > 0  # kills did land inside a write


@pytest.mark.parametrize("name", ["render", "dot", "explain", "embedded"])
def test_the_drawing_modules_reach_the_writer_through_autograd_alone(name):
    import ast
    import pathlib

    import viz

    source = (pathlib.Path(viz.__file__).parent / f"{name}.py").read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            imported.add(node.module.partition(".")[0])
    assert "nn" not in imported, f"viz/{name}.py imports nn"
