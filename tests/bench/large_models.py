"""Generated large models for the benchmarks (not collected by pytest).

NASNetLarge (1,041 layers) and EfficientNetV2L (1,031) are not among the reference files
(tests/data/keras, ../shared/reference), and Keras is not installed to generate them, so
the benchmarks use graphs of the same size and shape:

* :func:`nasnet_like`: NASNet's cell wiring. Every cell reads the outputs of the two
  cells before it (an "adjust" branch on each), five two-branch combinations (separable
  convolution stacks: ReLU, conv, BN, twice; or a pooling), an ``Add`` per combination and
  a ``Concatenate`` of all; layer names as Keras's NASNet (``normal_left1_5``,
  ``reduction_add_1_reduce_4``, ``adjust_bn_stem_1``), so Group Blocks finds its cells.
* :func:`branched`: ResNet-style blocks (3-layer body and a shortcut, sometimes a
  projection branch) until ``n`` layers.
"""
from __future__ import annotations

import random

from paramlab.core.graph import LayerGraph


def _dense(g: LayerGraph, name: str, src: str | list[str], kind: str = "Dense") -> str:
    config = {"units": 8} if kind == "Dense" else {}
    n = g.add_layer(kind, name=name, config=config)
    for i, s in enumerate([src] if isinstance(src, str) else src):
        g.connect(s, n, i)
    return n


def nasnet_like(target: int = 1041) -> LayerGraph:
    """About ``target`` layers of NASNet-style cells (see the module docstring)."""
    g = LayerGraph("nasnet_like")
    x = g.add_layer("InputLayer", name="input_layer", config={"shape": [8]})
    stem = _dense(g, "stem_conv1", x)
    prev, cur = stem, _dense(g, "stem_bn1", stem)
    cell = 0
    while len(g) < target - 60:
        cell += 1
        tag = (f"stem_{cell}" if cell <= 2 else f"reduce_{cell}" if cell % 7 == 0
               else str(cell))
        kind = "reduction" if not tag.isdigit() else "normal"
        p = _dense(g, f"adjust_relu_1_{tag}", prev)
        p = _dense(g, f"adjust_conv_1_{tag}", p)
        p = _dense(g, f"adjust_bn_{tag}", p)
        h = _dense(g, f"{kind}_relu1_{tag}", cur)
        h = _dense(g, f"{kind}_conv1_{tag}", h)
        h = _dense(g, f"{kind}_bn1_{tag}", h)
        outs = []
        for b in range(1, 6):
            branches = []
            for side, src in (("left", h), ("right", p if b % 2 else h)):
                y = src
                if (b + len(side)) % 3:
                    for step in (1, 2):
                        y = _dense(g, f"separable_relu_{step}_{kind}_{side}{b}_{tag}", y)
                        y = _dense(g, f"separable_conv_{step}_{kind}_{side}{b}_{tag}", y)
                        y = _dense(g, f"separable_bn_{step}_{kind}_{side}{b}_{tag}", y)
                else:
                    y = _dense(g, f"{kind}_{side}{b}_{tag}", y)
                branches.append(y)
            outs.append(_dense(g, f"{kind}_add_{b}_{tag}", branches, "Add"))
        prev, cur = cur, _dense(g, f"{kind}_concat_{tag}", [p, *outs], "Concatenate")
    y = _dense(g, "activation", cur)
    while len(g) < target - 1:
        y = _dense(g, f"head_{len(g)}", y)
    _dense(g, "predictions", y)
    return g


def branched(n: int = 1000, seed: int = 1) -> LayerGraph:
    """ResNet-style blocks (body of 3, shortcut, sometimes a projection) up to ``n`` layers."""
    rng = random.Random(seed)
    g = LayerGraph(f"branched_{n}")
    x = g.add_layer("InputLayer", config={"shape": [8]})
    k = 0
    while len(g) + 6 <= n:
        k += 1
        a = _dense(g, f"block{k}_a", x)
        b = _dense(g, f"block{k}_b", a)
        c = _dense(g, f"block{k}_c", b)
        s = _dense(g, f"block{k}_proj", x) if rng.random() < 0.3 else x
        x = _dense(g, f"block{k}_add", [s, c], "Add")
    while len(g) < n:
        x = _dense(g, f"tail_{len(g)}", x)
    return g


def chain(n: int) -> LayerGraph:
    g = LayerGraph(f"chain_{n}")
    x = g.add_layer("InputLayer", config={"shape": [8]})
    for i in range(n - 1):
        x = _dense(g, f"dense_{i}", x)
    return g
