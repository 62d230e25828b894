"""Rules the Keras-oracle fuzz (tests/bench/keras_oracle.py) found ParamLab getting wrong,
checked on small models real Keras 3.15.1 built (tests/data/keras_oracle/, written by
tests/data/gen/oracle_fixes.py): ``paramlab summary --format json`` gives Keras's output
shape and counts for every layer of ``model.layers``, and Keras's totals.
"""
from __future__ import annotations

import json

import pytest

from tests.conftest import DATA
from tests.io.test_realworld_corpus import differences, summary_json

FILES = sorted((DATA / "keras_oracle").glob("*.json"))


def test_the_fixtures_are_there():
    assert [p.stem for p in FILES] == ["oracle_einsum_concat", "oracle_gqa_mask_norm"]


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_summary_equals_keras(path):
    ref = json.loads(path.read_text())
    status, got, err = summary_json(path)
    assert status == 0, err
    truth = {"totals": ref["totals"], "layers": [
        {"name": layer["name"], "class_name": layer["class_name"],
         "output_shape": layer["output_shape"], "trainable": layer["trainable_params"],
         "non_trainable": layer["non_trainable_params"]} for layer in ref["layers"]]}
    problems = differences(got, truth)
    assert not problems, "\n".join(problems)
    assert got["totals"]["total"] == ref["totals"]["count_params"]
