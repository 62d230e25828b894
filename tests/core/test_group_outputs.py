"""What a nested model puts out (``core.group_outputs``): the tensors it exposes, read by
the summary's group row ("Output Shape", "Connected to") and the canvas's collapsed-group
ports.

Keras (``keras/src/utils/summary_utils.py``, ``format_layer_shape``): a layer's row lists
the shapes of its call's ``output_tensors``; one tensor prints as ``(None, 9)``, several as
the list ``[(None, 5, 9), (None, 9), (None, 9)]``. A nested model's call outputs are the
model's outputs. Model: ``x`` (None, 5, 4) -> ``encoder`` = Model(seq, LSTM(9,
return_sequences=True, return_state=True)(seq)) whose three outputs the outer model uses:
Keras's ``LSTM.compute_output_shape`` gives the sequence (None, 5, 9), state_h and state_c
(None, 9); LSTM 4·(4 + 9 + 1)·9 = 504 parameters.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramlab.core.errors import ModelFileError
from paramlab.core.graph import LayerGraph
from paramlab.core.group_outputs import GroupTensor, group_tensors, output_layers
from paramlab.core.io.keras_import import parse_keras_config
from paramlab.core.io.project import load_project, save_project
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
    assert group_tensors(g, "heads", members, result.layers) == [
        GroupTensor(0, 0, ids["a"], 0, (None, 3)), GroupTensor(0, 1, ids["b"], 0, (None, 2))]
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
    # before the first propagation
    assert group_tensors(g, "tail", [a, b], None) == [GroupTensor(0, 0, b, 0, None)]
    assert output_layers(g, []) == [] and group_tensors(g, "tail", []) == []
    row = {r.name: r for r in summarize(g).rows}["tail"]
    assert (row.output_shape, row.output_shapes) == ((None, 2), None)


# ----------------------------------------------------------------- declared outputs
# Figures from real Keras 3.15.1 (tests/data/gen/nested_outputs.py wrote the files):
# ``model.summary()`` lists a nested model's declared outputs, in its order, even those the
# enclosing model does not use, and "Connected to" names them ``model[call][position]``.
KERAS = Path(__file__).resolve().parents[1] / "data" / "keras_nested"


def _reference(name: str) -> tuple[LayerGraph, dict]:
    ref = json.loads((KERAS / f"{name}.json").read_text())
    return parse_keras_config(ref["config"]), ref


def test_declared_outputs_in_keras_order_and_unused_ones_too():
    graph, ref = _reference("nested_subset_outputs")
    keras = {e["name"]: e for e in ref["layers"]}
    row = {r.name: r for r in summarize(graph).rows}["inner"]
    assert [list(s) for s in row.output_shapes] == keras["inner"]["output_shape"]
    assert row.total == keras["inner"]["total_params"]
    # cost_conventions.md section 5: a nested model's own outputs only, 3 + 4.
    assert row.activation_elements == 7
    assert graph.groups["inner"]["outputs"] == [[[graph.id_of("b"), 0],
                                                 [graph.id_of("a"), 0]]]


def test_a_subset_of_a_layers_outputs_out_of_order():
    graph, ref = _reference("nested_lstm_outputs")
    rows = {r.name: r for r in summarize(graph).rows}
    keras = {e["name"]: e for e in ref["layers"]}
    assert [list(s) for s in rows["enc"].output_shapes] == keras["enc"]["output_shape"]
    lstm = graph.id_of("lstm")
    tensors = group_tensors(graph, "enc", [lstm], propagate(graph).layers)
    assert [(t.position, t.output) for t in tensors] == [(0, 2), (1, 0)]  # state_c, sequence
    # Keras's "Connected to": gap takes the model's output 1, cat its output 0.
    assert rows["gap"].keras_connected_to == ("enc[0][1]",)
    assert rows["cat"].keras_connected_to == ("enc[0][0]", "gap[0][0]")


def test_declared_outputs_survive_a_project_round_trip(tmp_path):
    graph, _ = _reference("nested_lstm_outputs")
    path = tmp_path / "m.paramlab.json"
    save_project(graph, path)
    again = load_project(path)
    assert again.groups["enc"]["outputs"] == graph.groups["enc"]["outputs"]
    assert {r.name: r.keras_connected_to for r in summarize(again).rows}["gap"] == (
        "enc[0][1]",)


def test_a_wire_added_from_an_undeclared_output_is_exposed_after_the_declared_ones():
    graph, _ = _reference("nested_lstm_outputs")
    lstm = graph.id_of("lstm")
    extra = graph.add_layer("Dense", name="from_h", config={"units": 2})
    graph.connect(lstm, extra, 0, 1)  # state_h, which enc does not declare
    tensors = group_tensors(graph, "enc", [lstm], propagate(graph).layers)
    assert [(t.call, t.position, t.output, t.shape) for t in tensors] == [
        (0, 0, 2, (None, 6)), (0, 1, 0, (None, 5, 6)), (0, 2, 1, (None, 6))]
    assert {r.name: r.keras_connected_to for r in summarize(graph).rows}["from_h"] == (
        "enc[0][2]",)


@pytest.mark.parametrize("name", ["nested_subset_outputs", "nested_lstm_outputs",
                                  "nested_siamese", "nested_structures"])
def test_the_table_equals_keras_summary(name):
    graph, _ = _reference(name)
    assert format_table(summarize(graph)) == (KERAS / f"{name}.summary.txt").read_text(
        encoding="utf-8").rstrip("\n") + "\n"


def test_malformed_declared_outputs_in_a_project_get_one_clear_line(tmp_path):
    graph, _ = _reference("nested_lstm_outputs")
    path = tmp_path / "m.paramlab.json"
    save_project(graph, path)
    data = json.loads(path.read_text())
    data["groups"]["enc"]["outputs"] = [["n2", 0]]  # a call must be a list of pairs
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError) as info:
        load_project(path)
    assert "group 'enc': 'outputs' must be a list of calls" in str(info.value)
    assert "\n" not in str(info.value)


def test_inputs_and_outputs_written_as_structures_flatten_in_keras_order():
    """Keras 3 writes ``input_layers`` / ``output_layers`` as the structures the model was
    built with: nested lists (``[second_call_of_bi, state_h, [output, {"q": .., "b": ..}]]``,
    which was refused: "a tensor reference must be [layer name, node index, tensor index]")
    and dicts, which ``tree.flatten`` walks by sorted key. The declared outputs follow
    Keras's ``model.outputs``; a nested model with dict inputs called on a dict in another
    key order binds each input by name (in the wrong order its Dense layers count 12 + 16
    instead of Keras's 8 + 24: the table test above checks inner's 32)."""
    graph, ref = _reference("nested_structures")
    # model.outputs as Keras built them; ParamLab names bi's second call bi_call1 and puts
    # out inner's outputs (dp, dq, as its output_layers declare) from their own layers.
    names = {("bi", 0): "bi", ("bi", 1): "bi_call1"}
    inner = ["dp", "dq"]
    want = [(names[(layer, node)], tensor) if layer == "bi" else (inner[tensor], 0)
            for layer, node, tensor in ref["flat_outputs"]]
    assert [(graph.raw(n)["name"], k) for n, k in graph.declared_outputs] == want
    assert want[5:9] == [("bi", 1), ("bi", 0), ("bi", 3), ("bi", 2)]  # "b" before "q"
    rows = {r.name: r for r in summarize(graph).rows}
    assert rows["inner"].keras_connected_to == ("zeta[0][0]", "alpha[0][0]")
    assert [r.total for r in summarize(graph, expand_groups=True).rows
            if r.name in ("dp", "dq")] == [3 * 2 + 2, 5 * 4 + 4]
    assert [p for p, *_ in ref["flat_inputs"]] == ["alpha", "seq", "zeta"]  # a_in, s_in, z_in


def test_output_layers_nested_absurdly_deep_is_one_clear_line():
    _, ref = _reference("nested_structures")
    config = json.loads(json.dumps(ref["config"]))
    deep: list = [["bi", 0, 1]]
    for _ in range(40):
        deep = [deep]
    config["config"]["output_layers"] = deep
    with pytest.raises(ModelFileError) as info:
        parse_keras_config(config)
    assert "output_layers: nested more than 16 levels deep" in str(info.value)


@pytest.mark.parametrize("entry, quoted", [([[2147483648, 0, 0]], "[2147483648, 0, 0]"),
                                           ([["x", 0, 0], [None, 5]], "[None, 5]")])
def test_a_malformed_output_reference_is_quoted_whole(entry, quoted):
    """Flattening the structures Keras writes must not take a malformed reference apart:
    the message quotes the whole entry, not its first number."""
    _, ref = _reference("nested_structures")
    config = json.loads(json.dumps(ref["config"]))
    config["config"]["output_layers"] = entry
    with pytest.raises(ModelFileError) as info:
        parse_keras_config(config)
    assert str(info.value).endswith(f"output_layers: a tensor reference must be [layer name, "
                                    f"node index, tensor index], got {quoted}")
