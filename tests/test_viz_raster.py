"""PNG without system Graphviz: the embedded Graphviz's SVG rasterised by resvg, text really drawn.

"Really drawn" is checked on the pixels: every label of a drawing, placed
where the SVG says it is, must cover dark pixels in the PNG, and the same
places must be blank when the SVG's texts are taken out.
"""

import io
import re
import xml.etree.ElementTree as ET

import numpy
import pytest
from PIL import Image

from autograd import Value
from viz import render, to_dot
from viz.backend import render_source
from viz.raster import DEFAULT_SCALE, bundled_fonts, svg_to_png

SVG = "{http://www.w3.org/2000/svg}"


def neuron():
    x, w, b = Value(0.5, "INPUT"), Value(-1.0, "WEIGHT"), Value(0.2, "BIAS")
    y = (x * w + b).tanh()
    y.label = "OUTPUT"
    y.backward()
    return y


def text_boxes(svg):
    """(left, top, right, bottom) in SVG user units, well inside each text's ink, for every <text>."""
    root = ET.fromstring(svg)
    graph = root.find(f"{SVG}g")
    tx, ty = (float(v) for v in re.search(r"translate\(([-\d.]+)[ ,]+([-\d.]+)\)", graph.get("transform")).groups())
    boxes = []
    for text in root.iter(f"{SVG}text"):
        content = (text.text or "").strip()
        if len(content) < 3:
            continue
        x, y, size = float(text.get("x")) + tx, float(text.get("y")) + ty, float(text.get("font-size"))
        width = 0.45 * size * len(content)  # a narrow estimate of the ink's width
        anchor = text.get("text-anchor", "start")
        left = x - width / 2 if anchor == "middle" else (x - width if anchor == "end" else x)
        boxes.append((content, (left + 0.1 * width, y - 0.6 * size, left + 0.9 * width, y - 0.1 * size)))
    return boxes


def dark_pixels(image, box, scale):
    left, top, right, bottom = (round(v * scale) for v in box)
    pixels = numpy.asarray(image.convert("L"))[top:bottom, left:right]
    return int((pixels < 110).sum())


def test_render_writes_a_png_without_system_graphviz_with_every_label_drawn(no_system_graphviz):
    root = neuron()
    path = render(root, no_system_graphviz / "neuron.png")
    svg = render_source(to_dot(root).source, "svg", backend="embedded").decode("utf-8")
    with Image.open(path) as image:
        image.load()
        assert image.format == "PNG"
        width = image.size[0]
        view_width = float(ET.fromstring(svg).get("viewBox").split()[2])
        scale = width / view_width  # pixels per SVG unit (a point)
        assert scale == pytest.approx(DEFAULT_SCALE * 96 / 72, rel=0.01)
        assert image.info["dpi"] == pytest.approx((96 * DEFAULT_SCALE,) * 2, abs=0.5)
        boxes = text_boxes(svg)
        assert {"INPUT", "WEIGHT", "BIAS", "OUTPUT"} <= {content for content, _ in boxes}
        for content, box in boxes:
            assert dark_pixels(image, box, scale) >= 10, f"no ink where {content!r} should be"

    # The same picture without its texts: the places where they were are blank.
    bare = re.sub(r"<text\b[^>]*>.*?</text>", "", svg, flags=re.S)
    blank = Image.open(io.BytesIO(svg_to_png(bare)))
    for content, box in boxes:
        assert dark_pixels(blank, box, scale) <= 2, f"ink without text at {content!r}"


def test_the_bundled_fonts_alone_draw_the_text():
    assert bundled_fonts(), "matplotlib's DejaVu fonts were not found"
    svg = render_source(to_dot(neuron()).source, "svg", backend="embedded").decode("utf-8")
    image = Image.open(io.BytesIO(svg_to_png(svg, system_fonts=False)))
    scale = image.size[0] / float(ET.fromstring(svg).get("viewBox").split()[2])
    for content, box in text_boxes(svg):
        assert dark_pixels(image, box, scale) >= 10, f"no ink where {content!r} should be"


def test_the_embedded_backend_writes_png_and_the_command_line_too(no_system_graphviz, capsys):
    path = render(neuron(), no_system_graphviz / "forced.png", backend="embedded")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from viz.cli import main

    out = no_system_graphviz / "expression.png"
    assert main(["draw", "tanh(x*w + b)", "x=0.5", "w=-1", "b=0.2", "-o", str(out)]) == 0
    with Image.open(out) as image:
        assert image.size[0] > 300


def test_a_bad_scale_is_refused():
    with pytest.raises(ValueError, match=r"scale must be a number from 0\.1 to 10"):
        svg_to_png("<svg/>", scale=0)
