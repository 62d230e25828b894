"""Property-based tests (hypothesis): random graphs of random catalogue layers with random,
often invalid, configs. Propagation never raises; every invalid layer carries an error;
errors propagate downstream; incremental results equal full ones after random edits."""
from __future__ import annotations

import os
from typing import Any

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paramlab.core.catalogue import CATALOGUE
from paramlab.core.edits import (
    AddLayer,
    Connect,
    Disconnect,
    Move,
    RemoveLayer,
    Rename,
    SetConfig,
    SetTrainable,
)
from paramlab.core.errors import GraphError, LayerError
from paramlab.core.fields import FieldKind, FieldSpec
from paramlab.core.graph import LayerGraph
from paramlab.core.propagate import propagate
from paramlab.core.summary import summarize
from paramlab.core.types import Severity

TYPES = sorted(CATALOGUE) + ["UnknownCustomLayer"]
# PARAMLAB_HYPOTHESIS_EXAMPLES=2000 for a longer hunt than CI's default.
SETTINGS = settings(max_examples=int(os.environ.get("PARAMLAB_HYPOTHESIS_EXAMPLES", "120")),
                    deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

JUNK = st.sampled_from([None, "bogus", -1, 0, 2.5, True, [], {"a": 1}, float("nan"), 10 ** 9])


def value_for(f: FieldSpec) -> st.SearchStrategy[Any]:
    """Mostly valid values of field ``f``, sometimes plainly invalid ones."""
    small = st.integers(min_value=-2, max_value=9)
    if f.kind is FieldKind.INT:
        valid = st.integers(min_value=int(f.minimum if f.minimum is not None else -3),
                            max_value=int(f.maximum if f.maximum is not None else 40))
    elif f.kind is FieldKind.FLOAT:
        valid = st.floats(min_value=-1.0, max_value=2.0)
    elif f.kind is FieldKind.BOOL:
        valid = st.booleans()
    elif f.kind is FieldKind.CHOICE:
        valid = st.sampled_from(f.choices) if f.choices else st.just(f.default)
    elif f.kind is FieldKind.INTS:
        valid = st.one_of(st.integers(1, 5), st.lists(st.integers(1, 5), min_size=f.rank,
                                                       max_size=f.rank).map(tuple))
    elif f.kind is FieldKind.SHAPE:
        valid = st.lists(st.one_of(small, st.none()), min_size=0, max_size=4).map(tuple)
    else:
        valid = st.one_of(st.sampled_from(f.choices or ("relu",)), st.text(max_size=5))
    bad = st.one_of(JUNK, small, st.lists(small, max_size=4))
    return st.one_of(st.just(f.default), valid, valid, bad)


@st.composite
def configs(draw: st.DrawFn, type_name: str) -> dict[str, Any]:
    spec = CATALOGUE.get(type_name)
    if spec is None:
        return draw(st.sampled_from([{}, {"output_shape": [None, 3]}, {"output_shape": "x"}]))
    config: dict[str, Any] = {}
    for f in spec.fields:
        if draw(st.booleans()):
            config[f.name] = draw(value_for(f))
    if type_name == "InputLayer" and draw(st.booleans()):
        config["shape"] = draw(st.sampled_from([(8,), (6, 6, 3), (5, 4), (4, 4, 4, 2),
                                                (None, 3), (7, 7, 1)]))
    return config


@st.composite
def graphs(draw: st.DrawFn, max_layers: int = 12) -> LayerGraph:
    g = LayerGraph("random")
    n = draw(st.integers(min_value=1, max_value=max_layers))
    ids: list[str] = []
    for i in range(n):
        type_name = "InputLayer" if i == 0 else draw(st.sampled_from(TYPES))
        node = g.add_layer(type_name, config=draw(configs(type_name)),
                           trainable=draw(st.booleans()))
        for _ in range(draw(st.integers(min_value=0, max_value=3)) if ids else 0):
            src = draw(st.sampled_from(ids))
            try:
                g.connect(src, node)
            except GraphError:
                pass
        ids.append(node)
    return g


def check_invariants(g: LayerGraph) -> None:
    result = propagate(g)
    assert set(result.layers) == set(g.layer_ids())
    order = result.order
    for n in order:
        r = result.layers[n]
        d = g.raw(n)
        spec = CATALOGUE.get(d["type"])
        if spec is not None:
            try:
                spec.resolve_config(d["config"])
                config_ok = True
            except LayerError:
                config_ok = False
            if not config_ok:  # every invalid layer carries an error
                assert r.diagnostic is not None
                assert r.diagnostic.severity in (Severity.ERROR, Severity.UNRESOLVED)
        if r.ok:
            assert isinstance(r.output_shape, tuple) and r.output_shape[0] is None
            assert all(x is None or (isinstance(x, int) and x > 0) for x in r.output_shape[1:])
            assert r.total == sum(w.size for w in r.weights)
            if not d["trainable"]:
                assert r.trainable == 0
        else:
            # A custom class keeps its recorded shape (the layers below still compute)
            # while its unknown weights make the counts incomplete.
            assert (r.output_shape is None or not r.known) and r.total == 0
            assert r.diagnostic.message
        if r.diagnostic is not None:
            assert r.diagnostic.layer == n and r.diagnostic.message.strip()
        # A layer fed by a failed layer cannot be ok (unknown types excepted: opaque; and a
        # failed unknown custom class that recorded its output shape still feeds the rest).
        if spec is not None and any(not result.layers[src].ok and result.layers[src].known
                                    for src, _ in g.inputs(n)):
            assert not r.ok
    s = summarize(g, result)
    assert s.trainable == result.trainable and s.non_trainable == result.non_trainable
    assert sum(r.total for r in s.rows) == s.total


@SETTINGS
@given(graphs())
def test_propagation_never_raises_and_flags_every_invalid_layer(g: LayerGraph) -> None:
    check_invariants(g)


@st.composite
def edit_for(draw: st.DrawFn, g: LayerGraph) -> Any:
    ids = g.layer_ids()
    kind = draw(st.sampled_from(["config", "config", "config", "trainable", "connect",
                                 "disconnect", "remove", "add", "rename", "move"]))
    if not ids:
        kind = "add"
    if kind == "add":
        t = draw(st.sampled_from(TYPES))
        return AddLayer(t, config=draw(configs(t)))
    node = draw(st.sampled_from(ids))
    if kind == "config":
        spec = CATALOGUE.get(g.raw(node)["type"])
        if spec is None or not spec.fields:
            return SetConfig(node, "output_shape", draw(st.sampled_from([[None, 4], "x"])))
        f = draw(st.sampled_from(spec.fields))
        return SetConfig(node, f.name, draw(value_for(f)))
    if kind == "trainable":
        return SetTrainable(node, draw(st.booleans()))
    if kind == "connect":
        return Connect(draw(st.sampled_from(ids)), node)
    if kind == "disconnect":
        edges = g.edges()
        if not edges:
            return Move(node, (1.0, 2.0))
        src, dst, k = draw(st.sampled_from(edges))
        return Disconnect(src, dst, k)
    if kind == "remove":
        return RemoveLayer(node)
    if kind == "rename":
        return Rename(node, draw(st.sampled_from(["a", "b", "renamed", "dense"])))
    return Move(node, (draw(st.floats(-100, 100)), 0.0))


@SETTINGS
@given(graphs(max_layers=8), st.data())
def test_incremental_equals_full_after_random_edits(g: LayerGraph, data: st.DataObject) -> None:
    result = propagate(g)
    applied = []
    for _ in range(data.draw(st.integers(min_value=1, max_value=12))):
        edit = data.draw(edit_for(g))
        try:
            edit.check(g)
            edit.apply(g)
        except GraphError:
            continue
        applied.append(edit)
        changed_before = dict(result.layers)
        result = propagate(g, result)
        full = propagate(g)
        assert dict(result.layers) == dict(full.layers)
        assert result.order == full.order
        # The cached order (kept, not re-sorted, after some edits) equals a fresh sort.
        assert g.topological_order() == list(nx.lexicographical_topological_sort(
            g.nx_graph, key=g.sequence_number))
        # Only changed layers and their descendants were recomputed.
        for n in set(g.layer_ids()) - set(result.recomputed):
            assert changed_before.get(n) is result.layers[n]
        assert all(nx.descendants(g.nx_graph, n) <= result.recomputed
                   for n in result.recomputed if n in g)
    # Undo everything: incremental results come back to the original figures.
    for edit in reversed(applied):
        edit.revert(g)
        result = propagate(g, result)
    assert dict(result.layers) == dict(propagate(g).layers)
    check_invariants(g)
