"""``paramlab exercise make|list|show`` and ``paramlab grade`` (registered by ``core.cli``).

``exercise make`` takes a model (``--hide`` required) or an exercise / lesson (its hidden
cells, instructions and settings are kept unless overridden), e.g. ``paramlab exercise make
03_lenet --variants 30 --seed 1 --output lab3/``. ``grade`` takes an exercise file or a
folder of variants.

Exit status, as for ``summary``: 0 done; 1 a file could not be read or written (one line on
stderr naming it; for ``grade``, an unreadable answers file is also reported in that
student's row and the report is still written); 2 bad usage; 3 ``exercise make`` on a model
whose layers have errors (nothing written).
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import TextIO

from paramlab.core.errors import ModelFileError, ParamLabError
from paramlab.core.exercise.format import (
    HIDE_CHOICES,
    Exercise,
    hide_all,
    is_exercise_data,
    load_exercise,
    read_json,
    save_exercise,
)
from paramlab.core.exercise.grading import FORMATTERS, Grader, VariantGrader, grade_paths
from paramlab.core.exercise.lessons import lesson_path, list_lessons
from paramlab.core.exercise.rows import row_table
from paramlab.core.exercise.variants import VariantError, make_variants
from paramlab.core.io.atomic import atomic_write_text
from paramlab.core.io.loader import load_model
from paramlab.core.propagate import propagate

COMMANDS = ("exercise", "grade")
PROG = "paramlab"
EXIT_OK, EXIT_FILE, EXIT_USAGE, EXIT_LAYER_ERRORS = 0, 1, 2, 3


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``exercise`` (with make, list, show) and ``grade`` to the ``paramlab`` parser."""
    ex = sub.add_parser("exercise", help="make exercises, list and copy the bundled lessons",
                        description="Teaching labs: make an exercise (hidden cells for "
                                    "students to work out) or copy a bundled lesson.")
    ex_sub = ex.add_subparsers(dest="exercise_command", metavar="ACTION")
    make = ex_sub.add_parser("make", help="make an exercise from a model",
                             description="Make an exercise from any model ParamLab opens "
                                         "(project, Keras file, example name): every layer's "
                                         "chosen cells and the totals are hidden.")
    make.add_argument("model", metavar="MODEL",
                      help="model file, bundled example name, exercise file or lesson name")
    make.add_argument("--hide", choices=tuple(HIDE_CHOICES),
                      help="what students work out: parameters, output shapes, or all "
                           "(required unless MODEL is an exercise or a lesson, whose hidden "
                           "cells are kept)")
    make.add_argument("--title", help="the exercise's title (default: the model's name)")
    make.add_argument("--instructions", metavar="FILE.md",
                      help="Markdown file with the instructions")
    make.add_argument("--max-checks", type=int, metavar="N",
                      help="how many times a student may press Check (default: no limit)")
    make.add_argument("--show-solution", action="store_true",
                      help="offer Reveal Solution after a Check")
    make.add_argument("--variants", type=int, metavar="N",
                      help="write N variants with different sizes into the --output folder")
    make.add_argument("--seed", default="0", metavar="S",
                      help="seed of the variants (the same seed gives the same files)")
    make.add_argument("--output", "-o", required=True, metavar="EX.json|DIR",
                      help="the exercise file (a folder with --variants)")
    ex_sub.add_parser("list", help="list the bundled lessons")
    show = ex_sub.add_parser("show", help="copy a bundled lesson out")
    show.add_argument("name", metavar="NAME", help="lesson name or number (see 'list')")
    show.add_argument("--output", "-o", metavar="EX.json",
                      help="where to write it (default: standard output)")
    grade = sub.add_parser("grade", help="grade students' answers files against an exercise",
                           description="Grade each answers file against the exercise; "
                                       "answers made for another exercise are reported in "
                                       "that student's row.")
    grade.add_argument("exercise", metavar="EX.json",
                       help="the exercise file, or a folder of its variants (each answers "
                            "file is graded against its own variant)")
    grade.add_argument("answers", metavar="ANSWERS.json", nargs="+", help="answers files")
    grade.add_argument("--format", "-f", choices=tuple(FORMATTERS), default="table",
                       help="report format (default: table)")
    grade.add_argument("--output", "-o", metavar="F",
                       help="write the report to F (atomically) instead of standard output")


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Execute ``exercise …`` or ``grade``; return the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        if args.command == "grade":
            return _grade(args, out, err)
        action = getattr(args, "exercise_command", None)
        if action == "make":
            return _make(args, out, err)
        if action == "list":
            for lesson in list_lessons():
                out.write(f"{lesson.name:<26} {lesson.title}\n")
            return EXIT_OK
        if action == "show":
            return _show(args, out, err)
        print(f"{PROG}: error: choose an action: exercise make|list|show", file=err)
        return EXIT_USAGE
    except ParamLabError as exc:
        print(f"{PROG}: error: {exc}", file=err)
        return EXIT_FILE


def _base_exercise(source: str) -> Exercise | None:
    """The exercise ``source`` names (an exercise file or a lesson), or ``None`` for a
    plain model."""
    path = Path(source)
    if not path.exists():
        return None if lesson_path(source) is None else load_exercise(lesson_path(source))
    if path.suffix.lower() != ".json" or path.is_dir():
        return None
    return load_exercise(path) if is_exercise_data(read_json(path)) else None


def _make(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    base = _base_exercise(args.model)
    if base is None and args.hide is None:
        print(f"{PROG}: error: --hide is required for a model (params, shapes or all)",
              file=err)
        return EXIT_USAGE
    graph = base.graph if base is not None else load_model(args.model)
    result = propagate(graph)
    if result.has_errors:
        bad = [graph.raw(d.layer)["name"] for d in result.diagnostics if d.severity.value != "warning"]
        print(f"{PROG}: error: {args.model}: layer {bad[0]!r} has an error; an exercise needs "
              "a model that computes (see 'paramlab summary')", file=err)
        return EXIT_LAYER_ERRORS
    instructions = ""
    if args.instructions:
        try:
            instructions = Path(args.instructions).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"{PROG}: error: {args.instructions}: cannot read the instructions: "
                  f"{getattr(exc, 'strerror', None) or exc}", file=err)
            return EXIT_FILE
    if args.max_checks is not None and args.max_checks < 1:
        print(f"{PROG}: error: --max-checks must be 1 or more", file=err)
        return EXIT_USAGE
    rows = [name for name, r in row_table(graph, result).items()
            if r.type != "InputLayer" and name == r.name and not _inside_group(graph, r)]
    if base is not None:
        ex = Exercise(graph, args.title or base.title, instructions or base.instructions,
                      hide_all(rows, args.hide) if args.hide else dict(base.hidden),
                      bool(args.show_solution) or base.show_solution_after_check,
                      args.max_checks if args.max_checks is not None else base.max_checks)
    else:
        ex = Exercise(graph, args.title or graph.name, instructions, hide_all(rows, args.hide),
                      bool(args.show_solution), args.max_checks)
    if args.variants is None:
        save_exercise(ex, args.output)
        print(f"wrote {args.output} ({len(ex.cells(row_table(graph, result)))} hidden cells)",
              file=err)
        return EXIT_OK
    try:
        variants = make_variants(ex, args.variants, args.seed)
    except ValueError as exc:  # VariantError too
        print(f"{PROG}: error: {exc}", file=err)
        return EXIT_USAGE if not isinstance(exc, VariantError) else EXIT_FILE
    folder = Path(args.output)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelFileError(folder, f"cannot make the folder: {exc.strerror or exc}") from None
    stem = Path(args.model).stem.split("_", 1)[-1] if base is not None and not Path(
        args.model).exists() else Path(args.model).stem
    width = max(2, len(str(args.variants)))
    for i, variant in enumerate(variants, 1):
        save_exercise(variant, folder / f"{stem}_{i:0{width}d}.json")
    print(f"wrote {len(variants)} variants to {folder}", file=err)
    return EXIT_OK


def _inside_group(graph, row) -> bool:
    """A layer of a collapsed nested model (its group's row stands for it)."""
    return not row.is_group and graph.raw(row.node_id).get("group") is not None


def _show(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    path = lesson_path(args.name)
    if path is None:
        names = ", ".join(lesson.name for lesson in list_lessons())
        print(f"{PROG}: error: no lesson {args.name!r} (lessons: {names})", file=err)
        return EXIT_FILE
    if args.output:
        try:
            shutil.copyfile(path, args.output)
        except OSError as exc:
            print(f"{PROG}: error: {args.output}: cannot write the file: "
                  f"{exc.strerror or exc}", file=err)
            return EXIT_FILE
    else:
        out.write(path.read_text(encoding="utf-8"))
    return EXIT_OK


def _grade(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    folder = Path(args.exercise)
    if folder.is_dir():
        files = sorted(folder.glob("*.json"))
        if not files:
            print(f"{PROG}: error: {folder}: no exercise files (*.json) in this folder",
                  file=err)
            return EXIT_FILE
        grader: Grader | VariantGrader = VariantGrader([load_exercise(f) for f in files])
    else:
        grader = Grader(load_exercise(args.exercise))
    grades = grade_paths(grader, args.answers)
    text = FORMATTERS[args.format](grader, grades)
    if args.output:
        try:
            atomic_write_text(args.output, text)
        except OSError as exc:
            print(f"{PROG}: error: {args.output}: cannot write the file: "
                  f"{exc.strerror or exc}", file=err)
            return EXIT_FILE
    else:
        out.write(text)
    status = EXIT_OK
    for g in grades:
        if g.error and not g.cells and g.student == "":
            print(f"{PROG}: error: {g.file}: {g.error}", file=err)
            status = EXIT_FILE
        elif g.error:
            print(f"{PROG}: {g.file}: {g.error}", file=err)
    return status
