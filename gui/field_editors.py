"""One small editor widget per :class:`core.fields.FieldKind`, built from a ``FieldSpec``.

Each editor shows a value (:meth:`FieldEditor.set_value`, which never emits) and emits
:attr:`FieldEditor.committed` with the value the user chose. Editors do not validate or
change the model: the properties panel hands the value to ``gui.editor.Editor``, which
validates it with the same ``FieldSpec`` and refuses it with a message if it is wrong.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from paramlab.core.catalogue.common import NumberOrListField
from paramlab.core.fields import FieldKind, FieldSpec
from paramlab.core.text import MAX_RANK, elide_value, format_number, is_finite_number

INT_MIN, INT_MAX = -(2**31) + 1, 2**31 - 1  # QSpinBox holds a C int
NONE_TEXT = "None"


class FieldEditor(QWidget):
    """Base: a row widget for one field. Signals: committed(object)."""

    committed = Signal(object)

    def __init__(self, field: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        # One line high, always: a long form scrolls instead of squashing its rows.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        if field.doc:
            self.setToolTip(field.doc)

    def set_value(self, value: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


def _int_spin(field: FieldSpec, parent: QWidget) -> QSpinBox:
    spin = QSpinBox(parent)
    low = INT_MIN if field.minimum is None else max(INT_MIN, int(field.minimum))
    high = INT_MAX if field.maximum is None else min(INT_MAX, int(field.maximum))
    spin.setRange(low, high)
    spin.setKeyboardTracking(False)  # typing "60" commits 60 on Enter, not 6 then 60
    spin.setAccelerated(True)
    return spin


class _SpinEditor(FieldEditor):
    """A spin box; for an optional field its lowest step reads ``None`` and commits None."""

    def _install(self, spin: QSpinBox | QDoubleSpinBox, none_below: float) -> None:
        self.spin = spin
        if self.field.optional:
            spin.setMinimum(none_below)
            spin.setSpecialValueText(NONE_TEXT)
        self._layout.addWidget(spin)
        spin.valueChanged.connect(self._changed)

    def _convert(self, value: Any) -> Any:
        raise NotImplementedError

    def _changed(self, value: float) -> None:
        if self.field.optional and value == self.spin.minimum():
            self.committed.emit(None)
        else:
            self.committed.emit(value)

    def set_value(self, value: Any) -> None:
        """Show ``value``; one the spin box cannot hold (beyond its range, beyond a C int,
        not finite: a file can say ``units: 1e100``) shows the nearest end of the range
        and says so in the tooltip; the layer's diagnostic says what is wrong."""
        spin = self.spin
        spin.blockSignals(True)
        try:
            if value is None or isinstance(value, bool) or not (
                    isinstance(value, int) or is_finite_number(value)):
                spin.setValue(spin.minimum())
                spin.setToolTip(self.field.doc if value is None or not isinstance(
                    value, (int, float)) or isinstance(value, bool) else
                    f"{self.field.name} is {format_number(value)}: not a finite number")
                return
            shown = min(max(value, spin.minimum()), spin.maximum())
            spin.setValue(self._convert(shown))
            spin.setToolTip(self.field.doc if shown == value else
                            f"{self.field.name} is {format_number(value)}, outside "
                            f"{format_number(spin.minimum())} … {format_number(spin.maximum())}")
        finally:
            spin.blockSignals(False)


class IntEditor(_SpinEditor):
    """QSpinBox with the field's range; an optional field's lowest step reads ``None``."""

    def __init__(self, field: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        spin = _int_spin(field, self)
        self._install(spin, max(INT_MIN, spin.minimum() - 1))

    def _convert(self, value: Any) -> int:
        return int(value)


class FloatEditor(_SpinEditor):
    """QDoubleSpinBox with the field's range (6 decimals: epsilon is 0.001)."""

    def __init__(self, field: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        spin = QDoubleSpinBox(self)
        spin.setDecimals(6)
        low = -1e12 if field.minimum is None else float(field.minimum)
        high = 1e12 if field.maximum is None else float(field.maximum)
        spin.setRange(low, high)
        spin.setSingleStep(0.05 if high - low <= 1.0 else 1.0)
        spin.setKeyboardTracking(False)
        self._install(spin, low - spin.singleStep())

    def _convert(self, value: Any) -> float:
        return float(value)


class BoolEditor(FieldEditor):
    def __init__(self, field: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.check = QCheckBox(self)
        self._layout.addWidget(self.check)
        self.check.toggled.connect(lambda on: self.committed.emit(bool(on)))

    def set_value(self, value: Any) -> None:
        self.check.blockSignals(True)
        self.check.setChecked(bool(value))
        self.check.blockSignals(False)


class ChoiceEditor(FieldEditor):
    """QComboBox of the field's choices (``None`` reads ``None``)."""

    def __init__(self, field: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.combo = QComboBox(self)
        for choice in field.choices:
            self.combo.addItem(NONE_TEXT if choice is None else str(choice), choice)
        self._layout.addWidget(self.combo)
        self.combo.activated.connect(lambda i: self.committed.emit(self.combo.itemData(i)))

    def set_value(self, value: Any) -> None:
        self.combo.blockSignals(True)
        index = self.combo.findData(value)
        if index < 0:  # an imported value outside the list: show it as it is
            self.combo.addItem(str(value), value)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(index)
        self.combo.blockSignals(False)


class StrEditor(FieldEditor):
    """A line edit; with suggested choices (``activation``) an editable combo box, since
    Keras accepts any registered name. An empty text is ``None`` for an optional field."""

    def __init__(self, field: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.combo: QComboBox | None = None
        if field.choices:
            self.combo = QComboBox(self)
            self.combo.setEditable(True)
            self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            for choice in field.choices:
                self.combo.addItem(NONE_TEXT if choice is None else str(choice), choice)
            self.line = self.combo.lineEdit()
            self._layout.addWidget(self.combo)
            self.combo.activated.connect(lambda i: self._commit_text(self.combo.itemText(i)))
        else:
            self.line = QLineEdit(self)
            self._layout.addWidget(self.line)
        self.line.editingFinished.connect(lambda: self._commit_text(self.line.text()))

    def _commit_text(self, text: str) -> None:
        text = text.strip()
        if self.field.optional and text in ("", NONE_TEXT):
            self.committed.emit(None)
        else:
            self.committed.emit(text)

    def set_value(self, value: Any) -> None:
        text = NONE_TEXT if value is None else value if isinstance(value, str) else \
            elide_value(value)
        if self.combo is not None:
            self.combo.blockSignals(True)
            index = self.combo.findText(text)
            if index >= 0:
                self.combo.setCurrentIndex(index)
            self.combo.setEditText(text)
            self.combo.blockSignals(False)
        else:
            self.line.blockSignals(True)
            self.line.setText("" if value is None else text)
            self.line.blockSignals(False)


class IntsEditor(FieldEditor):
    """A row of ``rank`` spin boxes (``kernel_size``, ``strides``); an optional field gets
    a leading "auto" check box that means ``None`` (e.g. pooling ``strides``)."""

    def __init__(self, field: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.auto: QCheckBox | None = None
        if field.optional:
            self.auto = QCheckBox("auto", self)
            self.auto.setToolTip(f"{field.name} = None (Keras's default)")
            self._layout.addWidget(self.auto)
            self.auto.toggled.connect(self._auto_toggled)
        self.spins = [_int_spin(field, self) for _ in range(max(1, field.rank))]
        for spin in self.spins:
            self._layout.addWidget(spin)
            spin.valueChanged.connect(self._changed)

    def _current(self) -> Any:
        if self.auto is not None and self.auto.isChecked():
            return None
        return tuple(s.value() for s in self.spins)

    def _changed(self, _value: int = 0) -> None:
        self.committed.emit(self._current())

    def _auto_toggled(self, on: bool) -> None:
        for spin in self.spins:
            spin.setEnabled(not on)
        self._changed()

    def set_value(self, value: Any) -> None:
        widgets: list[QWidget] = [*self.spins] + ([self.auto] if self.auto else [])
        for w in widgets:
            w.blockSignals(True)
        if value is None:
            if self.auto is not None:
                self.auto.setChecked(True)
            for spin in self.spins:
                spin.setEnabled(self.auto is None)
        else:
            if self.auto is not None:
                self.auto.setChecked(False)
            items = value if isinstance(value, (list, tuple)) else (value,) * len(self.spins)
            for spin, v in zip(self.spins, items):
                spin.setEnabled(True)
                if isinstance(v, int) and not isinstance(v, bool):
                    spin.setValue(min(max(v, spin.minimum()), spin.maximum()))
        for w in widgets:
            w.blockSignals(False)


def format_shape_text(value: Any) -> str:
    """``(28, 28, 1)`` -> ``"28, 28, 1"``; ``None`` entries read ``None``."""
    if value is None:
        return NONE_TEXT
    if isinstance(value, (list, tuple)) and len(value) <= MAX_RANK and all(
            v is None or (type(v) is int and abs(v) < 10**15) for v in value):
        return ", ".join(NONE_TEXT if v is None else str(v) for v in value)
    return elide_value(value)  # not a shape (the layer's diagnostic says why): bounded text


def parse_shape_text(text: str) -> Any:
    """``"28, 28, 1"`` or ``"(28, 28, 1)"`` -> ``(28, 28, 1)``; ``None``/``null`` entries
    are ``None``. Text that is not a list of whole numbers is returned as it is, so the
    field's validation can say what is wrong."""
    body = text.strip().strip("()[]")
    if not body:
        return ()
    out: list[Any] = []
    for part in body.split(","):
        part = part.strip()
        if not part:
            continue
        if part.lower() in ("none", "null"):
            out.append(None)
            continue
        try:
            out.append(int(part))
        except ValueError:
            return text.strip()
    return tuple(out)


class ShapeEditor(FieldEditor):
    """A line edit for a tuple of any length (``shape``, ``target_shape``): ``28, 28, 1``."""

    def __init__(self, field: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.line = QLineEdit(self)
        self.line.setPlaceholderText("e.g. 28, 28, 1")
        self._layout.addWidget(self.line)
        self.line.editingFinished.connect(self._commit)

    def _commit(self) -> None:
        text = self.line.text()
        if self.field.optional and text.strip() in ("", NONE_TEXT):
            self.committed.emit(None)
        else:
            self.committed.emit(parse_shape_text(text))

    def set_value(self, value: Any) -> None:
        self.line.blockSignals(True)
        self.line.setText(format_shape_text(value))
        self.line.blockSignals(False)


def format_numbers_text(value: Any) -> str:
    """``0.2`` -> ``"0.2"``; ``(-0.2, 0.2)`` -> ``"-0.2, 0.2"`` (shortest exact digits)."""
    if value is None:
        return NONE_TEXT
    items = value if isinstance(value, (list, tuple)) else (value,)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) and is_finite_number(v)
           for v in items):
        return ", ".join(repr(v) for v in items)
    return elide_value(value)  # not numbers (the layer's diagnostic says why): bounded text


def parse_numbers_text(text: str) -> Any:
    """``"0.2"`` -> ``0.2``; ``"-0.2, 0.2"`` or ``"(-0.2, 0.2)"`` -> ``(-0.2, 0.2)``. Text
    that is not numbers is returned as it is, so the field's validation can say what is
    wrong."""
    body = text.strip().strip("()[]")
    parts = [p.strip() for p in body.split(",") if p.strip()]
    try:
        numbers = tuple(float(p) for p in parts)
    except ValueError:
        return text.strip()
    if len(numbers) == 1 and "," not in body:
        return numbers[0]
    return numbers


class NumbersEditor(FieldEditor):
    """A line edit for a number or a list of numbers (Rescaling's per-channel ``scale``,
    an augmentation's ``factor`` as ``lower, upper``): ``0.2`` or ``-0.2, 0.2``. Empty is
    ``None`` for an optional field."""

    def __init__(self, field: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.line = QLineEdit(self)
        self.line.setPlaceholderText("None" if field.optional else "e.g. 0.2 or -0.2, 0.2")
        self._layout.addWidget(self.line)
        self.line.editingFinished.connect(self._commit)

    def _commit(self) -> None:
        text = self.line.text().strip()
        if self.field.optional and text in ("", NONE_TEXT):
            self.committed.emit(None)
        else:
            self.committed.emit(parse_numbers_text(text))

    def set_value(self, value: Any) -> None:
        self.line.blockSignals(True)
        self.line.setText("" if value is None and self.field.optional
                          else format_numbers_text(value))
        self.line.blockSignals(False)


_EDITORS: dict[FieldKind, type[FieldEditor]] = {
    FieldKind.INT: IntEditor,
    FieldKind.FLOAT: FloatEditor,
    FieldKind.BOOL: BoolEditor,
    FieldKind.CHOICE: ChoiceEditor,
    FieldKind.STR: StrEditor,
    FieldKind.INTS: IntsEditor,
    FieldKind.SHAPE: ShapeEditor,
}


def make_field_editor(field: FieldSpec, parent: QWidget | None = None) -> FieldEditor:
    """The editor widget that suits ``field.kind`` (a number-or-list field: a line edit)."""
    if isinstance(field, NumberOrListField):
        return NumbersEditor(field, parent)
    return _EDITORS[field.kind](field, parent)
