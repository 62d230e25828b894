"""Export a graph as one readable PyTorch ``nn.Module`` (Python source).

The module is built from the catalogue's ``torch`` rules (``core/catalogue/pytorch_rules.py``):
``__init__`` creates, per layer that owns weights or a module, the ``torch.nn`` module the
rule names, as an attribute named after the Keras layer (``conv2d_1``); ``forward`` calls
them in the graph's topological order, so branches, merges and shared layers (one attribute
called once per call) follow the graph. Its parameter, trainable and buffer counts are the
ones ParamLab shows in the PyTorch convention (the same rule gives both).

Layout: every tensor of rank 3 or more is held channels-first, as PyTorch expects:
``forward`` takes and returns ``(N, C, *spatial)`` where Keras has ``(N, *spatial, C)``
(sequences ``(N, features, steps)``); rank-2 tensors are the same in both. Operations that
work on Keras's last axis (Dense on sequences, LayerNormalization, the recurrent layers,
Reshape, Flatten) move the channels last around the call; Flatten after a convolution does
so to keep Keras's element order, so a Dense after it sees the features in the same order.
Keras's asymmetric ``padding="same"`` (stride > 1) and ``"causal"`` become an explicit
``nn.functional.pad``.

``data_format="channels_first"`` layers: a Keras channels_first tensor ``(N, C, *spatial)``
is already PyTorch's layout, so such a layer takes its inputs of rank 3 or more in Keras's
own order (``.movedim(1, -1)`` undoes the move above) and holds its output so; that is the
channels-first form of the channels-last tensor its rules see (propagation hands them
channels-last shapes, ``core.shapes.to_channels_last``), so the same code serves both once
the shapes are read channels-last. BatchNormalization and GroupNormalization over axis 1
of a tensor with spatial axes (a channels_first model's channels; ``norm_channel_axis`` in
``pytorch_rules``) run in Keras's order too: nn.BatchNormNd and nn.GroupNorm normalise
dim 1. Every other layer takes Keras's last axis at 1 as above (``.movedim(-1, 1)`` on such
a tensor), which also keeps its ``axis`` fields right; layers that are the identity at
inference or act element by element (Add, ReLU, ...) and Concatenate (on Keras's axis,
``dim=1`` for a channels_first model's channels) keep the order they are given when their
inputs agree. A model input that only layers running in Keras's order read is taken so, and
an output such a layer holds is returned so: ``PyTorchExport.keras_order`` and the file's
header name them, all of them ``(N, C, *spatial)`` as Keras has them.
Flatten(data_format="channels_first") moves the channels last before flattening, as Keras
does; a layer's softmax activation runs over Keras's last axis (``dim=-1`` in Keras's
order).

Layers with several outputs: a recurrent layer (SimpleRNN, LSTM, GRU, CuDNNLSTM/GRU, an RNN
over equal cells) or a Bidirectional with ``return_state`` calls its module once and gives
each of Keras's states its own variable (``lstm_h, lstm_c = lstm_h_n[0], lstm_c_n[0]``; see
``_Writer._states``); a Bidirectional with ``merge_mode=None`` gives its forward and backward
outputs a variable each (the halves of the bidirectional module's output, or each direction's
loop), before its states; MultiHeadAttention with ``return_attention_scores`` gives its scores
``(N, heads, Tq, Tk)`` from ``need_weights=True, average_attn_weights=False``, held as every
tensor of rank 3 or more (Keras's last axis at 1). A consumer reads the output its edge names
(``LayerGraph.output_index``); the states are rank 2, the same in every layout. A placeholder
with several outputs is unpacked into as many variables; another layer type with several
outputs is a placeholder.

Recurrent layers nn.RNN / nn.LSTM / nn.GRU cannot run (``pytorch_rules.loop_parts``:
activations other than tanh / sigmoid, such as Keras 2's default
``recurrent_activation="hard_sigmoid"``; ``GRU(reset_after=False)``), also inside a
Bidirectional or as an RNN over one such cell, run as a loop over the time steps: the file
defines ``KerasLSTM`` / ``KerasGRU`` / ``KerasSimpleRNN`` (those it uses), holding Keras's own
``kernel``, ``recurrent_kernel`` and ``bias`` (Keras's count, which the PyTorch convention
keeps for these layers) and applying the layer's activations (``activation_source``; Keras
3's hard_sigmoid is ``nn.functional.hardsigmoid``), and ``_Writer._loop`` calls them as Keras
does (go_backwards, return_sequences, states, the merge of both directions); the header
names them.

A Bidirectional runs each layer as Keras does: the forward layer over x, the backward one over
x reversed, its sequence flipped back into time order. When the forward layer has
``go_backwards=True`` (its backward layer then runs forwards: tf.keras 2's copy of it, or a
given ``backward_layer``), each layer runs the other way, and Keras still flips the backward
layer's sequence: the bidirectional module runs on ``x.flip(1)``, the loops each on the
sequence their layer reads. Layers going the same way, which Keras refuses, are a placeholder.

TimeDistributed runs the wrapped layer's own module (one set of weights for every step) as
Keras does, on the time folded into the batch: ``x.movedim(2, 1).flatten(0, 1)`` takes the
held ``(N, C, T, ...)`` to ``(N·T, C, ...)``, the wrapped layer's forward code runs on it
(in Keras's order for a channels_first layer) and ``unflatten(0, (N, T)).movedim(1, 2)``
holds the result as any other tensor; over Dense, nn.Linear on the last axis needs no
folding. EinsumDense has no torch.nn module: the file defines ``KerasEinsumDense``, holding
Keras's own ``kernel`` and ``bias`` (Keras's count, which the PyTorch convention keeps) and
calling ``torch.einsum`` with Keras's equation on the tensor in Keras's order; the header
names those layers. MultiHeadAttention that nn.MultiheadAttention cannot hold (value_dim !=
key_dim, heads·key_dim != the query's features, an output_shape, attention axes, a gate) is
the file's ``KerasMultiHeadAttention``: Keras's own projection kernels and biases (Keras's
count, which the convention keeps) and Keras's attention on the tensors in Keras's order,
the scores as a second output with ``return_attention_scores`` (default axes only).

Frozen layers (``trainable=False``, or inside a frozen nested model) get
``requires_grad_(False)``; a parameter a rule keeps fixed (BatchNorm's bias with
``center=False``) too. A layer with no PyTorch equivalent becomes a ``NoPyTorchEquivalent``
placeholder whose ``forward`` raises ``NotImplementedError`` naming the layer; the export
returns those layers so the CLI and the GUI can report them. The file states the ParamLab
version and the source model, imports only ``torch``, and never contains code from the model
file (names are sanitised into identifiers; strings are ``repr`` literals).
"""
from __future__ import annotations

import keyword
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from paramlab.core.catalogue import get_spec
from paramlab.core.catalogue.image import IDENTITY_AT_INFERENCE
from paramlab.core.catalogue.pytorch_rules import (
    activation_source,
    bidirectional_directions,
    loop_parts,
    norm_channel_axis,
    torch_dim,
)
from paramlab.core.graph import LayerGraph
from paramlab.core.io.keras_json_export import call_map
from paramlab.core.model_outputs import dead_operations, model_inputs, model_outputs
from paramlab.core.propagate import PropagationResult, propagate
from paramlab.core.pytorch import TorchMapping, TorchModule
from paramlab.core.shapes import conv_output_length, rules_see_channels_last, to_channels_last
from paramlab.core.summary import layer_counts
from paramlab.core.types import Shape

PLACEHOLDER = "NoPyTorchEquivalent"
# Layers whose further outputs (return_state's states, attention scores) the export writes.
_MULTI_OUTPUT = frozenset({"SimpleRNN", "LSTM", "GRU", "RNN", "CuDNNLSTM", "CuDNNGRU",
                           "Bidirectional", "MultiHeadAttention"})
# Attribute names an nn.Module already uses (a layer called "forward" gets "forward_").
_RESERVED = frozenset({
    "forward", "training", "parameters", "buffers", "children", "modules", "train", "eval",
    "to", "cuda", "cpu", "type", "float", "double", "half", "bfloat16", "apply", "state_dict",
    "load_state_dict", "zero_grad", "register_buffer", "register_parameter", "add_module",
    "register_module", "get_submodule", "get_parameter", "get_buffer", "named_modules",
    "named_parameters", "named_buffers", "named_children", "requires_grad_", "extra_repr",
    "share_memory", "compile", "dump_patches", "call_super_init", "xpu", "ipu", "mtia",
    "torch", "nn", "self", "super", "x", "inputs", "outputs"})
_BINARY = {"Add": "+", "Subtract": "-", "Multiply": "*", "ops.Add": "+", "ops.Subtract": "-",
           "ops.Multiply": "*", "NotEqual": "!=", "Equal": "==", "Greater": ">",
           "GreaterEqual": ">=", "Less": "<", "LessEqual": "<=", "TrueDivide": "/",
           "Power": "**"}


@dataclass(frozen=True)
class Unsupported:
    """A layer exported as a placeholder: its name, type and why."""

    name: str
    type: str
    reason: str


@dataclass(frozen=True)
class PyTorchExport:
    """The exported source and what it could not translate.

    Attributes:
        source: Python source of the module (imports only ``torch``).
        class_name: Name of the ``nn.Module`` subclass it defines.
        unsupported: Layers exported as ``NoPyTorchEquivalent`` placeholders.
        keras_order: Names of the model's inputs and outputs (rank 3 or more) that
            ``forward`` takes or returns in Keras's own axis order, as the
            channels_first layers (or normalisations over axis 1) they feed or come from
            hold them (already ``(N, C, *spatial)``); the others are Keras's tensors with
            the last axis moved to 1.
    """

    source: str
    class_name: str
    unsupported: tuple[Unsupported, ...] = field(default=())
    keras_order: tuple[str, ...] = field(default=())


class _Unsupported(Exception):
    """A layer the forward code cannot express (its reason goes to the placeholder)."""


@dataclass(frozen=True)
class _Step:
    """The layer a TimeDistributed wraps, as ``_Writer._forward`` runs it on one time step
    (the time folded into the batch): its resolved config, its input and output shapes as
    its rules see them (channels-last) and whether it is ``data_format="channels_first"``
    (its tensors then in Keras's own order)."""

    config: dict[str, Any]
    input_shapes: tuple[Shape, ...]
    output_shape: Shape
    channels_first: bool


def to_pytorch_code(graph: LayerGraph, result: PropagationResult | None = None,
                    source: str | None = None, version: str | None = None) -> PyTorchExport:
    """PyTorch source (one ``nn.Module``) equivalent to ``graph``.

    Args:
        graph: The model.
        result: Its propagation result, if already computed.
        source: The model file or example it came from, for the header.
        version: ParamLab's version for the header (default: the installed one).

    Returns:
        The :class:`PyTorchExport`; ``unsupported`` lists the placeholder layers.
    """
    if result is None:
        result = propagate(graph)
    if version is None:
        from paramlab import __version__ as version
    return _Writer(graph, result).write(source or graph.name, str(version))


class _Writer:
    def __init__(self, graph: LayerGraph, result: PropagationResult) -> None:
        self.g = graph
        self.result = result
        self.calls = call_map(graph)
        self.used: set[str] = set(_RESERVED)  # attribute names
        self.locals: set[str] = {"self", "torch", "nn", "super"}  # forward's variables
        self.attr: dict[str, str] = {}  # owner id -> attribute name
        self.var: dict[str, str] = {}  # node id -> forward variable of its output
        # (node id, output index >= 1) -> forward variable of that output (return_state's
        # states, MultiHeadAttention's scores); output 0 is ``var``
        self.extra: dict[tuple[str, int], str] = {}
        # node id -> how forward holds its output if of rank >= 3: "cl" (Keras's last axis
        # moved to 1) or "keras" (Keras's own order, for channels_first layers)
        self.layout: dict[str, str] = {}
        self.init: list[str] = []
        self.body: list[str] = []
        self.unsupported: list[Unsupported] = []
        self.loops: set[str] = set()  # the Keras* loop classes the file needs
        self.looped: list[str] = []  # the layers run by them
        self.hard_sigmoid = False  # whether one of them uses hard_sigmoid
        self.own: set[str] = set()  # the file's classes for layers torch.nn lacks
        self.einsums: list[str] = []  # the layers KerasEinsumDense runs
        self.attentions: list[str] = []  # the layers KerasMultiHeadAttention runs

    # ------------------------------------------------------------------ driver
    def write(self, source: str, version: str) -> PyTorchExport:
        g, result = self.g, self.result
        args = []
        for n in model_inputs(g):
            self.var[n] = self._name(g.raw(n)["name"], self.locals)
            args.append(self.var[n])
            # an input only layers running in Keras's order read is taken so
            consumers = [dst for dst, _ in g.outputs(n)]
            keep = bool(consumers) and all(self._runs_in_keras_order(c) for c in consumers)
            self._set_layout(n, "keras" if keep else "cl")
        dead = dead_operations(g, result.layers)
        for n in result.order:
            d = g.raw(n)
            if d["type"] == "InputLayer" or n in dead:
                continue
            self._layer(n)
        # the model's outputs in Keras's order; a layer's further outputs are held "cl"
        model_outs = [(n, k) for n, k in model_outputs(g, result.layers) if n in self.var]
        outs = [self.var[n] if k == 0 else self.extra.get((n, k), self.var[n])
                for n, k in model_outs]
        keras_order = tuple(g.raw(n)["name"] for n in model_inputs(g)
                            + [n for n, k in model_outs if k == 0]
                            if n in self.var and self._held_as_keras(n))
        cls = _class_name(g.name)
        totals = [layer_counts(g, n, r, True) for n, r in result.layers.items()]
        trainable = sum(t for t, _, _ in totals)
        frozen = sum(nt for _, nt, _ in totals)
        buffers = sum(b for _, _, b in totals)
        header = [
            f"# PyTorch module for the model {g.name!r}, exported by ParamLab {version}",
            f"# from {_comment(source)}.",
            f"# ParamLab's PyTorch convention: {trainable + frozen:,} parameters "
            f"({trainable:,} trainable, {frozen:,} frozen) and {buffers:,} buffer elements.",
            "# Inputs and outputs are channels-first (N, C, *spatial); sequences are",
            "# (N, features, steps). Keras's own layout is channels-last.",
        ]
        if keras_order:
            header.append("# Taken or returned in Keras's own order, as channels_first layers "
                          "hold them")
            header.append(f"# (already (N, C, *spatial)): {_comment(', '.join(keras_order))}.")
        if self.looped:
            header.append("# Recurrent layers nn.LSTM / nn.GRU / nn.RNN cannot run, looped over the "
                          "steps with")
            header.append("# Keras's own tensors and activations: "
                          f"{_comment(', '.join(self.looped))}.")
        if self.hard_sigmoid:
            header.append("# hard_sigmoid is Keras 3's, relu6(x + 3) / 6; tf.keras 2 computed "
                          "clip(0.2 * x + 0.5, 0, 1).")
        if self.einsums:
            header.append("# EinsumDense has no torch.nn module: KerasEinsumDense holds Keras's "
                          "kernel and bias and")
            names = _comment(", ".join(self.einsums))
            header.append(f"# calls torch.einsum with its equation: {names}.")
        if self.attentions:
            header.append("# MultiHeadAttention nn.MultiheadAttention cannot hold: "
                          "KerasMultiHeadAttention holds Keras's")
            names = _comment(", ".join(self.attentions))
            header.append(f"# projection kernels and biases and runs Keras's attention: {names}.")
        if self.unsupported:
            header.append("# Layers with no PyTorch equivalent (placeholders that raise "
                          "NotImplementedError):")
            header += [f"#   {u.name} ({u.type}): {_comment(u.reason)}" for u in self.unsupported]
        lines = header + ["import torch", "from torch import nn", "", ""]
        for kind in ("SimpleRNN", "LSTM", "GRU"):
            if kind in self.loops:
                lines += _LOOP_CLASSES[kind] + ["", ""]
        if "EinsumDense" in self.own:
            lines += _EINSUM_CLASS + ["", ""]
        if "MultiHeadAttention" in self.own:
            lines += _MHA_CLASS + ["", ""]
        if self.unsupported:
            lines += _PLACEHOLDER_CLASS + ["", ""]
        lines += [f"class {cls}(nn.Module):",
                  f'    """Keras model {g.name!r} as a PyTorch module (exported by ParamLab)."""',
                  "",
                  "    def __init__(self) -> None:",
                  "        super().__init__()"]
        lines += ["        " + x for x in self.init]
        lines += ["", f"    def forward(self, {', '.join(args)}):"]
        lines += ["        " + x for x in self.body]
        ret = outs[0] if len(outs) == 1 else f"({', '.join(outs)})"
        lines += [f"        return {ret}", "", "",
                  'if __name__ == "__main__":',
                  f"    model = {cls}()",
                  "    print(model)",
                  '    print("parameters:", sum(p.numel() for p in model.parameters()))',
                  ""]
        return PyTorchExport("\n".join(lines), cls, tuple(self.unsupported), keras_order)

    # ------------------------------------------------------------------ one layer
    def _layer(self, n: str) -> None:
        g = self.g
        d = g.raw(n)
        r = self.result.layers[n]
        owner, k = self.calls[n]
        out = self._name(d["name"], self.locals)
        self.var[n] = out
        if r.output_shape is None:
            self.layout[n] = "cl"
            self.body.append(f"{out} = None  # {_comment(d['name'])}: not computed in ParamLab")
            return
        tensors = [(src, k) for src, _, k in g.input_tensors(n)]
        layout = self._takes(n, tensors)
        ins = [self._held(src, len(shape), layout, k)
               for (src, k), shape in zip(tensors, r.input_shapes)]
        self._set_layout(n, layout)
        counts = r.torch
        mapping = counts.mapping if counts is not None else TorchMapping(
            unsupported=f"unknown layer type {d['type']!r}")
        try:
            parts = (loop_parts(d["type"], _config(g, n))
                     if mapping.unsupported is not None and d["type"] in _MULTI_OUTPUT else None)
            # EinsumDense and MultiHeadAttention beyond nn.MultiheadAttention: the file's
            # KerasEinsumDense / KerasMultiHeadAttention hold Keras's own tensors
            if mapping.unsupported is not None and parts is None and d["type"] not in (
                    "EinsumDense", "MultiHeadAttention"):
                raise _Unsupported(mapping.unsupported)
            if r.output_shapes is not None and len(r.output_shapes) > 1 and (
                    d["type"] not in _MULTI_OUTPUT):
                raise _Unsupported(f"{d['type']} with {len(r.output_shapes)} outputs: the "
                                   "export writes its first only")
            lines = (self._loop(n, ins[0], owner, parts) if parts is not None
                     else self._forward(n, d["type"], ins, mapping, owner, layout))
        except _Unsupported as exc:
            attr = self._attribute(owner, None, reason=str(exc))
            # a placeholder stands for every output: its consumers read their own
            targets = ", ".join([out] + self._extra_outputs(n))
            lines = [f"{targets} = self.{attr}({', '.join(ins)})"]
        if k:
            lines[-1] += f"  # call {k} of the shared layer {_comment(g.raw(owner)['name'])}"
        self.body.extend(lines)

    def _channels_first(self, n: str) -> bool:
        # the config as written: a layer ParamLab could not compute may not resolve
        return self.g.raw(n)["config"].get("data_format") == "channels_first"

    def _runs_in_keras_order(self, n: str) -> bool:
        """A channels_first layer, or a BatchNormalization / GroupNormalization over axis 1
        of a tensor with spatial axes (a channels_first model's channels: dim 1 of Keras's
        own order is what nn.BatchNormNd / nn.GroupNorm normalise)."""
        if self._channels_first(n):
            return True
        r = self.result.layers.get(n)
        if (self.g.raw(n)["type"] not in ("BatchNormalization", "GroupNormalization")
                or r is None or r.output_shape is None or len(r.output_shape) < 3):
            return False
        return norm_channel_axis(r.output_shape, _config(self.g, n)["axis"]) == 1

    def _takes(self, n: str, tensors: list[tuple[str, int]]) -> str:
        """The layout ``n`` takes its inputs ``(source, output index)`` in (and holds its
        output in): "keras" for a layer that runs in Keras's order, the inputs' own for
        layers that do not care (identity at inference, elementwise ones, Concatenate)
        when they agree, else "cl"."""
        if self._runs_in_keras_order(n):
            return "keras"
        t = self.g.raw(n)["type"]
        layouts = {self._layout_of(src, k) for src, k in tensors}
        if len(layouts) == 1 and (t in IDENTITY_AT_INFERENCE or t == "Concatenate"
                                  or _elementwise(t, _config(self.g, n))):
            return layouts.pop()
        return "cl"

    def _set_layout(self, n: str, layout: str) -> None:
        shape = self.result.layers[n].output_shape if n in self.result.layers else None
        self.layout[n] = layout if shape is not None and len(shape) >= 3 else "cl"

    def _held_as_keras(self, n: str) -> bool:
        return self.layout.get(n) == "keras"

    def _layout_of(self, src: str, k: int) -> str:
        """How ``forward`` holds output ``k`` of ``src``: a layer's further outputs (states,
        attention scores) are held as every "cl" tensor is."""
        return self.layout[src] if k == 0 else "cl"

    def _held(self, src: str, rank: int, layout: str, k: int = 0) -> str:
        """Output ``k`` of ``src`` as a variable in ``layout`` (a tensor of ``rank`` axes).
        A layer that was not computed has no variable for its further outputs: its
        ``None`` stands for them."""
        x = self.var[src] if k == 0 else self.extra.get((src, k), self.var[src])
        if rank < 3 or self._layout_of(src, k) == layout:
            return x
        return _last(x) if layout == "keras" else f"{x}.movedim(-1, 1)"

    def _extra_outputs(self, n: str) -> list[str]:
        """The variables of ``n``'s outputs 1, 2, ... (created on first use): ``lstm_h``,
        ``lstm_c``; ``bi_forward_h``, ...; ``mha_scores``."""
        shapes = self.result.layers[n].output_shapes
        count = len(shapes) - 1 if shapes is not None else 0
        names = [self.extra[(n, k)] for k in range(1, count + 1) if (n, k) in self.extra]
        if count and not names:
            out = self.var[n]
            for k, suffix in enumerate(_output_suffixes(self.g, n, count), 1):
                self.extra[(n, k)] = self._name(f"{out}_{suffix}", self.locals)
                names.append(self.extra[(n, k)])
        return names

    def _attribute(self, owner: str, module: str | TorchModule | TorchMapping | None,
                   reason: str | None = None) -> str:
        """The attribute holding ``owner``'s module, created on first use."""
        if owner in self.attr:
            return self.attr[owner]
        d = self.g.raw(owner)
        name = self._name(d["name"], self.used)
        self.attr[owner] = name
        if reason is not None:
            self.unsupported.append(Unsupported(d["name"], d["type"], reason))
            self.init.append(f"self.{name} = {PLACEHOLDER}({d['name']!r}, {d['type']!r}, "
                             f"{reason!r})")
            return name
        if isinstance(module, TorchMapping):
            mapping, expr = module, module.expr()
        elif isinstance(module, TorchModule):
            mapping, expr = TorchMapping((module,)), module.expr()
        else:
            mapping, expr = TorchMapping(), module
        self.init.append(f"self.{name} = {expr}")
        for t in mapping.parameters:
            if not t.requires_grad:
                self.init.append(f"self.{name}{_path(t.name)}.requires_grad_(False)"
                                 "  # fixed, as in Keras")
        r = self.result.layers[owner]
        if r.torch is not None and mapping.parameters:
            trainable = layer_counts(self.g, owner, r, True)[0]
            if trainable == 0 and any(t.requires_grad for t in mapping.parameters):
                self.init.append(f"self.{name}.requires_grad_(False)  # frozen in Keras")
        return name

    def _own_module(self, owner: str, expr: str) -> str:
        """:meth:`_attribute` for a module the file writes itself (a recurrent loop,
        ``KerasEinsumDense``, ``KerasMultiHeadAttention``), whose tensors the mapping does
        not list: frozen as a whole when Keras freezes the layer."""
        attr = self._attribute(owner, expr)
        trainable, frozen, _ = layer_counts(self.g, owner, self.result.layers[owner], True)
        if trainable == 0 and frozen and self.init[-1].startswith(f"self.{attr} = "):
            self.init.append(f"self.{attr}.requires_grad_(False)  # frozen in Keras")
        return attr

    @staticmethod
    def _name(text: str, used: set[str]) -> str:
        """A Python identifier from a Keras layer name, unique in ``used``."""
        stem = re.sub(r"\W", "_", text) or "layer"
        if stem[0].isdigit() or stem.startswith("_"):
            stem = "layer_" + stem.lstrip("_")
        if keyword.iskeyword(stem) or stem in _RESERVED:
            stem += "_"
        candidate, i = stem, 1
        while candidate in used:
            candidate = f"{stem}_{i}"
            i += 1
        used.add(candidate)
        return candidate

    # ------------------------------------------------------------------ forward code
    def _forward(self, n: str, t: str, ins: list[str], mapping: TorchMapping,
                 owner: str, layout: str = "cl", step: _Step | None = None) -> list[str]:
        """Forward lines of layer ``n``, its inputs ``ins`` held in ``layout``. The code
        reads Keras's shapes channels-last and the tensors held channels-first. A
        channels_first layer gets its inputs in Keras's order, (N, C, *spatial): the
        channels-first form of the channels-last tensors its rules see, so the same code
        serves it once its shapes are read channels-last. ``step``: the layer a
        TimeDistributed wraps, run on ``ins`` with the time folded into the batch (its
        config and shapes instead of ``n``'s)."""
        g = self.g
        r = self.result.layers[n]
        out = self.var[n]
        x = ins[0] if ins else ""
        if step is not None:
            cfg, in_shapes, out_shape = step.config, step.input_shapes, step.output_shape
            channels_first = step.channels_first
        else:
            cfg = _config(g, n)
            channels_first = self._channels_first(n)
            in_shapes = r.input_shapes
            out_shape = r.output_shape or ()
            if channels_first:
                if not rules_see_channels_last(get_spec(t), cfg):
                    raise _Unsupported(f"data_format='channels_first' {t} (its axes follow "
                                       "Keras's own order)")
                in_shapes = to_channels_last(tuple(in_shapes))
                out_shape = to_channels_last((out_shape,))[0]
        shape = in_shapes[0] if in_shapes else ()
        rank = len(shape)
        out_rank = len(out_shape)
        module = mapping.modules[0] if mapping.modules else None
        if t in IDENTITY_AT_INFERENCE:  # whatever the axis order
            return [f"{out} = {x}  # {t}: {mapping.note}"]

        def call(arg: str, what: Any = None) -> str:
            return f"self.{self._attribute(owner, what if what is not None else mapping)}({arg})"

        def act(expr: str) -> str:
            name = cfg.get("activation")
            if channels_first and out_rank >= 3 and name in ("softmax", "log_softmax"):
                return f"torch.{name}({expr}, dim=-1)"  # Keras's last axis, here too
            source = activation_source(name, expr)
            if source is None:
                raise _Unsupported(f"activation {cfg.get('activation')!r}")
            return source

        if t == "TimeDistributed":
            return self._time_distributed(n, x, shape, out_shape, cfg, mapping, owner)
        if t == "Dense":
            expr = call(x) if rank <= 2 else f"{call(_last(x))}.movedim(-1, 1)"
            return [f"{out} = {act(expr)}"]
        if t == "EinsumDense":
            return [f"{out} = {act(self._einsum(n, x, rank, out_rank, owner))}"]
        if re.fullmatch(r"(Conv|DepthwiseConv|SeparableConv)[123]D", t):
            padded = self._pad(x, shape, cfg, mapping)
            return [f"{out} = {act(call(padded))}"]
        if re.fullmatch(r"Conv[123]DTranspose", t):
            return [f"{out} = {act(self._transpose(x, shape, out_shape, cfg, mapping, owner))}"]
        if re.fullmatch(r"(Max|Average)Pooling[123]D", t):
            return [f"{out} = {self._pool(t, x, shape, cfg, call)}"]
        if t == "Resizing":  # nn.Upsample(size=(height, width))
            return [f"{out} = {call(x)}"]
        if re.fullmatch(r"Adaptive(Max|Average)Pooling[123]D", t):
            return [f"{out} = {call(x)}"]  # the same windows as Keras's adaptive pooling
        if re.fullmatch(r"Global(Max|Average)Pooling[123]D", t):
            dims = tuple(range(2, rank))
            fn = "amax" if "Max" in t else "mean"
            keep = ", keepdim=True" if cfg.get("keepdims") else ""
            return [f"{out} = {x}.{fn}(dim={dims!r}{keep})"]
        if t == "Flatten":
            if rank >= 3:
                return ["# Keras flattens channels-last: move the channels last first, so the",
                        "# features keep Keras's order (a Dense after it sees the same layout).",
                        f"{out} = {call(_last(x))}"]
            return [f"{out} = {call(x)}"]
        if t in ("BatchNormalization", "GroupNormalization") or (
                module is not None and module.cls in ("Dropout", "Dropout1d", "Dropout2d",
                                                      "Dropout3d", "AlphaDropout", "Identity",
                                                      "ReLU", "ReLU6", "Hardtanh", "LeakyReLU",
                                                      "ELU", "Threshold", "Softmax", "PReLU",
                                                      "Sigmoid", "Tanh", "LogSoftmax", "SELU",
                                                      "GELU", "SiLU", "Softplus", "Softsign",
                                                      "Mish", "Hardsigmoid", "Hardswish")):
            return [f"{out} = {call(x)}"]
        if t == "Activation":  # a function without a module (exponential)
            return [f"{out} = {act(x)}"]
        if t in ("LayerNormalization", "RMSNormalization"):  # trailing axes (torch rule)
            expr = call(x) if rank <= 2 else f"{call(_last(x))}.movedim(-1, 1)"
            return [f"{out} = {expr}"]
        if t == "UnitNormalization":
            dims = tuple(torch_dim(a, rank) for a in cfg["axis"])
            return [f"{out} = {x} / torch.sqrt(({x} * {x}).sum(dim={dims!r}, keepdim=True)"
                    ".clamp_min(1e-12))"]
        if t == "Embedding" or (t == "ReversibleEmbedding" and not cfg.get("reverse")):
            return [f"{out} = {call(f'{x}.long()')}.movedim(-1, 1)"]
        if t == "ReversibleEmbedding":  # reverse=True: logits with the tied embeddings
            logits = (f"torch.matmul({_last(x) if rank >= 3 else x}, "
                      f"self.{self._attribute(owner, mapping)}.weight.T)")
            cap = cfg.get("logit_soft_cap")
            if cap:
                logits = f"torch.tanh({logits} / {cap!r}) * {cap!r}"
            return [f"{out} = {logits}" + (".movedim(-1, 1)" if rank >= 3 else "")]
        if t in ("SimpleRNN", "LSTM", "GRU", "RNN", "CuDNNLSTM", "CuDNNGRU"):  # same keys
            seq = _last(x) + (".flip(1)" if cfg.get("go_backwards") else "")
            states, lines = self._states(n, out, call(seq), module)
            lines.append(f"{out} = {out}.movedim(-1, 1)" if cfg["return_sequences"]
                         else f"{out} = {out}[:, -1]")
            return lines + states
        if t == "Bidirectional":
            return self._bidirectional(n, x, cfg, call, module)
        if t == "MultiHeadAttention" and mapping.unsupported is not None:
            return self._keras_mha(n, ins, in_shapes, out_shape, owner)
        if t == "MultiHeadAttention":
            q, v = ins[0], ins[1]
            k = ins[2] if len(ins) > 2 else v
            scores = self._extra_outputs(n)
            if scores:  # return_attention_scores: Keras's (N, heads, Tq, Tk), per head
                weights = call(f"{_last(q)}, {_last(k)}, {_last(v)}, need_weights=True, "
                               "average_attn_weights=False")
                return [f"{out}, {scores[0]} = {weights}", f"{out} = {out}.movedim(-1, 1)",
                        f"{scores[0]} = {scores[0]}.movedim(-1, 1)"]
            return [f"{out} = {call(f'{_last(q)}, {_last(k)}, {_last(v)}, need_weights=False')}"
                    "[0].movedim(-1, 1)"]
        if t in _BINARY and (len(ins) >= 2 or "constant" in cfg):
            operands = ins + ([repr(cfg["constant"])] if len(ins) == 1 else [])
            return [f"{out} = {f' {_BINARY[t]} '.join(operands)}"]
        if t == "Average":
            return [f"{out} = ({' + '.join(ins)}) / {len(ins)}"]
        if t in ("Maximum", "Minimum"):
            fn = "torch.maximum" if t == "Maximum" else "torch.minimum"
            expr = ins[0]
            for other in ins[1:]:
                expr = f"{fn}({expr}, {other})"
            return [f"{out} = {expr}"]
        if t == "Concatenate":
            axis = cfg["axis"]
            if layout == "cl":
                dim = torch_dim(axis, rank)
            else:  # Keras's own order: its axis
                dim = axis + rank if axis < 0 else axis
            return [f"{out} = torch.cat([{', '.join(ins)}], dim={dim})"]
        if t == "Dot":
            return self._dot(out, ins, in_shapes, cfg)
        if t == "CustomScaleLayer":
            return [f"{out} = {ins[0]} + {ins[1]} * {cfg['scale']!r}"]
        if t in ("Reshape", "Permute", "RepeatVector"):
            return [f"{out} = {self._reshape(t, x, rank, out_shape, cfg)}"]
        if re.fullmatch(r"ZeroPadding[123]D", t):
            pads = _pad_args(cfg["padding"])
            return [f"{out} = nn.functional.pad({x}, {pads!r})"]
        if re.fullmatch(r"Cropping[123]D", t):
            crop = cfg["cropping"]
            # an axis of unknown length is cut from its end (``-2``; ``""`` keeps it all)
            ends = [str(shape[1 + i] - crop[2 * i + 1]) if shape[1 + i] is not None
                    else str(-crop[2 * i + 1]) if crop[2 * i + 1] else ""
                    for i in range(rank - 2)]
            slices = [f"{crop[2 * i]}:{end}" for i, end in enumerate(ends)]
            return [f"{out} = {x}[:, :, {', '.join(slices)}]"]
        if re.fullmatch(r"UpSampling[123]D", t):
            size = cfg["size"] if isinstance(cfg["size"], tuple) else (cfg["size"],)
            if cfg.get("interpolation", "nearest") != "nearest":
                return [f"{out} = nn.functional.interpolate({x}, scale_factor={size!r}, "
                        f"mode={cfg['interpolation']!r}, align_corners=False)"]
            expr = x
            for i, s in enumerate(size):
                expr = f"{expr}.repeat_interleave({s}, dim={2 + i})"
            return [f"{out} = {expr}"]
        if t == "Rescaling":
            return [f"{out} = {x} * {_channel_const(cfg['scale'], rank)} + "
                    f"{_channel_const(cfg['offset'], rank)}"]
        if t == "CenterCrop":
            h, w = cfg["height"], cfg["width"]
            if shape[1] is None or shape[2] is None or h > shape[1] or w > shape[2]:
                # Keras resizes an image smaller than the crop (or of unknown size) first
                raise _Unsupported("a CenterCrop larger than its input, or on an input of "
                                   "unknown size (Keras resizes the image up first)")
            top, left = (shape[1] - h) // 2, (shape[2] - w) // 2
            return [f"{out} = {x}[:, :, {top}:{top + h}, {left}:{left + w}]"]
        if t == "ActivityRegularization":
            return [f"{out} = {x}  # ActivityRegularization: add its penalty to the loss"]
        raise _Unsupported(f"the export does not translate {t} (config {cfg!r})")

    def _pad(self, x: str, shape: Shape, cfg: dict[str, Any], mapping: TorchMapping) -> str:
        """``x`` padded as Keras pads it, where the module's own padding cannot."""
        padding = cfg.get("padding")
        strides = cfg.get("strides") or ()
        if padding == "valid" or (padding == "same" and max(strides, default=1) == 1):
            return x
        rank = len(shape) - 2
        kernel = cfg["kernel_size"]
        dilation = cfg.get("dilation_rate") or (1,) * rank
        pads: list[tuple[int, int]] = []
        for i in range(rank):
            k_eff = (kernel[i] - 1) * dilation[i] + 1
            if padding == "causal":
                pads.append((k_eff - 1, 0))
                continue
            length = shape[1 + i]
            if length is None:
                raise _Unsupported("padding='same' with strides > 1 on an axis of unknown "
                                   "length")
            out = -(-length // strides[i])
            total = max((out - 1) * strides[i] + k_eff - length, 0)
            pads.append((total // 2, total - total // 2))
        flat = tuple(v for pair in reversed(pads) for v in pair)
        if not any(flat):
            return x
        return f"nn.functional.pad({x}, {flat!r})"

    def _pool(self, t: str, x: str, shape: Shape, cfg: dict[str, Any], call: Any) -> str:
        if cfg["padding"] != "same":
            return call(x)
        pool = cfg["pool_size"]
        strides = cfg["strides"] or pool
        pads: list[tuple[int, int]] = []
        for i, p in enumerate(pool):
            length = shape[1 + i]
            if length is None:
                raise _Unsupported("padding='same' pooling on an axis of unknown length")
            out = conv_output_length(length, p, "same", strides[i], 1, "pool")
            total = max((out - 1) * strides[i] + p - length, 0)
            pads.append((total // 2, total - total // 2))
        flat = tuple(v for pair in reversed(pads) for v in pair)
        if not any(flat):
            return call(x)
        if t.startswith("Max"):
            return call(f'nn.functional.pad({x}, {flat!r}, value=float("-inf"))')
        # Keras averages over the window's real elements only: divide by the pooled ones.
        ones = f"torch.ones_like({x}[:, :1])"
        return (f"{call(f'nn.functional.pad({x}, {flat!r})')} / "
                f"{call(f'nn.functional.pad({ones}, {flat!r})')}")

    def _transpose(self, x: str, shape: Shape, out_shape: Shape, cfg: dict[str, Any],
                   mapping: TorchMapping, owner: str) -> str:
        """ConvTranspose with Keras's output length: PyTorch's full output
        ``(L - 1)·s + (k - 1)·d + 1`` cropped (``same``) or extended with
        ``output_padding`` to the length ParamLab computed (shapes channels-last)."""
        rank = len(shape) - 2
        strides, kernel = cfg["strides"], cfg["kernel_size"]
        dilation = cfg["dilation_rate"]
        extra: list[int] = []
        crops: list[tuple[int, int]] = []
        crop = False
        for i in range(rank):
            if shape[1 + i] is None or out_shape[1 + i] is None:
                raise _Unsupported("a transposed convolution over an axis of unknown length")
            full = (shape[1 + i] - 1) * strides[i] + (kernel[i] - 1) * dilation[i] + 1
            want = out_shape[1 + i]
            if want >= full:
                extra.append(want - full)
                crops.append((0, want))
            else:
                extra.append(0)
                crop = True
                start = (full - want) // 2 if cfg["padding"] == "same" else 0
                crops.append((start, start + want))
        module = mapping.modules[0]
        if any(extra):
            module = replace(module, kwargs=module.kwargs + (("output_padding", tuple(extra)),))
        attr = self._attribute(owner, module)
        expr = f"self.{attr}({x})"
        if crop:
            expr += "[:, :, " + ", ".join(f"{a}:{b}" for a, b in crops) + "]"
        return expr

    def _states(self, n: str, out: str, call: str, module: TorchModule | None,
                skip: int = 0) -> tuple[list[str], list[str]]:
        """The recurrent module's call (``out, _ = self.lstm(seq)``) and, with
        ``return_state``, the lines giving each of Keras's states its variable:
        nn.LSTM returns ``(seq, (h_n, c_n))``, nn.GRU / nn.RNN ``(seq, h_n)``, h_n of shape
        ``(num_layers * directions, N, H)``: the final state of each layer, or of each
        direction, forward first. That is Keras's order: a stacked RNN lists each cell's
        states in turn (h, c per LSTMCell), Bidirectional the forward layer's states then
        the backward one's (keras/src/layers/rnn/bidirectional.py). The backward
        direction's final state is the one after t = 0, where Keras's backward layer
        ends too; a go_backwards layer runs on the flipped sequence, so its final state
        is Keras's as well. ``skip``: further outputs before the states (a Bidirectional
        with ``merge_mode=None``: its backward output)."""
        names = self._extra_outputs(n)[skip:]
        if not names:
            return [], [f"{out}, _ = {call}"]
        lstm = module is not None and module.cls == "LSTM"
        h_n = self._name(f"{out}_h_n", self.locals)
        if lstm:
            c_n = self._name(f"{out}_c_n", self.locals)
            exprs = [e for i in range(len(names) // 2) for e in (f"{h_n}[{i}]", f"{c_n}[{i}]")]
            first = f"{out}, ({h_n}, {c_n}) = {call}"
        else:
            exprs = [f"{h_n}[{i}]" for i in range(len(names))]
            first = f"{out}, {h_n} = {call}"
        return [f"{', '.join(names)} = {', '.join(exprs)}"], [first]

    def _bidirectional(self, n: str, x: str, cfg: dict[str, Any], call: Any,
                       module: TorchModule | None) -> list[str]:
        from paramlab.core.catalogue.recurrent import WRAPPED_DEFAULT, nested, rnn_cells

        _, inner, cls = nested(cfg, WRAPPED_DEFAULT["Bidirectional"])
        out = self.var[n]
        # Bidirectional(RNN(cell)): the units of its (single, as the torch rule requires) cell
        units = rnn_cells(inner)[-1].config["units"] if cls == "RNN" else inner["units"]
        merge = cfg["merge_mode"]
        split = merge is None  # [forward, backward, *states]
        # a forward layer with go_backwards=True (its backward layer then runs forwards):
        # both directions on the reversed sequence are Keras's two layers on x
        flip = ".flip(1)" if bidirectional_directions(cfg)[0] else ""
        states, lines = self._states(n, out, call(_last(x) + flip), module, skip=int(split))
        if inner["return_sequences"]:
            fwd, bwd = f"{out}[..., :{units}]", f"{out}[..., {units}:]"
        else:  # Keras keeps each direction's last step: the backward one is at t = 0
            fwd, bwd = f"{out}[:, -1, :{units}]", f"{out}[:, 0, {units}:]"
        if split:  # the backward half first: it reads ``out`` before ``out`` is replaced
            backward = self._extra_outputs(n)[0]
            lines += [f"{backward} = {_sequence(bwd, 'concat', inner['return_sequences'])}",
                      f"{out} = {_sequence(fwd, 'concat', inner['return_sequences'])}"]
            return lines + states
        expr = {"concat": f"torch.cat([{fwd}, {bwd}], dim=-1)", "sum": f"{fwd} + {bwd}",
                "mul": f"{fwd} * {bwd}", "ave": f"({fwd} + {bwd}) / 2"}[merge]
        if merge == "concat" and inner["return_sequences"]:
            expr = out
        lines.append(f"{out} = {_sequence(expr, merge, inner['return_sequences'])}")
        return lines + states

    def _loop(self, n: str, x: str, owner: str,
              parts: tuple[tuple[str, dict[str, Any]], ...]) -> list[str]:
        """A recurrent layer nn.RNN / LSTM / GRU cannot run (``loop_parts``: activations
        other than tanh / sigmoid, GRU(reset_after=False)) as the file's ``KerasLSTM`` /
        ``KerasGRU`` / ``KerasSimpleRNN``, a loop over the time steps on Keras's own tensors
        (kernel, recurrent_kernel, bias) with the layer's activations; one per direction
        (``nn.ModuleList``, forward then backward) for a Bidirectional. Each returns the
        whole sequence of h and its final states; go_backwards, return_sequences, the
        states and the merge follow Keras (keras/src/layers/rnn/rnn.py, bidirectional.py:
        each direction runs on the reversed input when its layer goes backwards,
        ``bidirectional_directions``, and the backward layer's sequence is flipped)."""
        features = self.result.layers[n].input_shapes[0][-1]
        exprs = [_loop_module(t, features, cfg) for t, cfg in parts]
        self.loops.update(t for t, _ in parts)
        if len(exprs) == 1:
            module = exprs[0]
        elif exprs[0] == exprs[1]:
            module = f"nn.ModuleList([{exprs[0]} for _ in range(2)])  # forward, backward"
        else:
            module = f"nn.ModuleList([{', '.join(exprs)}])  # forward, backward"
        self.looped.append(self.g.raw(owner)["name"])
        self.hard_sigmoid |= any("hard_sigmoid" in (c.get("activation"),
                                                    c.get("recurrent_activation"))
                                 for _, c in parts)
        attr = self._own_module(owner, module)
        out = self.var[n]
        seq = _last(x)
        names = self._extra_outputs(n)
        cfg = _config(self.g, n)
        if len(parts) == 1:
            flip = ".flip(1)" if cfg.get("go_backwards") else ""
            lines = ([f"{out}, {', '.join(names)} = self.{attr}({seq}{flip})"] if names
                     else [f"{out} = self.{attr}({seq}{flip})[0]"])
            lines.append(f"{out} = {out}.movedim(-1, 1)" if cfg["return_sequences"]
                         else f"{out} = {out}[:, -1]")
            return lines
        inner = parts[0][1]
        merge = cfg["merge_mode"]
        # merge_mode=None: [forward, backward, *states], each direction its own output
        outputs = [out, names[0]] if merge is None else None
        if merge is None:
            names = names[1:]
        half = len(names) // 2
        lines = []
        sides = []
        for i, (side, flips) in enumerate(zip(("forward", "backward"),
                                              bidirectional_directions(cfg))):
            var = (outputs[i] if outputs is not None
                   else self._name(f"{out}_{side}", self.locals))
            call = f"self.{attr}[{i}]({seq}{'.flip(1)' if flips else ''})"
            states = names[half * i:half * (i + 1)]
            lines.append(f"{var}, {', '.join(states)} = {call}" if states
                         else f"{var} = {call}[0]")
            sides.append(var)
        fwd, bwd = sides
        if inner["return_sequences"]:
            bwd = f"{bwd}.flip(1)"  # Keras flips the backward sequence back
        else:
            fwd, bwd = f"{fwd}[:, -1]", f"{bwd}[:, -1]"
        if outputs is not None:
            seqs = inner["return_sequences"]
            return lines + [f"{var} = {_sequence(expr, 'concat', seqs)}"
                            for var, expr in zip(outputs, (fwd, bwd))]
        expr = {"concat": f"torch.cat([{fwd}, {bwd}], dim=-1)", "sum": f"{fwd} + {bwd}",
                "mul": f"{fwd} * {bwd}", "ave": f"({fwd} + {bwd}) / 2"}[merge]
        lines.append(f"{out} = {_sequence(expr, merge, inner['return_sequences'])}")
        return lines

    def _time_distributed(self, n: str, x: str, shape: Shape, out_shape: Shape,
                          cfg: dict[str, Any], mapping: TorchMapping, owner: str) -> list[str]:
        """TimeDistributed(layer) on ``x`` (Keras's ``(N, T, *step)`` held with its last
        axis at 1): the wrapped layer's own module, one set of weights for every step, as
        Keras's ``call`` folds the time into the batch (keras/src/layers/rnn/
        time_distributed.py). ``x.movedim(2, 1).flatten(0, 1)`` is the ``(N·T, *step)``
        tensor held as any other (its last axis at 1), the wrapped layer runs on it as a
        layer of its own would, and ``unflatten(0, (N, T)).movedim(1, 2)`` holds the result
        as Keras's ``(N, T, *out)``. A wrapped Dense needs no folding (nn.Linear acts on the
        last axis)."""
        from paramlab.core.catalogue.recurrent import _wrapped

        out = self.var[n]
        spec, inner, step, first = _wrapped(cfg, (None,) + tuple(shape[2:]))
        if spec.type == "Dense":
            return self._forward(n, "Dense", [x], mapping, owner, "cl",
                                 _Step(inner, (shape,), out_shape, False))
        if inner.get("data_format") == "channels_first" and not first:
            raise _Unsupported(f"TimeDistributed({spec.type}) with data_format='channels_first' "
                               "(its axes follow Keras's own order)")
        step_out = (None,) + tuple(out_shape[2:])
        if first:  # the rules see a channels_first layer's shapes channels-last
            step_out = to_channels_last((step_out,))[0]
        # channels_first layers and normalisations over axis 1 take Keras's own order
        keras_order = first or (
            spec.type in ("BatchNormalization", "GroupNormalization") and len(step_out) >= 3
            and norm_channel_axis(step_out, inner["axis"]) == 1)
        folded = self._name(f"{out}_steps", self.locals)
        lines = [f"{folded} = {x}.movedim(2, 1).flatten(0, 1)  # (N·T, ...): time in the batch"]
        arg = _last(folded) if keras_order and len(step) >= 3 else folded
        lines += self._forward(n, spec.type, [arg], mapping, owner, "cl",
                               _Step(inner, (step,), step_out, first))
        result = out
        if keras_order and len(step_out) >= 3:
            result += ".movedim(-1, 1)"
        time = shape[1]
        steps = f"(-1, {time})" if time is not None else f"({x}.shape[0], -1)"
        return lines + [f"{out} = {result}.unflatten(0, {steps}).movedim(1, 2)"]

    def _einsum(self, n: str, x: str, rank: int, out_rank: int, owner: str) -> str:
        """EinsumDense as the file's ``KerasEinsumDense``: Keras's own ``kernel`` (and
        ``bias``, shaped to broadcast over the output's trailing axes) and
        ``torch.einsum`` with Keras's equation on the tensor in Keras's axis order
        (keras/src/layers/core/einsum_dense.py: ``einsum(equation, inputs, kernel)``, then
        ``+ bias``); the layer's activation follows in ``forward``."""
        weights = self.result.layers[n].weights
        names = [w.name for w in weights]
        if names not in (["kernel"], ["kernel", "bias"]):
            raise _Unsupported(f"EinsumDense with the weights {', '.join(names)} (the export "
                               "writes a kernel and a bias only)")
        shapes = [tuple(w.shape) for w in weights]
        if any(d is None for s in shapes for d in s):
            raise _Unsupported("EinsumDense whose kernel or bias has an axis of unknown length")
        args = ", ".join([repr(_config(self.g, n)["equation"])] + [repr(s) for s in shapes])
        attr = self._own_module(owner, f"KerasEinsumDense({args})")
        self.own.add("EinsumDense")
        self.einsums.append(self.g.raw(owner)["name"])
        expr = f"self.{attr}({_last(x) if rank >= 3 else x})"
        return f"{expr}.movedim(-1, 1)" if out_rank >= 3 else expr

    def _keras_mha(self, n: str, ins: list[str], in_shapes: Sequence[Shape], out_shape: Shape,
                   owner: str) -> list[str]:
        """MultiHeadAttention whose sizes nn.MultiheadAttention cannot hold (value_dim !=
        key_dim, heads·key_dim != the query's features, an output_shape, attention_axes,
        a gate) as the file's ``KerasMultiHeadAttention``: Keras's own projections
        (keras/src/layers/attention/multi_head_attention.py, ``build``: einsum kernels
        ``(dim, heads, key_dim|value_dim)``, biases ``(heads, width)``, output kernel
        ``(heads, value_dim, *output_shape)``) on the tensors in Keras's axis order; the
        scores as a second output with ``return_attention_scores``."""
        raw = self.g.raw(n)["config"]
        cfg = _config(self.g, n)
        if raw.get("sliding_window") is not None:
            raise _Unsupported("MultiHeadAttention with sliding_window (a banded mask)")
        query, value = in_shapes[0], in_shapes[1]
        key = in_shapes[2] if len(in_shapes) > 2 else value
        dims = (query[-1], key[-1], value[-1])
        heads, kd = cfg["num_heads"], cfg["key_dim"]
        vd = cfg["value_dim"] or kd
        out_dims = tuple(out_shape[len(query) - 1:])
        if any(d is None for d in dims + out_dims):
            raise _Unsupported("MultiHeadAttention whose features have an unknown size")
        if not len(query) == len(key) == len(value):
            raise _Unsupported("MultiHeadAttention on inputs of different ranks")
        rank = len(value) + 1  # of the projected tensors (..., heads, width)
        axes = raw.get("attention_axes")
        if axes is None:
            axes = tuple(range(1, rank - 2))
        axes = tuple(sorted(a if a >= 0 else rank - 1 + a
                            for a in ((axes,) if isinstance(axes, int) else axes)))
        if not axes or any(not 0 < a < rank - 2 for a in axes) or len(set(axes)) != len(axes):
            raise _Unsupported(f"MultiHeadAttention with attention_axes {axes!r}")
        scores = self._extra_outputs(n)
        if scores and axes != tuple(range(1, rank - 2)):
            raise _Unsupported("attention scores over other attention_axes than the default")
        args = [f"{heads}, {kd}, {vd}, {dims!r}, {out_dims!r}"]
        if not cfg["use_bias"]:
            args.append("use_bias=False")
        if cfg["use_gate"]:
            args.append("use_gate=True")
        if axes != (1,):
            args.append(f"attention_axes={axes!r}")
        attr = self._own_module(owner, f"KerasMultiHeadAttention({', '.join(args)})")
        self.own.add("MultiHeadAttention")
        self.attentions.append(self.g.raw(owner)["name"])
        operands = ", ".join(_last(x) for x in ins)
        out = self.var[n]
        if scores:
            return [f"{out}, {scores[0]} = self.{attr}({operands}, return_scores=True)",
                    f"{out} = {out}.movedim(-1, 1)",
                    f"{scores[0]} = {scores[0]}.movedim(-1, 1)"]
        return [f"{out} = self.{attr}({operands}).movedim(-1, 1)"]

    def _dot(self, out: str, ins: list[str], shapes: Sequence[Shape],
             cfg: dict[str, Any]) -> list[str]:
        a, b = ins
        if len(shapes[0]) != 2 or len(shapes[1]) != 2:
            raise _Unsupported("Dot of tensors of rank 3 or more")
        if cfg.get("normalize"):
            a, b = (f"nn.functional.normalize({a}, dim=1)", f"nn.functional.normalize({b}, dim=1)")
        return [f"{out} = ({a} * {b}).sum(dim=1, keepdim=True)"]

    def _reshape(self, t: str, x: str, rank: int, out_shape: Shape, cfg: dict[str, Any]) -> str:
        src = _last(x) if rank >= 3 else x
        out_rank = len(out_shape)
        if t == "Reshape":
            target = tuple(-1 if d is None else d for d in cfg["target_shape"])
            if -1 not in target:
                expr = f"{src}.reshape(-1, {', '.join(str(d) for d in target)})"
            elif None not in out_shape[1:]:  # Keras's -1 resolved: the batch axis infers
                expr = f"{src}.reshape(-1, {', '.join(str(d) for d in out_shape[1:])})"
            else:  # torch.reshape infers one axis only: keep the batch axis as it is
                expr = f"{src}.flatten(1).unflatten(1, {target!r})"
        elif t == "Permute":
            expr = f"{src}.permute(0, {', '.join(str(d) for d in cfg['dims'])})"
        else:
            return f"{x}.unsqueeze(2).expand(-1, -1, {cfg['n']})"
        return f"{expr}.movedim(-1, 1)" if out_rank >= 3 else expr


def _sequence(expr: str, merge: str, sequences: bool) -> str:
    """A Bidirectional's merged output ``expr``; with return_sequences its last axis moved
    to 1 (the whole sum, product or mean, not its last operand)."""
    if not sequences:
        return expr
    return f"{expr}.movedim(-1, 1)" if merge == "concat" else f"({expr}).movedim(-1, 1)"


def _loop_module(t: str, features: int, cfg: dict[str, Any]) -> str:
    """``KerasLSTM(4, 3, torch.tanh, nn.functional.hardsigmoid)``: the loop class of a
    plain recurrent layer, with its activations as PyTorch functions."""
    args = [str(features), str(cfg["units"]), _function(cfg.get("activation"))]
    if t != "SimpleRNN":
        args.append(_function(cfg.get("recurrent_activation")))
    if not cfg.get("use_bias", True):
        args.append("use_bias=False")
    if t == "GRU" and not cfg.get("reset_after", True):
        args.append("reset_after=False")
    return f"Keras{t}({', '.join(args)})"


def _function(name: str | None) -> str:
    """A Keras activation as a PyTorch callable: ``torch.tanh``, ``lambda x: ...``."""
    source = activation_source(name, "x") or "x"
    match = re.fullmatch(r"([\w.]+)\(x\)", source)
    return match.group(1) if match else f"lambda x: {source}"


def _output_suffixes(graph: LayerGraph, n: str, count: int) -> list[str]:
    """Names for the ``count`` outputs after the first of layer ``n``, in Keras's order:
    ``h`` (and ``c`` for LSTM), numbered per cell for a stacked RNN, ``forward_`` /
    ``backward_`` for Bidirectional, ``scores`` for MultiHeadAttention; ``output_k``
    otherwise."""
    from paramlab.core.catalogue.recurrent import _N_STATES, WRAPPED_DEFAULT, nested, rnn_cells
    from paramlab.core.errors import ParamLabError

    def states(t: str, cfg: dict[str, Any]) -> list[str]:
        if t == "RNN":
            kinds = [_N_STATES.get(c.spec.type, 0) for c in rnn_cells(cfg)]
        else:
            kinds = [2 if "LSTM" in t else 1]
        tags = [str(i + 1) if len(kinds) > 1 else "" for i in range(len(kinds))]
        return [s + tag for k, tag in zip(kinds, tags) for s in ("h", "c")[:k]]

    t = graph.raw(n)["type"]
    try:
        cfg = _config(graph, n)
        if t == "MultiHeadAttention":
            names = ["scores"]
        elif t == "Bidirectional":
            _, inner_cfg, inner_type = nested(cfg, WRAPPED_DEFAULT["Bidirectional"])
            inner = states(inner_type, inner_cfg) if inner_cfg.get("return_state") else []
            names = ([] if cfg["merge_mode"] is not None else ["backward"]) + [
                f"{side}_{s}" for side in ("forward", "backward") for s in inner]
        else:
            names = states(t, cfg)
    except (ParamLabError, KeyError, TypeError, ValueError, IndexError):
        names = []
    return names if len(names) == count else [f"output_{k}" for k in range(1, count + 1)]


def _config(graph: LayerGraph, n: str) -> dict[str, Any]:
    d = graph.raw(n)
    spec = get_spec(d["type"])
    return spec.resolve_config(d["config"]) if spec is not None else dict(d["config"])


def _elementwise(t: str, cfg: dict[str, Any]) -> bool:
    """Whether layer type ``t`` acts element by element (any axis order gives the same)."""
    if t in _BINARY:
        return isinstance(cfg.get("constant", 0), (int, float))
    if t in ("Activation", "ReLU", "LeakyReLU", "ELU", "Dropout"):
        return cfg.get("activation") not in ("softmax", "log_softmax")
    return t in ("Average", "Maximum", "Minimum")


def _last(x: str) -> str:
    """``x`` (channels-first) with the channels moved last, as Keras holds it. ``x`` is a
    forward variable, or one :meth:`_Writer._held` moved the other way just before (a
    tensor held in Keras's order, for a layer that works on Keras's last axis): that move
    is dropped instead of undone."""
    undo = ".movedim(-1, 1)"
    return x[:-len(undo)] if x.endswith(undo) else f"{x}.movedim(1, -1)"


def _path(name: str) -> str:
    """``.weight``, ``[1].bias``, ``.out_proj.weight`` for a tensor name."""
    return "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in name.split("."))


def _pad_args(flat: Sequence[int]) -> tuple[int, ...]:
    """Keras's (before_1, after_1, before_2, ...) as ``nn.functional.pad``'s order (last
    axis first)."""
    pairs = [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]
    return tuple(v for pair in reversed(pairs) for v in pair)


def _channel_const(value: Any, rank: int) -> str:
    if isinstance(value, (tuple, list)):
        view = ", ".join(["1", "-1"] + ["1"] * max(rank - 2, 0))
        return f"torch.tensor({list(value)!r}).view({view})"
    return repr(value)


def _class_name(name: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", name)
    text = "".join(w[:1].upper() + w[1:] for w in words) or "Model"
    if text[0].isdigit():
        text = "Model" + text
    return text if text not in ("Module", "NoPyTorchEquivalent") else text + "Model"


def _comment(text: str) -> str:
    return re.sub(r"[\r\n]+", " ", str(text))


_LOOP_INIT = [
    "        self.kernel = nn.Parameter(torch.empty(features, {g} * units))",
    "        self.recurrent_kernel = nn.Parameter(torch.empty(units, {g} * units))",
    "        bias = nn.Parameter(torch.zeros({bias})) if use_bias else None",
    '        self.register_parameter("bias", bias)',
    "        nn.init.xavier_uniform_(self.kernel)  # Keras's initialisers",
    "        nn.init.orthogonal_(self.recurrent_kernel)",
]
# Keras's recurrences step by step (keras/src/layers/rnn/simple_rnn.py, lstm.py, gru.py:
# gates i, f, c, o and z, r, h along the kernels' last axis; GRU's bias (2, 3·units), input
# and recurrent, with reset_after, else (3·units,) on the input only).
_LOOP_CLASSES = {
    "SimpleRNN": [
        "class KerasSimpleRNN(nn.Module):",
        '    """Keras SimpleRNN step by step: h = activation(x @ kernel + bias + h @ '
        'recurrent_kernel).',
        '    Takes (N, steps, features); returns the sequence of h (N, steps, units) and h."""',
        "",
        "    def __init__(self, features, units, activation, use_bias=True):",
        "        super().__init__()",
        "        self.units, self.activation = units, activation",
        *[line.format(g=1, bias="units") for line in _LOOP_INIT],
        "",
        "    def forward(self, x):",
        "        xs = x @ self.kernel if self.bias is None else x @ self.kernel + self.bias",
        "        h = x.new_zeros(x.shape[0], self.units)",
        "        outputs = []",
        "        for x_t in xs.unbind(1):",
        "            h = self.activation(x_t + h @ self.recurrent_kernel)",
        "            outputs.append(h)",
        "        return torch.stack(outputs, 1), h",
    ],
    "LSTM": [
        "class KerasLSTM(nn.Module):",
        '    """Keras LSTM step by step with its own activations (nn.LSTM is tanh / sigmoid '
        'only).',
        "    Takes (N, steps, features); returns the sequence of h (N, steps, units), h and "
        'c."""',
        "",
        "    def __init__(self, features, units, activation, recurrent_activation, "
        "use_bias=True):",
        "        super().__init__()",
        "        self.units = units",
        "        self.activation, self.recurrent_activation = activation, recurrent_activation",
        *[line.format(g=4, bias="4 * units") for line in _LOOP_INIT],
        "",
        "    def forward(self, x):",
        "        xs = x @ self.kernel if self.bias is None else x @ self.kernel + self.bias",
        "        h = c = x.new_zeros(x.shape[0], self.units)",
        "        outputs = []",
        "        for x_t in xs.unbind(1):",
        "            i, f, g, o = (x_t + h @ self.recurrent_kernel).chunk(4, dim=-1)",
        "            c = (self.recurrent_activation(f) * c",
        "                 + self.recurrent_activation(i) * self.activation(g))",
        "            h = self.recurrent_activation(o) * self.activation(c)",
        "            outputs.append(h)",
        "        return torch.stack(outputs, 1), h, c",
    ],
    "GRU": [
        "class KerasGRU(nn.Module):",
        '    """Keras GRU step by step with its own activations; reset_after=False applies '
        "the reset",
        "    gate before the recurrent product (nn.GRU has only reset_after=True, tanh and "
        "sigmoid).",
        '    Takes (N, steps, features); returns the sequence of h (N, steps, units) and h."""',
        "",
        "    def __init__(self, features, units, activation, recurrent_activation, "
        "use_bias=True,",
        "                 reset_after=True):",
        "        super().__init__()",
        "        self.units, self.reset_after = units, reset_after",
        "        self.activation, self.recurrent_activation = activation, recurrent_activation",
        "        bias_shape = (2, 3 * units) if reset_after else (3 * units,)",
        *[line.format(g=3, bias="bias_shape") for line in _LOOP_INIT],
        "",
        "    def forward(self, x):",
        "        xs = x @ self.kernel",
        "        if self.bias is not None:",
        "            xs = xs + (self.bias[0] if self.reset_after else self.bias)",
        "        h = x.new_zeros(x.shape[0], self.units)",
        "        kernel_zr = self.recurrent_kernel[:, :2 * self.units]",
        "        kernel_h = self.recurrent_kernel[:, 2 * self.units:]",
        "        outputs = []",
        "        for x_t in xs.unbind(1):",
        "            x_z, x_r, x_h = x_t.chunk(3, dim=-1)",
        "            if self.reset_after:",
        "                inner = h @ self.recurrent_kernel",
        "                if self.bias is not None:",
        "                    inner = inner + self.bias[1]",
        "                h_z, h_r, h_h = inner.chunk(3, dim=-1)",
        "            else:",
        "                h_z, h_r = (h @ kernel_zr).chunk(2, dim=-1)",
        "            z = self.recurrent_activation(x_z + h_z)",
        "            r = self.recurrent_activation(x_r + h_r)",
        "            if self.reset_after:",
        "                candidate = self.activation(x_h + r * h_h)",
        "            else:",
        "                candidate = self.activation(x_h + (r * h) @ kernel_h)",
        "            h = z * h + (1 - z) * candidate",
        "            outputs.append(h)",
        "        return torch.stack(outputs, 1), h",
    ],
}

# keras/src/layers/core/einsum_dense.py: kernel of the weight spec's shape, bias of the
# output's trailing axes from the first bias axis (1 where no bias axis), glorot_uniform
# and zeros by default; call is einsum(equation, inputs, kernel) + bias.
_EINSUM_CLASS = [
    "class KerasEinsumDense(nn.Module):",
    ('    """Keras EinsumDense: torch.einsum(equation, x, kernel) + bias, on Keras\'s own '
     'kernel and bias'),
    ("    (the bias broadcasts over the output's last axes). Takes and returns tensors in "
     "Keras's"),
    '    axis order (channels last)."""',
    "",
    "    def __init__(self, equation, kernel_shape, bias_shape=None):",
    "        super().__init__()",
    "        self.equation = equation",
    "        self.kernel = nn.Parameter(torch.empty(kernel_shape))",
    "        bias = nn.Parameter(torch.zeros(bias_shape)) if bias_shape is not None else None",
    '        self.register_parameter("bias", bias)',
    "        # Keras's glorot_uniform: fans from the last two axes times the others",
    "        receptive = torch.Size(kernel_shape[:-2]).numel()",
    "        fan_in = kernel_shape[-2] * receptive if len(kernel_shape) > 1 else kernel_shape[0]",
    "        fan_out = kernel_shape[-1] * receptive",
    "        limit = (6 / (fan_in + fan_out)) ** 0.5",
    "        nn.init.uniform_(self.kernel, -limit, limit)",
    "",
    "    def forward(self, x):",
    "        y = torch.einsum(self.equation, x, self.kernel)",
    "        return y if self.bias is None else y + self.bias",
]

# keras/src/layers/attention/multi_head_attention.py: einsum projections query, key,
# (gate, sigmoid), value of kernels (dim, heads, width) and biases (heads, width); query
# scaled by 1/sqrt(key_dim); scores over the attention axes of the projected tensors,
# (batch axes and heads, query's attention axes, key's), softmax over the key's; the
# combination back in the query's order; times the gate; output kernel (heads,
# value_dim, *output_shape) and bias output_shape. Initialisers glorot_uniform / zeros.
_MHA_CLASS = [
    "class KerasMultiHeadAttention(nn.Module):",
    ('    """Keras MultiHeadAttention on Keras\'s own projections (query, key, value, '
     'optional gate,'),
    ("    attention_output: kernels (dim, heads, width), biases (heads, width)). Takes "
     "query, value,"),
    ("    key in Keras's axis order (features last) and returns the output (and the "
     "scores)."),
    '    """',
    "",
    "    def __init__(self, num_heads, key_dim, value_dim, dims, output_shape, use_bias=True,",
    "                 use_gate=False, attention_axes=(1,)):",
    "        super().__init__()",
    "        query_dim, key_in, value_in = dims",
    "        self.scale = 1.0 / float(key_dim) ** 0.5",
    "        self.attention_axes = tuple(attention_axes)",
    "        self.use_gate = use_gate",
    "        self.letters = \"opqrstuvxyz\"[:len(output_shape)]",
    "        widths = [(\"query\", query_dim, key_dim), (\"key\", key_in, key_dim)]",
    "        if use_gate:",
    "            widths.append((\"gate\", query_dim, value_dim))",
    "        widths.append((\"value\", value_in, value_dim))",
    "        for name, dim, width in widths:",
    "            self._weights(name, (dim, num_heads, width), (num_heads, width), use_bias)",
    "        self._weights(\"attention_output\", (num_heads, value_dim, *output_shape),",
    "                      tuple(output_shape), use_bias)",
    "",
    "    def _weights(self, name, kernel_shape, bias_shape, use_bias):",
    "        kernel = nn.Parameter(torch.empty(kernel_shape))",
    "        # Keras's glorot_uniform: fans from the last two axes times the others",
    "        receptive = torch.Size(kernel_shape[:-2]).numel()",
    "        fan_in, fan_out = kernel_shape[-2] * receptive, kernel_shape[-1] * receptive",
    "        limit = (6 / (fan_in + fan_out)) ** 0.5",
    "        nn.init.uniform_(kernel, -limit, limit)",
    "        self.register_parameter(name + \"_kernel\", kernel)",
    "        bias = nn.Parameter(torch.zeros(bias_shape)) if use_bias else None",
    "        self.register_parameter(name + \"_bias\", bias)",
    "",
    "    def _project(self, name, x):  # (..., dim) -> (..., heads, width)",
    "        y = torch.einsum(\"...i,ihw->...hw\", x, getattr(self, name + \"_kernel\"))",
    "        bias = getattr(self, name + \"_bias\")",
    "        return y if bias is None else y + bias",
    "",
    "    def forward(self, query, value, key=None, return_scores=False):",
    "        key = value if key is None else key",
    "        q = self._project(\"query\", query) * self.scale",
    "        k, v = self._project(\"key\", key), self._project(\"value\", value)",
    "        rank = q.dim()",
    "        axes = list(self.attention_axes)",
    "        batch = [i for i in range(rank - 1) if i not in axes]  # heads included",
    "        order = batch + axes + [rank - 1]",
    "        start, end = len(batch), len(batch) + len(axes) - 1",
    "        q_steps = tuple(q.shape[a] for a in axes)",
    "        k_steps = tuple(k.shape[a] for a in axes)",
    "        q, k, v = (t.permute(order).flatten(start, end) for t in (q, k, v))",
    "        scores = torch.softmax(q @ k.transpose(-1, -2), dim=-1)  # (batch, Tq, Tk)",
    "        out = (scores @ v).unflatten(start, q_steps)",
    "        out = out.permute([order.index(i) for i in range(rank)])  # (..., heads, value_dim)",
    "        if self.use_gate:",
    "            out = out * torch.sigmoid(self._project(\"gate\", query))",
    "        equation = \"...hw,hw\" + self.letters + \"->...\" + self.letters",
    "        out = torch.einsum(equation, out, self.attention_output_kernel)",
    "        if self.attention_output_bias is not None:",
    "            out = out + self.attention_output_bias",
    "        if return_scores:",
    "            return out, scores.unflatten(-1, k_steps).unflatten(start, q_steps)",
    "        return out",
]

_PLACEHOLDER_CLASS = [
    f"class {PLACEHOLDER}(nn.Module):",
    '    """Stands for a Keras layer PyTorch has no module for: replace it with your own."""',
    "",
    "    def __init__(self, layer: str, keras_type: str, reason: str) -> None:",
    "        super().__init__()",
    "        self.layer, self.keras_type, self.reason = layer, keras_type, reason",
    "",
    "    def forward(self, *inputs):",
    '        raise NotImplementedError(f"Keras layer {self.layer!r} ({self.keras_type}) has no '
    'PyTorch equivalent: {self.reason}")',
]

__all__ = ["PyTorchExport", "Unsupported", "to_pytorch_code"]
