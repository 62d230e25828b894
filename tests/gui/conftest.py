"""Fixtures for GUI tests: a private QSettings file, recorded dialogs, a main window.

No test ever opens a modal dialog: ``gui.messages``'s functions are replaced by
:class:`Dialogs`, which records what would have been shown and answers as the test says.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@dataclass
class Dialogs:
    """Stand-in for ``gui.messages``: what was asked or shown, and the answers to give."""

    save_answer: Any = None  # a gui.messages.SaveChoice; None -> CANCEL
    open_path: str | None = None
    save_path: str | None = None
    recover_answer: Any = None  # a gui.messages.RecoverChoice; None -> LATER
    errors: list[tuple[str, str, str]] = field(default_factory=list)
    save_questions: list[str] = field(default_factory=list)
    recover_questions: list[tuple[str, str]] = field(default_factory=list)

    def ask_save(self, parent: Any, name: str) -> Any:
        from paramlab.gui.messages import SaveChoice

        self.save_questions.append(name)
        return self.save_answer if self.save_answer is not None else SaveChoice.CANCEL

    def ask_recover(self, parent: Any, name: str, when: str) -> Any:
        from paramlab.gui.messages import RecoverChoice

        self.recover_questions.append((name, when))
        return self.recover_answer if self.recover_answer is not None else RecoverChoice.LATER

    def show_error(self, parent: Any, title: str, text: str, detail: str = "") -> None:
        self.errors.append((title, text, detail))

    def ask_open_path(self, parent: Any, title: str, file_filter: str, directory: str = "") -> Any:
        return self.open_path

    def ask_save_path(self, parent: Any, title: str, file_filter: str, directory: str = "") -> Any:
        return self.save_path


@pytest.fixture(autouse=True)
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    """Every test: dialogs are recorded, never shown."""
    from paramlab.gui import messages

    d = Dialogs()
    for name in ("ask_save", "ask_recover", "show_error", "ask_open_path", "ask_save_path"):
        monkeypatch.setattr(messages, name, getattr(d, name))
    return d


@pytest.fixture
def settings(tmp_path: Path) -> Any:
    """A QSettings in a temporary INI file (never the user's settings)."""
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "paramlab-test.ini"), QSettings.Format.IniFormat)


@pytest.fixture(autouse=True, scope="session")
def _private_data_folder(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Qt's data locations (autosave files) point into a temporary folder, never the user's."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
        yield


@pytest.fixture
def autosave_dir(tmp_path: Path) -> Path:
    """The autosave folder of the windows made by ``make_window`` (one per test)."""
    return tmp_path / "autosave"


@pytest.fixture
def make_window(qtbot: Any, settings: Any, autosave_dir: Path) -> Any:
    """Factory: ``make_window(example="lenet")`` -> a shown MainWindow with the example."""
    from paramlab.gui.main_window import MainWindow

    def make(example: str | None = "lenet") -> MainWindow:
        window = MainWindow(settings=settings, autosave_dir=autosave_dir)
        qtbot.addWidget(window)
        window.resize(1400, 900)
        window.show()
        qtbot.waitExposed(window)
        if example is not None:
            assert window.files.open_example(example, ask=False)
        return window

    return make


@pytest.fixture
def window(make_window: Any) -> Any:
    """The main window with the ``lenet`` example (62,958 parameters, as Keras counts)."""
    return make_window("lenet")


def layer_id(window: Any, name: str) -> str:
    """The id of the layer called ``name`` in the window's model."""
    node_id = window.document.graph.id_of(name)
    assert node_id is not None, f"no layer named {name}"
    return node_id


def row_values(window: Any, name: str) -> dict[str, Any]:
    """The summary table's row of layer ``name``, as raw values by header."""
    from paramlab.gui.summary_panel import HEADERS, VALUE_ROLE

    model = window.summary.model
    row = model.row_of(layer_id(window, name))
    assert row >= 0
    return {h: model.index(row, c).data(VALUE_ROLE) for c, h in enumerate(HEADERS)}


def row_text(window: Any, name: str) -> dict[str, str]:
    """The summary table's row of layer ``name``, as displayed."""
    from paramlab.gui.summary_panel import HEADERS

    model = window.summary.model
    row = model.row_of(layer_id(window, name))
    return {h: model.index(row, c).data() for c, h in enumerate(HEADERS)}


def total_row_text(window: Any) -> dict[str, str]:
    from paramlab.gui.summary_panel import HEADERS

    model = window.summary.model
    row = model.rowCount() - 1
    assert model.is_total_row(row)
    return {h: model.index(row, c).data() for c, h in enumerate(HEADERS)}


@pytest.fixture
def ui() -> Any:
    """The lookup helpers above, for tests: ``ui.layer_id(window, "dense")`` ..."""
    from types import SimpleNamespace

    return SimpleNamespace(layer_id=layer_id, row_values=row_values, row_text=row_text,
                           total_row_text=total_row_text)
