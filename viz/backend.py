"""Which Graphviz draws: the system `dot` when it is on PATH, else the embedded one.

Owns turning DOT source into SVG, PNG or PDF bytes (`render_source`) and the
errors that come with it. The embedded Graphviz (`viz.embedded`: Graphviz
compiled to WebAssembly, run on `wasmtime`) makes `.svg` work from a plain pip
install; it renders SVG, which `viz.raster` (resvg) turns into `.png`, so
only `.pdf` needs the system one. Choose with `backend=` ("auto", "system",
"embedded") or the environment variable TRACEGRAD_GRAPHVIZ; the argument
wins. Imports `viz.embedded` and `viz.raster` only, so that `viz.digraph` can
show drawings in notebooks through the same renderer as `render`.
"""

import os
import shutil
import subprocess

from viz.embedded import DEFAULT_TIMEOUT, EmbeddedRenderError, render_svg
from viz.raster import svg_to_png

BACKENDS = ("auto", "system", "embedded")
BACKEND_VARIABLE = "TRACEGRAD_GRAPHVIZ"
_INSTALL_HINT = (
    "Install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; Fedora: sudo dnf install graphviz; "
    "macOS: brew install graphviz; Windows: winget install graphviz) so that `dot` is on PATH, "
    "or write .svg or .png instead, which work without it."
)


class GraphvizNotFoundError(RuntimeError):
    """The system Graphviz (`dot`) is needed and is not on PATH."""


class RenderError(RuntimeError):
    """Graphviz failed to render the DOT source."""


def backend_choice(backend):
    choice = backend if backend is not None else os.environ.get(BACKEND_VARIABLE, "") or "auto"
    if choice not in BACKENDS:
        where = "backend" if backend is not None else f"the environment variable {BACKEND_VARIABLE}"
        raise ValueError(f"render: {where} must be one of {', '.join(BACKENDS)}, got {choice!r}")
    return choice


def system_dot(output_format, choice):
    """The path of the system `dot`, or None when the embedded Graphviz is to be used."""
    dot = shutil.which("dot") if choice != "embedded" else None
    if dot is not None:
        return dot
    if output_format in ("svg", "png") and choice != "system":
        return None
    if choice == "embedded":
        raise GraphvizNotFoundError(
            f"render: the embedded Graphviz renders SVG and PNG, not {output_format.upper()}. {_INSTALL_HINT}"
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
    dot = system_dot(output_format, backend_choice(backend))
    if dot is None:
        try:
            svg = render_svg(source, timeout=timeout)
        except EmbeddedRenderError as error:
            raise RenderError(f"render: {error}") from error
        return svg_to_png(svg) if output_format == "png" else svg
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
