"""Benchmark of core.propagate (a script, not collected by pytest):

    python tests/bench/bench_propagate.py

Full propagation of generated 1,000- and 10,000-layer graphs (a chain, and a ResNet-like
graph with skip connections and Add merges), and one incremental config edit near the end of
the 1,000-layer graphs (plus, for information, a structural edit: disconnect / connect).
Then a 100,000-layer Dense chain: memory per layer (resident size growth while building the
graph and propagating it) and one config edit near its end, which must cost time in
proportion to the affected layers, not to the model.
Prints µs per layer and ms per edit (medians of several runs).
Targets (on a 2-core machine): full <= 20 µs per layer; one edit <= 2 ms (issue 2);
one edit near the end of 100,000 layers <= 5 ms (issue 12).
"""
from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable

from paramlab.core.graph import LayerGraph
from paramlab.core.propagate import propagate

FULL_TARGET_US = 20.0
EDIT_TARGET_MS = 2.0
BIG_EDIT_TARGET_MS = 5.0
BIG = 100_000


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


Timing = tuple[float, float]  # (median, best) in seconds


def timed(fn: Callable[[], object], repeat: int) -> Timing:
    """Median and best wall time of ``repeat`` calls (a full GC before each)."""
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def bench_full(g: LayerGraph, repeat: int) -> tuple[Timing, Timing]:
    """(cold, warm) timings of ``propagate(g)``: cold includes networkx's topological sort
    (the first propagation after loading a model), warm reuses the cached order."""
    result = propagate(g)
    assert not result.has_errors, result.diagnostics[:3]

    def cold_run() -> None:
        g._order = None  # drop the cached topological order
        g._order_pos = None
        propagate(g)

    return timed(cold_run, repeat), timed(lambda: propagate(g), repeat)


def bench_edit(g: LayerGraph, repeat: int, check: bool = True) -> tuple[Timing, int]:
    """One config edit near the end plus the incremental propagation; also how many
    layers were recomputed (``check``: compare with a full propagation afterwards)."""
    order = g.topological_order()
    target = next(n for n in reversed(order[:-5]) if g.raw(n)["type"] in ("Dense", "Conv2D"))
    key = "units" if g.raw(target)["type"] == "Dense" else "filters"
    state = {"result": propagate(g), "value": 32}

    def edit() -> None:
        state["value"] = 96 - state["value"]  # 32 <-> 64: every edit changes the count
        g.set_config(target, key, state["value"])
        state["result"] = propagate(g, state["result"])

    timing = timed(edit, repeat)
    if check:
        assert dict(state["result"].layers) == dict(propagate(g).layers)
    return timing, len(state["result"].recomputed)


def bench_rewire(g: LayerGraph, repeat: int) -> tuple[Timing, Timing]:
    """A structural edit near the end plus the incremental propagation: (disconnect, which
    sorts the order again; connect of the same edge, which keeps it)."""
    dst = g.topological_order()[-3]
    src, index = g.inputs(dst)[0]
    state = {"result": propagate(g)}
    discs, conns = [], []
    for _ in range(repeat):
        for action, times in ((g.disconnect, discs), (g.connect, conns)):
            gc.collect()
            t0 = time.perf_counter()
            action(src, dst, index)
            state["result"] = propagate(g, state["result"])
            times.append(time.perf_counter() - t0)
    assert dict(state["result"].layers) == dict(propagate(g).layers)
    return ((statistics.median(discs), min(discs)), (statistics.median(conns), min(conns)))


def _rss_mib() -> float:
    """Resident set size in MiB (Linux /proc; NaN elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        return float("nan")


def bench_big(repeat: int) -> tuple[float, float, float, Timing, int]:
    """A BIG-layer chain: (graph MiB, result MiB, full propagation s, edit timing, layers
    recomputed by the edit)."""
    gc.collect()
    m0 = _rss_mib()
    g = chain(BIG)
    m1 = _rss_mib()
    t0 = time.perf_counter()
    r = propagate(g)
    full = time.perf_counter() - t0
    m2 = _rss_mib()
    del r
    timing, recomputed = bench_edit(g, repeat, check=False)
    return m1 - m0, m2 - m1, full, timing, recomputed


def _us(t: Timing, n: int) -> str:
    return f"{t[0] / n * 1e6:>9.2f} {t[1] / n * 1e6:>7.2f}"


def _ms(t: Timing) -> str:
    return f"{t[0] * 1e3:>9.3f} {t[1] * 1e3:>7.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per figure")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Python {platform.python_version()}, {platform.system()} {platform.machine()}, "
          f"{os.cpu_count()} CPUs, load average {load:.2f}; median and best of runs")
    print(f"{'full propagation':<18}{'layers':>7}  {'cold µs/layer':>17}  {'warm µs/layer':>17}")
    print(f"{'':<25}  {'median':>9} {'best':>7}  {'median':>9} {'best':>7}")
    worst_full = 0.0
    for build in (chain, resnet_like):
        for n in (1_000, 10_000):
            g = build(n)
            cold, warm = bench_full(g, args.repeat)
            worst_full = max(worst_full, cold[0] / n * 1e6, warm[0] / n * 1e6)
            print(f"{g.name:<18}{n:>7}  {_us(cold, n)}  {_us(warm, n)}")
    edits = max(args.repeat, 21)
    print(f"{'one edit near the end':<22}{'recomputed':>11}  {'ms per edit':>17}")
    worst_edit = 0.0
    for build in (chain, resnet_like):
        g = build(1_000)
        timing, recomputed = bench_edit(g, edits)
        worst_edit = max(worst_edit, timing[0] * 1e3)
        print(f"  config, {g.name:<13}{recomputed:>11}  {_ms(timing)}")
    for build in (chain, resnet_like):
        g = build(1_000)
        disconnect, connect = bench_rewire(g, edits)
        print(f"  disconnect, {g.name:<9}{'':>11}  {_ms(disconnect)}")
        print(f"  connect, {g.name:<12}{'':>11}  {_ms(connect)}")
    graph_mib, result_mib, full_s, big_edit, big_recomputed = bench_big(edits)
    per_layer = (graph_mib + result_mib) * 2**20 / BIG
    print(f"chain of {BIG:,} Dense/BN/Activation/Dropout layers: graph {graph_mib:.0f} MiB + "
          f"result {result_mib:.0f} MiB = {per_layer:,.0f} bytes per layer; "
          f"full propagation {full_s:.2f} s")
    print(f"  config edit near the end: {big_recomputed} recomputed, {_ms(big_edit)} ms "
          f"(target <= {BIG_EDIT_TARGET_MS}) "
          f"{'OK' if big_edit[0] * 1e3 <= BIG_EDIT_TARGET_MS else 'MISSED'}")
    print(f"full propagation: worst median {worst_full:.2f} µs/layer "
          f"(target <= {FULL_TARGET_US}) {'OK' if worst_full <= FULL_TARGET_US else 'MISSED'}")
    print(f"config edit: worst median {worst_edit:.3f} ms (target <= {EDIT_TARGET_MS}) "
          f"{'OK' if worst_edit <= EDIT_TARGET_MS else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
