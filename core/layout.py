"""Automatic placement of layers: a layered (Sugiyama) drawing, inputs on top.

The four classic steps, by ``grandalf`` (pure-Python Sugiyama, see the note in README's
Performance section for why a library and how fast):

1. *layering* by longest path: a layer sits one row below the lowest of its inputs;
2. *dummy vertices*: a connection that spans ``k`` rows gets a dummy vertex (a narrow,
   invisible slot, ``LANE_WIDTH`` wide) in each of the ``k - 1`` rows it crosses;
3. *crossing reduction*: barycenter ordering, ``SWEEPS`` sweeps down and up;
4. *coordinates* by Brandes–Köpf (vertical alignment along medians, so chains and the
   dummies of one connection stay straight; the final x is the mean of the two median
   candidates of the four alignments, which keeps every pair of neighbours in a row at
   least ``X_GAP`` plus their half widths apart: no two nodes overlap).

A connection is then drawn through its dummy points (:attr:`Layout.routes`): inside a
row it runs vertically at its dummy's x, between rows it bends in the free gap, so it never
crosses a node other than its two ends.

A *collapsed* nested model (layers whose ``group`` names an entry of ``LayerGraph.groups``
with ``"collapsed"`` true or missing, as the canvas treats it) is ONE node: its layers are
stacked among themselves around the group's slot (their centroid is exactly the slot,
where the canvas draws the group), so expanding it later keeps their arrangement.
A layer whose shared calls are collapsed (``LayerGraph.calls_collapsed``, the canvas's
"applied N×" node) is ONE node too, its calls all at its slot (``fold_calls``).

Units: scene units, node centres, y grows downwards. Pure Python (no Qt).
"""
from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx
from grandalf.graphs import Edge, Graph, Vertex
from grandalf.layouts import SugiyamaLayout

from paramlab.core.graph import LayerGraph, Position

ROW_HEIGHT = 110.0  # between the centres of two rows (nodes are 76 high: a 34-unit gap)
NODE_WIDTH = 184.0  # as the canvas draws a node (gui.canvas.painting.NODE_WIDTH)
NODE_HEIGHT = 76.0
COLUMN_WIDTH = 220.0  # between the centres of two neighbouring nodes of a row
X_GAP = COLUMN_WIDTH - NODE_WIDTH  # free space between neighbours in a row
LANE_WIDTH = 12.0  # a dummy vertex: the room one passing connection takes in a row
SWEEPS = 4  # crossing-reduction sweeps (each one down and up)
COMPONENT_GAP = COLUMN_WIDTH  # between unconnected parts, side by side
#: Above this many units, plain longest-path rows replace grandalf's Sugiyama, whose setup
#: is quadratic on long chains (58 s for a 10,000-layer chain; issue 12).
LARGE_LAYOUT = 2_000

EdgeKey = tuple[str, str, int]


@dataclass(frozen=True)
class Layout:
    """Where :func:`layered_layout` puts things.

    Attributes:
        positions: ``{layer id: (x, y)}`` for every layer (node centres).
        routes: ``{(src, dst, index): ((x, y), …)}``: the dummy points, one per row a
            connection crosses (the centre of its lane in that row), for connections
            between shown nodes that span more than one row.
    """

    positions: dict[str, Position]
    routes: dict[EdgeKey, tuple[Position, ...]] = field(default_factory=dict)


class _View:
    """The size grandalf reads from a vertex (``w``, ``h``) and where it puts it (``xy``)."""

    __slots__ = ("h", "w", "xy")

    def __init__(self, w: float, h: float) -> None:
        self.w, self.h, self.xy = w, h, (0.0, 0.0)


def collapsed_groups(graph: LayerGraph) -> set[str]:
    """Names of the nested models shown as one node: the ``group`` of some layer whose
    entry in ``graph.groups`` has ``"collapsed"`` true or absent."""
    found: set[str] = set()
    for n in graph.layer_ids():
        group = graph.raw(n).get("group")
        if group is not None and group not in found and graph.is_group_collapsed(group):
            found.add(group)
    return found


_cache: dict[int, tuple[tuple, Layout]] = {}


def collapsed_calls(graph: LayerGraph) -> dict[str, list[str]]:
    """``{CALLS + owner: [owner, its calls]}`` for every layer whose shared calls are shown
    as one node (outside nested models, as the canvas folds them)."""
    return {CALLS + owner: [owner, *(n for n in graph.shared_calls(owner)
                                     if graph.raw(n).get("group") is None)]
            for owner in _folded_owners(graph)}


def _folded_owners(graph: LayerGraph) -> list[str]:
    return [owner for owner in graph.call_owners()
            if graph.calls_collapsed(owner) and graph.raw(owner).get("group") is None]


CALLS = "\x00calls:"  # block-name prefix of a folded layer's calls (no layer name has \x00)


def layered_layout(graph: LayerGraph, blocks: Mapping[str, Sequence[str]] | None = None,
                   fold_calls: bool = True) -> Layout:
    """The layered drawing of ``graph`` (see the module docstring).

    ``blocks``: extra sets of layers to draw as one node each (collapsed blocks of the
    canvas's View ▸ Group Blocks, ``core.blocks``), contracted like collapsed nested models.
    ``fold_calls``: a layer with collapsed shared calls is one node, its calls at its slot
    (the canvas); False lays out every call (diagram export draws every layer).

    Cached per graph until a layer or connection is added or removed, or a nested model or
    block is collapsed or expanded. If contracting would close a cycle (a user wired one of
    a group's layers out and back into another), groups are laid out as ordinary layers.

    Returns:
        A :class:`Layout`; empty for an empty graph.
    """
    groups = collapsed_groups(graph)
    calls = _folded_owners(graph) if fold_calls else []
    key = (graph.structure_version, frozenset(groups), frozenset(blocks or {}), frozenset(calls))
    hit = _cache.get(graph.token)
    if hit is not None and hit[0] == key:
        return hit[1]
    blocks = {**(collapsed_calls(graph) if calls else {}), **(blocks or {})}
    layout = _layout(graph, groups, blocks) if groups or blocks else None
    if layout is None:
        layout = _layout(graph, set(), {})
    assert layout is not None  # without contraction the graph's own order is acyclic
    if len(_cache) > 8:
        _cache.clear()
    _cache[graph.token] = (key, layout)
    return layout


def auto_layout(graph: LayerGraph) -> dict[str, Position]:
    """Positions of every layer in :func:`layered_layout` (``{}`` for an empty graph)."""
    return dict(layered_layout(graph).positions)


def edge_routes(graph: LayerGraph) -> dict[EdgeKey, tuple[Position, ...]]:
    """The dummy points of the connections whose two ends sit where the layout put them
    (a user's manual positions are kept: a connection of a moved layer has no route and is
    drawn directly)."""
    layout = layered_layout(graph)
    pos = layout.positions
    out: dict[EdgeKey, tuple[Position, ...]] = {}
    for key, points in layout.routes.items():
        src, dst = key[0], key[1]
        if src in graph and dst in graph and _at(graph, src, pos) and _at(graph, dst, pos):
            out[key] = points
    return out


def _at(graph: LayerGraph, node_id: str, pos: Mapping[str, Position]) -> bool:
    x, y = graph.raw(node_id)["position"]
    px, py = pos[node_id]
    return abs(x - px) <= 0.5 and abs(y - py) <= 0.5


def apply_layout(graph: LayerGraph) -> None:
    """Move every layer to :func:`auto_layout`'s position (for freshly loaded models;
    the GUI uses undoable ``Move`` edits instead)."""
    for n, pos in auto_layout(graph).items():
        graph.move(n, pos)


# ---------------------------------------------------------------------- internals
def _layout(graph: LayerGraph, groups: set[str], blocks: Mapping[str, Sequence[str]]
            ) -> Layout | None:
    """Lay out with every group in ``groups`` and every block contracted to one unit;
    ``None`` if the contracted graph has a cycle."""
    order = graph.topological_order()
    if not order:
        return Layout({})
    pred = graph.nx_graph._pred  # read-only; the public views cost several times more
    unit: dict[str, str] = {}  # layer -> its unit: itself, or its collapsed group's first layer
    members: dict[str, list[str]] = {}
    first_of: dict[str, str] = {}
    in_block = {n: f"block:{name}" for name, ids in blocks.items() for n in ids}
    for n in order:
        group = graph.raw(n).get("group") if groups else None
        if group not in groups:
            group = in_block.get(n)
        if group is not None:
            rep = first_of.setdefault(group, n)
            unit[n] = rep
            members.setdefault(rep, []).append(n)
        else:
            unit[n] = n
    units = [n for n in order if unit[n] == n]
    links: dict[tuple[str, str], list[EdgeKey]] = {}
    for n in order:
        u = unit[n]
        for p, keys in pred[n].items():
            pu = unit[p]
            if pu != u:
                links.setdefault((pu, u), []).extend((p, n, k) for k in keys)
    if members and not nx.is_directed_acyclic_graph(nx.DiGraph(list(links))):
        return None
    centres, dummies = _sugiyama(units, list(links))
    folded = {rep for g, rep in first_of.items() if g.startswith("block:" + CALLS)}
    positions: dict[str, Position] = {}
    for u in units:
        inner = members.get(u)
        if inner is None:
            positions[u] = centres[u]
        elif u in folded:  # a layer's collapsed calls: all drawn as its one item
            positions.update(dict.fromkeys(inner, centres[u]))
        else:
            positions.update(_stack(inner, pred, centres[u]))
    routes: dict[EdgeKey, tuple[Position, ...]] = {}
    for pair, points in dummies.items():
        for key in links[pair]:  # into or out of a collapsed group: the group item's ports
            routes[key] = points
    return Layout(positions, routes)


def _sugiyama(units: list[str], pairs: list[tuple[str, str]]
              ) -> tuple[dict[str, Position], dict[tuple[str, str], tuple[Position, ...]]]:
    """Centres of ``units`` and the dummy points of every long pair, component by
    component, components side by side from left to right in ``units`` order."""
    if len(units) > LARGE_LAYOUT:
        return _plain_rows(units, pairs), {}
    vertices = {u: Vertex(u) for u in units}
    for v in vertices.values():
        v.view = _View(NODE_WIDTH, NODE_HEIGHT)
    edges = {pair: Edge(vertices[pair[0]], vertices[pair[1]]) for pair in pairs}
    g = Graph(list(vertices.values()), list(edges.values()))
    rank_of = {u: i for i, u in enumerate(units)}
    centres: dict[str, Position] = {}
    dummies: dict[tuple[str, str], tuple[Position, ...]] = {}
    right = None
    comps = sorted(g.C, key=lambda c: min(rank_of[v.data] for v in c.sV))
    limit = sys.getrecursionlimit()
    # grandalf places Brandes–Köpf blocks recursively (one frame per block to the left)
    sys.setrecursionlimit(max(limit, 10 * len(units) + 2000))
    try:
        for comp in comps:
            xs, ds = _component(comp)
            lo = min(min(x for x, _ in xs.values()) - NODE_WIDTH / 2,
                     min((x for pts in ds.values() for x, _ in pts), default=0.0))
            hi = max(x for x, _ in xs.values()) + NODE_WIDTH / 2
            shift = 0.0 if right is None else right + COMPONENT_GAP - lo
            if right is None:  # the first component's first input is at x = 0
                first = min(xs, key=rank_of.__getitem__)
                shift = -xs[first][0]
            for u, (x, y) in xs.items():
                centres[u] = (x + shift, y)
            for pair, pts in ds.items():
                dummies[pair] = tuple((x + shift, y) for x, y in pts)
            right = hi + shift
    finally:
        sys.setrecursionlimit(limit)
    return centres, dummies


def _plain_rows(units: list[str], pairs: list[tuple[str, str]]) -> dict[str, Position]:
    """Centres for a model too large for Sugiyama, in O(units + pairs): longest-path rows
    (a unit one row below its lowest input), units of a row side by side in ``units``
    order; no crossing reduction and no dummy points."""
    g = nx.DiGraph()
    g.add_nodes_from(units)
    g.add_edges_from(pairs)
    row: dict[str, int] = {}
    for u in nx.topological_sort(g):
        row[u] = max((row[p] + 1 for p in g._pred[u]), default=0)
    used: dict[int, int] = {}
    centres: dict[str, Position] = {}
    for u in units:
        r = row[u]
        i = used[r] = used.get(r, -1) + 1
        centres[u] = (i * COLUMN_WIDTH, r * ROW_HEIGHT)
    return centres


def _component(comp: object) -> tuple[dict[str, Position], dict[tuple[str, str], tuple[Position, ...]]]:
    sug = SugiyamaLayout(comp)
    sug.xspace = X_GAP
    sug.yspace = ROW_HEIGHT - NODE_HEIGHT
    sug.dw, sug.dh = LANE_WIDTH, NODE_HEIGHT  # every dummy vertex: one narrow lane
    sug.init_all()
    for _ in range(SWEEPS):
        for _step in sug.ordering_step():
            pass
    sug.setxy()
    grx = sug.grx
    xs = {v.data: (float(v.view.xy[0]), grx[v].rank * ROW_HEIGHT) for v in comp.sV}
    ds: dict[tuple[str, str], tuple[Position, ...]] = {}
    for e, ctrl in sug.ctrls.items():
        r0, r1 = grx[e.v[0]].rank, grx[e.v[1]].rank
        pair = (e.v[0].data, e.v[1].data)
        ds[pair] = tuple((float(ctrl[r].view.xy[0]), r * ROW_HEIGHT) for r in range(r0 + 1, r1))
    return xs, ds


_Pred = Mapping[str, Mapping[str, object]]  # networkx's node -> predecessors adjacency


def _stack(inner: list[str], pred: _Pred, center: Position) -> dict[str, Position]:
    """Lay out the layers of one collapsed group among themselves (connections inside the
    group only) and centre them on ``center``: their centroid is exactly ``center``, where
    the canvas draws the collapsed group."""
    inside = set(inner)
    depth: dict[str, int] = {}
    rows: dict[int, list[str]] = {}
    for n in inner:  # topological order
        depth[n] = max((depth[p] + 1 for p in pred[n] if p in inside), default=0)
        rows.setdefault(depth[n], []).append(n)
    local: dict[str, Position] = {}
    for row, ids in rows.items():
        width = (len(ids) - 1) * COLUMN_WIDTH
        for i, n in enumerate(ids):
            local[n] = (i * COLUMN_WIDTH - width / 2, row * ROW_HEIGHT)
    cx = sum(p[0] for p in local.values()) / len(local)
    cy = sum(p[1] for p in local.values()) / len(local)
    return {n: (center[0] + x - cx, center[1] + y - cy) for n, (x, y) in local.items()}


__all__ = [
    "CALLS",
    "COLUMN_WIDTH",
    "LANE_WIDTH",
    "ROW_HEIGHT",
    "Layout",
    "apply_layout",
    "auto_layout",
    "collapsed_calls",
    "collapsed_groups",
    "edge_routes",
    "layered_layout",
]
