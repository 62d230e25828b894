"""Shared test setup: Qt runs offscreen; test data lives in tests/data."""
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DATA = Path(__file__).parent / "data"
