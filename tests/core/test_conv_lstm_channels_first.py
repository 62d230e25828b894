"""ConvLSTM1D/2D/3D with ``data_format="channels_first"`` (issue 11, item 6).

Expected figures follow Keras's own source, ``keras/src/layers/rnn/conv_lstm.py``:

- ``ConvLSTM.compute_output_shape``: ``step_shape = (batch,) + sequences_shape[2:]``; the
  cell's ``compute_conv_output_shape`` on that step (with the layer's ``data_format``) is
  the state; the output is ``(batch, steps) + state[1:]`` with ``return_sequences``, else the
  state; with ``return_state`` two more tensors, h and c, each the state.
  So channels_first inputs are ``(batch, time, channels, *spatial)`` and the state is
  ``(batch, filters, *spatial')``; channels_last ``(batch, time, *spatial, channels)`` and
  ``(batch, *spatial', filters)``. Spatial lengths by ``conv_output_length`` (valid:
  ``L - k + 1``; same: ``ceil(L / s)``).
- ``ConvLSTMCell.build``: ``channel_axis = 1`` (channels_first) or ``-1`` of the step shape;
  kernel ``kernel_size + (channels, 4·filters)``, recurrent_kernel ``kernel_size +
  (filters, 4·filters)``, bias ``(4·filters,)``. The weights do not depend on the format:
  ``4·(prod(k)·C·F + prod(k)·F·F + F)``.
- MACs, tests/data/cost_conventions.md: ``T·[prod(out_sp)·prod(k)·C_in·4F +
  prod(out_sp)·prod(k)·F·4F]``.
- ``Bidirectional.compute_output_shape`` with ``merge_mode="concat"``:
  ``output_shape[-1] *= 2`` (the last axis, whatever the format).
"""
from __future__ import annotations

import ast
from math import prod

import pytest

from paramlab.core.graph import LayerGraph
from paramlab.core.io.keras_export import to_keras_code
from paramlab.core.io.keras_import import parse_keras_config
from paramlab.core.io.keras_json_export import to_keras_dict
from paramlab.core.propagate import propagate

CF = "channels_first"

# rank, filters, kernel, strides, padding, T, C, input spatial, output spatial
CASES = [
    # ConvLSTM2D(8, 3x3) on 5 steps of 3 x 16 x 16: 16 - 3 + 1 = 14.
    (2, 8, 3, 1, "valid", 5, 3, (16, 16), (14, 14)),
    # strides 2, same: ceil(16 / 2) = 8.
    (2, 8, 3, 2, "same", 5, 3, (16, 16), (8, 8)),
    # ConvLSTM1D(4, 3) on 6 steps of 2 x 10: 10 - 3 + 1 = 8.
    (1, 4, 3, 1, "valid", 6, 2, (10,), (8,)),
    # ConvLSTM3D(2, 3x3x3) on 4 steps of 3 x 6 x 6 x 6: 6 - 3 + 1 = 4.
    (3, 2, 3, 1, "valid", 4, 3, (6, 6, 6), (4, 4, 4)),
]


def params(rank: int, filters: int, k: int, channels: int) -> int:
    """``ConvLSTMCell.build``: kernel + recurrent_kernel + bias."""
    window = k ** rank
    return window * channels * 4 * filters + window * filters * 4 * filters + 4 * filters


def test_params_formula_matches_the_hand_count():
    # ConvLSTM2D(8, 3x3) on 3 channels: 4·(3·3·3·8 + 3·3·8·8 + 8) = 4·800 = 3,200;
    # ConvLSTM1D(4, 3) on 2: 4·(3·2·4 + 3·4·4 + 4) = 304;
    # ConvLSTM3D(2, 3x3x3) on 3: 4·(27·3·2 + 27·2·2 + 2) = 1,088.
    assert params(2, 8, 3, 3) == 4 * (3 * 3 * 3 * 8 + 3 * 3 * 8 * 8 + 8) == 3200
    assert params(1, 4, 3, 2) == 304
    assert params(3, 2, 3, 3) == 1088


def conv_lstm(rank: int, shape: tuple, config: dict):
    g = LayerGraph("m")
    x = g.add_layer("InputLayer", "x", {"shape": shape})
    y = g.add_layer(f"ConvLSTM{rank}D", "y", config)
    g.connect(x, y)
    r = propagate(g).layers[y]
    assert r.diagnostic is None, r.diagnostic
    return r


@pytest.mark.parametrize("data_format", [CF, "channels_last"])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("rank, filters, k, s, padding, steps, c, sp_in, sp_out", CASES,
                         ids=[f"{c[0]}D-{c[4]}-s{c[3]}" for c in CASES])
def test_conv_lstm_shapes_weights_and_macs(rank, filters, k, s, padding, steps, c, sp_in,
                                           sp_out, return_sequences, data_format):
    first = data_format == CF
    shape = (steps, c, *sp_in) if first else (steps, *sp_in, c)
    state = (None, filters, *sp_out) if first else (None, *sp_out, filters)
    out = (None, steps) + state[1:] if return_sequences else state
    config = {"filters": filters, "kernel_size": k, "strides": s, "padding": padding,
              "return_sequences": return_sequences, "return_state": True}
    if first:
        config["data_format"] = CF  # channels_last: Keras's default, left out
    r = conv_lstm(rank, shape, config)
    assert r.output_shape == out
    assert r.output_shapes == (out, state, state)  # [output, h, c]
    assert (r.trainable, r.non_trainable) == (params(rank, filters, k, c), 0)
    window = k ** rank
    assert [w.shape for w in r.weights] == [
        (k,) * rank + (c, 4 * filters), (k,) * rank + (filters, 4 * filters), (4 * filters,)]
    positions = prod(sp_out)
    assert r.macs == steps * (positions * window * c * 4 * filters
                              + positions * window * filters * 4 * filters)
    # cost_conventions.md section 5: the elements of every output tensor.
    assert r.activation_elements == prod(out[1:]) + 2 * prod(state[1:])
    # PyTorch has no convolutional LSTM module: the layer keeps Keras's counts, flagged.
    assert r.torch.mapping.unsupported == "PyTorch has no convolutional LSTM module"


def test_without_return_state_one_output():
    r = conv_lstm(2, (5, 3, 16, 16), {"filters": 8, "kernel_size": 3, "data_format": CF})
    assert (r.output_shape, r.output_shapes, r.total) == ((None, 8, 14, 14), None, 3200)


def test_channels_first_needs_a_known_channel_axis():
    # ConvLSTMCell.build: "The channel dimension of the inputs ... should be defined".
    g = LayerGraph("m")
    x = g.add_layer("InputLayer", "x", {"shape": (5, None, 16, 16)})
    y = g.add_layer("ConvLSTM2D", "y", {"filters": 8, "kernel_size": 3, "data_format": CF})
    g.connect(x, y)
    r = propagate(g).layers[y]
    assert r.diagnostic is not None and "channel axis" in r.diagnostic.message


def test_bidirectional_conv_lstm_channels_first():
    """Bidirectional(ConvLSTM2D(8, 3x3, channels_first, return_state)) on (5, 3, 16, 16):
    forward and backward 3,200 each; concat doubles the last axis: (None, 8, 14, 28); the
    states are forward h, c then backward h, c, each (None, 8, 14, 14)."""
    g = LayerGraph("m")
    x = g.add_layer("InputLayer", "x", {"shape": (5, 3, 16, 16)})
    b = g.add_layer("Bidirectional", "b", {"layer": {"class_name": "ConvLSTM2D", "config": {
        "filters": 8, "kernel_size": [3, 3], "data_format": CF, "return_state": True}}})
    g.connect(x, b)
    r = propagate(g).layers[b]
    assert r.diagnostic is None, r.diagnostic
    state = (None, 8, 14, 14)
    assert r.output_shapes == ((None, 8, 14, 28),) + (state,) * 4
    assert r.total == 2 * 3200


def _keras3_model() -> dict:
    """A Keras 3 Functional: Input (None, 5, 3, 16, 16) -> ConvLSTM2D(8, 3x3, channels_first,
    return_sequences, return_state) -> Concatenate(axis=1) of state_h and state_c
    (None, 16, 14, 14) and Conv2D(4, 1x1, channels_first) on that: (16 + 1)·4 = 68."""
    def kt(layer, tensor, shape):
        return {"class_name": "__keras_tensor__", "config": {
            "shape": shape, "dtype": "float32", "keras_history": [layer, 0, tensor]}}

    def layer(cls, name, config, args):
        return {"module": "keras.layers", "class_name": cls, "name": name,
                "config": {"name": name, "trainable": True, **config},
                "inbound_nodes": [{"args": args, "kwargs": {}}]}
    return {"module": "keras.src.models.functional", "class_name": "Functional", "config": {
        "name": "cf_convlstm", "trainable": True, "layers": [
            {"module": "keras.layers", "class_name": "InputLayer", "name": "frames",
             "config": {"batch_shape": [None, 5, 3, 16, 16], "name": "frames"},
             "inbound_nodes": []},
            layer("ConvLSTM2D", "clstm", {
                "filters": 8, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
                "data_format": CF, "dilation_rate": [1, 1], "return_sequences": True,
                "return_state": True}, [kt("frames", 0, [None, 5, 3, 16, 16])]),
            layer("Concatenate", "states", {"axis": 1},
                  [[kt("clstm", 1, [None, 8, 14, 14]), kt("clstm", 2, [None, 8, 14, 14])]]),
            layer("Conv2D", "mix", {"filters": 4, "kernel_size": [1, 1], "data_format": CF},
                  [kt("states", 0, [None, 16, 14, 14])]),
        ], "input_layers": [["frames", 0, 0]],
        "output_layers": [["clstm", 0, 0], ["mix", 0, 0]]}}


def _figures(graph: LayerGraph) -> dict:
    result = propagate(graph)
    return {graph.raw(n)["name"]: (r.output_shapes or r.output_shape, r.trainable,
                                   r.non_trainable)
            for n, r in result.layers.items()}


EXPECTED = {
    "frames": ((None, 5, 3, 16, 16), 0, 0),
    "clstm": (((None, 5, 8, 14, 14), (None, 8, 14, 14), (None, 8, 14, 14)), 3200, 0),
    "states": ((None, 16, 14, 14), 0, 0),
    "mix": ((None, 4, 14, 14), 68, 0),
}


def test_keras3_file_and_its_json_export_round_trip():
    graph = parse_keras_config(_keras3_model())
    assert _figures(graph) == EXPECTED
    exported = to_keras_dict(graph, propagate(graph))
    entry = {e["name"]: e for e in exported["config"]["layers"]}["clstm"]
    assert entry["config"]["data_format"] == CF
    again = parse_keras_config(exported)
    assert _figures(again) == EXPECTED


def test_keras_code_export_keeps_the_format_and_the_state_outputs():
    graph = parse_keras_config(_keras3_model())
    source = to_keras_code(graph)
    compile(source, "cf_convlstm.py", "exec")
    calls = {kw.value.value: node for node in ast.walk(ast.parse(source))
             if isinstance(node, ast.Call)
             for kw in node.keywords if kw.arg == "name" and isinstance(kw.value, ast.Constant)}
    kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in calls["clstm"].keywords}
    assert kwargs["data_format"] == CF
    assert kwargs["return_state"] is True and kwargs["return_sequences"] is True


def test_keras2_sequential_channels_first():
    """A tf.keras 2 Sequential (list-less form with ``batch_input_shape``): ConvLSTM2D(4,
    3x3, channels_first) on (None, 7, 2, 10, 12) -> (None, 4, 8, 10);
    4·(3·3·2·4 + 3·3·4·4 + 4) = 4·(72 + 144 + 4) = 880; Flatten 4·8·10 = 320."""
    config = {"class_name": "Sequential", "keras_version": "2.4.0", "config": {
        "name": "seq", "layers": [
            {"class_name": "ConvLSTM2D", "config": {
                "name": "clstm", "trainable": True, "batch_input_shape": [None, 7, 2, 10, 12],
                "filters": 4, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
                "data_format": CF, "dilation_rate": [1, 1], "return_sequences": False}},
            {"class_name": "Flatten", "config": {"name": "flat", "trainable": True,
                                                 "data_format": CF}}]}}
    got = _figures(parse_keras_config(config))
    assert got["clstm"] == ((None, 4, 8, 10), 880, 0)
    assert got["flat"] == ((None, 320), 0, 0)


# TimeDistributed (keras/src/layers/rnn/time_distributed.py): the child layer sees one step
# ``(batch, *input[2:])``; ``compute_output_shape`` returns ``(batch, steps,
# *child_output[1:])``; the child's weights once. A channels_first child keeps its format:
# Conv2D(8, 3x3) on (3, 16, 16) -> (8, 14, 14), (3·3·3 + 1)·8 = 224; MaxPooling2D(2) on
# (3, 16, 16) -> (3, 8, 8); Flatten 3·16·16 = 768.
TIME_DISTRIBUTED = [
    ("Conv2D", {"filters": 8, "kernel_size": [3, 3]}, (5, 8, 14, 14), 224),
    ("MaxPooling2D", {"pool_size": [2, 2]}, (5, 3, 8, 8), 0),
    ("Flatten", {}, (5, 768), 0),
]


@pytest.mark.parametrize("inner, config, out, total", TIME_DISTRIBUTED,
                         ids=[c[0] for c in TIME_DISTRIBUTED])
@pytest.mark.parametrize("data_format", [CF, "channels_last"])
def test_time_distributed_keeps_the_wrapped_layers_format(inner, config, out, total,
                                                          data_format):
    first = data_format == CF
    g = LayerGraph("m")
    x = g.add_layer("InputLayer", "x", {"shape": (5, 3, 16, 16) if first else (5, 16, 16, 3)})
    y = g.add_layer("TimeDistributed", "y", {"layer": {"class_name": inner, "config": {
        **config, "data_format": data_format}}})
    g.connect(x, y)
    r = propagate(g).layers[y]
    assert r.diagnostic is None, r.diagnostic
    expected = out if first or len(out) < 3 else (out[0], *out[2:], out[1])
    assert (r.output_shape, r.total) == ((None, *expected), total)
    if inner == "Conv2D":
        # 5 steps · 14·14 positions · (3·3·3)·8 (cost_conventions.md: TimeDistributed is T·
        # the wrapped layer); PyTorch: nn.Conv2d(3, 8, 3), 224 as well.
        assert r.macs == 5 * 14 * 14 * 27 * 8
        assert r.torch.trainable == 224
