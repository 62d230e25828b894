"""Plain value types shared by the whole core: shapes, weights, diagnostics.

Shapes are channels-last tuples whose first element is the batch axis, always ``None``
(as Keras prints it); any other ``None`` is an unknown (dynamic) length.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields
from enum import Enum
from math import prod
from typing import Any

Dim = int | None
Shape = tuple[Dim, ...]


def fast_frozen_init(cls: type) -> None:
    """Give ``cls``, a frozen slots dataclass declared with ``init=False``, the
    ``__init__`` dataclasses would write (same parameters, defaults and order), storing
    each field through its slot's descriptor: the generated one calls
    ``object.__setattr__`` per field, twice the cost, and propagation builds a result and
    a few weights per layer. Assignment after construction still raises
    ``FrozenInstanceError`` (``__setattr__`` is untouched); eq, hash, repr,
    ``dataclasses.replace`` and pickling are the dataclass's own."""
    env: dict[str, Any] = {}
    params = _init_parameters(cls, env)
    body = []
    for i, f in enumerate(fields(cls)):
        env[f"_s{i}"] = cls.__dict__[f.name].__set__
        body.append(f"    _s{i}(self, {f.name})")
    src = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body)
    exec(src, env)  # noqa: S102 - source built above from the dataclass's own fields
    init = env["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init  # type: ignore[misc]


def _init_parameters(cls: type, env: dict[str, Any]) -> list[str]:
    """The parameter list of the ``__init__`` dataclasses would write for ``cls`` (each
    default bound in ``env`` as ``_d<i>``), for the generated functions above and below.

    Raises:
        TypeError: a field has a default factory or is not an ``__init__`` parameter.
    """
    params = []
    for i, f in enumerate(fields(cls)):
        if f.default_factory is not MISSING or not f.init:
            raise TypeError(f"{cls.__name__}.{f.name}: only plain fields are supported")
        if f.default is not MISSING:
            env[f"_d{i}"] = f.default
            params.append(f"{f.name}=_d{i}")
        else:
            params.append(f.name)
    return params


def frozen_builder(cls: type) -> Callable[..., Any]:
    """A function with ``cls.__init__``'s parameters that returns the same object as
    ``cls(...)``, about three times faster, for the loops that build one per layer.
    ``cls`` is a frozen slots dataclass: its ``__setattr__`` raises, so even
    :func:`fast_frozen_init` must store each field through a slot descriptor call. The
    builder fills a plain twin class with the same ``__slots__`` (ordinary attribute stores,
    which the interpreter specialises) and then makes the object a ``cls`` by ``__class__``
    assignment, which Python allows only between classes with the same slots layout (it
    checks, and raises ``TypeError`` otherwise). The result is an ordinary ``cls``
    instance: frozen, equal to ``cls(...)``, with the same eq, hash, repr and pickling."""
    slots = cls.__slots__  # type: ignore[attr-defined]
    twin = type(f"_{cls.__name__}Draft", (), {"__slots__": slots, "__module__": cls.__module__})
    env: dict[str, Any] = {"_twin": twin, "_cls": cls}
    params = _init_parameters(cls, env)
    body = ["    self = _twin()"] + [f"    self.{f.name} = {f.name}" for f in fields(cls)]
    body += ["    self.__class__ = _cls", "    return self"]
    src = f"def build_{cls.__name__}({', '.join(params)}):\n" + "\n".join(body)
    exec(src, env)  # noqa: S102 - source built above from the dataclass's own fields
    return env[f"build_{cls.__name__}"]  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True, init=False)
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


fast_frozen_init(WeightSpec)


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
    """Render a shape as Keras 3's summary does (``summary_utils.format_layer_shape``):
    ``(None, 28, 28, 8)``, and a rank-1 shape without Python's trailing comma, ``(None)``;
    ``?`` when unknown."""
    if shape is None:
        return "?"
    return "(" + ", ".join(_dim(d) for d in shape) + ")"


def format_outputs(shape: Shape | None, shapes: tuple[Shape, ...] | None) -> str:
    """One output as :func:`format_shape`; several (``shapes``, a layer with
    ``return_state``) as Keras's summary lists them: ``[(None, None, 9), (None, 9)]``."""
    if shapes:
        return "[" + ", ".join(format_shape(s) for s in shapes) + "]"
    return format_shape(shape)


def _dim(d: Dim) -> str:
    return "None" if d is None else str(d)
