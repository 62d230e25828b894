"""The properties panel never grows wider than its dock: every line wraps. A label that
did not (a multi-output layer's list of shapes, the PyTorch counts line "requires_grad 174,
frozen 0 · no PyTorch equivalent ...") made the whole body wider than the visible area, and
every other line of the panel (the layer's description, the formula) was cut at the edge.
Model: tests/data/keras/hb_rnn_cell.json (real Keras 3.15.1): ``rnn_stacked`` returns three
tensors [(None, 5), (None, 3), (None, 5)] and has no PyTorch equivalent; ``bi_lstm_cell``
returns five and is nn.LSTM(4, 3, bidirectional=True): 2·(4·3·(4 + 3) + 2·12) = 216."""
from __future__ import annotations

import pytest

from paramlab.core.io.loader import load_model
from paramlab.gui import convention
from tests.conftest import DATA


@pytest.mark.parametrize("name, counts", [
    ("rnn_stacked", "no PyTorch equivalent"), ("bi_lstm_cell", "Parameters: <b>216</b>"),
    ("rnn_two_lstm", "no PyTorch equivalent")])
def test_the_panel_fits_its_dock_in_both_conventions(window, ui, name, counts):
    window.document.replace_graph(load_model(str(DATA / "keras" / "hb_rnn_cell.json")))
    props = window.properties
    window.select_ids([ui.layer_id(window, name)])
    try:
        for action in (window.convention.keras, window.convention.pytorch):
            action.trigger()
            props.body.adjustSize()
            assert props.body.minimumSizeHint().width() <= props.viewport().width()
            assert props.body.width() <= props.viewport().width()
            assert not props.horizontalScrollBar().isVisible()
        assert counts in props.counts_label.text()
    finally:
        window.convention.keras.trigger()
        assert convention.current() == "keras"
