"""Reference outputs of a model whose declared outputs are not simply the layers nothing
consumes (run with real Keras, not collected by pytest):

    KERAS_BACKEND=jax python tests/data/gen/keras_numeric_outputs.py tests/data/keras_numeric

Writes ``outputs.json``: a Functional model on one (None, 7, 4) sequence, an encoder that
returns its states, whose ``outputs`` are, in this order, the cell state of an
LSTM(5, return_sequences, return_state), a Dense(3) on that LSTM's hidden state, the LSTM's
sequence, the last state of a GRU(2, return_state) whose output nothing uses, and the LSTM's
hidden state again (which the Dense also reads): tensor indices above 0, a layer other
layers use, and Keras's order, not the graph's. Keys as in keras_numeric_states.py:
``config`` (its ``output_layers`` are Keras's), ``weights`` (path -> values, seeded),
``input`` (a (2, 7, 4) batch), ``outputs`` (``model.predict(input)``), ``output_names``.
Produced by Keras 3.15.1 with the JAX backend.
"""
from __future__ import annotations

import sys
from pathlib import Path

import keras
import numpy as np
from keras import layers
from keras_numeric_states import write_record  # this folder is on sys.path when run


def build() -> keras.Model:
    x = keras.Input((7, 4), name="seq")
    seq, h, c = layers.LSTM(5, return_sequences=True, return_state=True, name="lstm")(x)
    d = layers.Dense(3, name="dense")(h)
    _, gh = layers.GRU(2, return_state=True, name="gru")(x)
    return keras.Model(x, [c, d, seq, gh, h], name="encoder")


def main(folder: Path) -> None:
    keras.utils.set_random_seed(7)
    inp = np.random.RandomState(1).randn(2, 7, 4).astype("float32")
    write_record(build(), inp, folder / "outputs.json")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
