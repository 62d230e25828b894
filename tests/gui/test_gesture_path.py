"""One path from gesture to edit: palette placement, Redo keys, view state, Open.

Figures follow Keras's rules: a Dense layer on 10 features has (10 + 1)·units parameters.
"""
from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QDropEvent, QKeySequence
from PySide6.QtWidgets import QApplication

from paramlab.core.placement import CLEAR_X, CLEAR_Y
from paramlab.gui import mime


def overlaps(graph: Any, node: str) -> list[str]:
    x, y = graph.raw(node)["position"]
    return [n for n in graph.layer_ids() if n != node
            and abs(graph.raw(n)["position"][0] - x) < CLEAR_X
            and abs(graph.raw(n)["position"][1] - y) < CLEAR_Y]


def double_click_palette(window: Any, layer_type: str) -> None:
    """What a double-click (or Enter) on a palette item does: its itemActivated."""
    tree = window.palette.tree
    tree.itemActivated.emit(tree.layer_item(layer_type), 0)


def test_palette_double_click_inserts_after_selection_and_connects(window: Any, ui: Any) -> None:
    doc = window.document
    last = ui.layer_id(window, "dense_2")  # lenet's head: Dense(10) on 84 units
    window.select_ids([last])
    before = doc.result.total
    double_click_palette(window, "Dense")
    new = window.selected_ids()[0]
    assert doc.graph.inputs(new) == [(last, 0)]
    units = doc.graph.raw(new)["config"]["units"]
    assert doc.result.layers[new].total == (10 + 1) * units  # Keras: (in + 1)·units
    assert doc.result.total == before + doc.result.layers[new].total
    assert overlaps(doc.graph, new) == []
    _x, y = doc.graph.raw(last)["position"]
    assert doc.graph.raw(new)["position"][1] > y  # below the layer it follows
    assert doc.undo_stack.count() == 1  # add + connect: one step
    doc.undo_stack.undo()
    assert new not in doc.graph and doc.result.total == before


def test_palette_double_click_without_fit_goes_to_free_space(window: Any, ui: Any) -> None:
    doc = window.document
    window.select_ids([ui.layer_id(window, "input_layer")])
    double_click_palette(window, "Add")  # Add takes 2 inputs: cannot follow one layer
    new = window.selected_ids()[0]
    assert doc.graph.raw(new)["type"] == "Add" and doc.graph.inputs(new) == []
    assert overlaps(doc.graph, new) == []
    window.select_ids([])
    for _ in range(3):  # nothing selected: free space near the view centre, never on a node
        double_click_palette(window, "Dense")
        assert overlaps(doc.graph, window.selected_ids()[0]) == []


def test_drop_and_double_click_store_the_same_config(window: Any) -> None:
    doc = window.document
    window.select_ids([])
    double_click_palette(window, "Conv2D")
    by_click = doc.graph.raw(window.selected_ids()[0])["config"]
    data = QMimeData()
    data.setData(mime.LAYER_TYPE, b"Conv2D")
    view = window.canvas
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, data,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view.viewport(), drop)
    by_drop = doc.graph.raw(window.selected_ids()[0])["config"]
    assert by_drop == by_click and by_drop["filters"] is not None


def test_redo_is_ctrl_y_and_ctrl_shift_z_as_real_key_events(window: Any, qtbot: Any, ui: Any) -> None:
    """Under xcb Qt's standard Redo is only Ctrl+Shift+Z; the action carries both keys
    explicitly, so the check does not depend on the platform the tests run on."""
    keys = [k.toString() for k in window.acts.redo.shortcuts()]
    assert keys[:2] == ["Ctrl+Y", "Ctrl+Shift+Z"]
    doc = window.document
    dense = ui.layer_id(window, "dense")
    window.editor.set_trainable(dense, False)
    window.editor.set_trainable(dense, True)
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.graph.raw(dense)["trainable"] and doc.undo_stack.index() == 0
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas.viewport(), Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert doc.undo_stack.index() == 1 and not doc.graph.raw(dense)["trainable"]
    qtbot.keyClick(window.canvas.viewport(), Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert doc.undo_stack.index() == 2 and doc.graph.raw(dense)["trainable"]
    assert QKeySequence("Ctrl+Y") in window.acts.redo.shortcuts()


def test_collapse_and_zoom_do_not_mark_the_file_modified(make_window: Any, qtbot: Any) -> None:
    window = make_window(None)
    from paramlab.core.graph import LayerGraph

    g = LayerGraph("nested")
    inp = g.add_layer("InputLayer", config={"shape": [8]}, position=(0, 0))
    a = g.add_layer("Dense", config={"units": 4}, position=(400, 100), group="base")
    b = g.add_layer("Dense", config={"units": 2}, position=(400, 200), group="base")
    g.connect(inp, a)
    g.connect(a, b)
    g.groups["base"] = {"type": "Functional", "trainable": True, "collapsed": True}
    window.document.replace_graph(g, None)  # hand-arranged: no relayout on toggling
    scene = window.scene()
    assert scene.group_item("base") is not None
    window.editor.set_group_collapsed("base", False)
    assert scene.group_item("base") is None and scene.layer_item(a).isVisible()
    window.canvas.zoom_in()
    window.canvas.zoom_to_fit()
    assert not window.document.modified and not window.isWindowModified()
    assert window.document.undo_stack.count() == 0
    assert g.groups["base"]["collapsed"] is False  # saved with the project, still not an edit


def test_open_asks_about_unsaved_changes_before_the_file_dialog(window: Any, dialogs: Any,
                                                               ui: Any) -> None:
    order: list[str] = []
    ask_save, ask_open = dialogs.ask_save, dialogs.ask_open_path
    dialogs.ask_save = lambda *a: order.append("save?") or ask_save(*a)
    dialogs.ask_open_path = lambda *a: order.append("file dialog") or ask_open(*a)
    from paramlab.gui import messages

    messages.ask_save, messages.ask_open_path = dialogs.ask_save, dialogs.ask_open_path
    window.editor.set_trainable(ui.layer_id(window, "dense"), False)
    window.acts.open.trigger()  # the answer is Cancel: no file dialog at all
    assert order == ["save?"]
    window.acts.import_keras.trigger()
    assert order == ["save?", "save?"]


def test_partial_totals_in_panel_and_status_bar(window: Any, ui: Any) -> None:
    """Dense(120) with units 0 is refused by Keras; the totals then miss dense, dense_1 and
    dense_2, and say so instead of silently dropping (Keras: lenet is 62,958)."""
    from paramlab.core.edits import SetConfig

    dense = ui.layer_id(window, "dense")
    assert window.document.execute(SetConfig(dense, "units", 0), "bad")
    status = window.totals_label.text()
    assert re.search(r"Total params: [\d,]+ — partial, 3 layers unresolved", status)
    assert "— partial, 3 layers unresolved" in window.summary.totals_label.text()


def test_summary_shows_every_column_at_1400_by_900(window: Any, qtbot: Any) -> None:
    window.resize(1400, 900)
    qtbot.wait(50)
    table = window.summary.view
    header = table.horizontalHeader()
    shown = [c for c in range(header.count()) if not header.isSectionHidden(c)]
    right = max(header.sectionPosition(c) + header.sectionSize(c) for c in shown)
    assert right <= table.viewport().width()  # no column cut off, no horizontal scrolling
