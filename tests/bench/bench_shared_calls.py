"""Benchmark: a Keras 3 functional model whose one Dense layer is called N times in a chain
(a script, not collected by pytest):

    python tests/bench/bench_shared_calls.py [--calls 100000] [--keep FILE]
    QT_QPA_PLATFORM=offscreen python tests/bench/bench_shared_calls.py --gui

Generates the file (``Input(8) -> d -> d -> ... -> d``, one layer ``d`` = Dense(8) with N
inbound nodes; about 14 MB at N = 100,000, the file of issue 12), then measures
``paramlab summary FILE`` as a separate process (wall time, peak resident memory) and, with
``--gui``, the time until the editor's window shows it. Targets (issue 12): CLI under 3 s, usable window under 5 s.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI_TARGET_S, GUI_TARGET_S = 3.0, 5.0


def shared_chain_config(calls: int, units: int = 8) -> dict:
    """A Keras 3 ``model.to_json()`` config: Input(units) then ``calls`` calls of one Dense."""
    def tensor(layer: str, node: int) -> dict:
        return {"class_name": "__keras_tensor__", "config": {
            "shape": [None, units], "dtype": "float32", "keras_history": [layer, node, 0]}}

    nodes = [{"args": [tensor("in", 0) if k == 0 else tensor("d", k - 1)], "kwargs": {}}
             for k in range(calls)]
    layers = [
        {"module": "keras.layers", "class_name": "InputLayer", "name": "in",
         "config": {"batch_shape": [None, units], "dtype": "float32", "name": "in"},
         "inbound_nodes": []},
        {"module": "keras.layers", "class_name": "Dense", "name": "d",
         "config": {"name": "d", "units": units, "activation": "relu", "use_bias": True},
         "build_config": {"input_shape": [None, units]}, "inbound_nodes": nodes},
    ]
    return {"module": "keras", "class_name": "Functional", "config": {
        "name": "shared_chain", "layers": layers, "input_layers": [["in", 0, 0]],
        "output_layers": [["d", calls - 1, 0]]}}


def write_file(path: Path, calls: int) -> int:
    text = json.dumps(shared_chain_config(calls))
    path.write_text(text, encoding="utf-8")
    return len(text)


def bench_cli(path: Path) -> tuple[float, float, int, str]:
    """(wall s, peak RSS MiB, exit status, last stderr line) of ``paramlab summary``."""
    code = ("import resource, sys; from paramlab.core.cli import main; "
            "import io, contextlib; out = io.StringIO(); "
            "r = main(['summary', sys.argv[1]]) if False else None\n"
            "with contextlib.redirect_stdout(out): r = main(['summary', sys.argv[1]])\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, len(out.getvalue()))\n"
            "sys.exit(r)")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                          text=True, check=False)
    wall = time.perf_counter() - t0
    rss_kib = int(proc.stdout.split()[0]) if proc.stdout.strip() else 0
    err = proc.stderr.strip().splitlines()
    return wall, rss_kib / 1024, proc.returncode, err[-1] if err else ""


def bench_gui(path: Path) -> tuple[float, str]:
    """(seconds until the window has shown the model and processed its events, how many
    scene items are visible)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from paramlab.gui.main_window import MainWindow

    t0 = time.perf_counter()
    window = MainWindow()
    window.show()
    window.files.open_path(path, ask=False)
    app.processEvents()
    elapsed = time.perf_counter() - t0
    scene = window.scene() if callable(window.scene) else window.scene
    shown = sum(1 for item in scene.items() if item.isVisible())
    window.close()
    return elapsed, f"{shown:,} visible scene items"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--keep", metavar="FILE", help="write the generated file here")
    parser.add_argument("--gui", action="store_true", help="also time the editor")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(args.keep) if args.keep else Path(folder) / "shared_chain.json"
        size = write_file(path, args.calls)
        print(f"{path.name}: Dense 'd' called {args.calls:,} times, {size / 2**20:.1f} MiB")
        wall, rss, code, err = bench_cli(path)
        print(f"paramlab summary: {wall:.2f} s, peak RSS {rss:.0f} MiB, exit status {code} "
              f"(target < {CLI_TARGET_S} s) {'OK' if wall < CLI_TARGET_S else 'MISSED'}"
              + (f"; stderr: {err}" if err else ""))
        if args.gui:
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
            seconds, text = bench_gui(path)
            print(f"editor: window usable after {seconds:.2f} s (target < {GUI_TARGET_S} s) "
                  f"{'OK' if seconds < GUI_TARGET_S else 'MISSED'}; {text}")
    return 0


if __name__ == "__main__":
    _ = resource  # peak memory is read in the child process
    sys.exit(main())
