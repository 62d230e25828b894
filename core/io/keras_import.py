"""Import a Keras model (architecture only) as a :class:`core.graph.LayerGraph`.

Formats, told apart by their first bytes (not by extension, so a renamed file still opens):

* Keras 3 JSON (``model.to_json()``) and Keras 2 / tf.keras JSON, Sequential or Functional;
* ``.keras`` archives (a zip): only ``config.json`` is read, never the weights;
* legacy ``.h5`` files: the ``model_config`` attribute, through the optional ``h5py``.

Layer names and arguments are the file's; counts come from propagation
(``core.propagate.propagate``), equal to Keras's ``count_params()``. Nothing from a file is
executed (no pickle, marshal, eval, or import of a module the file names).

Every failure raises :class:`core.errors.ModelFileError` with the path and a clear detail.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from paramlab.core.errors import ModelFileError
from paramlab.core.graph import LayerGraph
from paramlab.core.io.keras_archive import (
    parse_config,
    parse_json_file,
    parse_keras_archive,
    sniff,
    sniff_bytes,
)
from paramlab.core.io.keras_graph import build_graph
from paramlab.core.io.keras_h5 import read_h5_config

log = logging.getLogger(__name__)

#: Extensions the importer reads (for file dialogs and the CLI's dispatch).
KERAS_EXTENSIONS = (".json", ".keras", ".h5", ".hdf5")


def read_keras_config(path: str | Path, data: bytes | None = None) -> dict[str, Any]:
    """The model config stored in a Keras file, as a dict (the JSON Keras wrote).

    Args:
        path: The file.
        data: Its whole content, when the caller has read it already (``load_model``);
            a JSON file is then parsed from it instead of being read again.

    Raises:
        ModelFileError: the file is missing, unreadable, corrupt, too large, or holds no
            model config.
    """
    return _read_config(path, data)[0]


def _read_config(path: str | Path, data: bytes | None) -> tuple[dict[str, Any], bool]:
    """:func:`read_keras_config`'s dict, and whether orjson parsed it (then every float in
    it is finite, which :func:`parse_keras_config`'s ``finite`` needs). An ``.h5`` file's
    config comes from a child process: not worth the flag, so False."""
    kind = sniff(path) if data is None else sniff_bytes(data)
    if kind == "zip":
        return parse_keras_archive(path)
    if kind == "hdf5":
        return read_h5_config(path), False
    return parse_json_file(path) if data is None else parse_config(data, path)


def parse_keras_config(obj: dict[str, Any], source: str = "<memory>",
                       owned: bool = False, finite: bool = False) -> LayerGraph:
    """Build the graph of an already-parsed Keras model config.

    Args:
        obj: ``json.loads(model.to_json())`` (Keras 3 or Keras 2), or the content of a
            ``.keras`` archive's ``config.json``.
        source: Where it came from, for error messages.
        owned: ``obj`` was parsed for this call and is not used afterwards: the graph may
            share its containers instead of copying them (``load_keras`` passes True).
        finite: every float in ``obj`` is finite (orjson parsed it): layers whose configs
            equal an earlier layer's but for the name are then recognised by their JSON
            text, and converted and checked once (see ``core.io.keras_graph``).

    Returns:
        A new graph named as the model. Its layers have no canvas positions (a Keras file
        records none): the editor and ``paramlab render`` lay it out when they show it, so
        ``paramlab summary`` does not pay for a layout it never draws.

    Raises:
        ModelFileError: ``obj`` is not a model config or is malformed (wrong types, a
            dangling inbound reference, a cycle, duplicate layer names, absurd nesting).
    """
    try:
        graph = build_graph(obj, source, owned, finite)
    except RecursionError:
        raise ModelFileError(source, "the model config is nested too deeply") from None
    log.info("imported %s: %d layers", source, len(graph))
    return graph


def load_keras(path: str | Path, data: bytes | None = None) -> LayerGraph:
    """Import a Keras model file (``.json``, ``.keras`` or ``.h5``) as a graph; ``data``:
    the file's content if already read (see :func:`read_keras_config`).

    Raises:
        ModelFileError: see :func:`read_keras_config` and :func:`parse_keras_config`.
    """
    obj, finite = _read_config(path, data)
    return parse_keras_config(obj, str(path), owned=True, finite=finite)


__all__ = ["KERAS_EXTENSIONS", "load_keras", "parse_keras_config", "read_keras_config"]
