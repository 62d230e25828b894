"""The importer validates each layer's config once and hands the resolved config to
propagation (``LayerGraph.validated_configs``); with an owned tree it converts configs in
place; with a tree orjson parsed (``finite``) a layer whose config equals an earlier one's
but for the name is made from the earlier one's conversion and checks. All are speed-ups
only: these tests check that what is refused, what is built and
what propagation computes stay exactly as before, and that every config edit drops the
importer's resolved config.
"""
from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paramlab.core.catalogue import CATALOGUE, get_spec
from paramlab.core.catalogue.keras_compat import from_keras_config
from paramlab.core.errors import LayerError, ModelFileError
from paramlab.core.io.keras_archive import parse_config
from paramlab.core.io.keras_graph import _Builder
from paramlab.core.io.keras_import import load_keras, parse_keras_config, read_keras_config
from paramlab.core.io.writers import format_summary
from paramlab.core.propagate import propagate
from paramlab.core.summary import summarize

DATA = Path(__file__).resolve().parents[1] / "data"
CORPUS = sorted([*(DATA / "keras").glob("*.json"), *(DATA / "keras2").glob("*.json"),
                 *(DATA / "keras_nested").glob("*.json"),
                 *(DATA / "realworld" / "files").glob("*.json")])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 300), st.integers(2**31 - 2, 2**33),
    st.sampled_from([0.0, -0.0, 1.0, 2.0, 3.0, 0.5, math.inf, math.nan]),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=6),
    st.sampled_from(["same", "valid", "relu", "channels_last", "channels_first", "causal"]))
values = st.recursive(
    scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                     st.dictionaries(st.text(max_size=4), inner, max_size=3)),
    max_leaves=10)
EDGE_VALUES = [True, False, 0, 1, -1, 2**40, 1.0, 3.0, -0.0, 0.5, math.inf, math.nan, "same",
               "x", [3, 3], [3, 3.0], [3.0, 3.0], [3.0], [1, 2, 3], [True, 1], [None, 3],
               [[1, 1], [2, 2]], [[1.0, 1], [2, 2]], [], {}, {"a": 1}, None]


def _outcome(fn, *args: Any) -> tuple[str, Any]:
    try:
        return "ok", fn(*args)
    except ModelFileError as exc:
        return "refused", str(exc)


def _same_decision(type_name: str, config: dict[str, Any]) -> None:
    """_validate refuses exactly what the full type check refuses, with the same message,
    and returns resolve_config's result exactly when it succeeds."""
    builder = _Builder("f.json")
    known = builder._type_checks(type_name)
    spec = known[0]
    old = _outcome(builder._check_types, type_name, config, "layer", known[1])
    new = _outcome(builder._validate, spec, type_name, config, "layer", known)
    assert (old[0], old[1] if old[0] == "refused" else None) == (
        new[0], new[1] if new[0] == "refused" else None), (type_name, config)
    if new[0] == "ok":
        try:
            expected = spec.resolve_config(config)
        except Exception:  # noqa: BLE001 - any failure: nothing may be kept
            expected = None
        assert repr(new[1]) == repr(expected), (type_name, config)


@settings(max_examples=400, deadline=None)
@given(type_name=st.sampled_from(sorted(CATALOGUE)), data=st.data())
def test_validate_decides_as_the_type_check_on_any_values(type_name: str, data) -> None:
    spec = CATALOGUE[type_name]
    names = [f.name for f in spec.fields] + ["unknown_key"]
    config = data.draw(st.dictionaries(st.sampled_from(names), values, max_size=len(names)))
    _same_decision(type_name, config)


def test_validate_decides_as_the_type_check_on_edge_values() -> None:
    for type_name, spec in CATALOGUE.items():
        for f in spec.fields:
            for value in EDGE_VALUES:
                _same_decision(type_name, {f.name: copy.deepcopy(value)})


def _corpus_layers() -> list[tuple[str, dict[str, Any]]]:
    out = []
    stack = []
    for path in CORPUS:
        try:
            stack.append(read_keras_config(path))
        except ModelFileError:
            continue
    while stack:  # every layer, nested models' included
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("class_name"), str) and isinstance(node.get("config"), dict):
                out.append((node["class_name"], node["config"]))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return out


def test_validate_decides_as_the_type_check_on_the_corpora() -> None:
    checked = 0
    for class_name, keras_config in _corpus_layers():
        if get_spec(class_name) is None:
            continue
        try:
            config = from_keras_config(class_name, keras_config)
        except LayerError:
            continue
        _same_decision(class_name, config)
        # ... and with each field replaced by an edge value
        for f in get_spec(class_name).fields[:6]:
            for value in EDGE_VALUES[::3]:
                _same_decision(class_name, {**config, f.name: copy.deepcopy(value)})
        checked += 1
    assert checked > 1500


def _fingerprint(graph) -> Any:
    nodes = [(n, repr(sorted(d.items(), key=lambda kv: kv[0])), list(d["config"]))
             for n, d in graph.nx_graph.nodes(data=True)]
    edges = sorted(graph.nx_graph.edges(keys=True, data=True))
    return nodes, edges, graph.groups


def _outputs(obj: Any, owned: bool, resolved: bool = True, finite: bool = False) -> Any:
    try:
        graph = parse_keras_config(obj, "f.json", owned=owned, finite=finite)
    except ModelFileError as exc:
        return str(exc)
    if not resolved:
        graph.validated_configs.clear()  # propagation resolves every config itself
    fingerprint = _fingerprint(graph)
    result = propagate(graph)
    layers = [repr(result.layers[n]) for n in graph.layer_ids()]
    text = format_summary(summarize(graph, result, expand_groups=True), "json")
    return fingerprint, layers, text


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_owned_import_equals_a_copying_one(path: Path) -> None:
    """An owned tree converted in place gives the graph, results and summary of a tree the
    importer copies, and a tree it does not own is left as it was; propagation gives the
    same results from the importer's resolved configs as from its own; and so does an
    import that makes repeated configs once (``finite``), which leaves the tree as it was
    too (the name it nulls while keying a config is put back in its place)."""
    try:
        obj = read_keras_config(path)
    except ModelFileError:
        pytest.skip("not a readable model file")
    before = json.dumps(obj)
    copied = _outputs(obj, owned=False)
    assert json.dumps(obj) == before
    assert _outputs(copy.deepcopy(obj), owned=True) == copied
    assert _outputs(obj, owned=False, resolved=False) == copied
    finite = parse_config(path.read_bytes(), path)[1]
    assert _outputs(copy.deepcopy(obj), owned=True, finite=finite) == copied
    assert _outputs(obj, owned=False, finite=finite) == copied
    assert json.dumps(obj) == before


def _dense(name: str, source: str, **config: Any) -> dict[str, Any]:
    tensor = {"class_name": "__keras_tensor__", "config": {
        "shape": [None, 8], "keras_history": [source, 0, 0]}}
    return {"class_name": "Dense", "name": name,
            "config": {"name": name, "trainable": True, "units": 4, **config},
            "inbound_nodes": [{"args": [tensor], "kwargs": {}}]}


def _functional(name: str, layers: list[Any], inputs: list[str], output: str,
                **config: Any) -> dict[str, Any]:
    return {"class_name": "Functional", "config": {
        "name": name, "layers": layers, "input_layers": [[i, 0, 0] for i in inputs],
        "output_layers": [[output, 0, 0]], **config}}


def _input(name: str) -> dict[str, Any]:
    return {"class_name": "InputLayer", "name": name,
            "config": {"name": name, "batch_shape": [None, 8]}, "inbound_nodes": []}


def test_a_repeated_config_is_made_once_and_counted_as_keras_counts_it() -> None:
    """Dense(4) on 8 features: (8 + 1) x 4 = 36 weights (Keras's Dense.build: kernel
    (8, 4), bias (4,)). Three layers with one config but for the name share one resolved
    config; a fourth with other units does not."""
    obj = _functional("m", [_input("x"), _dense("d1", "x"), _dense("d2", "x"),
                            _dense("d3", "x"), _dense("d4", "x", units=5)], ["x"], "d1")
    graph = parse_keras_config(copy.deepcopy(obj), owned=True, finite=True)
    kept = {name: graph.validated_configs[graph.id_of(name)][1]
            for name in ("d1", "d2", "d3", "d4")}
    assert kept["d2"] is kept["d1"] and kept["d3"] is kept["d1"]
    assert kept["d4"] is not kept["d1"] and kept["d4"]["units"] == 5
    configs = [graph.raw(graph.id_of(n))["config"] for n in ("d1", "d2", "d3")]
    assert configs[0] == configs[1] == configs[2]
    assert configs[0] is not configs[1]  # each node owns its config (edits stay its own)
    layers = propagate(graph).layers
    assert [layers[graph.id_of(n)].trainable for n in ("d1", "d2", "d3", "d4")] == [
        36, 36, 36, 45]
    assert _outputs(copy.deepcopy(obj), owned=True, finite=True) == _outputs(obj, owned=False)


def test_a_repeated_config_in_a_frozen_nested_model_is_not_the_same_layer() -> None:
    """A nested model saved with trainable false freezes its layers (Keras:
    model.trainable = False): its Dense(4) on 8 features has 36 non-trainable weights, and
    the top model's Dense with the same config has 36 trainable ones."""
    inner = _functional("enc", [_input("enc_in"), _dense("inner", "enc_in")], ["enc_in"],
                        "inner", trainable=False)
    inner["name"] = "enc"
    tensor = {"class_name": "__keras_tensor__", "config": {
        "shape": [None, 8], "keras_history": ["x", 0, 0]}}
    inner["inbound_nodes"] = [{"args": [tensor], "kwargs": {}}]
    inner["config"]["trainable"] = False
    obj = _functional("m", [_input("x"), inner, _dense("outer", "x")], ["x"], "outer")
    graph = parse_keras_config(obj, owned=True, finite=True)
    result = propagate(graph)
    assert (result.trainable, result.non_trainable) == (36, 36)
    inner_id = next(n for n in graph.layer_ids() if graph.raw(n)["name"] == "inner")
    assert graph.raw(inner_id)["trainable"] is False
    assert graph.raw(graph.id_of("outer"))["trainable"] is True


def test_nan_and_null_configs_are_never_taken_for_each_other(tmp_path: Path) -> None:
    """orjson writes NaN as null, so the JSON texts of these two configs are equal; a file
    with NaN is parsed by the stdlib (orjson refuses it), and its layers are then made one
    by one, each flagged with its own value."""
    layers = [_input("x"),
              {"class_name": "LayerNormalization", "name": "a", "config": {
                  "name": "a", "epsilon": None},
               "inbound_nodes": _dense("a", "x")["inbound_nodes"]},
              {"class_name": "LayerNormalization", "name": "b", "config": {
                  "name": "b", "epsilon": math.nan},
               "inbound_nodes": _dense("b", "x")["inbound_nodes"]}]
    path = tmp_path / "nan.json"
    path.write_text(json.dumps(_functional("m", layers, ["x"], "a")))  # writes NaN
    assert parse_config(path.read_bytes(), path)[1] is False
    graph = load_keras(path)
    layers_out = propagate(graph).layers
    a, b = layers_out[graph.id_of("a")], layers_out[graph.id_of("b")]
    assert a.diagnostic.message == "epsilon is required, got None"
    assert b.diagnostic.message == "epsilon must be a finite number, got nan"


def _model(units: Any = 8) -> dict[str, Any]:
    tensor = {"class_name": "__keras_tensor__", "config": {
        "shape": [None, 3], "keras_history": ["in", 0, 0]}}
    return {"class_name": "Functional", "config": {
        "name": "m", "input_layers": [["in", 0, 0]], "output_layers": [["d", 0, 0]],
        "layers": [
            {"class_name": "InputLayer", "name": "in",
             "config": {"name": "in", "batch_shape": [None, 3]}, "inbound_nodes": []},
            {"class_name": "Dense", "name": "d", "config": {"name": "d", "units": units},
             "inbound_nodes": [{"args": [tensor], "kwargs": {}}]}]}}


def test_propagation_takes_each_resolved_config_once() -> None:
    graph = parse_keras_config(_model(), owned=True)
    dense = graph.id_of("d")
    assert set(graph.validated_configs) == set(graph.layer_ids())
    assert graph.validated_configs[dense][1]["units"] == 8
    assert propagate(graph).layers[dense].trainable == 3 * 8 + 8
    assert graph.validated_configs == {}  # taken
    assert propagate(graph).layers[dense].trainable == 3 * 8 + 8  # resolved again


@pytest.mark.parametrize("edit", ["set", "unset", "remove"])
def test_every_config_edit_drops_the_resolved_config(edit: str) -> None:
    graph = parse_keras_config(_model(units=8), owned=True)
    dense = graph.id_of("d")
    if edit == "set":
        graph.set_config(dense, "units", 5)
        expected = 3 * 5 + 5
    elif edit == "unset":
        graph.unset_config(dense, "units")
        expected = None  # Dense's default units: the catalogue's
    else:
        graph.remove_layer(dense)
        expected = "removed"
    assert dense not in graph.validated_configs
    layers = propagate(graph).layers
    if expected == "removed":
        assert dense not in layers
    elif expected is None:
        fresh = parse_keras_config(_model(units=8), owned=False)
        fresh.validated_configs.clear()
        fresh.unset_config(fresh.id_of("d"), "units")
        assert repr(layers[dense]) == repr(propagate(fresh).layers[fresh.id_of("d")])
    else:
        assert layers[dense].trainable == expected


def test_a_resolved_config_of_another_spec_is_not_used() -> None:
    graph = parse_keras_config(_model(units=8), owned=True)
    dense = graph.id_of("d")
    graph.validated_configs[dense] = (get_spec("Conv2D"), {"units": 1000})
    assert propagate(graph).layers[dense].trainable == 3 * 8 + 8


def test_out_of_range_values_are_left_to_propagation_and_not_kept() -> None:
    graph = parse_keras_config(_model(units=0), owned=True)
    dense = graph.id_of("d")
    assert dense not in graph.validated_configs
    assert "units must be at least 1" in propagate(graph).layers[dense].diagnostic.message
    with pytest.raises(ModelFileError, match="units has the wrong type"):
        parse_keras_config(_model(units=[8]), owned=True)


def test_a_frozen_rnn_converted_in_place_keeps_its_cells_trainable() -> None:
    """from_keras_config reads the RNN's own trainable flag before it drops it: in place,
    the frozen RNN's cells are set trainable as with a copy (see keras_compat)."""
    from paramlab.core.graph import LayerGraph
    from paramlab.core.io.keras_json_export import to_keras_dict

    g = LayerGraph("frozen")
    x = g.add_layer("InputLayer", "x", {"shape": [5, 4]})
    cell = {"class_name": "LSTMCell", "config": {"units": 3, "trainable": False}}
    rnn = g.add_layer("RNN", "rnn", {"cell": cell}, trainable=False)
    g.connect(x, rnn)
    obj = to_keras_dict(g)
    copied = _outputs(copy.deepcopy(obj), owned=False)
    assert _outputs(copy.deepcopy(obj), owned=True) == copied
    graph = parse_keras_config(obj, owned=True)
    d = graph.raw(graph.id_of("rnn"))
    assert d["trainable"] is False
    assert d["config"]["cell"]["config"]["trainable"] is True


@pytest.mark.parametrize(("key", "value", "message"), [
    ("class_name", ["Dense"], "class_name must be a non-empty string, got ['Dense']"),
    ("class_name", {"a": 1}, "class_name must be a non-empty string, got {'a': 1}"),
    ("module", ["keras.layers"], None)])
def test_a_class_name_or_module_that_cannot_be_a_key_is_checked_as_before(
        tmp_path: Path, key: str, value: Any, message: str | None) -> None:
    """A repeated layer is found by a key holding its class name and module: values that
    cannot be hashed take the long way, and get the class check's own message."""
    obj = _functional("m", [_input("x"), _dense("d1", "x"), _dense("d2", "x")], ["x"], "d1")
    obj["config"]["layers"][2][key] = value
    path = tmp_path / "m.json"
    path.write_text(json.dumps(obj))
    assert parse_config(path.read_bytes(), path)[1] is True
    if message is None:  # a module that is not a string: the layer is read as usual
        graph = load_keras(path)
        assert propagate(graph).layers[graph.id_of("d2")].trainable == 36
    else:
        with pytest.raises(ModelFileError) as exc:
            load_keras(path)
        assert str(exc.value).endswith(f"layer 'd2': {message}")



def test_a_keras_archive_takes_the_repeated_config_step_with_the_same_results(
        tmp_path: Path) -> None:
    """A .keras archive's config.json (orjson parses it: finite) goes through the same
    step as a JSON file: repeated configs share one resolved config, and the graph,
    results and summary equal an import that converts every layer on its own."""
    import zipfile

    obj = _functional("m", [_input("x"), _dense("d1", "x"), _dense("d2", "x")], ["x"], "d1")
    path = tmp_path / "m.keras"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("config.json", json.dumps(obj))
    graph = load_keras(path)
    kept = graph.validated_configs
    assert kept[graph.id_of("d2")][1] is kept[graph.id_of("d1")][1]
    fingerprint = _fingerprint(graph)
    result = propagate(graph)
    assert result.trainable == 2 * 36  # Dense(4) on 8 features, twice
    assert (fingerprint, [repr(result.layers[n]) for n in graph.layer_ids()],
            format_summary(summarize(graph, result, expand_groups=True), "json")) == \
        _outputs(obj, owned=False)
