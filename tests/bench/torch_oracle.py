"""Differential fuzz of the PyTorch side with real PyTorch as the oracle (a script, not
collected by pytest). It takes the models ``keras_oracle.py generate`` wrote, exports each
with ParamLab as PyTorch code and runs the module in torch:

    KERAS_BACKEND=numpy KERAS_PYTHON tests/bench/keras_oracle.py generate OUT.jsonl \
        --models 1500 --seed 1 [--wide]
    PYTHONPATH=DIR TORCH_PYTHON tests/bench/torch_oracle.py OUT.jsonl [--show 30] [--keep DIR]

(``TORCH_PYTHON``: a Python with torch 2.13 and ParamLab's dependencies, e.g. /work/optvenv;
``PYTHONPATH=DIR`` when its ``paramlab`` is another tree: ``DIR/paramlab`` a link to this
one.) One step, under ParamLab and torch at once. For each model: ``core.io.keras_import``,
``propagate``, ``core.io.pytorch_export.to_pytorch_code`` and the PyTorch-convention summary
(``summarize(..., convention="pytorch")``, every nested layer its own row); the exported file
is imported and its module instantiated (``eval()``), then

(a) its parameters, those with ``requires_grad`` and its buffer elements, in total and per
    top-level submodule (``named_children()``, an attribute named after the Keras layer whose
    row it is compared with), must equal the summary's, placeholder layers left out (a
    ``NoPyTorchEquivalent`` holds nothing; the summary counts Keras's figures for them);
(b) ``forward`` on random inputs of the model's input shapes (batch 2; an axis of unknown
    length 5 long, or 16 when the model is too short for 5; ``torch.randn``, or whole
    numbers below the smallest ``input_dim`` when the model has an Embedding; channels first
    unless the export takes the input in Keras's own order, ``PyTorchExport.keras_order``)
    must run and return tensors whose shapes are Keras's output shapes (the record's, the
    batch 2, each moved channels first as the export holds it; an axis Keras leaves unknown
    matches any length);
(c) a model whose export holds a placeholder (a ``NoPyTorchEquivalent``, whose forward raises
    ``NotImplementedError`` naming the layer) is counted apart, with the layer types that made
    them; its counts are compared as above, and its forward runs with each placeholder
    returning random tensors of ParamLab's output shapes for the layer (held as the export
    holds them; an unknown axis as long as the first input's same axis), so the layers
    after it are checked too.

A model whose forward fails on every length tried, where an input, a stand-in or a layer's
output (an EinsumDense with a None in output_shape, on known inputs) has an axis of unknown
length, is "unchecked" (its counts equal, its forward not judged, the message shown): Keras
builds models that run on one length only, or on none (a Concatenate of x and a "valid"
convolution of x, on an axis of unknown length), and returns an empty tensor where torch
refuses a pooling to length 0.

It prints how many models agree, differ, are refused (ParamLab's error message at import,
propagation or export) or crash (an exception in ParamLab's export, or torch refusing the
exported code: the layer whose line raised is named), each grouped by layer type, then the
placeholders, and exits 1 when any model differs or crashes. ``--keep DIR`` keeps the
exported files (``model_N.py``) for a second look.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import traceback
import warnings
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

# an axis of unknown length (None) runs this long; the next when a model is too short for it
UNKNOWN_LENGTHS = (5, 16)
BATCH = 2
INDEX_LAYERS = ("Embedding", "ReversibleEmbedding")  # their inputs are indices


def _torch_shape(shape: list, keras_order: bool) -> list:
    """Keras's ``shape`` (batch first) as ``forward`` takes or returns it: the last axis at
    1 for a tensor of rank 3 or more, unless it is held in Keras's own order."""
    dims = [BATCH] + list(shape[1:])
    if keras_order or len(dims) < 3:
        return dims
    return [dims[0], dims[-1]] + dims[1:-1]


def _references(value: Any) -> list[list]:
    """The ``[layer, node, tensor]`` references of Keras's ``output_layers`` in the order
    of ``model.outputs``: nested lists in order, dicts by sorted key (``tree.flatten``)."""
    if isinstance(value, dict):
        return [r for key in sorted(value) for r in _references(value[key])]
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        return [value]
    return [r for item in value for r in _references(item)] if isinstance(value, list) else []


def _keras_outputs(record: dict) -> list[tuple[str, list]]:
    """(layer name, output shape) of each of the Keras model's outputs, in Keras's order."""
    layers = {layer["name"]: layer for layer in record["layers"]}
    cfg = record["config"]["config"]
    if record["config"]["class_name"] == "Sequential":
        last = record["layers"][-1]
        return [(last["name"], last["output_shape"])]
    outs = []
    for name, _node, k in _references(cfg["output_layers"]):
        shape = layers[name]["output_shape"]
        multi = bool(shape) and isinstance(shape[0], list)
        outs.append((name, shape[k] if multi else shape))
    return outs


def _shapes_match(got: list, want: list) -> bool:
    return len(got) == len(want) and all(w is None or g == w for g, w in zip(got, want))


def _load(path: Path, cls: str, stand_in: dict[str, list[list]]) -> Any:
    """The exported module, its placeholders returning random tensors of the layer's
    output shapes (``stand_in``: layer name -> shapes, as forward holds them), so the rest of
    forward runs too. An unknown axis takes the length of the first input's same axis."""
    import torch

    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def forward(self: Any, *inputs: Any) -> Any:
        if self.layer not in stand_in:
            raise NotImplementedError(f"{self.layer}: ParamLab computed no shape")
        first = inputs[0] if inputs and isinstance(inputs[0], torch.Tensor) else None
        outs = []
        for shape in stand_in[self.layer]:
            size = [d if d is not None else first.shape[i]
                    if first is not None and first.dim() == len(shape) else UNKNOWN_LENGTHS[0]
                    for i, d in enumerate(shape)]
            outs.append(torch.randn(size))
        return outs[0] if len(outs) == 1 else tuple(outs)

    if hasattr(module, "NoPyTorchEquivalent"):
        module.NoPyTorchEquivalent.forward = forward
    return getattr(module, cls)()


def _counts(module: Any) -> tuple[int, int, int]:
    params = list(module.parameters())
    return (sum(p.numel() for p in params), sum(p.numel() for p in params if p.requires_grad),
            sum(b.numel() for b in module.buffers()))


def _first_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:200]}"


def _culprit(exc: BaseException, path: Path, types: dict[str, str]) -> str:
    """The layer type whose line of the exported file raised ``exc`` (its variable is the
    layer's name), else the exception type."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename == str(path) and frame.line:
            target = frame.line.split("=")[0].strip().split(",")[0].strip()
            for name, t in types.items():
                if target in (name, name.replace(".", "_")):
                    return t
            return f"line {frame.line[:60]!r}"
    return type(exc).__name__


def check(index: int, record: dict, workdir: Path) -> dict[str, Any]:
    """Export model ``index`` and run it in torch: {"status": agree / differ / refused /
    crashed / unchecked, "problems": [(layer type, text)], "placeholders": [(layer type,
    reason)], "unchecked": (layer type, text)}."""
    import torch

    from paramlab.core.errors import ParamLabError
    from paramlab.core.io.keras_import import parse_keras_config
    from paramlab.core.io.pytorch_export import _Writer
    from paramlab.core.model_outputs import model_inputs, model_outputs
    from paramlab.core.propagate import propagate
    from paramlab.core.summary import summarize

    try:
        graph = parse_keras_config(record["config"], f"model {index}")
        result = propagate(graph)
        # to_pytorch_code's writer, kept for the layout it holds each output in
        writer = _Writer(graph, result)
        export = writer.write(f"model {index}", "oracle")
        summary = summarize(graph, result, expand_groups=True, convention="pytorch",
                            connections=False)
    except ParamLabError as exc:
        return {"status": "refused", "problems": [("ParamLab", str(exc).splitlines()[0])]}
    except Exception as exc:  # noqa: BLE001  # a crash of ParamLab's own code is a finding
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return {"status": "crashed", "problems": [
            ("ParamLab export",
             f"{_first_line(exc)} at {Path(where.filename).name}:{where.lineno}")]}
    types = {graph.raw(n)["name"]: graph.raw(n)["type"] for n in graph.layer_ids()}
    placeholders = {u.name for u in export.unsupported}
    path = workdir / f"model_{index}.py"
    path.write_text(export.source, encoding="utf-8")
    out: dict[str, Any] = {"placeholders": [(u.type, u.reason) for u in export.unsupported],
                           "problems": []}
    problems = out["problems"]
    stand_in = {graph.raw(n)["name"]: [_torch_shape(list(shape), k == 0 and writer.layout.get(
        n) == "keras") for k, shape in enumerate(result.layers[n].output_shapes
                                                 or (result.layers[n].output_shape,))]
        for n in graph.layer_ids() if graph.raw(n)["name"] in placeholders
        and result.layers[n].output_shape is not None}
    try:
        torch.manual_seed(index)
        module = _load(path, export.class_name, stand_in)
        module.eval()
    except Exception as exc:  # noqa: BLE001  # torch refuses the module: a finding
        out["status"] = "crashed"
        problems.append((_culprit(exc, path, types), f"__init__: {_first_line(exc)}"))
        return out
    rows = {r.name: r for r in summary.rows if not r.is_group}
    held = [r for r in rows.values() if r.name not in placeholders]
    want = (sum(r.total for r in held), sum(r.trainable for r in held),
            sum(r.buffers for r in held))
    got = _counts(module)
    if got != want:
        problems.append(("totals", (f"torch (params, trainable, buffers) {got}, "
                                    f"ParamLab's PyTorch convention {want}")))
    attributes = {n: n for n in rows} | {n.replace(".", "_"): n for n in rows}
    for attr, child in module.named_children():
        name = attributes.get(attr)
        if name is None or name in placeholders:
            continue
        r = rows[name]
        mine = _counts(child)
        if mine != (r.total, r.trainable, r.buffers):
            problems.append((r.type, (f"{name}: torch {mine}, ParamLab "
                                      f"{(r.total, r.trainable, r.buffers)}")))
    # an Embedding's indices: whole numbers below the smallest input_dim
    vocab = min((int(graph.raw(n)["config"]["input_dim"]) for n in graph.layer_ids()
                 if graph.raw(n)["type"] in INDEX_LAYERS), default=None)
    unknown = any(d is None for n in model_inputs(graph)
                  for d in result.layers[n].output_shape[1:])
    for length in UNKNOWN_LENGTHS[:len(UNKNOWN_LENGTHS) if unknown else 1]:
        inputs = []
        for n in model_inputs(graph):
            shape = _torch_shape(list(result.layers[n].output_shape),
                                 graph.raw(n)["name"] in export.keras_order)
            size = [length if d is None else d for d in shape]
            inputs.append(torch.randn(size) if vocab is None
                          else torch.randint(0, vocab, size).float())
        try:
            with torch.no_grad():
                y = module(*inputs)
            break
        except Exception as exc:  # noqa: BLE001  # torch refuses the forward code: a finding
            failure = exc
    else:
        guessed = any(d is None for shapes in stand_in.values() for s in shapes for d in s[1:])
        # a layer's axis Keras leaves unknown on known inputs (EinsumDense with a None in
        # output_shape): the model's lengths are not Keras's static ones either
        inside = any(d is None for r in result.layers.values() if r.output_shape is not None
                     for d in r.output_shape[1:])
        text = f"forward: {_first_line(failure)}"
        if problems or not (guessed or unknown or inside):
            out["status"] = "differ" if problems else "crashed"
            problems.append((_culprit(failure, path, types), text))
            return out
        # a placeholder's stand-in of a guessed length, inputs of unknown length that no
        # length tried fits, or a layer whose length Keras leaves unknown (Keras builds a
        # Concatenate of (None, 3, 4) and (None, None, 4), which runs on length 3 only, or
        # of x and a valid convolution of x, which never runs; a pooling to length 0, which
        # Keras returns empty and torch refuses): the forward is not judged
        out["status"] = "unchecked"
        out["unchecked"] = (_culprit(failure, path, types), text)
        return out
    ys = list(y) if isinstance(y, (tuple, list)) else [y]
    want_outs = _keras_outputs(record)
    got_shapes = [list(t.shape) for t in ys]
    # ParamLab's outputs are Keras's, in the same order: each held as the export says
    mine = model_outputs(graph, result.layers)
    kept = [k == 0 and graph.raw(n)["name"] in export.keras_order for n, k in mine]
    want_shapes = [_torch_shape(shape, keep) for (_, shape), keep in zip(want_outs, kept)]
    if len(got_shapes) != len(want_shapes) or not all(
            _shapes_match(g, w) for g, w in zip(got_shapes, want_shapes)):
        culprit = types.get(want_outs[0][0], "outputs") if len(want_outs) == 1 else "outputs"
        problems.append((culprit, (f"outputs {got_shapes}, Keras's {want_shapes} "
                                   f"(last layers {[n for n, _ in want_outs]})")))
    out["status"] = "differ" if problems else "agree"
    return out


def run(path: Path, show: int, keep: Path | None) -> int:
    import logging

    import torch

    logging.disable(logging.CRITICAL)
    warnings.filterwarnings("ignore")  # torch's notes on padding="same" with even kernels
    torch.set_num_threads(1)
    tally: Counter[str] = Counter()
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    placeholder_types: Counter[str] = Counter()
    placeholder_reasons: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            outcome = check(i, json.loads(line), workdir)
            status = outcome["status"]
            tally[status] += 1
            for t, text in outcome["problems"] + ([outcome["unchecked"]]
                                                  if "unchecked" in outcome else []):
                found[status][t].append(f"model {i}: {text}")
            for t, reason in {t: r for t, r in outcome.get("placeholders", [])}.items():
                placeholder_types[t] += 1
                placeholder_reasons.setdefault(t, reason)
            if outcome.get("placeholders"):
                tally["with placeholders"] += 1
                tally["agree with placeholders"] += status == "agree"
    print(f"{len(lines)} models: {tally['agree']} agree "
          f"({tally['agree with placeholders']} of them with placeholders), "
          f"{tally['differ']} differ, "
          f"{tally['refused']} refused, {tally['crashed']} crashed; {tally['unchecked']} "
          "unchecked (counts equal; no input length tried runs forward)")
    for status in ("differ", "crashed", "refused", "unchecked"):
        for t, items in sorted(found[status].items(), key=lambda kv: -len(kv[1])):
            print(f"\n== {status}: {t}: {len(items)}")
            for text in items[:show]:
                print("  " + text[:300])
    print(f"\nplaceholders: {tally['with placeholders']} models, by layer type (models):")
    for t, count in placeholder_types.most_common():
        print(f"  {count:5d}  {t}: {placeholder_reasons[t][:120]}")
    return 1 if tally["differ"] or tally["crashed"] else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="a keras_oracle.py generate JSONL file")
    parser.add_argument("--show", type=int, default=5, help="examples per group")
    parser.add_argument("--keep", type=Path, help="keep the exported files in this folder")
    args = parser.parse_args(argv)
    return run(args.path, args.show, args.keep)


if __name__ == "__main__":
    sys.exit(main())
