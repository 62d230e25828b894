"""``CanvasView``: the widget showing a :class:`CanvasScene` — zoom, pan, palette drops.

Zoom: Ctrl+wheel (around the mouse), :meth:`zoom_in`, :meth:`zoom_out`,
:meth:`zoom_to_fit`. Pan: drag with the middle button, or hold Space and drag with the left
button. A drop carrying ``gui.mime.LAYER_TYPE`` (a Keras class name, UTF-8) is reported
as the scene's ``layer_dropped``. Rename: an inline editor over the node's title
(:meth:`start_rename`); Enter or leaving it reports ``rename_committed``, Escape cancels.
Like the scene, the view never edits: ``gui.editor.Editor.attach_canvas`` wires its
gestures to the editor (the editor given here, or one of its own).
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRectF, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsView, QLineEdit, QWidget

from paramlab.gui import mime
from paramlab.gui.canvas.overview import Overview
from paramlab.gui.canvas.painting import LOD_THRESHOLD, text_line_rect
from paramlab.gui.canvas.scene import CanvasScene
from paramlab.gui.document import Document
from paramlab.gui.editor import Editor

ZOOM_STEP = 1.2
MIN_SCALE = 0.03
MAX_SCALE = 5.0
PAN_MARGIN = 2000.0  # scene units of free space around the model
FIT_MAX_SCALE = 1.25  # zoom to fit never blows a small model up beyond this
FIT_MIN_SCALE = 0.5  # ... nor shrinks one below this: node text stays readable


class CanvasView(QGraphicsView):
    """The canvas widget of ``document``; its gestures become edits in ``editor``.

    Signals:
        rename_committed(node_id, name): the inline name editor was accepted.
    """

    rename_committed = Signal(str, str)

    def __init__(self, document: Document, parent: QWidget | None = None,
                 editor: Editor | None = None) -> None:
        super().__init__(parent)
        self._scene = CanvasScene(document, self)
        self.setScene(self._scene)
        self.editor = editor if editor is not None else Editor(document)
        self.editor.attach_canvas(self)
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._pan_from: QPoint | None = None
        self._space = False
        self._rename_editor: QLineEdit | None = None
        self._rename_id: str | None = None
        self._fit_transform: QTransform | None = None  # the transform of the last fit
        self.overview = Overview(self._scene)  # level of detail: the zoomed-out drawing
        document.reset.connect(self.zoom_to_fit)
        document.reset.connect(self.cancel_rename)
        document.layer_removed.connect(self._layer_removed)
        self._scene.rename_requested.connect(self.start_rename)
        # Room to pan beyond the model's edges (the scene's own rect only grows to fit items).
        self._scene.sceneRectChanged.connect(self._update_scene_rect)
        self._update_scene_rect()
        # The scene dies with the view; its destructor deselects every item, which would
        # emit selectionChanged into listeners that may already be half destroyed.
        scene = self._scene
        self.destroyed.connect(lambda *_: scene.blockSignals(True))

    def _update_scene_rect(self, *_: object) -> None:
        m = PAN_MARGIN
        self.setSceneRect(self._scene.sceneRect().adjusted(-m, -m, m, m))

    def canvas_scene(self) -> CanvasScene:
        return self._scene

    # ------------------------------------------------------------------ zoom
    def scale_factor(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float) -> None:
        self.finish_rename()
        current = self.scale_factor()
        target = min(MAX_SCALE, max(MIN_SCALE, current * factor))
        if target != current:
            self.scale(target / current, target / current)

    def zoom_in(self) -> None:
        self.zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self.zoom_by(1 / ZOOM_STEP)

    def zoom_to_fit(self) -> None:
        """Show the model as large as fits, keeping its text readable.

        A model that fits whole at ``FIT_MIN_SCALE`` or more is shown whole (never
        magnified beyond ``FIT_MAX_SCALE``). A larger one (ResNet50, DenseNet121) is shown
        at ``FIT_MIN_SCALE``, the smallest readable zoom (its whole width when that fits),
        centred, with its inputs at the top: scroll for the rest, or use the overview.
        """
        rect = self._scene.visible_items_rect()
        if rect.isEmpty():
            self.resetTransform()
            return
        rect = rect.adjusted(-40, -40, 40, 40)
        port = self.viewport().rect()
        whole = min(port.width() / rect.width(), port.height() / rect.height())
        self.resetTransform()
        if whole >= FIT_MIN_SCALE:
            scale = min(whole, FIT_MAX_SCALE)
            self.scale(scale, scale)
            self.centerOn(rect.center())
        else:  # as much as stays readable: the width if it fits at this scale, else scroll
            scale = FIT_MIN_SCALE
            self.scale(scale, scale)
            half = port.height() / scale / 2
            self.centerOn(rect.center().x(), rect.top() + half)
        self._fit_transform = self.transform()

    def is_at_fit(self) -> bool:
        """True while the zoom is the one :meth:`zoom_to_fit` chose last."""
        return self._fit_transform is not None and self.transform() == self._fit_transform

    def center_on_ids(self, ids: list[str]) -> None:
        """Centre the view on the (first) shown item of ``ids``, zooming in to a readable
        scale first if the view is zoomed out further (Find Layer)."""
        for n in ids:
            item = self._scene.owner_item(n)
            if item is not None:
                if self.scale_factor() < FIT_MIN_SCALE:
                    self.zoom_by(1.0 / self.scale_factor())
                self.centerOn(item)
                return

    def show_ids(self, ids: list[str]) -> None:
        """Scroll so the (first) item of ``ids`` is visible."""
        for n in ids:
            item = self._scene.owner_item(n)
            if item is not None:
                self.ensureVisible(item.sceneBoundingRect(), 40, 40)
                return

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.zoom_by(ZOOM_STEP ** steps)
            event.accept()
            return
        super().wheelEvent(event)

    # ------------------------------------------------------------------ pan
    def _start_pan(self, event: QMouseEvent) -> None:
        self._pan_from = event.position().toPoint()
        self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton or (
                event.button() == Qt.MouseButton.LeftButton and self._space):
            self._start_pan(event)
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            pos = event.position().toPoint()
            delta = pos - self._pan_from
            self._pan_from = pos
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    # ------------------------------------------------------------------ palette drops
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(mime.LAYER_TYPE):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(mime.LAYER_TYPE):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        data = event.mimeData()
        if not data.hasFormat(mime.LAYER_TYPE):
            event.ignore()
            return
        type_name = bytes(data.data(mime.LAYER_TYPE).data()).decode("utf-8", errors="replace")
        scene_pos = self.mapToScene(event.position().toPoint())
        event.acceptProposedAction()
        self._scene.layer_dropped.emit(type_name, scene_pos)
        self.setFocus()

    # ------------------------------------------------------------------ rename
    def rename_editor(self) -> QLineEdit | None:
        """The open inline name editor, or ``None``."""
        return self._rename_editor

    def start_rename(self, node_id: str) -> QLineEdit | None:
        """Open an inline editor over layer ``node_id``'s title, its name selected.

        Enter or moving the focus away reports ``rename_committed`` (the editor makes it
        one undo step; an empty or taken name is refused with the document's
        ``edit_refused`` and the name stays); Escape cancels.

        Returns:
            The editor, or ``None`` when the layer is not shown.
        """
        self.finish_rename()
        item = self._scene.layer_item(node_id)
        if item is None or not item.isVisible():
            return None
        self.ensureVisible(item.sceneBoundingRect(), 20, 20)
        editor = QLineEdit(self.viewport())
        editor.setObjectName("rename_editor")
        editor.setText(self._scene.document.graph.raw(node_id)["name"])
        editor.selectAll()
        editor.setAlignment(Qt.AlignmentFlag.AlignCenter)
        editor.setToolTip("New layer name: Enter renames, Escape cancels")
        rect = self.mapFromScene(item.mapToScene(text_line_rect(0))).boundingRect()
        height = max(rect.height(), editor.sizeHint().height())
        width = max(rect.width(), 120)
        editor.setGeometry(rect.center().x() - width // 2, rect.center().y() - height // 2,
                           width, height)
        editor.installEventFilter(self)
        # returnPressed too: editingFinished skips an Enter that changed nothing
        editor.returnPressed.connect(self.finish_rename)
        editor.editingFinished.connect(self.finish_rename)
        self._rename_editor, self._rename_id = editor, node_id
        editor.show()
        editor.setFocus(Qt.FocusReason.OtherFocusReason)
        return editor

    def finish_rename(self) -> bool:
        """Close the editor and report its text as the layer's new name; True if the
        name changed."""
        editor, node_id = self._close_rename()
        if editor is None or node_id is None:
            return False
        graph = self._scene.document.graph
        before = graph.raw(node_id)["name"] if node_id in graph else None
        self.rename_committed.emit(node_id, editor.text())
        return node_id in graph and graph.raw(node_id)["name"] != before

    def cancel_rename(self) -> None:
        """Close the editor without renaming."""
        self._close_rename()

    def _close_rename(self) -> tuple[QLineEdit | None, str | None]:
        # Cleared first: hiding the editor moves the focus, which emits editingFinished.
        editor, node_id = self._rename_editor, self._rename_id
        self._rename_editor = self._rename_id = None
        if editor is not None:
            had_focus = editor.hasFocus()
            editor.returnPressed.disconnect(self.finish_rename)
            editor.editingFinished.disconnect(self.finish_rename)
            editor.removeEventFilter(self)
            editor.hide()
            editor.deleteLater()
            if had_focus:  # Enter or Escape: back to the canvas; never steal it otherwise
                self.setFocus()
        return editor, node_id

    def _layer_removed(self, node_id: str) -> None:
        if node_id == self._rename_id:
            self.cancel_rename()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self._rename_editor and event.type() == QEvent.Type.KeyPress
                and event.key() == Qt.Key.Key_Escape):
            self.cancel_rename()
            return True
        return super().eventFilter(watched, event)

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.finish_rename()  # the editor sits over the node; it would not follow it
        super().scrollContentsBy(dx, dy)

    def paintEvent(self, event) -> None:
        # Level of detail: below LOD_THRESHOLD one recorded picture draws every item.
        self.overview.set_plain(self.scale_factor() < LOD_THRESHOLD)
        super().paintEvent(event)

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawBackground(painter, rect)
        if self.overview.plain:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            self.overview.draw(painter)

    def visible_scene_rect(self) -> QRectF:
        return self.mapToScene(self.viewport().rect()).boundingRect()
