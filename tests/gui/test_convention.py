"""View ▸ Count Parameters As ▸ Keras / PyTorch: a view setting every view follows.

Figures: bn_mlp's BatchNormalization normalises C = 64 features. Keras (its summary, as in
tests/data/keras/dense_bn.summary.txt): 4·64 = 256 weights, 128 non-trainable. PyTorch
(tests/data/torch_conventions.json, nn.BatchNorm1d(64)): 128 = 2·C parameters and
129 = 2·C + 1 buffer elements.
"""
from __future__ import annotations

import json
from pathlib import Path

from paramlab.core.pytorch import KERAS, PYTORCH
from paramlab.gui import convention
from paramlab.gui.summary_panel import COL_BUFFERS, COL_TOTAL

DATA = Path(__file__).resolve().parents[1] / "data"
BN = json.loads((DATA / "torch_conventions.json").read_text())["modules"]["batchnorm1d"]
C = 64


def _bn_look(window, ui):
    return window.scene().layer_item(ui.layer_id(window, "batch_normalization")).look


def test_switch_shows_pytorch_counts_and_back(make_window, ui, settings):
    window = make_window("bn_mlp")
    stack = window.document.undo_stack
    undo_count, clean = stack.count(), stack.isClean()
    assert convention.current() == KERAS and window.convention.keras.isChecked()
    keras_row = ui.row_values(window, "batch_normalization")
    assert (keras_row["Trainable"], keras_row["Non-trainable"], keras_row["Total"]) == (
        2 * C, 2 * C, 4 * C)
    assert window.summary.view.isColumnHidden(COL_BUFFERS)
    keras_text = window.totals_label.text()

    window.convention.pytorch.trigger()
    try:
        assert convention.current() == PYTORCH
        row = ui.row_values(window, "batch_normalization")
        assert (row["Trainable"], row["Non-trainable"], row["Buffers"]) == (
            BN["trainable_params"], BN["non_trainable_params"], BN["buffer_elements"])
        assert (row["Total"], row["Buffers"]) == (2 * C, 2 * C + 1)
        assert not window.summary.view.isColumnHidden(COL_BUFFERS)
        assert ui.total_row_text(window)["Buffers"] == "129"
        assert "Buffers: 129" in window.totals_label.text()
        assert "Buffers: <b>129</b>" in window.summary.totals_label.text()
        assert window.convention.status_label.text() == "Counting: PyTorch"
        assert settings.value(convention.SETTINGS_KEY) == PYTORCH
        # canvas and tooltips follow
        assert _bn_look(window, ui).params_text == "128 params · 129 buffers"
        model = window.summary.model
        tip = model.index(model.row_of(ui.layer_id(window, "batch_normalization")),
                          COL_TOTAL).data(3)  # ToolTipRole
        assert "running_mean, running_var (2·64) and num_batches_tracked (1) are buffers" in \
            " ".join(tip.split())
        # properties panel: counts, formula, reconciliation line
        window.select_ids([ui.layer_id(window, "batch_normalization")])
        props = window.properties
        assert "buffers <b>129</b>" in props.counts_label.text()
        assert props.formula_label.text() == "2·64 = 128; buffers 2·64 + 1 = 129"
        assert "Keras: gamma, beta trainable" in props.reconciliation_label.text()
        # a view setting: nothing on the undo stack, the file is not modified
        assert (stack.count(), stack.isClean()) == (undo_count, clean)
        assert not window.document.modified and not window.isWindowModified()
    finally:
        window.convention.keras.trigger()

    assert convention.current() == KERAS
    assert ui.row_values(window, "batch_normalization") == keras_row
    assert window.summary.view.isColumnHidden(COL_BUFFERS)
    assert window.totals_label.text() == keras_text
    assert _bn_look(window, ui).params_text == "256 params: 128 non-trainable"
    assert (stack.count(), stack.isClean()) == (undo_count, clean)


def test_setting_is_restored_in_a_new_window(make_window, settings):
    settings.setValue(convention.SETTINGS_KEY, PYTORCH)
    window = make_window("bn_mlp")
    try:
        assert convention.current() == PYTORCH and window.convention.pytorch.isChecked()
        assert window.summary.model.summary.buffers == 129
    finally:
        window.convention.keras.trigger()


def test_csv_export_follows_the_switch(make_window, tmp_path):
    window = make_window("bn_mlp")
    window.convention.pytorch.trigger()
    try:
        assert window.files.export_csv(tmp_path / "s.csv")
    finally:
        window.convention.keras.trigger()
    header, *rows = (tmp_path / "s.csv").read_text(encoding="utf-8-sig").splitlines()
    assert "buffers" in header.split(",")
    assert rows[-1].split(",")[3:7] == ["1537", "0", "1537", "129"]


def test_export_pytorch_code_from_the_menu(make_window, dialogs, tmp_path):
    window = make_window(None)
    assert window.files.open_path(str(DATA / "keras" / "hb_conv2d.json"))
    dialogs.save_path = str(tmp_path / "conv")
    window.convention.export_pytorch.trigger()
    text = (tmp_path / "conv.py").read_text()
    assert text.startswith("# PyTorch module for the model")
    assert "NoPyTorchEquivalent('p_re_lu_1'" in text  # one alpha per element
    report = window._pytorch_export_report
    assert "p_re_lu_1 (PReLU)" in report.informativeText()
    report.close()


def test_properties_list_the_pytorch_tensors(make_window, ui):
    window = make_window("bn_mlp")
    window.select_ids([ui.layer_id(window, "batch_normalization")])
    assert "moving_mean (64,)" in window.properties.weights_label.text()
    window.convention.pytorch.trigger()
    try:
        text = window.properties.weights_label.text()
        assert "nn.BatchNorm1d(64" in text and "weight (64,)" in text
        assert "running_mean (64,) <i>(buffer)</i>" in text
        assert "num_batches_tracked () <i>(buffer)</i>" in text
    finally:
        window.convention.keras.trigger()


def test_layer_without_equivalent_is_flagged(make_window, ui):
    """hb_rnn's gru_1 is GRU(reset_after=False): no PyTorch equivalent, Keras's count kept."""
    window = make_window(None)
    assert window.files.open_path(str(DATA / "keras" / "hb_rnn.json"))
    window.convention.pytorch.trigger()
    try:
        row = ui.row_text(window, "gru_1")
        assert row["Type"] == "GRU (no PyTorch equivalent: Keras count)"
        assert row["Total"] == "1,188"  # Keras: tests/data/keras/hb_rnn.summary.txt
        look = window.scene().layer_item(ui.layer_id(window, "gru_1")).look
        assert look.type_text.endswith("no PyTorch equivalent")
    finally:
        window.convention.keras.trigger()
    assert ui.row_text(window, "gru_1")["Type"] == "GRU"


def test_export_pytorch_code_refuses_a_model_with_errors(make_window, dialogs, tmp_path):
    from paramlab.core.graph import LayerGraph
    from paramlab.core.io.project import save_project

    g = LayerGraph("broken")
    x = g.add_layer("InputLayer", "x", {"shape": (4, 4, 1)})
    c = g.add_layer("Conv2D", "conv", {"filters": 2, "kernel_size": (5, 5)})
    g.connect(x, c)
    save_project(g, tmp_path / "broken.json")
    window = make_window(None)
    assert window.files.open_path(str(tmp_path / "broken.json"))
    dialogs.save_path = str(tmp_path / "out.py")
    window.convention.export_pytorch.trigger()
    assert not (tmp_path / "out.py").exists()
    assert dialogs.errors and dialogs.errors[-1][0] == "Cannot export PyTorch code"
