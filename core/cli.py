"""Command line: ``paramlab summary PATH_OR_EXAMPLE_NAME [--format ...] [--output FILE]``.

Exit status:
    0: the summary was written and every layer resolved;
    1: the model could not be read (one line on stderr says which file and why), or the
       output file could not be written;
    2: bad usage (argparse's message on stderr), including ``--format png`` when only the
       core is available;
    3: the model was read but some layers have errors; the summary, with the errors, is
       still written.

``gui/app.py`` (the ``paramlab`` console script) reuses :func:`build_parser`, adds its own
sub-commands to ``parser.subcommands`` and handles ``--format png``; everything else goes
to :func:`run`. ``python -m core.cli`` runs this module without Qt.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import TextIO

from paramlab.core import chart_cli, export_cli
from paramlab.core.bulk import paused_gc
from paramlab.core.errors import ParamLabError
from paramlab.core.exercise import cli as exercise_cli
from paramlab.core.funnel import guarded
from paramlab.core.io.cost_columns import COLUMNS as COST_COLUMNS
from paramlab.core.io.cost_columns import parse_columns
from paramlab.core.io.loader import load_model
from paramlab.core.io.writers import FORMATS, WITHOUT_CONNECTIONS, format_summary, write_summary
from paramlab.core.propagate import propagate
from paramlab.core.pytorch import CONVENTIONS, KERAS
from paramlab.core.resources import list_examples
from paramlab.core.summary import summarize
from paramlab.core.text import elide_name, quote_path

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FILE, EXIT_USAGE, EXIT_LAYER_ERRORS = 0, 1, 2, 3
SUMMARY_FORMATS = FORMATS + ("png",)  # png: rendered by gui/render.py, not by the core
PROG = "paramlab"


def build_parser() -> argparse.ArgumentParser:
    """The ``paramlab`` argument parser with its ``summary`` sub-command.

    The sub-parsers action is available as ``parser.subcommands`` so that the GUI's entry
    point can add commands (``render``); the chosen command is in ``args.command``.
    """
    parser = argparse.ArgumentParser(
        prog=PROG, description="ParamLab: output shapes and trainable / non-trainable "
                               "parameters of a neural network, exactly as Keras counts them.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    summary = sub.add_parser(
        "summary", help="print a model's summary (layers, output shapes, parameters)",
        description="Print the summary of a model: a ParamLab project (.json), a Keras "
                    "model (.json, .keras, .h5) or a bundled example by name "
                    f"({', '.join(list_examples())}).")
    summary.add_argument("model", metavar="PATH_OR_EXAMPLE_NAME",
                         help="model file or bundled example name")
    summary.add_argument("--format", "-f", choices=SUMMARY_FORMATS, default="table",
                         help="output format (default: table, as Keras's model.summary())")
    summary.add_argument("--output", "-o", metavar="FILE",
                         help="write to FILE (atomically) instead of standard output")
    summary.add_argument("--expand", action="store_true",
                         help="list the layers inside nested models instead of one row each")
    summary.add_argument("--batch-size", "-b", type=batch_size, default=1, metavar="B",
                         help="batch size of the costs: MACs, FLOPs and activations are "
                              "for B samples (default: 1)")
    summary.add_argument("--columns", type=columns, default=None, metavar="LIST",
                         help="cost columns of table, csv and markdown, comma-separated: "
                              f"{', '.join(COST_COLUMNS)}, or none (default: macs for csv "
                              "and markdown, Keras's columns alone for the table)")
    summary.add_argument("--convention", choices=CONVENTIONS, default=KERAS,
                         help="count parameters as Keras does (default) or as PyTorch does "
                              "(requires_grad parameters; buffers such as BatchNorm's running "
                              "statistics in their own column)")
    exercise_cli.add_commands(sub)  # teaching labs: exercise make|list|show, grade
    chart_cli.add_command(sub)  # cost chart: paramlab chart MODEL --metric ... --output F.png
    export_cli.add_commands(sub)  # export --to pytorch|keras-code|keras-json
    parser.subcommands = sub  # type: ignore[attr-defined]
    return parser


def batch_size(text: str) -> int:
    """argparse type of ``--batch-size``: a whole number from 1 to 1,000,000."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if not 1 <= value <= 1_000_000:
        raise argparse.ArgumentTypeError(f"must be from 1 to 1000000, got {value}")
    return value


def columns(text: str) -> tuple[str, ...]:
    """argparse type of ``--columns`` (see ``core.io.cost_columns.parse_columns``)."""
    try:
        return parse_columns(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (see the module doc)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on bad usage (2) and on --help (0)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_usage(sys.stderr)
        print(f"{PROG}: error: choose a command (summary)", file=sys.stderr)
        return EXIT_USAGE
    return guarded(lambda: run(args))


def run(args: argparse.Namespace, stdout: TextIO | None = None,
        stderr: TextIO | None = None) -> int:
    """Execute a parsed core command (``summary``); return the exit status."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    clash = output_clash(args)
    if clash is not None:
        print(f"{PROG}: error: {clash}", file=err)
        return EXIT_USAGE
    if args.command in exercise_cli.COMMANDS:
        return exercise_cli.run(args, out, err)
    if args.command == chart_cli.COMMAND:
        return chart_cli.run(args, out, err)
    if args.command in export_cli.COMMANDS:
        return export_cli.run(args, out, err)
    if args.command != "summary":
        print(f"{PROG}: error: unknown command {args.command!r}", file=err)
        return EXIT_USAGE
    if args.format == "png":
        print(f"{PROG}: error: --format png needs the desktop app's renderer; run it "
              f"through the '{PROG}' command (Qt installed)", file=err)
        return EXIT_USAGE
    # The cyclic collector stays paused for the whole command and resumes once the model,
    # its results and the summary are freed (when _summary returns): resumed while they
    # live, its next pass would walk every one of them (about 1 ms for DenseNet121).
    with paused_gc():
        return _summary(args, out, err)


def _summary(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``paramlab summary``: read, propagate, summarize, write; the exit status."""
    try:
        graph = load_model(args.model)
    except ParamLabError as exc:  # load_model words every reader failure as one
        print(f"{PROG}: error: {exc}", file=err)
        return EXIT_FILE
    result = propagate(graph)
    summary = summarize(graph, result, expand_groups=bool(args.expand),
                        convention=getattr(args, "convention", KERAS),
                        connections=args.format not in WITHOUT_CONNECTIONS)
    status = EXIT_LAYER_ERRORS if summary.has_errors else EXIT_OK
    batch = getattr(args, "batch_size", 1)
    chosen = getattr(args, "columns", None)
    if args.output:
        try:
            write_summary(summary, args.format, args.output, batch, chosen)
        except OSError as exc:
            print(f"{PROG}: error: {quote_path(args.output)}: cannot write the file: "
                  f"{exc.strerror or exc}", file=err)
            return EXIT_FILE
    else:
        try:
            _write(out, format_summary(summary, args.format, batch, chosen))
        except BrokenPipeError:
            # The reader went away (``paramlab summary big | head``): not an error of ours.
            # Point stdout at devnull so that Python's exit flush does not complain.
            if out is sys.stdout:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
            return status
    if status == EXIT_LAYER_ERRORS:
        bad = sum(1 for r in summary.rows if r.failed)
        unknown = sorted({graph.raw(n)["type"] for n, r in result.layers.items()
                          if not r.known and not r.ok})
        why = (f"; unknown layer types: {elide_name(', '.join(unknown), 200)}" if unknown
               else "")
        print(f"{PROG}: {bad} layer{'s' if bad != 1 else ''} of {quote_path(args.model)} "
              f"could not be computed{why} (see the summary)", file=err)
    return status


def output_clash(args: argparse.Namespace) -> str | None:
    """Why ``--output`` may not be written, or ``None``: it is the input file itself (the
    same inode, so also through a link), which writing would destroy."""
    model, output = getattr(args, "model", None), getattr(args, "output", None)
    if not model or not output:
        return None
    try:
        same = os.path.samefile(model, output)
    except (OSError, ValueError):  # either does not exist (an example name, a new file)
        return None
    if same:
        return (f"--output {quote_path(output)} is the input file; writing it would replace "
                "the model: choose another output file")
    return None


def _write(stream: TextIO, text: str) -> None:
    try:
        stream.write(text)
        stream.flush()
    except UnicodeEncodeError:
        # A terminal in a legacy encoding: the table's box drawing still comes out.
        buffer = getattr(stream, "buffer", None)
        if buffer is None:
            raise
        stream.flush()
        buffer.write(text.encode("utf-8"))
        buffer.flush()


if __name__ == "__main__":
    sys.exit(main())
