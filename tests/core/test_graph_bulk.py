"""LayerGraph.add_layers / connect_many (the importer's bulk path) leave the graph exactly
as add_layer / connect one by one would, and refuse the same things with the same words."""
from __future__ import annotations

import pytest

from paramlab.core.errors import GraphError
from paramlab.core.graph import LayerGraph

LAYERS = [("Input", "in", {"shape": [8]}, None), ("Dense", "d", {"units": 8}, None),
          ("Dense", "d_call1", {"units": 8}, "d"), ("Concatenate", "cat", {}, None)]
EDGES = [("in", "d", 0, 0), ("d", "d_call1", 0, 0), ("d", "cat", 0, 0), ("d_call1", "cat", 1, 0)]


def one_by_one() -> LayerGraph:
    g = LayerGraph()
    for t, name, cfg, owner in LAYERS:
        g.add_layer(t, name, cfg, node_id=f"n{len(g) + 1}", shared_with=owner and g.id_of(owner))
    for src, dst, i, out in EDGES:
        g.connect(g.id_of(src), g.id_of(dst), i, out)
    return g


def in_bulk() -> LayerGraph:
    g = LayerGraph()
    ids = {}
    rows = []
    for t, name, cfg, owner in LAYERS:
        ids[name] = g.new_id()
        rows.append((ids[name], t, name, dict(cfg), True, owner and ids[owner], None))
    g.add_layers(rows)
    g.connect_many([(ids[s], ids[d], i, o) for s, d, i, o in EDGES])
    return g


def test_bulk_building_equals_one_by_one():
    a, b = one_by_one(), in_bulk()
    assert a.layer_ids() == b.layer_ids()
    assert sorted(a.edges()) == sorted(b.edges())
    assert a.topological_order() == b.topological_order()
    for n in a.layer_ids():
        assert a.raw(n) == b.raw(n)
        assert a.inputs(n) == b.inputs(n)
        assert a.stamp(n) == b.stamp(n)
        assert a.sequence_number(n) == b.sequence_number(n)
    assert a.shared_calls("n2") == b.shared_calls("n2") == {"n3"}
    assert a.clock == b.clock
    assert a.changed_since(0) == b.changed_since(0)


def test_connect_many_refuses_as_connect_does_and_says_which_edge():
    g = in_bulk()
    ids = {g.raw(n)["name"]: n for n in g.layer_ids()}
    with pytest.raises(GraphError) as info:
        g.connect_many([(ids["in"], ids["cat"], 2, 0), (ids["cat"], ids["in"], 0, 0)])
    assert info.value.edge_index == 1
    assert "would make a cycle" in str(info.value)
    assert (ids["in"], ids["cat"], 2) in g.edges()  # the edge before it was made
    with pytest.raises(GraphError, match="input 1 of 'cat' is already connected") as info:
        g.connect_many([(ids["in"], ids["cat"], 0, 0)])
    assert info.value.edge_index == 0


def test_add_layers_refuses_a_taken_name_and_changes_nothing():
    g = in_bulk()
    before = g.layer_ids()
    with pytest.raises(GraphError, match="a layer named 'd' already exists"):
        g.add_layers([(g.new_id(), "Dense", "x", {}, True, None, None),
                      (g.new_id(), "Dense", "d", {}, True, None, None)])
    assert g.layer_ids() == before


def test_connect_many_refuses_an_index_given_twice_in_one_call():
    g = in_bulk()
    ids = {g.raw(n)["name"]: n for n in g.layer_ids()}
    g.disconnect(ids["d"], ids["cat"], 0)
    with pytest.raises(GraphError, match="input 1 of 'cat' is already connected") as info:
        g.connect_many([(ids["in"], ids["cat"], 0, 0), (ids["d"], ids["cat"], 0, 0)])
    assert info.value.edge_index == 1
    assert g.inputs(ids["cat"]) == [(ids["in"], 0), (ids["d_call1"], 1)]


def test_connect_many_mixed_with_slow_edges_equals_connect_one_by_one():
    """A backward edge (newer layer into an older one) takes connect's path in the middle
    of the list; the clock, stamps, journal and events come out as with connect alone."""
    def build(bulk: bool):
        g = LayerGraph()
        a, b, c, d = (g.add_layer(t) for t in ("Dense", "Dense", "Dense", "Concatenate"))
        events: list = []
        g.subscribe(lambda kind, payload: events.append((kind, payload)))
        edges = [(a, b, 0, 0), (c, a, 0, 0), (b, d, 0, 0), (c, d, 1, 2)]
        if bulk:
            g.connect_many(edges)
        else:
            for edge in edges:
                g.connect(*edge)
        return g, events
    (one, ev1), (many, ev2) = build(False), build(True)
    assert ev1 == ev2
    assert sorted(one.edges()) == sorted(many.edges())
    assert one.clock == many.clock and one.changed_since(0) == many.changed_since(0)
    assert [one.stamp(n) for n in one.layer_ids()] == [many.stamp(n) for n in many.layer_ids()]
    assert one.topological_order() == many.topological_order()
    assert [many.raw(n) for n in many.layer_ids()] == [one.raw(n) for n in one.layer_ids()]
