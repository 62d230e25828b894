"""Benchmark of large models (a script; pytest does not collect ``bench_*`` files).

    QT_QPA_PLATFORM=offscreen python tests/bench/bench_large_model.py

Prints, for the layered layout (``core.layout.layered_layout``, cache cleared each run):
DenseNet121 and ResNet50 (Keras reference files) and generated models of NASNetLarge's
and a branched 1,000-layer size (``large_models.py``: NASNetLarge and EfficientNetV2L are
not among the reference files); then, in the editor window with the NASNet-like model:

1. opening the saved project until the window has painted it (usable);
2. one frame of panning / zooming with the whole model in view (a timed synchronous
   ``QGraphicsView`` viewport repaint; level of detail draws plain boxes);
3. one property edit (a Dense layer's ``units``) until the canvas and the summary have
   repainted.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from large_models import branched, chain, nasnet_like
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from paramlab.core import layout as layout_module
from paramlab.core.io.loader import load_model
from paramlab.core.io.project import save_project
from paramlab.core.layout import apply_layout, layered_layout

DATA = HERE.parent / "data" / "keras"


def ms(f, repeat: int = 5) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times)


def bench_layout() -> None:
    print("layout (median of 5, ms):")
    models = [load_model(str(DATA / "ResNet50.json")), load_model(str(DATA / "DenseNet121.json")),
              nasnet_like(), branched(1000), chain(1000)]
    for g in models:
        def run(g=g) -> None:
            layout_module._cache.clear()
            layered_layout(g)
        med, worst = ms(run)
        print(f"  {g.name:<16} {len(g):>5} layers  {med:7.0f} ms  (max {worst:.0f})")


def bench_window() -> None:
    app = QApplication.instance() or QApplication([])
    from paramlab.gui.main_window import MainWindow

    g = nasnet_like()
    apply_layout(g)
    tmp = Path(tempfile.mkdtemp()) / "nasnet_like.paramlab.json"
    save_project(g, tmp)
    settings = QSettings(str(tmp.with_suffix(".ini")), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings)
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    t0 = time.perf_counter()
    assert window.files.open_path(str(tmp), ask=False)
    app.processEvents()
    window.canvas.viewport().repaint()
    window.summary.view.viewport().repaint()
    print(f"open {len(g)}-layer NASNet-like project to a painted window: "
          f"{(time.perf_counter() - t0) * 1000:.0f} ms")

    view = window.canvas
    rect = window.scene().visible_items_rect()
    view.resetTransform()
    view.fitInView(rect)  # zoomed out: the whole model in view
    view.viewport().repaint()
    bar = view.verticalScrollBar()

    def frame() -> None:
        bar.setValue(bar.value() + 3)
        view.viewport().repaint()
    med, worst = ms(frame, 30)
    print(f"pan frame, whole model in view (scale {view.transform().m11():.3f}): "
          f"{med:.1f} ms (max {worst:.1f})")

    def zoom() -> None:
        view.scale(1.02, 1.02)
        view.viewport().repaint()
    med, worst = ms(zoom, 30)
    print(f"zoom frame, zoomed out: {med:.1f} ms (max {worst:.1f})")
    view.resetTransform()
    view.scale(0.8, 0.8)
    view.centerOn(rect.center())
    med, worst = ms(frame, 30)
    print(f"pan frame at 0.8 (text drawn): {med:.1f} ms (max {worst:.1f})")

    for name, what in (("predictions", "the classifier head (few descendants)"),
                       ("separable_conv_1_normal_left1_5", "a layer early in the model "
                        "(769 layers downstream; the edit changes 2 results)")):
        layer = window.document.graph.id_of(name)
        units = [16, 8]

        def edit(layer: str = layer, units: list[int] = units) -> None:
            window.editor.set_field(layer, "units", units[0])
            units.reverse()
            app.processEvents()
            view.viewport().repaint()
            window.summary.view.viewport().repaint()
        med, worst = ms(edit, 20)
        print(f"one property edit of {what}, until canvas and summary repaint: "
              f"{med:.1f} ms (max {worst:.1f})")
    window.close()


if __name__ == "__main__":
    bench_layout()
    bench_window()
