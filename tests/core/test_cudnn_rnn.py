"""Keras 2's CuDNNLSTM and CuDNNGRU (``keras/layers/cudnn_recurrent.py``, also
``tensorflow/python/keras/layers/cudnn_recurrent.py``), found in old Keras 2 files.

Keras 2's ``build``: kernel ``(features, g·units)``, recurrent_kernel ``(units, g·units)``
and one flat bias ``(2·g·units,)`` — cuDNN's input and recurrent biases — with g = 4
(LSTM) and 3 (GRU); no use_bias. Shapes as LSTM / GRU (return_sequences, return_state).
So their counts equal PyTorch's nn.LSTM / nn.GRU exactly: tests/data/torch_conventions.json
gives nn.LSTM(32, 24) 5,568, nn.GRU(32, 20) 3,240 and nn.LSTM(32, 24, bidirectional=True)
11,136 (torch 2.13.0), and Keras 2's rule gives 32·96 + 24·96 + 192 = 5,568 and
32·60 + 20·60 + 120 = 3,240. tests/data/keras2/hb_sequence_tf2.json (tf_keras 2.21, checked
layer by layer by test_catalogue_reference and test_keras_import) holds real tf.keras figures
for the same layers.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramlab.core.io.keras_import import parse_keras_config
from paramlab.core.propagate import propagate

DATA = Path(__file__).resolve().parents[1] / "data"
MODULES = json.loads((DATA / "torch_conventions.json").read_text())["modules"]


def keras2_layer(class_name: str, name: str, **config) -> dict:
    """A layer as Keras 2.2.4's model.to_json() writes it (initializers left out)."""
    return {"class_name": class_name, "config": {"name": name, "trainable": True,
                                                 "dtype": "float32", "go_backwards": False,
                                                 "stateful": False, **config}}


def keras2_model() -> dict:
    """CuDNNLSTM(24) on (10, 32), Bidirectional(CuDNNLSTM(24)), CuDNNGRU(20): a Sequential
    written by Keras 2.2.4."""
    return {"class_name": "Sequential", "keras_version": "2.2.4", "backend": "tensorflow",
            "config": {"name": "cudnn", "layers": [
                keras2_layer("CuDNNLSTM", "cu_dnnlstm_1", units=24, return_sequences=True,
                             return_state=False, unit_forget_bias=True,
                             batch_input_shape=[None, 10, 32]),
                {"class_name": "Bidirectional", "config": {
                    "name": "bidirectional_1", "trainable": True, "merge_mode": "concat",
                    "layer": keras2_layer("CuDNNLSTM", "cu_dnnlstm_2", units=24,
                                          return_sequences=True, return_state=False)}},
                keras2_layer("CuDNNGRU", "cu_dnngru_1", units=20, return_sequences=False,
                             return_state=False)]}}


def test_keras2_file_counts_and_shapes():
    model = keras2_model()
    graph = parse_keras_config(model)
    result = propagate(graph)
    rows = {graph.raw(n)["name"]: result.layers[n] for n in graph.layer_ids()}
    lstm, bi, gru = rows["cu_dnnlstm_1"], rows["bidirectional_1"], rows["cu_dnngru_1"]
    assert (lstm.output_shape, lstm.total) == ((None, 10, 24), 32 * 96 + 24 * 96 + 192)
    # Bidirectional(CuDNNLSTM(24)) on 24 features: 2·(24·96 + 24·96 + 192)
    assert (bi.output_shape, bi.total) == ((None, 10, 48), 2 * (24 * 96 + 24 * 96 + 192))
    # CuDNNGRU(20) on 48 features: 48·60 + 20·60 + 120
    assert (gru.output_shape, gru.total) == ((None, 20), 48 * 60 + 20 * 60 + 120)
    assert [(w.name, w.shape) for w in lstm.weights] == [
        ("kernel", (32, 96)), ("recurrent_kernel", (24, 96)), ("bias", (192,))]


@pytest.mark.parametrize("class_name, units, key, wrap", [
    ("CuDNNLSTM", 24, "lstm_1layer", False), ("CuDNNGRU", 20, "gru", False),
    ("CuDNNLSTM", 24, "lstm_1layer_bidir", True)])
def test_pytorch_counts_equal_keras_counts(class_name, units, key, wrap):
    from paramlab.core.graph import LayerGraph

    g = LayerGraph()
    x = g.add_layer("InputLayer", config={"shape": [10, 32]})
    layer_config = {"units": units}
    node = (g.add_layer("Bidirectional", config={"layer": {"class_name": class_name,
                                                           "config": layer_config}})
            if wrap else g.add_layer(class_name, config=layer_config))
    g.connect(x, node)
    r = propagate(g).layers[node]
    entry = MODULES[key]
    assert r.total == r.torch.trainable == entry["trainable_params"]
    assert [(t.name, t.shape) for t in r.torch.mapping.parameters] == [
        (p["name"], tuple(p["shape"])) for p in entry["parameters"]]
    assert r.torch.mapping.note.startswith(f"exact match: {class_name}'s flat bias")


def test_return_state_gives_the_states():
    from paramlab.core.catalogue import get_spec

    for class_name, n in (("CuDNNLSTM", 2), ("CuDNNGRU", 1)):
        spec = get_spec(class_name)
        config = spec.resolve_config({"units": 9, "return_state": True,
                                      "return_sequences": True})
        out = spec.output_shape(((None, None, 4),), config)
        assert (out, spec.extra_outputs(((None, None, 4),), config, out)) == (
            (None, None, 9), ((None, 9),) * n)


def test_time_major_is_refused_in_one_line():
    from paramlab.core.catalogue import get_spec
    from paramlab.core.errors import LayerError

    spec = get_spec("CuDNNLSTM")
    with pytest.raises(LayerError, match="time_major=True"):
        spec.output_shape(((None, 10, 4),), spec.resolve_config({"time_major": True}))
