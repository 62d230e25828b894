"""The canvas (gui/canvas): items built from the document, mouse gestures become undoable
edits, the scene follows undo and redo.

Figures are Keras's (tests/data/keras/lenet_like.summary.txt counts Conv2D 8 of 5x5 on a
32x32x3 input as 608 parameters, Dense 10 on 16 features as 170).
"""
from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QApplication

from paramlab.core.edits import SetConfig
from paramlab.core.graph import LayerGraph
from paramlab.core.layout import auto_layout
from paramlab.gui import mime
from paramlab.gui.canvas.gestures import report_connect
from paramlab.gui.canvas.layer_item import GroupItem
from paramlab.gui.canvas.view import CanvasView
from paramlab.gui.document import Document


def small_graph() -> tuple[LayerGraph, dict[str, str]]:
    """input (32,32,3) -> conv2d (8 of 5x5: 608) -> flatten -> dense (10); plus a lone dense_1."""
    g = LayerGraph("small")
    ids = {
        "in": g.add_layer("InputLayer", config={"shape": [32, 32, 3]}, position=(0, 0)),
        "conv": g.add_layer("Conv2D", config={"filters": 8, "kernel_size": [5, 5]},
                            position=(0, 110)),
        "flat": g.add_layer("Flatten", position=(0, 220)),
        "dense": g.add_layer("Dense", config={"units": 10}, position=(0, 330)),
        "lone": g.add_layer("Dense", config={"units": 4}, position=(300, 330)),
    }
    g.connect(ids["in"], ids["conv"])
    g.connect(ids["conv"], ids["flat"])
    g.connect(ids["flat"], ids["dense"])
    return g, ids


def show_canvas(qtbot: Any, graph: LayerGraph, center: tuple[float, float]
                ) -> tuple[CanvasView, Document]:
    """A shown 900×700 canvas of ``graph`` at scale 1, centred on ``center``."""
    doc = Document(graph)
    view = CanvasView(doc)
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    qtbot.waitExposed(view)
    view.resetTransform()
    view.centerOn(*center)
    return view, doc


@pytest.fixture
def canvas(qtbot: Any) -> tuple[CanvasView, Document, dict[str, str]]:
    graph, ids = small_graph()
    view, doc = show_canvas(qtbot, graph, (150, 200))
    return view, doc, ids


def drag_event(cls: Any, pos: QPoint, data: QMimeData) -> Any:
    """A real drag event at viewport point ``pos`` (Qt 6.12 takes a QPointF, older a QPoint)."""
    args = (Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier)
    try:
        return cls(QPointF(pos), *args)
    except TypeError:
        return cls(pos, *args)


def vp(view: CanvasView, scene_pos: QPointF) -> QPoint:
    return view.mapFromScene(scene_pos)


def drag(qtbot: Any, view: CanvasView, start: QPointF, end: QPointF, steps: int = 5) -> None:
    """Press the left button at scene point ``start``, move in steps, release at ``end``."""
    w = view.viewport()
    a, b = vp(view, start), vp(view, end)
    qtbot.mousePress(w, Qt.MouseButton.LeftButton, pos=a)
    for i in range(1, steps + 1):
        qtbot.mouseMove(w, a + (b - a) * i / steps)
    qtbot.mouseRelease(w, Qt.MouseButton.LeftButton, pos=b)


# ------------------------------------------------------------------ building
def test_scene_shows_layers_edges_and_counts(canvas: Any) -> None:
    view, doc, ids = canvas
    scene = view.canvas_scene()
    assert set(scene.layer_items()) == set(ids.values())
    assert set(scene.edge_items()) == set(doc.graph.edges())
    conv = scene.layer_item(ids["conv"]).look
    assert (conv.title, conv.type_text) == ("conv2d", "Conv2D")
    assert conv.shape_text == "(None, 28, 28, 8)"
    assert conv.params_text == "608 params"
    assert "(5·5·3 + 1)·8 = 608" in scene.layer_item(ids["conv"]).toolTip()
    assert scene.layer_item(ids["dense"]).look.params_text == "62,730 params"  # (6272+1)*10
    # ports: InputLayer none, Conv2D one input, every node one output
    assert len(scene.layer_item(ids["in"]).input_ports) == 0
    assert len(scene.layer_item(ids["conv"]).input_ports) == 1


def test_error_node_is_red_with_message_and_unknown_is_marked(canvas: Any) -> None:
    view, doc, ids = canvas
    scene = view.canvas_scene()
    assert doc.execute(SetConfig(ids["conv"], "kernel_size", [40, 40]), "kernel")
    look = scene.layer_item(ids["conv"]).look
    assert look.is_error and look.severity == "error"
    assert "larger than the input" in scene.layer_item(ids["conv"]).toolTip()
    assert scene.layer_item(ids["dense"]).look.severity == "unresolved"
    assert view.editor.add_layer("Dense", (600, 0))  # known type fine
    g = doc.graph
    from paramlab.core.edits import AddLayer
    assert doc.execute(AddLayer("MyCustomLayer", position=(600, 200)), "custom")
    custom = g.id_of("my_custom_layer")
    item = scene.layer_item(custom)
    assert "unknown" in item.look.type_text and item.look.category == ""


def test_results_update_only_changed_items(canvas: Any) -> None:
    """One SetConfig recomputes the edited layer and its descendants; the others keep their
    look objects (compared by identity) because propagation reused their results."""
    view, doc, ids = canvas
    scene = view.canvas_scene()
    looks = {n: scene.layer_item(n).look for n in ids.values()}
    assert doc.execute(SetConfig(ids["conv"], "filters", 16), "filters")
    assert scene.layer_item(ids["conv"]).look.params_text == "1,216 params"  # (75+1)*16
    assert scene.layer_item(ids["dense"]).look.params_text == "125,450 params"  # (12544+1)*10
    assert scene.layer_item(ids["in"]).look is looks[ids["in"]]
    assert scene.layer_item(ids["lone"]).look is looks[ids["lone"]]


# ------------------------------------------------------------------ palette drop
def test_real_drop_event_adds_layer_at_drop_point(canvas: Any, qtbot: Any) -> None:
    view, doc, _ = canvas
    data = QMimeData()
    data.setData(mime.LAYER_TYPE, b"Dense")
    target = QPoint(600, 150)
    w = view.viewport()
    enter = drag_event(QDragEnterEvent, target, data)
    QApplication.sendEvent(w, enter)
    assert enter.isAccepted()
    move = drag_event(QDragMoveEvent, target, data)
    QApplication.sendEvent(w, move)
    assert move.isAccepted()
    drop = QDropEvent(QPointF(target), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(w, drop)
    assert drop.isAccepted()
    new = doc.graph.id_of("dense_2")
    assert new is not None and doc.graph.layer(new).type == "Dense"
    expected = view.mapToScene(target)
    assert doc.graph.layer(new).position == pytest.approx((expected.x(), expected.y()))
    scene = view.canvas_scene()
    assert scene.layer_item(new).pos() == expected
    assert scene.selected_ids() == [new]
    doc.undo_stack.undo()
    assert new not in doc.graph and scene.layer_item(new) is None
    doc.undo_stack.redo()
    assert scene.layer_item(new) is not None and doc.graph.layer(new).name == "dense_2"


def test_drop_ignores_other_mime_and_refuses_unknown_type(canvas: Any, qtbot: Any) -> None:
    view, doc, _ = canvas
    data = QMimeData()
    data.setText("Dense")
    enter = drag_event(QDragEnterEvent, QPoint(50, 50), data)
    QApplication.sendEvent(view.viewport(), enter)
    assert not enter.isAccepted()
    with qtbot.waitSignal(doc.edit_refused) as refused:
        assert view.editor.add_layer("NoSuchLayer", (0, 0)) is None
    assert "NoSuchLayer" in refused.args[0]
    assert len(doc.graph) == 5 and doc.undo_stack.count() == 0


# ------------------------------------------------------------------ connect
def test_connect_by_mouse_drag_port_to_port(canvas: Any, qtbot: Any) -> None:
    view, doc, ids = canvas
    scene = view.canvas_scene()
    src = scene.layer_item(ids["flat"]).output_port.scenePos()
    dst = scene.layer_item(ids["lone"]).input_ports[0].scenePos()
    drag(qtbot, view, src, dst)
    assert doc.graph.inputs(ids["lone"]) == [(ids["flat"], 0)]
    edge = scene.edge_item((ids["flat"], ids["lone"], 0))
    assert edge is not None
    assert scene.layer_item(ids["lone"]).look.params_text == "25,092 params"  # (6272+1)*4
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert doc.graph.inputs(ids["lone"]) == []
    assert scene.edge_item((ids["flat"], ids["lone"], 0)) is None
    doc.undo_stack.redo()
    assert scene.edge_item((ids["flat"], ids["lone"], 0)) is not None


def test_rubber_band_edge_follows_mouse(canvas: Any, qtbot: Any) -> None:
    from PySide6.QtWidgets import QGraphicsPathItem

    view, doc, ids = canvas
    scene = view.canvas_scene()
    w = view.viewport()
    start = vp(view, scene.layer_item(ids["flat"]).output_port.scenePos())
    qtbot.mousePress(w, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(w, start + QPoint(120, 60))
    bands = [i for i in scene.items() if type(i) is QGraphicsPathItem]
    assert len(bands) == 1
    end = bands[0].path().currentPosition()
    assert (end - view.mapToScene(start + QPoint(120, 60))).manhattanLength() < 1.0
    qtbot.mouseRelease(w, Qt.MouseButton.LeftButton, pos=start + QPoint(120, 60))
    assert not [i for i in scene.items() if type(i) is QGraphicsPathItem]
    assert doc.undo_stack.count() == 0  # released on empty space: nothing


def test_connect_onto_node_body_of_merge_uses_plus_port(canvas: Any, qtbot: Any) -> None:
    view, doc, ids = canvas
    scene = view.canvas_scene()
    add = view.editor.add_layer("Add", (150, 450))
    item = scene.layer_item(add)
    assert len(item.input_ports) == 3 and item.input_ports[-1].plus  # 2 required + "+"
    drag(qtbot, view, scene.layer_item(ids["dense"]).output_port.scenePos(), item.pos())
    drag(qtbot, view, scene.layer_item(ids["lone"]).output_port.scenePos(),
         item.input_ports[-1].scenePos())
    assert doc.graph.inputs(add) == [(ids["dense"], 0), (ids["lone"], 1)]
    assert len(item.input_ports) == 3  # two used + a new "+"
    # Add of (None, 10) and (None, 4) cannot broadcast: a layer error, outlined red
    assert item.look.is_error and item.look.shape_text == "?"


def test_refused_cycle_leaves_graph_unchanged(canvas: Any, qtbot: Any) -> None:
    view, doc, ids = canvas
    scene = view.canvas_scene()
    edges = sorted(doc.graph.edges())
    result = doc.result
    with qtbot.waitSignal(doc.edit_refused) as refused:
        drag(qtbot, view, scene.layer_item(ids["dense"]).output_port.scenePos(),
             scene.layer_item(ids["conv"]).pos())
    assert "cycle" in refused.args[0] and "dense" in refused.args[0]
    assert sorted(doc.graph.edges()) == edges
    assert doc.undo_stack.count() == 0 and doc.result is result


def test_refused_taken_port(canvas: Any, qtbot: Any) -> None:
    view, doc, ids = canvas
    scene = view.canvas_scene()
    with qtbot.waitSignal(doc.edit_refused) as refused:
        drag(qtbot, view, scene.layer_item(ids["lone"]).output_port.scenePos(),
             scene.layer_item(ids["dense"]).input_ports[0].scenePos())
    assert "already connected" in refused.args[0]
    assert doc.graph.inputs(ids["dense"]) == [(ids["flat"], 0)]


# ------------------------------------------------------------------ select, delete
def test_delete_key_removes_selected_layer_and_undo_restores(canvas: Any, qtbot: Any) -> None:
    view, doc, ids = canvas
    scene = view.canvas_scene()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=vp(view, scene.layer_item(ids["flat"]).pos()))
    assert scene.selected_ids() == [ids["flat"]]
    view.setFocus()
    qtbot.keyClick(view.viewport(), Qt.Key.Key_Delete)
    assert ids["flat"] not in doc.graph
    assert scene.layer_item(ids["flat"]) is None
    assert not any(ids["flat"] in k for k in scene.edge_items())
    assert scene.layer_item(ids["dense"]).look.severity == "error"  # input 1 missing
    doc.undo_stack.undo()
    assert sorted(doc.graph.edges()) == sorted(small_graph()[0].edges())
    assert set(scene.edge_items()) == set(doc.graph.edges())
    assert scene.layer_item(ids["dense"]).look.params_text == "62,730 params"
    doc.undo_stack.redo()
    assert ids["flat"] not in doc.graph


def test_select_edge_and_delete_disconnects(canvas: Any, qtbot: Any) -> None:
    view, doc, ids = canvas
    scene = view.canvas_scene()
    key = (ids["conv"], ids["flat"], 0)
    scene.edge_item(key).setSelected(True)
    view.setFocus()
    qtbot.keyClick(view.viewport(), Qt.Key.Key_Delete)
    assert key not in doc.graph.edges() and scene.edge_item(key) is None
    assert len(doc.graph) == 5
    doc.undo_stack.undo()
    assert key in doc.graph.edges() and scene.edge_item(key) is not None


def test_rubber_band_selects_several(canvas: Any, qtbot: Any) -> None:
    view, _, ids = canvas
    scene = view.canvas_scene()
    with qtbot.waitSignal(scene.selectionChanged):
        drag(qtbot, view, QPointF(-140, 160), QPointF(140, 380), steps=8)
    assert scene.selected_ids() == [ids["flat"], ids["dense"]]


def test_select_ids_emits_once(canvas: Any, qtbot: Any) -> None:
    view, _, ids = canvas
    scene = view.canvas_scene()
    seen = []
    scene.selectionChanged.connect(lambda: seen.append(scene.selected_ids()))
    scene.select_ids([ids["conv"], ids["lone"]])
    assert seen == [[ids["conv"], ids["lone"]]]
    scene.select_ids([ids["lone"], ids["conv"]])  # same selection: no signal
    assert len(seen) == 1


# ------------------------------------------------------------------ move
def test_move_is_one_undo_step_and_does_not_recompute(canvas: Any, qtbot: Any) -> None:
    view, doc, ids = canvas
    scene = view.canvas_scene()
    result = doc.result
    recomputed = []
    doc.results_changed.connect(lambda: recomputed.append(1))
    scene.select_ids([ids["conv"], ids["flat"]])
    start = scene.layer_item(ids["conv"]).pos()
    drag(qtbot, view, start, start + QPointF(100, 30), steps=6)
    assert doc.undo_stack.count() == 1
    cmd = doc.undo_stack.command(0)
    assert cmd.childCount() == 2  # one Move per moved node, in one macro
    assert doc.graph.layer(ids["conv"]).position == pytest.approx((100, 140))
    assert doc.graph.layer(ids["flat"]).position == pytest.approx((100, 250))
    assert doc.result is result and recomputed == []
    edge = scene.edge_item((ids["in"], ids["conv"], 0))
    assert edge.boundingRect().right() >= 100  # the curve followed the node
    doc.undo_stack.undo()
    assert doc.graph.layer(ids["conv"]).position == (0.0, 110.0)
    assert scene.layer_item(ids["conv"]).pos() == QPointF(0, 110)
    assert doc.result is result


# ------------------------------------------------------------------ clipboard, layout
def test_copy_paste_round_trip(canvas: Any, qtbot: Any) -> None:
    view, doc, ids = canvas
    scene = view.canvas_scene()
    scene.select_ids([ids["in"], ids["conv"]])
    scene.copy_requested.emit(scene.selected_ids())
    assert QGuiApplication.clipboard().mimeData().hasFormat(mime.LAYERS)
    scene.paste_requested.emit()
    new = scene.selected_ids()
    assert len(new) == 2 and doc.undo_stack.count() == 1
    names = [doc.graph.layer(n).name for n in new]
    assert names == ["input_layer_1", "conv2d_1"]
    assert doc.graph.inputs(new[1]) == [(new[0], 0)]
    assert doc.graph.layer(new[1]).position == (40.0, 150.0)
    assert scene.layer_item(new[1]).look.params_text == "608 params"
    assert scene.selected_ids() == new
    second = view.editor.paste()
    assert doc.graph.layer(second[1]).position == (80.0, 190.0)  # cascades
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert len(doc.graph) == 5 and not any(n in doc.graph for n in new)
    doc.undo_stack.redo()
    assert doc.graph.layer(new[1]).name == "conv2d_1" and scene.layer_item(new[1]) is not None


def test_paste_of_foreign_clipboard_is_refused(canvas: Any, qtbot: Any) -> None:
    view, doc, _ = canvas
    data = QMimeData()
    data.setData(mime.LAYERS, b'{"format": "paramlab-layers", "version": 7}')
    QGuiApplication.clipboard().setMimeData(data)
    with qtbot.waitSignal(doc.edit_refused) as refused:
        assert view.editor.paste() == []
    assert "version 7" in refused.args[0]
    assert len(doc.graph) == 5 and doc.undo_stack.count() == 0
    QGuiApplication.clipboard().clear()  # a Python-made QMimeData left there crashes at exit


def test_duplicate_and_keyboard_copy_paste(canvas: Any, qtbot: Any) -> None:
    view, doc, ids = canvas
    scene = view.canvas_scene()
    scene.select_ids([ids["lone"]])
    dup = view.editor.duplicate(scene.selected_ids())
    assert doc.graph.layer(dup[0]).name == "dense_2"
    assert doc.graph.layer(dup[0]).config == {"units": 4}
    view.setFocus()
    qtbot.keyClick(view.viewport(), Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view.viewport(), Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert len(doc.graph) == 7 and doc.graph.id_of("dense_3") is not None


def test_auto_layout_is_one_undo_step(canvas: Any) -> None:
    view, doc, ids = canvas
    scene = view.canvas_scene()
    before = {n: doc.graph.layer(n).position for n in ids.values()}
    assert view.editor.apply_layout()
    expected = auto_layout(doc.graph)
    for n, pos in expected.items():
        assert doc.graph.layer(n).position == pytest.approx(pos)
        assert scene.layer_item(n).pos() == QPointF(*pos)
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert {n: doc.graph.layer(n).position for n in ids.values()} == before
    assert not view.editor.apply_layout() or doc.undo_stack.count() == 1


# ------------------------------------------------------------------ zoom, pan, reset
def test_zoom_and_pan(canvas: Any, qtbot: Any) -> None:
    view, doc, _ = canvas
    s0 = view.scale_factor()
    view.zoom_in()
    assert view.scale_factor() == pytest.approx(s0 * 1.2)
    view.zoom_out()
    assert view.scale_factor() == pytest.approx(s0)
    from PySide6.QtGui import QWheelEvent
    w = view.viewport()
    wheel = QWheelEvent(QPointF(100, 100), view.mapToGlobal(QPoint(100, 100)).toPointF(),
                        QPoint(0, 0), QPoint(0, 120), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.ControlModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(w, wheel)
    assert view.scale_factor() == pytest.approx(s0 * 1.2)
    view.zoom_to_fit()
    visible = view.visible_scene_rect()
    for item in view.canvas_scene().layer_items().values():
        assert visible.contains(item.sceneBoundingRect())
    for _ in range(3):
        view.zoom_in()
    h0 = view.horizontalScrollBar().value()
    v0 = view.verticalScrollBar().value()
    qtbot.mousePress(w, Qt.MouseButton.MiddleButton, pos=QPoint(300, 300))
    qtbot.mouseMove(w, QPoint(250, 260))
    qtbot.mouseRelease(w, Qt.MouseButton.MiddleButton, pos=QPoint(250, 260))
    assert (view.horizontalScrollBar().value(), view.verticalScrollBar().value()) != (h0, v0)
    assert doc.undo_stack.count() == 0


def test_reset_rebuilds_scene(canvas: Any) -> None:
    view, doc, _ = canvas
    g = LayerGraph("other")
    a = g.add_layer("InputLayer", config={"shape": [3]})
    b = g.add_layer("Dense", config={"units": 2}, position=(0, 110))
    g.connect(a, b)
    doc.replace_graph(g)
    scene = view.canvas_scene()
    assert set(scene.layer_items()) == {a, b}
    assert scene.layer_item(b).look.params_text == "8 params"  # (3+1)*2


# ------------------------------------------------------------------ nested models
def nested_graph() -> LayerGraph:
    """input (8) -> [base: dense 4 (36), dense_1 2 (10)] -> head dense 1 (3). Base frozen."""
    g = LayerGraph("nested")
    i = g.add_layer("InputLayer", config={"shape": [8]}, position=(0, 0))
    a = g.add_layer("Dense", config={"units": 4}, position=(0, 110), group="base", trainable=False)
    b = g.add_layer("Dense", config={"units": 2}, position=(0, 220), group="base", trainable=False)
    h = g.add_layer("Dense", name="head", config={"units": 1}, position=(0, 330))
    g.groups["base"] = {"type": "Functional", "trainable": False, "collapsed": True}
    g.connect(i, a)
    g.connect(a, b)
    g.connect(b, h)
    return g


def test_collapsed_group_is_one_node_and_expands(qtbot: Any) -> None:
    g = nested_graph()
    doc = Document(g)
    view = CanvasView(doc)
    qtbot.addWidget(view)
    view.show()
    scene = view.canvas_scene()
    group = scene.group_item("base")
    assert isinstance(group, GroupItem) and group.isVisible()
    assert group.look.params_text == "46 non-trainable params"  # 36 + 10, frozen
    assert group.look.shape_text == "(None, 2)"
    a, b = g.id_of("dense"), g.id_of("dense_1")
    assert not scene.layer_item(a).isVisible() and not scene.layer_item(b).isVisible()
    inner = scene.edge_item((a, b, 0))
    assert not inner.isVisible()
    out = scene.edge_item((b, g.id_of("head"), 0))
    assert out.boundingRect().contains(group.output_port_scene_pos())
    scene.select_ids([a])
    assert scene.selected_ids() == [a, b]  # the group stands for its layers
    # moving the group moves all its layers, one undo step
    scene.select_ids([a])
    drag(qtbot, view, group.pos(), group.pos() + QPointF(200, 0))
    assert g.layer(a).position == pytest.approx((200, 110))
    assert g.layer(b).position == pytest.approx((200, 220))
    assert doc.undo_stack.count() == 1
    # double-click expands (view state, no undo step)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=vp(view, group.pos()))
    assert scene.group_item("base") is None and g.groups["base"]["collapsed"] is False
    assert scene.layer_item(a).isVisible() and inner.isVisible()
    assert doc.undo_stack.count() == 1
    menu = scene.context_menu(scene.layer_item(a).pos())
    collapse = [act for act in menu.actions() if act.text() == "Collapse base"]
    collapse[0].trigger()
    assert scene.group_item("base") is not None and not scene.layer_item(a).isVisible()


def test_connecting_into_collapsed_group_is_refused(qtbot: Any) -> None:
    g = nested_graph()
    doc = Document(g)
    view = CanvasView(doc)
    qtbot.addWidget(view)
    scene = view.canvas_scene()
    extra = view.editor.add_layer("InputLayer", (300, 0))
    with qtbot.waitSignal(doc.edit_refused) as refused:
        report_connect(scene, scene.layer_item(extra).output_port, scene.group_item("base"))
    assert "expand" in refused.args[0]
    # from the group's output port: connects its output layer
    dense = view.editor.add_layer("Dense", (300, 330))
    report_connect(scene, scene.group_item("base").output_port, scene.layer_item(dense))
    assert g.inputs(dense) == [(g.id_of("dense_1"), 0)]


def test_delete_collapsed_group_removes_its_layers(qtbot: Any) -> None:
    g = nested_graph()
    doc = Document(g)
    view = CanvasView(doc)
    qtbot.addWidget(view)
    scene = view.canvas_scene()
    scene.group_item("base").setSelected(True)
    scene.delete_requested.emit(scene.selected_ids(), [])
    assert len(g) == 2 and scene.group_item("base") is None
    doc.undo_stack.undo()
    assert len(g) == 4 and scene.group_item("base") is not None
    assert scene.group_item("base").look.params_text == "46 non-trainable params"


def test_500_layer_chain_updates_incrementally(qtbot: Any) -> None:
    """A 500-layer chain builds, and one edit updates one item plus descendants only."""
    g = LayerGraph("big")
    prev = g.add_layer("InputLayer", config={"shape": [16]})
    ids = [prev]
    for i in range(499):
        n = g.add_layer("Dense", config={"units": 16})
        g.connect(prev, n)
        ids.append(n)
        prev = n
    from paramlab.core.layout import apply_layout
    apply_layout(g)
    doc = Document(g)
    view = CanvasView(doc)
    qtbot.addWidget(view)
    scene = view.canvas_scene()
    assert len(scene.layer_items()) == 500 and len(scene.edge_items()) == 499
    looks = {n: scene.layer_item(n).look for n in ids}
    doc.execute(SetConfig(ids[495], "units", 8), "units")
    changed = [n for n in ids if scene.layer_item(n).look is not looks[n]]
    # the edited layer (136 params) and its consumer (144); further down shapes and counts
    # are as before, so their items keep their look
    assert changed == ids[495:497]
    assert scene.layer_item(ids[495]).look.params_text == "136 params"
    assert scene.layer_item(ids[496]).look.params_text == "144 params"


def test_expanded_group_has_a_frame_that_collapses_on_double_click(qtbot: Any) -> None:
    g = nested_graph()
    g.groups["base"]["collapsed"] = False
    doc = Document(g)
    view = CanvasView(doc)
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    qtbot.waitExposed(view)
    view.resetTransform()
    view.centerOn(0, 165)
    scene = view.canvas_scene()
    a, b = g.id_of("dense"), g.id_of("dense_1")
    frame = scene.group_frame("base")
    assert frame is not None and scene.group_item("base") is None
    for n in (a, b):
        assert frame.boundingRect().contains(scene.layer_item(n).sceneBoundingRect())
    assert not frame.boundingRect().contains(scene.layer_item(g.id_of("head")).pos())
    # moving a member (undoably) refits the frame
    scene.select_ids([b])
    drag(qtbot, view, scene.layer_item(b).pos(), scene.layer_item(b).pos() + QPointF(150, 0))
    qtbot.waitUntil(  # refitted once after the burst of moves
        lambda: frame.boundingRect().contains(scene.layer_item(b).sceneBoundingRect()))
    doc.undo_stack.undo()
    qtbot.waitUntil(lambda: frame.boundingRect().right() < 150)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton,
                      pos=vp(view, frame.label_rect().topLeft() + QPointF(10, 15)))
    assert scene.group_frame("base") is None and scene.group_item("base") is not None
    assert g.groups["base"]["collapsed"] is True


def test_context_menu_actions(canvas: Any) -> None:
    view, doc, ids = canvas
    scene = view.canvas_scene()
    menu = scene.context_menu(QPointF(-500, -500))
    assert [a.text() for a in menu.actions()] == ["Paste", "Auto Layout"]
    menu = scene.context_menu(scene.layer_item(ids["lone"]).pos())
    assert scene.selected_ids() == [ids["lone"]]  # right-click selects
    actions = {a.text(): a for a in menu.actions() if not a.isSeparator()}
    assert list(actions) == ["Delete", "Rename…", "Copy", "Duplicate", "Freeze", "Unfreeze",
                             "Freeze Up to Here"]
    actions["Duplicate"].trigger()
    assert doc.graph.id_of("dense_2") is not None
    menu = scene.context_menu(scene.layer_item(ids["lone"]).pos())
    {a.text(): a for a in menu.actions()}["Delete"].trigger()
    assert ids["lone"] not in doc.graph


def test_context_menu_freezes(canvas: Any) -> None:
    """Freeze / Unfreeze / Freeze Up to Here on a node: Keras counts a frozen Conv2D's 608
    weights as non-trainable (lenet_like.summary.txt: 608 params)."""
    view, doc, ids = canvas
    scene = view.canvas_scene()

    def pick(node: str, text: str) -> None:
        menu = scene.context_menu(scene.layer_item(ids[node]).pos())
        {a.text(): a for a in menu.actions()}[text].trigger()

    pick("conv", "Freeze")
    assert not doc.graph.raw(ids["conv"])["trainable"]
    assert doc.result.layers[ids["conv"]].non_trainable == 608
    assert "frozen" in scene.layer_item(ids["conv"]).look.type_text
    pick("conv", "Unfreeze")
    assert doc.graph.raw(ids["conv"])["trainable"]
    pick("dense", "Freeze Up to Here")
    assert [doc.graph.raw(ids[k])["trainable"] for k in ("in", "conv", "flat", "dense", "lone")] \
        == [False, False, False, False, True]
    assert doc.undo_stack.undoText() == "Freeze up to dense"


def test_space_drag_pans(canvas: Any, qtbot: Any) -> None:
    view, doc, _ = canvas
    for _ in range(3):
        view.zoom_in()
    w = view.viewport()
    before = view.mapToScene(QPoint(0, 0))
    view.setFocus()
    qtbot.keyPress(view, Qt.Key.Key_Space)
    qtbot.mousePress(w, Qt.MouseButton.LeftButton, pos=QPoint(400, 300))
    qtbot.mouseMove(w, QPoint(340, 250))
    qtbot.mouseRelease(w, Qt.MouseButton.LeftButton, pos=QPoint(340, 250))
    qtbot.keyRelease(view, Qt.Key.Key_Space)
    assert view.mapToScene(QPoint(0, 0)) != before
    assert doc.undo_stack.count() == 0 and view.canvas_scene().selected_ids() == []


def test_rename_and_freeze_show_on_the_node(canvas: Any) -> None:
    from paramlab.core.edits import Rename, SetTrainable

    view, doc, ids = canvas
    item = view.canvas_scene().layer_item(ids["conv"])
    assert doc.execute(Rename(ids["conv"], "features"), "rename")
    assert item.look.title == "features"
    assert doc.execute(SetTrainable(ids["conv"], False), "freeze")
    assert item.look.type_text == "Conv2D · frozen"
    assert item.look.params_text == "608 non-trainable params"
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert (item.look.title, item.look.params_text) == ("conv2d", "608 params")


# ------------------------------------------------------------------ rename on the canvas
def title_point(view: CanvasView, node_id: str) -> QPoint:
    from paramlab.gui.canvas.painting import text_line_rect

    item = view.canvas_scene().layer_item(node_id)
    return vp(view, item.mapToScene(text_line_rect(0).center()))


def test_double_click_on_title_renames_inline_one_undo_step(canvas: Any, qtbot: Any) -> None:
    view, doc, ids = canvas
    item = view.canvas_scene().layer_item(ids["conv"])
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=title_point(view, ids["conv"]))
    editor = view.rename_editor()
    assert editor is not None and editor.isVisible()
    assert editor.text() == "conv2d" and editor.selectedText() == "conv2d"
    # the editor sits over the node's title
    assert view.mapToScene(editor.geometry().center()).y() == pytest.approx(
        item.mapToScene(QPointF(0, -24)).y(), abs=8)
    qtbot.keyClicks(editor, "features")  # replaces the selected name
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert view.rename_editor() is None
    assert doc.graph.raw(ids["conv"])["name"] == "features"
    assert item.look.title == "features"
    assert doc.undo_stack.count() == 1 and doc.undo_stack.undoText() == "Rename conv2d"
    doc.undo_stack.undo()
    assert doc.graph.raw(ids["conv"])["name"] == "conv2d" and item.look.title == "conv2d"


def test_rename_to_a_taken_name_is_refused_with_its_reason(canvas: Any, qtbot: Any) -> None:
    view, doc, ids = canvas
    editor = view.start_rename(ids["conv"])
    assert editor is not None
    editor.clear()
    qtbot.keyClicks(editor, "dense")  # the name of another layer
    with qtbot.waitSignal(doc.edit_refused) as refused:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert "'dense' already exists" in refused.args[0]
    assert doc.graph.raw(ids["conv"])["name"] == "conv2d" and doc.undo_stack.count() == 0
    # an empty name too
    editor = view.start_rename(ids["conv"])
    editor.clear()
    with qtbot.waitSignal(doc.edit_refused) as refused:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert "empty" in refused.args[0] and doc.graph.raw(ids["conv"])["name"] == "conv2d"


def test_rename_escape_cancels_and_unchanged_enter_closes(canvas: Any, qtbot: Any) -> None:
    view, doc, ids = canvas
    editor = view.start_rename(ids["flat"])
    qtbot.keyClicks(editor, "other")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert view.rename_editor() is None and doc.graph.raw(ids["flat"])["name"] == "flatten"
    editor = view.start_rename(ids["flat"])
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # nothing typed: closes, nothing pushed
    assert view.rename_editor() is None and doc.undo_stack.count() == 0
    # a zoom while editing keeps what was typed (the editor cannot follow the node)
    editor = view.start_rename(ids["flat"])
    qtbot.keyClicks(editor, "features_flat")
    view.zoom_in()
    assert view.rename_editor() is None and doc.graph.raw(ids["flat"])["name"] == "features_flat"


def test_double_click_below_the_title_does_not_rename(canvas: Any, qtbot: Any) -> None:
    view, _doc, ids = canvas
    item = view.canvas_scene().layer_item(ids["conv"])
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton,
                      pos=vp(view, item.mapToScene(QPointF(0, 25))))  # the parameters line
    assert view.rename_editor() is None


def test_f2_and_context_menu_open_the_rename_editor(canvas: Any, qtbot: Any) -> None:
    view, _doc, ids = canvas
    scene = view.canvas_scene()
    scene.select_ids([ids["dense"]])
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_F2)
    assert view.rename_editor() is not None and view.rename_editor().text() == "dense"
    view.cancel_rename()
    menu = scene.context_menu(scene.layer_item(ids["lone"]).pos())
    {a.text(): a for a in menu.actions()}["Rename…"].trigger()
    assert view.rename_editor() is not None and view.rename_editor().text() == "dense_1"
    # deleting the layer being renamed closes the editor
    scene.select_ids([ids["lone"]])
    view.editor.delete(scene.selected_ids())
    assert view.rename_editor() is None


# ------------------------------------------------------------------ groups and auto layout
def test_toggling_an_auto_laid_out_group_lays_the_canvas_out_again(qtbot: Any) -> None:
    from paramlab.core.layout import apply_layout

    g = nested_graph()  # input, base (2 layers, collapsed), head
    apply_layout(g)
    head = g.id_of("head")
    assert g.raw(head)["position"] == (0.0, 220.0)  # the group is one slot: no gap
    doc = Document(g)
    view = CanvasView(doc)
    qtbot.addWidget(view)
    scene = view.canvas_scene()
    assert scene.group_item("base").pos() == QPointF(0, 110)
    with qtbot.waitSignal(doc.groups_changed) as changed:  # the summary listens
        view.editor.set_group_collapsed("base", False)
    assert changed.args == ["base"]
    # expanded: its layers in rows 1 and 2, the head below them, not covered
    a, b = g.id_of("dense"), g.id_of("dense_1")
    assert [g.raw(n)["position"][1] for n in (a, b, head)] == [110.0, 220.0, 330.0]
    assert doc.undo_stack.count() == 0 and not doc.modified  # derived positions: not an edit
    view.editor.set_group_collapsed("base", True)
    assert g.raw(head)["position"] == (0.0, 220.0) and doc.undo_stack.count() == 0
    # a hand-arranged canvas is left as it is
    view.editor.move({head: (300.0, 400.0)})
    count = doc.undo_stack.count()
    view.editor.set_group_collapsed("base", False)
    assert g.raw(head)["position"] == (300.0, 400.0) and doc.undo_stack.count() == count


def test_back_edge_goes_around_both_nodes_not_behind_them() -> None:
    from PySide6.QtCore import QRectF

    from paramlab.gui.canvas.painting import NODE_HEIGHT, NODE_WIDTH, edge_path

    def body(center: QPointF) -> QRectF:  # a node's box, shrunk by 2 so touching ports pass
        return QRectF(center.x() - NODE_WIDTH / 2 + 2, center.y() - NODE_HEIGHT / 2 + 2,
                      NODE_WIDTH - 4, NODE_HEIGHT - 4)

    def crosses(path: Any, rect: QRectF) -> bool:
        return any(rect.contains(path.pointAtPercent(i / 400)) for i in range(401))

    # forward edge: the usual S-curve, inside the box between the two ports
    down = edge_path(QPointF(0, 38), QPointF(100, 182))
    assert down.boundingRect().top() >= 38 and down.boundingRect().bottom() <= 182
    for source, target in [(QPointF(0, 0), QPointF(165, -40)),  # side by side (the QA case)
                           (QPointF(0, 0), QPointF(0, -300)),  # straight above
                           (QPointF(0, 0), QPointF(-500, -110)),  # far left: a lane between
                           (QPointF(0, 0), QPointF(40, 0))]:  # overlapping, same row
        start = source + QPointF(0, NODE_HEIGHT / 2)  # output port
        end = target - QPointF(0, NODE_HEIGHT / 2)  # input port
        path = edge_path(start, end)
        assert path.pointAtPercent(0) == start
        assert (path.pointAtPercent(1) - end).manhattanLength() < 0.01
        assert not crosses(path, body(source)), (source, target)
        assert not crosses(path, body(target)), (source, target)
    # far apart: the lane runs between them, not around
    far = edge_path(QPointF(0, 38), QPointF(-500, -148))
    assert far.boundingRect().left() >= -500.01 and far.boundingRect().right() <= 0.01


def test_zoom_to_fit_ignores_the_hidden_layers_of_a_collapsed_group(qtbot: Any) -> None:
    from paramlab.core.io.project import load_project
    from paramlab.core.resources import example_path
    from paramlab.gui.canvas.view import FIT_MAX_SCALE

    g = load_project(example_path("vgg16_transfer"))  # 6 visible nodes; 18 hidden ones
    doc = Document(g)                                  # stacked over 2,000 units
    view = CanvasView(doc)
    qtbot.addWidget(view)
    view.resize(800, 700)
    view.show()
    qtbot.waitExposed(view)
    view.zoom_to_fit()
    rect = view.canvas_scene().visible_items_rect()
    assert rect.height() < 6 * 110 + 40
    # the model fills the view (or is at the largest fit scale), not a speck in its middle
    shown = view.mapFromScene(rect).boundingRect()
    assert (shown.height() > 0.8 * view.viewport().height()
            or view.scale_factor() == pytest.approx(FIT_MAX_SCALE))
    assert view.viewport().rect().contains(shown)


def test_ports_stay_easy_to_hit_when_zoomed_out(canvas: Any, qtbot: Any) -> None:
    from paramlab.gui.canvas.interactions import MAX_GRAB, grab_radius
    from paramlab.gui.canvas.port_item import HIT_RADIUS

    assert grab_radius(1.0) == HIT_RADIUS and grab_radius(0.05) == MAX_GRAB
    view, doc, ids = canvas
    view.resetTransform()
    view.scale(0.4, 0.4)  # a port (radius 6) is under 5 pixels wide here
    view.centerOn(150, 250)
    scene = view.canvas_scene()
    out = scene.layer_item(ids["dense"]).output_port_scene_pos()
    inp = scene.layer_item(ids["lone"]).input_port_scene_pos(0)
    # pressed 14 units (6 pixels) beside the output port, released as far from the input
    drag(qtbot, view, out + QPointF(14, 0), inp + QPointF(-14, 0))
    assert doc.graph.inputs(ids["lone"]) == [(ids["dense"], 0)]
    assert doc.undo_stack.count() == 1
    # at normal zoom that press is on the node's edge, beside the port: it moves the node
    view.resetTransform()
    doc.undo_stack.undo()
    drag(qtbot, view, out + QPointF(14, 0), inp + QPointF(-14, 0))
    assert doc.graph.inputs(ids["lone"]) == []
    assert doc.undo_stack.undoText().startswith("Move")
