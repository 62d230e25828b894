"""Teaching labs in the editor: authoring exercises and the student mode.

:func:`install_exercise` adds the *Exercise* menu, *Help ▸ Lessons*, the instructions panel
and the cell overlay to a main window, and returns the :class:`ExerciseController`.

* **Authoring** (any model): *Exercise ▸ New from current model…* hides parameters, shapes
  or both for all or the selected layers; a right-click on a summary cell toggles *Hide in
  exercise*; *Instructions…* edits the Markdown; *Save Exercise As…* writes the file
  (``core.exercise.format``).
* **Student mode** starts when the opened file is an exercise. The views read the hidden
  mask of :class:`ExerciseSession`: hidden cells show ``?`` on the canvas nodes, in the
  summary table and in the properties panel (formula and weight shapes too); exports are
  disabled. Hidden cells are editable in the summary table; every edit of the model is
  refused. *Check* (Ctrl+Return) grades the answers with ``core.exercise.grading`` and
  colours each cell; a wrong cell's tooltip names the mistake. *Save Answers…* asks for the
  student's name once (remembered in QSettings). *Reveal Solution* is offered after a Check
  when the exercise allows it. ``max_checks`` limits the Checks.

Nothing here computes a count or a shape: the values come from the document's propagation
result and the grader; the mask only decides what is shown. The state and the mask live in
``gui.exercise_session``, the views' masking in ``gui.exercise_masks``; this module holds
the menu, the dialogs and the wiring.
"""
from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QGraphicsItem,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from paramlab.core.catalogue import get_spec
from paramlab.core.errors import LayerError, ModelFileError, ParamLabError
from paramlab.core.exercise.format import (
    HIDE_CHOICES,
    TOTAL_FIELDS,
    TOTALS,
    Exercise,
    load_exercise,
    read_json,
    save_answers,
    save_exercise,
)
from paramlab.core.exercise.lessons import list_lessons
from paramlab.core.exercise.rows import row_table
from paramlab.core.shape_formula import shape_steps
from paramlab.gui import messages
from paramlab.gui.canvas.painting import group_look, group_members
from paramlab.gui.exercise_masks import HIDDEN_TEXT, ExportMask, SummaryOverlay, mask_look
from paramlab.gui.exercise_session import ExerciseSession, hidden_in_view

if TYPE_CHECKING:
    from paramlab.gui.main_window import MainWindow

log = logging.getLogger(__name__)

STUDENT_KEY = "exercise/student_name"
READ_ONLY = "this is an exercise: the model is read-only (answer in the summary table)"


class NewExerciseDialog(QDialog):
    """*Exercise ▸ New from current model…*: what to hide, for which layers, title."""

    def __init__(self, parent: QWidget, title: str, has_selection: bool) -> None:
        super().__init__(parent)
        self.setWindowTitle("New Exercise")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Title:"))
        self.title_edit = QLineEdit(title, self)
        layout.addWidget(self.title_edit)
        layout.addWidget(QLabel("Students work out:"))
        self.hide_group = QButtonGroup(self)
        self.hide_buttons = {}
        for key, text in (("params", "Parameters (trainable, non-trainable, total)"),
                          ("shapes", "Output shapes"), ("all", "Both")):
            b = QRadioButton(text, self)
            self.hide_group.addButton(b)
            self.hide_buttons[key] = b
            layout.addWidget(b)
        self.hide_buttons["params"].setChecked(True)
        self.selected_only = QCheckBox("Only the selected layers", self)
        self.selected_only.setEnabled(has_selection)
        layout.addWidget(self.selected_only)
        self.totals = QCheckBox("Hide the model's totals", self)
        self.totals.setChecked(True)
        layout.addWidget(self.totals)
        self.show_solution = QCheckBox("Offer Reveal Solution after a Check", self)
        layout.addWidget(self.show_solution)
        layout.addWidget(QLabel("Checks allowed (0: no limit):"))
        self.max_checks = QSpinBox(self)
        self.max_checks.setRange(0, 99)
        layout.addWidget(self.max_checks)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def hide(self) -> str:  # type: ignore[override]
        return next(k for k, b in self.hide_buttons.items() if b.isChecked())


class ExerciseController(QObject):
    """The exercise menu, panels and student mode of one main window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.session = ExerciseSession(self)
        self._pinned = False  # nodes made non-movable for student mode
        self._convention_before: str | None = None  # restored when student mode ends
        self.overlay = SummaryOverlay(self.session)
        window.summary.model.overlay = self.overlay
        window.properties.result_hooks.append(self._properties_hook)
        self.instructions = QTextBrowser(window)
        self.instructions.setObjectName("exercise_instructions")
        self.instructions.setOpenExternalLinks(False)
        self.dock = QDockWidget("Instructions", window)
        self.dock.setObjectName("instructions_dock")
        self.dock.setWidget(self.instructions)
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        self.dock.hide()
        self._build_menu()
        window.scene().menu_hooks.append(self.add_node_menu)
        window.files.guards.append(self.answers_are_safe)
        view = window.summary.view
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._summary_menu)
        doc = window.document
        doc.reset.connect(self._document_reset)
        doc.results_changed.connect(self._mask_canvas)
        doc.groups_changed.connect(lambda _g: self._mask_canvas())
        self.session.changed.connect(self._session_changed)
        self._session_changed()

    # ------------------------------------------------------------------ menu
    def _action(self, menu: QMenu, text: str, slot: Any, key: str | None = None,
                tip: str = "") -> QAction:
        act = QAction(text, self.window)
        if key:
            act.setShortcuts([QKeySequence(k) for k in key.split("|")])
        if tip:
            act.setStatusTip(tip)
            act.setToolTip(tip)
        act.triggered.connect(lambda _c=False: slot())
        menu.addAction(act)
        return act

    def _build_menu(self) -> None:
        bar = self.window.menuBar()
        help_menu = next((a.menu() for a in bar.actions() if a.text() == "&Help"), None)
        menu = QMenu("E&xercise", self.window)
        if help_menu is not None:
            bar.insertMenu(help_menu.menuAction(), menu)
        else:
            bar.addMenu(menu)
        self.menu = menu
        self.new_action = self._action(menu, "&New from Current Model…", self.new_exercise,
                                       None, "Make an exercise: choose what students work out")
        self.instructions_action = self._action(menu, "&Instructions…", self.edit_instructions,
                                                None, "Write the exercise's instructions")
        self.save_exercise_action = self._action(menu, "Save &Exercise As…",
                                                 self.save_exercise_as, None,
                                                 "Save the model with its hidden cells")
        menu.addSeparator()
        self.check_action = self._action(menu, "&Check", self.check, "Ctrl+Return|Ctrl+Enter",
                                         "Check your answers: right cells turn green")
        self.save_answers_action = self._action(menu, "Save &Answers…", self.save_answers,
                                                None, "Save your answers with your name")
        self.reveal_action = self._action(menu, "&Reveal Solution", self.reveal, None,
                                          "Show every hidden value")
        if help_menu is not None:
            lessons = QMenu("&Lessons", self.window)
            for lesson in list_lessons():
                act = lessons.addAction(lesson.title)
                act.triggered.connect(lambda _c=False, p=lesson.path: self.open_lesson(p))
            help_menu.insertMenu(help_menu.actions()[0] if help_menu.actions() else None,
                                 lessons)
            self.lessons_menu = lessons

    # ------------------------------------------------------------------ authoring
    def _row_names(self) -> list[str]:
        graph = self.window.document.graph
        return [n for n, r in row_table(graph, self.window.document.result).items()
                if r.type != "InputLayer" and (r.is_group or graph.raw(r.node_id).get("group")
                                               is None)]

    def _draft(self) -> Exercise:
        s = self.session
        if s.exercise is None or s.exercise.graph is not self.window.document.graph:
            s.exercise = Exercise(self.window.document.graph, self.window.document.graph.name)
            s.student = False
        return s.exercise

    def new_exercise(self, hide: str | None = None, selected_only: bool | None = None) -> bool:
        """Make the current model an exercise (a dialog asks unless ``hide`` is given)."""
        if self.session.student:
            return False
        ids = self.window.selected_ids()
        dialog = NewExerciseDialog(self.window, self.window.document.graph.name, bool(ids))
        if hide is None:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return False
            hide, selected_only = dialog.hide(), dialog.selected_only.isChecked()
        graph = self.window.document.graph
        names = self._row_names()
        if selected_only and ids:
            chosen = {graph.raw(n).get("group") or graph.raw(n)["name"] for n in ids}
            names = [n for n in names if n in chosen]
        ex = self._draft()
        ex.title = dialog.title_edit.text().strip() or graph.name
        ex.hidden = {n: HIDE_CHOICES[hide] for n in names}
        if dialog.totals.isChecked() and hide != "shapes":
            ex.hidden[TOTALS] = TOTAL_FIELDS
        ex.show_solution_after_check = dialog.show_solution.isChecked()
        ex.max_checks = dialog.max_checks.value() or None
        self.session.changed.emit()
        self.window.statusBar().showMessage(
            f"Exercise: {len(ex.cells(self._row_names()))} hidden cells (marked in the "
            "summary); save it with Exercise ▸ Save Exercise As…", 8000)
        return True

    def toggle_hidden(self, row: str, field: str) -> None:
        """*Hide in exercise* on one cell (authoring)."""
        ex = self._draft()
        ex.set_hidden(row, field, not ex.is_hidden(row, field))
        self.session.changed.emit()

    def edit_instructions(self) -> None:
        ex = self._draft()
        dialog = QDialog(self.window)
        dialog.setWindowTitle("Exercise Instructions (Markdown)")
        layout = QVBoxLayout(dialog)
        edit = QPlainTextEdit(ex.instructions, dialog)
        edit.setObjectName("instructions_edit")
        layout.addWidget(edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, dialog)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)
        dialog.resize(640, 480)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            ex.instructions = edit.toPlainText()
            self.session.changed.emit()

    def save_exercise_as(self, path: str | Path | None = None) -> bool:
        ex = self._draft()
        if not ex.hidden:
            messages.show_error(self.window, "Nothing is hidden",
                                "Hide some cells first (Exercise ▸ New from Current Model…, "
                                "or right-click a summary cell).")
            return False
        if path is None:
            path = messages.ask_save_path(self.window, "Save exercise as",
                                          "ParamLab exercise (*.json)",
                                          f"{ex.graph.name}_exercise.json")
            if not path:
                return False
        try:
            save_exercise(ex, path)
        except ParamLabError as exc:
            messages.show_error(self.window, "Cannot save the exercise", str(exc))
            return False
        self.window.statusBar().showMessage(f"Saved exercise {path}", 8000)
        return True

    # ------------------------------------------------------------------ student mode
    def _document_reset(self) -> None:
        path = self.window.document.path
        ex = None
        if path is not None and path.suffix.lower() == ".json":
            try:
                data = read_json(path)
            except ModelFileError:
                data = None
            if isinstance(data, dict) and "exercise" in data:
                try:
                    ex = load_exercise(path)
                except ModelFileError as exc:
                    messages.show_error(self.window, "Cannot open the exercise", exc.detail,
                                        exc.path)
        if ex is None:
            self.session.stop()
            return
        # The document holds the same model, read from the same file: answers are checked
        # against the document's own graph.
        ex.graph = self.window.document.graph
        self.session.start_student(ex, path)

    def open_lesson(self, path: Path) -> bool:
        return self.window.files.open_path(path)

    def check(self) -> None:
        s = self.session
        if not s.student:
            return
        left = s.checks_left
        if left == 0:
            self.window.statusBar().showMessage("No Checks left in this exercise", 8000)
            return
        grades = s.check()
        right = sum(g.correct for g in grades.values())
        self.window.summary.model.refresh()
        self.window.summary.view.resizeColumnsToContents()
        extra = "" if s.checks_left is None else f" · {s.checks_left} Checks left"
        self.window.statusBar().showMessage(
            f"{right} of {len(grades)} right{extra}", 15000)

    def save_answers(self, path: str | Path | None = None, student: str | None = None) -> bool:
        s = self.session
        if not s.student:
            return False
        settings = self.window.settings
        name = student or str(settings.value(STUDENT_KEY, "") or "")
        if not name:
            name, ok = QInputDialog.getText(self.window, "Your name",
                                            "Your name (written into the answers file):")
            if not ok or not name.strip():
                return False
            name = name.strip()
        settings.setValue(STUDENT_KEY, name)
        settings.sync()
        if path is None:
            start = f"{s.exercise.graph.name}_answers_{name.split()[0].lower()}.json"
            path = messages.ask_save_path(self.window, "Save answers as",
                                          "ParamLab answers (*.json)", start)
            if not path:
                return False
        try:
            save_answers(s.answers_record(name), path)
        except ParamLabError as exc:
            messages.show_error(self.window, "Cannot save the answers", str(exc))
            return False
        s.unsaved = False
        self.window.statusBar().showMessage(f"Saved answers to {path}", 8000)
        return True

    def answers_are_safe(self) -> bool:
        """Before the exercise is closed or replaced: offer to save typed answers. True to
        go on (saved, discarded or nothing typed)."""
        s = self.session
        if not (s.student and s.unsaved and any(v.strip() for v in s.answers.values())):
            return True
        choice = messages.ask_save(self.window, "your answers")
        if choice == messages.SaveChoice.SAVE:
            return self.save_answers()
        return choice == messages.SaveChoice.DISCARD

    def reveal(self) -> None:
        if self.session.can_reveal():
            self.session.reveal()

    # ------------------------------------------------------------------ views
    def _keras_counts_while_student(self) -> None:
        """Exercises are counted as Keras counts (the grader's rule): student mode switches
        the view to Keras's convention for the session and back when it ends."""
        from paramlab.gui import convention

        acts = getattr(self.window, "convention", None)
        if self.session.student:
            if convention.current() != convention.KERAS:
                self._convention_before = convention.current()
                convention.set_current(convention.KERAS)
        elif self._convention_before is not None:
            convention.set_current(self._convention_before)
            self._convention_before = None
        if acts is not None:
            for act in (acts.keras, acts.pytorch, acts.export_pytorch):
                act.setEnabled(not self.session.student)

    def _costs_while_student(self) -> None:
        """Cost columns, the cost chart (bars of parameters), MACs on nodes and the memory
        budget all give counts away: off during an exercise, back as they were after."""
        costs = getattr(self.window, "costs", None)
        if costs is None:
            return
        student = self.session.student
        acts = list(costs.column_actions.values()) + [costs.node_macs, costs.chart_action,
                                                      costs.budget_action]
        for act in acts:
            act.setEnabled(not student)
        if student:
            self.window.summary.set_cost_columns([])
            if costs.chart_dock is not None:
                costs.chart_dock.hide()
        else:
            self.window.summary.set_cost_columns(costs.shown_columns())

    def _session_changed(self) -> None:
        s = self.session
        w = self.window
        self._keras_counts_while_student()
        self._costs_while_student()
        w.document.read_only = READ_ONLY if s.student else None
        for act in (w.acts.save, w.acts.save_as):
            act.setEnabled(not s.student)
        w.files.export_mask = ExportMask(s, w.document.graph) \
            if s.student and not s.revealed else None
        for act in (self.new_action, self.instructions_action, self.save_exercise_action):
            act.setEnabled(not s.student)
        self.check_action.setEnabled(s.student and s.checks_left != 0)
        self.save_answers_action.setEnabled(s.student)
        self.reveal_action.setEnabled(s.can_reveal())
        w._palette_dock.setEnabled(not s.student)
        for widget in (w.properties.form_host, w.properties.name_edit,
                       w.properties.trainable_check):
            widget.setEnabled(not s.student)
        ex = s.exercise
        if ex is not None and ex.instructions.strip():
            self.instructions.setMarkdown(ex.instructions)
            if s.student:
                self.dock.show()
        elif s.student:
            self.dock.hide()
        if s.student:
            w.summary.view.setEditTriggers(
                w.summary.view.EditTrigger.DoubleClicked | w.summary.view.EditTrigger.EditKeyPressed
                | w.summary.view.EditTrigger.AnyKeyPressed)
        else:
            w.summary.view.setEditTriggers(w.summary.view.EditTrigger.NoEditTriggers)
        w.summary.model.refresh()
        self._restore_canvas()
        self._mask_canvas()
        w.properties.set_selection(w.selected_ids())
        self.dock.setWindowTitle(f"Exercise: {ex.title}" if s.student and ex else "Instructions")
        if s.student:
            w.totals_label.setText("Totals: ? (hidden in this exercise)"
                                   if ex is not None and ex.hidden.get(TOTALS) and not s.revealed
                                   else w.totals_label.text())

    def _layer_items(self) -> dict[str, Any]:
        """The scene's layer items of the current graph (while a new graph replaces the
        old one, the scene may still hold the old graph's items until its reset)."""
        graph = self.window.document.graph
        return {n: item for n, item in self.window.scene().layer_items().items() if n in graph}

    def _group_items(self) -> dict[str, Any]:
        scene = self.window.scene()
        items = {g: scene.group_item(g) for g in self.window.document.graph.groups}
        return {g: item for g, item in items.items() if item is not None}

    def _restore_canvas(self) -> None:
        """Every node shows its result again (after Reveal or leaving student mode)."""
        graph = self.window.document.graph
        results = self.window.document.result.layers
        calls = self.window.scene().calls  # its looks add "applied N×" to folded layers
        for n, item in self._layer_items().items():
            item.set_look(calls.look(n, results.get(n)))
        for group, item in self._group_items().items():
            item.set_look(group_look(graph, group, group_members(graph, group), results))

    def _mask_canvas(self) -> None:
        """Hidden cells as ``?`` on the nodes (layers, collapsed nested models, and the
        layers of a nested model whose counts are hidden) and in the totals lines. In
        student mode the nodes cannot be dragged (the model is read-only)."""
        s = self.session
        graph = self.window.document.graph
        layers, groups = self._layer_items(), self._group_items()
        if s.student or self._pinned:  # normal editing: nothing to do on every edit
            movable = QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            for item in list(layers.values()) + list(groups.values()):
                item.setFlag(movable, not s.student)
            self._pinned = s.student
        if not s.student or s.revealed or s.exercise is None:
            return
        for n, item in layers.items():
            item.set_look(mask_look(item.look, *hidden_in_view(s, graph, graph.raw(n)["name"])))
        for group, item in groups.items():
            item.set_look(mask_look(item.look, *hidden_in_view(s, graph, group)))
        if s.exercise.hidden.get(TOTALS):
            for label in (self.window.totals_label, self.window.summary.totals_label):
                label.setText("Totals: ? (hidden in this exercise)")
                label.setToolTip("")  # the cost footer's tooltip holds the exact figures

    def _properties_hook(self, panel: Any, node_id: str, result: Any) -> None:
        """Show-your-work shape steps under the output shape; ``?`` for hidden cells (the
        formula and weight shapes too, since they give the count away)."""
        s = self.session
        d = self.window.document.graph.raw(node_id)
        shape_hidden, counts_hidden = hidden_in_view(s, self.window.document.graph, d["name"])
        spec = get_spec(d["type"])
        steps: tuple[str, ...] = ()
        if spec is not None:
            try:
                config = spec.resolve_config(d["config"])
            except LayerError:
                config = None
            if config is not None:
                steps = shape_steps(d["type"], result.input_shapes, config,
                                    result.output_shape, with_result=not shape_hidden)
                steps = steps if shape_hidden else steps[:-1]
        if shape_hidden:
            panel.shape_label.setText(f"Output shape: <b>{HIDDEN_TEXT}</b>")
        if steps:
            panel.shape_label.setText(panel.shape_label.text() + "<br><small>"
                                      + "<br>".join(html.escape(x) for x in steps)
                                      + "</small>")
        if counts_hidden:
            panel.counts_label.setText(f"Parameters: <b>{HIDDEN_TEXT}</b> (hidden in this "
                                       "exercise)")
            panel.formula_label.setText(HIDDEN_TEXT)
            panel.weights_label.setText("")
            panel.weights_label.hide()
            if hasattr(panel, "macs_label"):  # MACs give the weight count away
                panel.macs_label.setText(HIDDEN_TEXT)
            if hasattr(panel, "reconciliation_label"):  # Keras vs PyTorch counts, in figures
                panel.reconciliation_label.setText("")
                panel.reconciliation_label.hide()

    # ------------------------------------------------------------------ context menu
    def _summary_menu(self, pos: Any) -> None:
        view = self.window.summary.view
        index = view.indexAt(pos)
        menu = self.cell_menu(index)
        if menu is not None:
            menu.exec(view.viewport().mapToGlobal(pos))

    def add_node_menu(self, menu: QMenu, ids: list[str]) -> QMenu | None:
        """Right-click on a node: a *Hide in Exercise* submenu with one checkable entry per
        cell of that node's summary row (authoring only; a layer of a collapsed nested
        model stands for the nested model's row)."""
        if self.session.student or len(ids) != 1:
            return None
        graph = self.window.document.graph
        d = graph.raw(ids[0])
        group = d.get("group")
        row = group if group is not None and graph.groups.get(group, {}).get(
            "collapsed", True) else d["name"]
        sub = menu.addMenu("Hide in Exercise")
        for field, title in FIELD_TITLES.items():
            act = sub.addAction(title)
            act.setCheckable(True)
            act.setChecked(self.session.marked(row, field))
            act.triggered.connect(lambda _c=False, f=field: self.toggle_hidden(row, f))
        return sub

    def cell_menu(self, index: QModelIndex) -> QMenu | None:
        """The right-click menu of a summary cell: *Hide in exercise* (authoring only)."""
        if self.session.student or not index.isValid():
            return None
        cell = self.overlay._cell(self.window.summary.model, index.row(), index.column())
        if cell is None:
            return None
        menu = QMenu(self.window)
        act = menu.addAction("Hide in Exercise")
        act.setCheckable(True)
        act.setChecked(self.session.marked(*cell))
        act.triggered.connect(lambda _c=False, c=cell: self.toggle_hidden(*c))
        return menu


FIELD_TITLES = {"output_shape": "Output Shape", "trainable": "Trainable",
                "non_trainable": "Non-trainable", "total": "Total"}


def install_exercise(window: MainWindow) -> ExerciseController:
    """Add the exercise menu, panels and student mode to ``window``, and the Help pages
    (Lessons, Layer Reference, Keyboard Shortcuts)."""
    from paramlab.gui.reference_dialog import install_reference

    controller = ExerciseController(window)
    install_reference(window)
    return controller


__all__ = ["ExerciseController", "ExerciseSession", "install_exercise"]
