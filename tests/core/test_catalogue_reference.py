"""Every layer of every reference model, computed by the catalogue and compared with Keras.

The figures come from real Keras (tests/data/REFERENCE.md): for each layer of
``tests/data/keras/*.json`` (Keras 3.15.1) and ``tests/data/keras2/*.json`` (tf.keras 2.21),
its config goes through :func:`from_keras_config`, its input shapes are read from the file
(the Keras 3 ``__keras_tensor__`` shapes of its call, else its ``build_config``, else the
reference output shapes of its inbound layers), and the spec's output shape, trainable and
non-trainable counts and weight shapes must equal Keras's (a ``channels_first`` layer's rules
see channels-last shapes, as propagation hands them: ``core.shapes.rules_see_channels_last``).
The ``keras.src.ops.numpy``
operations Keras 3 lists as layers (``non_layer_ops``) are checked for their output shape.
Layers of torch_conventions.json's ``keras_equivalent`` are checked too.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from paramlab.core.catalogue import get_spec
from paramlab.core.catalogue.keras_compat import from_keras_config
from paramlab.core.shapes import rules_see_channels_last, to_channels_first, to_channels_last

DATA = Path(__file__).resolve().parents[1] / "data"
MODEL_FILES = sorted((DATA / "keras").glob("*.json")) + sorted((DATA / "keras2").glob("*.json"))


def _tensor_shapes(args: Any) -> list[tuple]:
    """Shapes of the ``__keras_tensor__`` objects in a Keras 3 call's args, in order."""
    out: list[tuple] = []
    if isinstance(args, dict):
        if args.get("class_name") == "__keras_tensor__":
            out.append(tuple(args["config"]["shape"]))
    elif isinstance(args, list):
        for a in args:
            out.extend(_tensor_shapes(a))
    return out


def _cases() -> list[Any]:
    cases = []
    for path in MODEL_FILES:
        data = json.loads(path.read_text())
        model = data["config"]
        layers = model["config"]["layers"]
        ref = {entry["name"]: entry for entry in data["layers"]}
        ops = {entry["name"]: entry for entry in data.get("non_layer_ops", [])}
        out_shapes = {name: tuple(e["output_shape"]) for name, e in {**ref, **ops}.items()}
        previous: tuple | None = None
        for layer in layers:
            cfg = layer["config"]
            name = cfg.get("name", layer.get("name"))
            if layer["class_name"] == "InputLayer":
                shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
                out_shapes.setdefault(name, tuple(shape))
            inputs = _inputs(layer, out_shapes, previous)
            previous = out_shapes.get(name, previous)
            expected = ref.get(name) or ops.get(name)
            if expected is None:
                continue  # Sequential's InputLayer: Keras leaves it out of model.layers
            case_id = f"{path.parent.name}/{path.stem}/{name}"
            marks = ()
            if layer["class_name"] in ("Functional", "Sequential", "Model"):
                # A nested model is a group of layers, counted by the importer, not a spec.
                marks = (pytest.mark.skip(reason="nested model: see tests/io"),)
            cases.append(pytest.param(layer["class_name"], cfg, inputs, expected,
                                      name in ops, id=case_id, marks=marks))
    return cases


def _inputs(layer: dict, out_shapes: dict, previous: tuple | None) -> tuple:
    nodes = layer.get("inbound_nodes") or []
    if nodes and isinstance(nodes[0], dict):  # Keras 3: shapes are in the call's args
        return tuple(_tensor_shapes(nodes[0]["args"]))
    build = (layer.get("build_config") or {}).get("input_shape")
    if build is not None:
        if build and isinstance(build[0], list):
            return tuple(tuple(s) for s in build)
        return (tuple(build),)
    if nodes:  # Keras 2: [[["name", node, tensor, {}], ...]]
        return tuple(out_shapes[t[0]] for t in nodes[0])
    if layer["class_name"] == "InputLayer":
        return ()
    assert previous is not None, "a Sequential layer without a previous layer"
    return (previous,)


def _as_shape(shape: Any) -> tuple:
    return tuple(shape)


@pytest.mark.parametrize("class_name, keras_config, inputs, expected, is_op", _cases())
def test_layer_matches_keras(class_name: str, keras_config: dict, inputs: tuple,
                             expected: dict, is_op: bool) -> None:
    spec = get_spec(class_name)
    assert spec is not None, f"{class_name} is not in the catalogue"
    config = spec.resolve_config(from_keras_config(class_name, keras_config))
    first = rules_see_channels_last(spec, config)
    if first:
        inputs = to_channels_last(inputs)
    out = spec.output_shape(inputs, config)
    back = to_channels_first if first else _as_shape
    want = expected["output_shape"]
    if want and isinstance(want[0], list):  # several outputs (return_state), Keras's order
        extra = spec.extra_outputs(inputs, config, out) if spec.extra_outputs else ()
        assert [back(out), *(back(e) for e in extra)] == [_as_shape(s) for s in want]
    else:
        assert back(out) == _as_shape(want)
    weights = spec.weights(inputs, config)
    if is_op:
        assert weights == ()
        return
    if expected["trainable"]:
        trainable = sum(w.size for w in weights if w.trainable)
        non_trainable = sum(w.size for w in weights if not w.trainable)
    else:
        trainable, non_trainable = 0, sum(w.size for w in weights)
    assert (trainable, non_trainable) == (expected["trainable_params"],
                                          expected["non_trainable_params"])
    if "weights" in expected:  # Keras 3 files list every variable with its shape
        got = [(w.name.rsplit("/", 1)[-1], w.shape) for w in weights]
        want = [(w["path"].rsplit("/", 1)[-1], tuple(w["shape"])) for w in expected["weights"]]
        assert got == want


# torch_conventions.json: each module's ``keras_equivalent`` gives Keras's counts and weights
# for the expression in its ``expr``; this table transcribes each expression as catalogue
# steps (type, config) applied in sequence on ``input_shape`` (the "then ... (sum of both)"
# entries are two layers whose weights add up). MultiHeadAttention has no input_shape in the
# file; its expr says which tensors it is called on: sequences of 10 of the given widths.
_TORCH = {
    "linear": [("Dense", {"units": 64})],
    "linear_nobias": [("Dense", {"units": 64, "use_bias": False})],
    "conv2d": [("Conv2D", {"filters": 16, "kernel_size": 3})],
    "conv2d_groups_nobias": [("Conv2D", {"filters": 32, "kernel_size": 3, "groups": 4,
                                         "use_bias": False})],
    "conv2d_depthwise": [("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2})],
    "conv_transpose2d": [("Conv2DTranspose", {"filters": 8, "kernel_size": 3, "strides": 2})],
    "batchnorm2d": [("BatchNormalization", {})],
    "batchnorm2d_noaffine": [("BatchNormalization", {"center": False, "scale": False})],
    "batchnorm1d": [("BatchNormalization", {})],
    "layernorm": [("LayerNormalization", {})],
    "layernorm_2d_shape": [("LayerNormalization", {"axis": [1, 2]})],
    "layernorm_noaffine": [("LayerNormalization", {"center": False, "scale": False})],
    "layernorm_nobias": [("LayerNormalization", {"center": False})],
    "groupnorm": [("GroupNormalization", {"groups": 4})],
    "embedding": [("Embedding", {"input_dim": 1000, "output_dim": 32})],
    "embedding_padding_idx": [("Embedding", {"input_dim": 1000, "output_dim": 32,
                                             "mask_zero": True})],
    "rnn": [("SimpleRNN", {"units": 16})],
    "lstm_1layer": [("LSTM", {"units": 24})],
    "lstm_1layer_nobias": [("LSTM", {"units": 24, "use_bias": False})],
    "lstm_2layer": [("LSTM", {"units": 24, "return_sequences": True}),
                    ("LSTM", {"units": 24})],
    "lstm_1layer_bidir": [("Bidirectional", {"layer": {"class_name": "LSTM",
                                                       "config": {"units": 24}}})],
    "lstm_2layer_bidir": [
        ("Bidirectional", {"layer": {"class_name": "LSTM",
                                     "config": {"units": 24, "return_sequences": True}}}),
        ("Bidirectional", {"layer": {"class_name": "LSTM", "config": {"units": 24}}})],
    "gru": [("GRU", {"units": 20})],
    "gru_keras_reset_after_false": [("GRU", {"units": 20, "reset_after": False})],
    "multihead_attention": [("MultiHeadAttention", {"num_heads": 4, "key_dim": 8})],
    "multihead_attention_nobias": [("MultiHeadAttention", {"num_heads": 4, "key_dim": 8,
                                                           "use_bias": False})],
    "multihead_attention_kdim_vdim": [("MultiHeadAttention", {"num_heads": 4, "key_dim": 8})],
    "prelu": [("PReLU", {"shared_axes": [1, 2]})],
    "prelu_per_channel": [("PReLU", {"shared_axes": [1, 2]})],
}
_TORCH_INPUTS = {  # (query, value[, key]) for attention, per the expr's comment
    "multihead_attention": ((None, 10, 32), (None, 10, 32)),
    "multihead_attention_nobias": ((None, 10, 32), (None, 10, 32)),
    "multihead_attention_kdim_vdim": ((None, 10, 32), (None, 10, 24), (None, 10, 16)),
}


def _torch_cases() -> list[Any]:
    data = json.loads((DATA / "torch_conventions.json").read_text())["modules"]
    return [pytest.param(key, data[key]["keras_equivalent"], id=key) for key in _TORCH]


def test_torch_table_covers_every_keras_equivalent() -> None:
    data = json.loads((DATA / "torch_conventions.json").read_text())["modules"]
    with_keras = {k for k, m in data.items() if m.get("keras_equivalent")}
    assert with_keras == set(_TORCH)


@pytest.mark.parametrize("key, eq", _torch_cases())
def test_torch_conventions_keras_equivalent(key: str, eq: dict) -> None:
    shapes = _TORCH_INPUTS.get(key) or ((None,) + tuple(eq["input_shape"]),)
    weights = []
    for class_name, config in _TORCH[key]:
        spec = get_spec(class_name)
        assert spec is not None, f"{class_name} is not in the catalogue"
        config = spec.resolve_config(from_keras_config(class_name, config))
        out = spec.output_shape(shapes, config)
        weights += spec.weights(shapes, config)
        shapes = (out,)
    assert sum(w.size for w in weights if w.trainable) == eq["trainable"]
    assert sum(w.size for w in weights if not w.trainable) == eq["non_trainable"]
    got = [(w.name.rsplit("/", 1)[-1], w.shape) for w in weights]
    want = [(w["path"].rsplit("/", 1)[-1], tuple(w["shape"])) for w in eq["weights"]]
    assert got == want
