"""Activation layers (Keras ``keras/src/layers/activations/``).

All keep their input's shape. Only ``PReLU`` has a weight: ``alpha`` with the input's shape
(batch axis dropped) and length 1 on each of ``shared_axes`` (Keras ``PReLU.build``).
"""
from __future__ import annotations

from paramlab.core.catalogue.common import axes_field, min_rank, normalize_axis, same_shape
from paramlab.core.errors import LayerError
from paramlab.core.fields import FieldKind, FieldSpec, activation_field, float_field
from paramlab.core.spec import Config, LayerSpec, one_input
from paramlab.core.types import Shape, WeightSpec


def _softmax_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    x = min_rank(inputs, 2, "Softmax")
    for a in config["axis"]:
        normalize_axis(a, len(x), "Softmax")
    return x


def _prelu_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    x = min_rank(inputs, 2, "PReLU")
    for a in config["shared_axes"] or ():
        if not 1 <= a < len(x):
            raise LayerError(f"PReLU: shared axis {a} must be between 1 and {len(x) - 1} for "
                             f"an input of rank {len(x)}")
    return x


def _prelu_weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
    x = one_input(inputs)
    shared = set(config["shared_axes"] or ())
    shape = []
    for i, d in enumerate(x[1:], start=1):
        if i in shared:
            shape.append(1)
        elif d is None:
            raise LayerError(f"PReLU: axis {i} of the input has unknown length; share it "
                             "(shared_axes) or give it a length")
        else:
            shape.append(d)
    return (WeightSpec("alpha", tuple(shape)),)


SHARED_AXES = FieldSpec("shared_axes", FieldKind.SHAPE, None, minimum=1, optional=True,
                        doc="Axes along which one alpha is shared (e.g. [1, 2] for images).")

SPECS = (
    LayerSpec("Activation", "Activation", (activation_field("linear"),), same_shape,
              doc="Applies an activation function element-wise. 0 parameters.",
              fields_only=True),
    LayerSpec("ReLU", "Activation",
              (float_field("max_value", None, 0.0, optional=True,
                           doc="Upper bound of the output (6 for ReLU6); empty: none."),
               float_field("negative_slope", 0.0, 0.0, doc="Slope below the threshold."),
               float_field("threshold", 0.0, doc="Values below it are damped.")),
              same_shape, doc="Rectified linear unit, max(x, 0). 0 parameters."),
    LayerSpec("LeakyReLU", "Activation",
              (float_field("negative_slope", 0.3, 0.0, doc="Slope for x < 0."),),
              same_shape, doc="x for x ≥ 0, negative_slope·x otherwise. 0 parameters."),
    LayerSpec("ELU", "Activation", (float_field("alpha", 1.0, doc="Scale of the negative part."),),
              same_shape, doc="Exponential linear unit. 0 parameters."),
    LayerSpec("Softmax", "Activation", (axes_field("axis", -1, doc="Axis normalised."),),
              _softmax_shape,
              doc="Softmax along an axis: outputs sum to 1. 0 parameters."),
    LayerSpec("ThresholdedReLU", "Activation",
              (float_field("theta", 1.0, 0.0, doc="Threshold below which the output is 0."),),
              same_shape, doc="x for x > theta, 0 otherwise (Keras 2). 0 parameters."),
    LayerSpec("PReLU", "Activation", (SHARED_AXES,), _prelu_shape, _prelu_weights,
              doc="Leaky ReLU whose slope alpha is learned per element. Parameters: one alpha "
                  "per input element (batch axis dropped), 1 along each shared axis."),
)
