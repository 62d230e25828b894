"""Grading answers against an exercise, and the reports of ``paramlab grade``.

A :class:`Grader` computes the exercise's expected values once (propagation and summary of
its model) and grades any number of answers: each hidden cell is right or wrong; a wrong
cell gets the :mod:`core.exercise.mistakes` code and sentence when one matches. ``score``
counts the correct hidden cells, ``max`` the hidden cells; a missing answer is wrong with
``given`` ``None``. An answers file that cannot be read, or that was made for another
exercise (its ``exercise_sha256`` differs), is reported as that student's ``error`` with
score 0; it never stops the grading of the others.

JSON report (``format_json``)::

    {"exercise": {"title": ..., "sha256": ..., "cells": <number of hidden cells>},
     "students": [{"student", "file", "score", "max", "error",
                   "cells": [{"layer", "field", "expected", "given", "correct", "mistake",
                              "hint"}]}]}

``layer`` is the row name, or ``"totals"`` for the model's totals; shapes are lists with
``null`` for the batch axis.
"""
from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from paramlab.core.errors import ModelFileError
from paramlab.core.exercise.answers import AnswerError, format_answer, normalise_shape, parse_answer
from paramlab.core.exercise.format import TOTALS, Answers, Cell, Exercise, load_answers
from paramlab.core.exercise.mistakes import Diagnoser
from paramlab.core.exercise.rows import row_table
from paramlab.core.propagate import propagate
from paramlab.core.summary import summarize


@dataclass(frozen=True)
class CellGrade:
    """One graded cell.

    Attributes:
        layer: Row name, or ``"totals"``.
        field: ``output_shape``, ``trainable``, ``non_trainable`` or ``total``.
        expected: The right value (shape tuple or int).
        given: The parsed answer; the text as typed when unreadable; ``None`` when missing.
        correct: Whether ``given`` equals ``expected`` (a shape with or without the batch
            axis).
        mistake: A :data:`core.exercise.mistakes.CODES` code, or ``None``.
        hint: The mistake's sentence, or why the answer could not be read, or ``None``.
    """

    layer: str
    field: str
    expected: Any
    given: Any
    correct: bool
    mistake: str | None = None
    hint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"layer": self.layer, "field": self.field, "expected": _plain(self.expected),
                "given": _plain(self.given), "correct": self.correct,
                "mistake": self.mistake, "hint": self.hint}


@dataclass
class StudentGrade:
    """One answers file's result (``error`` set when it could not be graded)."""

    student: str
    file: str
    score: int
    max: int
    cells: list[CellGrade] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"student": self.student, "file": self.file, "score": self.score,
                "max": self.max, "error": self.error,
                "cells": [c.to_dict() for c in self.cells]}


class Grader:
    """Grades answers for one exercise (expected values computed once).

    Args:
        exercise: The exercise; its model must propagate (a layer error is graded as the
            model computes it, an unresolved shape as ``None``).
    """

    def __init__(self, exercise: Exercise) -> None:
        self.exercise = exercise
        self.result = propagate(exercise.graph)
        self.summary = summarize(exercise.graph, self.result)
        self.rows = row_table(exercise.graph, self.result)
        self.cells: list[Cell] = exercise.cells(self.rows)
        self.sha256 = exercise.sha256
        self._diagnoser: Diagnoser | None = None

    @property
    def title(self) -> str:
        return self.exercise.title

    @property
    def diagnoser(self) -> Diagnoser:
        if self._diagnoser is None:
            self._diagnoser = Diagnoser(self.exercise.graph, self.result, self.summary)
        return self._diagnoser

    def expected(self, cell: Cell) -> Any:
        """The right value of ``cell``: a shape tuple or an int."""
        row, f = cell
        source = self.summary if row == TOTALS else self.rows[row]
        return getattr(source, f)

    def check(self, values: Mapping[Cell, Any]) -> dict[Cell, CellGrade]:
        """Grade ``values`` (cell -> value as typed, ``None``/blank for no answer) on every
        hidden cell; returns cell -> :class:`CellGrade`."""
        parsed: dict[Cell, Any] = {}
        unreadable: dict[Cell, str] = {}
        for cell in self.cells:
            raw = values.get(cell)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            try:
                parsed[cell] = parse_answer(cell[1], raw)
            except AnswerError as exc:
                unreadable[cell] = str(exc)
        # Counts the student can see (not hidden) stand for themselves in sum checks.
        out: dict[Cell, CellGrade] = {}
        for cell in self.cells:
            row, f = cell
            expected = self.expected(cell)
            if cell in unreadable:
                out[cell] = CellGrade(row, f, expected, values.get(cell), False, None,
                                      unreadable[cell])
                continue
            given = parsed.get(cell)
            if given is None:
                out[cell] = CellGrade(row, f, expected, None, False)
                continue
            if f == "output_shape":
                given = normalise_shape(given, expected)
            if given == expected:
                out[cell] = CellGrade(row, f, expected, given, True)
                continue
            mistake = self.diagnoser.diagnose(row, f, given, parsed)
            out[cell] = CellGrade(row, f, expected, given, False,
                                  mistake.code if mistake else None,
                                  mistake.message if mistake else None)
        return out

    def grade(self, answers: Answers, file: str = "") -> StudentGrade:
        """Grade one student's answers (an ``error`` grade when the SHA-256 differs)."""
        if answers.exercise_sha256 != self.sha256:
            return StudentGrade(answers.student, file, 0, len(self.cells), [], (
                f"these answers were made for another exercise "
                f"({answers.exercise_title or 'untitled'}, sha256 "
                f"{answers.exercise_sha256[:12] or 'missing'}…), not for "
                f"{self.exercise.title!r} (sha256 {self.sha256[:12]}…); nothing graded"))
        cells = list(self.check(answers.values).values())
        return StudentGrade(answers.student, file, sum(c.correct for c in cells),
                            len(self.cells), cells)

    def grade_file(self, path: str | os.PathLike[str]) -> StudentGrade:
        """Grade the answers file at ``path``; an unreadable file is an ``error`` grade."""
        try:
            answers = load_answers(path)
        except ModelFileError as exc:
            return StudentGrade("", str(path), 0, len(self.cells), [], exc.detail)
        return self.grade(answers, str(path))


class VariantGrader:
    """Grades answers against a set of variants of one exercise (``paramlab exercise make
    --variants``): each answers file is graded against the variant whose SHA-256 it
    carries; one carrying none of them is an ``error`` grade.

    Args:
        exercises: The variants (at least one); their hidden cells are the same.
    """

    def __init__(self, exercises: Sequence[Exercise]) -> None:
        if not exercises:
            raise ValueError("no exercise to grade against")
        self.exercises = {ex.sha256: ex for ex in exercises}
        self._graders: dict[str, Grader] = {}
        first = self.grader_for(next(iter(self.exercises)))
        self.cells = first.cells
        self.sha256: str | None = None
        self.title = first.title.rsplit(" (variant ", 1)[0]

    def grader_for(self, sha: str) -> Grader:
        if sha not in self._graders:
            self._graders[sha] = Grader(self.exercises[sha])
        return self._graders[sha]

    def grade_file(self, path: str | os.PathLike[str]) -> StudentGrade:
        """Grade the answers file at ``path`` against its own variant."""
        try:
            answers = load_answers(path)
        except ModelFileError as exc:
            return StudentGrade("", str(path), 0, len(self.cells), [], exc.detail)
        if answers.exercise_sha256 not in self.exercises:
            return StudentGrade(answers.student, str(path), 0, len(self.cells), [], (
                f"these answers were made for another exercise "
                f"({answers.exercise_title or 'untitled'}), none of the "
                f"{len(self.exercises)} variants of {self.title!r}; nothing graded"))
        return self.grader_for(answers.exercise_sha256).grade(answers, str(path))


# ---------------------------------------------------------------------------- reports
def report_dict(grader: Grader | VariantGrader, grades: Sequence[StudentGrade]
                ) -> dict[str, Any]:
    """The JSON report (see the module doc; ``sha256`` is null for a set of variants)."""
    return {"exercise": {"title": grader.title, "sha256": grader.sha256,
                         "cells": len(grader.cells)},
            "students": [g.to_dict() for g in grades]}


def format_json(grader: Grader, grades: Sequence[StudentGrade]) -> str:
    return json.dumps(report_dict(grader, grades), ensure_ascii=False, indent=2) + "\n"


CSV_HEADER = ("student", "file", "layer", "field", "expected", "given", "correct", "mistake",
              "score", "max", "message")


def format_csv(grader: Grader, grades: Sequence[StudentGrade]) -> str:
    """One row per student and hidden cell, then one summary row per student (``layer``
    ``(score)``, with ``score`` and ``max``; ``message`` holds an error, if any)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_HEADER)
    for g in grades:
        for c in g.cells:
            w.writerow([g.student, g.file, c.layer, c.field, _text(c.field, c.expected),
                        _text(c.field, c.given), "yes" if c.correct else "no",
                        c.mistake or "", "", "", c.hint or ""])
        w.writerow([g.student, g.file, "(score)", "", "", "", "", "", g.score, g.max,
                    g.error or ""])
    return buf.getvalue()


def format_table(grader: Grader, grades: Sequence[StudentGrade]) -> str:
    """A readable report: one line per student, then each wrong cell with its hint."""
    lines = [f"Exercise: {grader.title} ({len(grader.cells)} hidden cells)"]
    for g in grades:
        who = g.student or "(no name)"
        if g.error:
            lines.append(f"{who} [{g.file}]: ERROR: {g.error}")
            continue
        lines.append(f"{who} [{g.file}]: {g.score}/{g.max}")
        for c in g.cells:
            if c.correct:
                continue
            given = "(no answer)" if c.given is None else _text(c.field, c.given)
            lines.append(f"  {c.layer} {c.field}: {given}, expected "
                         f"{_text(c.field, c.expected)}"
                         + (f" [{c.mistake}]" if c.mistake else "")
                         + (f" {c.hint}" if c.hint else ""))
    return "\n".join(lines) + "\n"


FORMATTERS = {"table": format_table, "csv": format_csv, "json": format_json}


def grade_paths(grader: Grader | VariantGrader, paths: Iterable[str | os.PathLike[str]]) -> list[StudentGrade]:
    """Grade every answers file of ``paths``, in order."""
    return [grader.grade_file(p) for p in paths]


def _text(field_name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (tuple, list)) or isinstance(value, int):
        return format_answer(field_name, value)
    return str(value)


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
