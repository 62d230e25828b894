"""Layer palette: the catalogue by category, filter box, tooltips, drag payload."""
from __future__ import annotations

from PySide6.QtCore import Qt

from paramlab.core.catalogue import get_spec, specs_by_category
from paramlab.core.spec import CATEGORIES
from paramlab.gui import mime
from paramlab.gui.palette import TYPE_ROLE, PaletteWidget


def _categories(tree) -> list[str]:
    return [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]


def test_catalogue_grouped_by_category(qtbot):
    palette = PaletteWidget()
    qtbot.addWidget(palette)
    groups = specs_by_category()
    assert _categories(palette.tree) == [c for c in CATEGORIES if c in groups]
    for i in range(palette.tree.topLevelItemCount()):
        head = palette.tree.topLevelItem(i)
        types = [head.child(j).data(0, TYPE_ROLE) for j in range(head.childCount())]
        assert types == [s.type for s in groups[head.text(0)]]
    core = palette.tree.topLevelItem(_categories(palette.tree).index("Core"))
    assert "Dense" in [core.child(j).text(0) for j in range(core.childCount())]


def test_tooltip_says_what_the_layer_does_and_how_it_counts(qtbot):
    palette = PaletteWidget()
    qtbot.addWidget(palette)
    item = palette.tree.layer_item("Conv2D")
    tip = item.toolTip(0)
    assert "Conv2D" in tip
    assert get_spec("Conv2D").doc.split(".")[0] in tip
    dense_tip = palette.tree.layer_item("Dense").toolTip(0)
    assert "(inputs + 1)·units" in dense_tip


def test_filter_box(qtbot):
    palette = PaletteWidget()
    qtbot.addWidget(palette)
    palette.show()
    everything = palette.tree.visible_types()
    qtbot.keyClicks(palette.filter_edit, "conv2d")
    shown = palette.tree.visible_types()
    assert "Conv2D" in shown
    assert all("conv2d" in t.lower() for t in shown)
    core = palette.tree.topLevelItem(_categories(palette.tree).index("Core"))
    assert core.isHidden()  # a category with no match disappears
    palette.filter_edit.clear()
    assert palette.tree.visible_types() == everything
    qtbot.keyClicks(palette.filter_edit, "pooling")  # a category name shows the category
    assert "MaxPooling2D" in palette.tree.visible_types()
    qtbot.keyClicks(palette.filter_edit, "zzz")
    assert palette.tree.visible_types() == []


def test_drag_payload_is_layer_type(qtbot):
    palette = PaletteWidget()
    qtbot.addWidget(palette)
    tree = palette.tree
    assert tree.mimeTypes() == [mime.LAYER_TYPE]
    item = tree.layer_item("Dense")
    assert item.flags() & Qt.ItemFlag.ItemIsDragEnabled
    category = tree.topLevelItem(0)
    assert not category.flags() & Qt.ItemFlag.ItemIsDragEnabled
    # QAbstractItemView.startDrag asks mimeData() for the selected items: the same call.
    tree.setCurrentItem(item)
    data = tree.mimeData(tree.selectedItems())
    assert data.hasFormat(mime.LAYER_TYPE)
    assert bytes(data.data(mime.LAYER_TYPE).data()).decode("utf-8") == "Dense"


def test_enter_on_layer_adds_it_to_the_model(qtbot, window):
    tree = window.palette.tree
    before = len(window.document.graph)
    tree.setFocus()
    tree.setCurrentItem(tree.layer_item("Dropout"))
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    graph = window.document.graph
    assert len(graph) == before + 1
    new = [n for n in graph.layer_ids() if graph.raw(n)["type"] == "Dropout"]
    assert len(new) == 1
    assert window.scene().selected_ids() == new
    assert window.properties.node_id == new[0]
    window.acts.undo.trigger()
    assert len(graph) == before
