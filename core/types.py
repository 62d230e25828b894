"""Plain value types shared by the whole core: shapes, weights, diagnostics.

Shapes are channels-last tuples whose first element is the batch axis, always ``None``
(as Keras prints it); any other ``None`` is an unknown (dynamic) length.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from math import prod

Dim = int | None
Shape = tuple[Dim, ...]


@dataclass(frozen=True, slots=True)
class WeightSpec:
    """One weight tensor of a layer, as Keras's ``layer.weights`` lists it.

    Attributes:
        name: Keras's variable name (``kernel``, ``bias``, ``gamma``, ``moving_mean`` ...).
        shape: The tensor's shape (no batch axis); every entry a positive int.
        trainable: Whether Keras marks it trainable when the layer itself is trainable.
    """

    name: str
    shape: tuple[int, ...]
    trainable: bool = True

    @property
    def size(self) -> int:
        """Number of scalar parameters: the product of ``shape`` (1 for a scalar)."""
        return prod(self.shape)


class Severity(str, Enum):
    """How bad a diagnostic is. ``ERROR``: this layer is wrong. ``UNRESOLVED``: an
    input upstream is wrong or missing, so this layer cannot be computed.
    ``WARNING``: computed, but with a caveat (e.g. an unknown layer counted as 0)."""

    ERROR = "error"
    UNRESOLVED = "unresolved"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem found on one layer during propagation.

    Attributes:
        severity: See :class:`Severity`.
        layer: The node id of the layer it concerns.
        message: What was expected and what was received, for a person to read.
    """

    severity: Severity
    layer: str
    message: str


def format_shape(shape: Shape | None) -> str:
    """Render a shape as Keras's summary does: ``(None, 28, 28, 8)``; ``?`` when unknown."""
    if shape is None:
        return "?"
    if len(shape) == 1:
        return f"({_dim(shape[0])},)"
    return "(" + ", ".join(_dim(d) for d in shape) + ")"


def format_outputs(shape: Shape | None, shapes: tuple[Shape, ...] | None) -> str:
    """One output as :func:`format_shape`; several (``shapes``, a layer with
    ``return_state``) as Keras's summary lists them: ``[(None, None, 9), (None, 9)]``."""
    if shapes:
        return "[" + ", ".join(format_shape(s) for s in shapes) + "]"
    return format_shape(shape)


def _dim(d: Dim) -> str:
    return "None" if d is None else str(d)
