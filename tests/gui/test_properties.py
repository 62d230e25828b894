"""Properties panel: edits through real widgets change the graph, the summary and the
status bar, refuse invalid values, and undo as one step each.

Figures: lenet as Keras counts it (tests/data/keras/lenet_like.summary.txt): dense
(400 -> 120) has 48,120 parameters, the model 62,958. With units=60, dense has
(400 + 1)·60 = 24,060 and dense_1 (60 + 1)·84 = 5,124, so the total is
62,958 - 48,120 - 10,164 + 24,060 + 5,124 = 33,858.
"""
from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QSpinBox

from paramlab.core.catalogue import get_spec
from paramlab.gui.field_editors import IntEditor, IntsEditor, ShapeEditor, StrEditor


def _type_into_spin(qtbot, spin: QSpinBox, text: str) -> None:
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), text)
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)


def _select(window, ui, name: str) -> str:
    node_id = ui.layer_id(window, name)
    window.select_ids([node_id])
    assert window.properties.node_id == node_id
    return node_id


def test_form_is_generated_from_field_specs(window, ui):
    _select(window, ui, "conv2d")
    editors = window.properties.field_editors
    assert isinstance(editors["filters"], IntEditor)
    assert editors["filters"].spin.value() == 8
    assert editors["filters"].spin.minimum() == 1
    assert isinstance(editors["kernel_size"], IntsEditor)
    assert [s.value() for s in editors["kernel_size"].spins] == [5, 5]
    assert isinstance(editors["activation"], StrEditor)
    assert editors["activation"].combo.currentText() == "relu"
    assert editors["activation"].combo.isEditable()
    assert "(5·5·3 + 1)·8 = 608" in window.properties.formula_label.text()
    assert "(None, 28, 28, 8)" in window.properties.shape_label.text()


def test_dense_units_edit_changes_summary_and_status_bar(qtbot, window, ui):
    dense = _select(window, ui, "dense")
    spin = window.properties.field_editors["units"].spin
    assert spin.value() == 120
    _type_into_spin(qtbot, spin, "60")
    assert window.document.graph.raw(dense)["config"]["units"] == 60
    assert ui.row_values(window, "dense")["Total"] == 24_060
    assert ui.row_text(window, "dense")["Total"] == "24,060"
    assert ui.row_text(window, "dense")["Output shape"] == "(None, 60)"
    assert ui.row_values(window, "dense_1")["Total"] == 5_124
    assert ui.total_row_text(window)["Total"] == "33,858"
    assert "Total params: 33,858" in window.totals_label.text()
    assert "(400 + 1)·60 = 24,060" in window.properties.formula_label.text()
    assert window.document.undo_stack.count() == 1


def test_property_change_undo_redo(qtbot, window, ui):
    dense = _select(window, ui, "dense")
    _type_into_spin(qtbot, window.properties.field_editors["units"].spin, "60")
    window.acts.undo.trigger()
    assert window.document.graph.raw(dense)["config"]["units"] == 120
    assert ui.row_values(window, "dense")["Total"] == 48_120
    assert window.properties.field_editors["units"].spin.value() == 120
    assert window.document.result.total == 62_958
    window.acts.redo.trigger()
    assert window.properties.field_editors["units"].spin.value() == 60
    assert window.document.result.total == 33_858


def test_spin_arrow_steps_merge_into_one_undo_step(qtbot, window, ui):
    dense = _select(window, ui, "dense")
    spin = window.properties.field_editors["units"].spin
    spin.setFocus()
    for _ in range(3):
        qtbot.keyClick(spin, Qt.Key.Key_Up)
    assert window.document.graph.raw(dense)["config"]["units"] == 123
    assert ui.row_values(window, "dense")["Total"] == 401 * 123
    assert window.document.undo_stack.count() == 1
    window.acts.undo.trigger()
    assert window.document.graph.raw(dense)["config"]["units"] == 120


def test_kernel_size_tuple_editor(qtbot, window, ui):
    conv = _select(window, ui, "conv2d")
    first = window.properties.field_editors["kernel_size"].spins[0]
    _type_into_spin(qtbot, first, "3")
    assert window.document.graph.raw(conv)["config"]["kernel_size"] == (3, 5)
    # Keras: (3·5·3 + 1)·8 = 368; output (32-3+1, 32-5+1) = (30, 28)
    assert ui.row_values(window, "conv2d")["Total"] == 368
    assert ui.row_text(window, "conv2d")["Output shape"] == "(None, 30, 28, 8)"


def test_invalid_value_is_refused_with_message(qtbot, window, ui):
    inp = _select(window, ui, "input_layer")
    editor = window.properties.field_editors["shape"]
    assert isinstance(editor, ShapeEditor)
    assert editor.line.text() == "32, 32, 3"
    editor.line.setFocus()
    editor.line.selectAll()
    qtbot.keyClicks(editor.line, "0, 32, 3")
    qtbot.keyClick(editor.line, Qt.Key.Key_Return)
    assert window.document.graph.raw(inp)["config"]["shape"] == [32, 32, 3] or \
        tuple(window.document.graph.raw(inp)["config"]["shape"]) == (32, 32, 3)
    assert window.document.undo_stack.count() == 0
    assert "shape must be at least 1, got 0" in window.properties.refused_label.text()
    assert "at least 1" in window.statusBar().currentMessage()
    assert editor.line.text() == "32, 32, 3"  # the model's value is shown again


def test_text_that_is_not_a_shape_is_refused(qtbot, window, ui):
    _select(window, ui, "input_layer")
    editor = window.properties.field_editors["shape"]
    editor.line.setFocus()
    editor.line.selectAll()
    qtbot.keyClicks(editor.line, "32 by 32")
    qtbot.keyClick(editor.line, Qt.Key.Key_Return)
    assert window.document.undo_stack.count() == 0
    assert "whole numbers" in window.properties.refused_label.text()


def test_editor_refuses_out_of_range_value(window, ui):
    dense = ui.layer_id(window, "dense")
    messages = []
    window.document.edit_refused.connect(messages.append)
    assert not window.editor.set_field(dense, "units", 0)
    assert not window.editor.set_field(dense, "units", "many")
    assert messages == ["dense: units must be at least 1, got 0",
                        "dense: units must be a whole number, got 'many'"]
    assert window.document.undo_stack.count() == 0
    assert window.document.result.total == 62_958


def test_rename_and_undo(qtbot, window, ui):
    dense = _select(window, ui, "dense")
    edit = window.properties.name_edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "fc1")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert window.document.graph.raw(dense)["name"] == "fc1"
    model = window.summary.model
    assert model.index(model.row_of(dense), 0).data() == "fc1"
    assert "fc1" in ui.row_text(window, "dense_1")["Connected to"]
    window.acts.undo.trigger()
    assert window.document.graph.raw(dense)["name"] == "dense"
    assert edit.text() == "dense"
    window.acts.redo.trigger()
    assert edit.text() == "fc1"


def test_duplicate_name_is_refused(qtbot, window, ui):
    dense = _select(window, ui, "dense")
    edit = window.properties.name_edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "conv2d")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert window.document.graph.raw(dense)["name"] == "dense"
    assert edit.text() == "dense"
    assert "already exists" in window.properties.refused_label.text()
    assert window.document.undo_stack.count() == 0


def test_trainable_checkbox_moves_counts_and_undoes(qtbot, window, ui):
    dense = _select(window, ui, "dense")
    check = window.properties.trainable_check
    assert check.isChecked()
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(8, check.height() // 2))
    assert window.document.graph.raw(dense)["trainable"] is False
    row = ui.row_values(window, "dense")
    assert (row["Trainable"], row["Non-trainable"]) == (0, 48_120)
    assert window.document.result.trainable == 62_958 - 48_120
    assert "Non-trainable: 48,120" in window.totals_label.text()
    window.acts.undo.trigger()
    assert window.document.graph.raw(dense)["trainable"] is True
    assert check.isChecked()
    assert window.document.result.non_trainable == 0


def test_activation_combo_edit(qtbot, window, ui):
    dense = _select(window, ui, "dense_2")
    combo = window.properties.field_editors["activation"].combo
    combo.setFocus()
    combo.lineEdit().selectAll()
    qtbot.keyClicks(combo.lineEdit(), "sigmoid")
    qtbot.keyClick(combo.lineEdit(), Qt.Key.Key_Return)
    assert window.document.graph.raw(dense)["config"]["activation"] == "sigmoid"
    assert ui.row_values(window, "dense_2")["Total"] == 850  # activations add nothing


def test_error_layer_shows_diagnostic(window, ui):
    conv = ui.layer_id(window, "conv2d")
    assert window.editor.set_field(conv, "kernel_size", (40, 40))
    window.select_ids([conv])
    text = window.properties.diagnostic_label.text()
    assert text.startswith("Error:")
    assert window.document.result.layers[conv].diagnostic.message in text.replace("&#x27;", "'")


def test_several_selected_shows_hint(window, ui):
    window.select_ids([ui.layer_id(window, "dense"), ui.layer_id(window, "dense_1")])
    assert window.properties.node_id is None
    assert "2 layers selected" in window.properties.title.text()


def test_padding_choice_by_keyboard(qtbot, window, ui):
    conv = _select(window, ui, "conv2d")
    combo = window.properties.field_editors["padding"].combo
    assert combo.currentText() == "valid"
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert window.document.graph.raw(conv)["config"]["padding"] == "same"
    # Keras: 'same' keeps 32x32; the kernel (5, 5, 3, 8) and bias (8,) do not change
    assert ui.row_text(window, "conv2d")["Output shape"] == "(None, 32, 32, 8)"
    assert ui.row_values(window, "conv2d")["Total"] == 608
    assert ui.row_text(window, "flatten")["Output shape"] == "(None, 576)"  # 6·6·16


def test_optional_strides_auto(qtbot, window, ui):
    pool = _select(window, ui, "max_pooling2d")
    editor = window.properties.field_editors["strides"]
    assert editor.auto is not None and not editor.auto.isChecked()
    assert [s.value() for s in editor.spins] == [2, 2]
    qtbot.mouseClick(editor.auto, Qt.MouseButton.LeftButton,
                     pos=QPoint(8, editor.auto.height() // 2))
    assert window.document.graph.raw(pool)["config"]["strides"] is None
    assert not editor.spins[0].isEnabled()
    # Keras: strides=None means strides = pool_size, so the shape is unchanged
    assert ui.row_text(window, "max_pooling2d")["Output shape"] == "(None, 14, 14, 8)"
    window.acts.undo.trigger()
    assert tuple(window.document.graph.raw(pool)["config"]["strides"]) == (2, 2)
    assert not editor.auto.isChecked() and editor.spins[0].isEnabled()


def test_float_field(qtbot, window, ui):
    node = window.editor.add_layer("Dropout", (300.0, 0.0))
    window.select_ids([node])
    spin = window.properties.field_editors["rate"].spin
    assert spin.value() == 0.5
    field = get_spec("Dropout").field("rate")
    assert (spin.minimum(), spin.maximum()) == (field.minimum, field.maximum)  # the spec's range
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "0.3")
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    assert window.document.graph.raw(node)["config"]["rate"] == 0.3


def test_shape_text_parsing():
    from paramlab.gui.field_editors import format_shape_text, parse_shape_text

    assert parse_shape_text("28, 28, 1") == (28, 28, 1)
    assert parse_shape_text("(None, 16)") == (None, 16)
    assert parse_shape_text("[10,]") == (10,)
    assert parse_shape_text("a, b") == "a, b"  # left for the field's validation to explain
    assert format_shape_text((None, 28, 1)) == "None, 28, 1"
    assert format_shape_text(None) == "None"
