"""Benchmark of the Keras importer (a script, not collected by pytest):

    python tests/bench/bench_keras_import.py [--repeat N]

For the largest reference configs (keras.applications built with weights=None), times, in
the same run and on the same file text:

* ``json.loads`` alone (the floor: parsing is unavoidable);
* ParamLab: ``json.loads`` + ``parse_keras_config`` (graph + layout) + ``propagate``;
* when Keras is importable: ``keras.models.model_from_json`` + ``count_params()``.

Prints medians and the ratios. Targets (issue 4): import + propagation within 3x the
``json.loads`` time, and at least 50x faster than Keras.
"""
from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from paramlab.core.io.keras_import import parse_keras_config
from paramlab.core.propagate import propagate

DATA = ROOT / "tests" / "data" / "keras"
MODELS = ("DenseNet121", "InceptionV3", "ResNet50", "EfficientNetB0", "MobileNetV2", "VGG16")
JSON_TARGET = 3.0
KERAS_TARGET = 50.0


def median_time(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``fn`` in seconds (garbage collection off while timing)."""
    times = []
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return statistics.median(times)


def breakdown(repeat: int) -> None:
    """Median ms of each stage: from_keras_config alone, the whole graph building
    (which includes it), layout, propagation."""
    from paramlab.core.catalogue.keras_compat import from_keras_config
    from paramlab.core.io.keras_graph import build_graph
    from paramlab.core.layout import apply_layout

    print(f"\n{'model':<16}{'convert':>10}{'build':>10}{'layout':>10}{'propagate':>11}")
    for name in MODELS:
        obj = json.loads((DATA / f"{name}.json").read_text())["config"]
        layers = [(entry["class_name"], entry["config"]) for entry in obj["config"]["layers"]]
        graph = build_graph(obj, name)
        t_conv = median_time(lambda layers=layers: [from_keras_config(c, k) for c, k in layers],
                             repeat)
        t_build = median_time(lambda obj=obj, name=name: build_graph(obj, name), repeat)
        t_layout = median_time(lambda graph=graph: apply_layout(graph), repeat)
        t_prop = median_time(lambda graph=graph: propagate(graph), repeat)
        print(f"{name:<16}{t_conv * 1e3:>8.2f}ms{t_build * 1e3:>8.2f}ms"
              f"{t_layout * 1e3:>8.2f}ms{t_prop * 1e3:>9.2f}ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs per figure (median)")
    parser.add_argument("--breakdown", action="store_true",
                        help="also time each stage: graph building, layout, propagation")
    args = parser.parse_args()
    try:
        import keras
    except ImportError:
        keras = None
    print(f"Python {platform.python_version()} on {platform.machine()}, "
          f"Keras: {keras.__version__ if keras else 'not installed (Keras column skipped)'}")
    header = (f"{'model':<16}{'layers':>7}{'KiB':>7}{'json.loads':>12}{'import+prop':>13}"
              f"{'ratio':>7}{'keras':>10}{'vs keras':>10}")
    print(header)
    print("-" * len(header))
    worst = 0.0
    for name in MODELS:
        text = json.dumps(json.loads((DATA / f"{name}.json").read_text())["config"])

        def paramlab(text: str = text, name: str = name) -> int:
            graph = parse_keras_config(json.loads(text), name)
            return propagate(graph).total

        total = paramlab()  # warm-up, and the figure Keras must match
        t_json = median_time(lambda text=text: json.loads(text), args.repeat)
        t_ours = median_time(paramlab, args.repeat)
        ratio = t_ours / t_json
        worst = max(worst, ratio)
        keras_cols = f"{'-':>10}{'-':>10}"
        if keras is not None:
            def rebuild(text: str = text) -> int:
                return keras.models.model_from_json(text).count_params()

            counted = rebuild()
            if counted != total:
                print(f"{name}: Keras counts {counted:,}, ParamLab {total:,}")
            t_keras = median_time(rebuild, max(3, args.repeat // 5))
            keras_cols = f"{t_keras * 1e3:>8.0f}ms{t_keras / t_ours:>9.0f}x"
        layers = len(json.loads(text)["config"]["layers"])
        print(f"{name:<16}{layers:>7}{len(text) / 1024:>7.0f}{t_json * 1e3:>10.2f}ms"
              f"{t_ours * 1e3:>11.2f}ms{ratio:>6.1f}x{keras_cols}")
    if args.breakdown:
        breakdown(args.repeat)
    print(f"\nworst import+propagation / json.loads: {worst:.1f}x (target <= {JSON_TARGET:g}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
