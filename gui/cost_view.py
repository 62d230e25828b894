"""The cost model's place in the main window: View ▸ Columns, View ▸ Show MACs on Nodes,
View ▸ Cost Chart and Model ▸ Memory Budget….

All four are views of the propagation result (cost_conventions.md): nothing here edits the
model or goes on the undo stack. The column choice and the MACs-on-nodes switch are view
settings kept in the window's ``QSettings`` (``view/cost_columns``, ``view/node_macs``).
The chart dock is built, and matplotlib imported, the first time it is opened.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu

from paramlab.core.io.cost_columns import COLUMNS
from paramlab.gui.canvas.layer_item import set_show_macs

if TYPE_CHECKING:
    from paramlab.gui.cost_chart_dock import CostChartWidget
    from paramlab.gui.main_window import MainWindow

COLUMNS_KEY = "view/cost_columns"
NODE_MACS_KEY = "view/node_macs"
MENU_LABELS = {"macs": "&MACs", "flops": "&FLOPs", "activation_elements":
               "&Activations (elements)", "activation_bytes": "Activation &memory (bytes)",
               "param_bytes": "&Parameter memory (bytes)"}


def _menu(window: MainWindow, title: str) -> QMenu:
    for action in window.menuBar().actions():
        if action.text().replace("&", "") == title and action.menu() is not None:
            return action.menu()
    return window.menuBar().addMenu(title)


class CostView:
    """The cost actions of one main window (see the module doc).

    Attributes:
        column_actions: Column key -> its checkable View ▸ Columns action.
        node_macs: The View ▸ Show MACs on Nodes action.
        chart_action: View ▸ Cost Chart.
        budget_action: Model ▸ Memory Budget….
        chart_dock: The chart dock once opened, else ``None``.
    """

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.chart_dock: QDockWidget | None = None
        self.chart: CostChartWidget | None = None
        settings = window.settings
        view_menu = _menu(window, "View")
        columns_menu = QMenu("&Columns", window)
        chosen = settings.value(COLUMNS_KEY, [], type=list) or []
        self.column_actions: dict[str, QAction] = {}
        for key in COLUMNS:
            act = columns_menu.addAction(MENU_LABELS[key])
            act.setCheckable(True)
            act.setChecked(key in chosen)
            act.setStatusTip(f"Show the {COLUMNS[key].title} column in the summary "
                             "(cost_conventions: batch 1, float32)")
            act.toggled.connect(self._columns_changed)
            self.column_actions[key] = act
        self.node_macs = QAction("Show MACs on &Nodes", window)
        self.node_macs.setCheckable(True)
        self.node_macs.setChecked(settings.value(NODE_MACS_KEY, False, type=bool))
        self.node_macs.setStatusTip("Draw each layer's MACs after its parameter count")
        self.node_macs.toggled.connect(self._node_macs_changed)
        self.chart_action = QAction("Cost &Chart", window)
        self.chart_action.setShortcut(QKeySequence("Ctrl+Shift+K"))
        self.chart_action.setStatusTip("A bar chart of each layer's parameters, MACs or "
                                       "activation memory")
        self.chart_action.triggered.connect(lambda _checked=False: self.show_chart())
        view_menu.addSeparator()
        view_menu.addMenu(columns_menu)
        view_menu.addAction(self.node_macs)
        view_menu.addAction(self.chart_action)
        self.columns_menu = columns_menu
        self.budget_action = QAction("Memory &Budget…", window)
        self.budget_action.setStatusTip("Estimate the memory training needs at a batch size, "
                                        "optimizer and precision")
        self.budget_action.triggered.connect(lambda _checked=False: self.show_budget())
        model_menu = _menu(window, "Model")
        model_menu.addSeparator()
        model_menu.addAction(self.budget_action)
        self._apply_columns()
        set_show_macs(self.node_macs.isChecked(), window.scene().items())
        window.document.results_changed.connect(self._results_changed)

    # ------------------------------------------------------------------ columns, nodes
    def _columns_changed(self) -> None:
        self._apply_columns()
        self.window.settings.setValue(COLUMNS_KEY, self.shown_columns())

    def shown_columns(self) -> list[str]:
        return [k for k, act in self.column_actions.items() if act.isChecked()]

    def _apply_columns(self) -> None:
        self.window.summary.set_cost_columns(self.shown_columns())
        self.window.summary.view.resizeColumnsToContents()

    def _node_macs_changed(self, show: bool) -> None:
        set_show_macs(show, self.window.scene().items())
        self.window.settings.setValue(NODE_MACS_KEY, show)

    # ------------------------------------------------------------------ chart
    def show_chart(self) -> CostChartWidget:
        """Open (building it the first time) and raise the Cost Chart dock."""
        if self.chart_dock is None:
            from paramlab.gui.cost_chart_dock import CostChartWidget

            window = self.window
            self.chart = CostChartWidget(lambda: window.summary.model.summary, window)
            self.chart.layer_clicked.connect(self._bar_clicked)
            dock = QDockWidget("Cost Chart", window)
            dock.setObjectName("cost_chart_dock")
            dock.setWidget(self.chart)
            window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
            window.scene().selectionChanged.connect(self._selection_changed)
            self.chart_dock = dock
        self.chart_dock.show()
        self.chart_dock.raise_()
        assert self.chart is not None
        return self.chart

    def _bar_clicked(self, node_id: str) -> None:
        if node_id in self.window.document.graph:
            self.window.select_ids([node_id])
            self.window.canvas.show_ids([node_id])

    def _selection_changed(self) -> None:
        if self.chart is not None:
            try:
                self.chart.set_selected(self.window.selected_ids())
            except RuntimeError:  # the scene is going away with the window
                pass

    def _results_changed(self) -> None:
        if self.chart is not None:
            self.chart.results_changed()

    # ------------------------------------------------------------------ budget
    def show_budget(self):
        """Open Model ▸ Memory Budget… (window-modal; it follows model changes)."""
        from paramlab.gui.budget_dialog import MemoryBudgetDialog

        window = self.window
        dialog = MemoryBudgetDialog(lambda: window.summary.model.summary, window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # A QObject receiver: Qt drops the connection when the dialog is deleted.
        window.document.results_changed.connect(dialog.refresh)
        dialog.open()
        return dialog


def install_costs(window: MainWindow) -> CostView:
    """Add the cost actions to ``window``'s menus; return them."""
    return CostView(window)
