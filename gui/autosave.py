"""Autosave and crash recovery: unsaved work survives a crash or a power cut.

While the model has unsaved changes, :class:`Autosaver` writes it every N seconds (the
``autosave/interval_seconds`` preference, default 30, 0 = off) to its *own* file in
``QStandardPaths.AppLocalDataLocation``/``autosave`` — never to the user's file:

* ``autosave-<id>.json``: a ParamLab project (it opens with File ▸ Open) plus an
  ``"autosave"`` entry that names the user's file (``"source"``, ``null`` for an example or
  an unsaved model) and the window's title name (``"title"``); written atomically with
  ``QSaveFile``;
* ``autosave-<id>.json.lock``: a ``QLockFile`` held for the life of the window, so two
  windows or two instances never write, recover or delete each other's file.

A clean end removes both files: the model saved, or its changes discarded (New, Open,
closing the window after Discard), or undone back to the saved state. On start,
:meth:`Autosaver.offer_recovery` looks for autosave files whose lock is stale (its process is
dead, or the machine rebooted) and asks, for each, "Recover unsaved work from <file name>,
<time>?" (``gui.messages.ask_recover``): Recover shows that model as modified, with its
original file as the target of Save; Discard deletes the file; Later keeps it for the next
start. A file that cannot be read back is reported in one line and renamed
``corrupt-<id>.json`` beside it: never deleted.
"""
from __future__ import annotations

import json
import logging
import re
import tempfile
import uuid
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QSaveFile, QStandardPaths, QTimer, Signal

from paramlab.core.errors import ModelFileError
from paramlab.core.io.project import graph_to_dict, loads_project
from paramlab.gui import messages, preferences
from paramlab.gui.files import FileController
from paramlab.gui.messages import RecoverChoice

log = logging.getLogger(__name__)

_AUTOSAVE_NAME = re.compile(r"^autosave-([0-9a-f]{12})\.json$")


def default_autosave_dir() -> Path:
    """``<AppLocalDataLocation>/autosave``: ``~/.local/share/ParamLab/ParamLab/autosave`` on
    Linux (``$XDG_DATA_HOME`` first), ``%LOCALAPPDATA%\\ParamLab\\ParamLab\\autosave`` on
    Windows, ``~/Library/Application Support/ParamLab/ParamLab/autosave`` on macOS."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    if not base:  # no usable home folder: never the current folder
        return Path(tempfile.gettempdir()) / "ParamLab" / "autosave"
    return Path(base) / "autosave"


def _lock(path: Path) -> QLockFile:
    lock = QLockFile(str(path) + ".lock")
    # Stale only when its process is gone: a window may stay open (and locked) for days.
    lock.setStaleLockTime(0)
    return lock


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class Autosaver(QObject):
    """Autosave and recovery for the document of one :class:`FileController`.

    Signals:
        written(str): the autosave file was written (its path).
        status(str): a message for the status bar (a failed autosave, a recovery).
    """

    written = Signal(str)
    status = Signal(str)

    def __init__(self, files: FileController, folder: Path | None = None) -> None:
        super().__init__(files)
        self.files = files
        self.document = files.document
        self.folder = Path(folder) if folder is not None else default_autosave_dir()
        self.path = self.folder / f"autosave-{uuid.uuid4().hex[:12]}.json"
        self._lock: QLockFile | None = None  # taken at the first write
        self._dirty = False  # changed since the last autosave
        self._failed = False  # the last write failed (said once, not every tick)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.autosave_now)
        self.document.undo_stack.indexChanged.connect(self._changed)
        self.document.file_changed.connect(self._file_changed)
        preferences.notifier().changed.connect(self._preference_changed)
        self.apply_interval()

    # ------------------------------------------------------------------ settings
    @property
    def interval_seconds(self) -> int:
        """The autosave interval from the preferences; 0 when autosave is off."""
        return preferences.AUTOSAVE_INTERVAL.read(self.files.settings)

    def apply_interval(self) -> None:
        """(Re)start the timer with the interval in the preferences; stop it when off."""
        seconds = self.interval_seconds
        if seconds > 0:
            self.timer.start(seconds * 1000)
        else:
            self.timer.stop()

    def _preference_changed(self, key: str) -> None:
        if key == preferences.AUTOSAVE_INTERVAL.key:
            self.apply_interval()

    # ------------------------------------------------------------------ writing
    def _changed(self, _index: int = 0) -> None:
        self._dirty = True

    def _file_changed(self) -> None:
        if not self.document.modified:
            self.remove()  # saved, replaced or undone to the saved state: nothing to recover
            self._dirty = False

    def autosave_now(self) -> bool:
        """Write the model to the autosave file if it changed since the last autosave and
        has unsaved changes. Returns True when a file was written.

        A failure (full disk, unwritable folder, a value JSON cannot hold) is logged and
        shown once in the status bar; the user's file and the model are untouched.
        """
        if not (self._dirty and self.document.modified):
            return False
        try:
            self._write()
        except (OSError, TypeError, ValueError) as exc:
            log.warning("autosave to %s failed: %s", self.path, exc)
            if not self._failed:
                self.status.emit(f"Autosave failed: {_one_line(exc)}")
            self._failed = True
            return False
        self._dirty = False
        self._failed = False
        self.written.emit(str(self.path))
        return True

    def _write(self) -> None:
        source = self.document.path
        data = {"autosave": {"source": str(source) if source is not None else None,
                             "title": self.files.display_name()},
                **graph_to_dict(self.document.graph)}
        payload = json.dumps(data, ensure_ascii=False).encode("utf-8")
        if self._lock is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            lock = _lock(self.path)
            if not lock.tryLock(0):
                raise OSError(f"cannot lock {self.path.name} ({lock.error().name})")
            self._lock = lock
        out = QSaveFile(str(self.path))
        if not out.open(QSaveFile.OpenModeFlag.WriteOnly):
            raise OSError(out.errorString())
        out.write(payload)
        if not out.commit():
            raise OSError(out.errorString())

    def remove(self) -> None:
        """Delete this window's autosave file and release its lock (a clean end)."""
        if self._lock is None:
            return
        self.path.unlink(missing_ok=True)
        self._lock.unlock()  # removes the lock file
        self._lock = None

    # ------------------------------------------------------------------ recovery
    def orphans(self) -> list[Path]:
        """Autosave files left by sessions that ended without cleaning up, newest first
        (those of running windows are locked and not listed)."""
        try:
            candidates = [p for p in self.folder.iterdir()
                          if _AUTOSAVE_NAME.match(p.name) and p != self.path]
        except OSError:
            return []
        found = []
        for path in candidates:
            lock = _lock(path)
            if lock.tryLock(0):  # succeeds only for a stale (dead process) or missing lock
                lock.unlock()
                found.append(path)
        return sorted(found, key=lambda p: p.stat().st_mtime if p.exists() else 0.0,
                      reverse=True)

    def offer_recovery(self) -> bool:
        """Ask about each orphaned autosave (newest first) until one is recovered.

        Returns:
            True if a model was recovered into this window.
        """
        for path in self.orphans():
            lock = _lock(path)
            if not lock.tryLock(0):  # another instance took it meanwhile
                continue
            try:
                if self._offer(path):
                    return True
            finally:
                lock.unlock()
        return False

    def _offer(self, path: Path) -> bool:
        try:
            raw = path.read_bytes()
            graph = loads_project(raw, path)
            meta = json.loads(raw).get("autosave")
            if not isinstance(meta, dict):
                raise ModelFileError(path, "not a ParamLab autosave ('autosave' is missing)")
            when = datetime.fromtimestamp(path.stat().st_mtime)
        except (OSError, ValueError, ModelFileError) as exc:
            self._keep_aside(path, exc)
            return False
        source = meta.get("source")
        source = Path(source) if isinstance(source, str) and source else None
        title = meta.get("title")
        name = source.name if source is not None else \
            (title if isinstance(title, str) and title else graph.name or "untitled")
        choice = messages.ask_recover(self.files.window, name, when.strftime("%d %b %Y %H:%M"))
        if choice == RecoverChoice.LATER:
            return False
        if choice == RecoverChoice.DISCARD:
            path.unlink(missing_ok=True)
            self.status.emit(f"Discarded the unsaved work from {name}")
            return False
        if not self.files.maybe_save():  # this window's own unsaved work comes first
            return False
        self.document.replace_graph(graph, source)
        self.document.undo_stack.resetClean()  # modified: nothing on disk holds this state
        self._dirty = True
        if self.autosave_now():  # safe in this window's own file before the old one goes
            path.unlink(missing_ok=True)
        self.status.emit(f"Recovered unsaved work from {name}")
        return True

    def _keep_aside(self, path: Path, exc: Exception) -> None:
        match = _AUTOSAVE_NAME.match(path.name)
        kept = path.with_name(f"corrupt-{match.group(1) if match else path.stem}.json")
        try:
            path.rename(kept)
        except OSError as rename_exc:
            log.warning("cannot rename %s: %s", path, rename_exc)
            kept = path
        detail = exc.detail if isinstance(exc, ModelFileError) else exc
        messages.show_error(self.files.window, "Unsaved work cannot be recovered",
                            _one_line(f"{path.name} cannot be recovered — {detail}; "
                                      f"kept as {kept}"))
