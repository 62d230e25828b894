"""Mistake diagnosis (core.exercise.mistakes) on models from the Keras references.

Each wrong value is derived from the reference file's own figures (its weight shapes and
counts) by making the mistake by hand; the diagnosis must name it, with a sentence fitting
the layer, and give ``None`` when no rule explains the value.
"""
from __future__ import annotations

import json
from math import prod
from pathlib import Path

import pytest

from paramlab.core.exercise.format import TOTALS
from paramlab.core.exercise.mistakes import CODES, Diagnoser
from paramlab.core.io.loader import load_model

DATA = Path(__file__).parent.parent / "data"
KERAS = DATA / "keras"


def ref(name: str) -> dict:
    return json.loads((KERAS / f"{name}.json").read_text())


def ref_layer(name: str, layer: str) -> dict:
    return next(x for x in ref(name)["layers"] if x["name"] == layer)


@pytest.fixture(scope="module")
def lenet() -> Diagnoser:
    return Diagnoser(load_model(KERAS / "lenet_like.json"))


@pytest.fixture(scope="module")
def dense_bn() -> Diagnoser:
    return Diagnoser(load_model(KERAS / "dense_bn.json"))


@pytest.fixture(scope="module")
def hb_conv2d() -> Diagnoser:
    return Diagnoser(load_model(KERAS / "hb_conv2d.json"))


def code(d: Diagnoser, row: str, field: str, given, answers=None) -> str | None:
    m = d.diagnose(row, field, given, answers)
    return None if m is None else m.code


def test_forgot_bias_on_conv_and_dense(lenet: Diagnoser) -> None:
    conv = ref_layer("lenet_like", "conv2d")
    without_bias = sum(prod(w["shape"]) for w in conv["weights"] if not w["path"].endswith("bias"))
    assert without_bias == 600 and conv["total_params"] == 608
    m = lenet.diagnose("conv2d", "trainable", without_bias)
    assert m.code == "forgot_bias"
    assert "Conv2D has one bias per filter" in m.message and "8 bias values" in m.message
    dense = ref_layer("lenet_like", "dense")
    kernel = next(w for w in dense["weights"] if w["path"].endswith("kernel"))
    m = lenet.diagnose("dense", "total", prod(kernel["shape"]))
    assert m.code == "forgot_bias" and "Dense has one bias per unit" in m.message
    # The model's total without any bias: the reference total minus every bias vector.
    biases = sum(prod(w["shape"]) for x in ref("lenet_like")["layers"] for w in x["weights"]
                 if w["path"].endswith("bias"))
    assert code(lenet, TOTALS, "total", ref("lenet_like")["totals"]["total"] - biases) \
        == "forgot_bias"


def test_missing_input_channels(lenet: Diagnoser) -> None:
    conv = ref_layer("lenet_like", "conv2d_1")
    kh, kw, cin, filters = next(w["shape"] for w in conv["weights"] if w["path"].endswith("kernel"))
    assert cin == 8
    m = lenet.diagnose("conv2d_1", "trainable", kh * kw * filters + filters)
    assert m.code == "missing_input_channels"
    assert "8 input channels" in m.message and "5·5·8" in m.message


def test_weightless_layer_with_a_count(lenet: Diagnoser, hb_conv2d: Diagnoser) -> None:
    assert ref_layer("lenet_like", "max_pooling2d")["total_params"] == 0
    m = lenet.diagnose("max_pooling2d", "total", 8)
    assert m.code == "pooling_has_no_parameters" and "maximum" in m.message
    m = lenet.diagnose("flatten", "trainable", 400)
    assert m.code == "pooling_has_no_parameters" and m.message.startswith("Flatten has 0")
    assert hb_conv2d.diagnose("average_pooling2d", "total", 40).message.startswith(
        "AveragePooling2D has 0 parameters: it only takes the average")
    assert lenet.diagnose("max_pooling2d", "total", 0) is None


def test_batchnorm_split(dense_bn: Diagnoser) -> None:
    bn = ref_layer("dense_bn", "batch_normalization")
    assert (bn["trainable_params"], bn["non_trainable_params"]) == (128, 128)
    # the moving statistics counted as trainable
    m = dense_bn.diagnose("batch_normalization", "trainable", bn["total_params"])
    assert m.code == "batchnorm_split" and "4·C = 4·64 = 256" in m.message
    assert code(dense_bn, "batch_normalization", "non_trainable", 0) == "batchnorm_split"
    # all four vectors counted as non-trainable
    assert code(dense_bn, "batch_normalization", "non_trainable", 256) == "batchnorm_split"
    assert code(dense_bn, "batch_normalization", "trainable", 0) == "batchnorm_split"
    totals = ref("dense_bn")["totals"]
    assert code(dense_bn, TOTALS, "trainable", totals["total"]) == "batchnorm_split"


def test_frozen_layer_both_ways() -> None:
    # Keras's VGG16 with its convolution blocks frozen: a frozen layer's weights are all
    # non-trainable (reference README); figures from keras/VGG16.json.
    g = load_model(KERAS / "VGG16.json")
    for n in g.layer_ids():
        if g.raw(n)["name"].startswith("block"):
            g.set_trainable(n, False)
    d = Diagnoser(g)
    conv = ref_layer("VGG16", "block1_conv1")
    m = d.diagnose("block1_conv1", "trainable", conv["total_params"])
    assert m.code == "frozen_layer" and "frozen layer" in m.message and "1,792" in m.message
    assert code(d, "block1_conv1", "non_trainable", 0) == "frozen_layer"
    base = sum(x["total_params"] for x in ref("VGG16")["layers"] if x["name"].startswith("block"))
    assert base == 14_714_688
    assert code(d, TOTALS, "trainable", ref("VGG16")["totals"]["trainable"]) == "frozen_layer"
    assert code(d, TOTALS, "non_trainable", 0) == "frozen_layer"
    # the reverse: a trainable layer counted as frozen
    fc = ref_layer("VGG16", "fc1")
    m = d.diagnose("fc1", "non_trainable", fc["total_params"])
    assert m.code == "frozen_layer" and "fc1 is trainable" in m.message


def test_frozen_nested_model() -> None:
    d = Diagnoser(load_model("vgg16_transfer"))
    m = d.diagnose("vgg16", "trainable", 14_714_688)
    assert m.code == "frozen_layer" and "frozen nested model" in m.message


def test_padding(lenet: Diagnoser, hb_conv2d: Diagnoser) -> None:
    assert ref_layer("lenet_like", "conv2d")["output_shape"] == [None, 28, 28, 8]
    m = lenet.diagnose("conv2d", "output_shape", (None, 32, 32, 8))  # ⌈32/1⌉: 'same'
    assert m.code == "padding" and "padding='valid'" in m.message
    assert "⌊(32 − 5)/1⌋ + 1" in m.message and "= 28" not in m.message
    # AveragePooling2D(3, strides 2, 'same') on 3×3: 'valid' would give ⌊(3 − 3)/2⌋ + 1 = 1
    assert ref_layer("hb_conv2d", "average_pooling2d")["output_shape"] == [None, 2, 2, 40]
    assert code(hb_conv2d, "average_pooling2d", "output_shape", (1, 1, 40)) == "padding"


def test_stride(lenet: Diagnoser, hb_conv2d: Diagnoser) -> None:
    # MaxPooling2D(2): strides default to the pool size; stride 1 gives 28 − 2 + 1 = 27
    m = lenet.diagnose("max_pooling2d", "output_shape", (None, 27, 27, 8))
    assert m.code == "stride" and "strides=(2, 2)" in m.message
    # Conv2D(3, strides 2) on the zero-padded 35×39 input: stride 1 gives 33×37
    assert ref_layer("hb_conv2d", "conv2d")["output_shape"] == [None, 17, 19, 16]
    assert code(hb_conv2d, "conv2d", "output_shape", (33, 37, 16)) == "stride"


def test_flatten(lenet: Diagnoser) -> None:
    assert ref_layer("lenet_like", "flatten")["output_shape"] == [None, 400]
    m = lenet.diagnose("flatten", "output_shape", (None, 25))  # 5·5: channels left out
    assert m.code == "flatten" and "5·5·16" in m.message
    assert code(lenet, "flatten", "output_shape", (None, 26)) == "flatten"  # 5 + 5 + 16
    assert lenet.diagnose("flatten", "output_shape", (None, 401)) is None


def test_sum_error(lenet: Diagnoser) -> None:
    total = ref("lenet_like")["totals"]["total"]
    m = lenet.diagnose(TOTALS, "total", total + 1)
    assert m.code == "sum_error" and f"{total:,}" in m.message
    # the student's own rows: a total that is not trainable + non-trainable of that row
    answers = {("conv2d", "trainable"): 608, ("conv2d", "non_trainable"): 2}
    assert code(lenet, "conv2d", "total", 608, answers) == "sum_error"
    # totals that are the sum of the student's (wrong) rows are not a sum error
    rows = {(x["name"], "total"): x["total_params"] for x in ref("lenet_like")["layers"]}
    rows[("dense", "total")] += 5
    assert lenet.diagnose(TOTALS, "total", total + 5, rows) is None


def test_no_rule_matches(lenet: Diagnoser) -> None:
    assert lenet.diagnose("conv2d_1", "trainable", 1216) is None
    assert lenet.diagnose("conv2d_1", "output_shape", (None, 28, 28, 16)) is None
    assert lenet.diagnose("dense", "trainable", 12345) is None


def test_the_codes_are_the_issues_list() -> None:
    # each code has its own test above
    assert set(CODES) == {"forgot_bias", "frozen_layer", "batchnorm_split",
                          "missing_input_channels", "pooling_has_no_parameters", "padding",
                          "stride", "flatten", "sum_error"}


def test_forgot_bias_inside_a_frozen_nested_model() -> None:
    """The recount with one rule changed keeps propagation's trainability: the VGG16 base of
    vgg16_transfer is frozen, so its count without biases is non-trainable."""
    convs = [x for x in ref("VGG16")["layers"] if x["class_name"] == "Conv2D"]
    base = sum(x["total_params"] for x in convs)
    biases = sum(prod(w["shape"]) for x in convs for w in x["weights"]
                 if w["path"].endswith("bias"))
    assert base == 14_714_688 and biases == 4_224
    g = load_model("vgg16_transfer")
    for n in g.layer_ids():  # only the nested model's own flag freezes its layers now
        if g.raw(n).get("group") == "vgg16":
            g.set_trainable(n, True)
    d = Diagnoser(g)
    assert d.summary.non_trainable == base
    m = d.diagnose("vgg16", "non_trainable", base - biases)
    assert m is not None and m.code == "forgot_bias"
