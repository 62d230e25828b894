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

import tensorflow as tf
import tf_keras as keras
from tf_keras.src.layers.rnn.cudnn_gru import CuDNNGRU
from tf_keras.src.layers.rnn.cudnn_lstm import CuDNNLSTM

L = keras.layers


def _shape(shape) -> list:
    if isinstance(shape, list):
        return [_shape(s) for s in shape]
    return [None if d is None else int(d) for d in shape]


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


def text_tf2() -> keras.Model:
    """tf.keras 2's lookups and TextVectorization with given vocabularies (int, one_hot,
    multi_hot, count with pad_to_max_tokens, tf_idf), feeding an Embedding, an LSTM and a
    Dense."""
    words = keras.Input((3,), dtype="string", name="words")
    ids = keras.Input((4,), dtype="int64", name="ids")
    line = keras.Input((1,), dtype="string", name="line")
    sl = L.StringLookup(vocabulary=["a", "b", "c"], name="sl_int")(words)
    emb = L.Embedding(5, 4, name="emb")(sl)
    lstm = L.LSTM(3, name="lstm")(emb)
    word = keras.Input((1,), dtype="string", name="word")  # tf.keras 2 encodes rank <= 2
    sl_oh = L.StringLookup(vocabulary=["a", "b"], output_mode="one_hot", name="sl_oh")(word)
    il = L.IntegerLookup(vocabulary=[7, 8, 9], output_mode="multi_hot", name="il_mh")(ids)
    il_cnt = L.IntegerLookup(max_tokens=12, pad_to_max_tokens=True, output_mode="count",
                             name="il_cnt")(ids)
    tv = L.TextVectorization(vocabulary=["the", "cat"], output_sequence_length=6,
                             name="tv_int")(line)
    tv_emb = L.GlobalAveragePooling1D(name="tv_pool")(L.Embedding(4, 2, name="tv_emb")(tv))
    # One string per sample: on (None, 1) tf.keras 2 encodes into (None, depth) where Keras
    # 3 keeps the axis, (None, 1, depth); ParamLab follows Keras 3 (see REFERENCE.md).
    doc = keras.Input((), dtype="string", name="doc")
    tv_idf = L.TextVectorization(vocabulary=["a", "b"], output_mode="tf_idf",
                                 idf_weights=[0.3, 0.2], name="tv_tfidf")(doc)
    dense = L.Dense(2, name="dense")(tv_idf)
    return keras.Model([words, word, ids, line, doc], [lstm, sl_oh, il, il_cnt, tv_emb, dense],
                       name="hb_text_tf2")


MODELS = {"hb_sequence_tf2": sequence_tf2, "hb_text_tf2": text_tf2}


def _variables(weights) -> list:
    """The weights Keras counts: tf.Variables of a known shape (a lookup's list holds its
    table's handler, and TF-IDF's idf_weights has shape (None,): tf.keras's count_params
    counts neither, so model.summary() says 0 for them)."""
    return [w for w in weights if isinstance(w, tf.Variable) and w.shape.is_fully_defined()]


def reference(name: str, model: keras.Model, h5: Path | None) -> dict:
    """The keys of k2_image_layers.reference (same folder), counting tf.Variables only,
    plus each layer's weights (name as tf.keras writes it, without ``:0``, and shape):
    test_catalogue_reference compares them. ``h5`` is None when tf.keras cannot write the
    model in HDF5 (lookup tables): no ``h5`` key then."""
    layers = []
    for layer in model.layers:
        shape = layer.output_shape
        if isinstance(shape, list) and len(shape) == 1:  # an InputLayer's: [(None, 4)]
            shape = shape[0]
        counts = [sum(int(tf.size(v)) for v in _variables(ws))
                  for ws in (layer.trainable_weights, layer.non_trainable_weights)]
        layers.append({"name": layer.name, "class_name": type(layer).__name__,
                       "trainable": bool(layer.trainable), "output_shape": _shape(shape),
                       "trainable_params": counts[0], "non_trainable_params": counts[1],
                       "total_params": sum(counts),
                       "weights": [{"path": w.name.split(":")[0], "shape": _shape(w.shape),
                                    "trainable": bool(w.trainable)}
                                   for w in _variables(layer.weights)]})
    lines: list[str] = []
    model.summary(print_fn=lambda text, **_: lines.append(text))
    trainable = sum(e["trainable_params"] for e in layers)
    non_trainable = sum(e["non_trainable_params"] for e in layers)
    data = {"name": name, "tf_keras_version": keras.__version__,
            "tensorflow_version": tf.__version__, "model_class": type(model).__name__,
            "config": json.loads(model.to_json()), "layers": layers,
            "totals": {"trainable": trainable, "non_trainable": non_trainable,
                       "total": trainable + non_trainable,
                       "count_params": model.count_params()},
            "summary_totals": [line.strip() for line in lines if line.strip().startswith(
                ("Total params", "Trainable params", "Non-trainable params"))]}
    if h5 is not None:
        data["h5"] = {"kind": "full", "bytes": h5.stat().st_size}
    return data


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else Path(__file__).resolve().parents[1] / "keras2"
    for name, build in MODELS.items():
        keras.backend.clear_session()
        model = build()
        h5: Path | None = out / f"{name}.h5"
        try:
            model.save(h5)
        except NotImplementedError:  # "Save or restore weights that is not a tf.Variable"
            h5.unlink(missing_ok=True)
            h5 = None
        data = reference(name, model, h5)
        (out / f"{name}.json").write_text(json.dumps(data, separators=(",", ":")))
        print(f"{name}: {len(data['layers'])} layers, {data['totals']['total']:,} parameters, "
              f"{data['totals']['trainable']:,} trainable")


if __name__ == "__main__":
    main(sys.argv[1:])
