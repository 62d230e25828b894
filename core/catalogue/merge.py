"""Merge layers (Keras ``keras/src/layers/merging/``). None has weights.

Element-wise merges (Add, Subtract, Multiply, Average, Maximum, Minimum) broadcast their
inputs as Keras's ``Merge`` does (:func:`core.shapes.broadcast`); ``Concatenate`` joins along
``axis`` (other axes must match); ``Dot`` contracts one axis of each of its two inputs
(Keras ``Dot.compute_output_shape``).

MACs (cost_conventions.md): Dot ``output elements · contracted length``; the others 0.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from paramlab.core.catalogue.common import normalize_axis
from paramlab.core.costs import size
from paramlab.core.errors import LayerError
from paramlab.core.fields import FieldKind, FieldSpec, _as_int, bool_field, float_field, int_field
from paramlab.core.shapes import broadcast
from paramlab.core.spec import MANY_INPUTS, TWO_INPUTS, Config, LayerSpec
from paramlab.core.types import Shape, format_shape

_ELEMENTWISE = {
    "Add": "Adds its inputs element-wise",
    "Subtract": "Subtracts its second input from its first, element-wise",
    "Multiply": "Multiplies its inputs element-wise",
    "Average": "Averages its inputs element-wise",
    "Maximum": "Takes the element-wise maximum of its inputs",
    "Minimum": "Takes the element-wise minimum of its inputs",
}


def elementwise_spec(type_name: str) -> LayerSpec:
    """The spec of an element-wise merge layer (``Add``, ``Subtract`` ...)."""

    def output_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
        return broadcast(inputs, type_name)

    return LayerSpec(type_name, "Merge", (), output_shape,
                     inputs=TWO_INPUTS if type_name == "Subtract" else MANY_INPUTS,
                     doc=f"{_ELEMENTWISE[type_name]}; shapes must match (or broadcast). "
                         "0 parameters.", fields_only=True)


def _listed(inputs: tuple[Shape, ...]) -> str:
    return " and ".join(format_shape(s) for s in inputs)


def _concat_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    first = inputs[0]
    rank = len(first)
    for s in inputs:
        if len(s) != rank:
            raise LayerError(f"Concatenate needs inputs of the same rank, got {_listed(inputs)}")
    axis = normalize_axis(config["axis"], rank, "Concatenate")
    # The joined axis is the sum of the inputs' lengths (unknown if one is); every other
    # axis is the first input's, even where it is None and another input knows the length
    # (Concatenate.compute_output_shape starts from input_shape[0]); known lengths must
    # match (Concatenate.build skips the Nones). An input equal to the first on those axes
    # (the usual case) is one comparison.
    out = list(first)
    known = list(first)
    joined: int | None = 0
    head, tail = first[:axis], first[axis + 1:]
    for s in inputs:
        d = s[axis]
        joined = None if d is None or joined is None else joined + d
        if s[:axis] != head or s[axis + 1:] != tail:
            for i, d in enumerate(s):
                if d != known[i] and i and i != axis:
                    if known[i] is None:
                        known[i] = d
                    elif d is not None:
                        raise LayerError(f"Concatenate (axis {config['axis']}) needs inputs "
                                         f"whose other axes match, got {_listed(inputs)}")
    out[axis] = joined
    return tuple(out)


@dataclass(frozen=True)
class _DotAxes(FieldSpec):
    """Dot's ``axes``: one axis for both inputs or a pair; stored as a pair."""

    def validate(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = (value, value)
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise LayerError(f"axes must be an int or a list of 2 ints, got {value!r}")
        return tuple(_as_int("axes", v) for v in value)


def _dot_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    a, b = inputs
    ax = (normalize_axis(config["axes"][0], len(a), "Dot"),
          normalize_axis(config["axes"][1], len(b), "Dot"))
    da, db = a[ax[0]], b[ax[1]]
    if da is not None and db is not None and da != db:
        raise LayerError(f"Dot: axis {ax[0]} of the first input ({da}) must equal axis "
                         f"{ax[1]} of the second ({db}); got {format_shape(a)} and "
                         f"{format_shape(b)}")
    out = [d for i, d in enumerate(a) if i != ax[0]] + \
          [d for i, d in enumerate(b) if i not in (0, ax[1])]
    if len(out) == 1:
        out.append(1)
    return tuple(out)


def _dot_macs(inputs: tuple[Shape, ...], out: Shape, config: Config) -> int:
    a = inputs[0]
    contracted = a[normalize_axis(config["axes"][0], len(a), "Dot")]
    if contracted is None:  # the shape rule allows one side unknown
        b = inputs[1]
        contracted = b[normalize_axis(config["axes"][1], len(b), "Dot")]
    return size(out[1:]) * size((contracted,))


SPECS = tuple(elementwise_spec(t) for t in _ELEMENTWISE) + (
    LayerSpec("Concatenate", "Merge",
              (int_field("axis", -1, minimum=None, doc="Axis along which inputs are joined."),),
              _concat_shape, inputs=MANY_INPUTS,
              doc="Joins its inputs along axis; the other axes must match. 0 parameters.",
              fields_only=True),
    # keras.applications.inception_resnet_v2 defines CustomScaleLayer: a + b·scale.
    LayerSpec("CustomScaleLayer", "Merge",
              (float_field("scale", 1.0, doc="Factor applied to the second input."),),
              lambda inputs, config: broadcast(inputs, "CustomScaleLayer"), inputs=TWO_INPUTS,
              doc="InceptionResNetV2's residual scaling: inputs[0] + inputs[1]·scale. "
                  "0 parameters."),
    LayerSpec("Dot", "Merge",
              (_DotAxes("axes", FieldKind.INTS, (-1, -1), rank=2, minimum=None,
                        doc="Axis of each input to contract (a dot product along it)."),
               bool_field("normalize", False, doc="L2-normalise first (cosine similarity).")),
              _dot_shape, inputs=TWO_INPUTS, macs=_dot_macs,
              doc="Dot product of two inputs along the given axes. 0 parameters."),
)
