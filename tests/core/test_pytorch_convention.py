"""The PyTorch convention against PyTorch's own figures (tests/data/torch_conventions.json,
made with torch 2.13.0): for EVERY module of the file, trainable parameters, non-trainable
(frozen) parameters and buffer elements, and the names and shapes of its parameters and
buffers.

A module with a Keras equivalent (its ``keras_equivalent.expr``) is built as that Keras layer
(or chain of layers, for the "then ... (sum of both)" entries) in a LayerGraph and
propagated: the counts propagation stores are compared. A module without one (PyTorch-only
options such as ``track_running_stats=False`` or ``proj_size``) is built with the
``pytorch_rules`` building block the rules themselves use.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_catalogue_reference import _TORCH  # same folder: pytest puts it on sys.path

from paramlab.core.catalogue import CATALOGUE
from paramlab.core.catalogue import pytorch_rules as pr
from paramlab.core.graph import LayerGraph
from paramlab.core.propagate import propagate
from paramlab.core.pytorch import NO_EQUIVALENT, reconciliation, torch_formula
from paramlab.core.summary import summarize

DATA = Path(__file__).resolve().parents[1] / "data"

MODULES = json.loads((DATA / "torch_conventions.json").read_text())["modules"]


def _bidir(cls: str, units: int, seq: bool = False) -> tuple[str, dict]:
    return ("Bidirectional", {"layer": {"class_name": cls, "config": {
        "units": units, "return_sequences": seq}}})


# Keras layers (type, config) applied in sequence, transcribing each keras_equivalent.expr
# (test_catalogue_reference's table, which checks Keras's side of the same entries); where
# the file has none, the Keras stack a PyTorch user means by it (2-layer bidirectional = two
# stacked Bidirectional layers) when one exists.
KERAS = {
    **_TORCH,
    "rnn_2layer_bidir": [_bidir("SimpleRNN", 16, True), _bidir("SimpleRNN", 16)],
    "gru_2layer_bidir": [_bidir("GRU", 20, True), _bidir("GRU", 20)],
    # nn.PReLU(): ONE alpha; Keras shares alpha over every axis with shared_axes=[1, 2, 3].
    "prelu": [("PReLU", {"shared_axes": [1, 2, 3]})],
}
INPUTS = {  # per the file: input_shape, or the tensors the expr's comment names
    "multihead_attention": [(10, 32), (10, 32)],
    "multihead_attention_nobias": [(10, 32), (10, 32)],
    "multihead_attention_kdim_vdim": [(10, 32), (10, 24), (10, 16)],
    "rnn_2layer_bidir": [(10, 32)], "gru_2layer_bidir": [(10, 32)],
}
# Modules with a PyTorch-only option: the building block the rules use, with the module's
# own constructor arguments.
BLOCKS = {
    "conv_transpose2d_groups_nobias": lambda: pr.conv(2, 16, 8, (2, 3), groups=2, bias=False,
                                                      transpose=True),
    "batchnorm2d_no_running_stats": lambda: pr.batch_norm(2, 16, track_running_stats=False),
    "rnn_2layer_bidir": lambda: pr.rnn("RNN", 32, 16, num_layers=2, bidirectional=True),
    "lstm_2layer": lambda: pr.rnn("LSTM", 32, 24, num_layers=2),
    "lstm_2layer_bidir": lambda: pr.rnn("LSTM", 32, 24, num_layers=2, bidirectional=True),
    "lstm_proj": lambda: pr.rnn("LSTM", 32, 24, proj_size=8),
    "gru_2layer_bidir": lambda: pr.rnn("GRU", 32, 20, num_layers=2, bidirectional=True),
    "gru_keras_reset_after_false": lambda: pr.rnn("GRU", 32, 20),
    "multihead_attention_add_bias_kv": lambda: pr.multihead_attention(32, 4, add_bias_kv=True),
}


def _graph(key: str) -> tuple[LayerGraph, list[str]]:
    """The Keras layers of ``key`` in a graph, and their ids."""
    g = LayerGraph()
    shapes = INPUTS.get(key) or [tuple(MODULES[key]["keras_equivalent"]["input_shape"])]
    srcs = [g.add_layer("InputLayer", config={"shape": list(s)}) for s in shapes]
    ids = []
    for class_name, config in KERAS[key]:
        node = g.add_layer(class_name, config=config)
        for i, src in enumerate(srcs):
            g.connect(src, node, i)
        srcs = [node]
        ids.append(node)
    return g, ids


def _want(entry: dict) -> tuple[list, list]:
    return ([(p["name"], tuple(p["shape"])) for p in entry["parameters"]],
            [(b["name"], tuple(b["shape"])) for b in entry["buffers"]])


def test_every_module_is_covered() -> None:
    assert set(MODULES) == set(KERAS) | set(BLOCKS)


@pytest.mark.parametrize("key", sorted(k for k in KERAS if k != "gru_keras_reset_after_false"))
def test_propagated_pytorch_counts(key: str) -> None:
    entry = MODULES[key]
    g, ids = _graph(key)
    result = propagate(g)
    counts = [result.layers[n].torch for n in ids]
    assert all(c is not None and c.equivalent for c in counts), [c.mapping for c in counts]
    assert sum(c.trainable for c in counts) == entry["trainable_params"]
    assert sum(c.non_trainable for c in counts) == entry["non_trainable_params"]
    assert sum(c.buffers for c in counts) == entry["buffer_elements"]
    if len(ids) == 1:  # one module: its very tensors
        mapping = counts[0].mapping
        got = ([(t.name, t.shape) for t in mapping.parameters],
               [(t.name, t.shape) for t in mapping.buffers])
        assert got == _want(entry)
        assert mapping.modules[0].cls == entry["torch"][3:].split("(")[0]


@pytest.mark.parametrize("key", sorted(BLOCKS))
def test_building_blocks(key: str) -> None:
    entry = MODULES[key]
    module = BLOCKS[key]()
    assert ([(t.name, t.shape) for t in module.parameters],
            [(t.name, t.shape) for t in module.buffers]) == _want(entry)
    assert sum(t.size for t in module.parameters if t.requires_grad) == entry["trainable_params"]
    assert sum(t.size for t in module.buffers) == entry["buffer_elements"]
    assert module.cls == entry["torch"][3:].split("(")[0]


def test_gru_reset_before_has_no_equivalent_and_keeps_keras_count() -> None:
    """Keras GRU(reset_after=False) is not PyTorch's GRU (torch is in the file for contrast:
    3,240 against Keras's 3,180): flagged, Keras's count kept."""
    key = "gru_keras_reset_after_false"
    g, ids = _graph(key)
    counts = propagate(g).layers[ids[0]].torch
    assert not counts.equivalent and "reset_after" in counts.mapping.unsupported
    assert counts.trainable == MODULES[key]["keras_equivalent"]["trainable"] == 3180
    assert MODULES[key]["trainable_params"] == 3240  # what nn.GRU would have


def test_batchnorm_reconciliation_line_and_summary() -> None:
    g, ids = _graph("batchnorm1d")
    result = propagate(g)
    r = result.layers[ids[0]]
    line = reconciliation(r.torch, r.weights, r.trainable, r.non_trainable)
    assert line == ("PyTorch: weight, bias = 2·64 = 128 parameters; running_mean, running_var "
                    "(2·64) and num_batches_tracked (1) are buffers, not parameters. Keras: "
                    "gamma, beta trainable, moving_mean, moving_variance non-trainable = "
                    "4·64 = 256.")
    assert torch_formula(r.torch, r.weights) == "2·64 = 128; buffers 2·64 + 1 = 129"
    summary = summarize(g, result, convention="pytorch")
    row = summary.rows[-1]
    assert (row.trainable, row.non_trainable, row.buffers) == (128, 0, 129)
    assert summary.buffers == 129 and row.reconciliation == line
    keras = summarize(g, result)
    assert (keras.rows[-1].trainable, keras.rows[-1].non_trainable) == (128, 128)
    assert keras.rows[-1].buffers == 0 and keras.rows[-1].reconciliation == line


def test_lstm_formula_shows_two_biases() -> None:
    g, ids = _graph("lstm_1layer")
    r = propagate(g).layers[ids[0]]
    assert torch_formula(r.torch, r.weights) == "(32 + 24 + 2)·96 = 5,568"
    assert "bias_ih_l0, bias_hh_l0" in reconciliation(r.torch, r.weights, r.trainable,
                                                       r.non_trainable)


def test_frozen_layer_counts_as_frozen_parameters() -> None:
    g, ids = _graph("batchnorm2d")
    g.set_trainable(ids[0], False)
    counts = propagate(g).layers[ids[0]].torch
    assert (counts.trainable, counts.non_trainable, counts.buffers) == (0, 32, 33)


def test_no_equivalent_keeps_keras_count_and_is_flagged() -> None:
    g = LayerGraph()
    src = g.add_layer("InputLayer", config={"shape": [10, 8]})
    node = g.add_layer("GRU", config={"units": 4, "reset_after": False})
    g.connect(src, node)
    summary = summarize(g, convention="pytorch")
    row = summary.rows[-1]
    assert row.total == (8 + 4 + 1) * 12 and row.torch_module == NO_EQUIVALENT
    assert NO_EQUIVALENT in row.formula


def test_every_catalogue_type_has_a_rule() -> None:
    for spec in CATALOGUE.values():
        assert spec.torch is not None, spec.type


@pytest.mark.parametrize("axis, rank, dim", [(-1, 2, 1), (-1, 4, 1), (1, 4, 2), (2, 4, 3),
                                             (-1, 3, 1), (1, 3, 2)])
def test_torch_dim_channels_first(axis: int, rank: int, dim: int) -> None:
    assert pr.torch_dim(axis, rank) == dim


@pytest.mark.parametrize("key, layer, config", [
    ("batchnorm2d", "BatchNormalization", {"axis": 1}),
    ("groupnorm", "GroupNormalization", {"groups": 4, "axis": 1})])
def test_normalisation_over_axis_1_of_channels_first_input(key: str, layer: str,
                                                           config: dict) -> None:
    """Keras's BatchNormalization(axis=1) / GroupNormalization(axis=1) on a channels_first
    (None, 16, 8, 8) normalise its channels, dim 1 of PyTorch's layout: the file's
    nn.BatchNorm2d(16) / nn.GroupNorm(4, 16), with its tensors (the channels_last entry's
    input (8, 8, 16) moved). Axis 2 of the same tensor has no equivalent."""
    entry = MODULES[key]
    h, w, c = entry["keras_equivalent"]["input_shape"]
    g = LayerGraph()
    src = g.add_layer("InputLayer", config={"shape": [c, h, w]})
    node = g.add_layer(layer, config=config)
    other = g.add_layer(layer, config={**config, "axis": 2})
    g.connect(src, node)
    g.connect(src, other)
    result = propagate(g)
    counts = result.layers[node].torch
    assert counts.equivalent, counts.mapping.unsupported
    assert (counts.trainable, counts.non_trainable, counts.buffers) == (
        entry["trainable_params"], entry["non_trainable_params"], entry["buffer_elements"])
    assert ([(t.name, t.shape) for t in counts.mapping.parameters],
            [(t.name, t.shape) for t in counts.mapping.buffers]) == _want(entry)
    assert not result.layers[other].torch.equivalent


@pytest.mark.parametrize(("config", "looped"), [
    ({"units": 4, "recurrent_activation": "hard_sigmoid"}, True),  # Keras 2's default
    ({"units": 4, "activation": "relu"}, True),
    ({"units": 4, "recurrent_activation": "hard_sigmoid", "stateful": True}, False),
])
def test_a_layer_the_export_loops_says_so_and_keeps_keras_count(config: dict,
                                                                 looped: bool) -> None:
    """nn.LSTM is tanh / sigmoid only: such an LSTM has no PyTorch equivalent (Keras's
    count, (8 + 4 + 1)·16 = 208, stays), and its reason says when the code export runs it
    as a loop over the steps all the same (never for a stateful layer, which stays a
    placeholder), so the properties panel and the exported file agree."""
    g = LayerGraph()
    src = g.add_layer("InputLayer", config={"shape": [10, 8]})
    node = g.add_layer("LSTM", config=config)
    g.connect(src, node)
    r = propagate(g).layers[node]
    reason = r.torch.mapping.unsupported
    assert not r.torch.equivalent and r.torch.trainable == (8 + 4 + 1) * 16 == 208
    assert reason.endswith(pr.LOOP_NOTE) is looped
    line = reconciliation(r.torch, r.weights, r.trainable, r.non_trainable)
    assert ("runs it as a loop over the steps" in line) is looped


@pytest.mark.parametrize(("key", "inner", "directions"), [
    ("lstm_1layer_bidir", {"class_name": "LSTM", "config": {"units": 24}}, 1),
    ("lstm_1layer_bidir", {"class_name": "LSTM", "config": {"units": 24,
                                                            "return_sequences": True,
                                                            "return_state": True}}, 1),
    # nn.GRU(32, 20) is the file's unidirectional entry: bidirectional=True adds the same
    # tensors again with a _reverse suffix (torch.nn.GRU's documented weight_ih_l[k]_reverse)
    ("gru", {"class_name": "GRU", "config": {"units": 20, "return_state": True}}, 2),
])
def test_bidirectional_merge_mode_none_is_the_bidirectional_module(
        key: str, inner: dict, directions: int) -> None:
    """Bidirectional(merge_mode=None) returns both directions apart; its module is the same
    nn.LSTM / nn.GRU(bidirectional=True) as the merged layer's (PyTorch's figures), while
    Keras's count and output shapes (forward, backward, then the states) stay Keras's."""
    entry = MODULES[key]
    g = LayerGraph()
    src = g.add_layer("InputLayer", config={"shape": [10, 32]})
    node = g.add_layer("Bidirectional", config={"merge_mode": None, "layer": inner})
    g.connect(src, node)
    r = propagate(g).layers[node]
    assert r.diagnostic is None and r.torch.equivalent
    assert r.torch.trainable == directions * entry["trainable_params"]
    assert r.torch.mapping.modules[0].kwargs == (("batch_first", True),
                                                 ("bidirectional", True))
    assert "merge_mode=None" in r.torch.mapping.note
    units, cfg = inner["config"]["units"], inner["config"]
    out = (None, 10, units) if cfg.get("return_sequences") else (None, units)
    states = (None, units) if cfg.get("return_state") else None
    n_states = 0 if states is None else 2 * (2 if inner["class_name"] == "LSTM" else 1)
    assert r.output_shapes == (out, out) + (states,) * n_states
    # Keras: 2·4·24·(32 + 24 + 1) = 10,944 (the file's keras_equivalent), GRU 2·3·20·(32
    # + 20 + 2) = 6,480
    assert r.trainable == (10944 if inner["class_name"] == "LSTM" else 6480)


def _bidirectional(inner: dict, backward: dict | None) -> tuple:
    g = LayerGraph()
    src = g.add_layer("InputLayer", config={"shape": [10, 32]})
    config = {"layer": inner} | ({"backward_layer": backward} if backward else {})
    node = g.add_layer("Bidirectional", config=config)
    g.connect(src, node)
    return propagate(g).layers[node]


@pytest.mark.parametrize("given", [True, False])
def test_bidirectional_with_a_reversed_forward_layer_is_the_bidirectional_module(
        given: bool) -> None:
    """A forward layer with go_backwards=True and a backward layer running forwards (a given
    backward_layer, or tf.keras 2's copy: go_backwards = not the forward's): Keras runs the
    two layers as nn.LSTM(bidirectional=True) runs on the reversed sequence, so the module
    and PyTorch's figures are the usual ones (the file's lstm_1layer_bidir), the note says
    so, and Keras's count is unchanged (2·4·24·(32 + 24 + 1) = 10,944)."""
    inner = {"class_name": "LSTM", "config": {"units": 24, "go_backwards": True}}
    backward = {"class_name": "LSTM", "config": {"units": 24}} if given else None
    r = _bidirectional(inner, backward)
    assert r.diagnostic is None and r.torch.equivalent
    assert r.torch.trainable == MODULES["lstm_1layer_bidir"]["trainable_params"]
    assert "time-reversed sequence" in r.torch.mapping.note
    assert r.trainable == 10944
    plain = _bidirectional({"class_name": "LSTM", "config": {"units": 24}}, None)
    assert "time-reversed" not in plain.torch.mapping.note


@pytest.mark.parametrize(("cls", "extra"), [("LSTM", {}), ("GRU", {"reset_after": False})])
@pytest.mark.parametrize("backwards", [False, True])
def test_bidirectional_with_both_layers_one_way_has_no_equivalent(
        cls: str, extra: dict, backwards: bool) -> None:
    """Keras refuses a Bidirectional whose backward_layer has the forward layer's
    go_backwards (keras/src/layers/rnn/bidirectional.py ``_verify_layer_config``; tf.keras 2
    too): no PyTorch module runs it (nor the export's loops, for a GRU(reset_after=False)),
    and the count is Keras's."""
    config = {"units": 24, "go_backwards": backwards, **extra}
    r = _bidirectional({"class_name": cls, "config": config},
                       {"class_name": cls, "config": config})
    reason = r.torch.mapping.unsupported
    assert not r.torch.equivalent and reason.startswith(
        f"Bidirectional whose forward and backward layers both have go_backwards={backwards}: "
        "Keras refuses it")
    assert pr.loop_parts("Bidirectional", {"merge_mode": "concat", "layer": {
        "class_name": cls, "config": config}, "backward_layer": {
        "class_name": cls, "config": config}}) is None
    assert r.torch.trainable == r.trainable
