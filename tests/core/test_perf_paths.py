"""The importer's and propagation's fast paths give exactly what the general code gives.

Each fast path (see tests/bench/bench_keras_import.py for why they exist) handles the
common exact-type values itself and hands everything else to the general code; these tests
feed both the same values, real ones from the Keras reference files and generated ones
(hypothesis), and compare results and error messages.
"""
from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paramlab.core.catalogue import CATALOGUE, get_spec
from paramlab.core.catalogue.keras_compat import MAX_DEPTH, _copy_json, _decode, from_keras_config
from paramlab.core.errors import GraphError, LayerError, ModelFileError
from paramlab.core.fields import FieldKind, FieldSpec
from paramlab.core.graph import LayerGraph
from paramlab.core.io import keras2_config, keras3_config
from paramlab.core.io.keras_graph import _INT_LISTS, _SURELY_OK, _type_ok
from paramlab.core.io.keras_import import parse_keras_config
from paramlab.core.propagate import LayerResult, propagate

DATA = Path(__file__).resolve().parents[1] / "data"
REFERENCE = sorted((DATA / "keras").glob("*.json")) + sorted((DATA / "keras2").glob("*.json"))

# JSON-like values, with the awkward cases of each type (bool vs int, -0.0, nan, inf,
# integral floats, nested and mixed lists, dicts, bytes, tuples).
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 300), st.sampled_from([0.0, -0.0, 1.0, 2.0]),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=6),
    st.sampled_from(["same", "valid", "relu", "channels_last", "causal", "linear"]),
    st.binary(max_size=4))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.tuples(inner, inner),
                            st.dictionaries(st.text(max_size=4), inner, max_size=3)),
    max_leaves=12)


def outcome(fn, *args: Any) -> tuple[str, Any]:
    """("ok", result with its types) or ("error", message)."""
    try:
        return "ok", typed(fn(*args))
    except LayerError as exc:
        return "error", str(exc)


def typed(value: Any) -> Any:
    """A value with every element's type and float sign kept, for exact comparison
    (plain == says True == 1 == 1.0 and 0.0 == -0.0)."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [typed(v) for v in value])
    if isinstance(value, float):
        return ("float", "nan" if math.isnan(value) else value.hex())
    return (type(value).__name__, value)


def plain_fields() -> list[FieldSpec]:
    """Every catalogue field that is a FieldSpec itself (subclasses have their own
    validate, with no fast path)."""
    fields = [f for spec in CATALOGUE.values() for f in spec.fields if type(f) is FieldSpec]
    assert {f.kind for f in fields} == set(FieldKind)
    return fields


def reference_layers() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in REFERENCE:
        for layer in json.loads(path.read_text())["config"]["config"]["layers"]:
            out.append((layer["class_name"], layer))
    return out


# ---------------------------------------------------------------- FieldSpec.validate

@settings(max_examples=300, deadline=None)
@given(value=values)
def test_validate_fast_paths_match_the_general_code(value: Any) -> None:
    for f in plain_fields():
        assert outcome(f.validate, value) == outcome(f._validate_general, value), f


EDGE_VALUES = [True, False, 0, 1, -1, 2**70, 1.0, -0.0, 0.5, 1.5, math.inf, -math.inf,
               math.nan, "same", "x", [3, 3], (3, 3), [3, 3.0], [True, 1], [0, 1], [1, 2, 3],
               [], None]


def test_validate_fast_paths_on_edge_values() -> None:
    for f in plain_fields():
        for value in EDGE_VALUES:
            assert outcome(f.validate, value) == outcome(f._validate_general, value), (f, value)


def reference_resolution(spec, config: dict[str, Any]) -> dict[str, Any]:
    """resolve_config as its docstring defines it, one validate per field."""
    out = dict(config)
    for f in spec.fields:
        out[f.name] = f.validate(config[f.name]) if f.name in config else f.default
    return out


def test_resolve_config_matches_one_validate_per_field_on_reference_layers() -> None:
    checked = 0
    for class_name, layer in reference_layers():
        spec = get_spec(class_name)
        if spec is None:
            continue
        config = from_keras_config(class_name, layer["config"])
        assert (outcome(spec.resolve_config, config)
                == outcome(reference_resolution, spec, config)), class_name
        checked += 1
    assert checked > 1000


def test_resolve_config_fast_paths_on_edge_values() -> None:
    for spec in CATALOGUE.values():
        for f in spec.fields:
            for value in EDGE_VALUES:
                config = {f.name: value}
                assert (outcome(spec.resolve_config, config)
                        == outcome(reference_resolution, spec, config)), (spec.type, f, value)


@settings(max_examples=200, deadline=None)
@given(type_name=st.sampled_from(sorted(CATALOGUE)), data=st.data())
def test_resolve_config_matches_one_validate_per_field_on_any_values(type_name, data) -> None:
    spec = CATALOGUE[type_name]
    names = [f.name for f in spec.fields] + ["unknown_key"]
    config = data.draw(st.dictionaries(st.sampled_from(names), values, max_size=len(names)))
    assert outcome(spec.resolve_config, config) == outcome(reference_resolution, spec, config)


def test_spec_plan_follows_replace() -> None:
    spec = get_spec("Dense")
    fields = tuple(dataclasses.replace(f, default=7) if f.name == "units" else f
                   for f in spec.fields)
    changed = dataclasses.replace(spec, fields=fields)
    assert changed.resolve_config({})["units"] == 7
    assert changed.resolve_config({"units": 3})["units"] == 3


# ---------------------------------------------------------------- keras_compat

def test_copy_json_equals_decode_and_copies_on_reference_configs() -> None:
    for _, layer in reference_layers():
        config = layer["config"]
        copied = _copy_json(config, 1)
        assert typed(copied) == typed(_decode(config, 1))
        assert copied is not config
        for key, value in config.items():
            if isinstance(value, (dict, list)):
                assert copied[key] is not value  # a deep copy, not shared with the input


@settings(max_examples=300, deadline=None)
@given(value=values)
def test_copy_json_matches_decode_on_any_values(value: Any) -> None:
    def run(fn):
        try:
            return "ok", typed(fn(value, 1))
        except LayerError as exc:
            return "error", str(exc)
    assert run(_copy_json) == run(_decode)


@pytest.mark.parametrize("levels", [MAX_DEPTH - 3, MAX_DEPTH - 2, MAX_DEPTH - 1, MAX_DEPTH,
                                    MAX_DEPTH + 1])
@pytest.mark.parametrize("leaf", [[], [1], {}, {"a": None}, b"x"])
def test_depth_limit_as_before(levels: int, leaf: Any) -> None:
    value: Any = leaf
    for _ in range(levels):
        value = [value]
    config = {"units": 1, "kernel_initializer": value}

    def slow(class_name, cfg):  # the conversion as it was: _decode on every value
        return {k: _decode(v, 1) for k, v in cfg.items() if k not in ("name", "trainable")}

    expected = outcome(slow, "Dense", config)
    got = outcome(from_keras_config, "Dense", config)
    assert got[0] == expected[0]
    if got[0] == "ok":
        assert got == expected
    else:
        assert got[1] == expected[1]


def test_dropped_and_byte_keys_still_decoded_as_before() -> None:
    assert from_keras_config("Dense", {b"input_shape": [4], "units": 2, b"name": b"d"}) \
        == {"units": 2}
    with pytest.raises(LayerError, match="not valid UTF-8"):
        from_keras_config("Dense", {"name": b"\xff", "units": 2})
    with pytest.raises(LayerError, match="not valid UTF-8"):
        from_keras_config("Dense", {"units": 2, "dtype": {"name": b"\xff"}})


# ---------------------------------------------------------------- importer

def test_plain_call_matches_parse_call_on_reference_files() -> None:
    seen = 0
    for _, layer in reference_layers():
        for node in layer.get("inbound_nodes") or []:
            if not isinstance(node, dict):
                continue
            fast = keras3_config.plain_call(node)
            slow = keras3_config.parse_call(node, "here", "file")
            if fast is not None:
                assert fast == slow
                seen += 1
    assert seen > 1000


@pytest.mark.parametrize("node", [
    {"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["a", -1, 0]}}]},
    {"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["a", True, 0]}}]},
    {"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["a", 0]}}]},
    {"args": [{"class_name": "__keras_tensor__", "config": None}]},
    {"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["a", 0, 0]}}, 2]},
    {"args": [], "kwargs": {"query": {"class_name": "__keras_tensor__",
                                      "config": {"keras_history": ["q", 0, 0]}}}},
    {"args": "x"},
    {"args": [], "kwargs": []},
])
def test_plain_call_leaves_the_unusual_to_parse_call(node) -> None:
    assert keras3_config.plain_call(node) is None


@settings(max_examples=300, deadline=None)
@given(value=values)
def test_type_check_shortcut_implies_the_full_check(value: Any) -> None:
    for kind in FieldKind:
        t = type(value)
        if t in _SURELY_OK[kind] or (kind in _INT_LISTS and t is list
                                     and all(type(v) is int for v in value)):
            assert _type_ok(kind, value), (kind, value)


def test_wrong_json_types_still_refused() -> None:
    model = {"class_name": "Functional", "config": {
        "name": "m", "input_layers": [["in", 0, 0]], "output_layers": [["d", 0, 0]],
        "layers": [
            {"class_name": "InputLayer", "name": "in",
             "config": {"name": "in", "batch_shape": [None, 3]}, "inbound_nodes": []},
            {"class_name": "Dense", "name": "d", "config": {"name": "d", "units": "8"},
             "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {
                 "shape": [None, 3], "keras_history": ["in", 0, 0]}}], "kwargs": {}}]}]}}
    with pytest.raises(ModelFileError, match="units has the wrong type"):
        parse_keras_config(model)


# ---------------------------------------------------------------- graph

@settings(max_examples=150, deadline=None)
@given(ops=st.lists(st.tuples(st.sampled_from(["add", "connect", "connect", "disconnect",
                                                "remove"]),
                              st.integers(0, 7), st.integers(0, 7)), max_size=40))
def test_would_cycle_agrees_with_a_path_search(ops) -> None:
    """The sequence-number shortcut (no search while every connection runs from an older
    layer to a newer one) answers as networkx's path search does, through any mix of
    forward and backward connections, removals and re-additions."""
    g = LayerGraph()
    for _ in range(4):
        g.add_layer("Concatenate")
    for op, a, b in ops:
        ids = g.layer_ids()
        if op == "add" or not ids:
            g.add_layer("Concatenate")
            continue
        src, dst = ids[a % len(ids)], ids[b % len(ids)]
        if op == "connect":
            try:
                g.connect(src, dst)
            except GraphError:
                pass
        elif op == "disconnect":
            edges = g.edges()
            if edges:
                g.disconnect(*edges[(a * 8 + b) % len(edges)])
        else:
            g.remove_layer(src)
        assert nx.is_directed_acyclic_graph(g.nx_graph)
        ids = g.layer_ids()
        for s in ids:
            for d in ids:
                expected = s == d or nx.has_path(g.nx_graph, d, s)
                assert g.would_cycle(s, d) == expected


def test_cycle_refused_after_a_backward_connection() -> None:
    g = LayerGraph()
    a, b, c = g.add_layer("Dense"), g.add_layer("Dense"), g.add_layer("Dense")
    g.connect(c, a)  # newer -> older: the shortcut no longer applies
    g.connect(a, b)
    with pytest.raises(GraphError, match="cycle"):
        g.connect(b, c)
    g.disconnect(c, a, 0)
    g.connect(b, c)  # fine once the backward connection is gone


# ---------------------------------------------------------------- propagation

def test_results_equal_the_dataclass_constructor() -> None:
    graph = parse_keras_config(json.loads((DATA / "keras" / "ResNet50.json").read_text()))
    result = propagate(graph)
    for n in result.order:
        r = result.layers[n]
        rebuilt = LayerResult(r.node_id, r.input_shapes, r.output_shape, r.weights,
                              r.trainable, r.non_trainable, r.note, r.diagnostic, r.known,
                              r.torch, r.macs, r.activation_elements)
        assert type(r) is LayerResult
        assert r == rebuilt and hash(r) == hash(rebuilt) and repr(r) == repr(rebuilt)
        with pytest.raises(dataclasses.FrozenInstanceError):
            r.trainable = 0  # type: ignore[misc]



def test_frozen_builder_builds_what_the_constructor_builds() -> None:
    """Propagation builds its results with core.types.frozen_builder: plain LayerResult
    (and WeightSpec) instances, frozen, equal to the constructor's, picklable, with the
    defaults and keywords of __init__."""
    import pickle

    from paramlab.core.types import Diagnostic, Severity, WeightSpec, frozen_builder

    build_weight = frozen_builder(WeightSpec)
    for args, kwargs in [(("kernel", (3, 3, 1, 8)), {}), (("gamma", (4,), False), {}),
                         (("beta",), {"shape": (2,), "trainable": False})]:
        w, ref = build_weight(*args, **kwargs), WeightSpec(*args, **kwargs)
        assert type(w) is WeightSpec and w == ref and hash(w) == hash(ref)
        assert repr(w) == repr(ref) and pickle.loads(pickle.dumps(w)) == ref
        with pytest.raises(dataclasses.FrozenInstanceError):
            w.name = "x"  # type: ignore[misc]
    build_result = frozen_builder(LayerResult)
    diag = Diagnostic(Severity.WARNING, "n", "m")
    r = build_result("n", ((None, 3),), (None, 3), (WeightSpec("kernel", (3, 3)),), 9, 0,
                     None, diag, macs=9, info="i")
    ref = LayerResult("n", ((None, 3),), (None, 3), (WeightSpec("kernel", (3, 3)),), 9, 0,
                      None, diag, macs=9, info="i")
    assert type(r) is LayerResult and r == ref and repr(r) == repr(ref)
    assert pickle.loads(pickle.dumps(r)) == ref
    for f in dataclasses.fields(LayerResult):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(r, f.name, None)

def _conv_model(kernel_sizes: list[Any]) -> dict[str, Any]:
    """A Keras 3 Functional config: an input, then one Conv2D per kernel size, chained."""
    layers: list[dict[str, Any]] = [
        {"class_name": "InputLayer", "name": "in", "inbound_nodes": [],
         "config": {"name": "in", "batch_shape": [None, 32, 32, 3]}}]
    prev = "in"
    for i, size in enumerate(kernel_sizes):
        name = f"conv{i}"
        layers.append({"class_name": "Conv2D", "name": name, "config": {
            "name": name, "filters": 4, "kernel_size": size, "strides": [1, 1]},
            "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {
                "keras_history": [prev, 0, 0]}}], "kwargs": {}}]})
        prev = name
    return {"class_name": "Functional", "config": {
        "name": "m", "layers": layers, "input_layers": [["in", 0, 0]],
        "output_layers": [[prev, 0, 0]]}}


@pytest.mark.parametrize("bad", [[3, "3"], [3, 3.5], [3, True], [3, {}]])
def test_type_check_remembered_signature_still_looks_at_list_elements(bad) -> None:
    """Layers of one class whose values have the same types: a wrong list element in a
    later one is refused all the same (the whole-number list check looks at elements)."""
    parse_keras_config(_conv_model([[3, 3], [5, 5]]))
    with pytest.raises(ModelFileError, match="conv2.*kernel_size has the wrong type"):
        parse_keras_config(_conv_model([[3, 3], [5, 5], bad]))


def test_merge_layer_list_argument_takes_the_plain_path() -> None:
    """Keras 3 writes a merge layer's inputs as one list argument: the fast path reads it
    as parse_call does (same inputs, in order), and leaves a list holding anything but
    tensors to parse_call."""
    t = [{"class_name": "__keras_tensor__", "config": {"shape": [None, 4],
                                                       "keras_history": [n, 0, i]}}
         for i, n in enumerate("abc")]
    node = {"args": [t], "kwargs": {}}
    fast = keras3_config.plain_call(node)
    assert fast is not None and fast == keras3_config.parse_call(node, "here", "file")
    assert [r.layer for r in fast.inputs] == ["a", "b", "c"]
    assert keras3_config.plain_call({"args": [[*t, 2]], "kwargs": {}}) is None
    assert keras3_config.plain_call({"args": [[t]], "kwargs": {}}) is None


def keras2_layers() -> list[dict[str, Any]]:
    """Every layer entry of the Keras 2 JSON files (our own and the real-world corpus)."""
    out = []
    for path in sorted((DATA / "keras2").glob("*.json")) + sorted(
            (DATA / "realworld" / "files").glob("*.json")):
        try:
            stack = [json.loads(path.read_text(encoding="utf-8"))]
        except ValueError:  # a file of the corpus that is not JSON text (its own test)
            continue
        while stack:
            obj = stack.pop()
            if isinstance(obj, dict):
                if isinstance(obj.get("inbound_nodes"), list):
                    out.append(obj)
                stack.extend(obj.values())
            elif isinstance(obj, list):
                stack.extend(obj)
    return out


def test_keras2_plain_call_matches_parse_call_on_real_files() -> None:
    seen = 0
    for layer in keras2_layers():
        for node in layer["inbound_nodes"]:
            if not isinstance(node, list):
                continue
            fast = keras2_config.plain_call(node)
            if fast is not None:
                assert fast == keras2_config.parse_call(node, "here", "file")
                seen += 1
    assert seen > 100


@pytest.mark.parametrize("node", [
    [["a", 0, 0, {"value": ["b", 0, 0]}]],  # MultiHeadAttention's value: a data input
    [["a", 0, 0, {"return_attention_scores": True}]],
    [["a", 0, 0, []]],
    [["a", -1, 0]],
    [["a", True, 0]],
    [["a", 0]],
    [["a", 0, 0, {}, "extra"]],
    ["a", 0, 0],
])
def test_keras2_plain_call_leaves_the_unusual_to_parse_call(node) -> None:
    assert keras2_config.plain_call(node) is None
