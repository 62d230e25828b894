"""End to end on the image, pooling and feature-preprocessing reference models: ``paramlab
summary FILE --format json`` on each config of ``tests/data/keras/<name>.json`` (written by
real Keras 3.15.1, JAX, CPU, with ``tests/data/gen/hb_image_layers.py``) and
``tests/data/keras2/<name>.json`` (tf_keras 2.21, ``tests/data/gen/k2_image_layers.py``)
gives Keras's totals and, for every layer of Keras's ``model.layers``, its output shape and
trainable and non-trainable counts. Channels_last and channels_first, Sequential and
Functional; the tf.keras 2 models also from their ``.h5`` files.
"""
from __future__ import annotations

import argparse
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from paramlab.core import cli
from paramlab.core.io.loader import load_model
from paramlab.core.io.project import dumps_project, loads_project
from paramlab.core.propagate import propagate
from tests.conftest import DATA

#: The files tests/data/gen/hb_image_layers.py writes (its MODELS).
MODELS = ["hb_image_resize", "hb_image_resize_cf", "hb_zero_padding1d", "hb_adaptive_pooling",
          "hb_adaptive_pooling_cf", "hb_augment", "hb_augment_cf", "hb_discretization",
          "hb_hashing"]
#: The files tests/data/gen/k2_image_layers.py writes (tf.keras 2), each with its .h5.
K2_MODELS = ["hb_image_tf2", "hb_preprocessing_tf2", "hb_random_size_tf2"]
CASES = [("keras", n, ".json") for n in MODELS] + [
    ("keras2", n, suffix) for n in K2_MODELS for suffix in (".json", ".h5")]


def _summary(path: Path) -> tuple[int, dict, str]:
    out, err = io.StringIO(), io.StringIO()
    args = argparse.Namespace(command="summary", model=str(path), format="json", output=None,
                              expand=False)
    status = cli.run(args, out, err)
    return status, json.loads(out.getvalue()), err.getvalue()


@pytest.mark.parametrize("folder, name, suffix", CASES,
                         ids=[f"{f}/{n}{s}" for f, n, s in CASES])
def test_summary_json_equals_keras(tmp_path: Path, folder: str, name: str, suffix: str) -> None:
    ref = json.loads((DATA / folder / f"{name}.json").read_text())
    path = DATA / folder / f"{name}{suffix}"
    if suffix == ".json":
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
    generator = (DATA / "gen" / "k2_image_layers.py").read_text()
    assert sorted(re.findall(r'"(hb_\w+_tf2)": ', generator)) == sorted(K2_MODELS)


@pytest.mark.parametrize("name", ["hb_image_resize_cf", "hb_augment_cf", "hb_adaptive_pooling_cf",
                                  "hb_zero_padding1d"])
def test_project_file_keeps_data_format_and_every_row(name: str) -> None:
    """Saved as a ParamLab project and opened again: every layer keeps its data_format and
    its output shape and counts (Keras's, checked above)."""
    graph = load_model(DATA / "keras" / f"{name}.json")
    again = loads_project(dumps_project(graph))

    def rows(g: Any) -> dict:
        result = propagate(g)
        return {g.raw(n)["name"]: (g.raw(n)["config"].get("data_format"),
                                   result.layers[n].output_shape, result.layers[n].total)
                for n in g.layer_ids()}

    before = rows(graph)
    assert rows(again) == before
    assert sum(1 for fmt, _, _ in before.values() if fmt == "channels_first") >= 2
