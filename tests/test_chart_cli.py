"""``paramlab chart`` (core/chart_cli.py): headless PNG and SVG, exit codes."""
from __future__ import annotations

from pathlib import Path

import pytest

from paramlab.core import cli


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_vgg16_params_png_is_a_real_non_blank_image(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from matplotlib.image import imread

    path = tmp_path / "x.png"
    code, out, err = run(capsys, "chart", "vgg16", "--metric", "params", "--output", str(path))
    assert code == 0, err
    assert "tallest: fc1" in out
    pixels = imread(str(path))  # float RGBA in [0, 1]
    assert pixels.shape[0] > 300 and pixels.shape[1] > 600
    rgb = pixels[..., :3]
    white = (rgb > 0.99).all(axis=-1).mean()
    bar = ((abs(rgb[..., 0] - 0x4c / 255) < 0.02) & (abs(rgb[..., 2] - 0xb0 / 255) < 0.02)).mean()
    assert white < 0.97 and bar > 0.005  # axes, labels and bars drawn, not an empty canvas


def test_svg_and_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "x.svg"
    code, _, err = run(capsys, "chart", "lenet", "-m", "macs", "--log", "-o", str(path))
    assert code == 0, err
    text = path.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text and "conv2d" in text


@pytest.mark.parametrize("argv, code, message", [
    (["chart", "lenet", "-o", "x.gif"], 2, ".png or .svg"),
    (["chart", "nope", "-o", "x.png"], 1, "nope"),
    (["chart", "lenet", "-m", "flops", "-o", "x.png"], 2, "invalid choice"),
    (["chart", "lenet"], 2, "--output"),
])
def test_bad_usage_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch, argv: list[str],
                                     code: int, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    got, _, err = run(capsys, *argv)
    assert got == code and message in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())


def test_unwritable_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "chart", "lenet", "-o", str(tmp_path / "no" / "x.png"))
    assert code == 1 and "cannot write" in err
