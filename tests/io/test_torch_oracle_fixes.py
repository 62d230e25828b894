"""PyTorch export rules the PyTorch-oracle fuzz (tests/bench/torch_oracle.py) found wrong,
checked on small models real Keras 3.15.1 built (tests/data/torch_oracle/, written by
tests/data/gen/torch_oracle_fixes.py, each with one run of Keras on random inputs).

Without torch: ParamLab's summary equals Keras's figures, and the exported source has the
fixed lines. With torch (skipped when missing): the exported module counts what ParamLab's
PyTorch convention counts (equal to the torch.nn modules' own counts, below), and on the
inputs Keras ran (moved channels first) returns the shapes of Keras's outputs.
"""
from __future__ import annotations

import json

import pytest

from paramlab.core.io.loader import load_model
from paramlab.core.io.pytorch_export import to_pytorch_code
from paramlab.core.propagate import propagate
from paramlab.core.summary import summarize
from tests.conftest import DATA
from tests.io.test_keras_oracle_fixes import test_summary_equals_keras as keras_summary_equals
from tests.io.test_pytorch_export import _instantiate

FILES = sorted((DATA / "torch_oracle").glob("*.json"))
# sum(p.numel() for p in module.parameters()) of the torch.nn modules, torch 2.13:
# nn.Linear(12, 5) 65 + nn.Conv1d(3, 4, 2) 28; nn.Linear(4, 3) 15 + nn.Conv2d(3, 2, 2) 26
TORCH_COUNTS = {"torch_reshape_infer": 93, "torch_cropping_unknown": 41}


def _channels_first(shape: list[int]) -> list[int]:
    """A Keras tensor's shape (batch first) as the export takes or returns it."""
    return shape if len(shape) < 3 else [shape[0], shape[-1], *shape[1:-1]]


def test_the_fixtures_are_there():
    assert [p.stem for p in FILES] == sorted(TORCH_COUNTS)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_summary_equals_keras(path):
    keras_summary_equals(path)


def test_reshape_with_an_inferred_axis():
    """torch.reshape infers one axis only: Keras's -1 is resolved where the shape is known
    ((None, 6, 6) -> (-1, 12) is (None, 3, 12)), else the batch axis is kept as it is
    (flatten, then unflatten with Keras's target)."""
    export = to_pytorch_code(load_model(DATA / "torch_oracle" / "torch_reshape_infer.json"))
    assert "rows = grid.movedim(1, -1).reshape(-1, 3, 12).movedim(-1, 1)" in export.source
    assert ("split = seq.movedim(1, -1).flatten(1).unflatten(1, (-1, 3)).movedim(-1, 1)"
            in export.source)
    assert export.unsupported == ()


def test_cropping_on_axes_of_unknown_length():
    """A cropped axis of unknown length is cut from its end (``1:-2``; ``2:`` when nothing
    is cropped there); a known one keeps its end (``2:6`` of 7)."""
    export = to_pytorch_code(load_model(DATA / "torch_oracle" / "torch_cropping_unknown.json"))
    assert "crop1 = seq[:, :, 1:-2]" in export.source
    assert "crop1_start = crop1[:, :, 2:]" in export.source
    assert "crop2 = img[:, :, 1:-1, 2:6]" in export.source
    assert "crop3 = vol[:, :, 0:-1, 1:3, 1:]" in export.source
    assert export.unsupported == ()


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_module_counts_and_runs_as_keras_did(path, tmp_path):
    torch = pytest.importorskip("torch")
    ref = json.loads(path.read_text())
    graph = load_model(path)
    result = propagate(graph)
    export = to_pytorch_code(graph, result)
    net = _instantiate(export, tmp_path).eval()
    count = sum(p.numel() for p in net.parameters())
    assert count == summarize(graph, result, convention="pytorch").total
    assert count == TORCH_COUNTS[path.stem] == ref["totals"]["total"]
    torch.manual_seed(0)
    with torch.no_grad():
        outputs = net(*[torch.randn(_channels_first(s)) for s in ref["run"]["inputs"]])
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    assert [list(y.shape) for y in outputs] == [
        _channels_first(s) for s in ref["run"]["outputs"]]
