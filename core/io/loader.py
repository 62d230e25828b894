"""Open any model ParamLab reads, by path or by the name of a bundled example.

``load_model("lenet")`` opens ``resources/models/lenet.json``; a path opens that file:

* ``.json`` holding a ``format_version`` (or no Keras ``class_name`` at all): a ParamLab
  project, :func:`core.io.project.load_project`;
* any other ``.json``, a ``.keras`` archive or a legacy ``.h5`` file: a Keras model,
  ``core.io.keras_import.load_keras`` (imported only when needed).

The file is checked with ``stat`` before a byte is read: anything but a regular file
(a folder, ``/dev/zero``, a FIFO, a socket) is refused, and so is a JSON file larger than
:data:`MAX_JSON_BYTES` (64 MiB), since JSON is read whole. ``.keras`` and ``.h5`` files may
be any size: only their model config is read, itself limited to 64 MiB
(``core.io.keras_archive.MAX_CONFIG_BYTES``).

Every failure raises :class:`core.errors.ModelFileError` (path and what is wrong), also
when a reader fails in a way nobody foresaw (the cause worded by ``core.funnel.explain``).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from paramlab.core.bulk import paused_gc
from paramlab.core.errors import ModelFileError, ParamLabError
from paramlab.core.funnel import explain
from paramlab.core.graph import LayerGraph
from paramlab.core.io.keras_archive import read_sized
from paramlab.core.io.project import load_project
from paramlab.core.resources import example_path, list_examples

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")
_ZIP_MAGIC = b"PK\x03\x04"
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
#: Largest JSON file (project or Keras JSON) read; checked before reading.
MAX_JSON_BYTES = 64 * 1024 * 1024


def resolve(path_or_name: str | os.PathLike[str]) -> Path:
    """The file meant by ``path_or_name``: an existing path, else a bundled example.

    Raises:
        ModelFileError: neither a file nor an example name.
    """
    p = Path(path_or_name)
    try:
        if os.path.lexists(p):
            return p
    except (OSError, ValueError) as exc:  # a NUL byte, a name too long for the system
        raise ModelFileError(p, f"not a usable file name: {explain(exc)}") from None
    text = str(path_or_name)
    if text and os.sep not in text and "/" not in text:
        example = example_path(Path(text).stem if text.endswith(".json") else text)
        if example is not None:
            return example
    examples = ", ".join(list_examples()) or "none installed"
    raise ModelFileError(p, f"no such file, and no bundled example of that name "
                            f"(examples: {examples})")


def load_model(path_or_name: str | os.PathLike[str]) -> LayerGraph:
    """Load a project, a Keras model file, or a bundled example by name.

    Raises:
        ModelFileError: the file is missing, unreadable or not a model ParamLab reads.
    """
    path = resolve(path_or_name)
    info = _stat(path)
    try:
        with paused_gc():
            data = _read_text_file(path, info)
            if data is not None and _is_project(data):
                return load_project(path)
            from paramlab.core.io.keras_import import load_keras  # imported only when needed

            return load_keras(path, data)  # the bytes already read: the file is read once
    except ParamLabError:
        raise
    except Exception as exc:  # a reader's unforeseen failure is still a file error
        raise ModelFileError(path, f"cannot read the model: {explain(exc)}") from None


def _stat(path: Path) -> os.stat_result:
    """``stat`` the file and refuse what must not be read: not a regular file, or JSON
    over :data:`MAX_JSON_BYTES`.

    Raises:
        ModelFileError: as described.
    """
    try:
        info = path.stat()
    except OSError as exc:
        raise ModelFileError(path, f"cannot read the file: {exc.strerror or exc}") from None
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise ModelFileError(path, "is a folder, not a model file")
    if not stat.S_ISREG(mode):
        kind = ("a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else
                "a pipe (FIFO)" if stat.S_ISFIFO(mode) else
                "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        raise ModelFileError(path, f"is {kind}, not a model file: ParamLab reads regular "
                                   "files only")
    if path.suffix.lower() not in KERAS_SUFFIXES and info.st_size > MAX_JSON_BYTES:
        raise ModelFileError(path, f"the file is {info.st_size:,} bytes, more than the "
                                   f"{MAX_JSON_BYTES:,} bytes (64 MiB) ParamLab reads")
    return info


def _read_text_file(path: Path, info: os.stat_result) -> bytes | None:
    """The bytes of a file that may be a project (any suffix but a Keras archive's or
    HDF5's), read once, to at most :data:`MAX_JSON_BYTES` + 1; ``None`` for ``.keras`` /
    ``.h5`` files, which their readers open themselves.

    Raises:
        ModelFileError: the file cannot be read.
    """
    if path.suffix.lower() in KERAS_SUFFIXES:
        return None
    try:
        with path.open("rb") as f:
            data = read_sized(f, info.st_size, MAX_JSON_BYTES + 1)
    except OSError as exc:
        raise ModelFileError(path, f"cannot read the file: {exc.strerror or exc}") from None
    return data


def _is_project(data: bytes) -> bool:
    """True when a file holding ``data`` should be read as a ParamLab project."""
    if data.startswith((_ZIP_MAGIC, _HDF5_MAGIC)) or data.lstrip().startswith(b'"'):
        return False  # an archive, HDF5, or a JSON string holding a Keras config
    # A Keras config never has a "format_version" key; a project always has one. Searching
    # the bytes is far cheaper than parsing the JSON twice. Text with neither marker goes
    # to the project reader, whose errors say what a project needs.
    return b'"format_version"' in data or b'"class_name"' not in data
