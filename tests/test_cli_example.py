"""`tracegrad example`: the worked example's figures, its options and its drawing."""

import pytest
from cli_support import assert_valid_svg, row, run

from nn import worked_example as example
from viz.cli.common import number
from viz.cli.example import WHY_PUBLISHED_DIFFERS

pytestmark = pytest.mark.usefixtures("in_temporary_directory")


def test_default_run_is_the_worked_example(capsys, tmp_path):
    code, out, err = run(capsys)
    assert code == 0, err
    # The post's E_total and dE_total/dw5, then the exact figures after one and 10,000 steps.
    for figure in ("0.298371109", "0.0821670406", "0.000438567734", "0.291027774", "0.015913620", "0.984064274"):
        assert figure in out
    for new_weight in ("0.358916480", "0.408666186", "0.149780716", "0.199561432"):
        assert new_weight in out
    assert "worked_example.svg" in out
    assert_valid_svg(tmp_path / "worked_example.svg", "E_total", "w5", "out_h1")


def test_published_order_reproduces_the_posts_later_figure(capsys):
    code, out, _ = run(capsys, "example", "--order", "published", "--steps", "1", "--out", "g.dot")
    assert code == 0
    assert example.PUBLISHED_LATER["E_total after 1 step"] in out
    assert "0.291027774" not in out.split("Training with")[1]
    # The sentence saying why the figures differ, whole (wrapped at words to fit the terminal).
    assert "already updated" in WHY_PUBLISHED_DIFFERS
    assert WHY_PUBLISHED_DIFFERS in " ".join(out.split())


def test_training_the_biases_too(capsys):
    code, out, _ = run(capsys, "example", "--train-biases", "--steps", "1", "--out", "g.dot")
    assert code == 0
    assert "0.285750887" in out


def test_explain_any_named_node(capsys):
    code, out, _ = run(capsys, "example", "--steps", "1", "--explain", "w3", "--out", "g.dot")
    assert code == 0
    assert "dE_total/dw3" in out


def test_explain_an_unknown_node_is_one_clear_line(capsys):
    code, out, err = run(capsys, "example", "--steps", "1", "--explain", "w3", "--explain", "w9", "--out", "g.dot")
    assert code == 2
    assert "w9" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert out == ""  # refused before anything was printed


def test_published_order_shows_the_weights_after_one_published_step(capsys):
    code, out, err = run(capsys, "example", "--order", "published", "--steps", "1", "--out", "g.dot")
    assert code == 0, err
    before_training = out.split("Training with")[0]
    assert "exact gradient descent" in before_training
    published = example.train(1, order="published").weights
    # The output layer's update is the same in both orders; the hidden layer's is not.
    assert row(before_training, "w5", "0.400000000", "0.358916480", f"{published['w5']:.9f}")
    assert row(before_training, "w1", "0.150000000", "0.149780716", f"{published['w1']:.9f}")
    assert f"{published['w1']:.9f}" != "0.149780716"


def test_the_one_step_table_is_what_nn_worked_example_trains(capsys):
    # Another learning rate and the biases trained: the table shows train(1)'s weights, b1 and b2 moved.
    code, out, err = run(capsys, "example", "--lr", "0.3", "--train-biases", "--steps", "2", "--out", "g.dot")
    assert code == 0, err
    before_training = out.split("Training with")[0]
    one = example.train(1, learning_rate=0.3, train_biases=True)
    for name, before in example.INITIAL_WEIGHTS.items():
        assert row(before_training, name, number(before, 9), number(one.weights[name], 9)), name
    assert one.weights["b1"] != example.INITIAL_WEIGHTS["b1"]


def test_the_exact_table_is_titled_exact(capsys):
    code, out, err = run(capsys, "example", "--steps", "1", "--out", "g.dot")
    assert code == 0, err
    assert "One step of exact gradient descent" in out
    assert f"The post itself prints {example.PUBLISHED_LATER['E_total after 1 step']}" in out


@pytest.mark.parametrize("option", [["--lr", "0.1"], ["--train-biases"]])
def test_the_posts_figure_is_quoted_only_for_the_posts_settings(capsys, option):
    code, out, err = run(capsys, "example", "--steps", "1", "--out", "g.dot", *option)
    assert code == 0, err
    assert "The post itself prints" not in out


def test_explaining_w5_again_prints_it_once(capsys):
    code, out, err = run(capsys, "example", "--steps", "1", "--explain", "w5", "--out", "g.dot")
    assert code == 0, err
    assert out.count("dE_total/dw5 by the chain rule") == 1


def test_example_digits_sets_tables_explanations_and_drawing(capsys, tmp_path):
    code, out, err = run(capsys, "example", "--steps", "1", "--digits", "4", "--out", "g.dot")
    assert code == 0, err
    assert "E_total  = 0.2984" in out  # 4 significant digits in the tables
    assert "dE_total/dw5 = 0.08217 " in out  # 4 significant digits in the explanation
    drawing = (tmp_path / "g.dot").read_text(encoding="utf-8")
    assert "data 0.2984" in drawing and "0.298371109" not in drawing  # and in the drawing


def test_pdf_without_system_graphviz_is_refused_before_the_work(capsys, monkeypatch):
    monkeypatch.setenv("TRACEGRAD_GRAPHVIZ", "embedded")  # as if `dot` were missing
    code, out, err = run(capsys, "example", "--steps", "1", "--out", "graph.pdf")
    assert code == 2
    assert "Forward pass" not in out  # nothing computed before the refusal
    assert "apt-get install graphviz" in err and len(err.strip().splitlines()) == 1
