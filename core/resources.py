"""Where the bundled resources live: example models, icons, screenshots."""
from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
MODELS_DIR = RESOURCES / "models"
PROJECT_SUFFIX = ".json"


def list_examples() -> list[str]:
    """Names of the bundled example models (file stems in ``resources/models``), sorted."""
    return sorted(p.stem for p in MODELS_DIR.glob(f"*{PROJECT_SUFFIX}"))


def example_path(name: str) -> Path | None:
    """The file of example ``name``, or ``None`` if there is no such example."""
    path = MODELS_DIR / f"{name}{PROJECT_SUFFIX}"
    return path if path.is_file() else None
