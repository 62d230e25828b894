"""Edit ▸ Preferences (issue 7): autosave interval (0 = off) and number of recent files, stored
with QSettings and applied to the open window at once; other features add settings as pages."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QTabWidget

from paramlab.gui import preferences
from paramlab.gui.preferences import (
    AUTOSAVE_INTERVAL,
    RECENT_FILES,
    ChoiceSetting,
    IntSetting,
    PreferencesDialog,
)


def _open(window, qtbot) -> PreferencesDialog:
    window.acts.preferences.trigger()
    shown = [d for d in window.findChildren(PreferencesDialog) if d.isVisible()]
    assert len(shown) == 1
    qtbot.waitExposed(shown[0])
    return shown[0]


def _press(dialog: PreferencesDialog, button: QDialogButtonBox.StandardButton) -> None:
    dialog.buttons.button(button).click()


def test_dialog_shows_the_stored_values(window, qtbot):
    edit_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    assert window.acts.preferences in edit_menu.actions()
    dialog = _open(window, qtbot)
    autosave, recent = dialog.editor(AUTOSAVE_INTERVAL.key), dialog.editor(RECENT_FILES.key)
    assert (autosave.value(), autosave.text()) == (30, "30 s")
    assert recent.value() == 8
    autosave.setValue(0)
    assert autosave.text() == "Off"
    _press(dialog, QDialogButtonBox.StandardButton.Cancel)
    assert AUTOSAVE_INTERVAL.read(window.settings) == 30  # Cancel stores nothing
    assert window.autosave.timer.interval() == 30_000


def test_autosave_interval_applies_at_once(window, qtbot, settings):
    dialog = _open(window, qtbot)
    dialog.editor(AUTOSAVE_INTERVAL.key).setValue(5)
    _press(dialog, QDialogButtonBox.StandardButton.Ok)
    assert settings.value(AUTOSAVE_INTERVAL.key) in (5, "5")
    assert window.autosave.timer.isActive() and window.autosave.timer.interval() == 5000
    dialog = _open(window, qtbot)
    dialog.editor(AUTOSAVE_INTERVAL.key).setValue(0)
    _press(dialog, QDialogButtonBox.StandardButton.Ok)
    assert not window.autosave.timer.isActive()


def test_number_of_recent_files(window, qtbot, tmp_path: Path):
    paths = []
    for i in range(5):
        paths.append(tmp_path / f"m{i}.json")
        window.files.add_recent(paths[-1])
    listed = [a.text() for a in window.acts.recent_menu.actions() if a.text().endswith(".json")]
    assert listed == [str(p) for p in reversed(paths)]
    dialog = _open(window, qtbot)
    dialog.editor(RECENT_FILES.key).setValue(2)
    _press(dialog, QDialogButtonBox.StandardButton.Ok)
    listed = [a.text() for a in window.acts.recent_menu.actions() if a.text().endswith(".json")]
    assert listed == [str(paths[4]), str(paths[3])]
    window.files.add_recent(tmp_path / "new.json")
    assert window.files.recent_files() == [str(tmp_path / "new.json"), str(paths[4])]


def test_restore_defaults(window, qtbot, settings):
    AUTOSAVE_INTERVAL.write(settings, 7)
    RECENT_FILES.write(settings, 3)
    dialog = _open(window, qtbot)
    assert dialog.editor(AUTOSAVE_INTERVAL.key).value() == 7
    _press(dialog, QDialogButtonBox.StandardButton.RestoreDefaults)
    _press(dialog, QDialogButtonBox.StandardButton.Ok)
    assert (AUTOSAVE_INTERVAL.read(settings), RECENT_FILES.read(settings)) == (30, 8)


@pytest.mark.parametrize("stored, read", [("12", 12), ("lots", 30), (-4, 0), (10**9, 3600),
                                          (None, 30)])
def test_stored_values_are_checked(settings, stored, read):
    if stored is not None:
        settings.setValue(AUTOSAVE_INTERVAL.key, stored)
    assert AUTOSAVE_INTERVAL.read(settings) == read


def test_other_features_add_pages(window, qtbot, monkeypatch):
    monkeypatch.setattr(preferences, "PAGES", [preferences.Page(p.title, list(p.settings))
                                               for p in preferences.PAGES])
    zoom = IntSetting("view/zoom_percent", "Zoom", default=100, minimum=10, maximum=400,
                      suffix=" %")
    convention = ChoiceSetting("view/convention", "Count parameters as",
                               (("keras", "Keras"), ("pytorch", "PyTorch")), default="keras")
    preferences.add_setting("View", zoom)
    preferences.add_setting("View", zoom)  # once only
    preferences.add_setting("View", convention)
    changed: list[str] = []
    preferences.notifier().changed.connect(changed.append)
    dialog = _open(window, qtbot)
    tabs = dialog.findChild(QTabWidget)
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["General", "View"]
    combo = dialog.editor("view/convention")
    assert [combo.itemText(i) for i in range(combo.count())] == ["Keras", "PyTorch"]
    assert combo.currentText() == "Keras"
    dialog.editor("view/zoom_percent").setValue(150)
    combo.setCurrentIndex(1)
    _press(dialog, QDialogButtonBox.StandardButton.Ok)
    preferences.notifier().changed.disconnect(changed.append)
    assert changed == ["view/zoom_percent", "view/convention"]
    assert zoom.read(window.settings) == 150
    assert convention.read(window.settings) == "pytorch"
    window.settings.setValue("view/convention", "tensorflow")  # not a choice: the default
    assert convention.read(window.settings) == "keras"
    with pytest.raises(ValueError, match="not one of the choices"):
        convention.write(window.settings, "tensorflow")
