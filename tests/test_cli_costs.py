"""``paramlab summary --format json`` cost keys and ``--batch-size`` (core.cli)."""
from __future__ import annotations

import json

import pytest

from paramlab.core import cli


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_vgg16_json_costs_equal_torchvision(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "summary", "vgg16", "-f", "json")
    assert code == 0, err
    data = json.loads(out)
    # torchvision publishes 15.47 GFLOPS (= MACs) for vgg16; cost_conventions.md: 15,470,264,320
    assert data["totals"]["macs"] == 15_470_264_320
    assert data["totals"]["flops"] == 2 * 15_470_264_320
    assert data["totals"]["param_bytes"] == 4 * 138_357_544
    fc1 = next(x for x in data["layers"] if x["name"] == "fc1")
    assert (fc1["macs"], fc1["activation_elements"]) == (25088 * 4096, 4096)
    assert all(isinstance(x["macs"], int) for x in data["layers"])


def test_batch_size_scales_costs_not_parameters(capsys: pytest.CaptureFixture[str]) -> None:
    _, one, _ = run(capsys, "summary", "lenet", "-f", "json")
    code, many, err = run(capsys, "summary", "lenet", "-f", "json", "--batch-size", "8")
    assert code == 0, err
    a, b = json.loads(one)["totals"], json.loads(many)["totals"]
    assert b["batch_size"] == 8
    for key in ("macs", "flops", "activation_elements", "input_elements", "activation_bytes"):
        assert b[key] == 8 * a[key], key
    assert (b["total"], b["param_bytes"]) == (a["total"], a["param_bytes"])
    # weights, gradients and Adam's moments stay; activations and input grow 8 times
    assert b["training_bytes"] - a["training_bytes"] == 7 * 4 * (
        a["activation_elements"] + a["input_elements"])


@pytest.mark.parametrize("value", ["0", "-3", "two", "10000001"])
def test_bad_batch_size_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str],
                                               value: str) -> None:
    code, out, err = run(capsys, "summary", "lenet", "-f", "json", "--batch-size", value)
    assert code == 2 and out == ""
    assert "--batch-size" in err and "Traceback" not in err
