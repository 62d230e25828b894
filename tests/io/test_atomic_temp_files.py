"""Issue 12, item 7: a save killed before its rename leaves a temporary file whose name says
whose it is, and the next save in that folder removes it (never one of a running save)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paramlab.core.graph import LayerGraph
from paramlab.core.io import atomic
from paramlab.core.io.project import load_project, save_project

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="kill -9 and pids: POSIX")

# A save that stops for good between writing its temporary file and renaming it.
_STUCK_SAVE = """
import os, sys, time
from paramlab.core.graph import LayerGraph
from paramlab.core.io.project import save_project
os.replace = lambda *a: time.sleep(600)
g = LayerGraph("m")
g.add_layer("InputLayer", "x", {"shape": (4,)})
save_project(g, sys.argv[1])
"""


def _temp_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.endswith(atomic.TEMP_SUFFIX))


def _model() -> LayerGraph:
    g = LayerGraph("m")
    g.add_layer("InputLayer", "x", {"shape": (8,)})
    return g


def test_a_killed_save_leaves_a_recognisable_file_that_the_next_save_removes(tmp_path):
    target = tmp_path / "m.json"
    child = subprocess.Popen([sys.executable, "-c", _STUCK_SAVE, str(target)])
    try:
        deadline = time.monotonic() + 60
        while not _temp_files(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = _temp_files(tmp_path)
        assert len(left) == 1
        assert left[0].name.startswith(".m.json.") and f"-{child.pid}." in left[0].name
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert _temp_files(tmp_path) == left and not target.exists()  # the kill left it behind
    save_project(_model(), tmp_path / "other.json")  # any save in the folder cleans up
    assert _temp_files(tmp_path) == []
    assert load_project(tmp_path / "other.json").layer_ids()


def test_temporary_files_of_running_or_other_processes_are_kept(tmp_path):
    host = atomic._HOST
    running = tmp_path / f".a.json.{host}-{os.getpid()}.x1{atomic.TEMP_SUFFIX}"
    other_host = tmp_path / f".a.json.elsewhere-1.x2{atomic.TEMP_SUFFIX}"
    old = tmp_path / f".a.json.elsewhere-2.x3{atomic.TEMP_SUFFIX}"
    unrelated = tmp_path / ".a.json.tmp"
    for p in (running, other_host, old, unrelated):
        p.write_text("partial")
    stale = time.time() - atomic.STALE_AFTER - 60
    os.utime(old, (stale, stale))
    save_project(_model(), tmp_path / "a.json")
    assert running.exists() and other_host.exists() and unrelated.exists()
    assert not old.exists()
