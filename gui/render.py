"""PNG exports: the summary table and the whole diagram, drawn with QPainter on a QImage.

Both functions need a ``QGuiApplication`` (a ``QApplication`` will do), which may be
offscreen (``QT_QPA_PLATFORM=offscreen``): nothing here needs a display or a widget. The
diagram is drawn with the very functions the canvas items paint with
(``gui.canvas.painting``), so the PNG looks like the canvas. Files are written atomically
(``QSaveFile``): a failed export never leaves a half-written PNG behind.
"""
from __future__ import annotations

import math
from os import PathLike
from pathlib import Path
from typing import Any

from PySide6.QtCore import QIODevice, QPointF, QRectF, QSaveFile, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QGuiApplication, QImage, QPainter, QPen

from paramlab.core.graph import LayerGraph
from paramlab.core.propagate import BYTES_PER_PARAM, PropagationResult
from paramlab.core.summary import Summary, format_bytes
from paramlab.gui.diagram import MAX_PIXELS, MAX_SIDE
from paramlab.gui.style import ERROR_BACKGROUND, ERROR_COLOR

_MARGIN = 24.0
_CELL_PAD = 10.0
_MAX_TEXT_COLUMN = 380.0
_GRID = QColor(200, 200, 205)
_HEADER_BG = QColor(235, 238, 245)
_TEXT = QColor(20, 20, 25)


def _require_app() -> None:
    if QGuiApplication.instance() is None:
        raise RuntimeError("PNG rendering needs a QGuiApplication (create one first; "
                           "QT_QPA_PLATFORM=offscreen works without a display)")


def _font(pixels: int, bold: bool = False, mono: bool = False) -> QFont:
    font = QFont("DejaVu Sans Mono") if mono else QFont()
    if mono:
        font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPixelSize(pixels)
    font.setBold(bold)
    return font


def _scale_for(width: float, height: float) -> float:
    scale = 1.0
    if max(width, height) > MAX_SIDE:
        scale = MAX_SIDE / max(width, height)
    if width * height * scale * scale > MAX_PIXELS:
        scale = math.sqrt(MAX_PIXELS / (width * height))
    return scale


def _new_image(width: float, height: float) -> tuple[QImage, float]:
    scale = _scale_for(width, height)
    image = QImage(max(1, min(MAX_SIDE, math.ceil(width * scale))),
                   max(1, min(MAX_SIDE, math.ceil(height * scale))),
                   QImage.Format.Format_RGB32)
    if image.isNull():
        raise MemoryError(f"cannot allocate a {width:.0f}x{height:.0f} image")
    image.fill(QColor(255, 255, 255))
    return image, scale


def save_png(image: QImage, path: str | PathLike[str]) -> None:
    """Write ``image`` to ``path`` as PNG, atomically (``QSaveFile``: temp file + rename).

    Raises:
        OSError: the file cannot be written (the message names the path and why).
    """
    path = Path(path)
    out = QSaveFile(str(path))
    if not out.open(QIODevice.OpenModeFlag.WriteOnly):
        raise OSError(f"cannot write {path}: {out.errorString()}")
    if not image.save(out, "PNG"):
        out.cancelWriting()
        raise OSError(f"cannot write {path}: PNG encoding failed")
    if not out.commit():
        raise OSError(f"cannot write {path}: {out.errorString()}")


# ---------------------------------------------------------------------- summary table
def render_summary_png(summary: Summary, path: str | PathLike[str], mask: Any = None) -> None:
    """Draw ``summary`` as a table like Keras's ``model.summary()`` and save it as PNG.

    Columns: Layer (type), Output Shape, Param #, Trainable, Non-trainable, and Connected
    to (for graphs that are not a plain stack). A layer with an error or unresolved input
    is drawn in red on a pink row, its message on a second line. Below the table: total,
    trainable and non-trainable parameters with their memory at float32, as Keras prints
    them.

    Raises:
        RuntimeError: no ``QGuiApplication`` exists.
        OSError: the file cannot be written.

    ``mask`` (an exercise's ``gui.exercise_mode.ExportMask``) replaces hidden cells by ``?``.
    """
    _require_app()
    body, bold, mono, small = _font(13), _font(13, bold=True), _font(13, mono=True), _font(12)
    title_font = _font(16, bold=True)
    fm, fmb, fmm, fms = (QFontMetricsF(f) for f in (body, bold, mono, small))
    headers = ["Layer (type)", "Output Shape", "Param #", "Trainable", "Non-trainable"]
    left, right = Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignRight
    aligns = [left, left, right, right, right]
    connected = not summary.sequential  # Keras prints no "Connected to" for a stack
    torch = summary.convention == "pytorch"
    if torch:
        headers.append("Buffers")
        aligns.append(right)
    if connected:
        headers.append("Connected to")
        aligns.append(Qt.AlignmentFlag.AlignLeft)
    cells: list[list[str]] = []
    for r in summary.rows:
        row = [f"{r.name} ({r.type})", r.shape_text, f"{r.total:,}",
               f"{r.trainable:,}", f"{r.non_trainable:,}"]
        if torch:
            row.append(f"{r.buffers:,}")
        if connected:
            row.append(", ".join(r.keras_connected_to or r.connected_to) or "-")
        if mask is not None:
            row = mask.summary_cells(r.name, row)
        cells.append(row)
    widths = []
    for c, head in enumerate(headers):
        metric = fmm if c == 1 else fm
        w = max([fmb.horizontalAdvance(head)] + [metric.horizontalAdvance(row[c]) for row in cells])
        widths.append(min(w, _MAX_TEXT_COLUMN) + 2 * _CELL_PAD)
    row_h = max(fm.height(), fmm.height()) + 10
    msg_h = fms.height() + 4
    totals = [
        f"Total params: {summary.total:,} ({format_bytes(summary.memory_bytes)})",
        (f"Trainable params: {summary.trainable:,} "
         f"({format_bytes(summary.trainable * BYTES_PER_PARAM)})"),
        (f"Non-trainable params: {summary.non_trainable:,} "
         f"({format_bytes(summary.non_trainable * BYTES_PER_PARAM)})"),
    ]
    if torch:
        totals.append(f"Buffers: {summary.buffers:,} elements (PyTorch buffers, not parameters)")
    if mask is not None:
        totals = mask.totals_lines(totals)
    table_w = sum(widths)
    width = max(table_w, max(fmb.horizontalAdvance(t) for t in totals) + 20) + 2 * _MARGIN
    title = f'Model: "{summary.name}"'
    width = max(width, QFontMetricsF(title_font).horizontalAdvance(title) + 2 * _MARGIN)
    n_msgs = sum(1 for r in summary.rows if r.error)
    height = (2 * _MARGIN + 34 + row_h + len(cells) * row_h + n_msgs * msg_h + 16
              + len(totals) * (fm.height() + 6))
    image, scale = _new_image(width, height)
    p = QPainter(image)
    try:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        p.scale(scale, scale)
        x0, y = _MARGIN, _MARGIN
        p.setFont(title_font)
        p.setPen(_TEXT)
        p.drawText(QRectF(x0, y, width, 28),
                   int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), title)
        y += 34
        p.fillRect(QRectF(x0, y, table_w, row_h), _HEADER_BG)
        _draw_row(p, x0, y, row_h, widths, headers, aligns, bold, _TEXT)
        y += row_h
        p.setPen(QPen(_TEXT, 1.5))
        p.drawLine(QPointF(x0, y), QPointF(x0 + table_w, y))
        for r, row in zip(summary.rows, cells):
            bad = r.severity in ("error", "unresolved")
            h = row_h + (msg_h if r.error else 0)
            if bad:
                p.fillRect(QRectF(x0, y, table_w, h), ERROR_BACKGROUND)
            color = ERROR_COLOR if bad else _TEXT
            _draw_row(p, x0, y, row_h, widths, row, aligns, body, color, mono_col=1, mono=mono)
            if r.error:
                p.setFont(small)
                p.setPen(ERROR_COLOR if bad else QColor(160, 100, 0))
                msg = fms.elidedText(("error: " if bad else "note: ") + r.error,
                                     Qt.TextElideMode.ElideRight, table_w - 2 * _CELL_PAD - 16)
                p.drawText(QRectF(x0 + _CELL_PAD + 16, y + row_h - 4, table_w, msg_h),
                           int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), msg)
            y += h
            p.setPen(QPen(_GRID, 1))
            p.drawLine(QPointF(x0, y), QPointF(x0 + table_w, y))
        p.setPen(QPen(_TEXT, 1.5))
        p.drawLine(QPointF(x0, y), QPointF(x0 + table_w, y))
        y += 16
        p.setFont(bold)
        p.setPen(_TEXT)
        for t in totals:
            p.drawText(QRectF(x0, y, width, fm.height() + 6),
                       int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), t)
            y += fm.height() + 6
    finally:
        p.end()
    save_png(image, path)


def _draw_row(p: QPainter, x: float, y: float, h: float, widths: list[float], texts: list[str],
              aligns: list[Qt.AlignmentFlag], font: QFont, color: QColor,
              mono_col: int = -1, mono: QFont | None = None) -> None:
    for c, (w, text, align) in enumerate(zip(widths, texts, aligns)):
        f = mono if (c == mono_col and mono is not None) else font
        p.setFont(f)
        p.setPen(color)
        rect = QRectF(x + _CELL_PAD, y, w - 2 * _CELL_PAD, h)
        text = QFontMetricsF(f).elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        p.drawText(rect, int(align | Qt.AlignmentFlag.AlignVCenter), text)
        x += w


# ---------------------------------------------------------------------- diagram
def render_diagram_png(graph: LayerGraph, result: PropagationResult,
                       path: str | PathLike[str], dpi: int = 96) -> None:
    """The whole diagram as PNG, at ``dpi`` (96: one pixel per scene unit): the SVG
    drawing of ``gui.diagram`` rasterized (one drawing for every format). A diagram larger
    than :data:`MAX_SIDE` or :data:`MAX_PIXELS` is drawn smaller.

    Raises:
        RuntimeError: no ``QGuiApplication`` exists.
        OSError: the file cannot be written.
    """
    _require_app()
    from paramlab.gui.diagram import ExportError, export_diagram

    try:
        export_diagram(graph, result, path, dpi=dpi, fmt="png")
    except ExportError as exc:
        raise OSError(str(exc)) from exc


__all__ = ["MAX_PIXELS", "MAX_SIDE", "render_diagram_png", "render_summary_png", "save_png"]
