"""A collapsed nested model whose output layer has several outputs shows one output port per
tensor it exposes, labelled with its shape, like an expanded multi-output layer; each edge
leaving it starts at the port of its tensor, and a drag from a later port connects that
tensor (undo removes it).

Model (a Keras 3 file, as Keras writes a nested Functional): ``x`` (None, 5, 4) ->
``encoder`` = Model(seq, LSTM(9, return_sequences=True, return_state=True)(seq)), whose three
outputs the outer model uses: ``flat`` = Flatten(encoder[0][0]) and ``states`` =
Concatenate([encoder[0][1], encoder[0][2]]). Keras (``LSTM.compute_output_shape``): the
sequence (None, 5, 9), state_h (None, 9), state_c (None, 9); Flatten 5·9 = 45; Concatenate
9 + 9 = 18; LSTM 4·(4 + 9 + 1)·9 = 504 parameters.
"""
from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPointF

from paramlab.core.io.keras_import import parse_keras_config
from tests.core.test_group_outputs import encoder_states_config
from tests.gui.test_canvas import drag, show_canvas

LABELS = ["(None, 5, 9)", "(None, 9)", "(None, 9)"]


def near(a: QPointF, b: QPointF) -> bool:
    return (a - b).manhattanLength() < 1.0


@pytest.fixture
def opened(qtbot: Any):
    graph = parse_keras_config(encoder_states_config())
    assert graph.is_group_collapsed("encoder")  # a nested model opens collapsed
    view, doc = show_canvas(qtbot, graph, (0, 0))
    view.centerOn(view.canvas_scene().group_item("encoder").pos())
    ids = {name: graph.id_of(name) for name in ("lstm", "flat", "states")}
    return view, doc, ids


def test_collapsed_group_shows_a_port_per_exposed_tensor(opened, qtbot):
    view, doc, ids = opened
    scene = view.canvas_scene()
    group = scene.group_item("encoder")
    assert group.look.params_text == "504 params"
    assert [p.label for p in group.output_ports] == LABELS
    assert group.output_ports[2].toolTip().startswith("Output 3: (None, 9)")
    # Each edge leaving the group starts at its tensor's port (Keras's tensor_index).
    lstm, flat, states = ids["lstm"], ids["flat"], ids["states"]
    for key, port in (((lstm, flat, 0), 0), ((lstm, states, 0), 1), ((lstm, states, 1), 2)):
        start, _ = scene.edge_item(key).ends
        assert near(start, group.output_ports[port].scenePos()), (key, port)
    # The three ports are three different places.
    assert len({(p.scenePos().x(), p.scenePos().y()) for p in group.output_ports}) == 3
    # Moving the group keeps each edge on its port.
    before = group.pos()
    drag(qtbot, view, before + QPointF(0, -10), before + QPointF(150, -10))
    assert group.pos().x() == pytest.approx(before.x() + 150, abs=2)
    start, _ = scene.edge_item((lstm, states, 1)).ends
    assert near(start, group.output_ports[2].scenePos())


def test_drag_from_the_third_port_connects_state_c_and_undo_removes_it(opened, qtbot):
    view, doc, ids = opened
    scene = view.canvas_scene()
    group = scene.group_item("encoder")
    dense = view.editor.add_layer("Dense", (group.pos().x() + 260, group.pos().y() + 200))
    target = scene.layer_item(dense)
    drag(qtbot, view, group.output_ports[2].scenePos(), target.input_ports[0].scenePos())
    graph = doc.graph
    assert graph.inputs(dense) == [(ids["lstm"], 0)]
    assert graph.output_index(ids["lstm"], dense, 0) == 2  # state_c, not the sequence
    assert doc.undo_stack.text(doc.undo_stack.count() - 1).startswith("Connect lstm (output 3)")
    assert doc.result.layers[dense].input_shapes == ((None, 9),)
    start, end = scene.edge_item((ids["lstm"], dense, 0)).ends
    assert near(start, group.output_ports[2].scenePos())
    assert near(end, target.input_ports[0].scenePos())
    doc.undo_stack.undo()
    assert graph.inputs(dense) == [] and scene.edge_item((ids["lstm"], dense, 0)) is None
    doc.undo_stack.redo()
    assert graph.output_index(ids["lstm"], dense, 0) == 2
    start, _ = scene.edge_item((ids["lstm"], dense, 0)).ends
    assert near(start, group.output_ports[2].scenePos())


def test_expand_and_collapse_again_and_ports_follow_return_state(opened):
    view, doc, ids = opened
    scene = view.canvas_scene()
    view.editor.set_group_collapsed("encoder", False)
    assert scene.group_item("encoder") is None
    lstm = scene.layer_item(ids["lstm"])
    assert [p.label for p in lstm.output_ports] == LABELS  # the expanded layer's own ports
    start, _ = scene.edge_item((ids["lstm"], ids["states"], 1)).ends
    assert near(start, lstm.output_ports[2].scenePos())
    view.editor.set_group_collapsed("encoder", True)
    group = scene.group_item("encoder")
    assert [p.label for p in group.output_ports] == LABELS
    start, _ = scene.edge_item((ids["lstm"], ids["states"], 1)).ends
    assert near(start, group.output_ports[2].scenePos())
    # Without return_state the LSTM has one output: one unlabelled port; the Concatenate's
    # inputs now ask for outputs the LSTM lacks (an error on the consumer).
    view.editor.set_field(ids["lstm"], "return_state", False)
    assert [p.label for p in group.output_ports] == [""]
    assert doc.result.layers[ids["states"]].diagnostic is not None
    doc.undo_stack.undo()
    assert [p.label for p in group.output_ports] == LABELS
    start, _ = scene.edge_item((ids["lstm"], ids["states"], 0)).ends
    assert near(start, group.output_ports[1].scenePos())


def test_a_group_with_two_output_layers_and_a_disconnect(qtbot):
    """Nested model ``heads``: Dense(3) and Dense(2) on the same input, each feeding a layer
    outside: two ports, (None, 3) and (None, 2). Deleting the second head's outside edge
    leaves one exposed tensor (one unlabelled port); undo brings the second port back."""
    from paramlab.core.graph import LayerGraph

    g = LayerGraph("two_heads")
    x = g.add_layer("InputLayer", config={"shape": [8]}, position=(0, 0))
    a = g.add_layer("Dense", name="a", config={"units": 3}, position=(-80, 120), group="heads")
    b = g.add_layer("Dense", name="b", config={"units": 2}, position=(80, 120), group="heads")
    out_a = g.add_layer("Dense", name="out_a", config={"units": 1}, position=(-150, 300))
    out_b = g.add_layer("Dense", name="out_b", config={"units": 1}, position=(150, 300))
    g.groups["heads"] = {"type": "Functional", "trainable": True, "collapsed": True}
    for src, dst in ((x, a), (x, b), (a, out_a), (b, out_b)):
        g.connect(src, dst)
    view, doc = show_canvas(qtbot, g, (0, 150))
    scene = view.canvas_scene()
    group = scene.group_item("heads")
    assert [p.label for p in group.output_ports] == ["(None, 3)", "(None, 2)"]
    assert near(scene.edge_item((b, out_b, 0)).ends[0], group.output_ports[1].scenePos())
    assert near(scene.edge_item((a, out_a, 0)).ends[0], group.output_ports[0].scenePos())
    view.editor.delete([], [(b, out_b, 0)])
    assert [p.label for p in group.output_ports] == [""]
    assert near(scene.edge_item((a, out_a, 0)).ends[0], group.output_ports[0].scenePos())
    doc.undo_stack.undo()
    assert [p.label for p in group.output_ports] == ["(None, 3)", "(None, 2)"]
    assert near(scene.edge_item((b, out_b, 0)).ends[0], group.output_ports[1].scenePos())
