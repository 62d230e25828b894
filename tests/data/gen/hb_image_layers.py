"""Writes the reference files ``tests/data/keras/hb_<topic>.json`` (+ ``.summary.txt``) for the
image, pooling and feature-preprocessing layers, from real Keras.

Run with a Python that has Keras 3 and TensorFlow (Hashing and HashedCrossing need it
whatever the backend); not ParamLab's venv; pytest never collects this file:

    KERAS_BACKEND=jax python tests/data/gen/hb_image_layers.py [--check] [OUT_DIR]

It builds small models (channels_last and channels_first, Sequential and Functional), and
writes for each the keys of the other reference files (tests/data/REFERENCE.md): ``config``
is ``json.loads(model.to_json())``; ``layers`` lists ``model.layers`` with Keras's output
shape, trainable flag, counts and every weight's path and shape; ``totals`` comes from
``count_params()`` and the layers' weights; ``summary_totals`` and the ``.summary.txt`` are
``model.summary()``'s own text. ``--check`` rebuilds every model from its written JSON with
``keras.models.model_from_json`` and compares the counts and shapes.
"""
from __future__ import annotations

import json
import os
import sys
from math import prod
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
# model.summary() narrows its table to the terminal (shutil.get_terminal_size): a wide one
# gives Keras's default widths, as in the other reference files.
os.environ["COLUMNS"] = "200"

import keras  # noqa: E402
from keras import layers as L  # noqa: E402

CF = "channels_first"


# ------------------------------------------------------------------------------- models
def image_resize() -> keras.Model:
    """Resizing, cropping and the geometric augmentations, channels_last, Sequential."""
    return keras.Sequential([
        keras.Input((32, 30, 3)),
        L.Resizing(24, 28, interpolation="nearest"),
        L.CenterCrop(20, 24),
        L.RandomCrop(22, 20),  # taller than its input: Keras gives the target size
        L.RandomFlip("horizontal"),
        L.RandomRotation(0.1),
        L.RandomTranslation(0.1, 0.2),
        L.RandomZoom(0.1),
        L.Conv2D(4, 3),
    ], name="hb_image_resize")


def image_resize_cf() -> keras.Model:
    """The same layers, channels_first, Functional."""
    x = keras.Input((3, 32, 30), name="img")
    y = L.Resizing(24, 28, data_format=CF)(x)
    y = L.CenterCrop(20, 24, data_format=CF)(y)
    y = L.RandomCrop(22, 20, data_format=CF)(y)
    y = L.RandomFlip("vertical", data_format=CF)(y)
    y = L.RandomRotation(0.2, data_format=CF)(y)
    y = L.RandomTranslation(0.1, 0.1, data_format=CF)(y)
    y = L.RandomZoom(0.2, 0.1, data_format=CF)(y)
    y = L.Conv2D(4, 3, data_format=CF)(y)
    y = L.GlobalAveragePooling2D(data_format=CF)(y)
    return keras.Model(x, L.Dense(2)(y), name="hb_image_resize_cf")


def zero_padding1d() -> keras.Model:
    """ZeroPadding1D in both formats, two inputs, two outputs."""
    a = keras.Input((10, 4), name="steps_last")
    b = keras.Input((4, 10), name="steps_first")
    y1 = L.Conv1D(3, 3)(L.ZeroPadding1D(2)(a))
    y2 = L.ZeroPadding1D((1, 3), data_format=CF)(b)
    y2 = L.Conv1D(3, 3, data_format=CF)(y2)
    return keras.Model([a, b], [y1, y2], name="hb_zero_padding1d")


def adaptive_pooling(cf: bool) -> keras.Model:
    """Adaptive average and max pooling of rank 1 to 3, each followed by a layer with
    weights that reads its channels."""
    fmt = {"data_format": CF} if cf else {}
    shapes = {1: (20,), 2: (17, 15), 3: (9, 8, 7)}
    sizes = {1: (5, 4), 2: ((4, 3), 2), 3: ((3, 2, 4), 2)}
    channels = {1: 6, 2: 3, 3: 2}
    inputs, outputs = [], []
    for rank in (1, 2, 3):
        shape = (channels[rank],) + shapes[rank] if cf else shapes[rank] + (channels[rank],)
        x = keras.Input(shape, name=f"x{rank}d")
        inputs.append(x)
        conv = getattr(L, f"Conv{rank}D")
        for kind, size in zip(("Average", "Max"), sizes[rank]):
            y = getattr(L, f"Adaptive{kind}Pooling{rank}D")(size, **fmt)(x)
            outputs.append(conv(4, 1, **fmt)(y))
    return keras.Model(inputs, outputs,
                       name="hb_adaptive_pooling" + ("_cf" if cf else ""))


def _augmentations(cf: bool) -> list[keras.layers.Layer]:
    # Not Equalization: its compute_output_spec returns its input tensor itself, so Keras
    # 3.15.1 cannot put it in a model ("... is part of a cycle", or the layer vanishes).
    fmt = {"data_format": CF} if cf else {}
    return [
        L.AugMix(**fmt),
        L.AutoContrast(),
        L.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(4, 4), **fmt),
        L.CutMix(**fmt),
        L.MaxNumBoundingBoxes(5),
        L.MixUp(**fmt),
        L.RandAugment(num_ops=3, **fmt),
        L.RandomColorDegeneration(0.5, **fmt),
        L.RandomColorJitter(brightness_factor=0.2, hue_factor=0.1, **fmt),
        L.RandomElasticTransform(**fmt),
        L.RandomErasing(**fmt),
        L.RandomGaussianBlur(kernel_size=5, **fmt),
        L.RandomGrayscale(**fmt),
        L.RandomHue(0.5, **fmt),
        L.RandomInvert(**fmt),
        L.RandomPerspective(**fmt),
        L.RandomPosterization(4, **fmt),
        L.RandomSaturation(0.5, **fmt),
        L.RandomSharpness(0.5, **fmt),
        L.RandomShear(0.2, 0.1, **fmt),
        L.Solarization(addition_factor=0.2),
        L.RandomContrast(0.2),
        L.RandomBrightness(0.2),
    ]


def augment() -> keras.Model:
    """Every Keras 3 image augmentation layer, channels_last, Sequential."""
    return keras.Sequential([keras.Input((32, 24, 3))] + _augmentations(False)
                            + [L.Conv2D(4, 3)], name="hb_augment")


def augment_cf() -> keras.Model:
    """The same, channels_first, Functional."""
    x = keras.Input((3, 32, 24), name="img")
    y = x
    for layer in _augmentations(True):
        y = layer(y)
    y = L.Conv2D(4, 3, data_format=CF)(y)
    return keras.Model(x, y, name="hb_augment_cf")


def discretization() -> keras.Model:
    """Discretization in every output_mode, on inputs of rank 2 and 3."""
    x = keras.Input((4,), name="values")
    one = keras.Input((1,), name="value")
    grid = keras.Input((3, 4), name="grid")
    bins = [0.0, 1.0, 2.5]
    outs = [
        L.Discretization(bin_boundaries=bins)(x),
        L.Discretization(bin_boundaries=bins, output_mode="one_hot")(x),
        L.Discretization(bin_boundaries=bins, output_mode="one_hot")(one),
        L.Discretization(bin_boundaries=bins, output_mode="multi_hot")(x),
        L.Discretization(bin_boundaries=bins, output_mode="count")(grid),
        L.Discretization(num_bins=6, output_mode="one_hot")(grid),
        L.Discretization(num_bins=6, output_mode="multi_hot")(grid),
    ]
    return keras.Model([x, one, grid], outs, name="hb_discretization")


def hashing() -> keras.Model:
    """Hashing in every output_mode and HashedCrossing (these two need TensorFlow
    installed beside Keras, whatever the backend)."""
    ids = keras.Input((4,), dtype="int32", name="ids")
    one = keras.Input((1,), dtype="int32", name="id")
    grid = keras.Input((3, 4), dtype="int32", name="id_grid")
    a = keras.Input((1,), dtype="int32", name="a")
    b = keras.Input((1,), dtype="int32", name="b")
    outs = [
        L.Hashing(7)(ids),
        L.Hashing(7, output_mode="one_hot")(one),
        L.Hashing(7, output_mode="multi_hot")(ids),
        L.Hashing(7, output_mode="count")(grid),
        L.Hashing(5, mask_value=0, salt=[1, 2])(ids),
        L.HashedCrossing(16)([a, b]),
        L.HashedCrossing(16, output_mode="one_hot")([a, b]),
    ]
    return keras.Model([ids, one, grid, a, b], outs, name="hb_hashing")


MODELS = {
    "hb_image_resize": image_resize,
    "hb_image_resize_cf": image_resize_cf,
    "hb_zero_padding1d": zero_padding1d,
    "hb_adaptive_pooling": lambda: adaptive_pooling(False),
    "hb_adaptive_pooling_cf": lambda: adaptive_pooling(True),
    "hb_augment": augment,
    "hb_augment_cf": augment_cf,
    "hb_discretization": discretization,
    "hb_hashing": hashing,
}


# ------------------------------------------------------------------------------- writing
def _shape(shape) -> list:
    return [None if d is None else int(d) for d in shape]


def _layer_entry(layer: keras.layers.Layer) -> dict:
    weights = [{"path": w.path, "shape": _shape(w.shape), "trainable": bool(w.trainable)}
               for w in layer.weights]
    trainable = sum(prod(w["shape"]) for w in weights if w["trainable"])
    non_trainable = sum(prod(w["shape"]) for w in weights if not w["trainable"])
    output = layer.output
    shape = ([_shape(t.shape) for t in output] if isinstance(output, (list, tuple))
             else _shape(output.shape))
    return {"name": layer.name, "class_name": type(layer).__name__, "output_shape": shape,
            "trainable": bool(layer.trainable), "trainable_params": trainable,
            "non_trainable_params": non_trainable, "total_params": trainable + non_trainable,
            "weights": weights}


def _summary(model: keras.Model) -> str:
    """``model.summary()``'s text, as ``print`` would write it to a file."""
    parts: list[str] = []
    model.summary(print_fn=lambda text, line_break=False: parts.append(text + "\n"))
    return "".join(parts)


def reference(name: str, model: keras.Model) -> tuple[dict, str]:
    """The reference entry (same keys as the other hb_ files) and the summary text."""
    entries = [_layer_entry(layer) for layer in model.layers]
    trainable = sum(e["trainable_params"] for e in entries)
    non_trainable = sum(e["non_trainable_params"] for e in entries)
    assert trainable + non_trainable == model.count_params()
    text = _summary(model)
    totals = [line.strip() for line in text.splitlines()
              if line.strip().startswith(("Total params", "Trainable params",
                                          "Non-trainable params"))]
    data = {"name": name, "group": "handbuilt", "keras_version": keras.__version__,
            "backend": keras.backend.backend(), "model_class": type(model).__name__,
            "config": json.loads(model.to_json()), "layers": entries, "non_layer_ops": [],
            "totals": {"trainable": trainable, "non_trainable": non_trainable,
                       "total": trainable + non_trainable,
                       "count_params": model.count_params()},
            "summary_totals": totals}
    return data, text


def check(path: Path) -> None:
    """Rebuild the model from the written config and compare its figures."""
    data = json.loads(path.read_text())
    try:
        model = keras.models.model_from_json(json.dumps(data["config"]))
    except (ValueError, TypeError) as exc:  # e.g. RandomShear: its get_config writes a
        # (-x, x) factor its own constructor refuses (Keras 3.15.1)
        print(f"  Keras cannot reload {path.name}: {str(exc).splitlines()[-1][:200]}")
        return
    assert model.count_params() == data["totals"]["total"], path
    got = {e["name"]: (e["output_shape"], e["total_params"])
           for e in (_layer_entry(layer) for layer in model.layers)}
    want = {e["name"]: (e["output_shape"], e["total_params"]) for e in data["layers"]}
    assert got == want, (path, got, want)


def main(argv: list[str]) -> None:
    out = Path(__file__).resolve().parents[1] / "keras"
    args = [a for a in argv if a != "--check"]
    if args:
        out = Path(args[0])
    for name, build in MODELS.items():
        keras.backend.clear_session()
        keras.utils.set_random_seed(1)  # RandomCrop draws a seed for its config
        model = build()
        data, text = reference(name, model)
        path = out / f"{name}.json"
        path.write_text(json.dumps(data, separators=(",", ":")))
        (out / f"{name}.summary.txt").write_text(text, encoding="utf-8")
        print(f"{name}: {len(data['layers'])} layers, {data['totals']['total']:,} parameters")
        if "--check" in argv:
            keras.backend.clear_session()
            check(path)


if __name__ == "__main__":
    main(sys.argv[1:])
