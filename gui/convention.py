"""View ▸ Count Parameters As ▸ Keras / PyTorch, and File ▸ Export ▸ PyTorch Code….

The convention is a view setting, not an edit: it is stored with ``QSettings`` (key
:data:`SETTINGS_KEY`), shown in the status bar, never put on the undo stack and never marks
the file modified. Every view reads :func:`current` and follows :func:`notifier`'s
``changed`` signal: the canvas (each node's count line and tooltip), the summary panel (with
a Buffers column in PyTorch's convention), the totals, the properties panel (counts, formula
and the reconciliation line), and the summary exports (CSV, PNG). The counts themselves are
propagation's (``LayerResult.torch``); no view computes one.

The Keras exports (code, JSON) always use the true Keras configuration.
"""
from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QLabel, QMenu, QMessageBox

from paramlab.core.pytorch import KERAS, PYTORCH, reconciliation, torch_formula
from paramlab.gui import messages, style

if TYPE_CHECKING:
    from paramlab.core.propagate import LayerResult
    from paramlab.gui.main_window import MainWindow

SETTINGS_KEY = "view/convention"
LABELS = {KERAS: "Keras", PYTORCH: "PyTorch"}


class _Notifier(QObject):
    changed = Signal(str)


_NOTIFIER: _Notifier | None = None
_current = KERAS


def notifier() -> _Notifier:
    """The object whose ``changed(str)`` signal announces a new convention."""
    global _NOTIFIER
    if _NOTIFIER is None:
        _NOTIFIER = _Notifier()
    return _NOTIFIER


def current() -> str:
    """``"keras"`` or ``"pytorch"``: the convention the views show."""
    return _current


def is_pytorch() -> bool:
    return _current == PYTORCH


def set_current(value: str, settings: QSettings | None = None) -> None:
    """Switch the convention (stored in ``settings`` when given); views follow.

    Raises:
        ValueError: not ``"keras"`` or ``"pytorch"``.
    """
    global _current
    if value not in LABELS:
        raise ValueError(f"unknown convention {value!r}; choose keras or pytorch")
    if settings is not None:
        settings.setValue(SETTINGS_KEY, value)
    if value != _current:
        _current = value
        notifier().changed.emit(value)


def read_setting(settings: QSettings) -> str:
    """The stored convention; Keras when unset or unreadable."""
    value = settings.value(SETTINGS_KEY, KERAS)
    return value if value in LABELS else KERAS


# ---------------------------------------------------------------------------- view texts
def counts_text(r: LayerResult) -> str:
    """The properties panel's counts line for one layer, in the current convention."""
    if is_pytorch() and r.torch is not None:
        c = r.torch
        text = (f"Parameters: <b>{style.format_count(c.total)}</b> "
                f"(requires_grad {style.format_count(c.trainable)}, "
                f"frozen {style.format_count(c.non_trainable)})")
        if c.buffers:
            text += f" · buffers <b>{style.format_count(c.buffers)}</b>"
        if not c.equivalent:
            text += " · <i>no PyTorch equivalent: Keras's count</i>"
        return text
    return (f"Parameters: <b>{style.format_count(r.total)}</b> "
            f"(trainable {style.format_count(r.trainable)}, "
            f"non-trainable {style.format_count(r.non_trainable)})")


def formula_text(r: LayerResult) -> str:
    """The formula of one layer's count, in the current convention."""
    if is_pytorch() and r.torch is not None and r.note is None:
        return torch_formula(r.torch, r.weights)
    return r.formula


def reconciliation_text(r: LayerResult) -> str | None:
    """The line naming each side's weights where Keras and PyTorch differ, else ``None``."""
    if r.torch is None or r.note is not None:
        return None
    return reconciliation(r.torch, r.weights, r.trainable, r.non_trainable)


def wrapped(text: str, width: int = 90) -> str:
    """``text`` broken into lines of at most ``width`` characters (plain-text tooltips do
    not wrap by themselves)."""
    return textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)


def tensors_html(r: LayerResult) -> str:
    """The layer's tensors, one per line: Keras's weights, or in PyTorch's convention the
    module's parameters (``requires_grad=False`` marked) and buffers."""
    if is_pytorch() and r.torch is not None and r.torch.equivalent and r.note is None:
        m = r.torch.mapping
        lines = [f"{html.escape(t.name)} {t.shape}"
                 + ("" if t.requires_grad else " <i>(requires_grad=False)</i>")
                 for t in m.parameters]
        lines += [f"{html.escape(t.name)} {t.shape} <i>(buffer)</i>" for t in m.buffers]
        head = html.escape(m.expr() or m.module_name)
        return "<br>".join([f"<i>{head}</i>"] + lines)
    return "<br>".join(f"{html.escape(w.name)} {w.shape}"
                       + ("" if w.trainable else " <i>(non-trainable)</i>") for w in r.weights)


# ---------------------------------------------------------------------------- window
@dataclass
class ConventionActions:
    keras: QAction
    pytorch: QAction
    export_pytorch: QAction
    status_label: QLabel


def install_convention(window: MainWindow) -> ConventionActions:
    """Add the View ▸ Count Parameters As menu, the status-bar indicator and File ▸ Export ▸
    PyTorch Code… to ``window``; read the stored convention and keep the views in step."""
    menu = QMenu("Count Parameters &As", window)
    group = QActionGroup(window)
    group.setExclusive(True)
    acts = {}
    for value, tip in ((KERAS, "Keras's model.summary(): moving statistics are non-trainable "
                                "weights"),
                       (PYTORCH, "PyTorch: parameters with requires_grad; BatchNorm's running "
                                 "statistics are buffers, not parameters")):
        act = QAction(LABELS[value], window)
        act.setCheckable(True)
        act.setStatusTip(tip)
        act.setToolTip(tip)
        act.triggered.connect(lambda _checked=False, v=value: set_current(v, window.settings))
        group.addAction(act)
        menu.addAction(act)
        acts[value] = act
    view_menu = _menu(window, "&View")
    if view_menu is not None:
        first = view_menu.actions()[0] if view_menu.actions() else None
        view_menu.insertMenu(first, menu)
        view_menu.insertSeparator(first)

    export_pytorch = QAction("&PyTorch Code…", window)
    export_pytorch.setStatusTip("Write the model as one PyTorch nn.Module (Python source)")
    export_pytorch.triggered.connect(lambda _checked=False: export_pytorch_code(window))
    export_menu = _export_menu(window)
    if export_menu is not None:
        export_menu.addSeparator()
        export_menu.addAction(export_pytorch)

    label = QLabel(window)
    label.setToolTip("How parameters are counted (View ▸ Count Parameters As)")
    window.statusBar().addPermanentWidget(label)

    follower = _Follower(window, acts, label)
    notifier().changed.connect(follower.follow)
    set_current(read_setting(window.settings))
    follower.follow(current())
    return ConventionActions(acts[KERAS], acts[PYTORCH], export_pytorch, label)


class _Follower(QObject):
    """Keeps one window in step with the convention; a child of the window, so Qt drops
    its connection to the process-wide notifier when the window goes."""

    def __init__(self, window: MainWindow, acts: dict[str, QAction], label: QLabel) -> None:
        super().__init__(window)
        self.window, self.acts, self.label = window, acts, label

    def follow(self, value: str) -> None:
        w = self.window
        self.acts[value].setChecked(True)
        self.label.setText(f"Counting: {LABELS[value]}")
        w.summary.set_convention(value)
        w.properties.refresh_convention()
        refresh_canvas(w)
        w.refresh_totals()


def refresh_canvas(window: MainWindow) -> None:
    """Redraw every node from the results it shows (the model did not change, only how
    its counts are read): layers, and collapsed nested models."""
    from paramlab.gui.canvas.painting import group_look, group_members, layer_look

    scene = window.scene()
    graph = window.document.graph
    shown = scene.shown_results()
    for n, item in scene.layer_items().items():
        item.set_look(layer_look(graph, n, shown.get(n)))
    for group in scene.groups():
        item = scene.group_item(group)
        if item is not None:
            item.set_look(group_look(graph, group, group_members(graph, group),
                                     shown if shown else None))


def _menu(window: MainWindow, title: str) -> QMenu | None:
    for action in window.menuBar().actions():
        if action.text() == title and action.menu() is not None:
            return action.menu()
    return None


def _export_menu(window: MainWindow) -> QMenu | None:
    file_menu = _menu(window, "&File")
    if file_menu is None:
        return None
    for action in file_menu.actions():
        if action.menu() is not None and action.text().replace("&", "") == "Export":
            return action.menu()
    return None


def export_pytorch_code(window: MainWindow, path: str | Path | None = None) -> bool:
    """File ▸ Export ▸ PyTorch Code…: write ``core.io.pytorch_export``'s module; layers with
    no PyTorch equivalent are listed in a dialog (the file is still written, with
    placeholders). A model with layer errors is refused with a dialog."""
    from paramlab.core.io.atomic import atomic_write_text
    from paramlab.core.io.pytorch_export import to_pytorch_code

    doc = window.document
    if doc.result.has_errors:
        messages.show_error(window, "Cannot export PyTorch code",
                            "Some layers have errors (red on the canvas).",
                            "Fix them first: PyTorch code needs every shape.")
        return False
    if path is None:
        chosen = messages.ask_save_path(window, "Export PyTorch code", "Python (*.py)",
                                        f"{doc.graph.name or 'model'}.py")
        if not chosen:
            return False
        path = chosen if chosen.lower().endswith(".py") else chosen + ".py"
    target = Path(path)
    source = window.files.display_name()
    export = to_pytorch_code(doc.graph, doc.result, source=source)
    try:
        atomic_write_text(target, export.source)
    except OSError as exc:
        messages.show_error(window, f"Cannot export {target.name}", str(exc))
        return False
    window.statusBar().showMessage(f"Exported {target}", 8000)
    if export.unsupported:
        _report_unsupported(window, target, export.unsupported)
    return True


def _report_unsupported(window: MainWindow, target: Path, unsupported: Any) -> None:
    box = QMessageBox(window)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("PyTorch export: placeholders")
    n = len(unsupported)
    box.setText(f"{target.name} was written, but {n} layer{'s have' if n != 1 else ' has'} no "
                "PyTorch equivalent. Each is a NoPyTorchEquivalent placeholder that raises "
                "NotImplementedError: replace it with your own module.")
    box.setInformativeText("\n".join(f"{u.name} ({u.type}): {u.reason}" for u in unsupported))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window._pytorch_export_report = box  # type: ignore[attr-defined]  # tests read it
    box.open()
