"""ConvLSTM2D's data_format in the properties panel: choosing channels_first through the real
combo box reads the same input with its channel axis after the time axis, and undo restores
channels_last.

Input (None, 5, 3, 16, 16) -> ConvLSTM2D(8, 3x3) (keras/src/layers/rnn/conv_lstm.py: the cell
works on one step (None, 3, 16, 16); ``ConvLSTMCell.build`` takes the channel axis 1 for
channels_first, -1 for channels_last):
- channels_last: channels 16, spatial (3, 16) -> (1, 14): (None, 1, 14, 8);
  4·(3·3·16·8 + 3·3·8·8 + 8) = 4·1,736 = 6,944 parameters;
- channels_first: channels 3, spatial (16, 16) -> (14, 14): (None, 8, 14, 14);
  4·(3·3·3·8 + 3·3·8·8 + 8) = 4·800 = 3,200 parameters.
"""
from __future__ import annotations

from PySide6.QtCore import Qt

from paramlab.core.graph import LayerGraph


def test_data_format_combo_switches_the_channel_axis(qtbot, window, ui):
    g = LayerGraph("frames")
    x = g.add_layer("InputLayer", "frames", {"shape": [5, 3, 16, 16]}, position=(0, 0))
    lstm = g.add_layer("ConvLSTM2D", "clstm", {"filters": 8, "kernel_size": [3, 3]},
                       position=(0, 130))
    g.connect(x, lstm)
    window.document.replace_graph(g)
    assert ui.row_text(window, "clstm")["Output shape"] == "(None, 1, 14, 8)"
    assert ui.row_values(window, "clstm")["Total"] == 6944
    window.select_ids([lstm])
    combo = window.properties.field_editors["data_format"].combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["channels_last",
                                                                 "channels_first"]
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert window.document.graph.raw(lstm)["config"]["data_format"] == "channels_first"
    assert ui.row_text(window, "clstm")["Output shape"] == "(None, 8, 14, 14)"
    assert ui.row_values(window, "clstm")["Total"] == 3200
    assert "(None, 8, 14, 14)" in window.properties.shape_label.text()
    window.document.undo_stack.undo()
    assert ui.row_values(window, "clstm")["Total"] == 6944
    assert ui.row_text(window, "clstm")["Output shape"] == "(None, 1, 14, 8)"
