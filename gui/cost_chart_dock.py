"""View ▸ Cost Chart: a dock with one bar per layer of parameters, MACs or activation memory.

The chart is drawn by ``core.io.cost_chart`` (the same code as ``paramlab chart``) on a
matplotlib Figure inside matplotlib's own Qt canvas (``FigureCanvasQTAgg``). matplotlib is
imported when the dock is first built, not when the app starts. Why matplotlib rather than
pyqtgraph: the same drawing serves the headless command line (Agg, no Qt) and the dock, its
log axes, SI tick labels and rotated layer names need no code of ours, and it writes PNG and
SVG itself.

The chart is a view: it reads the summary the summary panel shows, redraws when the
results change (only while visible), and a click on a bar emits ``layer_clicked`` with the
layer's id; the window selects that layer (selection is view state, not an edit).
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from paramlab.core.io.cost_chart import METRICS, Bars, chart_bars, draw_chart, write_chart
from paramlab.core.summary import Summary

ORDER_LABELS = (("model", "Model order"), ("sorted", "Largest first"))


class CostChartWidget(QWidget):
    """The chart and its controls (metric, order, log scale, export).

    Signals:
        layer_clicked(str): the node id of the bar the user clicked.
    """

    layer_clicked = Signal(str)

    def __init__(self, summary_source: Callable[[], Summary], parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure

        self._summary_source = summary_source
        self.metric_box = QComboBox()
        for key, (_, name, _) in METRICS.items():
            self.metric_box.addItem(name[:1].upper() + name[1:], key)
        self.order_box = QComboBox()
        for key, label in ORDER_LABELS:
            self.order_box.addItem(label, key)
        self.log_check = QCheckBox("Log scale")
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the chart as PNG or SVG")
        controls = QHBoxLayout()
        for w in (QLabel("Show"), self.metric_box, self.order_box, self.log_check):
            controls.addWidget(w)
        controls.addStretch(1)
        controls.addWidget(self.export_button)
        self.figure = Figure(figsize=(6, 3), dpi=100)
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setMinimumHeight(220)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(self.canvas, 1)
        self.bars: Bars | None = None
        self.selected: str | None = None
        self._dirty = True
        for box in (self.metric_box, self.order_box):
            box.currentIndexChanged.connect(self.refresh)
        self.log_check.toggled.connect(self.refresh)
        self.export_button.clicked.connect(self._export_dialog)
        self.canvas.mpl_connect("pick_event", self._picked)
        self.canvas.mpl_connect("motion_notify_event", self._hovered)
        self.refresh()

    # ------------------------------------------------------------------ state
    @property
    def metric(self) -> str:
        return self.metric_box.currentData()

    def set_metric(self, metric: str) -> None:
        self.metric_box.setCurrentIndex(self.metric_box.findData(metric))

    def results_changed(self) -> None:
        """The model changed: redraw now if shown, else when next shown."""
        self._dirty = True
        if self.isVisible():
            self.refresh()

    def set_selected(self, ids: list[str]) -> None:
        """Highlight the bar of the one selected layer (none for 0 or several)."""
        selected = ids[0] if len(ids) == 1 else None
        if selected != self.selected:
            self.selected = selected
            if self.isVisible():
                self._draw()
            else:
                self._dirty = True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    # ------------------------------------------------------------------ drawing
    def refresh(self) -> None:
        self.bars = chart_bars(self._summary_source(), self.metric,
                               self.order_box.currentData())
        self._draw()

    def _draw(self) -> None:
        if self.bars is None:
            return
        draw_chart(self.figure, self.bars, self.log_check.isChecked(), self.selected)
        self.canvas.draw_idle()
        self._dirty = False

    def bar_rectangles(self) -> dict[str, object]:
        """node id -> the bar's matplotlib Rectangle (for tests and hit testing)."""
        axes = self.figure.axes
        if not axes:
            return {}
        return {p.get_gid(): p for p in axes[0].patches if p.get_gid()}

    # ------------------------------------------------------------------ interaction
    def _picked(self, event) -> None:
        node_id = event.artist.get_gid()
        if node_id:
            self.layer_clicked.emit(node_id)

    def _hovered(self, event) -> None:
        if self.bars is None or event.inaxes is None:
            self.canvas.setToolTip("")
            return
        for node_id, patch in self.bar_rectangles().items():
            if patch.contains(event)[0]:
                i = self.bars.node_ids.index(node_id)
                self.canvas.setToolTip(f"{self.bars.names[i]}: {self.bars.values[i]:,}")
                return
        self.canvas.setToolTip("")

    def export(self, path: str | Path) -> None:
        """Write the chart (as shown: metric, order, scale) to ``path``, PNG or SVG.

        Raises:
            ValueError: the suffix is neither .png nor .svg.
            OSError: the file cannot be written.
        """
        if self.bars is None:
            self.refresh()
        assert self.bars is not None
        write_chart(self.bars, path, self.log_check.isChecked())

    def _export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export Chart", f"{self.metric}_chart.png",
                                              "PNG image (*.png);;SVG image (*.svg)")
        if not path:
            return
        if not path.lower().endswith((".png", ".svg")):
            path += ".png"
        try:
            self.export(path)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Export Chart", f"Cannot write {path}: {exc}")
