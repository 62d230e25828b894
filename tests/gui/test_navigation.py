"""Large models: Group Blocks, Expand/Collapse All, Find Layer (Ctrl+F), the overview.

ResNet50's figures are Keras's (tests/data/keras/ResNet50.json: 25,636,712 parameters,
16 residual blocks conv2_block1 … conv5_block3).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt

from paramlab.core.blocks import Block, block_totals, find_blocks
from paramlab.core.io.loader import load_model
from paramlab.core.propagate import propagate

RESNET = Path(__file__).resolve().parents[1] / "data" / "keras" / "ResNet50.json"
BLOCKS = [f"conv{s}_block{b}" for s, n in ((2, 3), (3, 4), (4, 6), (5, 3))
          for b in range(1, n + 1)]
RESNET_TOTAL = 25_636_712  # Keras: model.count_params() of ResNet50


def test_resnet50_blocks_and_subtotals_add_up_to_keras_total() -> None:
    graph = load_model(str(RESNET))
    result = propagate(graph)
    blocks = find_blocks(graph)
    assert [b.name for b in blocks] == BLOCKS
    inside = {n for b in blocks for n in b.members}
    outside = [graph.raw(n)["name"] for n in graph.layer_ids() if n not in inside]
    assert outside[:3] == ["input_layer", "conv1_pad", "conv1_conv"]
    assert outside[-2:] == ["avg_pool", "predictions"]
    subtotals = sum(sum(block_totals(graph, result, b)[:2]) for b in blocks)
    rest = sum(result.layers[n].total for n in graph.layer_ids() if n not in inside)
    assert subtotals + rest == RESNET_TOTAL
    t, nt, shape, bad = block_totals(graph, result, blocks[0])
    assert shape == (None, 56, 56, 256) and bad == 0  # conv2_block1_out, as Keras prints it


def test_group_blocks_folds_resnet50_into_16_boxes(make_window: Any, qtbot: Any) -> None:
    window = make_window(None)
    assert window.files.open_path(str(RESNET), ask=False)
    scene = window.scene()
    window.navigation.group_blocks.trigger()
    items = scene.blocks.items
    assert sorted(items) == sorted(BLOCKS)
    looks = {name: item.look for name, item in items.items()}
    assert looks["conv2_block1"].shape_text == "(None, 56, 56, 256)"
    doc = window.document
    shown = sum(int(looks[b].params_text.split()[0].replace(",", "")) for b in BLOCKS)
    folded = {n for item in items.values() for n in item.members}
    rest = sum(doc.result.layers[n].total for n in doc.graph.layer_ids() if n not in folded)
    assert shown + rest == RESNET_TOTAL
    # folded layers are hidden; nothing was edited, the file is not modified
    conv = doc.graph.id_of("conv2_block1_1_conv")
    assert not scene.layer_item(conv).isVisible() and scene.owner_item(conv) is items["conv2_block1"]
    assert doc.undo_stack.count() == 0 and not doc.modified
    # double-click a block: its layers come back, laid out without overlap
    block = items["conv2_block1"]
    view = window.canvas
    view.centerOn(block)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton,
                      pos=view.mapFromScene(block.scenePos()))
    assert "conv2_block1" not in scene.blocks.items and scene.layer_item(conv).isVisible()
    window.navigation.expand_all.trigger()
    assert not scene.blocks.items
    window.navigation.collapse_all.trigger()
    assert len(scene.blocks.items) == 16
    window.navigation.group_blocks.trigger()  # off: the model's own positions again
    assert not scene.blocks.items and scene.layer_item(conv).isVisible()
    assert scene.layer_item(conv).pos().toTuple() == doc.graph.raw(conv)["position"]
    assert not doc.modified


def test_find_layer_jumps_from_match_to_match(make_window: Any, qtbot: Any) -> None:
    window = make_window(None)
    assert window.files.open_path(str(RESNET), ask=False)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas.viewport(), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    bar = window.navigation.find_bar
    assert bar.isVisible() and bar.edit.hasFocus()
    qtbot.keyClicks(bar.edit, "conv3_block2_")
    names = lambda: [window.document.graph.raw(n)["name"] for n in window.selected_ids()]
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    assert names() == ["conv3_block2_1_conv"]
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return)
    assert names() == ["conv3_block2_1_bn"]
    assert bar.count.text() == "2 of 10"  # 1_conv … 3_bn, add, out (Keras's names)
    qtbot.keyClick(bar.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert names() == ["conv3_block2_1_conv"]
    item = window.scene().layer_item(window.selected_ids()[0])
    assert window.canvas.visible_scene_rect().contains(item.sceneBoundingRect().center())
    bar.edit.setText("Dense")  # by type: ResNet50's one Dense layer
    assert [window.document.graph.raw(n)["name"] for n in bar.matches()] == ["predictions"]
    qtbot.keyClick(bar.edit, Qt.Key.Key_Escape)
    assert not bar.isVisible()


def test_overview_click_moves_the_main_view(make_window: Any, qtbot: Any) -> None:
    window = make_window(None)
    assert window.files.open_path(str(RESNET), ask=False)
    window.navigation.minimap_dock.show()
    minimap = window.navigation.minimap
    minimap.resize(200, 400)
    minimap.fit()
    before = window.canvas.visible_scene_rect().center()
    qtbot.mouseClick(minimap, Qt.MouseButton.LeftButton,
                     pos=QPoint(100, 390))  # near the bottom: the head of the model
    after = window.canvas.visible_scene_rect().center()
    assert after.y() > before.y() + 1000


def test_fit_keeps_text_readable_on_a_tall_model(make_window: Any) -> None:
    from paramlab.gui.canvas.view import FIT_MIN_SCALE

    window = make_window(None)
    assert window.files.open_path(str(RESNET), ask=False)
    window.canvas.zoom_to_fit()
    assert window.canvas.scale_factor() >= FIT_MIN_SCALE  # not a 1-pixel sliver
    rect = window.scene().visible_items_rect()
    shown = window.canvas.visible_scene_rect()
    assert shown.left() <= rect.left() + 40 and shown.right() >= rect.right() - 40  # width fits
    assert shown.top() <= rect.top() + 60  # the inputs are at the top


def test_block_with_error_says_partial(qapp: Any) -> None:
    from paramlab.gui.canvas.blocks_view import block_look

    graph = load_model(str(RESNET))
    block = find_blocks(graph)[0]
    look = block_look(Block(block.name, block.members), 10, 2, "?", 3)
    assert "partial, 3 layers unresolved" in look.tooltip and look.params_text == "12 params: 2 non-trainable"
