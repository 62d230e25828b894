"""Bulk work without the cyclic garbage collector.

Importing or propagating a model of 100,000 layers allocates millions of small containers;
Python's cyclic collector then runs its full (generation 2) pass again and again over all
of them, which more than doubled the time of ``paramlab summary`` on such a file (issue
12). ParamLab's data structures free themselves by reference counting, so pausing the
collector for the duration of one bulk step is safe; it runs again right after.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the ``with`` block (nesting is fine)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
