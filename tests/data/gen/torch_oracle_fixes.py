"""Writes ``tests/data/torch_oracle/<name>.json`` (+ ``.summary.txt``): small models, built
with real Keras, for the PyTorch export rules the PyTorch-oracle fuzz
(``tests/bench/torch_oracle.py``) found ParamLab getting wrong. Same keys as the other
reference files (tests/data/REFERENCE.md), plus ``run``: the shapes of random inputs (batch
2, the unknown lengths given) and of the outputs Keras computed for them, which the
exported module must return too.

Run with a Python that has Keras 3 (not ParamLab's venv; pytest never collects this file):

    KERAS_BACKEND=jax python tests/data/gen/torch_oracle_fixes.py [--check] [OUT_DIR]

* ``torch_reshape_infer``: Reshape with a ``-1`` in its target_shape, on a known shape
  ((None, 6, 6) to (-1, 12): (None, 3, 12)) and on an axis of unknown length ((None, None,
  6) to (-1, 3): (None, None, 3)), each followed by a layer with weights. The export wrote
  ``reshape(-1, -1, 12)``, which torch refuses (one axis can be inferred).
* ``torch_cropping_unknown``: Cropping1D / Cropping2D / Cropping3D on axes of unknown
  length (an end cropped or not): the export computed the slice's end from the length and
  crashed on None.
* ``torch_time_distributed``: TimeDistributed of Conv2D (relu), BatchNormalization,
  MaxPooling2D, Flatten, Dense (tanh) over 4 frames; of Conv1D, LayerNormalization,
  GlobalAveragePooling1D over a sequence of unknown length; of a channels_first Conv2D and a
  BatchNormalization(axis=1). The export wrote placeholders for all but Dense (and dropped
  Dense's activation). Its ``run`` keeps values (below).
* ``torch_einsum_dense``: EinsumDense in Keras's three equation forms, with bias axes last,
  split, on a non-last axis (bias (5, 1)) and none, relu / softmax, one layer frozen: the
  export wrote placeholders. Its ``run`` keeps values.
* ``torch_attention``: MultiHeadAttention nn.MultiheadAttention cannot hold: value_dim !=
  key_dim (with its scores), an output_shape (2, 5) without biases, a gate, attention over
  axes (1, 2) and over axis 2 of rank-4 inputs: the export wrote placeholders. Its ``run``
  keeps values. (On rank-3 inputs without scores, Keras 3.15.1 JAX runs
  dot_product_attention, which refuses value_dim != key_dim: the gated layer has equal
  sizes.)

A ``run`` with ``values`` also holds the random inputs, the outputs Keras computed for them
and the weights it used (per layer, in Keras's order; drawn from a seeded generator).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hb_image_layers as hb
import numpy as np
from hb_image_layers import L, keras


def reshape_infer() -> keras.Model:
    grid = keras.Input((6, 6), name="grid")
    flat = L.Reshape((-1, 12), name="rows")(grid)  # (None, 3, 12)
    dense = L.Dense(5, name="dense")(flat)
    seq = keras.Input((None, 6), name="seq")
    split = L.Reshape((-1, 3), name="split")(seq)  # (None, None, 3)
    conv = L.Conv1D(4, 2, name="conv")(split)
    return keras.Model([grid, seq], [dense, conv], name="torch_reshape_infer")


def cropping_unknown() -> keras.Model:
    seq = keras.Input((None, 4), name="seq")
    c1 = L.Cropping1D((1, 2), name="crop1")(seq)
    c1b = L.Cropping1D((2, 0), name="crop1_start")(c1)
    d1 = L.Dense(3, name="dense")(c1b)
    img = keras.Input((None, 7, 3), name="img")
    c2 = L.Cropping2D(((1, 1), (2, 1)), name="crop2")(img)
    conv = L.Conv2D(2, 2, name="conv")(c2)
    vol = keras.Input((None, 5, None, 2), name="vol")
    c3 = L.Cropping3D(((0, 1), (1, 2), (1, 0)), name="crop3")(vol)
    return keras.Model([seq, img, vol], [d1, conv, c3], name="torch_cropping_unknown")


def time_distributed() -> keras.Model:
    frames = keras.Input((4, 8, 8, 3), name="frames")
    x = L.TimeDistributed(L.Conv2D(4, 3, padding="same", activation="relu"), name="td_conv")(frames)
    x = L.TimeDistributed(L.BatchNormalization(), name="td_bn")(x)
    x = L.TimeDistributed(L.MaxPooling2D(2), name="td_pool")(x)
    x = L.TimeDistributed(L.Flatten(), name="td_flat")(x)
    x = L.TimeDistributed(L.Dense(5, activation="tanh"), name="td_dense")(x)
    clips = keras.Input((None, 6, 2), name="clips")
    y = L.TimeDistributed(L.Conv1D(3, 2, activation="relu"), name="td_conv1d")(clips)
    y = L.TimeDistributed(L.LayerNormalization(), name="td_ln")(y)
    y = L.TimeDistributed(L.GlobalAveragePooling1D(), name="td_gap")(y)
    planes = keras.Input((3, 2, 6, 5), name="planes")
    z = L.TimeDistributed(L.Conv2D(2, 3, data_format="channels_first"), name="td_conv_cf")(planes)
    z = L.TimeDistributed(L.BatchNormalization(axis=1), name="td_bn_axis1")(z)
    return keras.Model([frames, clips, planes], [x, y, z], name="torch_time_distributed")


def einsum_dense() -> keras.Model:
    seq = keras.Input((5, 6), name="seq")
    vec = keras.Input((7,), name="vec")
    outs = [
        L.EinsumDense("abc,cd->abd", (None, 4), bias_axes="d", activation="relu",
                      name="e_last")(seq),
        L.EinsumDense("abc,cde->abde", (5, 2, 3), bias_axes="de", name="e_split")(seq),
        L.EinsumDense("ab,bc->ac", 3, bias_axes="c", name="e_flat")(vec),
        L.EinsumDense("abc,cd->abd", (5, 4), bias_axes="b", name="e_bias_b")(seq),
        L.EinsumDense("...b,bc->...c", 3, bias_axes="c", activation="softmax",
                      name="e_left")(seq),
        L.EinsumDense("abc,bcd->ad", 4, name="e_contract")(seq),
        L.EinsumDense("ab...,bc->ac...", (3,), bias_axes="c", name="e_right")(seq),
    ]
    model = keras.Model([seq, vec], outs, name="torch_einsum_dense")
    model.get_layer("e_contract").trainable = False
    return model


def attention() -> keras.Model:
    seq = keras.Input((5, 6), name="seq")
    mem = keras.Input((5, 3), name="mem")  # Keras records scores (N, heads, Tq, Tq)
    grid = keras.Input((3, 4, 6), name="grid")
    short = keras.Input((4, 3), name="short")  # a key shorter than the query
    out, scores = L.MultiHeadAttention(2, 4, value_dim=3, name="mha_vdim")(
        seq, mem, return_attention_scores=True)
    outs = [
        out, scores,
        L.MultiHeadAttention(3, 2, output_shape=(2, 5), use_bias=False,
                             name="mha_out")(seq, short),
        L.MultiHeadAttention(2, 3, use_gate=True, name="mha_gate")(seq, seq),
        L.MultiHeadAttention(2, 3, attention_axes=(1, 2), name="mha_axes_12")(grid, grid),
        L.MultiHeadAttention(1, 4, value_dim=2, attention_axes=(2,), output_shape=7,
                             name="mha_axis_2")(grid, grid),
    ]
    return keras.Model([seq, mem, grid, short], outs, name="torch_attention")


MODELS = {"torch_reshape_infer": reshape_infer, "torch_cropping_unknown": cropping_unknown,
          "torch_time_distributed": time_distributed, "torch_einsum_dense": einsum_dense,
          "torch_attention": attention}
# each model run once by Keras on inputs of these shapes (batch 2; lengths for the unknown axes)
RUNS = {"torch_reshape_infer": [[2, 6, 6], [2, 5, 6]],
        "torch_cropping_unknown": [[2, 9, 4], [2, 6, 7, 3], [2, 4, 5, 6, 2]],
        "torch_time_distributed": [[2, 4, 8, 8, 3], [2, 5, 6, 2], [2, 3, 2, 6, 5]],
        "torch_einsum_dense": [[2, 5, 6], [2, 7]],
        "torch_attention": [[2, 5, 6], [2, 5, 3], [2, 3, 4, 6], [2, 4, 3]]}
# models whose run also keeps its inputs, its outputs and the (seeded, random) weights, per
# layer in Keras's order, for a comparison of values
NUMERIC = ("torch_time_distributed", "torch_einsum_dense", "torch_attention")


def run(model: keras.Model, shapes: list[list[int]], values: bool = False) -> dict:
    """Keras's output shapes for random inputs of ``shapes`` (the ``run`` key); with
    ``values``, random weights set first (moving variances positive) and the inputs, the
    outputs and each layer's weights kept too."""
    rng = np.random.default_rng(0)
    if values:
        for w in model.weights:
            value = rng.standard_normal(w.shape) * 0.5
            if "variance" in w.path:
                value = rng.uniform(0.5, 1.5, w.shape)
            w.assign(value.astype("float32"))
    inputs = [rng.standard_normal(s).astype("float32") for s in shapes]
    outputs = model(inputs)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    record = {"inputs": shapes, "outputs": [[int(d) for d in y.shape] for y in outputs]}
    if values:
        record["values"] = {
            "inputs": [x.tolist() for x in inputs],
            "outputs": [np.asarray(y).tolist() for y in outputs],
            "weights": {layer.name: [np.asarray(w).tolist() for w in layer.weights]
                        for layer in model.layers if layer.weights}}
    return record


def main(argv: list[str]) -> None:
    out = Path(__file__).resolve().parents[1] / "torch_oracle"
    args = [a for a in argv if a != "--check"]
    if args:
        out = Path(args[0])
    out.mkdir(parents=True, exist_ok=True)
    for name, build in MODELS.items():
        keras.backend.clear_session()
        model = build()
        data, text = hb.reference(name, model)
        data["run"] = run(model, RUNS[name], name in NUMERIC)
        path = out / f"{name}.json"
        path.write_text(json.dumps(data, separators=(",", ":")))
        (out / f"{name}.summary.txt").write_text(text, encoding="utf-8")
        print(f"{name}: {len(data['layers'])} layers, {data['totals']['total']:,} parameters")
        if "--check" in argv:
            keras.backend.clear_session()
            hb.check(path)


if __name__ == "__main__":
    main(sys.argv[1:])
