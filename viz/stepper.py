"""`to_html`: one self-contained page that steps through the forward and backward pass of a graph.

Owns the stepper page: the page that embeds the steps of `viz.steps.trace`
with the drawing (`page`, `to_html`), and the marks on the drawing's texts
that the page's script changes. Imports `autograd.files`, `viz.dot`,
`viz.render` (the drawing is the one `to_dot` makes, laid out by the same
Graphviz as `render`) and `viz.steps`; never the CLI.

The page is one HTML file: the SVG inline, the trace as JSON in a
non-executed script element, a small script and a stylesheet, both allowed by
hash in a Content-Security-Policy that forbids every fetch, so it works from
file://, attached to a mail or in a course platform.
"""

import base64
import hashlib
import html
import json
import xml.etree.ElementTree as ET
from importlib import resources

from autograd.files import write_atomically
from viz.dot import to_dot
from viz.names import DEFAULT_DIGITS
from viz.render import render_source
from viz.steps import DEFAULT_MAX_NODES, trace

_SVG_NS = "http://www.w3.org/2000/svg"
_SVG = f"{{{_SVG_NS}}}"


def _texts(group):
    return list(group.iter(f"{_SVG}text"))


def _text_of(element):
    return (element.text or "").replace("\xa0", " ")


def _mark(svg_bytes, data, writer_names):
    """The SVG with the texts the page changes marked by class, as a string to put inline in HTML.

    In each node's group the text that shows its data gets class `tg-data`
    and the one that shows its grad `tg-grad`; an edge's label texts get
    `tg-local`. They are found by the very strings `to_dot` wrote, so a change
    of the drawing's wording that breaks this fails loudly here.
    """
    ET.register_namespace("", _SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    svg = ET.fromstring(svg_bytes)
    groups = {group.get("id"): group for group in svg.iter(f"{_SVG}g")}
    for node_key, info in data["nodes"].items():
        group = groups.get(node_key)
        if group is None:
            raise RuntimeError(f"to_html: the drawing has no element with id {node_key!r}")
        texts = _texts(group)
        data_texts = [t for t in texts if _text_of(t).strip() == f"data {info['data']}"]
        grad_texts = [t for t in texts if _text_of(t).strip() == f"grad {info['grad']}"]
        if len(data_texts) != 1 or len(grad_texts) != 1:
            raise RuntimeError(f"to_html: cannot find the data and grad texts of node {node_key} in the drawing")
        data_texts[0].set("class", "tg-data")
        grad_texts[0].set("class", "tg-grad")
        title = group.find(f"{_SVG}title")
        if title is not None:
            title.text = writer_names[node_key]
    for group in svg.iter(f"{_SVG}g"):
        if group.get("class") == "edge":
            for text in _texts(group):
                text.set("class", "tg-local")
    svg.set("role", "img")
    svg.set("aria-label", f"the graph of {data['root']}")
    svg.set("id", "tg-svg")
    return ET.tostring(svg, encoding="unicode")


def _json_for_script(data):
    """JSON that cannot end its <script> element or open a comment: <, >, & and line separators escaped."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


def _asset(name):
    return resources.files("viz").joinpath(name).read_text(encoding="utf-8")


def _hash(text):
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def page(root, *, digits=DEFAULT_DIGITS, title=None, max_nodes=DEFAULT_MAX_NODES):
    """The stepper page for `root` as one HTML string (see `to_html`)."""
    if title is not None and not isinstance(title, str):
        raise TypeError(f"to_html: title must be a str or None, not {type(title).__name__}")
    data = trace(root, digits=digits, max_nodes=max_nodes)
    gradients = data.pop("gradients")
    source = to_dot(root, digits=digits, legend=False, gradients=gradients).source
    names = {key: info["name"] for key, info in data["nodes"].items()}
    svg = _mark(render_source(source, "svg"), data, names)
    if title is None:
        title = f"Backpropagation through {data['root']}, step by step"
    data["title"] = title
    script = _asset("stepper.js")
    style = _asset("stepper.css")
    policy = (
        f"default-src 'none'; script-src {_hash(script)}; style-src {_hash(style)}; img-src 'none'; "
        "connect-src 'none'; font-src 'none'; base-uri 'none'; form-action 'none'"
    )
    shown_title = html.escape(title)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{html.escape(policy, quote=False)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tracegrad">
<title>{shown_title}</title>
<style>{style}</style>
</head>
<body>
<header>
<h1>{shown_title}</h1>
<p class="tg-intro">Each step computes one node (forward) or sends the gradient back along one edge
(backward), as <code>backward()</code> does: upstream gradient × local derivative, added into the
parent's gradient. Keys: ← → step, space plays and pauses, Home and End go to the first and last step.
Printing gives one page per step.</p>
</header>
<nav id="tg-controls" aria-label="steps">
<button type="button" id="tg-first" title="first step (Home)">|◀ first</button>
<button type="button" id="tg-prev" title="previous step (←)">◀ previous</button>
<button type="button" id="tg-play" title="play or pause (space)">▶ play</button>
<button type="button" id="tg-next" title="next step (→)">next ▶</button>
<button type="button" id="tg-last" title="last step (End)">last ▶|</button>
<label>speed <select id="tg-speed">
<option value="2000">0.5 steps/s</option>
<option value="1000" selected>1 step/s</option>
<option value="500">2 steps/s</option>
<option value="250">4 steps/s</option>
</select></label>
<input type="range" id="tg-scrubber" min="0" max="{len(data["steps"]) - 1}" value="0" aria-label="step">
<span id="tg-counter"></span>
<label>jump to node <select id="tg-jump"><option value="">…</option></select></label>
</nav>
<main>
<section id="tg-panel" aria-label="the current step">
<h2 id="tg-heading" class="tg-heading"></h2>
<p id="tg-sentence" class="tg-sentence" aria-live="polite"></p>
<div id="tg-formula" class="tg-formula"></div>
<table id="tg-details" class="tg-details"><tbody></tbody></table>
</section>
<figure id="tg-figure">{svg}</figure>
</main>
<div id="tg-print"></div>
<template id="tg-page-template"><section class="tg-print-page"><h2 class="tg-heading"></h2>
<p class="tg-sentence"></p><div class="tg-formula"></div><table class="tg-details"><tbody></tbody></table>
<div class="tg-print-figure"></div></section></template>
<script type="application/json" id="tg-trace">{_json_for_script(data)}</script>
<script>{script}</script>
</body>
</html>
"""


def to_html(root, path, *, digits=DEFAULT_DIGITS, title=None, max_nodes=DEFAULT_MAX_NODES):
    """Write ONE self-contained HTML page that steps through the forward and backward pass of `root`.

    The page shows the graph as `render` draws it and walks it: step 0 is
    before the first step, then one forward step per computed node (in
    topological order, with its formula and numbers), the seed, and one
    backward step per edge (upstream gradient × local derivative, added into
    the parent's gradient, in the order `backward()` runs). Open it at
    `path#step=N` to start at step N. It needs no network and no server. The
    gradients are those of one backward pass from a seed of 1, whatever
    `.grad` holds. `digits` is the significant digits of every number, `title`
    the page's title. A graph of more than `max_nodes` nodes (default 300) is
    refused with a ValueError; `max_nodes=None` takes any size. Returns the
    Path written (atomically).
    """
    return write_atomically(path, page(root, digits=digits, title=title, max_nodes=max_nodes))
