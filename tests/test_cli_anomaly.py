"""`tracegrad draw --anomaly` and `tracegrad gradcheck --anomaly`: the first NaN or infinity ends the command.

An AnomalyError is bad input, said in one line on stderr with exit code 2,
like a domain error; without the flag the same commands print NaN as before.
"""

from viz.cli import main

EDGE = (
    "detect_anomaly: the gradient became nan on the edge from sqrt node to its input 0 'x' = 0: "
    "local derivative inf times gradient from above 0 = nan"
)


def test_draw_with_anomaly_names_the_edge(tmp_path, capsys):
    out = tmp_path / "a.svg"
    assert main(["draw", "sqrt(x)*0", "x=0", "--anomaly", "-o", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"tracegrad draw: {EDGE}")
    assert len(captured.err.splitlines()) == 1
    assert not out.exists()


def test_draw_without_anomaly_prints_nan(tmp_path, capsys):
    out = tmp_path / "a.svg"
    assert main(["draw", "sqrt(x)*0", "x=0", "-o", str(out)]) == 0
    assert "nan" in capsys.readouterr().out
    assert out.exists()


def test_gradcheck_with_anomaly_names_the_op_forward_and_the_edge_backward(capsys):
    assert main(["gradcheck", "x*y", "x=1e200", "y=1e200", "--anomaly"]) == 2
    forward = "detect_anomaly: op '*' made inf from the operands 1e+200 (label 'x'), 1e+200 (label 'y')"
    assert capsys.readouterr().err == f"tracegrad gradcheck: {forward}\n"
    assert main(["gradcheck", "--anomaly", "sqrt(x)*y", "x=0", "y=0"]) == 2
    assert capsys.readouterr().err.startswith(f"tracegrad gradcheck: {EDGE}")


def test_gradcheck_with_anomaly_passes_where_all_is_finite(capsys):
    assert main(["gradcheck", "tanh(x*w)", "x=0.5", "w=-1", "--anomaly"]) == 0
    assert "passed" in capsys.readouterr().out
