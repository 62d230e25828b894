"""What the whole model takes and puts out: the tensors ``keras.Model(inputs, outputs)``
takes and returns. One rule for every export (Keras JSON ``input_layers`` /
``output_layers``, Keras code ``inputs=`` / ``outputs=``, PyTorch ``forward``'s arguments and
return) and the project file.

An imported Functional model keeps its declared outputs (the file's ``output_layers``,
resolved to ``(layer id, output index)``) in ``LayerGraph.declared_outputs``: Keras's order,
a layer's second or third tensor (an encoder returning an LSTM's ``state_h``), and a layer
other layers also use. A model without them (built in the editor, a Sequential file, a
project saved before they were kept) puts out every tensor of each layer nothing consumes,
InputLayers and a dangling Embedding mask (``NotEqual``) apart.

Edits never rewrite the declared list. A declared layer that was deleted is left out (and
is back after undo); a declared output its layer no longer has (an LSTM whose
``return_state`` was turned off) is left out. A layer nothing consumes, none of whose
remaining tensors is declared (added after the import, or whose declared state is gone),
puts out all its tensors after the declared ones; a GRU whose state alone is declared does
not also put out its unused sequence. A layer of a nested model whose output the outer
model does not use, and a Keras operation nothing consumes (the ``Any`` or ``LogicalOr`` a
Keras 3 file lists for a mask passed as ``mask=``, which ParamLab does not wire), are no
outputs of a model that declares its own.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paramlab.core.catalogue import is_operation
from paramlab.core.graph import LayerGraph

#: Layer types never put out on their own account (see the module docstring).
NOT_OUTPUTS = ("InputLayer", "NotEqual")


def _count(results: Mapping[str, Any] | None, node_id: str) -> int | None:
    """How many tensors ``node_id`` puts out; ``None`` when it was not computed."""
    r = results.get(node_id) if results is not None else None
    if r is None:
        return None
    return len(r.output_shapes) if r.output_shapes else 1


def model_outputs(graph: LayerGraph,
                  results: Mapping[str, Any] | None = None) -> list[tuple[str, int]]:
    """The model's outputs as ``(layer id, output index)``, in Keras's order (see the module
    docstring). ``results`` maps node id to ``LayerResult``; without it, or for a layer
    that was not computed, a layer nothing consumes puts out its first tensor only and a
    declared output index is kept as declared."""
    outs: list[tuple[str, int]] = []
    seen: set[tuple[str, int]] = set()
    for n, k in graph.declared_outputs:
        count = _count(results, n) if n in graph else 0
        if n in graph and (count is None or k < count) and (n, k) not in seen:
            outs.append((n, k))
            seen.add((n, k))
    declared = {n for n, _ in outs}
    g = graph.nx_graph
    for n in graph.topological_order():
        d = graph.raw(n)
        if (g.out_degree(n) or n in declared or d["type"] in NOT_OUTPUTS
                or (outs and (d.get("group") is not None or is_operation(d["type"])))):
            continue
        outs.extend((n, k) for k in range(_count(results, n) or 1))
    return outs


def model_inputs(graph: LayerGraph) -> list[str]:
    """The model's inputs, ``keras.Model``'s ``inputs``: the InputLayers an imported file
    declares, in its order (``LayerGraph.declared_inputs``; ``Model([b, a], ...)`` takes
    ``b`` first, a dict of named inputs takes them by sorted key), then any other InputLayer
    (added in the editor, or a model that declares none) in topological order. A declared
    InputLayer that was deleted, or whose type changed, is left out."""
    ins: list[str] = []
    for n in graph.declared_inputs:
        if n in graph and graph.raw(n)["type"] == "InputLayer" and n not in ins:
            ins.append(n)
    declared = set(ins)
    ins.extend(n for n in graph.topological_order()
               if n not in declared and graph.raw(n)["type"] == "InputLayer")
    return ins


def dead_operations(graph: LayerGraph, results: Mapping[str, Any] | None = None) -> set[str]:
    """Keras operations whose result reaches no output of the model: the mask computations
    a Keras 3 file lists when a masked tensor meets a merge or a Masking layer (``NotEqual``,
    ``Any``, ``ExpandDims``, ``ZerosLike``, ``Concatenate`` of masks, ``LogicalOr``,
    ``ConvertToTensor``), passed on as ``mask=``, which ParamLab does not wire. The exports
    leave them out: Keras computes masks again by itself, and they hold no weights. Layers
    are never left out, whatever they reach."""
    g = graph.nx_graph
    live = {n for n, _ in model_outputs(graph, results)}
    stack = list(live)
    while stack:  # every ancestor of an output
        for src in g.pred[stack.pop()]:
            if src not in live:
                live.add(src)
                stack.append(src)
    return {n for n in g if n not in live and is_operation(graph.raw(n)["type"])}
