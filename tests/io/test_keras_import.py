"""Keras import against Keras's own figures: every layer's output shape and counts, and the
totals, for every reference model (tests/data/keras, tests/data/keras2, tests/data/keras_files).

Each reference JSON holds ``config`` (Keras's ``model.to_json()``), ``layers`` (per layer of
``model.layers``: output shape, trainable / non-trainable counts) and ``totals``; see
tests/data/REFERENCE.md.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramlab.core.io.keras_import import load_keras, parse_keras_config
from paramlab.core.propagate import propagate
from tests.conftest import DATA

KERAS3 = sorted((DATA / "keras").glob("*.json"))
KERAS2 = sorted((DATA / "keras2").glob("*.json"))
H5_KERAS2 = sorted((DATA / "keras2").glob("*.h5"))
FILES = sorted((DATA / "keras_files").glob("*"))


def _reference(path: Path) -> dict:
    return json.loads(path.read_text())


def compare(graph, ref: dict) -> list[str]:
    """Every difference between the imported graph and Keras's figures, as text."""
    result = propagate(graph)
    problems = []
    for layer in ref["layers"]:
        node = graph.id_of(layer["name"])
        if node is None:
            problems.append(f"{layer['name']}: not imported")
            continue
        r = result.layers[node]
        shape = (list(r.output_shape) if r.output_shape is not None else None)
        if r.output_shapes:  # several outputs (return_state): Keras lists them all
            shape = [list(s) for s in r.output_shapes]
        got = (shape, r.trainable, r.non_trainable)
        want = (layer["output_shape"], layer["trainable_params"], layer["non_trainable_params"])
        if got != want:
            why = r.diagnostic.message if r.diagnostic else ""
            problems.append(f"{layer['name']} ({layer['class_name']}): got {got}, Keras {want} {why}")
        if graph.raw(node)["trainable"] != layer["trainable"]:
            problems.append(f"{layer['name']}: trainable flag {graph.raw(node)['trainable']}")
    for op in ref.get("non_layer_ops", []):
        node = graph.id_of(op["name"])
        if node is None:
            problems.append(f"{op['name']}: operation not imported")
            continue
        r = result.layers[node]
        if list(r.output_shape or ()) != op["output_shape"] or r.total != 0:
            problems.append(f"{op['name']} ({op['class_name']}): got {r.output_shape}, "
                            f"{r.total} params; Keras {op['output_shape']}, 0")
    # Nodes Keras's model.layers does not list: the InputLayer of a Sequential, the
    # extra calls of a shared layer; none may hold parameters.
    listed = {layer["name"] for layer in ref["layers"]} | {op["name"] for op in
                                                          ref.get("non_layer_ops", [])}
    for node in graph.layer_ids():
        d = graph.raw(node)
        if d["name"] not in listed and result.layers[node].total:
            problems.append(f"{d['name']}: unexpected layer with {result.layers[node].total} params")
    totals = ref["totals"]
    if (result.trainable, result.non_trainable) != (totals["trainable"], totals["non_trainable"]):
        problems.append(f"totals: got {result.trainable:,} / {result.non_trainable:,}, Keras "
                        f"{totals['trainable']:,} / {totals['non_trainable']:,}")
    return problems


@pytest.mark.parametrize("path", KERAS3 + KERAS2, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_json_config_matches_keras_per_layer(path):
    ref = _reference(path)
    graph = parse_keras_config(ref["config"], str(path))
    assert graph.name == ref["config"]["config"]["name"]
    problems = compare(graph, ref)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", KERAS3 + KERAS2, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_json_file_loads_the_same(path, tmp_path):
    # load_keras on the bare model.to_json() text, as a user would save it.
    ref = _reference(path)
    target = tmp_path / "model.json"
    target.write_text(json.dumps(ref["config"]))
    assert not compare(load_keras(target), ref)


@pytest.mark.parametrize("path", H5_KERAS2, ids=lambda p: p.stem)
def test_keras2_h5_matches_keras(path):
    pytest.importorskip("h5py")
    ref = _reference(path.with_suffix(".json"))
    problems = compare(load_keras(path), ref)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_keras3_archive_and_h5_match_keras(path):
    if path.suffix == ".h5":
        pytest.importorskip("h5py")
    ref = _reference(DATA / "keras" / f"{path.stem}.json")
    graph = load_keras(path)
    problems = compare(graph, ref)
    assert not problems, "\n".join(problems)


def test_layer_names_types_and_order_are_the_files():
    ref = _reference(DATA / "keras" / "hb_rnn.json")
    graph = parse_keras_config(ref["config"])
    order = [graph.raw(n)["name"] for n in graph.topological_order()]
    assert order == [layer["name"] for layer in ref["config"]["config"]["layers"]]
    assert graph.raw(graph.id_of("gru_1"))["type"] == "GRU"


def test_mask_is_not_a_data_input():
    # SimpleRNN gets the Embedding mask as kwargs["mask"]: one data input, the embedding.
    graph = parse_keras_config(_reference(DATA / "keras" / "hb_rnn.json")["config"])
    rnn = graph.id_of("simple_rnn")
    assert [graph.raw(src)["name"] for src, _ in graph.inputs(rnn)] == ["embedding"]
    not_equal = graph.id_of("not_equal")
    assert graph.raw(not_equal)["type"] == "NotEqual"
    assert [graph.raw(src)["name"] for src, _ in graph.inputs(not_equal)] == ["tokens"]


def test_shared_layer_calls_reuse_the_owners_weights():
    graph = parse_keras_config(_reference(DATA / "keras2" / "shared_dense_concat.json")["config"])
    owner, call = graph.id_of("shared_dense"), graph.id_of("shared_dense_call1")
    assert graph.raw(call)["shared_with"] == owner
    assert [graph.raw(s)["name"] for s, _ in graph.inputs(owner)] == ["a"]
    assert [graph.raw(s)["name"] for s, _ in graph.inputs(call)] == ["b"]
    concat = graph.id_of("concat")
    assert graph.inputs(concat) == [(owner, 0), (call, 1)]
    result = propagate(graph)
    assert result.layers[owner].total == 136 and result.layers[call].total == 0
    assert result.layers[call].output_shape == (None, 8)


def test_edges_carry_input_indices_in_argument_order():
    graph = parse_keras_config(_reference(DATA / "keras" / "hb_merge.json")["config"])
    concat = graph.id_of("concatenate")
    names = [graph.raw(s)["name"] for s, _ in graph.inputs(concat)]
    assert names == ["add", "subtract", "multiply", "average", "maximum", "minimum", "dot",
                     "dot_1"]
    subtract = graph.id_of("subtract")
    assert [(graph.raw(s)["name"], i) for s, i in graph.inputs(subtract)] == [
        ("shared_dense", 0), ("shared_dense_call1", 1)]


def test_import_leaves_placement_to_the_views():
    # A Keras file records no positions; the editor and `paramlab render` lay the graph out
    # when they show it (gui.files.needs_layout), the summary never needs to.
    graph = parse_keras_config(_reference(DATA / "keras" / "lenet_like.json")["config"])
    assert {graph.raw(n)["position"] for n in graph.layer_ids()} == {(0.0, 0.0)}


@pytest.mark.parametrize("name", ["hb_rnn", "mlp_5_8_4_3"])
def test_reference_file_with_the_config_wrapped_loads_too(name):
    # ParamLab's reference files hold the model under "config" beside Keras's figures.
    path = DATA / "keras" / f"{name}.json"
    assert not compare(load_keras(path), _reference(path))
