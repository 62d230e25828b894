"""Reference files for nested models whose declared outputs differ from what the enclosing
model uses (run with real Keras, not collected by pytest):

    COLUMNS=300 KERAS_BACKEND=jax python tests/data/gen/nested_outputs.py tests/data/keras_nested

Writes ``nested_subset_outputs`` (a nested model returning two Dense outputs in reverse
order, the outer model using only the second) and ``nested_lstm_outputs`` (a nested model
returning an LSTM's state_c and sequence, not state_h, in that order) and
``nested_siamese`` (one nested encoder called on two inputs) and ``nested_structures``
(inputs and outputs as Keras 3 writes structures: a dict of named inputs, a nested model with
dict inputs called on a dict in another key order, outputs nested as lists and a dict; its
``flat_inputs`` / ``flat_outputs``: ``model.inputs`` / ``model.outputs`` as
``[layer, node index, tensor index]``, Keras's flat order) and ``input_order`` (``Model([b, a],
...)``: the inputs in another order than the layers) as
``<name>.json`` (the format of tests/data/REFERENCE.md) and ``<name>.summary.txt``
(Keras's own ``model.summary()``).
"""
from __future__ import annotations

import io
import json
import sys
from contextlib import redirect_stdout
from pathlib import Path

import keras
from keras import layers


def subset_outputs() -> keras.Model:
    i = keras.Input((8,), name="inner_input")
    a = layers.Dense(4, name="a")(i)
    b = layers.Dense(3, name="b")(a)
    inner = keras.Model(i, [b, a], name="inner")
    x = keras.Input((8,), name="x")
    _, second = inner(x)
    return keras.Model(x, layers.Dense(2, name="head")(second), name="nested_subset_outputs")


def lstm_outputs() -> keras.Model:
    i = keras.Input((5, 3), name="enc_input")
    seq, _, c = layers.LSTM(6, return_sequences=True, return_state=True, name="lstm")(i)
    enc = keras.Model(i, [c, seq], name="enc")
    x = keras.Input((5, 3), name="x2")
    state_c, sequence = enc(x)
    pooled = layers.GlobalAveragePooling1D(name="gap")(sequence)
    return keras.Model(x, layers.Concatenate(name="cat")([state_c, pooled]),
                       name="nested_lstm_outputs")


def siamese() -> keras.Model:
    i = keras.Input((8,), name="enc_input")
    enc = keras.Model(i, layers.Dense(4, name="d1")(i), name="enc")
    a, b = keras.Input((8,), name="a"), keras.Input((8,), name="b")
    diff = layers.Subtract(name="diff")([enc(a), enc(b)])
    return keras.Model([a, b], layers.Dense(1, name="out")(diff), name="nested_siamese")


def structures() -> keras.Model:
    p, q = keras.Input((3,), name="p"), keras.Input((5,), name="q")
    # Two inputs of different widths: bound in the wrong order, the Dense counts change.
    inner = keras.Model({"p": p, "q": q},
                        [layers.Dense(2, name="dp")(p), layers.Dense(4, name="dq")(q)],
                        name="inner")
    zeta, alpha = keras.Input((3,), name="zeta"), keras.Input((5,), name="alpha")
    from_p, from_q = inner({"q": alpha, "p": zeta})  # keys not in sorted order
    seq = keras.Input((6, 4), name="seq")
    bi = layers.Bidirectional(layers.LSTM(3, return_state=True), name="bi")
    first, second = bi(seq), bi(seq)  # 5 tensors per call
    outputs = [second, first[1], [first[0], {"q": first[2], "b": first[3]}],
               {"zz": from_p, "aa": from_q}]
    return keras.Model({"z_in": zeta, "a_in": alpha, "s_in": seq}, outputs,
                       name="nested_structures")


def input_order() -> keras.Model:
    a, b = keras.Input((3,), name="a"), keras.Input((5,), name="b")
    joined = layers.Concatenate(name="joined")([a, b])
    return keras.Model([b, a], layers.Dense(2, name="head")(joined), name="input_order")


def _flat(tensors: list) -> list:
    return [[t._keras_history[0].name, t._keras_history[1], t._keras_history[2]]
            for t in tensors]


def record(model: keras.Model) -> dict:
    def count(ws) -> int:
        return sum(int(w.numpy().size) for w in ws)
    entries = []
    for layer in model.layers:
        out = layer.output
        entries.append({
            "name": layer.name, "class_name": type(layer).__name__,
            "output_shape": ([list(t.shape) for t in out] if isinstance(out, (list, tuple))
                             else list(out.shape)),
            "trainable": layer.trainable,
            "trainable_params": count(layer.trainable_weights),
            "non_trainable_params": count(layer.non_trainable_weights),
            "total_params": count(layer.weights),
            "weights": [{"path": w.path, "shape": list(w.shape), "trainable": w.trainable}
                        for w in layer.weights]})
    text = io.StringIO()
    with redirect_stdout(text):
        model.summary()
    summary = text.getvalue()
    totals_lines = [line.strip() for line in summary.splitlines() if "params:" in line]
    return {"name": model.name, "group": "nested_outputs", "keras_version": keras.__version__,
            "backend": keras.backend.backend(), "model_class": "Functional",
            "config": json.loads(model.to_json()), "layers": entries, "non_layer_ops": [],
            "totals": {"trainable": count(model.trainable_weights),
                       "non_trainable": count(model.non_trainable_weights),
                       "total": count(model.weights), "count_params": model.count_params()},
            "summary_totals": totals_lines,
            "flat_inputs": _flat(model.inputs), "flat_outputs": _flat(model.outputs)}, summary


def main(folder: str) -> None:
    out = Path(folder)
    for build in (subset_outputs, lstm_outputs, siamese, structures, input_order):
        model = build()
        data, summary = record(model)
        (out / f"{model.name}.json").write_text(json.dumps(data), encoding="utf-8")
        (out / f"{model.name}.summary.txt").write_text(summary, encoding="utf-8")
        print(model.name, data["totals"])


if __name__ == "__main__":
    main(sys.argv[1])
