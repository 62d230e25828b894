"""``paramlab --install-desktop-entry``: a Linux applications-menu entry and its icon under the
user's XDG data folder (issue 7), read back the way a desktop's launcher reads it."""
from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from paramlab.core.resources import APP_ICON
from paramlab.gui.desktop_entry import data_home, desktop_entry_text, install_desktop_entry


def _entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive in desktop files
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def _split_exec(value: str) -> list[str]:
    """The Desktop Entry specification's "Exec" rules: arguments are separated by spaces; a
    quoted argument is in double quotes, where a backslash escapes one of ``"`$\\``."""
    argv: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == " ":
            i += 1
            continue
        if value[i] != '"':
            end = value.find(" ", i)
            end = len(value) if end < 0 else end
            argv.append(value[i:end])
            i = end
            continue
        arg, i = "", i + 1
        while value[i] != '"':
            if value[i] == "\\":
                assert value[i + 1] in '"`$\\', f"bad escape in {value!r}"
                i += 1
            arg += value[i]
            i += 1
        argv.append(arg)
        i += 1
    return argv


def _exec_argv(exec_value: str, file_arg: str | None = None) -> list[str]:
    """What a launcher runs for ``Exec``: the string escapes (``\\\\`` is a backslash), the
    quoting rules, then field codes (``%f`` = the file, ``%%`` = ``%``)."""
    unescaped = re.sub(r"\\(.)", lambda m: {"s": " ", "n": "\n", "t": "\t", "r": "\r"}
                       .get(m.group(1), m.group(1)), exec_value)
    argv = _split_exec(unescaped)
    out = []
    for arg in argv:
        if arg == "%f":
            if file_arg is not None:
                out.append(file_arg)
            continue
        out.append(arg.replace("%%", "%"))
    return out


def test_install_writes_a_desktop_entry_that_starts_paramlab(tmp_path: Path) -> None:
    data = tmp_path / "xdg data"
    env = {**os.environ, "XDG_DATA_HOME": str(data), "HOME": str(tmp_path / "home")}
    out = subprocess.run([sys.executable, "-m", "paramlab", "--install-desktop-entry"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
                         check=False)
    assert out.returncode == 0, out.stderr
    entry_path = data / "applications" / "paramlab.desktop"
    icon_path = data / "icons" / "hicolor" / "scalable" / "apps" / "paramlab.svg"
    assert str(entry_path) in out.stdout and str(icon_path) in out.stdout
    assert icon_path.read_bytes() == APP_ICON.read_bytes()
    assert not (tmp_path / "home").exists()  # XDG_DATA_HOME wins over ~/.local/share

    entry = _entry(entry_path)
    assert entry["Type"] == "Application"
    assert entry["Name"] == "ParamLab"
    assert entry["Icon"] == "paramlab"  # found as icons/hicolor/scalable/apps/paramlab.svg
    assert entry["Terminal"] == "false"
    argv = _exec_argv(entry["Exec"])
    assert argv == [sys.executable, "-m", "paramlab"]
    # The launcher's command really is ParamLab: with a command instead of a file it prints
    # lenet's summary (62,958 parameters, as Keras counts them).
    run = subprocess.run(argv + ["summary", "lenet"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    assert "Total params: 62,958" in run.stdout


@pytest.mark.parametrize("python", ["/opt/my lab/bin/python", '/x/"q"/py', "/x/back\\slash/py",
                                    "/x/$HOME/100%/py", "/x/it's/py"])
def test_exec_line_quotes_awkward_interpreter_paths(python: str) -> None:
    exec_value = next(line for line in desktop_entry_text(python).splitlines()
                      if line.startswith("Exec="))[len("Exec="):]
    assert _exec_argv(exec_value, "/tmp/m.json") == [python, "-m", "paramlab", "/tmp/m.json"]


def test_data_home_follows_the_xdg_rules(tmp_path: Path) -> None:
    home = str(tmp_path)
    assert data_home({"HOME": home}) == tmp_path / ".local" / "share"
    assert data_home({"HOME": home, "XDG_DATA_HOME": ""}) == tmp_path / ".local" / "share"
    # A relative XDG_DATA_HOME is invalid and ignored (XDG Base Directory specification).
    assert data_home({"HOME": home, "XDG_DATA_HOME": "rel/data"}) == \
        tmp_path / ".local" / "share"
    written = install_desktop_entry("/usr/bin/python3", {"HOME": home})
    assert written == [tmp_path / ".local/share/applications/paramlab.desktop",
                       tmp_path / ".local/share/icons/hicolor/scalable/apps/paramlab.svg"]
    assert all(p.is_file() for p in written)


def test_unwritable_data_folder_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from paramlab.gui.app import main

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    assert main(["--install-desktop-entry"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("paramlab: error: cannot install the desktop entry:")
    assert "\n" not in err
    assert main(["--install-desktop-entry", "summary", "lenet"]) == 2
