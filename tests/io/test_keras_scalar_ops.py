"""Keras 3 ``x + 3.0`` / ``x * (1/6)`` (MobileNetV3's hard-swish) are known weightless ops."""
from paramlab.core.io.keras_import import parse_keras_config
from paramlab.core.propagate import propagate
from paramlab.core.types import Severity


def _tensor(name, shape):
    return {"class_name": "__keras_tensor__",
            "config": {"shape": shape, "dtype": "float32", "keras_history": [name, 0, 0]}}


def _op(cls, name, *args):
    return {"module": "keras.src.ops.numpy", "class_name": cls, "config": {"name": name},
            "name": name, "inbound_nodes": [{"args": list(args), "kwargs": {}}]}


def test_one_tensor_arithmetic_ops_keep_shape_and_are_not_flagged_unknown():
    config = {"module": "keras.src.models.functional", "class_name": "Functional", "config": {
        "name": "hard_swish", "trainable": True,
        "layers": [
            {"module": "keras.layers", "class_name": "InputLayer", "name": "x",
             "config": {"batch_shape": [None, 7, 7, 16], "dtype": "float32", "name": "x"},
             "inbound_nodes": []},
            _op("Add", "add", _tensor("x", [None, 7, 7, 16]), 3.0),
            _op("Multiply", "multiply", _tensor("add", [None, 7, 7, 16]), 1 / 6),
            _op("Multiply", "multiply_1", _tensor("x", [None, 7, 7, 16]),
                _tensor("multiply", [None, 7, 7, 16])),
        ],
        "input_layers": [["x", 0, 0]], "output_layers": [["multiply_1", 0, 0]]}}
    graph = parse_keras_config(config, "hard_swish.json")
    result = propagate(graph)
    by_name = {graph.raw(n)["name"]: (graph.raw(n)["type"], result.layers[n]) for n in result.order}
    assert by_name["add"][0] == "ops.Add"
    assert by_name["multiply"][0] == "ops.Multiply"
    assert by_name["multiply_1"][0] == "Multiply"  # two tensors: the merge layer
    for name in ("add", "multiply", "multiply_1"):
        layer = by_name[name][1]
        assert layer.output_shape == (None, 7, 7, 16)
        assert layer.total == 0
        assert layer.known and layer.diagnostic is None
    assert not any(d.severity is Severity.WARNING for d in result.diagnostics)
