"""Issue 12, item 8: a Keras layer called many times is imported in bulk and propagated
once per distinct input; its calls still count once (Keras counts a shared layer's
weights once: Dense(8) on 8 features has (8 + 1)·8 = 72), and cells stay bounded."""
from __future__ import annotations

import json

from paramlab.core.io.keras_import import parse_keras_config
from paramlab.core.io.writers import format_summary
from paramlab.core.propagate import _compute, propagate
from paramlab.core.summary import summarize
from tests.bench.bench_shared_calls import shared_chain_config

CALLS = 1_000


def test_a_layer_called_1000_times_counts_once_and_every_call_is_computed() -> None:
    graph = parse_keras_config(json.loads(json.dumps(shared_chain_config(CALLS))))
    assert len(graph) == CALLS + 1
    owner = graph.id_of("d")
    calls = [n for n in graph.layer_ids() if graph.raw(n).get("shared_with") == owner]
    assert len(calls) == CALLS - 1
    result = propagate(graph)
    assert result.total == 72 and not result.has_errors
    for n in graph.topological_order():  # the reused results equal computed ones
        assert result.layers[n] == _compute(graph, n, result.layers)
    # A call whose config differs from the others is not given their result.
    odd = calls[500]
    graph.set_config(odd, "units", 4)
    result = propagate(graph, result)
    assert result.layers[odd].output_shape == (None, 4)
    nxt = result.layers[calls[501]]  # computed afresh on its new input, not reused
    assert nxt.input_shapes == ((None, 4),) and nxt.weights[0].shape == (4, 8)
    assert result.layers[calls[501]] == _compute(graph, calls[501], result.layers)


def test_the_connected_to_cell_of_a_1000_times_called_layer_is_bounded() -> None:
    graph = parse_keras_config(shared_chain_config(CALLS))
    summary = summarize(graph, propagate(graph))
    for fmt in ("table", "csv", "markdown"):
        text = format_summary(summary, fmt)
        assert "(980 more)" in text, fmt
        assert len(text) < 20_000, fmt
