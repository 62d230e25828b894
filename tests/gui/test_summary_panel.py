"""Summary panel: rows as Keras's summary lists them, thousands separators, totals and
memory, error rows in red with their message, the Trainable check box column, and the
selection kept in step with the canvas.

Figures from tests/data/keras/lenet_like.summary.txt (Keras 3.15.1).
"""
from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from paramlab.gui import style
from paramlab.gui.summary_panel import COL_NAME, COL_TRAIN_FLAG, HEADERS, totals_text

LENET = [  # name, type, output shape, parameters (Keras's own summary of lenet_like)
    ("conv2d", "Conv2D", "(None, 28, 28, 8)", "608"),
    ("max_pooling2d", "MaxPooling2D", "(None, 14, 14, 8)", "0"),
    ("conv2d_1", "Conv2D", "(None, 10, 10, 16)", "3,216"),
    ("max_pooling2d_1", "MaxPooling2D", "(None, 5, 5, 16)", "0"),
    ("flatten", "Flatten", "(None, 400)", "0"),
    ("dense", "Dense", "(None, 120)", "48,120"),
    ("dense_1", "Dense", "(None, 84)", "10,164"),
    ("dense_2", "Dense", "(None, 10)", "850"),
]


def test_rows_match_keras_summary(window, ui):
    model = window.summary.model
    assert model.columnCount() == len(HEADERS)
    names = [model.index(r, COL_NAME).data() for r in range(model.rowCount())]
    assert names == ["input_layer"] + [n for n, *_ in LENET] + ["Total"]
    for name, type_, shape, params in LENET:
        row = ui.row_text(window, name)
        assert (row["Type"], row["Output shape"], row["Total"]) == (type_, shape, params)
        assert row["Non-trainable"] == "0"
    assert ui.row_text(window, "dense_1")["Connected to"] == "dense[0][0]"  # as Keras writes it


def test_totals_row_and_memory(window, ui):
    total = ui.total_row_text(window)
    assert (total["Trainable"], total["Non-trainable"], total["Total"]) == \
        ("62,958", "0", "62,958")
    text = window.summary.totals_label.text()
    assert "Total params: <b>62,958</b> (245.93 KB)" in text  # Keras: 62,958 (245.93 KB)
    assert "Non-trainable: <b>0</b> (0.00 B)" in text
    assert text.startswith(totals_text(window.summary.model.summary) + "<br>")


def test_error_rows_are_red_with_message(window, ui):
    conv = ui.layer_id(window, "conv2d")
    assert window.editor.set_field(conv, "kernel_size", (40, 40))  # bigger than 32x32
    model = window.summary.model
    row = model.row_of(conv)
    index = model.index(row, COL_NAME)
    assert index.data(Qt.ItemDataRole.ForegroundRole).color() == style.ERROR_COLOR
    message = window.document.result.layers[conv].diagnostic.message
    assert index.data(Qt.ItemDataRole.ToolTipRole) == message
    assert ui.row_text(window, "conv2d")["Output shape"] == "?"
    # layers below cannot be computed either: red too
    below = model.index(model.row_of(ui.layer_id(window, "dense")), COL_NAME)
    assert below.data(Qt.ItemDataRole.ForegroundRole).color() == style.ERROR_COLOR
    # a healthy row is not red
    ok = model.index(model.row_of(ui.layer_id(window, "input_layer")), COL_NAME)
    assert ok.data(Qt.ItemDataRole.ForegroundRole) is None


def test_trainable_column_click_freezes_layer(qtbot, window, ui):
    dense = ui.layer_id(window, "dense")
    model = window.summary.model
    view = window.summary.view
    index = model.index(model.row_of(dense), COL_TRAIN_FLAG)
    assert index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    view.scrollTo(index)
    rect = view.visualRect(index)
    # the check indicator sits at the cell's left edge
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(rect.left() + 10, rect.center().y()))
    assert window.document.graph.raw(dense)["trainable"] is False
    assert index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    row = ui.row_text(window, "dense")
    assert (row["Trainable"], row["Non-trainable"], row["Total"]) == ("0", "48,120", "48,120")
    total = ui.total_row_text(window)
    assert (total["Trainable"], total["Non-trainable"]) == ("14,838", "48,120")
    window.acts.undo.trigger()
    assert index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked


def test_totals_row_is_not_checkable(window):
    model = window.summary.model
    last = model.rowCount() - 1
    flags = model.flags(model.index(last, COL_TRAIN_FLAG))
    assert not flags & Qt.ItemFlag.ItemIsUserCheckable


def test_row_click_selects_node_and_properties(qtbot, window, ui):
    dense = ui.layer_id(window, "dense")
    model = window.summary.model
    view = window.summary.view
    index = model.index(model.row_of(dense), COL_NAME)
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.visualRect(index).center())
    assert window.scene().selected_ids() == [dense]
    assert window.properties.node_id == dense
    assert window.acts.freeze_up_to.isEnabled()


def test_canvas_selection_selects_row(window, ui):
    ids = [ui.layer_id(window, "conv2d"), ui.layer_id(window, "dense_1")]
    window.scene().select_ids(ids)
    assert window.summary.selected_ids() == ids
    window.scene().select_ids([])
    assert window.summary.selected_ids() == []
    assert window.properties.node_id is None


def test_selection_survives_structural_change(window, ui):
    dense = ui.layer_id(window, "dense")
    window.scene().select_ids([dense])
    assert window.editor.add_layer("Dropout", (300.0, 0.0)) is not None  # rows reset
    assert window.summary.selected_ids() == [dense]


def test_added_layer_appears_in_table(window, ui):
    before = window.summary.model.rowCount()
    node = window.editor.add_layer("Dense", (300.0, 0.0))
    assert window.summary.model.rowCount() == before + 1
    row = window.summary.model.row_of(node)
    assert window.summary.model.index(row, COL_NAME).data() == "dense_3"
    window.acts.undo.trigger()
    assert window.summary.model.rowCount() == before
