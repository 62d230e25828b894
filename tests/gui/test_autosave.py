"""Autosave (issue 7): unsaved changes are written to the window's own file under the app-data
folder every N seconds, never over the user's file; a clean end removes it; a session that
died leaves it behind and the next start offers to recover it.

Figures: lenet as Keras counts it is 62,958 parameters; with ``dense`` at 60 units instead of
120 (Keras's Dense: in·units + units), dense = 400·60 + 60 = 24,060 and dense_1 = 60·84 + 84
= 5,124, so the total is 608 + 3,216 + 24,060 + 5,124 + 850 = 33,858.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from paramlab.core.io.project import load_project
from paramlab.core.propagate import propagate
from paramlab.core.resources import example_path
from paramlab.gui import preferences
from paramlab.gui.messages import RecoverChoice, SaveChoice

LENET_TOTAL = 62_958
EDITED_TOTAL = 33_858


def _total(graph) -> int:
    return propagate(graph).total


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def fast(settings):
    """Autosave every second, set through the preference (as Edit ▸ Preferences does)."""
    preferences.AUTOSAVE_INTERVAL.write(settings, 1)
    return settings


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A user's project file: a copy of lenet."""
    path = tmp_path / "mine.json"
    shutil.copy(example_path("lenet"), path)
    return path


def _edit(window, ui, units: int = 60) -> None:
    assert window.editor.set_field(ui.layer_id(window, "dense"), "units", units)


def _wait_autosave(qtbot, window) -> Path:
    """The next autosave by the window's timer."""
    with qtbot.waitSignal(window.autosave.written, timeout=5000) as blocker:
        pass
    return Path(blocker.args[0])


def _autosave(window) -> Path:
    """An autosave now (what the timer's next tick does), without waiting for the tick."""
    assert window.autosave.autosave_now()
    return window.autosave.path


def test_edit_is_autosaved_to_its_own_file(fast, make_window, project, autosave_dir, qtbot, ui):
    window = make_window(None)
    assert window.autosave.timer.interval() == 1000
    assert window.files.open_path(project, ask=False)
    before = project.read_bytes()
    _edit(window, ui)
    path = _wait_autosave(qtbot, window)
    assert path.parent == autosave_dir
    assert _files(autosave_dir) == sorted([path.name, path.name + ".lock"])
    saved = json.loads(path.read_text())
    assert saved["autosave"] == {"source": str(project), "title": "mine.json"}
    assert _total(load_project(path)) == EDITED_TOTAL  # the autosave is a loadable project
    assert project.read_bytes() == before  # the user's file is never touched
    # Nothing changed since: the next tick writes nothing.
    assert not window.autosave.autosave_now()


@pytest.mark.parametrize("end", ["save", "discard_and_close", "discard_and_new", "undo"])
def test_clean_end_removes_the_autosave(end, make_window, project, autosave_dir, ui, dialogs):
    window = make_window(None)
    assert window.files.open_path(project, ask=False)
    _edit(window, ui)
    _autosave(window)
    assert len(_files(autosave_dir)) == 2
    if end == "save":
        window.acts.save.trigger()
        assert _total(load_project(project)) == EDITED_TOTAL
    elif end == "undo":
        window.acts.undo.trigger()  # back to what the file holds
    else:
        dialogs.save_answer = SaveChoice.DISCARD
        if end == "discard_and_close":
            assert window.close()
        else:
            window.acts.new.trigger()
        assert dialogs.save_questions == ["mine.json"]
    assert _files(autosave_dir) == []


def test_cancelled_close_keeps_the_autosave(make_window, ui, dialogs):
    window = make_window("lenet")
    _edit(window, ui)
    path = _autosave(window)
    dialogs.save_answer = SaveChoice.CANCEL
    assert not window.close()
    assert path.is_file()


def test_autosave_off_writes_nothing(settings, make_window, autosave_dir, qtbot, ui):
    preferences.AUTOSAVE_INTERVAL.write(settings, 0)
    window = make_window("lenet")
    assert not window.autosave.timer.isActive()
    _edit(window, ui)
    qtbot.wait(300)
    assert _files(autosave_dir) == []


def test_two_windows_have_their_own_files(fast, make_window, autosave_dir, qtbot, ui, dialogs):
    first, second = make_window("lenet"), make_window("lenet")
    written: dict[str, list[str]] = {"first": [], "second": []}
    first.autosave.written.connect(written["first"].append)
    second.autosave.written.connect(written["second"].append)
    _edit(first, ui, 60)
    _edit(second, ui, 30)
    # Both timers tick each second, so either may write first.
    qtbot.waitUntil(lambda: bool(written["first"] and written["second"]), timeout=5000)
    a, b = Path(written["first"][0]), Path(written["second"][0])
    assert a != b
    assert _total(load_project(a)) == EDITED_TOTAL
    # dense at 30 units: 400·30 + 30 = 12,030 and dense_1 = 30·84 + 84 = 2,604.
    assert _total(load_project(b)) == 608 + 3_216 + 12_030 + 2_604 + 850
    # A running window's file is locked: another window never offers or takes it.
    assert first.autosave.orphans() == [] and second.autosave.orphans() == []
    assert not second.autosave.offer_recovery()
    assert dialogs.recover_questions == []


def _orphan(make_window, ui, project: Path, autosave_dir: Path) -> Path:
    """An autosave whose session ended without cleaning up (its lock is gone)."""
    window = make_window(None)
    assert window.files.open_path(project, ask=False)
    _edit(window, ui)
    path = _autosave(window)
    orphan = autosave_dir / "autosave-0123456789ab.json"
    shutil.copy(path, orphan)
    return orphan


def test_recover_restores_the_model_as_modified_with_its_file(make_window, project,
                                                              autosave_dir, ui, dialogs):
    orphan = _orphan(make_window, ui, project, autosave_dir)
    window = make_window("lenet")
    dialogs.recover_answer = RecoverChoice.RECOVER
    assert window.autosave.offer_recovery()
    assert [name for name, _ in dialogs.recover_questions] == ["mine.json"]
    assert window.document.result.total == EDITED_TOTAL
    assert window.document.modified and window.isWindowModified()
    assert window.document.path == project
    assert window.windowTitle() == "mine.json[*] — ParamLab"
    assert not window.acts.undo.isEnabled()  # the recovered state is the undo baseline
    assert not orphan.exists()  # taken over by this window's own autosave file
    assert window.autosave.path.is_file()
    window.acts.save.trigger()  # Save goes to the original file, without asking
    assert _total(load_project(project)) == EDITED_TOTAL
    assert not window.document.modified


def test_later_keeps_and_discard_deletes(make_window, project, autosave_dir, ui, dialogs):
    orphan = _orphan(make_window, ui, project, autosave_dir)
    window = make_window("lenet")
    assert not window.autosave.offer_recovery()  # Later
    assert orphan.is_file() and len(dialogs.recover_questions) == 1
    assert window.document.result.total == LENET_TOTAL
    dialogs.recover_answer = RecoverChoice.DISCARD
    assert not window.autosave.offer_recovery()
    assert len(dialogs.recover_questions) == 2
    assert not orphan.exists()
    assert not window.autosave.offer_recovery()
    assert len(dialogs.recover_questions) == 2  # nothing left to offer


def test_corrupt_autosave_is_reported_and_kept_aside(make_window, autosave_dir, dialogs):
    autosave_dir.mkdir()
    broken = autosave_dir / "autosave-00000000beef.json"
    broken.write_text('{"format_version": 1, "layers": [{"id": "n1"')
    window = make_window("lenet")
    assert not window.autosave.offer_recovery()
    assert dialogs.recover_questions == []
    assert len(dialogs.errors) == 1
    _title, text, _ = dialogs.errors[0]
    kept = autosave_dir / "corrupt-00000000beef.json"
    assert "\n" not in text
    assert "autosave-00000000beef.json" in text and "truncated" in text and str(kept) in text
    assert kept.read_text() == '{"format_version": 1, "layers": [{"id": "n1"'
    assert not broken.exists()
    assert not window.autosave.offer_recovery()  # reported once, not at every start
    assert len(dialogs.errors) == 1


def test_failed_autosave_is_said_once(make_window, autosave_dir, ui):
    autosave_dir.write_text("a file where the folder should be")
    window = make_window("lenet")
    messages = []
    window.autosave.status.connect(messages.append)
    _edit(window, ui, 60)
    assert not window.autosave.autosave_now()
    _edit(window, ui, 61)
    assert not window.autosave.autosave_now()
    assert len(messages) == 1 and messages[0].startswith("Autosave failed: ")
    assert window.document.modified and window.document.result.total > 0
