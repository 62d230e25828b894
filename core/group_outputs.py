"""What a collapsed nested model (``LayerGraph.groups``) puts out: the tensors it exposes.
One rule for the summary's group row (Keras prints a nested model's outputs as a list when
it has several, and "Connected to" names them ``model[call][tensor]``) and the canvas's
output ports of a collapsed group.

An imported nested model keeps its declared outputs (the model's ``output_layers``, one list
per call, resolved to ``[member id, output index]``) in ``groups[name]["outputs"]``: Keras's
order, and outputs no outer layer uses, as Keras shows them. A group without them (a project
saved before they were kept), or whose declared outputs were all deleted, exposes every
output of each member whose output leaves the group. A declared output its layer no longer
has (an LSTM whose ``return_state`` was turned off) is left out. A member output that leaves the group
without being declared (wired after the import) is exposed after the declared ones.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from paramlab.core.graph import LayerGraph
from paramlab.core.types import Shape


class GroupTensor(NamedTuple):
    """One tensor a nested model exposes.

    Attributes:
        call: Which call of the nested model puts it out (Keras's node index, 0 first).
        position: Its index among that call's outputs (Keras's tensor index).
        member: The member layer that computes it (node id).
        output: Which output of that layer it is (0 for the first).
        shape: Its shape, batch axis ``None`` first; ``None`` when not known.
    """

    call: int
    position: int
    member: str
    output: int
    shape: Shape | None


def output_layers(graph: LayerGraph, members: Sequence[str]) -> list[str]:
    """The members whose output leaves the group, in ``members``' (topological) order; the
    last member alone when none does (a nested model that ends the enclosing one)."""
    inside = set(members)
    succ = graph.nx_graph.succ  # consumers by node (summaries read this for every group)
    outs = [n for n in members if not inside.issuperset(succ[n])]
    return outs or list(members[-1:])


def _shapes_of(r: Any) -> tuple[Shape | None, ...]:
    return (r.output_shapes or (r.output_shape,)) if r is not None else (None,)


_GONE = object()  # an output its layer does not have (an LSTM whose return_state was unset)


def _tensor_shape(r: Any, k: int) -> Any:
    """The shape of output ``k`` of a layer with result ``r``: ``None`` when unknown (no
    result yet), ``_GONE`` when the computed layer has no such output."""
    if r is None:
        return None
    shapes = _shapes_of(r)
    return shapes[k] if k < len(shapes) else _GONE


def _declared(meta: Mapping[str, Any], inside: set[str]) -> list[list[tuple[str, int]]]:
    """The declared outputs still in the group, per call (``[]`` when none are)."""
    declared = meta.get("outputs")
    if not isinstance(declared, list):
        return []
    calls = []
    for call in declared:
        refs = [(ref[0], ref[1]) for ref in call if isinstance(ref, (list, tuple))
                and len(ref) == 2 and ref[0] in inside and type(ref[1]) is int
                and ref[1] >= 0] if isinstance(call, list) else []
        calls.append(refs)
    return calls if any(calls) else []


def group_tensors(graph: LayerGraph, group: str, members: Sequence[str],
                  results: Mapping[str, Any] | None = None) -> list[GroupTensor]:
    """The tensors the nested model ``group`` (layers ``members``, in topological order)
    exposes, in Keras's order: its declared outputs, call by call, then any member output
    used outside without being declared. ``results`` maps node id to ``LayerResult``;
    without it (before the first propagation) shapes are ``None`` and an undeclared output
    layer gives one tensor."""
    inside = set(members)
    get = results.get if results else (lambda _n: None)
    tensors: list[GroupTensor] = []
    calls = _declared(graph.groups.get(group, {}), inside)
    for c, refs in enumerate(calls):
        p = 0
        for n, k in refs:
            shape = _tensor_shape(get(n), k)
            if shape is not _GONE:
                tensors.append(GroupTensor(c, p, n, k, shape))
                p += 1
    if not tensors:
        for n in output_layers(graph, members):
            for k, shape in enumerate(_shapes_of(get(n))):
                tensors.append(GroupTensor(0, len(tensors), n, k, shape))
        return tensors
    known = {(t.member, t.output) for t in tensors}
    last = tensors[-1].call
    position = tensors[-1].position + 1
    succ = graph.nx_graph.succ
    for n in members:
        used = sorted({attrs.get("output", 0) for v, keys in succ[n].items()
                       if v not in inside for attrs in keys.values()})
        for k in used:
            shape = _tensor_shape(get(n), k) if (n, k) not in known else _GONE
            if shape is not _GONE:
                tensors.append(GroupTensor(last, position, n, k, shape))
                position += 1
    return tensors


def tensor_positions(tensors: Sequence[GroupTensor]) -> dict[tuple[str, int], tuple[int, int]]:
    """``(member, output) -> (call, position)`` of each of ``tensors``: how Keras's
    "Connected to" names a tensor of the nested model (``model[call][position]``)."""
    return {(t.member, t.output): (t.call, t.position) for t in tensors}
