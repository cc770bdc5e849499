"""to_html and its trace: the steps of the worked example are those of its graph, the last step
leaves every gradient `backward()` computes, the w5 step reads as `explain` does, accumulation
shows as two `+=` steps, and no label can break out of the HTML, the JSON or the SVG.

The page itself is checked in a browser by tests/test_viz_stepper_browser.py.
"""

import html.parser
import json
import re
import xml.etree.ElementTree as ET

import pytest
from published import agrees_with_published

from autograd import Value, topological_order
from nn import worked_example
from viz import explain, to_html
from viz.names import format_number, partial_name
from viz.stepper import page, trace
from viz.walk import edge_id, node_id, reading_order

SVG = "{http://www.w3.org/2000/svg}"


def worked_graph():
    """The worked example's labelled nodes, after exactly one backward pass."""
    graph = worked_example.labelled_graph()
    if graph["E_total"].grad == 0.0:
        graph["E_total"].backward()
    return graph


def ids(root):
    """node -> SVG id, as the drawing gives them."""
    return {node: node_id(index) for index, node in enumerate(reading_order(root))}


def steps_of(data, phase):
    return [step for step in data["steps"] if step["phase"] == phase]


def final_texts(data):
    """node id -> the grad text after the last step, replaying the steps as the page does."""
    shown = {}
    for step in data["steps"]:
        shown.update(step.get("grad", {}))
    return shown


def test_the_worked_example_has_one_forward_step_per_computed_node_and_one_backward_step_per_edge():
    root = worked_graph()["E_total"]
    data = trace(root)
    node_ids = ids(root)
    nodes = topological_order(root)

    forward = steps_of(data, "forward")
    computed = [node for node in nodes if node.parents]
    assert sorted(step["node"] for step in forward) == sorted(node_ids[node] for node in computed)
    assert len(forward) == len(computed)
    # Each forward step comes after the steps of its parents.
    position = {step["node"]: k for k, step in enumerate(forward)}
    for node in computed:
        for parent in node.parents:
            if parent.parents:
                assert position[node_ids[parent]] < position[node_ids[node]]

    backward = steps_of(data, "backward")
    seed, edges = backward[0], backward[1:]
    assert seed["node"] == node_ids[root] and seed["grad"] == {node_ids[root]: "1"}
    expected_edges = sorted(edge_id(int(node_ids[node][1:]), k) for node in nodes for k in range(len(node.parents)))
    assert sorted(step["edge"] for step in edges) == expected_edges
    assert len(edges) == sum(len(node.parents) for node in nodes)
    # Step 0 is before the first step; the numbering follows the list.
    assert data["steps"][0]["phase"] == "start"
    assert [step["number"] for step in data["steps"]] == list(range(len(data["steps"])))


def test_backward_steps_run_in_the_order_of_backward_and_each_node_only_once_complete():
    root = worked_graph()["E_total"]
    data = trace(root)
    node_ids = ids(root)
    order = [node_ids[node] for node in reversed(topological_order(root)) if node.parents]
    children = [step["node"] for step in steps_of(data, "backward")[1:]]
    assert list(dict.fromkeys(children)) == order
    # A node sends its gradient down only after every edge into it has arrived.
    last_arrival = {}
    for k, step in enumerate(steps_of(data, "backward")[1:]):
        last_arrival[step["target"]] = k
    for k, step in enumerate(steps_of(data, "backward")[1:]):
        if step["node"] in last_arrival:
            assert last_arrival[step["node"]] < k


def test_after_the_last_step_every_gradient_is_the_one_backward_computes():
    graph = worked_graph()
    root = graph["E_total"]
    data = trace(root)
    shown = final_texts(data)
    for node, node_key in ids(root).items():
        assert shown[node_key] == format_number(node.grad), (data["nodes"][node_key]["name"], node.grad)
        assert data["gradients"][node] == node.grad  # bit for bit, not only to 9 digits
    # And the published figures, to the digits shown.
    by_name = {info["name"]: shown[key] for key, info in data["nodes"].items()}
    assert agrees_with_published(worked_example.PUBLISHED["dE_total/dw5"], float(by_name["w5"]))
    assert agrees_with_published(worked_example.PUBLISHED["dE_total/dw1"], float(by_name["w1"]))


def test_the_trace_does_not_depend_on_what_grad_holds():
    fresh = worked_example.labelled_graph()["E_total"]
    once = trace(fresh)
    fresh.backward()  # a second pass doubles every .grad; the page shows one pass from a seed of 1
    assert trace(fresh)["steps"] == once["steps"]


def test_the_w5_step_reads_as_explain_writes_it():
    graph = worked_graph()
    root, w5 = graph["E_total"], graph["w5"]
    data = trace(root)
    (step,) = [step for step in steps_of(data, "backward") if step.get("target") == ids(root)[w5]]
    names = (
        partial_name("E_total", "w5"),
        partial_name("E_total", "out_o1"),
        partial_name("out_o1", "net_o1"),
        partial_name("net_o1", "w5"),
    )
    assert step["formula"] == [
        f"{names[0]} += {names[1]} × {names[2]} × {names[3]}",
        "= 0.74136507 × 0.186815602 × 0.593269992 = 0.0821670406",
    ]
    # explain prints the same factors with the same numbers, and the same total.
    explained = explain(root, w5)
    for name, number in ((names[2], "0.186815602"), (names[3], "0.593269992")):
        names_line = next(line for line in explained.splitlines() if name in line and "->" not in line)
        numbers_line = explained.splitlines()[explained.splitlines().index(names_line) + 1]
        column = names_line.index(name)
        assert numbers_line[column : column + len(number)] == number
    assert "0.74136507" in explained
    assert f"{names[0]} = 0.0821670406" in explained
    assert dict(step["details"])["after +="] == f"{names[0]} = 0.0821670406 (its first contribution)"


def test_the_w1_step_is_the_posts_formula():
    graph = worked_graph()
    root, w1 = graph["E_total"], graph["w1"]
    data = trace(root)
    (step,) = [step for step in steps_of(data, "backward") if step.get("target") == ids(root)[w1]]
    assert step["formula"][0].endswith(
        f"{partial_name('E_total', 'out_h1')} × {partial_name('out_h1', 'net_h1')} × {partial_name('net_h1', 'w1')}"
    )
    assert step["formula"][1] == "= 0.0363503064 × 0.241300709 × 0.05 = 0.000438567734"


def test_the_forward_step_of_net_o1_writes_out_the_weighted_sum():
    graph = worked_graph()
    root = graph["E_total"]
    data = trace(root)
    (step,) = [step for step in steps_of(data, "forward") if step["node"] == ids(root)[graph["net_o1"]]]
    assert step["formula"] == [
        "net_o1 = w5·out_h1 + w6·out_h2 + b2",
        "= 0.4·0.593269992 + 0.45·0.596884378 + 0.6 = 1.10590597",
    ]
    assert step["sentence"] == "Forward: net_o1 = w5·out_h1 + w6·out_h2 + b2 = 1.10590597."
    assert step["data"] == {ids(root)[graph["net_o1"]]: "1.10590597"}
    # A number that is part of the op (the ½ of the squared error) is written in the formula.
    (step,) = [step for step in steps_of(data, "forward") if step["node"] == ids(root)[graph["E_o1"]]]
    assert step["formula"] == ["E_o1 = 0.5·(target_o1 − out_o1)²", "= 0.5·0.549622166 = 0.274811083"]


def test_a_parent_fed_twice_shows_two_accumulating_steps():
    a = Value(1.0, label="a")
    b = a + a
    b.label = "b"
    c = b + b
    c.label = "c"
    data = trace(c)
    a_id, b_id = ids(c)[a], ids(c)[b]
    into_a = [step for step in steps_of(data, "backward") if step.get("target") == a_id]
    into_b = [step for step in steps_of(data, "backward") if step.get("target") == b_id]
    assert [step["grad"] for step in into_b] == [{b_id: "1"}, {b_id: "2"}]
    assert [step["grad"] for step in into_a] == [{a_id: "2"}, {a_id: "4"}]
    assert [step["edge"] for step in into_a] == ["e1_0", "e1_1"]
    assert dict(into_a[0]["details"])["after +="] == "dc/da = 2 (its first contribution)"
    assert dict(into_a[1]["details"])["after +="] == "dc/da = 2 + 2 = 4"
    assert "operand 2 of 2: b uses it twice" in into_a[1]["sentence"]
    assert "goes from 2 to 4" in into_a[1]["sentence"] and "complete" in into_a[1]["sentence"]
    assert "complete" not in into_a[0]["sentence"]
    assert len(data["steps"]) == 1 + 2 + 1 + 4


HOSTILE = ["</script><script>alert(1)</script>", "<!-- x", "\"quoted\" & 'single'", "a]]>b", "line\u2028sep", "<svg>"]


class _Structure(html.parser.HTMLParser):
    """Counts the elements of a page and collects the text of its script elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.scripts = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def hostile_root():
    leaves = [Value(float(k + 1), label=label) for k, label in enumerate(HOSTILE)]
    total = leaves[0]
    for leaf in leaves[1:]:
        total = total * leaf
    total.label = "</script>&amp;<!--"
    return leaves, total


def test_hostile_labels_cannot_break_out_of_the_html_the_json_or_the_svg():
    _, root = hostile_root()
    text = page(root, title='<title>"&</script>')
    structure = _Structure()
    structure.feed(text)
    structure.close()
    # Exactly the page's own two scripts: the data and the code; no label opened another element.
    assert structure.tags.count("script") == 2
    assert text.count("</script") == 2
    assert "<!--" not in text
    assert structure.tags.count("svg") == 1
    page_tags = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "p", "code", "nav", "button"}
    page_tags |= {"label", "select", "option", "input", "span", "main", "section", "div", "table", "tbody", "figure"}
    page_tags |= {"template", "script", "svg", "g", "title", "polygon", "polyline", "path", "ellipse", "text"}
    assert set(structure.tags) <= page_tags
    data = json.loads(structure.scripts[0])
    names = {info["name"] for info in data["nodes"].values()}
    for label in HOSTILE:
        assert any(label.replace("\u2028", "\\u2028") in name for name in names), label
    assert data["title"] == '<title>"&</script>'
    svg = re.search(r"<svg.*</svg>", text, re.DOTALL)[0]
    drawn = "\n".join(t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")).replace("\xa0", " ")
    for label in HOSTILE:
        assert label.replace("\u2028", "\\u2028") in drawn, label


def test_the_page_forbids_every_fetch_and_allows_only_its_own_script_and_style():
    _, root = hostile_root()
    text = page(root)
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', text)[1]
    assert "default-src 'none'" in policy and "connect-src 'none'" in policy and "img-src 'none'" in policy
    assert "unsafe-inline" not in policy
    assert re.search(r"script-src 'sha256-[A-Za-z0-9+/=]+'", policy)
    # Nothing on the page names another file or host.
    assert not re.search(r"""(src|href)=|url\(|@import|https?://(?!www\.w3\.org/)""", text)


def test_the_worked_example_page_is_under_a_megabyte(tmp_path):
    root = worked_graph()["E_total"]
    path = to_html(root, tmp_path / "steps.html", title="The worked example")
    assert path == tmp_path / "steps.html"
    size = path.stat().st_size
    assert 10_000 < size < 1_000_000, size
    assert "<title>The worked example</title>" in path.read_text(encoding="utf-8")


def test_a_graph_over_the_budget_is_refused_with_a_clear_error(tmp_path):
    x = Value(0.5, label="x")
    y = x
    for _ in range(6):
        y = y * x
    with pytest.raises(ValueError, match=r"has 7 nodes, more than the page's budget of 6.*max_nodes=7"):
        to_html(y, tmp_path / "big.html", max_nodes=6)
    assert not (tmp_path / "big.html").exists()
    assert to_html(y, tmp_path / "big.html", max_nodes=None).exists()


def test_bad_arguments_are_refused():
    x = Value(1.0, label="x")
    with pytest.raises(TypeError, match="root must be a Value"):
        page(1.0)
    with pytest.raises(ValueError, match="digits"):
        page(x * 2, digits=0)
    with pytest.raises(TypeError, match="title must be a str"):
        page(x * 2, title=3)


def test_a_single_leaf_has_only_the_start_and_the_seed():
    x = Value(3.0, label="x")
    data = trace(x)
    assert [step["phase"] for step in data["steps"]] == ["start", "backward"]
    assert "x = 3" in data["steps"][0]["sentence"]
