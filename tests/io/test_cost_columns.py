"""Cost columns and totals of the text summaries, and the cost chart's bars (core.io)."""
from __future__ import annotations

import csv
import io

import pytest

from paramlab.core.graph import LayerGraph
from paramlab.core.io.cost_chart import chart_bars
from paramlab.core.io.cost_columns import format_si, parse_columns
from paramlab.core.io.loader import load_model
from paramlab.core.io.writers import format_csv, format_summary, format_table
from paramlab.core.summary import summarize


def lenet():
    return summarize(load_model("lenet"))


def test_table_cost_columns_and_totals() -> None:
    text = format_table(lenet(), columns=("macs", "activation_bytes"))
    lines = text.splitlines()
    assert "MACs" in lines[2] and "Activation" in lines[2] and "memory" in lines[3]  # wrapped
    conv = next(line for line in lines if line.startswith("│ conv2d (Conv2D)"))
    # 28·28·(5·5·3)·8 MACs; 28·28·8 outputs × 4 bytes = 25,088 B = 24.50 KB
    assert "470,400" in conv and "24.50 KB" in conv
    assert " MACs: 849,320 (849.3 K); FLOPs: 1,698,640 (1.699 M)" in lines
    assert any(line.startswith(" Training memory (estimate") for line in lines)


def test_default_table_is_keras_only_and_none_turns_costs_off() -> None:
    keras_like = format_summary(lenet(), "table")
    assert "MACs" not in keras_like
    assert format_summary(lenet(), "table", columns=()) == keras_like
    plain = list(csv.reader(io.StringIO(format_summary(lenet(), "csv", columns=()))))
    assert "macs" not in plain[0]


def test_csv_batch_and_unknown_costs() -> None:
    g = LayerGraph("seq")
    x = g.add_layer("InputLayer", "x", {"shape": (None, 4)})
    g.connect(x, g.add_layer("LSTM", "lstm", {"units": 6}))
    rows = list(csv.DictReader(io.StringIO(format_csv(summarize(g), ("macs", "flops"), 2))))
    assert rows[1]["macs"] == "" and rows[1]["flops"] == ""  # unknown length: no figure
    text = format_table(summarize(g), columns=("macs",))
    assert "│               ? │" in text
    assert "Costs leave out 2 layers whose size is unknown" in text
    doubled = list(csv.DictReader(io.StringIO(format_csv(lenet(), ("macs",), 2))))
    assert doubled[-1]["macs"] == str(2 * 849_320)


@pytest.mark.parametrize("n, text", [(15_470_264_320, "15.47 G"), (470_400, "470.4 K"),
                                     (608, "608"), (2_500_000_000_000, "2.5 T"), (0, "0")])
def test_format_si(n: int, text: str) -> None:
    assert format_si(n) == text


def test_parse_columns() -> None:
    assert parse_columns("macs, flops,macs") == ("macs", "flops")
    assert parse_columns("none") == ()
    with pytest.raises(ValueError, match="unknown column 'gflops'"):
        parse_columns("macs,gflops")


def test_chart_bars_of_vgg16() -> None:
    s = summarize(load_model("vgg16"))
    params = chart_bars(s, "params")
    assert params.tallest() == "fc1" and "input_layer" not in params.names
    assert params.values[params.names.index("fc1")] == 25088 * 4096 + 4096
    macs = chart_bars(s, "macs", "sorted")
    assert list(macs.values) == sorted(macs.values, reverse=True)
    assert macs.names[0].startswith("block") and sum(macs.values) == 15_470_264_320
    acts = chart_bars(s, "activations")
    assert acts.values[0] == 224 * 224 * 64 * 4  # block1_conv1's output, float32
    with pytest.raises(ValueError, match="unknown metric"):
        chart_bars(s, "gflops")
