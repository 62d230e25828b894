"""``LayerGraph``: the model, the one source of truth that every view reads.

A node is a layer; an edge ``src -> dst`` is one input of ``dst`` and carries its input
index (the edge's key in the underlying ``networkx.MultiDiGraph``), so ``Add(x, x)`` is two
edges with keys 0 and 1. Every mutation bumps a per-node *stamp* on the layers whose
results may change, which is what lets ``core.propagate`` recompute only those layers and
their descendants.
"""
from __future__ import annotations

import copy
import itertools
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import networkx as nx

from paramlab.core.errors import GraphError

Position = tuple[float, float]
_SUFFIX = re.compile(r"(.+)_([0-9]+)")
_TOKENS = itertools.count(1)  # one per LayerGraph ever made; unlike id(), never reused
Listener = Callable[[str, Any], None]

# Events sent to listeners: (kind, payload)
LAYER_ADDED = "layer_added"  # node id
LAYER_REMOVED = "layer_removed"  # node id
LAYER_CHANGED = "layer_changed"  # node id (config, trainable or name)
LAYER_MOVED = "layer_moved"  # node id
EDGE_ADDED = "edge_added"  # (src, dst, index)
EDGE_REMOVED = "edge_removed"  # (src, dst, index)
GROUP_TOGGLED = "group_toggled"  # nested model name (view state: collapsed / expanded)
CALLS_TOGGLED = "calls_toggled"  # owner id: its shared calls shown as one node or expanded


@dataclass(frozen=True)
class Layer:
    """A read-only snapshot of one node.

    Attributes:
        id: Stable id, unique in the graph.
        type: Keras class name (``Dense``); a name the catalogue lacks is an opaque layer.
        name: Unique display name (Keras's ``name``).
        config: Keras argument names to values.
        trainable: Keras's ``trainable`` flag; ``False`` makes every weight non-trainable.
        position: Canvas position (scene units), kept in the model so moves undo and save.
        shared_with: Id of the layer whose weights this one reuses (a Keras layer called
            twice); its weights are counted on that layer only.
        group: Name of the nested model this layer belongs to, if any.
    """

    id: str
    type: str
    name: str
    config: dict[str, Any]
    trainable: bool
    position: Position
    shared_with: str | None = None
    group: str | None = None


def _get_spec(type_name: str) -> Any:
    """``core.catalogue.get_spec``: imported on the first call (as before, the catalogue is
    not imported with this module), which then replaces this function by it, so that
    ``check_connect`` pays no import statement per connection."""
    global _get_spec
    from paramlab.core.catalogue import get_spec

    _get_spec = get_spec
    return get_spec(type_name)


def _fresh(rows: list[tuple[Any, ...]], nodes: dict[str, Any], names: dict[str, str]) -> bool:
    """Whether every row of :meth:`LayerGraph.add_layers` has a new id and a new name, none
    twice, decided with set operations (``False`` also when unsure: an unhashable id or
    name; then the rows are checked one by one)."""
    try:
        ids = [row[0] for row in rows]
        new_names = [row[2] for row in rows]
        return (len(set(new_names)) == len(new_names) and nodes.keys().isdisjoint(ids)
                and names.keys().isdisjoint(new_names))
    except TypeError:
        return False


_BY_INDEX = operator.itemgetter(1)  # an input's index, for input_tensors


def snake_case(type_name: str) -> str:
    """Keras's default layer name stem: ``Conv2D`` -> ``conv2d``, ``MaxPooling2D`` -> ``max_pooling2d``."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", type_name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


class LayerGraph:
    """The model: layers and their input connections.

    Raises ``GraphError`` from every mutator whose arguments would make the graph invalid;
    in that case nothing has changed.
    """

    def __init__(self, name: str = "model") -> None:
        self.name = name
        # Identifies this graph to core.propagate, which reuses a previous result only
        # for the same graph (id() may be reused once a graph is freed).
        self.token = next(_TOKENS)
        self._g = nx.MultiDiGraph()
        self._ids = itertools.count(1)
        self._clock = 0
        self._stamps: dict[str, int] = {}
        # The layer touched at each clock tick (index = clock value - 1): what changed since
        # a given clock, in O(changes), for incremental propagation.
        self._journal: list[str] = []
        self._sharers: dict[str, set[str]] = {}  # owner id -> ids of its shared calls
        self._calls_expanded: set[str] = set()  # owners whose calls the canvas shows one by one
        self._name_hint: dict[str, int] = {}  # stem -> no free "stem_k" below this k
        self._structure = 0
        self._order: list[str] | None = None
        self._order_pos: dict[str, int] | None = None  # node id -> index in _order
        # Connections from a layer to one added no later (by sequence number). While there
        # are none, every path runs to ever larger sequence numbers, so a connection from
        # an older layer to a newer one cannot close a cycle: no search needed.
        self._backward = 0
        self._names: dict[str, str] = {}  # name -> id
        self._seq: dict[str, int] = {}  # id -> insertion number, for a stable order
        self._listeners: list[Listener] = []
        # Nested models (a Keras model used as a layer): group name -> metadata such as
        # {"type": "Functional", "trainable": True, "collapsed": True}. Layers name their
        # group in their ``group`` attribute.
        self.groups: dict[str, dict[str, Any]] = {}
        # The model's outputs an imported file declares, as (layer id, output index), in
        # its order (core.model_outputs, which every view reads). Edits never rewrite it:
        # a deleted layer's entry is skipped while it is gone and is back after undo.
        self.declared_outputs: list[tuple[str, int]] = []
        # The model's inputs an imported file declares (its InputLayers' ids, in the order
        # of ``input_layers``: Keras's ``model.inputs``), read by core.model_outputs alike.
        self.declared_inputs: list[str] = []
        # Node id -> (spec, ``spec.resolve_config(config)``) of layers whose config an
        # importer validated while building the graph (core.io.keras_graph): propagation
        # takes each one once instead of resolving the config a second time. Every config
        # edit (set_config, unset_config, remove_layer) drops the layer's entry.
        self.validated_configs: dict[str, tuple[Any, dict[str, Any]]] = {}

    # ------------------------------------------------------------------ observation
    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(kind, payload)`` after every change (see the event constants)."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    def _emit(self, kind: str, payload: Any) -> None:
        for listener in list(self._listeners):
            listener(kind, payload)

    # ------------------------------------------------------------------ queries
    @property
    def nx_graph(self) -> nx.MultiDiGraph:
        """The underlying networkx graph; read it, never mutate it."""
        return self._g

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._g

    def __len__(self) -> int:
        return self._g.number_of_nodes()

    def layer_ids(self) -> list[str]:
        """Every layer id, in insertion order."""
        return list(self._g.nodes)

    def layer(self, node_id: str) -> Layer:
        """Snapshot of one layer. Raises ``GraphError`` for an unknown id."""
        d = self._data(node_id)
        return Layer(node_id, d["type"], d["name"], dict(d["config"]), d["trainable"],
                     d["position"], d.get("shared_with"), d.get("group"))

    def layers(self) -> Iterator[Layer]:
        for n in self._g.nodes:
            yield self.layer(n)

    def raw(self, node_id: str) -> dict[str, Any]:
        """The node's attribute dict, for fast read-only access in hot loops.

        Raises:
            GraphError: unknown id.
        """
        try:
            return self._g._node[node_id]  # the NodeView lookup costs twice as much
        except KeyError:
            raise GraphError(f"no layer with id {node_id!r}") from None

    _data = raw  # the mutators' name for it

    def id_of(self, name: str) -> str | None:
        """The id of the layer called ``name``, or ``None``."""
        return self._names.get(name)

    def inputs(self, node_id: str) -> list[tuple[str, int]]:
        """``(source id, input index)`` of every input of ``node_id``, by index."""
        return [(u, k) for u, k, _ in self.input_tensors(node_id)]

    def input_tensors(self, node_id: str) -> list[tuple[str, int, int]]:
        """``(source id, input index, output index)`` of every input of ``node_id``, by
        input index: :meth:`inputs` with each one's :meth:`output_index`, in one pass (what
        propagation and the summary read for every layer)."""
        # Read networkx's predecessor dict directly: this runs once per layer in every
        # propagation, and the in_edges view costs several times more.
        pred = self._g._pred.get(node_id)
        if not pred:
            return []
        if len(pred) == 1:
            u, = pred  # (unpacking the keys builds no items view and no pairs)
            keys = pred[u]
            if len(keys) == 1:
                k, = keys
                return [(u, k, keys[k].get("output", 0))]
        tensors = [(u, k, attrs.get("output", 0)) for u, keys in pred.items()
                   for k, attrs in keys.items()]
        tensors.sort(key=_BY_INDEX)
        return tensors

    def output_index(self, src: str, dst: str, index: int) -> int:
        """Which output tensor of ``src`` feeds input ``index`` of ``dst`` (0 for the first;
        a layer with ``return_state`` has several). Keras's ``tensor_index``."""
        return self._g._pred[dst][src][index].get("output", 0)

    def outputs(self, node_id: str) -> list[tuple[str, int]]:
        """``(target id, input index)`` of every consumer of ``node_id``."""
        return [(v, k) for _, v, k in self._g.out_edges(node_id, keys=True)]

    def edges(self) -> list[tuple[str, str, int]]:
        """Every connection as ``(src, dst, input index)``."""
        return [(u, v, k) for u, v, k in self._g.edges(keys=True)]

    def sequence_number(self, node_id: str) -> int:
        """When the layer was added (a clock value): the tie-break of the topological
        order. Raises ``KeyError`` for an unknown id."""
        return self._seq[node_id]

    def layer_ids_in_sequence(self) -> list[str]:
        """Every layer id, ordered by :meth:`sequence_number` (insertion order, with
        layers restored by undo in their old place)."""
        return sorted(self._g.nodes, key=self._seq.__getitem__)

    def changed_since(self, clock: int) -> set[str]:
        """Ids of the layers touched after ``clock`` (removed ones included), in time
        proportional to the number of changes."""
        return set(self._journal[clock:])

    def shared_calls(self, owner: str) -> set[str]:
        """Ids of the layers that reuse ``owner``'s weights (``shared_with == owner``)."""
        return set(self._sharers.get(owner, ()))

    def call_owners(self) -> list[str]:
        """Ids of the layers that have shared calls (``shared_with`` pointing at them)."""
        return list(self._sharers)

    def call_count(self, owner: str) -> int:
        """How many times ``owner``'s weights are applied: its own call plus its shared calls."""
        return 1 + len(self._sharers.get(owner, ()))

    def calls_collapsed(self, owner: str) -> bool:
        """True when ``owner`` has shared calls and they are shown as ONE node reading
        "applied N×" (the default; view state, see :meth:`set_calls_expanded`)."""
        return owner in self._sharers and owner not in self._calls_expanded

    def set_calls_expanded(self, owner: str, expanded: bool) -> bool:
        """Show ``owner``'s shared calls one by one (``expanded``) or as one node.

        View state, not an edit: never on the undo stack, never saved, never triggers
        propagation (like :meth:`set_group_collapsed`). Returns True if the state changed
        (a ``CALLS_TOGGLED`` event was sent)."""
        if (owner in self._calls_expanded) == bool(expanded):
            return False
        if expanded:
            self._calls_expanded.add(owner)
        else:
            self._calls_expanded.discard(owner)
        self._emit(CALLS_TOGGLED, owner)
        return True

    def order_index(self) -> dict[str, int]:
        """Index of every layer in :meth:`topological_order` (cached with it)."""
        self.topological_order()
        pos = self._positions()
        assert pos is not None
        return pos

    def stamp(self, node_id: str) -> int:
        """Clock value of the last change that can affect this layer's result."""
        return self._stamps[node_id]

    @property
    def structure_version(self) -> int:
        """A number that grows whenever a layer or connection is added or removed (not on
        config, name or position changes): caches of layouts key on it."""
        return self._structure

    @property
    def clock(self) -> int:
        return self._clock

    def topological_order(self) -> list[str]:
        """Layer ids, inputs before consumers (cached until the structure changes)."""
        if self._order is None:
            # Ties go to the layer added first, so a model's order is the order it was
            # built or written in (as Keras's summary lists it).
            seq = self._seq
            # Most models are built or loaded inputs first; when every connection runs
            # from an older layer to a newer one, insertion order IS the lexicographic
            # topological order (the sort would pick each layer in turn), and checking
            # that is several times cheaper than sorting. No backward connection counted
            # (_backward) says so without looking at every edge.
            if not self._backward or all(seq[u] < seq[v] for u, nbrs in self._g._succ.items()
                                         for v in nbrs):
                self._order = sorted(self._g, key=seq.__getitem__)
            else:
                self._order = list(nx.lexicographical_topological_sort(self._g, key=seq.__getitem__))
        return self._order

    def _positions(self) -> dict[str, int] | None:
        """Index of every layer in the cached topological order (``None`` if not cached)."""
        if self._order is None:
            return None
        if self._order_pos is None:
            self._order_pos = {n: i for i, n in enumerate(self._order)}
        return self._order_pos

    def would_cycle(self, src: str, dst: str) -> bool:
        """True if a connection ``src -> dst`` would close a cycle."""
        if src == dst:
            return True
        if not self._backward and self._seq[src] < self._seq[dst]:
            return False  # every path runs to larger sequence numbers: none from dst to src
        pos = self._positions()
        if pos is not None and src in pos and dst in pos and pos[src] < pos[dst]:
            return False  # dst comes after src in a topological order: no path dst -> src
        return nx.has_path(self._g, dst, src)

    def unique_name(self, stem: str) -> str:
        """``stem`` if free, else ``stem_1``, ``stem_2`` ... as Keras names layers."""
        if stem not in self._names:
            return stem
        # Start at the hint: counting from 1 every time made building n same-type layers
        # cost O(n^2) (minutes at 100,000 layers).
        for i in itertools.count(self._name_hint.get(stem, 1)):
            candidate = f"{stem}_{i}"
            if candidate not in self._names:
                self._name_hint[stem] = i
                return candidate
        raise AssertionError("unreachable")  # pragma: no cover

    def _name_freed(self, name: str) -> None:
        """Keep :meth:`unique_name`'s hint a lower bound of the lowest free suffix."""
        m = _SUFFIX.fullmatch(name)
        if m is not None:
            stem, k = m.group(1), int(m.group(2))
            if k < self._name_hint.get(stem, 1):
                self._name_hint[stem] = k

    def free_input_index(self, node_id: str) -> int:
        """The lowest input index of ``node_id`` that no edge uses."""
        used = {k for _, _, k in self._g.in_edges(node_id, keys=True)}
        return next(i for i in itertools.count() if i not in used)

    # ------------------------------------------------------------------ mutations
    def add_layer(self, type: str, name: str | None = None, config: dict[str, Any] | None = None,
                  trainable: bool = True, position: Position = (0.0, 0.0),
                  node_id: str | None = None, shared_with: str | None = None,
                  group: str | None = None, sequence: int | None = None) -> str:
        """Add a layer and return its id.

        ``config`` keys absent here take the catalogue's defaults when propagated.
        ``sequence`` restores a removed layer's :meth:`sequence_number` (undo of a removal),
        so that it takes its old place in the topological order's ties.

        Raises:
            GraphError: ``node_id`` or ``name`` is already used.
        """
        if node_id is None:
            node_id = self._new_id()
        elif node_id in self._g:
            raise GraphError(f"a layer with id {node_id!r} already exists")
        if name is None:
            name = self.unique_name(snake_case(type))
        elif name in self._names:
            raise GraphError(f"a layer named {name!r} already exists; names must be unique")
        attrs: dict[str, Any] = {"type": type, "name": name, "config": dict(config or {}),
                                 "trainable": bool(trainable),
                                 "position": (float(position[0]), float(position[1]))}
        if shared_with is not None:
            attrs["shared_with"] = shared_with
            self._sharers.setdefault(shared_with, set()).add(node_id)
        if group is not None:
            attrs["group"] = group
        self._g.add_node(node_id, **attrs)
        self._names[name] = node_id
        self._seq[node_id] = self._clock if sequence is None else sequence
        self._touch(node_id)
        if sequence is None and self._order is not None:
            # The newest layer has the largest sequence number and no connections yet, so
            # the lexicographic topological order only gains it at the end: no new sort.
            self._structure += 1
            self._order = self._order + [node_id]  # a new list: callers may hold the old one
            pos = self._positions()
            assert pos is not None
            pos[node_id] = len(self._order) - 1
        else:
            self._structure_changed()
        self._emit(LAYER_ADDED, node_id)
        return node_id

    def new_id(self) -> str:
        """A fresh layer id, never handed out before (for :meth:`add_layers`)."""
        candidate = f"n{next(self._ids)}"  # _new_id's first try, inline (once per layer)
        return self._new_id() if candidate in self._g._node else candidate

    def add_layers(self, rows: list[tuple[str, str, str, dict[str, Any], bool, str | None,
                                         str | None]]) -> None:
        """Add many new layers at once, as :meth:`add_layer` would one by one, in one
        networkx ``add_nodes_from`` (the importer's bulk path: a file with 100,000 calls).

        ``rows``: ``(node_id, type, name, config, trainable, shared_with, group)``; ids from
        :meth:`new_id`; ``config`` is kept as given (not copied): the caller hands it over.

        Raises:
            GraphError: an id or name is used already (in the graph or twice in ``rows``);
                nothing has changed then.
        """
        names = self._names
        g = self._g
        succ, pred, node = g._succ, g._pred, g._node
        if not _fresh(rows, node, names):
            seen: set[str] = set()
            for node_id, _, name, *_ in rows:
                if node_id in g:
                    raise GraphError(f"a layer with id {node_id!r} already exists")
                if name in names or name in seen:
                    raise GraphError(f"a layer named {name!r} already exists; names must be "
                                     "unique")
                seen.add(name)
        seq, stamps, journal, sharers = self._seq, self._stamps, self._journal, self._sharers
        clock = self._clock
        # Each node goes in as networkx's add_nodes_from puts a new one, without its
        # per-node checks (every id is new, checked above), in the same pass.
        # (_g is a plain MultiDiGraph: its adjacency factories are dict, and a {} display
        # costs a third of calling them.)
        for node_id, type_name, name, config, trainable, shared_with, group in rows:
            attrs: dict[str, Any] = {"type": type_name, "name": name, "config": config,
                                     "trainable": True if trainable else False,
                                     "position": (0.0, 0.0)}
            if shared_with is not None:
                attrs["shared_with"] = shared_with
                sharers.setdefault(shared_with, set()).add(node_id)
            if group is not None:
                attrs["group"] = group
            succ[node_id] = {}
            pred[node_id] = {}
            node[node_id] = attrs
            names[name] = node_id
            seq[node_id] = clock  # what add_layer's _touch would leave: the add's clock
            clock += 1
            stamps[node_id] = clock
            journal.append(node_id)
        clear = getattr(nx, "_clear_cache", None)
        if clear is not None:
            clear(g)
        self._clock = clock
        self._structure_changed()
        if self._listeners:
            for row in rows:
                self._emit(LAYER_ADDED, row[0])

    def connect_many(self, edges: list[tuple[str, str, int, int]]) -> None:
        """Make many connections ``(src, dst, index, output)`` in order, as :meth:`connect`
        would one by one (same checks, same errors), writing the plain ones straight into
        the networkx adjacency: an edge from an older layer to a newer one cannot close a
        cycle while no connection runs backwards, so only its input index needs checking.

        Raises:
            GraphError: as :meth:`connect`, for the first edge that fails; its position in
                ``edges`` is the error's ``edge_index``. The edges before it are made.
        """
        g = self._g
        seq, succ, pred, node = self._seq, g._succ, g._pred, g._node
        stamps, journal = self._stamps, self._journal
        limits: dict[str, int | None] = {}  # layer type -> its maximum number of inputs
        first = 0  # edges[first:k] are written and not yet recorded (_edges_written)
        clock = self._clock
        for k, edge in enumerate(edges):
            src, dst, index, output = edge
            if (not self._backward and src in seq and dst in seq and seq[src] < seq[dst]
                    and type(index) is int and index >= 0 and type(output) is int
                    and output >= 0):
                inputs = pred[dst]  # the edges written so far included: no index twice
                if not inputs or not any(index in keys for keys in inputs.values()):
                    type_name = node[dst]["type"]
                    limit = limits.get(type_name, -1)
                    if limit == -1:
                        spec = _get_spec(type_name)
                        limit = limits[type_name] = None if spec is None else spec.inputs.maximum
                    if limit is None or index < limit:
                        # What add_edge writes, without its key and view checks (the edge
                        # is new and checked), and what connect's _touch records.
                        # (networkx's key and attribute dict factories are dict: see
                        # add_layers.)
                        keys = inputs.get(src)
                        if keys is None:
                            keys = succ[src][dst] = inputs[src] = {}
                        attrs = keys[index] = {}
                        if output:
                            attrs["output"] = output
                        clock += 1
                        stamps[dst] = clock
                        journal.append(dst)
                        continue
            self._clock = clock
            self._edges_written(edges, first, k)
            first = k + 1
            try:
                self.connect(src, dst, index, output)
            except GraphError as exc:
                exc.edge_index = k  # type: ignore[attr-defined]
                raise
            clock = self._clock
        self._clock = clock
        self._edges_written(edges, first, len(edges))

    def _edges_written(self, edges: list[tuple[str, str, int, int]], start: int,
                       stop: int) -> None:
        """Record ``edges[start:stop]``, which :meth:`connect_many` wrote into the
        adjacency: the graph's caches are stale, listeners hear of each edge."""
        if start >= stop:
            return
        clear = getattr(nx, "_clear_cache", None)
        if clear is not None:
            clear(self._g)
        self._structure_changed()
        if self._listeners:
            for src, dst, index, _ in edges[start:stop]:
                self._emit(EDGE_ADDED, (src, dst, index))

    def remove_layer(self, node_id: str) -> None:
        """Remove a layer and every connection to or from it.

        Raises:
            GraphError: unknown id.
        """
        d = self._data(node_id)
        outs = self.outputs(node_id)
        for src, idx in self.inputs(node_id):
            self.disconnect(src, node_id, idx)
        for dst, idx in outs:
            self.disconnect(node_id, dst, idx)
        del self._names[d["name"]]
        self._name_freed(d["name"])
        owner = d.get("shared_with")
        if owner is not None:
            self._sharers.get(owner, set()).discard(node_id)
            if not self._sharers.get(owner, True):
                del self._sharers[owner]
        self._g.remove_node(node_id)
        self.validated_configs.pop(node_id, None)
        del self._stamps[node_id]
        del self._seq[node_id]
        self._touch_removed(node_id)
        if self._order is not None:
            # Unconnected by now, it only held its own place in the order: drop it.
            self._structure += 1
            self._order = [n for n in self._order if n != node_id]
            self._order_pos = None
        else:
            self._structure_changed()
        self._emit(LAYER_REMOVED, node_id)

    def connect(self, src: str, dst: str, index: int | None = None, output: int = 0) -> int:
        """Feed output ``output`` of ``src`` (0: its first tensor) into input ``index`` of
        ``dst``; return the index used.

        ``index=None`` takes the lowest free input. Whether ``src`` has that many outputs is
        propagation's business (it depends on the layer's config): an edge from a missing
        output makes ``dst`` an error, not a refused edit.

        Raises:
            GraphError: unknown id; the connection would close a cycle; the input index is
                taken or beyond the number of inputs the target's layer type accepts.
        """
        index = self.check_connect(src, dst, index)
        if not isinstance(output, int) or isinstance(output, bool) or output < 0:
            raise GraphError(f"an output index must be a whole number 0 or more, got {output!r}")
        pos = self._positions()
        forward = pos is not None and pos[src] < pos[dst]
        if output:
            self._g.add_edge(src, dst, key=index, output=output)
        else:
            self._g.add_edge(src, dst, key=index)
        if self._seq[src] >= self._seq[dst]:
            self._backward += 1
        self._touch(dst)
        if forward:
            # An edge that agrees with the current order leaves the lexicographic order
            # unchanged (every layer still becomes ready no later than it was picked).
            self._structure += 1
        else:
            self._structure_changed()
        self._emit(EDGE_ADDED, (src, dst, index))
        return index

    def check_connect(self, src: str, dst: str, index: int | None = None) -> int:
        """Validate a connection without making it; return the input index it would use.

        Raises:
            GraphError: as :meth:`connect`; the message names both layers.
        """
        s, d = self._data(src), self._data(dst)
        if self.would_cycle(src, dst):
            raise GraphError(f"connecting {s['name']!r} to {d['name']!r} would make a cycle")
        if index is None:
            index = self.free_input_index(dst)
        if index < 0:
            raise GraphError(f"input index must be 0 or more, got {index}")
        spec = _get_spec(d["type"])
        if spec is not None and spec.inputs.maximum is not None and index >= spec.inputs.maximum:
            raise GraphError(
                f"{d['name']!r} ({d['type']}) takes {spec.inputs.describe()}; "
                f"cannot connect {s['name']!r} as input {index + 1}")
        # Read networkx's predecessor dict directly (in_edges views cost several times more).
        if any(index in keys for keys in self._g._pred[dst].values()):
            raise GraphError(f"input {index + 1} of {d['name']!r} is already connected; "
                             f"cannot also connect {s['name']!r}")
        return index

    def check_rename(self, node_id: str, name: str) -> str:
        """Validate a new name without applying it; return it stripped.

        Raises:
            GraphError: unknown id; the name is empty or used by another layer.
        """
        d = self._data(node_id)
        name = name.strip() if isinstance(name, str) else ""
        if not name:
            raise GraphError("a layer name cannot be empty")
        if name != d["name"] and name in self._names:
            raise GraphError(f"a layer named {name!r} already exists; names must be unique")
        return name

    def disconnect(self, src: str, dst: str, index: int) -> None:
        """Remove the connection ``src -> dst`` at input ``index``.

        Raises:
            GraphError: there is no such connection.
        """
        if not self._g.has_edge(src, dst, index):
            raise GraphError(f"there is no connection {src} -> {dst} at input {index}")
        self._g.remove_edge(src, dst, index)
        if self._seq[src] >= self._seq[dst]:
            self._backward -= 1
        self._touch(dst)
        if self._order_survives_disconnect(dst):
            self._structure += 1
        else:
            self._structure_changed()
        self._emit(EDGE_REMOVED, (src, dst, index))

    def set_config(self, node_id: str, key: str, value: Any) -> None:
        """Set one config argument (Keras name). Validation happens in propagation, so an
        imported or typed value that is wrong shows up as a layer error, not an exception."""
        self._data(node_id)["config"][key] = copy.deepcopy(value)
        self.validated_configs.pop(node_id, None)
        self._touch(node_id)
        self._emit(LAYER_CHANGED, node_id)

    def unset_config(self, node_id: str, key: str) -> None:
        """Remove one config argument so the catalogue default applies again."""
        self._data(node_id)["config"].pop(key, None)
        self.validated_configs.pop(node_id, None)
        self._touch(node_id)
        self._emit(LAYER_CHANGED, node_id)

    def set_trainable(self, node_id: str, trainable: bool) -> None:
        self._data(node_id)["trainable"] = bool(trainable)
        self._touch(node_id)
        self._emit(LAYER_CHANGED, node_id)

    def rename(self, node_id: str, name: str) -> None:
        """Rename a layer.

        Raises:
            GraphError: the name is empty or used by another layer.
        """
        name = self.check_rename(node_id, name)
        d = self._data(node_id)
        if name == d["name"]:
            return
        del self._names[d["name"]]
        self._name_freed(d["name"])
        d["name"] = name
        self._names[name] = node_id
        # The layer's own result does not depend on its name, but the messages of the
        # layers it feeds ("input 'conv' has no output shape") and of its shared calls
        # ("shares the weights of 'dense'") quote it: only those are recomputed.
        for dst in {v for _, v in self._g.out_edges(node_id)}:
            self._touch(dst)
        for n in self.shared_calls(node_id):
            self._touch(n)
        self._emit(LAYER_CHANGED, node_id)

    def move(self, node_id: str, position: Position) -> None:
        """Set the canvas position. Never triggers propagation."""
        self._data(node_id)["position"] = (float(position[0]), float(position[1]))
        self._emit(LAYER_MOVED, node_id)

    def set_group_collapsed(self, group: str, collapsed: bool) -> bool:
        """Show nested model ``group`` as one node (``collapsed``) or as its layers.

        View state, not an edit: it is saved with the project (``groups[group]
        ["collapsed"]``) but never goes on the undo stack and never triggers propagation.

        Returns:
            True if the state changed (a ``GROUP_TOGGLED`` event was sent).
        """
        meta = self.groups.setdefault(group, {})
        if bool(meta.get("collapsed", True)) == bool(collapsed):
            return False
        meta["collapsed"] = bool(collapsed)
        self._emit(GROUP_TOGGLED, group)
        return True

    def set_group_trainable(self, group: str, trainable: bool) -> None:
        """Freeze (``False``) or unfreeze nested model ``group`` as a whole, as Keras's
        ``model.trainable = False`` does: while it is frozen every weight of its layers is
        non-trainable, whatever the layers' own flags (``core.propagate`` applies the rule).
        Every member is marked changed so that propagation recomputes it."""
        self.groups.setdefault(group, {})["trainable"] = bool(trainable)
        for n, g in self._g.nodes(data="group"):
            if g == group:
                self._touch(n)
                self._emit(LAYER_CHANGED, n)

    def is_group_frozen(self, group: str | None) -> bool:
        """True when nested model ``group`` has ``trainable: false`` (``None``: no group)."""
        return group is not None and self.groups.get(group, {}).get("trainable", True) is False

    def is_group_collapsed(self, group: str) -> bool:
        """True when nested model ``group`` is shown as one node (the default)."""
        return bool(self.groups.get(group, {}).get("collapsed", True))

    # ------------------------------------------------------------------ internals
    def _new_id(self) -> str:
        while True:
            candidate = f"n{next(self._ids)}"
            if candidate not in self._g:
                return candidate

    def _touch(self, node_id: str) -> None:
        self._clock += 1
        self._stamps[node_id] = self._clock
        self._journal.append(node_id)

    def _touch_removed(self, node_id: str) -> None:
        """Record a removal in the journal (a removed layer has no stamp)."""
        self._clock += 1
        self._journal.append(node_id)

    def _order_survives_disconnect(self, dst: str) -> bool:
        """After removing one input edge of ``dst``: is the cached lexicographic order still
        the one networkx would compute? ``dst`` may now be ready from step ``r`` (after its
        last remaining input) instead of its old place ``p``; nothing changes if every layer
        picked between ``r`` and ``p`` has a smaller sequence number, since the sort would
        still pick those first. Otherwise the order is sorted again."""
        pos = self._positions()
        if pos is None:
            return False
        p = pos[dst]
        r = max((pos[u] + 1 for u in self._g._pred[dst]), default=0)
        key = self._seq[dst]
        seq = self._seq
        order = self._order
        assert order is not None
        return all(seq[order[i]] < key for i in range(r, p))

    def _structure_changed(self) -> None:
        self._structure += 1
        self._order = None
        self._order_pos = None
