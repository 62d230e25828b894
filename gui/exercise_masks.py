"""How the views show an exercise's hidden cells: the summary table's cell overlay
(:class:`SummaryOverlay`: ``?``, typed answers, right/wrong colours, hints), the canvas
node looks (:func:`mask_look`) and the exports (:class:`ExportMask`: CSV, summary PNG,
diagram SVG/PNG/PDF). Each reads :class:`gui.exercise_session.ExerciseSession`'s mask; none
recomputes a value."""
from __future__ import annotations

import csv
import dataclasses
import io
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from paramlab.core.exercise.format import FIELDS, PARAM_FIELDS, TOTAL_FIELDS, TOTALS, Cell
from paramlab.core.io.atomic import atomic_write_text
from paramlab.core.io.writers import format_summary
from paramlab.gui.canvas.painting import NodeLook
from paramlab.gui.exercise_session import ExerciseSession, cell_hidden, hidden_in_view
from paramlab.gui.summary_panel import (
    COL_NAME,
    COL_NON_TRAINABLE,
    COL_SHAPE,
    COL_TOTAL,
    COL_TRAIN_FLAG,
    COL_TRAINABLE,
)

FIELD_OF_COLUMN = {COL_SHAPE: "output_shape", COL_TRAINABLE: "trainable",
                   COL_NON_TRAINABLE: "non_trainable", COL_TOTAL: "total"}
HIDDEN_TEXT = "?"
RIGHT = QColor(200, 240, 200)
WRONG = QColor(250, 205, 205)
HIDDEN_BG = QColor(255, 248, 215)
MARKED_BG = QColor(235, 225, 250)


class SummaryOverlay:
    """What the summary table shows in exercise cells (installed as its ``overlay``)."""

    PASS = object()

    def __init__(self, session: ExerciseSession) -> None:
        self.session = session

    def _cell(self, model: Any, row: int, col: int) -> Cell | None:
        field = FIELD_OF_COLUMN.get(col)
        if field is None:
            return None
        if model.is_total_row(row):
            return (TOTALS, field) if field in TOTAL_FIELDS else None
        return (model.summary.rows[row].name, field)

    def flags(self, model: Any, index: QModelIndex, base: Qt.ItemFlag) -> Qt.ItemFlag:
        s = self.session
        cell = self._cell(model, index.row(), index.column())
        if s.student:
            if cell is not None and s.hidden(*cell):
                return base | Qt.ItemFlag.ItemIsEditable
            return base
        if (index.column() == COL_TRAIN_FLAG and not model.is_total_row(index.row())
                and not model.summary.rows[index.row()].is_group):
            base |= Qt.ItemFlag.ItemIsUserCheckable
        return base

    def data(self, model: Any, row: int, col: int, role: int) -> Any:
        s = self.session
        cell = self._cell(model, row, col)
        if cell is None:
            if s.student and role == Qt.ItemDataRole.ToolTipRole and col == COL_NAME:
                return None
            return self.PASS
        if s.hidden(*cell):
            grade = s.grades.get(cell)
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
                typed = s.answers.get(cell, "")
                return typed if typed.strip() or role == Qt.ItemDataRole.EditRole \
                    else HIDDEN_TEXT
            if role == Qt.ItemDataRole.BackgroundRole:
                if grade is not None and grade.given is not None:
                    return QBrush(RIGHT if grade.correct else WRONG)
                return QBrush(HIDDEN_BG)
            if role == Qt.ItemDataRole.ToolTipRole:
                if grade is None or grade.given is None:
                    return "Hidden in this exercise: type your answer (double-click)."
                if grade.correct:
                    return "Right."
                return "Wrong: " + (grade.hint or "look at the rule for this layer again.")
            if role == Qt.ItemDataRole.ForegroundRole:
                return None
            return self.PASS
        if role == Qt.ItemDataRole.BackgroundRole and not s.student and s.marked(*cell):
            return QBrush(MARKED_BG)
        if s.student and cell[0] != TOTALS and cell_hidden(s, model.document.graph, *cell):
            # a layer shown inside an expanded nested model whose counts are hidden
            if role == Qt.ItemDataRole.DisplayRole:
                return HIDDEN_TEXT
            if role == Qt.ItemDataRole.ToolTipRole:
                return "Hidden in this exercise."
        return self.PASS

    def set_data(self, model: Any, index: QModelIndex, value: Any, role: int) -> bool:
        s = self.session
        if s.student:
            cell = self._cell(model, index.row(), index.column())
            if role != Qt.ItemDataRole.EditRole or cell is None or not s.hidden(*cell):
                return False
            s.set_answer(cell, str(value))
            model.dataChanged.emit(index, index)
            return True
        if (role != Qt.ItemDataRole.CheckStateRole or index.column() != COL_TRAIN_FLAG
                or model.is_total_row(index.row())):
            return False
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2, True)
        return model.editor.set_trainable(model.summary.rows[index.row()].node_id, checked)


def mask_look(look: NodeLook, shape: bool, counts: bool) -> NodeLook:
    """``look`` with its hidden texts as ``?`` (the tooltip holds the formula: replaced)."""
    if not (shape or counts):
        return look
    look = dataclasses.replace(
        look, shape_text=HIDDEN_TEXT if shape else look.shape_text,
        params_text=HIDDEN_TEXT if counts else look.params_text,
        params_short="" if counts else look.params_short,
        tooltip="Hidden in this exercise")
    if counts and hasattr(look, "macs_text"):
        # a layer's MACs give its weight count away (Dense: inputs·units)
        look = dataclasses.replace(look, macs_text="", macs_short="")
    return look


class ExportMask:
    """What the exports hide in student mode (``FileController.export_mask``): the same
    cells as the views, as ``?``."""

    def __init__(self, session: ExerciseSession, graph: Any) -> None:
        self.session = session
        self.graph = graph

    def _totals(self, field: str) -> bool:
        return self.session.hidden(TOTALS, field)

    def summary_cells(self, name: str, row: list[str]) -> list[str]:
        """A summary PNG row: [layer (type), shape, param #, trainable, non-trainable, ...]."""
        out = list(row)
        for i, f in ((1, "output_shape"), (2, "total"), (3, "trainable"), (4, "non_trainable")):
            if cell_hidden(self.session, self.graph, name, f):
                out[i] = HIDDEN_TEXT
        return out

    def totals_lines(self, lines: list[str]) -> list[str]:
        out = list(lines)
        for i, f in ((0, "total"), (1, "trainable"), (2, "non_trainable")):
            if self._totals(f):
                out[i] = out[i].split(":")[0] + ": ?"
        return out

    def node_look(self, name: str, look: NodeLook) -> NodeLook:
        """The look of the diagram node of layer (or collapsed nested model) ``name``."""
        return mask_look(look, *hidden_in_view(self.session, self.graph, name))

    def diagram_totals(self, totals: str) -> str:
        if any(self._totals(f) for f in TOTAL_FIELDS):
            return "Total params: ? (hidden in this exercise)"
        return totals

    def write_csv(self, summary: Any, path: Any) -> None:
        """The summary CSV (``core.io.writers``) with the hidden cells as ``?``."""
        rows = list(csv.reader(io.StringIO(format_summary(summary, "csv"))))
        header = rows[0]
        columns = {f: header.index(f) for f in FIELDS if f in header}
        # buffers and cost columns (MACs, parameter memory ...) give the counts away too
        derived = [c for c, h in enumerate(header)
                   if h not in FIELDS and h not in ("name", "type", "connected_to", "error")]
        for row in rows[1:]:
            name = TOTALS if row[0] == "Total" and row is rows[-1] else row[0]
            for f, c in columns.items():
                if cell_hidden(self.session, self.graph, name, f):
                    row[c] = HIDDEN_TEXT
            if any(cell_hidden(self.session, self.graph, name, f) for f in PARAM_FIELDS):
                for c in derived:
                    row[c] = HIDDEN_TEXT
        buf = io.StringIO()
        csv.writer(buf).writerows(rows)
        atomic_write_text(path, buf.getvalue())
