"""Naming the likely mistake behind a wrong answer.

For a wrong value, :class:`Diagnoser` computes what each common mistake would have given,
with the same engine (``propagate`` and ``summarize``, or the layer's own shape rule) and ONE
rule changed, and returns the first mistake whose value equals the student's, as a stable
code and a one-line explanation fitting the layer. When none matches it returns ``None``.

Codes, in the order they are tried:

Counts (``trainable``, ``non_trainable``, ``total`` of a row or of the model):
    ``pooling_has_no_parameters``  a nonzero count on a layer without weights;
    ``forgot_bias``                the count without bias vectors (``use_bias=False``);
    ``missing_input_channels``     conv kernels counted as kh·kw·filters, without the input
                                   channels;
    ``batchnorm_split``            BatchNormalization's moving mean and variance counted as
                                   trainable, or all four vectors as non-trainable;
    ``frozen_layer``               frozen parameters counted as trainable, or trainable ones
                                   as frozen;
    ``sum_error``                  a total that is not the sum of its parts (a row's
                                   trainable + non-trainable, or the model's rows).
Shapes (``output_shape``):
    ``padding``                    the shape with the other padding mode;
    ``stride``                     the shape with stride 1;
    ``flatten``                    Flatten's length as a wrong product of the input's axes
                                   (some axes left out, or added instead of multiplied).

The alternative summaries are computed once per model and cached, so diagnosing many
answers files (``paramlab grade``) costs a few propagations in all.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from itertools import combinations
from math import prod
from typing import Any

from paramlab.core.catalogue import get_spec
from paramlab.core.errors import LayerError
from paramlab.core.exercise.answers import normalise_shape
from paramlab.core.exercise.format import PARAM_FIELDS, TOTALS, Cell
from paramlab.core.exercise.rows import row_table
from paramlab.core.graph import LayerGraph
from paramlab.core.io.project import graph_from_dict, graph_to_dict
from paramlab.core.propagate import (
    LayerResult,
    PropagationResult,
    count_weights,
    is_layer_trainable,
    propagate,
)
from paramlab.core.shape_formula import shape_steps
from paramlab.core.shapes import rules_see_channels_last, to_channels_first, to_channels_last
from paramlab.core.summary import Summary, SummaryRow, summarize
from paramlab.core.types import Shape, WeightSpec, format_shape

CODES = ("forgot_bias", "frozen_layer", "batchnorm_split", "missing_input_channels",
         "pooling_has_no_parameters", "padding", "stride", "flatten", "sum_error")
_CONV_KERNEL_TYPES = ("Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose",
                      "Conv3DTranspose")
_WHY_NO_WEIGHTS = {
    "Pooling": "it only takes the {what} of each window; there is nothing to learn",
    "InputLayer": "it only declares the input's shape",
    "Flatten": "it only rearranges the values into one axis",
    "Reshaping": "it only moves values around",
    "Regularization": "it only drops or scales values during training",
    "Activation": "it applies a fixed function to each value",
    "Merge": "it combines its inputs with a fixed operation",
}


@dataclass(frozen=True)
class Mistake:
    """A diagnosed mistake.

    Attributes:
        code: One of :data:`CODES`.
        message: One line for the student, naming the rule for this layer.
    """

    code: str
    message: str


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


class Diagnoser:
    """Diagnoses wrong answers for one model (build once, ask many times).

    Args:
        graph: The exercise's model.
        result: Its propagation result, if already computed.
        summary: Its summary (default grouping: a nested model is one row), if computed.
    """

    def __init__(self, graph: LayerGraph, result: PropagationResult | None = None,
                 summary: Summary | None = None) -> None:
        self.graph = graph
        self.result = result if result is not None else propagate(graph)
        self.summary = summary if summary is not None else summarize(graph, self.result)
        self.rows: dict[str, SummaryRow] = row_table(graph, self.result)

    # ------------------------------------------------------------------ public
    def diagnose(self, row: str, field_name: str, given: Any,
                 answers: Mapping[Cell, Any] | None = None) -> Mistake | None:
        """The mistake behind ``given`` for cell (``row``, ``field_name``), or ``None``.

        Args:
            row: A summary row name, or :data:`core.exercise.format.TOTALS`.
            field_name: ``output_shape``, ``trainable``, ``non_trainable`` or ``total``.
            given: The parsed answer: an int for counts, a shape tuple for shapes.
            answers: The student's other parsed answers, (row, field) -> value, for
                ``sum_error`` (a cell the student left empty or could see counts with its
                true value).
        """
        if field_name == "output_shape":
            r = self.rows.get(row)
            return None if r is None else self._shape_mistake(r, tuple(given))
        if row == TOTALS:
            return self._totals_mistake(field_name, given, answers or {})
        r = self.rows.get(row)
        return None if r is None else self._count_mistake(r, field_name, given, answers or {})

    # ------------------------------------------------------------------ counts
    def _count_mistake(self, r: SummaryRow, f: str, given: int,
                       answers: Mapping[Cell, Any]) -> Mistake | None:
        weights = self._weights(r)
        if not weights and not r.is_group:
            if given != 0:
                return Mistake("pooling_has_no_parameters", self._no_weights_text(r))
            return None
        for code, alt in self._alternatives():
            other = alt.get(r.name)
            if other is not None and getattr(other, f) == given != getattr(r, f):
                return Mistake(code, self._count_text(code, r, other, f))
        if f == "total":
            t = self._answer(answers, r.name, "trainable", r.trainable)
            nt = self._answer(answers, r.name, "non_trainable", r.non_trainable)
            if given != t + nt:
                return Mistake("sum_error", f"the total is trainable + non-trainable: "
                                            f"{t:,} + {nt:,} = {t + nt:,}, not {given:,}")
        return None

    def _totals_mistake(self, f: str, given: int, answers: Mapping[Cell, Any]
                        ) -> Mistake | None:
        expected = getattr(self.summary, f)
        for code, alt in self._alternatives():
            total = sum(getattr(alt[r.name], f) for r in self.summary.rows)
            if total == given != expected:
                return Mistake(code, self._totals_text(code, f))
        rows_sum = sum(self._answer(answers, r.name, f, getattr(r, f)) for r in self.summary.rows)
        if given != rows_sum:
            what = {"trainable": "trainable total is the sum of the rows' trainable counts",
                    "non_trainable": "non-trainable total is the sum of the rows' "
                                     "non-trainable counts",
                    "total": "total is the sum of the rows' totals"}[f]
            return Mistake("sum_error", f"the {what}: they add up to {rows_sum:,}, "
                                        f"not {given:,}")
        return None

    @staticmethod
    def _answer(answers: Mapping[Cell, Any], row: str, f: str, default: int) -> int:
        value = answers.get((row, f))
        return value if isinstance(value, int) and not isinstance(value, bool) else default

    def _weights(self, r: SummaryRow) -> tuple[WeightSpec, ...]:
        return tuple(w for m in r.members for w in self.result.layers[m].weights)

    # Each alternative: the summary rows by name, computed with one rule changed.
    def _alternatives(self) -> list[tuple[str, dict[str, SummaryRow]]]:
        return self._alts

    @cached_property
    def _alts(self) -> list[tuple[str, dict[str, SummaryRow]]]:
        alts = [("forgot_bias", self._with_result(_drop_bias)),
                ("missing_input_channels", self._with_result(_drop_input_channels)),
                ("batchnorm_split", self._with_result(_bn_all(True))),
                ("batchnorm_split", self._with_result(_bn_all(False))),
                ("frozen_layer", self._with_graph(trainable=True)),
                ("frozen_layer", self._with_graph(trainable=False))]
        return [(code, rows) for code, rows in alts if rows is not None]

    def _with_result(self, change: Callable[[str, LayerResult], tuple[WeightSpec, ...]]
                     ) -> dict[str, SummaryRow] | None:
        """Rows recounted after ``change`` rewrites some layers' weights; the counting rule
        itself (a frozen layer's weights are all non-trainable) stays propagate's."""
        layers = dict(self.result.layers)
        changed = False
        for n, lr in layers.items():
            new = change(self.graph.raw(n)["type"], lr)
            if new != lr.weights:
                changed = True
                layers[n] = _recount(lr, new, is_layer_trainable(self.graph, n))
        if not changed:
            return None
        return row_table(self.graph, replace(self.result, layers=layers))

    def _with_graph(self, trainable: bool) -> dict[str, SummaryRow] | None:
        """Rows of the model with every layer and nested model set to ``trainable``."""
        data = graph_to_dict(self.graph)
        flags = [e["trainable"] for e in data["layers"]] + [
            g.get("trainable", True) for g in data["groups"].values()]
        if all(x == trainable for x in flags):
            return None
        for e in data["layers"]:
            e["trainable"] = trainable
        for g in data["groups"].values():
            g["trainable"] = trainable
        other = graph_from_dict(data)
        return row_table(other, propagate(other))

    # ------------------------------------------------------------------ shapes
    def _shape_mistake(self, r: SummaryRow, given: Shape) -> Mistake | None:
        lr = self.result.layers[r.node_id]
        d = self.graph.raw(r.node_id)
        spec = get_spec(d["type"])
        expected = r.output_shape
        if spec is None or expected is None or r.is_group:
            return None
        given = normalise_shape(given, expected)
        if given == expected:
            return None
        try:
            config = spec.resolve_config(d["config"])
        except LayerError:
            return None
        how = "; ".join(shape_steps(d["type"], lr.input_shapes, config, expected,
                                    with_result=False))
        padding = config.get("padding")
        if padding in ("valid", "same"):
            other = "same" if padding == "valid" else "valid"
            if self._shape_with(spec, lr, config, padding=other) == given:
                rule = ("'valid' keeps the window inside the input: ⌊(L − k)/s⌋ + 1"
                        if padding == "valid" else "'same' pads so that the length is ⌈L/s⌉")
                return Mistake("padding", f"this is the shape with padding='{other}'; this "
                                          f"layer uses padding='{padding}' ({rule}): {how}")
        strides = config.get("strides")
        if isinstance(strides, tuple) and any(s != 1 for s in strides):
            if self._shape_with(spec, lr, config, strides=(1,) * len(strides)) == given:
                return Mistake("stride", f"this is the shape with stride 1; this layer moves "
                                         f"its window by strides={strides}: {how}")
        elif strides is None and "pool_size" in config:
            ones = (1,) * len(config["pool_size"])
            if self._shape_with(spec, lr, config, strides=ones) == given:
                return Mistake("stride", "this is the shape with stride 1; strides=None means "
                                         f"strides = pool_size = {config['pool_size']}: {how}")
        if d["type"] == "Flatten" and len(given) == 2 and isinstance(given[1], int):
            dims = [x for x in lr.input_shapes[0][1:] if x is not None]
            wrong = {prod(c) for k in range(1, len(dims)) for c in combinations(dims, k)}
            wrong.add(sum(dims))
            if given[1] in wrong:
                return Mistake("flatten", f"Flatten multiplies every axis but the batch axis: "
                                          f"{how}")
        return None

    @staticmethod
    def _shape_with(spec: Any, lr: LayerResult, config: dict[str, Any], **change: Any
                    ) -> Shape | None:
        config = {**config, **change}
        try:
            if rules_see_channels_last(spec, config):
                return to_channels_first(spec.output_shape(to_channels_last(lr.input_shapes),
                                                           config))
            return spec.output_shape(lr.input_shapes, config)
        except (LayerError, ValueError, TypeError, KeyError, IndexError):
            return None

    # ------------------------------------------------------------------ wording
    def _no_weights_text(self, r: SummaryRow) -> str:
        spec = get_spec(r.type)
        category = spec.category if spec else ""
        why = _WHY_NO_WEIGHTS.get(r.type) or _WHY_NO_WEIGHTS.get(category)
        if why is None:
            why = "it has no weights to learn"
        what = "maximum" if "Max" in r.type else "average"
        return f"{r.type} has 0 parameters: {why.format(what=what)}"

    def _count_text(self, code: str, r: SummaryRow, other: SummaryRow, f: str) -> str:
        weights = self._weights(r)
        t = r.type
        if code == "forgot_bias":
            n = sum(w.size for w in weights if _is_bias(w))
            per = {"Dense": "unit"}.get(t, "filter" if t.startswith(_CONV_KERNEL_TYPES) else "")
            if per:
                return (f"this is the count without the bias: {t} has one bias per {per} "
                        f"({_plural(n, 'bias value')} more)")
            return f"this is the count without the bias vectors: {t} also learns " \
                   f"{_plural(n, 'bias value')}"
        if code == "missing_input_channels":
            kernel = next(w for w in weights if w.name.endswith("kernel"))
            cin = kernel.shape[-1] if "Transpose" in t else kernel.shape[-2]
            k = "·".join(str(x) for x in kernel.shape[:-2])
            return (f"each filter's kernel also spans the {cin} input channels: "
                    f"{k}·{cin} weights per filter, not {k}")
        if code == "batchnorm_split":
            c = next((w.shape[0] for w in weights if w.name.endswith("moving_mean")), 0)
            return (f"BatchNormalization has 4·C = 4·{c} = {4 * c:,} parameters: gamma and beta "
                    f"(2·C = {2 * c:,}) are trainable, the moving mean and variance "
                    f"(2·C = {2 * c:,}) are non-trainable")
        if code == "frozen_layer":
            if other.trainable > r.trainable:
                what = "nested model" if r.is_group else "layer"
                return (f"{r.name} is a frozen {what} (trainable=False): all its "
                        f"{r.total:,} parameters are non-trainable")
            return (f"{r.name} is trainable: its {r.trainable:,} weights count as trainable; "
                    f"only a frozen layer's (trainable=False) are non-trainable")
        return ""

    def _totals_text(self, code: str, f: str) -> str:
        return {
            "forgot_bias": "this total leaves out the bias vectors: Dense and convolution "
                           "layers have one bias per unit or filter",
            "missing_input_channels": "this total counts conv kernels without their input "
                                      "channels (kh·kw·cin·filters, not kh·kw·filters)",
            "batchnorm_split": "this total splits BatchNormalization wrongly: gamma and beta "
                               "are trainable, the moving mean and variance non-trainable",
            "frozen_layer": "this total ignores which layers are frozen: a frozen layer's "
                            "parameters are all non-trainable, the others' trainable",
        }[code]


def _is_bias(w: WeightSpec) -> bool:
    return w.name.rpartition("/")[2] == "bias"


def _drop_bias(layer_type: str, lr: LayerResult) -> tuple[WeightSpec, ...]:
    return tuple(w for w in lr.weights if not _is_bias(w))


def _drop_input_channels(layer_type: str, lr: LayerResult) -> tuple[WeightSpec, ...]:
    if layer_type not in _CONV_KERNEL_TYPES:
        return lr.weights
    out = []
    for w in lr.weights:
        if w.name == "kernel" and len(w.shape) >= 3:
            # Conv: (*k, cin/groups, filters); transposed: (*k, filters, cin).
            shape = w.shape[:-1] if "Transpose" in layer_type else w.shape[:-2] + w.shape[-1:]
            w = WeightSpec(w.name, shape, w.trainable)
        out.append(w)
    return tuple(out)


def _bn_all(trainable: bool) -> Callable[[str, LayerResult], tuple[WeightSpec, ...]]:
    def change(layer_type: str, lr: LayerResult) -> tuple[WeightSpec, ...]:
        if not any(w.name.endswith("moving_mean") for w in lr.weights):
            return lr.weights
        return tuple(WeightSpec(w.name, w.shape, trainable) for w in lr.weights)
    return change


def _recount(lr: LayerResult, weights: tuple[WeightSpec, ...], layer_trainable: bool
             ) -> LayerResult:
    """``lr`` with ``weights``, counted by Keras's rule (as ``core.propagate`` counts)."""
    if lr.note is not None and lr.trainable == lr.non_trainable == 0:
        return replace(lr, weights=weights)  # a shared call: its weights count on the owner
    t, nt = count_weights(weights, layer_trainable)
    return replace(lr, weights=weights, trainable=t, non_trainable=nt)


def format_given(field_name: str, value: Any) -> str:
    """A parsed answer as text for messages."""
    if field_name == "output_shape":
        return format_shape(tuple(value))
    return f"{value:,}" if isinstance(value, int) else str(value)


__all__ = ["CODES", "PARAM_FIELDS", "Diagnoser", "Mistake"]
