"""Help ▸ Layer Reference and Keyboard Shortcuts (pages generated from the catalogue)."""
from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt

from paramlab.core.layer_reference import all_layer_types, layer_page

KERAS = Path(__file__).parent.parent / "data" / "keras"


def test_every_layer_has_a_page_and_conv2d_example_equals_keras() -> None:
    assert all(layer_page(t) for t in all_layer_types())
    page = layer_page("Conv2D")
    # Conv2D(32, 3) on a 32×32×3 input: 896 parameters (Keras, cnn_tutorial.json conv2d)
    ref = json.loads((KERAS / "cnn_tutorial.json").read_text())["layers"][0]
    assert ref["total_params"] == 896 and "(3·3·3 + 1)·32 = 896" in page
    assert "| `padding` | `'valid'` | one of `valid`, `same` |" in page
    assert "torch.nn.Conv2d" in page and "⌊(32 − 3)/1⌋ + 1 = 30" in page
    assert "**0 parameters.**" in layer_page("MaxPooling2D")


def test_f1_opens_the_selected_layers_page(qtbot, window) -> None:
    window.select_ids([window.document.graph.id_of("dense")])
    window.reference_action.trigger()
    dialog = window.reference_dialog
    assert dialog.list.currentItem().text() == "Dense"
    assert "torch.nn.Linear" in dialog.page.toPlainText()
    dialog.search_box.setText("pool")
    names = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    assert "MaxPooling2D" in names and "Dense" not in names
    window.shortcuts_action.trigger()
    text = window.shortcuts_dialog.findChildren(type(dialog.page))[0].toPlainText()
    assert "Check" in text and "Layer Reference" in text


def test_f1_on_a_palette_item(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    tree = window.palette.tree
    tree.setCurrentItem(tree.layer_item("BatchNormalization"))
    tree.setFocus()
    qtbot.waitUntil(tree.hasFocus)
    qtbot.keyClick(tree, Qt.Key.Key_F1)
    dialog = window.reference_dialog
    assert dialog.list.currentItem().text() == "BatchNormalization"
    assert "moving_mean" in dialog.page.toPlainText()
