"""Issue 12 item 8: a layer called many times is ONE node on the canvas ("applied N×") and
one row in the summary, unless the user expands its calls (view state, not an edit).

The file is the bench's generator (tests/bench/bench_shared_calls.py) at 50 calls: a Keras 3
``to_json()`` config with ``Input(8)`` and one ``Dense(8)`` whose ``inbound_nodes`` hold 50
calls in a chain. Reference count: Keras's summary lists a shared layer once, Dense(8) on 8
features = 8 × 8 + 8 = 72 parameters.
"""
from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from paramlab.gui.canvas.layer_item import LayerItem
from paramlab.gui.summary_panel import COL_CONNECTED

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_shared_calls.py"
CALLS = 50


def _choose(scene: Any, node_id: str, text: str) -> None:
    """Open the node's context menu and trigger its entry ``text``."""
    menu = scene.context_menu(scene.layer_item(node_id).sceneBoundingRect().center())
    next(a for a in menu.actions() if a.text() == text).trigger()


def test_shared_calls_fold_into_one_node_and_expand_as_view_state(
        make_window: Any, tmp_path: Path) -> None:
    config = runpy.run_path(str(BENCH))["shared_chain_config"](CALLS)
    assert len(config["config"]["layers"][1]["inbound_nodes"]) == CALLS
    path = tmp_path / "shared_chain.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    window = make_window(None)
    assert window.files.open_path(path, ask=False)
    doc, scene = window.document, window.scene()
    graph = doc.graph
    owner = graph.id_of("d")
    assert len(graph) == CALLS + 1 and graph.call_count(owner) == CALLS

    # collapsed (the default): the input and ONE node for the 50 calls, one connection
    assert sorted(scene.layer_items()) == sorted([graph.id_of("in"), owner])
    assert "applied 50×" in scene.layer_item(owner).look.type_text
    assert len(scene.edge_items()) == 1
    assert sum(isinstance(i, LayerItem) for i in scene.items()) == 2
    rows = window.summary.model.summary.rows
    assert [r.node_id for r in rows] == [graph.id_of("in"), owner]  # as Keras lists it
    assert rows[1].trainable == 72
    # its 50 inputs as Keras's summary writes them (call k reads call k-1's output), elided
    # as in the text formats
    model = window.summary.model
    cell = model.data(model.index(1, COL_CONNECTED), Qt.ItemDataRole.DisplayRole)
    assert cell == ", ".join(["in[0][0]"] + [f"d[{k}][0]" for k in range(19)]) + ", … (30 more)"

    # expand: 50 nodes for d, at 50 different places, 50 connections
    _choose(scene, owner, "Expand the 50 Calls of d")
    calls = [n for n in scene.layer_items() if n != graph.id_of("in")]
    assert len(calls) == CALLS and len(scene.edge_items()) == CALLS
    assert len({graph.raw(n)["position"] for n in calls}) == CALLS
    assert "applied" not in scene.layer_item(owner).look.type_text
    last = graph.layer_ids()[-1]
    assert scene.layer_item(last).isVisible()

    # collapse again from any call's menu
    _choose(scene, last, "Collapse Calls of d")
    assert len(scene.layer_items()) == 2 and len(scene.edge_items()) == 1
    assert "applied 50×" in scene.layer_item(owner).look.type_text
    assert doc.undo_stack.count() == 0 and not doc.modified
    assert len(window.summary.model.summary.rows) == 2
