"""Preprocessing layers that appear inside models (Keras ``keras/src/layers/preprocessing/``).

``Normalization`` (``Normalization.build``): when ``mean`` and ``variance`` are not in its
config (they come from ``adapt()``), three non-trainable weights: ``mean`` and ``variance``
with the lengths of the kept ``axis`` and a scalar ``count`` (2n + 1); when they are given,
none. ``Rescaling``, ``CategoryEncoding``, ``Discretization``, ``Hashing`` and
``HashedCrossing`` have no weights (Keras 3.15.1: ``tests/data/keras/hb_discretization.json``,
``hb_hashing.json``). The image layers are in
:mod:`core.catalogue.image`.
"""
from __future__ import annotations

from paramlab.core.catalogue.common import (
    axes_field,
    min_rank,
    normalize_axis,
    number_or_list_field,
    same_shape,
)
from paramlab.core.errors import LayerError
from paramlab.core.fields import bool_field, choice_field, float_field, int_field
from paramlab.core.spec import TWO_INPUTS, Config, LayerSpec, one_input
from paramlab.core.types import Shape, WeightSpec, format_shape


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
    if len(x) == 1 and config["output_mode"] != "one_hot":
        # numerical_utils.encode_categorical_inputs takes a rank-1 input as one sample's
        # tokens: multi_hot / count of (batch,) is (num_tokens,), no batch axis (one_hot
        # of (batch,) is (batch, num_tokens), below)
        raise LayerError(f"CategoryEncoding: output_mode {config['output_mode']!r} on an "
                         f"input without features {format_shape(x)} gives no batch axis in "
                         "Keras; give it a shape (batch, tokens)")
    if config["output_mode"] == "one_hot" and x[-1] != 1:
        return tuple(x) + (n,)
    if config["output_mode"] == "one_hot" and len(x) == 1:
        return tuple(x) + (n,)
    return tuple(x[:-1]) + (n,)


_ENCODINGS = ("int", "one_hot", "multi_hot", "count")
_SPARSE = bool_field("sparse", False, doc="Sparse output (TensorFlow backend only).")


def _discretization_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    # Keras Discretization.compute_output_shape (what model.summary() shows).
    x = one_input(inputs)
    bins = config["bin_boundaries"]
    if bins is not None and not isinstance(bins, tuple):
        bins = (bins,)
    depth = len(bins) + 1 if bins is not None else config["num_bins"]
    if depth is None:
        raise LayerError("Discretization needs bin_boundaries or num_bins")
    mode = config["output_mode"]
    if mode == "int":
        return x
    if mode == "one_hot":
        if len(x) > 1 and x[-1] == 1:
            return tuple(x[:-1]) + (depth,)
        return tuple(x) + (depth,)
    if len(x) < 2:
        raise LayerError(f"Discretization: output_mode {mode!r} on an input without features "
                         f"{format_shape(x)} gives no batch axis in Keras; give it a shape "
                         "(batch, features)")
    return (x[0],) + tuple(x[2:]) + (depth,)


def _hashing_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    # Keras Hashing.compute_output_spec: 'int' keeps the shape; the encodings replace the
    # last axis with num_bins.
    x = one_input(inputs)
    if config["output_mode"] == "int":
        return x
    if len(x) < 2:
        raise LayerError(f"Hashing: output_mode {config['output_mode']!r} on an input without "
                         f"features {format_shape(x)} gives no batch axis in Keras; give it a "
                         "shape (batch, 1)")
    return tuple(x[:-1]) + (config["num_bins"],)


def _hashed_crossing_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    # Keras HashedCrossing.compute_output_shape: two inputs with the same last axis;
    # 'one_hot' replaces a last axis of 1 with num_bins, or appends it.
    a, b = inputs
    if a[-1:] != b[-1:]:
        raise LayerError(f"HashedCrossing needs two inputs of the same shape, got "
                         f"{format_shape(a)} and {format_shape(b)}")
    if config["output_mode"] == "int":
        return a
    if len(a) > 1 and a[-1] == 1:
        return tuple(a[:-1]) + (config["num_bins"],)
    return tuple(a) + (config["num_bins"],)


SPECS = (
    LayerSpec(
        "Rescaling", "Preprocessing",
        (number_or_list_field("scale", 1.0 / 255, doc="Multiplier (1/255 maps [0, 255] to "
                                                       "[0, 1]); a list: one per channel."),
         number_or_list_field("offset", 0.0, doc="Added after scaling.")),
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
    LayerSpec(
        "Discretization", "Preprocessing",
        # Keras wants exactly one of the two; after adapt() its config holds both and the
        # boundaries win (Discretization.from_config).
        (number_or_list_field("bin_boundaries", (0.0, 1.0, 2.0), optional=True,
                              doc="Sorted bin edges: n edges make n + 1 bins (empty: learned "
                                  "by adapt() into num_bins bins)."),
         int_field("num_bins", None, optional=True,
                   doc="Number of bins adapt() learns (when bin_boundaries is empty)."),
         float_field("epsilon", 0.01, minimum=0.0,
                     doc="Error tolerance of adapt()'s quantiles."),
         choice_field("output_mode", "int", _ENCODINGS,
                      doc="'int': one bin index per value; 'one_hot': a vector per value; "
                          "'multi_hot'/'count': one vector per sample."),
         _SPARSE),
        _discretization_shape,
        doc="Buckets numbers into bins by bin_boundaries: a bin index per value, or one-hot, "
            "multi-hot or count vectors over the bins. 0 parameters (the boundaries are "
            "config, not weights).", fields_only=True),
    LayerSpec(
        "Hashing", "Preprocessing",
        (int_field("num_bins", 16, doc="Number of hash bins (with mask_value, bin 0 is the "
                                       "mask's)."),
         choice_field("output_mode", "int", _ENCODINGS,
                      doc="'int': a bin index per value; 'one_hot'/'multi_hot'/'count': a "
                          "num_bins vector replacing the last axis."),
         _SPARSE),
        _hashing_shape,
        doc="Hashes integers or strings into num_bins bins (the hashing trick). 0 "
            "parameters: a fixed hash function, nothing learned.", fields_only=True),
    LayerSpec(
        "HashedCrossing", "Preprocessing",
        (int_field("num_bins", 16, doc="Number of hash bins of the crossed feature."),
         choice_field("output_mode", "int", ("int", "one_hot"),
                      doc="'int': a bin index per sample; 'one_hot': a num_bins vector."),
         _SPARSE),
        _hashed_crossing_shape, inputs=TWO_INPUTS,
        doc="Crosses two categorical features (each pair of values) and hashes the pair into "
            "num_bins bins. 0 parameters.", fields_only=True),
)
