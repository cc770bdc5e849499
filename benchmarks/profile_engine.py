"""cProfile of one engine.py workload on tracegrad: where the time of a build + backward goes.

Run it inside benchmarks/.venv: `python profile_engine.py plain-chain|chain|sum|builtin-sum|mlp|worked
[--n 100000] [--top 12]`. Prints pstats sorted by own time. cProfile slows every call down and
does not see Python's cyclic garbage collector, so the build is also timed with the collector
on and off (no profiler), which shows the collector's share.
"""

import argparse
import cProfile
import gc
import pstats
import time

import engine

from nn import worked_example


def workloads(n, steps):
    """Per name: a function that builds the graph and one that runs its backward pass."""
    a, b = engine.sum_numbers(n)
    numbers, points, labels = engine.mlp_numbers()
    value = engine.TRACEGRAD
    return {
        "chain": lambda: engine.chain_graph(value, n)[0],
        "plain-chain": lambda: engine.plain_chain_graph(value, n)[0],
        "sum": lambda: engine.sum_graph(value, a, b)[0],
        "builtin-sum": lambda: engine.builtin_sum_graph(value, a, b)[0],
        "mlp": lambda: engine.mlp_graph(value, engine.as_values(value, numbers), points, labels),
        "worked": lambda: worked_example.train(steps),
    }


def build_seconds(build, collector_on):
    gc.collect()
    if not collector_on:
        gc.disable()
    try:
        start = time.perf_counter()
        build()
        return time.perf_counter() - start
    finally:
        gc.enable()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workload", choices=("chain", "plain-chain", "sum", "builtin-sum", "mlp", "worked"))
    parser.add_argument("--n", type=int, default=10**5, help="N of the chains and sums")
    parser.add_argument("--steps", type=int, default=engine.WORKED_STEPS, help="steps of the worked example")
    parser.add_argument("--top", type=int, default=12, help="functions to print")
    arguments = parser.parse_args()
    build = workloads(arguments.n, arguments.steps)[arguments.workload]

    def run():
        root = build()
        if arguments.workload != "worked":  # train() runs its own backward passes
            root.backward()

    profiler = cProfile.Profile()
    profiler.runcall(run)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(arguments.top)
    if arguments.workload != "worked":
        on = build_seconds(build, True)
        off = build_seconds(build, False)
        print(f"build without the profiler: {on * 1e3:.0f} ms with the cyclic GC on, {off * 1e3:.0f} ms with it off")


if __name__ == "__main__":
    main()
