"""Reference outputs of layers with several outputs (run with real Keras, not collected by
pytest):

    KERAS_BACKEND=jax python tests/data/gen/keras_numeric_states.py tests/data/keras_numeric

Writes ``states.json``: a Functional model on one (None, 7, 4) sequence whose layers return
their states or attention scores — LSTM(5, return_state, go_backwards), GRU(3,
return_sequences, return_state, go_backwards), Bidirectional(LSTM(2, return_sequences,
return_state)), Bidirectional(GRU(2, return_state), merge_mode="sum"), RNN over two
LSTMCell(3) and over two GRUCell(2, go_backwards) with return_state, MultiHeadAttention(2, 2)
with return_attention_scores — the states and last steps concatenated as one output, the
sequences and the scores as others. Keys: ``config`` (``json.loads(model.to_json())``),
``weights`` (each weight's path -> its values, seeded), ``input`` (a (2, 7, 4) batch),
``outputs`` (``model.predict(input)``, in the model's output order, named in
``output_names``). Produced by Keras 3.15.1 with the JAX backend.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import keras
import numpy as np
from keras import layers


def build() -> keras.Model:
    x = keras.Input((7, 4), name="seq")
    lstm, lh, lc = layers.LSTM(5, return_state=True, go_backwards=True, name="lstm")(x)
    gru, gh = layers.GRU(3, return_sequences=True, return_state=True, go_backwards=True,
                         name="gru")(x)
    bi, fh, fc, bh, bc = layers.Bidirectional(
        layers.LSTM(2, return_sequences=True, return_state=True), name="bi")(x)
    bg, bgf, bgb = layers.Bidirectional(layers.GRU(2, return_state=True), merge_mode="sum",
                                        name="bg")(x)
    sl = keras.tree.flatten(layers.RNN([layers.LSTMCell(3), layers.LSTMCell(3)],
                                       return_state=True, name="sl")(x))
    sg = keras.tree.flatten(layers.RNN([layers.GRUCell(2), layers.GRUCell(2)],
                                       return_state=True, go_backwards=True, name="sg")(x))
    mha, scores = layers.MultiHeadAttention(2, 2, name="mha")(x, x, return_attention_scores=True)
    cat = layers.Concatenate(name="cat")([lstm, lh, lc, gh, fh, fc, bh, bc, bgf, bgb, *sl, *sg])
    seqs = (("gru_out", gru), ("bi_out", bi), ("bg_out", bg), ("mha_out", mha),
            ("scores_out", scores))
    outs = [cat] + [layers.Activation("linear", name=name)(t) for name, t in seqs]
    return keras.Model(x, outs, name="states")


def main(folder: Path) -> None:
    keras.utils.set_random_seed(6)
    model = build()
    inp = np.random.RandomState(0).randn(2, 7, 4).astype("float32")
    write_record(model, inp, folder / "states.json")


def seed_biases(model: keras.Model) -> None:
    """Non-zero biases (seeded), so a bias in the wrong place shows."""
    for w in model.weights:
        if w.path.endswith("/bias"):
            w.assign(np.random.RandomState(1).uniform(-0.5, 0.5, w.shape).astype("float32"))


def write_record(model: keras.Model, inp: np.ndarray, path: Path,
                 extra: dict | None = None) -> None:
    """``model``'s config, weights, ``inp`` and its outputs on it (and ``extra``'s keys), as
    JSON at ``path``."""
    outputs = model.predict(inp, verbose=0)
    record = {
        "config": json.loads(model.to_json()),
        "weights": {w.path: np.asarray(w).tolist() for w in model.weights},
        "input": inp.tolist(),
        "output_names": list(model.output_names),
        "outputs": [np.asarray(o).tolist() for o in outputs],
        "keras": keras.__version__, "backend": keras.backend.backend(),
        **(extra or {}),
    }
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
