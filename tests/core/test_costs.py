"""MAC rules of the layer classes the reference models do not cover, shared and nested layers,
unknown lengths, incremental propagation, and the training memory budget.

Every expected figure is worked out by hand from tests/data/cost_conventions.md section 2
(the arithmetic is written next to it), not read from ParamLab.
"""
from __future__ import annotations

import pytest

from paramlab.core.budget import GB, training_budget
from paramlab.core.edits import SetConfig
from paramlab.core.graph import LayerGraph
from paramlab.core.propagate import propagate
from paramlab.core.summary import summarize

LSTM4 = {"class_name": "LSTM", "config": {"units": 6}}
CONV4 = {"class_name": "Conv2D", "config": {"filters": 4, "kernel_size": [3, 3]}}

# (layer type, config, input shapes without the batch axis, MACs by the conventions)
CASES = [
    ("Conv1D", {"filters": 16, "kernel_size": (5,), "strides": (2,)}, [(100, 8)],
     48 * 5 * 8 * 16),                          # out length (100-5)//2+1 = 48
    ("Conv3D", {"filters": 6, "kernel_size": (3, 3, 3), "padding": "same"}, [(8, 8, 8, 4)],
     512 * 27 * 4 * 6),
    ("Conv2D", {"filters": 16, "kernel_size": (3, 3), "padding": "same", "groups": 4},
     [(10, 10, 8)], 100 * 9 * (8 // 4) * 16),
    ("Conv2D", {"filters": 4, "kernel_size": (3, 3), "dilation_rate": (2, 2)},
     [(12, 12, 3)], 8 * 8 * 9 * 3 * 4),         # dilation: 8x8 output, same taps
    ("Conv1D", {"filters": 4, "kernel_size": (3,), "padding": "causal"}, [(10, 2)],
     10 * 3 * 2 * 4),
    ("Conv1DTranspose", {"filters": 4, "kernel_size": (3,), "strides": (2,)}, [(10, 6)],
     10 * 3 * 6 * 4),                           # input-based
    ("Conv3DTranspose", {"filters": 5, "kernel_size": (2, 2, 2), "strides": (2, 2, 2)},
     [(2, 2, 2, 3)], 8 * 8 * 3 * 5),
    ("DepthwiseConv1D", {"kernel_size": (3,), "depth_multiplier": 2}, [(20, 6)],
     18 * 3 * 6 * 2),
    ("SeparableConv1D", {"filters": 10, "kernel_size": (3,), "depth_multiplier": 2},
     [(20, 6)], 18 * 3 * 6 * 2 + 18 * 12 * 10),
    ("Dense", {"units": 3}, [(7, 5)], 7 * 5 * 3),
    ("EinsumDense", {"equation": "abc,cd->abd", "output_shape": (32, 64)}, [(32, 128)],
     32 * 64 * 128),
    ("EinsumDense", {"equation": "ab,bcd->acd", "output_shape": (4, 8)}, [(16,)],
     4 * 8 * 16),
    ("EinsumDense", {"equation": "...b,bc->...c", "output_shape": (6,)}, [(3, 5, 7)],
     3 * 5 * 6 * 7),
    ("SimpleRNN", {"units": 6}, [(10, 4)], 10 * 6 * (4 + 6)),
    ("LSTM", {"units": 6, "return_sequences": True}, [(10, 4)], 10 * 4 * 6 * (4 + 6)),
    ("GRU", {"units": 6, "reset_after": False}, [(10, 4)], 10 * 3 * 6 * (4 + 6)),
    ("GRU", {"units": 6}, [(10, 4)], 10 * 3 * 6 * (4 + 6)),
    ("ConvLSTM2D", {"filters": 4, "kernel_size": (3, 3), "padding": "same"},
     [(5, 8, 8, 3)], 5 * (64 * 9 * 3 * 16 + 64 * 9 * 4 * 16)),
    ("ConvLSTM2D", {"filters": 4, "kernel_size": (3, 3), "return_sequences": True},
     [(5, 8, 8, 3)], 5 * (36 * 9 * 3 * 16 + 36 * 9 * 4 * 16)),
    ("ConvLSTM1D", {"filters": 2, "kernel_size": (3,), "strides": (2,)}, [(4, 9, 1)],
     4 * (4 * 3 * 1 * 8 + 4 * 3 * 2 * 8)),     # input conv output length 4
    ("Bidirectional", {"layer": LSTM4}, [(10, 4)], 2 * 10 * 4 * 6 * 10),
    ("Bidirectional", {"layer": LSTM4, "backward_layer": {
        "class_name": "GRU", "config": {"units": 6, "go_backwards": True}}}, [(10, 4)],
     10 * 4 * 6 * 10 + 10 * 3 * 6 * 10),
    ("TimeDistributed", {"layer": CONV4}, [(5, 8, 8, 3)], 5 * 36 * 9 * 3 * 4),
    ("MultiHeadAttention", {"num_heads": 2, "key_dim": 4}, [(6, 8), (10, 12)],
     6 * 8 * 2 * 4 + 10 * 12 * 2 * 4 + 10 * 12 * 2 * 4    # Q, K (= value), V projections
     + 2 * 6 * 10 * 4 + 2 * 6 * 10 * 4 + 6 * 2 * 4 * 8),  # QK^T, AV, output projection
    ("MultiHeadAttention", {"num_heads": 3, "key_dim": 4, "value_dim": 5, "output_shape": 7},
     [(6, 8), (10, 12), (10, 9)],
     6 * 8 * 3 * 4 + 10 * 9 * 3 * 4 + 10 * 12 * 3 * 5
     + 3 * 6 * 10 * 4 + 3 * 6 * 10 * 5 + 6 * 3 * 5 * 7),
    ("Attention", {}, [(6, 8), (10, 8)], 6 * 10 * 8 + 6 * 10 * 8),
    ("Attention", {"score_mode": "concat"}, [(6, 8), (10, 8)], 6 * 10 * 8),
    ("AdditiveAttention", {}, [(6, 8), (10, 8)], 6 * 10 * 8),
    ("Dot", {"axes": 1}, [(5,), (5,)], 1 * 5),
    ("Dot", {"axes": 2}, [(3, 4), (5, 4)], 3 * 5 * 4),
    ("Embedding", {"input_dim": 100, "output_dim": 8}, [(12,)], 0),
    ("BatchNormalization", {}, [(4, 4, 8)], 0),
    ("MaxPooling2D", {}, [(4, 4, 8)], 0),
    ("Add", {}, [(4,), (4,)], 0),
    ("UpSampling2D", {"interpolation": "bilinear"}, [(4, 4, 8)], 0),
]


def single(type_: str, config: dict, inputs: list) -> tuple[LayerGraph, str]:
    g = LayerGraph("one")
    layer = g.add_layer(type_, "layer", config)
    for i, shape in enumerate(inputs):
        x = g.add_layer("InputLayer", f"x{i}", {"shape": shape})
        g.connect(x, layer, i)
    return g, layer


@pytest.mark.parametrize("type_, config, inputs, macs", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_mac_rule(type_: str, config: dict, inputs: list, macs: int) -> None:
    g, layer = single(type_, config, inputs)
    r = propagate(g).layers[layer]
    assert r.ok, r.diagnostic
    assert (r.macs, r.flops) == (macs, 2 * macs)
    out = r.output_shape
    elements = 1
    for d in out[1:]:
        elements *= d
    assert r.activation_elements == elements


def test_einsum_none_in_output_shape_still_costs_the_input_positions() -> None:
    # Keras keeps output_shape's None in the output shape (None, None, 64); the einsum
    # still runs over the input's 32 positions, so the MACs are known; the activation
    # elements (from the output shape) are not.
    g, layer = single("EinsumDense", {"equation": "abc,cd->abd", "output_shape": (None, 64)},
                      [(32, 128)])
    r = propagate(g).layers[layer]
    assert r.output_shape == (None, None, 64)
    assert (r.macs, r.activation_elements) == (32 * 64 * 128, None)


def test_unknown_length_gives_unknown_cost_not_a_guess() -> None:
    g, layer = single("LSTM", {"units": 6}, [(None, 4)])
    r = propagate(g).layers[layer]
    assert r.ok and r.macs is None and r.flops is None
    assert r.activation_elements == 6  # (None, 6): the last step only
    s = summarize(g)
    assert s.unknown_cost_rows == 2  # the input (None, None, 4) and the LSTM
    assert s.macs == 0


def test_layer_with_an_error_has_no_cost() -> None:
    g, layer = single("Conv2D", {"filters": 4, "kernel_size": (9, 9)}, [(4, 4, 3)])
    r = propagate(g).layers[layer]
    assert not r.ok and r.macs is None and r.activation_elements is None


def test_shared_layer_costs_once_per_call() -> None:
    g = LayerGraph("shared")
    a = g.add_layer("InputLayer", "a", {"shape": (4,)})
    b = g.add_layer("InputLayer", "b", {"shape": (4,)})
    d = g.add_layer("Dense", "d", {"units": 3})
    d2 = g.add_layer("Dense", "d_call2", {"units": 3}, shared_with=d)
    g.connect(a, d)
    g.connect(b, d2)
    s = summarize(g)
    row = next(r for r in s.rows if r.name == "d")
    assert row.total == 15  # weights once
    assert row.macs == 2 * 4 * 3 and row.activation_elements == 2 * 3
    assert (s.macs, s.activation_elements, s.input_elements) == (24, 6, 8)


def test_nested_model_row_sums_macs_and_shows_its_own_output() -> None:
    g = LayerGraph("outer")
    x = g.add_layer("InputLayer", "x", {"shape": (10,)})
    inner1 = g.add_layer("Dense", "inner1", {"units": 20}, group="base")
    inner2 = g.add_layer("Dense", "inner2", {"units": 5}, group="base")
    head = g.add_layer("Dense", "head", {"units": 2})
    g.groups["base"] = {"type": "Functional", "trainable": True}
    for src, dst in ((x, inner1), (inner1, inner2), (inner2, head)):
        g.connect(src, dst)
    s = summarize(g)
    base = next(r for r in s.rows if r.name == "base")
    assert base.macs == 10 * 20 + 20 * 5 and base.activation_elements == 5
    assert s.macs == 10 * 20 + 20 * 5 + 5 * 2
    assert s.activation_elements == 5 + 2  # the collapsed row's own output, then head
    expanded = summarize(g, expand_groups=True)
    # Expanded rows show the inner layers' activations; the totals still add the top-level
    # rows (cost_conventions.md section 5), so expanding a group is only a view change.
    inner = next(r for r in expanded.rows if r.name == "inner1")
    assert inner.activation_elements == 20
    assert expanded.macs == s.macs and expanded.activation_elements == 5 + 2
    assert expanded.input_elements == s.input_elements == 10


def test_incremental_propagation_updates_costs_downstream() -> None:
    g = LayerGraph("chain")
    x = g.add_layer("InputLayer", "x", {"shape": (8,)})
    d1 = g.add_layer("Dense", "d1", {"units": 16})
    d2 = g.add_layer("Dense", "d2", {"units": 4})
    g.connect(x, d1)
    g.connect(d1, d2)
    before = propagate(g)
    assert (before.layers[d1].macs, before.layers[d2].macs) == (8 * 16, 16 * 4)
    SetConfig(d1, "units", 32, 16).apply(g)
    after = propagate(g, before)
    assert after.recomputed == {d1, d2}
    assert (after.layers[d1].macs, after.layers[d2].macs) == (8 * 32, 32 * 4)
    assert after.layers[d1].activation_elements == 32
    assert after.layers == propagate(g).layers


# ---------------------------------------------------------------------------- budget
def test_training_budget_rules() -> None:
    # P = 100 (60 trainable), A = 1000, I = 10, batch 4
    adam = training_budget(100, 60, 1000, 10, 4)
    assert (adam.weights, adam.gradients, adam.optimizer, adam.activations) == (
        400, 240, 480, 4 * 1010 * 4)
    assert adam.total == 400 + 240 + 480 + 16160
    assert training_budget(100, 60, 1000, 10, 4, "sgd").optimizer == 0
    assert training_budget(100, 60, 1000, 10, 4, "momentum").optimizer == 240
    half = training_budget(100, 60, 1000, 10, 4, "adam", "float16")
    assert half.total == 200 + 120 + 240 + 2 * 1010 * 4
    mixed = training_budget(100, 60, 1000, 10, 4, "adam", "mixed")
    assert mixed.total == 400 + 240 + 480 + 2 * 1010 * 4
    # 10,000 bytes: fixed 1,120, 4,040 per sample -> (10000 - 1120) // 4040 = 2
    assert adam.max_batch_size(10_000) == 2
    assert adam.max_batch_size(1_000) == 0
    assert training_budget(5, 5, 0, 0).max_batch_size(GB) == -1


def test_training_budget_of_lenet_is_the_conventions_formula() -> None:
    from paramlab.core.io.loader import load_model

    s = summarize(load_model("lenet"))
    # 4P + 4Pt + 8Pt + 4·(activations + input): P = Pt = 62,958; activations 10,454
    # (28·28·8 + 14·14·8 + 10·10·16 + 5·5·16 + 400 + 120 + 84 + 10), input 32·32·3 = 3,072
    assert (s.activation_elements, s.input_elements) == (10_454, 3_072)
    b = training_budget(s.total, s.trainable, s.activation_elements, s.input_elements)
    assert b.total == 16 * 62_958 + 4 * (10_454 + 3_072)


@pytest.mark.parametrize("kwargs, message", [
    ({"optimizer": "rmsprop"}, "unknown optimizer"), ({"dtype": "int8"}, "unknown dtype"),
    ({"batch_size": 0}, "batch size")])
def test_training_budget_refuses_bad_choices(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        training_budget(1, 1, 1, 1, **kwargs)


# ---------------------------------------------------------------------------- MAC formula
@pytest.mark.parametrize("type_, config, inputs, text", [
    ("Conv2D", {"filters": 8, "kernel_size": (5, 5)}, [(32, 32, 3)],
     "28·28·(5·5·3)·8 = 470,400 MACs"),  # the LeNet example
    ("Dense", {"units": 120}, [(400,)], "400·120 = 48,000 MACs"),
    ("Dense", {"units": 3}, [(7, 5)], "7·(5·3) = 105 MACs"),
    ("LSTM", {"units": 24, "return_sequences": True}, [(12, 16)],
     "12·(16·96 + 24·96) = 46,080 MACs"),
    ("Conv2DTranspose", {"filters": 4, "kernel_size": (3, 3), "strides": (2, 2)},
     [(5, 5, 6)], "5·5·(3·3·4)·6 = 5,400 MACs"),
    ("MultiHeadAttention", {"num_heads": 2, "key_dim": 4}, [(6, 8), (10, 12)], "3,648 MACs"),
    ("MaxPooling2D", {}, [(4, 4, 8)], "0 MACs (no matmul or convolution core)"),
    ("LSTM", {"units": 6}, [(None, 4)], "unknown (a length is not known)"),
])
def test_mac_formula(type_: str, config: dict, inputs: list, text: str) -> None:
    from paramlab.core.mac_formula import mac_formula

    g, layer = single(type_, config, inputs)
    r = propagate(g).layers[layer]
    assert mac_formula(r.macs, r.weights, r.input_shapes, r.output_shape) == text
