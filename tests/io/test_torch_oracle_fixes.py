"""PyTorch export rules the PyTorch-oracle fuzz (tests/bench/torch_oracle.py) found wrong,
checked on small models real Keras 3.15.1 built (tests/data/torch_oracle/, written by
tests/data/gen/torch_oracle_fixes.py, each with one run of Keras on random inputs).

Without torch: ParamLab's summary equals Keras's figures, and the exported source has the
fixed lines. With torch (skipped when missing): the exported module counts what ParamLab's
PyTorch convention counts (equal to the torch.nn modules' own counts, below), and on the
inputs Keras ran (moved channels first) returns the shapes of Keras's outputs.
"""
from __future__ import annotations

import json

import pytest

from paramlab.core.io.loader import load_model
from paramlab.core.io.pytorch_export import to_pytorch_code
from paramlab.core.propagate import propagate
from paramlab.core.summary import summarize
from tests.conftest import DATA
from tests.io.test_keras_oracle_fixes import test_summary_equals_keras as keras_summary_equals
from tests.io.test_pytorch_export import _instantiate

FILES = sorted((DATA / "torch_oracle").glob("*.json"))
# sum(p.numel() for p in module.parameters()) of the torch.nn modules, torch 2.13:
# nn.Linear(12, 5) 65 + nn.Conv1d(3, 4, 2) 28; nn.Linear(4, 3) 15 + nn.Conv2d(3, 2, 2) 26;
# nn.Conv2d(3, 4, 3) 112 + nn.BatchNorm2d(4) 8 + nn.Linear(64, 5) 325 + nn.Conv1d(2, 3, 2) 15
# + nn.LayerNorm(3) 6 + nn.Conv2d(2, 2, 3) 38 + nn.BatchNorm2d(2) 4 (Keras: 520, with the
# moving statistics); EinsumDense's own kernels and biases, Keras's 282; MultiHeadAttention
# that nn.MultiheadAttention cannot hold: Keras's own projections, Keras's 755
TORCH_COUNTS = {"torch_reshape_infer": 93, "torch_cropping_unknown": 41,
                "torch_time_distributed": 508, "torch_einsum_dense": 282,
                "torch_attention": 755}
VALUES = ["torch_time_distributed", "torch_einsum_dense", "torch_attention"]


def _channels_first(shape: list[int]) -> list[int]:
    """A Keras tensor's shape (batch first) as the export takes or returns it."""
    return shape if len(shape) < 3 else [shape[0], shape[-1], *shape[1:-1]]


def test_the_fixtures_are_there():
    assert [p.stem for p in FILES] == sorted(TORCH_COUNTS)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_summary_equals_keras(path):
    keras_summary_equals(path)


def test_reshape_with_an_inferred_axis():
    """torch.reshape infers one axis only: Keras's -1 is resolved where the shape is known
    ((None, 6, 6) -> (-1, 12) is (None, 3, 12)), else the batch axis is kept as it is
    (flatten, then unflatten with Keras's target)."""
    export = to_pytorch_code(load_model(DATA / "torch_oracle" / "torch_reshape_infer.json"))
    assert "rows = grid.movedim(1, -1).reshape(-1, 3, 12).movedim(-1, 1)" in export.source
    assert ("split = seq.movedim(1, -1).flatten(1).unflatten(1, (-1, 3)).movedim(-1, 1)"
            in export.source)
    assert export.unsupported == ()


def test_cropping_on_axes_of_unknown_length():
    """A cropped axis of unknown length is cut from its end (``1:-2``; ``2:`` when nothing
    is cropped there); a known one keeps its end (``2:6`` of 7)."""
    export = to_pytorch_code(load_model(DATA / "torch_oracle" / "torch_cropping_unknown.json"))
    assert "crop1 = seq[:, :, 1:-2]" in export.source
    assert "crop1_start = crop1[:, :, 2:]" in export.source
    assert "crop2 = img[:, :, 1:-1, 2:6]" in export.source
    assert "crop3 = vol[:, :, 0:-1, 1:3, 1:]" in export.source
    assert export.unsupported == ()


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_module_counts_and_runs_as_keras_did(path, tmp_path):
    torch = pytest.importorskip("torch")
    ref = json.loads(path.read_text())
    graph = load_model(path)
    result = propagate(graph)
    export = to_pytorch_code(graph, result)
    net = _instantiate(export, tmp_path).eval()
    count = sum(p.numel() for p in net.parameters())
    assert count == summarize(graph, result, convention="pytorch").total
    assert count == TORCH_COUNTS[path.stem]
    torch.manual_seed(0)
    with torch.no_grad():
        outputs = net(*[torch.randn(_channels_first(s)) for s in ref["run"]["inputs"]])
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    assert [list(y.shape) for y in outputs] == [
        _channels_first(s) for s in ref["run"]["outputs"]]


def _export(name: str):
    graph = load_model(DATA / "torch_oracle" / f"{name}.json")
    result = propagate(graph)
    return graph, result, to_pytorch_code(graph, result)


def test_time_distributed_runs_its_layer_on_every_step():
    """TimeDistributed(layer) is the layer's own module on the time folded into the batch
    (``(N, C, T, ...)`` -> ``(N·T, C, ...)`` and back), in Keras's order for a
    channels_first layer and a BatchNormalization over axis 1; over Dense, nn.Linear on the
    last axis with the Dense's activation (it was dropped). Nothing is a placeholder."""
    _, _, export = _export("torch_time_distributed")
    source = export.source
    assert export.unsupported == ()
    assert "self.td_conv = nn.Conv2d(3, 4, kernel_size=(3, 3), padding='same')" in source
    assert "td_conv_steps = frames.movedim(2, 1).flatten(0, 1)" in source
    assert "td_conv = torch.relu(self.td_conv(td_conv_steps))" in source
    assert "td_conv = td_conv.unflatten(0, (-1, 4)).movedim(1, 2)" in source
    # a time axis of unknown length: the batch taken from the input
    assert "td_conv1d = td_conv1d.unflatten(0, (clips.shape[0], -1)).movedim(1, 2)" in source
    assert "td_conv_cf = self.td_conv_cf(td_conv_cf_steps.movedim(1, -1))" in source
    assert "td_bn_axis1 = self.td_bn_axis1(td_bn_axis1_steps.movedim(1, -1))" in source
    assert ("td_dense = torch.tanh(self.td_dense(td_flat.movedim(1, -1)).movedim(-1, 1))"
            in source)


def test_einsum_dense_is_torch_einsum_on_keras_tensors():
    """EinsumDense is the file's KerasEinsumDense (defined once): Keras's equation, kernel
    shape and bias shape (bias_axes 'b' of 'abc,cd->abd' gives (5, 1)), on the tensor in
    Keras's axis order, its activation after it; a frozen one gets requires_grad_(False)."""
    _, _, export = _export("torch_einsum_dense")
    source = export.source
    assert export.unsupported == ()
    assert source.count("class KerasEinsumDense(nn.Module):") == 1
    assert "self.e_bias_b = KerasEinsumDense('abc,cd->abd', (6, 4), (5, 1))" in source
    assert "self.e_contract = KerasEinsumDense('abc,bcd->ad', (5, 6, 4))" in source
    assert "self.e_contract.requires_grad_(False)  # frozen in Keras" in source
    assert "self.e_right = KerasEinsumDense('ab...,bc->ac...', (5, 3), (3, 1))" in source
    assert ("e_last = torch.relu(self.e_last(seq.movedim(1, -1)).movedim(-1, 1))"
            in source)
    assert "e_flat = self.e_flat(vec)" in source
    assert "KerasEinsumDense" not in _export("torch_reshape_infer")[2].source


def test_attention_beyond_nn_multihead_attention_holds_keras_projections():
    """MultiHeadAttention with value_dim != key_dim, an output_shape, a gate or attention
    axes is the file's KerasMultiHeadAttention (defined once): heads, key_dim, value_dim,
    the query's / key's / value's features and the output's last axes, without biases, with
    a gate, over Keras's attention axes; on the tensors in Keras's order; the scores as the
    second output. nn.MultiheadAttention's layers stay nn.MultiheadAttention."""
    _, _, export = _export("torch_attention")
    source = export.source
    assert export.unsupported == ()
    assert source.count("class KerasMultiHeadAttention(nn.Module):") == 1
    assert "self.mha_vdim = KerasMultiHeadAttention(2, 4, 3, (6, 3, 3), (6,))" in source
    assert ("self.mha_out = KerasMultiHeadAttention(3, 2, 2, (6, 3, 3), (2, 5), "
            "use_bias=False)") in source
    assert ("self.mha_gate = KerasMultiHeadAttention(2, 3, 3, (6, 6, 6), (6,), use_gate=True)"
            in source)
    assert ("self.mha_axes_12 = KerasMultiHeadAttention(2, 3, 3, (6, 6, 6), (6,), "
            "attention_axes=(1, 2))") in source
    assert ("self.mha_axis_2 = KerasMultiHeadAttention(1, 4, 2, (6, 6, 6), (7,), "
            "attention_axes=(2,))") in source
    assert ("mha_vdim, mha_vdim_scores = self.mha_vdim(seq.movedim(1, -1), "
            "mem.movedim(1, -1), return_scores=True)") in source
    assert "mha_vdim_scores = mha_vdim_scores.movedim(-1, 1)" in source
    assert ("mha_out = self.mha_out(seq.movedim(1, -1), short.movedim(1, -1)).movedim(-1, 1)"
            in source)
    plain = to_pytorch_code(load_model(DATA / "keras_numeric" / "states.json")).source
    assert "self.mha = nn.MultiheadAttention(4, 2, batch_first=True)" in plain
    assert "KerasMultiHeadAttention" not in plain


def _torch_modules(torch) -> dict:
    """What each exported attribute must hold, built with torch.nn itself (TimeDistributed:
    the wrapped layer's module, one for every step) or, for EinsumDense, Keras's own count."""
    nn = torch.nn
    return {"td_conv": nn.Conv2d(3, 4, 3), "td_bn": nn.BatchNorm2d(4), "td_pool": nn.MaxPool2d(2),
            "td_flat": nn.Flatten(), "td_dense": nn.Linear(64, 5), "td_conv1d": nn.Conv1d(2, 3, 2),
            "td_ln": nn.LayerNorm(3), "td_conv_cf": nn.Conv2d(2, 2, 3),
            "td_bn_axis1": nn.BatchNorm2d(2)}


@pytest.mark.parametrize("name", VALUES)
def test_per_layer_counts_equal_torch_and_the_convention(name, tmp_path):
    """With torch: each attribute's parameters, trainable parameters and buffer elements
    are the PyTorch convention's for its layer, and those of the torch.nn module built
    directly (TimeDistributed) or Keras's count of the layer (EinsumDense: its own kernel
    and bias, e_contract frozen; MultiHeadAttention beyond nn.MultiheadAttention: its own
    projections)."""
    torch = pytest.importorskip("torch")
    graph, result, export = _export(name)
    net = _instantiate(export, tmp_path)
    ref = {e["name"]: e for e in json.loads(
        (DATA / "torch_oracle" / f"{name}.json").read_text())["layers"]}
    direct = _torch_modules(torch)
    names = {graph.raw(n)["name"]: n for n in graph.layer_ids()}
    children = dict(net.named_children())
    # every layer but the inputs and the global pooling (a mean in forward) has its module
    assert set(children) == (set(direct) if name == "torch_time_distributed" else
                             {k for k in names if ref[k]["class_name"] != "InputLayer"})

    def counts(module) -> tuple[int, int, int]:
        return (sum(p.numel() for p in module.parameters()),
                sum(p.numel() for p in module.parameters() if p.requires_grad),
                sum(b.numel() for b in module.buffers()))

    for attr, module in children.items():
        mine = counts(module)
        torch_counts = result.layers[names[attr]].torch
        assert mine == (torch_counts.total, torch_counts.trainable, torch_counts.buffers), attr
        if name == "torch_time_distributed":
            assert mine == counts(direct[attr]), attr
        else:
            assert mine[:2] == (ref[attr]["total_params"], ref[attr]["trainable_params"]), attr


def _load(net, weights: dict, torch) -> None:
    """Keras's weights (per layer, Keras's order) into the exported module: convolution
    kernels (*k, in, out) as (out, in, *k), Dense kernels transposed, BatchNormalization's
    gamma, beta, moving mean and variance, LayerNormalization's gamma and beta,
    KerasEinsumDense's kernel and bias and KerasMultiHeadAttention's projections as they
    are (Keras's order: query, key, gate, value, attention_output)."""
    import numpy as np

    nn = torch.nn
    for layer, values in weights.items():
        module = getattr(net, layer)
        values = [np.asarray(v, dtype=np.float32) for v in values]
        if isinstance(module, (nn.Conv1d, nn.Conv2d)):
            rank = values[0].ndim - 2
            values[0] = values[0].transpose(rank + 1, rank, *range(rank))
            targets = [module.weight, module.bias]
        elif isinstance(module, nn.Linear):
            values[0] = values[0].T
            targets = [module.weight, module.bias]
        elif isinstance(module, nn.BatchNorm2d):
            targets = [module.weight, module.bias, module.running_mean, module.running_var]
        elif isinstance(module, nn.LayerNorm):
            targets = [module.weight, module.bias]
        elif type(module).__name__ == "KerasMultiHeadAttention":
            targets = list(module.parameters())
        else:
            targets = [module.kernel] + ([module.bias] if module.bias is not None else [])
        assert len(targets) == len(values), layer
        for tensor, value in zip(targets, values):
            assert tuple(tensor.shape) == value.shape, layer
            tensor.data.copy_(torch.from_numpy(np.ascontiguousarray(value)))


@pytest.mark.parametrize("name", VALUES)
def test_outputs_equal_keras_for_its_weights(name, tmp_path):
    """With torch: given the weights Keras ran with, the exported module computes Keras's
    outputs on Keras's inputs (moved channels first; the outputs moved back) within 1e-5."""
    torch = pytest.importorskip("torch")
    _, _, export = _export(name)
    net = _instantiate(export, tmp_path).eval()
    values = json.loads((DATA / "torch_oracle" / f"{name}.json").read_text())["run"]["values"]
    _load(net, values["weights"], torch)

    def first(x):
        return x.movedim(-1, 1) if x.dim() >= 3 else x

    with torch.no_grad():
        outputs = net(*[first(torch.tensor(x)) for x in values["inputs"]])
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    assert len(outputs) == len(values["outputs"])
    for mine, keras in zip(outputs, values["outputs"]):
        mine = mine.movedim(1, -1) if mine.dim() >= 3 else mine
        want = torch.tensor(keras)
        assert mine.shape == want.shape
        assert torch.allclose(mine, want, atol=1e-5), (mine - want).abs().max()
