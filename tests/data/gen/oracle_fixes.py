"""Writes ``tests/data/keras_oracle/<name>.json`` (+ ``.summary.txt``): small models, built
with real Keras, for the rules the Keras-oracle fuzz (``tests/bench/keras_oracle.py``) found
ParamLab getting wrong. Same keys as the other reference files (tests/data/REFERENCE.md).

Run with a Python that has Keras 3 (not ParamLab's venv; pytest never collects this file):

    KERAS_BACKEND=jax python tests/data/gen/oracle_fixes.py [--check] [OUT_DIR]

* ``oracle_einsum_concat``: EinsumDense keeps a None of its ``output_shape`` where the input
  knows the length ("abc,cd->abd", (None, 8) on (None, 4, 2) gives (None, None, 8));
  Concatenate takes every axis but the joined one from its first input, None included;
  a second Concatenate of that (None, None, 13) with a (None, 1, 13) tensor, which ParamLab
  refused while it filled in the first one's length.
* ``oracle_gqa_mask_norm``: Keras writes GroupedQueryAttention's class_name as
  ``GroupQueryAttention`` (ParamLab counted it as an unknown layer); Masking before a layer
  of a Functional model adds the operations ``NotEqual`` and ``Any`` (its mask) to the
  config; ``Normalization(axis=None)`` writes ``axis: []`` (ParamLab refused it).
* ``oracle_bn_renorm``: BatchNormalization with ``renorm=True`` (Keras 3.15's own argument:
  moving_stddev, renorm_mean and renorm_stddev are three more non-trainable (C,) weights),
  with and without ``scale``, ``renorm_clipping`` and ``renorm_momentum`` set: the Keras
  exports dropped renorm as a tf.keras 2 argument, so Keras rebuilt 3·C fewer parameters
  (found by ``tests/bench/export_oracle.py``).
* ``oracle_masked_merge``: a Concatenate of a masked (Embedding ``mask_zero``) and an unmasked
  tensor: Keras writes the operations that compute the merged mask (ExpandDims, OnesLike,
  Concatenate, Any ...), passed to the LSTM as ``mask=``; the exports leave them out.
* ``oracle_layer_scale``: ConvNeXt's LayerScale (keras.src.applications.convnext) multiplies
  by gamma ``(projection_dim,)`` with broadcasting: projection_dim 1 on 5 features keeps
  (None, 4, 5) with 1 parameter, and 6 on a last axis of 1 gives (None, 4, 6) (ParamLab
  refused both: "must equal the input's last axis"). Found by ``--all-types``.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hb_image_layers as hb
from hb_image_layers import L, keras


def einsum_concat() -> keras.Model:
    x = keras.Input((4, 2), name="seq")
    e = L.EinsumDense("abc,cd->abd", output_shape=(None, 8), bias_axes="d", name="einsum")(x)
    e2 = L.EinsumDense("abc,cde->abde", output_shape=(None, 3, 2), name="einsum_4d")(x)
    d = L.SpatialDropout1D(0.1, name="drop")(x)
    first_none = L.Concatenate(name="first_none")([e, d])  # (None, None, 10)
    first_known = L.Concatenate(name="first_known")([d, e])  # (None, 4, 10)
    conv = L.Conv1D(3, 2, name="conv")(first_none)
    p = L.ZeroPadding1D((1, 2), name="pad")(x)  # (None, 7, 2)
    e3 = L.EinsumDense("abc,cd->abd", output_shape=(None, 5), name="einsum_b")(x)
    joined = L.Concatenate(name="joined")([e3, p])  # (None, None, 7)
    pooled = L.AdaptiveAveragePooling1D(1, name="pooled")(joined)  # (None, 1, 7)
    again = L.Concatenate(name="again")([joined, pooled])  # (None, None, 14)
    return keras.Model(x, [first_known, conv, again, e2], name="oracle_einsum_concat")


def gqa_mask_norm() -> keras.Model:
    x = keras.Input((6, 4), name="seq")
    a = L.GroupQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2,
                              name="gqa")(x, x)
    m = L.Masking(0.0, name="masking")(a)  # the next call gets any(a != 0, axis=-1)
    b = L.BatchNormalization(name="bn")(m)
    n = L.Normalization(axis=None, name="norm_all")(b)  # config axis: []
    return keras.Model(x, n, name="oracle_gqa_mask_norm")


def bn_renorm() -> keras.Model:
    x = keras.Input((5, 3), name="seq")
    a = L.BatchNormalization(renorm=True, name="bn_renorm")(x)
    b = L.BatchNormalization(renorm=True, scale=False, renorm_momentum=0.9,
                             renorm_clipping={"rmax": 3.0, "rmin": 0.3, "dmax": 5.0},
                             name="bn_renorm_center")(a)
    c = L.BatchNormalization(name="bn_plain")(b)
    return keras.Model(x, c, name="oracle_bn_renorm")


def masked_merge() -> keras.Model:
    tokens = keras.Input((6,), dtype="int32", name="tokens")
    feats = keras.Input((6, 3), name="feats")
    e = L.Embedding(20, 4, mask_zero=True, name="embed")(tokens)
    f = L.Dense(4, name="dense")(feats)
    c = L.Concatenate(name="concat")([e, f])  # its mask: expand_dims, ones_like, ...
    out = L.LSTM(5, name="lstm")(c)
    return keras.Model([tokens, feats], out, name="oracle_masked_merge")


def layer_scale() -> keras.Model:
    from keras.src.applications.convnext import LayerScale

    x = keras.Input((4, 5), name="seq")
    a = LayerScale(0.1, 1, name="scale_one")(x)  # gamma (1,): (None, 4, 5)
    b = L.Dense(1, name="dense")(a)
    c = LayerScale(1e-6, 6, name="scale_up")(b)  # (None, 4, 1) * (6,): (None, 4, 6)
    d = LayerScale(1e-6, 6, name="scale_same")(c)
    return keras.Model(x, d, name="oracle_layer_scale")


def _custom_objects() -> dict:
    """keras.applications layers Keras does not register for deserialisation."""
    from keras.src.applications.convnext import LayerScale

    return {"LayerScale": LayerScale}


MODELS = {"oracle_einsum_concat": einsum_concat, "oracle_gqa_mask_norm": gqa_mask_norm,
          "oracle_bn_renorm": bn_renorm, "oracle_masked_merge": masked_merge,
          "oracle_layer_scale": layer_scale}


def main(argv: list[str]) -> None:
    out = Path(__file__).resolve().parents[1] / "keras_oracle"
    args = [a for a in argv if a != "--check"]
    if args:
        out = Path(args[0])
    for name, build in MODELS.items():
        keras.backend.clear_session()
        data, text = hb.reference(name, build())
        path = out / f"{name}.json"
        path.write_text(json.dumps(data, separators=(",", ":")))
        (out / f"{name}.summary.txt").write_text(text, encoding="utf-8")
        print(f"{name}: {len(data['layers'])} layers, {data['totals']['total']:,} parameters")
        if "--check" in argv:
            keras.backend.clear_session()
            with keras.saving.custom_object_scope(_custom_objects()):
                hb.check(path)


if __name__ == "__main__":
    main(sys.argv[1:])
