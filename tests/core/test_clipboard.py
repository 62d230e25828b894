"""Copy and paste of layers as JSON (core/clipboard.py): pure Python, no Qt."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paramlab.core.clipboard import ClipboardError, copy_layers, parse_layers, paste_edits
from paramlab.core.edits import AddLayer, Connect, EditGroup
from paramlab.core.errors import GraphError
from paramlab.core.graph import LayerGraph
from paramlab.core.propagate import propagate


def lenet_head() -> tuple[LayerGraph, dict[str, str]]:
    """Input 32x32x3 -> Conv2D 8 of 5x5 (608 params, as Keras counts) -> Flatten -> Dense 10."""
    g = LayerGraph("head")
    ids = {
        "in": g.add_layer("InputLayer", config={"shape": [32, 32, 3]}, position=(0, 0)),
        "conv": g.add_layer("Conv2D", config={"filters": 8, "kernel_size": [5, 5]},
                            position=(0, 110)),
        "flat": g.add_layer("Flatten", position=(0, 220)),
        "dense": g.add_layer("Dense", config={"units": 10}, position=(0, 330)),
    }
    g.connect(ids["in"], ids["conv"])
    g.connect(ids["conv"], ids["flat"])
    g.connect(ids["flat"], ids["dense"])
    return g, ids


def test_copy_keeps_only_inner_edges() -> None:
    g, ids = lenet_head()
    data = json.loads(copy_layers(g, [ids["conv"], ids["flat"]]))
    assert [layer["name"] for layer in data["layers"]] == ["conv2d", "flatten"]
    assert data["edges"] == [[ids["conv"], ids["flat"], 0]]
    assert data["layers"][0]["config"] == {"filters": 8, "kernel_size": [5, 5]}


def test_copy_unknown_id_raises() -> None:
    g, _ = lenet_head()
    with pytest.raises(GraphError):
        copy_layers(g, ["nope"])


def test_paste_round_trip_same_graph() -> None:
    g, ids = lenet_head()
    text = copy_layers(g, [ids["in"], ids["conv"]])
    edits, new_ids = paste_edits(g, text, (40, 40))
    assert [type(e) for e in edits] == [AddLayer, AddLayer, Connect]
    assert len(set(new_ids)) == 2 and not set(new_ids) & set(g.layer_ids())
    EditGroup(edits).apply(g)
    a, b = (g.layer(n) for n in new_ids)
    assert (a.name, b.name) == ("input_layer_1", "conv2d_1")
    assert a.position == (40.0, 40.0) and b.position == (40.0, 150.0)
    assert g.inputs(new_ids[1]) == [(new_ids[0], 0)]
    result = propagate(g)
    # The copy counts exactly as the original: (5*5*3 + 1)*8 = 608 trainable.
    assert result.layers[new_ids[1]].trainable == result.layers[ids["conv"]].trainable == 608
    assert result.layers[new_ids[1]].output_shape == (None, 28, 28, 8)


def test_paste_names_are_unique_keras_style() -> None:
    g, ids = lenet_head()
    text = copy_layers(g, [ids["dense"]])
    names = []
    for _ in range(3):
        edits, new_ids = paste_edits(g, text)
        EditGroup(edits).apply(g)
        names.append(g.layer(new_ids[0]).name)
    assert names == ["dense_1", "dense_2", "dense_3"]


def test_paste_revert_restores_graph() -> None:
    g, ids = lenet_head()
    before = (sorted(g.layer_ids()), sorted(g.edges()))
    edits, _ = paste_edits(g, copy_layers(g, list(ids.values())))
    group = EditGroup(edits)
    group.apply(g)
    assert len(g) == 8 and len(g.edges()) == 6
    group.revert(g)
    assert (sorted(g.layer_ids()), sorted(g.edges())) == before


def test_paste_into_other_graph() -> None:
    g, ids = lenet_head()
    other = LayerGraph("other")
    other.add_layer("Dense", name="conv2d")
    edits, new_ids = paste_edits(other, copy_layers(g, [ids["conv"]]), (0, 0))
    EditGroup(edits).apply(other)
    assert other.layer(new_ids[0]).name == "conv2d_1"
    assert other.layer(new_ids[0]).config == {"filters": 8, "kernel_size": [5, 5]}


HEAD = '{"format": "paramlab-layers", "version": 1, "layers": '


@pytest.mark.parametrize("text, words", [
    ("not json", "does not hold ParamLab layers"),
    ("[1, 2]", "does not hold ParamLab layers"),
    ('{"format": "paramlab-layers", "version": 99, "layers": []}', "version 99"),
    ('{"format": "paramlab-layers", "version": 1, "layers": {}}', "must be lists"),
    ('{"format": "paramlab-layers", "version": 1, "layers": [{"id": "a"}]}', "'type'"),
    (HEAD + '[{"id": "a", "type": "Dense", "name": "d", "position": ["x", 1]}]}', "position"),
    (HEAD + '[{"id": "a", "type": "Dense", "name": "d"}], "edges": [["a", "b", 0]]}',
     "bad connection"),
    (HEAD + '[{"id": "a", "type": "Dense", "name": "d", "trainable": "yes"}]}', "trainable"),
])
def test_malformed_clipboard_is_refused(text: str, words: str) -> None:
    with pytest.raises(ClipboardError, match=words):
        parse_layers(text)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutated_clipboard_never_crashes(data: st.DataObject) -> None:
    """Any mutation of a real payload either pastes cleanly or raises ClipboardError."""
    g, ids = lenet_head()
    payload = json.loads(copy_layers(g, list(ids.values())))
    junk = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=5),
                     st.lists(st.integers(), max_size=3),
                     st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
    target = data.draw(st.sampled_from(["layer", "edge", "top"]))
    if target == "layer":
        layer = data.draw(st.sampled_from(payload["layers"]))
        layer[data.draw(st.sampled_from(["id", "type", "name", "config", "trainable",
                                         "position", "shared_with"]))] = data.draw(junk)
    elif target == "edge":
        payload["edges"][0][data.draw(st.integers(0, 2))] = data.draw(junk)
    else:
        key = data.draw(st.sampled_from(["format", "version", "layers", "edges"]))
        payload[key] = data.draw(junk)
    try:
        text = json.dumps(payload)
    except (TypeError, ValueError):
        return
    try:
        edits, _ = paste_edits(g, text)
    except ClipboardError:
        return
    try:
        EditGroup(edits).apply(g)
    except GraphError:
        return  # e.g. a mutated index beyond the target's inputs: refused, graph unchanged
    propagate(g)  # whatever was pasted, propagation never raises


def test_pasted_copy_of_a_nested_model_is_top_level_with_the_same_counts() -> None:
    # input 8 -> frozen nested model "base" (Dense 4: 36, Dense 2: 10) -> head Dense 1
    g = LayerGraph("nested")
    x = g.add_layer("InputLayer", config={"shape": [8]})
    a = g.add_layer("Dense", config={"units": 4}, group="base", trainable=False)
    b = g.add_layer("Dense", config={"units": 2}, group="base", trainable=False)
    g.groups["base"] = {"type": "Functional", "trainable": False, "collapsed": True}
    g.connect(x, a)
    g.connect(a, b)
    edits, new = paste_edits(g, copy_layers(g, [a, b]))
    EditGroup(edits).apply(g)
    assert [g.raw(n).get("group") for n in new] == [None, None]  # not added into the base
    assert set(g.groups) == {"base"}  # and no second base invented
    assert g.inputs(new[1]) == [(new[0], 0)]  # the inner connection is kept
    g.connect(x, new[0])
    r = propagate(g).layers
    # each copy keeps its trainable flag: the same 36 + 10 non-trainable as the originals
    assert [(r[n].trainable, r[n].non_trainable) for n in new] == [(0, 36), (0, 10)]
