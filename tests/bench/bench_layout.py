"""Benchmark (a script, not collected by pytest): ``core.layout.auto_layout`` speed.

    python tests/bench/bench_layout.py

Prints milliseconds (median of 3 runs, the layout cache cleared each time; the graph's
topological order is cached, as it is after the first propagation) for a generated chain
of 1,000 layers, ResNet-like graphs of 1,000 and 2,000 layers (every shortcut gets dummy
vertices), a 10,000-layer chain whose middle 9,998 layers are one collapsed nested model,
and the ``vgg16_transfer`` example. Pure Python: no Qt. See also bench_large_model.py.
"""
from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from paramlab.core.graph import LayerGraph
from paramlab.core.io.loader import load_model
from paramlab.core.layout import _cache as layout_cache
from paramlab.core.layout import auto_layout


def chain(n: int, group_middle: bool = False) -> LayerGraph:
    g = LayerGraph(f"chain_{n}")
    prev = g.add_layer("InputLayer", config={"shape": [8]})
    for i in range(n - 1):
        group = "base" if group_middle and 0 < i < n - 2 else None
        cur = g.add_layer("Dense", config={"units": 8}, group=group)
        g.connect(prev, cur)
        prev = cur
    if group_middle:
        g.groups["base"] = {"type": "Functional", "collapsed": True}
    return g


def resnet_like(layers: int) -> LayerGraph:
    """Input, then blocks Dense -> Dense -> Dense -> Add(shortcut, x): 4 layers each."""
    g = LayerGraph("resnet_like")
    x = g.add_layer("InputLayer", config={"shape": [8]})
    while len(g) + 4 <= layers:
        a = g.add_layer("Dense", config={"units": 8})
        b = g.add_layer("Dense", config={"units": 8})
        c = g.add_layer("Dense", config={"units": 8})
        s = g.add_layer("Add")
        g.connect(x, a)
        g.connect(a, b)
        g.connect(b, c)
        g.connect(x, s, 0)
        g.connect(c, s, 1)
        x = s
    return g


def timed(fn: Callable[[], object], repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    cases = [("chain of 1,000 layers", chain(1000)),
             ("ResNet-like, 1,000 layers", resnet_like(1000)),
             ("ResNet-like, 2,000 layers", resnet_like(2000)),
             ("chain of 10,000, 9,998 in a collapsed group", chain(10_000, group_middle=True)),
             ("vgg16_transfer example", load_model("vgg16_transfer"))]
    for label, g in cases:
        g.topological_order()

        def run(g: LayerGraph = g) -> None:
            layout_cache.clear()  # the layout is cached per graph structure
            auto_layout(g)
        ms = timed(run, repeat=3)
        print(f"auto_layout, {label} ({len(g):,} layers): {ms:.1f} ms "
              f"({ms * 1000 / len(g):.2f} µs per layer)")


if __name__ == "__main__":
    main()
