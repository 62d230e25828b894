"""Dialogs that ask or tell the user something, in one place so tests can replace them.

Every function here is looked up at call time through this module (``messages.ask_save``),
so a test can ``monkeypatch.setattr(gui.messages, "ask_save", ...)``.
"""
from __future__ import annotations

from enum import Enum

from PySide6.QtWidgets import QMessageBox, QWidget


class SaveChoice(str, Enum):
    """The answer to "save your changes?"."""

    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


def ask_save(parent: QWidget | None, document_name: str) -> SaveChoice:
    """Ask whether to save unsaved changes to ``document_name`` before they are lost."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Unsaved changes")
    box.setText(f"“{document_name}” has changes that are not saved.")
    box.setInformativeText("Do you want to save them?")
    box.setStandardButtons(QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                           | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    answer = box.exec()
    if answer == QMessageBox.StandardButton.Save:
        return SaveChoice.SAVE
    if answer == QMessageBox.StandardButton.Discard:
        return SaveChoice.DISCARD
    return SaveChoice.CANCEL


class RecoverChoice(str, Enum):
    """The answer to "recover unsaved work?" (an autosave left by a crashed session)."""

    RECOVER = "recover"
    DISCARD = "discard"
    LATER = "later"


def ask_recover(parent: QWidget | None, document_name: str, when: str) -> RecoverChoice:
    """Offer the unsaved work of ``document_name`` that a crashed session autosaved at
    ``when``: Recover it, Discard it, or decide Later (asked again at the next start)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Recover unsaved work")
    box.setText(f"Recover unsaved work from {document_name}, {when}?")
    box.setInformativeText("ParamLab ended without saving these changes. Later keeps them "
                           "and asks again at the next start.")
    recover = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    later = box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(recover)
    box.setEscapeButton(later)
    box.exec()
    clicked = box.clickedButton()
    if clicked == recover:
        return RecoverChoice.RECOVER
    if clicked == discard:
        return RecoverChoice.DISCARD
    return RecoverChoice.LATER


def show_error(parent: QWidget | None, title: str, text: str, detail: str = "") -> None:
    """Tell the user that something failed (a file that cannot be read or written)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(title)
    box.setText(text)
    if detail:
        box.setInformativeText(detail)
    box.exec()


def ask_open_path(parent: QWidget | None, title: str, file_filter: str,
                  directory: str = "") -> str | None:
    """Ask for an existing file; ``None`` when the user cancels."""
    from PySide6.QtWidgets import QFileDialog

    path, _ = QFileDialog.getOpenFileName(parent, title, directory, file_filter)
    return path or None


def ask_save_path(parent: QWidget | None, title: str, file_filter: str,
                  directory: str = "") -> str | None:
    """Ask for a file to write; ``None`` when the user cancels."""
    from PySide6.QtWidgets import QFileDialog

    path, _ = QFileDialog.getSaveFileName(parent, title, directory, file_filter)
    return path or None
