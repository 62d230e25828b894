"""Bounded text for messages and cells: numbers of any size, elided values and names,
one-line messages.

Every message ParamLab shows (a stderr line, a dialog, a tooltip, a summary cell) may quote
something from a file, and a file can hold anything: a 5,000-digit integer, a list of
300,000 items, a 10,000-character name, a newline, a lone UTF-16 surrogate. These helpers
keep such text short, on one line and encodable, without ever raising:

* :func:`format_number`: ``10¹⁰⁰``, ``about 3.14×10⁴⁰⁰`` for numbers too large to print in full (Python refuses ``str()`` of ints over 4,300
  digits and ``float()`` of ints over ~1.8×10³⁰⁸);
* :func:`elide_value`: ``[0, 0, 0, … (249,997 more)]``;
* :func:`elide_name`: names cut at :data:`NAME_LIMIT` characters with ``…``;
* :func:`one_line`: control characters escaped, lone surrogates escaped, long text cut.
"""
from __future__ import annotations

import math
import re
from typing import Any

#: Largest size (dimension, units, filters ...) any field accepts: Keras's backends index
#: tensors with 32-bit ints (TensorFlow's ``int32`` shapes, XLA), so a larger size cannot
#: be built anyway.
MAX_SIZE = 2**31 - 1
MIN_INT = -(2**31)
#: Largest parameter count a layer may declare (an int64 index).
MAX_COUNT = 2**63 - 1
#: Most axes a tensor may have (TensorFlow's ``TensorShape::MaxDimensions()``).
MAX_RANK = 254
#: Longest layer name, type or id a file may give (the JSON output writes names in full,
#: so this also bounds its lines).
MAX_NAME = 10_000
#: Characters of a name shown in a message or a cell (the JSON output keeps full names).
NAME_LIMIT = 80
#: Characters of a quoted value in a message or a cell.
VALUE_LIMIT = 120
#: Characters of a whole one-line message.
LINE_LIMIT = 1000

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_BIG = 10**15  # ints from here on are written as powers of ten
# C0 and C1 control characters, DEL, line and paragraph separators, lone surrogates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _decimal_exponent(n: int) -> int:
    """floor(log10(n)) of an int n >= 1, exact for any size (no str(), no float())."""
    e = max(int((n.bit_length() - 1) * 0.30102999566398120), 0)
    while 10 ** (e + 1) <= n:
        e += 1
    while e > 0 and 10**e > n:
        e -= 1
    return e


def format_number(value: Any) -> str:
    """A number as a person reads it, whatever its size; never raises.

    Ints below 10¹⁵ in full with thousands separators (``2,147,483,647``); larger ones as a
    power of ten (``10¹⁰⁰``, ``about 3.14×10⁴⁰⁰``). Floats as ``repr`` (``0.001``,
    ``1e+308``), ``inf`` and ``nan`` as such. Anything else: :func:`elide_value`.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return elide_value(value)
    if isinstance(value, float):
        return repr(value)
    sign = "−" if value < 0 else ""
    n = -value if value < 0 else value
    if n < _BIG:
        return f"{sign}{n:,}"
    e = _decimal_exponent(n)
    power = f"10{str(e).translate(_SUPERSCRIPT)}"
    if n == 10**e:
        return sign + power
    lead = n // 10 ** (e - 2)  # the first three digits
    return f"about {sign}{lead // 100}.{lead % 100:02d}×{power}"


def is_finite_number(value: Any) -> bool:
    """True for an int or float that converts to a finite float (not a bool)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -_FLOAT_MAX <= value <= _FLOAT_MAX
    return isinstance(value, float) and math.isfinite(value)


_FLOAT_MAX = int(1.7976931348623157e308)


def elide_name(name: Any, limit: int = NAME_LIMIT) -> str:
    """``name`` cut to ``limit`` characters with ``…`` (the name itself is kept in the
    model and in JSON output; this is for messages and cells)."""
    text = name if isinstance(name, str) else str(name)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def elide_value(value: Any, limit: int = VALUE_LIMIT) -> str:
    """``repr``-like text of a value from a file, at most about ``limit`` characters:
    ``[0, 0, 0, … (249,997 more)]``, ``'aaaa…' (10,000 characters)``; never raises."""
    if isinstance(value, (list, tuple)):
        open_, close = ("[", "]") if isinstance(value, list) else ("(", ")")
        parts: list[str] = []
        used = 0
        for i, item in enumerate(value):
            text = elide_value(item, max(limit // 4, 12))
            if used + len(text) > limit and parts:
                return f"{open_}{', '.join(parts)}, … ({len(value) - i:,} more){close}"
            parts.append(text)
            used += len(text) + 2
        if isinstance(value, tuple) and len(value) == 1:
            return f"({parts[0]},)"
        return open_ + ", ".join(parts) + close
    if isinstance(value, dict):
        items = [f"{elide_value(k, 30)}: {elide_value(v, 40)}" for k, v in
                 _first(value.items(), 4)]
        more = f", … ({len(value) - 4:,} more)" if len(value) > 4 else ""
        text = "{" + ", ".join(items) + more + "}"
        return text if len(text) <= 2 * limit else text[: 2 * limit - 1] + "…}"
    if isinstance(value, str):
        if len(value) > limit:
            return one_line(repr(value[:limit])[:-1] + "…'") + f" ({len(value):,} characters)"
        return one_line(repr(value))
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (int, float)):
        return format_number(value)
    try:
        return one_line(repr(value), limit)
    except Exception:  # a repr that fails must not take the message down with it
        return f"<{type(value).__name__}>"


def _first(items: Any, n: int) -> list[Any]:
    out = []
    for item in items:
        if len(out) == n:
            break
        out.append(item)
    return out


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    return f"\\u{ord(ch):04x}" if ord(ch) > 0xFF else f"\\x{ord(ch):02x}"


def one_line(text: Any, limit: int = LINE_LIMIT) -> str:
    """``text`` as one encodable line: newlines, other control characters and lone
    surrogates escaped (``\\n``, ``\\x1b``, ``\\udcff``), cut to ``limit`` characters
    with `` … (N more characters)``."""
    s = text if isinstance(text, str) else str(text)
    if len(s) > limit:
        s = f"{s[:limit]} … ({len(s) - limit:,} more characters)"
    if s.isprintable():  # no character of _UNSAFE is printable: nothing to escape
        return s
    return _UNSAFE.sub(_escape, s)


def quote_path(path: Any) -> str:
    """A file name for a message: as is, or quoted with escapes when it holds control
    characters or undecodable bytes (``'bad\\nname.json'``)."""
    s = str(path)
    if _UNSAFE.search(s):
        return "'" + one_line(s, 300) + "'"
    return one_line(s, 300)


def find_lone_surrogate(obj: Any, raw: str | None = None) -> str | None:
    """The first string (key or value) in parsed JSON that holds a lone UTF-16 surrogate
    (``"\\ud800"``: valid JSON, but not encodable as UTF-8), quoted for a message; ``None``
    if there is none. ``raw``, the JSON text, lets files without a surrogate escape skip
    the walk."""
    if raw is not None and not _SURROGATE_ESCAPE.search(raw):
        return None
    stack = [obj]
    while stack:
        x = stack.pop()
        if isinstance(x, str):
            if _LONE.search(x):
                return elide_value(x, 60)
        elif isinstance(x, dict):
            stack.extend(x.keys())
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
    return None


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE = re.compile("[\ud800-\udfff]")


def json_value_error(exc: ValueError) -> str:
    """A sentence for a ``ValueError`` from ``json.loads``: Python's limit on the digits of
    an int (``Exceeds the limit (4300 digits)``) becomes a sentence; a ``JSONDecodeError``
    keeps its message and position."""
    text = str(exc)
    if "digits" in text and "limit" in text:
        return ("the file holds a whole number with more than 4,300 digits, far beyond "
                f"any size ParamLab accepts (at most {format_number(MAX_SIZE)})")
    return f"not valid JSON: {one_line(text, 200)}"


def name_too_long(text: str, what: str = "name") -> str | None:
    """Why ``text`` cannot be a layer name (or type, id), or ``None``: longer than
    :data:`MAX_NAME` characters."""
    if len(text) > MAX_NAME:
        return (f"{what} {elide_value(text, 40)} is longer than the {MAX_NAME:,} characters "
                "ParamLab accepts")
    return None
