"""PNG without system Graphviz: the embedded Graphviz's SVG rasterised by resvg.

Owns `svg_to_png`. Imports `resvg_py` (wheels of the Rust SVG renderer resvg
for Linux, macOS and Windows, nothing to install besides) and the standard
library; never `nn`, never the CLI.

Text needs fonts. resvg reads the system's, and matplotlib (a dependency of
tracegrad) ships DejaVu Sans, which is always added, so the labels are drawn
on a machine without any font installed too. Graphviz lays text out with
Helvetica's widths, so a stylesheet asks first for fonts with the same widths
(Liberation Sans, Arial, Helvetica) and falls back to DejaVu Sans, which runs
a little wider.
"""

import importlib.util
import struct
import zlib
from pathlib import Path

import resvg_py

# SVG user units per inch: Graphviz writes sizes in points, 72 to the inch, which resvg turns
# into pixels at this many dots per inch (96, as browsers do).
_CSS_DPI = 96.0
DEFAULT_SCALE = 2.0  # pixels per CSS pixel: 192 dpi, crisp on a slide or a high-density screen

_STYLE = """
text { font-family: "Liberation Sans", Arial, Helvetica, "Nimbus Sans", "DejaVu Sans", sans-serif; }
text[font-family^="Courier"] { font-family: "Liberation Mono", "Courier New", "DejaVu Sans Mono", monospace; }
text[font-family^="Times"] { font-family: "Liberation Serif", "Times New Roman", "DejaVu Serif", serif; }
"""


def bundled_fonts():
    """The DejaVu font files matplotlib ships (found without importing matplotlib, which is slow)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return []
    folder = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"
    return sorted(str(path) for path in folder.glob("DejaVu*.ttf"))


def svg_to_png(svg, *, scale=DEFAULT_SCALE, system_fonts=True):
    """PNG bytes of the SVG text `svg`, `scale` pixels per CSS pixel (2: 192 dpi), on white.

    `system_fonts=False` draws with the bundled fonts alone, as on a machine without any.
    """
    if not isinstance(scale, (int, float)) or isinstance(scale, bool) or not 0.1 <= scale <= 10:
        raise ValueError(f"svg_to_png: scale must be a number from 0.1 to 10, got {scale!r}")
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    png = resvg_py.svg_to_bytes(
        svg_string=text,
        dpi=_CSS_DPI,
        zoom=float(scale),
        background="white",
        style_sheet=_STYLE,
        font_files=bundled_fonts(),
        skip_system_fonts=not system_fonts,
        sans_serif_family="DejaVu Sans",
        font_family="DejaVu Sans",
    )
    return _with_resolution(bytes(png), _CSS_DPI * scale)


def _with_resolution(png, dpi):
    """`png` with a pHYs chunk saying `dpi`, so that slide and print programs size it right."""
    header_end = 8 + 25  # the signature, then the IHDR chunk (length, type, 13 bytes, CRC)
    if png[12:16] != b"IHDR" or b"pHYs" in png[header_end : header_end + 8]:
        return png
    per_metre = round(dpi / 0.0254)
    body = b"pHYs" + struct.pack(">IIB", per_metre, per_metre, 1)
    chunk = struct.pack(">I", 9) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    return png[:header_end] + chunk + png[header_end:]
