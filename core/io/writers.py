"""Writers of a :class:`core.summary.Summary`: Keras-like text table, CSV, JSON, Markdown.

Each writer is a view: it formats the rows and totals of the summary and never computes a
count. ``format_summary(summary, fmt)`` returns the text; ``write_summary`` writes it to a
file atomically.

Formats:
    ``table``: the box-drawing table of Keras 3's ``model.summary()``
        (``keras/src/utils/summary_utils.py``): 88 columns for a chain, 108 with a
        "Connected to" column otherwise; totals lines ``Total params: 62,958 (245.93 KB)``.
        Layers with errors show ``?`` and are listed under the table.
    ``csv``: RFC 4180 via the stdlib ``csv`` module; header row, one row per layer, a
        ``Total`` row; plain integers (no thousands separators) so a spreadsheet reads
        them as numbers.
    ``json``: exactly ``{"layers": [{"name", "type", "output_shape", "trainable",
        "non_trainable", "total", "error", "note", "macs", "flops", "activation_elements"}],
        "totals": {"trainable", "non_trainable", "total", "batch_size", "macs", "flops",
        "activation_elements", "input_elements", "param_bytes", "activation_bytes",
        "training_bytes"}}``; ``output_shape`` a list with ``null`` for the batch axis, or
        ``null``; a cost is ``null`` when it depends on an unknown length. Costs follow
        cost_conventions.md (see :func:`cost_totals`).
    ``markdown``: a GitHub-flavoured table and the totals.

Cost columns (``core.io.cost_columns``: MACs, FLOPs, activations, memory) come after the
parameter columns when asked for (``columns``): CSV and Markdown show MACs by default, the
table keeps Keras's own columns by default (so it reads as ``model.summary()``). Text formats
with cost columns add the cost totals lines (MACs, FLOPs, activations, training memory).

In the PyTorch convention (``Summary.convention == "pytorch"``) every format adds the buffer
elements: a "Buffers" column (table, CSV, Markdown), a ``"buffers"`` key on each JSON row and
in the JSON totals (plus ``"convention": "pytorch"``), a ``Buffers: ...`` totals line; and
Markdown appends a "Differences from Keras" section, one reconciliation line per layer
counted differently. The Keras convention's output is unchanged.
"""
from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Sequence
from typing import Any

from paramlab.core.budget import DTYPES, training_budget
from paramlab.core.io.atomic import atomic_write_text
from paramlab.core.io.cost_columns import COLUMNS, DEFAULT_COLUMNS, cost_lines
from paramlab.core.pytorch import PYTORCH
from paramlab.core.summary import Summary, SummaryRow, format_bytes
from paramlab.core.text import LINE_LIMIT, NAME_LIMIT, elide_name, one_line

FORMATS = ("table", "csv", "json", "markdown")
#: The formats that never show a row's inputs ("Connected to"): their summary may be made
#: with ``summarize(..., connections=False)``, which skips that work.
WITHOUT_CONNECTIONS = frozenset({"json"})

# Rendered widths (padding included) of Keras 3's default summary columns.
_SEQUENTIAL_WIDTHS = (38, 29, 17)
_GRAPH_WIDTHS = (31, 27, 17, 28)
_BUFFERS_WIDTH = 12
_COST_WIDTH = 17  # as wide as "Param #": "15,470,264,320" fits
CSV_HEADER = ("name", "type", "output_shape", "trainable", "non_trainable", "total",
              "connected_to", "error")


def _cut(text: str, limit: int = NAME_LIMIT) -> str:
    """A name (or message) for a cell: one line, at most ``limit`` characters (``…``). The
    JSON format writes names in full."""
    if type(text) is str and len(text) <= limit <= LINE_LIMIT and text.isprintable():
        return text  # what the line below returns for it, without two calls
    return one_line(elide_name(text, limit))


def _shape_texts(summary: Summary) -> list[str]:
    """Each row's :attr:`SummaryRow.shape_text`, formatted once per distinct shape (a model
    repeats a few shapes many times)."""
    texts: dict[Any, str] = {}
    out = []
    for r in summary.rows:
        key = (r.output_shape, r.output_shapes)
        text = texts.get(key)
        if text is None:
            text = texts[key] = r.shape_text
        out.append(text)
    return out


def join_names(names: tuple[str, ...] | list[str], sep: str, limit: int = 20) -> str:
    """Names joined for one cell: at most ``limit`` of them, then ``… (N more)`` (a layer
    called 100,000 times is connected to 100,000 tensors)."""
    shown = sep.join(_cut(n) for n in names[:limit])
    return shown if len(names) <= limit else f"{shown}{sep}… ({len(names) - limit:,} more)"


# ---------------------------------------------------------------------------- text table
def format_table(summary: Summary, connected_to: bool | None = None,
                 columns: Sequence[str] = (), batch_size: int = 1) -> str:
    """Keras 3's ``model.summary()`` table.

    Args:
        summary: The summary.
        connected_to: Show the "Connected to" column; ``None`` (default) decides as Keras
            does: shown unless the rows form a single chain.
        columns: Cost columns (keys of ``cost_columns.COLUMNS``) after "Param #"; with any,
            the cost totals lines follow the parameter totals.
        batch_size: The batch the costs are for.
    """
    show_conn = (not summary.sequential) if connected_to is None else connected_to
    widths = _GRAPH_WIDTHS if show_conn else _SEQUENTIAL_WIDTHS
    aligns = ("left", "left", "right", "left")[:len(widths)]
    header = ("Layer (type)", "Output Shape", "Param #", "Connected to")[:len(widths)]
    if _torch(summary):  # PyTorch convention: a Buffers column after Param #
        widths = widths[:3] + (_BUFFERS_WIDTH,) + widths[3:]
        aligns = aligns[:3] + ("right",) + aligns[3:]
        header = header[:3] + ("Buffers",) + header[3:]
    at = len(header) - (1 if show_conn else 0)  # cost columns go before "Connected to"
    widths = widths[:at] + (_COST_WIDTH,) * len(columns) + widths[at:]
    aligns = aligns[:at] + ("right",) * len(columns) + aligns[at:]
    header = header[:at] + tuple(COLUMNS[c].title for c in columns) + header[at:]
    out = [f'Model: "{_cut(summary.name)}"']
    out.append(_rule("┏", "━", "┳", "┓", widths))
    out.extend(_cells(header, widths, _line_format(widths, aligns, "┃")))
    out.append(_rule("┡", "━", "╇", "┩", widths))
    between = _rule("├", "─", "┼", "┤", widths)
    row_line = _line_format(widths, aligns, "│")
    torch = _torch(summary)
    cost_columns = [COLUMNS[c] for c in columns]
    for i, (row, shape) in enumerate(zip(summary.rows, _shape_texts(summary))):
        if i:
            out.append(between)
        cells = _table_cells(row, show_conn, torch, shape)
        if cost_columns:
            cells = cells[:at] + tuple(c.text(row, batch_size) for c in cost_columns) \
                + cells[at:]
        out.extend(_cells(cells, widths, row_line))
    out.append(_rule("└", "─", "┴", "┘", widths))
    out.extend(" " + line for line in totals_lines(summary))
    if columns:
        out.extend(" " + line for line in cost_lines(summary, batch_size))
    failed = [r for r in summary.rows if r.error]
    if failed:
        out.append(" Problems:")
        out.extend(f"  {_cut(r.name)} ({_cut(r.type)}) [{r.severity}]: {_cut(r.error, 500)}"
                   for r in failed)
    noted = [r for r in summary.rows if r.note]
    if noted:
        out.append(" Notes:")
        out.extend(f"  {_cut(r.name)} ({_cut(r.type)}): {_cut(r.note, 500)}" for r in noted)
    return "\n".join(out) + "\n"


def totals_lines(summary: Summary) -> list[str]:
    """The totals lines of Keras's summary, without leading space:
    ``Total params: 62,958 (245.93 KB)``, ``Trainable params: ...``, ``Non-trainable ...``;
    plus an ``Incomplete: ...`` line when layers could not be computed."""
    bpp = summary.memory_bytes // summary.total if summary.total else 4
    lines = []
    for label, n in (("Total", summary.total), ("Trainable", summary.trainable),
                     ("Non-trainable", summary.non_trainable)):
        lines.append(f"{label} params: {n:,} ({format_bytes(n * bpp)})")
    if _torch(summary):
        lines.append(f"Buffers: {summary.buffers:,} elements (PyTorch buffers, not parameters)")
    if summary.has_errors:
        bad = sum(1 for r in summary.rows if r.failed)
        lines.append(f"Incomplete: {bad} layer{'s' if bad != 1 else ''} could not be computed")
    return lines


def _torch(summary: Summary) -> bool:
    return summary.convention == PYTORCH


def _table_cells(row: SummaryRow, show_conn: bool, buffers: bool = False,
                 shape_text: str | None = None) -> tuple[str, ...]:
    params = "?" if row.failed and row.total == 0 else f"{row.total:,}"
    cells = [f"{_cut(row.name)} ({_cut(row.type)})",
             row.shape_text if shape_text is None else shape_text, params]
    if buffers:
        cells.append(f"{row.buffers:,}")
    if show_conn:
        cells.append(join_names(row.keras_connected_to, ", ") if row.keras_connected_to else "-")
    return tuple(cells)


def _rule(left: str, fill: str, mid: str, right: str, widths: tuple[int, ...]) -> str:
    return left + mid.join(fill * w for w in widths) + right


def _cells(texts: tuple[str, ...], widths: tuple[int, ...], line: str) -> list[str]:
    """The lines of one table row: each cell's text word-wrapped to its column and laid
    out by ``line`` (:func:`_line_format`)."""
    wrapped = [_wrap(t, w - 2) for t, w in zip(texts, widths)]
    height = max(map(len, wrapped))
    if height == 1:
        return [line.format(*[cell[0] for cell in wrapped])]
    return [line.format(*[cell[i] if i < len(cell) else "" for cell in wrapped])
            for i in range(height)]


def _line_format(widths: tuple[int, ...], aligns: tuple[str, ...], bar: str) -> str:
    """``"│ {:<36} │ {:>15} │"``: a table line as a format string, each cell padded as
    ``str.ljust`` (``rjust`` for ``"right"``) pads it to its column's width less its two
    spaces."""
    cells = [f"{{:{'>' if align == 'right' else '<'}{w - 2}}}" for w, align in zip(widths, aligns)]
    return f"{bar} " + f" {bar} ".join(cells) + f" {bar}"


def _wrap(text: str, width: int) -> list[str]:
    """Word wrap as ``rich`` does it for Keras's table (overflow "ellipsis"): words move
    to the next line whole; a word longer than the line gets a line of its own, cut
    with ``…``."""
    if len(text) <= width and text[:1] != " ":
        return [text]  # what the loop below gives for a text that fits on one line
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        if len(word) > width:
            if line:
                lines.append(line)
            lines.append(word[:width - 1] + "…")
            line = ""
            continue
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= width:
            line += " " + word
        else:
            lines.append(line)
            line = word
    if line or not lines:
        lines.append(line)
    return lines


# ---------------------------------------------------------------------------- CSV
def format_csv(summary: Summary, columns: Sequence[str] = DEFAULT_COLUMNS,
               batch_size: int = 1) -> str:
    """CSV text (``\\r\\n`` line ends, as RFC 4180 and spreadsheets expect).

    Columns: :data:`CSV_HEADER`, with the cost ``columns`` (plain integers, empty when
    unknown; the ``Total`` row holds their sums over the known rows) before
    ``connected_to``. Shapes as Keras prints them (``(None, 28, 28, 8)``),
    "Connected to" as plain names joined by ``"; "``. A text cell that a spreadsheet would
    take for a formula (leading ``=``, ``+``, ``-``, ``@``) is prefixed with ``'``.
    """
    buf = io.StringIO()
    w = csv.writer(buf)
    torch = _torch(summary)
    w.writerow(CSV_HEADER[:6] + (("buffers",) if torch else ()) + tuple(columns)
               + CSV_HEADER[6:])
    sums = dict.fromkeys(columns, 0)
    cost_columns = [(c, COLUMNS[c].value, c.startswith("activation")) for c in columns]
    for r, shape in zip(summary.rows, _shape_texts(summary)):
        costs = []
        for c, column_value, activation in cost_columns:
            value = column_value(r, batch_size)
            if value is not None and not (activation and r.is_input):
                sums[c] += value
            costs.append("" if value is None else value)
        w.writerow((_safe(_cut(r.name)), _safe(_cut(r.type)), shape,
                    r.trainable, r.non_trainable, r.total) + ((r.buffers,) if torch else ())
                   + tuple(costs) + (_safe(join_names(r.connected_to, "; ")),
                                     _safe(_cut(r.error or "", 500))))
    w.writerow(("Total", "", "", summary.trainable, summary.non_trainable, summary.total)
               + ((summary.buffers,) if torch else ()) + tuple(sums.values()) + ("", ""))
    return buf.getvalue()


def _safe(text: str) -> str:
    # CSV injection guard (OWASP): spreadsheets evaluate cells starting with these.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# ---------------------------------------------------------------------------- costs
_ROW_COSTS = ("macs", "flops", "activation_elements")


def _scaled_costs(row: SummaryRow, batch_size: int) -> tuple[int | None, int | None,
                                                             int | None]:
    """The row's :data:`_ROW_COSTS` for a batch of ``batch_size`` (``None``: unknown)."""
    macs, flops, elements = row.macs, row.flops, row.activation_elements
    return (None if macs is None else macs * batch_size,
            None if flops is None else flops * batch_size,
            None if elements is None else elements * batch_size)


def row_costs(row: SummaryRow, batch_size: int = 1) -> dict[str, int | None]:
    """``{"macs", "flops", "activation_elements"}`` of one row for a batch of
    ``batch_size`` (``None``: unknown)."""
    return dict(zip(_ROW_COSTS, _scaled_costs(row, batch_size)))


def cost_totals(summary: Summary, batch_size: int = 1) -> dict[str, int]:
    """The cost totals (cost_conventions.md, float32) for a batch of ``batch_size``:
    ``macs``, ``flops``, ``activation_elements`` (non-input rows), ``input_elements``,
    ``param_bytes`` (parameters · 4, whatever the batch), ``activation_bytes``
    (activation_elements · 4) and ``training_bytes`` (Adam: weights + gradients + 2
    moments + activations + input, :func:`core.budget.training_budget`). Rows whose cost
    is unknown are left out (:attr:`Summary.unknown_cost_rows` counts them)."""
    act, inp = summary.activation_elements, summary.input_elements
    budget = training_budget(summary.total, summary.trainable, act, inp, batch_size)
    return {"batch_size": batch_size, "macs": summary.macs * batch_size,
            "flops": summary.flops * batch_size,
            "activation_elements": act * batch_size, "input_elements": inp * batch_size,
            "param_bytes": summary.memory_bytes,
            "activation_bytes": act * batch_size * DTYPES["float32"][4],
            "training_bytes": budget.total}


# ---------------------------------------------------------------------------- JSON
def summary_to_dict(summary: Summary, batch_size: int = 1) -> dict[str, Any]:
    """The JSON document as Python data (see the module doc), costs for a batch of
    ``batch_size``; in the PyTorch convention each row and the totals also hold
    ``"buffers"``, and the document ``"convention": "pytorch"``."""
    torch = _torch(summary)
    keys = _JSON_ROW_KEYS + (("buffers",) if torch else ())
    data: dict[str, Any] = {
        "layers": [dict(zip(keys, values)) for values in _json_row_values(summary, batch_size)],
        "totals": _json_totals(summary, batch_size),
    }
    return {"convention": PYTORCH, **data} if torch else data


#: The keys of a JSON layer, in order (``"buffers"`` follows in the PyTorch convention).
_JSON_ROW_KEYS = ("name", "type", "output_shape", "trainable", "non_trainable", "total",
                  "error", "note") + _ROW_COSTS


def _json_shape(row: SummaryRow) -> list[Any] | None:
    """``output_shape`` in JSON: a list (``null`` for the batch axis), a list of lists for
    several outputs, or ``None``."""
    if row.output_shape is None:
        return None
    return [list(s) for s in row.output_shapes] if row.output_shapes else list(row.output_shape)


def _json_row_values(summary: Summary, batch_size: int) -> list[tuple[Any, ...]]:
    """Each row's JSON values, in the order of :data:`_JSON_ROW_KEYS` (plus buffers)."""
    torch = _torch(summary)
    out = []
    for r in summary.rows:
        values = (r.name, r.type, _json_shape(r), r.trainable, r.non_trainable, r.total,
                  r.error, r.note) + _scaled_costs(r, batch_size)
        out.append(values + (r.buffers,) if torch else values)
    return out


def _json_totals(summary: Summary, batch_size: int) -> dict[str, Any]:
    totals = {"trainable": summary.trainable, "non_trainable": summary.non_trainable,
              "total": summary.total, **cost_totals(summary, batch_size)}
    if _torch(summary):
        totals["buffers"] = summary.buffers
    return totals


def _row_encoder() -> Callable[[Any], str]:
    """``json.dumps(value, ensure_ascii=False)`` made once: ``json.dumps`` with a non-default
    argument builds a new encoder on every call, which cost more than encoding a row. Same
    text byte for byte (the same C encoder with the same settings)."""
    encoder = json.JSONEncoder(ensure_ascii=False, check_circular=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has the C accelerator
        return encoder.encode
    one_shot = make(None, encoder.default, json.encoder.encode_basestring, None,
                    encoder.key_separator, encoder.item_separator, False, False, True)
    return lambda value: "".join(one_shot(value, 0))


_encode_row = _row_encoder()
# A string as ``json.dumps(text, ensure_ascii=False)`` writes it (the C function that
# encoder calls), so the layer lines below are the encoder's text byte for byte.
_encode_str = json.encoder.encode_basestring


def _layer_rest_format(torch: bool) -> str:
    """The format of a layer line after its name, type and output shape: the counts and
    costs, ``"trainable": %s, ..., "activation_elements": %s}``, which many rows repeat
    (each distinct rest is formatted once). The line's start, the first three keys, is an
    f-string in :func:`_json_layer_lines` (one allocation; a ``%`` format parses its
    template on every row)."""
    keys = _JSON_ROW_KEYS + (("buffers",) if torch else ())
    return ", ".join(f'"{k}": %s' for k in keys[3:]) + "}"


_LAYER_REST = {False: _layer_rest_format(False), True: _layer_rest_format(True)}
if _JSON_ROW_KEYS[:3] != ("name", "type", "output_shape"):  # pragma: no cover - a guard
    raise ImportError("writers._json_layer_lines writes the keys name, type, output_shape")


def _json_layer_lines(summary: Summary, batch_size: int) -> list[str]:
    """One line per layer: ``_encode_row(layer)`` of each layer of :func:`summary_to_dict`,
    indented, written from the rows directly (building a dict per layer and walking it
    with the generic encoder cost several times more). A string goes through the
    encoder's own C function, a number is ``str`` of the int as the encoder writes it, and
    an output shape is encoded once per distinct shape."""
    torch = _torch(summary)
    rest = _LAYER_REST[torch]
    enc = _encode_str
    shapes: dict[Any, str] = {}
    types: dict[str, str] = {}  # a model has a few layer types, each encoded once
    rests: dict[tuple[Any, ...], str] = {}
    lines = []
    for r in summary.rows:
        # A row is a named tuple: its fields by position, in one step (_ROW_FIELDS).
        (_, name, type_, shape, trainable, non_trainable, total, _, error, _, _, _, _, _, _,
         buffers, note, several, macs, elements, _) = r
        if shape is None:
            shape_text = "null"
        else:
            key = several or shape
            shape_text = shapes.get(key)  # type: ignore[assignment]
            if shape_text is None:
                shape_text = shapes[key] = _encode_row(_json_shape(r))
        type_text = types.get(type_)
        if type_text is None:
            type_text = types[type_] = enc(type_)
        if batch_size == 1:
            flops = None  # read below, if this rest is new (it follows from the MACs)
        else:
            macs, flops, elements = _scaled_costs(r, batch_size)
        costs = (trainable, non_trainable, total, error, note, macs, elements, buffers)
        rest_text = rests.get(costs)
        if rest_text is None:
            if batch_size == 1:
                flops = r.flops
            values = (trainable, non_trainable, total,
                      "null" if error is None else enc(error),
                      "null" if note is None else enc(note),
                      "null" if macs is None else macs, "null" if flops is None else flops,
                      "null" if elements is None else elements)
            rest_text = rests[costs] = rest % (values + (buffers,) if torch else values)
        lines.append(f'    {{"name": {enc(name)}, "type": {type_text}, '
                     f'"output_shape": {shape_text}, {rest_text}')
    return lines


# The order of SummaryRow's fields _json_layer_lines unpacks; checked once here, so that a
# change to SummaryRow cannot silently shift a column.
_ROW_FIELDS = ("node_id", "name", "type", "output_shape", "trainable", "non_trainable", "total",
               "connected_to", "error", "severity", "layer_trainable", "source",
               "keras_connected_to", "members", "is_group", "buffers", "note", "output_shapes",
               "macs", "activation_elements", "pytorch")
if SummaryRow._fields != _ROW_FIELDS:  # pragma: no cover - a guard for whoever edits SummaryRow
    raise ImportError(f"writers._json_layer_lines expects SummaryRow fields {_ROW_FIELDS}")


def format_json(summary: Summary, batch_size: int = 1) -> str:
    """:func:`summary_to_dict` as indented JSON text, ending with a newline."""
    # One layer per line: readable in a terminal and in a diff, and still plain JSON.
    layers = ",\n".join(_json_layer_lines(summary, batch_size))
    head = f'  "convention": "{PYTORCH}",\n' if _torch(summary) else ""
    # One join: each + of the long layers text would copy all of it again.
    return "".join(('{\n', head, '  "layers": [\n', layers, "\n" if layers else "",
                    '  ],\n  "totals": ', json.dumps(_json_totals(summary, batch_size)),
                    "\n}\n"))


# ---------------------------------------------------------------------------- Markdown
def format_markdown(summary: Summary, columns: Sequence[str] = DEFAULT_COLUMNS,
                    batch_size: int = 1) -> str:
    """A Markdown table (GitHub flavour) of the rows, then the totals.

    Columns: Layer, Type, Output shape, Trainable, Non-trainable, Total, the cost
    ``columns`` (MACs by default) and "Connected to" when the model is not a chain, and
    "Error" when a layer has one. With cost columns, the cost totals follow the parameter
    totals.
    """
    show_conn = not summary.sequential
    show_err = any(r.error for r in summary.rows)
    head = ["Layer", "Type", "Output shape", "Trainable", "Non-trainable", "Total"]
    align = [":--", ":--", ":--", "--:", "--:", "--:"]
    torch = _torch(summary)
    if torch:
        head.append("Buffers")
        align.append("--:")
    head.extend(COLUMNS[c].title for c in columns)
    align.extend("--:" for _ in columns)
    if show_conn:
        head.append("Connected to")
        align.append(":--")
    if show_err:
        head.append("Error")
        align.append(":--")
    lines = [f"### Model: {_md(_cut(summary.name))}", "", _md_row(head), _md_row(align)]
    for r, shape in zip(summary.rows, _shape_texts(summary)):
        cells = [f"`{_md(_cut(r.name))}`", _md(_cut(r.type)), f"`{shape}`",
                 f"{r.trainable:,}", f"{r.non_trainable:,}", f"{r.total:,}"]
        if torch:
            cells.append(f"{r.buffers:,}")
        cells.extend(COLUMNS[c].text(r, batch_size) for c in columns)
        if show_conn:
            cells.append(_md(join_names(r.connected_to, ", ")) or "-")
        if show_err:
            cells.append(_md(_cut(r.error or "", 500)))
        lines.append(_md_row(cells))
    lines.append("")
    lines.extend(f"- {line}" for line in totals_lines(summary))
    if columns:
        lines.extend(f"- {line}" for line in cost_lines(summary, batch_size))
    if torch:
        lines.extend(_differences(summary))
    return "\n".join(lines) + "\n"


def _differences(summary: Summary) -> list[str]:
    """The "Differences from Keras" section: one line per layer the conventions count
    differently (``SummaryRow.reconciliation``)."""
    rows = [(r, line) for r in summary.rows if (line := r.reconciliation)]  # derived once
    out = ["", "### Differences from Keras", ""]
    if not rows:
        return out + ["Every layer has the same count in Keras and PyTorch."]
    return out + [f"- `{_md(_cut(r.name))}` ({_md(_cut(r.type))}): {_md(line)}"
                  for r, line in rows]


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


# ---------------------------------------------------------------------------- dispatch
FORMATTERS: dict[str, Callable[[Summary], str]] = {
    "table": format_table,
    "csv": format_csv,
    "json": format_json,
    "markdown": format_markdown,
}


def format_summary(summary: Summary, fmt: str, batch_size: int = 1,
                   columns: Sequence[str] | None = None) -> str:
    """The summary in format ``fmt`` (one of :data:`FORMATS`), costs for a batch of
    ``batch_size``; ``columns``: the cost columns of the text formats (``None``: the
    format's default; JSON always has every cost key).

    Raises:
        ValueError: unknown format, or a format that shows each row's inputs ("Connected
            to") given a summary made without them (see :data:`WITHOUT_CONNECTIONS`).
    """
    if fmt == "json":
        return format_json(summary, batch_size)
    if not summary.connections and fmt not in WITHOUT_CONNECTIONS and fmt in FORMATS:
        raise ValueError(f"the {fmt} summary shows each layer's inputs: this summary was "
                         "made without them (summarize(..., connections=True))")
    if fmt == "table":
        return format_table(summary, columns=columns or (), batch_size=batch_size)
    chosen = DEFAULT_COLUMNS if columns is None else columns
    if fmt == "csv":
        return format_csv(summary, chosen, batch_size)
    if fmt == "markdown":
        return format_markdown(summary, chosen, batch_size)
    raise ValueError(f"unknown summary format {fmt!r}; choose one of {', '.join(FORMATS)}")


def write_summary(summary: Summary, fmt: str, path: str | os.PathLike[str],
                  batch_size: int = 1, columns: Sequence[str] | None = None) -> None:
    """Write the summary in format ``fmt`` to ``path`` atomically (UTF-8; CSV with a byte
    order mark so that spreadsheet programs detect the encoding).

    Raises:
        ValueError: unknown format.
        OSError: the file cannot be written (the old file, if any, is unchanged).
    """
    text = format_summary(summary, fmt, batch_size, columns)
    atomic_write_text(path, text, "utf-8-sig" if fmt == "csv" else "utf-8")
