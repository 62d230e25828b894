"""The cost model in the editor: View ▸ Columns, MACs on nodes, the Cost Chart dock, the
Memory Budget dialog, the MAC formula in the properties panel, the footer totals.

Figures come from cost_conventions.md and Keras's VGG16 / LeNet counts, worked out here.
"""
from __future__ import annotations

import os
import subprocess
import sys

from PySide6.QtCore import QPoint, Qt

from paramlab.gui.summary_panel import COST_COLS, HEADERS

VGG16_PARAMS = 138_357_544  # Keras's VGG16 count_params()
FC1_PARAMS = 25088 * 4096 + 4096


def test_chart_opens_on_vgg16_with_fc1_the_tallest_parameter_bar(make_window, ui, qtbot):
    window = make_window("vgg16")
    chart = window.costs.show_chart()
    qtbot.waitExposed(chart)
    assert window.costs.chart_dock.isVisible()
    chart.set_metric("params")
    bars = chart.bar_rectangles()
    tallest = max(bars, key=lambda node_id: bars[node_id].get_height())
    assert tallest == ui.layer_id(window, "fc1")
    assert bars[tallest].get_height() == FC1_PARAMS
    assert sum(p.get_height() for p in bars.values()) == VGG16_PARAMS
    chart.set_metric("macs")  # the lesson: the convolutions hold the compute
    bars = chart.bar_rectangles()
    assert bars[ui.layer_id(window, "fc1")].get_height() == 25088 * 4096
    assert max(p.get_height() for p in bars.values()) == 224 * 224 * (3 * 3 * 64) * 64


def test_clicking_a_bar_selects_the_layer(make_window, ui, qtbot):
    window = make_window("vgg16")
    chart = window.costs.show_chart()
    qtbot.waitExposed(chart)
    chart.canvas.draw()
    fc2 = ui.layer_id(window, "fc2")
    box = chart.bar_rectangles()[fc2].get_window_extent()
    ratio = chart.canvas.device_pixel_ratio
    point = QPoint(int(box.x0 + box.width / 2) // int(ratio),
                   chart.canvas.height() - int(box.y0 + box.height / 2) // int(ratio))
    undo_count = window.document.undo_stack.count()
    qtbot.mouseClick(chart.canvas, Qt.MouseButton.LeftButton, pos=point)
    assert window.selected_ids() == [fc2]
    assert window.summary.selected_ids() == [fc2]
    assert chart.selected == fc2
    assert window.document.undo_stack.count() == undo_count  # selecting is not an edit


def test_chart_follows_edits_and_exports(window, ui, qtbot, tmp_path):
    chart = window.costs.show_chart()
    qtbot.waitExposed(chart)
    chart.set_metric("macs")
    conv = ui.layer_id(window, "conv2d")
    assert chart.bar_rectangles()[conv].get_height() == 28 * 28 * (5 * 5 * 3) * 8
    assert window.editor.set_field(conv, "filters", 16)
    assert chart.bar_rectangles()[conv].get_height() == 28 * 28 * (5 * 5 * 3) * 16
    chart.log_check.setChecked(True)
    for suffix in (".png", ".svg"):
        chart.export(tmp_path / f"c{suffix}")
        assert (tmp_path / f"c{suffix}").stat().st_size > 5000


def test_view_columns_show_si_figures_with_exact_tooltips(window, ui):
    model = window.summary.model
    col = next(c for c, key in COST_COLS.items() if key == "macs")
    assert window.summary.view.isColumnHidden(col)  # off by default: the Keras columns
    was_modified = window.document.modified
    window.costs.column_actions["macs"].trigger()
    assert not window.summary.view.isColumnHidden(col)
    row = model.row_of(ui.layer_id(window, "conv2d"))
    assert model.index(row, col).data() == "470.4 K"  # 28·28·(5·5·3)·8 = 470,400
    assert "470,400" in model.index(row, col).data(Qt.ItemDataRole.ToolTipRole)
    total = model.index(model.rowCount() - 1, col)
    assert total.data(Qt.ItemDataRole.ToolTipRole) == "MACs: 849,320"
    assert window.document.modified == was_modified  # a view setting, not an edit
    assert window.settings.value("view/cost_columns", type=list) == ["macs"]
    window.costs.column_actions["param_bytes"].trigger()
    mem = next(c for c, key in COST_COLS.items() if key == "param_bytes")
    assert HEADERS[mem] == "Parameter memory"
    assert model.index(row, mem).data() == "2.38 KB"  # 608 parameters × 4 bytes = 2,432 B


def test_nodes_can_show_macs_as_a_second_figure(window, ui):
    from paramlab.gui.canvas.layer_item import NodeItem

    item = window.scene().layer_item(ui.layer_id(window, "conv2d"))
    assert item.look.macs_text == "470.4 K MACs"
    try:
        window.costs.node_macs.trigger()
        assert NodeItem.show_macs
        assert window.settings.value("view/node_macs", type=bool) is True
    finally:
        window.costs.node_macs.setChecked(False)
    assert not NodeItem.show_macs


def test_properties_show_the_mac_formula(window, ui):
    window.select_ids([ui.layer_id(window, "conv2d")])
    assert window.properties.macs_label.text() == "28·28·(5·5·3)·8 = 470,400 MACs"
    window.select_ids([ui.layer_id(window, "max_pooling2d")])
    assert window.properties.macs_label.text().startswith("0 MACs")


def test_footer_cost_totals(window):
    text = window.summary.totals_label.text()
    assert "MACs: <b>849.3 K</b>" in text and "FLOPs: 1.699 M" in text
    tip = window.summary.totals_label.toolTip()
    # Adam, float32, batch 1: 16·62,958 + 4·(10,454 activations + 3,072 input)
    assert f"{16 * 62958 + 4 * (10454 + 3072):,} bytes" in tip


def test_memory_budget_dialog_on_vgg16(make_window, qtbot):
    window = make_window("vgg16")
    dialog = window.costs.show_budget()
    qtbot.waitExposed(dialog)
    dialog.batch.setValue(64)
    summary = window.summary.model.summary
    per_sample = 4 * (summary.activation_elements + summary.input_elements)
    fixed = 4 * VGG16_PARAMS * 4  # weights + gradients + Adam's m and v, float32
    assert dialog.budget.total == fixed + 64 * per_sample
    best = (8 * 1024 ** 3 - fixed) // per_sample
    assert dialog.verdict.text() == f"Fits in 8 GB at batch 64; maximum batch ≈ {best:,}."
    dialog.optimizer.setCurrentIndex(dialog.optimizer.findData("sgd"))
    assert dialog.budget.optimizer == 0
    dialog.dtype.setCurrentIndex(dialog.dtype.findData("mixed"))
    assert dialog.budget.activations == 64 * per_sample // 2  # half-precision activations
    assert "estimate" in dialog.findChildren(type(dialog.verdict))[-1].text()
    dialog.close()


def test_matplotlib_is_imported_only_when_the_chart_opens(tmp_path):
    code = ("import sys\n"
            "from PySide6.QtWidgets import QApplication\n"
            "app = QApplication([])\n"
            "from paramlab.gui.main_window import MainWindow\n"
            "w = MainWindow()\n"
            "assert 'matplotlib' not in sys.modules, 'imported at start'\n"
            "w.costs.show_chart()\n"
            "assert 'matplotlib' in sys.modules\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",  # settings and data: private
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
