"""The diagram of a model for handouts: ONE drawing, written as SVG, PNG or PDF.

:func:`diagram_svg` builds the SVG (nodes where the model places them, collapsed nested
models as one node, connections through the layered layout's dummy points, a header with
the model's name and totals). PNG rasterizes that SVG with QtSvg, PDF prints it with
``QPdfWriter`` (tall diagrams are split over pages at gaps between rows, each page with the
header). There is no format-specific drawing code, and no editor-only marks (ports, ``+``
handles, selection).

The SVG is readable by people and machines: every layer (or collapsed nested model) is
``<g class="layer" data-name="NAME">`` holding its ``<rect>`` and texts; every connection
is ``<path class="connection" data-source="A" data-target="B" d="…">`` whose ``d`` uses
only absolute ``M``, ``L`` and ``C`` commands; coordinates are scene units (1 unit = 1 px
at 96 dpi) and the ``viewBox`` covers everything.

Needs a ``QGuiApplication`` (offscreen is fine) for text metrics and rasterizing.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any
from xml.sax import saxutils

from PySide6.QtCore import QByteArray, QIODevice, QMarginsF, QRectF, QSaveFile, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
)
from PySide6.QtSvg import QSvgRenderer

from paramlab.core.edge_geometry import Command, edge_commands
from paramlab.core.errors import ParamLabError
from paramlab.core.graph import LayerGraph
from paramlab.core.layout import NODE_HEIGHT, NODE_WIDTH, collapsed_calls, layered_layout
from paramlab.core.propagate import PropagationResult
from paramlab.core.summary import partial_note, summarize
from paramlab.core.text import MAX_NAME, one_line
from paramlab.core.types import Severity
from paramlab.gui.canvas.painting import (
    EDGE_COLOR,
    PORT_RADIUS,
    WARNING_COLOR,
    NodeLook,
    frame_rect,
    group_look,
    group_members,
    input_port_layout,
    input_port_pos,
    layer_look,
    output_port_pos,
)
from paramlab.gui.style import ERROR_COLOR, category_border_color, category_color

DEFAULT_DPI = 150
PAGE_SIZES = {"A4": QPageSize.PageSizeId.A4, "Letter": QPageSize.PageSizeId.Letter}
MARGIN = 24.0
HEADER_HEIGHT = 52.0
MAX_SIDE = 30_000  # a PNG larger than this (pixels a side) ...
MAX_PIXELS = 40_000_000  # ... or this (about 160 MB while drawing) is drawn smaller
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
MONO = "DejaVu Sans Mono, Menlo, Consolas, monospace"
_LINES = (("title", 11.5, "bold", FONT), ("type", 9.5, "italic", FONT),
          ("shape", 9.5, "normal", MONO), ("params", 10.0, "normal", FONT))


class ExportError(ParamLabError):
    """A diagram cannot be written (unknown format, bad dpi, file not writable)."""


@dataclass(frozen=True)
class Node:
    """One drawn box: a layer or a collapsed nested model, centred at ``(x, y)``."""

    key: str
    name: str
    x: float
    y: float
    look: NodeLook
    ports: int  # input ports (for where connections end)
    frozen: bool


@dataclass(frozen=True)
class Connection:
    source: str
    target: str
    commands: list[Command]


@dataclass(frozen=True)
class Frame:
    """The dashed box around an expanded nested model's layers."""

    name: str
    label: str
    rect: QRectF


@dataclass(frozen=True)
class Drawing:
    """Everything in the diagram, in scene units."""

    title: str
    totals: str
    nodes: list[Node]
    connections: list[Connection]
    frames: list[Frame]
    bounds: QRectF  # the diagram (nodes and connections), without the header
    has_errors: bool


def _positions(graph: LayerGraph) -> tuple[dict[str, tuple[float, float]], dict]:
    """The model's positions (the layout's when it was never laid out: every layer on one
    point) and the layout's dummy points of connections whose ends sit where it put them.
    A layer's collapsed shared calls sit at its own slot, as on the canvas."""
    layout = layered_layout(graph)
    pos = {n: tuple(graph.raw(n)["position"]) for n in graph.layer_ids()}
    if len(pos) > 1 and len(set(pos.values())) == 1:
        pos = dict(layout.positions)
    routes = {}
    for key, via in layout.routes.items():
        ends = [pos.get(n) for n in key[:2]]
        at = [layout.positions.get(n) for n in key[:2]]
        if all(e is not None and a is not None and abs(e[0] - a[0]) <= 0.5
               and abs(e[1] - a[1]) <= 0.5 for e, a in zip(ends, at)):
            routes[key] = via
    return pos, routes


def build_drawing(graph: LayerGraph, result: PropagationResult, mask: Any = None) -> Drawing:
    """The diagram of ``graph`` as the canvas shows it (collapsed nested models as one
    node), with the header text: name, layer count and totals (``— partial, N layers
    unresolved`` when some layers could not be computed). ``mask`` (an exercise's
    ``gui.exercise_mode.ExportMask``) shows hidden cells as ``?``."""
    pos, routes = _positions(graph)
    owner: dict[str, str] = {}
    nodes: dict[str, Node] = {}
    applied: dict[str, int] = {}  # a layer whose collapsed calls its node stands for: N
    for call_owner, *calls in collapsed_calls(graph).values():
        # As the canvas draws them (gui/canvas/calls_view.py): one node "applied N×" while
        # the calls are collapsed (the default) and the layout put them at the layer's slot
        # (drawn one by one there, they hid each other and the layer's count); every call
        # on its own once expanded, or where folding would close a loop (a tied embedding
        # called again on what it fed: core.layout lays such calls out apart).
        if all(pos[c] == pos[call_owner] for c in calls):
            applied[call_owner] = graph.call_count(call_owner)
            owner.update(dict.fromkeys(calls, call_owner))
    for n in graph.layer_ids():
        group = graph.raw(n).get("group")
        if group is None or not graph.is_group_collapsed(group) or group in nodes:
            continue
        members = group_members(graph, group)
        cx = sum(pos[m][0] for m in members) / len(members)
        cy = sum(pos[m][1] for m in members) / len(members)
        look = group_look(graph, group, members, result.layers)
        frozen = graph.groups.get(group, {}).get("trainable", True) is False
        nodes[group] = Node(group, group, cx, cy, look, 1, frozen)
        for m in members:
            owner[m] = group
    for n in graph.layer_ids():
        if n in owner:
            continue
        owner[n] = n
        d = graph.raw(n)
        count, _ = input_port_layout(d["type"], [i for _, i in graph.inputs(n)])
        look = layer_look(graph, n, result.layers.get(n))
        if n in applied:
            look = dataclasses.replace(look, type_text=f"{look.type_text} · applied "
                                                       f"{applied[n]:,}×")
        nodes[n] = Node(n, d["name"], pos[n][0], pos[n][1], look, count, not d["trainable"])
    connections = []
    for key in graph.edges():
        src, dst, index = key
        a, b = owner[src], owner[dst]
        if a == b:
            continue
        na, nb = nodes[a], nodes[b]
        outputs = result.layers[src].output_shapes if src in result.layers else None
        count = len(outputs) if outputs and a == src else 1
        tensor = graph.output_index(*key) if a == src else 0
        out = output_port_pos(tensor if tensor < count else 0, count)  # its tensor's port
        start = (na.x + out.x(), na.y + out.y())
        port = input_port_pos(min(index, max(nb.ports, 1) - 1) if b == dst else 0, max(nb.ports, 1))
        end = (nb.x + port.x(), nb.y + port.y())
        connections.append(Connection(na.name, nb.name, edge_commands(start, end,
                                                                     routes.get(key, ()))))
    frames = []
    expanded: dict[str, list[Node]] = {}
    for n in graph.layer_ids():
        group = graph.raw(n).get("group")
        if group is not None and owner[n] == n:
            expanded.setdefault(group, []).append(nodes[n])
    for group, members in expanded.items():
        rect = QRectF()
        for node in members:
            rect = rect.united(QRectF(node.x - NODE_WIDTH / 2, node.y - NODE_HEIGHT / 2,
                                      NODE_WIDTH, NODE_HEIGHT))
        margin = PORT_RADIUS + 10  # as the canvas frames its items (ports included)
        label = f"{group} ({graph.groups.get(group, {}).get('type', 'Model')})"
        frames.append(Frame(group, label, frame_rect(rect.adjusted(-margin, -margin,
                                                                   margin, margin))))
    bounds = QRectF()
    for frame in frames:
        bounds = bounds.united(frame.rect)
    for node in nodes.values():
        bounds = bounds.united(QRectF(node.x - NODE_WIDTH / 2, node.y - NODE_HEIGHT / 2,
                                      NODE_WIDTH, NODE_HEIGHT))
    for c in connections:
        for _, pts in c.commands:
            for x, y in pts:
                bounds = bounds.united(QRectF(x - 1, y - 1, 2, 2))
    if bounds.isEmpty():
        bounds = QRectF(0, 0, 400, 40)
    summary = summarize(graph, result)
    unresolved = sum(1 for r in summary.rows if r.failed)
    totals = (f"Total params: {summary.total:,}{partial_note(unresolved)} · "
              f"Trainable: {summary.trainable:,} · Non-trainable: {summary.non_trainable:,}")
    # A shared layer is one layer, however often it is called (Keras's model.layers).
    layers = sum(1 for n in graph.layer_ids() if graph.raw(n).get("shared_with") is None)
    title = f"{graph.name} — {layers} layer{'s' if layers != 1 else ''}"
    if mask is not None:
        nodes = {k: dataclasses.replace(v, look=mask.node_look(v.name, v.look)) for k, v in nodes.items()}
        totals = mask.diagram_totals(totals)
    return Drawing(title, totals, list(nodes.values()), connections, frames, bounds,
                   bool(unresolved))


# ---------------------------------------------------------------------- SVG
def _hex(color: QColor) -> str:
    return color.name()


def _fmt(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def path_d(commands: list[Command]) -> str:
    """An SVG ``d`` attribute from absolute ``M`` / ``L`` / ``C`` commands."""
    return " ".join(kind + " " + " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in pts)
                    for kind, pts in commands)


def _elide(text: str, size: float, weight: str, family: str, width: float) -> str:
    font = QFont(family.split(",")[0])
    font.setPixelSize(max(1, round(size)))
    font.setBold(weight == "bold")
    font.setItalic(weight == "italic")
    return QFontMetricsF(font).elidedText(text, Qt.TextElideMode.ElideRight, width)


def _hatch(x: float, y: float, step: float = 9.0, inset: float = 4.0) -> str:
    """Diagonal lines (45°) filling the node box at ``(x, y)``, clipped to it."""
    x0, y0 = x + inset, y + inset
    x1, y1 = x + NODE_WIDTH - inset, y + NODE_HEIGHT - inset
    segments = []
    c = x0 - y1 + step
    while c < x1 - y0:  # the line x - y = c
        ax, ay = max(x0, y0 + c), max(x0, y0 + c) - c
        bx, by = min(x1, y1 + c), min(x1, y1 + c) - c
        if bx > ax:
            segments.append(f"M {_fmt(ax)},{_fmt(ay)} L {_fmt(bx)},{_fmt(by)}")
        c += step
    return " ".join(segments)


def _xml_text(value: str) -> str:
    """``value`` as SVG text: control characters, which XML 1.0 cannot hold (a layer or
    model name from a file may carry an escape sequence; Qt's SVG renderer then drew
    nothing), written as visible escapes as messages write them (``\\x1b``, ``\\n``),
    then the XML escapes."""
    return saxutils.escape(one_line(value, MAX_NAME))


def _xml_attr(value: str) -> str:
    """``value`` as a quoted SVG attribute (see :func:`_xml_text`)."""
    return saxutils.quoteattr(one_line(value, MAX_NAME))


def _node_svg(node: Node) -> list[str]:
    look = node.look
    x, y = node.x - NODE_WIDTH / 2, node.y - NODE_HEIGHT / 2
    fill = QColor(235, 235, 245) if look.is_group else category_color(look.category)
    if node.frozen:
        fill = QColor(225, 228, 232)
    if look.is_error:
        stroke, width = ERROR_COLOR, 3.0
    elif look.severity == Severity.WARNING.value:
        stroke, width = WARNING_COLOR, 2.0
    else:
        stroke, width = category_border_color(look.category), 1.2
    dash = ' stroke-dasharray="6,4"' if look.severity == Severity.UNRESOLVED.value else ""
    out = [f'<g class="layer" data-name={_xml_attr(node.name)}>',
           f'<rect x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(NODE_WIDTH)}" '
           f'height="{_fmt(NODE_HEIGHT)}" rx="8" fill="{_hex(fill)}" stroke="{_hex(stroke)}" '
           f'stroke-width="{width}"{dash}/>']
    if node.frozen:  # hatching as plain lines: QtSvg (SVG Tiny) has no <pattern>
        out.append(f'<path class="frozen-hatch" d="{_hatch(x, y)}" stroke="#8a93a6" '
                   'stroke-opacity="0.5" stroke-width="1.4" fill="none"/>')
        out.append(f'<text class="badge" x="{_fmt(x + NODE_WIDTH - 6)}" y="{_fmt(y + 10)}" '
                   f'font-family="{FONT}" font-size="8" text-anchor="end" '
                   'fill="#3f5f9f">frozen</text>')
    if look.is_group:
        out.append(f'<rect x="{_fmt(x + 4)}" y="{_fmt(y + 4)}" width="{_fmt(NODE_WIDTH - 8)}" '
                   f'height="{_fmt(NODE_HEIGHT - 8)}" rx="5" fill="none" '
                   f'stroke="{_hex(stroke)}" stroke-width="{width}"/>')
    line_h = (NODE_HEIGHT - 12) / 4
    texts = (look.title, look.type_text.replace(" · frozen", ""), look.shape_text,
             look.params_text)
    for i, ((kind, size, weight, family), text) in enumerate(zip(_LINES, texts)):
        if kind == "params" and look.params_short:
            full = _elide(text, size, weight, family, NODE_WIDTH - 20)
            text = look.params_short if full != text else text
        text = _elide(text, size, weight, family, NODE_WIDTH - 20)
        color = ERROR_COLOR if (kind == "params" and look.is_error) else QColor(25, 25, 30)
        style = {"bold": ' font-weight="bold"', "italic": ' font-style="italic"'}.get(weight, "")
        ty = y + 6 + line_h * (i + 0.5) + size * 0.35
        out.append(f'<text class="{kind}" x="{_fmt(node.x)}" y="{_fmt(ty)}" '
                   f'font-family="{family}" font-size="{size}"{style} text-anchor="middle" '
                   f'fill="{_hex(color)}">{_xml_text(text)}</text>')
    out.append("</g>")
    return out


def diagram_svg(graph: LayerGraph, result: PropagationResult) -> str:
    """The whole diagram as an SVG document (see the module docstring)."""
    return drawing_svg(build_drawing(graph, result))


def _text_width(text: str, size: float, bold: bool = False) -> float:
    font = QFont(FONT.split(",")[0])
    font.setPixelSize(round(size))
    font.setBold(bold)
    return QFontMetricsF(font).horizontalAdvance(text)


def svg_box(drawing: Drawing) -> tuple[float, float, float, float]:
    """``(left, top, width, height)`` of the SVG's viewBox: the diagram plus margins, the
    header above it, widened (around the diagram's centre) to fit the header's text."""
    b = drawing.bounds
    need = max(_text_width(drawing.title, 15, True), _text_width(drawing.totals, 12)) + 2 * MARGIN
    width = max(b.width() + 2 * MARGIN, need)
    left = b.center().x() - width / 2
    return left, b.top() - MARGIN - HEADER_HEIGHT, width, b.height() + 2 * MARGIN + HEADER_HEIGHT


def drawing_svg(drawing: Drawing) -> str:
    left, top, width, height = svg_box(drawing)
    edge = _hex(EDGE_COLOR)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{_fmt(left)} {_fmt(top)} '
        f'{_fmt(width)} {_fmt(height)}" width="{_fmt(width)}" height="{_fmt(height)}">',
        f"<title>{_xml_text(drawing.title)}</title>",
        f'<rect class="background" x="{_fmt(left)}" y="{_fmt(top)}" width="{_fmt(width)}" '
        f'height="{_fmt(height)}" fill="#ffffff"/>',
        f'<g class="header"><text x="{_fmt(left + MARGIN)}" y="{_fmt(top + MARGIN + 2)}" '
        f'font-family="{FONT}" font-size="15" font-weight="bold" fill="#141419">'
        f"{_xml_text(drawing.title)}</text>"
        f'<text x="{_fmt(left + MARGIN)}" y="{_fmt(top + MARGIN + 22)}" font-family="{FONT}" '
        f'font-size="12" fill="{_hex(ERROR_COLOR) if drawing.has_errors else "#141419"}">'
        f"{_xml_text(drawing.totals)}</text></g>",
    ]
    for f in drawing.frames:
        r = f.rect
        parts.append(f'<g class="frame" data-name={_xml_attr(f.name)}>'
                     f'<rect x="{_fmt(r.left())}" y="{_fmt(r.top())}" width="{_fmt(r.width())}" '
                     f'height="{_fmt(r.height())}" rx="10" fill="#f5f5fc" fill-opacity="0.63" '
                     'stroke="#787896" stroke-width="1.2" stroke-dasharray="5,3"/>'
                     f'<text transform="rotate(90 {_fmt(r.left() + 6)} {_fmt(r.top() + 10)})" '
                     f'x="{_fmt(r.left() + 6)}" y="{_fmt(r.top() + 10)}" font-family="{FONT}" '
                     f'font-size="10" fill="#464664">{_xml_text(f.label)}</text></g>')
    for c in drawing.connections:
        parts.append(f'<path class="connection" data-source={_xml_attr(c.source)} '
                     f'data-target={_xml_attr(c.target)} d="{path_d(c.commands)}" fill="none" '
                     f'stroke="{edge}" stroke-width="1.6"/>')
        x, y = c.commands[-1][1][-1]
        parts.append(f'<path class="arrowhead" d="M {_fmt(x)},{_fmt(y)} L {_fmt(x - 5)},'
                     f'{_fmt(y - 9)} L {_fmt(x + 5)},{_fmt(y - 9)} Z" fill="{edge}"/>')
    for node in drawing.nodes:
        parts.extend(_node_svg(node))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------------- files
def _save(data: bytes, path: Path) -> None:
    f = QSaveFile(str(path))
    if not f.open(QIODevice.OpenModeFlag.WriteOnly):
        raise ExportError(f"{path}: cannot write: {f.errorString()}")
    f.write(QByteArray(data))
    if not f.commit():
        raise ExportError(f"{path}: cannot write: {f.errorString()}")


def export_diagram(graph: LayerGraph, result: PropagationResult, path: str | PathLike[str],
                   dpi: int = DEFAULT_DPI, page_size: str = "A4", fmt: str | None = None,
                   mask: Any = None) -> None:
    """Write the diagram to ``path``: ``.svg``, ``.png`` (at ``dpi``, 96 dpi = one pixel
    per scene unit) or ``.pdf`` (``page_size`` ``"A4"`` or ``"Letter"``, portrait; a tall
    diagram goes over several pages). ``fmt`` (``"svg"``, ``"png"``, ``"pdf"``) overrides
    the suffix. Written atomically.

    Raises:
        ExportError: unknown suffix, ``dpi`` outside 10..1200, or the file cannot be written.
    """
    if QGuiApplication.instance() is None:
        raise RuntimeError("diagram export needs a QGuiApplication (offscreen is fine)")
    path = Path(path)
    suffix = f".{fmt}" if fmt else path.suffix.lower()
    drawing = build_drawing(graph, result, mask)
    svg = drawing_svg(drawing)
    if suffix == ".svg":
        _save(svg.encode("utf-8"), path)
    elif suffix == ".png":
        if not 10 <= int(dpi) <= 1200:
            raise ExportError(f"--dpi must be between 10 and 1200, not {dpi}")
        _save_png(svg, path, dpi)
    elif suffix == ".pdf":
        if page_size not in PAGE_SIZES:
            raise ExportError(f"page size must be one of {', '.join(PAGE_SIZES)}, not {page_size!r}")
        _save_pdf(drawing, svg, path, page_size)
    else:
        raise ExportError(f"{path.name}: the diagram is written as .svg, .png or .pdf")


def _save_png(svg: str, path: Path, dpi: int) -> None:
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    box = renderer.viewBoxF()
    scale = dpi / 96.0
    if box.width() * box.height() * scale * scale > MAX_PIXELS:
        scale = math.sqrt(MAX_PIXELS / (box.width() * box.height()))
    scale = min(scale, MAX_SIDE / max(box.width(), box.height()))
    image = QImage(max(1, math.ceil(box.width() * scale)), max(1, math.ceil(box.height() * scale)),
                   QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    image.setDotsPerMeterX(round(dpi / 0.0254))
    image.setDotsPerMeterY(round(dpi / 0.0254))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, image.width(), image.height()))
    finally:
        painter.end()
    buffer = QByteArray()
    from PySide6.QtCore import QBuffer

    device = QBuffer(buffer)
    device.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(device, "PNG"):
        raise ExportError(f"{path}: cannot encode the PNG")
    device.close()
    _save(bytes(buffer.data()), path)


def page_cuts(drawing: Drawing, page_height: float) -> list[tuple[float, float]]:
    """Split the diagram's height into slices of at most ``page_height`` scene units,
    cutting only between rows (never through a node). Returns ``[(top, bottom), …]``."""
    b = drawing.bounds
    top, bottom = b.top() - MARGIN, b.bottom() + MARGIN
    spans = sorted((n.y - NODE_HEIGHT / 2 - 4, n.y + NODE_HEIGHT / 2 + 4) for n in drawing.nodes)
    cuts = []
    while bottom - top > page_height:
        limit = top + page_height
        cut = limit
        for lo, hi in spans:  # move the cut up out of any node it would go through
            if lo < cut < hi:
                cut = lo
        if cut <= top + 1:  # a node taller than a page (never at these sizes): cut anyway
            cut = limit
        cuts.append((top, cut))
        top = cut
    cuts.append((top, bottom))
    return cuts


def _page_part(drawing: Drawing, top: float, bottom: float) -> Drawing:
    """``drawing`` with only the nodes, connections and frames that reach into the band
    ``top`` .. ``bottom`` (the same bounds and header, so coordinates do not move)."""
    def reaches(lo: float, hi: float) -> bool:
        return hi >= top and lo <= bottom

    nodes = [n for n in drawing.nodes
             if reaches(n.y - NODE_HEIGHT / 2, n.y + NODE_HEIGHT / 2)]
    conns = []
    for c in drawing.connections:
        ys = [y for _, pts in c.commands for _, y in pts]
        if reaches(min(ys), max(ys)):
            conns.append(c)
    frames = [f for f in drawing.frames if reaches(f.rect.top(), f.rect.bottom())]
    return dataclasses.replace(drawing, nodes=nodes, connections=conns, frames=frames)


def _save_pdf(drawing: Drawing, svg: str, path: Path, page_size: str) -> None:
    tmp = path.with_name(f".{path.name}.part")
    writer = QPdfWriter(str(tmp))
    writer.setTitle(drawing.title)
    writer.setCreator("ParamLab")
    writer.setResolution(96)  # one scene unit = one PDF device pixel at scale 1
    layout = QPageLayout(QPageSize(PAGE_SIZES[page_size]), QPageLayout.Orientation.Portrait,
                         QMarginsF(12, 12, 12, 12), QPageLayout.Unit.Millimeter)
    writer.setPageLayout(layout)
    b = drawing.bounds
    left, _top, diagram_w, _height = svg_box(drawing)
    painter = QPainter()
    if not painter.begin(writer):
        raise ExportError(f"{path}: cannot write the PDF")
    try:
        page = QSizeF(writer.width(), writer.height())
        scale = min(1.0, page.width() / diagram_w)
        header = HEADER_HEIGHT * scale
        slices = page_cuts(drawing, (page.height() - header) / scale)
        for i, (top, bottom) in enumerate(slices):
            if i:
                writer.newPage()
            # this page's part of the one drawing (so a page holds only what it shows):
            # its header area, then its slice of the diagram
            renderer = QSvgRenderer(QByteArray(drawing_svg(_page_part(drawing, top, bottom))
                                               .encode("utf-8")))
            renderer.setViewBox(QRectF(left, b.top() - MARGIN - HEADER_HEIGHT, diagram_w,
                                       HEADER_HEIGHT))
            renderer.render(painter, QRectF(0, 0, diagram_w * scale, header))
            if len(slices) > 1:
                painter.setPen(QColor(90, 90, 100))
                painter.drawText(QRectF(0, 0, page.width(), header),
                                 int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop),
                                 f"page {i + 1} of {len(slices)}")
            renderer.setViewBox(QRectF(left, top, diagram_w, bottom - top))
            renderer.render(painter, QRectF(0, header, diagram_w * scale, (bottom - top) * scale))
    finally:
        painter.end()
    data = tmp.read_bytes()
    tmp.unlink(missing_ok=True)
    _save(data, path)


__all__ = [
    "DEFAULT_DPI",
    "MAX_PIXELS",
    "MAX_SIDE",
    "PAGE_SIZES",
    "Drawing",
    "ExportError",
    "build_drawing",
    "diagram_svg",
    "export_diagram",
    "page_cuts",
    "path_d",
]
