"""The bundled lessons: exercise files in ``resources/exercises`` (package data), named by
their file stem (``03_lenet``) and listed in that order, easy to hard."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from paramlab.core.resources import RESOURCES

LESSONS_DIR = RESOURCES / "exercises"


@dataclass(frozen=True)
class Lesson:
    """One bundled lesson: ``name`` (file stem), ``title`` and its file ``path``."""

    name: str
    title: str
    path: Path


def list_lessons() -> list[Lesson]:
    """Every bundled lesson, in name order (the names start with their number)."""
    out = []
    for path in sorted(LESSONS_DIR.glob("*.json")):
        try:
            title = json.loads(path.read_text(encoding="utf-8"))["exercise"]["title"]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a damaged package file is left out of the list, not fatal
        out.append(Lesson(path.stem, str(title), path))
    return out


def lesson_path(name: str) -> Path | None:
    """The file of lesson ``name`` (its stem, or its number: ``3`` or ``03``), or ``None``."""
    for lesson in list_lessons():
        number = lesson.name.split("_", 1)[0]
        if name in (lesson.name, number) or (name.isdigit() and number.isdigit()
                                             and int(name) == int(number)):
            return lesson.path
    return None
