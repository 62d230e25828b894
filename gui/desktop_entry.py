"""``paramlab --install-desktop-entry``: put ParamLab in a Linux desktop's applications menu.

Writes, under the user's XDG data folder (``$XDG_DATA_HOME``, or ``~/.local/share`` when it
is unset or not absolute, as the XDG Base Directory specification says):

* ``applications/paramlab.desktop``: a Desktop Entry (specification 1.4) whose ``Exec``
  runs *this* interpreter with ``-m paramlab`` — a venv's ``bin/`` is rarely on the menu's
  ``PATH``, the interpreter's absolute path always works;
* ``icons/hicolor/scalable/apps/paramlab.svg``: the application icon (``Icon=paramlab``).

No Qt is imported; both files are written atomically. Windows and macOS have no such
folder: README explains their shortcut (``pythonw -m paramlab``).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from paramlab.core.io.atomic import atomic_write_bytes, atomic_write_text
from paramlab.core.resources import APP_ICON

APP_ID = "paramlab"
# Characters that force a quoted Exec argument, and those escaped inside the quotes
# (Desktop Entry specification, "The Exec key").
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
_ESCAPED_IN_QUOTES = '"`$\\'


def data_home(environ: dict[str, str] | None = None) -> Path:
    """The user's XDG data folder: ``$XDG_DATA_HOME`` if absolute, else ``~/.local/share``."""
    env = os.environ if environ is None else environ
    value = env.get("XDG_DATA_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    home = env.get("HOME") or str(Path.home())
    return Path(home) / ".local" / "share"


def exec_argument(arg: str) -> str:
    """One argument of an ``Exec`` line, quoted and escaped as the specification asks.

    The result is also escaped for the desktop file's string syntax (a backslash is
    written twice), so ``/opt/my lab/python`` becomes ``"/opt/my lab/python"``.
    """
    if arg and not (set(arg) & _RESERVED) and "%" not in arg:
        return arg
    quoted = "".join("\\" + c if c in _ESCAPED_IN_QUOTES else c for c in arg.replace("%", "%%"))
    return '"' + quoted.replace("\\", "\\\\") + '"'


def desktop_entry_text(python: str) -> str:
    """The ``paramlab.desktop`` file that starts ``python -m paramlab`` (with a file, if any)."""
    command = " ".join([exec_argument(python), "-m", APP_ID, "%f"])
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.4",
        "Name=ParamLab",
        "GenericName=Neural Network Designer",
        "Comment=Design neural networks and see every layer's output shape and parameters",
        f"Exec={command}",
        f"Icon={APP_ID}",
        "Terminal=false",
        "Categories=Education;ArtificialIntelligence;",
        "Keywords=Keras;PyTorch;neural;network;deep learning;parameters;",
        "StartupNotify=true",
        "",
    ])


def install_desktop_entry(python: str | None = None,
                          environ: dict[str, str] | None = None) -> list[Path]:
    """Write the desktop entry and the icon; return the two paths written.

    Args:
        python: the interpreter the entry starts (default: the running one).
        environ: the environment to read ``XDG_DATA_HOME``/``HOME`` from (default: ours).

    Raises:
        OSError: a folder cannot be created or a file cannot be written.
    """
    base = data_home(environ)
    entry = base / "applications" / f"{APP_ID}.desktop"
    icon = base / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    for path in (entry, icon):
        path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(icon, APP_ICON.read_bytes())
    atomic_write_text(entry, desktop_entry_text(python or sys.executable))
    return [entry, icon]


def run_install() -> int:
    """The ``--install-desktop-entry`` option: install, say where, return the exit status."""
    try:
        written = install_desktop_entry()
    except OSError as exc:
        print(f"paramlab: error: cannot install the desktop entry: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    print("ParamLab is in the applications menu (log out and in if it does not show yet).")
    return 0
