"""Student mode details: Help ▸ Lessons, the Keras convention during an exercise, a frozen
nested model's hidden layers, max_checks. Figures from the Keras references (VGG16's
block1_conv1 1,792 = (3·3·3 + 1)·64; keras/VGG16.json)."""
from __future__ import annotations

from paramlab.core.exercise.lessons import list_lessons
from paramlab.gui import convention
from paramlab.gui.summary_panel import COL_NON_TRAINABLE, COL_TOTAL, COL_TRAINABLE


def cell(window, name: str, col: int):
    """The summary cell of layer ``name`` (or of nested model ``name``'s row)."""
    graph = window.document.graph
    node = graph.id_of(name)
    if node is None:  # a nested model: the row of its layers
        node = next(n for n in graph.layer_ids() if graph.raw(n).get("group") == name)
    model = window.summary.model
    return model.index(model.row_of(node), col)


def test_help_lessons_opens_a_lesson_as_a_student(window) -> None:
    menu = window.exercise.lessons_menu
    titles = [a.text() for a in menu.actions()]
    assert titles == [lesson.title for lesson in list_lessons()] and len(titles) >= 8
    menu.actions()[5].trigger()  # Lesson 6: BatchNormalization
    s = window.exercise.session
    assert s.student and s.exercise.title.startswith("Lesson 6")
    assert window.exercise.dock.windowTitle().startswith("Exercise: Lesson 6")
    assert cell(window, "batch_normalization", COL_NON_TRAINABLE).data() == "?"
    window.select_ids([window.document.graph.id_of("batch_normalization")])
    props = window.properties
    assert props.formula_label.text() == "?" and "128" not in props.reconciliation_label.text()
    assert window.exercise.instructions.toPlainText().startswith("Lesson 6")


def test_exercises_count_as_keras(window) -> None:
    convention.set_current(convention.PYTORCH)
    try:
        window.exercise.open_lesson(list_lessons()[5].path)
        assert convention.current() == convention.KERAS
        assert not window.convention.pytorch.isEnabled()
        # student mode ends with the exercise (there is no way out that shows the answers)
        assert window.files.open_example("lenet", ask=False)
        assert not window.exercise.session.student
        assert convention.current() == convention.PYTORCH
        assert window.convention.pytorch.isEnabled()
    finally:
        convention.set_current(convention.KERAS)


def test_frozen_base_hidden_inside_and_max_checks(window, ui) -> None:
    window.exercise.open_lesson(list_lessons()[6].path)  # Lesson 7: frozen VGG16 base
    s = window.exercise.session
    assert cell(window, "vgg16", COL_TOTAL).data() == "?"
    window.editor.set_group_collapsed("vgg16", False)  # view state: allowed
    assert cell(window, "block1_conv1", COL_TOTAL).data() == "?"
    editable = window.summary.model.flags(cell(window, "dense", COL_TOTAL))
    shown = window.summary.model.flags(cell(window, "block1_conv1", COL_TOTAL))
    # the base's row is answered, not its layers: their counts are ? but not editable
    assert editable & editable.ItemIsEditable and not shown & shown.ItemIsEditable
    item = window.scene().layer_item(window.document.graph.id_of("block1_conv1"))
    assert item.look.params_text == "?"
    for _ in range(5):
        window.exercise.check_action.trigger()
    assert s.checks == 5 and not window.exercise.check_action.isEnabled()
    window.exercise.reveal_action.trigger()
    window.editor.set_group_collapsed("vgg16", True)
    assert cell(window, "vgg16", COL_TRAINABLE).data() == "0"
    assert cell(window, "vgg16", COL_NON_TRAINABLE).data() == "14,714,688"


def test_costs_give_nothing_away(window, tmp_path) -> None:
    import csv

    window.costs.column_actions["param_bytes"].setChecked(True)
    window.exercise.open_lesson(list_lessons()[2].path)  # Lesson 3: LeNet, all hidden
    assert not window.costs.chart_action.isEnabled()
    assert window.summary.cost_columns() == []
    item = window.scene().layer_item(window.document.graph.id_of("dense"))
    assert item.look.macs_text == "" and item.look.params_text == "?"
    window.select_ids([window.document.graph.id_of("dense")])
    assert window.properties.macs_label.text() == "?"
    assert window.files.export_csv(tmp_path / "s.csv")
    rows = list(csv.DictReader((tmp_path / "s.csv").open()))
    dense = next(r for r in rows if r["name"] == "dense")
    assert all(v == "?" for k, v in dense.items() if k not in ("name", "type", "connected_to",
                                                              "error"))
    assert window.summary.totals_label.text().startswith("Totals: ?")
    assert "62,958" not in window.summary.totals_label.toolTip()
    assert window.files.open_example("lenet", ask=False)  # the exercise ends
    assert window.summary.cost_columns() == ["param_bytes"]
