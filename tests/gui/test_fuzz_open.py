"""The editor's Open under the same seeded mutations as ``tests/bench/fuzz_cli.py``: every
mutated file either opens or shows one dialog, never raises out of ``open_path`` (pytest-qt
also fails the test on an exception inside a Qt slot), and a refused file leaves the open
model as it was."""
from __future__ import annotations

import random

from tests.bench.fuzz_cli import make_case, seeds


def test_open_of_mutated_files_is_a_model_or_one_dialog(window, dialogs, tmp_path) -> None:
    rng = random.Random(1212)
    pool = [s for s in seeds() if s.kind != "h5"]  # .h5: covered by the CLI fuzz test
    opened = refused = 0
    for i in range(100):
        suffix, data = make_case(rng, rng.choice(pool))
        path = tmp_path / f"case{i}{suffix}"
        path.write_bytes(data)
        before = window.document.graph
        dialogs.errors.clear()
        if window.files.open_path(path, ask=False):
            opened += 1
            assert dialogs.errors == [] and window.document.graph is not before
        else:
            refused += 1
            assert len(dialogs.errors) == 1 and window.document.graph is before
            assert "\n" not in dialogs.errors[0][1] and len(dialogs.errors[0][1]) <= 2000
    assert opened and refused
