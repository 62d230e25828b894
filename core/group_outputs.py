"""What a collapsed nested model (``LayerGraph.groups``) puts out: its output layer and the
tensors it exposes. One rule for the summary's group row (Keras prints a nested model's
outputs as a list when it has several) and the canvas's output ports of a collapsed group.

The graph keeps a nested model's layers but not its declared ``output_layers``; its outputs
are the tensors of the members whose output leaves the group (Keras's
``Node.output_tensors`` of the model's call, when the enclosing model uses every output).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from paramlab.core.graph import LayerGraph
from paramlab.core.types import Shape


def output_layers(graph: LayerGraph, members: Sequence[str]) -> list[str]:
    """The members whose output leaves the group, in ``members``' (topological) order; the
    last member alone when none does (a nested model that ends the enclosing one)."""
    inside = set(members)
    succ = graph.nx_graph.succ  # consumers by node (summaries read this for every group)
    outs = [n for n in members if not inside.issuperset(succ[n])]
    return outs or list(members[-1:])


def group_output(graph: LayerGraph, members: Sequence[str]) -> str | None:
    """The group's output layer: the last of :func:`output_layers`; ``None`` for no members."""
    outs = output_layers(graph, members)
    return outs[-1] if outs else None


def group_tensors(outputs: Sequence[str], results: Mapping[str, Any] | None
                  ) -> list[tuple[str, int, Shape | None]]:
    """The tensors a group with output layers ``outputs`` (:func:`output_layers`) exposes, as
    ``(member, output index, shape)``: every output tensor of each (an LSTM with
    ``return_state`` gives 3). ``results`` maps node id to ``LayerResult``; the shape is
    ``None`` when unknown, and without ``results`` (before the first propagation) each layer
    gives one tensor."""
    tensors: list[tuple[str, int, Shape | None]] = []
    for n in outputs:
        r = results.get(n) if results else None
        shapes = (r.output_shapes or (r.output_shape,)) if r is not None else (None,)
        tensors += [(n, k, shape) for k, shape in enumerate(shapes)]
    return tensors
