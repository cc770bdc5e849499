"""The summary `make bench` prints last: each workload the project's speed targets name, in one table.

Run by `make bench` as `python summary.py FILE`, where FILE holds the JSON lines
that engine.py and mlp_demo.py appended with `--record FILE` in the same run;
`--markdown` prints the same table as Markdown (the README's). Each time is
shown with its ratio to the hand-written floats of the same run, tracegrad and
micrograd side by side, and the target with whether this run met it.
"""

import argparse
import json

from rich.console import Console
from rich.table import Table


def row(order, workload, *, floats, tracegrad, micrograd, micrograd_note="", unit="seconds", target=None):
    """One workload's figures: seconds (or bytes per node with unit="bytes"); `target` a ratio (or bytes)."""
    return {
        "order": order,
        "workload": workload,
        "floats": floats,
        "tracegrad": tracegrad,
        "micrograd": micrograd,
        "micrograd_note": micrograd_note,
        "unit": unit,
        "target": target,
    }


def append(path, rows):
    with open(path, "a", encoding="utf-8") as file:
        for item in rows:
            file.write(json.dumps(item) + "\n")


def seconds(value):
    if value < 1e-3:
        return f"{value * 1e6:.0f} µs"
    if value < 1.0:
        return f"{value * 1e3:.1f} ms"
    return f"{value:.2f} s"


def cells(item):
    """(floats, tracegrad, micrograd, target, met) as text."""
    if item["unit"] == "bytes":
        tracegrad = f"{item['tracegrad']:.0f} B"
        micrograd = "" if item["micrograd"] is None else f"{item['micrograd']:.0f} B"
        target = item["target"]
        met = "" if target is None else ("yes" if item["tracegrad"] <= target else "no")
        return "", tracegrad, micrograd, "" if target is None else f"<= {target} B", met
    floor = item["floats"]

    def timed(value, note=""):
        if value is None:
            return note
        text = f"{seconds(value)}, {value / floor:.1f}x"
        return f"{text} ({note})" if note else text

    target = item["target"]
    ratio = item["tracegrad"] / floor
    met = "" if target is None else ("yes" if ratio <= target else "no")
    return (
        seconds(floor),
        timed(item["tracegrad"]),
        timed(item["micrograd"], item["micrograd_note"]),
        "" if target is None else f"<= {target}x",
        met,
    )


HEADINGS = ("workload", "floats", "tracegrad (eager)", "micrograd 0.1.0", "target", "met")
NOTE = (
    "Medians of the process's CPU time (unless the benchmarks ran with --clock wall). A training step is "
    "forward + backward + update; chains and sums are build + backward. Memory per node is tracemalloc's "
    "count for a built chain v*w + b."
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", help="the JSON lines engine.py and mlp_demo.py recorded with --record")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table instead")
    arguments = parser.parse_args()
    with open(arguments.file, encoding="utf-8") as file:
        items = sorted((json.loads(line) for line in file if line.strip()), key=lambda item: item["order"])
    if arguments.markdown:
        print("| " + " | ".join(HEADINGS) + " |")
        print("|" + "---|" * len(HEADINGS))
        for item in items:
            print("| " + " | ".join((item["workload"].strip(), *cells(item))) + " |")
        return
    table = Table(title="Summary: times and ratios to hand-written floats from this run", title_justify="left")
    for heading in HEADINGS:
        table.add_column(heading, justify="left" if heading == "workload" else "right")
    for item in items:
        table.add_row(item["workload"], *cells(item))
    console = Console(width=140)
    console.print(table)
    console.print(NOTE)


if __name__ == "__main__":
    main()
