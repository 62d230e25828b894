"""paramlab.core.edits: apply / revert round trip for every edit, redo gives the same state, and a
refused edit changes nothing."""
from __future__ import annotations

import pytest

from paramlab.core.edits import (
    AddLayer,
    Connect,
    Disconnect,
    EditGroup,
    Move,
    RemoveLayer,
    Rename,
    SetConfig,
    SetTrainable,
)
from paramlab.core.errors import GraphError
from paramlab.core.graph import LayerGraph
from paramlab.core.io.project import graph_to_dict
from paramlab.core.propagate import propagate


def model() -> LayerGraph:
    g = LayerGraph("m")
    g.add_layer("InputLayer", "x", {"shape": (8, 8, 3)}, node_id="in")
    g.add_layer("Conv2D", "conv", {"filters": 4, "kernel_size": (3, 3)}, node_id="conv",
                position=(0, 100))
    g.add_layer("Flatten", "flat", node_id="flat")
    g.add_layer("Dense", "head", {"units": 2}, node_id="head")
    g.add_layer("Dense", "spare", {"units": 5}, node_id="spare")
    g.connect("in", "conv")
    g.connect("conv", "flat")
    g.connect("flat", "head")
    return g


def state(g: LayerGraph) -> tuple:
    result = propagate(g)
    counts = {n: (r.output_shape, r.trainable, r.non_trainable) for n, r in result.layers.items()}
    return graph_to_dict(g), sorted(g.edges()), counts, g.topological_order()


EDITS = {
    "AddLayer": lambda: AddLayer("Dense", "new", {"units": 7}, position=(3, 4)),
    "AddLayer default name": lambda: AddLayer("Conv2D"),
    "RemoveLayer (middle, with edges)": lambda: RemoveLayer("conv"),
    "RemoveLayer (unconnected)": lambda: RemoveLayer("spare"),
    "Connect": lambda: Connect("flat", "spare"),
    "Disconnect": lambda: Disconnect("conv", "flat", 0),
    "SetConfig (existing key)": lambda: SetConfig("conv", "filters", 16),
    "SetConfig (absent key)": lambda: SetConfig("conv", "use_bias", False),
    "SetConfig (tuple)": lambda: SetConfig("conv", "kernel_size", (5, 5)),
    "SetTrainable": lambda: SetTrainable("conv", False),
    "Rename": lambda: Rename("head", "logits"),
    "Move": lambda: Move("conv", (250.0, -30.0)),
    "EditGroup": lambda: EditGroup([AddLayer("Dense", "extra", node_id="extra"),
                                    Connect("head", "extra"), SetConfig("extra", "units", 3)]),
}


@pytest.mark.parametrize("name", EDITS)
def test_apply_revert_round_trip(name: str) -> None:
    g = model()
    before = state(g)
    edit = EDITS[name]()
    edit.check(g)
    assert state(g) == before  # check changes nothing
    edit.apply(g)
    after = state(g)
    assert after != before
    edit.revert(g)
    assert state(g) == before
    edit.apply(g)  # redo
    assert state(g) == after
    edit.revert(g)
    assert state(g) == before


def test_set_config_changes_counts_and_revert_restores_them() -> None:
    g = model()
    edit = SetConfig("conv", "filters", 16)
    edit.apply(g)
    assert propagate(g).layers["conv"].total == (3 * 3 * 3 + 1) * 16
    edit.revert(g)
    assert propagate(g).layers["conv"].total == (3 * 3 * 3 + 1) * 4
    assert g.raw("conv")["config"] == {"filters": 4, "kernel_size": (3, 3)}


def test_revert_of_absent_key_removes_it() -> None:
    g = model()
    edit = SetConfig("conv", "use_bias", False)
    edit.apply(g)
    edit.revert(g)
    assert "use_bias" not in g.raw("conv")["config"]


@pytest.mark.parametrize("edit, message", [
    (AddLayer("Dense", "head"), "a layer named 'head' already exists"),
    (AddLayer("Dense", node_id="conv"), "id 'conv' already exists"),
    (RemoveLayer("nope"), "no layer with id 'nope'"),
    (Connect("spare", "in"), r"'x' \(InputLayer\) takes 0 inputs"),
    (Connect("head", "conv"), "connecting 'head' to 'conv' would make a cycle"),
    (Connect("spare", "conv", 0), "input 1 of 'conv' is already connected"),
    (Disconnect("in", "head", 0), "no connection"),
    (SetConfig("nope", "units", 1), "no layer with id 'nope'"),
    (SetTrainable("nope", False), "no layer with id 'nope'"),
    (Rename("head", "conv"), "a layer named 'conv' already exists"),
    (Move("nope", (0, 0)), "no layer with id 'nope'"),
    (EditGroup([Rename("head", "h2"), Connect("head", "conv")]), "would make a cycle"),
])
def test_refused_edit_changes_nothing(edit, message: str) -> None:
    g = model()
    before = state(g)
    with pytest.raises(GraphError, match=message):
        edit.check(g)
    assert state(g) == before
    with pytest.raises(GraphError, match=message):
        edit.apply(g)
    assert state(g) == before


def test_remove_layer_revert_restores_every_edge_and_index() -> None:
    g = LayerGraph()
    x = g.add_layer("InputLayer", "x", {"shape": (4,)})
    y = g.add_layer("InputLayer", "y", {"shape": (4,)})
    cat = g.add_layer("Concatenate", "cat")
    out = g.add_layer("Dense", "out", {"units": 1})
    g.connect(y, cat, 1)
    g.connect(x, cat, 0)
    g.connect(cat, out)
    edit = RemoveLayer(cat)
    edit.apply(g)
    assert g.edges() == []
    edit.revert(g)
    assert g.inputs(cat) == [(x, 0), (y, 1)] and g.outputs(cat) == [(out, 0)]
    assert propagate(g).layers[cat].output_shape == (None, 8)
