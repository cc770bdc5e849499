"""Benchmark: tracegrad's engine against micrograd and hand-written floats, in one run.

Run it with `make bench` (from the repository root), which creates
benchmarks/.venv with this project and micrograd from PyPI; or, inside that
environment, `python engine.py [--max-n 100000] [--sum-max-n 1000000] [--worked-steps 10000]
[--skip-gc-table] [--record rows.jsonl] [--clock cpu|wall]`.

Workloads, defined once and run by every engine on the same numbers:
- chain: v = v * w + b, N times, from leaves x, w, b (a graph 2N nodes deep);
  building the graph and the backward pass are timed apart;
- plain-number chain: v = v * 1.0001 + 0.0001, N times, from one leaf x; the
  numbers are part of each op (tracegrad: 2 nodes a step; micrograd wraps
  each number in a leaf Value: 4 nodes a step); up to N = 10^5 (--max-n);
- sum: s = a_0 b_0 + a_1 b_1 + ... + a_{N-1} b_{N-1} from 2N leaves, left to
  right (so also N deep); up to N = 10^5 by default (--sum-max-n 1000000 adds
  10^6: about two minutes more);
- builtin sum: sum(a_i * b_i for ...) with Python's builtin `sum` (from 0:
  tracegrad folds the 0 into the first addition), up to N = 10^5 like the sum;
- the worked example (nn.worked_example, the 2-2-2 sigmoid network): 10,000
  steps of gradient descent by `nn.worked_example.train`, against the same
  training written out on floats; micrograd has no exp or sigmoid;
- mlp: the loss of micrograd's demo (2-16-16-1 MLP, ReLU hidden, hinge loss
  plus 1e-4 * L2) over 100 points, each neuron written as micrograd writes it,
  sum((w_i * x_i ...), b); the forward pass (graph building) and the backward
  pass are timed apart.
The floor is `handwritten.py`: the same workloads on plain floats with the
chain rule written out by hand. Every engine is reported as a ratio to it.
Rows "tracegrad, total()" and "tracegrad, weighted_sum" are the same sums and
the same MLP written with tracegrad's n-ary ops (one node per sum, one node
per neuron's net input), as `nn` writes them: a different graph for the same
numbers, shown next to the like-for-like rows.

Times are the process's CPU time (user + system, `time.process_time`), which
on an idle machine is the wall-clock time of this single-threaded script and
on a shared one leaves out the time it waits for a core; `--clock wall` times
with `time.perf_counter` instead. Each figure is the median of several runs,
with Python's cyclic garbage collector in its default state (on);
`gc.collect()` runs between runs, outside the timings. The library never
touches the collector by itself. The rows "tracegrad, tuned_gc()" (the two
chains and the builtin sum) are the same graph built and differentiated
inside `with autograd.tuned_gc():` (first threshold 50,000, objects alive at
entry frozen, everything restored at exit; entering and leaving are timed
too), as the README advises for big graphs. A second table shows the chain's build with the collector switched
off by this script around the timed region only: the difference is mostly
CPython's full collections, which walk every live node again and again while
a big graph grows.

`--record FILE` appends the figures of the summary (the workloads the
project's speed targets name) to FILE as JSON lines, for `summary.py`, which
`make bench` runs last to print them beside mlp_demo.py's training step.

Bytes per node come from tracemalloc: the memory a 10^5-step chain holds after
it is built, divided by its number of nodes.

micrograd's backward pass is recursive: at Python's default recursion limit
it fails with RecursionError on graphs deeper than about 1,000 nodes. Its rows
"recursion limit raised" set the limit high enough for the chain, but only up
to N = 10^5: a 10^6 chain takes micrograd 40 s and more per run.
"""

import argparse
import contextlib
import gc
import importlib.metadata
import itertools
import random
import statistics
import sys
import time
import tracemalloc

import handwritten
import micrograd.engine
import summary
from rich.console import Console
from rich.table import Table

import autograd
from autograd import tuned_gc
from nn import worked_example

CHAIN_X, CHAIN_W, CHAIN_B = 0.5, 0.999, 0.001
PLAIN_W, PLAIN_B = 1.0001, 0.0001
PLAIN_MAX_N = 10**5
WORKED_STEPS = 10_000
WORKED_REPEATS = 3
SIZES = (10**3, 10**4, 10**5, 10**6)
REPEATS = {10**3: 9, 10**4: 7, 10**5: 5, 10**6: 3}
MICROGRAD_MAX_N = 10**5
MLP_SIZES = (2, 16, 16, 1)
MLP_POINTS = 100
MLP_REPEATS = 5
ALPHA = 1e-4
TRACEGRAD = autograd.Value
MICROGRAD = micrograd.engine.Value
CLOCK = handwritten.Clock()  # what every timing reads; --clock wall switches it


# The workloads, written once for any Value class with + and *.
def chain_graph(value, n):
    x, w, b = value(CHAIN_X), value(CHAIN_W), value(CHAIN_B)
    v = x
    for _ in range(n):
        v = v * w + b
    return v, [x, w, b]


def plain_chain_graph(value, n):
    """The chain with plain-number constants: only x is a leaf (micrograd makes each number one)."""
    x = value(CHAIN_X)
    v = x
    for _ in range(n):
        v = v * PLAIN_W + PLAIN_B
    return v, [x]


def sum_graph(value, a, b):
    left = [value(number) for number in a]
    right = [value(number) for number in b]
    s = left[0] * right[0]
    for i in range(1, len(left)):
        s = s + left[i] * right[i]
    return s, left + right


def builtin_sum_graph(value, a, b):
    left = [value(number) for number in a]
    right = [value(number) for number in b]
    return sum(x * y for x, y in zip(left, right)), left + right


def sum_graph_total(a, b):
    """The sum as tracegrad's own n-ary op: one `total` node over the N products."""
    left = [TRACEGRAD(number) for number in a]
    right = [TRACEGRAD(number) for number in b]
    return autograd.total([x * y for x, y in zip(left, right)]), left + right


def mlp_graph(value, layers, points, labels):
    """micrograd's demo loss; `layers` holds Values: (weight rows, biases) per layer."""
    last = len(layers) - 1
    scores = []
    for point in points:
        acts = [value(x) for x in point]
        for depth, (weights, biases) in enumerate(layers):
            nets = [sum((w * x for w, x in zip(row, acts)), bias) for row, bias in zip(weights, biases)]
            acts = nets if depth == last else [net.relu() for net in nets]
        scores.append(acts[0])
    losses = [(1 + -y * score).relu() for y, score in zip(labels, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in _flat(layers))
    return data_loss + reg_loss


def mlp_graph_weighted_sum(layers, points, labels):
    """The same loss in tracegrad's idiom: one `weighted_sum` node per neuron, `total` for the sums."""
    last = len(layers) - 1
    scores = []
    for point in points:
        acts = [TRACEGRAD(x) for x in point]
        for depth, (weights, biases) in enumerate(layers):
            nets = [autograd.weighted_sum(row, acts, bias) for row, bias in zip(weights, biases)]
            acts = nets if depth == last else [net.relu() for net in nets]
        scores.append(acts[0])
    losses = [(1 + -y * score).relu() for y, score in zip(labels, scores)]
    data_loss = autograd.total(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * autograd.total([p * p for p in _flat(layers)])
    return data_loss + reg_loss


def _flat(layers):
    """Parameters in micrograd's order: per neuron its weights, then its bias."""
    return [p for weights, biases in layers for row, bias in zip(weights, biases) for p in (*row, bias)]


def mlp_numbers(seed=1):
    """Initial weights (uniform in [-1, 1], biases 0) and 100 labelled points, from one seed."""
    rng = random.Random(seed)
    layers = []
    for nin, nout in itertools.pairwise(MLP_SIZES):
        layers.append(([[rng.uniform(-1.0, 1.0) for _ in range(nin)] for _ in range(nout)], [0.0] * nout))
    points = [(rng.uniform(-1.5, 2.5), rng.uniform(-1.0, 1.5)) for _ in range(MLP_POINTS)]
    labels = [1 if y < 0.25 - 0.5 * x * x + 0.5 * x else -1 for x, y in points]
    return layers, points, labels


def as_values(value, layers):
    return [([[value(w) for w in row] for row in weights], [value(b) for b in biases]) for weights, biases in layers]


# Timing.
class Case:
    """One engine on one workload: how to build the graph, run the backward pass and check the result.

    `recursion_limit` (micrograd only) is set around each run and restored after.
    `collector`, if given, makes the context manager each run's build and
    backward pass run inside (`tuned_gc`); entering and leaving it are timed.
    """

    def __init__(self, build, backward, check=None, recursion_limit=None, collector=None):
        self.build = build
        self.backward = backward
        self.check = check
        self.recursion_limit = recursion_limit
        self.collector = contextlib.nullcontext if collector is None else collector


class Cell:
    """One engine on one workload: the median build and backward times, or why there are none."""

    def __init__(self, build=None, backward=None, note="", error=None):
        self.build = build
        self.backward = backward
        self.note = note
        self.error = error

    @property
    def total(self):
        return None if self.build is None else self.build + self.backward


def timed_runs(cases, repeats):
    """A Cell per case: median build and backward seconds over `repeats` runs.

    The cases take turns run by run, so a slow spell of a shared machine falls on
    every engine alike rather than on whichever was running. A RecursionError
    (micrograd's recursive backward) ends that case and becomes its cell.
    """
    times = {name: ([], []) for name in cases}
    errors = {}
    for _ in range(repeats):
        for name, case in cases.items():
            if name in errors:
                continue
            gc.collect()
            try:
                with RecursionLimit(case.recursion_limit):
                    start = CLOCK.now()
                    with case.collector():
                        graph = case.build()
                        built = CLOCK.now()
                        result = case.backward(graph)
                    done = CLOCK.now()
            except RecursionError:
                errors[name] = "RecursionError"
                graph = None  # the graph whose backward failed
                continue
            times[name][0].append(built - start)
            times[name][1].append(done - built)
            if case.check is not None:
                case.check(result)
            graph = result = None
    gc.collect()
    return {
        name: Cell(error=errors[name]) if name in errors else Cell(statistics.median(b), statistics.median(w))
        for name, (b, w) in times.items()
    }


def engine_backward(graph):
    root, leaves = graph
    root.backward()
    return [leaf.grad for leaf in leaves]


def close_to(expected, what, rtol=1e-9):
    """A check that the gradients agree with the hand-written ones (a guard against timing a wrong graph)."""

    def check(got):
        for g, e in zip(got, expected):
            if abs(g - e) > rtol * max(1.0, abs(e)):
                raise AssertionError(f"{what}: gradient {g!r} differs from the hand-written {e!r}")

    return check


class RecursionLimit:
    """sys.setrecursionlimit(limit) for a block, if `limit` is higher; None leaves it alone."""

    def __init__(self, limit):
        self.limit = limit

    def __enter__(self):
        self.previous = sys.getrecursionlimit()
        if self.limit is not None:
            sys.setrecursionlimit(max(self.limit, self.previous))

    def __exit__(self, *exc_info):
        sys.setrecursionlimit(self.previous)
        return False


def micrograd_deepest_chain():
    """The longest chain micrograd's backward survives at the default recursion limit (bisection)."""

    def works(n):
        root, _ = chain_graph(MICROGRAD, n)
        try:
            root.backward()
        except RecursionError:
            return False
        return True

    low, high = 1, 1000
    while low + 1 < high:
        middle = (low + high) // 2
        low, high = (middle, high) if works(middle) else (low, middle)
    return low


# The measurements.
def micrograd_cases(build, check, n):
    """micrograd at the default recursion limit and with the limit raised (up to MICROGRAD_MAX_N only)."""
    if n > MICROGRAD_MAX_N:
        return {}
    return {
        "micrograd": Case(build, engine_backward, check),
        "micrograd, limit raised": Case(build, engine_backward, check, recursion_limit=4 * n + 10_000),
    }


def not_run(rows, n):
    """The cells of the micrograd rows above MICROGRAD_MAX_N."""
    if n > MICROGRAD_MAX_N:
        rows[("micrograd", n)] = Cell(error="RecursionError", note="not run: deeper than the limit")
        rows[("micrograd, limit raised", n)] = Cell(note="not run: 40 s and more per run")


def run_chain(sizes):
    rows = {}
    for n in sizes:
        rows.update({(name, n): cell for name, cell in chain_cells(n).items()})
        not_run(rows, n)
    return rows


def chain_cells(n):
    _, history = handwritten.chain_forward(n, CHAIN_X, CHAIN_W, CHAIN_B)
    check = close_to(handwritten.chain_backward(history, CHAIN_W), f"chain N={n}")
    del history
    cases = {
        "floats": Case(
            lambda: handwritten.chain_forward(n, CHAIN_X, CHAIN_W, CHAIN_B),
            lambda graph: handwritten.chain_backward(graph[1], CHAIN_W),
        ),
        "tracegrad": Case(lambda: chain_graph(TRACEGRAD, n), engine_backward, check),
        "tracegrad, tuned_gc()": Case(lambda: chain_graph(TRACEGRAD, n), engine_backward, check, collector=tuned_gc),
        **micrograd_cases(lambda: chain_graph(MICROGRAD, n), check, n),
    }
    return timed_runs(cases, REPEATS[n])


def run_plain_chain(sizes):
    rows = {}
    for n in sizes:
        rows.update({(name, n): cell for name, cell in plain_chain_cells(n).items()})
        not_run(rows, n)
    return rows


def plain_chain_cells(n):
    check = close_to([handwritten.plain_chain_backward(n, PLAIN_W)], f"plain-number chain N={n}")
    cases = {
        "floats": Case(
            lambda: handwritten.plain_chain_forward(n, CHAIN_X, PLAIN_W, PLAIN_B),
            lambda _: handwritten.plain_chain_backward(n, PLAIN_W),
        ),
        "tracegrad": Case(lambda: plain_chain_graph(TRACEGRAD, n), engine_backward, check),
        "tracegrad, tuned_gc()": Case(
            lambda: plain_chain_graph(TRACEGRAD, n), engine_backward, check, collector=tuned_gc
        ),
        **micrograd_cases(lambda: plain_chain_graph(MICROGRAD, n), check, n),
    }
    return timed_runs(cases, REPEATS[n])


def sum_numbers(n):
    rng = random.Random(n)
    a = [rng.uniform(-1.0, 1.0) for _ in range(n)]
    b = [rng.uniform(-1.0, 1.0) for _ in range(n)]
    return a, b


def run_sum(sizes, cells_of):
    rows = {}
    for n in sizes:
        rows.update({(name, n): cell for name, cell in cells_of(*sum_numbers(n)).items()})
        not_run(rows, n)
    return rows


def sum_cells(a, b):
    n = len(a)
    grad_a, grad_b = handwritten.sum_backward(a, b)
    check = close_to(grad_a + grad_b, f"sum N={n}")
    cases = {
        "floats": Case(lambda: handwritten.sum_forward(a, b), lambda _: handwritten.sum_backward(a, b)),
        "tracegrad": Case(lambda: sum_graph(TRACEGRAD, a, b), engine_backward, check),
        "tracegrad, total()": Case(lambda: sum_graph_total(a, b), engine_backward, check),
        **micrograd_cases(lambda: sum_graph(MICROGRAD, a, b), check, n),
    }
    return timed_runs(cases, REPEATS[n])


def builtin_sum_cells(a, b):
    n = len(a)
    grad_a, grad_b = handwritten.sum_backward(a, b)
    check = close_to(grad_a + grad_b, f"builtin sum N={n}")
    cases = {
        "floats": Case(lambda: handwritten.builtin_sum_forward(a, b), lambda _: handwritten.sum_backward(a, b)),
        "tracegrad": Case(lambda: builtin_sum_graph(TRACEGRAD, a, b), engine_backward, check),
        "tracegrad, tuned_gc()": Case(
            lambda: builtin_sum_graph(TRACEGRAD, a, b), engine_backward, check, collector=tuned_gc
        ),
        **micrograd_cases(lambda: builtin_sum_graph(MICROGRAD, a, b), check, n),
    }
    return timed_runs(cases, REPEATS[n])


def run_worked(steps, repeats=WORKED_REPEATS):
    """Median seconds of `steps` training steps of the worked example: hand-written floats, then nn's train.

    The two take turns run by run; the check: both end at the same E_total
    (that of the last step's forward pass) to 1e-12, relative.
    """
    inputs = (worked_example.INPUTS["i1"], worked_example.INPUTS["i2"])
    targets = (worked_example.TARGETS["o1"], worked_example.TARGETS["o2"])
    runs = {
        "floats": lambda: handwritten.worked_floats(
            steps, worked_example.INITIAL_WEIGHTS, inputs, targets, worked_example.LEARNING_RATE
        ),
        "tracegrad": lambda: worked_example.train(steps).history[-1],
    }
    times = {name: [] for name in runs}
    errors = {}
    for _ in range(repeats):
        for name, run in runs.items():
            gc.collect()
            start = CLOCK.now()
            errors[name] = run()
            times[name].append(CLOCK.now() - start)
    floats, tracegrad = errors["floats"], errors["tracegrad"]
    if abs(tracegrad - floats) > 1e-12 * abs(floats):
        raise AssertionError(f"worked example: E_total {tracegrad!r} differs from the hand-written {floats!r}")
    gc.collect()
    return {name: (statistics.median(seconds), errors[name]) for name, seconds in times.items()}


def run_mlp():
    numbers, points, labels = mlp_numbers()
    _, tape = handwritten.mlp_forward(numbers, points, labels, ALPHA)
    check = close_to(_flat(handwritten.mlp_backward(numbers, tape, ALPHA)), "mlp")

    def engine_case(value, graph_of):
        layers = as_values(value, numbers)
        params = _flat(layers)

        def backward(root):
            for p in params:
                p.grad = 0.0
            root.backward()
            return [p.grad for p in params]

        return Case(lambda: graph_of(layers), backward, check)

    cases = {
        "floats": Case(
            lambda: handwritten.mlp_forward(numbers, points, labels, ALPHA),
            lambda graph: handwritten.mlp_backward(numbers, graph[1], ALPHA),
        ),
        "tracegrad": engine_case(TRACEGRAD, lambda layers: mlp_graph(TRACEGRAD, layers, points, labels)),
        "tracegrad, weighted_sum": engine_case(
            TRACEGRAD, lambda layers: mlp_graph_weighted_sum(layers, points, labels)
        ),
        "micrograd": engine_case(MICROGRAD, lambda layers: mlp_graph(MICROGRAD, layers, points, labels)),
    }
    return timed_runs(cases, MLP_REPEATS)


def gc_effect(sizes):
    """The chain's build time with the cyclic GC switched off around the timed region."""
    rows = {}
    for n in sizes:
        for engine, value in (("tracegrad", TRACEGRAD), ("micrograd", MICROGRAD)):
            if engine == "micrograd" and n > MICROGRAD_MAX_N:
                continue
            times = []
            for _ in range(3):
                gc.collect()
                gc.disable()
                try:
                    start = CLOCK.now()
                    graph = chain_graph(value, n)
                    times.append(CLOCK.now() - start)
                finally:
                    gc.enable()
                del graph
            gc.collect()
            rows[(engine, n)] = statistics.median(times)
    return rows


def count_nodes(root, parents_of):
    seen = {root}
    stack = [root]
    while stack:
        for parent in parents_of(stack.pop()):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return len(seen)


def bytes_per_node(n=10**5):
    """Traced bytes held by a built n-step chain, per node (and per stored float for the floor).

    Both chains: v * w + b with Value constants, and v * 1.0001 + 0.0001 with
    plain numbers (which micrograd wraps in leaf Values, counted as its nodes).
    """
    graphs = {
        "tracegrad": (lambda: chain_graph(TRACEGRAD, n), lambda v: v.parents),
        "micrograd": (lambda: chain_graph(MICROGRAD, n), lambda v: v._prev),
        "tracegrad, plain-number chain": (lambda: plain_chain_graph(TRACEGRAD, n), lambda v: v.parents),
        "micrograd, plain-number chain": (lambda: plain_chain_graph(MICROGRAD, n), lambda v: v._prev),
        "floats": (lambda: handwritten.chain_forward(n, CHAIN_X, CHAIN_W, CHAIN_B), None),
    }
    results = {}
    for engine, (build, parents_of) in graphs.items():
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        graph = build()
        held = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        nodes = len(graph[1]) if parents_of is None else count_nodes(graph[0], parents_of)
        results[engine] = (held / nodes, nodes)
        del graph
    gc.collect()
    return results


# Output.
def seconds(value):
    if value is None:
        return ""
    if value < 1e-3:
        return f"{value * 1e6:.0f} µs"
    if value < 1.0:
        return f"{value * 1e3:.1f} ms"
    return f"{value:.2f} s"


def ratio(value, floor):
    return "" if value is None else f"{value / floor:.1f}x"


def timing_table(title, rows, engines, sizes):
    table = Table(title=title, title_justify="left")
    ratios = ("build / floats", "backward / floats", "total / floats")
    for heading in ("engine", "N", "build", "backward", "total", *ratios):
        table.add_column(heading, justify="left" if heading in ("engine", "N") else "right")
    for n in sizes:
        floor = rows[("floats", n)]
        for engine in engines:
            cell = rows[(engine, n)]
            if cell.build is None:
                table.add_row(engine, f"{n:,}", cell.error or "", "", "", cell.note, "", "")
                continue
            table.add_row(engine, f"{n:,}", *timing_cells(cell, floor))
        table.add_section()
    return table


def timing_cells(cell, floor):
    """Build, backward and total times of `cell`, then each as a ratio to the hand-written `floor`."""
    return (
        seconds(cell.build),
        seconds(cell.backward),
        seconds(cell.total),
        ratio(cell.build, floor.build),
        ratio(cell.backward, floor.backward),
        ratio(cell.total, floor.total),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-n", type=int, default=max(SIZES), help="largest N for the chain")
    parser.add_argument("--sum-max-n", type=int, default=10**5, help="largest N for the sums")
    parser.add_argument("--worked-steps", type=int, default=WORKED_STEPS, help="training steps of the worked example")
    parser.add_argument("--skip-gc-table", action="store_true", help="leave out the build with the GC off")
    parser.add_argument("--record", metavar="FILE", help="append the summary's figures to FILE (JSON lines)")
    parser.add_argument("--clock", choices=sorted(handwritten.CLOCKS), default="cpu", help=handwritten.CLOCK_HELP)
    arguments = parser.parse_args()
    CLOCK.use(arguments.clock)
    sizes = [n for n in SIZES if n <= arguments.max_n]
    console = Console(width=140)
    started = time.monotonic()
    console.print(
        f"Python {sys.version.split()[0]}, tracegrad from {autograd.__file__}, "
        f"micrograd {importlib.metadata.version('micrograd')} from PyPI; medians of {CLOCK.name} time, cyclic GC on"
    )
    deepest = micrograd_deepest_chain()
    console.print(
        f"micrograd at the default recursion limit ({sys.getrecursionlimit()}): its backward works for chains up "
        f"to N = {deepest} ({2 * deepest} nodes deep) and raises RecursionError from N = {deepest + 1}"
    )

    # The small workload first: run after the million-node graphs its figures came
    # out up to twice as slow and unsteady (likely the heap those graphs left behind).
    mlp = run_mlp()
    table = Table(
        title=f"MLP {'-'.join(map(str, MLP_SIZES))} over {MLP_POINTS} points, micrograd's demo loss",
        title_justify="left",
    )
    ratios = ("forward / floats", "backward / floats", "total / floats")
    for heading in ("engine", "forward (build)", "backward", "total", *ratios):
        table.add_column(heading, justify="left" if heading == "engine" else "right")
    floor = mlp["floats"]
    for engine, cell in mlp.items():
        table.add_row(engine, *timing_cells(cell, floor))
    console.print(table)

    steps = arguments.worked_steps
    worked = run_worked(steps)
    table = Table(title=f"The worked example (nn.worked_example), {steps:,} training steps", title_justify="left")
    for heading in ("engine", "steps", "total", "total / floats", "E_total at the last step"):
        table.add_column(heading, justify="left" if heading == "engine" else "right")
    floor = worked["floats"][0]
    for engine, (total, error) in worked.items():
        table.add_row(engine, f"{steps:,}", seconds(total), ratio(total, floor), f"{error:.12e}")
    table.add_row("micrograd", f"{steps:,}", "", "", "no exp or sigmoid")
    console.print(table)

    chain = run_chain(sizes)
    engines = ("floats", "tracegrad", "tracegrad, tuned_gc()", "micrograd", "micrograd, limit raised")
    console.print(timing_table("Chain of N multiply-adds, v = v * w + b (2N nodes)", chain, engines, sizes))

    plain_sizes = [n for n in sizes if n <= PLAIN_MAX_N]
    plain = run_plain_chain(plain_sizes)
    title = f"Chain of N steps with plain-number constants, v = v * {PLAIN_W} + {PLAIN_B} (tracegrad: 2N nodes)"
    console.print(timing_table(title, plain, engines, plain_sizes))

    sum_sizes = [n for n in sizes if n <= arguments.sum_max_n]
    sums = run_sum(sum_sizes, sum_cells)
    engines = ("floats", "tracegrad", "tracegrad, total()", "micrograd", "micrograd, limit raised")
    console.print(timing_table("Sum of N products, a_0 b_0 + ... (3N nodes + 2N leaves)", sums, engines, sum_sizes))

    builtin_sums = run_sum(sum_sizes, builtin_sum_cells)
    engines = ("floats", "tracegrad", "tracegrad, tuned_gc()", "micrograd", "micrograd, limit raised")
    title = "Sum of N products with the builtin sum(), sum(a_i * b_i ...) (tracegrad: 2N nodes + 2N leaves)"
    console.print(timing_table(title, builtin_sums, engines, sum_sizes))

    if not arguments.skip_gc_table:
        gc_sizes = [n for n in (10**5, 10**6) if n in sizes]
        off = gc_effect(gc_sizes)
        table = Table(title="Chain build with the cyclic GC on (default) and off", title_justify="left")
        for heading in ("engine", "N", "gc on", "gc off", "on / off"):
            table.add_column(heading, justify="left" if heading in ("engine", "N") else "right")
        for (engine, n), time_off in off.items():
            # micrograd's build does not depend on the recursion limit; its default-limit row has no timings.
            time_on = chain[(engine if engine == "tracegrad" else "micrograd, limit raised", n)].build
            table.add_row(engine, f"{n:,}", seconds(time_on), seconds(time_off), f"{time_on / time_off:.1f}x")
        console.print(table)

    memory = bytes_per_node()
    table = Table(title="Memory held by a built chain of 10^5 steps (tracemalloc)", title_justify="left")
    for heading in ("engine", "nodes", "bytes per node"):
        table.add_column(heading, justify="left" if heading == "engine" else "right")
    for engine, (per_node, nodes) in memory.items():
        name = "floats (per stored value)" if engine == "floats" else engine
        table.add_row(name, f"{nodes:,}", f"{per_node:.0f}")
    console.print(table)
    if arguments.record:
        record(arguments.record, steps, worked, chain, plain, builtin_sums, memory)
    console.print(f"whole benchmark: {time.monotonic() - started:.0f} s (wall clock)")


def record(path, steps, worked, chain, plain, builtin_sums, memory):
    """The summary's rows of this run, appended to `path` for summary.py (rows at an N not run are left out)."""
    rows = []

    def timed(order, workload, rows_of, n, target=None, tracegrad="tracegrad"):
        if ("floats", n) not in rows_of:
            return
        micrograd, note = rows_of.get(("micrograd, limit raised", n)), "limit raised"
        if micrograd is None or micrograd.total is None:
            micrograd = rows_of[("micrograd", n)]
            note = micrograd.error or ""
        if tracegrad != "tracegrad":  # a variant of the row above: micrograd is shown there
            micrograd, note = Cell(), ""
        rows.append(
            summary.row(
                order,
                workload,
                floats=rows_of[("floats", n)].total,
                tracegrad=rows_of[(tracegrad, n)].total,
                micrograd=micrograd.total,
                micrograd_note=note,
                target=target,
            )
        )

    rows.append(
        summary.row(
            5,
            f"the worked example, {steps:,} training steps",
            floats=worked["floats"][0],
            tracegrad=worked["tracegrad"][0],
            micrograd=None,
            micrograd_note="no exp or sigmoid",
            target=20,
        )
    )
    timed(2, "chain v*1.0001 + 0.0001, 10^5 steps (numbers in the op)", plain, 10**5, 25)
    timed(3, "chain v*w + b, 10^6 steps (Value constants)", chain, 10**6, 25)
    timed(2.5, "  the same, inside tuned_gc()", plain, 10**5, tracegrad="tracegrad, tuned_gc()")
    timed(3.5, "  the same, inside tuned_gc()", chain, 10**6, tracegrad="tracegrad, tuned_gc()")
    timed(4, "sum of 10^5 products, builtin sum()", builtin_sums, 10**5, 25)
    timed(4.5, "  the same, inside tuned_gc()", builtin_sums, 10**5, tracegrad="tracegrad, tuned_gc()")
    per_node = memory["tracegrad"][0]
    rows.append(
        summary.row(
            6,
            "memory per node (chain of 10^5 steps)",
            floats=None,
            tracegrad=per_node,
            micrograd=memory["micrograd"][0],
            unit="bytes",
            target=150,
        )
    )
    summary.append(path, rows)


if __name__ == "__main__":
    main()
