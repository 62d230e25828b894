"""Main window: panels, status bar, menus and shortcuts, and the ``paramlab`` entry point."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeySequence

from paramlab.gui import app
from paramlab.gui.canvas.view import CanvasView

DATA = Path(__file__).resolve().parent.parent / "data"


def test_window_panels(window):
    assert isinstance(window.canvas, CanvasView)
    assert window.centralWidget() is window.canvas
    assert [d.windowTitle() for d in window.docks()] == ["Layers", "Properties", "Summary"]
    assert window.dockWidgetArea(window.docks()[0]) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert window.dockWidgetArea(window.docks()[1]) == Qt.DockWidgetArea.RightDockWidgetArea
    assert window.dockWidgetArea(window.docks()[2]) == Qt.DockWidgetArea.BottomDockWidgetArea
    assert len(window.scene().layer_items()) == 9


def test_status_bar_totals(window, ui):
    text = window.totals_label.text()
    assert "Total params: 62,958" in text
    assert "Trainable: 62,958" in text
    assert "Non-trainable: 0" in text


def test_refused_edit_shown_in_status_bar(window, ui):
    before = window.document.undo_stack.count()
    assert not window.editor.connect(ui.layer_id(window, "dense"),
                                             ui.layer_id(window, "conv2d"))
    message = window.statusBar().currentMessage()
    assert message.startswith("Refused:")
    assert "cycle" in message
    assert window.document.undo_stack.count() == before


def test_standard_shortcuts(window):
    acts = window.acts
    assert acts.undo.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)
    assert acts.redo.shortcut() == QKeySequence(QKeySequence.StandardKey.Redo)
    assert acts.delete.shortcut() == QKeySequence(QKeySequence.StandardKey.Delete)
    assert acts.save.shortcut() == QKeySequence(QKeySequence.StandardKey.Save)
    assert acts.open.shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&Edit", "&View", "&Model", "E&xercise", "&Help"]


def test_delete_key_and_ctrl_z(qtbot, window, ui):
    dense = ui.layer_id(window, "dense")
    window.select_ids([dense])
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Delete)
    assert dense not in window.document.graph
    assert window.summary.model.row_of(dense) == -1
    assert window.properties.node_id is None
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert dense in window.document.graph
    assert window.document.result.total == 62_958
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert dense not in window.document.graph


def test_edit_menu_actions_reach_the_canvas(window, ui):
    dense = ui.layer_id(window, "dense")
    window.select_ids([dense])
    window.acts.duplicate.trigger()
    graph = window.document.graph
    assert len(graph) == 10
    copy = window.scene().selected_ids()
    assert len(copy) == 1 and copy[0] != dense
    assert graph.raw(copy[0])["config"]["units"] == 120
    window.acts.delete.trigger()
    assert len(graph) == 9
    window.select_ids([dense])
    window.acts.copy.trigger()
    window.acts.paste.trigger()
    assert len(graph) == 10
    window.acts.select_all.trigger()
    assert len(window.scene().selected_ids()) == 10
    assert window.summary.selected_ids() == window.scene().selected_ids()


def test_view_actions(window):
    scale = window.canvas.scale_factor()
    window.acts.zoom_in.trigger()
    assert window.canvas.scale_factor() > scale
    window.acts.zoom_out.trigger()
    window.acts.zoom_out.trigger()
    assert window.canvas.scale_factor() < scale
    graph = window.document.graph
    graph.move(graph.layer_ids()[3], (900.0, 900.0))
    count = window.document.undo_stack.count()
    window.acts.auto_layout.trigger()
    assert graph.raw(graph.layer_ids()[3])["position"] != (900.0, 900.0)
    assert window.document.undo_stack.count() == count + 1
    window.acts.undo.trigger()
    assert graph.raw(graph.layer_ids()[3])["position"] == (900.0, 900.0)


# ---------------------------------------------------------------------------- entry point
def _run(args: list[str], code: str = "") -> subprocess.CompletedProcess:
    script = ("import sys\nfrom gui.app import main\nrc = main(sys.argv[1:])\n" + code
              + "sys.exit(rc)\n")
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, check=False,
                          text=True, timeout=120)


def test_cli_summary_does_not_import_qt():
    done = _run(["summary", "lenet", "--format", "json"],
                "assert 'PySide6' not in sys.modules, 'Qt was imported'\n")
    assert done.returncode == 0, done.stderr
    assert '"total": 62958' in done.stdout


def test_cli_summary_table(capsys):
    assert app.main(["summary", "lenet"]) == 0
    out = capsys.readouterr().out
    assert "Total params: 62,958 (245.93 KB)" in out


def test_cli_exit_codes(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert app.main(["summary", str(bad)]) == 1
    assert app.main(["summary", "lenet", "--format", "yaml"]) == 2
    assert app.main(["render", "lenet"]) == 2  # --output is required
    assert app.main(["lenet", "extra"]) == 2
    assert app.main(["summary", "lenet", "--format", "png"]) == 2  # needs --output
    capsys.readouterr()


def _check_png(path: Path, min_w: int = 200, min_h: int = 100) -> None:
    image = QImage(str(path))
    assert not image.isNull()
    assert image.width() >= min_w and image.height() >= min_h
    colours = {image.pixel(x, y) for x in range(0, image.width(), 5)
               for y in range(0, image.height(), 5)}
    assert len(colours) > 3


def test_cli_summary_png(tmp_path, qapp):
    out = tmp_path / "summary.png"
    assert app.main(["summary", "lenet", "--format", "png", "--output", str(out)]) == 0
    _check_png(out)


def test_cli_render_diagram(tmp_path, qapp):
    out = tmp_path / "diagram.png"
    keras = DATA / "keras_files" / "lenet_like.keras"  # no positions: laid out first
    assert app.main(["render", str(keras), "--output", str(out)]) == 0
    _check_png(out, 100, 400)  # nine layers in a column: taller than wide
    image = QImage(str(out))
    assert image.height() > image.width()


def test_cli_png_runs_offscreen_in_a_fresh_process(tmp_path):
    out = tmp_path / "d.png"
    done = _run(["render", "mlp_5_8_4_3", "-o", str(out)])
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 1000


def test_cli_layer_errors_exit_3(tmp_path, qapp):
    from paramlab.core.graph import LayerGraph
    from paramlab.core.io.project import save_project

    g = LayerGraph("broken")
    a = g.add_layer("InputLayer", config={"shape": [8]})
    b = g.add_layer("Conv2D", config={"filters": 4, "kernel_size": [3, 3]})
    g.connect(a, b)
    path = tmp_path / "broken.json"
    save_project(g, path)
    assert app.main(["summary", str(path), "--format", "png", "-o", str(tmp_path / "s.png")]) == 3
    assert (tmp_path / "s.png").is_file()  # written all the same, with the error shown
    assert app.main(["summary", str(path), "--format", "csv"]) == 3


@pytest.mark.parametrize("argv", [[], ["FILE"]])
def test_gui_entry_opens_window(monkeypatch, qapp, tmp_path, argv):
    """``paramlab`` opens lenet; ``paramlab FILE`` opens FILE (event loop stubbed)."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from paramlab.gui.main_window import MainWindow

    shown = {}
    real_show = MainWindow.show

    def show(self) -> None:
        shown["window"] = self
        real_show(self)

    monkeypatch.setattr(MainWindow, "show", show)
    monkeypatch.setattr(QApplication, "exec", lambda *_a: 0)
    ini = str(tmp_path / "settings.ini")
    monkeypatch.setattr("paramlab.gui.main_window.default_settings",
                        lambda: QSettings(ini, QSettings.Format.IniFormat))
    args = [str(DATA / "keras_files" / "mlp_5_8_4_3.keras")] if argv else []
    assert app.main(args) == 0
    window = shown["window"]
    expected = 99 if argv else 62_958  # Keras: mlp_5_8_4_3 99, lenet 62,958
    assert window.document.result.total == expected
    window.document.undo_stack.setClean()
    window.close()
    window.deleteLater()
