"""The installed package: a wheel built from the working tree, installed non-editable in a
fresh virtual environment, works from any folder (issue 7).

The wheel is built offline (``--no-build-isolation``, the test venv's setuptools) and installed
with ``--no-deps``; the fresh venv borrows the test venv's dependencies (networkx, PySide6)
through a ``.pth`` line. A plain path in a ``.pth`` file is *not* a site folder, so the test
venv's editable-install hook is never loaded: ``paramlab`` can only come from the wheel.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("__init__.py", "__main__.py", "pyproject.toml", "README.md", "core", "gui", "resources")


def _run(cmd: list[str], cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build the wheel from a copy of the tree, install it in a fresh venv; return its paths."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    src.mkdir()
    for name in SOURCES:
        item = ROOT / name
        if item.is_dir():
            shutil.copytree(item, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(item, src / name)
    built = _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                  "--no-build-isolation", "--no-index", "-w", str(base / "dist"), str(src)],
                 cwd=base)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((base / "dist").glob("paramlab-*.whl"))
    venv = base / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=base)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=base).stdout.strip())
    done = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                 "--no-deps", "--no-index", str(wheel)], cwd=base)
    assert done.returncode == 0, done.stderr[-2000:]
    (site / "_paramlab_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    empty = base / "elsewhere"
    empty.mkdir()
    return {"wheel": wheel, "venv": venv, "python": python, "site": site, "cwd": empty}


def test_wheel_installs_one_top_level_package(installed: dict[str, Path]) -> None:
    with zipfile.ZipFile(installed["wheel"]) as whl:
        names = whl.namelist()
        top = next(n for n in names if n.endswith(".dist-info/top_level.txt"))
        assert whl.read(top).decode().split() == ["paramlab"]
    assert {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")} \
        == {"paramlab"}
    assert "paramlab/resources/models/lenet.json" in names
    assert "paramlab/resources/icons/paramlab.svg" in names
    assert "paramlab/resources/exercises/03_lenet.json" in names
    assert "paramlab/core/exercise/grading.py" in names
    site = installed["site"]
    assert (site / "paramlab" / "core").is_dir()
    assert not (site / "core").exists() and not (site / "gui").exists()


def test_cli_finds_examples_from_any_folder(installed: dict[str, Path]) -> None:
    script = installed["venv"] / "bin" / "paramlab"
    table = _run([str(script), "summary", "lenet"], cwd=installed["cwd"])
    assert table.returncode == 0, table.stderr
    assert "62,958" in table.stdout
    # The module import comes from the wheel, not from the source tree.
    where = _run([str(installed["python"]), "-c", "import paramlab; print(paramlab.__file__)"],
                 cwd=installed["cwd"])
    assert Path(where.stdout.strip()).is_relative_to(installed["site"])


def test_python_dash_m_is_the_command(installed: dict[str, Path]) -> None:
    out = _run([str(installed["python"]), "-m", "paramlab", "summary", "vgg16", "--format",
                "json"], cwd=installed["cwd"])
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["totals"]["total"] == 138_357_544
    usage = _run([str(installed["python"]), "-m", "paramlab", "summary", "lenet", "-f", "nope"],
                 cwd=installed["cwd"])
    assert usage.returncode == 2


def test_desktop_entry_from_the_wheel(installed: dict[str, Path], tmp_path: Path) -> None:
    """The installed command writes the menu entry, and the icon comes from the wheel."""
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    out = subprocess.run([str(installed["venv"] / "bin" / "paramlab"), "--install-desktop-entry"],
                         cwd=installed["cwd"], env=env, capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    icon = tmp_path / "data" / "icons" / "hicolor" / "scalable" / "apps" / "paramlab.svg"
    assert icon.read_bytes() == (installed["site"] / "paramlab" / "resources" / "icons"
                                 / "paramlab.svg").read_bytes()
    entry = (tmp_path / "data" / "applications" / "paramlab.desktop").read_text()
    assert f"Exec={installed['venv'] / 'bin'}/python" in entry
    assert "-m paramlab %f" in entry
