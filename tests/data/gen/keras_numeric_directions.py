"""Reference outputs of Bidirectional layers whose forward layer goes backwards (run with
real Keras, not collected by pytest):

    KERAS_BACKEND=jax python tests/data/gen/keras_numeric_directions.py tests/data/keras_numeric

Writes ``directions.json``: a Functional model on one (None, 7, 4) sequence whose
Bidirectional layers have a forward layer with ``go_backwards=True`` and a given
``backward_layer`` with ``go_backwards=False`` (Keras 3 builds no such copy itself; tf.keras 2
did, with ``go_backwards = not forward.go_backwards``). Keras runs each layer the way it goes
and still flips the backward layer's sequence (keras/src/layers/rnn/bidirectional.py ``call``):
LSTM(3, return_sequences) concat, GRU(2, return_state) sum, LSTM(2, return_sequences,
return_state) and GRU(2) with merge_mode=None, RNN(LSTMCell(2), return_sequences) concat;
two nn.LSTM / nn.GRU cannot run, LSTM(2, recurrent_activation="hard_sigmoid",
return_sequences, return_state) concat and GRU(2, reset_after=False) with merge_mode=None;
and one the usual way round, RNN(LSTMCell(2, recurrent_activation="hard_sigmoid"),
return_sequences), whose saved backward_layer is an RNN with go_backwards=True. Last steps
and states are concatenated as one output, the sequences are others. Keys as
``states.json`` (``keras_numeric_states.write_record``). Produced by Keras 3.15.1 with the
JAX backend (CPU: the fused cuDNN path is not taken).
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

    def reversed_bi(make, name, merge_mode="concat"):
        """Bidirectional(make(go_backwards=True), backward_layer=make(go_backwards=False))."""
        return layers.Bidirectional(make(go_backwards=True), merge_mode=merge_mode,
                                    backward_layer=make(go_backwards=False), name=name)(x)

    rc = reversed_bi(lambda **k: layers.LSTM(3, return_sequences=True, **k), "rc")
    rs, rs_fh, rs_bh = reversed_bi(lambda **k: layers.GRU(2, return_state=True, **k), "rs",
                                   "sum")
    rn_f, rn_b, rn_fh, rn_fc, rn_bh, rn_bc = reversed_bi(
        lambda **k: layers.LSTM(2, return_sequences=True, return_state=True, **k), "rn", None)
    rg_f, rg_b = reversed_bi(lambda **k: layers.GRU(2, **k), "rg", None)
    rr = reversed_bi(lambda **k: layers.RNN(layers.LSTMCell(2), return_sequences=True, **k),
                     "rr")
    lh, lh_fh, lh_fc, lh_bh, lh_bc = reversed_bi(
        lambda **k: layers.LSTM(2, recurrent_activation="hard_sigmoid", return_sequences=True,
                                return_state=True, **k), "lh")
    lg_f, lg_b = reversed_bi(lambda **k: layers.GRU(2, reset_after=False, **k), "lg", None)
    rl = layers.Bidirectional(layers.RNN(layers.LSTMCell(2, recurrent_activation="hard_sigmoid"),
                                         return_sequences=True), name="rl")(x)
    cat = layers.Concatenate(name="cat")([rs, rs_fh, rs_bh, rn_bh, rn_fc, rn_fh, rn_bc, rg_b,
                                          rg_f, lh_fh, lh_fc, lh_bh, lh_bc, lg_f, lg_b])
    seqs = (("rc_out", rc), ("rn_f_out", rn_f), ("rn_b_out", rn_b), ("rr_out", rr),
            ("lh_out", lh), ("rl_out", rl))
    outs = [cat] + [layers.Activation("linear", name=name)(t) for name, t in seqs]
    return keras.Model(x, outs, name="directions")


def main(folder: Path) -> None:
    keras.utils.set_random_seed(9)
    model = build()
    seed_biases(model)
    inp = np.random.RandomState(0).randn(2, 7, 4).astype("float32")
    write_record(model, inp, folder / "directions.json")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
