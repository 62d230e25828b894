"""The main window: palette (left), canvas (centre), properties and summary (right).

The window assembles the panels, keeps the canvas and summary selections in step, shows
totals and refused edits in the status bar, and keeps the title in step with the file.
Menus live in ``gui.actions``, file handling in ``gui.files``, edits in ``gui.editor``.
"""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QMimeData, QSettings, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QWidget,
)

from paramlab.core.summary import partial_note
from paramlab.gui import preferences, style
from paramlab.gui.actions import Actions, fill_recent_menu, install_actions
from paramlab.gui.autosave import Autosaver
from paramlab.gui.canvas.scene import CanvasScene
from paramlab.gui.canvas.view import CanvasView
from paramlab.gui.convention import install_convention
from paramlab.gui.cost_view import install_costs
from paramlab.gui.document import Document
from paramlab.gui.editor import Editor
from paramlab.gui.exercise_mode import install_exercise
from paramlab.gui.files import FileController
from paramlab.gui.navigation import install_navigation
from paramlab.gui.palette import PaletteWidget
from paramlab.gui.properties import PropertiesPanel
from paramlab.gui.summary_panel import SummaryPanel

log = logging.getLogger(__name__)

APP_NAME = "ParamLab"
STATUS_TIMEOUT_MS = 8000


def default_settings() -> QSettings:
    """The user's settings (recent files); tests pass their own instead."""
    return QSettings("ParamLab", "ParamLab")


class MainWindow(QMainWindow):
    """ParamLab's editor window for one :class:`gui.document.Document`."""

    def __init__(self, document: Document | None = None, settings: QSettings | None = None,
                 parent: QWidget | None = None, autosave_dir: Path | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paramlab_main")
        self.document = document if document is not None else Document()
        self.editor = Editor(self.document)
        self.settings = settings if settings is not None else default_settings()
        self.files = FileController(self.document, self, self.settings)
        self.autosave = Autosaver(self.files, autosave_dir)
        self._syncing = False

        self.canvas = CanvasView(self.document, self, self.editor)
        self.setCentralWidget(self.canvas)
        self.palette = PaletteWidget(self)
        self.properties = PropertiesPanel(self.document, self.editor, self)
        self.summary = SummaryPanel(self.document, self.editor, self)
        self._palette_dock = self._dock("Layers", self.palette,
                                        Qt.DockWidgetArea.LeftDockWidgetArea)
        self._properties_dock = self._dock("Properties", self.properties,
                                           Qt.DockWidgetArea.RightDockWidgetArea)
        # The summary is a wide table: it runs along the bottom, under the side docks, so
        # every column shows at 1400x900; properties stay on the right of the canvas.
        self._summary_dock = self._dock("Summary", self.summary,
                                        Qt.DockWidgetArea.BottomDockWidgetArea)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.resizeDocks([self._palette_dock, self._properties_dock], [210, 380],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self._summary_dock], [300], Qt.Orientation.Vertical)

        self.totals_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.totals_label)
        self.acts: Actions = install_actions(self)
        self.navigation = install_navigation(self)
        self.exercise = install_exercise(self)  # Exercise menu, student mode (teaching labs)
        self.costs = install_costs(self)  # View ▸ Columns / Cost Chart, Model ▸ Memory Budget
        self.convention = install_convention(self)  # View ▸ Count Parameters As, PyTorch export
        fill_recent_menu(self)

        self.files.recent_changed.connect(lambda: fill_recent_menu(self))
        self.files.status.connect(lambda m: self.statusBar().showMessage(m, STATUS_TIMEOUT_MS))
        self.autosave.status.connect(lambda m: self.statusBar().showMessage(m, STATUS_TIMEOUT_MS))
        preferences.notifier().changed.connect(self._preference_changed)
        self.document.edit_refused.connect(self._edit_refused)
        self.document.results_changed.connect(self._update_totals)
        self.document.file_changed.connect(self._update_title)
        self.document.reset.connect(self._model_reset)
        self.summary.selection_changed.connect(self._summary_selection_changed)
        self.palette.layer_activated.connect(self.add_layer_at_centre)
        self.scene().selectionChanged.connect(self._scene_selection_changed)
        self._update_title()
        self._update_totals()
        self._update_actions([])
        self.setAcceptDrops(True)  # model files dropped from a file manager open
        self.resize(1400, 900)

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{title.lower()}_dock")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def docks(self) -> list[QDockWidget]:
        return [self._palette_dock, self._properties_dock, self._summary_dock]

    # ------------------------------------------------------------------ canvas access
    def scene(self) -> CanvasScene:
        """The canvas scene."""
        return self.canvas.canvas_scene()

    def selected_ids(self) -> list[str]:
        """The selected layers (the canvas selection)."""
        return self.scene().selected_ids()

    def select_ids(self, ids: list[str]) -> None:
        """Select layers everywhere (canvas; its selectionChanged updates the panels)."""
        self.scene().select_ids(list(ids))

    # ------------------------------------------------------------------ edit actions
    def delete_selected(self) -> None:
        self.editor.delete(self.selected_ids(), self.scene().selected_edges())

    def cut_selected(self) -> None:
        self.editor.cut(self.selected_ids())

    def copy_selected(self) -> None:
        self.editor.copy(self.selected_ids())

    def paste(self) -> None:
        ids = self.editor.paste()
        if ids:
            self.select_ids(ids)

    def duplicate_selected(self) -> None:
        ids = self.editor.duplicate(self.selected_ids())
        if ids:
            self.select_ids(ids)

    def select_all(self) -> None:
        self.select_ids(self.document.graph.layer_ids())

    def freeze_up_to_selected(self) -> None:
        ids = self.selected_ids()
        if len(ids) != 1:
            self.statusBar().showMessage("Select one layer to freeze it and every layer above it",
                                         STATUS_TIMEOUT_MS)
            return
        if self.editor.freeze_up_to(ids[0]):
            self.statusBar().showMessage(
                f"Froze {self.document.graph.raw(ids[0])['name']} and the layers above it",
                STATUS_TIMEOUT_MS)

    def add_layer_at_centre(self, layer_type: str) -> None:
        """Palette double-click: insert after the one selected layer (connected when the
        shapes allow), else in free space near the centre of the visible canvas."""
        ids = self.selected_ids()
        centre = self.canvas.mapToScene(self.canvas.viewport().rect().center())
        node_id = self.editor.insert_layer(layer_type, ids[0] if len(ids) == 1 else None,
                                           (centre.x(), centre.y()))
        if node_id is not None:
            self.select_ids([node_id])
            self.canvas.show_ids([node_id])

    # ------------------------------------------------------------------ view actions
    def zoom_in(self) -> None:
        self.canvas.zoom_in()

    def zoom_out(self) -> None:
        self.canvas.zoom_out()

    def zoom_to_fit(self) -> None:
        self.canvas.zoom_to_fit()

    def auto_layout(self) -> None:
        """Auto Layout: one undoable step; the zoom changes only if the view was at fit."""
        at_fit = self.canvas.is_at_fit()
        self.editor.apply_layout()
        if at_fit:
            self.canvas.zoom_to_fit()

    def show_preferences(self) -> None:
        """Edit ▸ Preferences (window-modal; its OK applies the values at once)."""
        dialog = preferences.PreferencesDialog(self.settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _preference_changed(self, key: str) -> None:
        if key == preferences.RECENT_FILES.key:
            fill_recent_menu(self)

    def show_about(self) -> None:
        QMessageBox.about(self, f"About {APP_NAME}",
                          f"<b>{APP_NAME}</b><br>Design neural networks visually and see every "
                          "layer's output shape and trainable / non-trainable parameters, "
                          "as Keras counts them.")

    # ------------------------------------------------------------------ selection sync
    def _scene_selection_changed(self) -> None:
        try:
            ids = self.scene().selected_ids()
        except RuntimeError:  # scene being destroyed with the window
            return
        self._show_selection(ids)

    def _summary_selection_changed(self, ids: list[str]) -> None:
        if self._syncing:
            return
        self.scene().select_ids(ids)
        self.canvas.show_ids(ids)  # scroll the canvas to the layer picked in the table

    def _show_selection(self, ids: list[str]) -> None:
        self._syncing = True
        try:
            self.summary.select_ids(ids)
            self.properties.set_selection(ids)
            self._update_actions(ids)
        finally:
            self._syncing = False

    def _update_actions(self, ids: list[str]) -> None:
        if not hasattr(self, "acts"):
            return
        self.acts.freeze_up_to.setEnabled(len(ids) == 1)
        # Delete stays enabled: it also removes selected connections, which are not layers.
        for act in (self.acts.cut, self.acts.copy, self.acts.duplicate):
            act.setEnabled(bool(ids))

    # ------------------------------------------------------------------ document signals
    def _edit_refused(self, message: str) -> None:
        self.statusBar().showMessage(f"Refused: {message}", STATUS_TIMEOUT_MS)

    def _update_totals(self) -> None:
        # The summary panel's totals: the sums of its rows, in the chosen convention.
        s = self.summary.model.summary
        unresolved = sum(1 for layer in self.document.result.layers.values() if not layer.ok)
        text = (f"Total params: {style.format_count(s.total)}{partial_note(unresolved)}  ·  "
                f"Trainable: {style.format_count(s.trainable)}  ·  "
                f"Non-trainable: {style.format_count(s.non_trainable)}")
        if s.convention == "pytorch":
            text += f"  ·  Buffers: {style.format_count(s.buffers)}"
        self.totals_label.setText(text)

    def refresh_totals(self, *_args: object) -> None:
        """The convention changed (a view setting): show its totals."""
        self._update_totals()

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.files.display_name()}[*] — {APP_NAME}")
        self.setWindowModified(self.document.modified)

    def _model_reset(self) -> None:
        self._show_selection([])  # the canvas fits the new model itself

    # ------------------------------------------------------------------ Qt overrides
    def closeEvent(self, event: QCloseEvent) -> None:
        if self.files.maybe_save():
            self.autosave.remove()  # saved or discarded: a clean end leaves nothing to recover
            event.accept()
        else:
            event.ignore()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_model_path(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = dropped_model_path(event.mimeData())
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.files.open_path(path)


MODEL_SUFFIXES = (".json", ".keras", ".h5", ".hdf5")


def dropped_model_path(data: QMimeData | None) -> str | None:
    """The local model file dragged onto the window (from a file manager), or ``None``."""
    if data is None or not data.hasUrls():
        return None
    for url in data.urls():
        if url.isLocalFile() and url.toLocalFile().lower().endswith(MODEL_SUFFIXES):
            return url.toLocalFile()
    return None
