"""``summarize(..., previous=...)`` rebuilds only the rows an edit changed and gives the
same summary as building it afresh (the GUI's summary panel passes its last summary).

Figures are not ParamLab's: each incremental summary is compared with a fresh one, and the
reuse is checked by identity (rows not touched by an edit are the same objects).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from paramlab.core.io.keras_import import parse_keras_config
from paramlab.core.io.loader import load_model
from paramlab.core.propagate import propagate
from paramlab.core.summary import summarize
from tests.io.test_keras_nested import transfer_model

DATA = Path(__file__).resolve().parent.parent / "data" / "keras"


def step(graph, previous, result=None, **kw):
    """(incremental summary, fresh summary, new result) after an edit."""
    result = propagate(graph, result)
    new = summarize(graph, result, previous=previous, **kw)
    assert new == summarize(graph, result, **kw)
    return new, result


def rebuilt(old, new) -> int:
    return sum(1 for a, b in zip(old.rows, new.rows) if a is not b)


def test_config_edit_rebuilds_only_the_changed_rows():
    graph = load_model(str(DATA / "ResNet50.json"))
    result = propagate(graph)
    first = summarize(graph, result)
    head = graph.id_of("predictions")
    graph.set_config(head, "units", 10)
    second, result = step(graph, first, result)
    assert rebuilt(first, second) == 1
    assert second.total == first.total - (2048 + 1) * (1000 - 10)
    # A layer early in the model: its row and every row whose shape changes.
    conv = graph.id_of("conv1_conv")
    graph.set_config(conv, "filters", 32)
    third, result = step(graph, second, result)
    assert 1 < rebuilt(second, third) < len(third.rows)


def test_rename_rebuilds_the_row_and_the_rows_it_feeds():
    graph = load_model(str(DATA / "hb_merge.json"))
    result = propagate(graph)
    first = summarize(graph, result)
    n = next(r.node_id for r in first.rows if len(r.members) > 1)  # a shared layer
    graph.rename(n, "renamed_shared")
    second, result = step(graph, first, result)
    assert any(r.name == "renamed_shared" for r in second.rows)
    assert any("renamed_shared" in r.connected_to for r in second.rows)


def test_trainable_flag_structure_and_convention_changes():
    graph = load_model(str(DATA / "lenet_like.json"))
    result = propagate(graph)
    s = summarize(graph, result)
    n = s.rows[1].node_id
    graph.set_trainable(n, False)
    s, result = step(graph, s, result)
    assert s.rows[1].layer_trainable is False
    a, b = s.rows[-2].node_id, s.rows[-1].node_id
    graph.disconnect(a, b, 0)
    s, result = step(graph, s, result)
    graph.connect(a, b, 0)
    s, result = step(graph, s, result)
    s, result = step(graph, s, result, convention="pytorch")


@pytest.mark.parametrize("expand", [False, True, {"base"}])
def test_nested_model_frozen_and_expanded(expand):
    graph = parse_keras_config(transfer_model(base_trainable=True))
    result = propagate(graph)
    s = summarize(graph, result, expand_groups=expand)
    graph.set_group_trainable("base", False)
    s, result = step(graph, s, result, expand_groups=expand)
    graph.groups["base"]["trainable"] = True  # as a project file may save it
    s, result = step(graph, s, result, expand_groups=expand)
    graph.set_group_collapsed("base", False)
    s, result = step(graph, s, result, expand_groups=expand)


def test_propagation_keeps_the_objects_of_descendants_whose_inputs_did_not_change():
    """An edit that changes no output shape (freezing a layer) keeps the previous result
    objects of its descendants, and equals a full propagation. Keras: ResNet50's
    conv2_block1_1_conv has 4,160 parameters (1·1·64·64 + 64)."""
    graph = load_model(str(DATA / "ResNet50.json"))
    first = propagate(graph)
    conv = graph.id_of("conv2_block1_1_conv")
    graph.set_trainable(conv, False)
    second = propagate(graph, first)
    assert dict(second.layers) == dict(propagate(graph).layers)
    assert second.layers[conv] is not first.layers[conv]  # the edited layer: a new object
    kept = [n for n in second.order if n != conv and second.layers[n] is first.layers[n]]
    assert len(kept) == len(second.order) - 1
    assert second.non_trainable == first.non_trainable + 64 * 64 + 64
