"""Automatic placement of layers on the canvas, by topological generations.

Each layer goes in row ``d``, where ``d`` is the number of edges on the longest path from
an input to it (so a layer sits below *all* its inputs); the layers of one row are spread
horizontally, centred on ``x = 0``, in the graph's topological order.

A *collapsed* nested model (layers whose ``group`` names an entry of ``LayerGraph.groups``
with ``"collapsed"`` true, or missing, as the canvas treats it) is placed as ONE node: the
canvas draws it as one box at the centroid of its layers' positions, so giving each of its
layers a row of its own would leave a tall empty gap around that box (VGG16 used as a
layer: 19 empty rows). Its layers are laid out among themselves, by the same rule, and
shifted so that their centroid is the group's slot; expanded later, they keep that
relative arrangement. An expanded group's layers are placed like any other layer.

Connections that skip rows get a free column in every row they cross (see :func:`_lanes`),
so a ResNet shortcut is not drawn behind the layers it skips.

Pure Python; linear in layers plus connections (plus the lanes, at most one per layer on
each side of a row per source, capped at the number of layers): a 10,000-layer chain
lays out in tens of milliseconds, see ``tests/bench/bench_layout.py``.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Mapping

from paramlab.core.graph import LayerGraph, Position

ROW_HEIGHT = 110.0
COLUMN_WIDTH = 220.0


def collapsed_groups(graph: LayerGraph) -> set[str]:
    """Names of the nested models shown as one node: the ``group`` of some layer whose
    entry in ``graph.groups`` has ``"collapsed"`` true or absent."""
    groups = graph.groups
    found: set[str] = set()
    for n in graph.layer_ids():
        group = graph.raw(n).get("group")
        if group is not None and group not in found and groups.get(group, {}).get("collapsed", True):
            found.add(group)
    return found


def auto_layout(graph: LayerGraph) -> dict[str, Position]:
    """Positions (scene units, y grows downwards, inputs on top) for every layer.

    Collapsed nested models take one slot (see the module docstring). If contracting a
    group to one node would close a cycle (a user wired one of its layers out and back
    into another), groups are laid out as ordinary layers instead.

    Returns:
        ``{node id: (x, y)}`` for every layer of ``graph``; ``{}`` for an empty graph.
    """
    order = graph.topological_order()
    groups = collapsed_groups(graph)
    if groups:
        positions = _layout(graph, order, groups)
        if positions is not None:
            return positions
    positions = _layout(graph, order, set())
    assert positions is not None  # without contraction the graph's own order is valid
    return positions


def _layout(graph: LayerGraph, order: list[str], groups: set[str]) -> dict[str, Position] | None:
    """Lay out with every group in ``groups`` contracted to one unit; ``None`` if the
    contracted graph has a cycle."""
    pred = graph.nx_graph._pred  # read-only; the public views cost several times more
    # Every layer belongs to a unit: itself, or (collapsed group) the group's first layer.
    unit: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    first_of: dict[str, str] = {}
    for n in order:
        group = graph.raw(n).get("group") if groups else None
        if group in groups:
            rep = first_of.setdefault(group, n)
            unit[n] = rep
            members.setdefault(rep, []).append(n)
        else:
            unit[n] = n
    units = [n for n in order if unit[n] == n]
    if not members:
        depth = {}
        for n in order:
            ps = pred[n]
            if not ps:
                depth[n] = 0
            elif len(ps) == 1:  # most layers: skip the generator and max()
                depth[n] = depth[next(iter(ps))] + 1
            else:
                depth[n] = max(depth[p] for p in ps) + 1
    else:
        depth = _contracted_depths(order, units, unit, pred)
        if depth is None:
            return None
    rows: dict[int, list[str]] = {}
    for u in units:  # already in topological order, so rows keep the graph's order
        rows.setdefault(depth[u], []).append(u)
    lanes = _lanes(order, unit, members, pred, depth, max(len(order), 100))
    positions: dict[str, Position] = {}
    for row, ids in rows.items():
        left, right = lanes.get(row, (0, 0))
        width = (left + len(ids) + right - 1) * COLUMN_WIDTH
        y = row * ROW_HEIGHT
        for i, u in enumerate(ids):
            x = (left + i) * COLUMN_WIDTH - width / 2
            inner = members.get(u)
            if inner is None:
                positions[u] = (x, y)
            else:
                positions.update(_stack(inner, pred, (x, y)))
    return positions


_Pred = Mapping[str, Mapping[str, object]]  # networkx's node -> predecessors adjacency
MAX_LANE_SPAN = 64  # rows; a longer connection gets no lane (it would widen every row)


def _lanes(order: list[str], unit: dict[str, str], members: dict[str, list[str]],
           pred: _Pred, depth: dict[str, int], budget: int) -> dict[int, tuple[int, int]]:
    """Free columns kept for long connections: ``{row: (lanes on the left, on the right)}``.

    A connection that skips rows (a ResNet shortcut, a U-Net skip) is drawn as one curve
    from its source down to its target; without room it would run straight behind the
    layers in between. So each row it crosses keeps an empty column (a *lane*, the dummy
    node of a layered layout) beside its layers: on the left when it enters its target on
    a left-hand input port (Keras's ``Add()([shortcut, x])``), else on the right. One
    source shares its lane on each side of a row. At most ``budget`` lanes in all.
    """
    taken: set[tuple[int, bool, str]] = set()  # (row, on the left, source unit)
    counts: dict[int, list[int]] = {}
    for n in order:
        inputs = pred[n]
        if not inputs:
            continue
        u = unit[n]
        du = depth[u]
        arity = -1  # counted when first needed: most layers have no long connection
        for p, keys in inputs.items():
            pu = unit[p]
            span = du - depth[pu]
            if pu == u or span < 2 or span > MAX_LANE_SPAN:
                continue
            if arity < 0:
                arity = sum(len(ks) for ks in inputs.values())
            for k in keys:
                # a collapsed group has one input port, in its middle
                left = u not in members and arity > 1 and k < (arity - 1) / 2
                for row in range(depth[pu] + 1, du):
                    if (row, left, pu) in taken:
                        continue
                    if len(taken) >= budget:
                        return {r: (c[0], c[1]) for r, c in counts.items()}
                    taken.add((row, left, pu))
                    counts.setdefault(row, [0, 0])[0 if left else 1] += 1
    return {r: (c[0], c[1]) for r, c in counts.items()}


def _contracted_depths(order: list[str], units: list[str], unit: dict[str, str],
                       pred: _Pred) -> dict[str, int] | None:
    """Longest-path depth of every unit in the graph whose units are the nodes (Kahn's
    algorithm); ``None`` when that graph has a cycle."""
    preds: dict[str, set[str]] = {u: set() for u in units}
    for n in order:
        u = unit[n]
        for p in pred[n]:
            pu = unit[p]
            if pu != u:
                preds[u].add(pu)
    succs: dict[str, list[str]] = {u: [] for u in units}
    missing: dict[str, int] = {}
    for u, ps in preds.items():
        missing[u] = len(ps)
        for p in ps:
            succs[p].append(u)
    depth: dict[str, int] = {}
    ready = deque(u for u in units if missing[u] == 0)
    for u in ready:
        depth[u] = 0
    done = 0
    while ready:
        u = ready.popleft()
        done += 1
        d = depth[u] + 1
        for v in succs[u]:
            if depth.get(v, -1) < d:
                depth[v] = d
            missing[v] -= 1
            if missing[v] == 0:
                ready.append(v)
    return depth if done == len(units) else None


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


def apply_layout(graph: LayerGraph) -> None:
    """Move every layer to :func:`auto_layout`'s position (for freshly loaded models;
    the GUI uses undoable ``Move`` edits instead)."""
    for n, pos in auto_layout(graph).items():
        graph.move(n, pos)


__all__ = ["COLUMN_WIDTH", "ROW_HEIGHT", "apply_layout", "auto_layout", "collapsed_groups"]
