"""The teaching-lab workflow through real widgets: the instructor makes an exercise, a
student opens it, types right and wrong answers, checks, reads the mistake, saves the
answers; the instructor grades them with ``paramlab grade``. Figures: LeNet as Keras
counts it (tests/data/keras/lenet_like.json: conv2d 608 = (5·5·3 + 1)·8, dense 48,120)."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog, QRadioButton

from paramlab.core import cli
from paramlab.core.exercise.format import load_exercise
from paramlab.gui.summary_panel import COL_SHAPE, COL_TOTAL, COL_TRAINABLE


def _when_modal(qtbot, act) -> None:
    """Run ``act(dialog)`` on the next modal dialog (they block until closed)."""
    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, poll)
            return
        act(dialog)
    QTimer.singleShot(0, poll)


def cell(window, name: str, col: int):
    model = window.summary.model
    return model.index(model.row_of(window.document.graph.id_of(name)), col)


def type_into(qtbot, window, index, text: str) -> None:
    view = window.summary.view
    view.setFocus()
    view.setCurrentIndex(index)
    view.edit(index)
    editor = view.focusWidget()
    editor.selectAll() if hasattr(editor, "selectAll") else None
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


def test_make_answer_check_save_grade(qtbot, make_window, dialogs, tmp_path: Path,
                                      capsys) -> None:
    # ---------------------------------------------------------------- instructor
    teacher = make_window("lenet")
    ctl = teacher.exercise

    def choose_both(dialog: QDialog) -> None:
        dialog.title_edit.setText("LeNet lab")
        next(b for b in dialog.findChildren(QRadioButton) if b.text() == "Both").click()
        dialog.show_solution.setChecked(True)
        dialog.accept()

    _when_modal(qtbot, choose_both)
    ctl.new_action.trigger()
    assert ctl.session.exercise.hidden["conv2d"] == ("output_shape", "trainable",
                                                     "non_trainable", "total")
    # right-click a summary cell: Hide in Exercise toggles it
    menu = ctl.cell_menu(cell(teacher, "dense_2", COL_SHAPE))
    act = menu.actions()[0]
    assert act.text() == "Hide in Exercise" and act.isChecked()
    act.trigger()
    assert "output_shape" not in ctl.session.exercise.hidden["dense_2"]
    # right-click a node: the same toggle per cell
    scene = teacher.scene()
    node = scene.layer_item(teacher.document.graph.id_of("flatten"))
    menu = scene.context_menu(node.sceneBoundingRect().center())
    sub = next(a.menu() for a in menu.actions() if a.text() == "Hide in Exercise")
    total = next(a for a in sub.actions() if a.text() == "Total")
    assert total.isChecked()
    total.trigger()
    assert ctl.session.exercise.hidden["flatten"] == ("output_shape", "trainable",
                                                      "non_trainable")
    # the instructor still sees every value (marked cells)
    assert cell(teacher, "conv2d", COL_TOTAL).data() == "608"
    ex_path = tmp_path / "lenet_lab.json"
    dialogs.save_path = str(ex_path)
    ctl.save_exercise_action.trigger()
    assert load_exercise(ex_path).title == "LeNet lab"
    teacher.close()

    # ---------------------------------------------------------------- student
    student = make_window(None)
    assert student.files.open_path(ex_path, ask=False)
    s = student.exercise
    assert s.session.student and s.dock.isVisible() is not None
    assert cell(student, "conv2d", COL_TOTAL).data() == "?"
    assert cell(student, "conv2d", COL_SHAPE).data() == "?"
    assert cell(student, "dense_2", COL_SHAPE).data() == "(None, 10)"  # not hidden
    item = student.scene().layer_item(student.document.graph.id_of("conv2d"))
    assert (item.look.shape_text, item.look.params_text) == ("?", "?")
    assert "608" not in item.toolTip()
    student.select_ids([student.document.graph.id_of("conv2d")])
    props = student.properties
    assert "?" in props.counts_label.text() and props.formula_label.text() == "?"
    assert "⌊(32 − 5)/1⌋ + 1" in props.shape_label.text() and "= 28" not in props.shape_label.text()
    # every export shows the hidden cells as ?
    assert student.files.export_csv(tmp_path / "s.csv")
    rows = {r[0]: r for r in csv.reader(io.StringIO((tmp_path / "s.csv").read_text()))}
    assert rows["conv2d"][2:6] == ["?", "?", "?", "?"]
    assert rows["dense_2"][2] == "(None, 10)" and rows["Total"][3:6] == ["?", "?", "?"]
    assert student.files.export_summary_png(tmp_path / "s.png")
    assert student.files.export_diagram_png(tmp_path / "d.png")
    teacher_view = make_window("lenet")
    assert teacher_view.files.export_summary_png(tmp_path / "t.png")
    assert (tmp_path / "s.png").read_bytes() != (tmp_path / "t.png").read_bytes()
    teacher_view.close()
    student.activateWindow()
    # the model is read-only
    assert not student.editor.set_trainable(student.document.graph.id_of("dense"), False)

    type_into(qtbot, student, cell(student, "conv2d", COL_SHAPE), "28, 28, 8")
    type_into(qtbot, student, cell(student, "conv2d", COL_TRAINABLE), "600")  # no bias
    type_into(qtbot, student, cell(student, "dense", COL_TOTAL), "48,120")
    assert cell(student, "conv2d", COL_TRAINABLE).data() == "600"
    # nodes cannot be dragged; typed answers are not lost without asking
    assert not item.flags() & item.GraphicsItemFlag.ItemIsMovable
    assert not student.files.open_example("mlp_5_8_4_3")  # the test's dialog answers Cancel
    assert dialogs.save_questions == ["your answers"] and s.session.student
    student.activateWindow()
    qtbot.waitUntil(student.isActiveWindow)
    qtbot.keyClick(student.summary.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert s.session.checks == 1
    right = cell(student, "conv2d", COL_SHAPE).data(Qt.ItemDataRole.BackgroundRole).color()
    wrong = cell(student, "conv2d", COL_TRAINABLE).data(Qt.ItemDataRole.BackgroundRole).color()
    assert right.green() > right.red() and wrong.red() > wrong.green()
    hint = cell(student, "conv2d", COL_TRAINABLE).data(Qt.ItemDataRole.ToolTipRole)
    assert "without the bias" in hint and "one bias per filter" in hint
    assert s.reveal_action.isEnabled()

    def name_it(dialog: QInputDialog) -> None:
        dialog.setTextValue("Ana Lima")
        dialog.accept()

    answers = tmp_path / "ana.json"
    dialogs.save_path = str(answers)
    _when_modal(qtbot, name_it)
    s.save_answers_action.trigger()
    saved = json.loads(answers.read_text())
    assert saved["student"] == "Ana Lima"
    assert saved["exercise_sha256"] == load_exercise(ex_path).sha256
    assert saved["answers"]["conv2d"] == {"output_shape": "28, 28, 8", "trainable": "600"}
    # the name is asked once: the second save does not ask
    again = tmp_path / "ana2.json"
    dialogs.save_path = str(again)
    s.save_answers_action.trigger()
    assert json.loads(again.read_text())["student"] == "Ana Lima"

    # ---------------------------------------------------------------- grading
    code = cli.main(["grade", str(ex_path), str(answers), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    graded = report["students"][0]
    assert graded["student"] == "Ana Lima" and graded["score"] == 2 and graded["max"] == 33
    by_cell = {(c["layer"], c["field"]): c for c in graded["cells"]}
    assert by_cell[("conv2d", "trainable")]["mistake"] == "forgot_bias"
    assert by_cell[("dense", "total")]["correct"] is True

    # the solution, when the exercise allows it
    s.reveal_action.trigger()
    assert cell(student, "conv2d", COL_TOTAL).data() == "608"
