"""Core layers: InputLayer and Dense (Keras ``keras/src/layers/core/``)."""
from __future__ import annotations

from core.errors import LayerError
from core.fields import activation_field, bool_field, int_field, shape_field
from core.shapes import require_known
from core.spec import NO_INPUT, Config, LayerSpec, one_input
from core.types import Shape, WeightSpec


def _input_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    return (None,) + tuple(config["shape"])


def _dense_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    x = one_input(inputs)
    if len(x) < 2:
        raise LayerError(f"Dense needs an input of rank 2 or more, got {x}")
    return x[:-1] + (config["units"],)


def _dense_weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
    # Keras Dense.build: kernel (last input axis, units), bias (units,)
    cin = require_known(one_input(inputs)[-1], "the last axis of Dense's input")
    w = [WeightSpec("kernel", (cin, config["units"]))]
    if config["use_bias"]:
        w.append(WeightSpec("bias", (config["units"],)))
    return tuple(w)


SPECS = (
    LayerSpec(
        "InputLayer", "Core",
        (shape_field("shape", (32,), doc="Shape of one sample, without the batch axis "
                                         "(null for a variable length)."),),
        _input_shape, inputs=NO_INPUT,
        doc="The model's input: a tensor of shape (None, *shape). No parameters."),
    LayerSpec(
        "Dense", "Core",
        (int_field("units", 32, doc="Number of output units."),
         activation_field(),
         bool_field("use_bias", True, doc="Add a bias vector of length units.")),
        _dense_shape, _dense_weights,
        doc="Fully connected layer on the last axis: output (..., units). "
            "Parameters: (inputs + 1)·units — a kernel (inputs, units) and a bias (units,)."),
)
