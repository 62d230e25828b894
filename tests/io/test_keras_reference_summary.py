"""``paramlab summary FILE --format json`` on hand-built Keras reference files
(tests/data/keras/hb_*.json, written by real Keras 3.15.1 through
tests/data/gen/hb_sequence_layers.py; see tests/data/REFERENCE.md) gives Keras's figures:
the totals, and for every layer of Keras's ``model.layers`` its output shape (a list of
shapes for a layer with several outputs) and its trainable and non-trainable counts. The
comparison is the real-world corpus's (test_realworld_corpus.differences): rows
``model.layers`` leaves out (a Sequential model's InputLayer) must carry no weights.
"""
from __future__ import annotations

import json

import pytest

from tests.conftest import DATA
from tests.io.test_realworld_corpus import differences, summary_json

FILES = ["hb_rnn_cell", "hb_rnn_cell_seq"]


@pytest.mark.parametrize("name", FILES)
def test_summary_json_equals_keras(name: str):
    path = DATA / "keras" / f"{name}.json"
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
