"""Where the bundled resources live: example models, icons, lessons.

They are package data of :mod:`paramlab.resources`, found through :mod:`importlib.resources`,
so a wheel install, an editable install and a source checkout all find them from any working
folder.
"""
from __future__ import annotations

import atexit
import contextlib
from importlib.resources import as_file, files
from pathlib import Path

PROJECT_SUFFIX = ".json"

_stack = contextlib.ExitStack()
atexit.register(_stack.close)


def _resource_root() -> Path:
    """The folder of ``paramlab.resources`` on disk (extracted once if the package is zipped)."""
    root = files("paramlab.resources")
    if isinstance(root, Path):
        return root
    return _stack.enter_context(as_file(root))  # pragma: no cover (zip imports only)


RESOURCES = _resource_root()
MODELS_DIR = RESOURCES / "models"
ICONS_DIR = RESOURCES / "icons"
APP_ICON = ICONS_DIR / "paramlab.svg"


def list_examples() -> list[str]:
    """Names of the bundled example models (file stems in ``resources/models``), sorted."""
    return sorted(p.stem for p in MODELS_DIR.glob(f"*{PROJECT_SUFFIX}"))


def example_path(name: str) -> Path | None:
    """The file of example ``name``, or ``None`` if there is no such example."""
    path = MODELS_DIR / f"{name}{PROJECT_SUFFIX}"
    return path if path.is_file() else None
