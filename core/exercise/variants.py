"""Per-student variants of an exercise: same architecture, different sizes.

Every *sized* argument gets a new whole number drawn near the original (never the original
itself when there is a choice):

* ``units``, ``filters``, ``input_dim``, ``output_dim``: 0.5× to 1.5× (1 stays 1: a single
  output unit is the task's, not a size to practise);
* ``kernel_size``: ±2 for odd sizes (odd stays odd), ±1 for even ones; square stays square;
* ``pool_size``: ±1 (2 or more); ``strides`` greater than 1: ±1 (2 or more); stride 1 stays 1;
* the input's ``shape``: 0.75× to 1.25× per axis; an image's 1 or 3 channels swap.

A draw whose model does not propagate without errors (a window larger than its input, a
merge of different shapes) is thrown away and drawn again; after ``FREE_TRIES`` failures the
variant scales every width by one common factor instead (equal widths stay equal, so
residual additions still match). Each variant's draws come from ``random.Random`` seeded by
the text ``"<seed>:<index>"``, so the same seed gives byte-identical files.
"""
from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

from paramlab.core.exercise.format import Exercise
from paramlab.core.graph import LayerGraph
from paramlab.core.io.project import graph_from_dict, graph_to_dict
from paramlab.core.propagate import propagate

WIDTHS = ("units", "filters", "input_dim", "output_dim")
WINDOWS = ("kernel_size", "pool_size", "strides")
FREE_TRIES = 60
SCALE_TRIES = 20
MAX_VARIANTS = 500


class VariantError(ValueError):
    """No valid variant could be drawn (the message names the model)."""


def _pick(rng: random.Random, low: int, high: int, original: int) -> int:
    choices = [v for v in range(max(1, low), high + 1) if v != original]
    return rng.choice(choices) if choices else original


def _width(rng: random.Random, n: int) -> int:
    if n <= 1:
        return n
    return _pick(rng, math.ceil(n * 0.5), max(math.floor(n * 1.5), n + 1), n)


def _window(rng: random.Random, key: str, values: tuple[int, ...]) -> tuple[int, ...]:
    def one(v: int) -> int:
        if key == "strides":
            return v if v == 1 else _pick(rng, max(2, v - 1), v + 1, v)
        if key == "pool_size":
            return _pick(rng, max(2, v - 1), v + 1, v) if v >= 2 else v
        if v % 2:
            return rng.choice([x for x in (v - 2, v + 2) if x >= 1])
        return rng.choice([x for x in (v - 1, v + 1) if x >= 1])
    if len(set(values)) == 1:
        return (one(values[0]),) * len(values)
    return tuple(one(v) for v in values)


def _input_shape(rng: random.Random, shape: tuple[Any, ...]) -> tuple[Any, ...]:
    out: list[Any] = []
    drawn: dict[Any, Any] = {}  # a square image stays square
    for i, d in enumerate(shape):
        if len(shape) >= 3 and i < len(shape) - 1 and d in drawn:
            out.append(drawn[d])
            continue
        if not isinstance(d, int) or d < 1:
            out.append(d)
        elif len(shape) >= 3 and i == len(shape) - 1 and d in (1, 3):
            out.append(4 - d)  # an image's channels: grey <-> RGB
        elif d == 1:
            out.append(d)
        else:
            out.append(_pick(rng, math.ceil(d * 0.75), max(math.floor(d * 1.25), d + 1), d))
        drawn.setdefault(d, out[-1])
    return tuple(out)


def _free(rng: random.Random) -> Callable[[str, str, Any], Any]:
    def change(layer_type: str, key: str, value: Any) -> Any:
        if key in WIDTHS and isinstance(value, int) and not isinstance(value, bool):
            return _width(rng, value)
        if key in WINDOWS and isinstance(value, (list, tuple)) and value and all(
                isinstance(v, int) and not isinstance(v, bool) for v in value):
            return _window(rng, key, tuple(value))
        if key in WINDOWS and isinstance(value, int) and not isinstance(value, bool):
            return _window(rng, key, (value,))[0]
        if key == "shape" and layer_type == "InputLayer" and isinstance(value, (list, tuple)):
            return _input_shape(rng, tuple(value))
        return value
    return change


def _scaled(rng: random.Random) -> Callable[[str, str, Any], Any]:
    factor = rng.choice([0.5, 0.625, 0.75, 1.25, 1.5])

    def change(layer_type: str, key: str, value: Any) -> Any:
        if key in ("units", "filters") and isinstance(value, int) and value > 1:
            return max(1, round(value * factor))
        return value
    return change


def _apply(graph: LayerGraph, change: Callable[[str, str, Any], Any]) -> LayerGraph:
    data = graph_to_dict(graph)
    by_id = {}
    for entry in data["layers"]:
        if entry.get("shared_with") is None:
            entry["config"] = {k: change(entry["type"], k, v)
                               for k, v in entry["config"].items()}
        by_id[entry["id"]] = entry
    for entry in data["layers"]:
        owner = by_id.get(entry.get("shared_with"))
        if owner is not None:
            entry["config"] = dict(owner["config"])  # a shared call uses its owner's sizes
    return graph_from_dict(data)


def make_variant(graph: LayerGraph, seed: int | str, index: int) -> LayerGraph:
    """Variant ``index`` of ``graph`` for ``seed``: same layers, names and connections,
    new sizes; it propagates without errors.

    Raises:
        VariantError: no valid draw was found (e.g. a Reshape whose target fixes the sizes).
    """
    rng = random.Random(f"{seed}:{index}")
    original = graph_to_dict(graph)
    for attempt in range(FREE_TRIES + SCALE_TRIES):
        change = _free(rng) if attempt < FREE_TRIES else _scaled(rng)
        candidate = _apply(graph, change)
        if graph_to_dict(candidate)["layers"] == original["layers"]:
            continue
        if not propagate(candidate).has_errors:
            return candidate
    raise VariantError(f"{graph.name}: no variant of this model propagates without errors "
                       "(its sizes are tied together, e.g. by a Reshape target)")


def make_variants(exercise: Exercise, count: int, seed: int | str) -> list[Exercise]:
    """``count`` variants of ``exercise`` (titles end in ``(variant 01)`` ...); the hidden
    cells, instructions and settings are the exercise's.

    Raises:
        ValueError: ``count`` is not 1 to :data:`MAX_VARIANTS`.
        VariantError: see :func:`make_variant`.
    """
    if not 1 <= count <= MAX_VARIANTS:
        raise ValueError(f"--variants must be 1 to {MAX_VARIANTS}, not {count}")
    width = max(2, len(str(count)))
    out = []
    for i in range(1, count + 1):
        g = make_variant(exercise.graph, seed, i)
        out.append(Exercise(g, f"{exercise.title} (variant {i:0{width}d})",
                            exercise.instructions, dict(exercise.hidden),
                            exercise.show_solution_after_check, exercise.max_checks))
    return out
