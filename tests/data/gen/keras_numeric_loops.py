"""Reference outputs of recurrent layers PyTorch's nn.LSTM / nn.GRU / nn.RNN cannot run
(run with real Keras, not collected by pytest):

    KERAS_BACKEND=jax python tests/data/gen/keras_numeric_loops.py tests/data/keras_numeric

Writes ``loops.json``: a Functional model on one (None, 7, 4) sequence whose recurrent
layers have activations other than tanh / sigmoid or GRU's reset-before form, which
ParamLab's PyTorch export runs as an explicit loop over the time steps —
LSTM(3, recurrent_activation="hard_sigmoid", return_state, go_backwards), LSTM(3,
activation="relu", return_sequences), GRU(3, reset_after=False, return_sequences,
return_state, go_backwards), GRU(2, reset_after=False, recurrent_activation="hard_sigmoid",
use_bias=False), GRU(2, recurrent_activation="hard_sigmoid") (reset after),
SimpleRNN(3, activation="sigmoid"), Bidirectional(LSTM(2, recurrent_activation=
"hard_sigmoid", return_sequences, return_state)), Bidirectional(GRU(2, reset_after=False),
merge_mode="ave") and RNN(LSTMCell(3, recurrent_activation="hard_sigmoid"), return_state)
— the last steps and states concatenated as one output, the sequences as others. Keys as in
keras_numeric_states.py: ``config``, ``weights`` (path -> values, seeded), ``input`` (a
(2, 7, 4) batch), ``outputs`` (``model.predict(input)``), ``output_names``. Produced by
Keras 3.15.1 with the JAX backend.
"""
from __future__ import annotations

import sys
from pathlib import Path

import keras
import numpy as np
from keras import layers
from keras_numeric_states import seed_biases, write_record  # this folder is on sys.path when run


def build() -> keras.Model:
    x = keras.Input((7, 4), name="seq")
    hs, hs_h, hs_c = layers.LSTM(3, recurrent_activation="hard_sigmoid", return_state=True,
                                 go_backwards=True, name="lstm_hs")(x)
    relu = layers.LSTM(3, activation="relu", return_sequences=True, name="lstm_relu")(x)
    rb, rb_h = layers.GRU(3, reset_after=False, return_sequences=True, return_state=True,
                          go_backwards=True, name="gru_rb")(x)
    nb = layers.GRU(2, reset_after=False, recurrent_activation="hard_sigmoid", use_bias=False,
                    name="gru_nb")(x)
    ra = layers.GRU(2, recurrent_activation="hard_sigmoid", name="gru_ra")(x)
    sr = layers.SimpleRNN(3, activation="sigmoid", name="srnn")(x)
    bi, fh, fc, bh, bc = layers.Bidirectional(
        layers.LSTM(2, recurrent_activation="hard_sigmoid", return_sequences=True,
                    return_state=True), name="bi")(x)
    bg = layers.Bidirectional(layers.GRU(2, reset_after=False), merge_mode="ave",
                              name="bg")(x)
    rc, rc_h, rc_c = layers.RNN(layers.LSTMCell(3, recurrent_activation="hard_sigmoid"),
                                return_state=True, name="rc")(x)
    cat = layers.Concatenate(name="cat")([hs, hs_h, hs_c, rb_h, nb, ra, sr, fh, fc, bh, bc,
                                          bg, rc, rc_h, rc_c])
    seqs = (("relu_out", relu), ("rb_out", rb), ("bi_out", bi))
    outs = [cat] + [layers.Activation("linear", name=name)(t) for name, t in seqs]
    return keras.Model(x, outs, name="loops")


def main(folder: Path) -> None:
    keras.utils.set_random_seed(7)
    model = build()
    seed_biases(model)
    inp = np.random.RandomState(0).randn(2, 7, 4).astype("float32") * 2
    write_record(model, inp, folder / "loops.json")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
