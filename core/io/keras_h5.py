"""Reading the model config of a legacy Keras ``.h5`` file (HDF5) through ``h5py``.

Keras 2 (``model.save("m.h5")``) and Keras 3 (``save_format="h5"``) store the model's JSON
config in the root group's ``model_config`` attribute; weights live in ``model_weights``
and are never read. ``h5py`` is an optional dependency (the ``h5`` extra): it is imported
only when an ``.h5`` file is opened, and its absence is a clear :class:`ModelFileError`.
"""
from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

from core.errors import ModelFileError
from core.io.keras_archive import MAX_CONFIG_BYTES, loads_config

log = logging.getLogger(__name__)

CONFIG_ATTRIBUTE = "model_config"


def read_h5_config(path: str | Path) -> dict[str, Any]:
    """Read the ``model_config`` attribute of a Keras HDF5 file.

    Old files store the attribute as bytes, newer ones as text; both are accepted.

    Raises:
        ModelFileError: ``h5py`` is not installed; the file is not HDF5, is truncated or
            corrupt; it has no ``model_config`` (a weights-only file); the config is too
            large or not a JSON object.
    """
    try:
        import h5py  # optional extra "h5"
    except ImportError:
        raise ModelFileError(path, "reading .h5 files needs the optional h5py package: "
                                   "pip install 'paramlab[h5]'") from None
    try:
        with h5py.File(path, "r") as f:
            if CONFIG_ATTRIBUTE not in f.attrs:
                raise ModelFileError(path, f"the HDF5 file has no {CONFIG_ATTRIBUTE!r} "
                                           "attribute: it holds weights only, not a model")
            attr_id = f.attrs.get_id(CONFIG_ATTRIBUTE)
            # Keras writes one string. A corrupt file can claim billions of elements,
            # which h5py would allocate (and fill) before reading: refuse that first.
            shape = attr_id.shape
            if shape is not None and math.prod(shape) != 1:
                raise ModelFileError(path, f"{CONFIG_ATTRIBUTE} must be one string, got an "
                                           f"array of shape {tuple(shape)}")
            if attr_id.dtype.kind not in ("S", "U", "O"):
                raise ModelFileError(path, f"{CONFIG_ATTRIBUTE} must be a string, got "
                                           f"{attr_id.dtype}")
            size = max(attr_id.get_storage_size(), attr_id.dtype.itemsize)
            if size > MAX_CONFIG_BYTES:
                raise ModelFileError(path, f"{CONFIG_ATTRIBUTE} is {size:,} bytes, more than "
                                           f"the {MAX_CONFIG_BYTES:,} bytes ParamLab accepts")
            raw = f.attrs[CONFIG_ATTRIBUTE]
    except ModelFileError:
        raise
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        # h5py raises OSError for a non-HDF5 or truncated file, and the others for
        # corrupt metadata.
        raise ModelFileError(path, f"not a readable Keras .h5 file: {exc}") from None
    if hasattr(raw, "tobytes") and not isinstance(raw, (bytes, str)):
        raw = raw.tobytes()  # a numpy scalar or array of bytes
    if not isinstance(raw, (bytes, str)):
        raise ModelFileError(path, f"{CONFIG_ATTRIBUTE} must be JSON text, got "
                                   f"{type(raw).__name__}")
    return loads_config(raw, path, CONFIG_ATTRIBUTE)
