"""The text and audio layers in the properties panel (tests/data/keras/hb_text_audio.json,
real Keras 3.15.1): choosing TextVectorization's output_mode through the real combo box
changes the shape as Keras's rules say ('int' without output_sequence_length: (None, None);
Keras's multi_hot over the 3 words + 1 OOV index: (None, 1, 4)), and undo restores it;
STFTSpectrogram's frame_length spin box changes its kernels: frame_length 32 gives two
(32, 1, 17) kernels, 2·32·17 = 1,088 parameters."""
from __future__ import annotations

from PySide6.QtCore import Qt

from paramlab.core.io.loader import load_model
from tests.conftest import DATA


def test_output_mode_and_frame_length_edits(qtbot, window, ui):
    window.document.replace_graph(load_model(str(DATA / "keras" / "hb_text_audio.json")))
    node = ui.layer_id(window, "tv_mh")
    window.select_ids([node])
    props = window.properties
    assert ui.row_text(window, "tv_mh")["Output shape"] == "(None, 1, 4)"
    combo = props.field_editors["output_mode"].combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    assert window.document.graph.raw(node)["config"]["output_mode"] == "int"
    assert ui.row_text(window, "tv_mh")["Output shape"] == "(None, None)"
    window.document.undo_stack.undo()
    assert ui.row_text(window, "tv_mh")["Output shape"] == "(None, 1, 4)"

    stft = ui.layer_id(window, "stft_log")
    window.select_ids([stft])
    assert ui.row_values(window, "stft_log")["Total"] == 66_048
    spin = props.field_editors["frame_length"].spin
    spin.setValue(32)
    spin.editingFinished.emit()
    assert window.document.graph.raw(stft)["config"]["frame_length"] == 32
    assert ui.row_values(window, "stft_log")["Total"] == 1_088
    assert "real_kernel (32, 1, 17)" in props.weights_label.text()
