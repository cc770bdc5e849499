"""Draw the worked example's graph, every value, gradient and local derivative on it.

Writes docs/worked_example.svg (or the path given as the first argument; the
suffix picks the format) and prints what dE_total/dw5 and dE_total/dw1 are
made of. Needs no system Graphviz for .svg. Uses only the public API:

    python examples/draw_worked_example.py [OUT]

Reading the drawing: inputs and weights are on the left, E_total on the right.
Each box shows data and grad (dE_total/d of that box), filled warm for a
positive grad and cool for a negative one; each arrow, the local derivative.
So dout_o1/dnet_o1 (0.186816) is on the arrow net_o1 -> out_o1 and
dE_total/dw5 (0.082167) is w5's grad; w5's path to E_total is drawn in purple.
"""

import sys
from pathlib import Path

from nn.worked_example import labelled_graph
from viz import explain, render
from viz.worked_example import neuron_groups

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "docs" / "worked_example.svg"


def main(argv):
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    graph = labelled_graph(backward=True)
    root = graph["E_total"]
    path = render(root, out, groups=neuron_groups(graph), highlight=graph["w5"])
    print(f"drawing written to {path}")
    for name in ("w5", "w1"):
        print()
        print(explain(root, graph[name]))


if __name__ == "__main__":
    main(sys.argv)
