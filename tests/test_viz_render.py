"""render, draw and Drawing: SVG (and PNG, tests/test_viz_raster.py) without a system Graphviz,
a helpful error for PDF without it, .dot source, atomic writes, and the notebook hooks.

"No system Graphviz" is simulated by pointing PATH at an empty directory, so
these tests mean the same on a machine that has `dot`. The system branch is
checked with a stand-in `dot` script on PATH.
"""

import os
import sys
import xml.etree.ElementTree as ET

import pytest

import viz.embedded
from autograd import Value
from viz import Drawing, GraphvizNotFoundError, RenderError, draw, render, to_dot
from viz.embedded import EmbeddedRenderError, render_svg

SVG = "{http://www.w3.org/2000/svg}"


def neuron():
    x, w, b = Value(0.5, label="x"), Value(-1.0, label="w"), Value(0.25, label="b")
    y = (x * w + b).tanh()
    y.label = "y"
    y.backward()
    return y


def svg_texts(svg):
    root = ET.fromstring(svg)
    return [text.text for text in root.iter(f"{SVG}text")]


def test_svg_renders_without_system_graphviz(no_system_graphviz):
    y = neuron()
    path = render(y, no_system_graphviz / "neuron.svg")
    assert path == no_system_graphviz / "neuron.svg"
    document = path.read_text(encoding="utf-8")
    shown = svg_texts(document)  # parses: well-formed XML
    for expected in ("x", "w", "b", "y", "tanh", "data 0.5", "grad 1"):
        assert expected in shown
    root = ET.fromstring(document)
    assert sum(1 for g in root.iter(f"{SVG}g") if g.get("class") == "node") == 6
    assert sorted(p.name for p in no_system_graphviz.iterdir()) == ["neuron.svg"]  # no temporary file left


def test_embedded_backend_can_be_forced(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACEGRAD_GRAPHVIZ", "embedded")
    path = render(neuron(), tmp_path / "forced.svg")
    assert "data 0.5" in svg_texts(path.read_text(encoding="utf-8"))
    path = render(neuron(), tmp_path / "argument.svg", backend="embedded")
    assert "data 0.5" in svg_texts(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("suffix", [".pdf", ".PDF"])
def test_pdf_without_system_graphviz_says_how_to_install_it(no_system_graphviz, suffix):
    with pytest.raises(GraphvizNotFoundError) as caught:
        render(neuron(), no_system_graphviz / f"neuron{suffix}")
    message = str(caught.value)
    assert "apt-get install graphviz" in message
    assert "brew install graphviz" in message
    assert ".svg" in message
    assert list(no_system_graphviz.iterdir()) == []


def test_the_embedded_backend_refuses_pdf_with_the_same_advice(tmp_path):
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        render(neuron(), tmp_path / "neuron.pdf", backend="embedded")


def test_forcing_the_system_backend_without_dot_says_how_to_install_it(no_system_graphviz):
    with pytest.raises(GraphvizNotFoundError, match="brew install graphviz"):
        render(neuron(), no_system_graphviz / "neuron.svg", backend="system")


@pytest.fixture
def fake_dot(tmp_path, monkeypatch):
    """A stand-in `dot` on PATH that records its arguments and answers with a fixed document."""
    if os.name == "nt":
        pytest.skip("the stand-in dot is a POSIX script")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "dot"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        "source = sys.stdin.read()\n"
        "if 'SLOW' in source:\n"
        "    import time\n"
        "    time.sleep(30)\n"
        "if 'FAIL' in source:\n"
        "    sys.stderr.write('Error: syntax error in line 1')\n"
        "    sys.exit(1)\n"
        "sys.stdout.write('rendered ' + sys.argv[1] + ' from ' + str(len(source)) + ' characters')\n"
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("TRACEGRAD_GRAPHVIZ", raising=False)
    return tmp_path


def test_the_system_dot_is_used_when_it_is_on_path(fake_dot):
    y = neuron()
    source = to_dot(y).source
    for suffix, flag in ((".svg", "-Tsvg"), (".png", "-Tpng"), (".pdf", "-Tpdf")):
        path = render(y, fake_dot / f"neuron{suffix}")
        assert path.read_text() == f"rendered {flag} from {len(source)} characters"
    # Forcing the embedded one bypasses it.
    path = render(y, fake_dot / "embedded.svg", backend="embedded")
    assert "data 0.5" in svg_texts(path.read_text(encoding="utf-8"))


def test_a_failing_system_dot_reports_its_error(fake_dot):
    label = Value(1.0, label="FAIL")
    with pytest.raises(RenderError, match="syntax error in line 1"):
        render(label, fake_dot / "broken.svg")
    assert not (fake_dot / "broken.svg").exists()


def test_a_slow_system_dot_is_stopped(fake_dot):
    with pytest.raises(RenderError, match=r"within 0\.5 seconds"):
        render(Value(1.0, label="SLOW"), fake_dot / "slow.svg", timeout=0.5)
    assert not (fake_dot / "slow.svg").exists()


@pytest.mark.parametrize("suffix", [".dot", ".gv"])
def test_dot_and_gv_write_the_source(tmp_path, suffix):
    y = neuron()
    path = render(y, tmp_path / f"graph{suffix}", rankdir="TB")
    assert path.read_text(encoding="utf-8") == to_dot(y, rankdir="TB").source


def test_an_unknown_suffix_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=r"suffix.*\.svg"):
        render(neuron(), tmp_path / "graph.jpg")
    with pytest.raises(ValueError, match="suffix"):
        render(neuron(), tmp_path / "graph")
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_backend_is_a_clear_error(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="backend must be one of auto, system, embedded"):
        render(neuron(), tmp_path / "graph.svg", backend="cairo")
    monkeypatch.setenv("TRACEGRAD_GRAPHVIZ", "fastest")
    with pytest.raises(ValueError, match="TRACEGRAD_GRAPHVIZ"):
        render(neuron(), tmp_path / "graph.svg")


def test_a_failed_render_leaves_an_existing_file_as_it_was(no_system_graphviz):
    target = no_system_graphviz / "graph.svg"
    target.write_text("the previous drawing")
    x = Value(1.0)
    for _ in range(10):
        x = x.exp().log()
    with pytest.raises(ValueError, match="max_nodes"):
        render(x, target, max_nodes=5)
    with pytest.raises(GraphvizNotFoundError):
        render(x, no_system_graphviz / "graph.pdf")
    assert target.read_text() == "the previous drawing"
    assert sorted(p.name for p in no_system_graphviz.iterdir()) == ["graph.svg"]


def test_render_replaces_a_file_and_keeps_usual_permissions(tmp_path):
    target = tmp_path / "graph.dot"
    target.write_text("old")
    render(neuron(), target)
    assert target.read_text(encoding="utf-8").startswith("// drawn by tracegrad")
    if os.name != "nt":
        umask = os.umask(0)
        os.umask(umask)
        assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_draw_gives_a_drawing_for_notebooks(no_system_graphviz):
    y = neuron()
    drawing = draw(y, rankdir="TB")
    assert isinstance(drawing, Drawing)
    assert drawing.source == to_dot(y, rankdir="TB").source
    svg = drawing._repr_svg_()
    assert "data -0.25" in svg_texts(svg)
    bundle = drawing._repr_mimebundle_()
    assert bundle["image/svg+xml"] == svg
    assert "Drawing" in bundle["text/plain"]
    assert drawing.svg() == svg
    path = drawing.save(no_system_graphviz / "drawing.svg")
    assert path.read_text(encoding="utf-8") == svg
    assert drawing.save(no_system_graphviz / "drawing.gv").read_text(encoding="utf-8") == drawing.source


def test_a_graph_too_deep_for_the_default_wasm_stack_still_renders(no_system_graphviz):
    # 1,500 multiplications by a constant leaf: 3,001 nodes, which exhausts wasmtime's default
    # 512 KiB wasm stack inside Graphviz's layout ("call stack exhausted").
    y = Value(1.0, label="x")
    for _ in range(1500):
        y = y * Value(1.0001)
    path = render(y, no_system_graphviz / "deep.svg", legend=False)
    root = ET.parse(path).getroot()
    assert sum(1 for g in root.iter(f"{SVG}g") if g.get("class") == "node") == 3001


def test_a_slow_layout_is_stopped_and_reported_and_the_next_render_works(no_system_graphviz):
    # x feeds 400 nodes spread over 400 ranks: Graphviz routes each long edge through a
    # dummy node per rank, and takes far longer than the 0.5 seconds allowed here.
    x = Value(0.5, label="x")
    y = x
    for _ in range(400):
        y = y + x
    # to_dot refuses such a graph by its cost unless max_nodes=None, which lets it through to the timeout.
    with pytest.raises(ValueError, match=r"cross 80199 ranks in all \(from x, for one"):
        render(y, no_system_graphviz / "slow.svg")
    with pytest.raises(RenderError, match=r"did not finish laying out the graph within 0.5 seconds"):
        render(y, no_system_graphviz / "slow.svg", timeout=0.5, max_nodes=None)
    assert list(no_system_graphviz.iterdir()) == []
    path = render(neuron(), no_system_graphviz / "after.svg")
    assert "data 0.5" in svg_texts(path.read_text(encoding="utf-8"))


def test_a_virtual_memory_limit_is_reported_as_such(tmp_path):
    # wasmtime reserves about 4 GB of address space for the embedded Graphviz; under `ulimit -v` that fails.
    import resource
    import subprocess
    import sys

    script = (
        "from autograd import Value\n"
        "from viz import render\n"
        "from viz.render import RenderError\n"
        "x = Value(1.0, label='x')\n"
        "try:\n"
        f"    render(x * 2, {str(tmp_path / 'm.svg')!r}, backend='embedded')\n"
        "except RenderError as error:\n"
        "    print(error)\n"
    )

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (4_000_000_000, 4_000_000_000))

    finished = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, preexec_fn=limit, timeout=120, check=False
    )
    assert "could not reserve its memory" in finished.stdout, finished.stdout + finished.stderr
    assert "ulimit -v" in finished.stdout
    assert "Traceback" not in finished.stderr


@pytest.mark.parametrize("label", ["\n", "\n" + "b" * 58, "\n\nx\n\n", "\r\n"])
def test_labels_with_leading_line_breaks_render_again_and_again(label, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACEGRAD_GRAPHVIZ", "embedded")
    x = Value(1.0, label=label)
    y = x * 2
    y.backward()
    for name in ("a.svg", "b.svg"):
        document = render(y, tmp_path / name).read_text(encoding="utf-8")
        assert sum(1 for g in ET.fromstring(document).iter(f"{SVG}g") if g.get("class") == "node") == 2


# Graphviz draws a record field that starts with a line break, but corrupts its own memory doing
# so: on an instance kept from render to render, the next render trapped (an indirect call type
# mismatch). tracegrad's labels never open a field so (viz/dot_text.py); raw DOT still can.
_CORRUPTING_DOT = 'digraph g {\n\tn [shape=record label="\\nx|y"]\n}\n'


def test_no_render_finished_failed_or_interrupted_changes_the_next():
    plain = to_dot(neuron()).source
    expected = render_svg(plain)
    x = Value(0.5, label="x")
    slow = x
    for _ in range(400):
        slow = slow + x
    render_svg(_CORRUPTING_DOT)
    assert render_svg(plain) == expected
    assert render_svg(_CORRUPTING_DOT) == render_svg(_CORRUPTING_DOT)
    with pytest.raises(EmbeddedRenderError, match="Failed to parse DOT source"):
        render_svg("digraph g { a -> }")
    assert render_svg(plain) == expected
    with pytest.raises(EmbeddedRenderError, match=r"within 0\.5 seconds"):
        render_svg(to_dot(slow, max_nodes=None).source, timeout=0.5)
    assert render_svg(plain) == expected


def test_a_crash_of_the_embedded_graphviz_is_reported_by_its_cause(monkeypatch):
    # One instance kept across renders, as before each render had its own: the second render of
    # the corrupting DOT traps, and the message names the trap, not the first line of its backtrace.
    backend = viz.embedded._Backend()
    session = backend._create_session()
    monkeypatch.setattr(backend, "_create_session", lambda: session)
    monkeypatch.setattr(viz.embedded, "_backend", backend)
    render_svg(_CORRUPTING_DOT)
    with pytest.raises(EmbeddedRenderError, match=r"drawing the graph 'g' \(1 node statements, 0 edges\): wasm trap: "):
        render_svg(_CORRUPTING_DOT)


def test_a_timer_that_fires_as_its_render_ends_does_not_interrupt_the_next(monkeypatch):
    # The epoch that times a render out is the engine's. Here the first render's timer fires late,
    # while the second render runs (its start is the second render's own timer starting): the
    # second render must finish, not stop as if its own time were up.
    plain = to_dot(neuron()).source
    expected = render_svg(plain)
    fired_late = []

    class LateTimer:
        daemon = False

        def __init__(self, interval, function):
            self.function = function

        def start(self):
            if fired_late:
                fired_late.pop()()  # the previous render's timer, after that render ended
            fired_late.append(self.function)

        def cancel(self):
            pass

    monkeypatch.setattr(viz.embedded.threading, "Timer", LateTimer)
    assert render_svg(plain) == expected
    assert render_svg(plain) == expected
