"""A custom layer class ParamLab does not know: an error until the user declares its output
shape and parameters in the properties panel; the declaration is one undo step each and is
saved in the project file.

Figures: lenet's dense_2 (Keras: 850) feeds a custom layer; declaring 100 trainable and 20
non-trainable parameters adds 120 to Keras's 62,958.
"""
from __future__ import annotations

from PySide6.QtCore import Qt

from paramlab.core.edits import AddLayer, Connect
from paramlab.core.io.project import load_project, save_project


def _type_into(qtbot, line_or_spin, text: str) -> None:
    edit = line_or_spin.lineEdit() if hasattr(line_or_spin, "lineEdit") else line_or_spin
    line_or_spin.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_custom_layer_declared_in_the_properties_panel(qtbot, window, ui, tmp_path):
    doc = window.document
    add = AddLayer("PixelShuffler", "shuffle", {"output_shape": [None, 10]})
    doc.execute(add, "Add")
    doc.execute(Connect(ui.layer_id(window, "dense_2"), add.node_id, 0), "Connect")
    window.select_ids([add.node_id])
    r = doc.result.layers[add.node_id]
    assert r.diagnostic is not None and "weights are unknown" in r.diagnostic.message
    assert "Error:" in window.properties.diagnostic_label.text()
    editors = window.properties.field_editors
    assert set(editors) == {"output_shape", "trainable_params", "non_trainable_params"}
    steps = doc.undo_stack.count()
    _type_into(qtbot, editors["trainable_params"].spin, "100")
    _type_into(qtbot, editors["non_trainable_params"].spin, "20")
    assert doc.undo_stack.count() == steps + 2
    r = doc.result.layers[add.node_id]
    assert r.diagnostic is None and (r.trainable, r.non_trainable) == (100, 20)
    assert (doc.result.trainable, doc.result.non_trainable) == (62_958 + 100, 20)
    assert "Note:" in window.properties.diagnostic_label.text()
    path = tmp_path / "m.json"
    save_project(doc.graph, path)
    saved = load_project(path)
    config = saved.raw(saved.id_of("shuffle"))["config"]
    assert (config["trainable_params"], config["non_trainable_params"]) == (100, 20)
    window.acts.undo.trigger()
    assert doc.result.layers[add.node_id].non_trainable == 0
    assert doc.result.layers[add.node_id].diagnostic is None  # 100 declared, 0 by default
