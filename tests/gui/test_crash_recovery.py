"""Crash recovery end to end (issue 7): the editor runs in a child process (the real
``paramlab`` entry point, offscreen, with its own data, config and home folders), makes an
edit, autosaves, and is killed with SIGKILL; a new instance offers the work back, and the
recovered model's summary equals the edited one. A clean quit leaves no autosave behind.

Figures: lenet is 62,958 parameters as Keras counts them; with ``dense`` at 60 units
(Keras's Dense: in·units + units) it is 608 + 3,216 + 24,060 + 5,124 + 850 = 33,858.
"""
from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from paramlab.core.io.project import load_project
from paramlab.core.propagate import propagate
from paramlab.core.resources import example_path
from paramlab.gui.messages import RecoverChoice

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

EDITED_TOTAL = 33_858
LENET_TOTAL = 62_958

# The child: the real entry point (paramlab.gui.app.main) on the user's file; once the window
# is up, one edit; after each autosave, its summary JSON on stdout. "quit" then saves and
# closes the window (a clean end); "crash" waits to be killed.
CHILD = r'''
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from paramlab.gui import app
from paramlab.core.io.writers import format_summary
from paramlab.core.summary import summarize

mode, model = sys.argv[1], sys.argv[2]
qapp = app._ensure_app()

def drive():
    from paramlab.gui.main_window import MainWindow
    window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
    doc = window.document

    def written(path):
        summary = json.loads(format_summary(summarize(doc.graph, doc.result), "json"))
        print("AUTOSAVED", path, json.dumps(summary), flush=True)
        if mode == "quit":
            window.files.save()
            window.close()

    window.autosave.written.connect(written)
    assert window.editor.set_field(doc.graph.id_of("dense"), "units", 60)

QTimer.singleShot(0, drive)
sys.exit(app.main([model]))
'''


def _start(tmp_path: Path, mode: str, model: Path) -> subprocess.Popen[str]:
    home, data, config = tmp_path / "home", tmp_path / "data", tmp_path / "config"
    for folder in (home, data, config):
        folder.mkdir(exist_ok=True)
    # The preference, where the child's QSettings("ParamLab", "ParamLab") reads it.
    (config / "ParamLab").mkdir(exist_ok=True)
    (config / "ParamLab" / "ParamLab.conf").write_text("[autosave]\ninterval_seconds=1\n")
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(home),
           "XDG_DATA_HOME": str(data), "XDG_CONFIG_HOME": str(config)}
    return subprocess.Popen([sys.executable, str(script), mode, str(model)], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _first_autosave(child: subprocess.Popen[str], timeout: float = 60) -> tuple[Path, dict]:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in child.stdout], daemon=True).start()
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            child.kill()
            pytest.fail(f"no autosave from the editor: {child.stderr.read()[-2000:]}")
        if line.startswith("AUTOSAVED "):
            _, path, summary = line.split(" ", 2)
            return Path(path), json.loads(summary)


def _autosave_folder(tmp_path: Path) -> Path:
    # QStandardPaths.AppLocalDataLocation on Linux: $XDG_DATA_HOME/<organization>/<application>
    return tmp_path / "data" / "ParamLab" / "ParamLab" / "autosave"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "mine.json"
    shutil.copy(example_path("lenet"), path)
    return path


@pytest.fixture
def paramlab_identity(qapp):
    """The application names the ``paramlab`` command sets, restored afterwards."""
    old = qapp.organizationName(), qapp.applicationName()
    qapp.setOrganizationName("ParamLab")
    qapp.setApplicationName("ParamLab")
    yield
    qapp.setOrganizationName(old[0])
    qapp.setApplicationName(old[1])


def test_killed_editor_is_recovered_by_the_next_instance(tmp_path, project, qtbot, settings,
                                                         dialogs, monkeypatch,
                                                         paramlab_identity):
    child = _start(tmp_path, "crash", project)
    try:
        path, edited = _first_autosave(child)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    assert child.returncode == -signal.SIGKILL
    folder = _autosave_folder(tmp_path)
    assert path.parent == folder and path.is_file()
    assert edited["totals"]["total"] == EDITED_TOTAL
    assert propagate(load_project(project)).total == LENET_TOTAL  # the user's file: untouched

    # A new instance, in this process, with the same data folder (not told where the file is).
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    from paramlab.core.io.writers import format_summary
    from paramlab.core.summary import summarize
    from paramlab.gui.autosave import default_autosave_dir
    from paramlab.gui.main_window import MainWindow

    assert default_autosave_dir() == folder
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    window.show()
    assert window.files.open_example("lenet", ask=False)  # as `paramlab` starts
    dialogs.recover_answer = RecoverChoice.RECOVER
    assert window.autosave.offer_recovery()
    assert [name for name, _ in dialogs.recover_questions] == ["mine.json"]
    doc = window.document
    assert json.loads(format_summary(summarize(doc.graph, doc.result), "json")) == edited
    assert doc.modified and doc.path == project
    assert not path.exists()  # now in this window's own autosave file

    window.acts.save.trigger()  # to the original file, without asking
    assert propagate(load_project(project)).total == EDITED_TOTAL
    assert window.close()
    assert sorted(p.name for p in folder.iterdir()) == []


def test_clean_quit_leaves_no_autosave(tmp_path, project):
    child = _start(tmp_path, "quit", project)
    try:
        path, edited = _first_autosave(child)
        _out, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 0, err[-2000:]
    assert edited["totals"]["total"] == EDITED_TOTAL
    assert propagate(load_project(project)).total == EDITED_TOTAL  # saved before quitting
    folder = _autosave_folder(tmp_path)
    assert path.parent == folder
    assert sorted(p.name for p in folder.iterdir()) == []
