"""Shape hints on channels_first layers: the derivation and the mistake diagnosis follow the
rule on the layer's own axes (Keras's ``compute_conv_output_shape`` with
``data_format="channels_first"``: (batch, channels, rows, cols) -> (batch, filters,
new_rows, new_cols)), never the channels-last reading of a channels-first shape."""
from __future__ import annotations

import json

import pytest

from paramlab.core.catalogue import get_spec
from paramlab.core.exercise.mistakes import Diagnoser
from paramlab.core.io.loader import load_model
from paramlab.core.shape_formula import shape_steps


def _layer(cls: str, name: str, config: dict, inbound: str | None) -> dict:
    return {"class_name": cls, "name": name, "config": {"name": name, **config},
            "inbound_nodes": [] if inbound is None else [[[inbound, 0, 0, {}]]]}


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Diagnoser:
    # LeNet's first stage, channels first: Input (3, 32, 32) -> Conv2D(8, 5) -> MaxPooling2D(2)
    layers = [
        _layer("InputLayer", "x", {"batch_shape": [None, 3, 32, 32]}, None),
        _layer("Conv2D", "conv", {"filters": 8, "kernel_size": [5, 5],
                                  "data_format": "channels_first"}, "x"),
        _layer("MaxPooling2D", "pool", {"pool_size": [2, 2],
                                        "data_format": "channels_first"}, "conv"),
    ]
    path = tmp_path_factory.mktemp("cf") / "lenet_cf.json"
    path.write_text(json.dumps({"class_name": "Functional", "config": {
        "name": "lenet_cf", "layers": layers, "input_layers": [["x", 0, 0]],
        "output_layers": [["pool", 0, 0]]}}))
    return Diagnoser(load_model(path))


def test_the_model_has_keras_shapes(model: Diagnoser) -> None:
    rows = {r.name: r.output_shape for r in model.summary.rows}
    # Keras: ⌊(32 − 5)/1⌋ + 1 = 28 on rows and cols; 8 filters on axis 1; pooling halves.
    assert rows["conv"] == (None, 8, 28, 28)
    assert rows["pool"] == (None, 8, 14, 14)


def test_derivation_reads_the_spatial_axes() -> None:
    spec = get_spec("Conv2D")
    config = spec.resolve_config({"filters": 8, "kernel_size": [5, 5],
                                  "data_format": "channels_first"})
    steps = shape_steps("Conv2D", [(None, 3, 32, 32)], config, (None, 8, 28, 28))
    assert steps == ("height and width: ⌊(32 − 5)/1⌋ + 1 = 28", "channels = filters = 8",
                     "output shape (None, 8, 28, 28)")
    pool = get_spec("MaxPooling2D")
    config = pool.resolve_config({"pool_size": [2, 2], "data_format": "channels_first"})
    assert shape_steps("MaxPooling2D", [(None, 8, 28, 28)], config, (None, 8, 14, 14))[:2] == (
        "height and width: ⌊(28 − 2)/2⌋ + 1 = 14", "channels unchanged: 8")


def test_padding_and_stride_mistakes(model: Diagnoser) -> None:
    # 'same' would keep ⌈32/1⌉ = 32 on both spatial axes
    m = model.diagnose("conv", "output_shape", (None, 8, 32, 32))
    assert m is not None and m.code == "padding" and "⌊(32 − 5)/1⌋ + 1" in m.message
    # stride 1 instead of the pool size: 28 − 2 + 1 = 27
    m = model.diagnose("pool", "output_shape", (None, 8, 27, 27))
    assert m is not None and m.code == "stride"
    # the channels-last reading of the shapes explains nothing
    assert model.diagnose("conv", "output_shape", (None, 28, 28, 8)) is None
