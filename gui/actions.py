"""The main window's menus and actions (File, Edit, View, Model, Help).

:func:`install_actions` creates every ``QAction``, puts it in the menu bar and returns
them in an :class:`Actions` record, so tests can ``trigger()`` them and the window can
enable or disable them. The handlers live on the window and its controllers; this module
only wires them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from paramlab.core.resources import list_examples

if TYPE_CHECKING:
    from paramlab.gui.main_window import MainWindow

Std = QKeySequence.StandardKey


@dataclass
class Actions:
    new: QAction
    open: QAction
    import_keras: QAction
    save: QAction
    save_as: QAction
    export_csv: QAction
    export_summary_png: QAction
    export_diagram_png: QAction
    quit: QAction
    undo: QAction
    redo: QAction
    delete: QAction
    cut: QAction
    copy: QAction
    paste: QAction
    duplicate: QAction
    select_all: QAction
    zoom_in: QAction
    zoom_out: QAction
    zoom_fit: QAction
    auto_layout: QAction
    freeze_up_to: QAction
    unfreeze_all: QAction
    examples_menu: QMenu
    recent_menu: QMenu
    export_diagram_svg: QAction | None = None  # last, with defaults: older callers still fit
    export_diagram_pdf: QAction | None = None
    preferences: QAction | None = None


def _action(window: MainWindow, text: str, slot: Callable[[], object],
            shortcut: QKeySequence | Std | str | None = None, tip: str = "") -> QAction:
    action = QAction(text, window)
    if isinstance(shortcut, Std):
        action.setShortcuts(shortcut)  # every platform binding (Redo: Ctrl+Y, Ctrl+Shift+Z)
    elif shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    action.triggered.connect(lambda _checked=False: slot())
    return action


def redo_shortcuts() -> list[QKeySequence]:
    """Ctrl+Y and Ctrl+Shift+Z on every platform, then the platform's own Redo keys.

    Qt's standard Redo is only Ctrl+Shift+Z under X11 (xcb) and only Ctrl+Y on Windows
    (the offscreen platform happens to have both), while README promises both everywhere.
    """
    keys = [QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")]
    for key in QKeySequence.keyBindings(Std.Redo):
        if key not in keys:
            keys.append(key)
    return keys


def install_actions(window: MainWindow) -> Actions:
    """Build the menu bar of ``window`` and return its actions."""
    files = window.files
    bar = window.menuBar()

    # ---------------------------------------------------------------- File
    file_menu = bar.addMenu("&File")
    new = _action(window, "&New", files.new_model, Std.New, "Start an empty model")
    open_ = _action(window, "&Open…", files.open_dialog, Std.Open,
                    "Open a ParamLab project or a Keras model (.json, .keras, .h5)")
    examples_menu = QMenu("Open &Example", window)
    for name in list_examples():
        act = examples_menu.addAction(name)
        act.triggered.connect(lambda _checked=False, n=name: files.open_example(n))
    recent_menu = QMenu("Open &Recent", window)
    import_keras = _action(window, "&Import Keras Model…", files.import_dialog, None,
                           "Read a model saved by Keras (.json config, .keras, .h5)")
    save = _action(window, "&Save", files.save, Std.Save, "Save the project")
    save_as = _action(window, "Save &As…", files.save_as, Std.SaveAs,
                      "Save the project to another file")
    export_menu = QMenu("E&xport", window)
    export_csv = _action(window, "Summary as &CSV…", files.export_csv, None,
                         "Write the summary table (one row per layer, totals) as CSV")
    export_summary_png = _action(window, "Summary as &PNG…", files.export_summary_png, None,
                                 "Draw the summary table to a PNG image")
    export_diagram_png = _action(window, "&Diagram as PNG…", files.export_diagram_png, None,
                                 "Draw the whole diagram to a PNG image")
    export_diagram_svg = _action(window, "Diagram as S&VG…", lambda: files.export_diagram("svg"),
                                 None, "Write the diagram as an SVG drawing (for handouts)")
    export_diagram_pdf = _action(window, "Diagram as P&DF…", lambda: files.export_diagram("pdf"),
                                 None, "Print the diagram to PDF (tall diagrams over pages)")
    for act in (export_csv, export_summary_png, export_diagram_svg, export_diagram_pdf,
                export_diagram_png):
        export_menu.addAction(act)
    quit_ = _action(window, "&Quit", window.close, Std.Quit)
    file_menu.addActions([new, open_])
    file_menu.addMenu(examples_menu)
    file_menu.addMenu(recent_menu)
    file_menu.addAction(import_keras)
    file_menu.addSeparator()
    file_menu.addActions([save, save_as])
    file_menu.addSeparator()
    file_menu.addMenu(export_menu)
    file_menu.addSeparator()
    file_menu.addAction(quit_)

    # ---------------------------------------------------------------- Edit
    edit_menu = bar.addMenu("&Edit")
    stack = window.document.undo_stack
    undo = stack.createUndoAction(window, "&Undo")
    undo.setShortcuts(Std.Undo)
    redo = stack.createRedoAction(window, "&Redo")
    redo.setShortcuts(redo_shortcuts())
    delete = _action(window, "&Delete", window.delete_selected, Std.Delete,
                     "Delete the selected layers and their connections")
    cut = _action(window, "Cu&t", window.cut_selected, Std.Cut)
    copy = _action(window, "&Copy", window.copy_selected, Std.Copy)
    paste = _action(window, "&Paste", window.paste, Std.Paste)
    duplicate = _action(window, "D&uplicate", window.duplicate_selected, "Ctrl+D")
    select_all = _action(window, "Select &All", window.select_all, Std.SelectAll)
    edit_menu.addActions([undo, redo])
    edit_menu.addSeparator()
    edit_menu.addActions([delete, cut, copy, paste, duplicate])
    edit_menu.addSeparator()
    edit_menu.addAction(select_all)
    preferences = _action(window, "Pr&eferences…", window.show_preferences, Std.Preferences,
                          "Autosave interval, number of recent files …")
    preferences.setMenuRole(QAction.MenuRole.PreferencesRole)
    edit_menu.addSeparator()
    edit_menu.addAction(preferences)

    # ---------------------------------------------------------------- View
    view_menu = bar.addMenu("&View")
    zoom_in = _action(window, "Zoom &In", window.zoom_in, Std.ZoomIn)
    zoom_out = _action(window, "Zoom &Out", window.zoom_out, Std.ZoomOut)
    zoom_fit = _action(window, "Zoom to &Fit", window.zoom_to_fit, "Ctrl+0")
    auto_layout = _action(window, "&Auto Layout", window.auto_layout, "Ctrl+L",
                          "Place every layer by its depth in the graph (undoable)")
    view_menu.addActions([zoom_in, zoom_out, zoom_fit])
    view_menu.addSeparator()
    view_menu.addAction(auto_layout)
    view_menu.addSeparator()
    for dock in window.docks():
        view_menu.addAction(dock.toggleViewAction())

    # ---------------------------------------------------------------- Model
    model_menu = bar.addMenu("&Model")
    freeze_up_to = _action(window, "&Freeze Up to Here", window.freeze_up_to_selected,
                           "Ctrl+Shift+F",
                           "Make the selected layer and every layer above it non-trainable")
    unfreeze_all = _action(window, "&Unfreeze All", window.editor.unfreeze_all, None,
                           "Make every layer trainable again")
    model_menu.addActions([freeze_up_to, unfreeze_all])

    # ---------------------------------------------------------------- Help
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(_action(window, "&About ParamLab", window.show_about))

    return Actions(new, open_, import_keras, save, save_as, export_csv, export_summary_png,
                   export_diagram_png, quit_, undo, redo, delete, cut, copy, paste, duplicate,
                   select_all, zoom_in, zoom_out, zoom_fit, auto_layout, freeze_up_to,
                   unfreeze_all, examples_menu, recent_menu, export_diagram_svg=export_diagram_svg,
                   export_diagram_pdf=export_diagram_pdf, preferences=preferences)


def fill_recent_menu(window: MainWindow) -> None:
    """Rebuild File > Open Recent from the settings."""
    menu = window.acts.recent_menu
    menu.clear()
    recent = window.files.recent_files()
    for path in recent:
        act = menu.addAction(path)
        act.triggered.connect(lambda _checked=False, p=path: window.files.open_path(p))
    if recent:
        menu.addSeparator()
        menu.addAction("Clear Recent Files").triggered.connect(
            lambda _checked=False: window.files.clear_recent())
    menu.setEnabled(bool(recent))
