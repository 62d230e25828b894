"""``paramlab export MODEL --to pytorch|keras-code|keras-json [--output F]`` (registered by
``core.cli``).

* ``pytorch``: one ``nn.Module`` (``core/io/pytorch_export.py``); layers with no PyTorch
  equivalent become placeholders, each reported on stderr;
* ``keras-code``: Keras 3 Functional Python code (``core/io/keras_export.py``);
* ``keras-json``: the Keras JSON config (``model.to_json()``'s format).

Layers the target cannot rebuild are reported on stderr, one line each, after the export is
written: PyTorch placeholders; for the Keras exports, tf.keras 2 layers Keras 3 removed and
layer types whose code ParamLab never has (``core.io.keras_json_export.keras3_gaps``).

The Keras exports always use the true Keras configuration, whatever convention the summary
shows. Without ``--output`` the text goes to standard output; with it, the file is written
atomically.

Exit status: 0 written; 1 the model could not be read, a layer cannot be written (an
InputLayer whose shape a project file left null), or the file not written (one line on
stderr); 2 bad usage; 3 ``--to pytorch`` on a model whose layers have errors (nothing
written: fix the layers first).
"""
from __future__ import annotations

import argparse
import logging
import sys
from typing import TextIO

from paramlab.core.errors import ModelFileError, ParamLabError
from paramlab.core.funnel import explain
from paramlab.core.io.atomic import atomic_write_text
from paramlab.core.io.loader import load_model, resolve
from paramlab.core.propagate import propagate
from paramlab.core.text import quote_path

log = logging.getLogger(__name__)

COMMANDS = ("export",)
TARGETS = ("pytorch", "keras-code", "keras-json")
PROG = "paramlab"
EXIT_OK, EXIT_FILE, EXIT_USAGE, EXIT_LAYER_ERRORS = 0, 1, 2, 3


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``export`` to the ``paramlab`` parser."""
    export = sub.add_parser(
        "export", help="export a model as PyTorch code, Keras code or Keras JSON",
        description="Export a model (project, Keras file or bundled example name) as one "
                    "PyTorch nn.Module (--to pytorch), Keras 3 Python code (--to keras-code) "
                    "or a Keras JSON config (--to keras-json).")
    export.add_argument("model", metavar="MODEL", help="model file or bundled example name")
    export.add_argument("--to", choices=TARGETS, required=True, help="what to write")
    export.add_argument("--output", "-o", metavar="F",
                        help="write to F (atomically) instead of standard output")


def export_text(target: str, model: str) -> tuple[str, list[str], bool]:
    """The exported text of ``model`` for ``target``, the notes to report (placeholders),
    and whether some layers have errors.

    Raises:
        ParamLabError: the model cannot be read (``ModelFileError``), or a layer cannot be
            written (``LayerError``: see ``keras_json_export.input_shape``).
    """
    graph = load_model(model)
    result = propagate(graph)
    if target == "pytorch":
        from paramlab.core.io.pytorch_export import to_pytorch_code

        export = to_pytorch_code(graph, result, source=resolve(model).name)
        notes = [f"{u.name} ({u.type}): {u.reason}" for u in export.unsupported]
        return export.source, notes, result.has_errors
    from paramlab.core.io.keras_export import to_keras_code, to_keras_json
    from paramlab.core.io.keras_json_export import keras3_gaps

    text = to_keras_code(graph, result) if target == "keras-code" else to_keras_json(graph, result)
    notes = [f"{g.name} ({g.type}): {g.reason}" for g in keras3_gaps(graph, target)]
    return text, notes, result.has_errors


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Execute ``export``; return the exit status (see the module doc)."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        text, notes, broken = export_text(args.to, args.model)
    except ModelFileError as exc:  # names the file itself
        print(f"{PROG}: error: {exc}", file=err)
        return EXIT_FILE
    except ParamLabError as exc:  # a layer the target cannot be written without
        print(f"{PROG}: error: {quote_path(args.model)}: cannot export the model: {exc}",
              file=err)
        return EXIT_FILE
    except Exception as exc:  # an exporter bug must still end in one clear line
        log.debug("exporting %s failed", args.model, exc_info=True)
        print(f"{PROG}: error: {quote_path(args.model)}: cannot export the model: "
              f"{explain(exc)}", file=err)
        return EXIT_FILE
    if broken and args.to == "pytorch":
        print(f"{PROG}: error: some layers of {args.model} could not be computed; fix them "
              "before exporting PyTorch code (see 'paramlab summary')", file=err)
        return EXIT_LAYER_ERRORS
    if args.output:
        try:
            atomic_write_text(args.output, text if text.endswith("\n") else text + "\n")
        except OSError as exc:
            print(f"{PROG}: error: {args.output}: cannot write the file: "
                  f"{exc.strerror or exc}", file=err)
            return EXIT_FILE
    else:
        out.write(text if text.endswith("\n") else text + "\n")
    if notes:
        n = len(notes)
        s = "s" if n != 1 else ""
        if args.to == "pytorch":
            print(f"{PROG}: {n} layer{s} with no PyTorch equivalent "
                  f"{'are placeholders' if n != 1 else 'is a placeholder'} that raise"
                  f"{'' if n != 1 else 's'} NotImplementedError:", file=err)
        else:
            print(f"{PROG}: {n} layer{s} Keras 3 may not rebuild from this export:", file=err)
        for note in notes:
            print(f"  {note}", file=err)
    return EXIT_OK
