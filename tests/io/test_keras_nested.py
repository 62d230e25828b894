"""Keras import of the structures the reference data has no example of: nested models
(transfer learning), a shared nested model, Keras 3 operations with constants, Lambda and
custom layers, Sequential configs without an InputLayer.

The configs are written by hand the way Keras 3 (``keras/src/models/functional.py``,
``get_config`` / ``serialize_node``) and tf.keras 2 write them. Expected counts are worked out
from Keras's weight rules: Dense ``(in + 1)·units``; BatchNormalization gamma, beta
trainable and moving mean, variance non-trainable (``4·C``); a frozen model's weights are
all non-trainable; a shared layer or model counts once.
"""
from __future__ import annotations

from typing import Any

import pytest

from paramlab.core.errors import ModelFileError
from paramlab.core.io.keras_import import parse_keras_config
from paramlab.core.propagate import propagate

# ---------------------------------------------------------------- config builders


def kt(layer: str, node: int = 0, tensor: int = 0, shape: list | None = None) -> dict:
    """A Keras 3 ``__keras_tensor__`` record."""
    return {"class_name": "__keras_tensor__",
            "config": {"shape": shape, "dtype": "float32", "keras_history": [layer, node, tensor]}}


def k3_input(name: str, batch_shape: list) -> dict:
    return {"module": "keras.layers", "class_name": "InputLayer",
            "config": {"batch_shape": batch_shape, "dtype": "float32", "sparse": False,
                       "ragged": False, "name": name}, "registered_name": None,
            "name": name, "inbound_nodes": []}


def k3_layer(cls: str, name: str, config: dict, *calls: list, module: str = "keras.layers",
             trainable: bool = True, kwargs: dict | None = None) -> dict:
    """A Keras 3 layer entry; each call is the list of its ``args``."""
    cfg = {"name": name, "trainable": trainable, **config}
    return {"module": module, "class_name": cls, "config": cfg, "registered_name": None,
            "name": name,
            "inbound_nodes": [{"args": list(args), "kwargs": dict(kwargs or {})}
                              for args in calls]}


def k3_functional(name: str, layers: list, inputs: list, outputs: list,
                  trainable: bool = True) -> dict:
    return {"module": "keras.src.models.functional", "class_name": "Functional",
            "config": {"name": name, "trainable": trainable, "layers": layers,
                       "input_layers": inputs, "output_layers": outputs},
            "registered_name": "Functional"}


def as_layer(model: dict, *calls: list) -> dict:
    """A model config used as a layer of another Functional model."""
    out = dict(model)
    out["name"] = model["config"]["name"]
    out["inbound_nodes"] = [{"args": list(args), "kwargs": {}} for args in calls]
    return out


def dense(name: str, units: int, *calls: list, trainable: bool = True) -> dict:
    return k3_layer("Dense", name, {"units": units, "activation": "relu", "use_bias": True},
                    *calls, trainable=trainable)


def op(cls: str, name: str, *args: Any) -> dict:
    """A Keras 3 operation listed as a layer (``x + y``, ``x != 0``)."""
    return {"module": "keras.src.ops.numpy", "class_name": cls, "config": {"name": name},
            "registered_name": cls, "name": name,
            "inbound_nodes": [{"args": list(args), "kwargs": {}}]}


def k2_layer(cls: str, name: str, config: dict, *calls: list) -> dict:
    """A tf.keras 2 layer entry; each call is a list of ``[name, node, tensor, kwargs]``."""
    return {"class_name": cls, "config": {"name": name, "trainable": True, **config},
            "name": name, "inbound_nodes": [list(c) for c in calls]}


def k2_input(name: str, batch_input_shape: list) -> dict:
    return {"class_name": "InputLayer",
            "config": {"batch_input_shape": batch_input_shape, "dtype": "float32",
                       "sparse": False, "ragged": False, "name": name},
            "name": name, "inbound_nodes": []}


def k2_functional(name: str, layers: list, inputs: list, outputs: list,
                  trainable: bool = True) -> dict:
    return {"class_name": "Functional",
            "config": {"name": name, "trainable": trainable, "layers": layers,
                       "input_layers": inputs, "output_layers": outputs},
            "keras_version": "2.15.0", "backend": "tensorflow"}


def transfer_model(base_trainable: bool = False) -> dict:
    """Keras 3: a base model (Input 8 -> Dense d1 4 -> BatchNormalization bn) used as a
    layer, ``base(img)``, then a head Dense 2, as in transfer learning."""
    # Keras writes a frozen model's flag on the model and on each of its layers.
    base = k3_functional("base", [
        k3_input("base_in", [None, 8]),
        dense("d1", 4, [kt("base_in", shape=[None, 8])], trainable=base_trainable),
        k3_layer("BatchNormalization", "bn", {"axis": -1}, [kt("d1", shape=[None, 4])],
                 trainable=base_trainable),
    ], [["base_in", 0, 0]], [["bn", 0, 0]], trainable=base_trainable)
    return k3_functional("transfer", [
        k3_input("img", [None, 8]),
        as_layer(base, [kt("img", shape=[None, 8])]),
        dense("head", 2, [kt("base", shape=[None, 4])]),
    ], [["img", 0, 0]], [["head", 0, 0]])


def siamese_model() -> dict:
    """Keras 3: one encoder model (Input 6 -> Dense e1 3) called on two inputs, then
    Subtract and Dense 1: the encoder's 21 weights count once."""
    encoder = k3_functional("encoder", [
        k3_input("enc_in", [None, 6]),
        dense("e1", 3, [kt("enc_in", shape=[None, 6])]),
    ], [["enc_in", 0, 0]], [["e1", 0, 0]])
    return k3_functional("siamese", [
        k3_input("left", [None, 6]),
        k3_input("right", [None, 6]),
        as_layer(encoder, [kt("left", shape=[None, 6])], [kt("right", shape=[None, 6])]),
        k3_layer("Subtract", "diff", {}, [[kt("encoder", 0, shape=[None, 3]),
                                           kt("encoder", 1, shape=[None, 3])]]),
        dense("out", 1, [kt("diff", shape=[None, 3])]),
    ], [["left", 0, 0], ["right", 0, 0]], [["out", 0, 0]])


def counts(graph, name: str) -> tuple:
    r = propagate(graph).layers[graph.id_of(name)]
    return r.output_shape, r.trainable, r.non_trainable


# ---------------------------------------------------------------- nested models


def test_frozen_nested_model_is_a_collapsed_group_of_frozen_layers():
    graph = parse_keras_config(transfer_model(base_trainable=False))
    assert graph.groups["base"] == {"type": "Functional", "trainable": False, "collapsed": True,
                                    "outputs": [[[graph.id_of("bn"), 0]]]}  # output_layers
    for name in ("d1", "bn"):
        layer = graph.layer(graph.id_of(name))
        assert layer.group == "base" and layer.trainable is False
    assert graph.id_of("base_in") is None  # the nested input is wired to the outer tensor
    assert [graph.raw(s)["name"] for s, _ in graph.inputs(graph.id_of("d1"))] == ["img"]
    assert [graph.raw(s)["name"] for s, _ in graph.inputs(graph.id_of("head"))] == ["bn"]
    assert counts(graph, "d1") == ((None, 4), 0, 36)
    assert counts(graph, "bn") == ((None, 4), 0, 16)
    assert counts(graph, "head") == ((None, 2), 10, 0)
    result = propagate(graph)
    assert (result.trainable, result.non_trainable) == (10, 52)


def test_nested_model_flag_alone_freezes_its_layers():
    # Keras writes the flag on each layer too; a file with only the model's flag is
    # still read as frozen (the model's flag wins, as model.trainable = False does).
    model = transfer_model(base_trainable=False)
    for entry in model["config"]["layers"][1]["config"]["layers"][1:]:
        entry["config"]["trainable"] = True
    graph = parse_keras_config(model)
    assert not graph.layer(graph.id_of("d1")).trainable
    assert (propagate(graph).trainable, propagate(graph).non_trainable) == (10, 52)


def test_trainable_nested_model_keeps_its_layers_trainable():
    graph = parse_keras_config(transfer_model(base_trainable=True))
    assert graph.groups["base"]["trainable"] is True
    result = propagate(graph)
    # d1 36 + bn gamma, beta 8 + head 10 trainable; bn moving statistics 8 non-trainable
    assert (result.trainable, result.non_trainable) == (54, 8)


def test_shared_nested_model_counts_its_weights_once():
    graph = parse_keras_config(siamese_model())
    e1, call = graph.id_of("e1"), graph.id_of("e1_call1")
    assert graph.raw(call)["shared_with"] == e1
    assert graph.raw(call)["group"] == "encoder" == graph.raw(e1)["group"]
    assert [graph.raw(s)["name"] for s, _ in graph.inputs(e1)] == ["left"]
    assert [graph.raw(s)["name"] for s, _ in graph.inputs(call)] == ["right"]
    assert graph.inputs(graph.id_of("diff")) == [(e1, 0), (call, 1)]
    result = propagate(graph)
    assert (result.trainable, result.non_trainable) == (21 + 4, 0)
    assert counts(graph, "e1_call1") == ((None, 3), 0, 0)


def test_nested_sequential_model():
    seq = {"module": "keras", "class_name": "Sequential",
           "config": {"name": "seq", "trainable": True, "layers": [
               {"module": "keras.layers", "class_name": "InputLayer",
                "config": {"batch_shape": [None, 5], "name": "seq_in"}},
               {"module": "keras.layers", "class_name": "Dense",
                "config": {"name": "s1", "units": 7, "trainable": True}},
               {"module": "keras.layers", "class_name": "Dense",
                "config": {"name": "s2", "units": 3, "trainable": False}}]}}
    model = k3_functional("outer", [
        k3_input("x", [None, 5]),
        as_layer(seq, [kt("x")]),
        dense("y", 1, [kt("seq")]),
    ], [["x", 0, 0]], [["y", 0, 0]])
    graph = parse_keras_config(model)
    assert graph.groups["seq"]["type"] == "Sequential"
    assert counts(graph, "s1") == ((None, 7), 42, 0)
    assert counts(graph, "s2") == ((None, 3), 0, 24)  # its own trainable flag is kept
    assert counts(graph, "y") == ((None, 1), 4, 0)


def test_keras2_nested_functional_without_module_keys():
    base = k2_functional("base", [
        k2_input("base_in", [None, 8]),
        k2_layer("Dense", "d1", {"units": 4}, [["base_in", 0, 0, {}]]),
    ], [["base_in", 0, 0]], [["d1", 0, 0]], trainable=False)
    base["name"] = "base"
    base["inbound_nodes"] = [[["img", 0, 0, {}]]]
    model = k2_functional("outer", [
        k2_input("img", [None, 8]),
        base,
        k2_layer("Dense", "head", {"units": 2}, [["base", 0, 0, {}]]),
    ], [["img", 0, 0]], [["head", 0, 0]])
    graph = parse_keras_config(model)
    assert graph.groups["base"]["trainable"] is False
    assert counts(graph, "d1") == ((None, 4), 0, 36)
    assert counts(graph, "head") == ((None, 2), 10, 0)


def test_nested_layer_named_like_an_outer_layer_gets_a_group_prefix():
    base = k3_functional("base", [
        k3_input("base_in", [None, 3]),
        dense("dense", 2, [kt("base_in")]),
    ], [["base_in", 0, 0]], [["dense", 0, 0]])
    model = k3_functional("outer", [
        k3_input("x", [None, 3]),
        as_layer(base, [kt("x")]),
        dense("dense", 1, [kt("base")]),  # Keras allows this: the names are per model
    ], [["x", 0, 0]], [["dense", 0, 0]])
    graph = parse_keras_config(model)
    assert graph.layer(graph.id_of("dense")).group is None  # the outer name is kept
    assert graph.raw(graph.id_of("base/dense"))["group"] == "base"
    assert counts(graph, "dense") == ((None, 1), 3, 0)


def test_models_nested_too_deeply_are_refused():
    model = k3_functional("m0", [k3_input("i0", [None, 2]), dense("d0", 2, [kt("i0")])],
                          [["i0", 0, 0]], [["d0", 0, 0]])
    for depth in range(1, 40):
        model = k3_functional(f"m{depth}", [k3_input(f"i{depth}", [None, 2]),
                                            as_layer(model, [kt(f"i{depth}")])],
                              [[f"i{depth}", 0, 0]], [[f"m{depth - 1}", 0, 0]])
    with pytest.raises(ModelFileError, match="nested more than"):
        parse_keras_config(model)


# ---------------------------------------------------------------- operations


def test_keras3_operations_are_weightless_nodes_with_tensor_inputs_only():
    model = k3_functional("ops", [
        k3_input("x", [None, 4]),
        k3_input("y", [None, 4]),
        op("Add", "add", kt("x"), kt("y")),
        op("Multiply", "multiply", kt("add"), kt("y")),
        op("NotEqual", "not_equal", kt("x"), 0),
        dense("d", 2, [kt("multiply")]),
    ], [["x", 0, 0], ["y", 0, 0]], [["d", 0, 0]])
    graph = parse_keras_config(model)
    assert graph.raw(graph.id_of("add"))["type"] == "Add"
    assert graph.raw(graph.id_of("multiply"))["type"] == "Multiply"
    ne = graph.id_of("not_equal")
    assert graph.raw(ne)["type"] == "NotEqual"
    assert [graph.raw(s)["name"] for s, _ in graph.inputs(ne)] == ["x"]  # 0 is no edge
    assert graph.raw(ne)["config"]["constant"] == 0
    assert counts(graph, "not_equal") == ((None, 4), 0, 0)
    assert counts(graph, "multiply") == ((None, 4), 0, 0)
    assert counts(graph, "d") == ((None, 2), 10, 0)


def test_unknown_operation_is_opaque_with_the_recorded_shape():
    model = k3_functional("ops", [
        k3_input("x", [None, 4, 6]),
        op("Transpose", "transpose", kt("x")),
        dense("d", 2, [kt("transpose", shape=[None, 6, 4])]),
    ], [["x", 0, 0]], [["d", 0, 0]])
    graph = parse_keras_config(model)
    t = graph.id_of("transpose")
    assert graph.raw(t)["type"] == "ops.Transpose"
    result = propagate(graph)
    assert result.layers[t].output_shape == (None, 6, 4) and not result.layers[t].known
    assert counts(graph, "d") == ((None, 6, 2), 10, 0)


# ---------------------------------------------------------------- unknown layers


def test_lambda_and_custom_layers_are_opaque_with_the_recorded_output_shape():
    model = k3_functional("custom", [
        k3_input("x", [None, 10]),
        k3_layer("Lambda", "lam", {"function": {"class_name": "__lambda__",
                                                "config": {"code": "4wEAAAAAAAAA"}}},
                 [kt("x")]),
        k3_layer("MyLayer", "mine", {"k": 3}, [kt("lam", shape=[None, 20])],
                 module="my_package.layers"),
        dense("d", 1, [kt("mine", shape=[None, 5])]),
    ], [["x", 0, 0]], [["d", 0, 0]])
    graph = parse_keras_config(model)
    result = propagate(graph)
    lam, mine = graph.id_of("lam"), graph.id_of("mine")
    assert graph.raw(lam)["type"] == "Lambda" and graph.raw(mine)["type"] == "MyLayer"
    assert result.layers[lam].output_shape == (None, 20) and result.layers[lam].total == 0
    assert result.layers[mine].output_shape == (None, 5) and not result.layers[mine].known
    assert "unknown" in result.layers[mine].diagnostic.message
    assert counts(graph, "d") == ((None, 1), 6, 0)


def test_keras2_lambda_output_shape_and_build_config():
    model = k2_functional("k2", [
        k2_input("x", [None, 10]),
        k2_layer("Lambda", "lam", {"function": ["4wEAAAAAAAAA", None, None],
                                   "function_type": "lambda", "output_shape": [20],
                                   "output_shape_type": "raw"}, [["x", 0, 0, {}]]),
        k2_layer("Custom", "cust", {}, [["lam", 0, 0, {}]]),
        {**k2_layer("Dense", "d", {"units": 1}, [["cust", 0, 0, {}]]),
         "build_config": {"input_shape": [None, 7]}},
    ], [["x", 0, 0]], [["d", 0, 0]])
    graph = parse_keras_config(model)
    assert counts(graph, "lam")[0] == (None, 20)  # Lambda's output_shape (no batch axis)
    assert counts(graph, "cust")[0] == (None, 7)  # the consumer's build_config input_shape
    assert counts(graph, "d") == ((None, 1), 8, 0)


def test_unknown_layer_without_a_recorded_shape_is_flagged_not_refused():
    model = k3_functional("custom", [
        k3_input("x", [None, 10]),
        k3_layer("MyLayer", "mine", {"output_shape": "lambda s: s"}, [kt("x")]),
    ], [["x", 0, 0]], [["mine", 0, 0]])
    graph = parse_keras_config(model)
    assert "output_shape" not in graph.raw(graph.id_of("mine"))["config"]
    r = propagate(graph).layers[graph.id_of("mine")]
    assert r.output_shape is None and "output_shape" in r.diagnostic.message


# ---------------------------------------------------------------- Sequential inputs


def _seq(layers: list, **extra: Any) -> dict:
    return {"module": "keras", "class_name": "Sequential",
            "config": {"name": "seq", "trainable": True, "layers": layers, **extra}}


def test_keras3_sequential_with_batch_shape_on_the_first_layer():
    graph = parse_keras_config(_seq([
        {"class_name": "Dense", "config": {"name": "d1", "units": 4, "batch_shape": [None, 3]}},
        {"class_name": "Dense", "config": {"name": "d2", "units": 2}}]))
    first = graph.topological_order()[0]
    assert graph.raw(first)["type"] == "InputLayer" and graph.raw(first)["name"] == "input_layer"
    assert counts(graph, "d1") == ((None, 4), 16, 0)
    assert counts(graph, "d2") == ((None, 2), 10, 0)


def test_keras3_sequential_with_build_input_shape_only():
    graph = parse_keras_config(_seq([
        {"class_name": "Dense", "config": {"name": "d1", "units": 4}}],
        build_input_shape=[None, 5]))
    assert counts(graph, "d1") == ((None, 4), 24, 0)


def test_keras2_sequential_with_batch_input_shape_on_the_first_layer():
    graph = parse_keras_config({"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "Conv2D", "config": {"name": "c", "filters": 8, "kernel_size": [3, 3],
                                            "batch_input_shape": [None, 28, 28, 1]}},
        {"class_name": "Flatten", "config": {"name": "f"}}]}})
    assert counts(graph, "c") == ((None, 26, 26, 8), 80, 0)
    assert counts(graph, "f")[0] == (None, 26 * 26 * 8)


def test_sequential_without_any_input_shape_leaves_the_first_layer_unconnected():
    graph = parse_keras_config(_seq([{"class_name": "Dense",
                                      "config": {"name": "d1", "units": 4}}]))
    assert len(graph) == 1
    assert propagate(graph).layers[graph.id_of("d1")].diagnostic is not None


def test_call_names_never_take_a_name_the_file_uses():
    model = k3_functional("m", [
        k3_input("a", [None, 2]),
        k3_input("b", [None, 2]),
        dense("dense", 3, [kt("a")], [kt("b")]),
        dense("dense_call1", 1, [kt("dense", 1)]),  # a real layer with the made-up name
    ], [["a", 0, 0], ["b", 0, 0]], [["dense_call1", 0, 0]])
    graph = parse_keras_config(model)
    real = graph.id_of("dense_call1")
    assert graph.raw(real)["type"] == "Dense" and "shared_with" not in graph.raw(real)
    call = graph.id_of("dense_call1_1")
    assert graph.raw(call)["shared_with"] == graph.id_of("dense")
    assert graph.inputs(real) == [(call, 0)]
    assert counts(graph, "dense_call1") == ((None, 1), 4, 0)


def test_attention_value_given_by_keyword_is_a_data_input_and_the_mask_is_not():
    mha = {"num_heads": 2, "key_dim": 4}
    k3 = k3_functional("m", [
        k3_input("q", [None, 5, 8]),
        k3_input("v", [None, 7, 8]),
        k3_input("m", [None, 5, 7]),
        k3_layer("MultiHeadAttention", "mha", mha, [kt("q")],
                 kwargs={"value": kt("v"), "attention_mask": kt("m")}),
    ], [["q", 0, 0], ["v", 0, 0], ["m", 0, 0]], [["mha", 0, 0]])
    k2 = k2_functional("m", [
        k2_input("q", [None, 5, 8]),
        k2_input("v", [None, 7, 8]),
        k2_layer("MultiHeadAttention", "mha", mha, [["q", 0, 0, {"value": ["v", 0, 0]}]]),
    ], [["q", 0, 0], ["v", 0, 0]], [["mha", 0, 0]])
    for model in (k3, k2):
        graph = parse_keras_config(model)
        node = graph.id_of("mha")
        assert [graph.raw(s)["name"] for s, _ in graph.inputs(node)] == ["q", "v"]
        # query, key, value projections 3·(8·2·4 + 2·4), output (2·4·8 + 8): 216 + 72 = 288
        assert counts(graph, "mha") == ((None, 5, 8), 3 * (8 * 8 + 8) + (8 * 8 + 8), 0)


def test_operation_with_one_tensor_and_a_constant():
    # x * 2.0: no merge layer takes one input, so it is the opaque ops.Multiply, shaped
    # as its consumer recorded; a warning, not an error.
    model = k3_functional("ops", [
        k3_input("x", [None, 4]),
        op("Multiply", "multiply", kt("x", shape=[None, 4]), 2.0),
        dense("d", 2, [kt("multiply", shape=[None, 4])]),
    ], [["x", 0, 0]], [["d", 0, 0]])
    graph = parse_keras_config(model)
    node = graph.id_of("multiply")
    assert graph.raw(node)["type"] == "ops.Multiply"
    assert graph.raw(node)["config"]["constant"] == 2.0
    r = propagate(graph).layers[node]
    assert r.output_shape == (None, 4) and r.ok
    assert counts(graph, "d") == ((None, 2), 10, 0)
