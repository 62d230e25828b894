"""Shape and parameter propagation: the pure function every view of the model reads.

``propagate(graph)`` walks the layers in topological order and gives each its output
shape (batch axis ``None``), weights, trainable / non-trainable / total counts, teaching
formula, compute cost (MACs, activation elements: ``core.costs``) and diagnostic. It never
raises on user input: an impossible layer gets an
``ERROR`` diagnostic, layers fed by it get ``UNRESOLVED``, the rest is still counted.

Given the previous result, only layers changed since then and their descendants are
recomputed (the graph stamps every change); everything else is reused as is.

Counting follows Keras: a weight is trainable when the weight, its layer and the nested
model holding the layer (``graph.groups[group]["trainable"]``) are all trainable
(``layer.trainable = False`` freezes every weight, BatchNormalization's gamma and beta
included; ``model.trainable = False`` every weight of its layers); a layer called twice (``shared_with``) counts its weights once, on the
layer that owns them.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any

from paramlab.core.catalogue import CATALOGUE
from paramlab.core.costs import FLOPS_PER_MAC, activation_elements, layer_costs
from paramlab.core.errors import LayerError
from paramlab.core.formula import weight_formula
from paramlab.core.funnel import explain
from paramlab.core.graph import LayerGraph
from paramlab.core.opaque import describe as describe_opaque
from paramlab.core.pytorch import TorchCounts, TorchMapping, count_torch
from paramlab.core.shapes import rules_see_channels_last, to_channels_first, to_channels_last
from paramlab.core.text import MAX_RANK, MAX_SIZE, elide_name, elide_value, format_number
from paramlab.core.types import (
    Diagnostic,
    Severity,
    Shape,
    WeightSpec,
    fast_frozen_init,
    frozen_builder,
)

log = logging.getLogger(__name__)
_CATALOGUE_GET = CATALOGUE.get  # core.catalogue.get_spec without its call

BYTES_PER_PARAM = 4  # float32, as Keras's summary reports memory


@dataclass(frozen=True, slots=True, init=False)
class LayerResult:
    """What propagation computed for one layer.

    Attributes:
        node_id: The layer's id.
        input_shapes: Shapes of its inputs, by input index.
        output_shape: Its output shape, ``None`` when it could not be computed.
        weights: Its weights in Keras's build order (empty on error).
        trainable, non_trainable, total: Parameter counts (0 for a shared call).
        note: Replaces the formula where there is none to derive (a shared call, an
            unknown layer, an error); ``None`` otherwise.
        diagnostic: The problem found on this layer, or ``None``.
        known: False for a layer type the catalogue does not know (``core.opaque``).
        macs: Multiply-accumulates of this call at batch 1 (cost_conventions.md; a shared
            layer's every call has its own); ``None`` when unknown (an unknown length, an
            error).
        activation_elements: Elements of its output at batch 1; ``None`` when unknown.
        info: A note that changes no count ("Lambda: code is never executed; ..."), or None.
        output_shapes: Every output tensor's shape, by output index, for a layer with more
            than one (LSTM with ``return_state``: output, state_h, state_c); ``None`` for a
            single output (``output_shape`` is always the first).
        torch: The PyTorch-convention counts (:class:`core.pytorch.TorchCounts`: trainable,
            non-trainable, buffer elements and the ``torch.nn`` mapping); ``None`` when the
            layer could not be computed or its type is unknown. Computed when first read
            (propagation runs the PyTorch rule then); equality, hashing and ``repr`` read it
            like any other field.
    """

    node_id: str
    input_shapes: tuple[Shape, ...]
    output_shape: Shape | None
    weights: tuple[WeightSpec, ...]
    trainable: int
    non_trainable: int
    note: str | None
    diagnostic: Diagnostic | None = None
    known: bool = True
    torch: TorchCounts | None = None
    macs: int | None = None
    activation_elements: int | None = None
    info: str | None = None
    output_shapes: tuple[Shape, ...] | None = None

    @property
    def total(self) -> int:
        return self.trainable + self.non_trainable

    @property
    def flops(self) -> int | None:
        """2 × MACs (cost_conventions.md), ``None`` when the MACs are unknown."""
        return None if self.macs is None else FLOPS_PER_MAC * self.macs

    @property
    def formula(self) -> str:
        """How the total is derived, e.g. ``(5·5·3 + 1)·8 = 608``; derived on demand from
        ``weights`` (views ask for a few layers, propagation touches them all)."""
        return self.note if self.note is not None else weight_formula(self.weights)

    @property
    def ok(self) -> bool:
        return self.diagnostic is None or self.diagnostic.severity is Severity.WARNING


fast_frozen_init(LayerResult)


_TORCH_SLOT = LayerResult.__dict__["torch"]  # the slot's own descriptor, before the property


def _read_torch(self: LayerResult) -> TorchCounts | None:
    # Propagation stores the arguments of _torch_counts in the slot, as a tuple, and the
    # first read runs it: most runs never read the PyTorch counts (the Keras convention),
    # and its rule costs about as much as the Keras shape rule.
    value = _TORCH_SLOT.__get__(self, LayerResult)
    if value.__class__ is tuple:
        value = _torch_counts(*value)
        _TORCH_SLOT.__set__(self, value)
    return value


# The field's slot behind a property that computes it on first read; __init__ and
# dataclasses' own __setstate__ write the slot (assignment still raises: frozen).
LayerResult.torch = property(_read_torch, _TORCH_SLOT.__set__,  # type: ignore[assignment]
                             doc="PyTorch-convention counts (see the class doc).")
_KERAS_FIELDS = attrgetter(*(f.name for f in fields(LayerResult) if f.name != "torch"))


def _same(r: LayerResult, prev: LayerResult) -> bool:
    """``r == prev`` for a recomputed descendant, without computing PyTorch counts nobody
    has read: while both are still the rule's arguments, equal arguments (the same rule,
    shapes, config and counts) give equal counts. Unequal arguments say "not the same",
    which at worst replaces ``prev`` by an equal result (a descendant's config and
    trainability are unchanged, so its arguments differ only with its input shapes)."""
    a, b = _TORCH_SLOT.__get__(r, LayerResult), _TORCH_SLOT.__get__(prev, LayerResult)
    if a.__class__ is tuple and b.__class__ is tuple:
        return a[0] is b[0] and a[1:] == b[1:] and _KERAS_FIELDS(r) == _KERAS_FIELDS(prev)
    return r == prev

# Every field after node_id, in __init__'s order, read in one C call.
_RESULT_REST = attrgetter(*(f.name for f in fields(LayerResult)[1:]))
# LayerResult(...) for the per-layer paths below (core.types.frozen_builder).
_new_result = frozen_builder(LayerResult)


class LayerResults(Mapping[str, LayerResult]):
    """node id -> :class:`LayerResult`, shared between successive results: a full dict
    (``base``) plus the layers recomputed or removed since it was built (``over``, where
    ``None`` marks a removed layer). An incremental propagation copies only ``over``, so
    its cost follows the number of changes, not the size of the model; ``over`` is folded
    into a new base once it holds more than ``_FOLD_MIN + len(base) // _FOLD_RATIO``
    layers (amortised O(1) per change)."""

    __slots__ = ("_base", "_len", "_over")

    def __init__(self, base: dict[str, LayerResult],
                 over: dict[str, LayerResult | None] | None = None) -> None:
        self._base = base
        self._over = over or {}
        n = len(base)
        for k, v in self._over.items():
            n += (v is not None) - (k in base)
        self._len = n

    def getter(self) -> Callable[[str], LayerResult]:
        """``self[node_id]`` as a function: the base dict's own lookup when nothing is
        layered over it (a full propagation's results), for loops over every layer."""
        return self.__getitem__ if self._over else self._base.__getitem__

    def __getitem__(self, node_id: str) -> LayerResult:
        over = self._over
        if node_id in over:
            r = over[node_id]
            if r is None:
                raise KeyError(node_id)
            return r
        return self._base[node_id]

    def __contains__(self, node_id: object) -> bool:
        over = self._over
        if node_id in over:
            return over[node_id] is not None  # type: ignore[index]
        return node_id in self._base

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[str]:
        over = self._over
        if not over:
            yield from self._base
            return
        for k in self._base:
            if k not in over or over[k] is not None:
                yield k
        for k, v in over.items():
            if v is not None and k not in self._base:
                yield k

    def updated(self, changes: dict[str, LayerResult | None]) -> LayerResults:
        """A new mapping with ``changes`` applied (``None`` removes); ``self`` unchanged."""
        over = dict(self._over)
        over.update(changes)
        if len(over) > _FOLD_MIN + len(self._base) // _FOLD_RATIO:
            base = dict(self._base)
            for k, v in over.items():
                if v is None:
                    base.pop(k, None)
                else:
                    base[k] = v
            return LayerResults(base)
        return LayerResults(self._base, over)


_FOLD_MIN, _FOLD_RATIO = 64, 32


@dataclass(frozen=True)
class PropagationResult:
    """Results for every layer of one graph state.

    Attributes:
        layers: node id -> :class:`LayerResult`.
        order: Node ids in topological order.
        clock: The graph's clock when computed (to find what changed since).
        recomputed: Ids of the layers computed afresh (the rest were reused).
        trainable, non_trainable: Sums over every layer (kept up to date incrementally).
        failed: Ids of the layers whose result is not :attr:`LayerResult.ok`.
        noted: Ids of the layers that carry a diagnostic (warnings included).
    """

    layers: Mapping[str, LayerResult]
    order: tuple[str, ...]
    clock: int
    graph_token: int
    recomputed: frozenset[str] = field(default_factory=frozenset)
    trainable: int = 0
    non_trainable: int = 0
    failed: frozenset[str] = field(default_factory=frozenset)
    noted: frozenset[str] = field(default_factory=frozenset)
    # The graph's cached order list ``order`` was made from: while the graph hands out the
    # same list, the next result reuses the tuple instead of copying 100,000 ids.
    order_source: list[str] | None = field(default=None, compare=False, repr=False)

    @property
    def total(self) -> int:
        return self.trainable + self.non_trainable

    @property
    def memory_bytes(self) -> int:
        """Parameter memory at float32 (4 bytes each), as Keras's summary prints it."""
        return self.total * BYTES_PER_PARAM

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Every layer's diagnostic, in topological order."""
        if not self.noted:
            return []
        if len(self.noted) * 8 < len(self.order):
            pos = {n: i for i, n in enumerate(self.order)}
            ids: Iterable[str] = sorted(self.noted, key=pos.__getitem__)
        else:
            ids = (n for n in self.order if n in self.noted)
        return [self.layers[n].diagnostic for n in ids]  # type: ignore[misc]

    @property
    def has_errors(self) -> bool:
        return bool(self.failed)


def propagate(graph: LayerGraph, previous: PropagationResult | None = None) -> PropagationResult:
    """Compute every layer's output shape, weights and counts.

    Args:
        graph: The model.
        previous: The result for an earlier state of the *same* graph; when given, only
            the layers changed since and their descendants are recomputed, in time
            proportional to their number (plus a sort of the order after a structural
            change), not to the size of the model.

    Returns:
        A new :class:`PropagationResult`; ``previous`` is not modified.
    """
    order_list = graph.topological_order()
    if previous is None or previous.graph_token != graph.token:
        return _full(graph, order_list)
    order = previous.order if previous.order_source is order_list else tuple(order_list)
    changed = graph.changed_since(previous.clock)
    todo = _affected(graph, changed)
    direct = changed.union(*(graph.shared_calls(n) for n in changed if n in graph))
    tally = _Tally(previous)
    if not todo:
        return _result(previous.layers, order, order_list, graph, frozenset(), tally)
    g = graph.nx_graph
    alive = [n for n in todo if n in g]
    if len(alive) * 4 > len(order_list):
        ordered: Iterable[str] = (n for n in order_list if n in todo)
    else:
        pos = graph.order_index()
        ordered = sorted(alive, key=pos.__getitem__)
    old = previous.layers
    changes: dict[str, LayerResult | None] = {}
    for n in todo:
        r = old.get(n)
        if r is not None:
            tally.drop(n, r)
            if n not in g:
                changes[n] = None
    done = _Overlay(changes, old)
    memo: dict[tuple[Any, ...], tuple[dict[str, Any], LayerResult]] = {}
    same: dict[tuple[Any, ...], str] = {}
    for n in ordered:
        prev = old.get(n)
        if prev is not None and n not in direct:
            # A descendant: its result depends only on its inputs' results; while they are
            # the previous objects it is too, and an equal result keeps the previous object
            # (views compare results by identity and redraw only what changed).
            if all(done[s] is old.get(s) for s, _ in graph.inputs(n)):
                r = prev
            else:
                r = _compute_call(graph, n, done, memo, same=same)  # type: ignore[arg-type]
                if _same(r, prev):
                    r = prev
        else:
            r = _compute_call(graph, n, done, memo, same=same)  # type: ignore[arg-type]
        changes[n] = r
        tally.add(n, r)
    layers = old.updated(changes) if isinstance(old, LayerResults) else \
        LayerResults(dict(old)).updated(changes)
    return _result(layers, order, order_list, graph, frozenset(alive), tally)


def _full(graph: LayerGraph, order_list: list[str]) -> PropagationResult:
    results: dict[str, LayerResult] = {}
    tally = _Tally()
    memo: dict[tuple[Any, ...], tuple[dict[str, Any], LayerResult]] = {}
    same: dict[tuple[Any, ...], str] = {}
    node = graph.nx_graph._node  # graph.raw without its call, for every layer
    add = tally.add
    for n in order_list:
        d = node[n]
        if d.get("shared_with") is None:
            r = results[n] = _compute_raw(graph, n, d, results, same)
        else:
            r = results[n] = _compute_call(graph, n, results, memo, d)
        add(n, r)
    return _result(LayerResults(results), tuple(order_list), order_list, graph,
                   frozenset(order_list), tally)


class _Tally:
    """The sums and id sets a :class:`PropagationResult` keeps over all its layers,
    updated layer by layer (an incremental run drops the old result of each recomputed
    layer, then adds the new one)."""

    __slots__ = ("failed", "non_trainable", "noted", "trainable")

    def __init__(self, previous: PropagationResult | None = None) -> None:
        self.trainable = previous.trainable if previous else 0
        self.non_trainable = previous.non_trainable if previous else 0
        self.failed = set(previous.failed) if previous else set()
        self.noted = set(previous.noted) if previous else set()

    def add(self, node_id: str, r: LayerResult) -> None:
        self.trainable += r.trainable
        self.non_trainable += r.non_trainable
        if r.diagnostic is not None:
            self.noted.add(node_id)
            if not r.ok:
                self.failed.add(node_id)

    def drop(self, node_id: str, r: LayerResult) -> None:
        self.trainable -= r.trainable
        self.non_trainable -= r.non_trainable
        self.failed.discard(node_id)
        self.noted.discard(node_id)


def _result(layers: Mapping[str, LayerResult], order: tuple[str, ...], order_list: list[str],
            graph: LayerGraph, recomputed: frozenset[str], tally: _Tally) -> PropagationResult:
    return PropagationResult(layers, order, graph.clock, graph.token, recomputed,
                             tally.trainable, tally.non_trainable, frozenset(tally.failed),
                             frozenset(tally.noted), order_list)


class _Overlay:
    """This run's results over the previous ones: where ``_compute`` reads its inputs."""

    __slots__ = ("new", "old")

    def __init__(self, new: dict[str, LayerResult | None], old: Mapping[str, LayerResult]):
        self.new, self.old = new, old

    def __getitem__(self, node_id: str) -> LayerResult:
        r = self.new.get(node_id)
        return r if r is not None else self.old[node_id]


def _affected(graph: LayerGraph, changed: set[str]) -> set[str]:
    """The changed layers, the shared calls of changed owners, and every descendant of
    those still in the graph (removed layers stay in the set, to be dropped)."""
    if not changed:
        return changed
    g = graph.nx_graph
    succ = g._succ
    todo = set(changed)
    for n in changed:
        if n in g:
            todo.update(graph.shared_calls(n))
    stack = [n for n in todo if n in g]
    while stack:
        for v in succ[stack.pop()]:
            if v not in todo:
                todo.add(v)
                stack.append(v)
    return todo


def _fail(node_id: str, spec: Any, in_shapes: list[Any], message: str,
          severity: Severity = Severity.ERROR) -> LayerResult:
    return LayerResult(node_id, tuple(s for s in in_shapes if s is not None), None, (),
                       0, 0, "", Diagnostic(severity, node_id, message), spec is not None)


def _compute_call(graph: LayerGraph, node_id: str, done: Mapping[str, LayerResult],
                  memo: dict[tuple[Any, ...], tuple[dict[str, Any], LayerResult]],
                  d: dict[str, Any] | None = None,
                  same: dict[tuple[Any, ...], str] | None = None) -> LayerResult:
    """:func:`_compute`, except that a shared call (``shared_with``) whose owner, inputs,
    config, trainability and group equal an earlier call's reuses that call's result: a
    layer called 100,000 times is computed once per distinct input shape. Only results
    without a diagnostic are reused (a diagnostic names its layer). ``d``: the layer's
    ``graph.raw(node_id)``, when the caller has it; ``same``: see :func:`_compute_raw`."""
    if d is None:
        d = graph.raw(node_id)
    owner = d.get("shared_with")
    if owner is None:
        return _compute_raw(graph, node_id, d, done, same)
    inputs = graph.inputs(node_id)
    key = (owner, d["type"], d["trainable"], d.get("group"),
           tuple((i, _tensor_shape(done[src], graph.output_index(src, node_id, i)))
                 for src, i in inputs))
    hit = memo.get(key)
    if hit is not None and hit[0] == d["config"]:
        return _renamed(hit[1], node_id)
    r = _compute_raw(graph, node_id, d, done)
    if r.diagnostic is None:
        memo[key] = (d["config"], r)
    return r


def _renamed(r: LayerResult, node_id: str) -> LayerResult:
    """``dataclasses.replace(r, node_id=node_id)``, several times cheaper (it runs once per
    reused shared call: 100,000 times for a layer called 100,000 times). Reading ``r``'s
    fields computes its PyTorch counts once; every copy shares them."""
    return _new_result(node_id, *_RESULT_REST(r))


def _tensor_shape(r: LayerResult, output: int) -> Any:
    """The shape of output ``output`` of a computed layer (``None`` if it has no such)."""
    if r.output_shapes is not None:
        return r.output_shapes[output] if output < len(r.output_shapes) else None
    return r.output_shape if output == 0 else None


def _compute(graph: LayerGraph, node_id: str, done: Mapping[str, LayerResult]) -> LayerResult:
    """Layer ``node_id``'s result, from its inputs' results in ``done``."""
    return _compute_raw(graph, node_id, graph.raw(node_id), done)


def _compute_raw(graph: LayerGraph, node_id: str, d: dict[str, Any],
                 done: Mapping[str, LayerResult],
                 same: dict[tuple[Any, ...], str] | None = None) -> LayerResult:
    """Layer ``node_id``'s result (``d``: its ``graph.raw``). ``same``: the id of the first
    ``fields_only`` layer of this run (its result is in ``done``) by type, input shapes, axis
    order, trainability and field values: a layer equal to it on all of these takes its shapes,
    weights, counts and costs instead of running the rules again (``LayerSpec.fields_only``;
    about half the layers of a keras.applications model repeat an earlier one)."""
    spec = _CATALOGUE_GET(d["type"])
    inputs = graph.input_tensors(node_id)
    n_in = len(inputs)
    wrong_output = None
    # Most inputs read the first output of a single-output layer: its output_shape.
    in_shapes: list[Any] | tuple[Any, ...]
    if n_in == 1:
        r = done[inputs[0][0]]
        if inputs[0][2] or r.output_shapes is not None:
            in_shapes = [r.output_shape]
            wrong_output = _pick_outputs(graph, node_id, inputs, done, in_shapes)
        else:
            in_shapes = (r.output_shape,)  # already the tuple `shapes` below (no list)
    else:
        in_shapes = []
        plain = True
        for src, _, k in inputs:
            r = done[src]
            in_shapes.append(r.output_shape)
            if k or r.output_shapes is not None:
                plain = False
        if not plain:
            wrong_output = _pick_outputs(graph, node_id, inputs, done, in_shapes)
    if spec is None:
        return _opaque(graph, node_id, tuple(in_shapes))
    need = spec.inputs
    # input_tensors sorts by index: the indices are 0 .. n-1 unless one is missing.
    if n_in and inputs[-1][1] != n_in - 1:
        indices = [i for _, i, _ in inputs]
        missing = min(set(range(max(indices) + 1)) - set(indices))
        return _fail(node_id, spec, in_shapes,
                     f"input {missing + 1} is not connected; {d['type']} takes {need.describe()}")
    if n_in < need.minimum or (need.maximum is not None and n_in > need.maximum):
        return _fail(node_id, spec, in_shapes,
                     f"{d['type']} takes {need.describe()}, {n_in} connected")
    if wrong_output is not None:
        return _fail(node_id, spec, in_shapes, wrong_output)
    if None in in_shapes:
        for (src, _, _), shape in zip(inputs, in_shapes):
            if shape is None:
                name = graph.raw(src)["name"]
                return _fail(node_id, spec, in_shapes,
                             f"input {elide_name(name)!r} has no output shape (fix the layers "
                             "above first)",
                             Severity.UNRESOLVED)
    shapes = tuple(in_shapes)
    try:
        # An importer may have resolved this config already (LayerGraph.validated_configs,
        # dropped by every config edit): taken once, else resolved here.
        kept = graph.validated_configs.pop(node_id, None)
        config = kept[1] if kept is not None and kept[0] is spec else spec.resolve_config(
            d["config"])
        # channels_first: the rules see channels-last shapes (see core.catalogue.conv).
        first = rules_see_channels_last(spec, config)
        rule_in = to_channels_last(shapes) if first else shapes
        layer_trainable = None
        if same is not None and spec.fields_only and d.get("shared_with") is None:
            layer_trainable = _trainable(graph, d)
            try:
                # The key is hashed once (a tuple does not keep its hash): setdefault
                # files this layer's id under it, or gives the id of the earlier equal
                # layer, whose result is in ``done`` (computed again if it failed).
                seen = same.setdefault(
                    (spec.type, shapes, first, layer_trainable, spec.field_values(config)),
                    node_id)
            except TypeError:  # a field value that cannot be hashed: compute it
                seen = node_id
            if seen is not node_id and (hit := done[seen]).diagnostic is None:
                return _new_result(node_id, shapes, hit.output_shape, hit.weights,
                                   hit.trainable, hit.non_trainable, None, None, True,
                                   None if spec.torch is None else (
                                       spec, rule_in, config, layer_trainable,
                                       hit.trainable, hit.non_trainable),
                                   hit.macs, hit.activation_elements, None, hit.output_shapes)
        rule_out = spec.output_shape(rule_in, config)
        out = to_channels_first(rule_out) if first else rule_out
        _check_shape(out)
        extra: tuple[Shape, ...] = ()
        all_out = None
        if spec.extra_outputs is not None:
            extra = spec.extra_outputs(rule_in, config, rule_out)
            if first:
                extra = tuple(to_channels_first(s) for s in extra)
            for s in extra:
                _check_shape(s)
            if extra:
                all_out = (out, *extra)
        weights = spec.weights(rule_in, config)
        for w in weights:
            for x in w.shape:
                # (the class test first: isinstance is a call, and most sizes are ints)
                if (x.__class__ is not int and not isinstance(x, int)) or x <= 0:
                    raise LayerError(f"weight {w.name} would have shape {elide_value(w.shape)}; "
                                     "every size must be a positive whole number")
        macs, elements = layer_costs(spec, rule_in, rule_out, config, extra)
    except LayerError as exc:
        return _fail(node_id, spec, in_shapes, str(exc))
    except Exception as exc:  # a rule's bug must not take the app down with it
        log.exception("rule of %s failed on layer %s", d["type"], node_id)
        return _fail(node_id, spec, in_shapes,
                     f"internal error while computing {d['type']}: {explain(exc)}")
    owner = d.get("shared_with")
    if owner is not None:
        owner_name = graph.raw(owner)["name"] if owner in graph else owner
        return LayerResult(node_id, shapes, out, weights, 0, 0,
                           f"0 (shares the weights of {elide_name(owner_name)!r})",
                           torch=None if spec.torch is None else (
                               spec, rule_in, config, None, 0, 0),
                           macs=macs, activation_elements=elements, output_shapes=all_out)
    # A frozen nested model freezes all its layers (Keras: model.trainable = False).
    if layer_trainable is None:
        layer_trainable = _trainable(graph, d)
    trainable, non_trainable = count_weights(weights, layer_trainable)
    torch = None if spec.torch is None else (spec, rule_in, config, layer_trainable,
                                             trainable, non_trainable)
    return _new_result(node_id, shapes, out, weights, trainable, non_trainable, None,
                       None, True, torch, macs, elements, None, all_out)


def _pick_outputs(graph: LayerGraph, node_id: str, inputs: list[tuple[str, int, int]],
                  done: Mapping[str, LayerResult], in_shapes: list[Any]) -> str | None:
    """Replace, in ``in_shapes``, the shape of every input fed by a later output of a
    multi-output layer (``state_h`` of an LSTM); return the error when an input asks for
    an output its source does not have. ``inputs``: ``graph.input_tensors(node_id)``."""
    for i, (src, index, k) in enumerate(inputs):
        shapes = done[src].output_shapes
        if shapes is not None and k < len(shapes):
            in_shapes[i] = shapes[k]
        elif k and done[src].output_shape is not None:
            in_shapes[i] = None
            n = len(shapes) if shapes is not None else 1
            return (f"input {index + 1} takes output {k + 1} of {graph.raw(src)['name']!r}, "
                    f"which has {n} output{'s' if n != 1 else ''}")
    return None


def _torch_counts(spec: Any, shapes: tuple[Shape, ...], config: Any,
                  layer_trainable: bool | None, trainable: int,
                  non_trainable: int) -> TorchCounts:
    """A computed layer's PyTorch-convention counts (``layer_trainable`` ``None``: a shared
    call, which counts 0). Run when ``LayerResult.torch`` is first read (the copies of a
    reused shared call share their source's value), after the Keras rules have accepted
    the layer; a bug in the PyTorch rule then says so in the mapping (no PyTorch
    equivalent) instead of raising into the view that reads it."""
    try:
        mapping = _torch_mapping(spec, shapes, config)
    except Exception as exc:  # a rule's bug must not take the app down with it
        log.exception("PyTorch rule of %s failed", spec.type)
        mapping = TorchMapping(unsupported=f"internal error while mapping {spec.type} to "
                                           f"PyTorch: {explain(exc)}")
    if layer_trainable is None:
        return TorchCounts(0, 0, 0, mapping)
    return count_torch(mapping, layer_trainable, trainable, non_trainable)


def _torch_mapping(spec: Any, shapes: tuple[Shape, ...], config: Any) -> TorchMapping | None:
    """The spec's ``torch`` rule on this layer; a case the rule cannot map (an unknown
    length it needs) is "no PyTorch equivalent" and never fails the Keras count."""
    if spec.torch is None:
        return None
    try:
        return spec.torch(shapes, config)
    except LayerError as exc:
        return TorchMapping(unsupported=str(exc))


def is_layer_trainable(graph: LayerGraph, node_id: str) -> bool:
    """Whether layer ``node_id``'s weights may train: its own ``trainable`` flag, and no
    nested model around it frozen (Keras: ``model.trainable = False`` freezes all its
    layers). The one place that decides trainability; counts and views follow it."""
    return _trainable(graph, graph.raw(node_id))


def _trainable(graph: LayerGraph, d: dict[str, Any]) -> bool:
    """:func:`is_layer_trainable` of the layer whose ``graph.raw`` is ``d``."""
    if not d["trainable"]:
        return False
    group = d.get("group")
    return group is None or not graph.is_group_frozen(group)


def count_weights(weights: tuple[WeightSpec, ...], layer_trainable: bool) -> tuple[int, int]:
    """(trainable, non-trainable) parameters of a layer with ``weights``, by Keras's rule: a
    weight is trainable when it and its layer are (``layer.trainable = False`` freezes all)."""
    if not layer_trainable:
        return 0, sum(w.size for w in weights)
    trainable = non_trainable = 0
    for w in weights:
        if w.trainable:
            trainable += w.size
        else:
            non_trainable += w.size
    return trainable, non_trainable


def _check_shape(shape: Shape) -> None:
    """Raise ``LayerError`` unless ``shape`` is a valid output shape: a non-empty tuple of
    at most ``MAX_RANK`` axes after the batch axis, each ``None`` or a whole number from 1
    to ``MAX_SIZE``."""
    if shape.__class__ is tuple and 0 < len(shape) <= MAX_RANK + 1:
        # The common case (exact ints in range, or None) in one test per axis; anything
        # else goes to the checks below, which word the error.
        for dim in shape[1:]:
            if dim is not None and (dim.__class__ is not int or not 0 < dim <= MAX_SIZE):
                break
        else:
            return
    if not isinstance(shape, tuple) or not shape:
        raise LayerError(f"computed an invalid output shape {elide_value(shape)}")
    if len(shape) > MAX_RANK + 1:
        raise LayerError(f"the output would have {len(shape) - 1:,} axes, more than the "
                         f"{MAX_RANK} a tensor can have")
    for dim in shape[1:]:
        if dim is not None and (not isinstance(dim, int) or dim <= 0):
            raise LayerError(f"the output would have a non-positive size {elide_value(dim)} "
                             f"(shape {elide_value(shape)})")
        if dim is not None and dim > MAX_SIZE:
            raise LayerError(f"the output would have a size of {format_number(dim)}, larger "
                             f"than {format_number(MAX_SIZE)}")


def _opaque(graph: LayerGraph, node_id: str, in_shapes: tuple[Any, ...]) -> LayerResult:
    """A layer type the catalogue does not know (``core.opaque``): the output shape the
    file records or the user declared; a ``Lambda`` has 0 weights and a note, a custom
    class is an error until its parameters are declared."""
    d = graph.raw(node_id)
    look = describe_opaque(d["type"], d["config"])
    known_inputs = tuple(s for s in in_shapes if s is not None)
    diag = None if look.severity is None else Diagnostic(look.severity, node_id, look.message)
    trainable, non_trainable = count_weights(look.weights, bool(d["trainable"]))
    return LayerResult(node_id, known_inputs, look.output_shape, look.weights, trainable,
                       non_trainable, None if look.weights else "0 (unknown layer)", diag,
                       known=False, info=None if diag else look.message,
                       activation_elements=activation_elements(look.output_shape))
