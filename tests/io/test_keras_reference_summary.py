"""``paramlab summary FILE --format json`` on hand-built Keras reference files
(tests/data/keras/hb_*.json, written by real Keras 3.15.1 through
tests/data/gen/hb_sequence_layers.py; see tests/data/REFERENCE.md) gives Keras's figures:
the totals, and for every layer of Keras's ``model.layers`` its output shape (a list of
shapes for a layer with several outputs) and its trainable and non-trainable counts. The
comparison is the real-world corpus's (test_realworld_corpus.differences): rows
``model.layers`` leaves out (a Sequential model's InputLayer) must carry no weights.

A shared layer's row shows its last call's output, as Keras's ``model.summary()`` does
(ReversibleEmbedding's reverse call: logits); the reference file records the first call's,
so for those rows the expected shape is read from Keras's own summary text
(``<name>.summary.txt``).
"""
from __future__ import annotations

import json

import pytest

from paramlab.core.types import format_shape
from tests.conftest import DATA
from tests.io.test_realworld_corpus import differences, summary_json

FILES = ["hb_rnn_cell", "hb_rnn_cell_seq", "hb_norm_embed", "hb_norm_embed_seq", "hb_text_audio",
         "hb_text_audio_seq", "hb_text_rank1"]


def keras_summary_shape(name: str, layer: str) -> str:
    """The Output Shape cell of ``layer``'s row in Keras's summary text (one line)."""
    text = (DATA / "keras" / f"{name}.summary.txt").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith(f"│ {layer} "))
    return row.split("│")[2].strip()


@pytest.mark.parametrize("name", FILES)
def test_summary_json_equals_keras(name: str):
    path = DATA / "keras" / f"{name}.json"
    ref = json.loads(path.read_text())
    status, got, err = summary_json(path)
    assert status == 0, err
    shared = {layer["config"]["name"] for layer in ref["config"]["config"]["layers"]
              if len(layer.get("inbound_nodes") or []) > 1}
    rows = {row["name"]: row for row in got["layers"]}
    for layer in sorted(shared):
        assert format_shape(tuple(rows[layer]["output_shape"])) == keras_summary_shape(
            name, layer)
    truth = {"totals": ref["totals"], "layers": [
        {"name": layer["name"], "class_name": layer["class_name"],
         "output_shape": (rows[layer["name"]]["output_shape"] if layer["name"] in shared
                          else layer["output_shape"]),
         "trainable": layer["trainable_params"],
         "non_trainable": layer["non_trainable_params"]} for layer in ref["layers"]]}
    problems = differences(got, truth)
    assert not problems, "\n".join(problems)
    assert got["totals"]["total"] == ref["totals"]["count_params"]
