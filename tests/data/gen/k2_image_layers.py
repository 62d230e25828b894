"""Writes ``tests/data/keras2/hb_<topic>_tf2.json`` and ``.h5``: the image and
feature-preprocessing layers as legacy tf.keras 2 (tf_keras 2.21) saves them.

Run with a Python that has tensorflow and tf_keras 2.21 (not ParamLab's venv; pytest never
collects this file):

    TF_USE_LEGACY_KERAS=1 python tests/data/gen/k2_image_layers.py [OUT_DIR [NAME ...]]

Same keys as the other ``keras2/`` files (tests/data/REFERENCE.md): ``config`` is
``json.loads(model.to_json())``, ``layers`` lists ``model.layers`` with tf.keras's output
shape and counts, ``summary_totals`` are ``model.summary()``'s lines, and ``h5`` describes the
``.h5`` file ``model.save`` wrote beside it.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

L = keras.layers


def image_tf2() -> keras.Model:
    """Resizing, cropping and the tf.keras 2 augmentations, Sequential."""
    return keras.Sequential([
        keras.Input((32, 30, 3)),
        L.Resizing(24, 28, interpolation="nearest"),
        L.CenterCrop(20, 24),
        L.RandomCrop(16, 20),
        L.RandomFlip("horizontal"),
        L.RandomRotation(0.1),
        L.RandomTranslation(0.1, 0.2),
        L.RandomZoom(0.1),
        L.RandomContrast(0.2),
        L.RandomBrightness(0.2),
        L.Conv2D(4, 3),
    ], name="hb_image_tf2")


def preprocessing_tf2() -> keras.Model:
    """Discretization, Hashing, HashedCrossing and ZeroPadding1D, Functional."""
    values = keras.Input((4,), name="values")
    ids = keras.Input((4,), dtype="int64", name="ids")
    a = keras.Input((1,), dtype="int64", name="a")
    b = keras.Input((1,), dtype="int64", name="b")
    seq = keras.Input((10, 4), name="seq")
    outs = [
        L.Discretization(bin_boundaries=[0.0, 1.0, 2.5])(values),
        L.Discretization(bin_boundaries=[0.0, 1.0, 2.5], output_mode="multi_hot")(values),
        L.Hashing(7)(ids),
        L.Hashing(7, output_mode="multi_hot")(ids),
        L.HashedCrossing(16)([a, b]),
        L.HashedCrossing(16, output_mode="one_hot")([a, b]),
        L.Conv1D(3, 3)(L.ZeroPadding1D(2)(seq)),
    ]
    return keras.Model([values, ids, a, b, seq], outs, name="hb_preprocessing_tf2")


def random_size_tf2() -> keras.Model:
    """RandomHeight and RandomWidth (tf.keras 2 only; Keras 3 removed them): the axis they
    stretch becomes unknown (None), which the layers after them must take."""
    return keras.Sequential([
        keras.Input((32, 30, 3)),
        L.RandomHeight(0.2),
        L.RandomWidth((-0.1, 0.3), interpolation="nearest"),
        L.Conv2D(4, 3),
        L.GlobalAveragePooling2D(),
        L.Dense(2),
    ], name="hb_random_size_tf2")


MODELS = {"hb_image_tf2": image_tf2, "hb_preprocessing_tf2": preprocessing_tf2,
          "hb_random_size_tf2": random_size_tf2}


def _shape(shape) -> list:
    if isinstance(shape, list):
        return [_shape(s) for s in shape]
    return [None if d is None else int(d) for d in shape]


def reference(name: str, model: keras.Model, h5: Path) -> dict:
    layers = []
    for layer in model.layers:
        shape = layer.output_shape
        if isinstance(shape, list) and len(shape) == 1:  # an InputLayer's: [(None, 4)]
            shape = shape[0]
        trainable = sum(int(tf.size(w)) for w in layer.trainable_weights)
        non_trainable = sum(int(tf.size(w)) for w in layer.non_trainable_weights)
        layers.append({"name": layer.name, "class_name": type(layer).__name__,
                       "trainable": bool(layer.trainable),
                       "output_shape": _shape(shape),
                       "trainable_params": trainable, "non_trainable_params": non_trainable,
                       "total_params": trainable + non_trainable})
    lines: list[str] = []
    model.summary(print_fn=lambda text, **_: lines.append(text))
    totals = [line.strip() for line in lines
              if line.strip().startswith(("Total params", "Trainable params",
                                          "Non-trainable params"))]
    trainable = sum(e["trainable_params"] for e in layers)
    non_trainable = sum(e["non_trainable_params"] for e in layers)
    assert trainable + non_trainable == model.count_params()
    return {"name": name, "tf_keras_version": keras.__version__,
            "tensorflow_version": tf.__version__, "model_class": type(model).__name__,
            "config": json.loads(model.to_json()), "layers": layers,
            "totals": {"trainable": trainable, "non_trainable": non_trainable,
                       "total": trainable + non_trainable,
                       "count_params": model.count_params()},
            "summary_totals": totals,
            "h5": {"kind": "full", "bytes": h5.stat().st_size,
                   "full_h5_bytes": h5.stat().st_size}}


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else Path(__file__).resolve().parents[1] / "keras2"
    for name, build in MODELS.items():
        if argv[1:] and name not in argv[1:]:
            continue
        keras.backend.clear_session()
        keras.utils.set_random_seed(1)
        model = build()
        h5 = out / f"{name}.h5"
        model.save(h5)
        data = reference(name, model, h5)
        (out / f"{name}.json").write_text(json.dumps(data, separators=(",", ":")))
        print(f"{name}: {len(data['layers'])} layers, {data['totals']['total']:,} parameters")


if __name__ == "__main__":
    main(sys.argv[1:])
