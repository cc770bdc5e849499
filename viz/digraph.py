"""`Digraph`: the `graphviz.Digraph` drawings are, which shows itself in Jupyter with no system Graphviz.

Owns the notebook display of a drawing and the SVG that `.pipe()` and
`.render()` give without system Graphviz, both through `viz.backend` (the
system `dot` when it is on PATH, else the embedded Graphviz). Both views of
`to_dot` return one. Imports `graphviz` and `viz.backend`; never the CLI.
"""

import os

import graphviz

from viz.backend import DEFAULT_TIMEOUT, backend_choice, render_source, system_dot


class Digraph(graphviz.Digraph):
    """The `graphviz.Digraph` that `to_dot` returns: it shows itself in Jupyter with no system Graphviz.

    Everything of `graphviz.Digraph` holds (`.source`, `.save()`, `.render()`,
    `.pipe()`); the notebook display (`_repr_mimebundle_`, `_repr_svg_`) goes
    through the same renderer as `viz.render` (the system `dot` when it is on
    PATH, else the embedded Graphviz), and so do `.render()` and `.pipe()` to
    SVG when `dot` is missing. `backend` and `timeout` are as for `render`.
    """

    backend = None
    timeout = DEFAULT_TIMEOUT

    def _svg(self):
        return render_source(self.source, "svg", backend=self.backend, timeout=self.timeout).decode("utf-8")

    def _repr_svg_(self):
        return self._svg()

    def _repr_image_svg_xml(self):
        return self._svg()

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        bundle = {"image/svg+xml": self._svg(), "text/plain": repr(self)}
        return {
            kind: data
            for kind, data in bundle.items()
            if (not include or kind in include) and kind not in (exclude or ())
        }

    def _embedded(self, format):
        """Whether an SVG of ours is to be drawn by the embedded Graphviz rather than by graphviz's own `dot` call."""
        return (format or self.format) == "svg" and system_dot("svg", backend_choice(self.backend)) is None

    def pipe(self, format=None, *args, encoding=None, **kwargs):
        """As `graphviz.Digraph.pipe`; SVG without system Graphviz comes from the embedded one."""
        if args or kwargs or not self._embedded(format):
            return super().pipe(format, *args, encoding=encoding, **kwargs)
        svg = render_source(self.source, "svg", backend=self.backend, timeout=self.timeout)
        return svg.decode(encoding) if encoding else svg

    def render(self, filename=None, directory=None, view=False, cleanup=False, format=None, *args, **kwargs):
        """As `graphviz.Digraph.render`: saves the DOT source and writes `<source>.<format>` next to it.

        SVG without system Graphviz comes from the embedded one; other formats
        (and viewing) need the system Graphviz, as in graphviz itself.
        """
        if args or kwargs or view or not self._embedded(format):
            return super().render(filename, directory, view, cleanup, format, *args, **kwargs)
        source_path = self.save(filename, directory=directory)
        out = f"{source_path}.svg"
        with open(out, "wb") as file:
            file.write(render_source(self.source, "svg", backend=self.backend, timeout=self.timeout))
        if cleanup:
            os.remove(source_path)
        return out
