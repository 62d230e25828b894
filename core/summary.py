"""The model summary: one row per layer plus totals, as Keras's ``model.summary()`` shows it.

Every writer (text, CSV, JSON, Markdown, PNG) and the GUI's summary panel are views of a
:class:`Summary`; none computes a count of its own.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.graph import LayerGraph
from core.propagate import BYTES_PER_PARAM, PropagationResult, propagate
from core.types import Severity, Shape


@dataclass(frozen=True)
class SummaryRow:
    """One layer of the summary.

    Attributes:
        node_id: The layer's id in the graph.
        name, type: Keras's layer name and class name.
        output_shape: Batch axis first as ``None``; ``None`` when unresolved.
        trainable, non_trainable, total: Parameter counts.
        connected_to: Names of the layers feeding it, by input index.
        error: The diagnostic message, or ``None``.
        severity: ``"error"``, ``"unresolved"``, ``"warning"`` or ``None``.
        layer_trainable: The layer's own ``trainable`` flag.
    """

    node_id: str
    name: str
    type: str
    output_shape: Shape | None
    trainable: int
    non_trainable: int
    total: int
    connected_to: tuple[str, ...]
    error: str | None
    severity: str | None
    layer_trainable: bool
    formula: str


@dataclass(frozen=True)
class Summary:
    """All rows, in topological order, and the model's totals."""

    name: str
    rows: tuple[SummaryRow, ...]
    trainable: int
    non_trainable: int

    @property
    def total(self) -> int:
        return self.trainable + self.non_trainable

    @property
    def memory_bytes(self) -> int:
        """Parameter memory at float32, in bytes."""
        return self.total * BYTES_PER_PARAM

    @property
    def has_errors(self) -> bool:
        return any(r.severity in (Severity.ERROR.value, Severity.UNRESOLVED.value)
                   for r in self.rows)


def summarize(graph: LayerGraph, result: PropagationResult | None = None) -> Summary:
    """Build the summary of ``graph`` (propagating it unless ``result`` is given)."""
    if result is None:
        result = propagate(graph)
    rows = []
    for n in result.order:
        d = graph.raw(n)
        r = result.layers[n]
        diag = r.diagnostic
        rows.append(SummaryRow(
            n, d["name"], d["type"], r.output_shape, r.trainable, r.non_trainable, r.total,
            tuple(graph.raw(src)["name"] for src, _ in graph.inputs(n)),
            diag.message if diag else None, diag.severity.value if diag else None,
            d["trainable"], r.formula))
    return Summary(graph.name, tuple(rows), result.trainable, result.non_trainable)


def format_bytes(n: int) -> str:
    """Keras's summary style: ``245.93 KB``, ``527.79 MB``, ``0.00 B`` (1 KB = 1024 B)."""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} GB"  # pragma: no cover
