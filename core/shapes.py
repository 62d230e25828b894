"""Shape arithmetic shared by the catalogue's rules (channels-last, batch axis first).

Every helper takes and returns plain ints, with ``None`` for an unknown length, and raises
:class:`core.errors.LayerError` with a message a student can act on when the result would be
empty or negative. Formulas follow Keras 3's ``keras/src/ops/operation_utils.py``
(``compute_conv_output_shape``, ``compute_pooling_output_shape``) and
``keras/src/utils/conv_utils.py`` (``deconv_output_length``).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from math import prod
from typing import Any

from paramlab.core.errors import LayerError
from paramlab.core.types import Dim, Shape


def conv_output_length(length: Dim, kernel: int, padding: str, stride: int, dilation: int = 1,
                       what: str = "kernel") -> Dim:
    """Output length of a convolution or pooling window along one spatial axis.

    ``valid``: ``floor((L - ((k-1)·d + 1)) / s) + 1``; ``same`` and ``causal``: ``ceil(L / s)``.

    Raises:
        LayerError: ``valid`` padding and the (dilated) window is longer than the input.
    """
    if length is None:
        return None
    span = (kernel - 1) * dilation + 1
    if padding == "valid":
        if span > length:
            size = str(span) if dilation == 1 else (
                f"{span} (size {kernel} dilated by {dilation})")
            raise LayerError(
                f"{what} size {size} is larger than the input length {length} "
                f"(padding='valid'); use a smaller {what} or padding='same'")
        return (length - span) // stride + 1
    return (length + stride - 1) // stride


def deconv_output_length(length: Dim, kernel: int, padding: str, stride: int,
                         output_padding: int | None = None, dilation: int = 1) -> Dim:
    """Output length of a transposed convolution along one axis (Keras ``deconv_output_length``).

    Raises:
        LayerError: the result is not positive.
    """
    if length is None:
        return None
    k = kernel + (kernel - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            out = length * stride + max(k - stride, 0)
        elif padding == "full":
            out = length * stride - (stride + k - 2)
        else:
            out = length * stride
    else:
        pad = {"same": k // 2, "valid": 0, "full": k - 1}[padding]
        out = (length - 1) * stride + k - 2 * pad + output_padding
    if out <= 0:
        raise LayerError(f"transposed convolution gives a non-positive length {out}")
    return out


def broadcast(shapes: Sequence[Shape], op: str = "merge") -> Shape:
    """Broadcast the shapes of a merge's inputs as Keras's ``Merge`` layers do.

    Shapes of different rank are aligned on the right; an axis of length 1 stretches;
    ``None`` matches anything.

    Raises:
        LayerError: two known lengths differ and neither is 1.
    """
    rank = max(len(s) for s in shapes)
    out: list[Dim] = []
    for axis in range(rank):
        dims = [s[len(s) - rank + axis] for s in shapes if len(s) - rank + axis >= 0]
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            listed = " and ".join(_fmt(s) for s in shapes)
            raise LayerError(f"{op} needs inputs of the same shape, got {listed}")
        if known:
            out.append(known.pop())
        elif any(d is None for d in dims):
            out.append(None)
        else:
            out.append(1)
    return tuple(out)


def flatten_size(dims: Sequence[Dim]) -> Dim:
    """Product of ``dims``; ``None`` if any is unknown."""
    if any(d is None for d in dims):
        return None
    return prod(dims)  # type: ignore[arg-type]


def reshape(input_shape: Shape, target: Sequence[int]) -> Shape:
    """Output shape of ``Reshape(target)``: ``(None, *target)`` with a ``-1`` entry inferred.

    Raises:
        LayerError: the element counts differ, or ``-1`` cannot divide evenly.
    """
    size = flatten_size(input_shape[1:])
    target = tuple(target)
    if -1 in target:
        known = prod(d for d in target if d != -1)
        if size is None:
            return (None,) + tuple(None if d == -1 else d for d in target)
        if known == 0 or size % known:
            raise LayerError(f"cannot reshape {size} values into {_fmt(target)}")
        return (None,) + tuple(size // known if d == -1 else d for d in target)
    if size is not None and size != prod(target):
        raise LayerError(
            f"target_shape {_fmt(target)} holds {prod(target)} values, "
            f"the input {_fmt(input_shape)} holds {size}")
    return (None,) + target


def require_rank(shape: Shape, rank: int | Sequence[int], layer: str) -> None:
    """Check the input's rank (batch axis included).

    Raises:
        LayerError: ``len(shape)`` is not ``rank`` (or not one of them).
    """
    ranks = (rank,) if isinstance(rank, int) else tuple(rank)
    if len(shape) not in ranks:
        want = " or ".join(str(r) for r in ranks)
        raise LayerError(f"{layer} expects an input of rank {want} (batch axis included), "
                         f"got {_fmt(shape)} of rank {len(shape)}")


def require_known(dim: Dim, what: str) -> int:
    """Return ``dim``; a weight shape needs it known.

    Raises:
        LayerError: ``dim`` is ``None``.
    """
    if dim is None:
        raise LayerError(f"{what} must be known to build the weights, got None")
    return dim


def _fmt(shape: Sequence[Dim]) -> str:
    from paramlab.core.types import format_shape
    return format_shape(tuple(shape))


def to_channels_last(shapes: tuple[Shape, ...]) -> tuple[Shape, ...]:
    """Channels-first shapes ``(None, C, d1, ..., dn)`` as channels-last ``(None, d1, ...,
    dn, C)``; shapes of rank below 3 (no spatial axis) are unchanged."""
    return tuple((s[0], *s[2:], s[1]) if len(s) >= 3 else s for s in shapes)


def to_channels_first(shape: Shape) -> Shape:
    """The inverse of :func:`to_channels_last` for one shape: ``(None, d1, ..., dn, C)`` ->
    ``(None, C, d1, ..., dn)``; rank below 3 unchanged (Flatten's, global pooling's output)."""
    return (shape[0], shape[-1], *shape[1:-1]) if len(shape) >= 3 else shape


def rules_see_channels_last(spec: Any, config: Mapping[str, Any]) -> bool:
    """Whether ``spec``'s shape, weight and cost rules must be handed channels-last copies
    of this layer's shapes: the layer is ``data_format="channels_first"`` and its rules do
    not read the format themselves (``LayerSpec.native_data_format``: ConvLSTM, whose
    channel axis follows the time axis). The one test propagation, the shape derivations
    and the exercise hints share; convert with :func:`to_channels_last` and back with
    :func:`to_channels_first`."""
    return config.get("data_format") == "channels_first" and not spec.native_data_format
