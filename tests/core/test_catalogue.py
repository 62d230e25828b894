"""The catalogue as data: every spec documented and usable from its defaults; rules raise
only LayerError; layers absent from the Keras reference files checked against figures
derived from Keras's own documentation and sources (cited per row); impossible configs and
shapes give clear errors.

Layers that appear in tests/data (Keras reference models, torch_conventions.json) are
checked in test_catalogue_reference.py.
"""
from __future__ import annotations

import itertools
from typing import Any

import pytest

from paramlab.core.catalogue import CATALOGUE, get_spec, specs_by_category
from paramlab.core.errors import LayerError
from paramlab.core.graph import LayerGraph
from paramlab.core.propagate import propagate
from paramlab.core.spec import CATEGORIES, LayerSpec
from paramlab.core.types import Severity

SPECS = list(CATALOGUE.values())


def spec_id(spec: LayerSpec) -> str:
    return spec.type


# A plausible input (batch axis None) for each layer type, by name; rank follows the name.
_SPECIAL: dict[str, tuple] = {
    "InputLayer": (),
    "Dense": ((None, 20),), "EinsumDense": ((None, 20),),
    "Embedding": ((None, 12),),
    "CategoryEncoding": ((None, 3),),
    "RepeatVector": ((None, 8),),
    "Permute": ((None, 12, 8),),
    "SimpleRNN": ((None, 10, 8),), "LSTM": ((None, 10, 8),), "GRU": ((None, 10, 8),),
    "Bidirectional": ((None, 10, 8),), "TimeDistributed": ((None, 10, 8),),
    "RNN": ((None, 10, 8),), "CuDNNLSTM": ((None, 10, 8),), "CuDNNGRU": ((None, 10, 8),),
    "MelSpectrogram": ((None, 16000),), "STFTSpectrogram": ((None, 1000, 2),),
    "ConvLSTM1D": ((None, 5, 16, 8),), "ConvLSTM2D": ((None, 5, 16, 16, 8),),
    "ConvLSTM3D": ((None, 5, 8, 8, 8, 4),),
    "MultiHeadAttention": ((None, 10, 16), (None, 12, 16)),
    "Attention": ((None, 10, 16), (None, 12, 16)),
    "AdditiveAttention": ((None, 10, 16), (None, 12, 16)),
    "GroupQueryAttention": ((None, 10, 16), (None, 12, 16)),
    "Subtract": ((None, 8), (None, 8)), "Dot": ((None, 8), (None, 8)),
    "CustomScaleLayer": ((None, 8, 8, 16), (None, 8, 8, 16)),
    "GroupNormalization": ((None, 8, 8, 64),),  # default groups=32 must divide the channels
    "LayerScale": ((None, 7, 7, 96),),  # default projection_dim=96
    "Resizing": ((None, 256, 256, 3),), "CenterCrop": ((None, 256, 256, 3),),
    "RandomCrop": ((None, 256, 256, 3),),
    "RandomColorDegeneration": ((None, 32, 32, 3),),  # RGB images only
    "HashedCrossing": ((None, 1), (None, 1)),
}


def plausible_inputs(spec: LayerSpec) -> tuple:
    if spec.type in _SPECIAL:
        return _SPECIAL[spec.type]
    if spec.category == "Merge":
        return ((None, 8, 8, 16), (None, 8, 8, 16))
    if "1D" in spec.type:
        return ((None, 16, 8),)
    if "3D" in spec.type:
        return ((None, 8, 8, 8, 4),)
    if spec.category == "Operations":
        return ((None, 8, 8),)
    return ((None, 16, 16, 8),)


def test_catalogue_holds_the_issue_layers() -> None:
    issue2 = [
        "InputLayer", "Dense", "Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose",
        "DepthwiseConv2D", "SeparableConv2D", "MaxPooling1D", "MaxPooling2D",
        "AveragePooling1D", "AveragePooling2D", "GlobalAveragePooling1D",
        "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "Flatten",
        "Reshape", "Dropout", "Activation", "ReLU", "LeakyReLU", "Softmax",
        "BatchNormalization", "LayerNormalization", "Rescaling", "Normalization", "Embedding",
        "SimpleRNN", "LSTM", "GRU", "Add", "Concatenate", "Multiply", "ZeroPadding2D",
        "UpSampling2D"]
    issue4 = [
        "Conv1DTranspose", "Conv3DTranspose", "SeparableConv1D", "DepthwiseConv1D",
        "MaxPooling3D", "AveragePooling3D", "GlobalAveragePooling3D", "GlobalMaxPooling3D",
        "Cropping1D", "Cropping2D", "Cropping3D", "ZeroPadding1D", "ZeroPadding3D",
        "UpSampling1D", "UpSampling3D", "Permute", "RepeatVector", "SpatialDropout1D",
        "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout",
        "AlphaDropout", "PReLU", "ELU", "ThresholdedReLU", "GroupNormalization",
        "UnitNormalization", "Bidirectional", "ConvLSTM2D", "TimeDistributed",
        "MultiHeadAttention", "Attention", "Subtract", "Average", "Maximum", "Minimum", "Dot",
        "CategoryEncoding", "NotEqual"]
    # Every layer class keras/src/applications/*.py instantiates (layers.X and the classes
    # those modules define), Lambda excepted (opaque by design).
    applications = [
        "Activation", "Add", "AveragePooling2D", "BatchNormalization", "Concatenate", "Conv2D",
        "Cropping2D", "Dense", "DepthwiseConv2D", "Dropout", "Flatten",
        "GlobalAveragePooling2D", "GlobalMaxPooling2D", "InputLayer", "LayerNormalization",
        "MaxPooling2D", "Multiply", "Normalization", "ReLU", "Rescaling", "Reshape",
        "SeparableConv2D", "ZeroPadding2D", "StochasticDepth", "LayerScale", "CustomScaleLayer"]
    missing = [t for t in issue2 + issue4 + applications if t not in CATALOGUE]
    assert missing == []


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_spec_is_documented_and_well_formed(spec: LayerSpec) -> None:
    assert spec.category in CATEGORIES
    assert len(spec.doc) > 20 and "arameter" in spec.doc, spec.doc  # says how it counts
    names = [f.name for f in spec.fields]
    assert len(names) == len(set(names))
    for f in spec.fields:
        # Every default is a value the field itself accepts, unchanged.
        if f.default is None:
            assert f.optional, f"{spec.type}.{f.name} has default None but is not optional"
        else:
            assert f.validate(f.default) == f.default, f"{spec.type}.{f.name}"


def test_every_category_has_layers() -> None:
    groups = specs_by_category()
    assert set(groups) <= set(CATEGORIES)
    for category in ("Core", "Convolution", "Pooling", "Normalization", "Recurrent",
                     "Merge", "Reshaping", "Regularization", "Activation"):
        assert groups[category], category


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_default_config_propagates(spec: LayerSpec) -> None:
    """A layer dropped from the palette with its defaults, fed a plausible input, resolves
    through the real propagation with no diagnostic."""
    g = LayerGraph("t")
    g.add_layer(spec.type, "layer", spec.default_config(), node_id="layer")
    for i, shape in enumerate(plausible_inputs(spec)):
        g.add_layer("InputLayer", f"in{i}", {"shape": shape[1:]}, node_id=f"in{i}")
        g.connect(f"in{i}", "layer", i)
    r = propagate(g).layers["layer"]
    assert r.diagnostic is None, r.diagnostic
    assert r.output_shape is not None and r.output_shape[0] is None
    assert r.total == sum(w.size for w in r.weights)


_SHAPES = [(None,), (None, 5), (None, None), (None, 1, 1), (None, 7, 3), (None, None, 4),
           (None, 9, 9, 3), (None, 2, 2, 1), (None, None, None, 3), (None, 6, 6, 6, 2),
           (None, 4, 5, 6, 7, 3)]


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_rules_raise_only_layer_error(spec: LayerSpec) -> None:
    """On inputs of every rank (small, unknown or 1-long axes), a rule either gives a valid
    shape and positive weight shapes or raises LayerError; never another exception."""
    config = spec.resolve_config(spec.default_config())
    n = spec.inputs.minimum
    counts = {n, n + 1} if spec.inputs.maximum != n else {n}
    outcomes = set()
    for k in counts:
        for combo in itertools.product(_SHAPES, repeat=k):
            try:
                out = spec.output_shape(combo, config)
                weights = spec.weights(combo, config)
            except LayerError as exc:
                assert str(exc)
                outcomes.add("error")
                continue
            outcomes.add("ok")
            assert out[0] is None
            assert all(d is None or (isinstance(d, int) and d > 0) for d in out[1:]), out
            for w in weights:
                assert all(isinstance(d, int) and d > 0 for d in w.shape), w
    assert outcomes  # the sweep ran


# Rows for layers (or options) absent from the reference files. Each expected figure comes
# from Keras: the docstring example of the layer (keras/src/layers/<path>.py, "Example"),
# the expected_output_shape of its run_layer_test (<path>_test.py), and weight shapes from
# its build() as cited; counts are the sum of those shapes.
ROWS: list[tuple[str, dict[str, Any], tuple, tuple, int, int]] = [
    # convolutional/conv1d.py example: Conv1D(32, 3) on (4, 10, 128) -> (4, 8, 32);
    # BaseConv.build: kernel (3, 128, 32) + bias (32,) = 12,320.
    ("Conv1D", {"filters": 32, "kernel_size": 3}, ((None, 10, 128),), (None, 8, 32),
     3 * 128 * 32 + 32, 0),
    # causal padding keeps the length (BaseConv / compute_conv_output_shape: as "same").
    ("Conv1D", {"filters": 4, "kernel_size": 5, "padding": "causal", "dilation_rate": 2},
     ((None, 10, 3),), (None, 10, 4), 5 * 3 * 4 + 4, 0),
    # convolutional/conv3d.py example: Conv3D(32, 3) on (4, 10, 10, 10, 128).
    ("Conv3D", {"filters": 32, "kernel_size": 3}, ((None, 10, 10, 10, 128),),
     (None, 8, 8, 8, 32), 27 * 128 * 32 + 32, 0),
    # convolutional/conv1d_transpose.py example: Conv1DTranspose(32, 3, 2) on (4, 10, 128)
    # -> (4, 21, 32); BaseConvTranspose.build: kernel (3, 32, 128) + bias (32,).
    ("Conv1DTranspose", {"filters": 32, "kernel_size": 3, "strides": 2}, ((None, 10, 128),),
     (None, 21, 32), 3 * 32 * 128 + 32, 0),
    # convolutional/conv3d_transpose.py example: Conv3DTranspose(32, 2, 2) on
    # (4, 10, 8, 12, 128) -> (4, 20, 16, 24, 32).
    ("Conv3DTranspose", {"filters": 32, "kernel_size": 2, "strides": 2},
     ((None, 10, 8, 12, 128),), (None, 20, 16, 24, 32), 8 * 32 * 128 + 32, 0),
    # backend_utils._get_output_shape_given_tf_padding, same + output_padding:
    # (L - 1)·s + k % 2 + output_padding = 4·2 + 1 + 1 = 10.
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same",
                         "output_padding": 1}, ((None, 5, 5, 1),), (None, 10, 10, 2),
     9 * 2 * 1 + 2, 0),
    # convolutional/depthwise_conv_test.py (test_depthwise_conv1d_basic): multiplier 5,
    # kernel 2 on (3, 5, 4) -> (3, 4, 20); multiplier 6, strides 2 -> (3, 2, 24).
    # BaseDepthwiseConv.build: kernel (2, 4, m), bias (4·m,).
    ("DepthwiseConv1D", {"kernel_size": 2, "depth_multiplier": 5}, ((None, 5, 4),),
     (None, 4, 20), 2 * 4 * 5 + 20, 0),
    ("DepthwiseConv1D", {"kernel_size": 2, "strides": 2, "depth_multiplier": 6},
     ((None, 5, 4),), (None, 2, 24), 2 * 4 * 6 + 24, 0),
    # same file: multiplier 6, kernel 2, same, dilation 2 on (3, 4, 4) -> (3, 4, 24).
    ("DepthwiseConv1D", {"kernel_size": 2, "padding": "same", "dilation_rate": 2,
                         "depth_multiplier": 6}, ((None, 4, 4),), (None, 4, 24),
     2 * 4 * 6 + 24, 0),
    # convolutional/separable_conv_test.py: multiplier 5, filters 5, kernel 2 on (3, 5, 4)
    # -> (3, 4, 5). BaseSeparableConv.build: depthwise (2, 4, 5), pointwise (1, 20, 5),
    # bias (5,).
    ("SeparableConv1D", {"filters": 5, "kernel_size": 2, "depth_multiplier": 5},
     ((None, 5, 4),), (None, 4, 5), 2 * 4 * 5 + 20 * 5 + 5, 0),
    # pooling/max_pooling1d.py examples on (1, 5, 1): pool 2 stride 1 valid -> 4 steps;
    # stride 2 valid -> 2; stride 1 same -> 5.
    ("MaxPooling1D", {"pool_size": 2, "strides": 1}, ((None, 5, 1),), (None, 4, 1), 0, 0),
    ("MaxPooling1D", {"pool_size": 2, "strides": 2}, ((None, 5, 1),), (None, 2, 1), 0, 0),
    ("MaxPooling1D", {"pool_size": 2, "strides": 1, "padding": "same"}, ((None, 5, 1),),
     (None, 5, 1), 0, 0),
    # pooling/average_pooling3d.py example: pool 3 on (30, 30, 30, 3) -> (10, 10, 10, 3).
    ("AveragePooling3D", {"pool_size": 3}, ((None, 30, 30, 30, 3),), (None, 10, 10, 10, 3),
     0, 0),
    # pooling/max_pooling2d.py example: pool 2, strides 1, same on (1, 3, 3, 1) -> 3×3.
    ("MaxPooling2D", {"pool_size": 2, "strides": 1, "padding": "same"}, ((None, 3, 3, 1),),
     (None, 3, 3, 1), 0, 0),
    # pooling/global_average_pooling1d.py example: (2, 3, 4) -> (2, 4).
    ("GlobalAveragePooling1D", {}, ((None, 3, 4),), (None, 4), 0, 0),
    # pooling/global_max_pooling3d.py example: (2, 4, 5, 4, 3) -> (2, 3).
    ("GlobalMaxPooling3D", {}, ((None, 4, 5, 4, 3),), (None, 3), 0, 0),
    # base_global_pooling.compute_output_shape with keepdims=True keeps 1-long axes.
    ("GlobalAveragePooling2D", {"keepdims": True}, ((None, 7, 7, 32),), (None, 1, 1, 32),
     0, 0),
    # reshaping/zero_padding1d.py example: padding 2 on (2, 2, 3) -> (2, 6, 3).
    ("ZeroPadding1D", {"padding": 2}, ((None, 2, 3),), (None, 6, 3), 0, 0),
    # reshaping/zero_padding3d.py example: padding 2 on (1, 1, 2, 2, 3) -> (1, 5, 6, 6, 3).
    ("ZeroPadding3D", {"padding": 2}, ((None, 1, 2, 2, 3),), (None, 5, 6, 6, 3), 0, 0),
    # reshaping/cropping1d.py example: cropping 1 on (2, 3, 2) -> (2, 1, 2).
    ("Cropping1D", {"cropping": 1}, ((None, 3, 2),), (None, 1, 2), 0, 0),
    # reshaping/cropping3d.py example: cropping (2, 4, 2) on (2, 28, 28, 10, 3) -> (2, 24,
    # 20, 6, 3).
    ("Cropping3D", {"cropping": (2, 4, 2)}, ((None, 28, 28, 10, 3),), (None, 24, 20, 6, 3),
     0, 0),
    # reshaping/up_sampling1d.py example: size 2 on (2, 2, 3) -> (2, 4, 3).
    ("UpSampling1D", {"size": 2}, ((None, 2, 3),), (None, 4, 3), 0, 0),
    # reshaping/up_sampling3d.py example: size (2, 2, 2) on (2, 1, 2, 1, 3) -> (2, 2, 4, 2,
    # 3).
    ("UpSampling3D", {"size": (2, 2, 2)}, ((None, 1, 2, 1, 3),), (None, 2, 4, 2, 3), 0, 0),
    # regularization/spatial_dropout.py, gaussian_dropout.py, alpha_dropout.py,
    # activity_regularization.py: compute_output_shape returns the input shape; no weights.
    ("SpatialDropout1D", {"rate": 0.2}, ((None, 10, 4),), (None, 10, 4), 0, 0),
    ("SpatialDropout3D", {"rate": 0.2}, ((None, 4, 4, 4, 2),), (None, 4, 4, 4, 2), 0, 0),
    ("GaussianDropout", {"rate": 0.2}, ((None, 10),), (None, 10), 0, 0),
    ("AlphaDropout", {"rate": 0.2}, ((None, 10),), (None, 10), 0, 0),
    ("ActivityRegularization", {"l1": 0.01}, ((None, 10),), (None, 10), 0, 0),
    # rnn/conv_lstm2d_test.py: filters 5, kernel 3, same on (3, 2, 4, 4, 3) -> (3, 4, 4, 5);
    # ConvLSTMCell.build: kernel (3, 3, 3, 20), recurrent (3, 3, 5, 20), bias (20,).
    ("ConvLSTM2D", {"filters": 5, "kernel_size": 3, "padding": "same"},
     ((None, 2, 4, 4, 3),), (None, 4, 4, 5), 9 * 3 * 20 + 9 * 5 * 20 + 20, 0),
    # same test, valid padding, return_sequences on (3, 2, 8, 8, 3) -> (3, 2, 6, 6, 5).
    ("ConvLSTM2D", {"filters": 5, "kernel_size": 3, "return_sequences": True},
     ((None, 2, 8, 8, 3),), (None, 2, 6, 6, 5), 9 * 3 * 20 + 9 * 5 * 20 + 20, 0),
    # rnn/conv_lstm1d_test.py-style: ConvLSTM1D filters 5, kernel 3, same on (3, 2, 4, 3).
    ("ConvLSTM1D", {"filters": 5, "kernel_size": 3, "padding": "same"}, ((None, 2, 4, 3),),
     (None, 4, 5), 3 * 3 * 20 + 3 * 5 * 20 + 20, 0),
    # attention/attention_test.py: inputs (2, 3, 4), (2, 4, 4) -> (2, 3, 4); use_scale and
    # score_mode="concat" give 2 scalar weights (Attention.build: scale (), concat_score_weight
    # ()), the default none.
    ("Attention", {}, ((None, 3, 4), (None, 4, 4)), (None, 3, 4), 0, 0),
    ("Attention", {"use_scale": True, "score_mode": "concat"}, ((None, 3, 4), (None, 4, 4)),
     (None, 3, 4), 2, 0),
    # attention/additive_attention_test.py: same inputs; use_scale -> scale (dim,) = (4,).
    ("AdditiveAttention", {"use_scale": True}, ((None, 3, 4), (None, 4, 4)), (None, 3, 4),
     4, 0),
    # MultiHeadAttention.build with output_shape=8 and value_dim=6 (query 16, value 12):
    # query (16, 2, 4) + (2, 4); key (12, 2, 4) + (2, 4); value (12, 2, 6) + (2, 6);
    # attention_output (2, 6, 8) + (8,). compute_output_shape: query[:-1] + output_shape.
    ("MultiHeadAttention", {"num_heads": 2, "key_dim": 4, "value_dim": 6, "output_shape": 8},
     ((None, 5, 16), (None, 7, 12)), (None, 5, 8),
     16 * 8 + 8 + 12 * 8 + 8 + 12 * 12 + 12 + 2 * 6 * 8 + 8, 0),
    # attention/grouped_query_attention.py build (EinsumDense shapes): head_dim 2, 4 query
    # heads, 2 key/value heads, query/value features 5, key features 3:
    # query (5, 4, 2) + (4, 2); key (3, 2, 2) + (2, 2); value (5, 2, 2) + (2, 2);
    # attention_output (4, 2, 5) + (5,). compute_output_shape: the query's shape.
    ("GroupQueryAttention", {"head_dim": 2, "num_query_heads": 4, "num_key_value_heads": 2},
     ((None, 7, 5), (None, 6, 5), (None, 6, 3)), (None, 7, 5),
     40 + 8 + 12 + 4 + 20 + 4 + 40 + 5, 0),
    # core/einsum_dense.py docstring examples: "ab,bc->ac" (64, bias c) on (None, 32) ->
    # (None, 64), kernel (32, 64) + bias (64,); "abc,cd->abd" (None, 64) on (None, 32, 128)
    # -> kernel (128, 64) + bias (64,), and Keras 3.15.1's output shape is output_shape's,
    # (None, None, 64), not the docstring's (None, 32, 64) (compute_output_shape returns
    # _analyze_einsum_string's full_output_shape; tests/data/keras/oracle_fixes.json);
    # "...x,xy->...y" fills the elided axis from the input: (None, 32, 64).
    ("EinsumDense", {"equation": "ab,bc->ac", "output_shape": 64, "bias_axes": "c"},
     ((None, 32),), (None, 64), 32 * 64 + 64, 0),
    ("EinsumDense", {"equation": "abc,cd->abd", "output_shape": (None, 64), "bias_axes": "d"},
     ((None, 32, 128),), (None, None, 64), 128 * 64 + 64, 0),
    ("EinsumDense", {"equation": "...x,xy->...y", "output_shape": 64, "bias_axes": "y"},
     ((None, 32, 128),), (None, 32, 64), 128 * 64 + 64, 0),
    # _analyze_einsum_string: a kernel axis from output_shape, bias over two axes
    # ("abc,cde->abde", (None, 16, 64), bias "de"): kernel (128, 16, 64), bias (16, 64).
    ("EinsumDense", {"equation": "abc,cde->abde", "output_shape": (None, 16, 64),
                     "bias_axes": "de"}, ((None, 32, 128),), (None, None, 16, 64),
     128 * 16 * 64 + 16 * 64, 0),
    # preprocessing/category_encoding.py compute_output_shape: one_hot on (batch, 1) ->
    # (batch, num_tokens); multi_hot on (batch, 2) -> (batch, num_tokens).
    ("CategoryEncoding", {"num_tokens": 4, "output_mode": "one_hot"}, ((None, 1),),
     (None, 4), 0, 0),
    ("CategoryEncoding", {"num_tokens": 4, "output_mode": "multi_hot"}, ((None, 2),),
     (None, 4), 0, 0),
    ("CategoryEncoding", {"num_tokens": 4, "output_mode": "one_hot"}, ((None, 3),),
     (None, 3, 4), 0, 0),
    # Normalization.build: mean and variance given in the config -> no weights (REFERENCE.md).
    ("Normalization", {"mean": [1.0, 2.0], "variance": [1.0, 4.0]}, ((None, 2),), (None, 2),
     0, 0),
    # Normalization.build, axis=None: mean and variance of shape () plus count: 3 weights.
    ("Normalization", {"axis": None}, ((None, 5, 3),), (None, 5, 3), 0, 3),
    # Normalization(axis=None).get_config writes axis [] (self.axis = ()): the same layer
    # (tests/data/keras_oracle/oracle_gqa_mask_norm.json, Keras 3.15.1: 3 non-trainable).
    ("Normalization", {"axis": []}, ((None, 5, 3),), (None, 5, 3), 0, 3),
    # ops.numpy.Any (Masking's mask in a Functional config): reduce_shape over axis.
    ("Any", {"axis": -1}, ((None, 6, 4),), (None, 6), 0, 0),
    ("Any", {"axis": [1], "keepdims": True}, ((None, 6, 4),), (None, 1, 4), 0, 0),
    # ops.numpy.LogicalOr / LogicalAnd (the mask of a merge of masked tensors, e.g.
    # Average after Embedding(mask_zero=True)): broadcast_shapes of the two inputs.
    ("LogicalOr", {}, ((None, 8), (None, 8)), (None, 8), 0, 0),
    ("LogicalAnd", {}, ((None, 1, 8), (None, 5, 1)), (None, 5, 8), 0, 0),
    # BatchNormalization.build with renorm=True adds moving_stddev, renorm_mean,
    # renorm_stddev (non-trainable): 2·C trainable, 5·C non-trainable.
    ("BatchNormalization", {"renorm": True}, ((None, 8),), (None, 8), 16, 40),
    # LayerNormalization.build with rms_scaling: gamma only.
    ("LayerNormalization", {"rms_scaling": True}, ((None, 4, 6),), (None, 4, 6), 6, 0),
    # LayerNormalization.build with neither center nor scale makes no weight: an axis of
    # unknown length is fine (Keras 3.15.1 builds axis=-2 on (None, None, 6), 0 params).
    ("LayerNormalization", {"axis": -2, "center": False, "scale": False}, ((None, None, 6),),
     (None, None, 6), 0, 0),
    # Dense.enable_lora (lora_rank=2): kernel frozen (non-trainable), lora_kernel_a (3, 2)
    # and lora_kernel_b (2, 4) trainable; bias (4,) trainable.
    ("Dense", {"units": 4, "lora_rank": 2}, ((None, 3),), (None, 4), 4 + 6 + 8, 12),
    # Embedding.enable_lora: embeddings (10, 4) frozen, lora (10, 2) and (2, 4).
    ("Embedding", {"input_dim": 10, "output_dim": 4, "lora_rank": 2}, ((None, 7),),
     (None, 7, 4), 20 + 8, 40),
    # Embedding.compute_output_shape on a 2-D index tensor: input shape + (output_dim,).
    ("Embedding", {"input_dim": 10, "output_dim": 4}, ((None, 3, 5),), (None, 3, 5, 4), 0 + 40,
     0),
    # reshaping/flatten.py compute_output_shape: a rank-1 input flattens to (batch, 1);
    # an unknown axis makes the product unknown.
    ("Flatten", {}, ((None,),), (None, 1), 0, 0),
    ("Flatten", {}, ((None, None, 4),), (None, None), 0, 0),
    # activations/prelu.py build without shared_axes: alpha has the input's shape.
    ("PReLU", {}, ((None, 5, 3),), (None, 5, 3), 15, 0),
    # ThresholdedReLU (tf.keras 2) and Identity, Masking: shape unchanged, no weights.
    ("ThresholdedReLU", {"theta": 0.5}, ((None, 6),), (None, 6), 0, 0),
    ("Identity", {}, ((None, 6),), (None, 6), 0, 0),
    ("Masking", {"mask_value": 0.0}, ((None, 6, 2),), (None, 6, 2), 0, 0),
    # merging/dot.py compute_output_shape: (b, 5, 3)·(b, 3, 5) on axes (2, 1) -> (b, 5, 5);
    # rank-2 inputs give (b, 1).
    ("Dot", {"axes": (2, 1)}, ((None, 5, 3), (None, 3, 5)), (None, 5, 5), 0, 0),
    ("Dot", {"axes": 1}, ((None, 8), (None, 8)), (None, 1), 0, 0),
    # merging/concatenate.py: axis 1 of (b, 4, 3) and (b, 2, 3) -> (b, 6, 3).
    ("Concatenate", {"axis": 1}, ((None, 4, 3), (None, 2, 3)), (None, 6, 3), 0, 0),
    # merging/concatenate.py compute_output_shape: the other axes are the first input's,
    # None included, whatever the later inputs know (Keras 3.15.1 gives (None, None, 10);
    # tests/data/keras/oracle_fixes.json); build only checks the known lengths agree.
    ("Concatenate", {"axis": -1}, ((None, None, 8), (None, 4, 2)), (None, None, 10), 0, 0),
    ("Concatenate", {"axis": -1}, ((None, 4, 2), (None, None, 8)), (None, 4, 10), 0, 0),
    # Merge layers broadcast a 1-long axis (base_merge._compute_elemwise_op_output_shape).
    ("Add", {}, ((None, 4, 3), (None, 1, 3)), (None, 4, 3), 0, 0),
    ("Maximum", {}, ((None, 4, 3), (None, 4, 3), (None, 4, 3)), (None, 4, 3), 0, 0),
    # Bidirectional(merge_mode="sum") keeps the wrapped layer's output; two weight sets.
    ("Bidirectional", {"merge_mode": "sum",
                       "layer": {"class_name": "SimpleRNN", "config": {"units": 4}}},
     ((None, 6, 3),), (None, 4), 2 * (3 * 4 + 4 * 4 + 4), 0),
    # TimeDistributed(Conv2D(4, 3)) on (b, 5, 8, 8, 3): per step (8, 8, 3) -> (6, 6, 4).
    ("TimeDistributed", {"layer": {"class_name": "Conv2D",
                                   "config": {"filters": 4, "kernel_size": 3}}},
     ((None, 5, 8, 8, 3),), (None, 5, 6, 6, 4), 27 * 4 + 4, 0),
    # GRU(reset_after=False) without bias: kernel and recurrent kernel only.
    ("GRU", {"units": 4, "reset_after": False, "use_bias": False}, ((None, 6, 3),), (None, 4),
     3 * 12 + 4 * 12, 0),
    # preprocessing/image_preprocessing: Resizing/CenterCrop set (height, width).
    ("Resizing", {"height": 64, "width": 32}, ((None, 100, 80, 3),), (None, 64, 32, 3), 0, 0),
    ("CenterCrop", {"height": 64, "width": 32}, ((None, 100, 80, 3),), (None, 64, 32, 3), 0,
     0),
    ("RandomFlip", {}, ((None, 100, 80, 3),), (None, 100, 80, 3), 0, 0),
    # A crop larger than its input gives the target size (Keras 3.15.1: CenterCrop(40, 16)
    # on (None, 32, 32, 3) is (None, 40, 16, 3); tests/data/keras/hb_image_resize.json).
    ("CenterCrop", {"height": 40, "width": 16}, ((None, 32, 32, 3),), (None, 40, 16, 3), 0,
     0),
    # keras/src/applications/convnext.py: LayerScale.build adds gamma (projection_dim,);
    # StochasticDepth returns its input.
    ("LayerScale", {"init_values": 1e-6, "projection_dim": 96}, ((None, 56, 56, 96),),
     (None, 56, 56, 96), 96, 0),
    ("StochasticDepth", {"drop_path_rate": 0.1}, ((None, 56, 56, 96),), (None, 56, 56, 96),
     0, 0),
    # keras/src/applications/inception_resnet_v2.py: CustomScaleLayer returns
    # inputs[0] + inputs[1]·scale; no weights.
    ("CustomScaleLayer", {"scale": 0.17}, ((None, 8, 8, 320), (None, 8, 8, 320)),
     (None, 8, 8, 320), 0, 0),
    # ops: x != 0 keeps the shape (the Embedding mask in hb_rnn.json is (None, 12)).
    ("NotEqual", {}, ((None, 12),), (None, 12), 0, 0),
    ("Greater", {}, ((None, 1, 5), (None, 4, 1)), (None, 4, 5), 0, 0),
]


@pytest.mark.parametrize("type_name, config, inputs, out, trainable, non_trainable", ROWS,
                         ids=[f"{r[0]}-{i}" for i, r in enumerate(ROWS)])
def test_layer_table(type_name: str, config: dict, inputs: tuple, out: tuple, trainable: int,
                     non_trainable: int) -> None:
    spec = get_spec(type_name)
    assert spec is not None
    resolved = spec.resolve_config(config)
    assert spec.output_shape(inputs, resolved) == out
    weights = spec.weights(inputs, resolved)
    assert sum(w.size for w in weights if w.trainable) == trainable
    assert sum(w.size for w in weights if not w.trainable) == non_trainable


# Impossible configs and shapes: a LayerError whose message says what was expected.
ERRORS: list[tuple[str, dict[str, Any], tuple, str]] = [
    ("Conv2D", {"kernel_size": 5}, ((None, 4, 4, 3),), "larger than the input length 4"),
    ("Conv2D", {"filters": 6, "groups": 4}, ((None, 8, 8, 8),), "divisible by groups"),
    ("Conv2D", {"filters": 8, "groups": 3}, ((None, 8, 8, 6),), "divisible by groups"),
    ("Conv2D", {}, ((None, 8, 3),), "rank 4"),
    ("Conv2D", {"strides": 2, "dilation_rate": 2}, ((None, 8, 8, 3),), "dilation_rate"),
    ("Conv2DTranspose", {"strides": 2, "output_padding": 2}, ((None, 4, 4, 3),),
     "less than strides"),
    ("DepthwiseConv2D", {"kernel_size": 9}, ((None, 4, 4, 3),), "larger than the input"),
    ("MaxPooling2D", {"pool_size": 3}, ((None, 2, 2, 3),), "pool size 3 is larger"),
    ("MaxPooling1D", {}, ((None, 8, 8, 3),), "rank 3"),
    ("Add", {}, ((None, 4), (None, 5)), "same shape"),
    ("Subtract", {}, ((None, 4, 3), (None, 4, 2)), "same shape"),
    ("Concatenate", {"axis": -1}, ((None, 4, 3), (None, 5, 3)), "other axes match"),
    ("Concatenate", {}, ((None, 4, 3), (None, 4)), "same rank"),
    ("Any", {"axis": None}, ((None, 4, 3),), "reduces the batch axis"),
    ("Concatenate", {"axis": 3}, ((None, 4, 3), (None, 4, 3)), "out of range"),
    ("Dot", {"axes": -1}, ((None, 4), (None, 5)), "must equal"),
    ("Reshape", {"target_shape": (5, 5)}, ((None, 4, 4),), "holds 25 values"),
    ("Reshape", {"target_shape": (3, -1)}, ((None, 4, 4),), "cannot reshape 16"),
    ("Permute", {"dims": (1, 3)}, ((None, 4, 4),), "permutation of 1..2"),
    ("Cropping2D", {"cropping": ((2, 2), (0, 0))}, ((None, 4, 4, 3),), "leaves nothing"),
    ("RepeatVector", {"n": 3}, ((None, 4, 4),), "rank 2"),
    ("BatchNormalization", {"axis": 4}, ((None, 4, 4, 3),), "out of range"),
    ("BatchNormalization", {}, ((None, 4, None),), "known length"),
    ("GroupNormalization", {"groups": 4}, ((None, 8, 6),), "divisible by groups"),
    ("GroupNormalization", {"groups": 8}, ((None, 8, 6),), "cannot be more than"),
    ("LSTM", {}, ((None, 8),), "rank 3"),
    ("Dense", {}, ((None, None),), "must be known"),
    ("Bidirectional", {"layer": {"class_name": "Dense", "config": {}}}, ((None, 5, 3),),
     "wraps a recurrent layer"),
    ("Bidirectional", {"layer": {"class_name": "Custom>Thing", "config": {}}},
     ((None, 5, 3),), "not in the catalogue"),
    ("TimeDistributed", {"layer": {"class_name": "Dense", "config": {"units": "x"}}},
     ((None, 5, 3),), "units must be a whole number"),
    ("TimeDistributed", {}, ((None, 5),), "rank 3 or more"),
    ("MultiHeadAttention", {}, ((None, 4, 8), (None, 5, 8), (None, 6, 8)),
     "value and key must match"),
    ("Attention", {}, ((None, 4, 8), (None, 5, 6)), "same last axis"),
    ("Normalization", {"mean": [1.0]}, ((None, 1),), "both mean and variance"),
    ("PReLU", {}, ((None, None, 3),), "unknown length"),
    ("PReLU", {"shared_axes": (3,)}, ((None, 5, 3),), "between 1 and 2"),
    # Keras RandomColorDegeneration.compute_output_shape: "must have 3 channels".
    ("RandomColorDegeneration", {}, ((None, 32, 32, 1),), "3 channels"),
    ("Discretization", {"bin_boundaries": None}, ((None, 4),), "bin_boundaries or num_bins"),
    ("LayerScale", {"projection_dim": 8}, ((None, 4, 4, 16),), "must equal"),
    # keras/src/utils/numerical_utils.py encode_categorical_inputs: a rank-1 input is one
    # sample's tokens, so multi_hot of (batch,) is (num_tokens,) (oracle_category_batchless).
    ("CategoryEncoding", {"num_tokens": 4, "output_mode": "multi_hot"}, ((None,),),
     "no batch axis"),
    ("Softmax", {"axis": 0}, ((None, 4),), "out of range"),
    ("EinsumDense", {"equation": "ab*bc"}, ((None, 4),), "equation must look like"),
    ("EinsumDense", {"equation": "abc,cd->abd", "output_shape": 8}, ((None, 4, 3),),
     "does not match the output spec"),
    ("EinsumDense", {"equation": "abc,cd->abd", "output_shape": (5, 8)}, ((None, 4, 3),),
     "is 4 in the input but 5"),
    ("EinsumDense", {"equation": "ab,bc->ac"}, ((None, 4, 3),), "does not fit an input"),
    ("EinsumDense", {"equation": "abc,cd->abd", "output_shape": (None, 8), "bias_axes": "b"},
     ((None, 4, 3),), "unknown length"),
]


@pytest.mark.parametrize("type_name, config, inputs, message", ERRORS,
                         ids=[f"{r[0]}-{i}" for i, r in enumerate(ERRORS)])
def test_impossible_layer_raises_layer_error(type_name: str, config: dict, inputs: tuple,
                                             message: str) -> None:
    spec = get_spec(type_name)
    assert spec is not None
    with pytest.raises(LayerError, match=message):
        resolved = spec.resolve_config(config)
        spec.output_shape(inputs, resolved)
        spec.weights(inputs, resolved)


BAD_CONFIGS: list[tuple[str, dict[str, Any], str]] = [
    ("Conv2D", {"kernel_size": (3, 3, 3)}, "must have 2 values"),
    ("Conv2D", {"filters": 0}, "at least 1"),
    ("Dense", {"units": 2.5}, "whole number"),
    ("Dropout", {"rate": 1.5}, "at most 1"),
    ("MaxPooling2D", {"padding": "full"}, "must be one of"),
    ("ZeroPadding2D", {"padding": ((1, 1), (1,))}, "pairs"),
    ("ZeroPadding2D", {"padding": -1}, "at least 0"),
    ("LayerNormalization", {"axis": (1, 1)}, "twice"),
    ("Dot", {"axes": (1, 2, 3)}, "list of 2"),
    ("GRU", {"reset_after": "yes"}, "true or false"),
]


@pytest.mark.parametrize("type_name, config, message", BAD_CONFIGS,
                         ids=[f"{r[0]}-{i}" for i, r in enumerate(BAD_CONFIGS)])
def test_invalid_config_value(type_name: str, config: dict, message: str) -> None:
    with pytest.raises(LayerError, match=message):
        get_spec(type_name).resolve_config(config)


def test_pairs_field_forms_are_equivalent() -> None:
    spec = get_spec("ZeroPadding2D")
    flat = (1, 2, 3, 4)
    assert spec.resolve_config({"padding": ((1, 2), (3, 4))})["padding"] == flat
    assert spec.resolve_config({"padding": [[1, 2], [3, 4]]})["padding"] == flat
    assert spec.resolve_config({"padding": (2, 3)})["padding"] == (2, 2, 3, 3)
    assert spec.resolve_config({"padding": 1})["padding"] == (1, 1, 1, 1)
    assert spec.resolve_config({"padding": flat})["padding"] == flat
    assert spec.output_shape(((None, 5, 5, 2),), spec.resolve_config(
        {"padding": ((1, 2), (3, 4))})) == (None, 8, 12, 2)


def test_error_reaches_propagation_as_diagnostic() -> None:
    """A rule's LayerError becomes the layer's ERROR diagnostic; the layer below is
    UNRESOLVED and an independent branch is still counted."""
    g = LayerGraph("t")
    g.add_layer("InputLayer", "x", {"shape": (4, 4, 3)}, node_id="x")
    g.add_layer("Conv2D", "big", {"filters": 2, "kernel_size": (5, 5)}, node_id="big")
    g.add_layer("Flatten", "flat", node_id="flat")
    g.add_layer("GlobalMaxPooling2D", "gmp", node_id="gmp")
    g.add_layer("Dense", "d", {"units": 2}, node_id="d")
    for a, b in (("x", "big"), ("big", "flat"), ("x", "gmp"), ("gmp", "d")):
        g.connect(a, b)
    r = propagate(g)
    assert r.layers["big"].diagnostic.severity is Severity.ERROR
    assert "larger than the input length 4" in r.layers["big"].diagnostic.message
    assert r.layers["flat"].diagnostic.severity is Severity.UNRESOLVED
    assert r.layers["d"].total == (3 + 1) * 2
