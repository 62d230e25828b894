"""One rule for frozen nested models, in propagation: while a nested model's ``trainable``
is false, every weight of its layers is non-trainable (Keras: ``model.trainable = False``
freezes every sublayer; a sublayer's own flag does not unfreeze it).

Figures (Keras's weight rules): Dense(8 -> 4) 36; BatchNormalization(4) gamma, beta 8
trainable and moving mean, variance 8 non-trainable; head Dense(4 -> 2) 10.
"""
from __future__ import annotations

from paramlab.core.edits import SetGroupTrainable
from paramlab.core.io.keras_import import parse_keras_config
from paramlab.core.propagate import propagate
from paramlab.core.summary import summarize
from tests.io.test_keras_nested import transfer_model


def counts(graph, previous=None):
    result = propagate(graph, previous)
    return result, (result.trainable, result.non_trainable)


def test_group_flag_alone_freezes_layers_flagged_trainable():
    graph = parse_keras_config(transfer_model(base_trainable=True))
    _, got = counts(graph)
    assert got == (36 + 8 + 10, 8)
    graph.groups["base"]["trainable"] = False  # as a project file may save it
    _, got = counts(graph)
    assert got == (10, 36 + 16)
    row = next(r for r in summarize(graph).rows if r.name == "base")
    assert (row.trainable, row.non_trainable) == (0, 52)


def test_set_group_trainable_edit_round_trip_and_incremental_propagation():
    graph = parse_keras_config(transfer_model(base_trainable=True))
    graph.groups["base"]["trainable"] = False
    before, got = counts(graph)
    assert got == (10, 52)
    edit = SetGroupTrainable("base", True)
    edit.apply(graph)
    after, got = counts(graph, before)  # reuses the head's result, recomputes the base
    assert got == (54, 8)
    assert {graph.raw(n)["name"] for n in after.recomputed} >= {"d1", "bn"}
    edit.revert(graph)
    assert graph.groups["base"]["trainable"] is False
    _, got = counts(graph, after)
    assert got == (10, 52)
