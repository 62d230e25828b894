"""Edge crossings of ParamLab's diagram against Graphviz ``dot`` (a script, not a test).

    QT_QPA_PLATFORM=offscreen python tests/bench/bench_crossings.py

For every Keras reference model (tests/data/keras) and every bundled example: the SVG
export (``gui.diagram.diagram_svg``) and ``dot -Tsvg`` on the same graph (nodes
184 x 76 as ParamLab draws them, top to bottom). Both SVGs are read the same way: each
connection's path is sampled along its curves and two connections cross where their
polylines properly intersect (connections sharing a layer are not counted: they meet at
its port). Needs Graphviz (``apt-get install graphviz``); without it only ParamLab's
counts are printed.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "gui"))

from PySide6.QtGui import QGuiApplication
from test_diagram_export import parse_d, sample

from paramlab.core.io.loader import load_model
from paramlab.core.propagate import propagate
from paramlab.core.resources import example_path, list_examples

SVG = "{http://www.w3.org/2000/svg}"
Poly = list[tuple[float, float]]


def _cross(a: tuple, b: tuple, c: tuple, d: tuple) -> bool:
    def orient(p, q, r) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    o1, o2, o3, o4 = orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
    return o1 * o2 < 0 and o3 * o4 < 0


def count_crossings(conns: list[tuple[str, str, Poly]], cell: float = 40.0) -> int:
    """Crossing points between connections that share no endpoint (grid-bucketed)."""
    grid: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for ci, (_, _, pts) in enumerate(conns):
        for si in range(len(pts) - 1):
            (x1, y1), (x2, y2) = pts[si], pts[si + 1]
            for gx in range(int(min(x1, x2) // cell), int(max(x1, x2) // cell) + 1):
                for gy in range(int(min(y1, y2) // cell), int(max(y1, y2) // cell) + 1):
                    grid.setdefault((gx, gy), []).append((ci, si))
    seen: set[tuple[int, int, int, int]] = set()
    points: set[tuple[int, int, int, int]] = set()
    for segs in grid.values():
        for i, (ca, sa) in enumerate(segs):
            for cb, sb in segs[i + 1:]:
                if ca == cb:
                    continue
                key = (min(ca, cb), max(ca, cb), sa if ca < cb else sb, sb if ca < cb else sa)
                if key in seen:
                    continue
                seen.add(key)
                a, b = conns[ca], conns[cb]
                if {a[0], a[1]} & {b[0], b[1]}:
                    continue
                if _cross(a[2][sa], a[2][sa + 1], b[2][sb], b[2][sb + 1]):
                    # one crossing of two curves may span two sampled segments: count the
                    # pair once per 30-unit neighbourhood
                    x, y = a[2][sa]
                    points.add((key[0], key[1], int(x // 30), int(y // 30)))
    return len(points)


def ours(graph) -> list[tuple[str, str, Poly]]:
    from paramlab.gui.diagram import diagram_svg

    root = ET.fromstring(diagram_svg(graph, propagate(graph)))
    return [(p.get("data-source"), p.get("data-target"), sample(parse_d(p.get("d"))))
            for p in root.iter(f"{SVG}path") if p.get("class") == "connection"]


def dot(graph) -> list[tuple[str, str, Poly]] | None:
    exe = shutil.which("dot")
    if exe is None:
        return None
    names = {n: f"n{i}" for i, n in enumerate(graph.layer_ids())}
    lines = ["digraph g {", "rankdir=TB; nodesep=0.5; ranksep=0.47;",
             "node [shape=box, fixedsize=true, width=2.56, height=1.06, label=\"\"];"]
    lines += [f"{names[n]};" for n in graph.layer_ids()]
    lines += [f"{names[s]} -> {names[d]};" for s, d, _ in graph.edges()]
    lines.append("}")
    out = subprocess.run([exe, "-Tsvg"], input="\n".join(lines), capture_output=True,
                         text=True, check=True, timeout=300).stdout
    back = {v: k for k, v in names.items()}
    root = ET.fromstring(out)
    conns = []
    for g in root.iter(f"{SVG}g"):
        if g.get("class") != "edge":
            continue
        title = g.find(f"{SVG}title").text.replace("&#45;", "-")
        src, dst = title.split("->")
        d = g.find(f"{SVG}path").get("d")
        tokens = re.findall(r"[MC]|-?\d+(?:\.\d+)?", d.replace(",", " "))
        cmds, i = [], 0
        while i < len(tokens):
            kind = tokens[i]
            i += 1
            nums = []
            while i < len(tokens) and tokens[i] not in ("M", "C"):
                nums.append(float(tokens[i]))
                i += 1
            pts = list(zip(nums[::2], nums[1::2]))
            if kind == "M":
                cmds.append(("M", pts[:1]))
            else:
                for j in range(0, len(pts) - 2, 3):
                    cmds.append(("C", pts[j:j + 3]))
        conns.append((back[src], back[dst], sample(cmds)))
    return conns


def main() -> None:
    _app = QGuiApplication.instance() or QGuiApplication([])
    paths = [(p.stem, str(p)) for p in sorted((HERE.parent / "data" / "keras").glob("*.json"))]
    paths += [(f"example {n}", str(example_path(n))) for n in list_examples()]
    print("| model | layers | connections | ParamLab crossings | dot crossings |")
    print("|---|---|---|---|---|")
    total_ours = total_dot = 0
    for name, path in paths:
        graph = load_model(path)
        mine = ours(graph)
        # name the connections by layer name on both sides
        ids = {graph.raw(n)["name"]: n for n in graph.layer_ids()}
        mine = [(ids.get(s, s), ids.get(t, t), p) for s, t, p in mine]
        a = count_crossings(mine)
        theirs = dot(graph)
        b = count_crossings(theirs) if theirs is not None else None
        total_ours += a
        total_dot += b or 0
        print(f"| {name} | {len(graph)} | {len(mine)} | {a} | {'-' if b is None else b} |")
    print(f"| **total** | | | {total_ours} | {total_dot} |")


if __name__ == "__main__":
    main()
