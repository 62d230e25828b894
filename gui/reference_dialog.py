"""Help ▸ Layer Reference (F1) and Help ▸ Keyboard Shortcuts: offline pages generated at run
time (``core.layer_reference`` from the catalogue; the shortcuts from the window's actions)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from paramlab.core.layer_reference import layer_page, search
from paramlab.gui.palette import TYPE_ROLE

if TYPE_CHECKING:
    from paramlab.gui.main_window import MainWindow


class LayerReferenceDialog(QDialog):
    """A search box, the matching layer types, and the selected layer's page."""

    def __init__(self, parent: QWidget | None = None, layer_type: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Layer Reference")
        self.search_box = QLineEdit(self)
        self.search_box.setPlaceholderText("Search layers (name, category, description)")
        self.list = QListWidget(self)
        self.page = QTextBrowser(self)
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addWidget(self.page, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search_box)
        layout.addLayout(row)
        self.search_box.textChanged.connect(self._filter)
        self.list.currentTextChanged.connect(self.show_layer)
        self._filter("")
        if layer_type:
            self.show_layer(layer_type)
        self.resize(960, 640)

    def _filter(self, text: str) -> None:
        self.list.clear()
        self.list.addItems(search(text))
        if self.list.count():
            self.list.setCurrentRow(0)

    def show_layer(self, layer_type: str) -> None:
        page = layer_page(layer_type) if layer_type else None
        if page is not None:
            self.page.setMarkdown(page)
            items = self.list.findItems(layer_type, Qt.MatchFlag.MatchExactly)
            if items and self.list.currentItem() is not items[0]:
                self.list.setCurrentItem(items[0])


def shortcuts_markdown(window: QWidget) -> str:
    """A table of every action of ``window`` that has a shortcut."""
    rows = []
    for act in window.findChildren(QAction):
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in act.shortcuts()]
        if keys and act.text():
            rows.append((act.text().replace("&", "").rstrip("…"), ", ".join(keys)))
    rows = sorted(set(rows))
    return "# Keyboard Shortcuts\n\n| action | keys |\n|---|---|\n" + "\n".join(
        f"| {a} | {k} |" for a, k in rows) + "\n"


def install_reference(window: MainWindow) -> None:
    """Add Help ▸ Layer Reference (F1: the page of the palette's current item when the palette
    has the focus, else of the selected layer) and
    Help ▸ Keyboard Shortcuts."""
    bar = window.menuBar()
    help_menu = next((a.menu() for a in bar.actions() if a.text() == "&Help"), None)
    if help_menu is None:
        return

    def current_type() -> str | None:
        tree = window.palette.tree
        if tree.hasFocus() and tree.currentItem() is not None:
            picked = tree.currentItem().data(0, TYPE_ROLE)
            if picked:
                return str(picked)
        ids = window.selected_ids()
        if len(ids) == 1:
            return window.document.graph.raw(ids[0])["type"]
        return None

    def open_reference() -> None:
        window.reference_dialog = LayerReferenceDialog(window, current_type())
        window.reference_dialog.show()

    def open_shortcuts() -> None:
        dialog = QDialog(window)
        dialog.setWindowTitle("Keyboard Shortcuts")
        browser = QTextBrowser(dialog)
        browser.setMarkdown(shortcuts_markdown(window))
        QVBoxLayout(dialog).addWidget(browser)
        dialog.resize(520, 560)
        window.shortcuts_dialog = dialog
        dialog.show()

    first = help_menu.actions()[0] if help_menu.actions() else None
    ref = QAction("Layer &Reference", window)
    ref.setShortcut(QKeySequence("F1"))
    ref.triggered.connect(lambda _c=False: open_reference())
    keys = QAction("&Keyboard Shortcuts", window)
    keys.triggered.connect(lambda _c=False: open_shortcuts())
    help_menu.insertActions(first, [ref, keys])
    window.reference_action, window.shortcuts_action = ref, keys
