"""Open any model ParamLab reads, by path or by the name of a bundled example.

``load_model("lenet")`` opens ``resources/models/lenet.json``; a path opens that file:

* ``.json`` holding a ``format_version`` (or no Keras ``class_name`` at all): a ParamLab
  project, :func:`core.io.project.load_project`;
* any other ``.json``, a ``.keras`` archive or a legacy ``.h5`` file: a Keras model,
  ``core.io.keras_import.load_keras`` (imported only when needed).

Every failure raises :class:`core.errors.ModelFileError` (path and what is wrong).
"""
from __future__ import annotations

import os
from pathlib import Path

from paramlab.core.errors import ModelFileError
from paramlab.core.graph import LayerGraph
from paramlab.core.io.project import load_project
from paramlab.core.resources import example_path, list_examples

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")
_ZIP_MAGIC = b"PK\x03\x04"
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def resolve(path_or_name: str | os.PathLike[str]) -> Path:
    """The file meant by ``path_or_name``: an existing path, else a bundled example.

    Raises:
        ModelFileError: neither a file nor an example name.
    """
    p = Path(path_or_name)
    if p.exists():
        return p
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
    if path.is_dir():
        raise ModelFileError(path, "is a folder, not a model file")
    if _is_project(path):
        return load_project(path)
    from paramlab.core.io.keras_import import load_keras  # helper module; imported only when needed

    return load_keras(path)


def _is_project(path: Path) -> bool:
    """True when ``path`` should be read as a ParamLab project."""
    if path.suffix.lower() in KERAS_SUFFIXES:
        return False
    try:
        with path.open("rb") as f:
            data = f.read()
    except OSError as exc:
        raise ModelFileError(path, f"cannot read the file: {exc.strerror or exc}") from None
    if data.startswith((_ZIP_MAGIC, _HDF5_MAGIC)) or data.lstrip().startswith(b'"'):
        return False  # an archive, HDF5, or a JSON string holding a Keras config
    # A Keras config never has a "format_version" key; a project always has one. Searching
    # the bytes is far cheaper than parsing the JSON twice. Text with neither marker goes
    # to the project reader, whose errors say what a project needs.
    return b'"format_version"' in data or b'"class_name"' not in data
