"""Diagram export (gui/diagram.py): one SVG drawing, also as PNG and PDF.

Done-when check of the issue, read from the SVG file itself, for every Keras reference
model in tests/data/keras and every bundled example: no connection (sampled along its
curves) enters the interior of a layer's rect other than its own two ends, no two layer
rects overlap, and there are as many connections as the graph has (drawn) edges.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from paramlab.core.io.loader import load_model
from paramlab.core.propagate import propagate
from paramlab.core.resources import example_path, list_examples

DATA = Path(__file__).resolve().parents[1] / "data" / "keras"
KERAS_MODELS = sorted(p for p in DATA.glob("*.json"))
SVG = "{http://www.w3.org/2000/svg}"

Rect = tuple[float, float, float, float]


def parse_d(d: str) -> list[tuple[str, list[tuple[float, float]]]]:
    """Absolute M/L/C commands of a path; any other command fails the test."""
    tokens = re.findall(r"[A-Za-z]|-?\d+(?:\.\d+)?(?:e-?\d+)?", d)
    out: list[tuple[str, list[tuple[float, float]]]] = []
    i = 0
    while i < len(tokens):
        kind = tokens[i]
        assert kind in ("M", "L", "C"), f"path command {kind!r} in {d[:80]}"
        n = 3 if kind == "C" else 1
        nums = [float(t) for t in tokens[i + 1:i + 1 + 2 * n]]
        out.append((kind, list(zip(nums[::2], nums[1::2]))))
        i += 1 + 2 * n
    return out


def sample(commands: list[tuple[str, list[tuple[float, float]]]], steps: int = 24
           ) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    here = (0.0, 0.0)
    for kind, p in commands:
        if kind == "M":
            here = p[0]
            pts.append(here)
            continue
        for s in range(1, steps + 1):
            t = s / steps
            if kind == "L":
                pts.append((here[0] + (p[0][0] - here[0]) * t, here[1] + (p[0][1] - here[1]) * t))
            else:
                u = 1 - t
                c1, c2, e = p
                pts.append(tuple(u ** 3 * here[k] + 3 * u * u * t * c1[k] + 3 * u * t * t * c2[k]
                                 + t ** 3 * e[k] for k in (0, 1)))
        here = p[-1]
    return pts


def read_svg(text: str) -> tuple[dict[str, Rect], list[tuple[str, str, list]], tuple]:
    root = ET.fromstring(text)
    box = tuple(float(v) for v in root.get("viewBox").split())
    rects: dict[str, Rect] = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "layer":
            r = g.find(f"{SVG}rect")
            assert r is not None and g.find(f"{SVG}text") is not None
            rects[g.get("data-name")] = tuple(float(r.get(k)) for k in ("x", "y", "width", "height"))
    conns = [(p.get("data-source"), p.get("data-target"), parse_d(p.get("d")))
             for p in root.iter(f"{SVG}path") if p.get("class") == "connection"]
    return rects, conns, box


def check_svg(text: str, drawn_edges: int) -> None:
    rects, conns, (vx, vy, vw, vh) = read_svg(text)
    assert len(conns) == drawn_edges
    buckets: dict[int, list[tuple[str, Rect]]] = {}
    for name, (x, y, w, h) in rects.items():
        assert vx <= x and x + w <= vx + vw and vy <= y and y + h <= vy + vh  # viewBox covers
        for row in range(int(y // 50), int((y + h) // 50) + 1):
            buckets.setdefault(row, []).append((name, (x, y, w, h)))
    for row, items in buckets.items():  # no two rects overlap
        for i, (a, (ax, ay, aw, ah)) in enumerate(items):
            for b, (bx, by, bw, bh) in items[i + 1:]:
                assert (ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay), \
                    f"{a} overlaps {b}"
    for src, dst, commands in conns:
        assert src in rects and dst in rects
        for x, y in sample(commands):
            assert vx <= x <= vx + vw and vy <= y <= vy + vh
            for name, (rx, ry, rw, rh) in buckets.get(int(y // 50), ()):
                if name in (src, dst):
                    continue
                inside = rx + 1 < x < rx + rw - 1 and ry + 1 < y < ry + rh - 1
                assert not inside, f"{src} -> {dst} crosses {name} at ({x:.0f}, {y:.0f})"


def drawn_edges(graph: Any) -> int:
    """Edges between different drawn boxes (a collapsed nested model is one box, a layer's
    collapsed shared calls too when the layout put them at its slot)."""
    from paramlab.core.layout import layered_layout

    pos = layered_layout(graph).positions

    def box(n: str) -> str:
        d = graph.raw(n)
        group = d.get("group")
        if group is not None and graph.is_group_collapsed(group):
            return group
        owner = d.get("shared_with")
        if (owner is not None and group is None and graph.calls_collapsed(owner)
                and pos[n] == pos[owner]):
            return owner
        return n
    return sum(1 for s, d, _ in graph.edges() if box(s) != box(d))


def models() -> list[Any]:
    out = [pytest.param(str(p), id=p.stem) for p in KERAS_MODELS]
    out += [pytest.param(str(example_path(name)), id=f"example-{name}") for name in list_examples()]
    return out


@pytest.mark.parametrize("path", models())
def test_svg_has_no_edge_through_a_node_no_overlap_and_every_connection(qapp: Any,
                                                                        path: str) -> None:
    from paramlab.gui.diagram import diagram_svg

    graph = load_model(path)
    check_svg(diagram_svg(graph, propagate(graph)), drawn_edges(graph))


def test_check_catches_an_edge_through_a_node(qapp: Any) -> None:
    """The checker itself: a connection drawn straight through a third node fails."""
    text = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 400">'
            '<g class="layer" data-name="a"><rect x="0" y="0" width="100" height="50"/><text>a</text></g>'
            '<g class="layer" data-name="b"><rect x="0" y="100" width="100" height="50"/><text>b</text></g>'
            '<g class="layer" data-name="c"><rect x="0" y="200" width="100" height="50"/><text>c</text></g>'
            '<path class="connection" data-source="a" data-target="c" d="M 50,50 L 50,200"/></svg>')
    with pytest.raises(AssertionError, match="crosses b"):
        check_svg(text, 1)
    with pytest.raises(AssertionError):
        parse_d("M 0,0 l 5,5")


def test_png_and_pdf_come_from_the_same_drawing(qapp: Any, tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    from paramlab.core.graph import LayerGraph
    from paramlab.gui.diagram import diagram_svg, export_diagram

    graph = load_model(str(DATA / "hb_merge.json"))
    result = propagate(graph)
    export_diagram(graph, result, tmp_path / "m.svg")
    export_diagram(graph, result, tmp_path / "m.png", dpi=96)
    export_diagram(graph, result, tmp_path / "m150.png")
    box = [float(v) for v in ET.parse(tmp_path / "m.svg").getroot().get("viewBox").split()]
    png = QImage(str(tmp_path / "m.png"))
    assert (png.width(), png.height()) == (round(box[2] + 0.49), round(box[3] + 0.49))
    big = QImage(str(tmp_path / "m150.png"))  # the default: 150 dpi, 150/96 px a unit
    assert big.width() == pytest.approx(box[2] * 150 / 96, abs=1)
    # a tall chain (40 rows, 4,400 units) goes over several A4 pages, each with the header
    tall = LayerGraph("tall_chain")
    prev = tall.add_layer("InputLayer", config={"shape": [8]})
    for _ in range(39):
        cur = tall.add_layer("Dense", config={"units": 8})
        tall.connect(prev, cur)
        prev = cur
    export_diagram(tall, propagate(tall), tmp_path / "t.pdf")
    pdf = (tmp_path / "t.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 4
    text = diagram_svg(load_model(str(DATA / "ResNet50.json")), propagate(
        load_model(str(DATA / "ResNet50.json"))))
    assert "Total params: 25,636,712" in text  # Keras's ResNet50 total (reference summary)
    assert "port" not in text and "selected" not in text  # no editor-only marks


def test_pages_are_cut_between_rows(qapp: Any) -> None:
    from paramlab.core.layout import NODE_HEIGHT
    from paramlab.gui.diagram import build_drawing, page_cuts

    graph = load_model(str(DATA / "ResNet50.json"))
    drawing = build_drawing(graph, propagate(graph))
    cuts = page_cuts(drawing, 1000.0)
    assert len(cuts) > 15 and all(b - a <= 1000.0 for a, b in cuts)
    for _, cut in cuts[:-1]:
        assert not any(n.y - NODE_HEIGHT / 2 < cut < n.y + NODE_HEIGHT / 2 for n in drawing.nodes)


def test_partial_totals_in_the_export_header(qapp: Any) -> None:
    from paramlab.core.edits import SetConfig
    from paramlab.gui.diagram import build_drawing

    graph = load_model(str(DATA / "lenet_like.json"))
    conv = next(n for n in graph.layer_ids() if graph.raw(n)["type"] == "Conv2D")
    SetConfig(conv, "kernel_size", (40, 40)).apply(graph)  # larger than the 32x32 input
    drawing = build_drawing(graph, propagate(graph))
    assert re.search(r"Total params: [\d,]+ — partial, \d+ layers unresolved", drawing.totals)


def test_render_command_writes_svg_pdf_png(qapp: Any, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from paramlab.gui.app import main

    model = str(DATA / "hb_merge.json")
    for name in ("d.svg", "d.pdf", "d.png"):
        assert main(["render", model, "--output", str(tmp_path / name), "--dpi", "72"]) == 0
    assert read_svg((tmp_path / "d.svg").read_text(encoding="utf-8"))[1]
    assert (tmp_path / "d.pdf").read_bytes().startswith(b"%PDF")
    assert main(["render", model, "--output", str(tmp_path / "d.gif")]) == 2
    assert main(["render", model, "--output", str(tmp_path / "e.png"), "--dpi", "0"]) == 2
    err = capsys.readouterr().err
    assert ".svg, .pdf or .png" in err and "--dpi must be between 10 and 1200" in err


KERAS2 = Path(__file__).resolve().parents[1] / "data" / "keras2"


def test_a_shared_layer_is_one_box_applied_n_times_as_on_the_canvas(qapp: Any,
                                                                     tmp_path: Path) -> None:
    """``paramlab render`` of a layer called twice (keras2/shared_dense_concat.json: Keras
    counts shared_dense once, 136 parameters, and lists 5 layers) lays the model out as the
    canvas does, each layer's calls at its slot: the calls were drawn one by one there,
    on top of each other, the second ("0 params") hiding the first and its 136. Now one box
    reads "Dense · applied 2×" and 136 params; expanded (view state), every call is drawn."""
    from paramlab.core.layout import apply_layout
    from paramlab.gui.app import main
    from paramlab.gui.diagram import build_drawing

    source = json.loads((KERAS2 / "shared_dense_concat.json").read_text())["config"]
    path = tmp_path / "shared.json"
    path.write_text(json.dumps(source))
    assert main(["render", str(path), "--output", str(tmp_path / "s.svg")]) == 0
    text = (tmp_path / "s.svg").read_text(encoding="utf-8")
    rects, conns, _ = read_svg(text)
    assert sorted(rects) == ["a", "b", "concat", "out", "shared_dense"]
    assert "Dense · applied 2×" in text and "136 params" in text
    assert "shared_dense_concat — 5 layers" in text
    graph = load_model(str(path))
    apply_layout(graph)
    check_svg(text, drawn_edges(graph))
    owner = graph.id_of("shared_dense")
    graph.set_calls_expanded(owner, True)
    apply_layout(graph)
    drawing = build_drawing(graph, propagate(graph))
    assert sorted(n.name for n in drawing.nodes) == ["a", "b", "concat", "out", "shared_dense",
                                                     "shared_dense_call1"]
    assert len({(n.x, n.y) for n in drawing.nodes}) == 6  # no two calls on one spot


def test_a_name_with_control_characters_is_drawn(qapp: Any, tmp_path: Path) -> None:
    """A model or layer name holding an escape sequence (found by fuzz_cli, seed 91): XML
    cannot hold it, so the SVG did not parse and ``render`` to PNG died with "internal error
    (ZeroDivisionError)". It is written as the messages write it, ``\\x1b``."""
    from PySide6.QtGui import QImage

    from paramlab.gui.app import main

    config = json.loads((KERAS2 / "shared_dense_concat.json").read_text())["config"]
    config["config"]["name"] = "a\nb\x1b[31m"
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(config))
    assert main(["render", str(path), "--output", str(tmp_path / "o.png")]) == 0
    assert not QImage(str(tmp_path / "o.png")).isNull()
    assert main(["render", str(path), "--output", str(tmp_path / "o.svg")]) == 0
    title = ET.parse(tmp_path / "o.svg").getroot().find(f"{SVG}title").text
    assert title == "a\\nb\\x1b[31m — 5 layers"
