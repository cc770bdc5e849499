"""`render`, `draw` and `Drawing`: DOT source turned into files and notebook output.

Owns the choice of Graphviz: the system `dot` program when it is on PATH,
otherwise the embedded one (`viz.embedded`: Graphviz compiled to WebAssembly,
run on `wasmtime`), which makes `.svg` work from a plain pip install. Files are written by
`autograd.files.write_atomically`. Imports `autograd.files`, `viz.dot` (and so
`autograd`) and `viz.embedded`; never `nn`, never the CLI.

The embedded Graphviz renders SVG only; `.png` and `.pdf` need the system one.
Choose the Graphviz with `backend=` ("auto", "system", "embedded") or the
environment variable TRACEGRAD_GRAPHVIZ; the argument wins.
"""

import os
import shutil
import subprocess
from pathlib import Path

from autograd.files import write_atomically
from viz.dot import to_dot
from viz.embedded import DEFAULT_TIMEOUT, EmbeddedRenderError, render_svg

BACKENDS = ("auto", "system", "embedded")
BACKEND_VARIABLE = "TRACEGRAD_GRAPHVIZ"
# suffix -> Graphviz output format; None means the DOT source itself.
FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": None, ".gv": None}

_INSTALL_HINT = (
    "Install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; Fedora: sudo dnf install graphviz; "
    "macOS: brew install graphviz; Windows: winget install graphviz) so that `dot` is on PATH, "
    "or write .svg instead, which works without it."
)


class GraphvizNotFoundError(RuntimeError):
    """The system Graphviz (`dot`) is needed and is not on PATH."""


class RenderError(RuntimeError):
    """Graphviz failed to render the DOT source."""


def _backend_choice(backend):
    choice = backend if backend is not None else os.environ.get(BACKEND_VARIABLE, "") or "auto"
    if choice not in BACKENDS:
        where = "backend" if backend is not None else f"the environment variable {BACKEND_VARIABLE}"
        raise ValueError(f"render: {where} must be one of {', '.join(BACKENDS)}, got {choice!r}")
    return choice


def _system_dot(output_format, choice):
    """The path of the system `dot`, or None when the embedded Graphviz is to be used."""
    dot = shutil.which("dot") if choice != "embedded" else None
    if dot is not None:
        return dot
    if output_format == "svg" and choice != "system":
        return None
    if choice == "embedded":
        raise GraphvizNotFoundError(
            f"render: the embedded Graphviz renders only SVG, not {output_format.upper()}. {_INSTALL_HINT}"
        )
    raise GraphvizNotFoundError(
        f"render: {output_format.upper()} output needs the Graphviz program `dot`, which is not on PATH. "
        f"{_INSTALL_HINT}"
    )


def render_source(source, output_format="svg", *, backend=None, timeout=DEFAULT_TIMEOUT):
    """DOT `source` rendered to `output_format` ("svg", "png" or "pdf") as bytes.

    Graphviz gets `timeout` seconds; a layout that takes longer is stopped and
    reported as a RenderError instead of hanging.
    """
    if output_format not in ("svg", "png", "pdf"):
        raise ValueError(f"render: output format must be svg, png or pdf, got {output_format!r}")
    dot = _system_dot(output_format, _backend_choice(backend))
    if dot is None:
        try:
            return render_svg(source, timeout=timeout)
        except EmbeddedRenderError as error:
            raise RenderError(f"render: {error}") from error
    command = [dot, f"-T{output_format}"]
    try:
        finished = subprocess.run(command, input=source.encode("utf-8"), capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise RenderError(
            f"render: {dot} did not finish laying out the graph within {timeout:g} seconds "
            f"(a node that feeds many others far apart makes the layout slow); draw a smaller sub-expression."
        ) from error
    if finished.returncode != 0:
        message = finished.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"render: {dot} exited with status {finished.returncode}: {message}")
    return finished.stdout


def _output_format(path):
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(FORMATS)
        raise ValueError(f"render: cannot tell the format of {os.fspath(path)!r} from its suffix; use one of {known}")
    return FORMATS[suffix]


def save_source(source, path, *, backend=None, timeout=DEFAULT_TIMEOUT):
    """Write DOT `source` to `path` in the format its suffix names; returns `path` as a Path."""
    path = Path(path)
    output_format = _output_format(path)
    if output_format is None:
        write_atomically(path, source.encode("utf-8"))
    else:
        write_atomically(path, render_source(source, output_format, backend=backend, timeout=timeout))
    return path


def check_output(path, *, backend=None):
    """Raise now what `render(..., path)` would raise for the path's format.

    A ValueError for a suffix that names no format, GraphvizNotFoundError for
    .png/.pdf without a system Graphviz. For callers that want to refuse a
    path before a long computation rather than after it.
    """
    output_format = _output_format(path)
    if output_format is not None:
        _system_dot(output_format, _backend_choice(backend))


def render(root, path, *, backend=None, timeout=DEFAULT_TIMEOUT, **options):
    """Draw the graph of `root` into `path`, in the format its suffix names; returns the Path written.

    `.svg` works without a system Graphviz (the embedded one is used when
    `dot` is not on PATH); `.png` and `.pdf` need the system Graphviz and raise
    `GraphvizNotFoundError`, saying how to install it, when it is missing;
    `.dot` and `.gv` write the DOT source. Any other suffix is a ValueError, and
    so is a graph over `max_nodes` (default 5,000). `backend` is "auto"
    (default), "system" or "embedded"; Graphviz gets `timeout` seconds (a
    RenderError after that). Other keyword options (`rankdir`, `max_nodes`,
    `highlight`, `groups`, `digits`, `edges`, `legend`) go to `to_dot`.
    """
    check_output(path, backend=backend)  # fail before drawing, not after
    return save_source(to_dot(root, **options).source, path, backend=backend, timeout=timeout)


class Drawing:
    """A drawn graph: `.source` (DOT), `.svg()`, `.save(path)`; shows itself in Jupyter.

    The SVG comes from the same renderer as `render`, so it needs no system
    Graphviz, and is made once, on first use.
    """

    def __init__(self, source, *, backend=None, timeout=DEFAULT_TIMEOUT):
        self.source = source
        self.backend = backend
        self.timeout = timeout
        self._svg = None

    def svg(self):
        """The drawing as SVG text."""
        if self._svg is None:
            self._svg = render_source(self.source, "svg", backend=self.backend, timeout=self.timeout).decode("utf-8")
        return self._svg

    def save(self, path):
        """Write the drawing to `path` by its suffix (as `render` does); returns the Path written."""
        return save_source(self.source, path, backend=self.backend, timeout=self.timeout)

    def _repr_svg_(self):
        return self.svg()

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"image/svg+xml": self.svg(), "text/plain": repr(self)}

    def __repr__(self):
        return f"<Drawing: {self.source.count(chr(10))} lines of DOT; .svg() for the picture, .save(path) to write it>"


def draw(root, *, backend=None, timeout=DEFAULT_TIMEOUT, **options):
    """A `Drawing` of the graph of `root`, for notebooks; options as for `to_dot`."""
    return Drawing(to_dot(root, **options).source, backend=backend, timeout=timeout)
