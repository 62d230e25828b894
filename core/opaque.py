"""Layers whose type the catalogue does not know: ``Lambda``, Keras 3 operations it does not
list (``ops.<class>``), and custom classes (``PixelShuffler``, ``STFT``).

ParamLab never runs code from a file, so it cannot compute such a layer. What it can say:

* ``Lambda`` and operations have no weights in Keras (a Lambda's function is not tracked as a
  layer: ``keras/src/layers/core/lambda_layer.py``), so with the output shape the file
  records they are complete: 0 parameters and a *note*, not an error;
* a custom class may own weights ParamLab cannot know: the counts are incomplete, an
  *error*, until the user declares its output shape and its parameters in the properties
  panel (:data:`OPAQUE_FIELDS`, saved in the layer's config, so in the project file).

Without an output shape (recorded or declared) nothing downstream can be computed: an error.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from paramlab.core.fields import FieldKind, FieldSpec
from paramlab.core.text import MAX_COUNT, MAX_RANK, MAX_SIZE, elide_name
from paramlab.core.types import Severity, Shape, WeightSpec

#: What the properties panel offers for a layer of unknown type (Keras argument names do not
#: clash: no Keras layer takes ``trainable_params``).
OPAQUE_FIELDS = (
    FieldSpec("output_shape", FieldKind.SHAPE, None, minimum=1, optional=True,
              doc="Output shape, batch axis first (None), e.g. None, 8, 8, 64: ParamLab "
                  "never runs the layer's code, so it cannot compute it."),
    FieldSpec("trainable_params", FieldKind.INT, None, minimum=0, maximum=MAX_COUNT,
              optional=True,
              doc="Trainable parameters of this custom layer (from its build())."),
    FieldSpec("non_trainable_params", FieldKind.INT, None, minimum=0, maximum=MAX_COUNT,
              optional=True,
              doc="Non-trainable parameters of this custom layer (moving statistics ...)."),
)


def opaque_field(name: str) -> FieldSpec | None:
    """The :data:`OPAQUE_FIELDS` entry called ``name``, or ``None``."""
    for f in OPAQUE_FIELDS:
        if f.name == name:
            return f
    return None


def is_weightless(type_name: str) -> bool:
    """Whether Keras gives a layer of this unknown type no weights: ``Lambda`` and Keras 3
    operations (``ops.<class>``)."""
    return type_name == "Lambda" or type_name.startswith("ops.")


@dataclass(frozen=True)
class OpaqueLayer:
    """What ParamLab can say about one layer of unknown type.

    Attributes:
        output_shape: Batch axis first, or ``None`` when neither recorded nor declared.
        weights: The declared parameters as two flat weights (empty otherwise).
        severity: ``Severity.ERROR`` when the counts or the shape are incomplete, else None.
        message: The error text, or the note (information that changes no count).
    """

    output_shape: Shape | None
    weights: tuple[WeightSpec, ...]
    severity: Severity | None
    message: str


def describe(type_name: str, config: Mapping[str, Any]) -> OpaqueLayer:
    """Shape, weights and error-or-note of a layer of unknown type ``type_name``."""
    shape = _shape(config.get("output_shape"))
    declared = [_count(config.get(k)) for k in ("trainable_params", "non_trainable_params")]
    weights = tuple(WeightSpec(name, (n,), trainable) for name, n, trainable in (
        ("declared_trainable", declared[0], True), ("declared_non_trainable", declared[1], False))
        if n)
    what = "Lambda" if type_name == "Lambda" else (
        f"operation {elide_name(type_name[4:])!r}" if type_name.startswith("ops.") else
        f"custom layer type {elide_name(type_name)!r}")
    if shape is None:
        code = "its code is never executed, and the file records no output shape" if (
            is_weightless(type_name)) else "ParamLab cannot compute its output shape"
        return OpaqueLayer(None, weights, Severity.ERROR,
                           f"{what}: {code}; set its output_shape (e.g. None, 10)")
    if is_weightless(type_name):
        code = "code is never executed; " if type_name == "Lambda" else ""
        return OpaqueLayer(shape, (), None, f"{what}: {code}0 parameters, as in Keras; output "
                                            "shape as recorded in the file")
    if any(n is not None for n in declared):
        return OpaqueLayer(shape, weights, None,
                           f"{what}: output shape and parameters as declared in its properties")
    return OpaqueLayer(shape, (), Severity.ERROR,
                       f"{what}: its weights are unknown, so the counts are incomplete; set "
                       "trainable_params and non_trainable_params in its properties")


def _shape(value: Any) -> Shape | None:
    # Bounded as every shape (core.text): a file's absurd output_shape is not a shape.
    if isinstance(value, (list, tuple)) and 0 < len(value) <= MAX_RANK + 1 and all(
            x is None or (type(x) is int and 0 < x <= MAX_SIZE) for x in value):
        shape = tuple(value)
        return shape if shape[0] is None else (None,) + shape
    return None


def _count(value: Any) -> int | None:
    return value if type(value) is int and 0 <= value <= MAX_COUNT else None
