"""Seeded mutation fuzzing in CI (issue 12): 300 mutated projects, Keras 3 / Keras 2 JSON,
``.keras`` archives and ``.h5`` files through ``paramlab summary`` in every text format,
``paramlab render`` and ``paramlab export`` (every target), in-process. Each case must end in exit status 0, 1 or 3 with no
traceback, exactly one stderr line for exit status 1, no line over 20,000 characters, and
within 10 s (a hang guard, not a speed figure). The mutations and checks live in
``tests/bench/fuzz_cli.py``, which also runs longer campaigns (``--cases 5000``)."""
from __future__ import annotations

import collections

from tests.bench.fuzz_cli import fuzz


def test_mutated_inputs_keep_the_error_contract(tmp_path) -> None:
    outcomes = fuzz(300, seed=12, folder=tmp_path, export_every=7)
    bad = [(o.case, o.argv[0], o.problems) for o in outcomes if o.problems]
    assert bad == []
    codes = collections.Counter(o.code for o in outcomes)
    # The mutations reach every outcome: readable models, broken layers, refused files.
    assert codes[0] and codes[1] and codes[3]
    assert any(o.argv[0] == "render" for o in outcomes)
    assert {o.argv[3] for o in outcomes if o.argv[0] == "export"} == {
        "pytorch", "keras-code", "keras-json"}
    assert any(o.argv[1].endswith(".h5") for o in outcomes)
