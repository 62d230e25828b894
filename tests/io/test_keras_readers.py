"""The forms a Keras model file takes in other people's repositories, on real files of the
corpus (tests/data/realworld, figures from real Keras) and on hand-built configs whose
expected counts follow Keras's documented weight rules:

* Keras ≤ 2.2 Sequential files, whose ``"config"`` is the list of layers;
* TF.js layers-model ``model.json`` (the Keras config in ``modelTopology``);
* nested models in Keras 2 files, whose first call is node 1 (node 0 is the model's own);
* per-channel ``Rescaling`` and ``Normalization``;
* a JSON string holding the JSON text; Keras 1 files (one clear line).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramlab.core.errors import ModelFileError
from paramlab.core.io.keras_import import load_keras, parse_keras_config
from paramlab.core.io.loader import load_model
from paramlab.core.propagate import propagate
from paramlab.core.summary import summarize
from tests.conftest import DATA
from tests.io.test_keras_nested import (
    k2_functional,
    k2_input,
    k2_layer,
    k3_functional,
    k3_input,
    k3_layer,
    kt,
)

REALWORLD = DATA / "realworld"


def truth(name: str) -> dict:
    return json.loads((REALWORLD / "truth" / f"{name}.json").read_text())["truth"]


def rows(graph) -> dict[str, tuple]:
    """name -> (output shape, trainable, non-trainable) of every summary row."""
    return {r.name: (list(r.output_shape) if r.output_shape else None, r.trainable,
                     r.non_trainable) for r in summarize(graph).rows}


def keras_rows(name: str) -> dict[str, tuple]:
    return {layer["name"]: (layer["output_shape"], layer["trainable"], layer["non_trainable"])
            for layer in truth(name)["layers"]}


def k2_dense(name: str, units: int, **extra) -> dict:
    """A Keras 2 Sequential entry (no inbound nodes)."""
    return {"class_name": "Dense", "config": {"name": name, "trainable": True, "units": units,
                                              "activation": "relu", "use_bias": True, **extra}}


# ------------------------------------------------------------ Keras <= 2.2 Sequential lists

def test_keras22_sequential_list_config_real_file():
    graph = load_keras(REALWORLD / "files" / "kcnn_0x1za.json")
    got = rows(graph)
    for name, keras in keras_rows("kcnn_0x1za").items():
        assert got[name] == keras, name


def test_keras22_sequential_list_config_with_batch_input_shape():
    # Dense 5 -> 8: (5 + 1)·8 = 48; Dense 8 -> 3: (8 + 1)·3 = 27 (Keras's Dense rule).
    config = {"class_name": "Sequential", "keras_version": "2.1.5", "config": [
        k2_dense("dense_1", 8, batch_input_shape=[None, 5]), k2_dense("dense_2", 3)]}
    graph = parse_keras_config(config)
    assert graph.name == "sequential"
    got = rows(graph)
    assert got["dense_1"] == ([None, 8], 48, 0)
    assert got["dense_2"] == ([None, 3], 27, 0)
    assert propagate(graph).total == 75


def test_keras22_nested_sequential_list_without_a_name():
    # Keras 2.0 wrote a nested Sequential as {"class_name": "Sequential", "config": [...]}
    # with no name; the outer model's input shape is the inner first layer's.
    inner = {"class_name": "Sequential", "config": [
        k2_dense("enc_1", 4, batch_input_shape=[None, 6]), k2_dense("enc_2", 2)]}
    config = {"class_name": "Sequential", "config": [inner, k2_dense("head", 1)]}
    graph = parse_keras_config(config)
    assert graph.groups["sequential_1"]["type"] == "Sequential"
    got = rows(graph)
    # (6+1)·4 + (4+1)·2 = 38 in the nested model; head (2+1)·1 = 3
    assert got["sequential_1"] == ([None, 2], 38, 0)
    assert got["head"] == ([None, 1], 3, 0)


# ------------------------------------------------------------ TF.js model.json

def tfjs(model_config: dict, nested: bool = True) -> dict:
    topology = {"keras_version": "2.4.0", "backend": "tensorflow",
                "model_config": model_config} if nested else model_config
    return {"format": "layers-model", "generatedBy": "keras v2.4.0",
            "convertedBy": "TensorFlow.js Converter v3.0.0", "modelTopology": topology,
            "weightsManifest": [{"paths": ["group1-shard1of1.bin"],
                                 "weights": [{"name": "dense_1/kernel", "shape": [5, 8],
                                              "dtype": "float32"}]}]}


@pytest.mark.parametrize("nested", [True, False], ids=["model_config", "topology"])
def test_tfjs_model_json_reads_the_topology_and_never_the_shards(tmp_path: Path, nested):
    sequential = {"class_name": "Sequential", "config": {"name": "seq", "layers": [
        k2_dense("dense_1", 8, batch_input_shape=[None, 5]), k2_dense("dense_2", 3)]}}
    path = tmp_path / "model.json"
    path.write_text(json.dumps(tfjs(sequential, nested)))
    # group1-shard1of1.bin does not exist: reading it would fail.
    graph = load_model(path)
    assert propagate(graph).total == 48 + 27


def test_tfjs_real_files_match_their_extracted_topology():
    for name in ("gender_lstm_tfjs", "maternal_tfjs", "sqli_cnn_tfjs", "traffic_sign_tfjs_k3"):
        from_tfjs = rows(load_keras(REALWORLD / "files" / f"{name}.json"))
        assert from_tfjs == rows(load_keras(REALWORLD / "files" / f"{name}.keras.json"))
        for layer, keras in keras_rows(name).items():
            assert from_tfjs[layer] == keras, (name, layer)


def test_tfjs_without_a_topology_is_one_clear_error():
    with pytest.raises(ModelFileError, match="TensorFlow.js model.json without a Keras model"):
        parse_keras_config({"format": "layers-model", "weightsManifest": []})


# ------------------------------------------------------------ nested models, Keras 2

def test_keras2_nested_models_json_real_file():
    graph = load_keras(REALWORLD / "files" / "dae_nested.json")
    got = rows(graph)
    assert got == keras_rows("dae_nested")


def test_keras2_nested_models_h5(tmp_path: Path):
    # The same autoencoder as Keras's model.save("m.h5") stores it: the JSON config in the
    # root's model_config attribute (weights are never read, so none are written).
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "dae_nested.h5"
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = (REALWORLD / "files" / "dae_nested.json").read_text()
        f.attrs["keras_version"] = "2.2.5"
    assert rows(load_keras(path)) == keras_rows("dae_nested")


def siamese_keras2(second_call: int = 2) -> dict:
    """tf.keras 2: an encoder model (Input 6 -> Dense 3) called on two inputs; Keras numbers
    its calls 1 and 2 (node 0 is the encoder's own). 21 weights, counted once."""
    encoder = k2_functional("encoder", [
        k2_input("enc_in", [None, 6]),
        k2_layer("Dense", "e1", {"units": 3}, [["enc_in", 0, 0, {}]]),
    ], [["enc_in", 0, 0]], [["e1", 0, 0]])
    encoder["name"] = "encoder"
    encoder["inbound_nodes"] = [[["left", 0, 0, {}]], [["right", 0, 0, {}]]]
    return k2_functional("siamese", [
        k2_input("left", [None, 6]),
        k2_input("right", [None, 6]),
        encoder,
        k2_layer("Subtract", "diff", {}, [["encoder", 1, 0, {}], ["encoder", second_call, 0, {}]]),
        k2_layer("Dense", "out", {"units": 1}, [["diff", 0, 0, {}]]),
    ], [["left", 0, 0], ["right", 0, 0]], [["out", 0, 0]])


def test_keras2_nested_model_called_twice_counts_calls_from_1():
    graph = parse_keras_config(siamese_keras2())
    e1, call = graph.id_of("e1"), graph.id_of("e1_call1")
    assert [graph.raw(s)["name"] for s, _ in graph.inputs(e1)] == ["left"]
    assert [graph.raw(s)["name"] for s, _ in graph.inputs(call)] == ["right"]
    assert graph.inputs(graph.id_of("diff")) == [(e1, 0), (call, 1)]
    result = propagate(graph)
    assert (result.trainable, result.non_trainable) == ((6 + 1) * 3 + (3 + 1) * 1, 0)


def test_keras3_nested_functional_counts_calls_from_1():
    # Keras 3's functional.py get_config: a nested Functional's first call is node 1.
    encoder = k3_functional("encoder", [
        k3_input("enc_in", [None, 6]),
        k3_layer("Dense", "e1", {"units": 3}, [kt("enc_in", shape=[None, 6])]),
    ], [["enc_in", 0, 0]], [["e1", 0, 0]])
    encoder = {**encoder, "name": "encoder", "inbound_nodes": [
        {"args": [kt("x", shape=[None, 6])], "kwargs": {}}]}
    model = k3_functional("outer", [
        k3_input("x", [None, 6]), encoder,
        k3_layer("Dense", "y", {"units": 2}, [kt("encoder", 1, shape=[None, 3])]),
    ], [["x", 0, 0]], [["y", 0, 0]])
    got = rows(parse_keras_config(model))
    assert got["encoder"] == ([None, 3], 21, 0) and got["y"] == ([None, 2], 8, 0)


def test_bad_call_index_of_a_nested_model_names_the_nested_model():
    with pytest.raises(ModelFileError) as info:
        parse_keras_config(siamese_keras2(second_call=3))
    message = str(info.value)
    assert "uses node 3 of nested model 'encoder', which is called 2 times (nodes 1 to 2" in message
    assert "layer 'diff'" in message


def test_bad_input_of_a_nested_model_names_that_model():
    config = json.loads((REALWORLD / "files" / "dae_nested.json").read_text())
    decoder = config["config"]["layers"][2]
    decoder["inbound_nodes"] = [[["encoder", 2, 0, {}]]]  # the encoder is called once
    with pytest.raises(ModelFileError) as info:
        parse_keras_config(config)
    assert "nested model 'decoder' uses node 2 of nested model 'encoder'" in str(info.value)


# ------------------------------------------------------------ per-channel preprocessing

def test_per_channel_rescaling_real_file():
    # tf.keras EfficientNetB0 inside: rescaling_21 has scale [2.0897, 2.1129, 2.1082].
    got = rows(load_keras(REALWORLD / "files" / "parasite_effnet_vit.json"))
    for name, keras in keras_rows("parasite_effnet_vit").items():
        assert got[name] == keras, name


def test_per_channel_rescaling_and_normalization_lists():
    # tf.keras EfficientNet writes Rescaling(scale=[1/sqrt(var)...]); Normalization given
    # mean and variance has no weights (Normalization.build adds them only for adapt()).
    config = {"class_name": "Sequential", "config": {"name": "pre", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4, 4, 3],
                                                "name": "img"}},
        {"class_name": "Rescaling", "config": {"name": "r", "scale": [2.09, 2.11, 2.11],
                                               "offset": [0.1, 0.2, 0.3]}},
        {"class_name": "Normalization", "config": {"name": "n", "axis": -1,
                                                   "mean": [0.485, 0.456, 0.406],
                                                   "variance": [0.229, 0.224, 0.225]}}]}}
    got = rows(parse_keras_config(config))
    assert got["r"] == ([None, 4, 4, 3], 0, 0)
    assert got["n"] == ([None, 4, 4, 3], 0, 0)


def test_rescaling_list_with_text_is_a_layer_error_not_a_crash():
    config = {"class_name": "Sequential", "config": {"name": "pre", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 3], "name": "x"}},
        {"class_name": "Rescaling", "config": {"name": "r", "scale": [1.0, "two", 3.0]}}]}}
    graph = parse_keras_config(config)
    diag = propagate(graph).layers[graph.id_of("r")].diagnostic
    assert diag is not None and "scale" in diag.message


# ------------------------------------------------------------ JSON strings, Keras 1

def test_json_string_of_a_model_json_opens_after_one_more_decode(tmp_path: Path):
    config = {"class_name": "Sequential", "config": {"name": "seq", "layers": [
        k2_dense("dense_1", 8, batch_input_shape=[None, 5])]}}
    path = tmp_path / "model.json"
    path.write_text(json.dumps(json.dumps(config)))  # json.dump(model.to_json(), f)
    assert propagate(load_model(path)).total == 48
    path.write_text(json.dumps(json.dumps(json.dumps(config))))  # only one extra decode
    with pytest.raises(ModelFileError, match="must be a JSON object, got a str"):
        load_model(path)


def test_keras1_real_file_is_one_clear_line():
    with pytest.raises(ModelFileError) as info:
        load_keras(REALWORLD / "files" / "behav_clone_k1.json")
    assert info.value.detail == ("Keras 1 files are not supported; re-save the model with "
                                 "Keras 2 or 3 (written by Keras 1.2.1)")


def test_keras1_layer_arguments_without_a_version_are_one_clear_line():
    config = {"class_name": "Sequential", "config": [
        {"class_name": "Convolution2D", "config": {
            "name": "c", "nb_filter": 5, "nb_row": 3, "nb_col": 3, "border_mode": "valid",
            "batch_input_shape": [None, 8, 8, 3]}}]}
    with pytest.raises(ModelFileError, match="^<memory>: Keras 1 files are not supported"):
        parse_keras_config(config)
