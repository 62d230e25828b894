"""Preprocessing layers that appear inside models (Keras ``keras/src/layers/preprocessing/``).

``Normalization`` (``Normalization.build``): when ``mean`` and ``variance`` are not in its
config (they come from ``adapt()``), three non-trainable weights: ``mean`` and ``variance``
with the lengths of the kept ``axis`` and a scalar ``count`` (2n + 1); when they are given,
none. ``Rescaling``, ``CategoryEncoding`` and the image layers have no weights.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from paramlab.core.catalogue.common import (
    axes_field,
    min_rank,
    normalize_axis,
    ranked_input,
    same_shape,
)
from paramlab.core.catalogue.reshaping import INTERPOLATIONS
from paramlab.core.errors import LayerError
from paramlab.core.fields import FieldKind, FieldSpec, bool_field, choice_field, int_field
from paramlab.core.spec import Config, LayerSpec, one_input
from paramlab.core.types import Shape, WeightSpec, format_shape


@dataclass(frozen=True)
class _NumberOrList(FieldSpec):
    """A float, or a list of floats (Rescaling's per-channel ``scale``/``offset``)."""

    def validate(self, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return tuple(FieldSpec(self.name, FieldKind.FLOAT).validate(v) for v in value)
        return FieldSpec(self.name, FieldKind.FLOAT).validate(value)


def _normalization_axes(x: Shape, config: Config) -> tuple[int, ...]:
    axes = config["axis"] or ()
    return tuple(sorted(normalize_axis(a, len(x), "Normalization") for a in axes))


def _normalization_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    x = min_rank(inputs, 2, "Normalization")
    _normalization_axes(x, config)
    if (config.get("mean") is None) != (config.get("variance") is None):
        raise LayerError("Normalization: give both mean and variance, or neither (adapt)")
    return x


def _normalization_weights(inputs: tuple[Shape, ...], config: Config
                           ) -> tuple[WeightSpec, ...]:
    if config.get("mean") is not None:
        return ()
    x = one_input(inputs)
    shape = []
    for a in _normalization_axes(x, config):
        if x[a] is None:
            raise LayerError(f"Normalization: axis {a} must have a known length, got "
                             f"{format_shape(x)}")
        shape.append(x[a])
    shape_t = tuple(shape)
    return (WeightSpec("mean", shape_t, False), WeightSpec("variance", shape_t, False),
            WeightSpec("count", (), False))


def _category_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    # Keras CategoryEncoding.compute_output_shape.
    x = one_input(inputs)
    n = config["num_tokens"]
    if n is None:
        raise LayerError("CategoryEncoding needs num_tokens")
    if len(x) > 3:
        raise LayerError(f"CategoryEncoding takes inputs of rank 1 to 3, got {format_shape(x)}")
    if len(x) == 1:  # one token per sample (Keras's call expands it to (batch, 1))
        return (None, n)
    if config["output_mode"] == "one_hot" and x[-1] != 1:
        return tuple(x) + (n,)
    if config["output_mode"] == "one_hot" and len(x) == 1:
        return tuple(x) + (n,)
    return tuple(x[:-1]) + (n,)


def _resize_rule(layer: str):
    def output_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
        x = ranked_input(inputs, 4, layer)
        if layer != "Resizing":
            for axis, name in ((-3, "height"), (-2, "width")):
                if x[axis] is not None and x[axis] < config[name]:
                    raise LayerError(f"{layer}: {name} {config[name]} is larger than the "
                                     f"input's {x[axis]}")
        return x[:-3] + (config["height"], config["width"], x[-1])
    return output_shape


def _image_rule(layer: str):
    def output_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
        return ranked_input(inputs, 4, layer)
    return output_shape


_SIZE = (int_field("height", 224, doc="Output height."),
         int_field("width", 224, doc="Output width."))
_RESIZE_INTERPOLATIONS = ("bilinear",) + tuple(i for i in INTERPOLATIONS if i != "bilinear")
_RANDOM = ("RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast",
           "RandomBrightness")

SPECS = (
    LayerSpec(
        "Rescaling", "Preprocessing",
        (_NumberOrList("scale", FieldKind.FLOAT, 1.0 / 255, doc="Multiplier (1/255 maps "
                                                                "[0, 255] to [0, 1])."),
         _NumberOrList("offset", FieldKind.FLOAT, 0.0, doc="Added after scaling.")),
        same_shape, doc="Computes inputs·scale + offset. 0 parameters."),
    LayerSpec(
        "Normalization", "Preprocessing",
        (axes_field("axis", -1, optional=True,
                    doc="Axis or axes with their own mean and variance (empty: one overall)."),
         bool_field("invert", False, doc="Undo the normalization instead.")),
        _normalization_shape, _normalization_weights,
        doc="(x - mean) / sqrt(variance), per feature of axis. Parameters (after adapt(), "
            "all non-trainable): mean and variance per feature plus a count: 2n + 1; none "
            "when mean and variance are given in the config."),
    LayerSpec(
        "CategoryEncoding", "Preprocessing",
        (int_field("num_tokens", 10, optional=True, doc="Number of categories."),
         choice_field("output_mode", "multi_hot", ("multi_hot", "one_hot", "count"),
                      doc="One-hot, multi-hot or count encoding.")),
        _category_shape,
        doc="Encodes integer categories as one-hot, multi-hot or count vectors of length "
            "num_tokens. 0 parameters."),
    LayerSpec("Resizing", "Preprocessing",
              _SIZE + (choice_field("interpolation", "bilinear", _RESIZE_INTERPOLATIONS),
                       bool_field("crop_to_aspect_ratio", False)),
              _resize_rule("Resizing"),
              doc="Resizes images to (height, width). 0 parameters."),
    LayerSpec("CenterCrop", "Preprocessing", _SIZE, _resize_rule("CenterCrop"),
              doc="Crops the centre (height, width) of images. 0 parameters."),
    LayerSpec("RandomCrop", "Preprocessing", _SIZE, _resize_rule("RandomCrop"),
              doc="Crops a random (height, width) window during training. 0 parameters."),
) + tuple(
    LayerSpec(name, "Preprocessing", (), _image_rule(name),
              doc=f"Data augmentation ({name[6:].lower()}) during training only; shape "
                  "unchanged. 0 parameters.")
    for name in _RANDOM
)
