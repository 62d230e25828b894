"""Files of the main window: new, open, examples, import, save, recent files, exports.

Loading goes through ``core.io.loader.load_model`` (project files, Keras ``.json``,
``.keras`` and ``.h5``, example names); saving through ``core.io.project.save_project``,
which writes atomically. A file that cannot be read raises ``ModelFileError``: the user sees
its message in a dialog and the open model is left as it was. Unsaved changes are never
lost silently: new, open and close ask first (``gui.messages.ask_save``).

Recent files live in a ``QSettings`` passed in by the window, so tests use their own.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QWidget

from paramlab.core.errors import ModelFileError, ParamLabError
from paramlab.core.funnel import explain
from paramlab.core.graph import LayerGraph
from paramlab.core.layout import apply_layout
from paramlab.core.text import elide_name, quote_path
from paramlab.gui import messages, preferences
from paramlab.gui.document import Document
from paramlab.gui.messages import SaveChoice

log = logging.getLogger(__name__)

RECENT_KEY = "recent_files"
PROJECT_FILTER = "ParamLab project (*.json)"
OPEN_FILTER = ("Models (*.json *.keras *.h5 *.hdf5);;ParamLab project (*.json);;"
               "Keras model (*.json *.keras *.h5 *.hdf5);;All files (*)")
KERAS_FILTER = "Keras model (*.json *.keras *.h5 *.hdf5);;All files (*)"


def needs_layout(graph: LayerGraph) -> bool:
    """True when a loaded model has no canvas positions (every layer at the same point)."""
    positions = {graph.raw(n)["position"] for n in graph.layer_ids()}
    return len(graph) > 1 and len(positions) == 1


def is_project_file(path: Path) -> bool:
    """True when ``path`` is a ParamLab project, so Save writes back to it. A Keras file
    that was imported is never overwritten with another format: Save asks for a new file.

    Same rule as ``core.io.loader``: a ``.json`` with a ``"format_version"`` key, or one
    without a Keras ``"class_name"``.
    """
    if path.suffix.lower() != ".json":
        return False
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return b'"format_version"' in data or b'"class_name"' not in data


class FileController(QObject):
    """File actions of one window.

    Signals:
        recent_changed(): the recent-files list changed.
        status(str): a message for the status bar (saved, exported ...).
    """

    recent_changed = Signal()
    status = Signal(str)

    def __init__(self, document: Document, window: QWidget, settings: QSettings) -> None:
        super().__init__(window)
        self.document = document
        self.window = window
        self.settings = settings
        # What exports must hide (student mode, gui.exercise_mode.ExportMask), or None.
        self.export_mask: Any = None
        # Asked before the model is closed or replaced: each returns True to go on.
        self.guards: list[Any] = []

    # ------------------------------------------------------------------ naming
    def display_name(self) -> str:
        """The file name, or the model's name for an unsaved or imported model."""
        path = self.document.path
        return path.name if path is not None else (self.document.graph.name or "untitled")

    # ------------------------------------------------------------------ unsaved changes
    def maybe_save(self) -> bool:
        """Ask to save unsaved changes. True when it is safe to go on (saved, discarded or
        nothing to save); False when the user cancelled or the save failed."""
        if not all(guard() for guard in self.guards):  # e.g. a student's unsaved answers
            return False
        if not self.document.modified:
            return True
        choice = messages.ask_save(self.window, self.display_name())
        if choice == SaveChoice.SAVE:
            return self.save()
        return choice == SaveChoice.DISCARD

    # ------------------------------------------------------------------ open
    def new_model(self) -> bool:
        if not self.maybe_save():
            return False
        self.document.replace_graph(LayerGraph("model"), None)
        self.status.emit("New model")
        return True

    def open_dialog(self) -> bool:
        """File > Open: ask about unsaved changes first, then show the file dialog."""
        if not self.maybe_save():
            return False
        path = messages.ask_open_path(self.window, "Open model", OPEN_FILTER, self._last_dir())
        return self.open_path(path, ask=False) if path else False

    def import_dialog(self) -> bool:
        """File > Import: like Open, unsaved changes are dealt with before the dialog."""
        if not self.maybe_save():
            return False
        path = messages.ask_open_path(self.window, "Import Keras model", KERAS_FILTER,
                                      self._last_dir())
        return self.open_path(path, ask=False) if path else False

    def open_path(self, path: str | Path, ask: bool = True) -> bool:
        """Open a project or Keras file. On failure show the error; nothing changes."""
        if ask and not self.maybe_save():
            return False
        path = Path(path)
        title = f"Cannot open {quote_path(elide_name(path.name, 60))}"
        graph = self._load(str(path), title)
        if graph is None:
            return False
        own = path if is_project_file(path) else None
        try:
            self._show(graph, own)
        except Exception as exc:  # the funnel: whatever fails, a dialog, not a traceback
            log.debug("showing %s failed", path, exc_info=True)
            messages.show_error(self.window, title, explain(exc))
            return False
        self.add_recent(path)
        self.status.emit(f"Opened {path.name}")
        return True

    def open_example(self, name: str, ask: bool = True) -> bool:
        """Open a bundled example (never saved over: Save asks for a new file)."""
        if ask and not self.maybe_save():
            return False
        graph = self._load(name, f"Cannot open the example {name}")
        if graph is None:
            return False
        self._show(graph, None)
        self.status.emit(f"Opened example {name}")
        return True

    def _load(self, source: str, title: str) -> LayerGraph | None:
        from paramlab.core.io.loader import load_model

        try:
            return load_model(source)
        except ModelFileError as exc:
            messages.show_error(self.window, title, exc.detail, quote_path(exc.path))
        except Exception as exc:  # the funnel (core.funnel): every failure is a dialog
            log.debug("loading %s failed", source, exc_info=True)
            messages.show_error(self.window, title, explain(exc))
        return None

    def _show(self, graph: LayerGraph, path: Path | None) -> None:
        if needs_layout(graph):
            apply_layout(graph)
        self.document.replace_graph(graph, path)

    # ------------------------------------------------------------------ save
    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self.save_to(self.document.path)

    def save_as(self) -> bool:
        start = str(Path(self._last_dir()) / f"{self.document.graph.name or 'model'}.json")
        path = messages.ask_save_path(self.window, "Save model as", PROJECT_FILTER, start)
        if not path:
            return False
        target = Path(path)
        if target.suffix.lower() != ".json":
            target = target.with_suffix(target.suffix + ".json") if target.suffix else \
                target.with_suffix(".json")
        return self.save_to(target)

    def save_to(self, path: Path) -> bool:
        """Write the project atomically to ``path``; on failure say why, keep the model."""
        from paramlab.core.io.project import save_project

        try:
            save_project(self.document.graph, path)
        except (OSError, ParamLabError) as exc:
            messages.show_error(self.window, f"Cannot save {path.name}", str(exc))
            return False
        self.document.mark_saved(path)
        self.add_recent(path)
        self.status.emit(f"Saved {path}")
        return True

    # ------------------------------------------------------------------ recent files
    def recent_files(self) -> list[str]:
        """The recent files, newest first, as many as the preference allows."""
        value = self.settings.value(RECENT_KEY, [])
        if isinstance(value, str):  # QSettings returns a lone string for a 1-item list
            value = [value]
        return [str(v) for v in (value or [])][:preferences.RECENT_FILES.read(self.settings)]

    def add_recent(self, path: Path) -> None:
        entry = str(Path(path).resolve())
        items = [entry] + [p for p in self.recent_files() if p != entry]
        self.settings.setValue(RECENT_KEY, items[:preferences.RECENT_FILES.read(self.settings)])
        self.settings.sync()
        self.recent_changed.emit()

    def clear_recent(self) -> None:
        self.settings.remove(RECENT_KEY)
        self.settings.sync()
        self.recent_changed.emit()

    def _last_dir(self) -> str:
        recent = self.recent_files()
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    # ------------------------------------------------------------------ exports
    def _export_path(self, title: str, file_filter: str, suffix: str) -> Path | None:
        start = str(Path(self._last_dir()) / f"{self.document.graph.name or 'model'}{suffix}")
        path = messages.ask_save_path(self.window, title, file_filter, start)
        if not path:
            return None
        target = Path(path)
        return target if target.suffix.lower() == suffix else target.with_name(target.name + suffix)

    def _summary(self):
        from paramlab.core.summary import summarize
        from paramlab.gui import convention

        # Summary exports follow View ▸ Count Parameters As (Keras or PyTorch).
        return summarize(self.document.graph, self.document.result,
                         convention=convention.current())

    def export_csv(self, path: str | Path | None = None) -> bool:
        """Write the summary as CSV (``core.io.writers``)."""
        from paramlab.core.io.writers import write_summary

        target = Path(path) if path else self._export_path("Export summary as CSV",
                                                          "CSV (*.csv)", ".csv")
        if target is None:
            return False
        if self.export_mask is not None:
            return self._run_export(lambda: self.export_mask.write_csv(self._summary(), target),
                                    target)
        return self._run_export(lambda: write_summary(self._summary(), "csv", target), target)

    def export_summary_png(self, path: str | Path | None = None) -> bool:
        """Draw the summary table to a PNG (``gui.render``)."""
        from paramlab.gui.render import render_summary_png

        target = Path(path) if path else self._export_path("Export summary as PNG",
                                                          "PNG image (*.png)", ".png")
        if target is None:
            return False
        return self._run_export(
            lambda: render_summary_png(self._summary(), target, self.export_mask), target)

    def export_diagram_png(self, path: str | Path | None = None) -> bool:
        """Draw the whole diagram to a PNG (150 dpi)."""
        return self.export_diagram("png", path)

    def export_diagram(self, fmt: str, path: str | Path | None = None) -> bool:
        """File > Export > Diagram as SVG / PDF / PNG: one drawing (``gui.diagram``).
        PDF pages are A4 or Letter (setting ``export/pdf_page_size``)."""
        from paramlab.gui.diagram import export_diagram

        names = {"svg": "SVG drawing (*.svg)", "pdf": "PDF document (*.pdf)",
                 "png": "PNG image (*.png)"}
        target = Path(path) if path else self._export_path(
            f"Export diagram as {fmt.upper()}", names[fmt], f".{fmt}")
        if target is None:
            return False
        page = str(self.settings.value("export/pdf_page_size", "A4"))
        return self._run_export(
            lambda: export_diagram(self.document.graph, self.document.result, target,
                                   page_size=page if page in ("A4", "Letter") else "A4",
                                   fmt=fmt, mask=self.export_mask),
            target)

    def _run_export(self, job, target: Path) -> bool:
        try:
            job()
        except (OSError, ParamLabError) as exc:
            messages.show_error(self.window, f"Cannot export {target.name}", str(exc))
            return False
        self.status.emit(f"Exported {target}")
        return True
