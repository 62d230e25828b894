"""The curve of one connection, as absolute path commands (``M``, ``L``, ``C``).

One geometry for every drawing: the canvas turns the commands into a ``QPainterPath``,
the SVG export writes them as a ``d`` attribute. Scene units, y grows downwards; a
connection leaves its source's output port (bottom edge of the node) and enters an
input port (top edge of the target node). Nodes are ``NODE_WIDTH`` x ``NODE_HEIGHT``
around their centres (``core.layout``).
"""
from __future__ import annotations

from collections.abc import Sequence

from paramlab.core.layout import NODE_HEIGHT, NODE_WIDTH

Point = tuple[float, float]
Command = tuple[str, tuple[Point, ...]]  # ("M", (p,)), ("L", (p,)), ("C", (c1, c2, p))

BACK_EDGE_CLEARANCE = 22.0  # how far a back edge keeps from the nodes it joins
CORNER_RADIUS = 14.0
MIN_DROP = 20.0  # a target at least this far below the source is "downwards"


def edge_commands(start: Point, end: Point, via: Sequence[Point] = ()) -> list[Command]:
    """The path from output port ``start`` to input port ``end``.

    ``via``: the layout's dummy points (the centre of the connection's lane in each row it
    crosses, ``core.layout.Layout.routes``). The path runs vertically through each lane
    across the whole row (``NODE_HEIGHT`` high) and bends only in the free gaps between
    rows, so it never crosses a node of those rows.

    Downwards without ``via``: one vertical S-curve. A target above or level with the
    source (a *back edge*, only with hand-placed layers) leaves downwards, runs sideways in
    a lane beside the nodes, climbs and enters from above, with rounded corners.
    """
    sx, sy = start
    ex, ey = end
    if ey >= sy + MIN_DROP:
        out: list[Command] = [("M", (start,))]
        here = start
        for x, y in via:
            top, bottom = (x, y - NODE_HEIGHT / 2), (x, y + NODE_HEIGHT / 2)
            out.append(_s_curve(here, top))
            out.append(("L", (bottom,)))
            here = bottom
        out.append(_s_curve(here, end))
        return out
    c = BACK_EDGE_CLEARANCE
    lo, hi = min(sx, ex), max(sx, ex)
    # An input port may sit off its node's centre (several inputs), hence 0.7 of a width.
    if hi - lo >= NODE_WIDTH * 1.2 + 2 * c:
        lane = (sx + ex) / 2
    elif ex >= sx:
        lane = hi + NODE_WIDTH * 0.7 + c
    else:
        lane = lo - NODE_WIDTH * 0.7 - c
    below = max(sy, ey + NODE_HEIGHT) + c  # under both nodes
    above = min(ey, sy - NODE_HEIGHT) - c  # over both nodes
    return _rounded([start, (sx, below), (lane, below), (lane, above), (ex, above), end])


def _s_curve(a: Point, b: Point) -> Command:
    """A cubic from ``a`` down to ``b`` leaving and arriving vertically; both control
    points lie between the two heights, so the curve stays inside the gap."""
    mid = (a[1] + b[1]) / 2
    return ("C", ((a[0], mid), (b[0], mid), b))


def _rounded(points: list[Point]) -> list[Command]:
    """Straight segments through ``points`` with each inner corner rounded (a cubic)."""
    out: list[Command] = [("M", (points[0],))]
    for prev, corner, nxt in zip(points, points[1:], points[2:]):
        ax, ay = corner[0] - prev[0], corner[1] - prev[1]
        bx, by = nxt[0] - corner[0], nxt[1] - corner[1]
        la, lb = (ax * ax + ay * ay) ** 0.5, (bx * bx + by * by) ** 0.5
        r = min(CORNER_RADIUS, la / 2, lb / 2)
        if r <= 0:
            out.append(("L", (corner,)))
            continue
        p = (corner[0] - ax * r / la, corner[1] - ay * r / la)
        q = (corner[0] + bx * r / lb, corner[1] + by * r / lb)
        out.append(("L", (p,)))
        # the quadratic corner (p, corner, q) as the cubic it equals
        c1 = (p[0] + 2 / 3 * (corner[0] - p[0]), p[1] + 2 / 3 * (corner[1] - p[1]))
        c2 = (q[0] + 2 / 3 * (corner[0] - q[0]), q[1] + 2 / 3 * (corner[1] - q[1]))
        out.append(("C", (c1, c2, q)))
    out.append(("L", (points[-1],)))
    return out


def sample(commands: Sequence[Command], steps: int = 16) -> list[Point]:
    """Points along the path (``steps`` per curve), for hit tests and checks."""
    pts: list[Point] = []
    here = (0.0, 0.0)
    for kind, args in commands:
        if kind in ("M", "L"):
            if kind == "L":
                for i in range(1, steps + 1):
                    t = i / steps
                    pts.append((here[0] + (args[0][0] - here[0]) * t,
                                here[1] + (args[0][1] - here[1]) * t))
            else:
                pts.append(args[0])
            here = args[0]
        else:
            (c1, c2, p) = args
            for i in range(1, steps + 1):
                t = i / steps
                u = 1 - t
                pts.append((u ** 3 * here[0] + 3 * u * u * t * c1[0] + 3 * u * t * t * c2[0]
                            + t ** 3 * p[0],
                            u ** 3 * here[1] + 3 * u * u * t * c1[1] + 3 * u * t * t * c2[1]
                            + t ** 3 * p[1]))
            here = p
    return pts


__all__ = ["edge_commands", "sample"]
