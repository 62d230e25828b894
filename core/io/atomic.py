"""Atomic file writes: a crash or a full disk never leaves a half-written file behind.

The data goes to a temporary file in the target's directory, is flushed and ``fsync``-ed,
and then replaces the target with ``os.replace`` (atomic on POSIX and Windows when both
are on one file system, which a sibling temp file guarantees).

Temporary files are named ``.<target name>.<host>-<pid>.<random>.paramlab-tmp``: a save
killed between writing and renaming (``kill -9``, a power cut) leaves one behind, and the
name says whose it was. Every save cleans the stale ones in its folder first
(:func:`remove_stale_temp_files`): those of a process of this host that no longer runs, and
any older than :data:`STALE_AFTER` seconds.
"""
from __future__ import annotations

import logging
import os
import re
import socket
import sys
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)

TEMP_SUFFIX = ".paramlab-tmp"
#: A temporary file older than this (seconds) is stale whoever made it (a save takes
#: seconds; a file of another host's process cannot be checked otherwise).
STALE_AFTER = 24 * 3600
_HOST = re.sub(r"[^A-Za-z0-9_]", "_", socket.gethostname())[:40] or "host"
_TEMP_NAME = re.compile(r"^\..+\.(?P<host>[A-Za-z0-9_]+)-(?P<pid>[0-9]+)\.[^.]+"
                        + re.escape(TEMP_SUFFIX) + "$")


def remove_stale_temp_files(directory: str | os.PathLike[str]) -> list[Path]:
    """Delete the temporary files that saves in ``directory`` left behind when they were
    killed: those of a process of this host that is gone, and any older than
    :data:`STALE_AFTER`. Never raises; returns what was removed."""
    removed = []
    now = time.time()
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_NAME.match(entry.name)
        if m is None:
            continue
        try:
            old = now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER
            mine = m.group("host") == _HOST
            if old or (mine and not _running(int(m.group("pid")))):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError as exc:  # gone already, or not ours to delete
            log.debug("could not remove stale %s: %s", entry.path, exc)
    return removed


def _running(pid: int) -> bool:
    """Whether process ``pid`` of this host runs (on Windows, where signal 0 would not
    probe but terminate, every pid counts as running: age alone decides)."""
    if pid == os.getpid() or sys.platform == "win32":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's process (or an absurd pid): leave it to age
    return True


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically.

    Raises:
        OSError: the directory does not exist or is not writable, the disk is full ...;
            ``path`` is then unchanged and no temporary file is left behind.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    remove_stale_temp_files(directory)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:100]}.{_HOST}-{os.getpid()}.",
                               suffix=TEMP_SUFFIX, dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if target.exists():
            # Keep the permissions the user gave the file (mkstemp makes it 0600).
            os.chmod(tmp, target.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(directory)


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write_bytes`).

    Newlines are written as given (no platform translation).

    Raises:
        OSError: as :func:`atomic_write_bytes`.
    """
    atomic_write_bytes(path, text.encode(encoding))


def _fsync_dir(directory: Path) -> None:
    # Make the rename itself durable; not possible on every platform (Windows).
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        log.debug("could not fsync directory %s: %s", directory, exc)
    finally:
        os.close(fd)
