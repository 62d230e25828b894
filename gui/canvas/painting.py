"""How a node, its ports and an edge look: shared by the canvas items and the PNG renderer.

Only QtGui is used (no widgets), so ``gui.render`` can draw a diagram with a plain
``QGuiApplication`` (offscreen, no display) exactly as the canvas draws it.

Geometry (scene units): a node is a ``NODE_WIDTH`` x ``NODE_HEIGHT`` rounded box centred on
its position (the layer's ``position`` in the model); input ports sit on its top edge, the
one output port on its bottom edge, so data flows downwards as ``core.layout`` lays it out.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)

from paramlab.core.catalogue import get_spec
from paramlab.core.edge_geometry import Command, edge_commands
from paramlab.core.graph import LayerGraph
from paramlab.core.group_outputs import group_tensors
from paramlab.core.io.cost_columns import format_si
from paramlab.core.layout import NODE_HEIGHT as LAYOUT_NODE_HEIGHT
from paramlab.core.layout import NODE_WIDTH as LAYOUT_NODE_WIDTH
from paramlab.core.propagate import LayerResult
from paramlab.core.types import Severity, format_shape
from paramlab.gui import convention
from paramlab.gui.style import ERROR_COLOR, category_border_color, category_color

NODE_WIDTH = LAYOUT_NODE_WIDTH  # one size for the layout and the drawing
NODE_HEIGHT = LAYOUT_NODE_HEIGHT
PORT_RADIUS = 6.0
CORNER = 8.0
SELECTION_COLOR = QColor(30, 110, 220)
WARNING_COLOR = QColor(220, 140, 20)
EDGE_COLOR = QColor(90, 90, 100)


@dataclass(frozen=True)
class NodeLook:
    """Everything drawn on one node (text already formatted).

    Attributes:
        title: Layer (or nested model) name.
        type_text: Keras class name, with "unknown" / "frozen" / group marks.
        shape_text: Output shape as Keras prints it, ``?`` when unresolved.
        params_text: Parameter count line.
        category: Palette category (for the fill colour); ``""`` when unknown.
        severity: Diagnostic severity value (``"error"``, ``"unresolved"``, ``"warning"``)
            or ``None``.
        tooltip: Diagnostic message and formula, for the canvas tooltip.
        is_group: A collapsed nested model (drawn with a double border).
        params_short: A shorter parameter line, drawn when ``params_text`` does not fit
            the node (``""``: none).
        macs_text: The layer's MACs (``470.4 K MACs``), drawn after the parameters when
            the view shows MACs on nodes (``""``: none).
        macs_short: Parameters and MACs in SI (``102.8 M · 102.8 M MACs``), drawn instead
            when the long line does not fit.
    """

    title: str
    type_text: str
    shape_text: str
    params_text: str
    category: str
    severity: str | None = None
    tooltip: str = ""
    is_group: bool = False
    params_short: str = ""
    macs_text: str = ""
    macs_short: str = ""
    frozen: bool = False  # drawn greyed and hatched with a "frozen" badge

    @property
    def is_error(self) -> bool:
        return self.severity in (Severity.ERROR.value, Severity.UNRESOLVED.value)


def params_text(trainable: int, non_trainable: int, buffers: int = 0) -> str:
    """The node's count line; with ``buffers`` (PyTorch convention) they follow:
    ``128 params · 129 buffers``."""
    total = trainable + non_trainable
    extra = f" · {buffers:,} buffers" if buffers else ""
    if non_trainable and trainable:
        return f"{total:,} params: {non_trainable:,} non-trainable{extra}"
    if non_trainable:
        return f"{total:,} non-trainable params{extra}"
    return f"{total:,} params{extra}"


def params_short_text(trainable: int, non_trainable: int, buffers: int = 0) -> str:
    """The parameter line in fewer characters, for counts too long for a node
    (``14,714,688 non-trainable``); ``""`` when :func:`params_text` is already short."""
    total = trainable + non_trainable
    if buffers:
        return f"{total:,} · {buffers:,} buf."
    if non_trainable and trainable:
        return f"{total:,} ({non_trainable:,} non-train.)"
    if non_trainable:
        return f"{total:,} non-trainable"
    return ""


def macs_text(macs: int | None) -> str:
    """The node's second figure: ``470.4 K MACs`` (SI, cost_conventions.md); ``""`` for a
    layer without multiply-accumulates or of unknown size."""
    return f"{format_si(macs)} MACs" if macs else ""


def layer_look(graph: LayerGraph, node_id: str, result: LayerResult | None) -> NodeLook:
    """The look of layer ``node_id`` given its propagation result (``None``: not yet known)."""
    d = graph.raw(node_id)
    spec = get_spec(d["type"])
    type_text = d["type"] if spec is not None else f"{d['type']} · unknown"
    if not d["trainable"]:
        type_text += " · frozen"
    if result is None:
        return NodeLook(d["name"], type_text, "…", "", spec.category if spec else "")
    diag = result.diagnostic
    tips = []
    if diag is not None:
        tips.append(diag.message)
    if convention.is_pytorch() and result.torch is not None and not result.torch.equivalent:
        type_text += " · no PyTorch equivalent"  # its Keras count is shown
    formula = convention.formula_text(result)
    if formula:
        tips.append(f"Parameters: {formula}")
    line = convention.reconciliation_text(result)
    if line:
        tips.append(convention.wrapped(line))
    trainable, non_trainable, buffers = _counts(result)
    counts = params_text(trainable, non_trainable, buffers)
    if diag is not None and not result.ok:  # the reason, on the node, in one red line
        counts = diag.message
    return NodeLook(d["name"], type_text, format_shape(result.output_shape), counts,
                    spec.category if spec else "",
                    diag.severity.value if diag else None, "\n".join(tips),
                    params_short=(params_short_text(trainable, non_trainable, buffers)
                                  if result.ok else ""),
                    macs_text=macs_text(result.macs),
                    macs_short=f"{format_si(trainable + non_trainable)} · "
                               f"{macs_text(result.macs)}",
                    frozen=not d["trainable"])


def _counts(r: LayerResult) -> tuple[int, int, int]:
    """(trainable, non-trainable, buffers) of a layer in the convention the views show."""
    if convention.is_pytorch() and r.torch is not None:
        return r.torch.trainable, r.torch.non_trainable, r.torch.buffers
    return r.trainable, r.non_trainable, 0


def group_members(graph: LayerGraph, group: str) -> list[str]:
    """Ids of the layers of nested model ``group``, in topological order."""
    return [n for n in graph.topological_order() if graph.raw(n).get("group") == group]


def group_look(graph: LayerGraph, group: str, members: list[str],
               results: Any) -> NodeLook:
    """The look of a collapsed nested model: its name, type, summed counts and the shape
    of its first output (``core.group_outputs``). ``results`` maps node id to :class:`LayerResult` (or is
    ``None`` before the first propagation)."""
    meta = graph.groups.get(group, {})
    # the double border marks it collapsed; the line says what it is and holds
    type_text = f"{meta.get('type', 'Model')} · {len(members)} layer{'s' * (len(members) != 1)}"
    if results is None:
        return NodeLook(group, type_text, "…", "", "", None, "", True)
    rs = [results[n] for n in members if n in results]
    counts = [_counts(r) for r in rs]
    trainable = sum(c[0] for c in counts)
    non_trainable = sum(c[1] for c in counts)
    buffers = sum(c[2] for c in counts)
    # Its first output, as a multi-output layer shows (its ports label every one).
    first = group_tensors(graph, group, members, results)[:1]
    shape = format_shape(first[0].shape) if first and first[0].shape is not None else "?"
    bad = [r for r in rs if r.diagnostic is not None and not r.ok]
    severity = bad[0].diagnostic.severity.value if bad else None
    tip = "\n".join(f"{graph.raw(r.node_id)['name']}: {r.diagnostic.message}" for r in bad[:5])
    tip = ((tip + "\n" if tip else "") + params_text(trainable, non_trainable, buffers)
           + "\nDouble-click to expand")
    return NodeLook(group, type_text, shape, params_text(trainable, non_trainable, buffers), "",
                    severity, tip, True, params_short_text(trainable, non_trainable, buffers))


def input_port_layout(type_name: str, used: list[int]) -> tuple[int, bool]:
    """How many input ports a node of ``type_name`` shows, and whether the last one is an
    "add another input" (``+``) port.

    A fixed-arity layer shows one port per possible input (none for ``InputLayer``); a layer
    taking any number of inputs (``Add``, ``Concatenate``) and an unknown layer show one port
    per connected input plus a ``+`` port.
    """
    spec = get_spec(type_name)
    if spec is not None and spec.inputs.maximum is not None:
        return spec.inputs.maximum, False
    minimum = spec.inputs.minimum if spec is not None else 0
    fixed = max(minimum, max(used, default=-1) + 1)
    return fixed + 1, True


def input_port_pos(index: int, count: int) -> QPointF:
    """Position of input port ``index`` of ``count``, relative to the node's centre."""
    x = -NODE_WIDTH / 2 + NODE_WIDTH * (index + 1) / (count + 1)
    return QPointF(x, -NODE_HEIGHT / 2)


def output_port_pos(index: int = 0, count: int = 1) -> QPointF:
    """Position of output port ``index`` of ``count`` (a layer with ``return_state`` has one
    per output tensor), relative to the node's centre; one output sits in the middle."""
    x = -NODE_WIDTH / 2 + NODE_WIDTH * (index + 1) / (count + 1)
    return QPointF(x, NODE_HEIGHT / 2)


def node_rect() -> QRectF:
    return QRectF(-NODE_WIDTH / 2, -NODE_HEIGHT / 2, NODE_WIDTH, NODE_HEIGHT)


TEXT_LINES = 4  # title, type, output shape, parameters


def text_line_rect(line: int) -> QRectF:
    """Where text line ``line`` (0: the title) of a node is drawn, relative to its centre."""
    text_rect = node_rect().adjusted(10, 6, -10, -6)
    line_h = text_rect.height() / TEXT_LINES
    return QRectF(text_rect.left(), text_rect.top() + line * line_h, text_rect.width(), line_h)


def title_hit_rect() -> QRectF:
    """The part of a node where a double-click renames it: the title line, widened to
    the node's full width and its top edge (relative to the node's centre)."""
    rect = node_rect()
    title = text_line_rect(0)
    return QRectF(rect.left(), rect.top(), rect.width(), title.bottom() - rect.top() + 2)


def edge_path(start: QPointF, end: QPointF, via: Sequence[tuple[float, float]] = ()
              ) -> QPainterPath:
    """The curve from an output port (``start``, a node's bottom edge) to an input port
    (``end``, a node's top edge) through the layout's dummy points ``via``, scene units:
    ``core.edge_geometry.edge_commands`` drawn with Qt (the SVG export writes the same
    commands)."""
    return commands_path(edge_commands((start.x(), start.y()), (end.x(), end.y()), via))


def commands_path(commands: Sequence[Command]) -> QPainterPath:
    """A ``QPainterPath`` from absolute ``M`` / ``L`` / ``C`` commands."""
    path = QPainterPath()
    for kind, pts in commands:
        if kind == "M":
            path.moveTo(*pts[0])
        elif kind == "L":
            path.lineTo(*pts[0])
        else:
            path.cubicTo(QPointF(*pts[0]), QPointF(*pts[1]), QPointF(*pts[2]))
    return path


def arrow_head(end: QPointF) -> QPolygonF:
    """A small downward triangle whose tip is at ``end`` (an input port)."""
    tip = QPointF(end.x(), end.y() - PORT_RADIUS)
    return QPolygonF([tip, QPointF(tip.x() - 5, tip.y() - 9), QPointF(tip.x() + 5, tip.y() - 9)])


def edge_pen(selected: bool = False) -> QPen:
    pen = QPen(SELECTION_COLOR if selected else EDGE_COLOR, 3.0 if selected else 1.6)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


def paint_edge(painter: QPainter, start: QPointF, end: QPointF, selected: bool = False,
               via: Sequence[tuple[float, float]] = (), detail: bool = True) -> None:
    paint_curve(painter, edge_path(start, end, via), end, selected, detail)


def paint_curve(painter: QPainter, curve: QPainterPath, end: QPointF, selected: bool = False,
                detail: bool = True) -> None:
    """Draw a connection's curve (:func:`edge_path`) and its arrow head at ``end``;
    ``detail`` False (zoomed out): a thin line, no arrow, no antialiasing."""
    pen = edge_pen(selected)
    if not detail:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        pen.setWidthF(0)
        painter.setPen(pen)
        painter.drawPath(curve)
        return
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(curve)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(pen.color())
    painter.drawPolygon(arrow_head(end))


_FONTS: dict[str, QFont] = {}


def _font(kind: str) -> QFont:
    font = _FONTS.get(kind)
    if font is None:
        font = QFont()
        if kind == "title":
            font.setPointSizeF(9.5)
            font.setBold(True)
        elif kind == "type":
            font.setPointSizeF(8.0)
            font.setItalic(True)
        elif kind == "frame":
            font.setPointSizeF(8.5)
            font.setBold(True)
        elif kind == "mono":
            font = QFont("DejaVu Sans Mono")
            font.setStyleHint(QFont.StyleHint.Monospace)
            font.setPointSizeF(8.0)
        else:
            font.setPointSizeF(8.0)
        _FONTS[kind] = font
    return font


LOD_THRESHOLD = 0.35  # below this scale a node is a plain box: no text, no antialiasing
FROZEN_FILL = QColor(226, 229, 234)


def paint_node(painter: QPainter, look: NodeLook, selected: bool = False,
               detail: bool = True, show_macs: bool = False) -> None:
    """Draw a node centred on the painter's origin (``detail`` False: a plain box, for
    zoomed-out views: level of detail; ``show_macs``: its MACs after the parameters, the
    View ▸ Show MACs on Nodes setting)."""
    rect = node_rect()
    fill = category_color(look.category)
    if look.is_group:
        fill = QColor(235, 235, 245)
    if look.frozen:
        fill = FROZEN_FILL
    if not detail:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(QPen(ERROR_COLOR if look.is_error else SELECTION_COLOR if selected
                            else category_border_color(look.category), 0))
        painter.setBrush(fill)
        painter.drawRect(rect)
        return
    if look.is_error:
        pen = QPen(ERROR_COLOR, 3.0)
    elif selected:
        pen = QPen(SELECTION_COLOR, 2.5)
    elif look.severity == Severity.WARNING.value:
        pen = QPen(WARNING_COLOR, 2.0)
    else:
        pen = QPen(category_border_color(look.category), 1.2)
    if look.is_error and look.severity == Severity.UNRESOLVED.value:
        pen.setStyle(Qt.PenStyle.DashLine)
    painter.setPen(pen)
    painter.setBrush(fill)
    painter.drawRoundedRect(rect, CORNER, CORNER)
    if look.is_group:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect.adjusted(4, 4, -4, -4), CORNER - 3, CORNER - 3)
    if look.frozen:
        paint_frozen(painter, rect)
    if selected and look.is_error:
        painter.setPen(QPen(SELECTION_COLOR, 1.5, Qt.PenStyle.DotLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect.adjusted(-5, -5, 5, 5), CORNER + 3, CORNER + 3)
    lines = ((look.title, "title", QColor(20, 20, 20)),
             (look.type_text, "type", QColor(60, 60, 70)),
             (look.shape_text, "mono", QColor(20, 20, 20)),
             (look.params_text, "params", ERROR_COLOR if look.is_error else QColor(30, 30, 30)))
    for i, (text, kind, color) in enumerate(lines):
        font = _font(kind)
        painter.setFont(font)
        painter.setPen(color)
        r = text_line_rect(i)
        metrics = QFontMetricsF(font)
        if kind == "params" and show_macs and look.macs_text:
            text = f"{text} · {look.macs_text}"
            if metrics.horizontalAdvance(text) > r.width():
                text = look.macs_short
        elif kind == "params" and look.params_short and metrics.horizontalAdvance(text) > r.width():
            text = look.params_short
        elided = metrics.elidedText(text, Qt.TextElideMode.ElideRight, r.width())
        painter.drawText(r, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter),
                         elided)


def paint_frozen(painter: QPainter, rect: QRectF) -> None:
    """Hatching over a frozen node's body and a "frozen" badge in its top-right corner."""
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(QColor(120, 130, 150, 90), Qt.BrushStyle.BDiagPattern))
    painter.drawRoundedRect(rect, CORNER, CORNER)
    badge = QRectF(rect.right() - 44, rect.top() - 7, 40, 14)
    painter.setBrush(QColor(63, 95, 159))
    painter.drawRoundedRect(badge, 7, 7)
    font = QFont(_font("type"))
    font.setPixelSize(9)
    font.setItalic(False)
    painter.setFont(font)
    painter.setPen(QColor(255, 255, 255))
    painter.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), "frozen")
    painter.restore()


PORT_LABEL_HEIGHT = 10.0


def port_label_rect(center: QPointF, width: float, row: int) -> QRectF:
    """Where an output port's label is drawn: under the port, in row ``row`` (0 or 1:
    neighbouring ports alternate rows so that their labels do not overlap)."""
    top = center.y() + PORT_RADIUS + row * PORT_LABEL_HEIGHT
    return QRectF(center.x() - width / 2, top, width, PORT_LABEL_HEIGHT)


def paint_port(painter: QPainter, center: QPointF, plus: bool = False,
               highlighted: bool = False, label: str = "", label_width: float = 80.0,
               label_row: int = 0) -> None:
    """Draw a port circle (with a ``+`` for an "add an input" port), and under it
    ``label`` (an output tensor's shape), elided to ``label_width``, when given."""
    if label:
        font = QFont(painter.font())
        font.setPointSizeF(6.5)
        painter.setFont(font)
        painter.setPen(QColor(70, 70, 80))
        text = QFontMetricsF(font).elidedText(label, Qt.TextElideMode.ElideRight, label_width)
        painter.drawText(port_label_rect(center, label_width, label_row),
                         Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, text)
    painter.setPen(QPen(QColor(60, 60, 60), 1.2))
    painter.setBrush(SELECTION_COLOR if highlighted else QColor(250, 250, 250))
    painter.drawEllipse(center, PORT_RADIUS, PORT_RADIUS)
    if plus:
        painter.setPen(QPen(QColor(40, 40, 40), 1.4))
        r = PORT_RADIUS - 2.5
        painter.drawLine(QPointF(center.x() - r, center.y()), QPointF(center.x() + r, center.y()))
        painter.drawLine(QPointF(center.x(), center.y() - r), QPointF(center.x(), center.y() + r))


# ---------------------------------------------------------------------- expanded groups
FRAME_LABEL_WIDTH = 20.0  # the name runs down the frame's left edge, beside the layers
FRAME_MARGIN = 8.0


def frame_rect(members_rect: QRectF) -> QRectF:
    """The frame of an expanded nested model around its layers' bounding box (rows are
    only 34 units apart, so the name goes down the left side, not on top)."""
    m = FRAME_MARGIN
    return members_rect.adjusted(-m - FRAME_LABEL_WIDTH, -m, m, m)


def frame_label_rect(frame: QRectF, text: str) -> QRectF:
    """The strip on the frame's left edge where its name is written (top-down)."""
    length = QFontMetricsF(_font("frame")).horizontalAdvance(text) + 20
    return QRectF(frame.left(), frame.top(), FRAME_LABEL_WIDTH, min(length, frame.height()))


def paint_group_frame(painter: QPainter, frame: QRectF, text: str) -> None:
    """A dashed, lightly filled box with the nested model's name down its left edge."""
    painter.setPen(QPen(QColor(120, 120, 150), 1.2, Qt.PenStyle.DashLine))
    painter.setBrush(QColor(245, 245, 252, 160))
    painter.drawRoundedRect(frame, 10, 10)
    label = frame_label_rect(frame, text)
    painter.save()
    painter.translate(label.right(), label.top())
    painter.rotate(90)  # text runs downwards, its top facing the layers
    painter.setFont(_font("frame"))
    painter.setPen(QColor(70, 70, 100))
    room = label.height() - 10
    metrics = QFontMetricsF(_font("frame"))
    if metrics.horizontalAdvance(text) > room:  # a short frame: the name alone, elided
        text = metrics.elidedText(text.rsplit(" (", 1)[0], Qt.TextElideMode.ElideRight, room)
    painter.drawText(QRectF(10, 0, room, label.width()),
                     int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
    painter.restore()
