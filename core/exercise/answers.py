"""Reading what a student typed: whole numbers and shapes, as people write them.

Counts: ``1234``, ``1,234``, ``1 234`` (also a thin or no-break space, ``1_234``, ``1.234``
as a thousands group) and JSON ints. Shapes: ``(None, 28, 28, 8)``, ``[null, 28, 28, 8]``,
``28, 28, 8`` or ``28x28x8`` (without the batch axis), ``(None, 400)``, ``400``. A shape given
without the batch axis matches an expected shape one axis longer whose first axis is the
batch's ``None`` (:func:`shape_matches`).
"""
from __future__ import annotations

import re
from typing import Any

from paramlab.core.types import Shape

_INT_TEXT = re.compile(r"^[+]?\d{1,3}([ ,_.\u2009\u202f\u00a0']\d{3})+$|^[+]?\d+$")
_SEPARATORS = re.compile(r"[ ,_.\u2009\u202f\u00a0']")
_DIM = re.compile(r"^(none|null|\?|\d+([ ,_\u2009\u202f\u00a0]\d{3})*)$", re.IGNORECASE)
MAX_DIGITS = 30  # longer text is not an answer anyone typed


class AnswerError(ValueError):
    """The text cannot be read as the kind of answer the cell needs (message says why)."""


def parse_count(value: Any) -> int:
    """A parameter count from an int or text (``1,234``, ``1 234``, ``1234``).

    Raises:
        AnswerError: not a whole number 0 or more.
    """
    if isinstance(value, bool):
        raise AnswerError("expected a whole number, not true/false")
    if isinstance(value, int):
        if value < 0:
            raise AnswerError("a parameter count cannot be negative")
        return value
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if not isinstance(value, str):
        raise AnswerError(f"expected a whole number, found {type(value).__name__}")
    text = value.strip()
    if len(text) > MAX_DIGITS * 2 or not _INT_TEXT.match(text):
        raise AnswerError(f"{_short(text)!r} is not a whole number (write 1234, 1,234 or 1 234)")
    return int(_SEPARATORS.sub("", text))


def parse_shape(value: Any) -> Shape:
    """A shape from a list (``[null, 28, 28, 8]``) or text (``(None, 28, 28, 8)``,
    ``28, 28, 8``, ``28x28x8``, ``400``); ``None``/``null``/``?`` is an unknown axis.

    The batch axis is kept only if it was written: ``28, 28, 8`` gives ``(28, 28, 8)``; use
    :func:`shape_matches` to compare with an expected shape.

    Raises:
        AnswerError: not a shape of whole numbers 1 or more.
    """
    if isinstance(value, (list, tuple)):
        dims = list(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        dims = [value]
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > 200:
            raise AnswerError("the shape is too long")
        inner = text.strip("()[] ")
        if not inner:
            raise AnswerError("the shape is empty")
        parts = [p.strip() for p in re.split(r"[,;×x*]", inner, flags=re.IGNORECASE)
                 if p.strip()]
        # "28, 28, 8" splits on commas; "(None, 1,234)" would be ambiguous and is not
        # how Keras prints a shape, so commas always separate axes.
        dims = []
        for p in parts:
            if not _DIM.match(p):
                raise AnswerError(f"{_short(p)!r} is not an axis length (write a whole "
                                  "number or None)")
            dims.append(None if p.lower() in ("none", "null", "?") else
                        int(_SEPARATORS.sub("", p)))
    else:
        raise AnswerError("expected a shape such as (None, 28, 28, 8)")
    out: list[int | None] = []
    for d in dims:
        if d is None:
            out.append(None)
        elif isinstance(d, int) and not isinstance(d, bool) and d >= 1:
            out.append(d)
        else:
            raise AnswerError(f"axis length {d!r} must be a whole number 1 or more, or None")
    if not out:
        raise AnswerError("the shape is empty")
    return tuple(out)


def normalise_shape(given: Shape, expected: Shape | None) -> Shape:
    """``given`` with the batch axis added when it was left out (``given`` is one axis
    shorter than ``expected``, whose first axis is ``None``)."""
    if expected is not None and len(given) == len(expected) - 1 and expected[0] is None:
        return (None,) + tuple(given)
    return tuple(given)


def shape_matches(given: Shape, expected: Shape | None) -> bool:
    """Whether ``given`` is ``expected``, with or without the batch axis."""
    return expected is not None and normalise_shape(given, expected) == tuple(expected)


def parse_answer(field_name: str, value: Any) -> int | Shape:
    """Parse ``value`` for a cell of ``field_name`` (``output_shape`` or a count field).

    Raises:
        AnswerError: see :func:`parse_count` and :func:`parse_shape`.
    """
    return parse_shape(value) if field_name == "output_shape" else parse_count(value)


def format_answer(field_name: str, value: Any) -> str:
    """How a parsed value reads in a cell: ``(None, 28, 28, 8)`` or ``1,234``."""
    from paramlab.core.types import format_shape

    if value is None:
        return ""
    if field_name == "output_shape":
        return format_shape(tuple(value))
    return f"{value:,}" if isinstance(value, int) else str(value)


def _short(text: str) -> str:
    return text if len(text) <= 24 else text[:21] + "..."
