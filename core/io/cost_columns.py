"""Cost columns and cost totals of the text summaries (table, CSV, Markdown).

The columns a user can add with ``paramlab summary --columns`` (and the GUI's *View ▸
Columns*), named as the JSON keys (cost_conventions.md, batch ``B``):

=====================  ==========================================================
``macs``               multiply-accumulates of the row (B samples)
``flops``              2 × MACs
``activation_elements``  elements of the row's outputs (B samples)
``activation_bytes``   activation_elements × 4 (float32)
``param_bytes``        the row's parameters × 4 (float32, any batch)
=====================  ==========================================================

A cost that depends on an unknown length is ``?`` in text and empty in CSV.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from paramlab.core.budget import training_budget
from paramlab.core.summary import Summary, SummaryRow, format_bytes

BYTES_FLOAT32 = 4


@dataclass(frozen=True)
class CostColumn:
    """One optional cost column.

    Attributes:
        key: Its name on the command line, in CSV headers and in JSON.
        title: Its header in the table, in Markdown and in the GUI.
        value: ``(row, batch_size) -> int | None``: the exact figure (``None``: unknown).
        is_bytes: The figure is a memory size (shown as ``245.93 KB`` in text).
    """

    key: str
    title: str
    value: Callable[[SummaryRow, int], int | None]
    is_bytes: bool = False

    def text(self, row: SummaryRow, batch_size: int = 1) -> str:
        """The cell as text: ``470,400``, ``23.00 KB``, or ``?`` when unknown."""
        n = self.value(row, batch_size)
        if n is None:
            return "?"
        return format_bytes(n) if self.is_bytes else f"{n:,}"


def _scaled(n: int | None, batch_size: int, factor: int = 1) -> int | None:
    return None if n is None else n * batch_size * factor


COLUMNS: dict[str, CostColumn] = {c.key: c for c in (
    CostColumn("macs", "MACs", lambda r, b: _scaled(r.macs, b)),
    CostColumn("flops", "FLOPs", lambda r, b: _scaled(r.flops, b)),
    CostColumn("activation_elements", "Activations",
               lambda r, b: _scaled(r.activation_elements, b)),
    CostColumn("activation_bytes", "Activation memory",
               lambda r, b: _scaled(r.activation_elements, b, BYTES_FLOAT32), True),
    CostColumn("param_bytes", "Parameter memory", lambda r, b: r.total * BYTES_FLOAT32, True),
)}
DEFAULT_COLUMNS = ("macs",)  # CSV and Markdown; the table keeps Keras's own columns


def parse_columns(text: str) -> tuple[str, ...]:
    """``"macs,flops"`` -> ``("macs", "flops")``; ``"none"`` or ``""`` -> ``()``.

    Raises:
        ValueError: an unknown column name (the message lists the known ones).
    """
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if names in ((), ("none",)):
        return ()
    for n in names:
        if n not in COLUMNS:
            raise ValueError(f"unknown column {n!r}; choose from {', '.join(COLUMNS)} "
                             "(comma-separated) or none")
    return tuple(dict.fromkeys(names))


def format_si(n: float, unit: str = "") -> str:
    """A count with an SI prefix, 4 significant figures at most: ``15.47 G``, ``470.4 K``,
    ``608``; ``unit`` is appended (``15.47 GMACs``)."""
    value = float(n)
    for prefix, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:.4g} {prefix}{unit}".rstrip()
    return f"{int(value)} {unit}".rstrip() if value == int(value) else f"{value:.4g} {unit}"


def cost_lines(summary: Summary, batch_size: int = 1) -> list[str]:
    """The cost totals under a text summary, without leading space, e.g.
    ``MACs: 849,320 (849.3 K); FLOPs: 1,698,640 (1.699 M)``,
    ``Activations: 10,454 elements (40.84 KB); input 3,072 elements (12.00 KB)``,
    ``Training memory (estimate: Adam, float32, weights + gradients + moments +
    activations): 1.01 MB``; ``at batch B`` when ``batch_size`` > 1; and a line naming how
    many layers the costs leave out when some are unknown."""
    b = batch_size
    at = f" at batch {b}" if b > 1 else ""
    macs, flops = summary.macs * b, summary.flops * b
    act, inp = summary.activation_elements * b, summary.input_elements * b
    budget = training_budget(summary.total, summary.trainable, summary.activation_elements,
                             summary.input_elements, b)
    lines = [f"MACs{at}: {macs:,} ({format_si(macs)}); FLOPs: {flops:,} ({format_si(flops)})",
             (f"Activations{at}: {act:,} elements ({format_bytes(act * BYTES_FLOAT32)}); "
              f"input {inp:,} elements ({format_bytes(inp * BYTES_FLOAT32)})"),
             (f"Training memory{at} (estimate: Adam, float32, weights + gradients + moments + "
              f"activations): {format_bytes(budget.total)}")]
    unknown = summary.unknown_cost_rows
    if unknown:
        lines.append(f"Costs leave out {unknown} layer{'s' if unknown != 1 else ''} whose "
                     "size is unknown")
    return lines


def column_titles(columns: Sequence[str]) -> list[str]:
    return [COLUMNS[c].title for c in columns]
