"""Show your work for shapes (core.shape_formula): derivations end in the reference shapes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramlab.core.catalogue import get_spec
from paramlab.core.io.loader import load_model
from paramlab.core.propagate import propagate
from paramlab.core.shape_formula import shape_steps, window_length_step

KERAS = Path(__file__).parent.parent / "data" / "keras"


def steps(model: str, layer: str, with_result: bool = True) -> tuple[str, ...]:
    g = load_model(KERAS / f"{model}.json")
    r = propagate(g)
    n = g.id_of(layer)
    d = g.raw(n)
    ref = next(x for x in json.loads((KERAS / f"{model}.json").read_text())["layers"]
               if x["name"] == layer)
    out = r.layers[n].output_shape
    assert list(out) == ref["output_shape"]  # the derivation explains Keras's shape
    config = get_spec(d["type"]).resolve_config(d["config"])
    return shape_steps(d["type"], r.layers[n].input_shapes, config, out, with_result)


def test_valid_conv() -> None:
    assert steps("lenet_like", "conv2d") == ("height and width: ⌊(32 − 5)/1⌋ + 1 = 28",
                                             "channels = filters = 8",
                                             "output shape (None, 28, 28, 8)")
    assert steps("lenet_like", "conv2d", False) == ("height and width: ⌊(32 − 5)/1⌋ + 1",
                                                    "channels = filters")


def test_same_with_stride_2_and_asymmetric_padding() -> None:
    assert steps("hb_conv2d", "average_pooling2d")[0] == "height and width: ⌈3/2⌉ = 2"
    assert steps("hb_conv2d", "zero_padding2d")[:2] == ("height: 32 + 1 + 2 = 35",
                                                        "width: 32 + 3 + 4 = 39")
    assert steps("hb_conv2d", "conv2d")[:2] == ("height: ⌊(35 − 3)/2⌋ + 1 = 17",
                                                "width: ⌊(39 − 3)/2⌋ + 1 = 19")
    assert steps("hb_conv2d", "depthwise_conv2d")[-2] == \
        "channels = in_channels·depth_multiplier = 16·2 = 32"


def test_flatten_and_dense() -> None:
    assert steps("lenet_like", "flatten")[0] == "5·5·16 = 400"
    assert steps("lenet_like", "dense")[0] == "last axis 400 → units = 120"


@pytest.mark.parametrize("args, text", [
    ((32, 2, "same", 2), "⌈32/2⌉ = 16"),
    ((32, 5, "valid", 1), "⌊(32 − 5)/1⌋ + 1 = 28"),
    ((32, 3, "valid", 1, 2), "⌊(32 − ((3 − 1)·2 + 1))/1⌋ + 1 = 28"),
])
def test_one_axis(args, text) -> None:
    assert window_length_step(*args) == text
