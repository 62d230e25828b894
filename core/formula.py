"""The teaching formula of a layer's parameter count, derived from its weights.

It is built from the same :class:`core.types.WeightSpec` list the counts are summed over,
so the two cannot disagree: ``Conv2D`` with kernel ``(5, 5, 3, 8)`` and bias ``(8,)`` reads
``(5·5·3 + 1)·8 = 608``; an ``LSTM`` ``(32 + 24 + 1)·96 = 5,472``; a BatchNormalization
``4·64 = 256``.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

from core.types import WeightSpec

DOT = "·"


def _product(dims: Sequence[int]) -> str:
    return DOT.join(str(d) for d in dims) if dims else "1"


def weight_formula(weights: Sequence[WeightSpec]) -> str:
    """A human formula for ``sum(w.size for w in weights)``, ending in ``= total``.

    Kernels whose last axis equals a 1-D bias's length are folded with it as
    ``(k + r + 1)·n``; other weights of one shape are grouped as ``count·shape``.
    """
    # Models repeat the same layer many times; the text depends only on the weights.
    key = tuple(weights)
    try:
        return _cached_formula(key)
    except TypeError:  # a weight shape that is not hashable (a list): no cache
        return _weight_formula(key)


@lru_cache(maxsize=4096)
def _cached_formula(weights: tuple[WeightSpec, ...]) -> str:
    return _weight_formula(weights)


def _weight_formula(weights: Sequence[WeightSpec]) -> str:
    total = sum(w.size for w in weights)
    if not weights:
        return "0 (no weights)"
    terms: list[str] = []
    used: set[int] = set()
    for j, bias in enumerate(weights):
        if len(bias.shape) != 1 or "bias" not in bias.name:
            continue
        n = bias.shape[0]
        kernels = [i for i, w in enumerate(weights)
                   if i not in used and i != j and "kernel" in w.name and len(w.shape) >= 2
                   and w.shape[-1] == n]
        if not kernels:
            continue
        inner = " + ".join(_product(weights[i].shape[:-1]) for i in kernels)
        terms.append(f"({inner} + 1){DOT}{n}")
        used.update(kernels)
        used.add(j)
    rest = [w for i, w in enumerate(weights) if i not in used]
    groups: list[tuple[tuple[int, ...], int]] = []
    for w in rest:
        if groups and groups[-1][0] == w.shape:
            groups[-1] = (w.shape, groups[-1][1] + 1)
        else:
            groups.append((w.shape, 1))
    for shape, count in groups:
        body = _product(shape)
        terms.append(f"{count}{DOT}{body}" if count > 1 else body)
    text = " + ".join(terms)
    if text == f"{total}":
        return f"{total:,}"
    return f"{text} = {total:,}"
