"""Benchmark (a script, not collected by pytest): one autosave of a large model.

    QT_QPA_PLATFORM=offscreen python tests/bench/bench_autosave.py

Prints the milliseconds one ``Autosaver.autosave_now()`` takes (project JSON + atomic
``QSaveFile`` write, on the GUI thread) for a 1,001-layer Dense chain after one edit, median
and maximum of 15 runs, and the size of the file. It runs at most once per interval (30 s by
default), and only when the model changed since the last autosave.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from paramlab.core.graph import LayerGraph


def main() -> None:
    app = QApplication.instance() or QApplication([])
    from paramlab.gui.main_window import MainWindow

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        graph = LayerGraph("chain")
        prev = graph.add_layer("InputLayer", "input", {"shape": (64,)}, True, (0.0, 0.0))
        for i in range(1000):
            node = graph.add_layer("Dense", f"d{i}", {"units": 64}, True, (0.0, 100.0 * i))
            graph.connect(prev, node, 0)
            prev = node
        settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings, autosave_dir=tmp / "autosave")
        window.document.replace_graph(graph, None)
        target = graph.id_of("d500")
        times = []
        for k in range(15):
            window.editor.set_field(target, "units", 65 + k)
            start = time.perf_counter()
            assert window.autosave.autosave_now()
            times.append((time.perf_counter() - start) * 1000)
        size = window.autosave.path.stat().st_size / 1024
        print(f"autosave of a 1,001-layer model: median {statistics.median(times):.1f} ms, "
              f"max {max(times):.1f} ms, file {size:.0f} KiB")
        window.autosave.remove()
        window.deleteLater()
    del app


if __name__ == "__main__":
    main()
