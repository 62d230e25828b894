"""Preferences: the settings a user chooses in Edit ▸ Preferences, stored with ``QSettings``.

A setting is declared once, as an :class:`IntSetting` (key, label, default, bounds, help) or a
:class:`ChoiceSetting` (named values), on a :class:`Page`; the dialog is built from :data:`PAGES`, and code reads the value with
``setting.read(settings)``, which falls back to the default for a missing or bad value. To add
a setting from another feature, declare it and call :func:`add_setting` at import time; code
that must follow a change connects to ``notifier().changed`` (the key that changed).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True)
class IntSetting:
    """A whole-number setting shown as a spin box.

    Attributes:
        key: the ``QSettings`` key ("group/name").
        label: the form label in the dialog.
        default, minimum, maximum: the value when unset, and its bounds (inclusive).
        suffix: the unit shown after the number (e.g. " s").
        minimum_text: what the spin box shows at ``minimum`` instead of the number ("Off").
        help: one sentence under the field, also its tooltip.
    """

    key: str
    label: str
    default: int
    minimum: int
    maximum: int
    suffix: str = ""
    minimum_text: str = ""
    help: str = ""

    def read(self, settings: QSettings) -> int:
        """The stored value, clamped to the bounds; the default if unset or not a number."""
        raw = settings.value(self.key, self.default)
        try:
            value = int(raw)  # an INI file gives strings back
        except (TypeError, ValueError):
            return self.default
        return min(max(value, self.minimum), self.maximum)

    def write(self, settings: QSettings, value: int) -> None:
        settings.setValue(self.key, min(max(int(value), self.minimum), self.maximum))

    def make_editor(self, parent: QWidget) -> QSpinBox:
        spin = QSpinBox(parent)
        spin.setRange(self.minimum, self.maximum)
        spin.setSuffix(self.suffix)
        spin.setSpecialValueText(self.minimum_text)
        return spin

    def editor_value(self, editor: QSpinBox) -> int:
        return editor.value()

    def set_editor_value(self, editor: QSpinBox, value: int) -> None:
        editor.setValue(value)


@dataclass(frozen=True)
class ChoiceSetting:
    """A setting with a few named values, shown as a combo box.

    Attributes:
        key, label, help: as :class:`IntSetting`.
        choices: ``(value, text)`` pairs: the stored string and what the list shows.
        default: one of the values.
    """

    key: str
    label: str
    choices: tuple[tuple[str, str], ...]
    default: str
    help: str = ""

    def read(self, settings: QSettings) -> str:
        """The stored value; the default if unset or not one of the choices."""
        value = settings.value(self.key, self.default)
        return value if any(value == v for v, _ in self.choices) else self.default

    def write(self, settings: QSettings, value: str) -> None:
        if all(value != v for v, _ in self.choices):
            raise ValueError(f"{self.key}: {value!r} is not one of the choices")
        settings.setValue(self.key, value)

    def make_editor(self, parent: QWidget) -> QComboBox:
        combo = QComboBox(parent)
        for value, text in self.choices:
            combo.addItem(text, value)
        return combo

    def editor_value(self, editor: QComboBox) -> str:
        return editor.currentData()

    def set_editor_value(self, editor: QComboBox, value: str) -> None:
        editor.setCurrentIndex(max(editor.findData(value), 0))


Setting = IntSetting | ChoiceSetting


@dataclass
class Page:
    """One tab of the dialog."""

    title: str
    settings: list[Setting] = field(default_factory=list)


AUTOSAVE_INTERVAL = IntSetting(
    "autosave/interval_seconds", "Autosave every", default=30, minimum=0, maximum=3600,
    suffix=" s", minimum_text="Off",
    help="While a model has unsaved changes, a recovery copy is written this often "
         "(never over your file). Off: no recovery copy.")
RECENT_FILES = IntSetting(
    "files/recent_count", "Recent files", default=8, minimum=0, maximum=30,
    minimum_text="None", help="How many files File ▸ Open Recent lists.")

PAGES: list[Page] = [Page("General", [AUTOSAVE_INTERVAL, RECENT_FILES])]


def add_setting(page_title: str, setting: Setting) -> None:
    """Show ``setting`` on the page ``page_title`` (created, as the last tab, if new)."""
    page = next((p for p in PAGES if p.title == page_title), None)
    if page is None:
        page = Page(page_title)
        PAGES.append(page)
    if all(s.key != setting.key for s in page.settings):
        page.settings.append(setting)


class _Notifier(QObject):
    """``changed(key)``: the Preferences dialog stored a new value for ``key``."""

    changed = Signal(str)


_notifier: _Notifier | None = None


def notifier() -> _Notifier:
    """The application-wide notifier of preference changes (one per process)."""
    global _notifier
    if _notifier is None:
        _notifier = _Notifier()
    return _notifier


class PreferencesDialog(QDialog):
    """Edit ▸ Preferences: one tab per :class:`Page`, one field per setting.

    OK stores the values that changed in ``settings`` and emits ``notifier().changed`` once
    per changed key; Cancel changes nothing; Restore Defaults resets the fields (stored only
    on OK).
    """

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferences_dialog")
        self.setWindowTitle("Preferences")
        self.settings = settings
        self.fields: dict[str, tuple[Setting, QWidget]] = {}
        tabs = QTabWidget(self)
        for page in PAGES:
            tabs.addTab(self._page(page), page.title)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(
            self.restore_defaults)
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.buttons)

    def _page(self, page: Page) -> QWidget:
        widget = QWidget(self)
        form = QFormLayout(widget)
        for setting in page.settings:
            editor = setting.make_editor(widget)
            editor.setObjectName(setting.key.replace("/", "_"))
            setting.set_editor_value(editor, setting.read(self.settings))
            editor.setToolTip(setting.help)
            form.addRow(setting.label, editor)
            if setting.help:
                note = QLabel(setting.help, widget)
                note.setWordWrap(True)
                note.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # quieter, readable
                font = note.font()
                font.setPointSizeF(font.pointSizeF() * 0.9)
                note.setFont(font)
                form.addRow("", note)
            self.fields[setting.key] = (setting, editor)
        return widget

    def editor(self, key: str) -> QWidget:
        """The field of setting ``key`` (a QSpinBox or a QComboBox)."""
        return self.fields[key][1]

    def restore_defaults(self) -> None:
        for setting, editor in self.fields.values():
            setting.set_editor_value(editor, setting.default)

    def accept(self) -> None:
        changed = []
        for key, (setting, editor) in self.fields.items():
            value = setting.editor_value(editor)
            if value != setting.read(self.settings):
                setting.write(self.settings, value)
                changed.append(key)
        self.settings.sync()
        super().accept()
        for key in changed:
            notifier().changed.emit(key)
