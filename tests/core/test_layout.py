"""``core.layout``: a layered (Sugiyama) layout: rows by longest path from an input, dummy
points for long connections, no overlaps; a collapsed nested model takes one slot, its
layers stacked around it (centroid = slot, where the canvas draws it)."""
from __future__ import annotations

from paramlab.core.graph import LayerGraph
from paramlab.core.io.keras_import import parse_keras_config
from paramlab.core.io.project import load_project
from paramlab.core.layout import (
    COLUMN_WIDTH,
    LANE_WIDTH,
    NODE_WIDTH,
    ROW_HEIGHT,
    X_GAP,
    apply_layout,
    auto_layout,
    collapsed_groups,
    layered_layout,
)
from paramlab.core.resources import example_path


def chain(g: LayerGraph, types: list[str], group: str | None = None,
          start: str | None = None) -> list[str]:
    ids = []
    prev = start
    for t in types:
        n = g.add_layer(t, config={"units": 4} if t == "Dense" else {}, group=group)
        if prev is not None:
            g.connect(prev, n)
        ids.append(n)
        prev = n
    return ids


def centroid(pos: dict, ids: list[str]) -> tuple[float, float]:
    return (sum(pos[n][0] for n in ids) / len(ids), sum(pos[n][1] for n in ids) / len(ids))


def test_chain_is_one_centred_column_row_by_row() -> None:
    g = LayerGraph()
    ids = chain(g, ["InputLayer", "Dense", "Dense", "Dense"])
    pos = auto_layout(g)
    assert [pos[n] for n in ids] == [(0.0, i * ROW_HEIGHT) for i in range(4)]


def test_merge_sits_below_its_last_input_and_branches_side_by_side() -> None:
    g = LayerGraph()
    x = g.add_layer("InputLayer", config={"shape": [4]})
    a = g.add_layer("Dense", config={"units": 4})
    b1 = g.add_layer("Dense", config={"units": 4})
    b2 = g.add_layer("Dense", config={"units": 4})
    add = g.add_layer("Add")
    g.connect(x, a)
    g.connect(x, b1)
    g.connect(b1, b2)
    g.connect(a, add)
    g.connect(b2, add)
    pos = auto_layout(g)
    # a and b1 share row 1, centred: -110 and +110; the merge waits for b2 (row 3)
    assert pos[a] == (-COLUMN_WIDTH / 2, ROW_HEIGHT) and pos[b1] == (COLUMN_WIDTH / 2, ROW_HEIGHT)
    # a -> add skips row 2 and enters the merge's left port: row 2 keeps a lane on the left
    assert pos[b2] == (COLUMN_WIDTH / 2, 2 * ROW_HEIGHT)
    assert pos[add] == (0.0, 3 * ROW_HEIGHT)


def residual_block(shortcut_port: int) -> tuple[LayerGraph, str, list[str], str]:
    """x -> 3 Dense -> Add, with the shortcut x -> Add on input ``shortcut_port``."""
    g = LayerGraph()
    (x,) = chain(g, ["InputLayer"])
    body = chain(g, ["Dense"] * 3, start=x)
    add = g.add_layer("Add")
    g.connect(x, add, shortcut_port)
    g.connect(body[-1], add, 1 - shortcut_port)
    return g, x, body, add


def test_shortcut_runs_through_dummy_points_beside_the_layers_it_skips() -> None:
    """Keras's ResNet block: Add()([shortcut, x]). The shortcut spans 4 rows: it gets a
    dummy vertex in each of the 3 rows it crosses, clear of the layers in those rows."""
    for port in (0, 1):
        g, x, body, add = residual_block(shortcut_port=port)
        layout = layered_layout(g)
        pos = layout.positions
        assert [pos[n][1] for n in (x, *body, add)] == [r * ROW_HEIGHT for r in range(5)]
        assert len({pos[n][0] for n in body}) == 1  # the skipped chain is one straight column
        via = layout.routes[(x, add, port)]
        assert [y for _, y in via] == [r * ROW_HEIGHT for r in (1, 2, 3)]
        assert len({vx for vx, _ in via}) == 1  # the lane is straight too
        for (vx, _), n in zip(via, body):
            assert abs(vx - pos[n][0]) >= (NODE_WIDTH + LANE_WIDTH) / 2 + X_GAP - 1e-6
        assert (body[-1], add, 1 - port) not in layout.routes  # one row: no dummy


def test_every_long_connection_gets_its_own_lane_and_no_node_overlaps() -> None:
    # x feeds two merges further down (two long connections from one source)
    g, x, body, add = residual_block(shortcut_port=0)
    tail = chain(g, ["Dense", "Dense"], start=add)
    add2 = g.add_layer("Add")
    g.connect(x, add2, 0)
    g.connect(tail[-1], add2, 1)
    layout = layered_layout(g)
    assert len(layout.routes[(x, add, 0)]) == 3 and len(layout.routes[(x, add2, 0)]) == 6
    pos = layout.positions
    lanes = [p for pts in layout.routes.values() for p in pts]
    ids = list(pos)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            same_row = pos[a][1] == pos[b][1]
            assert not same_row or abs(pos[a][0] - pos[b][0]) >= COLUMN_WIDTH - 1e-6
        for lx, ly in lanes:  # no lane passes behind a node
            assert ly != pos[a][1] or abs(lx - pos[a][0]) >= (NODE_WIDTH + LANE_WIDTH) / 2


def test_layout_is_cached_until_the_structure_changes() -> None:
    g, x, body, add = residual_block(shortcut_port=0)
    first = layered_layout(g)
    g.rename(body[0], "renamed")
    g.move(body[0], (500.0, 500.0))
    assert layered_layout(g) is first
    g.connect(body[0], g.add_layer("Dense", config={"units": 4}))
    assert layered_layout(g) is not first


def transfer_graph(collapsed: bool | None) -> tuple[LayerGraph, str, list[str], list[str]]:
    """input -> nested model "base" (5 layers) -> head of 2 layers."""
    g = LayerGraph()
    (x,) = chain(g, ["InputLayer"])
    base = chain(g, ["Dense"] * 5, group="base", start=x)
    head = chain(g, ["Dense", "Dense"], start=base[-1])
    if collapsed is not None:
        g.groups["base"] = {"type": "Functional", "collapsed": collapsed}
    return g, x, base, head


def test_collapsed_group_takes_one_row_and_its_layers_are_stacked_around_it() -> None:
    g, x, base, head = transfer_graph(collapsed=True)
    pos = auto_layout(g)
    # the group is one node in row 1: the head follows at once, no 5-row gap
    assert centroid(pos, base) == (0.0, ROW_HEIGHT)
    assert pos[x] == (0.0, 0.0)
    assert [pos[n] for n in head] == [(0.0, 2 * ROW_HEIGHT), (0.0, 3 * ROW_HEIGHT)]
    # its own layers: a column, one row apart, for when it is expanded
    assert [pos[n][1] for n in base] == [ROW_HEIGHT + (i - 2) * ROW_HEIGHT for i in range(5)]
    assert {pos[n][0] for n in base} == {0.0}


def test_group_without_metadata_counts_as_collapsed_like_the_canvas() -> None:
    g, _x, _base, head = transfer_graph(collapsed=None)
    assert collapsed_groups(g) == {"base"}
    assert auto_layout(g)[head[0]] == (0.0, 2 * ROW_HEIGHT)


def test_expanded_group_is_laid_out_layer_by_layer() -> None:
    g, x, base, head = transfer_graph(collapsed=False)
    assert collapsed_groups(g) == set()
    pos = auto_layout(g)
    assert [pos[n] for n in [x, *base, *head]] == [(0.0, i * ROW_HEIGHT) for i in range(8)]


def test_group_beside_other_branches_keeps_its_slot_in_the_row() -> None:
    # input feeds both the group and a side Dense; a merge takes both
    g = LayerGraph()
    (x,) = chain(g, ["InputLayer"])
    base = chain(g, ["Dense"] * 3, group="base", start=x)
    side = g.add_layer("Dense", config={"units": 4})
    g.connect(x, side)
    add = g.add_layer("Add")
    g.connect(base[-1], add)
    g.connect(side, add)
    pos = auto_layout(g)
    assert centroid(pos, base) == (-COLUMN_WIDTH / 2, ROW_HEIGHT)
    assert pos[side] == (COLUMN_WIDTH / 2, ROW_HEIGHT)
    assert pos[add] == (0.0, 2 * ROW_HEIGHT)


def test_branching_inside_a_group_is_laid_out_inside_it() -> None:
    g = LayerGraph()
    (x,) = chain(g, ["InputLayer"])
    a = g.add_layer("Dense", config={"units": 4}, group="base")
    b = g.add_layer("Dense", config={"units": 4}, group="base")
    c = g.add_layer("Dense", config={"units": 4}, group="base")
    m = g.add_layer("Add", group="base")
    g.connect(x, a)
    g.connect(a, b)
    g.connect(a, c)
    g.connect(b, m)
    g.connect(c, m)
    (out,) = chain(g, ["Dense"], start=m)
    pos = auto_layout(g)
    assert centroid(pos, [a, b, c, m]) == (0.0, ROW_HEIGHT)
    assert pos[b][1] == pos[c][1] and pos[c][0] - pos[b][0] == COLUMN_WIDTH
    assert pos[a][1] < pos[b][1] < pos[m][1]
    assert pos[out] == (0.0, 2 * ROW_HEIGHT)


def test_contraction_that_would_cycle_falls_back_to_plain_layout() -> None:
    # a user wired a group layer out and back into the group: as one node it would be
    # both before and after "outside"
    g = LayerGraph()
    (x,) = chain(g, ["InputLayer"])
    a = g.add_layer("Dense", config={"units": 4}, group="base")
    outside = g.add_layer("Dense", config={"units": 4})
    b = g.add_layer("Dense", config={"units": 4}, group="base")
    g.connect(x, a)
    g.connect(a, outside)
    g.connect(outside, b)
    pos = auto_layout(g)
    assert [pos[n] for n in (x, a, outside, b)] == [(0.0, i * ROW_HEIGHT) for i in range(4)]


def test_vgg16_transfer_example_has_no_gap_around_the_frozen_base() -> None:
    path = example_path("vgg16_transfer")
    assert path is not None
    g = load_project(path)
    base = [n for n in g.layer_ids() if g.raw(n).get("group") == "vgg16"]
    assert len(base) == 18
    # the bundled file is laid out this way: what the user sees on open
    stored = {n: g.raw(n)["position"] for n in g.layer_ids()}
    assert stored == auto_layout(g)
    visible = [stored[n][1] for n in g.layer_ids() if n not in base]
    visible.append(centroid(stored, base)[1])
    assert sorted(visible) == [i * ROW_HEIGHT for i in range(6)]  # input, vgg16, 4 head layers


def test_keras_import_of_a_nested_model_is_laid_out_with_the_group_as_one_node() -> None:
    def kt(layer: str) -> dict:
        return {"class_name": "__keras_tensor__",
                "config": {"shape": None, "dtype": "float32", "keras_history": [layer, 0, 0]}}

    def inp(name: str) -> dict:
        return {"module": "keras.layers", "class_name": "InputLayer", "name": name,
                "config": {"batch_shape": [None, 8], "dtype": "float32", "name": name},
                "inbound_nodes": []}

    def dense(name: str, src: str) -> dict:
        return {"module": "keras.layers", "class_name": "Dense", "name": name,
                "config": {"name": name, "units": 8, "trainable": True},
                "inbound_nodes": [{"args": [kt(src)], "kwargs": {}}]}

    def functional(name: str, layers: list, first: str, last: str) -> dict:
        return {"module": "keras.src.models.functional", "class_name": "Functional",
                "config": {"name": name, "trainable": False, "layers": layers,
                           "input_layers": [[first, 0, 0]], "output_layers": [[last, 0, 0]]}}

    base = functional("base", [inp("base_in")] + [dense(f"d{i}", f"d{i - 1}" if i else "base_in")
                                                  for i in range(6)], "base_in", "d5")
    base["name"] = "base"
    base["inbound_nodes"] = [{"args": [kt("img")], "kwargs": {}}]
    model = functional("transfer", [inp("img"), base, dense("head", "base")], "img", "head")
    g = parse_keras_config(model)
    apply_layout(g)  # as the editor and `paramlab render` do for a file without positions
    assert collapsed_groups(g) == {"base"}
    members = [n for n in g.layer_ids() if g.raw(n).get("group") == "base"]
    assert len(members) >= 6
    pos = {n: g.raw(n)["position"] for n in g.layer_ids()}
    assert pos[g.id_of("img")] == (0.0, 0.0)
    assert centroid(pos, members) == (0.0, ROW_HEIGHT)
    assert pos[g.id_of("head")] == (0.0, 2 * ROW_HEIGHT)


def test_apply_layout_moves_every_layer_and_empty_graph_is_empty() -> None:
    assert auto_layout(LayerGraph()) == {}
    g, _x, _base, head = transfer_graph(collapsed=True)
    apply_layout(g)
    assert {n: g.raw(n)["position"] for n in g.layer_ids()} == auto_layout(g)
    assert g.raw(head[1])["position"] == (0.0, 3 * ROW_HEIGHT)


def test_a_model_too_large_for_sugiyama_gets_plain_rows() -> None:
    """Issue 12: above LARGE_LAYOUT units the layout is linear (grandalf's setup is
    quadratic on long chains); every layer still gets its own row and column slot."""
    from paramlab.core.layout import COLUMN_WIDTH, LARGE_LAYOUT, ROW_HEIGHT, auto_layout

    g = LayerGraph("long")
    prev = g.add_layer("InputLayer", config={"shape": (4,)})
    chain = [prev]
    for _ in range(LARGE_LAYOUT + 100):
        node = g.add_layer("Dense", config={"units": 4})
        g.connect(prev, node)
        chain.append(node)
        prev = node
    side = g.add_layer("Dense", config={"units": 4})
    g.connect(chain[0], side)
    pos = auto_layout(g)
    assert [pos[n][1] for n in chain[:4]] == [0.0, ROW_HEIGHT, 2 * ROW_HEIGHT, 3 * ROW_HEIGHT]
    assert pos[side] == (COLUMN_WIDTH, ROW_HEIGHT)  # beside the first Dense, same row
    assert len(set(pos.values())) == len(g)
