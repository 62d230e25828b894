"""Benchmark of core.propagate (a script, not collected by pytest):

    python tests/bench/bench_propagate.py

Full propagation of generated 1,000- and 10,000-layer graphs (a chain, and a ResNet-like
graph with skip connections and Add merges), and one incremental config edit near the end of
the 1,000-layer graphs (plus, for information, a structural edit: disconnect / connect).
Prints µs per layer and ms per edit (medians of several runs).
Targets (issue 2, on a 2-core machine): full <= 20 µs per layer; one edit <= 2 ms.
"""
from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import time
from collections.abc import Callable

from core.graph import LayerGraph
from core.propagate import propagate

FULL_TARGET_US = 20.0
EDIT_TARGET_MS = 2.0


def chain(n: int) -> LayerGraph:
    """Input, then repeating Dense(64) / BatchNormalization / Activation / Dropout: n layers."""
    g = LayerGraph(f"chain_{n}")
    prev = g.add_layer("InputLayer", config={"shape": (64,)})
    cycle = (("Dense", {"units": 64}), ("BatchNormalization", {}),
             ("Activation", {"activation": "relu"}), ("Dropout", {"rate": 0.1}))
    for i in range(n - 1):
        type_, config = cycle[i % len(cycle)]
        node = g.add_layer(type_, config=config)
        g.connect(prev, node)
        prev = node
    return g


def resnet_like(n: int) -> LayerGraph:
    """Input (32, 32, 16), then residual blocks Conv2D-BN-ReLU-Conv2D-BN-Add(skip)-ReLU
    (7 layers, one skip connection each) until n layers."""
    g = LayerGraph(f"resnet_{n}")
    x = g.add_layer("InputLayer", config={"shape": (32, 32, 16)})
    count = 1
    conv = {"filters": 16, "kernel_size": (3, 3), "padding": "same"}

    def add(type_: str, config: dict, *inputs: str) -> str:
        nonlocal count
        node = g.add_layer(type_, config=config)
        for src in inputs:
            g.connect(src, node)
        count += 1
        return node

    while count + 7 <= n:
        skip = x
        y = add("Conv2D", conv, x)
        y = add("BatchNormalization", {}, y)
        y = add("ReLU", {}, y)
        y = add("Conv2D", conv, y)
        y = add("BatchNormalization", {}, y)
        y = add("Add", {}, y, skip)
        x = add("ReLU", {}, y)
    while count < n:
        x = add("ReLU", {}, x)
    return g


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_full(g: LayerGraph, repeat: int) -> tuple[float, float]:
    """(cold, warm) µs per layer of ``propagate(g)``: cold includes networkx's topological
    sort (the first propagation after loading a model), warm reuses the cached order."""
    n = len(g)
    result = propagate(g)
    assert not result.has_errors, result.diagnostics[:3]

    def cold_run() -> None:
        g._order = None  # drop the cached topological order
        propagate(g)

    cold = median_seconds(cold_run, repeat)
    warm = median_seconds(lambda: propagate(g), repeat)
    return cold / n * 1e6, warm / n * 1e6


def bench_edit(g: LayerGraph, repeat: int) -> tuple[float, int]:
    """Median ms of one config edit near the end plus the incremental propagation."""
    order = g.topological_order()
    target = next(n for n in reversed(order[:-5]) if g.raw(n)["type"] in ("Dense", "Conv2D"))
    key = "units" if g.raw(target)["type"] == "Dense" else "filters"
    result = propagate(g)
    values = [32, 64] * (repeat // 2 + 1)
    times = []
    recomputed = 0
    for v in values[:repeat]:
        gc.collect()
        t0 = time.perf_counter()
        g.set_config(target, key, v)
        result = propagate(g, result)
        times.append(time.perf_counter() - t0)
        recomputed = len(result.recomputed)
    full = propagate(g)
    assert dict(result.layers) == dict(full.layers)
    return statistics.median(times) * 1e3, recomputed


def bench_rewire(g: LayerGraph, repeat: int) -> float:
    """Median ms of a structural edit near the end (disconnect, then reconnect, one edge)
    plus the incremental propagation; the topological order is sorted again each time."""
    order = g.topological_order()
    dst = order[-3]
    src, index = g.inputs(dst)[0]
    result = propagate(g)
    times = []
    for i in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        if i % 2 == 0:
            g.disconnect(src, dst, index)
        else:
            g.connect(src, dst, index)
        result = propagate(g, result)
        times.append(time.perf_counter() - t0)
    assert dict(result.layers) == dict(propagate(g).layers)
    return statistics.median(times) * 1e3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per figure (median)")
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()} on {platform.machine()}, "
          f"{platform.system()}; median of {args.repeat} runs")
    print(f"{'graph':<16}{'layers':>8}{'cold µs/layer':>16}{'warm µs/layer':>16}")
    worst_full = 0.0
    for build in (chain, resnet_like):
        for n in (1_000, 10_000):
            g = build(n)
            cold, warm = bench_full(g, args.repeat)
            worst_full = max(worst_full, cold, warm)
            print(f"{g.name:<16}{len(g):>8}{cold:>16.2f}{warm:>16.2f}")
    print(f"{'edit near the end':<24}{'layers':>8}{'recomputed':>12}{'ms per edit':>14}")
    worst_edit = 0.0
    for build in (chain, resnet_like):
        g = build(1_000)
        ms, recomputed = bench_edit(g, max(args.repeat, 21))
        worst_edit = max(worst_edit, ms)
        print(f"{g.name:<24}{len(g):>8}{recomputed:>12}{ms:>14.3f}")
    print("structural edit near the end (disconnect or connect; the topological order is "
          "sorted again):")
    for build in (chain, resnet_like):
        g = build(1_000)
        print(f"{g.name:<24}{len(g):>8}{'':>12}{bench_rewire(g, max(args.repeat, 21)):>14.3f}")
    ok_full = worst_full <= FULL_TARGET_US
    ok_edit = worst_edit <= EDIT_TARGET_MS
    print(f"full propagation: worst {worst_full:.2f} µs/layer (target <= {FULL_TARGET_US}) "
          f"{'OK' if ok_full else 'MISSED'}")
    print(f"incremental edit: worst {worst_edit:.3f} ms (target <= {EDIT_TARGET_MS}) "
          f"{'OK' if ok_edit else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
