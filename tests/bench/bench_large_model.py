"""Benchmark of large models (a script; pytest does not collect ``bench_*`` files).

    QT_QPA_PLATFORM=offscreen python tests/bench/bench_large_model.py

Prints, for the layered layout (``core.layout.layered_layout``, cache cleared each run):
DenseNet121 and ResNet50 (Keras reference files), the real NASNetLarge and EfficientNetV2L
(``data/*.json.gz``: ``keras.applications.NASNetLarge(weights=None).to_json()``, Keras
3.15.1, JAX backend; Keras's ``count_params()`` 88,949,818 and 119,027,848) and generated
graphs (``large_models.py``: NASNet's wiring with a Dense layer inside, a branched and a
chain of 1,000 layers); then, in the editor window with each of the real models and the
NASNet-like one:

1. opening the saved project until the window has painted it (usable);
2. one frame of panning / zooming with the whole model in view (a timed synchronous
   ``QGraphicsView`` viewport repaint; level of detail draws plain boxes);
3. one property edit until the canvas and the summary have repainted: the head's
   ``units`` and a layer early in the model (NASNet's ``separable_conv_1_normal_left1_5``:
   ``kernel_size`` in the real model, ``units`` of the Dense layer in the generated one).
"""
from __future__ import annotations

import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from large_models import branched, chain, nasnet_like
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from paramlab.core import layout as layout_module
from paramlab.core.io.loader import load_model
from paramlab.core.io.project import save_project
from paramlab.core.layout import apply_layout, layered_layout

DATA = HERE.parent / "data" / "keras"
REAL = HERE / "data"


def real_model(name: str):
    """The real Keras application (1,041 / 1,031 layers) from ``data/NAME.json.gz``."""
    path = Path(tempfile.mkdtemp()) / f"{name}.json"
    path.write_bytes(gzip.decompress((REAL / f"{name}.json.gz").read_bytes()))
    return load_model(str(path))


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
              real_model("NASNetLarge"), real_model("EfficientNetV2L"),
              nasnet_like(), branched(1000), chain(1000)]
    for g in models:
        def run(g=g) -> None:
            layout_module._cache.clear()
            layered_layout(g)
        med, worst = ms(run)
        print(f"  {g.name:<16} {len(g):>5} layers  {med:7.0f} ms  (max {worst:.0f})")


def bench_window(g, edits) -> None:
    app = QApplication.instance() or QApplication([])
    from paramlab.gui.main_window import MainWindow

    apply_layout(g)
    tmp = Path(tempfile.mkdtemp()) / f"{g.name}.paramlab.json"
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
    print(f"{g.name}: open the {len(g)}-layer project to a painted window: "
          f"{(time.perf_counter() - t0) * 1000:.0f} ms")

    view = window.canvas
    rect = window.scene().visible_items_rect()
    view.resetTransform()
    view.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)  # the whole model in view
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

    for name, key, values in edits:
        layer = window.document.graph.id_of(name)

        def edit(layer: str = layer, key: str = key, values: list = values) -> None:
            window.editor.set_field(layer, key, values[0])
            values.reverse()
            app.processEvents()
            view.viewport().repaint()
            window.summary.view.viewport().repaint()
        med, worst = ms(edit, 20)
        print(f"one property edit ({name}.{key}), until canvas and summary repaint: "
              f"{med:.1f} ms (max {worst:.1f})")
    window.close()


WINDOWS = {
    "NASNetLarge": (lambda: real_model("NASNetLarge"), "separable_conv_1_normal_left1_5",
                    "kernel_size", [[3, 3], [5, 5]]),
    "EfficientNetV2L": (lambda: real_model("EfficientNetV2L"), "block1a_project_conv",
                        "kernel_size", [[5, 5], [3, 3]]),
    "nasnet_like": (nasnet_like, "separable_conv_1_normal_left1_5", "units", [16, 8]),
}


if __name__ == "__main__":
    if len(sys.argv) > 1:  # one window per process: each starts from a fresh QApplication
        make, layer, key, values = WINDOWS[sys.argv[1]]
        bench_window(make(), [("predictions", "units", [16, 8]), (layer, key, values)])
    else:
        bench_layout()
        for name in WINDOWS:
            subprocess.run([sys.executable, __file__, name], check=False)
