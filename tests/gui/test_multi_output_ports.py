"""A multi-output layer on the canvas: one output port per tensor, labelled with its shape;
a drag from the second port connects that tensor; undo removes it and redo restores it.

Model: Input (None, 5, 4) -> LSTM(9, return_state=True): Keras returns [output, state_h,
state_c], each (None, 9); a Concatenate takes state_h (output 2 of the LSTM).
"""
from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from paramlab.core.graph import LayerGraph
from paramlab.gui.canvas.view import CanvasView
from paramlab.gui.document import Document
from tests.gui.test_canvas import drag, show_canvas


@pytest.fixture
def lstm_canvas(qtbot: Any) -> tuple[CanvasView, Document, dict[str, str]]:
    g = LayerGraph("states")
    ids = {"x": g.add_layer("InputLayer", config={"shape": [5, 4]}, position=(0, 0)),
           "lstm": g.add_layer("LSTM", config={"units": 9, "return_state": True},
                               position=(0, 130)),
           "cat": g.add_layer("Concatenate", position=(0, 300))}
    g.connect(ids["x"], ids["lstm"])
    g.connect(ids["lstm"], ids["cat"], 0)  # the output (None, 9)
    view, doc = show_canvas(qtbot, g, (0, 150))
    return view, doc, ids


def test_one_labelled_port_per_output_and_connecting_from_the_second(lstm_canvas, qtbot):
    view, doc, ids = lstm_canvas
    scene = view.canvas_scene()
    lstm = scene.layer_item(ids["lstm"])
    assert [p.label for p in lstm.output_ports] == ["(None, 9)"] * 3
    assert lstm.output_ports[1].toolTip().startswith("Output 2: (None, 9)")
    assert len(scene.layer_item(ids["x"]).output_ports) == 1  # one tensor: one port
    cat = scene.layer_item(ids["cat"])
    plus = cat.input_ports[-1]
    assert plus.plus
    drag(qtbot, view, lstm.output_ports[1].scenePos(), plus.scenePos())
    graph = doc.graph
    assert graph.inputs(ids["cat"]) == [(ids["lstm"], 0), (ids["lstm"], 1)]
    assert graph.output_index(ids["lstm"], ids["cat"], 1) == 1
    assert doc.result.layers[ids["cat"]].output_shape == (None, 18)
    assert doc.undo_stack.text(doc.undo_stack.count() - 1) == "Connect lstm (output 2) → concatenate"
    # The edge is drawn from the second port.
    edge = scene.edge_item((ids["lstm"], ids["cat"], 1))
    start = edge.ends[0]
    assert (start - lstm.output_ports[1].scenePos()).manhattanLength() < 1.0
    doc.undo_stack.undo()
    assert graph.inputs(ids["cat"]) == [(ids["lstm"], 0)]
    assert scene.edge_item((ids["lstm"], ids["cat"], 1)) is None
    doc.undo_stack.redo()
    assert graph.output_index(ids["lstm"], ids["cat"], 1) == 1
    assert doc.result.layers[ids["cat"]].output_shape == (None, 18)


def test_ports_follow_return_state(lstm_canvas, qtbot):
    view, doc, ids = lstm_canvas
    lstm = view.canvas_scene().layer_item(ids["lstm"])
    view.editor.set_field(ids["lstm"], "return_state", False)
    assert [p.label for p in lstm.output_ports] == [""]
    doc.undo_stack.undo()
    assert len(lstm.output_ports) == 3


def test_bidirectional_merge_mode_none_from_the_combo_gives_two_outputs(qtbot, window, ui):
    """Bidirectional's merge_mode combo offers None (Keras: the forward and backward outputs
    apart, [(None, 32), (None, 32)] for the default LSTM(32) on (None, 5, 4)); choosing it
    is one undoable edit (it was refused as "merge_mode is required") and the layer gets a
    port per tensor."""
    from PySide6.QtCore import Qt

    editor = window.editor
    seq = editor.add_layer("InputLayer", (900, 0))
    node = editor.add_layer("Bidirectional", (900, 200))  # a palette drop
    assert editor.set_field(seq, "shape", (5, 4)) and editor.connect(seq, node)
    editor.rename(node, "bi")
    window.select_ids([node])
    combo = window.properties.field_editors["merge_mode"].combo
    assert combo.currentText() == "concat"
    assert ui.row_text(window, "bi")["Output shape"] == "(None, 64)"
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_End)  # None is the last choice
    graph = window.document.graph
    assert "merge_mode" in graph.raw(node)["config"]
    assert graph.raw(node)["config"]["merge_mode"] is None
    assert ui.row_text(window, "bi")["Output shape"] == "[(None, 32), (None, 32)]"
    item = window.canvas.canvas_scene().layer_item(node)
    assert [p.label for p in item.output_ports] == ["(None, 32)"] * 2
    window.acts.undo.trigger()
    assert graph.raw(node)["config"].get("merge_mode", "concat") == "concat"
    assert ui.row_text(window, "bi")["Output shape"] == "(None, 64)"


def test_summary_connected_to_names_each_tensor_as_keras_does(qtbot, window, ui):
    """The summary panel's "Connected to" writes each input as Keras's model.summary()
    does, ``layer[call][output]``: a Concatenate of an LSTM's output and its state_h reads
    ``lstm[0][0], lstm[0][1]`` (plain names read "lstm, lstm"), as the exported table
    and image write it; the header's tooltip explains the form."""
    from paramlab.gui.summary_panel import COL_CONNECTED

    editor = window.editor
    x = editor.add_layer("InputLayer", (900, 0))
    lstm = editor.add_layer("LSTM", (900, 150))
    cat = editor.add_layer("Concatenate", (900, 300))
    assert editor.set_field(x, "shape", (5, 4)) and editor.connect(x, lstm)
    assert editor.set_field(lstm, "units", 9) and editor.set_field(lstm, "return_state", True)
    assert editor.rename(lstm, "enc") and editor.rename(cat, "joined")
    assert editor.connect(lstm, cat) and editor.connect(lstm, cat, output=1)
    row = ui.row_text(window, "joined")
    assert row["Connected to"] == "enc[0][0], enc[0][1]"
    assert row["Output shape"] == "(None, 18)"
    model = window.summary.model
    tip = model.headerData(COL_CONNECTED, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "layer[call][output]" in tip
    window.acts.undo.trigger()  # the state_h connection
    assert ui.row_text(window, "joined")["Connected to"] == "enc[0][0]"
