"""Writes ``tests/data/keras2/hb_sequence_tf2.json`` and ``.h5``: Keras 2's cuDNN recurrent
layers and the generic RNN over cells as legacy tf.keras 2 (tf_keras 2.21) saves them.

Run with a Python that has tensorflow and tf_keras 2.21 (not ParamLab's venv; pytest never
collects this file); CuDNNLSTM / CuDNNGRU are built (not run) on a CPU:

    python tests/data/gen/k2_sequence_layers.py [OUT_DIR]

Same keys as the other ``keras2/`` files (tests/data/REFERENCE.md): ``config`` is
``json.loads(model.to_json())``; ``layers`` lists ``model.layers`` with tf.keras's output
shape (a list of shapes for a layer with several outputs) and counts, and each weight's name
and shape; ``summary_totals`` are ``model.summary()``'s lines.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import tf_keras as keras
from tf_keras.src.layers.rnn.cudnn_gru import CuDNNGRU
from tf_keras.src.layers.rnn.cudnn_lstm import CuDNNLSTM

sys.path.insert(0, str(Path(__file__).resolve().parent))
from k2_image_layers import _shape
from k2_image_layers import reference as image_reference

L = keras.layers


def sequence_tf2() -> keras.Model:
    """CuDNNLSTM, Bidirectional(CuDNNLSTM), CuDNNGRU with return_state feeding a
    Concatenate, a frozen CuDNNLSTM; RNN(LSTMCell) with return_state, RNN over a list of
    cells (written as StackedRNNCells), Bidirectional(RNN(GRUCell))."""
    x = keras.Input((10, 32), name="seq")
    a = CuDNNLSTM(24, return_sequences=True, name="cu_lstm")(x)
    b = L.Bidirectional(CuDNNLSTM(12, return_sequences=True), name="bi_cu_lstm")(a)
    c, h = CuDNNGRU(20, return_state=True, name="cu_gru")(b)
    states = L.Concatenate(name="gru_states")([c, h])
    frozen = CuDNNLSTM(5, name="cu_lstm_frozen", trainable=False)(x)
    seq, sh, sc = L.RNN(L.LSTMCell(6), return_sequences=True, return_state=True,
                        name="rnn_lstm")(x)
    stacked = L.RNN([L.GRUCell(3), L.SimpleRNNCell(4)], go_backwards=True,
                    name="rnn_stack")(seq)
    bi = L.Bidirectional(L.RNN(L.GRUCell(4)), name="bi_rnn_gru")(seq)
    merged = L.Concatenate(name="merged")([states, frozen, sh, sc, stacked, bi])
    out = L.Dense(2, name="out")(merged)
    return keras.Model(x, out, name="hb_sequence_tf2")


MODELS = {"hb_sequence_tf2": sequence_tf2}


def reference(name: str, model: keras.Model, h5: Path) -> dict:
    """k2_image_layers.reference (same folder), plus each layer's weights (name as
    tf.keras writes it, without ``:0``, and shape): test_catalogue_reference compares them."""
    data = image_reference(name, model, h5)
    for entry, layer in zip(data["layers"], model.layers):
        entry["weights"] = [{"path": w.name.split(":")[0], "shape": _shape(w.shape),
                             "trainable": bool(w.trainable)} for w in layer.weights]
    return data


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else Path(__file__).resolve().parents[1] / "keras2"
    for name, build in MODELS.items():
        keras.backend.clear_session()
        model = build()
        h5 = out / f"{name}.h5"
        model.save(h5)
        data = reference(name, model, h5)
        (out / f"{name}.json").write_text(json.dumps(data, separators=(",", ":")))
        print(f"{name}: {len(data['layers'])} layers, {data['totals']['total']:,} parameters, "
              f"{data['totals']['trainable']:,} trainable")


if __name__ == "__main__":
    main(sys.argv[1:])
