"""Normalization layers (Keras ``keras/src/layers/normalization/``).

All keep their input's shape. Weights follow each layer's ``build``:
``BatchNormalization`` gamma, beta (trainable) and moving_mean, moving_variance
(non-trainable), each ``(C,)`` for the channel axis; ``LayerNormalization`` gamma, beta over
the normalised axes; ``GroupNormalization`` gamma, beta ``(C,)``; ``UnitNormalization`` none.
"""
from __future__ import annotations

from paramlab.core.catalogue.common import axes_field, axis_dim, min_rank, normalize_axis
from paramlab.core.errors import LayerError
from paramlab.core.fields import bool_field, float_field, int_field
from paramlab.core.spec import Config, LayerSpec, one_input
from paramlab.core.types import Shape, WeightSpec

AXIS_DOC = "Axis normalised (-1: the last, the channels)."


def _keep_shape_checked_axis(layer: str):
    def output_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
        x = min_rank(inputs, 2, layer)
        axes = config["axis"] if isinstance(config["axis"], tuple) else (config["axis"],)
        for a in axes:
            normalize_axis(a, len(x), layer)
        return x
    return output_shape


def _bn_weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
    # Keras BatchNormalization.build: gamma, beta, moving_mean, moving_variance
    # (+ moving_stddev, renorm_mean, renorm_stddev with renorm=True), all (C,).
    c = axis_dim(one_input(inputs), config["axis"], "BatchNormalization")
    w = []
    if config["scale"]:
        w.append(WeightSpec("gamma", (c,)))
    if config["center"]:
        w.append(WeightSpec("beta", (c,)))
    w += [WeightSpec("moving_mean", (c,), False), WeightSpec("moving_variance", (c,), False)]
    if config["renorm"]:
        w += [WeightSpec(n, (c,), False)
              for n in ("moving_stddev", "renorm_mean", "renorm_stddev")]
    return tuple(w)


def _ln_weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
    # Keras LayerNormalization.build: shape = input lengths of the (sorted) axes; gamma when
    # scale or rms_scaling, beta when center and not rms_scaling.
    x = one_input(inputs)
    axes = sorted(normalize_axis(a, len(x), "LayerNormalization") for a in config["axis"])
    shape = tuple(axis_dim(x, a, "LayerNormalization") for a in axes)
    w = []
    if config["scale"] or config["rms_scaling"]:
        w.append(WeightSpec("gamma", shape))
    if config["center"] and not config["rms_scaling"]:
        w.append(WeightSpec("beta", shape))
    return tuple(w)


def _gn_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    x = min_rank(inputs, 2, "GroupNormalization")
    dim = x[normalize_axis(config["axis"], len(x), "GroupNormalization")]
    groups = config["groups"]
    if groups == 0:
        raise LayerError("GroupNormalization: groups must be positive (or -1: one group per "
                         "channel), got 0")
    if dim is not None and groups != -1:
        if dim < groups:
            raise LayerError(f"GroupNormalization: groups ({groups}) cannot be more than the "
                             f"number of channels ({dim})")
        if dim % groups:
            raise LayerError(f"GroupNormalization: the {dim} channels must be divisible by "
                             f"groups ({groups})")
    return x


def _gn_weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
    c = axis_dim(one_input(inputs), config["axis"], "GroupNormalization")
    w = []
    if config["scale"]:
        w.append(WeightSpec("gamma", (c,)))
    if config["center"]:
        w.append(WeightSpec("beta", (c,)))
    return tuple(w)


SPECS = (
    LayerSpec(
        "BatchNormalization", "Normalization",
        (int_field("axis", -1, minimum=None, doc=AXIS_DOC),
         float_field("momentum", 0.99, 0.0, 1.0, doc="Momentum of the moving averages."),
         float_field("epsilon", 0.001, 0.0, doc="Added to the variance to avoid dividing by 0."),
         bool_field("center", True, doc="Learn an offset beta."),
         bool_field("scale", True, doc="Learn a scale gamma."),
         bool_field("renorm", False, doc="Batch renormalization (3 more moving statistics).")),
        _keep_shape_checked_axis("BatchNormalization"), _bn_weights,
        doc="Normalises each channel with the batch's mean and variance. Parameters: 4·C — "
            "gamma and beta (trainable, 2·C) and the moving mean and variance (non-trainable, "
            "2·C, updated during training, not by gradients).",
        fields_only=True),
    LayerSpec(
        "LayerNormalization", "Normalization",
        (axes_field("axis", -1, doc="Axis or axes normalised, per sample."),
         float_field("epsilon", 0.001, 0.0),
         bool_field("center", True, doc="Learn an offset beta."),
         bool_field("scale", True, doc="Learn a scale gamma."),
         bool_field("rms_scaling", False, doc="Scale by the root mean square only (no beta).")),
        _keep_shape_checked_axis("LayerNormalization"), _ln_weights,
        doc="Normalises each sample over the given axes. Parameters: 2·C — gamma and beta, "
            "one per element of the normalised axes; all trainable."),
    LayerSpec(
        "GroupNormalization", "Normalization",
        (int_field("groups", 32, minimum=-1, doc="Number of channel groups (-1: one per "
                                                    "channel)."),
         int_field("axis", -1, minimum=None, doc=AXIS_DOC),
         float_field("epsilon", 0.001, 0.0),
         bool_field("center", True), bool_field("scale", True)),
        _gn_shape, _gn_weights,
        doc="Normalises groups of channels within each sample. Parameters: 2·C — gamma and "
            "beta per channel; channels must divide into groups."),
    LayerSpec(
        "UnitNormalization", "Normalization",
        (axes_field("axis", -1, doc="Axis or axes along which the L2 norm is taken."),),
        _keep_shape_checked_axis("UnitNormalization"),
        doc="Scales each sample to unit L2 norm along the axis. 0 parameters."),
)
