"""Writes ``tests/data/torch_oracle/<name>.json`` (+ ``.summary.txt``): small models, built
with real Keras, for the PyTorch export rules the PyTorch-oracle fuzz
(``tests/bench/torch_oracle.py``) found ParamLab getting wrong. Same keys as the other
reference files (tests/data/REFERENCE.md), plus ``run``: the shapes of random inputs (batch
2, the unknown lengths given) and of the outputs Keras computed for them, which the
exported module must return too.

Run with a Python that has Keras 3 (not ParamLab's venv; pytest never collects this file):

    KERAS_BACKEND=jax python tests/data/gen/torch_oracle_fixes.py [--check] [OUT_DIR]

* ``torch_reshape_infer``: Reshape with a ``-1`` in its target_shape, on a known shape
  ((None, 6, 6) to (-1, 12): (None, 3, 12)) and on an axis of unknown length ((None, None,
  6) to (-1, 3): (None, None, 3)), each followed by a layer with weights. The export wrote
  ``reshape(-1, -1, 12)``, which torch refuses (one axis can be inferred).
* ``torch_cropping_unknown``: Cropping1D / Cropping2D / Cropping3D on axes of unknown
  length (an end cropped or not): the export computed the slice's end from the length and
  crashed on None.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hb_image_layers as hb
import numpy as np
from hb_image_layers import L, keras


def reshape_infer() -> keras.Model:
    grid = keras.Input((6, 6), name="grid")
    flat = L.Reshape((-1, 12), name="rows")(grid)  # (None, 3, 12)
    dense = L.Dense(5, name="dense")(flat)
    seq = keras.Input((None, 6), name="seq")
    split = L.Reshape((-1, 3), name="split")(seq)  # (None, None, 3)
    conv = L.Conv1D(4, 2, name="conv")(split)
    return keras.Model([grid, seq], [dense, conv], name="torch_reshape_infer")


def cropping_unknown() -> keras.Model:
    seq = keras.Input((None, 4), name="seq")
    c1 = L.Cropping1D((1, 2), name="crop1")(seq)
    c1b = L.Cropping1D((2, 0), name="crop1_start")(c1)
    d1 = L.Dense(3, name="dense")(c1b)
    img = keras.Input((None, 7, 3), name="img")
    c2 = L.Cropping2D(((1, 1), (2, 1)), name="crop2")(img)
    conv = L.Conv2D(2, 2, name="conv")(c2)
    vol = keras.Input((None, 5, None, 2), name="vol")
    c3 = L.Cropping3D(((0, 1), (1, 2), (1, 0)), name="crop3")(vol)
    return keras.Model([seq, img, vol], [d1, conv, c3], name="torch_cropping_unknown")


MODELS = {"torch_reshape_infer": reshape_infer, "torch_cropping_unknown": cropping_unknown}
# each model run once by Keras on inputs of these shapes (batch 2; lengths for the unknown axes)
RUNS = {"torch_reshape_infer": [[2, 6, 6], [2, 5, 6]],
        "torch_cropping_unknown": [[2, 9, 4], [2, 6, 7, 3], [2, 4, 5, 6, 2]]}


def run(model: keras.Model, shapes: list[list[int]]) -> dict:
    """Keras's output shapes for random inputs of ``shapes`` (the ``run`` key)."""
    rng = np.random.default_rng(0)
    outputs = model([rng.standard_normal(s).astype("float32") for s in shapes])
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return {"inputs": shapes, "outputs": [[int(d) for d in y.shape] for y in outputs]}


def main(argv: list[str]) -> None:
    out = Path(__file__).resolve().parents[1] / "torch_oracle"
    args = [a for a in argv if a != "--check"]
    if args:
        out = Path(args[0])
    out.mkdir(parents=True, exist_ok=True)
    for name, build in MODELS.items():
        keras.backend.clear_session()
        model = build()
        data, text = hb.reference(name, model)
        data["run"] = run(model, RUNS[name])
        path = out / f"{name}.json"
        path.write_text(json.dumps(data, separators=(",", ":")))
        (out / f"{name}.summary.txt").write_text(text, encoding="utf-8")
        print(f"{name}: {len(data['layers'])} layers, {data['totals']['total']:,} parameters")
        if "--check" in argv:
            keras.backend.clear_session()
            hb.check(path)


if __name__ == "__main__":
    main(sys.argv[1:])
