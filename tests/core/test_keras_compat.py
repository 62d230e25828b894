"""paramlab.core.catalogue.keras_compat: Keras 3 and Keras 2 layer configs -> catalogue configs, and
back for export."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramlab.core.catalogue import get_spec
from paramlab.core.catalogue.keras_compat import (
    from_keras_config,
    implicit_input_shape,
    to_keras_config,
)
from paramlab.core.errors import LayerError

DATA = Path(__file__).resolve().parents[1] / "data"

POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
          "registered_name": None}


def test_keras3_input_layer() -> None:
    cfg = from_keras_config("InputLayer", {"batch_shape": [None, 224, 224, 3],
                                           "dtype": "float32", "sparse": False,
                                           "name": "input_layer", "optional": False})
    assert cfg["shape"] == (224, 224, 3)
    assert "batch_shape" not in cfg and "name" not in cfg
    assert get_spec("InputLayer").output_shape((), get_spec("InputLayer").resolve_config(cfg)) \
        == (None, 224, 224, 3)


def test_keras2_input_layer_and_variable_length() -> None:
    cfg = from_keras_config("InputLayer", {"batch_input_shape": [None, None],
                                           "dtype": "float32", "name": "input_1"})
    assert cfg["shape"] == (None,)


def test_names_trainable_and_dtype_policy_are_dropped() -> None:
    cfg = from_keras_config("Dense", {"name": "d", "trainable": False, "dtype": POLICY,
                                      "units": 3, "kernel_initializer": {"class_name": "Zeros"}})
    assert cfg == {"units": 3, "kernel_initializer": {"class_name": "Zeros"}}
    assert from_keras_config("Dense", {"units": 3, "dtype": "float16"})["dtype"] == "float16"


def test_keras2_implicit_input_keys() -> None:
    emb = {"name": "embedding", "batch_input_shape": [None, None], "input_dim": 1000,
           "output_dim": 32, "input_length": None}
    assert from_keras_config("Embedding", emb) == {"input_dim": 1000, "output_dim": 32}
    assert implicit_input_shape("Embedding", emb) == (None,)
    dense = {"units": 8, "input_dim": 5}
    assert from_keras_config("Dense", dense) == {"units": 8}
    assert implicit_input_shape("Dense", dense) == (5,)
    assert implicit_input_shape("Embedding", {"input_dim": 10, "input_length": 7}) == (7,)
    assert implicit_input_shape("Conv2D", {"input_shape": [28, 28, 1]}) == (28, 28, 1)
    assert implicit_input_shape("Dense", {"units": 8}) is None


def test_keras2_argument_renames() -> None:
    assert from_keras_config("LeakyReLU", {"alpha": 0.2}) == {"negative_slope": 0.2}
    assert from_keras_config("BatchNormalization", {"axis": [3]})["axis"] == 3
    with pytest.raises(LayerError, match="one axis"):
        from_keras_config("BatchNormalization", {"axis": [1, 2]})


def test_serialized_activation_becomes_its_name() -> None:
    cfg = from_keras_config("Dense", {"units": 2, "activation": {
        "module": "keras.activations", "class_name": "function", "config": "relu",
        "registered_name": "relu"}})
    assert cfg["activation"] == "relu"


def test_wrapped_layer_is_normalised_recursively() -> None:
    keras_cfg = {"name": "bidirectional", "merge_mode": "concat", "dtype": POLICY,
                 "layer": {"module": "keras.layers", "class_name": "GRU",
                           "config": {"name": "forward_gru", "dtype": POLICY, "units": 6,
                                      "reset_after": True, "trainable": True}},
                 "backward_layer": {"class_name": "GRU",
                                    "config": {"name": "backward_gru", "units": 6,
                                               "go_backwards": True}}}
    cfg = from_keras_config("Bidirectional", keras_cfg)
    assert cfg["layer"] == {"class_name": "GRU", "name": "forward_gru",
                            "config": {"units": 6, "reset_after": True}}
    assert cfg["backward_layer"]["config"] == {"units": 6, "go_backwards": True}
    spec = get_spec("Bidirectional")
    resolved = spec.resolve_config(cfg)
    assert spec.output_shape(((None, 12, 16),), resolved) == (None, 12)
    assert sum(w.size for w in spec.weights(((None, 12, 16),), resolved)) == 864  # hb_rnn


def test_old_byte_strings_are_decoded() -> None:
    cfg = from_keras_config(b"Conv2D", {b"name": b"c", b"padding": b"same", "filters": 4,
                                        "kernel_size": [3, 3]})
    assert cfg == {"padding": "same", "filters": 4, "kernel_size": [3, 3]}


@pytest.mark.parametrize("class_name, config, message", [
    (5, {}, "class_name must be a non-empty string"),
    ("", {}, "class_name must be a non-empty string"),
    ("Dense", [1, 2], "must be an object"),
    ("Dense", "units=3", "must be an object"),
    ("InputLayer", {"batch_shape": "224x224"}, "batch_shape must be a list"),
    ("InputLayer", {"batch_shape": []}, "must include the batch axis"),
    ("InputLayer", {"batch_input_shape": [None, 2.5]}, "whole numbers or null"),
    ("InputLayer", {"batch_shape": [None, True]}, "whole numbers or null"),
    ("Embedding", {"batch_input_shape": {"a": 1}}, "must be a list"),
    ("Bidirectional", {"layer": "LSTM"}, "layer must be a layer config"),
    ("TimeDistributed", {"layer": {"class_name": 3, "config": {}}}, "must be a string"),
    ("Dense", {b"\xff": 1}, "not valid UTF-8"),
    ("Dense", {"activation": {"class_name": "function", "config": {}}},
     "cannot read the activation"),
])
def test_wrong_types_raise_layer_error(class_name, config, message) -> None:
    with pytest.raises(LayerError, match=message):
        from_keras_config(class_name, config)


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    layer: dict = {"class_name": "Dense", "config": {"units": 1}}
    for _ in range(500):
        layer = {"class_name": "TimeDistributed", "config": {"layer": layer}}
    with pytest.raises(LayerError, match="nested more than"):
        from_keras_config(layer["class_name"], layer["config"])
    value: list = []
    for _ in range(5000):
        value = [value]
    with pytest.raises(LayerError, match="nested more than"):
        from_keras_config("Dense", {"units": 1, "kernel_initializer": value})


def test_to_keras_config_renests_padding_and_lists() -> None:
    spec = get_spec("ZeroPadding2D")
    cfg = spec.resolve_config(from_keras_config("ZeroPadding2D", {"padding": [[3, 3], [1, 2]]}))
    assert cfg["padding"] == (3, 3, 1, 2)
    out = to_keras_config("ZeroPadding2D", cfg)
    assert out["padding"] == [[3, 3], [1, 2]]
    assert to_keras_config("Cropping1D", get_spec("Cropping1D").resolve_config({}))[
        "cropping"] == [1, 1]
    assert to_keras_config("Conv2D", {"kernel_size": (3, 3)}) == {"kernel_size": [3, 3]}
    wrapped = to_keras_config("TimeDistributed", {"layer": {
        "class_name": "ZeroPadding2D", "name": "zp", "config": {"padding": (1, 1, 2, 2)}}})
    assert wrapped["layer"] == {"class_name": "ZeroPadding2D",
                                "config": {"padding": [[1, 1], [2, 2]], "name": "zp"}}


def _all_reference_layers() -> list:
    out = []
    for path in sorted((DATA / "keras").glob("*.json")) + sorted((DATA / "keras2").glob("*.json")):
        for layer in json.loads(path.read_text())["config"]["config"]["layers"]:
            if get_spec(layer["class_name"]) is not None:
                out.append((layer["class_name"], layer["config"]))
    return out


def test_every_reference_config_round_trips_through_export() -> None:
    """from_keras_config, then to_keras_config, then back gives the same resolved config, for
    every layer of every reference model (so exported code keeps every argument)."""
    layers = _all_reference_layers()
    assert len(layers) > 1000
    for class_name, keras_config in layers:
        spec = get_spec(class_name)
        first = spec.resolve_config(from_keras_config(class_name, keras_config))
        exported = to_keras_config(class_name, first)
        json.dumps(exported)  # plain JSON types only
        again = spec.resolve_config(from_keras_config(class_name, exported))
        assert again == first, class_name
