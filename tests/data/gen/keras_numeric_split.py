"""Reference outputs of Bidirectional(merge_mode=None) (run with real Keras, not collected by
pytest):

    KERAS_BACKEND=jax python tests/data/gen/keras_numeric_split.py tests/data/keras_numeric

Writes ``split.json``: a Functional model on one (None, 7, 4) sequence whose Bidirectional
layers keep both directions apart, ``[forward, backward, *forward states, *backward
states]`` (keras/src/layers/rnn/bidirectional.py): LSTM(3, return_sequences), GRU(2,
return_state), LSTM(2, return_sequences, return_state), GRU(3), and two that nn.LSTM / nn.GRU
cannot run (LSTM(2, recurrent_activation="hard_sigmoid", return_sequences, return_state),
GRU(2, reset_after=False)); their outputs feed Concatenates (backward before forward in
places) and Dense layers. Biases non-zero (seeded). Keys as ``states.json``
(``keras_numeric_states.write_record``) plus ``layers``: each layer's Keras output shapes
(a list per output) and ``count_params()``. Produced by Keras 3.15.1 with the JAX backend.
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

    def split(layer, name):
        return layers.Bidirectional(layer, merge_mode=None, name=name)(x)

    bl_f, bl_b = split(layers.LSTM(3, return_sequences=True), "bl")
    bg_f, bg_b, bg_fh, bg_bh = split(layers.GRU(2, return_state=True), "bg")
    bs_f, bs_b, bs_fh, bs_fc, bs_bh, bs_bc = split(
        layers.LSTM(2, return_sequences=True, return_state=True), "bs")
    bn_f, bn_b = split(layers.GRU(3), "bn")
    hl_f, hl_b, hl_fh, hl_fc, hl_bh, hl_bc = split(
        layers.LSTM(2, recurrent_activation="hard_sigmoid", return_sequences=True,
                    return_state=True), "hl")
    gr_f, gr_b = split(layers.GRU(2, reset_after=False), "gr")
    cat = layers.Concatenate(name="cat")([bg_b, bg_f, bg_fh, bg_bh, bs_bc, bs_fh, bs_fc, bs_bh,
                                          bn_f, bn_b, hl_fh, hl_fc, hl_bh, hl_bc, gr_b, gr_f])
    seq_cat = layers.Concatenate(name="seq_cat")([bl_b, bl_f, bs_f, hl_b])
    dense = layers.Dense(2, name="dense")(bl_b)
    dense_bs = layers.Dense(2, name="dense_bs")(bs_b)
    hl_out = layers.Activation("linear", name="hl_out")(hl_f)
    return keras.Model(x, [cat, seq_cat, dense, dense_bs, hl_out], name="split")


def _shapes(layer) -> list:
    return [list(t.shape) for t in keras.tree.flatten(layer.output)]


def main(folder: Path) -> None:
    keras.utils.set_random_seed(8)
    model = build()
    seed_biases(model)
    inp = np.random.RandomState(0).randn(2, 7, 4).astype("float32")
    layers_ = {layer.name: {"output_shapes": _shapes(layer),
                            "count_params": layer.count_params()} for layer in model.layers}
    write_record(model, inp, folder / "split.json", {"layers": layers_})

if __name__ == "__main__":
    main(Path(sys.argv[1]))
