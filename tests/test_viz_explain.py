"""explain: d root/d node written out by the chain rule, checked against the worked
example's published figures, against the engine's backward pass on random graphs,
and on graphs with too many paths to list.
"""

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from published import agrees_with_published

from autograd import Value
from nn.worked_example import PUBLISHED, labelled_graph
from viz import explain

NUMBER = r"-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|-?inf|nan"


@pytest.fixture(scope="module")
def worked():
    return labelled_graph(backward=True)


def factor_rows(text):
    """Every product written in columns: the names line over the numbers line, as (name, number) pairs.

    A product too wide for the text goes on in further pairs of lines that
    start with `×`; they are joined to the row they continue. Returns one list
    of pairs per product, in the order they appear.
    """
    lines = text.splitlines()
    rows = []
    index = 0
    while index + 1 < len(lines):
        names, numbers = lines[index], lines[index + 1]
        if numbers.lstrip().startswith("= ") and "/d" in names:
            row_names = [name.strip() for name in names.split(" × ")]
            row_numbers = [number.strip() for number in numbers.lstrip().removeprefix("= ").split(" × ")]
            index += 2
            while index + 1 < len(lines) and all(lines[k].lstrip().startswith("× ") for k in (index, index + 1)):
                row_names += [name.strip() for name in lines[index].lstrip().removeprefix("× ").split(" × ")]
                row_numbers += [number.strip() for number in lines[index + 1].lstrip().removeprefix("× ").split(" × ")]
                index += 2
            if len(row_names) > 1 or " × " in numbers:
                rows.append(list(zip(row_names, [float(number) for number in row_numbers])))
            continue
        index += 1
    return rows


def path_lines(text):
    """The `path k: a -> b -> ...` lines, each joined with the lines it goes on to."""
    joined = []
    for line in text.splitlines():
        if line.lstrip().startswith("path "):
            joined.append(line)
        elif joined and line.startswith("          -") and not line.lstrip().startswith("×"):
            joined[-1] += " " + line.strip()
    return joined


def total_of(text, partial):
    """The final number of the line `partial = ... = total` (or `partial = total`), with its continuation lines."""
    lines = text.splitlines()
    (start,) = [index for index, line in enumerate(lines) if line.startswith(f"{partial} = ")]
    line = lines[start]
    for more in lines[start + 1 :]:
        if not more.startswith("    "):
            break
        line += " " + more.strip()
    line = re.sub(r"\s+\((?:one path|the sum)[^)]*\)\s*$", "", line)
    return float(re.findall(NUMBER, line)[-1])


def test_w5_gives_the_posts_factors_and_sum(worked):
    text = explain(worked["E_total"], worked["w5"])
    assert "1 path from w5 to E_total" in text
    rows = factor_rows(text)
    # The path's own factors, then the same product grouped at the labelled nodes.
    full, grouped = rows
    assert [name for name, _ in grouped] == ["dE_total/dE_o1", "dE_o1/dout_o1", "dout_o1/dnet_o1", "dnet_o1/dw5"]
    values = dict(grouped)
    assert values["dE_total/dE_o1"] == 1.0
    assert agrees_with_published(PUBLISHED["dE_total/dout_o1"], values["dE_o1/dout_o1"])
    assert agrees_with_published(PUBLISHED["dout_o1/dnet_o1"], values["dout_o1/dnet_o1"])
    assert agrees_with_published(PUBLISHED["dnet_o1/dw5"], values["dnet_o1/dw5"])
    # The ungrouped factors run through the unlabelled steps of 1/2 (t - out_o1)^2 and multiply to the same.
    assert len(full) == 6
    assert math.isclose(math.prod(v for _, v in full), math.prod(v for _, v in grouped), rel_tol=1e-7)
    assert agrees_with_published(PUBLISHED["dE_total/dw5"], total_of(text, "dE_total/dw5"))
    assert math.isclose(total_of(text, "dE_total/dw5"), worked["w5"].grad, rel_tol=1e-8)
    assert "w5.grad = 0.0821670406 after backward(): matches." in text


def test_w1_sums_the_paths_through_out_o1_and_out_o2(worked):
    text = explain(worked["E_total"], worked["w1"])
    assert "2 paths from w1 to E_total" in text
    paths = path_lines(text)
    assert len(paths) == 2
    assert "-> net_o1 -> out_o1 ->" in paths[0] and paths[0].endswith("E_o1 -> E_total")
    assert "-> net_o2 -> out_o2 ->" in paths[1] and paths[1].endswith("E_o2 -> E_total")
    grouped = [row for row in factor_rows(text) if row[1][0].endswith("/dout_o1") or row[1][0].endswith("/dout_o2")]
    through_o1, through_o2 = (dict(row) for row in grouped)
    # The post's dE_o1/dout_h1 and dE_o2/dout_h1 are the products down to out_h1 on each path.
    down_to_out_h1 = ("dE_total/dE_o{k}", "dE_o{k}/dout_o{k}", "dout_o{k}/dnet_o{k}", "dnet_o{k}/dout_h1")
    for k, row in ((1, through_o1), (2, through_o2)):
        product = math.prod(row[name.format(k=k)] for name in down_to_out_h1)
        assert agrees_with_published(PUBLISHED[f"dE_o{k}/dout_h1"], product), (k, product)
        assert agrees_with_published(PUBLISHED["dout_h1/dnet_h1"], row["dout_h1/dnet_h1"])
        assert row["dnet_h1/dw1"] == 0.05
    assert agrees_with_published(PUBLISHED["dE_total/dw1"], total_of(text, "dE_total/dw1"))
    assert math.isclose(total_of(text, "dE_total/dw1"), worked["w1"].grad, rel_tol=1e-8)
    assert "w1.grad = 0.000438567734 after backward(): matches." in text


def test_a_parent_used_twice_is_two_paths():
    a = Value(3.0, label="a")
    cube = a * a * a
    cube.label = "cube"
    cube.backward()
    text = explain(cube, a)
    assert "3 paths from a to cube" in text
    assert "-[operand 1]->" in text and "-[operand 2]->" in text
    assert total_of(text, "dcube/da") == 27.0  # 3 a^2
    assert "matches" in text


# Random expression graphs: each step applies an op to earlier nodes, chosen with
# repeats allowed (x*x) and reused later (diamonds), so there are many paths.
UNARY = {"tanh": Value.tanh, "sin": Value.sin, "neg": Value.__neg__}
BINARY = {"+": Value.__add__, "-": Value.__sub__, "*": Value.__mul__}


@st.composite
def graphs(draw):
    count = draw(st.integers(1, 3))
    nodes = [Value(draw(st.floats(-1.5, 1.5)), label=f"x{i}") for i in range(count)]
    for _ in range(draw(st.integers(1, 9))):
        pick = st.integers(0, len(nodes) - 1)
        if draw(st.booleans()):
            op = UNARY[draw(st.sampled_from(sorted(UNARY)))]
            nodes.append(op(nodes[draw(pick)]))
        else:
            op = BINARY[draw(st.sampled_from(sorted(BINARY)))]
            nodes.append(op(nodes[draw(pick)], nodes[draw(pick)]))
    return nodes, draw(st.integers(0, len(nodes) - 1))


@settings(max_examples=60)
@given(graphs())
def test_the_sum_over_paths_is_the_gradient_on_random_graphs(case):
    nodes, index = case
    root = nodes[-1]
    root.backward()
    node = nodes[index]
    text = explain(root, node, digits=17, max_paths=10_000)
    if node is root:
        assert "is the root itself" in text
        return
    if "does not depend" in text:
        assert node.grad == 0.0
        return
    count = int(re.search(r"by the chain rule: (\d+) paths?", text)[1])
    assert len(path_lines(text)) == count
    total = total_of(text, text.split(" by the chain rule")[0])
    assert math.isclose(total, node.grad, rel_tol=1e-9, abs_tol=1e-12), (total, node.grad, text)
    assert "matches" in text and "NOT" not in text
    if count > 1:
        one_step = explain(root, node, digits=17, max_paths=1)
        assert "One step instead" in one_step
        total = total_of(one_step, text.split(" by the chain rule")[0])
        assert math.isclose(total, node.grad, rel_tol=1e-9, abs_tol=1e-12), (total, node.grad, one_step)


def test_too_many_paths_fall_back_to_one_step():
    x = Value(0.5, label="x")
    y = x
    for _ in range(12):
        y = y + y  # each doubling doubles the paths: 4096 of them
    y.label = "y"
    y.backward()
    text = explain(y, x)
    assert "more than 64 paths from x to y, too many to list" in text
    assert "One step instead" in text
    assert "path 1:" not in text
    # x feeds the first + twice; each edge carries dy/d(+) = 2^11.
    rows = factor_rows(text)
    assert [[number for _, number in row] for row in rows] == [[2048.0, 1.0], [2048.0, 1.0]]
    assert total_of(text, "dy/dx") == 4096.0
    assert "x.grad = 4096 after backward(): matches." in text


def test_astronomically_many_paths_are_counted_not_listed():
    x = Value(1.0, label="x")
    y = x
    for _ in range(3000):
        y = (y + y) * 0.5  # 2^3000 paths, each worth 2^-3000
    y.label = "y"
    y.backward()
    text = explain(y, x)
    assert "more than 64 paths from x to y, too many to list" in text
    assert total_of(text, "dy/dx") == 1.0
    assert "matches" in text


def test_a_deep_chain_is_explained_without_recursion():
    x = Value(0.25, label="x")
    y = x
    for _ in range(200_000):
        y = -y
    y.label = "y"
    y.backward()
    text = explain(y, x)
    assert "1 path from x to y, too long to list" in text
    assert total_of(text, "dy/dx") == 1.0
    assert "matches" in text


def test_edge_cases_say_what_they_are():
    x, unrelated = Value(2.0, label="x"), Value(1.0, label="u")
    y = x.exp()
    # An unlabelled root is named by its expression; no backward pass yet.
    assert explain(y, x).startswith("d(exp(x))/dx by the chain rule: 1 path from x to exp(x).")
    assert "(exp(x).grad is 0: run exp(x).backward() to fill the grads and compare.)" in explain(y, x)
    y.label = "y"
    assert "y does not depend on u" in explain(y, unrelated)
    assert "dy/dy = 1" in explain(y, y)
    y.backward(gradient=2.0)
    text = explain(y, x)
    assert "y.grad = 2" in text and "matches" in text
    x.grad += 1.0
    assert "does NOT match" in explain(y, x)
    with pytest.raises(TypeError, match="node must be a Value"):
        explain(y, 2.0)
    with pytest.raises(ValueError, match="max_paths"):
        explain(y, x, max_paths=0)


def test_shared_labels_get_positions_so_names_stay_unique():
    a, b = Value(1.0, label="v"), Value(2.0, label="v")
    c = a * b
    c.label = "c"
    c.backward()
    assert "dc/d(v#0)" in explain(c, a)
    assert "dc/d(v#1)" in explain(c, b)


def test_explain_fits_100_columns_with_long_products_on_aligned_lines(worked):
    text = explain(worked["E_total"], worked["w1"])
    assert max(len(line) for line in text.splitlines()) <= 100
    # The path through out_o1 has eight factors: they go on a continuation block that starts with ×.
    assert any(line.startswith("  × ") for line in text.splitlines())
    narrow = explain(worked["E_total"], worked["w1"], width=60)
    assert max(len(line) for line in narrow.splitlines()) <= 60
    # Wrapping changes only the layout: the same factors, in the same order.
    assert factor_rows(narrow) == factor_rows(text)
    assert path_lines(narrow) == path_lines(text)
    with pytest.raises(ValueError, match="width"):
        explain(worked["E_total"], worked["w1"], width=10)


def test_path_counts_stop_one_past_the_limit():
    # 10,000 diamonds: exact counts would be integers up to 2^10000, one per node; capped, they stay small.
    x = Value(1.0, label="x")
    y = x
    for _ in range(10_000):
        y = (y + y) * 0.5
    y.label = "y"
    text = explain(y, x, max_paths=8)
    assert "more than 8 paths from x to y, too many to list" in text
