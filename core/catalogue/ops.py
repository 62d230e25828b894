"""Weightless operations that a Keras 3 Functional config lists as if they were layers
(``module`` ``keras.src.ops.numpy``; see tests/data/REFERENCE.md, ``non_layer_ops``).

``x != 0`` (the mask of ``Embedding(mask_zero=True)``) is ``NotEqual``; ``x + y`` and
``x * y`` are imported onto the catalogue's ``Add`` and ``Multiply``, while ``x + 3.0`` and
``x * 0.5`` (one tensor) are ``ops.Add`` and ``ops.Multiply``. Each element-wise op here
takes 1 or 2 tensor inputs (a Python constant operand is not an input) and broadcasts them
like NumPy (:func:`core.shapes.broadcast`); ``LogicalOr`` / ``LogicalAnd`` join the masks
of merged masked tensors. ``Any`` reduces one tensor over ``axis`` (``Masking`` passes
``any(x != mask_value, axis=-1)`` to the next layer as its mask). No weights.
"""
from __future__ import annotations

from paramlab.core.catalogue.common import axes_field, normalize_axis
from paramlab.core.errors import LayerError
from paramlab.core.fields import bool_field
from paramlab.core.shapes import broadcast
from paramlab.core.spec import Arity, Config, LayerSpec, one_input
from paramlab.core.types import Shape

ONE_OR_TWO = Arity(1, 2)

_OPS = {
    "NotEqual": "x != y (or x != constant), element-wise; a boolean mask",
    "Equal": "x == y, element-wise",
    "Greater": "x > y, element-wise",
    "GreaterEqual": "x >= y, element-wise",
    "Less": "x < y, element-wise",
    "LessEqual": "x <= y, element-wise",
    "TrueDivide": "x / y, element-wise",
    "Power": "x ** y, element-wise",
    # Merging masked tensors (Concatenate, Add ... compute_mask) ors or ands their masks.
    "LogicalOr": "x or y, element-wise (boolean masks)",
    "LogicalAnd": "x and y, element-wise (boolean masks)",
    # One tensor and a Python constant (MobileNetV3's hard-swish: x + 3.0, x * (1/6)):
    # no merge layer takes a single input, so these keep the op's own name.
    "ops.Add": "x + constant (or x + y), element-wise",
    "ops.Subtract": "x - constant (or x - y), element-wise",
    "ops.Multiply": "x * constant (or x * y), element-wise",
}


def op_spec(type_name: str) -> LayerSpec:
    """The spec of the element-wise operation ``type_name``."""

    def output_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
        return broadcast(inputs, type_name)

    return LayerSpec(type_name, "Operations", (), output_shape, inputs=ONE_OR_TWO,
                     doc=f"Operation {_OPS[type_name]} (from a Keras 3 expression; not a "
                         "layer). Inputs broadcast. 0 parameters.")


def _any_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    # ops.numpy.Any.compute_output_spec: the input's shape reduced over axis, each reduced
    # axis kept as 1 with keepdims. A reduction over the batch axis (axis None: every axis)
    # leaves no per-sample output, which a summary cannot show: refused.
    x = one_input(inputs)
    if config["axis"] is None:
        raise LayerError("Any: axis None reduces the batch axis too; ParamLab's shapes keep "
                         "the batch axis")
    axes = {normalize_axis(a, len(x), "Any") for a in config["axis"]}
    if config["keepdims"]:
        return tuple(1 if i in axes else d for i, d in enumerate(x))
    return tuple(d for i, d in enumerate(x) if i not in axes)


SPECS = (*(op_spec(t) for t in _OPS), LayerSpec(
    "Any", "Operations",
    (axes_field("axis", -1, optional=True, doc="Axis or axes reduced (empty: every axis)."),
     bool_field("keepdims", False, doc="Keep each reduced axis as length 1.")),
    _any_shape,
    doc="Operation any(x, axis): whether any element along axis is true (Masking's mask "
        "for the next layer, from a Keras 3 Functional config; not a layer). 0 parameters."))
