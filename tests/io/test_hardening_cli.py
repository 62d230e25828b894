"""Issue 12's reproducers on the command line: every bad input ends in exit 0, 1, 2 or 3,
never a traceback; exit 1 prints exactly one bounded line on stderr; nothing is lost.

Commands run in-process through ``paramlab.gui.app.main`` (the console script's entry,
which dispatches every command: summary in each format, render, export ...), except where
a real process is the point (a FIFO that would block, the HDF5 child's crash report).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from paramlab.core.graph import LayerGraph
from paramlab.core.io.project import save_project
from paramlab.gui import app

FORMATS = ("table", "csv", "json", "markdown")
MAX_LINE = 20_000


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = app.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out
    assert all(len(line) <= MAX_LINE for line in (out + err).splitlines())
    if code == 1:
        assert len(err.splitlines()) == 1, err
        assert err.startswith("paramlab: error: ")
    return code, out, err


def project(tmp_path: Path, layers: list[dict], edges: list[dict] | None = None,
            name: str = "m.json") -> Path:
    """A project file written as raw text (values JSON cannot round-trip through Python's
    floats are spliced in by the callers)."""
    doc = {"format_version": 1, "name": "m", "layers": layers, "edges": edges or []}
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def dense_project(tmp_path: Path, units_text: str) -> Path:
    path = project(tmp_path, [
        {"id": "i", "name": "x", "type": "InputLayer", "config": {"shape": [4]}},
        {"id": "d", "name": "dense", "type": "Dense", "config": {"units": 7}}],
        [{"src": "i", "dst": "d", "index": 0}])
    path.write_text(path.read_text().replace('"units": 7', f'"units": {units_text}'))
    return path


def keras_dense(tmp_path: Path, units_text: str, name: str = "dense") -> Path:
    cfg = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 4], "name": "in"}},
        {"class_name": "Dense", "config": {"name": name, "units": 7}}]}}
    path = tmp_path / "k.json"
    path.write_text(json.dumps(cfg).replace('"units": 7', f'"units": {units_text}'))
    return path


# ---------------------------------------------------------------------------- 1. huge numbers
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("units", ["1e308", str(10**320)])
def test_huge_units_are_a_layer_error_in_every_format(capsys, tmp_path, fmt, units) -> None:
    for path in (dense_project(tmp_path, units), keras_dense(tmp_path, units)):
        code, out, err = run(capsys, "summary", path, "--format", fmt)
        assert code == 3, err
        assert "larger than 2,147,483,647" in out
        assert len(err.splitlines()) == 1


def test_the_size_bound_message_names_the_field(capsys, tmp_path) -> None:
    code, out, _ = run(capsys, "summary", dense_project(tmp_path, str(10**100)))
    assert code == 3
    assert "units: 10¹⁰⁰ is larger than 2,147,483,647" in out


def test_size_bound_is_keras_backends_int32(capsys, tmp_path) -> None:
    code, out, _ = run(capsys, "summary", dense_project(tmp_path, str(2**31 - 1)), "-f", "csv")
    assert code == 0  # 2**31 - 1 units on 4 inputs: (4 + 1) * (2**31 - 1) parameters
    assert f"{5 * (2**31 - 1)}" in out
    code, out, _ = run(capsys, "summary", dense_project(tmp_path, str(2**31)))
    assert code == 3 and "units: 2,147,483,648 is larger than 2,147,483,647" in out


def test_render_of_huge_units_is_a_layer_error(capsys, tmp_path) -> None:
    code, _, err = run(capsys, "render", dense_project(tmp_path, "1e308"),
                       "--output", tmp_path / "d.png")
    assert code == 3 and len(err.splitlines()) == 1
    code, _, err = run(capsys, "summary", dense_project(tmp_path, "1e308"), "--format", "png",
                       "--output", tmp_path / "s.png")
    assert code == 3 and (tmp_path / "s.png").stat().st_size > 0


def test_epsilon_of_400_digits_is_a_layer_error_without_a_traceback(capsys, tmp_path) -> None:
    path = project(tmp_path, [
        {"id": "i", "name": "x", "type": "InputLayer", "config": {"shape": [4]}},
        {"id": "b", "name": "bn", "type": "BatchNormalization", "config": {"epsilon": 7}}],
        [{"src": "i", "dst": "b", "index": 0}])
    path.write_text(path.read_text().replace('"epsilon": 7', f'"epsilon": {10**400}'))
    code, out, err = run(capsys, "summary", path)
    assert code == 3
    assert "epsilon must be a finite number, got 10⁴⁰⁰" in out
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize("command", ["summary", "render"])
@pytest.mark.parametrize("number, words", [
    (str(10**400), "'position' must be two finite numbers [x, y], found [10⁴⁰⁰, 0]"),
    ("9" * 5000, "whole number with more than 4,300 digits"),
])
def test_absurd_positions_are_one_sentence(capsys, tmp_path, command, number, words) -> None:
    path = project(tmp_path, [{"id": "i", "name": "x", "type": "InputLayer",
                               "config": {"shape": [4]}, "position": [1, 0]}])
    path.write_text(path.read_text().replace('"position": [1, 0]', f'"position": [{number}, 0]'))
    argv = ["--output", tmp_path / "o.png"] if command == "render" else []
    code, _, err = run(capsys, command, path, *argv)
    assert code == 1
    assert words in err
    assert "OverflowError" not in err and "ValueError" not in err


# ---------------------------------------------------------------------------- 2. surrogates
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_lone_surrogate_name_is_refused_at_load(capsys, tmp_path, fmt) -> None:
    proj = project(tmp_path, [{"id": "i", "name": "NAME", "type": "InputLayer",
                               "config": {"shape": [4]}}])
    keras = keras_dense(tmp_path, "3", name="NAME")
    for path in (proj, keras):
        path.write_text(path.read_text().replace("NAME", "\\ud800"))
        for extra in ([], ["--output", tmp_path / "out.txt"]):
            code, _, err = run(capsys, "summary", path, "--format", fmt, *extra)
            assert code == 1
            assert "lone UTF-16 surrogate" in err and "\\ud800" in err
            assert not (tmp_path / "out.txt").exists()


def test_a_valid_surrogate_pair_is_an_ordinary_character(capsys, tmp_path) -> None:
    path = project(tmp_path, [{"id": "i", "name": "NAME", "type": "InputLayer",
                               "config": {"shape": [4]}}])
    path.write_text(path.read_text().replace("NAME", "\\ud83d\\ude00"))  # U+1F600
    code, out, _ = run(capsys, "summary", path)
    assert code == 0 and "\U0001F600" in out


# ---------------------------------------------------------------------------- 4. elision
def test_a_300000_element_edge_index_gives_a_short_line(capsys, tmp_path) -> None:
    path = project(tmp_path, [
        {"id": "i", "name": "x", "type": "InputLayer", "config": {"shape": [4]}},
        {"id": "d", "name": "d", "type": "Dense", "config": {"units": 2}}],
        [{"src": "i", "dst": "d", "index": [0] * 300_000}])
    code, _, err = run(capsys, "summary", path)
    assert code == 1 and len(err) < 1000
    assert "[0, 0, 0," in err and "more)]" in err


def test_a_300000_element_position_gives_a_short_line(capsys, tmp_path) -> None:
    path = project(tmp_path, [{"id": "i", "name": "x", "type": "InputLayer",
                               "config": {"shape": [4]}, "position": [0] * 300_000}])
    code, _, err = run(capsys, "summary", path)
    assert code == 1 and len(err) < 1000 and "299,9" in err


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_500kb_padding_gives_bounded_cells(capsys, tmp_path, fmt) -> None:
    path = project(tmp_path, [
        {"id": "i", "name": "x", "type": "InputLayer", "config": {"shape": [8, 8, 1]}},
        {"id": "c", "name": "c", "type": "Conv2D",
         "config": {"filters": 2, "kernel_size": [3, 3], "padding": ["same"] * 60_000}}],
        [{"src": "i", "dst": "c", "index": 0}])
    assert path.stat().st_size > 400_000
    code, out, err = run(capsys, "summary", path, "--format", fmt)
    assert code == 3
    assert len(out) < 20_000, len(out)
    assert "more)]" in out


def test_a_10000_character_name_is_cut_in_messages_and_cells_but_kept_in_json(
        capsys, tmp_path) -> None:
    long = "n" * 10_000
    path = project(tmp_path, [
        {"id": "i", "name": long, "type": "InputLayer", "config": {"shape": [4]}},
        {"id": "d", "name": "d", "type": "Dense", "config": {"units": 0}}],
        [{"src": "i", "dst": "d", "index": 0}])
    for fmt in ("table", "csv", "markdown"):
        code, out, _ = run(capsys, "summary", path, "--format", fmt)
        assert code == 3 and max(len(line) for line in out.splitlines()) < 300
        assert fmt == "table" or "n" * 79 + "…" in out
    code, out, _ = run(capsys, "summary", path, "--format", "json")
    assert long in json.loads(out)["layers"][0]["name"]
    dup = project(tmp_path, [{"id": "a", "name": long, "type": "InputLayer"},
                             {"id": "b", "name": long, "type": "InputLayer"}], name="dup.json")
    code, _, err = run(capsys, "summary", dup)
    assert code == 1 and len(err) < 300 and "n" * 79 + "…" in err


# ---------------------------------------------------------------------------- 5. one line
def test_a_file_name_with_a_newline_is_quoted(capsys, tmp_path) -> None:
    path = tmp_path / "bad\nname.json"
    path.write_text("{not json")
    code, _, err = run(capsys, "summary", path)
    assert code == 1 and "bad\\nname.json" in err


def test_hdf5_reader_crash_is_one_line_without_a_log_line(tmp_path) -> None:
    pytest.importorskip("h5py")
    path = tmp_path / "m.h5"
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 64)
    # The child process cannot start (no standard library): it dies as a crash would,
    # with an exit code the reader does not expect.
    code = ("import os, sys; os.environ['PYTHONHOME'] = '/nonexistent'; "
            "from paramlab.gui.app import main; sys.exit(main(sys.argv[1:]))")
    proc = subprocess.run([sys.executable, "-c", code, "summary", str(path)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("paramlab: error: ") and "HDF5" in proc.stderr


# ---------------------------------------------------------------------------- 6. stat first
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_devices_are_refused_before_reading(capsys, device) -> None:
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    code, _, err = run(capsys, "summary", device)
    assert code == 1 and "is a device, not a model file" in err


def test_a_fifo_is_refused_without_blocking(tmp_path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    fifo = tmp_path / "x.json"
    os.mkfifo(fifo)
    proc = subprocess.run([sys.executable, "-m", "paramlab.core.cli", "summary", str(fifo)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 1 and "pipe (FIFO)" in proc.stderr


def test_a_huge_sparse_json_is_refused_before_reading(capsys, tmp_path) -> None:
    path = tmp_path / "big.json"
    with path.open("wb") as f:
        f.truncate(3 * 1024**3)  # sparse: no disk space used
    code, _, err = run(capsys, "summary", path)
    assert code == 1 and "more than the 67,108,864 bytes (64 MiB)" in err


# ---------------------------------------------------------------------------- 7. data loss
def test_output_over_the_input_is_refused(capsys, tmp_path) -> None:
    g = LayerGraph("m")
    g.add_layer("InputLayer", "x", {"shape": (4,)})
    path = tmp_path / "m.json"
    save_project(g, path)
    before = path.read_bytes()
    link = tmp_path / "link.json"
    os.link(path, link)
    for target in (path, link):
        code, _, err = run(capsys, "summary", path, "--format", "json", "--output", target)
        assert code == 2 and "is the input file" in err
        code, _, err = run(capsys, "render", path, "--output", target)
        assert code == 2
    assert path.read_bytes() == before
