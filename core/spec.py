"""Layer specs: what the catalogue says about one layer type.

A :class:`LayerSpec` is data plus small pure functions: ``output_shape``, ``weights`` and
``macs``. Parameter counts are never computed by a formula of their own: they are sums over the
:class:`core.types.WeightSpec` list that ``weights`` returns (see ``core.propagate``). Costs
(MACs, FLOPs = 2·MACs) come from ``macs``, under the rules of ``tests/data/cost_conventions.md``
(helpers in :mod:`core.costs`).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from paramlab.core.errors import LayerError
from paramlab.core.fields import FieldKind, FieldSpec
from paramlab.core.types import Shape, WeightSpec

Config = Mapping[str, Any]
ShapeRule = Callable[[tuple[Shape, ...], Config], Shape]
#: ``(input_shapes, config, main_output) -> shapes of the outputs after the first`` (LSTM's
#: ``return_state``: ``state_h``, ``state_c``); ``()`` when the config asks for none.
ExtraOutputsRule = Callable[[tuple[Shape, ...], Config, Shape], tuple[Shape, ...]]
WeightRule = Callable[[tuple[Shape, ...], Config], tuple[WeightSpec, ...]]
MacRule = Callable[[tuple[Shape, ...], Shape, Config], int]

_MISSING = object()  # a config key that is absent (None is a value)
# Module constants: reading an Enum member through its class costs ten times more, and
# resolve_config runs for every field of every layer.
_INT, _INTS, _FLOAT = FieldKind.INT, FieldKind.INTS, FieldKind.FLOAT
_STR, _CHOICE, _BOOL = FieldKind.STR, FieldKind.CHOICE, FieldKind.BOOL

CATEGORIES = ("Core", "Convolution", "Pooling", "Normalization", "Recurrent", "Attention",
              "Merge", "Reshaping", "Regularization", "Activation", "Preprocessing", "Operations")


def no_weights(input_shapes: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
    """Weight rule of every layer without parameters (pooling, Flatten, Dropout ...)."""
    return ()


def no_macs(input_shapes: tuple[Shape, ...], output_shape: Shape, config: Config) -> int:
    """MAC rule of every layer without a matmul or convolution core: 0 (pooling,
    activations, normalisation, merges, reshaping: cost_conventions.md section 2)."""
    return 0


@dataclass(frozen=True)
class Arity:
    """How many inputs a layer takes: ``minimum`` to ``maximum`` (``None``: any number)."""

    minimum: int = 1
    maximum: int | None = 1

    def describe(self) -> str:
        if self.maximum == self.minimum:
            return f"{self.minimum} input{'s' if self.minimum != 1 else ''}"
        if self.maximum is None:
            return f"at least {self.minimum} inputs"
        return f"{self.minimum} to {self.maximum} inputs"


NO_INPUT = Arity(0, 0)
ONE_INPUT = Arity(1, 1)
TWO_INPUTS = Arity(2, 2)
MANY_INPUTS = Arity(2, None)


@dataclass(frozen=True)
class LayerSpec:
    """Everything ParamLab knows about one Keras layer type.

    Attributes:
        type: Keras's class name (``Conv2D``).
        category: One of :data:`CATEGORIES`, for the palette.
        fields: The editable config arguments, with Keras's names and defaults.
        output_shape: ``(input_shapes, config) -> Shape``; raises ``LayerError`` when impossible.
        weights: ``(input_shapes, config) -> tuple[WeightSpec, ...]`` in Keras's ``build`` order.
        inputs: How many inputs it takes.
        doc: What the layer does and how its parameters are counted (palette tooltip).
        macs: ``(input_shapes, output_shape, config) -> int``: multiply-accumulates of one
            call at batch 1 (cost_conventions.md); raises ``core.costs.UnknownSize`` when a
            length it needs is unknown (``None``).
        torch: ``(input_shapes, config) -> core.pytorch.TorchMapping``: the layer's
            ``torch.nn`` equivalent and its tensors (``core/catalogue/pytorch_rules.py``;
            attached by the catalogue when a family leaves it out).
        extra_outputs: Shapes of the tensors a call returns after the first
            (:data:`ExtraOutputsRule`; LSTM's states with ``return_state``); ``None`` for a
            single-output layer. ``output_shape`` stays the first tensor's.
        native_data_format: True when the rules read ``data_format`` themselves and see
            shapes in the layer's own axis order (ConvLSTM: the channel axis follows the time
            axis); False: propagation hands a channels_first layer channels-last shapes.
        fields_only: True when the Keras rules (``output_shape``, ``weights``, ``macs``,
            ``extra_outputs``) read nothing of the resolved config but ``fields``: two
            layers of this type with equal field values, inputs and trainability then have
            equal shapes, weights, counts and costs, and propagation computes them once
            (:meth:`field_values` is the key). Declared by the families whose rules were
            checked; ``False`` (always computed) otherwise.
    """

    type: str
    category: str
    fields: tuple[FieldSpec, ...]
    output_shape: ShapeRule
    weights: WeightRule = no_weights
    inputs: Arity = ONE_INPUT
    doc: str = ""
    macs: MacRule = no_macs
    torch: Callable[[tuple[Shape, ...], Config], Any] | None = None
    extra_outputs: ExtraOutputsRule | None = None
    native_data_format: bool = False
    fields_only: bool = False

    def __post_init__(self) -> None:
        # resolve_config runs for every layer in every propagation: it reads this plan
        # (name, default, validate, fast check, bounds) instead of each FieldSpec.
        plan = []
        for f in self.fields:
            fast = f.kind if type(f) is FieldSpec else None
            extra = f.rank if f.kind is FieldKind.INTS else f.choices
            low, high = (f.whole_bounds() if f.kind in (FieldKind.INT, FieldKind.INTS)
                         else (f.minimum, f.maximum))
            plan.append((f.name, f.default, f.validate, fast, low, high, extra))
        object.__setattr__(self, "_plan", tuple(plan))
        # Generated on first use: compiling all ~100 specs at import cost 30 ms of every
        # start of the app and of every ``paramlab summary`` process.
        # resolve_config and field_values run per layer in every propagation: each spec
        # holds its own as an instance attribute (the generated resolver, an itemgetter),
        # which a call reaches without going through the methods below.
        object.__setattr__(self, "resolve_config", self._compile_and_resolve)
        names = [f.name for f in self.fields]
        object.__setattr__(self, "field_values", itemgetter(*names) if names else _no_values)

    def _compile_and_resolve(self, config: Config) -> dict[str, Any]:
        """The first ``resolve_config`` of this spec: generate its resolver, keep it, run it."""
        resolve = _compile_plan(self._plan)  # type: ignore[attr-defined]
        object.__setattr__(self, "resolve_config", resolve)
        return resolve(config)

    def field_values(self, config: Config) -> Any:
        """The values of ``fields`` in resolved ``config`` (one C call): what
        ``fields_only`` rules read. Hashable for a resolved config (fields normalise lists
        to tuples), but for a field subclass that keeps a list."""
        return self.__dict__["field_values"](config)  # type: ignore[no-any-return]

    def field(self, name: str) -> FieldSpec | None:
        """The field called ``name``, or ``None``."""
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def default_config(self) -> dict[str, Any]:
        """Keras's defaults for every field."""
        return {f.name: f.default for f in self.fields}

    def resolve_config(self, config: Config) -> dict[str, Any]:
        """Defaults, overlaid by ``config``, each known field validated and normalised.

        Keys the spec does not know (initializers, regularizers from an imported file) are
        passed through untouched: they do not change shapes or counts.

        Raises:
            LayerError: a known field's value is invalid (see ``FieldSpec.validate``).
        """
        return self.__dict__["resolve_config"](config)  # type: ignore[no-any-return]


def _no_values(config: Config) -> tuple[()]:
    return ()


def _bound_test(value: str, low: Any, high: Any, names: tuple[str, str],
                env: dict[str, Any]) -> list[str]:
    """Python tests ``low <= value <= high`` for the generated resolver (``None``: no bound)."""
    tests = []
    if low is not None:
        env[names[0]] = low
        tests.append(f"{value} >= {names[0]}")
    if high is not None:
        env[names[1]] = high
        tests.append(f"{value} <= {names[1]}")
    return tests


def _compile_plan(plan: tuple[tuple[Any, ...], ...]) -> Callable[[Config], dict[str, Any]]:
    """``resolve_config``'s work for one spec, as a function generated from its plan
    (the way ``dataclasses`` writes ``__init__``; never from a file): per field, its
    default when absent, else the inline copy of ``FieldSpec.validate``'s fast path for
    its kind, and ``validate`` for anything that path does not accept (which also words
    the errors). Unrolled, it runs about twice as fast as a loop over the plan, and it runs
    for every layer of every propagation. A value the fast path accepts is what
    ``validate`` would return: ``out`` holds it already, but a list of ints becomes a
    tuple."""
    env: dict[str, Any] = {"_M": _MISSING, "_type": type, "_tuple": tuple, "_list": list,
                           "_int": int, "_float": float, "_str": str, "_bool": bool, "_dict": dict}
    # dict.copy() clones a dict's table even after deletions (the importer pops "name" and
    # "trainable" from every config); dict(config) then inserts key by key, 3x slower.
    lines = ["def resolve(config):",
             "    out = config.copy() if config.__class__ is _dict else _dict(config)",
             "    get = config.get"]
    for i, (name, default, validate, fast, low, high, extra) in enumerate(plan):
        env[f"N{i}"], env[f"D{i}"], env[f"V{i}"] = name, default, validate
        lines += [f"    v = get(N{i}, _M)", "    if v is _M:", f"        out[N{i}] = D{i}"]
        if fast is _INTS:
            tests = ["(t is _list or t is _tuple)", f"len(v) == {int(extra)}"]
            for j in range(int(extra)):
                tests.append(f"_type(v[{j}]) is _int")
                tests += _bound_test(f"v[{j}]", low, high, (f"L{i}", f"H{i}"), env)
            lines += ["    else:", "        t = _type(v)",
                      f"        if {' and '.join(tests)}:",
                      "            if t is _list:", f"                out[N{i}] = _tuple(v)",
                      "        else:", f"            out[N{i}] = V{i}(v)"]
            continue
        if fast is _INT:
            tests = ["_type(v) is _int"] + _bound_test("v", low, high, (f"L{i}", f"H{i}"), env)
        elif fast is _FLOAT:
            # v - v == 0 only for a finite float (inf and nan give nan)
            tests = ["_type(v) is _float", "v - v == 0"] + _bound_test(
                "v", low, high, (f"L{i}", f"H{i}"), env)
        elif fast is _STR:
            tests = ["_type(v) is _str"]
        elif fast is _CHOICE:
            env[f"C{i}"] = extra
            tests = ["_type(v) is _str", f"v in C{i}"]
        elif fast is _BOOL:
            tests = ["_type(v) is _bool"]
        else:  # a FieldSpec subclass, or a kind without a fast path
            tests = ["False"]
        lines += [f"    elif not ({' and '.join(tests)}):", f"        out[N{i}] = V{i}(v)"]
    lines.append("    return out")
    exec("\n".join(lines), env)  # noqa: S102 - generated above from the spec's own fields
    return env["resolve"]  # type: ignore[no-any-return]


def one_input(input_shapes: tuple[Shape, ...]) -> Shape:
    """The single input shape of a one-input layer."""
    if len(input_shapes) != 1:
        raise LayerError(f"expects 1 input, got {len(input_shapes)}")
    return input_shapes[0]
