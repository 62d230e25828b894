"""The image layers' ``data_format`` field in the properties panel: a combo box that shows the
file's value, changes the layer's output shape through the real widget, and undoes.

Figures from Keras 3.15.1 (JAX): ``tests/data/keras/hb_image_resize_cf.json`` has
``Resizing(24, 28, data_format="channels_first")`` on ``(None, 3, 32, 30)`` giving
``(None, 3, 24, 28)``; the same layer channels_last on that input gives
``(None, 24, 28, 30)`` (``keras.layers.Resizing(24, 28)(keras.Input((3, 32, 30)))``).
``AdaptiveMaxPooling1D(5)`` on ``(None, 3, 20)``: ``(None, 5, 20)`` channels_last,
``(None, 3, 5)`` channels_first.
"""
from __future__ import annotations

from PySide6.QtCore import Qt

from paramlab.gui.field_editors import ChoiceEditor, NumbersEditor
from tests.conftest import DATA


def test_resizing_data_format_combo_changes_the_shape_and_undoes(qtbot, window, ui):
    assert window.files.open_path(str(DATA / "keras" / "hb_image_resize_cf.json"))
    node = ui.layer_id(window, "resizing")
    window.select_ids([node])
    editor = window.properties.field_editors["data_format"]
    assert isinstance(editor, ChoiceEditor)
    combo = editor.combo
    assert combo.currentText() == "channels_first"
    assert ui.row_text(window, "resizing")["Output shape"] == "(None, 3, 24, 28)"
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Up)  # channels_last comes first in the list
    assert window.document.graph.raw(node)["config"]["data_format"] == "channels_last"
    assert ui.row_text(window, "resizing")["Output shape"] == "(None, 24, 28, 30)"
    window.acts.undo.trigger()
    assert window.document.graph.raw(node)["config"]["data_format"] == "channels_first"
    assert ui.row_text(window, "resizing")["Output shape"] == "(None, 3, 24, 28)"
    assert combo.currentText() == "channels_first"


def test_adaptive_pooling_from_the_palette_has_output_size_and_data_format(qtbot, window, ui):
    graph = window.document.graph
    editor = window.editor
    seq = editor.add_layer("InputLayer", (900, 0))
    node = editor.add_layer("AdaptiveMaxPooling1D", (900, 200))  # a palette drop
    assert editor.set_field(seq, "shape", (3, 20)) and editor.connect(seq, node)
    assert editor.set_field(node, "output_size", (5,))
    editor.rename(node, "pool")
    window.select_ids([node])
    editors = window.properties.field_editors
    assert [s.value() for s in editors["output_size"].spins] == [5]
    combo = editors["data_format"].combo
    assert combo.currentText() == "channels_last"
    assert ui.row_text(window, "pool")["Output shape"] == "(None, 5, 20)"
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert graph.raw(node)["config"]["data_format"] == "channels_first"
    assert ui.row_text(window, "pool")["Output shape"] == "(None, 3, 5)"
    assert ui.row_values(window, "pool")["Total"] == 0


def _type_into_line(qtbot, line, text: str) -> None:
    line.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)


def test_factor_pair_from_a_file_is_shown_and_edited_as_numbers(qtbot, window, ui):
    """Keras 3.15.1 writes RandomRotation(0.1)'s factor as [-0.1, 0.1]
    (tests/data/keras/hb_image_resize.json): the panel shows the pair, takes one number or
    a pair, refuses text, and undoes."""
    assert window.files.open_path(str(DATA / "keras" / "hb_image_resize.json"))
    node = ui.layer_id(window, "random_rotation")
    window.select_ids([node])
    editor = window.properties.field_editors["factor"]
    assert isinstance(editor, NumbersEditor)
    assert editor.line.text() == "-0.1, 0.1"
    _type_into_line(qtbot, editor.line, "0.25")
    assert window.document.graph.raw(node)["config"]["factor"] == 0.25
    _type_into_line(qtbot, editor.line, "-0.3, 0.2")
    assert window.document.graph.raw(node)["config"]["factor"] == (-0.3, 0.2)
    count = window.document.undo_stack.count()
    _type_into_line(qtbot, editor.line, "a lot")
    assert window.document.undo_stack.count() == count  # refused, nothing changed
    assert window.document.graph.raw(node)["config"]["factor"] == (-0.3, 0.2)
    while window.document.undo_stack.canUndo():
        window.acts.undo.trigger()
    assert window.document.graph.raw(node)["config"]["factor"] == [-0.1, 0.1]
    assert editor.line.text() == "-0.1, 0.1"
    # an augmentation keeps its input's shape whatever the factor (Keras: (None, 22, 20, 3))
    assert ui.row_text(window, "random_rotation")["Output shape"] == "(None, 22, 20, 3)"
