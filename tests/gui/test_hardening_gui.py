"""Issue 12's reproducers in the editor: every bad file opened is one dialog and leaves the
open model as it was; absurd values from a file never raise in the spin boxes or the
summary panel (pytest-qt fails a test on an exception raised inside a Qt slot)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest


def _project(tmp_path: Path, name: str, units: str = "7", layer_name: str = "dense",
             position: str = "[0, 0]", index: str = "0") -> Path:
    doc = {"format_version": 1, "name": "m", "layers": [
        {"id": "i", "name": "x", "type": "InputLayer", "config": {"shape": [4]},
         "position": "POSITION"},
        {"id": "d", "name": "LAYERNAME", "type": "Dense", "config": {"units": "UNITS"},
         "position": [0, 100]}],
        "edges": [{"src": "i", "dst": "d", "index": "INDEX"}]}
    text = (json.dumps(doc).replace('"UNITS"', units).replace("LAYERNAME", layer_name)
            .replace('"POSITION"', position).replace('"INDEX"', index))
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _bad_files(tmp_path: Path) -> dict[str, Path]:
    sparse = tmp_path / "sparse.json"
    with sparse.open("wb") as f:
        f.truncate(3 * 1024**3)
    files = {
        "position 10**400": _project(tmp_path, "p400.json", position=f"[{10**400}, 0]"),
        "5000 digits": _project(tmp_path, "digits.json", position=f"[{'9' * 5000}, 0]"),
        "lone surrogate": _project(tmp_path, "sur.json", layer_name="\\ud800"),
        "300,000-element index": _project(tmp_path, "idx.json", index=str([0] * 300_000)),
        "sparse 3 GB": sparse,
        "folder": tmp_path,
        "/dev/zero": Path("/dev/zero"),
    }
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo.json"
        os.mkfifo(fifo)
        files["FIFO"] = fifo
    return files


def test_every_bad_file_is_one_dialog_and_keeps_the_model(window, ui, dialogs, tmp_path):
    before = window.document.result.total
    for what, path in _bad_files(tmp_path).items():
        if not path.exists():
            continue
        dialogs.errors.clear()
        assert window.files.open_path(path, ask=False) is False, what
        assert len(dialogs.errors) == 1, what
        title, text = dialogs.errors[0][:2]
        assert "Traceback" not in text and len(text) < 1000 and "\n" not in text, what
        assert window.document.result.total == before, what
    assert window.windowTitle() == "lenet[*] — ParamLab"


@pytest.mark.parametrize("units", [str(10**320), "1e308", str(2**31 + 5)])
def test_huge_units_open_and_show_without_raising(window, ui, dialogs, tmp_path, units):
    path = _project(tmp_path, "huge.json", units=units)
    assert window.files.open_path(path, ask=False)
    assert dialogs.errors == []
    node = ui.layer_id(window, "dense")
    window.select_ids([node])
    assert window.properties.node_id == node
    spin = window.properties.field_editors["units"].spin
    assert spin.value() == spin.maximum()  # the nearest value the spin box can hold
    assert "is larger than" in window.document.result.layers[node].diagnostic.message
    assert window.document.result.has_errors
    assert all(len(str(text)) < 200 for text in ui.row_text(window, "dense").values())
    assert "Total params" in window.summary.totals_label.text()


def test_huge_kernel_size_tuple_shows_without_raising(window, ui, dialogs, tmp_path):
    path = _project(tmp_path, "k.json")
    doc = json.loads(path.read_text())
    doc["layers"][0]["config"]["shape"] = [8, 8, 1]
    doc["layers"][1] = {"id": "d", "name": "conv", "type": "Conv2D", "position": [0, 100],
                        "config": {"filters": 2, "kernel_size": [3, 3]}}
    path.write_text(json.dumps(doc).replace("[3, 3]", f"[3, {10**30}]"))
    assert window.files.open_path(path, ask=False)
    node = ui.layer_id(window, "conv")
    window.select_ids([node])
    spins = window.properties.field_editors["kernel_size"].spins
    assert [s.value() for s in spins] == [3, spins[1].maximum()]
