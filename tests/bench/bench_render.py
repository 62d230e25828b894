"""Benchmark (a script, not collected by pytest): canvas and PNG export speed.

    QT_QPA_PLATFORM=offscreen python tests/bench/bench_render.py

Prints milliseconds for: building the canvas scene of the ``vgg16`` example; one config
edit on a generated 500-layer model until the canvas items show the new counts; exporting
the diagram PNG of that 500-layer model; exporting its summary PNG. Each figure is the
median of several runs.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtWidgets import QApplication

from paramlab.core.edits import SetConfig
from paramlab.core.graph import LayerGraph
from paramlab.core.io.loader import load_model
from paramlab.core.layout import apply_layout
from paramlab.core.summary import summarize


def resnet_like(blocks: int) -> LayerGraph:
    """Input, ``blocks`` x (Conv2D -> BatchNormalization -> ReLU -> Add with the block
    input), global pooling, Dense: 4 * blocks + 3 layers."""
    g = LayerGraph("resnet_like")
    x = g.add_layer("InputLayer", config={"shape": [32, 32, 16]})
    for _ in range(blocks):
        c = g.add_layer("Conv2D", config={"filters": 16, "kernel_size": [3, 3], "padding": "same"})
        b = g.add_layer("BatchNormalization")
        r = g.add_layer("ReLU")
        a = g.add_layer("Add")
        g.connect(x, c)
        g.connect(c, b)
        g.connect(b, r)
        g.connect(r, a, 0)
        g.connect(x, a, 1)
        x = a
    p = g.add_layer("GlobalAveragePooling2D")
    g.connect(x, p)
    d = g.add_layer("Dense", config={"units": 10})
    g.connect(p, d)
    apply_layout(g)
    return g


def timed(fn, repeat: int = 5) -> float:
    """Median wall time of ``fn()`` in ms."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    _app = QApplication.instance() or QApplication(sys.argv)
    from paramlab.gui.canvas.view import CanvasView
    from paramlab.gui.document import Document
    from paramlab.gui.render import render_diagram_png, render_summary_png

    vgg = load_model("vgg16")
    views = []

    def build_vgg() -> None:
        doc = Document(vgg)
        view = CanvasView(doc)
        views.append((doc, view))

    def paint_vgg() -> None:
        doc = Document(vgg)
        view = CanvasView(doc)
        view.resize(1000, 800)
        view.zoom_to_fit()
        view.grab()  # forces a full paint of the viewport
        views.append((doc, view))

    print(f"canvas scene of vgg16 ({len(vgg)} layers) built: {timed(build_vgg):.1f} ms")
    print(f"canvas of vgg16 built, fitted and painted: {timed(paint_vgg):.1f} ms")

    big = resnet_like(125)
    doc = Document(big)
    t0 = time.perf_counter()
    view = CanvasView(doc)
    print(f"canvas scene of a generated {len(big)}-layer model: "
          f"{(time.perf_counter() - t0) * 1000:.1f} ms")
    view.resize(1000, 800)
    view.zoom_to_fit()
    print(f"  painting all of it (zoomed to fit): {timed(lambda: view.grab(), 3):.1f} ms")
    scene = view.canvas_scene()
    convs = [n for n in big.topological_order() if big.raw(n)["type"] == "Conv2D"]
    target = convs[-3]  # near the end: a few layers downstream
    state = {"filters": 16}

    def edit() -> None:
        state["filters"] = 24 if state["filters"] == 16 else 16
        doc.execute(SetConfig(target, "filters", state["filters"]), "filters")
        expected = f"{(3 * 3 * 16 + 1) * state['filters']:,} params"
        assert scene.layer_item(target).look.params_text == expected

    print(f"one config edit on the {len(big)}-layer model until the canvas shows it: "
          f"{timed(edit, 11):.2f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "diagram.png"
        result = doc.result
        ms = timed(lambda: render_diagram_png(big, result, out), 3)
        print(f"diagram PNG of the {len(big)}-layer model: {ms:.0f} ms "
              f"({out.stat().st_size / 1e6:.1f} MB)")
        summary = summarize(big, result)
        out2 = Path(tmp) / "summary.png"
        ms = timed(lambda: render_summary_png(summary, out2), 3)
        print(f"summary PNG of the {len(big)}-layer model: {ms:.0f} ms")
        vres = Document(vgg).result
        ms = timed(lambda: render_diagram_png(vgg, vres, out), 5)
        print(f"diagram PNG of vgg16: {ms:.0f} ms")


if __name__ == "__main__":
    main()
