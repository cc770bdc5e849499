"""tracegrad's drawings: graphs with every value, gradient and local derivative.

Imports `autograd` and `nn`; the CLI sits on top of it.

`to_dot(root)` builds the Graphviz source (a `graphviz.Digraph` that shows
itself in Jupyter with no system Graphviz), `render(root, path)` writes .svg
(no system Graphviz needed), .png, .pdf or .dot, `draw(root)` gives a
`Drawing` for notebooks, `draw_dot(root)` is micrograd's name for `to_dot`,
`explain(root, node)` writes d(root)/d(node) out by the chain rule with the
numbers, and `to_html(root, path)` writes a page that steps through the
forward and backward pass in a browser.
"""

from viz.dot import draw_dot, to_dot
from viz.explain import explain
from viz.render import Drawing, GraphvizNotFoundError, RenderError, draw, render
from viz.stepper import to_html

__tracegrad__ = "viz"

__all__ = [
    "Drawing",
    "GraphvizNotFoundError",
    "RenderError",
    "draw",
    "draw_dot",
    "explain",
    "render",
    "to_dot",
    "to_html",
]
