"""Edge items: one connection ``src -> dst`` at an input index, drawn as a curve from the
source's output port to the target's input port. Selecting one and pressing Delete
reports it to the editor, which disconnects it (a ``Disconnect`` edit)."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainter, QPainterPath, QPainterPathStroker
from PySide6.QtWidgets import QGraphicsItem, QStyle, QStyleOptionGraphicsItem, QWidget

from paramlab.gui.canvas.painting import LOD_THRESHOLD, arrow_head, edge_path, paint_curve

EdgeKey = tuple[str, str, int]


class EdgeItem(QGraphicsItem):
    """The canvas view of one connection.

    Attributes:
        key: ``(src id, dst id, input index)``, as ``LayerGraph.edges`` lists it.
    """

    def __init__(self, key: EdgeKey) -> None:
        super().__init__()
        self.key = key
        self._start = QPointF()
        self._end = QPointF()
        self._via: tuple[tuple[float, float], ...] = ()
        self._path = QPainterPath()
        self._shape = QPainterPath()
        self.curve = QPainterPath()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(-1)

    def set_ends(self, start: QPointF, end: QPointF,
                 via: tuple[tuple[float, float], ...] = ()) -> None:
        """Route the curve from ``start`` (output port) to ``end`` (input port) through the
        layout's dummy points ``via`` (``core.layout.Layout.routes``), scene units."""
        via = tuple(via)
        if (start == self._start and end == self._end and via == self._via
                and not self._path.isEmpty()):
            return
        self.prepareGeometryChange()
        self._start, self._end, self._via = QPointF(start), QPointF(end), via
        curve = edge_path(start, end, via)
        self.curve = curve  # painted as is (and by the zoomed-out overview drawing)
        self._path = QPainterPath(curve)
        self._path.addPolygon(arrow_head(end))
        stroker = QPainterPathStroker()
        stroker.setWidth(10)
        self._shape = stroker.createStroke(curve)

    @property
    def ends(self) -> tuple[QPointF, QPointF]:
        """Where the curve starts (an output port) and ends (an input port), scene units."""
        return QPointF(self._start), QPointF(self._end)

    def boundingRect(self) -> QRectF:
        return self._path.boundingRect().adjusted(-6, -6, 6, 6)

    def shape(self) -> QPainterPath:
        return self._shape

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        paint_curve(painter, self.curve, self._end,
                    bool(option.state & QStyle.StateFlag.State_Selected), lod >= LOD_THRESHOLD)
