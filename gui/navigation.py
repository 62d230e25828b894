"""Finding one's way in a large model: Group Blocks, Expand/Collapse All, Find Layer,
and the overview (minimap) dock. All view state: nothing here edits the model.

:func:`install_navigation` adds the actions to the window's View menu and returns them in
a :class:`Navigation` record (tests ``trigger()`` them).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QColor,
    QGuiApplication,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPen,
    QTransform,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QLineEdit,
    QToolBar,
    QToolButton,
    QWidget,
)

if TYPE_CHECKING:
    from paramlab.gui.canvas.view import CanvasView
    from paramlab.gui.main_window import MainWindow

STATUS_MS = 6000


class FindBar(QToolBar):
    """Find Layer (Ctrl+F): type part of a layer's name or type; Enter jumps to the next
    match, Shift+Enter to the previous one, Escape closes. The match is selected (its
    block or nested model when folded) and scrolled into view."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__("Find", window)
        self.setObjectName("find_bar")
        self.setMovable(False)
        self._window = window
        self.edit = QLineEdit(self)
        self.edit.setObjectName("find_layer")
        self.edit.setPlaceholderText("Find layer by name or type…")
        self.edit.setClearButtonEnabled(True)
        self.count = QLabel(self)
        close = QToolButton(self)
        close.setText("✕")
        close.setToolTip("Close (Escape)")
        close.clicked.connect(self.hide)
        self.addWidget(QLabel(" Find: ", self))
        self.addWidget(self.edit)
        self.addWidget(self.count)
        self.addWidget(close)
        self.edit.returnPressed.connect(self._enter)
        self.edit.textChanged.connect(self._restart)
        self._index = -1
        self.hide()

    def matches(self) -> list[str]:
        """Ids of the layers whose name or type contains the text (any case), in order."""
        needle = self.edit.text().strip().lower()
        if not needle:
            return []
        graph = self._window.document.graph
        return [n for n in graph.topological_order()
                if needle in graph.raw(n)["name"].lower() or needle in graph.raw(n)["type"].lower()]

    def open(self) -> None:
        self.show()
        self.edit.setFocus()
        self.edit.selectAll()

    def _restart(self) -> None:
        self._index = -1
        found = self.matches()
        self.count.setText(f"{len(found)} found" if self.edit.text().strip() else "")

    def _enter(self) -> None:
        shift = QGuiApplication.keyboardModifiers() & Qt.KeyboardModifier.ShiftModifier
        self.next_match(-1 if shift else 1)

    def next_match(self, step: int = 1) -> str | None:
        """Select and show the next (``step`` 1) or previous (-1) match; its id, or None."""
        found = self.matches()
        if not found:
            self.count.setText("no match")
            return None
        self._index = (self._index + step) % len(found)
        node_id = found[self._index]
        self._window.select_ids([node_id])
        self._window.canvas.center_on_ids([node_id])
        self.count.setText(f"{self._index + 1} of {len(found)}")
        return node_id

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.hide()
            self._window.canvas.setFocus()
            return
        super().keyPressEvent(event)


class Minimap(QWidget):
    """The whole model, small (the canvas's recorded overview picture), with the main
    view's visible area outlined; click or drag in it to move the main view there. It is
    redrawn at most every ``REFRESH_MS`` after the model changes (an overview need not
    follow every keystroke), at once when the main view scrolls."""

    REFRESH_MS = 300

    def __init__(self, canvas: CanvasView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._canvas = canvas
        self.setObjectName("minimap")
        self.setMinimumHeight(120)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.REFRESH_MS)
        self._timer.timeout.connect(self.update)
        canvas.canvas_scene().changed.connect(lambda *_: self._timer.start())
        for bar in (canvas.horizontalScrollBar(), canvas.verticalScrollBar()):
            bar.valueChanged.connect(self.update)

    def _transform(self) -> QTransform | None:
        """Scene to widget: the model's rect fitted into the widget."""
        rect = self._canvas.overview.rect
        if rect.isEmpty():
            self._canvas.overview.picture()
            rect = self._canvas.overview.rect
        if rect.isEmpty():
            return None
        rect = rect.adjusted(-20, -20, 20, 20)
        scale = min(self.width() / rect.width(), self.height() / rect.height())
        t = QTransform()
        t.translate((self.width() - rect.width() * scale) / 2, (self.height() - rect.height()
                                                                 * scale) / 2)
        t.scale(scale, scale)
        t.translate(-rect.left(), -rect.top())
        return t

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(255, 255, 255))
        picture = self._canvas.overview.picture()
        t = self._transform()
        if t is not None:
            painter.setTransform(t)
            painter.drawPicture(0, 0, picture)
            painter.setPen(QPen(QColor(30, 110, 220), 0))
            painter.setBrush(QColor(30, 110, 220, 40))
            painter.drawRect(self._canvas.visible_scene_rect())
        painter.end()

    def fit(self) -> None:
        self.update()

    def _go(self, event: QMouseEvent) -> None:
        t = self._transform()
        if t is not None:
            inverse, ok = t.inverted()
            if ok:
                self._canvas.centerOn(inverse.map(event.position()))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._go(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._go(event)


@dataclass
class Navigation:
    group_blocks: QAction
    expand_all: QAction
    collapse_all: QAction
    find: QAction
    find_bar: FindBar
    minimap: Minimap
    minimap_dock: QDockWidget


def install_navigation(window: MainWindow) -> Navigation:
    """Add Group Blocks, Expand All, Collapse All, Find Layer and the Overview dock."""
    view_menu = next(a.menu() for a in window.menuBar().actions()
                     if a.menu() is not None and a.text().replace("&", "") == "View")
    scene = window.scene()

    def group(checked: bool) -> None:
        count = scene.blocks.set_enabled(checked)
        if checked and not count:
            window.statusBar().showMessage(
                "No repeated blocks found (Keras names them conv2_block1_…, block_3_…, "
                "stage2_unit1_…)", STATUS_MS)
            group_blocks.setChecked(False)
        elif checked:
            window.statusBar().showMessage(f"Grouped {count} blocks", STATUS_MS)
        window.canvas.zoom_to_fit()

    def set_all(collapsed: bool) -> None:
        if scene.blocks.enabled:
            scene.blocks.set_all(collapsed)
        for name in scene.groups():
            window.editor.set_group_collapsed(name, collapsed)
        window.canvas.zoom_to_fit()

    group_blocks = QAction("&Group Blocks", window)
    group_blocks.setCheckable(True)
    group_blocks.setShortcut(QKeySequence("Ctrl+G"))
    group_blocks.setStatusTip("Fold repeated blocks (conv2_block1_…, block_3_…) into one node "
                              "each, with their subtotals")
    group_blocks.toggled.connect(group)
    expand_all = QAction("&Expand All", window)
    expand_all.triggered.connect(lambda: set_all(False))
    collapse_all = QAction("&Collapse All", window)
    collapse_all.triggered.connect(lambda: set_all(True))
    find_bar = FindBar(window)
    find = QAction("&Find Layer…", window)
    find.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Find)
                      or [QKeySequence("Ctrl+F")])
    find.triggered.connect(find_bar.open)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, find_bar)
    minimap = Minimap(window.canvas)
    dock = QDockWidget("Overview", window)
    dock.setObjectName("overview_dock")
    dock.setWidget(minimap)
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
    first = view_menu.actions()[0] if view_menu.actions() else None
    for act in (find, group_blocks, expand_all, collapse_all):
        view_menu.insertAction(first, act)
    view_menu.insertSeparator(first)
    view_menu.addAction(dock.toggleViewAction())
    return Navigation(group_blocks, expand_all, collapse_all, find, find_bar, minimap, dock)


__all__ = ["FindBar", "Minimap", "Navigation", "install_navigation"]
