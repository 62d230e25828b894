"""Layer specs: what the catalogue says about one layer type.

A :class:`LayerSpec` is data plus two small pure functions: ``output_shape`` and ``weights``.
Parameter counts are never computed by a formula of their own: they are sums over the
:class:`core.types.WeightSpec` list that ``weights`` returns (see ``core.propagate``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from core.errors import LayerError
from core.fields import FieldSpec
from core.types import Shape, WeightSpec

Config = Mapping[str, Any]
ShapeRule = Callable[[tuple[Shape, ...], Config], Shape]
WeightRule = Callable[[tuple[Shape, ...], Config], tuple[WeightSpec, ...]]

CATEGORIES = ("Core", "Convolution", "Pooling", "Normalization", "Recurrent", "Attention",
              "Merge", "Reshaping", "Regularization", "Activation", "Preprocessing", "Operations")


def no_weights(input_shapes: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
    """Weight rule of every layer without parameters (pooling, Flatten, Dropout ...)."""
    return ()


@dataclass(frozen=True)
class Arity:
    """How many inputs a layer takes: ``minimum`` to ``maximum`` (``None``: any number)."""

    minimum: int = 1
    maximum: int | None = 1

    def describe(self) -> str:
        if self.maximum == self.minimum:
            return f"{self.minimum} input{'s' if self.minimum != 1 else ''}"
        if self.maximum is None:
            return f"at least {self.minimum} inputs"
        return f"{self.minimum} to {self.maximum} inputs"


NO_INPUT = Arity(0, 0)
ONE_INPUT = Arity(1, 1)
TWO_INPUTS = Arity(2, 2)
MANY_INPUTS = Arity(2, None)


@dataclass(frozen=True)
class LayerSpec:
    """Everything ParamLab knows about one Keras layer type.

    Attributes:
        type: Keras's class name (``Conv2D``).
        category: One of :data:`CATEGORIES`, for the palette.
        fields: The editable config arguments, with Keras's names and defaults.
        output_shape: ``(input_shapes, config) -> Shape``; raises ``LayerError`` when impossible.
        weights: ``(input_shapes, config) -> tuple[WeightSpec, ...]`` in Keras's ``build`` order.
        inputs: How many inputs it takes.
        doc: What the layer does and how its parameters are counted (palette tooltip).
    """

    type: str
    category: str
    fields: tuple[FieldSpec, ...]
    output_shape: ShapeRule
    weights: WeightRule = no_weights
    inputs: Arity = ONE_INPUT
    doc: str = ""

    def field(self, name: str) -> FieldSpec | None:
        """The field called ``name``, or ``None``."""
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def default_config(self) -> dict[str, Any]:
        """Keras's defaults for every field."""
        return {f.name: f.default for f in self.fields}

    def resolve_config(self, config: Config) -> dict[str, Any]:
        """Defaults, overlaid by ``config``, each known field validated and normalised.

        Keys the spec does not know (initializers, regularizers from an imported file) are
        passed through untouched: they do not change shapes or counts.

        Raises:
            LayerError: a known field's value is invalid (see ``FieldSpec.validate``).
        """
        out = dict(config)
        for f in self.fields:
            out[f.name] = f.validate(config[f.name]) if f.name in config else f.default
        return out


def one_input(input_shapes: tuple[Shape, ...]) -> Shape:
    """The single input shape of a one-input layer."""
    if len(input_shapes) != 1:
        raise LayerError(f"expects 1 input, got {len(input_shapes)}")
    return input_shapes[0]
