"""Helpers shared by the catalogue's family modules (not a family itself).

Field kinds beyond :mod:`core.fields`' shorthands, written as :class:`FieldSpec` subclasses
so the property editor still sees one of the known :class:`FieldKind` values:

* :class:`AxesField` (kind ``SHAPE``): an axis or a list of axes (``LayerNormalization``'s
  ``axis=-1`` or ``[-1]``), normalised to a tuple of ints.
* :class:`PairsField` (kind ``INTS``, ``2·rank`` values): Keras's padding / cropping
  argument, given as one int, ``rank`` ints (symmetric) or ``rank`` pairs, normalised to the
  flat tuple ``(before_1, after_1, before_2, after_2, ...)``.
* :class:`NumberOrListField` (kind ``FLOAT``): a number or a list of numbers (Rescaling's
  per-channel ``scale``, an augmentation's ``factor`` as ``(lower, upper)``), normalised to a
  float or a tuple of floats.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from paramlab.core.errors import LayerError
from paramlab.core.fields import FieldKind, FieldSpec, _as_int
from paramlab.core.shapes import require_rank
from paramlab.core.spec import one_input
from paramlab.core.types import Dim, Shape, WeightSpec, format_shape


@dataclass(frozen=True)
class AxesField(FieldSpec):
    """An axis (int) or several axes (list of ints), stored as a tuple of ints."""

    def validate(self, value: Any) -> Any:
        # An empty list is None when None is allowed: Keras's Normalization(axis=None)
        # stores the axis as () and its get_config writes [].
        if self.optional and (value is None or (isinstance(value, (list, tuple))
                                                and not value)):
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = (value,)
        if not isinstance(value, (list, tuple)) or not value:
            raise LayerError(f"{self.name} must be an axis or a list of axes, got {value!r}")
        axes = tuple(_as_int(self.name, v) for v in value)
        if len(set(axes)) != len(axes):
            raise LayerError(f"{self.name} lists an axis twice: {value!r}")
        return axes


def axes_field(name: str, default: Any, doc: str = "", optional: bool = False) -> AxesField:
    if isinstance(default, int):
        default = (default,)
    return AxesField(name, FieldKind.SHAPE, default, optional=optional, doc=doc)


@dataclass(frozen=True)
class PairsField(FieldSpec):
    """Padding or cropping per spatial axis: ``(before, after)`` pairs, stored flat."""

    def validate(self, value: Any) -> Any:
        rank = self.rank // 2
        if isinstance(value, int) and not isinstance(value, bool):
            flat = (value,) * self.rank
        elif isinstance(value, (list, tuple)):
            if len(value) == self.rank and not any(isinstance(v, (list, tuple)) for v in value):
                flat = list(value)
            elif len(value) == rank:
                flat = []
                for item in value:
                    if isinstance(item, (list, tuple)):
                        if len(item) != 2:
                            raise LayerError(f"{self.name} needs (before, after) pairs, "
                                             f"got {value!r}")
                        flat.extend(item)
                    else:
                        flat.extend((item, item))
            else:
                raise LayerError(f"{self.name} must be an int, {rank} ints or {rank} "
                                 f"(before, after) pairs, got {value!r}")
        else:
            raise LayerError(f"{self.name} must be an int or a list, got {value!r}")
        return tuple(self._check_bounds(_as_int(self.name, v)) for v in flat)


def pairs_field(name: str, default: int, rank: int, doc: str = "") -> PairsField:
    return PairsField(name, FieldKind.INTS, (default,) * (2 * rank), minimum=0, rank=2 * rank,
                      doc=doc)


@dataclass(frozen=True)
class NumberOrListField(FieldSpec):
    """A number, or a list of numbers each within the field's bounds (``None`` when
    optional)."""

    def validate(self, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            item = FieldSpec(self.name, FieldKind.FLOAT, minimum=self.minimum,
                             maximum=self.maximum)
            return tuple(item.validate(v) for v in value)
        return super().validate(value)


def number_or_list_field(name: str, default: Any, optional: bool = False, doc: str = "",
                         minimum: float | None = None) -> NumberOrListField:
    return NumberOrListField(name, FieldKind.FLOAT, default, minimum=minimum,
                             optional=optional, doc=doc)


def normalize_axis(axis: int, rank: int, layer: str) -> int:
    """``axis`` (negative counts from the end) as an index into a shape of ``rank`` axes.

    Raises:
        LayerError: the axis is the batch axis or outside the shape.
    """
    index = axis + rank if axis < 0 else axis
    if index <= 0 or index >= rank:
        raise LayerError(f"{layer}: axis {axis} is out of range for an input of rank {rank} "
                         f"(valid: 1 to {rank - 1}, or -1 to {-(rank - 1)})")
    return index


def axis_dim(shape: Shape, axis: int, layer: str, what: str = "the normalised axis") -> int:
    """The known length of ``shape[axis]``.

    Raises:
        LayerError: the axis is out of range or its length is unknown.
    """
    dim = shape[normalize_axis(axis, len(shape), layer)]
    if dim is None:
        raise LayerError(f"{layer}: {what} (axis {axis}) must have a known length to build "
                         f"the weights, got {format_shape(shape)}")
    return dim


def ranked_input(inputs: tuple[Shape, ...], rank: int | Sequence[int], layer: str) -> Shape:
    """The single input, checked to have ``rank`` axes (batch included)."""
    x = one_input(inputs)
    require_rank(x, rank, layer)
    return x


def min_rank(inputs: tuple[Shape, ...], rank: int, layer: str) -> Shape:
    """The single input, checked to have at least ``rank`` axes (batch included)."""
    x = one_input(inputs)
    if len(x) < rank:
        raise LayerError(f"{layer} expects an input of rank {rank} or more (batch axis "
                         f"included), got {format_shape(x)} of rank {len(x)}")
    return x


def same_shape(inputs: tuple[Shape, ...], config: Any) -> Shape:
    """Output rule of a layer that keeps its input's shape (activations, dropout, noise)."""
    return one_input(inputs)


def known(dim: Dim, what: str) -> int:
    """``dim`` when known; a weight shape needs it.

    Raises:
        LayerError: ``dim`` is ``None``.
    """
    if dim is None:
        raise LayerError(f"{what} must be known to build the weights, got None")
    return dim


def lora_field() -> FieldSpec:
    from paramlab.core.fields import int_field
    return int_field("lora_rank", None, optional=True,
                     doc="LoRA rank: freezes the main kernel and adds two small trainable "
                         "matrices (empty: off).")


def with_lora(weights: Sequence[Any], config: Any, a: str = "lora_kernel_a",
              b: str = "lora_kernel_b") -> tuple[Any, ...]:
    """Keras's ``enable_lora`` (Dense, Embedding, BaseConv): the first weight (the kernel)
    becomes non-trainable and ``a`` ``(*kernel.shape[:-1], rank)`` and ``b``
    ``(rank, kernel.shape[-1])`` are appended, trainable."""
    rank = config.get("lora_rank")
    if not rank:
        return tuple(weights)
    main = weights[0]
    return (WeightSpec(main.name, main.shape, False),) + tuple(weights[1:]) + (
        WeightSpec(a, tuple(main.shape[:-1]) + (rank,)),
        WeightSpec(b, (rank, main.shape[-1])))


@dataclass(frozen=True)
class IntOrShapeField(FieldSpec):
    """An int or a list of ints/nulls (``output_shape`` of EinsumDense and
    MultiHeadAttention), stored as a tuple."""

    def validate(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = (value,)
        return super().validate(value)
