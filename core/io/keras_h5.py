"""Reading the model config of a legacy Keras ``.h5`` file (HDF5) through ``h5py``.

Keras 2 (``model.save("m.h5")``) and Keras 3 (``save_format="h5"``) store the model's JSON
config in the root group's ``model_config`` attribute; weights live in ``model_weights``
and are never read. ``h5py`` is an optional dependency (the ``h5`` extra): it is imported
only when an ``.h5`` file is opened, and its absence is a clear :class:`ModelFileError`.

The HDF5 C library can loop forever or crash on a corrupt file (fuzzing found a
variable-length string whose read never returns), and C code cannot be interrupted from
Python. So the attribute is read in a short-lived child process running this module
(``python -m paramlab.core.io.keras_h5 FILE``, our own fixed code; nothing from the file is
executed), which is killed after :data:`H5_TIMEOUT` seconds.
"""
from __future__ import annotations

import logging
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from paramlab.core.errors import ModelFileError
from paramlab.core.io.keras_archive import MAX_CONFIG_BYTES, loads_config

log = logging.getLogger(__name__)

CONFIG_ATTRIBUTE = "model_config"
#: Seconds the child process may take to read the attribute (a sound file takes ~0.3 s).
H5_TIMEOUT = 20.0
_EXIT_REFUSED = 3  # the child found a problem and wrote it on stderr


def read_h5_config(path: str | Path) -> dict[str, Any]:
    """Read the ``model_config`` attribute of a Keras HDF5 file.

    Old files store the attribute as bytes, newer ones as text; both are accepted.

    Raises:
        ModelFileError: ``h5py`` is not installed; the file is not HDF5, is truncated or
            corrupt (also when reading it crashes or hangs the HDF5 library); it has no
            ``model_config`` (a weights-only file); the config is too large or not a
            JSON object.
    """
    try:
        import h5py  # noqa: F401  (optional extra "h5"; checked here for a clear message)
    except ImportError:
        raise ModelFileError(path, "reading .h5 files needs the optional h5py package: "
                                   "pip install 'paramlab[h5]'") from None
    # ``-m`` puts the working folder first on sys.path, so the child runs in the folder that
    # holds the installed ``paramlab`` package (site-packages, or the source tree's parent):
    # no folder of the user's can shadow it. The path is made absolute first for that reason.
    neutral = Path(__file__).resolve().parents[3]
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # only the interpreter's own site-packages and our package
    env["PYTHONSAFEPATH"] = "1"  # Python >= 3.11: do not prepend the working folder at all
    try:
        proc = subprocess.run([sys.executable, "-m", "paramlab.core.io.keras_h5",
                               str(Path(path).resolve())], cwd=neutral,
                              capture_output=True, timeout=H5_TIMEOUT, env=env, check=False)
    except subprocess.TimeoutExpired:
        raise ModelFileError(path, f"reading the HDF5 file took more than {H5_TIMEOUT:g} s "
                                   "and was stopped: the file is probably corrupt") from None
    except OSError as exc:
        raise ModelFileError(path, f"cannot start the HDF5 reader: {exc}") from None
    if proc.returncode == 0:
        return loads_config(proc.stdout, path, CONFIG_ATTRIBUTE)
    message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    if proc.returncode == _EXIT_REFUSED and message:
        raise ModelFileError(path, message[-1])
    log.warning("HDF5 reader exited with %s: %s", proc.returncode, message[-3:])
    raise ModelFileError(path, f"the HDF5 library failed on this file (exit code "
                               f"{proc.returncode}): it is probably corrupt")


def read_attribute(path: str | Path) -> bytes:
    """Read ``model_config`` in this process (what the child process runs).

    Raises:
        ModelFileError: see :func:`read_h5_config`.
    """
    import h5py

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
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, UnicodeError) as exc:
        # h5py raises OSError for a non-HDF5 or truncated file, the others for corrupt
        # metadata.
        raise ModelFileError(path, f"not a readable Keras .h5 file: {exc}") from None
    if hasattr(raw, "item") and not isinstance(raw, (bytes, str)):
        raw = raw.item()  # a numpy scalar
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    if not isinstance(raw, bytes):
        raise ModelFileError(path, f"{CONFIG_ATTRIBUTE} must be JSON text, got "
                                   f"{type(raw).__name__}")
    return raw


def _main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: python -m paramlab.core.io.keras_h5 FILE\n")
        return 2
    try:
        data = read_attribute(argv[0])
    except ModelFileError as exc:
        sys.stderr.write(exc.detail.replace("\n", " ") + "\n")
        return _EXIT_REFUSED
    sys.stdout.buffer.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
