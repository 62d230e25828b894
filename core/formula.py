"""The teaching formula of a layer's parameter count, derived from its weights.

It is built from the same :class:`core.types.WeightSpec` list the counts are summed over,
so the two cannot disagree: ``Conv2D`` with kernel ``(5, 5, 3, 8)`` and bias ``(8,)`` reads
``(5·5·3 + 1)·8 = 608``; an ``LSTM`` ``(32 + 24 + 1)·96 = 5,472``; a BatchNormalization
``4·64 = 256``.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from paramlab.core.types import WeightSpec

DOT = "·"


def _product(dims: Sequence[int]) -> str:
    return DOT.join(str(d) for d in dims) if dims else "1"


def weight_formula(weights: Sequence[WeightSpec]) -> str:
    """A human formula for ``sum(w.size for w in weights)`` (see :func:`_formula`); the
    same weights give the same text, so it is remembered (views ask for every layer's
    formula after each edit: a 1,000-layer summary would derive them all again)."""
    if isinstance(weights, tuple):
        return _cached_formula(weights)
    return _formula(weights)


@lru_cache(maxsize=8192)
def _cached_formula(weights: tuple[WeightSpec, ...]) -> str:
    return _formula(weights)


def _formula(weights: Sequence[WeightSpec]) -> str:
    """A human formula for ``sum(w.size for w in weights)``, ending in ``= total``.

    Kernels whose last axis equals a 1-D bias's length are folded with it as
    ``(k + r + 1)·n``; other weights of one shape are grouped as ``count·shape``. Weights
    of a wrapper (``forward/…``, ``backward/…`` of Bidirectional) are derived per wrapped
    layer, and identical halves are shown once: ``2·((12 + 8 + 1)·32) = 1,344``.
    """
    total = sum(w.size for w in weights)
    if not weights:
        return "0 (no weights)"
    parts: dict[str, list[WeightSpec]] = {}
    for w in weights:
        prefix = w.name.rpartition("/")[0]
        parts.setdefault(prefix, []).append(w)
    texts = [_terms(ws) for ws in parts.values()]
    if len(texts) > 1 and len(set(texts)) == 1:
        text = f"{len(texts)}{DOT}({texts[0]})"
    else:
        text = " + ".join(texts)
    if text == f"{total}":
        return f"{total:,}"
    return f"{text} = {total:,}"


def _terms(weights: Sequence[WeightSpec]) -> str:
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
    groups: list[tuple[tuple[int, ...], int]] = []
    for i, w in enumerate(weights):
        if i in used:
            continue
        if groups and groups[-1][0] == w.shape:
            groups[-1] = (w.shape, groups[-1][1] + 1)
        else:
            groups.append((w.shape, 1))
    for shape, count in groups:
        body = _product(shape)
        terms.append(f"{count}{DOT}{body}" if count > 1 else body)
    return " + ".join(terms)
