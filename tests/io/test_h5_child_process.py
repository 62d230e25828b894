"""The ``.h5`` reader's child process cannot be shadowed by a folder of the user's (issue 7).

``python -m X`` searches the working folder first, so a ``core/`` or ``paramlab/`` package in
the folder where the user runs ``paramlab`` used to replace our HDF5 reader.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("h5py")

DATA = Path(__file__).resolve().parent.parent / "data" / "keras_files"
POISON = "import sys\nsys.stderr.write('shadowed!\\n')\nsys.exit(7)\n"


def _plant(folder: Path, package: str) -> None:
    mod = folder.joinpath(*package.split("."))
    mod.mkdir(parents=True)
    for parent in [folder.joinpath(*package.split(".")[:i]) for i in range(1, package.count(".") + 2)]:
        (parent / "__init__.py").write_text("")
    (mod / "keras_h5.py").write_text(POISON)


def test_h5_summary_from_a_folder_with_its_own_core_package(tmp_path: Path) -> None:
    _plant(tmp_path, "core.io")
    _plant(tmp_path, "paramlab.core.io")
    shutil.copy(DATA / "lenet_like.h5", tmp_path / "model.h5")
    script = Path(sys.executable).parent / "paramlab"
    out = subprocess.run([str(script), "summary", "model.h5", "--format", "json"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert "shadowed" not in out.stderr
    # lenet_like.h5 as real Keras counts it (tests/data/keras/lenet_like.json): 62,958.
    assert json.loads(out.stdout)["totals"]["total"] == 62_958
