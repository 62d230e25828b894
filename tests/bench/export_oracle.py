"""Round trip of the Keras exports with real Keras as the oracle (a script, not collected by
pytest). It takes the models ``keras_oracle.py generate`` wrote, exports each with ParamLab as
Keras JSON and as Keras code, and has Keras rebuild both:

    .venv/bin/python tests/bench/export_oracle.py export MODELS.jsonl EXPORTS.jsonl
    KERAS_BACKEND=numpy KERAS_PYTHON tests/bench/export_oracle.py rebuild EXPORTS.jsonl

``export`` runs under ParamLab: one JSON line per model with the Keras JSON
(``core.io.keras_json_export``), the Keras code (``core.io.keras_export``) and the original
config. ``rebuild`` runs under Keras (it imports nothing of ParamLab): ``model_from_json`` of
the export, and ``build_model()`` of the code (ParamLab's own output, run in a fresh
namespace; never a file's code), each compared with the model Keras rebuilds from the
original config: the same trainable and non-trainable totals (from ``trainable_weights`` /
``non_trainable_weights``) and the same output shapes, in the same order. It prints how many rebuild equal, differ, or fail (with Keras's message),
grouped by the first line of the message, and exits 1 when any does not rebuild equal.
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path
from typing import Any


def export(models: Path, out: Path) -> int:
    from paramlab.core.errors import ParamLabError
    from paramlab.core.io.keras_export import to_keras_code
    from paramlab.core.io.keras_import import parse_keras_config
    from paramlab.core.io.keras_json_export import to_keras_dict
    from paramlab.core.propagate import propagate

    written = refused = 0
    with models.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            record = json.loads(line)
            try:
                graph = parse_keras_config(record["config"], f"model {i}")
                result = propagate(graph)
                entry = {"json": to_keras_dict(graph, result),
                         "code": to_keras_code(graph, result)}
            except ParamLabError as exc:
                refused += 1
                entry = {"refused": str(exc)}
            entry |= {"model": i, "original": record["config"]}
            dst.write(json.dumps(entry) + "\n")
            written += 1
    print(f"{written} models exported ({refused} refused by ParamLab) -> {out}")
    return 0


def _figures(model: Any) -> dict[str, Any]:
    trainable = sum(int(w.size if hasattr(w, "size") else w.numpy().size)
                    for w in model.trainable_weights)
    frozen = sum(int(w.size if hasattr(w, "size") else w.numpy().size)
                 for w in model.non_trainable_weights)
    return {"totals": {"trainable": trainable, "non_trainable": frozen,
                       "total": trainable + frozen},
            "outputs": [list(t.shape) for t in model.outputs]}


def rebuild(exports: Path) -> int:
    import keras

    tally: collections.Counter[str] = collections.Counter()
    problems: dict[str, list[int]] = collections.defaultdict(list)
    with exports.open(encoding="utf-8") as src:
        for line in src:
            entry = json.loads(line)
            if "refused" in entry:
                tally["refused by ParamLab"] += 1
                continue
            try:
                want = _figures(keras.models.model_from_json(json.dumps(entry["original"])))
            except Exception:  # noqa: BLE001  # Keras cannot rebuild its own JSON: no reference
                tally["original does not rebuild"] += 1
                continue
            want_totals, want_outputs = want["totals"], want["outputs"]
            for kind in ("json", "code"):
                try:
                    if kind == "json":
                        model = keras.models.model_from_json(json.dumps(entry["json"]))
                    else:
                        namespace: dict[str, Any] = {"__name__": "exported"}
                        exec(compile(entry["code"], "export.py", "exec"), namespace)  # noqa: S102
                        model = namespace["build_model"]()
                    got = _figures(model)
                except Exception as exc:  # noqa: BLE001  # Keras refuses: its first line
                    key = f"{kind}: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
                    tally[f"{kind} fails"] += 1
                    problems[key].append(entry["model"])
                    continue
                if got["totals"] != want_totals:
                    tally[f"{kind} counts differ"] += 1
                    problems[f"{kind}: totals {got['totals']} != {want_totals}"].append(
                        entry["model"])
                elif got["outputs"] != want_outputs:
                    tally[f"{kind} outputs differ"] += 1
                    problems[f"{kind}: outputs {got['outputs']} != {want_outputs}"].append(
                        entry["model"])
                else:
                    tally[f"{kind} equal"] += 1
    print(", ".join(f"{k}: {v}" for k, v in sorted(tally.items())))
    for key, models in sorted(problems.items(), key=lambda kv: -len(kv[1]))[:30]:
        print(f"  {len(models):5d} × {key} (models {models[:5]})")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="step", required=True)
    e = sub.add_parser("export", help="export each model with ParamLab (ParamLab's Python)")
    e.add_argument("models", type=Path)
    e.add_argument("out", type=Path)
    r = sub.add_parser("rebuild", help="rebuild each export with Keras (Keras's Python)")
    r.add_argument("exports", type=Path)
    args = parser.parse_args(argv)
    return export(args.models, args.out) if args.step == "export" else rebuild(args.exports)


if __name__ == "__main__":
    sys.exit(main())
