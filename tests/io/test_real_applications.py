"""The real NASNetLarge and EfficientNetV2L configs (``tests/bench/data/*.json.gz``, written by
``keras.applications.NASNetLarge(weights=None).to_json()`` with Keras 3.15.1, JAX backend)
import without errors and total Keras's own ``model.count_params()``: 88,949,818 and
119,027,848 (printed by the same Keras session)."""
from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from paramlab.core.io.loader import load_model
from paramlab.core.summary import summarize

DATA = Path(__file__).resolve().parent.parent / "bench" / "data"


@pytest.mark.parametrize(("name", "layers", "total"), [
    ("NASNetLarge", 1041, 88_949_818),
    ("EfficientNetV2L", 1031, 119_027_848),
])
def test_real_application_totals_equal_keras(tmp_path, name, layers, total):
    path = tmp_path / f"{name}.json"
    path.write_bytes(gzip.decompress((DATA / f"{name}.json.gz").read_bytes()))
    graph = load_model(str(path))
    summary = summarize(graph)
    assert len(graph) == layers
    assert not summary.has_errors
    assert summary.total == total
