"""``paramlab chart MODEL --metric params|macs|activations --output F.png|.svg [--log]``.

Writes the cost chart (``core.io.cost_chart``: one bar per layer) of a model headless, with
matplotlib's Agg renderer: no display and no Qt needed. Exit status as ``paramlab summary``:
0 written, 1 unreadable model or unwritable file (one line on stderr), 2 bad usage, 3 written
but some layers have errors (their bars are 0).
"""
from __future__ import annotations

import argparse
import logging
from typing import TextIO

from paramlab.core.errors import ParamLabError
from paramlab.core.io.cost_chart import METRICS, ORDERS, chart_bars, write_chart
from paramlab.core.io.loader import load_model
from paramlab.core.propagate import propagate
from paramlab.core.summary import summarize

log = logging.getLogger(__name__)

COMMAND = "chart"
EXIT_OK, EXIT_FILE, EXIT_USAGE, EXIT_LAYER_ERRORS = 0, 1, 2, 3


def add_command(sub: argparse._SubParsersAction) -> None:
    """Add ``chart`` to the ``paramlab`` parser."""
    chart = sub.add_parser(
        COMMAND, help="draw a bar chart of each layer's parameters, MACs or activation memory",
        description="Draw a bar chart, one bar per layer, of a model's parameters, MACs "
                    "(multiply-accumulates, batch 1) or activation memory (float32, batch 1), "
                    "as PNG or SVG. No display needed.")
    chart.add_argument("model", metavar="PATH_OR_EXAMPLE_NAME",
                       help="model file or bundled example name")
    chart.add_argument("--metric", "-m", choices=tuple(METRICS), default="params",
                       help="what the bars show (default: params)")
    chart.add_argument("--output", "-o", metavar="FILE.png|FILE.svg", required=True,
                       help="the image to write (format from the suffix)")
    chart.add_argument("--log", action="store_true", help="logarithmic scale")
    chart.add_argument("--order", choices=ORDERS, default="model",
                       help="bars in model order (default) or sorted, largest first")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Execute ``paramlab chart``; return the exit status."""
    if not str(args.output).lower().endswith((".png", ".svg")):
        print(f"paramlab: error: {args.output}: the chart is written as .png or .svg",
              file=err)
        return EXIT_USAGE
    try:
        graph = load_model(args.model)
    except ParamLabError as exc:  # load_model words every reader failure as one
        print(f"paramlab: error: {exc}", file=err)
        return EXIT_FILE
    summary = summarize(graph, propagate(graph))
    bars = chart_bars(summary, args.metric, args.order)
    try:
        write_chart(bars, args.output, args.log)
    except OSError as exc:
        print(f"paramlab: error: {args.output}: cannot write the file: "
              f"{exc.strerror or exc}", file=err)
        return EXIT_FILE
    print(f"{args.output}: {len(bars.values)} bars; tallest: {bars.tallest()}", file=out)
    if summary.has_errors:
        print(f"paramlab: some layers of {args.model} could not be computed (drawn as 0)",
              file=err)
        return EXIT_LAYER_ERRORS
    return EXIT_OK
