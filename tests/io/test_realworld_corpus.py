"""Every real-world Keras file of tests/data/realworld through ``paramlab summary FILE
--format json``, against the figures real Keras gives for it (``truth/<name>.json``; see
tests/data/realworld/README.md).

A file whose truth status is ``ok`` must match exactly: the totals, and for every layer
of Keras's ``model.layers`` its output shape and its trainable and non-trainable counts.
The summary may hold rows ``model.layers`` leaves out only when they carry no parameters:
a Sequential model's InputLayer and Keras 3 operations (``x != 0``). Files no real Keras
can load must give one clear line (exit 1) or a summary whose failed rows name the layer
types ParamLab does not know (exit 3).
"""
from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from paramlab.core import cli
from paramlab.core.catalogue import is_operation
from tests.conftest import DATA

REALWORLD = DATA / "realworld"
TRUTHS = sorted((REALWORLD / "truth").glob("*.json"))
OK = [(t, f) for t in TRUTHS for f in json.loads(t.read_text())["file"]
      if json.loads(t.read_text())["status"] == "ok"]
UNLOADABLE = [t for t in TRUTHS if json.loads(t.read_text())["status"] != "ok"]
#: Rows Keras's summary shows that model.layers does not list (weightless).
NOT_IN_MODEL_LAYERS = {"InputLayer", "NotEqual", "Any"}

#: What each file no Keras can load gives: (exit status, text the output must hold;
#: for exit 3, the unknown layer type its failed rows name).
UNLOADABLE_OUTCOME = {
    "behav_clone_h5": (3, "Lambda"),  # Lambda code from Python 3.5, no recorded shape
    "behav_clone_k1": (1, "Keras 1 files are not supported; re-save the model with Keras 2 or 3"),
    "dec_clustering": (3, "ClusteringLayer"),
    # a JSON string holding the JSON text; StringLookup is in the catalogue now: every
    # count is known (Embedding(51, 256) and (1727, 256)), the Lambda rows carry a note
    "recommender_strings": (0, "Lambda"),
    "speech_conflict": (1, "merge-conflict markers"),
    "srgan_generator": (3, "PixelShuffler"),
    "textsim_k3": (0, "Lambda"),  # Lambda code is never run; the file records its shapes
    "video_lstm_h5": (3, "STFT"),
}


def summary_json(path: Path) -> tuple[int, dict | None, str]:
    """``paramlab summary PATH --format json`` in-process: (exit status, JSON, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    args = argparse.Namespace(command="summary", model=str(path), format="json", output=None,
                              expand=False)
    status = cli.run(args, out, err)
    return status, (json.loads(out.getvalue()) if out.getvalue() else None), err.getvalue()


def differences(got: dict, truth: dict) -> list[str]:
    """Every difference between ParamLab's JSON summary and Keras's figures, as text."""
    problems = []
    rows = {row["name"]: row for row in got["layers"]}
    for layer in truth["layers"]:
        row = rows.pop(layer["name"], None)
        if row is None:
            problems.append(f"{layer['name']} ({layer['class_name']}): no row")
            continue
        mine = (row["output_shape"], row["trainable"], row["non_trainable"])
        keras = (layer["output_shape"], layer["trainable"], layer["non_trainable"])
        if mine != keras:
            problems.append(f"{layer['name']} ({layer['class_name']}): ParamLab {mine}, "
                            f"Keras {keras} {row['error'] or ''}")
    for name, row in rows.items():
        # Keras's model.layers lists no operation (model.summary() does: NotEqual, Any,
        # ops.ExpandDims ... of a mask)
        if (row["type"] not in NOT_IN_MODEL_LAYERS and not is_operation(row["type"])) \
                or row["total"]:
            problems.append(f"{name} ({row['type']}): a row Keras's model.layers lacks")
    totals = truth["totals"]
    mine = (got["totals"]["trainable"], got["totals"]["non_trainable"], got["totals"]["total"])
    keras = (totals["trainable"], totals["non_trainable"], totals["total"])
    if mine != keras:
        problems.append(f"totals: ParamLab {mine}, Keras {keras}")
    return problems


def test_the_corpus_is_complete():
    # 45 model files from 40 repositories, plus the topology extracted from each of the 4
    # TF.js model.json files; 37 of the 45 truth entries say "ok", covering 41 files.
    assert len(list((REALWORLD / "files").iterdir())) == 45 + 4
    assert len(TRUTHS) == 45 and len(OK) == 41
    assert {t.stem for t in UNLOADABLE} == set(UNLOADABLE_OUTCOME)


@pytest.mark.parametrize("truth_path, file", OK, ids=[f for _, f in OK])
def test_file_matches_keras_exactly(truth_path: Path, file: str):
    status, got, err = summary_json(REALWORLD / "files" / file)
    assert status == 0, err
    problems = differences(got, json.loads(truth_path.read_text())["truth"])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("truth_path", UNLOADABLE, ids=[t.stem for t in UNLOADABLE])
def test_unloadable_file_gives_one_clear_line_or_names_its_unknown_layers(truth_path: Path):
    file = json.loads(truth_path.read_text())["file"][0]
    status, got, err = summary_json(REALWORLD / "files" / file)
    want_status, text = UNLOADABLE_OUTCOME[truth_path.stem]
    assert status == want_status, err
    if status == 1:
        assert got is None
        assert err.count("\n") == 1 and text in err and "Traceback" not in err
        return
    if status == 3:
        # The failed rows (a nested model's row among them) name the unknown type.
        assert any(text in (row["error"] or "") for row in got["layers"])
        assert "could not be computed" in err and text in err
    else:
        # Complete counts: the Lambda rows carry a note, not an error.
        named = [row for row in got["layers"] if row["type"] == text]
        assert named and not err
        assert all(row["error"] is None and row["note"].startswith(
            "Lambda: code is never executed; 0 parameters, as in Keras") for row in named)
