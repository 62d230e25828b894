"""``data_format="channels_first"``: every layer that takes it in Keras, and
BatchNormalization on ``axis=1``.

Expected figures follow Keras's documented rules (layer docs, "Input shape" / "Output
shape" sections): channels_first inputs are ``(batch, channels, *spatial)`` and outputs
``(batch, filters, *new_spatial)``; the weights do not depend on the axis order (Conv2D
``(kh·kw·cin + 1)·filters``, DepthwiseConv2D ``kh·kw·cin·m + cin·m``, SeparableConv2D
``kh·kw·cin + cin·filters + filters``, Conv2DTranspose ``kh·kw·filters·cin + filters``,
BatchNormalization ``4·C`` with half non-trainable); output lengths by
``conv_output_length`` (valid: ``L - k + 1``; same: ``ceil(L / s)``; transpose valid:
``(L - 1)·s + k``). Each case is checked against the same layer channels-last too.
"""
from __future__ import annotations

import pytest

from paramlab.core.graph import LayerGraph
from paramlab.core.io.keras_import import parse_keras_config
from paramlab.core.propagate import propagate

CF = {"data_format": "channels_first"}

CASES = [
    # type, config, input shape (channels first), output shape, trainable, non-trainable
    ("Conv2D", {"filters": 8, "kernel_size": 3}, (3, 32, 32), (None, 8, 30, 30), 224, 0),
    ("Conv2D", {"filters": 8, "kernel_size": 3, "strides": 2, "padding": "same"},
     (3, 32, 32), (None, 8, 16, 16), 224, 0),
    ("Conv1D", {"filters": 5, "kernel_size": 3}, (4, 10), (None, 5, 8), 65, 0),
    ("Conv3D", {"filters": 3, "kernel_size": 3}, (2, 6, 6, 6), (None, 3, 4, 4, 4), 165, 0),
    ("Conv2DTranspose", {"filters": 4, "kernel_size": 3, "strides": 2}, (3, 8, 8),
     (None, 4, 17, 17), 112, 0),
    ("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2}, (3, 10, 10),
     (None, 6, 8, 8), 60, 0),
    ("SeparableConv2D", {"filters": 4, "kernel_size": 3}, (3, 10, 10), (None, 4, 8, 8), 43, 0),
    ("MaxPooling2D", {"pool_size": 2}, (3, 32, 32), (None, 3, 16, 16), 0, 0),
    ("AveragePooling1D", {"pool_size": 2}, (4, 10), (None, 4, 5), 0, 0),
    ("MaxPooling3D", {"pool_size": 2}, (2, 6, 6, 6), (None, 2, 3, 3, 3), 0, 0),
    ("GlobalAveragePooling2D", {}, (3, 32, 32), (None, 3), 0, 0),
    ("GlobalMaxPooling2D", {"keepdims": True}, (3, 32, 32), (None, 3, 1, 1), 0, 0),
    ("GlobalAveragePooling1D", {}, (4, 10), (None, 4), 0, 0),
    ("UpSampling2D", {"size": 2}, (3, 5, 7), (None, 3, 10, 14), 0, 0),
    ("ZeroPadding2D", {"padding": 1}, (3, 32, 32), (None, 3, 34, 34), 0, 0),
    ("Cropping2D", {"cropping": [[1, 1], [2, 2]]}, (3, 32, 32), (None, 3, 30, 28), 0, 0),
    ("Flatten", {}, (3, 4, 5), (None, 60), 0, 0),
    ("SpatialDropout2D", {"rate": 0.2}, (3, 4, 5), (None, 3, 4, 5), 0, 0),
]


def one_layer(type_name: str, config: dict, shape: tuple) -> tuple:
    g = LayerGraph("m")
    x = g.add_layer("InputLayer", "x", {"shape": shape})
    y = g.add_layer(type_name, "y", config)
    g.connect(x, y)
    r = propagate(g).layers[y]
    assert r.diagnostic is None, r.diagnostic
    return r.output_shape, r.trainable, r.non_trainable


@pytest.mark.parametrize("type_name, config, shape, out, trainable, non_trainable", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_channels_first_layer(type_name, config, shape, out, trainable, non_trainable):
    assert one_layer(type_name, {**config, **CF}, shape) == (out, trainable, non_trainable)
    # The same layer channels-last: the same weights, the channel axis last.
    last_in = shape[1:] + shape[:1]
    last_out = out if len(out) < 3 else (None, *out[2:], out[1])
    assert one_layer(type_name, config, last_in) == (last_out, trainable, non_trainable)


def test_batch_normalization_on_axis_1():
    # gamma, beta (3 each) trainable; moving mean, variance (3 each) non-trainable.
    assert one_layer("BatchNormalization", {"axis": 1}, (3, 32, 32)) == (
        (None, 3, 32, 32), 6, 6)


def test_keras2_channels_first_file():
    """A tf.keras 2 Sequential written with data_format channels_first throughout:
    Conv2D(8, 3) on (3, 32, 32) 224; BatchNormalization(axis=1) 16 + 16; MaxPooling2D(2)
    -> (8, 15, 15); Flatten 1,800; Dense(10) (1,800 + 1)·10 = 18,010."""
    def layer(cls, name, **config):
        return {"class_name": cls, "config": {"name": name, "trainable": True, **config}}
    config = {"class_name": "Sequential", "keras_version": "2.4.0", "config": {
        "name": "cf", "layers": [
            {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 3, 32, 32],
                                                    "name": "img"}},
            layer("Conv2D", "conv", filters=8, kernel_size=[3, 3], strides=[1, 1],
                  padding="valid", data_format="channels_first", dilation_rate=[1, 1]),
            layer("BatchNormalization", "bn", axis=[1]),
            layer("MaxPooling2D", "pool", pool_size=[2, 2], strides=[2, 2],
                  padding="valid", data_format="channels_first"),
            layer("Flatten", "flat", data_format="channels_first"),
            layer("Dense", "out", units=10)]}}
    graph = parse_keras_config(config)
    result = propagate(graph)
    got = {graph.raw(n)["name"]: (r.output_shape, r.trainable, r.non_trainable)
           for n, r in result.layers.items()}
    assert got["conv"] == ((None, 8, 30, 30), 224, 0)
    assert got["bn"] == ((None, 8, 30, 30), 16, 16)
    assert got["pool"] == ((None, 8, 15, 15), 0, 0)
    assert got["flat"] == ((None, 1800), 0, 0)
    assert got["out"] == ((None, 10), 18_010, 0)
