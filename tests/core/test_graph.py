"""LayerGraph: unique names, refused connections (cycles, too many inputs, taken inputs),
Add(x, x) on a MultiDiGraph, topological order, events."""
from __future__ import annotations

import itertools

import pytest

from paramlab.core.errors import GraphError
from paramlab.core.graph import (
    EDGE_ADDED,
    EDGE_REMOVED,
    LAYER_ADDED,
    LAYER_REMOVED,
    LayerGraph,
    snake_case,
)
from paramlab.core.propagate import propagate


def chain(*types: str) -> tuple[LayerGraph, list[str]]:
    g = LayerGraph()
    ids = [g.add_layer(t) for t in types]
    for a, b in itertools.pairwise(ids):
        g.connect(a, b)
    return g, ids


def test_default_names_are_keras_style_and_unique() -> None:
    g = LayerGraph()
    names = [g.raw(g.add_layer(t))["name"] for t in
             ("Conv2D", "Conv2D", "MaxPooling2D", "Dense", "Conv2D")]
    assert names == ["conv2d", "conv2d_1", "max_pooling2d", "dense", "conv2d_2"]
    assert snake_case("BatchNormalization") == "batch_normalization"
    assert snake_case("GlobalAveragePooling2D") == "global_average_pooling2d"


def test_duplicate_names_and_ids_are_refused() -> None:
    g = LayerGraph()
    a = g.add_layer("Dense", "head")
    b = g.add_layer("Dense", "tail")
    with pytest.raises(GraphError, match="a layer named 'head' already exists"):
        g.add_layer("Dense", "head")
    with pytest.raises(GraphError, match=f"id {a!r} already exists"):
        g.add_layer("Dense", "other", node_id=a)
    with pytest.raises(GraphError, match="a layer named 'head' already exists"):
        g.rename(b, "head")
    with pytest.raises(GraphError, match="cannot be empty"):
        g.rename(b, "   ")
    g.rename(b, "  neck ")
    assert g.raw(b)["name"] == "neck" and g.id_of("neck") == b and g.id_of("tail") is None
    assert len(g) == 2


def test_cycle_is_refused_naming_both_layers() -> None:
    g, (a, b, c) = chain("Dense", "Dense", "Dense")
    before = g.edges()
    with pytest.raises(GraphError, match="connecting 'dense_2' to 'dense' would make a cycle"):
        g.connect(c, a)
    with pytest.raises(GraphError, match="connecting 'dense_1' to 'dense_1' would make a cycle"):
        g.connect(b, b)
    assert g.edges() == before


def test_too_many_inputs_is_refused_naming_both_layers() -> None:
    g = LayerGraph()
    x = g.add_layer("InputLayer", "x")
    y = g.add_layer("InputLayer", "y")
    d = g.add_layer("Dense", "d")
    g.connect(x, d)
    with pytest.raises(GraphError, match=r"'d' \(Dense\) takes 1 input; cannot connect 'y' "
                                         "as input 2"):
        g.connect(y, d)
    with pytest.raises(GraphError, match=r"'x' \(InputLayer\) takes 0 inputs; cannot connect "
                                         "'y' as input 1"):
        g.connect(y, x)
    with pytest.raises(GraphError, match="input 1 of 'd' is already connected; cannot also "
                                         "connect 'y'"):
        g.connect(y, d, 0)
    with pytest.raises(GraphError, match="must be 0 or more"):
        g.connect(y, d, -1)
    assert g.inputs(d) == [(x, 0)]


def test_add_x_x_is_two_edges() -> None:
    g = LayerGraph()
    x = g.add_layer("InputLayer", "x", {"shape": (5,)})
    add = g.add_layer("Add", "add")
    assert g.connect(x, add) == 0
    assert g.connect(x, add) == 1
    assert g.inputs(add) == [(x, 0), (x, 1)]
    assert sorted(g.edges()) == [(x, add, 0), (x, add, 1)]
    r = propagate(g).layers[add]
    assert r.ok and r.output_shape == (None, 5) and r.input_shapes == ((None, 5), (None, 5))
    g.disconnect(x, add, 0)
    assert g.inputs(add) == [(x, 1)] and g.free_input_index(add) == 0


def test_disconnect_unknown_edge_and_unknown_layer() -> None:
    g, (a, b) = chain("Dense", "Dense")
    with pytest.raises(GraphError, match="no connection"):
        g.disconnect(b, a, 0)
    with pytest.raises(GraphError, match="no layer with id 'zz'"):
        g.layer("zz")
    with pytest.raises(GraphError, match="no layer with id 'zz'"):
        g.connect(a, "zz")


def test_remove_layer_removes_its_edges() -> None:
    g, (a, b, c) = chain("Dense", "Dense", "Dense")
    g.remove_layer(b)
    assert g.edges() == [] and b not in g and g.id_of("dense_1") is None
    assert g.topological_order() == [a, c]


def test_topological_order_ties_follow_insertion() -> None:
    g = LayerGraph()
    late = g.add_layer("Dense", "late")
    early = g.add_layer("InputLayer", "in")
    side = g.add_layer("Dense", "side")
    g.connect(early, late)
    g.connect(early, side)
    assert g.topological_order() == [early, late, side]


def test_events_and_stamps() -> None:
    g = LayerGraph()
    seen: list[tuple[str, object]] = []
    g.subscribe(lambda kind, payload: seen.append((kind, payload)))
    a = g.add_layer("InputLayer", "x")
    b = g.add_layer("Dense", "d")
    g.connect(a, b)
    stamp_a, stamp_b = g.stamp(a), g.stamp(b)
    g.set_config(b, "units", 3)
    assert g.stamp(b) > stamp_b and g.stamp(a) == stamp_a
    g.rename(b, "e")  # a name never changes a result
    g.move(b, (5, 5))
    assert g.stamp(b) == g.clock
    g.disconnect(a, b, 0)
    g.remove_layer(a)
    kinds = [k for k, _ in seen]
    assert kinds == [LAYER_ADDED, LAYER_ADDED, EDGE_ADDED, "layer_changed", "layer_changed",
                     "layer_moved", EDGE_REMOVED, LAYER_REMOVED]
    assert seen[2] == (EDGE_ADDED, (a, b, 0))


def test_cached_order_follows_edits_like_a_fresh_sort() -> None:
    """The order is kept (not re-sorted) for a new layer and a forward connection; it must
    still equal networkx's lexicographic sort by insertion."""
    import networkx as nx

    def fresh(g: LayerGraph) -> list[str]:
        return list(nx.lexicographical_topological_sort(g.nx_graph, key=g.sequence_number))

    g = LayerGraph()
    a, b, c = (g.add_layer("Dense", name) for name in "abc")
    assert g.topological_order() == [a, b, c] == fresh(g)
    d = g.add_layer("Dense", "d")  # appended, no sort
    g.connect(a, d)  # forward edge, order kept
    assert g.topological_order() == [a, b, c, d] == fresh(g)
    g.connect(c, a)  # backward but acyclic: c must now come before a
    assert g.topological_order() == [b, c, a, d] == fresh(g)
    with pytest.raises(GraphError, match="would make a cycle"):
        g.connect(d, c)
    g.disconnect(c, a, 0)
    assert g.topological_order() == [a, b, c, d] == fresh(g)
    e = g.add_layer("Dense", "e")
    g.connect(d, e)
    g.disconnect(d, e, 0)  # e was last and newest: the order is kept
    assert g.topological_order() == [a, b, c, d, e] == fresh(g)
    g.connect(c, b)  # backward: b moves after c
    assert g.topological_order() == [a, c, b, d, e] == fresh(g)
    g.remove_layer(c)  # b is free again and goes back to its own place
    assert g.topological_order() == [a, b, d, e] == fresh(g)
    g.remove_layer(d)
    assert g.topological_order() == [a, b, e] == fresh(g)


def test_order_of_random_edits_equals_a_fresh_sort() -> None:
    """topological_order trusts the count of backward connections (no edge check while it
    is 0): after every random edit (bulk and single connections, removals, a removed
    layer restored in its old place, caches cold or warm) the order is networkx's
    lexicographic sort by insertion, and the count is the number of backward edges."""
    import random

    import networkx as nx

    rng = random.Random(11)
    for _ in range(30):
        g = LayerGraph()
        ids = [g.add_layer("Add", f"a{i}") for i in range(6)]
        for _ in range(40):
            move = rng.random()
            if move < 0.45 and len(ids) > 1:
                src, dst = rng.sample(ids, 2)
                index = g.free_input_index(dst)
                if g.would_cycle(src, dst):
                    continue
                if rng.random() < 0.5:
                    g.connect(src, dst, index)
                else:
                    g.connect_many([(src, dst, index, 0)])
            elif move < 0.65 and g.edges():
                g.disconnect(*rng.choice(g.edges()))
            elif move < 0.8 and len(ids) > 2:
                victim = rng.choice(ids)
                seq = g.sequence_number(victim)
                name = g.raw(victim)["name"]
                g.remove_layer(victim)
                ids.remove(victim)
                ids.append(g.add_layer("Add", name, node_id=victim, sequence=seq))
            else:
                ids.append(g.add_layer("Add"))
            if rng.random() < 0.5:
                g.topological_order()  # a warm cache for the next edit
            seq_of = g.sequence_number
            assert g._backward == sum(seq_of(u) >= seq_of(v) for u, v, _ in g.edges())
            assert g.topological_order() == list(
                nx.lexicographical_topological_sort(g.nx_graph, key=seq_of))
