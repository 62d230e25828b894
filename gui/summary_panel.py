"""The summary panel: every layer with its output shape and parameter counts, as Keras's
``model.summary()`` lists them, plus a totals row and the parameter memory.

:class:`SummaryTableModel` is a view of ``core.summary.summarize(graph, result)``,
rebuilt whenever the document's results change; it stores no figure of its own. Its
``Trainable`` column is a check box that freezes or unfreezes the layer through the editor.

Cost columns (MACs, FLOPs, activations, memory: ``core.io.cost_columns``) follow the Keras
ones, hidden until *View ▸ Columns* shows them (a view setting, not an edit); they show SI
figures (``15.47 G``) with the exact value in the tooltip. The footer adds the cost totals.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from paramlab.core.budget import training_budget
from paramlab.core.io.cost_columns import COLUMNS as COST_COLUMNS
from paramlab.core.io.cost_columns import format_si
from paramlab.core.io.writers import join_names
from paramlab.core.pytorch import NO_EQUIVALENT
from paramlab.core.summary import Summary, SummaryRow, partial_note, summarize
from paramlab.gui import convention, style
from paramlab.gui.document import Document
from paramlab.gui.editor import Editor

COL_NAME, COL_TYPE, COL_SHAPE, COL_TRAINABLE, COL_NON_TRAINABLE, COL_TOTAL, COL_BUFFERS, \
    COL_CONNECTED, COL_TRAIN_FLAG = range(9)
HEADERS = ("Layer", "Type", "Output shape", "Trainable", "Non-trainable", "Total", "Buffers",
           "Connected to", "Train")
# Cost columns after the Keras ones, in core.io.cost_columns' order: column -> column key.
COST_COLS = {len(HEADERS) + i: key for i, key in enumerate(COST_COLUMNS)}
HEADERS = HEADERS + tuple(COST_COLUMNS[k].title for k in COST_COLS.values())
NUMERIC = (COL_TRAINABLE, COL_NON_TRAINABLE, COL_TOTAL, COL_BUFFERS) + tuple(COST_COLS)
ID_ROLE = Qt.ItemDataRole.UserRole
VALUE_ROLE = Qt.ItemDataRole.UserRole + 1
_ERRORS = ("error", "unresolved")


class SummaryTableModel(QAbstractTableModel):
    """One row per layer in topological order, then a bold totals row."""

    def __init__(self, document: Document, editor: Editor, parent: Any = None) -> None:
        super().__init__(parent)
        self.document = document
        self.editor = editor
        self.summary: Summary = self._summarize()
        # gui.exercise_mode's cell overlay (hidden cells, answers), or None.
        self.overlay: Any = None
        self._rows: dict[str, int] = {}
        self._index_rows()
        document.results_changed.connect(self.refresh)
        document.groups_changed.connect(lambda _name: self.refresh())

    # ------------------------------------------------------------------ refresh
    def _summarize(self) -> Summary:
        """The summary with the nested models the canvas shows expanded listed layer by
        layer, and the collapsed ones as one row (as Keras prints them)."""
        graph = self.document.graph
        expanded = {name for name, meta in graph.groups.items() if not meta.get("collapsed", True)}
        return summarize(graph, self.document.result, expand_groups=expanded,
                         convention=convention.current(),
                         previous=getattr(self, "summary", None))

    def refresh(self) -> None:
        """Read the summary again; keep rows (and the view's selection) when the layer
        order is unchanged, otherwise reset."""
        new = self._summarize()
        old_ids = [r.node_id for r in self.summary.rows]
        if old_ids == [r.node_id for r in new.rows]:
            self.summary = new
            self._index_rows()
            if self.rowCount():
                self.dataChanged.emit(self.index(0, 0),
                                      self.index(self.rowCount() - 1, self.columnCount() - 1))
        else:
            self.beginResetModel()
            self.summary = new
            self._index_rows()
            self.endResetModel()

    def _index_rows(self) -> None:
        rows: dict[str, int] = {}
        for i, r in enumerate(self.summary.rows):
            for member in getattr(r, "members", ()) or (r.node_id,):
                rows[member] = i
            rows[r.node_id] = i
        self._rows = rows

    # ------------------------------------------------------------------ queries
    def row_of(self, node_id: str) -> int:
        """The row that shows a layer (its own, its shared owner's or its nested model's),
        or -1."""
        return self._rows.get(node_id, -1)

    def node_id(self, row: int) -> str | None:
        """The layer id of ``row``; ``None`` for the totals row."""
        return self.summary.rows[row].node_id if 0 <= row < len(self.summary.rows) else None

    def is_total_row(self, row: int) -> bool:
        return row == len(self.summary.rows)

    # ------------------------------------------------------------------ Qt model
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.summary.rows) + 1

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[section]
            if role == Qt.ItemDataRole.ToolTipRole and section == COL_TRAIN_FLAG:
                return "The layer's trainable flag: uncheck to freeze its weights."
            if role == Qt.ItemDataRole.ToolTipRole and section == COL_CONNECTED:
                return ("The tensors feeding the layer, as Keras's model.summary() writes "
                        "them: layer[call][output], e.g. lstm[0][1] for an LSTM's state_h.")
        return None

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        row = index.row()
        if self.overlay is not None:
            return self.overlay.flags(self, index, base)
        if (index.column() == COL_TRAIN_FLAG and not self.is_total_row(row)
                and not getattr(self.summary.rows[row], "is_group", False)):
            base |= Qt.ItemFlag.ItemIsUserCheckable
        return base

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if self.overlay is not None:
            value = self.overlay.data(self, row, col, role)
            if value is not self.overlay.PASS:
                return value
        if self.is_total_row(row):
            return self._total_data(col, role)
        r = self.summary.rows[row]
        if col in COST_COLS:
            return self._cost_data(r, col, role)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(r, col)
        if role == VALUE_ROLE:
            return self._value(r, col)
        if role == ID_ROLE:
            return r.node_id
        if role == Qt.ItemDataRole.CheckStateRole and col == COL_TRAIN_FLAG:
            return Qt.CheckState.Checked if r.layer_trainable else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.TextAlignmentRole and col in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if r.error:
                return r.error
            if col in NUMERIC:
                # the formula, and where Keras and PyTorch differ, the line naming both
                return r.formula + (f"\n{convention.wrapped(r.reconciliation)}"
                                    if r.reconciliation else "")
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if r.severity in _ERRORS:
                return QBrush(style.ERROR_COLOR)
            if col in NUMERIC and not r.layer_trainable:
                return QBrush(style.FROZEN_COLOR)
        if role == Qt.ItemDataRole.BackgroundRole and r.severity in _ERRORS:
            return QBrush(style.ERROR_BACKGROUND)
        return None

    def setData(self, index: QModelIndex, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if self.overlay is not None:
            return self.overlay.set_data(self, index, value, role)
        if (role != Qt.ItemDataRole.CheckStateRole or index.column() != COL_TRAIN_FLAG
                or self.is_total_row(index.row())):
            return False
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2, True)
        node_id = self.summary.rows[index.row()].node_id
        # The graph changes through the editor; the row follows on results_changed.
        return self.editor.set_trainable(node_id, checked)

    # ------------------------------------------------------------------ cells
    @staticmethod
    def _value(r: SummaryRow, col: int) -> Any:
        return (r.name, r.type, r.output_shape, r.trainable, r.non_trainable, r.total,
                r.buffers, r.keras_connected_to or r.connected_to, r.layer_trainable)[col]

    @staticmethod
    def _display(r: SummaryRow, col: int) -> str | None:
        if col == COL_NAME:
            return r.name
        if col == COL_TYPE:
            if r.torch_module == NO_EQUIVALENT and convention.is_pytorch():
                return f"{r.type} ({NO_EQUIVALENT}: Keras count)"
            return r.type
        if col == COL_SHAPE:
            return r.shape_text
        if col == COL_TRAINABLE:
            return style.format_count(r.trainable)
        if col == COL_NON_TRAINABLE:
            return style.format_count(r.non_trainable)
        if col == COL_TOTAL:
            return style.format_count(r.total)
        if col == COL_BUFFERS:
            return style.format_count(r.buffers)
        if col == COL_CONNECTED:  # 20 names, then "… (N more)", as in the text formats
            # Keras's form, as the exported table and image write it: a plain name cannot
            # tell an LSTM's state_h from its output, nor one call of a shared layer from
            # another.
            return join_names(r.keras_connected_to or r.connected_to, ", ")
        return None

    def _cost_data(self, r: SummaryRow, col: int, role: int) -> Any:
        column = COST_COLUMNS[COST_COLS[col]]
        value = column.value(r, 1)
        if role == Qt.ItemDataRole.DisplayRole:
            return cost_text(value, column.is_bytes)
        if role == VALUE_ROLE:
            return value
        if role == ID_ROLE:
            return r.node_id
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{column.title}: {style.format_count(value)} (batch 1)"
        if role == Qt.ItemDataRole.ForegroundRole and r.severity in _ERRORS:
            return QBrush(style.ERROR_COLOR)
        if role == Qt.ItemDataRole.BackgroundRole and r.severity in _ERRORS:
            return QBrush(style.ERROR_BACKGROUND)
        return None

    def _total_data(self, col: int, role: int) -> Any:
        s = self.summary
        values = {COL_NAME: "Total", COL_TRAINABLE: s.trainable,
                  COL_NON_TRAINABLE: s.non_trainable, COL_TOTAL: s.total,
                  COL_BUFFERS: s.buffers}
        totals = cost_totals_of(s)
        if col in COST_COLS:
            value = totals.get(COST_COLS[col])
            if role == Qt.ItemDataRole.DisplayRole:
                return cost_text(value, COST_COLUMNS[COST_COLS[col]].is_bytes)
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{COST_COLUMNS[COST_COLS[col]].title}: {style.format_count(value)}"
            if role == VALUE_ROLE:
                return value
        if role == Qt.ItemDataRole.DisplayRole:
            v = values.get(col)
            return style.format_count(v) if isinstance(v, int) else v
        if role == VALUE_ROLE:
            return values.get(col)
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and col in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return (f"Parameter memory: {style.format_bytes(s.memory_bytes)} "
                    "(float32, 4 bytes per parameter)")
        return None


def cost_text(value: int | None, is_bytes: bool = False) -> str:
    """A cost cell: ``15.47 G`` (SI), ``24.50 KB`` for memory, ``?`` when unknown."""
    if value is None:
        return "?"
    return style.format_bytes(value) if is_bytes else format_si(value)


def cost_totals_of(summary: Summary) -> dict[str, int]:
    """The totals of the cost columns at batch 1 (activations: non-input rows)."""
    return {"macs": summary.macs, "flops": summary.flops,
            "activation_elements": summary.activation_elements,
            "activation_bytes": 4 * summary.activation_elements,
            "param_bytes": summary.memory_bytes}


def cost_footer(summary: Summary) -> tuple[str, str]:
    """The footer's cost line (rich text) and its tooltip with the exact figures: MACs,
    FLOPs, parameter memory, activation memory and the training budget (Adam, float32,
    batch 1; cost_conventions.md section 5)."""
    act, inp = summary.activation_elements, summary.input_elements
    budget = training_budget(summary.total, summary.trainable, act, inp)
    line = (f"MACs: <b>{format_si(summary.macs)}</b> · FLOPs: {format_si(summary.flops)} · "
            f"Parameters: {style.format_bytes(summary.memory_bytes)} · Activations: "
            f"{style.format_bytes(4 * act)} · Training ≈ "
            f"<b>{style.format_bytes(budget.total)}</b>")
    tip = (f"MACs: {summary.macs:,}; FLOPs = 2 × MACs = {summary.flops:,} (batch 1)\n"
           f"Parameter memory: {summary.memory_bytes:,} bytes (float32)\n"
           f"Activation memory: {4 * act:,} bytes ({act:,} elements; input {inp:,})\n"
           f"Training estimate (Adam, float32, batch 1): {budget.total:,} bytes = weights "
           f"{budget.weights:,} + gradients {budget.gradients:,} + optimizer "
           f"{budget.optimizer:,} + activations and input {budget.activations:,}\n"
           "Model ▸ Memory Budget… for other batch sizes, optimizers and precisions.")
    if summary.unknown_cost_rows:
        line += f" · {summary.unknown_cost_rows} of unknown size left out"
    return line, tip


def totals_text(summary: Summary) -> str:
    """The three totals lines of Keras's summary, on one line (and the buffer elements in
    PyTorch's convention)."""
    def part(label: str, n: int) -> str:
        return f"{label}: <b>{style.format_count(n)}</b> ({style.format_bytes(4 * n)})"
    unresolved = sum(1 for r in summary.rows if r.failed)
    text = " · ".join((part("Total params", summary.total) + partial_note(unresolved),
                       part("Trainable", summary.trainable),
                       part("Non-trainable", summary.non_trainable)))
    if summary.convention == "pytorch":
        text += f" · Buffers: <b>{style.format_count(summary.buffers)}</b> (not parameters)"
    return text


class SummaryPanel(QWidget):
    """The table and a totals line.

    Signals:
        selection_changed(list): the user selected rows; the layer ids, in row order.
    """

    selection_changed = Signal(list)

    def __init__(self, document: Document, editor: Editor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = SummaryTableModel(document, editor, self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.setAlternatingRowColors(True)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        self.view.setWordWrap(False)
        self.totals_label = QLabel(self)
        self.totals_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        layout.addWidget(self.totals_label)
        self._quiet = False
        self._kept: list[str] = []
        self.view.selectionModel().selectionChanged.connect(self._view_selection_changed)
        self.model.modelAboutToBeReset.connect(self._keep_selection)
        self.model.modelReset.connect(self._restore_selection)
        document.results_changed.connect(self._update_totals)
        self._update_totals()
        self.view.setColumnHidden(COL_BUFFERS, not convention.is_pytorch())
        self.set_cost_columns(())
        self.view.resizeColumnsToContents()

    def set_cost_columns(self, keys: tuple[str, ...] | list[str]) -> None:
        """Show the cost columns ``keys`` (of ``core.io.cost_columns.COLUMNS``), hide the
        others: a view setting (View ▸ Columns), not an edit."""
        for col, key in COST_COLS.items():
            self.view.setColumnHidden(col, key not in keys)

    def cost_columns(self) -> list[str]:
        """The cost columns shown, in column order."""
        return [key for col, key in COST_COLS.items() if not self.view.isColumnHidden(col)]

    # ------------------------------------------------------------------ selection
    def selected_ids(self) -> list[str]:
        """Ids of the selected layer rows, in row order (the totals row is not a layer)."""
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        return [n for n in (self.model.node_id(r) for r in rows) if n is not None]

    def select_ids(self, ids: list[str]) -> None:
        """Select the rows of ``ids`` (without emitting ``selection_changed``)."""
        selection = QItemSelection()
        last = self.model.columnCount() - 1
        for node_id in ids:
            row = self.model.row_of(node_id)
            if row >= 0:
                selection.select(self.model.index(row, 0), self.model.index(row, last))
        self._quiet = True
        try:
            self.view.selectionModel().select(
                selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            if ids and self.model.row_of(ids[0]) >= 0:
                self.view.scrollTo(self.model.index(self.model.row_of(ids[0]), 0))
        finally:
            self._quiet = False

    def _view_selection_changed(self, *_args: Any) -> None:
        if not self._quiet:
            self.selection_changed.emit(self.selected_ids())

    def _keep_selection(self) -> None:
        self._kept = self.selected_ids()

    def _restore_selection(self) -> None:
        self.select_ids(self._kept)
        self.view.resizeColumnsToContents()

    def _update_totals(self) -> None:
        line, tip = cost_footer(self.model.summary)
        self.totals_label.setText(totals_text(self.model.summary) + "<br>" + line)
        self.totals_label.setToolTip(tip)

    def set_convention(self, value: str) -> None:
        """Show the counts of convention ``value`` (Keras or PyTorch; a view setting): the
        Buffers column is shown in PyTorch's only."""
        self.model.refresh()
        self.view.setColumnHidden(COL_BUFFERS, value != "pytorch")
        self._update_totals()
        self.view.resizeColumnsToContents()
