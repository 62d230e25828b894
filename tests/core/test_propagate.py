"""paramlab.core.propagate: errors by cause, UNRESOLVED downstream, the rest still counted, frozen
layers, shared layers, and incremental recomputation equal to a full propagation."""
from __future__ import annotations

import networkx as nx
import pytest

from paramlab.core.edits import Connect, Disconnect, RemoveLayer, Rename, SetConfig, SetTrainable
from paramlab.core.graph import LayerGraph
from paramlab.core.propagate import propagate
from paramlab.core.types import Severity


def two_branches() -> LayerGraph:
    """x(8,8,3) -> conv -> flat -> dense ;  x -> gap -> side  (two independent branches)."""
    g = LayerGraph("two")
    g.add_layer("InputLayer", "x", {"shape": (8, 8, 3)}, node_id="x")
    g.add_layer("Conv2D", "conv", {"filters": 4, "kernel_size": (3, 3)}, node_id="conv")
    g.add_layer("Flatten", "flat", node_id="flat")
    g.add_layer("Dense", "dense", {"units": 5}, node_id="dense")
    g.add_layer("GlobalAveragePooling2D", "gap", node_id="gap")
    g.add_layer("Dense", "side", {"units": 2}, node_id="side")
    for a, b in (("x", "conv"), ("conv", "flat"), ("flat", "dense"), ("x", "gap"),
                 ("gap", "side")):
        g.connect(a, b)
    return g


def error_of(g: LayerGraph, node: str) -> str:
    r = propagate(g).layers[node]
    assert r.diagnostic is not None and r.diagnostic.severity is Severity.ERROR
    assert r.output_shape is None and r.total == 0
    return r.diagnostic.message


def test_valid_graph_counts() -> None:
    r = propagate(two_branches())
    assert r.layers["conv"].output_shape == (None, 6, 6, 4)
    assert r.layers["conv"].total == (3 * 3 * 3 + 1) * 4
    assert r.layers["dense"].total == (6 * 6 * 4 + 1) * 5
    assert r.layers["side"].total == (3 + 1) * 2
    assert not r.has_errors and r.total == 112 + 725 + 8
    assert r.memory_bytes == 4 * r.total


# ---------------------------------------------------------------------------- errors
def test_missing_input() -> None:
    g = LayerGraph()
    d = g.add_layer("Dense", "lonely", {"units": 3})
    assert error_of(g, d) == "Dense takes 1 input, 0 connected"
    x = g.add_layer("InputLayer", "x", {"shape": (4,)})
    add = g.add_layer("Add", "add")
    g.connect(x, add, 1)
    assert error_of(g, add).startswith("input 1 is not connected; Add takes at least 2")


def test_mismatched_merge_shapes() -> None:
    g = LayerGraph()
    a = g.add_layer("InputLayer", "a", {"shape": (4,)})
    b = g.add_layer("InputLayer", "b", {"shape": (5,)})
    add = g.add_layer("Add", "add")
    g.connect(a, add)
    g.connect(b, add)
    assert "(None, 4) and (None, 5)" in error_of(g, add)


def test_kernel_larger_than_input() -> None:
    g = two_branches()
    g.set_config("conv", "kernel_size", (9, 9))
    assert error_of(g, "conv") == ("kernel size 9 is larger than the input length 8 "
                                   "(padding='valid'); use a smaller kernel or padding='same'")
    g.set_config("conv", "padding", "same")
    assert propagate(g).layers["conv"].output_shape == (None, 8, 8, 4)


@pytest.mark.parametrize("key, value, message", [
    ("filters", 0, "filters must be at least 1, got 0"),
    ("filters", -3, "filters must be at least 1, got -3"),
    ("filters", 2.5, "filters must be a whole number, got 2.5"),
    ("filters", "8", "filters must be a whole number, got '8'"),
    ("filters", True, "filters must be a whole number, got True"),
    ("kernel_size", (3,), "kernel_size must have 2 values, got 1: (3,)"),
    ("kernel_size", (0, 3), "kernel_size must be at least 1, got 0"),
    ("strides", "two", "strides must be a list of whole numbers, got 'two'"),
    ("padding", "full", "padding must be one of 'valid', 'same', got 'full'"),
    ("use_bias", "yes", "use_bias must be true or false, got 'yes'"),
    ("filters", None, "filters is required, got None"),
])
def test_invalid_config_values(key: str, value: object, message: str) -> None:
    g = two_branches()
    g.set_config("conv", key, value)
    assert error_of(g, "conv") == message


def test_out_of_range_float() -> None:
    g = two_branches()
    drop = g.add_layer("Dropout", "drop", {"rate": 1.5})
    g.connect("dense", drop)
    assert error_of(g, drop) == "rate must be at most 1, got 1.5"
    g.set_config(drop, "rate", float("nan"))
    assert error_of(g, drop) == "rate must be a finite number, got nan"


def test_downstream_is_unresolved_and_the_rest_is_counted() -> None:
    g = two_branches()
    g.set_config("conv", "filters", 0)
    r = propagate(g)
    assert r.layers["conv"].diagnostic.severity is Severity.ERROR
    for n in ("flat", "dense"):
        d = r.layers[n].diagnostic
        assert d.severity is Severity.UNRESOLVED and r.layers[n].output_shape is None
    assert r.layers["flat"].diagnostic.message == ("input 'conv' has no output shape "
                                                   "(fix the layers above first)")
    assert r.layers["side"].ok and r.layers["side"].total == 8
    assert r.total == 8 and r.has_errors
    assert [d.layer for d in r.diagnostics] == ["conv", "flat", "dense"]


def test_unknown_layer_type_is_opaque() -> None:
    g = two_branches()
    custom = g.add_layer("MyLayer", "custom")
    g.connect("dense", custom)
    r = propagate(g).layers[custom]
    assert not r.known and r.diagnostic.severity is Severity.ERROR
    assert "custom layer type 'MyLayer'" in r.diagnostic.message
    assert "output_shape" in r.diagnostic.message
    g.set_config(custom, "output_shape", [None, 7])
    r = propagate(g).layers[custom]
    # Its shape is known now, its weights are not: the counts are incomplete.
    assert r.output_shape == (None, 7) and r.diagnostic.severity is Severity.ERROR
    assert "weights are unknown" in r.diagnostic.message
    g.set_config(custom, "trainable_params", 12)
    g.set_config(custom, "non_trainable_params", 3)
    r = propagate(g).layers[custom]
    assert r.ok and r.diagnostic is None and (r.trainable, r.non_trainable) == (12, 3)
    assert "as declared" in r.info
    g.set_trainable(custom, False)
    assert propagate(g).layers[custom].non_trainable == 15


# ---------------------------------------------------------------------------- counting
def test_frozen_layer_counts_all_weights_as_non_trainable() -> None:
    g = two_branches()
    bn = g.add_layer("BatchNormalization", "bn")
    g.connect("dense", bn)
    r = propagate(g).layers[bn]
    assert (r.trainable, r.non_trainable) == (2 * 5, 2 * 5)  # gamma, beta | moving stats
    g.set_trainable(bn, False)
    g.set_trainable("conv", False)
    r = propagate(g)
    assert (r.layers[bn].trainable, r.layers[bn].non_trainable) == (0, 20)
    assert (r.layers["conv"].trainable, r.layers["conv"].non_trainable) == (0, 112)
    assert r.non_trainable == 20 + 112


def test_shared_layer_counts_once() -> None:
    g = LayerGraph()
    a = g.add_layer("InputLayer", "a", {"shape": (16,)})
    b = g.add_layer("InputLayer", "b", {"shape": (16,)})
    d = g.add_layer("Dense", "shared", {"units": 8})
    d2 = g.add_layer("Dense", "shared_2", {"units": 8}, shared_with=d)
    g.connect(a, d)
    g.connect(b, d2)
    r = propagate(g)
    assert r.layers[d].total == 136 and r.layers[d2].total == 0
    assert r.layers[d2].output_shape == (None, 8)
    assert "shares the weights of 'shared'" in r.layers[d2].formula
    assert r.total == 136


# ---------------------------------------------------------------------------- incremental
def _descendants(g: LayerGraph, n: str) -> set[str]:
    return {n} | nx.descendants(g.nx_graph, n)


@pytest.mark.parametrize("edit, touched", [
    (lambda: SetConfig("conv", "filters", 9), "conv"),
    (lambda: SetConfig("conv", "kernel_size", (20, 20)), "conv"),
    (lambda: SetTrainable("dense", False), "dense"),
    (lambda: SetConfig("gap", "keepdims", True), "gap"),
    (lambda: Disconnect("conv", "flat", 0), "flat"),
])
def test_incremental_recomputes_only_the_edited_layer_and_descendants(edit, touched) -> None:
    g = two_branches()
    before = propagate(g)
    assert before.recomputed == frozenset(g.layer_ids())
    e = edit()
    e.apply(g)
    after = propagate(g, before)
    assert after.recomputed == _descendants(g, touched)
    assert dict(after.layers) == dict(propagate(g).layers)
    e.revert(g)
    again = propagate(g, after)
    assert dict(again.layers) == dict(before.layers)


def test_incremental_after_structure_edits() -> None:
    g = two_branches()
    r = propagate(g)
    e = Connect("gap", g.add_layer("Dense", "extra", {"units": 3}, node_id="extra"))
    r = propagate(g, r)
    assert r.recomputed == {"extra"}
    e.apply(g)
    r = propagate(g, r)
    assert r.recomputed == {"extra"} and r.layers["extra"].total == 12
    remove = RemoveLayer("flat")
    remove.apply(g)
    r = propagate(g, r)
    assert r.recomputed == {"dense"} and "flat" not in r.layers
    assert dict(r.layers) == dict(propagate(g).layers)
    remove.revert(g)
    r = propagate(g, r)
    assert r.recomputed == {"flat", "dense"}
    assert dict(r.layers) == dict(propagate(g).layers)


def test_nothing_recomputed_for_moves_and_leaf_renames() -> None:
    g = two_branches()
    r = propagate(g)
    Rename("dense", "renamed").apply(g)
    g.move("conv", (10, 10))
    r2 = propagate(g, r)
    assert r2.recomputed == frozenset() and r2.layers is r.layers


def test_rename_refreshes_the_messages_that_quote_the_name() -> None:
    g = two_branches()
    g.set_config("conv", "filters", 0)
    r = propagate(g)
    Rename("conv", "renamed").apply(g)
    r2 = propagate(g, r)
    assert r2.recomputed == {"flat", "dense"}
    assert r2.layers["flat"].diagnostic.message.startswith("input 'renamed' has no output")
    assert dict(r2.layers) == dict(propagate(g).layers)


def test_editing_a_shared_owner_recomputes_its_calls() -> None:
    g = LayerGraph()
    a = g.add_layer("InputLayer", "a", {"shape": (16,)})
    b = g.add_layer("InputLayer", "b", {"shape": (16,)})
    d = g.add_layer("Dense", "shared", {"units": 8})
    d2 = g.add_layer("Dense", "shared_2", {"units": 8}, shared_with=d)
    g.connect(a, d)
    g.connect(b, d2)
    r = propagate(g)
    g.set_config(d, "units", 4)
    r2 = propagate(g, r)
    assert r2.recomputed == {d, d2}
    assert dict(r2.layers) == dict(propagate(g).layers)


def test_a_result_of_another_graph_is_not_reused() -> None:
    r = propagate(two_branches())
    g = two_branches()
    g.set_config("conv", "filters", 1)
    r2 = propagate(g, r)
    assert r2.recomputed == frozenset(g.layer_ids())
    assert r2.layers["conv"].total == 28


# ---------------------------------------------------------------------------- O(change)
def _dense_chain(n: int) -> tuple[LayerGraph, str]:
    g = LayerGraph()
    prev = g.add_layer("InputLayer", config={"shape": (8,)})
    for _ in range(n - 1):
        node = g.add_layer("Dense", config={"units": 8})
        g.connect(prev, node)
        prev = node
    return g, g.topological_order()[-3]


def _calls_of_one_edit(n: int) -> int:
    """Python function calls made by one incremental propagation after a config edit of
    the third-last layer of an n-layer chain (counted by cProfile, not timed)."""
    import cProfile
    import pstats

    g, target = _dense_chain(n)
    r = propagate(g)
    g.set_config(target, "units", 4)
    prof = cProfile.Profile()
    prof.enable()
    r2 = propagate(g, r)
    prof.disable()
    assert r2.recomputed == _descendants(g, target)
    return pstats.Stats(prof).total_calls  # type: ignore[attr-defined]


def test_incremental_work_follows_the_change_not_the_model_size() -> None:
    small, large = _calls_of_one_edit(500), _calls_of_one_edit(20_000)
    assert large <= small + 20, (small, large)  # 40x the layers, the same work


def test_incremental_totals_and_diagnostics_equal_a_full_propagation() -> None:
    g, _ = _dense_chain(300)
    order = g.topological_order()
    r = propagate(g)
    # Enough edits to fold the overlay of changed results into a new base several times.
    for i in range(400):
        n = order[1 + (i * 37) % (len(order) - 1)]
        g.set_config(n, "units", (i % 5) or 0)  # units 0 is an error on that layer
        if i % 7 == 0:
            g.set_trainable(n, i % 2 == 0)
        r = propagate(g, r)
        if i % 50 == 49:
            full = propagate(g)
            assert dict(r.layers) == dict(full.layers) and len(r.layers) == len(full.layers)
            assert (r.trainable, r.non_trainable) == (full.trainable, full.non_trainable)
            assert r.diagnostics == full.diagnostics and r.has_errors == full.has_errors
    removed = order[150]
    g.remove_layer(removed)
    r = propagate(g, r)
    assert removed not in r.layers and len(r.layers) == 299
    assert r.total == propagate(g).total


def test_default_names_reuse_the_lowest_free_suffix() -> None:
    g, _ = _dense_chain(5)  # dense, dense_1, dense_2, dense_3
    g.remove_layer(g.id_of("dense_1"))
    assert g.raw(g.add_layer("Dense"))["name"] == "dense_1"
    assert g.raw(g.add_layer("Dense"))["name"] == "dense_4"
