"""The properties panel of a generic RNN (tests/data/keras/hb_rnn_cell.json, written by real
Keras 3.15.1): the cell is not an editable field, so the panel names it read-only with its
units; the weights and the formula are the cells' (Keras: rnn_stacked holds a
SimpleRNNCell(3) on 4 features, (4 + 3 + 1)·3 = 24, then a GRUCell(5) on 3,
3·5·(3 + 5) + 2·15 = 150: 174 in all). Editing return_state through the real check box
changes the outputs, and undo restores them."""
from __future__ import annotations

from paramlab.core.io.loader import load_model
from tests.conftest import DATA


def test_rnn_cell_is_shown_and_return_state_is_editable(qtbot, window, ui):
    window.document.replace_graph(load_model(str(DATA / "keras" / "hb_rnn_cell.json")))
    node = ui.layer_id(window, "rnn_stacked")
    window.select_ids([node])
    props = window.properties
    assert ("<b>Cell:</b> StackedRNNCells: SimpleRNNCell(units=3) → GRUCell(units=5)"
            in props.doc_label.text())
    assert props.formula_label.text() == "(4 + 3 + 1)·3 + 3·15 + 5·15 + 2·15 = 174"
    assert "gru_cell/recurrent_kernel" in props.weights_label.text()
    assert ui.row_text(window, "rnn_stacked")["Output shape"] == "[(None, 5), (None, 3), (None, 5)]"
    check = props.field_editors["return_state"].check
    check.click()
    assert window.document.graph.raw(node)["config"]["return_state"] is False
    assert ui.row_text(window, "rnn_stacked")["Output shape"] == "(None, 5)"
    window.document.undo_stack.undo()
    assert ui.row_text(window, "rnn_stacked")["Output shape"] == "[(None, 5), (None, 3), (None, 5)]"

    bi = ui.layer_id(window, "bi_gru_cell")
    window.select_ids([bi])
    assert "<b>Layer:</b> RNN: GRUCell(units=4)" in props.doc_label.text()
