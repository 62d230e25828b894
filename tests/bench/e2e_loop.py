"""Run ``paramlab summary MODEL --format json`` in-process N times (a script, not collected
by pytest), for instruction counts, which the machine's load does not move:

    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        python tests/bench/e2e_loop.py DenseNet121 6

minus the same with N = 1, divided by 5, is one warm run's instructions ("Collected" in
valgrind's output). MODEL: a keras.applications config of ``tests/data/keras``, written to a
temporary file as ``model.to_json()`` wrote it (as ``bench_keras_import.py`` does).
"""
from __future__ import annotations

import io
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    from paramlab.core import cli

    name, runs = sys.argv[1], int(sys.argv[2])
    source = ROOT / "tests" / "data" / "keras" / f"{name}.json"
    path = Path(tempfile.mkdtemp(prefix="paramlab-loop-")) / f"{name}.json"
    path.write_text(json.dumps(json.loads(source.read_text())["config"]))
    args = cli.build_parser().parse_args(["summary", str(path), "--format", "json"])
    for _ in range(runs):
        if cli.run(args, io.StringIO(), io.StringIO()) != 0:
            raise SystemExit(f"{name}: paramlab summary failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
