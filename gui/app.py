"""The ``paramlab`` command: the desktop editor, or a command-line export.

Usage:
    paramlab                      open the editor on the ``lenet`` example
    paramlab FILE                 open the editor on FILE (project, Keras .json/.keras/.h5)
    paramlab summary X [--format table|csv|json|markdown] [--output FILE]
                                  print or write the summary (``core.cli``; Qt is not loaded)
    paramlab summary X --format png --output summary.png
                                  draw the summary table to a PNG (offscreen Qt)
    paramlab render X --output diagram.svg|.pdf|.png [--dpi N] [--page-size A4|Letter]
                                  draw the diagram (one SVG drawing; PNG at N dpi, default
                                  150; PDF split over pages), offscreen Qt
    paramlab --install-desktop-entry
                                  add ParamLab to a Linux desktop's applications menu

Exit status as ``core.cli``: 0 ok, 1 unreadable model or unwritable output, 2 bad usage,
3 some layers have errors (the output is still written).

PySide6 is imported only on the paths that need it, so ``paramlab summary`` works (and is
fast) without a display.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from paramlab.core import cli

log = logging.getLogger(__name__)

DEFAULT_EXAMPLE = "lenet"
OPTIONS = ("-h", "--help", "--install-desktop-entry")
GUI_USAGE = ("Without a command, open the editor: 'paramlab' shows the lenet example, "
             "'paramlab FILE' opens FILE.")


def build_parser() -> argparse.ArgumentParser:
    """``core.cli``'s parser plus the ``render`` command (PNG of the diagram)."""
    parser = cli.build_parser()
    parser.epilog = GUI_USAGE
    render = parser.subcommands.add_parser(  # type: ignore[attr-defined]
        "render", help="draw a model's diagram to SVG, PDF or PNG (no display needed)",
        description="Draw the whole diagram of a model (auto-laid out when it has no "
                    "positions) to an SVG, PDF or PNG file (by the output's suffix), "
                    "offscreen. PNG and PDF are made from the same SVG drawing.")
    render.add_argument("model", metavar="PATH_OR_EXAMPLE_NAME",
                        help="model file or bundled example name")
    render.add_argument("--output", "-o", metavar="FILE", required=True,
                        help="the file to write: .svg, .pdf or .png")
    render.add_argument("--dpi", type=int, default=150, metavar="N",
                        help="PNG resolution in dots per inch (10-1200, default 150)")
    render.add_argument("--page-size", choices=("A4", "Letter"), default="A4",
                        help="PDF page size (a tall diagram goes over several pages)")
    parser.add_argument("--install-desktop-entry", action="store_true",
                        help="add ParamLab to a Linux desktop's applications menu (a .desktop "
                             "file and the icon under $XDG_DATA_HOME or ~/.local/share)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``paramlab`` console script; returns the exit status.

    Every command (and the editor's start) runs through ``core.funnel.guarded``: whatever
    escapes a command ends as one ``paramlab: error: ...`` line and exit status 1."""
    from paramlab.core.funnel import guarded

    return guarded(lambda: _dispatch(argv))


def _dispatch(argv: list[str] | None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    commands = set(parser.subcommands.choices)  # type: ignore[attr-defined]
    if args_list and (args_list[0] in commands or args_list[0] in OPTIONS):
        try:
            args = parser.parse_args(args_list)
        except SystemExit as exc:
            return exc.code if isinstance(exc.code, int) else cli.EXIT_USAGE
        if args.install_desktop_entry:
            return _install_desktop_entry(parser, args)
        if args.command == "render":
            if Path(args.output).suffix.lower() not in (".svg", ".pdf", ".png"):
                print(f"paramlab: error: {args.output}: the diagram is written as .svg, .pdf "
                      "or .png", file=sys.stderr)
                return cli.EXIT_USAGE
            if not 10 <= args.dpi <= 1200:
                print("paramlab: error: --dpi must be between 10 and 1200", file=sys.stderr)
                return cli.EXIT_USAGE
            return _render_png(args)
        if args.command == "summary" and args.format == "png":
            if not args.output:
                print("paramlab: error: --format png needs --output FILE", file=sys.stderr)
                return cli.EXIT_USAGE
            return _render_png(args)
        return cli.run(args)
    if len(args_list) > 1 or (args_list and args_list[0].startswith("-")):
        parser.print_usage(sys.stderr)
        print(f"paramlab: error: unrecognised arguments {' '.join(args_list)}; {GUI_USAGE}",
              file=sys.stderr)
        return cli.EXIT_USAGE
    return run_gui(args_list[0] if args_list else None)


def _install_desktop_entry(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command is not None:
        parser.print_usage(sys.stderr)
        print("paramlab: error: --install-desktop-entry takes no command", file=sys.stderr)
        return cli.EXIT_USAGE
    from paramlab.gui.desktop_entry import run_install

    return run_install()


# ---------------------------------------------------------------------------- Qt runtime guard


# ---------------------------------------------------------------------------- offscreen PNG
def _render_png(args: argparse.Namespace) -> int:
    """``summary --format png`` and ``render``: load, draw offscreen, write the PNG."""
    clash = cli.output_clash(args)
    if clash is not None:
        print(f"paramlab: error: {clash}", file=sys.stderr)
        return cli.EXIT_USAGE
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from paramlab.core.errors import ParamLabError
    from paramlab.core.io.loader import load_model
    from paramlab.core.layout import apply_layout
    from paramlab.core.propagate import propagate
    from paramlab.core.summary import summarize
    from paramlab.core.text import quote_path

    try:
        graph = load_model(args.model)
    except ParamLabError as exc:
        print(f"paramlab: error: {exc}", file=sys.stderr)
        return cli.EXIT_FILE
    result = propagate(graph)
    _ensure_app()
    from paramlab.gui import render
    from paramlab.gui.files import needs_layout

    try:
        if args.command == "render":
            if needs_layout(graph):
                apply_layout(graph)
                result = propagate(graph, result)
            from paramlab.gui.diagram import export_diagram

            export_diagram(graph, result, Path(args.output), dpi=args.dpi,
                           page_size=args.page_size)
            failed = any(not r.ok for r in result.layers.values())
        else:
            summary = summarize(graph, result, expand_groups=bool(getattr(args, "expand", False)),
                                convention=getattr(args, "convention", "keras"))
            render.render_summary_png(summary, Path(args.output))
            failed = summary.has_errors
    except (OSError, ParamLabError) as exc:
        print(f"paramlab: error: {quote_path(args.output)}: cannot write the image: {exc}",
              file=sys.stderr)
        return cli.EXIT_FILE
    if failed:
        print(f"paramlab: some layers of {quote_path(args.model)} could not be computed",
              file=sys.stderr)
        return cli.EXIT_LAYER_ERRORS
    return cli.EXIT_OK


def _ensure_app():
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "paramlab"])
    return app


# ---------------------------------------------------------------------------- desktop app
def run_gui(path: str | None) -> int:
    """Open the editor on ``path`` (or the lenet example) and run the event loop."""
    logging.basicConfig(level=logging.WARNING)
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QIcon

    app = _ensure_app()
    app.setOrganizationName("ParamLab")
    app.setApplicationName("ParamLab")
    app.setDesktopFileName("paramlab")  # matches paramlab.desktop (--install-desktop-entry)
    from paramlab.core.resources import APP_ICON
    from paramlab.gui.main_window import MainWindow

    if APP_ICON.is_file():
        app.setWindowIcon(QIcon(str(APP_ICON)))
    window = MainWindow()
    window.show()
    if path is None:
        window.files.open_example(DEFAULT_EXAMPLE, ask=False)
    else:
        window.files.open_path(path, ask=False)
    # Fit once the window has its real size (known only after the event loop starts).
    QTimer.singleShot(0, window.zoom_to_fit)
    # Then offer the unsaved work of a session that crashed, over the visible window.
    QTimer.singleShot(0, window.autosave.offer_recovery)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
