"""The model summary: one row per layer plus totals, as Keras's ``model.summary()`` shows it.

Every writer (text, CSV, JSON, Markdown, PNG) and the GUI's summary panel are views of a
:class:`Summary`; none computes a count of its own.

Rows follow Keras's ``model.summary()`` (``keras/src/utils/summary_utils.py``):

* rows are in topological order (ties in the order layers were added);
* a layer called more than once (graph nodes with ``shared_with``) is ONE row, the owner's,
  listing the inputs of every call; its extra calls have no parameters of their own;
* a nested model (layers whose ``group`` names an entry of ``graph.groups``) is ONE row named
  as the group, typed as the group (``Functional``), with the output shape of its output
  layer (every tensor it exposes when there are several, ``core.group_outputs``, as Keras
  lists a model's outputs) and the sum of its layers' counts, unless the caller asks to
  expand it;
* "Connected to" is written as Keras writes it, ``name[node_index][tensor_index]``, where the
  node index is the call number of a shared layer (0 for the first call).

Counts are propagation's (``LayerResult.trainable``), frozen nested models included.

``convention="pytorch"`` reads the PyTorch-convention counts propagation stored on each
layer (``LayerResult.torch``): trainable = parameters with ``requires_grad``, non-trainable =
frozen parameters, and a third count, buffer elements (``core/pytorch.py``). The keys keep
their meaning in either convention; in the Keras convention ``buffers`` is always 0.

Costs (cost_conventions.md, batch 1): a row's MACs are the sum over its members (every call
of a shared layer; every layer of a nested model); its activation elements are its own
outputs (every call of a shared layer; a nested model's output layer only).
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain, compress
from operator import attrgetter
from typing import Any, NamedTuple, Union

from paramlab.core.costs import FLOPS_PER_MAC, activation_elements
from paramlab.core.graph import LayerGraph
from paramlab.core.group_outputs import GroupTensor, group_tensors, tensor_positions
from paramlab.core.propagate import (
    BYTES_PER_PARAM,
    LayerResult,
    LayerResults,
    PropagationResult,
    propagate,
)
from paramlab.core.pytorch import KERAS, NO_EQUIVALENT, PYTORCH, reconciliation, torch_formula
from paramlab.core.text import format_number
from paramlab.core.types import Severity, Shape, format_outputs

INPUT_TYPE = "InputLayer"  # the type of the rows whose tensor is a model input
_SEVERITY_RANK = {Severity.ERROR.value: 3, Severity.UNRESOLVED.value: 2,
                  Severity.WARNING.value: 1, None: 0}


class SummaryRow(NamedTuple):
    """One row of the summary: a layer, a shared layer's calls, or a collapsed nested model.

    An immutable record (a named tuple: rows are built by the thousand, and a tuple costs
    a fraction of a dataclass), equal to another row when every field is.

    Attributes:
        node_id: The layer's id in the graph (for a collapsed group: its output layer's id).
        name, type: Keras's layer name and class name (a group's name and type).
        output_shape: Batch axis first as ``None``; ``None`` when unresolved.
        trainable, non_trainable, total: Parameter counts.
        connected_to: Names of the rows feeding it, by input index (plain names, each the
            ``name`` of another row).
        error: The diagnostic message, or ``None``.
        severity: ``"error"``, ``"unresolved"``, ``"warning"`` or ``None``.
        layer_trainable: The layer's own ``trainable`` flag (a group's flag for a group).
        source: The layer's own propagation result, which :attr:`formula`,
            :attr:`reconciliation` and :attr:`torch_module` are read from when asked for
            (most summaries, the CLI's JSON and CSV among them, never show them);
            ``None`` for a collapsed nested model.
        keras_connected_to: ``connected_to`` as Keras prints it: ``conv2d[0][0]``.
        members: Ids of every graph node this row stands for (itself, its shared calls,
            or a group's layers), in topological order.
        is_group: True for a collapsed nested model.
        buffers: Buffer elements (PyTorch convention; 0 in Keras's).
        note: Information that changes no count ("Lambda: code is never executed; 0
            parameters, as in Keras; ..."); ``None`` when there is none. Unlike ``error``,
            a note leaves the counts complete.
        output_shapes: Every output's shape for a layer with several (LSTM with
            ``return_state``), as Keras's summary lists them; ``None`` for one output.
        macs: Multiply-accumulates at batch 1 (see the module doc); ``None`` when unknown.
        activation_elements: Elements of the row's outputs at batch 1; ``None`` when unknown.
        pytorch: The row counts in the PyTorch convention.
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
    source: LayerResult | None
    keras_connected_to: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    is_group: bool = False
    buffers: int = 0
    note: str | None = None
    output_shapes: tuple[Shape, ...] | None = None
    macs: int | None = None
    activation_elements: int | None = None
    pytorch: bool = False

    @property
    def flops(self) -> int | None:
        """2 × MACs; ``None`` when unknown."""
        macs = self.macs
        return None if macs is None else FLOPS_PER_MAC * macs

    @property
    def is_input(self) -> bool:
        """True for an InputLayer row (its tensor is the model's input, not an activation)."""
        return self.type == INPUT_TYPE

    @property
    def formula(self) -> str:
        """How the total is derived (``(5·5·3 + 1)·8 = 608``; in the PyTorch convention
        with the buffers; ``sum over 19 layers = 14,714,688`` for a nested model)."""
        own = self.source
        if own is None:
            return f"sum over {len(self.members)} layers = {self.total:,}"
        if self.pytorch and own.torch is not None and own.note is None:
            return torch_formula(own.torch, own.weights)
        return own.formula

    @property
    def reconciliation(self) -> str | None:
        """Where Keras and PyTorch count this layer differently, one line naming the
        weights on each side with both counts (``core.pytorch.reconciliation``); ``None``
        where they agree. Given in both conventions."""
        own = self.source
        if own is None or own.torch is None:
            return None
        return reconciliation(own.torch, own.weights, own.trainable, own.non_trainable)

    @property
    def torch_module(self) -> str | None:
        """The layer's PyTorch equivalent (``nn.BatchNorm1d``, "no PyTorch equivalent",
        "tensor operation"); ``None`` when unknown."""
        own = self.source
        if own is None:
            return None
        if own.torch is not None:
            return own.torch.mapping.module_name
        return NO_EQUIVALENT if self.pytorch and not own.known else None

    @property
    def shape_text(self) -> str:
        """The output shape as Keras prints it; a list of shapes for several outputs."""
        return format_outputs(self.output_shape, self.output_shapes)

    @property
    def failed(self) -> bool:
        """True when this row has an error or could not be resolved (not a mere warning)."""
        return self.severity in _FAILED


_FAILED = frozenset((Severity.ERROR.value, Severity.UNRESOLVED.value))


@dataclass(frozen=True)
class Summary:
    """All rows, in topological order, and the model's totals (sums over the rows).

    Attributes:
        name: The model's name.
        rows: One :class:`SummaryRow` per displayed row.
        trainable, non_trainable: Totals over the rows.
        sequential: True when the rows form one chain (each row fed by at most one row and
            feeding at most one, a single start, no shared layer): Keras then leaves out the
            "Connected to" column.
        convention: ``"keras"`` or ``"pytorch"``: which counts the rows hold.
        buffers: Buffer elements over the rows (PyTorch convention; 0 in Keras's).
        connections: True when the rows list their inputs (``connected_to``); False for a
            summary made for a view that never shows them (``summarize(...,
            connections=False)``), whose ``sequential`` is then False too.
    """

    name: str
    rows: tuple[SummaryRow, ...]
    trainable: int
    non_trainable: int
    sequential: bool = True
    convention: str = KERAS
    buffers: int = 0
    # (activation, input) elements of the collapsed rows, when these rows expand groups.
    top_level_elements: tuple[int, int] | None = None
    # What the rows were built from, so that the next summary of the same graph rebuilds
    # only the rows that changed (``summarize(..., previous=...)``).
    basis: _Basis | None = field(default=None, compare=False, repr=False)
    # False: built with ``summarize(..., connections=False)``: no row lists its inputs.
    connections: bool = True

    @property
    def total(self) -> int:
        return self.trainable + self.non_trainable

    @property
    def memory_bytes(self) -> int:
        """Parameter memory at float32, in bytes."""
        return self.total * BYTES_PER_PARAM

    # The sums below are read by every writer, some more than once: computed once each
    # (the summary is immutable).
    @cached_property
    def has_errors(self) -> bool:
        return not _FAILED.isdisjoint(map(_SEVERITY, self.rows))

    @cached_property
    def macs(self) -> int:
        """Multiply-accumulates of one forward pass at batch 1: the sum over the rows whose
        MACs are known (see :attr:`unknown_cost_rows`)."""
        return sum(filter(None, map(_MACS, self.rows)))  # None (unknown) and 0 add nothing

    @property
    def flops(self) -> int:
        """2 × :attr:`macs` (cost_conventions.md)."""
        return FLOPS_PER_MAC * self.macs

    @property
    def activation_elements(self) -> int:
        """Output elements of every non-input top-level row at batch 1 (rows with a known
        shape). cost_conventions.md section 5: a nested model counts its own outputs only,
        whether or not its rows are expanded, so expanding a group never changes this."""
        return self._elements[0]

    @property
    def input_elements(self) -> int:
        """Elements of the model's input tensors at batch 1 (the InputLayer rows)."""
        return self._elements[1]

    @cached_property
    def _elements(self) -> tuple[int, int]:
        """(:attr:`activation_elements`, :attr:`input_elements`), both summed in one pass
        over the rows (every writer reads both)."""
        if self.top_level_elements is not None:
            return self.top_level_elements
        # Known elements of every row, and of the input rows (a row's type is INPUT_TYPE,
        # as SummaryRow.is_input says), in C loops (None, unknown, and 0 add nothing).
        rows = self.rows
        known = sum(filter(None, map(_ELEMENTS, rows)))
        inputs = sum(filter(None, compress(map(_ELEMENTS, rows),
                                           map(INPUT_TYPE.__eq__, map(_TYPE, rows)))))
        return known - inputs, inputs

    @cached_property
    def unknown_cost_rows(self) -> int:
        """Rows whose MACs or activation elements are unknown (an unknown length, an
        unknown layer type, an error): the cost totals leave them out."""
        return sum(1 for r in self.rows if r.macs is None or r.activation_elements is None)


_SEVERITY = attrgetter("severity")
_MACS = attrgetter("macs")
_ELEMENTS = attrgetter("activation_elements")
_TYPE = attrgetter("type")


def partial_note(unresolved: int) -> str:
    """What follows a total when ``unresolved`` layers could not be computed (their
    parameters are missing from it): ``" — partial, 3 layers unresolved"``, or ``""``."""
    if unresolved <= 0:
        return ""
    return f" — partial, {unresolved} layer{'s' if unresolved != 1 else ''} unresolved"


RowKey = Union[str, tuple[str, str]]


@dataclass(frozen=True)
class _Basis:
    """The state a :class:`Summary` was built from: when the next summary is asked for the
    same graph with the same layers and connections (same ``structure_version`` and order),
    the same expansion, convention and nested-model settings, only the rows whose layers
    changed are built again (a layer touched since ``clock``, a layer whose propagation
    result is a new object, a renamed row and the rows it feeds)."""

    key: tuple[Any, ...]
    clock: int
    order: tuple[str, ...]
    layers: Mapping[str, LayerResult]
    row_of: dict[str, RowKey]
    call_index: dict[str, int]
    row_keys: list[RowKey]
    row_members: dict[RowKey, Sequence[str]]
    names: dict[RowKey, str]
    rows: tuple[SummaryRow, ...]
    collapsed: Summary | None


def summarize(graph: LayerGraph, result: PropagationResult | None = None,
              expand_groups: bool | Collection[str] = False,
              convention: str = KERAS, previous: Summary | None = None, *,
              connections: bool = True) -> Summary:
    """Build the summary of ``graph`` (propagating it unless ``result`` is given).

    Args:
        graph: The model.
        result: Its propagation result, if already computed for this graph state.
        expand_groups: ``False`` (default): every nested model is one row, as Keras prints
            it; ``True``: one row per layer inside them too; a collection of group names:
            expand only those.
        convention: ``"keras"`` (default) or ``"pytorch"``: whose counts the rows hold.
        previous: An earlier summary of the same graph (the GUI's last one): rows of layers
            unchanged since are reused, so an edit costs time in proportion to the rows it
            changes; the result is equal to a summary built afresh.
        connections: ``False`` for a view that never shows "Connected to" (the JSON
            document): every row's ``connected_to`` and ``keras_connected_to`` are left
            empty and ``sequential`` is ``False`` (the summary's ``connections`` says so,
            and the writers that show the column refuse it); names, counts, shapes and
            costs are the same. Reading and quoting every layer's inputs is a fifth of the
            summary's work.

    Returns:
        The :class:`Summary`; its totals are the sums of its rows.

    Raises:
        ValueError: unknown convention.
    """
    if convention not in (KERAS, PYTORCH):
        raise ValueError(f"unknown convention {convention!r}; choose keras or pytorch")
    torch = convention == PYTORCH
    if result is None:
        result = propagate(graph)
    order = result.order
    layers = result.layers
    result_of = layers.getter() if isinstance(layers, LayerResults) else layers.__getitem__
    raw = graph.raw
    if not connections and not graph.groups and (previous is None or not previous.connections):
        rows = _plain_rows(graph, order, result_of, torch)
        if rows is not None:
            return Summary(graph.name, rows, sum(map(_TRAINABLE, rows)),
                           sum(map(_NON_TRAINABLE, rows)), False, convention,
                           sum(map(_BUFFERS, rows)), None, None, False)
    expand_key: Any = (expand_groups if isinstance(expand_groups, bool)
                       else frozenset(expand_groups))
    key_of_state = (graph.token, graph.structure_version, expand_key, convention,
                    repr(graph.groups))
    basis = previous.basis if previous is not None else None
    if basis is not None and (not previous.connections or basis.key != key_of_state
                              or (basis.order is not order and basis.order != order)):
        basis = None

    def collapsed(group: str | None) -> bool:
        if group is None:
            return False
        if expand_groups is True:
            return False
        if expand_groups is False:
            return True
        return group not in expand_groups

    # A row's key: the id of the layer it shows (a shared layer's owner), or
    # ("group", name) for a collapsed nested model.
    raw_names: dict[RowKey, str] | None = None
    if basis is not None:
        row_of, call_index = basis.row_of, basis.call_index
        row_keys, row_members = basis.row_keys, basis.row_members
    else:
        # Map every node to the row that shows it, and number shared calls.
        row_of = {}  # node id -> row key
        call_index = {}  # node id -> Keras node index of its call
        row_members = {}  # row key -> its nodes: (n,), or a list for several
        row_keys = []
        raw_names = {}  # row key -> its name, gathered on the way (a rename rebuilds anew)
        calls_so_far: dict[str, int] = {}
        for n in order:
            d = raw(n)
            group = d.get("group")
            owner = d.get("shared_with")
            key: RowKey
            if group is None and owner is None:  # a plain layer: most of them
                key = n
                call_index[n] = 0
                raw_names[n] = d["name"]
            elif collapsed(group):
                key = ("group", group)
                call_index[n] = 0
                raw_names[key] = group  # type: ignore[assignment]
            elif owner is not None and owner in graph and not collapsed(raw(owner).get("group")):
                key = owner
                calls_so_far[owner] = calls_so_far.get(owner, 0) + 1
                call_index[n] = calls_so_far[owner]
                raw_names[key] = raw(owner)["name"]
            else:
                key = n
                call_index[n] = 0
                raw_names[key] = d["name"]
            row_of[n] = key
            members = row_members.get(key)
            if members is None:
                row_members[key] = (n,)
                row_keys.append(key)
            elif type(members) is tuple:
                row_members[key] = [*members, n]
            else:
                members.append(n)
        # A shared call may come before its owner in topological order (it never does in a
        # Keras file, but a user can wire it so); the owner's row then sits where it first
        # shows.

    if raw_names is not None:
        names = raw_names
    else:
        names = {key: key[1] if type(key) is tuple else raw(key)["name"] for key in row_keys}

    inputs = graph.input_tensors  # (source, input index, source's output index)
    exposed: dict[str, list[GroupTensor]] = {}  # collapsed group -> the tensors it exposes
    positions: dict[str, dict[tuple[str, int], tuple[int, int]]] = {}  # and where each sits

    def tensors_of(group: str) -> list[GroupTensor]:
        found = exposed.get(group)
        if found is None:
            found = exposed[group] = group_tensors(graph, group, row_members[("group", group)],
                                                   layers)
        return found

    def group_ref(group: str, src: str, tensor: int) -> str:
        """How Keras names output ``tensor`` of member ``src`` of a collapsed nested
        model: ``model[call][position]`` among the model's outputs."""
        where = positions.get(group)
        if where is None:
            where = positions[group] = tensor_positions(tensors_of(group))
        call, position = where.get((src, tensor), (0, tensor))
        return f"{group}[{call}][{position}]"

    def build(key: RowKey) -> SummaryRow:
        members = row_members[key]
        is_group = type(key) is tuple
        connected: tuple[str, ...]
        keras_connected: tuple[str, ...]
        calls: Iterable[tuple[str, list[tuple[str, int, int]]]]
        if not is_group and len(members) == 1:  # most rows: one layer called once
            n = members[0]
            if not connections:
                return _one_layer_row(raw(n), n, members, result_of(n), (), (), torch, graph)
            ins = inputs(n)
            if len(ins) == 1:  # the commonest case, without building lists
                src, _, tensor = ins[0]
                src_key = row_of[src]
                src_name = names[src_key]
                if type(src_key) is tuple:
                    return _one_layer_row(raw(n), n, members, result_of(n), (src_name,), (
                        group_ref(src_key[1], src, tensor),), torch, graph)
                return _one_layer_row(raw(n), n, members, result_of(n), (src_name,), (
                    f"{src_name}[{call_index[src]}][{tensor}]",), torch, graph)
            calls = ((n, ins),)
        elif not connections:
            calls = ()
        else:
            calls = [(n, inputs(n)) for n in members]
        inside: Collection[str] = set(members) if is_group else ()
        connected_list: list[str] = []
        keras_list: list[str] = []
        for n, ins in calls:
            for src, _, tensor in ins:
                if src in inside:  # a connection within a collapsed nested model
                    continue
                src_key = row_of[src]
                src_name = names[src_key]
                connected_list.append(src_name)
                keras_list.append(group_ref(src_key[1], src, tensor) if type(src_key) is tuple
                                  else f"{src_name}[{call_index[src]}][{tensor}]")
        connected, keras_connected = tuple(connected_list), tuple(keras_list)
        if is_group:
            return _group_row(graph, key[1], members, layers, connected, keras_connected,
                              torch, tensors_of(key[1]))
        return _layer_row(graph, key, members, layers, connected,  # type: ignore[arg-type]
                          keras_connected, torch)

    if basis is None:
        rows = list(map(build, row_keys))
    else:
        old_layers = basis.layers
        dirty = {row_of[n] for n in graph.changed_since(basis.clock) if n in row_of}
        renamed = [key for key in row_keys if names[key] != basis.names[key]]
        dirty.update(renamed)
        for key in renamed:  # the rows it feeds quote its name
            for m in row_members[key]:
                dirty.update(row_of[dst] for dst, _ in graph.outputs(m))
        for key in row_keys:
            if key in dirty:
                continue
            members = row_members[key]
            if len(members) == 1:
                m = members[0]
                if layers[m] is not old_layers[m]:
                    dirty.add(key)
            elif any(layers[m] is not old_layers[m] for m in members):
                dirty.add(key)
        rows = [build(key) if key in dirty else old
                for key, old in zip(row_keys, basis.rows)]

    top_level = collapsed_summary = None
    if expand_groups is not False and graph.groups:
        collapsed_summary = summarize(graph, result, False, convention,
                                      basis.collapsed if basis is not None else None,
                                      connections=connections)
        top_level = (collapsed_summary.activation_elements, collapsed_summary.input_elements)
    row_tuple = tuple(rows)
    new_basis = _Basis(key_of_state, graph.clock, order, layers, row_of, call_index, row_keys,
                       row_members, names, row_tuple, collapsed_summary)
    return Summary(graph.name, row_tuple, sum(map(_TRAINABLE, rows)),
                   sum(map(_NON_TRAINABLE, rows)), connections and _is_chain(rows), convention,
                   sum(map(_BUFFERS, rows)), top_level, new_basis, connections)


def _plain_rows(graph: LayerGraph, order: Sequence[str],
                result_of: Callable[[str], LayerResult],
                torch: bool) -> tuple[SummaryRow, ...] | None:
    """The rows of a model without nested models or shared layers (every
    keras.applications model), for a summary without inputs: one row per layer, in
    ``order``, as the general path builds them, without the row bookkeeping that only
    nested models, shared calls, "Connected to" and the next incremental summary need.
    ``None`` as soon as a layer belongs to a nested model or shares weights."""
    node = graph.nx_graph._node  # graph.raw without its call: every id of order is a node
    rows = []
    for n in order:
        d = node[n]
        if d.get("group") is not None or d.get("shared_with") is not None:
            return None
        rows.append(_one_layer_row(d, n, (n,), result_of(n), (), (), torch, graph))
    return tuple(rows)


_TRAINABLE = attrgetter("trainable")
_NON_TRAINABLE = attrgetter("non_trainable")
_BUFFERS = attrgetter("buffers")
_CONNECTED = attrgetter("connected_to")


def _is_chain(rows: list[SummaryRow]) -> bool:
    """True when the rows form one chain: each fed by at most one row and feeding at most
    one, a single start, no shared layer (Keras then leaves out "Connected to")."""
    connected = list(map(_CONNECTED, rows))
    inputs_per_row = list(map(len, connected))
    if max(inputs_per_row, default=0) > 1 or inputs_per_row.count(0) > 1:
        return False
    fed = list(chain.from_iterable(connected))
    return (len(fed) == len(set(fed))
            and all(len(r.members) == 1 or r.is_group for r in rows))


def _worst(results: list[tuple[str, LayerResult]], graph: LayerGraph,
           prefix_names: bool) -> tuple[str | None, str | None]:
    """The message and severity of the worst diagnostic among ``results``."""
    best: tuple[int, str | None, str | None] = (0, None, None)
    for n, r in results:
        diag = r.diagnostic
        if diag is None:
            continue
        rank = _SEVERITY_RANK[diag.severity.value]
        if rank > best[0]:
            msg = f"{graph.raw(n)['name']}: {diag.message}" if prefix_names else diag.message
            best = (rank, msg, diag.severity.value)
    return best[1], best[2]


def layer_counts(graph: LayerGraph, n: str, r: LayerResult,
                 torch: bool = False) -> tuple[int, int, int]:
    """(trainable, non-trainable, buffers) of layer ``n`` as its summary row counts it, in
    Keras's convention or (``torch``) PyTorch's, as propagation counted them (a layer of a
    frozen nested model has all its parameters non-trainable); buffers are 0 in Keras's
    convention."""
    if torch and r.torch is not None:
        return r.torch.trainable, r.torch.non_trainable, r.torch.buffers
    return r.trainable, r.non_trainable, 0


def _sum_counts(graph: LayerGraph, results: list[tuple[str, LayerResult]],
                torch: bool) -> tuple[int, int, int]:
    trainable = non_trainable = buffers = 0
    for m, r in results:
        t, nt, b = layer_counts(graph, m, r, torch)
        trainable += t
        non_trainable += nt
        buffers += b
    return trainable, non_trainable, buffers


_new_row = tuple.__new__  # SummaryRow's fields in order, without its Python-level __new__


def _one_layer_row(d: dict[str, Any], n: str, members: tuple[str], own: LayerResult,
                   connected: tuple[str, ...], keras_connected: tuple[str, ...], torch: bool,
                   graph: LayerGraph) -> SummaryRow:
    """The row of layer ``n`` (attributes ``d``, result ``own``), called once."""
    trainable, non_trainable, buffers = layer_counts(graph, n, own, torch)
    error, severity = ((None, None) if own.diagnostic is None
                       else _worst([(n, own)], graph, prefix_names=False))
    return _new_row(SummaryRow, (
        n, d["name"], d["type"], own.output_shape, trainable, non_trainable,
        trainable + non_trainable, connected, error, severity, d["trainable"], own,
        keras_connected, members, False, buffers, own.info, own.output_shapes, own.macs,
        own.activation_elements, torch))


def _layer_row(graph: LayerGraph, n: str, members: Sequence[str],
               layers: Mapping[str, LayerResult], connected: tuple[str, ...],
               keras_connected: tuple[str, ...], torch: bool = False) -> SummaryRow:
    d = graph.raw(n)
    own = layers[n]
    if len(members) == 1:
        return _one_layer_row(d, n, tuple(members), own, connected, keras_connected, torch,
                              graph)
    results = [(m, layers[m]) for m in members]
    last = results[-1][1]  # Keras prints the output shape of the layer's last call.
    trainable, non_trainable, buffers = _sum_counts(graph, results, torch)
    error, severity = _worst(results, graph, prefix_names=True)
    return _new_row(SummaryRow, (
        n, d["name"], d["type"], last.output_shape, trainable, non_trainable,
        trainable + non_trainable, connected, error, severity, d["trainable"], own,
        keras_connected, tuple(members), False, buffers, own.info, last.output_shapes,
        _sum_known(r.macs for _, r in results),
        _sum_known(r.activation_elements for _, r in results), torch))


def _group_row(graph: LayerGraph, group: str, members: Sequence[str],
               layers: Mapping[str, LayerResult], connected: tuple[str, ...],
               keras_connected: tuple[str, ...], torch: bool,
               tensors: Sequence[GroupTensor]) -> SummaryRow:
    """The row of collapsed nested model ``group``; ``tensors``: what it exposes
    (``core.group_outputs.group_tensors``)."""
    meta = graph.groups.get(group, {})
    results = [(m, layers[m]) for m in members]
    trainable, non_trainable, buffers = _sum_counts(graph, results, torch)
    outputs = list(dict.fromkeys(t.member for t in tensors))
    out_id = outputs[-1]
    # Keras prints the outputs of the model's last call (summary_utils.format_layer_shape),
    # and counts the elements of every call's (cost_conventions.md section 5).
    shapes = tuple(t.shape for t in tensors if t.call == tensors[-1].call)
    error, severity = _worst(results, graph, prefix_names=True)
    # Its first output, as a multi-output layer's row gives (all of them: output_shapes).
    return SummaryRow(out_id, group, str(meta.get("type", "Functional")), shapes[0],
                      trainable, non_trainable, trainable + non_trainable, connected, error,
                      severity, bool(meta.get("trainable", True)), None, keras_connected,
                      tuple(members), True, buffers,
                      macs=_sum_known(r.macs for _, r in results),
                      activation_elements=_sum_known(activation_elements(t.shape)
                                                     for t in tensors),
                      output_shapes=shapes if len(shapes) > 1 and None not in shapes else None,
                      pytorch=torch)


def _sum_known(values: Iterable[int | None]) -> int | None:
    """The sum, or ``None`` when one of the values is unknown."""
    total = 0
    for v in values:
        if v is None:
            return None
        total += v
    return total


def format_bytes(n: int) -> str:
    """Keras's summary style: ``245.93 KB``, ``527.79 MB``, ``0.00 B`` (1 KB = 1024 B).

    Never raises: a count too large for a float (a model with absurd sizes) is written as
    a power of ten of GB (``about 4.00×10³⁰⁰ GB``)."""
    for power, unit in enumerate(("B", "KB", "MB", "GB")):
        if n < 1024 ** (power + 1) or unit == "GB":
            break
    if n >= 2**1000:  # int / int would overflow a float
        return f"{format_number(n // 1024**3)} GB"
    return f"{n / 1024**power:.2f} {unit}"
