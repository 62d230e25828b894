"""Benchmark of the Keras importer (a script, not collected by pytest):

    python tests/bench/bench_keras_import.py [--repeat N] [--breakdown] [--no-keras]
        [--keras-python PATH] [--keras BACKEND:PATH ...]

To compare with an older tree, put its package first on the path (this script and its data
stay): ``mkdir -p /tmp/base/paramlab && git archive REV | tar -x -C /tmp/base/paramlab`` then
``PYTHONPATH=/tmp/base python tests/bench/bench_keras_import.py``.

For the keras.applications reference configs (built with weights=None), in one run, on the
same file (written once to a temporary folder):

* ``json.loads`` of the file's text (stdlib; the floor: parsing is unavoidable);
* ParamLab end to end, what a user runs: ``paramlab summary FILE --format json``, called
  in-process (``core.cli.run``): read, parse (orjson when installed), build the graph,
  propagate, summarize, format the JSON and write it (to a string buffer);
* ParamLab's import alone: read + parse + build + propagate;
* when Keras is importable: ``keras.models.model_from_json`` + ``count_params()``, timed in a
  child process that stays up for the whole run (``--keras-python``: the interpreter to use
  with the JAX backend, by default this one), so that Keras's memory and JAX's threads do
  not slow ParamLab's rounds down; the child times each call itself, the same way. Each
  ``--keras BACKEND:PATH`` adds a column: Keras on that backend (``jax``, ``tensorflow``,
  ``torch``, ``numpy``) in its own child, from the interpreter PATH, timed in the same
  rounds (e.g. ``--keras jax:/venv-jax/bin/python --keras tensorflow:/venv-tf/bin/python``:
  both yardsticks in one run).

The rounds alternate the measurements (json.loads, end to end, import, Keras) so that a
change in the machine's load hits them alike, each in-process one timed right after an
untimed call of itself (warm); each figure is the median over the rounds.
Targets (issue 11): end to end within 3x ``json.loads`` on every config that takes at least
1 ms to parse, and at least 50x faster than Keras.
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
    (which includes it), layout, propagation, the summary (``summarize``) and its JSON
    text (``format_summary(..., "json")``)."""
    from paramlab.core.catalogue.keras_compat import from_keras_config
    from paramlab.core.io.keras_graph import build_graph
    from paramlab.core.io.writers import format_summary
    from paramlab.core.layout import apply_layout
    from paramlab.core.summary import summarize

    print(f"\n{'model':<16}{'convert':>10}{'build':>10}{'layout':>10}{'propagate':>11}"
          f"{'summarize':>11}{'json text':>11}")
    for name in MODELS:
        obj = json.loads((DATA / f"{name}.json").read_text())["config"]
        layers = [(entry["class_name"], entry["config"]) for entry in obj["config"]["layers"]]
        graph = build_graph(obj, name)
        t_conv = median_time(lambda layers=layers: [from_keras_config(c, k) for c, k in layers],
                             repeat)
        t_build = median_time(lambda obj=obj, name=name: build_graph(obj, name), repeat)
        t_layout = median_time(lambda graph=graph: apply_layout(graph), repeat)
        t_prop = median_time(lambda graph=graph: propagate(graph), repeat)
        result = propagate(graph)
        t_sum = median_time(lambda graph=graph, result=result: summarize(graph, result), repeat)
        summary = summarize(graph, result)
        t_json = median_time(lambda summary=summary: format_summary(summary, "json"), repeat)
        print(f"{name:<16}{t_conv * 1e3:>8.2f}ms{t_build * 1e3:>8.2f}ms"
              f"{t_layout * 1e3:>8.2f}ms{t_prop * 1e3:>9.2f}ms{t_sum * 1e3:>9.2f}ms"
              f"{t_json * 1e3:>9.2f}ms")


def end_to_end(path: Path) -> Callable[[], int]:
    """``paramlab summary PATH --format json`` in-process; returns the exit status."""
    import io

    from paramlab.core import cli

    args = cli.build_parser().parse_args(["summary", str(path), "--format", "json"])

    def run() -> int:
        out = io.StringIO()
        status = cli.run(args, out, io.StringIO())
        if status != 0:
            raise SystemExit(f"{path}: paramlab summary exited with {status}")
        return len(out.getvalue())
    return run


KERAS_CHILD = r"""
import gc, json, os, sys, time
os.environ["KERAS_BACKEND"] = sys.argv[1]  # Keras 3 defaults to TensorFlow
try:
    import keras
except ImportError:
    print("missing", flush=True)
    sys.exit(0)
print(f"{keras.__version__} ({keras.backend.backend()})", flush=True)
texts = {}
for line in sys.stdin:
    path = line.strip()
    if path not in texts:
        with open(path, encoding="utf-8") as f:
            texts[path] = f.read()
    gc.collect()
    gc.disable()
    start = time.perf_counter()
    count = keras.models.model_from_json(texts[path]).count_params()
    elapsed = time.perf_counter() - start
    gc.enable()
    print(count, elapsed, flush=True)
"""


class KerasChild:
    """Keras in a child process that stays up for the whole run: ``time(path)`` has it run
    ``model_from_json`` + ``count_params()`` on the file once and returns (count, seconds)
    as the child measured them."""

    def __init__(self, python: str, backend: str = "jax") -> None:
        import subprocess

        self.backend = backend
        self.proc = subprocess.Popen([python, "-c", KERAS_CHILD, backend], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True)
        self.version = self.proc.stdout.readline().strip()  # type: ignore[union-attr]
        if self.version in ("missing", ""):
            self.close()
            raise ImportError(f"{python} cannot import keras")

    def time(self, path: Path) -> tuple[int, float]:
        self.proc.stdin.write(f"{path}\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        count, seconds = self.proc.stdout.readline().split()  # type: ignore[union-attr]
        return int(count), float(seconds)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


def alternating(fns: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median seconds of each function, the functions taking turns round after round.

    Each in-process function runs once untimed right before its timed call: the figures are
    warm, whatever ran before (the Keras child's call touches hundreds of MB; timed cold,
    the ``json.loads`` after it was 10-20 % slower than in a run without Keras, which made
    the ratio look better than it is)."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for key, fn in fns.items():
            if is_self_timed(key):
                times[key].append(fn())  # type: ignore[arg-type]
            else:
                fn()
                times[key].append(median_time(fn, 1))
    return {k: statistics.median(v) for k, v in times.items()}


def keras_children(specs: list[str], default_python: str) -> list[KerasChild]:
    """One :class:`KerasChild` per ``BACKEND:PATH`` of ``specs`` (none given: JAX from
    ``default_python``); a child whose Python cannot import Keras on that backend is left
    out with a line on stderr."""
    children = []
    for spec in specs or [f"jax:{default_python}"]:
        backend, _, python = spec.partition(":")
        try:
            children.append(KerasChild(python or default_python, backend))
        except (ImportError, OSError) as exc:
            print(f"Keras ({spec}) left out: {exc}", file=sys.stderr)
    return children


def is_self_timed(key: str) -> bool:
    """The Keras columns' functions return their own measured seconds."""
    return key.startswith("keras")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="rounds per figure (median)")
    parser.add_argument("--breakdown", action="store_true",
                        help="also time each stage: graph building, layout, propagation, "
                             "summary, JSON text")
    parser.add_argument("--no-keras", action="store_true", help="leave out the Keras column")
    parser.add_argument("--keras-python", default=sys.executable, metavar="PATH",
                        help="Python interpreter with Keras and JAX installed, for the Keras "
                             "column (default: this one)")
    parser.add_argument("--keras", action="append", default=[], metavar="BACKEND:PATH",
                        help="a Keras column on BACKEND (jax, tensorflow, ...) from the "
                             "Python at PATH; repeat for several (replaces --keras-python)")
    args = parser.parse_args()
    import os
    import tempfile

    from paramlab.core.io.keras_import import load_keras
    try:
        import orjson
    except ImportError:
        orjson = None
    kerases = [] if args.no_keras else keras_children(args.keras, args.keras_python)
    versions = ", ".join(f"{k.version}" for k in kerases)
    print(f"Python {platform.python_version()} on {platform.machine()}, load average "
          f"{os.getloadavg()[0]:.2f}, orjson {orjson.__version__ if orjson else 'missing'}, "
          f"Keras {versions + ' in child processes' if kerases else 'not installed (column skipped)'}")
    keras_head = "".join(f"{k.backend[:10]:>11}{'vs':>7}" for k in kerases) or \
        f"{'keras':>11}{'vs':>7}"
    header = (f"{'model':<16}{'layers':>7}{'KiB':>6}{'json.loads':>12}{'summary json':>14}"
              f"{'ratio':>7}{'import':>10}{keras_head}")
    print(header)
    print("-" * len(header))
    worst = 0.0
    slowest: dict[str, float] = {}
    folder = Path(tempfile.mkdtemp(prefix="paramlab-bench-"))
    for name in MODELS:
        text = json.dumps(json.loads((DATA / f"{name}.json").read_text())["config"])
        path = folder / f"{name}.json"
        path.write_text(text)
        e2e = end_to_end(path)
        e2e()  # warm-up
        total = propagate(load_keras(path)).total
        fns: dict[str, Callable[[], object]] = {
            "json": lambda path=path: json.loads(path.read_text()),
            "e2e": e2e,
            "import": lambda path=path: propagate(load_keras(path)).total,
        }
        for k in kerases:
            counted, _ = k.time(path)  # warm-up, and the count to compare
            if counted != total:
                print(f"{name}: Keras ({k.backend}) counts {counted:,}, ParamLab {total:,}")
            fns[f"keras {k.backend}"] = lambda path=path, k=k: k.time(path)[1]
        t = alternating(fns, args.repeat)
        ratio = t["e2e"] / t["json"]
        if t["json"] >= 1e-3:
            worst = max(worst, ratio)
        keras_cols = "".join(f"{'-':>11}{'-':>7}" for _ in kerases or [None])
        if kerases:
            keras_cols = ""
            for k in kerases:
                seconds = t[f"keras {k.backend}"]
                faster = seconds / t["e2e"]
                slowest[k.backend] = min(slowest.get(k.backend, faster), faster)
                keras_cols += f"{seconds * 1e3:>9.0f}ms{faster:>6.0f}x"
        layers = len(json.loads(text)["config"]["layers"])
        print(f"{name:<16}{layers:>7}{len(text) / 1024:>6.0f}{t['json'] * 1e3:>10.2f}ms"
              f"{t['e2e'] * 1e3:>12.2f}ms{ratio:>6.1f}x{t['import'] * 1e3:>8.2f}ms{keras_cols}")
    for k in kerases:
        k.close()
    if args.breakdown:
        breakdown(args.repeat)
    print(f"\nworst summary json / json.loads (configs parsing in >= 1 ms): {worst:.1f}x "
          f"(target <= {JSON_TARGET:g}x)")
    for backend, least in slowest.items():
        print(f"least gain over Keras ({backend}): {least:.0f}x (target >= {KERAS_TARGET:g}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
