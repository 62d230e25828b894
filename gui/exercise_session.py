"""The exercise state of one window (student mode and authoring), and the hidden mask
every view reads: :class:`ExerciseSession`, :func:`cell_hidden`, :func:`hidden_in_view`.

The session holds the exercise, the student's typed answers, the last Check's grades, the
Checks used and whether the solution is revealed; it computes nothing itself (grading is
``core.exercise.grading``'s)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from paramlab.core.exercise.format import Answers, Cell, Exercise
from paramlab.core.exercise.grading import CellGrade, Grader


class ExerciseSession(QObject):
    """The exercise state of one window: the exercise being authored or answered, the
    student's answers, the last Check's grades, the Checks used and whether the solution
    is revealed. ``changed`` is emitted after every change."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.exercise: Exercise | None = None
        self.student = False
        self.grader: Grader | None = None
        self.answers: dict[Cell, str] = {}
        self.grades: dict[Cell, CellGrade] = {}
        self.checks = 0
        self.revealed = False
        self.path: Path | None = None
        self.unsaved = False  # answers typed since the last Save Answers

    # ------------------------------------------------------------------ mask
    def hidden(self, row: str, field: str) -> bool:
        """Whether a view must show ``?`` for this cell (student mode, not revealed)."""
        return (self.student and not self.revealed and self.exercise is not None
                and self.exercise.is_hidden(row, field))

    def marked(self, row: str, field: str) -> bool:
        """Whether the cell is hidden in the exercise (shown to the instructor, marked)."""
        return self.exercise is not None and self.exercise.is_hidden(row, field)

    # ------------------------------------------------------------------ student mode
    def start_student(self, exercise: Exercise, path: Path | None) -> None:
        self.exercise, self.student, self.path = exercise, True, path
        self.grader = Grader(exercise)
        self.answers, self.grades, self.checks, self.revealed = {}, {}, 0, False
        self.unsaved = False
        self.changed.emit()

    def stop(self) -> None:
        if self.exercise is None and not self.student:
            return  # no exercise: nothing changes (a model opened after another)
        self.exercise, self.student, self.grader, self.path = None, False, None, None
        self.answers, self.grades, self.checks, self.revealed = {}, {}, 0, False
        self.unsaved = False
        self.changed.emit()

    def set_answer(self, cell: Cell, text: str) -> None:
        if self.answers.get(cell, "") != text:
            self.unsaved = True
        self.answers[cell] = text
        self.grades.pop(cell, None)
        self.changed.emit()

    @property
    def checks_left(self) -> int | None:
        if self.exercise is None or self.exercise.max_checks is None:
            return None
        return max(0, self.exercise.max_checks - self.checks)

    def check(self) -> dict[Cell, CellGrade]:
        """Grade the answers (counts one Check)."""
        assert self.grader is not None
        self.grades = self.grader.check(self.answers)
        self.checks += 1
        self.changed.emit()
        return self.grades

    def can_reveal(self) -> bool:
        return (self.student and self.exercise is not None and self.checks > 0
                and self.exercise.show_solution_after_check and not self.revealed)

    def reveal(self) -> None:
        self.revealed = True
        self.changed.emit()

    def answers_record(self, student: str) -> Answers:
        assert self.exercise is not None and self.grader is not None
        return Answers(student, self.exercise.title, self.grader.sha256,
                       {c: v for c, v in self.answers.items() if v.strip()})


def cell_hidden(s: ExerciseSession, graph: Any, name: str, field: str) -> bool:
    """Whether a view shows ``?`` for ``field`` of the row or node called ``name``: hidden
    itself, or a count of a layer inside a nested model whose counts are hidden."""
    if s.hidden(name, field):
        return True
    if field == "output_shape":
        return False
    node = graph.id_of(name)
    group = None if node is None else graph.raw(node).get("group")
    return group is not None and s.hidden(group, "total")


def hidden_in_view(s: ExerciseSession, graph: Any, name: str) -> tuple[bool, bool]:
    """(shape hidden, some count hidden) for the row or node called ``name``."""
    return (cell_hidden(s, graph, name, "output_shape"),
            any(cell_hidden(s, graph, name, f) for f in ("trainable", "non_trainable", "total")))
