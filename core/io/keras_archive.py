"""Reading a Keras model config out of a file: JSON text and ``.keras`` zip archives.

Only data is read: JSON parsed with ``orjson`` (about twice as fast; the stdlib ``json``
module when orjson is missing, and for what orjson refuses: ``NaN``, integers beyond 64 bits,
and every error, so the messages stay the stdlib's), a zip opened with
``zipfile`` and its ``config.json`` member read. Nothing from a file is ever executed,
and the weights (``model.weights.h5``) are never opened.

Limits keep a hostile or broken file from exhausting memory or the stack: a config larger
than :data:`MAX_CONFIG_BYTES` is refused before it is read, and JSON nested too deeply for
the parser (``RecursionError``) is refused with a clear message.

Every failure raises :class:`core.errors.ModelFileError` (path, detail).
"""
from __future__ import annotations

import codecs
import json
import logging
import zipfile
from pathlib import Path
from typing import Any, BinaryIO

from paramlab.core.errors import ModelFileError
from paramlab.core.text import find_lone_surrogate, json_value_error

try:  # a dependency; its absence (a source checkout) only costs speed
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None

log = logging.getLogger(__name__)

#: Largest model config accepted (uncompressed bytes). Keras's largest applications
#: (NASNetLarge, EfficientNetV2L) write configs of a few MiB.
MAX_CONFIG_BYTES = 64 * 1024 * 1024

#: The member of a ``.keras`` archive that holds the model config (Keras 3 ``saving_lib``).
ARCHIVE_CONFIG = "config.json"

ZIP_MAGIC = b"PK\x03\x04"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def loads_config(data: bytes | str, path: str | Path, what: str = "model config") -> dict[str, Any]:
    """Parse JSON text that must hold one JSON object: :func:`parse_config`'s object."""
    return parse_config(data, path, what)[0]


def parse_config(data: bytes | str, path: str | Path,
                 what: str = "model config") -> tuple[dict[str, Any], bool]:
    """Parse JSON text that must hold one JSON object; also whether orjson parsed it, which
    refuses ``NaN`` and infinity: then every float in the object is finite.

    Args:
        data: UTF-8 bytes or text.
        path: The file it came from (for the error message).
        what: What the text is, for the error message.

    Returns:
        The parsed object (a dict), and True when orjson parsed it.

    Raises:
        ModelFileError: too large, not UTF-8, not JSON, nested too deeply, or not an object.
    """
    if len(data) > MAX_CONFIG_BYTES:
        raise ModelFileError(path, f"the {what} is {len(data):,} bytes, more than the "
                                   f"{MAX_CONFIG_BYTES:,} bytes ParamLab accepts")
    if _orjson is not None and type(data) is bytes and not data.startswith(codecs.BOM_UTF8):
        # The common case in one step: orjson reads the UTF-8 bytes themselves (no decoded
        # copy), and refuses invalid UTF-8 and lone surrogate escapes, so an object it
        # returns has no lone surrogate to look for. Anything else takes the general path
        # below, whose messages are the ones users see.
        try:
            obj = _orjson.loads(data)
        except _orjson.JSONDecodeError:
            obj = None
        if type(obj) is dict:
            return obj, True
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ModelFileError(path, f"the {what} is not UTF-8 text "
                                       f"(byte {exc.start}): is this a Keras model file?") from None
    obj = _parse(data, path, what)
    if isinstance(obj, str) and obj.lstrip().startswith("{"):
        # A JSON string holding the JSON text (json.dump(model.to_json(), f)): one more decode.
        data = obj
        obj = _parse(obj, path, what)
    bad_text = find_lone_surrogate(obj, data)
    if bad_text is not None:
        raise ModelFileError(path, f"the {what} has {bad_text}, which holds a lone UTF-16 "
                                   "surrogate (an invalid character): ParamLab refuses such "
                                   "names and values")
    if not isinstance(obj, dict):
        raise ModelFileError(path, f"the {what} must be a JSON object, got a "
                                   f"{type(obj).__name__}")
    return obj, False


def _parse(data: str, path: str | Path, what: str) -> Any:
    if _orjson is not None:
        try:
            return _orjson.loads(data)
        except _orjson.JSONDecodeError:
            pass  # NaN, huge integers, errors: the stdlib decides and words the message
    try:
        return json.loads(data)
    except RecursionError:
        raise ModelFileError(path, f"the {what} is nested too deeply to be a Keras model") from None
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        if data.startswith("<<<<<<< "):
            raise ModelFileError(path, f"the {what} holds unresolved git merge-conflict "
                                       "markers (<<<<<<<): keep one side and open it again") from None
        raise ModelFileError(path, f"the {what}: {json_value_error(exc)}") from None


def parse_json_file(path: str | Path) -> tuple[dict[str, Any], bool]:
    """Read a Keras JSON file (``model.to_json()`` output): its object, and whether orjson
    parsed it (see :func:`parse_config`).

    Raises:
        ModelFileError: unreadable, too large, or not a JSON object.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ModelFileError(path, f"the file is {size:,} bytes, more than the "
                                       f"{MAX_CONFIG_BYTES:,} bytes ParamLab accepts")
        with p.open("rb") as f:
            data = read_sized(f, size, MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ModelFileError(path, f"cannot read the file: {exc.strerror or exc}") from None
    return parse_config(data, path)


def read_sized(f: BinaryIO, size: int, limit: int) -> bytes:
    """``f.read(limit)`` for a file ``stat`` says has ``size`` bytes, without the
    ``limit``-byte buffer that ``read(limit)`` allocates first (64 MiB for any small file,
    which costs more than reading it)."""
    data = f.read(min(size + 1, limit))
    if size + 1 < limit and len(data) > size:  # the file grew since: read on to the limit
        data += f.read(limit - len(data))
    return data


def parse_keras_archive(path: str | Path) -> tuple[dict[str, Any], bool]:
    """``config.json`` of a Keras 3 ``.keras`` archive (a zip), and whether orjson parsed
    it (see :func:`parse_config`).

    The member's declared size is checked before reading, and reading stops after
    :data:`MAX_CONFIG_BYTES` whatever the header says (a zip can lie about sizes).

    Raises:
        ModelFileError: not a zip, truncated or corrupt, no ``config.json``, too large,
            or its content is not a JSON object.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            try:
                info = zf.getinfo(ARCHIVE_CONFIG)
            except KeyError:
                names = ", ".join(zf.namelist()[:5]) or "nothing"
                raise ModelFileError(path, f"the archive has no {ARCHIVE_CONFIG} (it holds "
                                           f"{names}): is this a Keras 3 .keras file?") from None
            if info.file_size > MAX_CONFIG_BYTES:
                raise ModelFileError(path, f"{ARCHIVE_CONFIG} is {info.file_size:,} bytes "
                                           f"uncompressed, more than the {MAX_CONFIG_BYTES:,} "
                                           "bytes ParamLab accepts")
            with zf.open(info) as member:
                data = member.read(MAX_CONFIG_BYTES + 1)
    except zipfile.BadZipFile as exc:
        raise ModelFileError(path, f"not a valid .keras archive (zip): {exc}") from None
    except (zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError) as exc:
        # NotImplementedError: an unsupported compression method; EOFError / ValueError:
        # a truncated or corrupt member stream.
        raise ModelFileError(path, f"cannot read {ARCHIVE_CONFIG} from the archive: "
                                   f"{exc or type(exc).__name__}") from None
    except OSError as exc:
        raise ModelFileError(path, f"cannot read the archive: {exc.strerror or exc}") from None
    except RuntimeError as exc:  # an encrypted member
        raise ModelFileError(path, f"cannot read {ARCHIVE_CONFIG}: {exc}") from None
    return parse_config(data, path, f"{ARCHIVE_CONFIG} of the archive")


def sniff(path: str | Path) -> str:
    """What kind of file ``path`` is, from its first bytes: ``"zip"``, ``"hdf5"`` or ``"json"``.

    Raises:
        ModelFileError: the file cannot be opened.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise ModelFileError(path, f"cannot read the file: {exc.strerror or exc}") from None
    return sniff_bytes(head)


def sniff_bytes(data: bytes) -> str:
    """What kind of file begins with ``data``: ``"zip"``, ``"hdf5"`` or ``"json"``."""
    if data.startswith((ZIP_MAGIC, b"PK\x05\x06")):
        return "zip"
    if data.startswith(HDF5_MAGIC):
        return "hdf5"
    return "json"
