"""The layer palette: the catalogue grouped by category, with a filter box.

Dragging a layer carries MIME type :data:`gui.mime.LAYER_TYPE` with the Keras class name
(UTF-8); the canvas accepts the drop. Double-clicking (or Enter on) a layer emits
:attr:`PaletteWidget.layer_activated` so the window can add it without a drag.
"""
from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QBrush, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from paramlab.core.catalogue import specs_by_category
from paramlab.core.spec import CATEGORIES, LayerSpec
from paramlab.gui import mime, style

TYPE_ROLE = Qt.ItemDataRole.UserRole


def layer_tooltip(spec: LayerSpec) -> str:
    """What the layer does and how its parameters are counted (the spec's doc)."""
    inputs = spec.inputs.describe()
    doc = spec.doc or "No description."
    return f"<b>{spec.type}</b> ({spec.category}, {inputs})<br>{doc}"


def layer_mime_data(layer_type: str) -> QMimeData:
    """The drag payload for one palette layer."""
    data = QMimeData()
    data.setData(mime.LAYER_TYPE, layer_type.encode("utf-8"))
    data.setText(layer_type)
    return data


def _swatch(category: str) -> QIcon:
    """A small rounded square in the category's colour (the canvas node's fill)."""
    pixmap = QPixmap(14, 14)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(style.category_border_color(category))
    painter.setBrush(style.category_color(category))
    painter.drawRoundedRect(1, 1, 12, 12, 3, 3)
    painter.end()
    return QIcon(pixmap)


class PaletteTree(QTreeWidget):
    """Categories as top-level items, layer types as their children; layers are draggable."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._populate()

    def _populate(self) -> None:
        groups = specs_by_category()
        ordered = [c for c in CATEGORIES if c in groups] + sorted(set(groups) - set(CATEGORIES))
        for category in ordered:
            head = QTreeWidgetItem(self, [category])
            head.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = head.font(0)
            font.setBold(True)
            head.setFont(0, font)
            head.setForeground(0, QBrush(style.category_border_color(category)))
            swatch = _swatch(category)
            for spec in groups[category]:
                item = QTreeWidgetItem(head, [spec.type])
                item.setData(0, TYPE_ROLE, spec.type)
                item.setToolTip(0, layer_tooltip(spec))
                item.setIcon(0, swatch)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsDragEnabled)
        self.expandAll()

    # Qt overrides: the drag's payload is our MIME type, not Qt's internal item format.
    def mimeTypes(self) -> list[str]:
        return [mime.LAYER_TYPE]

    def mimeData(self, items: Sequence[QTreeWidgetItem]) -> QMimeData:
        types = [it.data(0, TYPE_ROLE) for it in items if it.data(0, TYPE_ROLE)]
        return layer_mime_data(types[0] if types else "")

    # ------------------------------------------------------------------ queries
    def layer_item(self, layer_type: str) -> QTreeWidgetItem | None:
        """The item of ``layer_type``, or ``None``."""
        for i in range(self.topLevelItemCount()):
            head = self.topLevelItem(i)
            for j in range(head.childCount()):
                if head.child(j).data(0, TYPE_ROLE) == layer_type:
                    return head.child(j)
        return None

    def visible_types(self) -> list[str]:
        """Layer types not hidden by the filter, in palette order."""
        out = []
        for i in range(self.topLevelItemCount()):
            head = self.topLevelItem(i)
            for j in range(head.childCount()):
                child = head.child(j)
                if not child.isHidden():
                    out.append(child.data(0, TYPE_ROLE))
        return out

    def apply_filter(self, text: str) -> None:
        """Show layers whose type or category contains ``text`` (any case); hide empty
        categories."""
        needle = text.strip().lower()
        for i in range(self.topLevelItemCount()):
            head = self.topLevelItem(i)
            category_hit = needle in head.text(0).lower()
            shown = 0
            for j in range(head.childCount()):
                child = head.child(j)
                hit = (not needle or category_hit or needle in child.text(0).lower())
                child.setHidden(not hit)
                shown += hit
            head.setHidden(shown == 0)


class PaletteWidget(QWidget):
    """Filter box above the palette tree.

    Signals:
        layer_activated(str): a layer type was double-clicked or chosen with Enter.
    """

    layer_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter layers…")
        self.filter_edit.setClearButtonEnabled(True)
        self.tree = PaletteTree(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.tree)
        self.filter_edit.textChanged.connect(self.tree.apply_filter)
        self.tree.itemActivated.connect(self._activated)

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        layer_type = item.data(0, TYPE_ROLE)
        if layer_type:
            self.layer_activated.emit(layer_type)
