"""The rows an exercise can hide, by name: the summary's rows (a nested model is one row,
as Keras prints it) plus the layers inside each nested model, so that an instructor can hide
either the whole ``vgg16`` row or one of its layers."""
from __future__ import annotations

from paramlab.core.graph import LayerGraph
from paramlab.core.propagate import PropagationResult
from paramlab.core.summary import SummaryRow, summarize


def row_table(graph: LayerGraph, result: PropagationResult) -> dict[str, SummaryRow]:
    """Row name -> :class:`SummaryRow`, in display order: each collapsed nested model's row
    is followed by its layers' rows."""
    collapsed = summarize(graph, result)
    out: dict[str, SummaryRow] = {}
    expanded: dict[str, SummaryRow] | None = None
    for r in collapsed.rows:
        out[r.name] = r
        if r.is_group:
            if expanded is None:
                expanded = {x.node_id: x for x in summarize(graph, result, True).rows}
            for m in r.members:
                inner = expanded.get(m)
                if inner is not None and inner.name not in out:
                    out[inner.name] = inner
    return out
