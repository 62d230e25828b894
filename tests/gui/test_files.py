"""Files: open/save round trip, examples, Keras import, failing files, unsaved-changes
prompt, recent files (in a temporary QSettings), title and modified marker, CSV export."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from paramlab.core.resources import list_examples
from paramlab.gui.messages import SaveChoice

DATA = Path(__file__).resolve().parent.parent / "data"


def _set_units(window, ui, name: str, units: int) -> None:
    assert window.editor.set_field(ui.layer_id(window, name), "units", units)


def test_title_shows_name_and_modified_marker(window, ui):
    assert window.windowTitle() == "lenet[*] — ParamLab"
    assert not window.isWindowModified()
    _set_units(window, ui, "dense", 60)
    assert window.isWindowModified()
    window.acts.undo.trigger()
    assert not window.isWindowModified()


def test_save_and_open_round_trip(window, ui, dialogs, tmp_path, make_window):
    _set_units(window, ui, "dense", 60)
    window.document.graph.move(ui.layer_id(window, "dense"), (123.0, 456.0))
    dialogs.save_path = str(tmp_path / "mine")  # Save As adds .json
    window.acts.save.trigger()  # an example has no file yet: Save asks where
    target = tmp_path / "mine.json"
    assert target.is_file()
    assert window.document.path == target
    assert window.windowTitle() == "mine.json[*] — ParamLab"
    assert not window.isWindowModified()
    assert json.loads(target.read_text())["format_version"] == 2
    other = make_window(None)
    assert other.files.open_path(target)
    assert other.document.result.total == 33_858
    assert other.document.graph.raw(other.document.graph.id_of("dense"))["position"] == \
        (123.0, 456.0)
    assert other.document.path == target
    # Save again goes to the same file without asking
    dialogs.save_path = None
    _set_units(other, ui, "dense_2", 20)
    other.acts.save.trigger()
    assert not other.isWindowModified()
    assert json.loads(target.read_text())["layers"][-1]["config"]["units"] == 20
    assert dialogs.errors == []


def test_malformed_file_shows_dialog_and_keeps_model(window, ui, dialogs, tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"format_version": 1, "layers": [ {"id": "n1", ', encoding="utf-8")
    _set_units(window, ui, "dense", 60)
    graph = window.document.graph
    dialogs.save_answer = SaveChoice.DISCARD
    assert not window.files.open_path(bad)
    assert len(dialogs.errors) == 1
    title, text, detail = dialogs.errors[0]
    assert "broken.json" in title
    assert text  # the loader's explanation
    assert str(bad) in detail
    assert window.document.graph is graph
    assert window.document.result.total == 33_858
    assert window.document.undo_stack.count() == 1  # the edit is still undoable
    assert window.files.recent_files() == []


def test_missing_file_dialog(window, dialogs, tmp_path):
    assert not window.files.open_path(tmp_path / "nope.json", ask=False)
    assert "no such file" in dialogs.errors[0][1]
    assert window.document.result.total == 62_958


def test_unsaved_changes_prompt(window, ui, dialogs, tmp_path):
    _set_units(window, ui, "dense", 60)
    dialogs.save_answer = SaveChoice.CANCEL
    window.acts.new.trigger()
    assert dialogs.save_questions == ["lenet"]
    assert window.document.result.total == 33_858  # cancelled: nothing lost
    dialogs.save_answer = SaveChoice.SAVE
    dialogs.save_path = str(tmp_path / "kept.json")
    window.acts.new.trigger()
    assert (tmp_path / "kept.json").is_file()
    assert len(window.document.graph) == 0
    assert window.document.path is None
    assert window.windowTitle() == "model[*] — ParamLab"
    window.editor.add_layer("Dense")
    dialogs.save_answer = SaveChoice.DISCARD
    assert window.files.open_example("mlp_5_8_4_3")
    assert window.document.result.total == 99  # Keras: mlp_5_8_4_3 has 99 parameters


def test_close_with_changes_asks(qtbot, window, ui, dialogs):
    _set_units(window, ui, "dense", 60)
    dialogs.save_answer = SaveChoice.CANCEL
    window.close()
    assert window.isVisible()
    dialogs.save_answer = SaveChoice.DISCARD
    window.close()
    assert not window.isVisible()
    assert len(dialogs.save_questions) == 2


def test_no_prompt_without_changes(window, dialogs):
    window.acts.new.trigger()
    assert dialogs.save_questions == []


def test_examples_menu_lists_every_model(window):
    titles = [a.text() for a in window.acts.examples_menu.actions()]
    assert titles == list_examples()
    assert {"lenet", "vgg16", "bn_mlp"} <= set(titles)
    vgg = next(a for a in window.acts.examples_menu.actions() if a.text() == "vgg16")
    vgg.trigger()
    assert window.document.result.total == 138_357_544  # Keras: VGG16 (include_top)


def test_import_keras_file(window, dialogs):
    dialogs.open_path = str(DATA / "keras_files" / "lenet_like.keras")
    window.acts.import_keras.trigger()
    assert dialogs.errors == []
    assert window.document.result.total == 62_958
    assert window.document.path is None  # never overwrite a Keras file with a project
    graph = window.document.graph
    positions = {graph.raw(n)["position"] for n in graph.layer_ids()}
    assert len(positions) == len(graph)  # laid out: every layer at its own place
    assert window.windowTitle().startswith(graph.name)


def test_open_keras_h5(window):
    assert window.files.open_path(DATA / "keras_files" / "lenet_like.h5", ask=False)
    assert window.document.result.total == 62_958
    assert window.document.path is None


def test_recent_files(window, tmp_path, settings):
    path = tmp_path / "recent.json"
    assert window.files.save_to(path)
    assert window.files.recent_files() == [str(path.resolve())]
    actions = [a.text() for a in window.acts.recent_menu.actions()]
    assert actions[0] == str(path.resolve())
    # stored in the test's own settings file, not the user's
    settings.sync()
    assert settings.value("recent_files") in ([str(path.resolve())], str(path.resolve()))
    window.files.clear_recent()
    assert window.files.recent_files() == []
    assert not window.acts.recent_menu.isEnabled()


def test_save_failure_keeps_model_and_says_why(window, ui, dialogs, tmp_path):
    _set_units(window, ui, "dense", 60)
    missing_dir = tmp_path / "no" / "such" / "dir" / "m.json"
    assert not window.files.save_to(missing_dir)
    assert "m.json" in dialogs.errors[0][0]
    assert window.isWindowModified()


def test_csv_export_read_back(window, ui, tmp_path, dialogs):
    _set_units(window, ui, "dense", 60)
    dialogs.save_path = str(tmp_path / "summary")
    window.acts.export_csv.trigger()
    path = tmp_path / "summary.csv"
    with path.open(newline="", encoding="utf-8-sig") as f:  # written with a BOM for spreadsheets
        rows = list(csv.DictReader(f))
    by_name = {r["name"]: r for r in rows}
    assert by_name["dense"]["total"] == "24060"
    assert by_name["dense_1"]["total"] == "5124"
    assert by_name["conv2d"]["output_shape"] == "(None, 28, 28, 8)"
    assert by_name["Total"]["total"] == "33858"
    layer_rows = [r for r in rows if r["name"] != "Total"]
    assert sum(int(r["total"]) for r in layer_rows) == 33_858


@pytest.mark.parametrize("action", ["export_summary_png", "export_diagram_png"])
def test_png_exports_from_menu(window, tmp_path, dialogs, action):
    pytest.importorskip("paramlab.gui.render")
    from PySide6.QtGui import QImage

    dialogs.save_path = str(tmp_path / "out.png")
    getattr(window.acts, action).trigger()
    assert dialogs.errors == []
    image = QImage(str(tmp_path / "out.png"))
    assert not image.isNull()
    assert image.width() > 200 and image.height() > 200
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7)
               for y in range(0, image.height(), 7)}
    assert len(colours) > 3  # not blank


def _drag_enter(window, data):
    import warnings

    from PySide6.QtCore import Qt
    from PySide6.QtGui import QDragEnterEvent

    with warnings.catch_warnings():
        # PySide6 binds only the QPoint constructor, which Qt marks deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        event = QDragEnterEvent(window.rect().center(), Qt.DropAction.CopyAction, data,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(event)
    return event


def test_dropping_a_model_file_opens_it(window, dialogs):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(DATA / "keras_files" / "mlp_5_8_4_3.keras"))])
    assert _drag_enter(window, data).isAccepted()
    drop = QDropEvent(QPointF(window.rect().center()), Qt.DropAction.CopyAction, data,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)
    assert window.document.result.total == 99  # Keras: mlp_5_8_4_3
    other = QMimeData()
    other.setUrls([QUrl.fromLocalFile("/tmp/picture.png")])
    assert not _drag_enter(window, other).isAccepted()
