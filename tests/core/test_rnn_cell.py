"""The generic ``RNN`` layer over cells, beyond the per-layer figures of
``tests/data/keras/hb_rnn_cell*.json`` (checked by test_catalogue_reference.py).

Keras's rules (keras/src/layers/rnn/rnn.py, stacked_rnn_cells.py): a cell's weights are those
of the layer that wraps it (``LSTM`` is ``RNN(LSTMCell)``); ``RNN([a, b])`` is written as a
``StackedRNNCells``, the cell k + 1 taking cell k's units as its features; with
``return_state`` the states of every cell follow the output, flattened (LSTMCell h, c).

PyTorch figures come from tests/data/torch_conventions.json (made with torch 2.13.0):
``RNN(LSTMCell(24))`` on (10, 32) is ``nn.LSTM(32, 24)``, two equal cells are
``nn.LSTM(32, 24, num_layers=2)``, ``Bidirectional(RNN(LSTMCell(24)))`` is
``nn.LSTM(32, 24, bidirectional=True)``.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramlab.core.catalogue import get_spec
from paramlab.core.catalogue.recurrent import cell_summary, nested_summary
from paramlab.core.graph import LayerGraph
from paramlab.core.propagate import propagate
from paramlab.core.shape_formula import shape_steps

DATA = Path(__file__).resolve().parents[1] / "data"
MODULES = json.loads((DATA / "torch_conventions.json").read_text())["modules"]


def cell(name: str, **config) -> dict:
    return {"class_name": name, "config": config}


def stacked(*cells: dict) -> dict:
    return {"class_name": "StackedRNNCells", "config": {"cells": list(cells)}}


def run(config: dict, shape=(10, 32), wrapper: str | None = None):
    g = LayerGraph()
    x = g.add_layer("InputLayer", config={"shape": list(shape)})
    if wrapper:
        layer = g.add_layer(wrapper, config={"layer": {"class_name": "RNN", "config": config}})
    else:
        layer = g.add_layer("RNN", config=config)
    g.connect(x, layer)
    return propagate(g).layers[layer]


@pytest.mark.parametrize("key, config, wrapper", [
    ("rnn", {"cell": cell("SimpleRNNCell", units=16)}, None),
    ("lstm_1layer", {"cell": cell("LSTMCell", units=24)}, None),
    ("gru", {"cell": cell("GRUCell", units=20)}, None),
    ("lstm_2layer", {"cell": [cell("LSTMCell", units=24), cell("LSTMCell", units=24)]}, None),
    ("lstm_2layer", {"cell": stacked(cell("LSTMCell", units=24),
                                     cell("LSTMCell", units=24))}, None),
    ("lstm_1layer_bidir", {"cell": cell("LSTMCell", units=24)}, "Bidirectional"),
])
def test_pytorch_convention_is_the_plain_module(key, config, wrapper):
    entry = MODULES[key]
    r = run(config, tuple(entry["keras_equivalent"]["input_shape"]), wrapper)
    assert r.diagnostic is None
    # Keras's side: the same count as the plain layer's keras_equivalent
    assert r.trainable == entry["keras_equivalent"]["trainable"]
    torch = r.torch
    assert torch.equivalent and torch.trainable == entry["trainable_params"]
    assert [(t.name, t.shape) for t in torch.mapping.parameters] == [
        (p["name"], tuple(p["shape"])) for p in entry["parameters"]]
    assert torch.mapping.modules[0].cls == entry["torch"][3:].split("(")[0]


def test_unlike_cells_have_no_pytorch_module_and_keep_keras_count():
    r = run({"cell": [cell("GRUCell", units=8), cell("LSTMCell", units=8)]})
    assert not r.torch.equivalent
    assert "unlike cells" in r.torch.mapping.unsupported
    # GRU (reset_after): 3·8·(32 + 8) + 2·24 = 1,008; LSTM on 8: 4·8·(8 + 8 + 1) = 544
    assert r.total == 1008 + 544


def test_states_of_stacked_cells_are_flattened_in_keras_order():
    r = run({"cell": [cell("LSTMCell", units=3), cell("GRUCell", units=5)],
             "return_state": True, "return_sequences": True})
    assert r.output_shapes == ((None, 10, 5), (None, 3), (None, 3), (None, 5))


def test_a_frozen_cell_makes_its_weights_non_trainable():
    r = run({"cell": [cell("SimpleRNNCell", units=4, trainable=False),
                      cell("SimpleRNNCell", units=2)]})
    # SimpleRNN: (features + units + 1)·units: (32 + 4 + 1)·4 = 148 frozen; (4 + 2 + 1)·2 = 14
    assert (r.trainable, r.non_trainable) == (14, 148)


def test_default_cell_is_lstm_32():
    r = run({})
    assert r.output_shape == (None, 32) and r.total == 4 * 32 * (32 + 32 + 1)


@pytest.mark.parametrize("value, text", [
    (cell("ConvLSTMCell", filters=3), "the cell 'ConvLSTMCell' is not one ParamLab knows"),
    ([], "cell must be a cell config, a StackedRNNCells or a non-empty list"),
    (stacked(), "cell must be a cell config"),
    ({"class_name": "LSTMCell", "config": [1]}, "the config of the LSTMCell must be an object"),
    (cell("LSTMCell", units=0), "units"),
])
def test_bad_cells_give_one_clear_line(value, text):
    r = run({"cell": value})
    assert r.diagnostic is not None and text in r.diagnostic.message


def test_what_a_student_reads_about_the_cell():
    two = {"cell": stacked(cell("SimpleRNNCell", units=3), cell("GRUCell", units=5,
                                                                 trainable=False))}
    assert cell_summary(two) == ("StackedRNNCells: SimpleRNNCell(units=3) → "
                                 "GRUCell(units=5, trainable=False)")
    assert nested_summary("RNN", {"cell": cell("LSTMCell", units=6)}) == (
        "Cell", "LSTMCell(units=6)")
    assert nested_summary("Bidirectional", {"layer": {"class_name": "RNN", "config": {
        "cell": cell("GRUCell", units=4)}}}) == ("Layer", "RNN: GRUCell(units=4)")
    assert nested_summary("Dense", {"units": 3}) is None
    spec = get_spec("RNN")
    config = spec.resolve_config({"cell": cell("LSTMCell", units=6), "return_sequences": True})
    assert shape_steps("RNN", [(None, 12, 4)], config, (None, 12, 6))[0] == (
        "return_sequences=True: one output per step, 12 steps of the last cell's units = 6")


def test_the_formula_derives_each_cell():
    r = run({"cell": [cell("LSTMCell", units=3), cell("LSTMCell", units=4)]}, shape=(6, 4))
    # Keras build: (4 + 3 + 1)·12 = 96, (3 + 4 + 1)·16 = 128
    assert r.total == 224
    from paramlab.core.formula import weight_formula
    assert weight_formula(r.weights) == "(4 + 3 + 1)·12 + (3 + 4 + 1)·16 = 224"


def test_keras_code_export_builds_cells_and_indexes_flattened_states():
    """Run with real Keras, the exported code of hb_rnn_cell.json gives 1,541 parameters,
    1,421 trainable (the file's totals): the cells are constructor calls (a StackedRNNCells'
    list too), and a stacked RNN's nested states are indexed in Keras's flattened order."""
    from paramlab.core.io.keras_export import to_keras_code
    from paramlab.core.io.loader import load_model

    code = to_keras_code(load_model(str(DATA / "keras" / "hb_rnn_cell.json")))
    assert "cell=layers.StackedRNNCells(" in code
    assert "cells=[layers.LSTMCell(" in code
    assert "keras.tree.flatten(rnn_two_lstm)[4]" in code
    assert "rnn_lstm[1]" not in code and "keras.tree.flatten(rnn_lstm)[1]" in code


def test_a_frozen_rnn_is_exported_with_frozen_cells():
    """Keras's RNN(cell, trainable=False) leaves the cell trainable (REFERENCE.md): the
    export writes trainable: false on every cell, through a StackedRNNCells."""
    from paramlab.core.io.keras_json_export import to_keras_dict

    g = LayerGraph("frozen")
    x = g.add_layer("InputLayer", "x", {"shape": [5, 4]})
    rnn = g.add_layer("RNN", "rnn", {"cell": stacked(cell("LSTMCell", units=3),
                                                     cell("GRUCell", units=2))},
                      trainable=False)
    g.connect(x, rnn)
    entry = next(layer for layer in to_keras_dict(g)["config"]["layers"]
                 if layer["name"] == "rnn")
    assert entry["config"]["trainable"] is False
    cells = entry["config"]["cell"]["config"]["cells"]
    assert [c["config"]["trainable"] for c in cells] == [False, False]


def test_keras_json_of_gui_made_rnns_loads_in_keras():
    """Loaded with real Keras 3.15.1's model_from_json while writing this test: the
    palette-made RNN (no cell: LSTMCell(32) on 4 features, 4·32·(4 + 32 + 1) = 4,736) and a
    frozen Bidirectional over stacked cells give Keras's counts only if every nested layer
    and cell names its module and carries the frozen flag."""
    from paramlab.core.io.keras_json_export import to_keras_dict

    g = LayerGraph("gui")
    x = g.add_layer("InputLayer", "x", {"shape": [5, 4]})
    plain = g.add_layer("RNN", "plain")
    bi = g.add_layer("Bidirectional", "bi", {"layer": {"class_name": "RNN", "config": {
        "cell": stacked(cell("LSTMCell", units=3), cell("GRUCell", units=2))}}},
        trainable=False)
    g.connect(x, plain)
    g.connect(x, bi)
    layers = {e["name"]: e["config"] for e in to_keras_dict(g)["config"]["layers"]}
    assert layers["plain"]["cell"] == {"module": "keras.layers", "class_name": "LSTMCell",
                                       "config": {"units": 32}, "registered_name": None}
    inner = layers["bi"]["layer"]
    assert inner["module"] == "keras.layers" and inner["config"]["trainable"] is False
    cells = inner["config"]["cell"]["config"]["cells"]
    assert [(c["module"], c["config"]["trainable"]) for c in cells] == [
        ("keras.layers", False), ("keras.layers", False)]
    assert inner["config"]["cell"]["config"]["trainable"] is False


def test_a_layer_frozen_with_keras_setter_keeps_its_pytorch_equivalent():
    """hb_rnn_cell's rnn_frozen was frozen with ``layer.trainable = False``: Keras wrote
    trainable: false on the layer and on its cell. The layer's flag covers the cell, so the
    PyTorch convention maps it to nn.LSTM like any frozen LSTM; a cell frozen on its own
    (rnn_cell_frozen) has none."""
    from paramlab.core.io.loader import load_model

    g = load_model(str(DATA / "keras" / "hb_rnn_cell.json"))
    result = propagate(g)
    frozen = result.layers[g.id_of("rnn_frozen")]
    assert frozen.torch.equivalent and (frozen.trainable, frozen.non_trainable) == (0, 72)
    alone = result.layers[g.id_of("rnn_cell_frozen")]
    assert not alone.torch.equivalent and "frozen on its own" in alone.torch.mapping.unsupported
