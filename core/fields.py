"""Field specs: the typed config arguments of a layer, named as Keras names them.

A :class:`FieldSpec` drives both validation (here) and the property editor (in ``gui/``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from paramlab.core.errors import LayerError
from paramlab.core.text import (
    MAX_RANK,
    MAX_SIZE,
    MIN_INT,
    elide_value,
    format_number,
    is_finite_number,
)


class FieldKind(str, Enum):
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    CHOICE = "choice"
    INTS = "ints"  # a tuple of ``rank`` ints; a single int is broadcast (Keras's kernel_size=3)
    SHAPE = "shape"  # a tuple of ints of any length (Reshape's target_shape, Input's shape)
    STR = "str"


# Module constants for the hot paths: reading an Enum member through its class costs ten
# times more.
_INT, _INTS, _FLOAT = FieldKind.INT, FieldKind.INTS, FieldKind.FLOAT
_STR, _CHOICE, _BOOL = FieldKind.STR, FieldKind.CHOICE, FieldKind.BOOL


@dataclass(frozen=True)
class FieldSpec:
    """One config argument of a layer.

    Attributes:
        name: Keras's argument name (``filters``, ``kernel_size``, ``padding`` ...).
        kind: How the value is typed and edited.
        default: Keras's default value (already normalised).
        minimum, maximum: Inclusive bounds for INT, FLOAT and each element of INTS/SHAPE.
        choices: Allowed values for CHOICE.
        rank: Number of elements for INTS.
        optional: ``None`` is an accepted value (Keras's ``None`` default, e.g. ``input_dim``).
        allow_minus_one: For SHAPE, one ``-1`` entry is allowed (Reshape infers it).
        doc: One line for the property editor's tooltip.
    """

    name: str
    kind: FieldKind
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()
    rank: int = 1
    optional: bool = False
    allow_minus_one: bool = False
    doc: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def validate(self, value: Any) -> Any:
        """Return ``value`` normalised (lists to tuples, ints broadcast to tuples).

        Raises:
            LayerError: the value has the wrong type or is out of range; the message
                names the field, what is allowed and what was given.
        """
        # Fast paths for the values files and editors give almost always (exact types,
        # in range): the same result as the general checks below, which handle the rest
        # and word every error.
        kind = self.kind
        t = type(value)
        if kind is _INTS:
            if (t is tuple or t is list) and len(value) == self.rank:
                low, high = self.whole_bounds()
                for v in value:
                    if type(v) is not int or v < low or v > high:
                        break
                else:
                    return tuple(value)
        elif kind is _INT:
            if t is int:
                low, high = self.whole_bounds()
                if low <= value <= high:
                    return value
        elif kind is _FLOAT:
            # value - value == 0 only for a finite float (inf and nan give nan)
            if t is float and value - value == 0 and (
                    self.minimum is None or value >= self.minimum) and (
                    self.maximum is None or value <= self.maximum):
                return value
        elif t is str:
            if kind is _STR or (kind is _CHOICE and value in self.choices):
                return value
        elif t is bool and kind is _BOOL:
            return value
        return self._validate_general(value)

    def whole_bounds(self) -> tuple[float, float]:
        """Inclusive bounds of a whole-number value (INT, INTS, SHAPE): the field's own,
        within the 32-bit range :meth:`_check_bounds` enforces; for fast paths, which
        accept a value inside them as is and leave the rest to :meth:`validate`."""
        low = MIN_INT if self.minimum is None else max(self.minimum, MIN_INT)
        high = MAX_SIZE if self.maximum is None else self.maximum
        return low, high

    def _validate_general(self, value: Any) -> Any:
        """``validate`` without its fast paths: every value, every error message."""
        if value is None:
            if self.optional:
                return None
            raise LayerError(f"{self.name} is required, got None")
        kind = self.kind
        if kind is FieldKind.BOOL:
            if isinstance(value, bool):
                return value
            raise LayerError(f"{self.name} must be true or false, got {elide_value(value)}")
        if kind is FieldKind.INT:
            return self._check_bounds(_as_int(self.name, value))
        if kind is FieldKind.FLOAT:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise LayerError(f"{self.name} must be a number, got {elide_value(value)}")
            if not is_finite_number(value):
                raise LayerError(f"{self.name} must be a finite number, got "
                                 f"{format_number(value)}")
            return self._check_bounds(float(value))
        if kind is FieldKind.CHOICE:
            if value in self.choices and not isinstance(value, (list, dict)):
                return value
            allowed = ", ".join(repr(c) for c in self.choices)
            raise LayerError(f"{self.name} must be one of {allowed}, got {elide_value(value)}")
        if kind is FieldKind.STR:
            if isinstance(value, str):
                return value
            raise LayerError(f"{self.name} must be a string, got {elide_value(value)}")
        if kind is FieldKind.INTS:
            if isinstance(value, (int,)) and not isinstance(value, bool):
                value = (value,) * self.rank
            items = _as_tuple(self.name, value)
            if len(items) != self.rank:
                raise LayerError(f"{self.name} must have {self.rank} values, got "
                                 f"{len(items):,}: {elide_value(value)}")
            return tuple(self._check_bounds(_as_int(self.name, v)) for v in items)
        if kind is FieldKind.SHAPE:
            items = _as_tuple(self.name, value)
            if len(items) > MAX_RANK:
                raise LayerError(f"{self.name} has {len(items):,} axes, more than the "
                                 f"{MAX_RANK} a tensor can have")
            out = []
            for v in items:
                if v is None:
                    out.append(None)
                    continue
                v = _as_int(self.name, v)
                if v == -1 and self.allow_minus_one:
                    out.append(v)
                    continue
                out.append(self._check_bounds(v))
            if sum(1 for v in out if v == -1) > 1:
                raise LayerError(f"{self.name} may contain -1 only once, got {elide_value(value)}")
            return tuple(out)
        raise LayerError(f"{self.name}: unsupported field kind {kind}")  # pragma: no cover

    def _check_bounds(self, v: float) -> Any:
        """The one place every number of a field is bounded: the field's own range, and
        for whole numbers (sizes, units, filters, axes ...) the 32-bit range Keras's
        backends index tensors with (:data:`core.text.MAX_SIZE`), unless the field declares
        its own maximum (a declared parameter count may be larger)."""
        if isinstance(v, int):
            if v > MAX_SIZE and self.maximum is None:  # a field may declare a larger maximum
                raise LayerError(f"{self.name}: {format_number(v)} is larger than "
                                 f"{format_number(MAX_SIZE)}")
            if v < MIN_INT:
                raise LayerError(f"{self.name}: {format_number(v)} is smaller than "
                                 f"{format_number(MIN_INT)}")
        if self.minimum is not None and v < self.minimum:
            raise LayerError(f"{self.name} must be at least {_num(self.minimum)}, got {_num(v)}")
        if self.maximum is not None and v > self.maximum:
            raise LayerError(f"{self.name} must be at most {_num(self.maximum)}, got {_num(v)}")
        return v


def _num(v: float) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return format_number(v) if isinstance(v, int) and abs(v) >= 10**15 else str(v)


def _as_int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise LayerError(f"{name} must be a whole number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise LayerError(f"{name} must be a whole number, got {elide_value(value)}")


def _as_tuple(name: str, value: Any) -> tuple[Any, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(value)
    raise LayerError(f"{name} must be a list of whole numbers, got {elide_value(value)}")


# Shorthands the catalogue uses so that a layer's fields read like its Keras signature.

def int_field(name: str, default: Any, minimum: int | None = 1, maximum: int | None = None,
              optional: bool = False, doc: str = "") -> FieldSpec:
    return FieldSpec(name, FieldKind.INT, default, minimum, maximum, optional=optional, doc=doc)


def float_field(name: str, default: float | None, minimum: float | None = None,
                maximum: float | None = None, optional: bool = False, doc: str = "") -> FieldSpec:
    return FieldSpec(name, FieldKind.FLOAT, default, minimum, maximum, optional=optional, doc=doc)


def bool_field(name: str, default: bool, doc: str = "") -> FieldSpec:
    return FieldSpec(name, FieldKind.BOOL, default, doc=doc)


def choice_field(name: str, default: Any, choices: tuple[Any, ...], doc: str = "") -> FieldSpec:
    # A choice that lists None (Bidirectional's merge_mode) accepts None as a value.
    return FieldSpec(name, FieldKind.CHOICE, default, choices=choices, optional=None in choices,
                     doc=doc)


def ints_field(name: str, default: Any, rank: int, minimum: int | None = 1,
               optional: bool = False, doc: str = "") -> FieldSpec:
    if isinstance(default, int) and not isinstance(default, bool):
        default = (default,) * rank
    return FieldSpec(name, FieldKind.INTS, default, minimum, rank=rank, optional=optional, doc=doc)


def shape_field(name: str, default: Any, allow_minus_one: bool = False, optional: bool = False,
                doc: str = "") -> FieldSpec:
    return FieldSpec(name, FieldKind.SHAPE, default, minimum=1, optional=optional,
                     allow_minus_one=allow_minus_one, doc=doc)


def str_field(name: str, default: str | None, optional: bool = False, doc: str = "") -> FieldSpec:
    return FieldSpec(name, FieldKind.STR, default, optional=optional, doc=doc)


ACTIVATIONS = ("linear", "relu", "sigmoid", "softmax", "tanh", "elu", "selu", "softplus",
               "softsign", "swish", "silu", "gelu", "hard_sigmoid", "hard_silu", "hard_swish",
               "exponential", "leaky_relu", "relu6", "mish", "log_softmax", "celu", "glu",
               "sparse_plus", "squareplus", "soft_shrink", "hard_shrink", "tanh_shrink",
               "hard_tanh", "log_sigmoid", "sparse_sigmoid", "threshold", None)


def activation_field(default: str | None = None) -> FieldSpec:
    # A string, not a closed choice: Keras accepts any registered activation name, and an
    # imported model must not fail on one we have not listed. The editor offers ACTIVATIONS.
    return FieldSpec("activation", FieldKind.STR, default, choices=ACTIVATIONS, optional=True,
                     doc="Activation applied to the output; adds no parameters.")
