"""Layers with several outputs: a connection carries (input index, output index) end to end.

Keras's documented rules: an RNN layer with ``return_state=True`` returns ``[output,
*states]`` (LSTM ``[output, state_h, state_c]``, GRU / SimpleRNN ``[output, state]``), each
state ``(batch, units)``; ``Bidirectional`` returns ``[output, *forward_states,
*backward_states]`` (5 tensors for an LSTM); ``MultiHeadAttention(...,
return_attention_scores=True)`` returns ``(output, scores)`` with scores ``(batch, heads,
query steps, key steps)``. Parameters: LSTM ``4·units·(features + units + 1)`` (4 features, 9
units: 504); GRU (reset_after) ``3·units·(features + units) + 2·3·units`` (405); a
Bidirectional wrapper twice its layer's.
"""
from __future__ import annotations

import json

import pytest

from paramlab.core.clipboard import copy_layers, paste_edits
from paramlab.core.edits import Connect, Disconnect, RemoveLayer
from paramlab.core.graph import LayerGraph
from paramlab.core.io.keras_import import parse_keras_config
from paramlab.core.io.keras_json_export import to_keras_dict
from paramlab.core.io.project import load_project, save_project
from paramlab.core.io.writers import format_json, format_table
from paramlab.core.propagate import propagate
from paramlab.core.summary import summarize


def lstm_states_model() -> tuple[LayerGraph, dict[str, str]]:
    """Input (None, None, 4) -> LSTM(9, return_sequences, return_state) -> Concatenate of
    state_h (output 1) and state_c (output 2) -> Dense(3)."""
    g = LayerGraph("states")
    ids = {"x": g.add_layer("InputLayer", "x", {"shape": (None, 4)}),
           "lstm": g.add_layer("LSTM", "lstm", {"units": 9, "return_sequences": True,
                                                 "return_state": True}),
           "cat": g.add_layer("Concatenate", "cat"),
           "out": g.add_layer("Dense", "out", {"units": 3})}
    g.connect(ids["x"], ids["lstm"])
    g.connect(ids["lstm"], ids["cat"], 0, output=1)
    g.connect(ids["lstm"], ids["cat"], 1, output=2)
    g.connect(ids["cat"], ids["out"])
    return g, ids


def test_lstm_return_state_feeds_a_concatenate():
    g, ids = lstm_states_model()
    result = propagate(g)
    lstm = result.layers[ids["lstm"]]
    assert lstm.output_shapes == ((None, None, 9), (None, 9), (None, 9))
    assert lstm.output_shape == (None, None, 9) and lstm.total == 504
    assert result.layers[ids["cat"]].output_shape == (None, 18)
    assert result.layers[ids["out"]].total == (18 + 1) * 3
    # cost_conventions.md section 5: activation elements sum over every output; the sequence
    # length is unknown here, so the layer's activation size is unknown, not a guess.
    assert lstm.activation_elements is None
    summary = summarize(g, result)
    row = next(r for r in summary.rows if r.name == "lstm")
    assert row.shape_text == "[(None, None, 9), (None, 9), (None, 9)]"
    cat = next(r for r in summary.rows if r.name == "cat")
    assert cat.keras_connected_to == ("lstm[0][1]", "lstm[0][2]")
    data = json.loads(format_json(summary))
    assert data["layers"][1]["output_shape"] == [[None, None, 9], [None, 9], [None, 9]]
    table = format_table(summary)  # the column wraps the list, as Keras's does
    assert "[(None, None, 9)," in table and "(None, 9)]" in table


def test_output_an_lstm_without_return_state_lacks_is_an_error_on_the_consumer():
    g, ids = lstm_states_model()
    g.set_config(ids["lstm"], "return_state", False)
    r = propagate(g).layers[ids["cat"]]
    assert r.diagnostic is not None
    assert r.diagnostic.message == "input 1 takes output 2 of 'lstm', which has 1 output"


@pytest.mark.parametrize("rnn, states, params", [
    ("LSTM", [(None, 9)] * 4, 2 * 504), ("GRU", [(None, 9)] * 2, 2 * 405)])
def test_bidirectional_return_state(rnn, states, params):
    g = LayerGraph("bi")
    x = g.add_layer("InputLayer", "x", {"shape": (5, 4)})
    bi = g.add_layer("Bidirectional", "bi", {"layer": {"class_name": rnn, "config": {
        "units": 9, "return_state": True}}})
    cat = g.add_layer("Concatenate", "cat")
    g.connect(x, bi)
    g.connect(bi, cat, 0, output=1)  # forward state_h
    g.connect(bi, cat, 1, output=len(states) // 2 + 1)  # backward state_h
    result = propagate(g)
    assert result.layers[bi].output_shapes == ((None, 18), *states)
    assert result.layers[bi].total == params
    assert result.layers[cat].output_shape == (None, 18)


def test_keras3_file_with_state_outputs_and_attention_scores():
    def kt(layer, tensor, shape):
        return {"class_name": "__keras_tensor__", "config": {
            "shape": shape, "dtype": "float32", "keras_history": [layer, 0, tensor]}}

    def layer(cls, name, config, args, kwargs=None):
        return {"module": "keras.layers", "class_name": cls, "name": name,
                "config": {"name": name, "trainable": True, **config},
                "inbound_nodes": [{"args": args, "kwargs": kwargs or {}}]}
    config = {"module": "keras.src.models.functional", "class_name": "Functional", "config": {
        "name": "m", "trainable": True, "layers": [
            {"module": "keras.layers", "class_name": "InputLayer", "name": "x",
             "config": {"batch_shape": [None, 5, 8], "name": "x"}, "inbound_nodes": []},
            layer("LSTM", "lstm", {"units": 9, "return_state": True},
                  [kt("x", 0, [None, 5, 8])]),
            layer("Concatenate", "cat", {"axis": -1},
                  [[kt("lstm", 0, [None, 9]), kt("lstm", 1, [None, 9])]]),
            layer("MultiHeadAttention", "mha", {"num_heads": 2, "key_dim": 4},
                  [kt("x", 0, [None, 5, 8]), kt("x", 0, [None, 5, 8])],
                  {"return_attention_scores": True}),
            layer("Flatten", "flat", {}, [kt("mha", 1, [None, 2, 5, 5])]),
        ], "input_layers": [["x", 0, 0]], "output_layers": [["cat", 0, 0], ["flat", 0, 0]]}}
    g = parse_keras_config(config)
    result = propagate(g)
    assert g.output_index(g.id_of("lstm"), g.id_of("cat"), 1) == 1
    assert result.layers[g.id_of("cat")].output_shape == (None, 18)
    mha = result.layers[g.id_of("mha")]
    assert mha.output_shapes == ((None, 5, 8), (None, 2, 5, 5))
    assert result.layers[g.id_of("flat")].output_shape == (None, 50)
    # Export: the tensor index in keras_history, the scores option back in the call.
    exported = to_keras_dict(g, result)
    layers = {e["name"]: e for e in exported["config"]["layers"]}
    cat_args = layers["cat"]["inbound_nodes"][0]["args"][0]
    assert [a["config"]["keras_history"] for a in cat_args] == [["lstm", 0, 0], ["lstm", 0, 1]]
    assert layers["mha"]["inbound_nodes"][0]["kwargs"] == {"return_attention_scores": True}
    assert "return_attention_scores" not in layers["mha"]["config"]
    again = parse_keras_config(exported)
    assert propagate(again).layers[again.id_of("flat")].output_shape == (None, 50)


def test_connect_disconnect_remove_and_their_undo_keep_the_output_index():
    g, ids = lstm_states_model()
    lstm, cat = ids["lstm"], ids["cat"]
    cut = Disconnect(lstm, cat, 1)
    cut.apply(g)
    cut.revert(g)
    assert g.output_index(lstm, cat, 1) == 2
    remove = RemoveLayer(lstm)
    remove.apply(g)
    remove.revert(g)
    assert (g.output_index(lstm, cat, 0), g.output_index(lstm, cat, 1)) == (1, 2)
    Disconnect(lstm, cat, 0).apply(g)
    link = Connect(lstm, cat, 0, output=2)
    link.apply(g)
    assert g.output_index(lstm, cat, 0) == 2
    link.revert(g)
    assert cat not in {d for d, i in g.outputs(lstm) if i == 0}


def test_project_file_and_clipboard_keep_the_output_index(tmp_path):
    g, ids = lstm_states_model()
    path = tmp_path / "m.json"
    save_project(g, path)
    assert '"output": 2' in path.read_text()
    loaded = load_project(path)
    assert loaded.output_index(ids["lstm"], ids["cat"], 1) == 2
    assert propagate(loaded).layers[ids["cat"]].output_shape == (None, 18)
    text = copy_layers(g, [ids["lstm"], ids["cat"]])
    target = LayerGraph("other")
    edits, new_ids = paste_edits(target, text)
    for e in edits:
        e.apply(target)
    new_lstm, new_cat = new_ids
    assert target.output_index(new_lstm, new_cat, 1) == 2


def test_shared_layer_called_on_different_outputs_of_one_layer():
    # One Dense(4) called on the LSTM's sequence output (None, 5, 9) and on its state_h
    # (None, 9): two output shapes, one set of weights ((9 + 1)·4 = 40), counted once.
    g = LayerGraph("shared")
    x = g.add_layer("InputLayer", "x", {"shape": (5, 4)})
    h = g.add_layer("InputLayer", "h", {"shape": (9,)})
    lstm = g.add_layer("LSTM", "lstm", {"units": 9, "return_sequences": True,
                                        "return_state": True})
    d = g.add_layer("Dense", "d", {"units": 4})
    seq = g.add_layer("Dense", "d_call1", {"units": 4}, shared_with=d)
    state = g.add_layer("Dense", "d_call2", {"units": 4}, shared_with=d)
    g.connect(x, lstm)
    g.connect(h, d)
    g.connect(lstm, seq)
    g.connect(lstm, state, 0, output=1)
    result = propagate(g)
    assert result.layers[seq].output_shape == (None, 5, 4)
    assert result.layers[state].output_shape == (None, 4)
    assert [result.layers[n].total for n in (d, seq, state)] == [40, 0, 0]


def test_activation_elements_sum_over_every_output():
    """cost_conventions.md section 5: LSTM with return_state: sequence + h + c."""
    g = LayerGraph("states_fixed")
    x = g.add_layer("InputLayer", "x", {"shape": (5, 4)})
    lstm = g.add_layer("LSTM", "lstm", {"units": 9, "return_sequences": True,
                                         "return_state": True})
    g.connect(x, lstm)
    r = propagate(g).layers[lstm]
    assert r.output_shapes == ((None, 5, 9), (None, 9), (None, 9))
    assert r.activation_elements == 5 * 9 + 9 + 9


def test_bidirectional_merge_mode_none_is_keras_figures():
    """tests/data/keras_numeric/split.json (Keras 3.15.1): Bidirectional(merge_mode=None)
    returns [forward, backward, *forward states, *backward states]; every layer's output
    shapes and count, from Keras's own model, and its consumers' "Connected to" indices.
    merge_mode=None is a value of the field (it was refused as missing)."""
    from pathlib import Path

    record = json.loads((Path(__file__).resolve().parents[1] / "data" / "keras_numeric"
                         / "split.json").read_text(encoding="utf-8"))
    g = parse_keras_config(record["config"])
    result = propagate(g)
    summary = summarize(g, result)
    rows = {r.name: r for r in summary.rows}
    assert set(rows) == set(record["layers"])
    for name, keras in record["layers"].items():
        r = result.layers[g.id_of(name)]
        shapes = r.output_shapes or (r.output_shape,)
        assert [list(s) for s in shapes] == keras["output_shapes"], name
        assert r.total == keras["count_params"], name
    assert summary.total == sum(k["count_params"] for k in record["layers"].values())
    assert rows["seq_cat"].keras_connected_to == ("bl[0][1]", "bl[0][0]", "bs[0][0]",
                                                  "hl[0][1]")
    assert rows["bs"].shape_text == ("[(None, 7, 2), (None, 7, 2), (None, 2), (None, 2), "
                                     "(None, 2), (None, 2)]")
