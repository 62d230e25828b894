"""``paramlab summary X --convention keras|pytorch``: every format in PyTorch's convention.

Figures: nn.BatchNorm1d(64) has 128 parameters and 129 buffer elements, nn.LSTM(32, 24) has
5,568 parameters (tests/data/torch_conventions.json, torch 2.13.0); Keras counts the same
BatchNormalization as 128 trainable + 128 non-trainable (bn_mlp, dense_bn summaries).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramlab.core import cli

DATA = Path(__file__).parent / "data"
TORCH = json.loads((DATA / "torch_conventions.json").read_text())["modules"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _bn_row(doc: dict) -> dict:
    return next(r for r in doc["layers"] if r["type"] == "BatchNormalization")


def test_json_pytorch_rows_and_totals_gain_buffers(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "summary", "bn_mlp", "--convention", "pytorch", "-f", "json")
    assert code == 0
    doc = json.loads(out)
    bn, ref = _bn_row(doc), TORCH["batchnorm1d"]
    assert (bn["trainable"], bn["non_trainable"], bn["buffers"]) == (
        ref["trainable_params"], ref["non_trainable_params"], ref["buffer_elements"])
    assert bn["total"] == 128
    assert doc["totals"]["buffers"] == sum(r["buffers"] for r in doc["layers"]) == 129
    assert doc["totals"]["total"] == sum(r["total"] for r in doc["layers"])
    assert doc["convention"] == "pytorch"


def test_keras_is_the_default_and_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    _, default, _ = run(capsys, "summary", "bn_mlp", "-f", "json")
    _, keras, _ = run(capsys, "summary", "bn_mlp", "--convention", "keras", "-f", "json")
    assert default == keras
    bn = _bn_row(json.loads(keras))
    assert (bn["trainable"], bn["non_trainable"]) == (128, 128) and "buffers" not in bn


def test_markdown_appends_differences_from_keras(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "summary", "bn_mlp", "--convention", "pytorch",
                       "-f", "markdown")
    assert code == 0
    assert "| Buffers |" in out
    section = out.split("### Differences from Keras", 1)[1]
    lines = [x for x in section.splitlines() if x.startswith("- ")]
    assert lines == ["- `batch_normalization` (BatchNormalization): PyTorch: weight, bias = "
                     "2·64 = 128 parameters; running_mean, running_var (2·64) and "
                     "num_batches_tracked (1) are buffers, not parameters. Keras: gamma, beta "
                     "trainable, moving_mean, moving_variance non-trainable = 4·64 = 256."]
    _, keras_md, _ = run(capsys, "summary", "bn_mlp", "-f", "markdown")
    assert "Differences from Keras" not in keras_md


def test_table_and_csv_have_a_buffers_column(capsys: pytest.CaptureFixture[str]) -> None:
    _, table, _ = run(capsys, "summary", "bn_mlp", "--convention", "pytorch")
    assert "Buffers" in table and "Buffers: 129 elements" in table
    _, csv_text, _ = run(capsys, "summary", "bn_mlp", "--convention", "pytorch", "-f", "csv")
    header, *rows = csv_text.splitlines()
    assert header.split(",")[6] == "buffers"
    assert rows[-1].split(",")[3:7] == ["1537", "0", "1537", "129"]


def test_rnn_model_counts_two_biases(capsys: pytest.CaptureFixture[str]) -> None:
    """An LSTM(24) has one more bias vector of 4·24 in PyTorch: nn.LSTM(32, 24) 5,568
    against Keras's 5,472 in the reference; hb_rnn's LSTM(24) differs by the same 96."""
    ref = TORCH["lstm_1layer"]
    extra = ref["trainable_params"] - ref["keras_equivalent"]["trainable"]
    assert extra == 96
    path = str(DATA / "keras" / "hb_rnn.json")
    _, torch_out, _ = run(capsys, "summary", path, "--convention", "pytorch", "-f", "json")
    _, keras_out, _ = run(capsys, "summary", path, "-f", "json")
    torch_lstm = next(r for r in json.loads(torch_out)["layers"] if r["name"] == "lstm")
    keras_lstm = next(r for r in json.loads(keras_out)["layers"] if r["name"] == "lstm")
    assert torch_lstm["total"] - keras_lstm["total"] == extra


def test_bad_convention_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "summary", "bn_mlp", "--convention", "tensorflow")
    assert code == 2 and "--convention" in err
