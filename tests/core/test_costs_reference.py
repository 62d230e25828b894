"""Per-layer MACs and activations of every reference model, against an independent calculation.

The expected figures are computed here from Keras's own data in ``tests/data/keras/``: each
layer's output shape and weight shapes as real Keras reported them, and its input shapes as
recorded in the config's call arguments (``__keras_tensor__`` shapes). The rules are those of
``tests/data/cost_conventions.md`` section 2, written per class in the table below in terms
of Keras's weight shapes (a matmul or convolution multiplies every kernel element once per
output position), not in terms of ParamLab's catalogue, so the test is not the
implementation called twice. Totals are also checked against the figures torchvision
publishes for the same architectures (cost_conventions.md section 1).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from math import prod
from pathlib import Path
from typing import Any

import pytest

from paramlab.core.io.keras_import import parse_keras_config
from paramlab.core.propagate import propagate
from paramlab.core.summary import summarize

DATA = Path(__file__).resolve().parents[1] / "data"
MODELS = sorted(p.stem for p in (DATA / "keras").glob("*.json"))

Shapes = list[list[Any]]
Weights = dict[str, list[int]]  # last part of Keras's weight path -> shape (summed if repeated)


def _kernel(w: Weights, *names: str) -> int:
    return sum(prod(w[n]) for n in names)


def _spatial_out(ins: Shapes, out: list, w: Weights, cfg: dict) -> int:
    return prod(out[1:-1])


def _sp(shape: list, cfg: dict) -> list:
    """The spatial lengths of a batch shape: between the batch and the channels axes
    (channels_last), or after the channels (``data_format="channels_first"``)."""
    return shape[2:] if cfg.get("data_format") == "channels_first" else shape[1:-1]


# class -> MACs of one call from (input shapes, output shape, weights, config):
# cost_conventions.md section 2, with "prod(k)·C_in/groups·filters" = the kernel's elements.
RULES: dict[str, Callable[[Shapes, list, Weights, dict], int]] = {
    "Dense": lambda ins, out, w, cfg: prod(ins[0][1:-1]) * _kernel(w, "kernel"),
    "Conv1D": lambda ins, out, w, cfg: prod(_sp(out, cfg)) * _kernel(w, "kernel"),
    "Conv2D": lambda ins, out, w, cfg: prod(_sp(out, cfg)) * _kernel(w, "kernel"),
    "Conv3D": lambda ins, out, w, cfg: prod(_sp(out, cfg)) * _kernel(w, "kernel"),
    # transposed: every INPUT element meets the whole kernel (fvcore / flop_counter rule)
    "Conv2DTranspose": lambda ins, out, w, cfg: prod(_sp(ins[0], cfg)) * _kernel(w, "kernel"),
    "DepthwiseConv2D": lambda ins, out, w, cfg: prod(_sp(out, cfg)) * _kernel(w, "kernel"),
    "SeparableConv2D": lambda ins, out, w, cfg: prod(_sp(out, cfg)) * _kernel(
        w, "depthwise_kernel", "pointwise_kernel"),
    # recurrent: T steps of x·W (kernel) + h·U (recurrent_kernel); Bidirectional sums both
    # directions (their kernels are summed in ``w``); TimeDistributed(Dense): T·kernel
    "SimpleRNN": lambda ins, out, w, cfg: ins[0][1] * _kernel(w, "kernel", "recurrent_kernel"),
    "LSTM": lambda ins, out, w, cfg: ins[0][1] * _kernel(w, "kernel", "recurrent_kernel"),
    "GRU": lambda ins, out, w, cfg: ins[0][1] * _kernel(w, "kernel", "recurrent_kernel"),
    # the generic RNN: the same, summed over its cells (their kernels are summed in ``w``)
    "RNN": lambda ins, out, w, cfg: ins[0][1] * _kernel(w, "kernel", "recurrent_kernel"),
    "Bidirectional": lambda ins, out, w, cfg: ins[0][1] * _kernel(w, "kernel",
                                                                  "recurrent_kernel"),
    "TimeDistributed": lambda ins, out, w, cfg: prod(ins[0][1:-1]) * _kernel(w, "kernel"),
    # ReversibleEmbedding: a gather (0, as Embedding); its reverse call is a matmul with the
    # embeddings (input_dim, output_dim) as Dense's kernel: positions x input_dim x output_dim
    "ReversibleEmbedding": lambda ins, out, w, cfg: prod(ins[0][1:-1]) * _kernel(
        w, "embeddings") if cfg.get("reverse") else 0,
    # SpectralNormalization: the wrapped layer's call (inference); here Dense on (.., in),
    # Conv2D on the output positions, Embedding 0
    "SpectralNormalization": lambda ins, out, w, cfg: (
        0 if "embeddings" in w else prod(out[1:-1]) * _kernel(w, "kernel")
        if len(ins[0]) == 4 else prod(ins[0][1:-1]) * _kernel(w, "kernel")),
    # STFTSpectrogram: a Conv1D of each channel with its Fourier kernels (real and/or
    # imaginary): frames x channels x the kernels' elements; frames are axis 1 of the
    # output, channels the input's last axis (channels_last)
    "STFTSpectrogram": lambda ins, out, w, cfg: None if out[1] is None else out[1] * ins[0][
        -1] * sum(prod(v) for v in w.values()),
    # Dot: output elements x the contracted length
    "Dot": lambda ins, out, w, cfg: prod(out[1:]) * ins[0][cfg["axes"][0]
                                                           if isinstance(cfg["axes"], list)
                                                           else cfg["axes"]],
}
ZERO = {  # cost_conventions.md: "everything else in the corpus: 0"
    "InputLayer", "Embedding", "NotEqual", "BatchNormalization", "LayerNormalization",
    "GroupNormalization", "UnitNormalization", "Normalization", "Rescaling", "Activation",
    "ReLU", "PReLU", "LeakyReLU", "ELU", "Softmax", "MaxPooling2D", "AveragePooling2D",
    "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Add", "Subtract", "Multiply", "Average",
    "Maximum", "Minimum", "Concatenate", "Flatten", "Reshape", "Permute", "RepeatVector",
    "ZeroPadding2D", "Cropping2D", "UpSampling2D", "Dropout", "SpatialDropout2D",
    "GaussianNoise", "RMSNormalization",
    # lookups and text ("Embedding, CategoryEncoding, lookups: 0"); MelSpectrogram: fixed
    # transforms, 0 as the other preprocessing layers
    "IntegerLookup", "StringLookup", "TextVectorization", "MelSpectrogram",
    # pooling of every kind, padding, resizing, cropping and augmentation layers
    # ("everything else ... 0"); Discretization and hashing: no multiply ("Embedding,
    # CategoryEncoding, lookups: 0")
    "ZeroPadding1D", "GlobalAveragePooling1D", "Resizing", "CenterCrop", "RandomCrop",
    "Discretization", "Hashing", "HashedCrossing",
    *(f"Adaptive{k}Pooling{r}D" for k in ("Average", "Max") for r in (1, 2, 3)),
    "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom", "RandomContrast",
    "RandomBrightness", "AugMix", "AutoContrast", "ContrastLimitedAdaptiveHistogramEqualization",
    "CutMix", "MaxNumBoundingBoxes", "MixUp", "RandAugment", "RandomColorDegeneration",
    "RandomColorJitter", "RandomElasticTransform", "RandomErasing", "RandomGaussianBlur",
    "RandomGrayscale", "RandomHue", "RandomInvert", "RandomPerspective", "RandomPosterization",
    "RandomSaturation", "RandomSharpness", "RandomShear", "Solarization",
}


def _tensors(node: Any) -> list[list]:
    """Shapes of the ``__keras_tensor__`` arguments of one call, in order."""
    if isinstance(node, dict):
        if node.get("class_name") == "__keras_tensor__":
            return [node["config"]["shape"]]
        return [s for v in node.values() for s in _tensors(v)]
    if isinstance(node, list):
        return [s for v in node for s in _tensors(v)]
    return []


def _calls(ref: dict) -> dict[str, list[Shapes]]:
    """Layer name -> input shapes of each of its calls, from the config alone."""
    config = ref["config"]["config"]
    calls: dict[str, list[Shapes]] = {}
    if ref["model_class"] == "Sequential":
        previous = None
        for layer in config["layers"]:
            cfg = layer["config"]
            if layer["class_name"] == "InputLayer":
                previous = cfg["batch_shape"]
                calls[cfg["name"]] = [[]]
                continue
            calls[cfg["name"]] = [[previous]]
            previous = next(x["output_shape"] for x in ref["layers"] if x["name"] == cfg["name"])
        return calls
    for layer in config["layers"]:
        nodes = layer.get("inbound_nodes") or []
        calls[layer["config"]["name"]] = [_tensors(n["args"]) for n in nodes] or [[]]
    return calls


def _call_kwargs(ref: dict) -> dict[str, list[dict]]:
    """Layer name -> the keyword arguments of each of its calls (ReversibleEmbedding's
    ``reverse``); ``{}`` for a Sequential model's layers."""
    if ref["model_class"] == "Sequential":
        return {}
    return {layer["config"]["name"]: [n.get("kwargs") or {} for n in
                                      layer.get("inbound_nodes") or []]
            for layer in ref["config"]["config"]["layers"]}


def _call_outputs(node: Any, out: dict) -> None:
    """Fill ``out[(layer, call)]`` with the shape of output 0 of that call, from every
    ``__keras_tensor__`` of the config that records its history."""
    if isinstance(node, dict):
        if node.get("class_name") == "__keras_tensor__":
            name, call, tensor = node["config"]["keras_history"]
            if tensor == 0:
                out[(name, call)] = node["config"]["shape"]
            return
        for v in node.values():
            _call_outputs(v, out)
    elif isinstance(node, list):
        for v in node:
            _call_outputs(v, out)


def expected_costs(ref: dict) -> dict[str, tuple[int, int]]:
    """Layer name -> (MACs, activation elements) of all its calls at batch 1."""
    calls = _calls(ref)
    kwargs = _call_kwargs(ref)
    call_outputs: dict = {}
    _call_outputs(ref["config"]["config"]["layers"], call_outputs)
    configs = {x["config"]["name"]: x["config"] for x in ref["config"]["config"]["layers"]}
    out: dict[str, tuple[int, int]] = {}
    entries = [dict(x, class_name=x["class_name"], weights=[]) for x in ref["non_layer_ops"]]
    for layer in ref["layers"] + entries:
        name, cls = layer["name"], layer["class_name"]
        weights: Weights = {}
        for w in layer["weights"]:
            leaf = w["path"].rsplit("/", 1)[-1]
            weights[leaf] = weights.get(leaf, []) + [prod(w["shape"])]
        flat = {k: [sum(v)] for k, v in weights.items()}
        shape = layer["output_shape"]
        n_calls = len(calls.get(name, [[]]))
        # several outputs (return_state): the sum over them (cost_conventions.md section 5)
        outputs = shape if shape and isinstance(shape[0], list) else [shape]
        # an unknown length (None): unknown activations, as ParamLab must report them
        known = all(d is not None for s in outputs for d in s[1:])
        elements = sum(prod(s[1:]) for s in outputs) * n_calls if known else None
        shape = outputs[0]
        if n_calls > 1:  # a shared layer's calls may differ (ReversibleEmbedding's reverse)
            elements = sum(prod(call_outputs.get((name, k), shape)[1:])
                           for k in range(n_calls))
        if cls in ZERO:
            out[name] = (0, elements)
            continue
        assert cls in RULES, f"no expected-MAC rule for {cls}: add it from the conventions"
        per_call = [RULES[cls](ins, shape, flat, {**configs.get(name, {}), **kw})
                    for ins, kw in zip(calls[name], kwargs.get(name) or [{}] * n_calls)]
        out[name] = (None if None in per_call else sum(per_call), elements)
    return out


def _ours(name: str):
    ref = json.loads((DATA / "keras" / f"{name}.json").read_text())
    graph = parse_keras_config(ref["config"], name)
    return ref, summarize(graph, propagate(graph))


@pytest.mark.parametrize("name", MODELS)
def test_every_layer_macs_and_activations_match_the_conventions(name: str) -> None:
    ref, summary = _ours(name)
    expected = expected_costs(ref)
    rows = {r.name: r for r in summary.rows}
    assert set(expected) <= set(rows)
    wrong = {n: ((rows[n].macs, rows[n].activation_elements), e) for n, e in expected.items()
             if (rows[n].macs, rows[n].activation_elements) != e}
    assert not wrong
    # rows with an unknown length (hb_text_audio's stream) are the only unknown costs
    assert summary.unknown_cost_rows == sum(1 for e in expected.values() if None in e)


# cost_conventions.md section 1: the conventions' MACs of torchvision's models, which the
# Keras applications share layer for layer (ResNet50 does not: Keras puts the stride of each
# first bottleneck on the 1x1 convolution, torchvision's v1.5 on the 3x3).
PUBLISHED_G = {"VGG16": 15.4703, "MobileNetV2": 0.3008, "DenseNet121": 2.8342,
               "InceptionV3": 5.7132, "EfficientNetB0": 0.3858}


@pytest.mark.parametrize("name", sorted(PUBLISHED_G))
def test_totals_equal_the_published_torchvision_figures(name: str) -> None:
    _, summary = _ours(name)
    assert round(summary.macs / 1e9, 4) == PUBLISHED_G[name]
    assert summary.flops == 2 * summary.macs


def test_vgg16_exact_total_and_the_parameters_versus_compute_lesson() -> None:
    _, summary = _ours("VGG16")
    assert summary.macs == 15_470_264_320  # torchvision vgg16: 15.47 GFLOPS (MACs)
    rows = {r.name: r for r in summary.rows}
    # fc1 holds 102,764,544 of the 138,357,544 parameters but only 0.7 % of the compute
    assert rows["fc1"].total == 102_764_544 and summary.total == 138_357_544
    assert rows["fc1"].macs == 25088 * 4096
    conv = sum(r.macs for r in summary.rows if r.type == "Conv2D")
    assert conv / summary.macs > 0.99


def test_resnet50_differs_from_torchvision_where_the_architecture_does() -> None:
    ref, summary = _ours("ResNet50")
    # torchvision's v1.5 ResNet50: 4.0892 G; Keras's v1 strides the 1x1 convolution, so
    # its 3x3 convolutions of stages 3-5 run on the reduced grid: fewer MACs.
    assert summary.macs == sum(m for m, _ in expected_costs(ref).values())
    assert round(summary.macs / 1e9, 4) != 4.0892 and summary.macs < 4.0892e9
