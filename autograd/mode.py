"""The per-context mode of the engine: whether ops record, and the anomaly hook.

Owns: `Mode`, the one immutable object that says how ops behave right now,
the context variable that holds it, and `no_grad`. Imports only the standard
library; never `nn` or `viz`.

Why a context variable: a mode kept in one global object is shared by every
thread, so one thread's `no_grad()` block silently turned off recording in
another (a graph with no parents, gradients of 0, no error). A
`contextvars.ContextVar` is per thread, and per asyncio task as well (each
task runs in a copy of the context it was created in). A new thread starts
with recording on, as in PyTorch.

Why one immutable object: the node constructor reads the variable once per
node and compares it with `RECORDING`, the default, by identity; only when the
mode is something else does it look further. So a mode of its own (the
anomaly mode) costs nothing outside its block. Each mode remembers the one it
was entered from (`previous`), so leaving a block needs no state on the
context manager: one `no_grad()` instance can be shared, nested in itself and
used by several threads at once.
"""

import contextvars

# The ids of the Mode objects alive other than RECORDING. A context variable can
# hold a mode only while it is alive, so when this set is empty every thread and
# task is in the default mode and the node constructor need not read the
# variable at all (a read that misses CPython's cache, as it does in a thread
# that never set it, costs about as much as the rest of making an add node).
# A mode joins the set when it is made and leaves it when it is freed; `set.add`
# and `set.discard` are each one step under the GIL, so no thread sees a mode
# it could be in missing from the set.
active = set()


class Mode:
    """How ops behave: `grad_enabled` (record parents) and `anomaly` (a checker or None).

    `anomaly`, when not None, is an object with `forward(node)` (called with
    every node an op makes, after it is made) and whatever the backward pass
    asks of it; `autograd`'s anomaly mode provides it. `previous` is the mode
    this one was entered from (None for the default).
    """

    __slots__ = ("grad_enabled", "anomaly", "previous")

    def __init__(self, grad_enabled, anomaly, previous):
        self.grad_enabled = grad_enabled
        self.anomaly = anomaly
        self.previous = previous
        active.add(id(self))

    def __del__(self, _active=active):
        _active.discard(id(self))

    def __repr__(self):
        return f"Mode(grad_enabled={self.grad_enabled}, anomaly={self.anomaly!r})"


RECORDING = Mode(True, None, None)  # the default: record, no checks
active.discard(id(RECORDING))

_current = contextvars.ContextVar("tracegrad_mode", default=RECORDING)
current_mode = _current.get


def enter(grad_enabled, anomaly):
    """Make a mode with these settings current; `leave()` goes back to the one before."""
    _current.set(Mode(grad_enabled, anomaly, _current.get()))


def leave():
    """Go back to the mode that was current when the current one was entered."""
    previous = _current.get().previous
    if previous is None:
        raise RuntimeError("leaving a tracegrad mode that was never entered in this thread or task")
    _current.set(previous)


class no_grad:  # noqa: N801 - named like the context manager users know from PyTorch
    """Context manager: inside it, ops return constants (Values with no parents).

    Use it for parameter updates and evaluation, where no gradient is wanted and
    recording the graph would only cost time and memory. The mode belongs to the
    current thread (and asyncio task): other threads keep recording. Nests and
    restores the previous mode on exit, also when an exception leaves the block.
    An anomaly mode in force stays in force inside.
    """

    __slots__ = ()

    def __enter__(self):
        enter(False, _current.get().anomaly)
        return self

    def __exit__(self, *exc_info):
        leave()
        return False


# The recorder of `autograd.jit` while it traces a function in this thread or
# task, else None: comparisons of Values and float(v) report to it (guards).
tracing = contextvars.ContextVar("tracegrad_tracing", default=None)
