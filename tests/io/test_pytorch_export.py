"""PyTorch code export (core/io/pytorch_export.py) and ``paramlab export``.

Without torch: the source's structure (header, imports, attributes named after the Keras
layers, frozen layers, placeholders, shared layers, branches). With torch (the optional
``paramlab[torch]`` extra; skipped when missing): EVERY bundled example and EVERY model of
tests/data/keras is exported, and ONE ``python -c`` subprocess instantiates each module,
counts ``sum(p.numel() for p in m.parameters())``, the ``requires_grad`` parameters and the
buffer elements, and runs a forward pass on zeros of the input shape (channels-first, batch
1). The counts must equal ParamLab's PyTorch-convention totals, and the output shapes
ParamLab's output shapes with the channels moved to axis 1. The two VGG16 models (138 M
parameters) are built and run on PyTorch's ``meta`` device (shapes without memory or
arithmetic), to keep the test quick; every other model runs for real.

Layers with several outputs (return_state, attention scores) are checked against Keras's
own outputs: tests/data/keras_numeric/states.json holds a model, its weights, an input and
what Keras 3.15.1 computed; the exported module, given the same weights, computes the same.

Recurrent layers nn.LSTM / nn.GRU / nn.RNN cannot run (activations other than tanh /
sigmoid, GRU(reset_after=False)) are loops over the steps on Keras's own tensors, checked
the same way against tests/data/keras_numeric/loops.json.

Models with placeholder layers are EXPECTED_UNSUPPORTED, each with its reason: their
forward raises NotImplementedError naming the layer, and their parameter count is
ParamLab's minus the (Keras) count of the placeholder layers.
"""
from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from paramlab.core import cli
from paramlab.core.graph import LayerGraph
from paramlab.core.io.loader import load_model
from paramlab.core.io.pytorch_export import to_pytorch_code
from paramlab.core.model_outputs import model_inputs, model_outputs
from paramlab.core.propagate import propagate
from paramlab.core.resources import example_path, list_examples
from paramlab.core.summary import summarize

DATA = Path(__file__).resolve().parents[1] / "data"
MODELS = {f"example:{name}": example_path(name) for name in list_examples()}
MODELS.update({f"keras:{p.stem}": p for p in sorted((DATA / "keras").glob("*.json"))})
EXPECTED_UNSUPPORTED = {
    "keras:EfficientNetB0": {"normalization": "Normalization: no torch.nn module"},
    "keras:hb_dense_misc": {
        "normalization": "Normalization: no torch.nn module",
        "gaussian_noise": "GaussianNoise: no torch.nn module",
        "layer_normalization_1": "LayerNormalization over axis 1, not the trailing axes"},
    "keras:hb_conv2d": {"p_re_lu_1": "PReLU with one alpha per element (no shared_axes)"},
    "keras:hb_image_resize": {"random_crop": "RandomCrop: a torchvision transform"},
    "keras:hb_augment": {"auto_contrast_1": "AutoContrast: no torch.nn module",
                         "contrast_limited_adaptive_histogram_equalization": "CLAHE"},
    "keras:hb_discretization": {f"discretization{s}": "torch.bucketize, no module"
                                for s in ("", "_1", "_2", "_3", "_4", "_5", "_6")},
    "keras:hb_hashing": {**{f"hashing{s}": "no torch.nn module hashes"
                            for s in ("", "_1", "_2", "_3", "_4")},
                         "hashed_crossing": "no module", "hashed_crossing_1": "no module"},
    # channels_first models: only the layers without a module at all
    "keras:hb_image_resize_cf": {"random_crop": "RandomCrop: a torchvision transform"},
    "keras:hb_augment_cf": {"auto_contrast_1": "AutoContrast",
                            "contrast_limited_adaptive_histogram_equalization": "CLAHE"},
    # cat2's layers: RNN over unlike cells, a cell frozen alone; no module for an untied
    # ReversibleEmbedding, RMSNormalization off the trailing axes, lookups, text and audio
    # preprocessing; the export does not write SpectralNormalization (rnn_lstm and
    # bi_lstm_cell, return_state=True, are nn.LSTM with their states)
    "keras:hb_rnn_cell": {n: "no single nn.RNN/LSTM/GRU" for n in (
        "rnn_list", "rnn_stacked", "rnn_two_lstm", "rnn_cell_frozen")},
    "keras:hb_rnn_cell_seq": {"rnn_seq_stack": "unlike cells"},
    "keras:hb_norm_embed": {
        "remb_untied": "tie_weights=False", "rms_axes": "axes [1, 2]",
        "rms_mid": "axis -2", **{n: "spectral_norm" for n in ("sn_emb", "sn_conv", "sn_frozen",
                                                               "sn_dense")}},
    "keras:hb_norm_embed_seq": {"remb_seq": "tie_weights=False", "sn_seq": "spectral_norm"},
    "keras:hb_text_audio": {n: "preprocessing" for n in (
        "il_int", "sl_int", "tv_int", "il_mh", "il_oh", "il_pad", "il_tfidf", "sl_oh", "sl_inv",
        "sl_unk", "tv_ragged", "tv_mh", "tv_cnt", "tv_tfidf", "tv_nosplit", "mel", "mel2",
        "stft_log", "stft_stft", "stft_real", "stft_imag", "stft_frozen", "stft_stream")},
    "keras:hb_text_audio_seq": {"tv_seq": "preprocessing"},
    "keras:hb_text_rank1": {n: "preprocessing" for n in ("tv_mh0", "tv_nosplit_mh", "sl_doc")},
}
META = {"example:vgg16", "keras:VGG16"}


def _channels_first(shape: tuple, keras_order: bool = False) -> list[int]:
    """Keras's ``shape`` (batch 1) as ``forward`` takes or returns it: the last axis moved
    to 1, unless the tensor feeds or comes from channels_first layers (``keras_order``),
    which Keras already holds (N, C, *spatial)."""
    dims = [1] + list(shape[1:])
    if keras_order or len(dims) < 3:
        return dims
    return [dims[0], dims[-1]] + dims[1:-1]


def _output_shape(r, k: int) -> tuple:
    """The shape of output ``k`` of a layer with result ``r``."""
    return (r.output_shapes or (r.output_shape,))[k]


def _case(key: str, path: Path, tmp: Path) -> dict:
    graph = load_model(path)
    result = propagate(graph)
    export = to_pytorch_code(graph, result, source=path.name)
    assert {u.name for u in export.unsupported} == set(EXPECTED_UNSUPPORTED.get(key, {}))
    summary = summarize(graph, result, convention="pytorch")
    placeholders = {u.name for u in export.unsupported}
    missing = sum(r.total for r in summary.rows if r.name in placeholders)
    target = tmp / (key.replace(":", "_") + ".py")
    target.write_text(export.source, encoding="utf-8")
    return {
        "key": key, "file": str(target), "cls": export.class_name, "meta": key in META,
        # an input of unknown length (hb_text_audio's stream) runs 16 steps long
        "inputs": [[16 if d is None else d for d in _channels_first(
            result.layers[n].output_shape, graph.raw(n)["name"] in export.keras_order)]
            for n in model_inputs(graph)],
        "want": {"parameters": summary.total - missing,
                 "trainable": summary.trainable - sum(
                     r.trainable for r in summary.rows if r.name in placeholders),
                 # a placeholder has none of the buffers its mapping counts
                 # (SpectralNormalization's u and v)
                 "buffers": summary.buffers - sum(
                     r.buffers for r in summary.rows if r.name in placeholders),
                 "outputs": [_channels_first(_output_shape(result.layers[n], k),
                                             k == 0 and graph.raw(n)["name"] in export.keras_order)
                             for n, k in model_outputs(graph, result.layers)]},
    }


DRIVER = r"""
import importlib.util, json, sys
import torch
torch.set_num_threads(1)
cases = json.load(open(sys.argv[1]))
out = {}
for case in cases:
    spec = importlib.util.spec_from_file_location("exported", case["file"])
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    device = torch.device("meta" if case["meta"] else "cpu")
    with device:
        m = getattr(mod, case["cls"])()
    m.eval()
    got = {"parameters": sum(p.numel() for p in m.parameters()),
           "trainable": sum(p.numel() for p in m.parameters() if p.requires_grad),
           "buffers": sum(b.numel() for b in m.buffers())}
    try:
        with torch.no_grad(), device:
            y = m(*[torch.zeros(s) for s in case["inputs"]])
        ys = y if isinstance(y, tuple) else (y,)
        got["outputs"] = [list(t.shape) for t in ys]
    except NotImplementedError as exc:
        got["not_implemented"] = str(exc)
    out[case["key"]] = got
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def torch_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    pytest.importorskip("torch")
    tmp = tmp_path_factory.mktemp("pytorch_export")
    cases = [_case(key, path, tmp) for key, path in MODELS.items()]
    (tmp / "cases.json").write_text(json.dumps(cases))
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(tmp / "cases.json")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {"cases": {c["key"]: c for c in cases}, "got": json.loads(proc.stdout)}


@pytest.mark.parametrize("key", sorted(MODELS))
def test_exported_module_counts_and_shapes_equal_paramlab(key: str, torch_run: dict) -> None:
    case, got = torch_run["cases"][key], torch_run["got"][key]
    want = case["want"]
    assert (got["parameters"], got["trainable"], got["buffers"]) == (
        want["parameters"], want["trainable"], want["buffers"])
    if key in EXPECTED_UNSUPPORTED:
        assert "outputs" not in got
        assert any(f"'{name}'" in got["not_implemented"] for name in EXPECTED_UNSUPPORTED[key])
    else:
        assert got["outputs"] == want["outputs"]


def test_every_model_is_covered() -> None:
    assert len([k for k in MODELS if k.startswith("example:")]) == len(list_examples()) >= 7
    assert len([k for k in MODELS if k.startswith("keras:")]) == len(
        list((DATA / "keras").glob("*.json")))
    assert set(EXPECTED_UNSUPPORTED) <= set(MODELS)


# ---------------------------------------------------------------------------- source only
def _imports(source: str) -> set[str]:
    tree = ast.parse(source)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0])
    return names


def test_source_header_imports_and_names() -> None:
    export = to_pytorch_code(load_model("bn_mlp"), source="bn_mlp.json", version="9.9.9")
    src = export.source
    assert src.startswith("# PyTorch module for the model 'bn_mlp', exported by ParamLab 9.9.9")
    assert "# from bn_mlp.json." in src
    assert _imports(src) == {"torch"}
    assert "self.batch_normalization = nn.BatchNorm1d(64, eps=0.001, momentum=0.01)" in src
    assert "self.dense = nn.Linear(20, 64)" in src and "class BnMlp(nn.Module):" in src
    assert "1,537 parameters (1,537 trainable, 0 frozen) and 129 buffer elements" in src
    assert export.unsupported == ()


def test_frozen_layers_get_requires_grad_false() -> None:
    graph = load_model("vgg16_transfer")
    src = to_pytorch_code(graph).source
    frozen = [graph.raw(n)["name"] for n in graph.layer_ids()
              if not graph.raw(n)["trainable"] and graph.raw(n)["type"] == "Conv2D"]
    assert frozen
    for name in frozen:
        assert f"self.{name}.requires_grad_(False)  # frozen in Keras" in src


def test_flatten_after_conv_keeps_keras_order() -> None:
    src = to_pytorch_code(load_model("lenet")).source
    assert "flatten = self.flatten(max_pooling2d_1.movedim(1, -1))" in src
    assert "# Keras flattens channels-last" in src


def test_shared_layer_is_one_attribute_called_twice_and_merges_follow_the_graph() -> None:
    g = LayerGraph("siamese")
    a = g.add_layer("InputLayer", "left", {"shape": [8]})
    b = g.add_layer("InputLayer", "right", {"shape": [8]})
    d = g.add_layer("Dense", "encoder", {"units": 4})
    d2 = g.add_layer("Dense", "encoder_2", {"units": 4}, shared_with=d)
    s = g.add_layer("Subtract", "diff")
    c = g.add_layer("Concatenate", "both")
    g.connect(a, d)
    g.connect(b, d2)
    g.connect(d, s, 0)
    g.connect(d2, s, 1)
    g.connect(d, c, 0)
    g.connect(s, c, 1)
    src = to_pytorch_code(g).source
    assert src.count("nn.Linear(8, 4)") == 1
    assert "encoder = self.encoder(left)" in src
    assert "encoder_2 = self.encoder(right)  # call 1 of the shared layer encoder" in src
    assert "diff = encoder - encoder_2" in src
    assert "both = torch.cat([encoder, diff], dim=1)" in src
    assert "def forward(self, left, right):" in src


def test_placeholder_for_a_layer_without_equivalent() -> None:
    export = to_pytorch_code(load_model(DATA / "keras" / "hb_conv2d.json"))
    assert [(u.name, u.type) for u in export.unsupported] == [("p_re_lu_1", "PReLU")]
    assert "self.p_re_lu_1 = NoPyTorchEquivalent('p_re_lu_1', 'PReLU'," in export.source
    assert "raise NotImplementedError" in export.source


def test_names_are_sanitised() -> None:
    g = LayerGraph("odd names")
    x = g.add_layer("InputLayer", "in put", {"shape": [3]})
    d = g.add_layer("Dense", "forward", {"units": 2})
    e = g.add_layer("Dense", "1st\ndense'); import os #", {"units": 2})
    g.connect(x, d)
    g.connect(d, e)
    src = to_pytorch_code(g).source
    ast.parse(src)
    assert "self.forward_ = nn.Linear(3, 2)" in src
    assert _imports(src) == {"torch"}


# ---------------------------------------------------------------------------- CLI
def test_cli_export_pytorch_reports_placeholders(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "model.py"
    code = cli.main(["export", str(DATA / "keras" / "hb_conv2d.json"), "--to", "pytorch",
                     "--output", str(out)])
    _, err = capsys.readouterr()
    assert code == 0 and out.read_text().startswith("# PyTorch module")
    assert "1 layer with no PyTorch equivalent" in err and "p_re_lu_1 (PReLU)" in err


@pytest.mark.parametrize("target, start", [("keras-code", "# Keras 3 model 'lenet'"),
                                           ("keras-json", '{"module": "keras.src.models')])
def test_cli_export_keras(target: str, start: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["export", "lenet", "--to", target])
    out, _ = capsys.readouterr()
    assert code == 0 and out.startswith(start)


def test_cli_export_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["export", "no_such_model", "--to", "pytorch"]) == 1
    assert "no_such_model" in capsys.readouterr()[1]
    assert cli.main(["export", "lenet", "--to", "torch"]) == 2
    capsys.readouterr()
    assert cli.main(["export", "lenet", "--to", "pytorch", "-o",
                     str(tmp_path / "missing" / "m.py")]) == 1
    assert "cannot write" in capsys.readouterr()[1]


def test_cli_export_pytorch_refuses_a_model_with_layer_errors(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from paramlab.core.io.project import save_project

    g = LayerGraph("broken")
    x = g.add_layer("InputLayer", "x", {"shape": (4, 4, 1)})
    c = g.add_layer("Conv2D", "conv", {"filters": 2, "kernel_size": (5, 5)})  # larger than 4x4
    g.connect(x, c)
    save_project(g, tmp_path / "broken.json")
    out = tmp_path / "broken.py"
    code = cli.main(["export", str(tmp_path / "broken.json"), "--to", "pytorch", "-o", str(out)])
    assert code == 3 and not out.exists()
    assert "could not be computed" in capsys.readouterr()[1]
    # the Keras exports still write the true Keras configuration
    assert cli.main(["export", str(tmp_path / "broken.json"), "--to", "keras-code"]) == 0
    assert "layers.Conv2D(filters=2, kernel_size=[5, 5]" in capsys.readouterr()[0]


def test_adaptive_pooling_and_augmentation_layers() -> None:
    """Keras's adaptive pooling takes the same windows as nn.AdaptiveAvg/MaxPool (checked on
    random inputs with Keras 3.15.1 and torch 2.13, rank 1 to 3, also output_size > input);
    Keras's random augmentations return their input at inference (``layer(x,
    training=False)``), so the export passes the tensor through and names the torchvision
    transform for training."""
    source = to_pytorch_code(load_model(DATA / "keras" / "hb_adaptive_pooling.json")).source
    assert "self.adaptive_average_pooling1d = nn.AdaptiveAvgPool1d(5)" in source
    assert "self.adaptive_average_pooling2d = nn.AdaptiveAvgPool2d((4, 3))" in source
    assert "self.adaptive_max_pooling3d = nn.AdaptiveMaxPool3d((2, 2, 2))" in source
    assert "NoPyTorchEquivalent(" not in source
    export = to_pytorch_code(load_model(DATA / "keras" / "hb_augment.json"))
    assert ("aug_mix = input_layer  # AugMix: identity at inference; for training, "
            "torchvision.transforms.v2.AugMix in the data pipeline") in export.source
    assert {u.name for u in export.unsupported} == set(EXPECTED_UNSUPPORTED["keras:hb_augment"])


def test_center_crop_larger_than_its_input_is_a_placeholder() -> None:
    """Keras gives CenterCrop(40, 16) on (None, 32, 32, 3) the shape (None, 40, 16, 3) by
    resizing the image up first: no slice of the input can do that."""
    g = LayerGraph("c")
    x = g.add_layer("InputLayer", "img", {"shape": (32, 32, 3)})
    small = g.add_layer("CenterCrop", "small", {"height": 20, "width": 16})
    large = g.add_layer("CenterCrop", "large", {"height": 40, "width": 16})
    g.connect(x, small)
    g.connect(x, large)
    export = to_pytorch_code(g)
    assert [u.name for u in export.unsupported] == ["large"]
    assert "small = img[:, :, 6:26, 8:24]" in export.source


@pytest.mark.parametrize("config, module", [
    ({"interpolation": "nearest"}, "nn.Upsample(size=(24, 28), mode='nearest-exact')"),
    ({"interpolation": "bilinear"},
     "nn.Upsample(size=(24, 28), mode='bilinear', align_corners=False)"),
    ({"interpolation": "bicubic"}, None), ({"antialias": True}, None),
    ({"crop_to_aspect_ratio": True}, None)])
def test_resizing_becomes_upsample_where_the_results_are_equal(config: dict,
                                                               module: str | None) -> None:
    """Keras's Resizing (half-pixel centres, no antialiasing) gives nn.Upsample's outputs in
    'nearest-exact' and 'bilinear' modes (checked on random images, up- and downsampling,
    Keras 3.15.1 and torch 2.13); bicubic (another kernel) and the aspect-ratio and
    antialias options have no nn.Upsample form."""
    g = LayerGraph("r")
    x = g.add_layer("InputLayer", "img", {"shape": (32, 30, 3)})
    r = g.add_layer("Resizing", "resize", {"height": 24, "width": 28, **config})
    g.connect(x, r)
    export = to_pytorch_code(g)
    if module is None:
        assert [u.name for u in export.unsupported] == ["resize"]
    else:
        assert f"self.resize = {module}" in export.source and not export.unsupported


def _instantiate(export, tmp_path: Path):
    """The exported module, imported from a file and built (torch needed)."""
    path = tmp_path / f"{export.class_name}.py"
    path.write_text(export.source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(export.class_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, export.class_name)()


def test_generic_rnn_cells_export_as_torch_recurrent_modules(tmp_path) -> None:
    """RNN(LSTMCell(5), go_backwards), RNN([GRUCell(3)] * 2) and Bidirectional(RNN(
    SimpleRNNCell(2))), then RMSNormalization, as nn.LSTM, nn.GRU(num_layers=2), nn.RNN(
    bidirectional=True) and nn.RMSNorm: torch itself counts what the PyTorch convention
    counts (nn.LSTM(4, 5) 200, nn.GRU(5, 3, num_layers=2) 54 + 63, nn.RNN(3, 2,
    bidirectional=True) 2·(6 + 4 + 4), nn.RMSNorm(4) 4: 414) and the forward pass gives
    the Keras output (None, 4)."""
    torch = pytest.importorskip("torch")
    g = LayerGraph("rnn_cells")
    x = g.add_layer("InputLayer", "x", {"shape": [7, 4]})
    layers = [
        g.add_layer("RNN", "a", {"cell": {"class_name": "LSTMCell", "config": {"units": 5}},
                                 "return_sequences": True, "go_backwards": True}),
        g.add_layer("RNN", "b", {"cell": [{"class_name": "GRUCell", "config": {"units": 3}}] * 2,
                                 "return_sequences": True}),
        g.add_layer("Bidirectional", "c", {"layer": {"class_name": "RNN", "config": {
            "cell": {"class_name": "SimpleRNNCell", "config": {"units": 2}}}}}),
        g.add_layer("RMSNormalization", "d")]
    for src, dst in zip([x] + layers, layers):
        g.connect(src, dst)
    result = propagate(g)
    export = to_pytorch_code(g, result)
    assert export.unsupported == ()
    net = _instantiate(export, tmp_path)
    assert sum(p.numel() for p in net.parameters()) == 414 == summarize(
        g, result, convention="pytorch").total
    with torch.no_grad():
        assert tuple(net(torch.zeros(1, 4, 7)).shape) == (1, 4)


def test_tied_reversible_embedding_exports_both_calls(tmp_path) -> None:
    """ReversibleEmbedding(50, 8) called on 10 token ids, then RMSNormalization, then again
    with reverse=True: one nn.Embedding(50, 8) (400 parameters, as Keras counts them; plus
    nn.RMSNorm(8)'s 8), whose weight transposed gives the logits, (1, 50, 10)
    channels-first for Keras's (None, 10, 50)."""
    torch = pytest.importorskip("torch")
    g = LayerGraph("tied")
    x = g.add_layer("InputLayer", "tok", {"shape": [10]})
    emb = g.add_layer("ReversibleEmbedding", "remb", {"input_dim": 50, "output_dim": 8})
    rms = g.add_layer("RMSNormalization", "rms")
    back = g.add_layer("ReversibleEmbedding", "remb_call1",
                       {"input_dim": 50, "output_dim": 8, "reverse": True}, shared_with=emb)
    g.connect(x, emb)
    g.connect(emb, rms)
    g.connect(rms, back)
    result = propagate(g)
    assert result.layers[back].output_shape == (None, 10, 50) and result.total == 408
    export = to_pytorch_code(g, result)
    assert export.unsupported == ()
    assert ".weight.T)" in export.source
    net = _instantiate(export, tmp_path)
    assert sum(p.numel() for p in net.parameters()) == 408
    with torch.no_grad():
        assert tuple(net(torch.zeros(1, 10)).shape) == (1, 50, 10)


# ---------------------------------------------------------------------------- channels_first
_CF = {"data_format": "channels_first"}


def _chain(g: LayerGraph, start: str, layers: list[tuple[str, str, dict]]) -> str:
    prev = start
    for t, name, config in layers:
        node = g.add_layer(t, name, config)
        g.connect(prev, node)
        prev = node
    return prev


def test_channels_first_conv_pool_flatten_dense_source() -> None:
    """Conv2D -> MaxPooling2D -> Flatten -> Dense, all channels_first, on (None, 3, 8, 7):
    Keras holds the image (N, C, H, W), PyTorch's own layout, so ``forward`` takes it as it
    is and the convolution, its padding (Keras's 'same' with strides 2 pads H = 8 by (0, 1)
    and W = 7 by (1, 1)) and the pooling need no movedim; Flatten(data_format=
    'channels_first') moves the channels last before flattening, as Keras does
    (keras/src/layers/reshaping/flatten.py), so Dense sees Keras's feature order."""
    g = LayerGraph("cf")
    img = g.add_layer("InputLayer", "img", {"shape": (3, 8, 7)})
    _chain(g, img, [
        ("Conv2D", "conv", {"filters": 4, "kernel_size": (3, 3), "strides": (2, 2),
                            "padding": "same", "activation": "relu", **_CF}),
        ("MaxPooling2D", "pool", {"pool_size": (2, 2), **_CF}),
        ("Flatten", "flatten", dict(_CF)), ("Dense", "dense", {"units": 5})])
    export = to_pytorch_code(g)
    src = export.source
    assert export.unsupported == () and export.keras_order == ("img",)
    assert "self.conv = nn.Conv2d(3, 4, kernel_size=(3, 3), stride=(2, 2))" in src
    assert "self.dense = nn.Linear(16, 5)" in src
    forward = src[src.index("    def forward(self, img):"):src.index("        return dense")]
    assert [line.strip() for line in forward.splitlines() if "=" in line] == [
        "conv = torch.relu(self.conv(nn.functional.pad(img, (1, 1, 0, 1))))",
        "pool = self.pool(conv)",
        "flatten = self.flatten(pool.movedim(1, -1))",
        "dense = self.dense(flatten)"]
    assert "# (already (N, C, *spatial)): img." in src


def test_channels_first_batch_normalization_on_axis_1() -> None:
    """Conv2D(8, 3) -> BatchNormalization(axis=1) -> MaxPooling2D(2) -> Flatten -> Dense,
    channels_first on (None, 3, 32, 32), as tf.keras 2 models were written: axis 1 is the
    channels Keras holds at dim 1, what nn.BatchNorm2d(8) normalises, so the tensors stay in
    Keras's order up to Flatten. A BatchNormalization over axis 2 is a placeholder saying
    why."""
    g = LayerGraph("cf_bn")
    img = g.add_layer("InputLayer", "img", {"shape": (3, 32, 32)})
    conv = _chain(g, img, [("Conv2D", "conv", {"filters": 8, "kernel_size": (3, 3), **_CF})])
    _chain(g, conv, [("BatchNormalization", "bn", {"axis": 1}),
                     ("MaxPooling2D", "pool", {"pool_size": (2, 2), **_CF}),
                     ("Flatten", "flatten", dict(_CF)), ("Dense", "dense", {"units": 10})])
    _chain(g, conv, [("BatchNormalization", "bn_rows", {"axis": 2})])
    export = to_pytorch_code(g)
    src = export.source
    assert "self.bn = nn.BatchNorm2d(8, eps=0.001, momentum=0.01)" in src
    assert "self.dense = nn.Linear(1800, 10)" in src
    for line in ("conv = self.conv(img)", "bn = self.bn(conv)", "pool = self.pool(bn)",
                 "flatten = self.flatten(pool.movedim(1, -1))", "dense = self.dense(flatten)"):
        assert f"        {line}\n" in src
    assert [(u.name, u.reason) for u in export.unsupported] == [(
        "bn_rows", "BatchNormalization over axis 2, not the channels: nn.BatchNormNd "
        "normalises the channels, Keras's last axis or axis 1 of channels_first input")]


def test_channels_first_layers_beside_channels_last_ones() -> None:
    """An input read by a channels_last layer too is held channels-last-moved (the last
    axis at 1): the channels_first Conv2D gets it back in Keras's order with movedim(1, -1);
    a BatchNormalization (axis -1) after that convolution gets Keras's last axis at 1 with
    movedim(-1, 1), as every channels_last layer does (a Dense, on Keras's last axis, takes it
    as it is); the convolution's own output stays in Keras's order and says so."""
    g = LayerGraph("mixed")
    img = g.add_layer("InputLayer", "img", {"shape": (3, 8, 7)})
    conv_cf = _chain(g, img, [("Conv2D", "conv_cf", {"filters": 2, "kernel_size": (1, 1),
                                                     **_CF})])
    _chain(g, img, [("Conv2D", "conv_cl", {"filters": 2, "kernel_size": (1, 1)})])
    _chain(g, conv_cf, [("BatchNormalization", "bn", {})])
    g.connect(conv_cf, g.add_layer("Activation", "out_cf", {"activation": "relu"}))
    _chain(g, conv_cf, [("Dense", "dense", {"units": 3})])
    export = to_pytorch_code(g)
    src = export.source
    assert export.keras_order == ("out_cf",)
    # Dense works on Keras's last axis, where the convolution's output already has it
    assert "dense = self.dense(conv_cf).movedim(-1, 1)" in src
    assert "conv_cf = self.conv_cf(img.movedim(1, -1))" in src
    assert "conv_cl = self.conv_cl(img)" in src
    assert "bn = self.bn(conv_cf.movedim(-1, 1))" in src
    assert "self.bn = nn.BatchNorm2d(7," in src  # Keras's last axis of (None, 2, 8, 7)
    assert "out_cf = self.out_cf(conv_cf)" in src  # nn.ReLU, elementwise: any order


def _cf_and_cl_models(fmt: str) -> LayerGraph:
    """The same layers, channels_last or channels_first, on an 8x7 RGB image: padding
    'same' with strides, BatchNormalization and Concatenate on the channels (axis -1 or 1),
    average pooling over a padded border (Keras divides by the real elements), zero padding,
    upsampling and cropping (one output) and Flatten -> Dense (the other)."""
    first = fmt == "channels_first"
    cf = {"data_format": fmt}
    g = LayerGraph(fmt)
    img = g.add_layer("InputLayer", "img", {"shape": (3, 8, 7) if first else (8, 7, 3)})
    conv = _chain(g, img, [
        ("Conv2D", "conv", {"filters": 4, "kernel_size": (3, 3), "strides": (2, 2),
                            "padding": "same", "activation": "tanh", **cf})])
    bn = _chain(g, conv, [("BatchNormalization", "bn", {"axis": 1 if first else -1})])
    cat = g.add_layer("Concatenate", "cat", {"axis": 1 if first else -1})
    g.connect(bn, cat, 0)
    g.connect(conv, cat, 1)
    pool = _chain(g, cat, [("AveragePooling2D", "pool", {"pool_size": (3, 3), "strides": (2, 2),
                                                         "padding": "same", **cf})])
    _chain(g, pool, [("ZeroPadding2D", "pad", {"padding": ((1, 0), (0, 2)), **cf}),
                     ("UpSampling2D", "up", {"size": (2, 3), **cf}),
                     ("Cropping2D", "crop", {"cropping": ((1, 2), (3, 0)), **cf})])
    _chain(g, pool, [("Flatten", "flatten", dict(cf)), ("Dense", "dense", {"units": 5})])
    return g


def test_channels_first_module_computes_what_the_channels_last_one_does(tmp_path) -> None:
    """A channels_first model and its channels_last twin, with the same weights (PyTorch's
    conv and linear weights do not depend on Keras's data_format, and Flatten orders the
    features channels-last in both), give the same outputs on the same image: the
    channels_last module takes and returns Keras's (N, H, W, C) tensors with C moved to
    axis 1, the channels_first one Keras's own (N, C, H, W) tensors, the same ones."""
    torch = pytest.importorskip("torch")
    nets, exports = {}, {}
    for fmt in ("channels_last", "channels_first"):
        g = _cf_and_cl_models(fmt)
        exports[fmt] = to_pytorch_code(g)
        assert exports[fmt].unsupported == ()
        nets[fmt] = _instantiate(exports[fmt], tmp_path).eval()
    assert exports["channels_first"].keras_order == ("img", "crop")  # dense: rank 2
    # Keras's order all along: Flatten's movedim is the only one
    assert exports["channels_first"].source.count(".movedim(") == 1
    assert "cat = torch.cat([bn, conv], dim=1)" in exports["channels_first"].source
    assert exports["channels_last"].keras_order == ()
    torch.manual_seed(0)
    for p in nets["channels_last"].parameters():
        torch.nn.init.normal_(p)
    for b in (nets["channels_last"].bn.running_mean, nets["channels_last"].bn.running_var):
        b.uniform_(0.5, 1.5)
    nets["channels_first"].load_state_dict(nets["channels_last"].state_dict())
    keras_cl = torch.rand(2, 8, 7, 3)  # a Keras channels_last batch
    with torch.no_grad():
        crop_cl, dense_cl = nets["channels_last"](keras_cl.movedim(-1, 1))
        crop_cf, dense_cf = nets["channels_first"](keras_cl.permute(0, 3, 1, 2))
    # Keras's shapes: (None, 3, 9, 8) channels_last, (None, 8, 3, 9) channels_first
    assert crop_cl.shape == crop_cf.shape == (2, 8, 3, 9)
    assert dense_cl.shape == dense_cf.shape == (2, 5)
    assert torch.allclose(crop_cl, crop_cf) and torch.allclose(dense_cl, dense_cf)
    assert dense_cl.abs().max() > 0.1  # not a trivial zero


def test_channels_first_softmax_is_over_keras_last_axis() -> None:
    """Keras applies a layer's softmax activation over the last axis of its output: W for
    a channels_first Conv2D's (N, C, H, W), held as is, so dim=-1 (dim=1, the channels,
    for channels_last)."""
    g = LayerGraph("soft")
    img = g.add_layer("InputLayer", "img", {"shape": (3, 8, 7)})
    _chain(g, img, [("Conv2D", "conv", {"filters": 2, "kernel_size": (1, 1),
                                        "activation": "softmax", **_CF})])
    assert "conv = torch.softmax(self.conv(img), dim=-1)" in to_pytorch_code(g).source


# ---------------------------------------------------------------------------- several outputs
def _states_model() -> tuple[LayerGraph, dict[str, str]]:
    """On a (None, 7, 4) sequence: LSTM(5, return_state=True) -> [last step, h, c];
    GRU(3, return_sequences=True, return_state=True, go_backwards=True) -> [sequence, h];
    Bidirectional(LSTM(2, return_sequences=True, return_state=True)) -> [sequence (4
    features), forward h, forward c, backward h, backward c] (Keras 3's order,
    keras/src/layers/rnn/bidirectional.py: ``(output,) + states``, forward then backward);
    the states (and the LSTM's output) feed a Concatenate, then a Dense; the GRU's and the
    Bidirectional's sequences and the Concatenate are also returned (through Dropout, the
    identity at inference: a layer something reads is not a model output here)."""
    g = LayerGraph("states")
    x = g.add_layer("InputLayer", "seq", {"shape": [7, 4]})
    ids = {"lstm": g.add_layer("LSTM", "lstm", {"units": 5, "return_state": True}),
           "gru": g.add_layer("GRU", "gru", {"units": 3, "return_sequences": True,
                                             "return_state": True, "go_backwards": True}),
           "bi": g.add_layer("Bidirectional", "bi", {"layer": {"class_name": "LSTM", "config": {
               "units": 2, "return_sequences": True, "return_state": True}}})}
    for node in ids.values():
        g.connect(x, node)
    cat = g.add_layer("Concatenate", "states_cat", {"axis": -1})
    for src, output in [("lstm", 0), ("lstm", 1), ("lstm", 2), ("gru", 1), ("bi", 1),
                        ("bi", 2), ("bi", 3), ("bi", 4)]:
        g.connect(ids[src], cat, output=output)
    dense = g.add_layer("Dense", "dense", {"units": 6})
    g.connect(cat, dense)
    ids.update(cat=cat, dense=dense)
    for src in ("gru", "bi", "cat"):
        ids[f"{src}_out"] = g.add_layer("Dropout", f"{src}_out", {"rate": 0.5})
        g.connect(ids[src], ids[f"{src}_out"])
    return g, ids


def test_return_state_layers_give_each_consumer_its_state() -> None:
    """Keras returns [output, h] (GRU, SimpleRNN), [output, h, c] (LSTM); nn.LSTM returns
    (seq, (h_n, c_n)), nn.GRU (seq, h_n), h_n of shape (directions, N, H): each state gets
    a variable, and the Concatenate reads the ones its edges name, in its input order."""
    g, ids = _states_model()
    result = propagate(g)
    assert result.layers[ids["bi"]].output_shapes == (
        (None, 7, 4), (None, 2), (None, 2), (None, 2), (None, 2))
    export = to_pytorch_code(g, result)
    src = export.source
    assert export.unsupported == ()
    assert "self.lstm = nn.LSTM(4, 5, batch_first=True)" in src
    assert "self.bi = nn.LSTM(4, 2, batch_first=True, bidirectional=True)" in src
    forward = src[src.index("    def forward(self, seq):"):src.index("        return ")]
    assert [line.strip() for line in forward.splitlines()[1:]] == [
        "lstm, (lstm_h_n, lstm_c_n) = self.lstm(seq.movedim(1, -1))",
        "lstm = lstm[:, -1]",
        "lstm_h, lstm_c = lstm_h_n[0], lstm_c_n[0]",
        "gru, gru_h_n = self.gru(seq.movedim(1, -1).flip(1))",
        "gru = gru.movedim(-1, 1)",
        "gru_h = gru_h_n[0]",
        "bi, (bi_h_n, bi_c_n) = self.bi(seq.movedim(1, -1))",
        "bi = bi.movedim(-1, 1)",
        "bi_forward_h, bi_forward_c, bi_backward_h, bi_backward_c = "
        "bi_h_n[0], bi_c_n[0], bi_h_n[1], bi_c_n[1]",
        "states_cat = torch.cat([lstm, lstm_h, lstm_c, gru_h, bi_forward_h, bi_forward_c, "
        "bi_backward_h, bi_backward_c], dim=1)",
        "dense = self.dense(states_cat)",
        "gru_out = self.gru_out(gru)", "bi_out = self.bi_out(bi)",
        "cat_out = self.cat_out(states_cat)"]
    assert "        return (dense, gru_out, bi_out, cat_out)\n" in src


def test_placeholder_with_several_outputs_names_each_of_them() -> None:
    """An RNN over unlike cells (GRUCell(2) then LSTMCell(3)) has no single torch module;
    with return_state Keras returns [output, h1, h2, c2]: the placeholder's call stands for
    each of them, so every consumer reads its own variable."""
    g = LayerGraph("unlike")
    x = g.add_layer("InputLayer", "seq", {"shape": [7, 4]})
    rnn = g.add_layer("RNN", "rnn", {"cell": [
        {"class_name": "GRUCell", "config": {"units": 2}},
        {"class_name": "LSTMCell", "config": {"units": 3}}], "return_state": True})
    g.connect(x, rnn)
    cat = g.add_layer("Concatenate", "cat")
    g.connect(rnn, cat, output=3)
    g.connect(rnn, cat, output=1)
    export = to_pytorch_code(g)
    assert [u.name for u in export.unsupported] == ["rnn"]
    assert "rnn, rnn_h1, rnn_h2, rnn_c2 = self.rnn(seq)" in export.source
    assert "cat = torch.cat([rnn_c2, rnn_h1], dim=1)" in export.source


def _mha_scores_model() -> tuple[LayerGraph, str]:
    g = LayerGraph("mha_scores")
    q = g.add_layer("InputLayer", "q", {"shape": [5, 8]})
    v = g.add_layer("InputLayer", "v", {"shape": [6, 8]})
    mha = g.add_layer("MultiHeadAttention", "mha", {"num_heads": 2, "key_dim": 4,
                                                    "return_attention_scores": True})
    g.connect(q, mha, 0)
    g.connect(v, mha, 1)
    relu = g.add_layer("Activation", "scores_relu", {"activation": "relu"})
    g.connect(mha, relu, output=1)
    g.connect(mha, g.add_layer("Dropout", "mha_out", {"rate": 0.1}))
    return g, mha


def test_attention_scores_are_the_second_output() -> None:
    """MultiHeadAttention(return_attention_scores=True): Keras returns [output, scores],
    scores (None, heads, Tq, Tk); nn.MultiheadAttention with need_weights=True,
    average_attn_weights=False gives (N, heads, Tq, Tk), held like every tensor of rank 3
    or more (Keras's last axis, Tk, at 1)."""
    g, mha = _mha_scores_model()
    result = propagate(g)
    assert result.layers[mha].output_shapes == ((None, 5, 8), (None, 2, 5, 6))
    export = to_pytorch_code(g, result)
    src = export.source
    assert export.unsupported == ()
    for line in ("mha, mha_scores = self.mha(q.movedim(1, -1), v.movedim(1, -1), "
                 "v.movedim(1, -1), need_weights=True, average_attn_weights=False)",
                 "mha = mha.movedim(-1, 1)", "mha_scores = mha_scores.movedim(-1, 1)",
                 "scores_relu = self.scores_relu(mha_scores)", "mha_out = self.mha_out(mha)",
                 "return (scores_relu, mha_out)"):
        assert f"        {line}\n" in src


def test_return_state_module_counts_shapes_and_states(tmp_path) -> None:
    """With torch: the exported module of :func:`_states_model` has ParamLab's
    PyTorch-convention parameter count (nn.LSTM(4, 5) 4·5·(4 + 5) + 2·20 = 220, nn.GRU(4, 3)
    3·3·(4 + 3) + 2·9 = 81, nn.LSTM(4, 2, bidirectional=True) 2·(4·2·(4 + 2) + 2·8) = 128,
    nn.Linear(26, 6) 162: 591), returns
    ParamLab's output shapes, and its states are the ones Keras returns: h is the last
    step the layer computed (the GRU's sequence ends with it, go_backwards or not; the
    LSTM's output is its h), the Bidirectional's forward h its output's forward half at the
    last step, the backward h its backward half at step 0."""
    torch = pytest.importorskip("torch")
    g, ids = _states_model()
    result = propagate(g)
    export = to_pytorch_code(g, result)
    net = _instantiate(export, tmp_path).eval()
    summary = summarize(g, result, convention="pytorch")
    assert sum(p.numel() for p in net.parameters()) == summary.total == 591
    torch.manual_seed(0)
    with torch.no_grad():
        outputs = net(torch.randn(2, 4, 7))
    assert [list(t.shape) for t in outputs] == [
        [2] + _channels_first(result.layers[ids[k]].output_shape)[1:]
        for k in ("dense", "gru_out", "bi_out", "cat_out")]
    _, gru, bi, cat = outputs  # gru, bi: (N, features, steps)
    lstm, lstm_h, lstm_c, gru_h = cat[:, :5], cat[:, 5:10], cat[:, 10:15], cat[:, 15:18]
    fwd_h, bwd_h = cat[:, 18:20], cat[:, 22:24]
    assert torch.allclose(lstm, lstm_h) and not torch.allclose(lstm_h, lstm_c)
    assert torch.allclose(gru_h, gru[:, :, -1])
    assert torch.allclose(fwd_h, bi[:, :2, -1]) and torch.allclose(bwd_h, bi[:, 2:, 0])
    assert gru_h.abs().min() > 1e-4 and bwd_h.abs().min() > 1e-4  # not trivial zeros


def test_attention_scores_module_shapes(tmp_path) -> None:
    """With torch: the scores come back as ParamLab's (None, 2, 5, 6) with its last axis
    at 1, and they are attention weights: each query's scores over the 6 keys sum to 1."""
    torch = pytest.importorskip("torch")
    g, mha = _mha_scores_model()
    result = propagate(g)
    net = _instantiate(to_pytorch_code(g, result), tmp_path).eval()
    assert sum(p.numel() for p in net.parameters()) == summarize(
        g, result, convention="pytorch").total
    with torch.no_grad():
        scores, out = net(torch.randn(3, 8, 5), torch.randn(3, 8, 6))
    assert list(out.shape) == [3, 8, 5] and list(scores.shape) == [3, 6, 2, 5]
    assert torch.allclose(scores.sum(dim=1), torch.ones(3, 2, 5))


# Keras weight (path prefix) -> (attribute of the exported module, torch suffix, cell kind)
_KERAS_CELLS = {
    "lstm/lstm_cell": ("lstm", "_l0", "lstm"), "gru/gru_cell": ("gru", "_l0", "gru"),
    "bi/forward_lstm/lstm_cell": ("bi", "_l0", "lstm"),
    "bi/backward_lstm/lstm_cell": ("bi", "_l0_reverse", "lstm"),
    "bg/forward_gru/gru_cell": ("bg", "_l0", "gru"),
    "bg/backward_gru/gru_cell": ("bg", "_l0_reverse", "gru"),
    "sl/stacked_rnn_cells/lstm_cell": ("sl", "_l0", "lstm"),
    "sl/stacked_rnn_cells/lstm_cell_1": ("sl", "_l1", "lstm"),
    "sg/stacked_rnn_cells_1/gru_cell": ("sg", "_l0", "gru"),
    "sg/stacked_rnn_cells_1/gru_cell_1": ("sg", "_l1", "gru")}


def _load_keras_weights(net, weights: dict, torch, cells: dict = _KERAS_CELLS) -> None:
    """Keras's weights into the exported module. LSTM: the same gate order (i, f, c/g, o),
    kernels transposed, Keras's one bias as bias_ih and bias_hh zero. GRU (reset_after):
    Keras's gates z, r, h are PyTorch's r, z, n, and its (2, 3·units) bias is bias_ih,
    bias_hh. MultiHeadAttention: the (E, heads, key_dim) query / key / value kernels are
    in_proj_weight's three row blocks, the (heads, key_dim, E) output kernel out_proj's.
    ``cells``: which recurrent cells (Keras path prefix) go where."""
    import numpy as np

    def gates(a, axis):  # Keras z, r, h -> PyTorch r, z, n
        z, r, h = np.split(np.asarray(a, dtype=np.float32), 3, axis=axis)
        return np.concatenate([r, z, h], axis=axis)

    def put(tensor, value) -> None:
        tensor.data.copy_(torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32)))

    for prefix, (attr, suffix, kind) in cells.items():
        module = getattr(net, attr)
        kernel, recurrent, bias = (np.asarray(weights[f"{prefix}/{w}"], dtype=np.float32)
                                   for w in ("kernel", "recurrent_kernel", "bias"))
        if kind == "gru":
            kernel, recurrent = gates(kernel, 1), gates(recurrent, 1)
            bias_ih, bias_hh = gates(bias[0], 0), gates(bias[1], 0)
        else:
            bias_ih, bias_hh = bias, np.zeros_like(bias)
        for name, value in (("weight_ih", kernel.T), ("weight_hh", recurrent.T),
                            ("bias_ih", bias_ih), ("bias_hh", bias_hh)):
            put(getattr(module, name + suffix), value)
    mha = {k.split("/", 1)[1]: np.asarray(v, dtype=np.float32)
           for k, v in weights.items() if k.startswith("mha/")}
    if not mha:
        return
    e = mha["query/kernel"].shape[0]
    put(net.mha.in_proj_weight, np.concatenate(
        [mha[f"{p}/kernel"].reshape(e, -1).T for p in ("query", "key", "value")]))
    put(net.mha.in_proj_bias, np.concatenate(
        [mha[f"{p}/bias"].reshape(-1) for p in ("query", "key", "value")]))
    put(net.mha.out_proj.weight, mha["attention_output/kernel"].reshape(-1, e).T)
    put(net.mha.out_proj.bias, mha["attention_output/bias"])


def test_states_and_scores_equal_keras(tmp_path) -> None:
    """With torch: tests/data/keras_numeric/states.json (tests/data/gen/
    keras_numeric_states.py, Keras 3.15.1 with JAX) holds a model whose LSTM, GRU
    (go_backwards), Bidirectional LSTM and GRU (merge_mode='sum'), RNNs over two LSTMCells
    and two GRUCells, and MultiHeadAttention return their states / scores, its weights, an
    input and Keras's outputs. Imported, exported and given the same weights, the PyTorch
    module returns Keras's outputs: the states side by side (in the order the Concatenate's
    edges name them), the sequences and the scores (last axis moved to 1)."""
    torch = pytest.importorskip("torch")
    record, _, _, net = _keras_numeric("states.json", tmp_path)
    _load_keras_weights(net, record["weights"], torch)
    _assert_keras_outputs(net, record, torch)


def _keras_numeric(name: str, tmp_path: Path, record: dict | None = None) -> tuple:
    """tests/data/keras_numeric/``name`` (or ``record``, read from it and changed): its
    record, the model imported from its config, the propagation result and the exported
    module (torch needed), with no placeholder, the model's outputs in Keras's order and
    the PyTorch convention's count of parameters."""
    if record is None:
        record = json.loads((DATA / "keras_numeric" / name).read_text(encoding="utf-8"))
    model = tmp_path / name
    model.write_text(json.dumps(record["config"]), encoding="utf-8")
    graph = load_model(model)
    result = propagate(graph)
    export = to_pytorch_code(graph, result)
    assert export.unsupported == ()
    assert [graph.raw(n)["name"] for n, _ in model_outputs(graph, result.layers)] \
        == record["output_names"]
    net = _instantiate(export, tmp_path).eval()
    assert sum(p.numel() for p in net.parameters()) == summarize(
        graph, result, convention="pytorch").total
    return record, graph, result, net


def _assert_keras_outputs(net, record: dict, torch) -> None:
    """The module's outputs on the record's input (last axis moved to 1) are Keras's."""
    with torch.no_grad():
        got = net(torch.tensor(record["input"]).movedim(-1, 1))
    for name, mine, keras in zip(record["output_names"], got, record["outputs"]):
        want = torch.tensor(keras)
        mine = mine.movedim(1, -1) if mine.dim() >= 3 else mine
        assert mine.shape == want.shape, name
        assert torch.allclose(mine, want, atol=1e-5), (name, (mine - want).abs().max())


def test_recurrent_loops_equal_keras(tmp_path) -> None:
    """With torch: tests/data/keras_numeric/loops.json (tests/data/gen/keras_numeric_loops.py,
    Keras 3.15.1 with JAX) holds a model whose recurrent layers nn.LSTM / nn.GRU / nn.RNN
    cannot run — LSTM with recurrent_activation='hard_sigmoid' (go_backwards, return_state)
    or activation='relu' (return_sequences), GRU(reset_after=False) (go_backwards,
    return_sequences, return_state; hard_sigmoid without bias), GRU(reset_after=True) with
    hard_sigmoid, SimpleRNN('sigmoid'), Bidirectional LSTM (hard_sigmoid, sequences and
    states) and GRU(reset_after=False, merge_mode='ave'), RNN(LSTMCell(hard_sigmoid)) with
    its states — its weights, an input and Keras's outputs. The export runs each as a loop
    over the steps on Keras's own tensors (no placeholder); given Keras's weights as they
    are, it returns Keras's outputs, and holds exactly ParamLab's PyTorch-convention count
    (Keras's own for these layers)."""
    torch = pytest.importorskip("torch")
    record, graph, result, net = _keras_numeric("loops.json", tmp_path)
    assert summarize(graph, result, convention="pytorch").total == summarize(graph, result).total
    params = dict(net.named_parameters())
    assert len(params) == len(record["weights"])
    for path, value in record["weights"].items():
        layer, *middle, name = path.split("/")
        side = {"forward": ".0", "backward": ".1"}.get(middle[0].split("_")[0], "")
        params[f"{layer}{side}.{name}"].data.copy_(torch.tensor(value))
    _assert_keras_outputs(net, record, torch)


def test_recurrent_layers_torch_cannot_run_are_loops_in_forward() -> None:
    """LSTM(recurrent_activation='hard_sigmoid', go_backwards, return_state) and
    Bidirectional(GRU(reset_after=False), merge_mode='sum') are the file's KerasLSTM /
    KerasGRU (written once, only when used) on Keras's tensors; a stateful one stays a
    placeholder; a model without such layers gets no loop class."""
    g = LayerGraph("loops")
    x = g.add_layer("InputLayer", "seq", {"shape": [7, 4]})
    hs = g.add_layer("LSTM", "hs", {"units": 3, "recurrent_activation": "hard_sigmoid",
                                    "go_backwards": True, "return_state": True})
    bi = g.add_layer("Bidirectional", "bi", {"merge_mode": "sum", "layer": {
        "class_name": "GRU", "config": {"units": 2, "reset_after": False}}})
    st = g.add_layer("LSTM", "st", {"units": 2, "activation": "relu", "stateful": True})
    cat = g.add_layer("Concatenate", "cat")
    for layer in (hs, bi, st):
        g.connect(x, layer)
    g.connect(hs, cat, output=2)
    g.connect(bi, cat)
    export = to_pytorch_code(g)
    src = export.source
    assert [u.name for u in export.unsupported] == ["st"]
    assert src.count("class KerasLSTM(nn.Module):") == src.count("class KerasGRU(nn.Module):") == 1
    assert "class KerasSimpleRNN" not in src
    assert "self.hs = KerasLSTM(4, 3, torch.tanh, nn.functional.hardsigmoid)" in src
    assert ("self.bi = nn.ModuleList([KerasGRU(4, 2, torch.tanh, torch.sigmoid, "
            "reset_after=False) for _ in range(2)])  # forward, backward") in src
    assert _forward_lines(src) == [
        "hs, hs_h, hs_c = self.hs(seq.movedim(1, -1).flip(1))",
        "hs = hs[:, -1]",
        "bi_forward = self.bi[0](seq.movedim(1, -1))[0]",
        "bi_backward = self.bi[1](seq.movedim(1, -1).flip(1))[0]",
        "bi = bi_forward[:, -1] + bi_backward[:, -1]",
        "st = self.st(seq)",
        "cat = torch.cat([hs_c, bi], dim=1)"]
    assert "looped over the steps with\n# Keras's own tensors and activations: hs, bi." in src
    assert "# hard_sigmoid is Keras 3's, relu6(x + 3) / 6; tf.keras 2 computed" in src
    # nn.GRU(bidirectional=True), merge_mode="sum", sequences: the whole sum moves axes
    rnn = to_pytorch_code(load_model(DATA / "keras" / "hb_rnn.json")).source
    assert ("bidirectional_1 = (bidirectional_1[..., :6] + bidirectional_1[..., 6:])"
            ".movedim(-1, 1)") in rnn
    assert "self.gru_1 = KerasGRU(20, 12, torch.tanh, torch.sigmoid, reset_after=False)" in rnn
    plain = to_pytorch_code(load_model("bn_mlp")).source
    assert "Keras" + "LSTM" not in plain and "looped" not in plain


def _forward_lines(src: str) -> list[str]:
    """The statements of ``forward(self, seq)`` in an exported file, before its return."""
    start = src.index("    def forward(self, seq):")
    return [line.strip() for line in src[start:src.index("        return ", start)]
            .splitlines()[1:]]


def _split_model() -> LayerGraph:
    """Bidirectional(merge_mode=None) of LSTM(3, return_sequences, return_state) through
    nn.LSTM and of GRU(2, reset_after=False) through the KerasGRU loop, their outputs taken
    by index: backward before forward into a Concatenate, the LSTM's backward c state."""
    g = LayerGraph("split")
    ids = {"x": g.add_layer("InputLayer", "seq", {"shape": [7, 4]})}
    ids["bl"] = g.add_layer("Bidirectional", "bl", {"merge_mode": None, "layer": {
        "class_name": "LSTM", "config": {"units": 3, "return_sequences": True,
                                         "return_state": True}}})
    ids["gr"] = g.add_layer("Bidirectional", "gr", {"merge_mode": None, "layer": {
        "class_name": "GRU", "config": {"units": 2, "reset_after": False}}})
    ids["seq_cat"] = g.add_layer("Concatenate", "seq_cat")
    ids["cat"] = g.add_layer("Concatenate", "cat")
    g.connect(ids["x"], ids["bl"])
    g.connect(ids["x"], ids["gr"])
    g.connect(ids["bl"], ids["seq_cat"], 0, output=1)
    g.connect(ids["bl"], ids["seq_cat"], 1, output=0)
    for i, (src, k) in enumerate((("gr", 1), ("gr", 0), ("bl", 5))):
        g.connect(ids[src], ids["cat"], i, output=k)
    return g


def test_bidirectional_merge_mode_none_splits_into_both_directions() -> None:
    """Keras's Bidirectional(merge_mode=None) returns [forward, backward, *forward states,
    *backward states] (keras/src/layers/rnn/bidirectional.py): through nn.LSTM the two are
    the output's halves (the backward sequence already in time order, its last step at
    t = 0 without return_sequences), through the loop classes each direction's own output
    (the backward sequence flipped back); each consumer reads its own index."""
    export = to_pytorch_code(_split_model())
    assert export.unsupported == ()
    src = export.source
    assert "self.bl = nn.LSTM(4, 3, batch_first=True, bidirectional=True)" in src
    assert _forward_lines(src) == [
        "bl, (bl_h_n, bl_c_n) = self.bl(seq.movedim(1, -1))",
        "bl_backward = bl[..., 3:].movedim(-1, 1)",
        "bl = bl[..., :3].movedim(-1, 1)",
        ("bl_forward_h, bl_forward_c, bl_backward_h, bl_backward_c = "
         "bl_h_n[0], bl_c_n[0], bl_h_n[1], bl_c_n[1]"),
        "gr = self.gr[0](seq.movedim(1, -1))[0]",
        "gr_backward = self.gr[1](seq.movedim(1, -1).flip(1))[0]",
        "gr = gr[:, -1]",
        "gr_backward = gr_backward[:, -1]",
        "seq_cat = torch.cat([bl_backward, bl], dim=1)",
        "cat = torch.cat([gr_backward, gr, bl_backward_c], dim=1)"]
    last = LayerGraph("last")
    x = last.add_layer("InputLayer", "seq", {"shape": [7, 4]})
    bg = last.add_layer("Bidirectional", "bg", {"merge_mode": None, "layer": {
        "class_name": "GRU", "config": {"units": 2}}})
    out = last.add_layer("Subtract", "out")
    last.connect(x, bg)
    last.connect(bg, out, 0, output=1)
    last.connect(bg, out, 1, output=0)
    src = to_pytorch_code(last).source
    assert ("        bg, _ = self.bg(seq.movedim(1, -1))\n"
            "        bg_backward = bg[:, 0, 2:]\n"
            "        bg = bg[:, -1, :2]\n"
            "        out = bg_backward - bg\n") in src


def test_bidirectional_merge_mode_none_equals_keras(tmp_path) -> None:
    """With torch: tests/data/keras_numeric/split.json (tests/data/gen/
    keras_numeric_split.py, Keras 3.15.1 with JAX) holds Bidirectional(merge_mode=None)
    layers — LSTM(3) and LSTM(2) with return_sequences (the second with return_state),
    GRU(2, return_state), GRU(3) through nn.LSTM / nn.GRU(bidirectional=True); LSTM(2,
    hard_sigmoid, sequences and states) and GRU(2, reset_after=False) through the loop
    classes — whose forward and backward outputs and states feed Concatenates and Dense
    layers by index. Given Keras's weights, the export returns Keras's outputs, and holds
    ParamLab's PyTorch-convention count."""
    torch = pytest.importorskip("torch")
    record, _, _, net = _keras_numeric("split.json", tmp_path)
    cells = {}
    for path in record["weights"]:
        layer, side, cell, _ = (path.split("/") + ["", ""])[:4]
        if layer in ("bl", "bg", "bs", "bn") and path.endswith("/kernel"):
            cells[f"{layer}/{side}/{cell}"] = (
                layer, "_l0" if side.startswith("forward") else "_l0_reverse", cell[:-5])
    assert len(cells) == 8
    _load_keras_weights(net, record["weights"], torch, cells)
    params = dict(net.named_parameters())
    for path, value in record["weights"].items():
        layer, *middle, name = path.split("/")
        value = torch.tensor(value)
        if layer in ("hl", "gr"):  # the loop classes hold Keras's own tensors
            side = ".0" if middle[0].startswith("forward") else ".1"
            params[f"{layer}{side}.{name}"].data.copy_(value)
        elif layer.startswith("dense"):
            params[f"{layer}.{'weight' if name == 'kernel' else name}"].data.copy_(
                value.T if name == "kernel" else value)
    _assert_keras_outputs(net, record, torch)


def test_bidirectional_with_a_reversed_forward_layer_in_forward() -> None:
    """A forward layer with go_backwards=True and a backward one running forwards: Keras runs
    each its own way and flips the backward layer's sequence anyway, which is the
    bidirectional nn.LSTM on the reversed sequence; the loops run each layer on the sequence
    it reads. Without a backward_layer (tf.keras 2) the copy runs the other way. Layers going
    the same way (Keras refuses them) are placeholders saying so."""
    g = LayerGraph("reversed")
    x = g.add_layer("InputLayer", "seq", {"shape": [7, 4]})

    def bi(name: str, cls: str, forward: dict, backward: dict | None, merge="concat") -> str:
        config = {"merge_mode": merge, "layer": {"class_name": cls, "config": forward}}
        if backward is not None:
            config["backward_layer"] = {"class_name": cls, "config": backward}
        node = g.add_layer("Bidirectional", name, config)
        g.connect(x, node)
        return node

    seq = {"units": 3, "return_sequences": True}
    bi("bl", "LSTM", {**seq, "go_backwards": True}, seq)
    loop = {"units": 2, "reset_after": False}
    bi("bg", "GRU", {**loop, "go_backwards": True}, None, "sum")
    bi("same", "LSTM", seq, seq)
    bi("same_loop", "GRU", {**loop, "go_backwards": True}, {**loop, "go_backwards": True})
    export = to_pytorch_code(g)
    assert [(u.name, u.reason) for u in export.unsupported] == [
        (name, (f"Bidirectional whose forward and backward layers both have go_backwards="
                f"{way}: Keras refuses it (the two must differ)"))
        for name, way in (("same", False), ("same_loop", True))]
    assert _forward_lines(export.source)[:6] == [
        "bl, _ = self.bl(seq.movedim(1, -1).flip(1))",
        "bl = bl.movedim(-1, 1)",
        "bg_forward = self.bg[0](seq.movedim(1, -1).flip(1))[0]",
        "bg_backward = self.bg[1](seq.movedim(1, -1))[0]",
        "bg = bg_forward[:, -1] + bg_backward[:, -1]",
        "same = self.same(seq)"]


def _load_directions(net, weights: dict, torch) -> None:
    """directions.json's weights into the export: the nn.LSTM / nn.GRU layers through
    ``_load_keras_weights`` (forward layer ``_l0``, backward ``_l0_reverse``), the loop
    classes (lh, lg, rl) by name, Keras's tensors as they are."""
    cells, params = {}, dict(net.named_parameters())
    for path, value in weights.items():
        layer, side, cell, name = path.split("/")
        forward = side.startswith("forward")
        if layer in ("lh", "lg", "rl"):
            params[f"{layer}.{0 if forward else 1}.{name}"].data.copy_(torch.tensor(value))
        else:
            cells[f"{layer}/{side}/{cell}"] = (layer, "_l0" if forward else "_l0_reverse",
                                               cell.split("_")[0])
    assert len(cells) == 10
    _load_keras_weights(net, weights, torch, cells)


def test_bidirectional_with_a_reversed_forward_layer_equals_keras(tmp_path) -> None:
    """With torch: tests/data/keras_numeric/directions.json (tests/data/gen/
    keras_numeric_directions.py, Keras 3.15.1 with JAX) holds Bidirectional layers whose
    forward layer has go_backwards=True and whose backward_layer runs forwards — LSTM(3,
    sequences) concat, GRU(2, states) sum, LSTM(2, sequences and states) and GRU(2) with
    merge_mode=None, RNN(LSTMCell(2), sequences) through nn.LSTM / nn.GRU; LSTM(2,
    hard_sigmoid, sequences and states) and GRU(2, reset_after=False) through the loops —
    and RNN(LSTMCell(2, hard_sigmoid)) the usual way round (its saved backward_layer an RNN
    with go_backwards=True). Given Keras's weights the export returns Keras's outputs and
    holds the PyTorch-convention count. The same model as tf.keras 2 saves it, without the
    backward layers (its copy: go_backwards = not the forward's), gives the same outputs."""
    torch = pytest.importorskip("torch")
    record, _, _, net = _keras_numeric("directions.json", tmp_path)
    _load_directions(net, record["weights"], torch)
    _assert_keras_outputs(net, record, torch)
    for layer in record["config"]["config"]["layers"]:
        if layer["class_name"] == "Bidirectional" and \
                layer["config"]["layer"]["config"]["go_backwards"]:
            del layer["config"]["backward_layer"]
    (tmp_path / "keras2").mkdir()
    _, _, _, net = _keras_numeric("directions.json", tmp_path / "keras2", record)
    _load_directions(net, record["weights"], torch)
    _assert_keras_outputs(net, record, torch)
