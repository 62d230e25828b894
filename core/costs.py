"""Compute costs of one layer: MACs, FLOPs and activation elements (batch 1).

The rules are those of ``tests/data/cost_conventions.md`` (a copy of the shared reference):

* **MACs**: the multiply-accumulates of a layer's matmul or convolution core, one forward
  pass at batch 1. Bias adds are not MACs; every kernel tap counts, padding included. This is
  what torchvision publishes as "GFLOPS", fvcore as "flops", torchinfo as "mult-adds".
* **FLOPs** = 2 × MACs exactly (XLA, the TF profiler, ``torch.utils.flop_counter``).
* **activation elements**: the elements of the layer's output at batch 1.

Each :class:`core.spec.LayerSpec` declares its own MAC rule (``spec.macs``) beside its shape
and weight rules, built from :func:`size`; :func:`layer_costs` is what propagation calls.
A rule that needs a length the model leaves unknown (a ``None`` time axis) raises
:class:`UnknownSize`: the cost is then unknown (``None``), never a guess.
"""
from __future__ import annotations

from collections.abc import Iterable
from math import prod
from typing import Any

from paramlab.core.spec import no_macs
from paramlab.core.types import Dim, Shape

FLOPS_PER_MAC = 2  # cost_conventions.md section 1: FLOPs = 2 x MACs, nothing added


class UnknownSize(Exception):
    """A length a cost rule needs is unknown (``None`` in a shape)."""


def size(dims: Iterable[Dim]) -> int:
    """The product of ``dims`` (1 for none).

    Raises:
        UnknownSize: one of them is ``None``.
    """
    try:
        return prod(dims)  # type: ignore[arg-type]
    except TypeError:  # a None among them (math.prod is C: the fast path is the common one)
        raise UnknownSize from None


def activation_elements(shape: Shape | None) -> int | None:
    """Elements of one output tensor at batch 1: the product of ``shape[1:]``; ``None`` when
    the shape or one of its lengths is unknown."""
    try:
        return prod(shape[1:])  # type: ignore[index, arg-type]
    except TypeError:
        return None


def layer_costs(spec: Any, input_shapes: tuple[Shape, ...], output_shape: Shape,
                config: Any, extra_outputs: tuple[Shape, ...] = ()
                ) -> tuple[int | None, int | None]:
    """``(macs, activation_elements)`` of one call of a layer at batch 1; ``None`` for a
    figure that depends on an unknown length.

    Args:
        spec: The layer's :class:`core.spec.LayerSpec`.
        input_shapes: Its input shapes (batch axis ``None``), by input index.
        output_shape: Its output shape, as ``spec.output_shape`` computed it.
        config: Its resolved config.
        extra_outputs: The shapes of its other output tensors (an RNN's states with
            ``return_state=True``): cost_conventions.md section 5 sums the elements over
            every output.

    Raises:
        LayerError: the rule found the config impossible (shape rules normally catch it
            first).
    """
    rule = spec.macs
    macs: int | None = 0
    if rule is not no_macs:  # most layers: skip the call (propagation runs this per layer)
        try:
            macs = rule(input_shapes, output_shape, config)
        except UnknownSize:
            macs = None
    try:
        elements = prod(output_shape[1:])  # type: ignore[arg-type]
        for shape in extra_outputs:
            elements += prod(shape[1:])  # type: ignore[arg-type]
    except TypeError:
        return macs, None
    return macs, elements
