"""Normalization layers (Keras ``keras/src/layers/normalization/``).

All keep their input's shape. Weights follow each layer's ``build``:
``BatchNormalization`` gamma, beta (trainable) and moving_mean, moving_variance
(non-trainable), each ``(C,)`` for the channel axis; ``LayerNormalization`` gamma, beta over
the normalised axes; ``RMSNormalization`` scale over them; ``GroupNormalization`` gamma, beta
``(C,)``; ``UnitNormalization`` none. ``SpectralNormalization`` wraps a layer with a kernel
(nested ``layer`` config, as Bidirectional's) and adds a non-trainable ``vector_u``.

MACs: 0 for the normalisations (cost_conventions.md section 2, "everything else");
SpectralNormalization the wrapped layer's (inference).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from paramlab.core.catalogue.common import axes_field, axis_dim, min_rank, normalize_axis
from paramlab.core.errors import LayerError
from paramlab.core.fields import bool_field, float_field, int_field
from paramlab.core.shapes import rules_see_channels_last, to_channels_first, to_channels_last
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
    c = axis_dim(one_input(inputs), config["axis"], "BatchNormalization")
    return _bn_weight_list(c, config["scale"], config["center"], config["renorm"])


@lru_cache(maxsize=1024, typed=True)
def _bn_weight_list(c: int, scale: bool, center: bool, renorm: bool) -> tuple[WeightSpec, ...]:
    # Keras BatchNormalization.build: gamma, beta, moving_mean, moving_variance
    # (+ moving_stddev, renorm_mean, renorm_stddev with renorm=True), all (C,). Memoised
    # (weights are values): the layers propagation's repeated-layer memo cannot share
    # (other input shapes) still repeat a few channel counts (DenseNet121: about half).
    w = []
    if scale:
        w.append(WeightSpec("gamma", (c,)))
    if center:
        w.append(WeightSpec("beta", (c,)))
    w += [WeightSpec("moving_mean", (c,), False), WeightSpec("moving_variance", (c,), False)]
    if renorm:
        w += [WeightSpec(n, (c,), False)
              for n in ("moving_stddev", "renorm_mean", "renorm_stddev")]
    return tuple(w)


def _ln_weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
    # Keras LayerNormalization.build: shape = input lengths of the (sorted) axes; gamma when
    # scale or rms_scaling, beta when center and not rms_scaling. Without either, build
    # makes no weight and takes an axis of unknown length.
    x = one_input(inputs)
    axes = sorted(normalize_axis(a, len(x), "LayerNormalization") for a in config["axis"])
    if not (config["scale"] or config["center"] or config["rms_scaling"]):
        return ()
    shape = tuple(axis_dim(x, a, "LayerNormalization") for a in axes)
    w = []
    if config["scale"] or config["rms_scaling"]:
        w.append(WeightSpec("gamma", shape))
    if config["center"] and not config["rms_scaling"]:
        w.append(WeightSpec("beta", shape))
    return tuple(w)


def _rms_weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
    # Keras RMSNormalization.build: scale of the input lengths at the axes, sorted as
    # given (not normalised: [1, -1] gives (x[-1], x[1])), all trainable.
    x = one_input(inputs)
    return (WeightSpec("scale", tuple(axis_dim(x, a, "RMSNormalization")
                                      for a in sorted(config["axis"]))),)


def _spectral_parts(inputs: tuple[Shape, ...], config: Config
                    ) -> tuple[LayerSpec, dict[str, Any], tuple[Shape, ...], bool]:
    """The wrapped layer's spec and config, its inputs as its rules take them, and
    whether its output goes back to channels_first (as TimeDistributed's wrapped layer)."""
    from paramlab.core.catalogue.recurrent import WRAPPED_DEFAULT, nested

    spec, cfg, _ = nested(config, WRAPPED_DEFAULT["SpectralNormalization"])
    first = rules_see_channels_last(spec, cfg)
    return spec, cfg, to_channels_last(inputs) if first else inputs, first


def _spectral_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    spec, cfg, ins, first = _spectral_parts(inputs, config)
    out = spec.output_shape(ins, cfg)
    return to_channels_first(out) if first else out


def _spectral_weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
    """Keras SpectralNormalization.build: the wrapped layer's weights, and after its kernel
    (or embeddings) the power-iteration vector ``vector_u (1, kernel.shape[-1])``,
    non-trainable (Keras lists the kernel first: the wrapper tracks it as its own)."""
    spec, cfg, ins, _ = _spectral_parts(inputs, config)
    weights = spec.weights(ins, cfg)
    for i, w in enumerate(weights):
        if w.name in ("kernel", "embeddings"):
            u = WeightSpec("vector_u", (1, w.shape[-1]), False)
            return (w, u) + weights[:i] + weights[i + 1:]
    raise LayerError(f"SpectralNormalization wraps a layer with a kernel or embeddings "
                     f"(Dense, Conv, Embedding ...), got {spec.type}")


def _spectral_macs(inputs: tuple[Shape, ...], out: Shape, config: Config) -> int:
    # inference: the wrapped layer's call (the kernel is renormalised in training only)
    spec, cfg, ins, first = _spectral_parts(inputs, config)
    return spec.macs(ins, to_channels_last((out,))[0] if first else out, cfg)


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
        "RMSNormalization", "Normalization",
        (axes_field("axis", -1, doc="Axis or axes normalised, per sample."),
         float_field("epsilon", 1e-6, 0.0, doc="Added to the mean square to avoid dividing "
                                               "by 0.")),
        _keep_shape_checked_axis("RMSNormalization"), _rms_weights,
        doc="Divides each sample by its root mean square over the axes, then scales. "
            "Parameters: C — one trainable scale per element of the normalised axes (no "
            "offset).",
        fields_only=True),
    LayerSpec(
        "SpectralNormalization", "Normalization",
        (int_field("power_iterations", 1, doc="Power iterations per training step to "
                                              "estimate the kernel's largest singular "
                                              "value."),),
        _spectral_shape, _spectral_weights, macs=_spectral_macs,
        doc="Wraps a layer with a kernel (its 'layer' config; Dense(32) by default) and "
            "divides the kernel by its spectral norm in training. Parameters: the wrapped "
            "layer's, plus vector_u (kernel's last axis, non-trainable)."),
    LayerSpec(
        "UnitNormalization", "Normalization",
        (axes_field("axis", -1, doc="Axis or axes along which the L2 norm is taken."),),
        _keep_shape_checked_axis("UnitNormalization"),
        doc="Scales each sample to unit L2 norm along the axis. 0 parameters."),
)
