"""Benchmark of ``paramlab grade`` (a script, not collected by pytest):

    python tests/bench/bench_grade.py

Makes an exercise from Keras's ResNet50 (tests/data/keras/ResNet50.json: every layer's output
shape and parameters hidden, plus the totals), writes 200 answers files in which every
fourth answer is wrong in a different way (a count without its bias, a shape with the other
padding, a value off by one, a missing answer), then times the grading of all 200 files
as ``paramlab grade`` does it: read the exercise, compute the expected values, read,
parse, grade and diagnose every file, and format the CSV report. Prints the median of 3 runs.
Target (issue 8): under 2 s in total.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from paramlab.core.exercise.format import (
    Answers,
    Exercise,
    hide_all,
    load_exercise,
    save_answers,
    save_exercise,
)
from paramlab.core.exercise.grading import Grader, format_csv, grade_paths
from paramlab.core.exercise.rows import row_table
from paramlab.core.io.loader import load_model
from paramlab.core.propagate import propagate

TARGET_S = 2.0
STUDENTS = 200
DATA = Path(__file__).resolve().parent.parent / "data" / "keras"


def setup(folder: Path) -> tuple[Path, list[Path]]:
    graph = load_model(DATA / "ResNet50.json")
    rows = row_table(graph, propagate(graph))
    names = [n for n, r in rows.items() if r.type != "InputLayer"]
    ex = Exercise(graph, "ResNet50", "", hide_all(names, "all"))
    ex_path = folder / "resnet50.json"
    save_exercise(ex, ex_path)
    grader = Grader(ex)
    paths = []
    for s in range(STUDENTS):
        values = {}
        for i, cell in enumerate(grader.cells):
            value = grader.expected(cell)
            kind = (i + s) % 16
            if kind == 1:
                continue  # no answer
            if cell[1] == "output_shape":
                value = list(value)
                if kind == 2:
                    value[-1] += 1
            elif kind == 3:
                value = f"{value + 1:,}"
            values[cell] = value
        path = folder / f"student_{s:03d}.json"
        save_answers(Answers(f"Student {s}", ex.title, ex.sha256, values), path)
        paths.append(path)
    return ex_path, paths


def grade_all(ex_path: Path, paths: list[Path]) -> tuple[float, int]:
    start = time.perf_counter()
    grader = Grader(load_exercise(ex_path))
    grades = grade_paths(grader, paths)
    text = format_csv(grader, grades)
    return time.perf_counter() - start, len(text.splitlines())


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        ex_path, paths = setup(Path(tmp))
        cells = len(Grader(load_exercise(ex_path)).cells)
        runs = [grade_all(ex_path, paths) for _ in range(3)]
    median = statistics.median(t for t, _ in runs)
    print(f"grade {STUDENTS} answers files x {cells} hidden cells (ResNet50): "
          f"median {median:.2f} s, {median / STUDENTS * 1000:.1f} ms per file, "
          f"{runs[0][1]} CSV rows (target < {TARGET_S:.0f} s: "
          f"{'met' if median < TARGET_S else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
