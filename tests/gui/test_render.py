"""PNG exports (gui/render.py): the summary table and the diagram, checked pixel by pixel."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QColor, QImage

from paramlab.core.graph import LayerGraph
from paramlab.core.layout import apply_layout
from paramlab.core.propagate import propagate
from paramlab.core.summary import summarize
from paramlab.gui.render import MAX_PIXELS, MAX_SIDE, render_diagram_png, render_summary_png
from paramlab.gui.style import ERROR_COLOR, category_color

ROOT = Path(__file__).resolve().parents[2]


def color_count(image: QImage, color: QColor) -> int:
    """How many pixels of ``image`` have exactly ``color``."""
    img = image.convertToFormat(QImage.Format.Format_RGB32)
    data = bytes(img.constBits())
    pattern = bytes([color.blue(), color.green(), color.red(), 255])
    count = 0
    start = data.find(pattern)
    while start != -1:
        if start % 4 == 0:
            count += 1
        start = data.find(pattern, start + 4 if start % 4 == 0 else start + 1)
    return count


def white_fraction(image: QImage) -> float:
    return color_count(image, QColor(255, 255, 255)) / (image.width() * image.height())


def lenet() -> LayerGraph:
    """The lenet example's layers (Keras: 608, 3,216, 48,120, 10,164, 850 = 62,958)."""
    g = LayerGraph("lenet")
    prev = g.add_layer("InputLayer", config={"shape": [32, 32, 3]})
    for type_name, config in [("Conv2D", {"filters": 8, "kernel_size": [5, 5]}),
                              ("MaxPooling2D", {"pool_size": [2, 2]}),
                              ("Conv2D", {"filters": 16, "kernel_size": [5, 5]}),
                              ("MaxPooling2D", {"pool_size": [2, 2]}),
                              ("Flatten", {}), ("Dense", {"units": 120}),
                              ("Dense", {"units": 84}), ("Dense", {"units": 10})]:
        n = g.add_layer(type_name, config=config)
        g.connect(prev, n)
        prev = n
    apply_layout(g)
    return g


def resnet_like(blocks: int) -> LayerGraph:
    """Input, then ``blocks`` residual blocks Conv2D -> BatchNormalization -> ReLU -> Add
    (with the block input) — 4 layers per block — plus a pooling head."""
    g = LayerGraph("resnet_like")
    x = g.add_layer("InputLayer", config={"shape": [16, 16, 8]})
    for _ in range(blocks):
        c = g.add_layer("Conv2D", config={"filters": 8, "kernel_size": [3, 3], "padding": "same"})
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


def test_summary_png_table(qapp: Any, tmp_path: Path) -> None:
    g = lenet()
    summary = summarize(g)
    assert summary.total == 62_958
    out = tmp_path / "summary.png"
    render_summary_png(summary, out)
    image = QImage(str(out))
    assert not image.isNull()
    assert 600 <= image.width() <= 2000
    assert 9 * 20 < image.height() < 1000  # nine rows, a header, totals
    frac = white_fraction(image)
    assert 0.4 < frac < 0.97  # text and rules drawn, mostly background
    assert color_count(image, ERROR_COLOR) == 0  # no error rows in a valid model


def test_summary_png_error_rows_red_and_grows_with_rows(qapp: Any, tmp_path: Path) -> None:
    g = lenet()
    small = tmp_path / "small.png"
    render_summary_png(summarize(g), small)
    conv = g.id_of("conv2d")
    g.set_config(conv, "kernel_size", [40, 40])  # larger than the 32x32 input: an error
    bad = tmp_path / "bad.png"
    render_summary_png(summarize(g), bad)
    image = QImage(str(bad))
    assert color_count(image, QColor(255, 225, 225)) > 5000  # pink error rows
    assert color_count(image, ERROR_COLOR) > 50  # red text
    assert image.height() > QImage(str(small)).height()  # message lines added


def test_diagram_png_looks_like_canvas(qapp: Any, tmp_path: Path) -> None:
    g = lenet()
    out = tmp_path / "diagram.png"
    render_diagram_png(g, propagate(g), out)
    image = QImage(str(out))
    # 9 nodes of 184x76 stacked 110 apart, plus margins and a title line
    assert image.height() >= 9 * 110 - 34 and image.width() >= 184
    assert 0.3 < white_fraction(image) < 0.95
    assert color_count(image, category_color("Convolution")) > 2 * 5000  # 2 conv nodes
    assert color_count(image, category_color("Core")) > 4 * 5000  # input + 3 dense
    assert color_count(image, category_color("Pooling")) > 2 * 5000
    assert color_count(image, ERROR_COLOR) == 0


def test_diagram_png_error_outline(qapp: Any, tmp_path: Path) -> None:
    g = lenet()
    g.set_config(g.id_of("dense"), "units", 0)
    out = tmp_path / "diagram.png"
    render_diagram_png(g, propagate(g), out)
    assert color_count(QImage(str(out)), ERROR_COLOR) > 300


def test_diagram_png_unlaid_model_is_laid_out(qapp: Any, tmp_path: Path) -> None:
    g = lenet()
    for n in g.layer_ids():
        g.move(n, (0.0, 0.0))
    out = tmp_path / "diagram.png"
    render_diagram_png(g, propagate(g), out)
    assert QImage(str(out)).height() >= 9 * 110 - 34


def test_diagram_png_500_layers(qapp: Any, tmp_path: Path) -> None:
    g = resnet_like(125)  # 1 + 500 + 2 = 503 layers
    assert len(g) == 503
    result = propagate(g)
    assert not result.has_errors
    out = tmp_path / "big.png"
    render_diagram_png(g, result, out)
    image = QImage(str(out))
    assert not image.isNull()
    assert max(image.width(), image.height()) <= MAX_SIDE
    assert image.width() * image.height() <= MAX_PIXELS * 1.01
    assert image.height() > 10_000
    assert color_count(image, category_color("Normalization")) > 100 * 1000


def test_png_write_is_atomic(qapp: Any, tmp_path: Path) -> None:
    g = lenet()
    with pytest.raises(OSError, match="cannot write"):
        render_diagram_png(g, propagate(g), tmp_path / "missing" / "d.png")
    assert not (tmp_path / "missing").exists()
    target = tmp_path / "d.png"
    target.write_bytes(b"old")
    render_diagram_png(g, propagate(g), target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["d.png"]  # no temp file left


def test_render_needs_only_qguiapplication(tmp_path: Path) -> None:
    """Headless export (the CLI's path): a plain offscreen QGuiApplication, no widgets."""
    script = f"""
import sys
from PySide6.QtGui import QGuiApplication
from paramlab.core.graph import LayerGraph
from paramlab.core.propagate import propagate
from paramlab.core.summary import summarize
from paramlab.gui import render
g = LayerGraph("m")
a = g.add_layer("InputLayer", config={{"shape": [4]}})
b = g.add_layer("Dense", config={{"units": 3}}, position=(0, 110))
g.connect(a, b)
try:
    render.render_diagram_png(g, propagate(g), r"{tmp_path / 'no_app.png'}")
except RuntimeError as exc:
    print("refused:", exc)
app = QGuiApplication(sys.argv)
render.render_diagram_png(g, propagate(g), r"{tmp_path / 'd.png'}")
render.render_summary_png(summarize(g), r"{tmp_path / 's.png'}")
import PySide6.QtWidgets
print("widgets app:", isinstance(QGuiApplication.instance(), PySide6.QtWidgets.QApplication))
"""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", script], check=False, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "refused: PNG rendering needs a QGuiApplication" in proc.stdout
    assert "widgets app: False" in proc.stdout
    for name in ("d.png", "s.png"):
        image = QImage(str(tmp_path / name))
        assert not image.isNull() and white_fraction(image) < 0.97
    assert not (tmp_path / "no_app.png").exists()


def test_diagram_png_nested_model_collapsed_or_framed(qapp: Any, tmp_path: Path) -> None:
    """A collapsed nested model is one node (summed counts); an expanded one is framed."""
    g = LayerGraph("nested")
    i = g.add_layer("InputLayer", config={"shape": [8]}, position=(0, 0))
    a = g.add_layer("Dense", config={"units": 4}, position=(0, 110), group="base")
    b = g.add_layer("Dense", config={"units": 2}, position=(0, 220), group="base")
    g.groups["base"] = {"type": "Functional", "trainable": True, "collapsed": True}
    g.connect(i, a)
    g.connect(a, b)
    frame_fill = QColor(249, 249, 253)  # the frame's translucent fill over white
    collapsed = tmp_path / "collapsed.png"
    render_diagram_png(g, propagate(g), collapsed)
    image = QImage(str(collapsed))
    assert color_count(image, frame_fill) == 0
    assert color_count(image, QColor(235, 235, 245)) > 5000  # one group node
    assert color_count(image, category_color("Core")) < 1.5 * 184 * 76  # only the input
    g.groups["base"]["collapsed"] = False
    expanded = tmp_path / "expanded.png"
    render_diagram_png(g, propagate(g), expanded)
    image = QImage(str(expanded))
    assert color_count(image, frame_fill) > 10_000
    assert color_count(image, category_color("Core")) > 2.5 * 170 * 70  # three layers


def test_diagram_png_narrow_model_is_centred_under_a_long_title(qapp: Any, tmp_path: Path) -> None:
    from paramlab.core.io.project import load_project
    from paramlab.core.resources import example_path

    g = load_project(example_path("vgg16_transfer"))  # 6 nodes in one column, long title
    out = tmp_path / "vgg.png"
    render_diagram_png(g, propagate(g), out)
    image = QImage(str(out)).convertToFormat(QImage.Format.Format_RGB32)
    data = bytes(image.constBits())
    stride = image.bytesPerLine()
    fill = category_color("Core")  # input_layer, dense, dense_1
    pattern = bytes([fill.blue(), fill.green(), fill.red(), 255])
    spans = []
    for y in range(image.height()):
        row = data[y * stride: y * stride + image.width() * 4]
        first, last = row.find(pattern), row.rfind(pattern)
        if first != -1 and first % 4 == 0 and last % 4 == 0:
            spans.append((first // 4, last // 4))
    assert spans, "no Core node drawn"
    left = min(a for a, _ in spans)
    right = max(b for _, b in spans)
    assert right - left < 200  # one column of nodes (184 wide) ...
    assert abs((left + right) / 2 - image.width() / 2) < 10  # ... in the middle of the image
    assert image.width() > 2.5 * (right - left)  # the header (title, totals) made it wide
