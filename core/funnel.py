"""The one error funnel every ``paramlab`` command runs through.

The contract (README, "Reliability"): a command ends with exit status 0 (done), 1 (the
input could not be read or the output not written), 2 (bad usage) or 3 (the model was read
but some layers have errors; the output is still written). Exit status 1 comes with
exactly ONE line on stderr, ``paramlab: error: ...``: bounded in length, no control
characters, no traceback, and no log line before it.

:func:`guarded` gives every command this contract without the command doing anything:
``core.cli.main`` and ``gui/app.main`` call their dispatch through it, so a command added
to the parser gets it automatically. Commands still catch the errors they can word best
(a file that cannot be read names the file); anything that escapes them is worded here by
:func:`explain`. The editor's *Open* words failures with the same :func:`explain`.
"""
from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import TextIO

from paramlab.core.errors import ParamLabError
from paramlab.core.text import json_value_error, one_line, quote_path

log = logging.getLogger(__name__)

EXIT_FILE = 1
EXIT_INTERRUPTED = 130  # as a shell reports SIGINT
DEBUG_ENV = "PARAMLAB_DEBUG"  # set to 1 to see developer logging (and tracebacks) on stderr


def explain(exc: BaseException) -> str:
    """A sentence for an exception that no reader or writer worded itself; never raises."""
    if isinstance(exc, ParamLabError):
        return one_line(str(exc))
    if isinstance(exc, MemoryError):
        return "not enough memory: the model is too large"
    if isinstance(exc, RecursionError):
        return "the model is nested too deeply to process"
    if isinstance(exc, OverflowError):
        return "a number in the model is too large to compute with"
    if isinstance(exc, UnicodeError):
        return "a name or value holds a character that cannot be written as UTF-8"
    if isinstance(exc, OSError):
        where = f"{quote_path(exc.filename)}: " if exc.filename else ""
        return f"{where}{one_line(exc.strerror or exc, 200)}"
    if isinstance(exc, ValueError) and "digits" in str(exc):
        return json_value_error(exc)
    try:
        text = str(exc)
    except Exception:  # a broken __str__ must not break the message
        text = ""
    return one_line(f"internal error ({type(exc).__name__}{': ' + text if text else ''})", 300)


def quiet_logging() -> None:
    """Keep developer logging off stderr (the one-line contract): library warnings, such as
    the HDF5 reader's crash report, go nowhere unless ``PARAMLAB_DEBUG=1``."""
    logger = logging.getLogger("paramlab")
    if os.environ.get(DEBUG_ENV):
        logging.basicConfig(level=logging.DEBUG)
        return
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        # With a handler on the package logger, Python's last-resort stderr handler stays
        # silent; an application that configures logging (the editor) still gets records.
        logger.addHandler(logging.NullHandler())


def guarded(command: Callable[[], int], stderr: TextIO | None = None,
            prog: str = "paramlab") -> int:
    """Run ``command`` (a command's dispatch, returning its exit status) under the contract.

    Returns:
        The command's status; 1 with one stderr line for any exception that escapes it;
        130 on Ctrl+C.
    """
    quiet_logging()
    try:
        return command()
    except KeyboardInterrupt:
        _line(stderr, f"{prog}: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of stdout went away (``paramlab summary big | head``): not our error.
        _silence_stdout()
        return 0
    except Exception as exc:  # the funnel: whatever escaped, one line
        log.debug("command failed", exc_info=True)
        _line(stderr, f"{prog}: error: {explain(exc)}")
        return EXIT_FILE


def _line(stderr: TextIO | None, text: str) -> None:
    stream = stderr or sys.stderr
    try:
        stream.write(one_line(text) + "\n")
        stream.flush()
    except (OSError, ValueError):  # stderr closed: nothing left to tell
        pass


def _silence_stdout() -> None:
    """Point stdout at devnull so that Python's flush at exit does not complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
