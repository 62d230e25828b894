"""What a nested model puts out (``core.group_outputs``): its output layers and the tensors
they expose, read by the summary's group row and the canvas's collapsed-group ports.

Keras (``keras/src/utils/summary_utils.py``, ``format_layer_shape``): a layer's row lists
the shapes of its call's ``output_tensors``; one tensor prints as ``(None, 9)``, several as
the list ``[(None, 5, 9), (None, 9), (None, 9)]``. A nested model's call outputs are the
model's outputs. Model: ``x`` (None, 5, 4) -> ``encoder`` = Model(seq, LSTM(9,
return_sequences=True, return_state=True)(seq)) whose three outputs the outer model uses:
Keras's ``LSTM.compute_output_shape`` gives the sequence (None, 5, 9), state_h and state_c
(None, 9); LSTM 4·(4 + 9 + 1)·9 = 504 parameters.
"""
from __future__ import annotations

from paramlab.core.graph import LayerGraph
from paramlab.core.group_outputs import group_output, group_tensors, output_layers
from paramlab.core.io.keras_import import parse_keras_config
from paramlab.core.io.writers import format_json, format_table
from paramlab.core.propagate import propagate
from paramlab.core.summary import summarize


def _kt(layer: str, tensor: int, shape: list) -> dict:
    return {"class_name": "__keras_tensor__", "config": {
        "shape": shape, "dtype": "float32", "keras_history": [layer, 0, tensor]}}


def _layer(cls: str, name: str, config: dict, args: list) -> dict:
    return {"module": "keras.layers", "class_name": cls, "name": name,
            "config": {"name": name, "trainable": True, **config},
            "inbound_nodes": [{"args": args, "kwargs": {}}]}


def encoder_states_config() -> dict:
    encoder = {
        "module": "keras.src.models.functional", "class_name": "Functional", "name": "encoder",
        "config": {"name": "encoder", "trainable": True, "layers": [
            {"module": "keras.layers", "class_name": "InputLayer", "name": "seq",
             "config": {"batch_shape": [None, 5, 4], "name": "seq"}, "inbound_nodes": []},
            _layer("LSTM", "lstm", {"units": 9, "return_sequences": True, "return_state": True},
                   [_kt("seq", 0, [None, 5, 4])])],
            "input_layers": [["seq", 0, 0]],
            "output_layers": [["lstm", 0, 0], ["lstm", 0, 1], ["lstm", 0, 2]]},
        "inbound_nodes": [{"args": [_kt("x", 0, [None, 5, 4])], "kwargs": {}}]}
    return {"module": "keras.src.models.functional", "class_name": "Functional", "config": {
        "name": "states", "trainable": True, "layers": [
            {"module": "keras.layers", "class_name": "InputLayer", "name": "x",
             "config": {"batch_shape": [None, 5, 4], "name": "x"}, "inbound_nodes": []},
            encoder,
            _layer("Flatten", "flat", {}, [_kt("encoder", 0, [None, 5, 9])]),
            _layer("Concatenate", "states", {"axis": -1},
                   [[_kt("encoder", 1, [None, 9]), _kt("encoder", 2, [None, 9])]])],
        "input_layers": [["x", 0, 0]],
        "output_layers": [["flat", 0, 0], ["states", 0, 0]]}}


def test_summary_row_of_a_nested_model_lists_its_three_outputs():
    graph = parse_keras_config(encoder_states_config())
    rows = {r.name: r for r in summarize(graph).rows}
    encoder = rows["encoder"]
    assert encoder.is_group and encoder.total == 504
    assert encoder.output_shapes == ((None, 5, 9), (None, 9), (None, 9))
    assert encoder.shape_text == "[(None, 5, 9), (None, 9), (None, 9)]"
    # cost_conventions.md section 5: the elements of every output, 5·9 + 9 + 9.
    assert encoder.activation_elements == 63
    assert "[(None, 5, 9), (None, 9)," in format_table(summarize(graph))
    assert '"output_shape": [[null, 5, 9], [null, 9], [null, 9]]' in format_json(
        summarize(graph))


def two_heads() -> tuple[LayerGraph, dict[str, str]]:
    """Nested model ``heads``: Dense(3) and Dense(2) on the same input, each feeding a
    layer outside it: Keras lists the model's outputs [(None, 3), (None, 2)]; parameters
    (8 + 1)·3 + (8 + 1)·2 = 45."""
    g = LayerGraph("two_heads")
    ids = {"x": g.add_layer("InputLayer", config={"shape": [8]}),
           "a": g.add_layer("Dense", name="a", config={"units": 3}, group="heads"),
           "b": g.add_layer("Dense", name="b", config={"units": 2}, group="heads"),
           "out_a": g.add_layer("Dense", name="out_a", config={"units": 1}),
           "out_b": g.add_layer("Dense", name="out_b", config={"units": 1})}
    g.groups["heads"] = {"type": "Functional", "trainable": True, "collapsed": True}
    for src, dst in (("x", "a"), ("x", "b"), ("a", "out_a"), ("b", "out_b")):
        g.connect(ids[src], ids[dst])
    return g, ids


def test_two_output_layers():
    g, ids = two_heads()
    members = [ids["a"], ids["b"]]
    result = propagate(g)
    assert output_layers(g, members) == members
    assert group_output(g, members) == ids["b"]
    assert group_tensors(members, result.layers) == [(ids["a"], 0, (None, 3)),
                                                     (ids["b"], 0, (None, 2))]
    row = {r.name: r for r in summarize(g, result).rows}["heads"]
    assert (row.output_shapes, row.total, row.activation_elements) == (
        ((None, 3), (None, 2)), 45, 5)
    # Once b no longer feeds a layer outside, a is the only output layer.
    g.disconnect(ids["b"], ids["out_b"], 0)
    assert output_layers(g, members) == [ids["a"]]
    row = {r.name: r for r in summarize(g).rows}["heads"]
    assert (row.output_shape, row.output_shapes) == ((None, 3), None)


def test_a_group_that_ends_the_model_and_one_without_results():
    g = LayerGraph("end")
    x = g.add_layer("InputLayer", config={"shape": [4]})
    a = g.add_layer("Dense", config={"units": 3}, group="tail")
    b = g.add_layer("Dense", config={"units": 2}, group="tail")
    g.groups["tail"] = {"type": "Functional", "trainable": True, "collapsed": True}
    g.connect(x, a)
    g.connect(a, b)
    assert output_layers(g, [a, b]) == [b]  # nothing leaves it: its last layer
    assert group_tensors([b], None) == [(b, 0, None)]  # before the first propagation
    assert output_layers(g, []) == [] and group_output(g, []) is None
    row = {r.name: r for r in summarize(g).rows}["tail"]
    assert (row.output_shape, row.output_shapes) == ((None, 2), None)
