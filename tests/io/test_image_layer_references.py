"""End to end on the image, pooling and feature-preprocessing reference models: ``paramlab
summary FILE --format json`` on each config of ``tests/data/keras/<name>.json`` (written by
real Keras 3.15.1, JAX, CPU, with ``tests/data/gen/hb_image_layers.py``) gives Keras's
totals and, for every layer of Keras's ``model.layers``, its output shape and trainable and
non-trainable counts. Channels_last and channels_first, Sequential and Functional.
"""
from __future__ import annotations

import argparse
import io
import json
import re
from pathlib import Path

import pytest

from paramlab.core import cli
from tests.conftest import DATA

#: The files tests/data/gen/hb_image_layers.py writes (its MODELS).
MODELS = ["hb_image_resize", "hb_image_resize_cf", "hb_zero_padding1d", "hb_adaptive_pooling",
          "hb_adaptive_pooling_cf", "hb_augment", "hb_augment_cf", "hb_discretization",
          "hb_hashing"]


def _summary(path: Path) -> tuple[int, dict, str]:
    out, err = io.StringIO(), io.StringIO()
    args = argparse.Namespace(command="summary", model=str(path), format="json", output=None,
                              expand=False)
    status = cli.run(args, out, err)
    return status, json.loads(out.getvalue()), err.getvalue()


@pytest.mark.parametrize("name", MODELS)
def test_summary_json_equals_keras(tmp_path: Path, name: str) -> None:
    ref = json.loads((DATA / "keras" / f"{name}.json").read_text())
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(ref["config"]))
    status, got, err = _summary(path)
    assert status == 0, err
    rows = {row["name"]: row for row in got["layers"]}
    for layer in ref["layers"]:
        row = rows.pop(layer["name"])
        assert row["type"] == layer["class_name"]
        assert (row["output_shape"], row["trainable"], row["non_trainable"]) == (
            layer["output_shape"], layer["trainable_params"], layer["non_trainable_params"]), \
            layer["name"]
        assert row["error"] is None
    # Only a Sequential model's InputLayer is a row Keras's model.layers leaves out.
    assert [row["type"] for row in rows.values()] == (
        ["InputLayer"] if ref["model_class"] == "Sequential" else [])
    totals = got["totals"]
    assert (totals["trainable"], totals["non_trainable"], totals["total"]) == (
        ref["totals"]["trainable"], ref["totals"]["non_trainable"], ref["totals"]["total"])


def test_every_generated_file_is_checked() -> None:
    generator = (DATA / "gen" / "hb_image_layers.py").read_text()
    listed = re.findall(r'^    "(hb_\w+)": ', generator, flags=re.MULTILINE)
    assert sorted(listed) == sorted(MODELS)
    for name in MODELS:
        assert (DATA / "keras" / f"{name}.summary.txt").is_file()
