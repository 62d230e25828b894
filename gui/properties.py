"""The properties panel: the selected layer's name, ``trainable`` flag and config
arguments, generated from the catalogue's field specs, with its output shape, counts,
the formula of its parameter count and its diagnostic.

The panel keeps no values of its own: it reads the graph and the propagation result
whenever the document says they changed, and sends every change to ``gui.editor.Editor``.
"""
from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from paramlab.core.catalogue import get_spec
from paramlab.core.catalogue.recurrent import nested_summary
from paramlab.core.mac_formula import mac_formula
from paramlab.core.opaque import OPAQUE_FIELDS
from paramlab.core.types import Severity, format_outputs
from paramlab.gui import convention, style
from paramlab.gui.document import Document
from paramlab.gui.editor import Editor
from paramlab.gui.field_editors import FieldEditor, make_field_editor

_ABSENT = object()


def _show(label: QLabel, text: str) -> None:
    """Set a label's text; an empty label takes no room."""
    label.setText(text)
    label.setVisible(bool(text))


class PropertiesPanel(QScrollArea):
    """Editor of one layer (``set_layer``); shows a hint when none or several are selected."""

    def __init__(self, document: Document, editor: Editor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result_hooks: list[Any] = []
        self.document = document
        self.editor = editor
        self.node_id: str | None = None
        self._committing = False
        self.field_editors: dict[str, FieldEditor] = {}
        self.setWidgetResizable(True)
        self.setMinimumWidth(260)

        self.body = QWidget()
        outer = QVBoxLayout(self.body)
        # The body is never squeezed below its layout's minimum: a long form (Conv2D has
        # a dozen arguments) scrolls instead of overlapping rows.
        outer.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.doc_label = QLabel()
        self.doc_label.setWordWrap(True)

        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.name_edit = QLineEdit()
        self.name_edit.setToolTip("The layer's unique name (Keras's name=...); Enter renames.")
        self.trainable_check = QCheckBox("trainable")
        self.trainable_check.setToolTip(
            "Unchecked freezes the layer: all its weights become non-trainable.")

        # Every label wraps: one that does not (a multi-output shape list, the PyTorch
        # counts line) widens the whole body past the dock, and every other line is cut.
        self.shape_label = QLabel()
        self.shape_label.setWordWrap(True)
        self.counts_label = QLabel()
        self.counts_label.setWordWrap(True)
        self.formula_caption = QLabel("<i>How this count is derived</i>")
        self.formula_caption.setWordWrap(True)
        self.formula_label = QLabel()
        self.formula_label.setFont(style.monospace_font())
        self.formula_label.setWordWrap(True)
        # MACs of one call, with the numbers substituted (core/mac_formula.py)
        self.macs_caption = QLabel("<i>Compute (MACs, batch 1; FLOPs = 2 × MACs)</i>")
        self.macs_caption.setWordWrap(True)
        self.macs_label = QLabel()
        self.macs_label.setFont(style.monospace_font())
        self.macs_label.setWordWrap(True)
        self.macs_label.setTextFormat(Qt.TextFormat.PlainText)
        self.reconciliation_label = QLabel()  # where Keras and PyTorch count differently
        self.reconciliation_label.setWordWrap(True)
        self.reconciliation_label.setTextFormat(Qt.TextFormat.RichText)
        self.weights_label = QLabel()
        self.weights_label.setFont(style.monospace_font())
        self.weights_label.setWordWrap(True)
        self.diagnostic_label = QLabel()
        self.diagnostic_label.setWordWrap(True)
        self.diagnostic_label.setStyleSheet(f"color: {style.ERROR_COLOR.name()};")
        self.refused_label = QLabel()
        self.refused_label.setWordWrap(True)
        self.refused_label.setStyleSheet(f"color: {style.ERROR_COLOR.name()};")
        # Results first (what a student looks at), then the arguments that change them.
        for w in (self.title, self.doc_label, self.diagnostic_label, self.shape_label,
                  self.counts_label, self.formula_caption, self.formula_label,
                  self.macs_caption, self.macs_label,
                  self.reconciliation_label, self.weights_label, self.refused_label,
                  self.form_host):
            outer.addWidget(w)
        for w in (self.title, self.doc_label, self.shape_label, self.counts_label,
                  self.weights_label, self.diagnostic_label, self.refused_label):
            w.setTextFormat(Qt.TextFormat.RichText)  # their text is escaped with html.escape
        self.formula_label.setTextFormat(Qt.TextFormat.PlainText)
        outer.addStretch(1)
        self.setWidget(self.body)

        self.name_edit.editingFinished.connect(self._rename)
        self.trainable_check.clicked.connect(self._trainable_clicked)
        document.layer_changed.connect(self._layer_changed)
        document.layer_removed.connect(self._layer_removed)
        document.results_changed.connect(self._refresh_results)
        document.reset.connect(lambda: self.set_layer(None))
        document.edit_refused.connect(self._refused)
        self.set_layer(None)

    # ------------------------------------------------------------------ public
    def set_selection(self, ids: list[str]) -> None:
        """Show the one selected layer, or a hint for none or several."""
        self.set_layer(ids[0] if len(ids) == 1 else None, count=len(ids))

    def set_layer(self, node_id: str | None, count: int = 0) -> None:
        """Build the form for ``node_id`` (``None``: nothing to edit)."""
        if node_id is not None and node_id not in self.document.graph:
            node_id = None
        self.node_id = node_id
        _show(self.refused_label, "")
        self._clear_form()
        has_layer = node_id is not None
        for w in (self.form_host, self.shape_label, self.counts_label, self.formula_caption,
                  self.formula_label, self.macs_caption, self.macs_label):
            w.setVisible(has_layer)
        _show(self.weights_label, "")
        _show(self.diagnostic_label, "")
        _show(self.reconciliation_label, "")
        if not has_layer:
            self.title.setText("<b>No layer selected</b>" if count == 0
                               else f"<b>{count} layers selected</b>")
            self.doc_label.setText("Select one layer on the canvas or in the summary table "
                                   "to edit its arguments.")
            return
        self._build_form()
        self._refresh_values()
        self._refresh_results()

    # ------------------------------------------------------------------ form
    def _clear_form(self) -> None:
        self.field_editors.clear()
        while self.form.rowCount():
            # removeRow deletes the widgets; keep the two permanent editors alive
            row = self.form.takeRow(0)
            for item in (row.labelItem, row.fieldItem):
                w = item.widget() if item is not None else None
                if w is not None and w not in (self.name_edit, self.trainable_check):
                    w.hide()  # deleteLater waits for the event loop; never show it meanwhile
                    w.setParent(None)
                    w.deleteLater()

    def _build_form(self) -> None:
        assert self.node_id is not None
        raw = self.document.graph.raw(self.node_id)
        spec = get_spec(raw["type"])
        self.form.addRow("Name", self.name_edit)
        self.form.addRow("Trainable", self.trainable_check)
        for field in (spec.fields if spec is not None else OPAQUE_FIELDS):
            editor = make_field_editor(field, self.form_host)
            editor.committed.connect(
                lambda value, name=field.name: self._field_committed(name, value))
            self.field_editors[field.name] = editor
            label = QLabel(field.name)
            if field.doc:
                label.setToolTip(field.doc)
            self.form.addRow(label, editor)

    def _refresh_values(self) -> None:
        """Show the graph's current values in every editor (without emitting)."""
        if self.node_id is None:
            return
        raw = self.document.graph.raw(self.node_id)
        spec = get_spec(raw["type"])
        category = spec.category if spec else "unknown type"
        colour = style.category_border_color(spec.category if spec else "").name()
        self.title.setText(f"<b>{html.escape(raw['name'])}</b> — "
                           f"<span style='color:{colour}'>{html.escape(raw['type'])}</span> "
                           f"({html.escape(category)})")
        if spec is None:
            config = ", ".join(f"{k}={v!r}" for k, v in raw["config"].items())
            self.doc_label.setText("ParamLab does not know this layer type and never runs "
                                   "its code: set its output shape and, for a custom class, "
                                   "its parameters below. Its arguments are kept as they "
                                   f"are: {html.escape(config) or 'none'}.")
        else:
            doc = html.escape(spec.doc)
            cells = nested_summary(raw["type"], raw["config"])
            if cells:  # the nested layer is not a field: show what it is, read-only
                doc += f"<br><b>{cells[0]}:</b> {html.escape(cells[1])}"
            self.doc_label.setText(doc)
        self.name_edit.blockSignals(True)
        self.name_edit.setText(raw["name"])
        self.name_edit.blockSignals(False)
        self.trainable_check.blockSignals(True)
        self.trainable_check.setChecked(raw["trainable"])
        self.trainable_check.blockSignals(False)
        for field in (spec.fields if spec is not None else OPAQUE_FIELDS):
            value: Any = raw["config"].get(field.name, _ABSENT)
            self.field_editors[field.name].set_value(field.default if value is _ABSENT else value)

    def _refresh_results(self) -> None:
        if self.node_id is None or self.node_id not in self.document.graph:
            return
        r = self.document.result.layers.get(self.node_id)
        if r is None:
            return
        self.shape_label.setText(
            f"Output shape: <b>{format_outputs(r.output_shape, r.output_shapes)}</b>")
        self.counts_label.setText(convention.counts_text(r))
        self.formula_label.setText(convention.formula_text(r) or "—")
        self.macs_label.setText(mac_formula(r.macs, r.weights, r.input_shapes, r.output_shape))
        line = convention.reconciliation_text(r)
        _show(self.reconciliation_label,
              f"<i>Keras vs PyTorch:</i> {html.escape(line)}" if line else "")
        _show(self.weights_label, convention.tensors_html(r))
        diag = r.diagnostic
        if diag is None:
            _show(self.diagnostic_label, f"Note: {html.escape(r.info)}" if r.info else "")
        else:
            prefix = "Warning" if diag.severity is Severity.WARNING else "Error"
            _show(self.diagnostic_label, f"{prefix}: {html.escape(diag.message)}")
        for hook in self.result_hooks:  # e.g. gui.exercise_mode: shape steps, hidden cells
            hook(self, self.node_id, r)

    def refresh_convention(self, *_args: object) -> None:
        """The Keras/PyTorch convention changed (a view setting): show its counts."""
        self._refresh_results()

    # ------------------------------------------------------------------ intents
    def _field_committed(self, name: str, value: Any) -> None:
        if self.node_id is not None:
            self._send(self.editor.set_field, self.node_id, name, value)

    def _rename(self) -> None:
        if self.node_id is not None:
            self._send(self.editor.rename, self.node_id, self.name_edit.text())

    def _trainable_clicked(self, checked: bool) -> None:
        if self.node_id is not None:
            self._send(self.editor.set_trainable, self.node_id, checked)

    def _send(self, method: Any, *args: Any) -> None:
        """Call an editor method; a refusal it causes is shown in this panel too."""
        self._committing = True
        _show(self.refused_label, "")
        try:
            method(*args)
        finally:
            self._committing = False

    # ------------------------------------------------------------------ document signals
    def _layer_changed(self, node_id: str) -> None:
        if node_id == self.node_id:
            self._refresh_values()

    def _layer_removed(self, node_id: str) -> None:
        if node_id == self.node_id:
            self.set_layer(None)

    def _refused(self, message: str) -> None:
        if self.node_id is None or not self._committing:
            return
        _show(self.refused_label, html.escape(message))
        self._refresh_values()  # show the model's value again, not the refused one
