"""The teaching formula of a layer's MACs, with its numbers substituted.

``mac_formula(result)`` explains the figure the layer's MAC rule computed
(``LayerResult.macs``, cost_conventions.md) as "positions × kernel": a convolution or dense
layer multiplies every element of its kernel once per output position (once per input
position for a transposed convolution, once per timestep for a recurrent layer)::

    28·28·(5·5·3)·8 = 470,400 MACs        Conv2D(8, 5×5) on (32, 32, 3)
    400·120 = 48,000 MACs                 Dense(120) on (400,)
    12·(16·96 + 24·96) = 46,080 MACs      LSTM(24) on (12, 16): T·(kernel + recurrent)

The formula is derived from the layer's weights and shapes and checked against the rule's
figure: when the two do not agree (attention, einsum, a kernel the layout does not explain)
it is just the figure, ``3,648 MACs``. It never computes a figure of its own.
"""
from __future__ import annotations

from math import prod

from paramlab.core.types import WeightSpec

# Weights multiplied once per position (cost_conventions.md section 2); biases, scales,
# embeddings and LoRA factors are not.
_KERNELS = ("kernel", "recurrent_kernel", "depthwise_kernel", "pointwise_kernel")


def _kernel_text(shape: tuple[int, ...], alone: bool) -> str:
    dims = [str(d) for d in shape]
    if alone and len(dims) > 2:  # (kh·kw·C_in)·filters: the reduction, then the outputs
        return f"({'·'.join(dims[:-1])})·{dims[-1]}"
    return "·".join(dims)


def mac_formula(macs: int | None, weights: tuple[WeightSpec, ...],
                input_shapes: tuple[tuple, ...], output_shape: tuple | None) -> str:
    """The MAC formula of one layer call, e.g. ``28·28·(5·5·3)·8 = 470,400 MACs``.

    Args:
        macs: The rule's figure (``LayerResult.macs``); ``None`` when unknown.
        weights: The layer's weights (``LayerResult.weights``).
        input_shapes: Its input shapes (batch axis ``None``).
        output_shape: Its output shape.

    Returns:
        The formula text; ``"unknown (a length is not known)"`` when ``macs`` is ``None``;
        ``"0 MACs (no multiply-accumulate core)"`` for 0.
    """
    if macs is None:
        return "unknown (a length is not known)"
    if macs == 0:
        return "0 MACs (no matmul or convolution core)"
    kernels = [w for w in weights if w.name.rsplit("/", 1)[-1] in _KERNELS]
    total = sum(w.size for w in kernels)
    if not kernels or macs % total:
        return f"{macs:,} MACs"
    positions = macs // total
    factors: tuple | None = None
    candidates = []
    if output_shape is not None:
        candidates.append(tuple(output_shape[1:-1]))
    if input_shapes:
        candidates += [tuple(input_shapes[0][1:-1]), tuple(input_shapes[0][1:2])]
    for dims in candidates:
        if None not in dims and prod(dims) == positions:
            factors = tuple(d for d in dims if d != 1) if positions > 1 else ()
            break
    if factors is None:
        return f"{macs:,} MACs"
    if len(kernels) == 1:
        kernel = _kernel_text(kernels[0].shape, alone=True)
    else:
        kernel = "(" + " + ".join(_kernel_text(w.shape, alone=False) for w in kernels) + ")"
    if factors and len(kernels) == 1 and "·" in kernel and not kernel.startswith("("):
        kernel = f"({kernel})"
    text = "·".join([str(d) for d in factors] + [kernel])
    return f"{text} = {macs:,} MACs"
