"""The cost chart: one bar per layer of a model's parameters, MACs or activation memory.

Drawn with matplotlib's object API (``matplotlib.figure.Figure``, no ``pyplot`` state), so the
same code draws the headless PNG/SVG of ``paramlab chart`` (Agg, no Qt) and the GUI's
*View ▸ Cost Chart* dock (the Figure inside a ``FigureCanvasQTAgg``). matplotlib is imported
only when a chart is drawn, so neither the command line nor the editor pays for it at start.

Bars are the rows of a :class:`core.summary.Summary` (a nested model is one bar, a shared
layer one bar for all its calls), without the InputLayer rows; figures follow
cost_conventions.md at batch 1: ``params`` = the row's parameters, ``macs`` = its MACs,
``activations`` = its output elements × 4 bytes (float32). A cost that is unknown (an unknown
length) is drawn as 0 and counted in :attr:`Bars.unknown`.
"""
from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paramlab.core.io.atomic import atomic_write_bytes
from paramlab.core.summary import Summary, SummaryRow

BYTES_FLOAT32 = 4
# metric -> (axis label, short name, value of one row or None when unknown)
METRICS: dict[str, tuple[str, str, Callable[[SummaryRow], int | None]]] = {
    "params": ("Parameters", "parameters", lambda r: r.total),
    "macs": ("MACs (batch 1)", "MACs", lambda r: r.macs),
    "activations": ("Activation memory (bytes)", "activation memory",
                    lambda r: None if r.activation_elements is None
                    else r.activation_elements * BYTES_FLOAT32),
}
ORDERS = ("model", "sorted")
FORMATS = (".png", ".svg")
MAX_LABELLED_BARS = 60  # more bars than this: layer names would overlap; use positions
BAR_COLOR = "#4c72b0"
SELECTED_COLOR = "#dd8452"


@dataclass(frozen=True)
class Bars:
    """What a chart shows: one bar per row, in the chosen order.

    Attributes:
        metric: A key of :data:`METRICS`.
        names: Each bar's layer name.
        node_ids: Each bar's node id (the row's ``node_id``: click-to-select in the GUI).
        values: Each bar's figure (0 when unknown).
        title: The chart's title (model name, metric, total).
        unknown: How many bars have an unknown figure.
    """

    metric: str
    names: tuple[str, ...]
    node_ids: tuple[str, ...]
    values: tuple[int, ...]
    title: str
    unknown: int = 0

    def tallest(self) -> str | None:
        """Name of the bar with the largest value (the first of equals), or ``None``."""
        if not self.values:
            return None
        return self.names[max(range(len(self.values)), key=lambda i: (self.values[i], -i))]


def chart_bars(summary: Summary, metric: str = "params", order: str = "model") -> Bars:
    """The bars of ``summary`` for ``metric``, in model order or sorted (largest first).

    Raises:
        ValueError: an unknown metric or order.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    if order not in ORDERS:
        raise ValueError(f"unknown order {order!r}; choose one of {', '.join(ORDERS)}")
    _, what, value = METRICS[metric]
    rows = [r for r in summary.rows if not r.is_input]
    figures = [value(r) for r in rows]
    bars = list(zip((r.name for r in rows), (r.node_id for r in rows),
                    (0 if v is None else v for v in figures)))
    if order == "sorted":
        bars.sort(key=lambda b: -b[2])
    total = sum(b[2] for b in bars)
    total_text = f"{total:,} bytes" if metric == "activations" else f"{total:,}"
    return Bars(metric, tuple(b[0] for b in bars), tuple(b[1] for b in bars),
                tuple(b[2] for b in bars), f"{summary.name}: {what} per layer (total "
                f"{total_text})", sum(1 for v in figures if v is None))


def draw_chart(figure: Any, bars: Bars, log: bool = False, selected: str | None = None) -> Any:
    """Draw ``bars`` on ``figure`` (a ``matplotlib.figure.Figure``), replacing what it had.

    Each bar artist gets ``gid`` = its node id and is pickable, so a GUI can map a click to
    a layer. ``selected`` (a node id) is drawn in another colour. Returns the Axes.
    """
    from matplotlib.ticker import EngFormatter

    figure.clear()
    ax = figure.add_subplot()
    positions = range(len(bars.values))
    colors = [SELECTED_COLOR if n == selected else BAR_COLOR for n in bars.node_ids]
    container = ax.bar(positions, bars.values, color=colors, width=0.8)
    for patch, node_id in zip(container.patches, bars.node_ids):
        patch.set_gid(node_id)
        patch.set_picker(True)
    label = METRICS[bars.metric][0]
    positive = [v for v in bars.values if v > 0]
    if log and positive:
        # "clip": a bar from 0 starts at the axis bottom instead of vanishing
        ax.set_yscale("log", nonpositive="clip")
        ax.set_ylim(bottom=min(positive) / 2)
        label += ", log scale"
    else:
        ax.yaxis.set_major_formatter(EngFormatter(sep=" "))
    ax.set_ylabel(label)
    ax.set_title(bars.title, fontsize=10)
    if len(bars.values) <= MAX_LABELLED_BARS:
        ax.set_xticks(list(positions), bars.names, rotation=60, ha="right", fontsize=8)
        ax.set_xlabel("")
    else:
        ax.set_xlabel(f"layer ({len(bars.values)} bars; hover or click for names)")
    ax.set_xlim(-0.6, max(len(bars.values), 1) - 0.4)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    if bars.unknown:
        ax.text(0.99, 0.98, f"{bars.unknown} layer(s) of unknown size drawn as 0",
                transform=ax.transAxes, ha="right", va="top", fontsize=8)
    figure.tight_layout()
    return ax


def chart_bytes(bars: Bars, fmt: str, log: bool = False, size: tuple[float, float] = (10, 5),
                dpi: int = 120) -> bytes:
    """The chart as PNG or SVG bytes (``fmt``: ``"png"`` or ``"svg"``), drawn with Agg."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, dpi=dpi)
    FigureCanvasAgg(figure)
    draw_chart(figure, bars, log)
    buf = io.BytesIO()
    figure.savefig(buf, format=fmt)
    return buf.getvalue()


def write_chart(bars: Bars, path: str | os.PathLike[str], log: bool = False) -> None:
    """Write the chart to ``path`` atomically, PNG or SVG by its suffix.

    Raises:
        ValueError: the suffix is neither ``.png`` nor ``.svg``.
        OSError: the file cannot be written (an old file is left unchanged).
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: the chart is written as .png or .svg, not "
                         f"{suffix or 'a file without a suffix'}")
    atomic_write_bytes(path, chart_bytes(bars, suffix[1:], log))
