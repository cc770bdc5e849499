"""`render`, `draw` and `Drawing`: graphs drawn into files and notebook output.

Owns picking the output format from a file's suffix, writing files atomically
(by `autograd.files.write_atomically`) and the notebook `Drawing`. Which
Graphviz draws (the system `dot` when it is on PATH, otherwise the embedded
one, so `.svg` and `.png` work from a plain pip install; `.pdf` needs the
system one) is `viz.backend`'s, and `backend=` ("auto", "system",
"embedded") or the environment variable TRACEGRAD_GRAPHVIZ chooses it; the
argument wins. Imports `autograd.files`, `viz.dot` (and so `autograd`) and
`viz.backend`; never `nn`, never the CLI.
"""

import os
from pathlib import Path

from autograd.files import write_atomically
from viz.backend import (  # noqa: F401 - GraphvizNotFoundError and RenderError are also imported from here
    BACKEND_VARIABLE,
    BACKENDS,
    DEFAULT_TIMEOUT,
    GraphvizNotFoundError,
    RenderError,
    backend_choice,
    render_source,
    system_dot,
)
from viz.dot import to_dot

# suffix -> Graphviz output format; None means the DOT source itself.
FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": None, ".gv": None}


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
        system_dot(output_format, backend_choice(backend))


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
