"""Benchmark of the editor window (a script; pytest does not collect ``bench_*`` files).

Measures, offscreen:
  1. opening the ``vgg16`` example until the main window has painted it;
  2. one property edit (a Dense layer's ``units``, typed in the properties panel's spin box)
     on a generated 500-layer model, until the canvas and the summary table have repainted
     with the new counts (target: under 50 ms).

Run:
    QT_QPA_PLATFORM=offscreen python tests/bench/bench_gui_edit.py [--repeat 20]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QObject, QSettings
from PySide6.QtWidgets import QApplication

from paramlab.core.graph import LayerGraph
from paramlab.core.layout import apply_layout


def chain_model(n_layers: int = 500, width: int = 64) -> LayerGraph:
    """Input(width) followed by ``n_layers - 1`` Dense(width) layers in a chain."""
    g = LayerGraph(f"chain_{n_layers}")
    prev = g.add_layer("InputLayer", config={"shape": [width]})
    for _ in range(n_layers - 1):
        node = g.add_layer("Dense", config={"units": width, "activation": "relu"})
        g.connect(prev, node)
        prev = node
    apply_layout(g)
    return g


class PaintCounter(QObject):
    """Counts paint events of the widgets it filters."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[int, int] = {}

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.counts[id(watched)] = self.counts.get(id(watched), 0) + 1
        return False


def _paint(app: QApplication, window, counter: PaintCounter) -> None:
    """Process events until the canvas and the summary table have each painted once
    (Qt paints on its own schedule, as it does on screen; nothing is forced)."""
    widgets = (window.canvas.viewport(), window.summary.view.viewport())
    before = {id(w): counter.counts.get(id(w), 0) for w in widgets}
    deadline = time.perf_counter() + 5.0
    while any(counter.counts.get(id(w), 0) == before[id(w)] for w in widgets):
        app.processEvents()
        if time.perf_counter() > deadline:
            raise RuntimeError("the canvas or the summary never repainted")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="edits to time (default 20)")
    parser.add_argument("--layers", type=int, default=500, help="layers of the generated model")
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication([])
    from paramlab.gui.main_window import MainWindow

    settings = QSettings(str(Path(tempfile.mkdtemp()) / "bench.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings)
    window.resize(1400, 900)
    window.show()
    counter = PaintCounter()
    window.canvas.viewport().installEventFilter(counter)
    window.summary.view.viewport().installEventFilter(counter)
    app.processEvents()

    # 1. vgg16 to a painted window
    opens = []
    for _ in range(3):
        t0 = time.perf_counter()
        window.files.open_example("vgg16", ask=False)
        app.processEvents()
        window.repaint()
        opens.append(time.perf_counter() - t0)
    total = window.document.result.total
    print(f"open vgg16 ({len(window.document.graph)} layers, {total:,} parameters) "
          f"to a painted window: best {_ms(min(opens))}, median {_ms(statistics.median(opens))}")

    # 2. one property edit on a generated model
    window.document.replace_graph(chain_model(args.layers))
    _paint(app, window, counter)
    graph = window.document.graph
    target = graph.layer_ids()[len(graph) // 2]
    window.select_ids([target])
    _paint(app, window, counter)
    spin = window.properties.field_editors["units"].spin
    times = []
    for i in range(args.repeat):
        value = 65 if i % 2 == 0 else 64
        t0 = time.perf_counter()
        spin.setValue(value)  # the same signal path as an arrow click or Enter
        _paint(app, window, counter)
        times.append(time.perf_counter() - t0)
        row = window.summary.model.row_of(target)
        shown = window.summary.model.index(row, 5).data()
        assert shown == f"{65 * value:,}", (shown, value)  # (64 + 1)·units, on screen
    times.sort()
    p90 = times[max(0, int(len(times) * 0.9) - 1)]
    print(f"property edit on a {len(graph)}-layer model until canvas and summary repaint: "
          f"median {_ms(statistics.median(times))}, p90 {_ms(p90)}, best {_ms(times[0])} "
          f"({args.repeat} edits)")
    window.document.undo_stack.setClean()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
