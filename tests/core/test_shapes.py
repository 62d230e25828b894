"""paramlab.core.shapes: the shape arithmetic every rule uses (formulas of Keras 3's
operation_utils.compute_conv_output_shape / compute_pooling_output_shape and
backend_utils._get_output_shape_given_tf_padding)."""
from __future__ import annotations

import pytest

from paramlab.core.errors import LayerError
from paramlab.core.shapes import (
    broadcast,
    conv_output_length,
    deconv_output_length,
    flatten_size,
    require_known,
    require_rank,
    reshape,
)


@pytest.mark.parametrize("length, kernel, padding, stride, dilation, out", [
    (32, 5, "valid", 1, 1, 28),   # LeNet's first convolution
    (28, 2, "valid", 2, 1, 14),   # 2×2 pooling
    (5, 2, "valid", 2, 1, 2),     # the last window does not fit: floor
    (5, 2, "same", 2, 1, 3),      # same: ceil(5 / 2)
    (5, 3, "same", 1, 1, 5),
    (224, 7, "same", 2, 1, 112),  # ResNet's stem
    (10, 3, "valid", 1, 2, 6),    # dilated span (3 - 1)·2 + 1 = 5
    (10, 5, "causal", 1, 2, 10),  # causal keeps the length
    (3, 3, "valid", 1, 1, 1),     # kernel as long as the input
    (None, 3, "valid", 1, 1, None),
])
def test_conv_output_length(length, kernel, padding, stride, dilation, out) -> None:
    assert conv_output_length(length, kernel, padding, stride, dilation) == out


def test_conv_kernel_longer_than_input_is_an_error() -> None:
    with pytest.raises(LayerError, match="kernel size 5 is larger than the input length 4"):
        conv_output_length(4, 5, "valid", 1)
    with pytest.raises(LayerError, match=r"kernel size 5 \(size 3 dilated by 2\) is larger "
                                         r"than the input length 4"):
        conv_output_length(4, 3, "valid", 1, 2)  # dilated span 5
    with pytest.raises(LayerError, match="pool size 3"):
        conv_output_length(2, 3, "valid", 1, what="pool")


@pytest.mark.parametrize("length, kernel, padding, stride, output_padding, dilation, out", [
    (10, 3, "valid", 2, None, 1, 21),  # keras conv1d_transpose.py docstring example
    (10, 2, "valid", 2, None, 1, 20),  # conv3d_transpose.py example (first axis)
    (16, 3, "same", 2, None, 1, 32),   # same: length · strides
    (5, 3, "same", 2, 1, 1, 10),       # (5 - 1)·2 + 3 % 2 + 1
    (5, 3, "valid", 2, 1, 1, 12),      # (5 - 1)·2 + 3 + 1
    (4, 3, "valid", 1, None, 2, 8),    # dilated kernel 5: (4 - 1) + 5
    (4, 1, "valid", 3, None, 1, 12),   # stride beyond the kernel: (4 - 1)·3 + max(1, 3)
    (None, 3, "same", 2, None, 1, None),
])
def test_deconv_output_length(length, kernel, padding, stride, output_padding, dilation,
                              out) -> None:
    assert deconv_output_length(length, kernel, padding, stride, output_padding,
                                dilation) == out


def test_deconv_non_positive_is_an_error() -> None:
    with pytest.raises(LayerError, match="non-positive length 0"):
        deconv_output_length(1, 2, "same", 1, 0)


@pytest.mark.parametrize("shapes, out", [
    ([(None, 4, 3), (None, 4, 3)], (None, 4, 3)),
    ([(None, 4, 3), (None, 1, 3)], (None, 4, 3)),      # a 1-long axis stretches
    ([(None, 4, 3), (None, 3)], (None, 4, 3)),         # ranks align on the right
    ([(None, None, 3), (None, 7, 3)], (None, 7, 3)),   # unknown matches a length
    ([(None, None), (None, None)], (None, None)),
    ([(None, 1), (None, 1)], (None, 1)),
    ([(None, 5), (None, 5), (None, 5)], (None, 5)),
])
def test_broadcast(shapes, out) -> None:
    assert broadcast(shapes) == out


def test_broadcast_mismatch_names_both_shapes() -> None:
    with pytest.raises(LayerError, match=r"Add needs inputs of the same shape, got "
                                         r"\(None, 4\) and \(None, 5\)"):
        broadcast([(None, 4), (None, 5)], "Add")


def test_flatten_size() -> None:
    assert flatten_size((5, 5, 16)) == 400
    assert flatten_size(()) == 1
    assert flatten_size((5, None)) is None


@pytest.mark.parametrize("shape, target, out", [
    ((None, 4, 4), (16,), (None, 16)),
    ((None, 4, 4), (2, -1), (None, 2, 8)),
    ((None, 32), (1, 1, 32), (None, 1, 1, 32)),       # EfficientNet's squeeze-excite
    ((None, None, 4), (-1, 2), (None, None, 2)),      # unknown input: -1 unknown too
    ((None, None, 4), (8,), (None, 8)),               # cannot check an unknown count
])
def test_reshape(shape, target, out) -> None:
    assert reshape(shape, target) == out


def test_reshape_errors() -> None:
    with pytest.raises(LayerError, match=r"target_shape \(5, 5\) holds 25 values, the input "
                                         r"\(None, 4, 4\) holds 16"):
        reshape((None, 4, 4), (5, 5))
    with pytest.raises(LayerError, match=r"cannot reshape 16 values into \(3, -1\)"):
        reshape((None, 4, 4), (3, -1))


def test_require_rank_and_known() -> None:
    require_rank((None, 4, 4, 3), 4, "Conv2D")
    require_rank((None, 4, 3), (3, 4), "X")
    with pytest.raises(LayerError, match=r"Conv2D expects an input of rank 4 .* got "
                                         r"\(None, 8\) of rank 2"):
        require_rank((None, 8), 4, "Conv2D")
    with pytest.raises(LayerError, match="rank 3 or 4"):
        require_rank((None,), (3, 4), "X")
    assert require_known(3, "x") == 3
    with pytest.raises(LayerError, match="the channel axis must be known"):
        require_known(None, "the channel axis")
