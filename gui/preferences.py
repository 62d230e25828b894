"""Preferences: the settings a user chooses in Edit ▸ Preferences, stored with ``QSettings``.

A setting is declared once, as an :class:`IntSetting` (key, label, default, bounds, help), on
a :class:`Page`; the dialog is built from :data:`PAGES`, and code reads the value with
``setting.read(settings)``, which falls back to the default for a missing or bad value. To add
a setting from another feature, declare it and call :func:`add_setting` at import time; code
that must follow a change connects to ``notifier().changed`` (the key that changed).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
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


@dataclass
class Page:
    """One tab of the dialog."""

    title: str
    settings: list[IntSetting] = field(default_factory=list)


AUTOSAVE_INTERVAL = IntSetting(
    "autosave/interval_seconds", "Autosave every", default=30, minimum=0, maximum=3600,
    suffix=" s", minimum_text="Off",
    help="While a model has unsaved changes, a recovery copy is written this often "
         "(never over your file). Off: no recovery copy.")
RECENT_FILES = IntSetting(
    "files/recent_count", "Recent files", default=8, minimum=0, maximum=30,
    minimum_text="None", help="How many files File ▸ Open Recent lists.")

PAGES: list[Page] = [Page("General", [AUTOSAVE_INTERVAL, RECENT_FILES])]


def add_setting(page_title: str, setting: IntSetting) -> None:
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
    """Edit ▸ Preferences: one tab per :class:`Page`, one spin box per setting.

    OK stores the values that changed in ``settings`` and emits ``notifier().changed`` once
    per changed key; Cancel changes nothing; Restore Defaults resets the fields (stored only
    on OK).
    """

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferences_dialog")
        self.setWindowTitle("Preferences")
        self.settings = settings
        self.fields: dict[str, tuple[IntSetting, QSpinBox]] = {}
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
            spin = QSpinBox(widget)
            spin.setObjectName(setting.key.replace("/", "_"))
            spin.setRange(setting.minimum, setting.maximum)
            spin.setSuffix(setting.suffix)
            spin.setSpecialValueText(setting.minimum_text)
            spin.setValue(setting.read(self.settings))
            spin.setToolTip(setting.help)
            form.addRow(setting.label, spin)
            if setting.help:
                note = QLabel(setting.help, widget)
                note.setWordWrap(True)
                note.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # quieter, readable
                font = note.font()
                font.setPointSizeF(font.pointSizeF() * 0.9)
                note.setFont(font)
                form.addRow("", note)
            self.fields[setting.key] = (setting, spin)
        return widget

    def spin_box(self, key: str) -> QSpinBox:
        """The field of setting ``key`` (for tests and other features' pages)."""
        return self.fields[key][1]

    def restore_defaults(self) -> None:
        for setting, spin in self.fields.values():
            spin.setValue(setting.default)

    def accept(self) -> None:
        changed = []
        for key, (setting, spin) in self.fields.items():
            if spin.value() != setting.read(self.settings):
                setting.write(self.settings, spin.value())
                changed.append(key)
        self.settings.sync()
        super().accept()
        for key in changed:
            notifier().changed.emit(key)
