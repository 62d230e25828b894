"""The PyTorch convention: what a layer becomes in PyTorch and how PyTorch counts it.

Keras and PyTorch count the same network differently. PyTorch's count is
``sum(p.numel() for p in m.parameters() if p.requires_grad)``; tensors registered with
``register_buffer`` (BatchNorm's ``running_mean``, ``running_var``, ``num_batches_tracked``)
are not parameters at all (``torch/nn/modules/module.py``: ``register_buffer`` /
``register_parameter``; ``Module.parameters`` iterates ``_parameters`` only). Keras counts its
moving statistics as non-trainable *weights* (``keras/src/utils/summary_utils.py``).

This module holds the plain values of that convention:

* :class:`TorchTensor` / :class:`TorchModule` / :class:`TorchMapping`: what a catalogue
  ``torch`` rule returns (``core/catalogue/pytorch_rules.py``): the ``torch.nn`` module(s)
  equivalent to one Keras layer with their parameters (name, shape, ``requires_grad``) and
  buffers, or the reason there is no PyTorch equivalent;
* :class:`TorchCounts`: what propagation stores on each layer's result (trainable,
  non-trainable, buffer elements), which every view reads;
* :func:`torch_formula` and :func:`reconciliation`: the teaching texts derived from the
  same tensors.

Shapes here are PyTorch's: channels-first, no batch axis (``nn.Conv2d`` weight
``(out_channels, in_channels / groups, kh, kw)``).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import prod
from typing import Any

from paramlab.core.formula import DOT, weight_formula
from paramlab.core.types import WeightSpec

KERAS, PYTORCH = "keras", "pytorch"
CONVENTIONS = (KERAS, PYTORCH)
NO_EQUIVALENT = "no PyTorch equivalent"


@dataclass(frozen=True)
class TorchTensor:
    """One parameter or buffer of a ``torch.nn`` module.

    Attributes:
        name: Its name in ``named_parameters()`` / ``named_buffers()`` (``weight``,
            ``bias_hh_l0_reverse``, ``running_mean``; ``0.weight`` inside a Sequential).
        shape: PyTorch's shape (``()`` for a scalar such as ``num_batches_tracked``).
        requires_grad: For a parameter: whether the export leaves it trainable (a parameter
            kept fixed to reproduce Keras, e.g. BatchNorm's bias with ``center=False``, has
            ``False``). Ignored for buffers.
    """

    name: str
    shape: tuple[int, ...]
    requires_grad: bool = True

    @property
    def size(self) -> int:
        """Number of scalar elements (1 for a scalar)."""
        return prod(self.shape)


@dataclass(frozen=True, eq=False)
class TorchModule:
    """One ``torch.nn`` module: its class, constructor arguments and tensors.

    Compared and hashed by identity: the rules' building blocks are memoised, so one module
    value serves every layer built the same way (and hashing stays O(1) in propagation).

    Attributes:
        cls: Class name in ``torch.nn`` (``Conv2d``).
        args: Positional constructor arguments.
        kwargs: Keyword arguments, in order, as ``(name, value)`` pairs.
        parameters: Its parameters in ``named_parameters()`` order.
        buffers: Its buffers in ``named_buffers()`` order.
    """

    cls: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    parameters: tuple[TorchTensor, ...] = ()
    buffers: tuple[TorchTensor, ...] = ()

    def __post_init__(self) -> None:
        # Propagation counts every layer: sum once per module, not once per count.
        grad = sum(t.size for t in self.parameters if t.requires_grad)
        object.__setattr__(self, "_sizes", (grad, sum(t.size for t in self.parameters) - grad,
                                            sum(t.size for t in self.buffers)))

    def expr(self) -> str:
        """Python source that builds it: ``nn.Conv2d(3, 16, kernel_size=(3, 3))``."""
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs]
        return f"nn.{self.cls}({', '.join(parts)})"


@dataclass(frozen=True)
class TorchMapping:
    """What one Keras layer is in PyTorch.

    Attributes:
        modules: The ``torch.nn`` modules that hold its parameters, in call order (two for
            SeparableConv: depthwise then pointwise, exported as an ``nn.Sequential``);
            empty for a layer done with a plain tensor operation (Add, Reshape, a global
            pooling) or with no equivalent.
        unsupported: Why there is no PyTorch equivalent, or ``None``. Such a layer keeps its
            Keras count and is flagged :data:`NO_EQUIVALENT`.
        note: A caveat worth a line (gate order, what the export does instead), or ``None``.
    """

    modules: tuple[TorchModule, ...] = ()
    unsupported: str | None = None
    note: str | None = None

    @property
    def parameters(self) -> tuple[TorchTensor, ...]:
        """Every parameter, named as ``named_parameters()`` of the exported attribute
        names them (``0.weight`` when the modules are wrapped in a Sequential)."""
        if len(self.modules) == 1:
            return self.modules[0].parameters
        return tuple(TorchTensor(f"{i}.{t.name}", t.shape, t.requires_grad)
                     for i, m in enumerate(self.modules) for t in m.parameters)

    @property
    def buffers(self) -> tuple[TorchTensor, ...]:
        """Every buffer, named like :attr:`parameters`."""
        if len(self.modules) == 1:
            return self.modules[0].buffers
        return tuple(TorchTensor(f"{i}.{t.name}", t.shape)
                     for i, m in enumerate(self.modules) for t in m.buffers)

    def expr(self) -> str | None:
        """Source of the module (an ``nn.Sequential`` of several), ``None`` without one."""
        if not self.modules:
            return None
        if len(self.modules) == 1:
            return self.modules[0].expr()
        return "nn.Sequential(" + ", ".join(m.expr() for m in self.modules) + ")"

    @property
    def module_name(self) -> str:
        """``nn.Conv2d``, ``nn.Sequential(nn.Conv2d, nn.Conv2d)``, ``tensor operation``
        or :data:`NO_EQUIVALENT`."""
        if self.unsupported:
            return NO_EQUIVALENT
        if not self.modules:
            return "tensor operation"
        names = [f"nn.{m.cls}" for m in self.modules]
        return names[0] if len(names) == 1 else f"nn.Sequential({', '.join(names)})"


@dataclass(frozen=True)
class TorchCounts:
    """A layer's counts in the PyTorch convention (propagation computes them).

    Attributes:
        trainable: Elements of parameters with ``requires_grad`` (0 for a frozen layer).
        non_trainable: Elements of frozen parameters (``requires_grad_(False)``, or every
            parameter of a frozen layer).
        buffers: Elements of buffers (not parameters in PyTorch).
        mapping: The rule's answer, for names, formula and export.
    """

    trainable: int
    non_trainable: int
    buffers: int
    mapping: TorchMapping

    @property
    def total(self) -> int:
        """Parameters (trainable + frozen); buffers are not parameters."""
        return self.trainable + self.non_trainable

    @property
    def equivalent(self) -> bool:
        return self.mapping.unsupported is None


def count_torch(mapping: TorchMapping, layer_trainable: bool, keras_trainable: int,
                keras_non_trainable: int) -> TorchCounts:
    """The PyTorch-convention counts of one layer.

    A layer with no PyTorch equivalent keeps its Keras counts (and 0 buffers). Otherwise a
    parameter counts as trainable when it has ``requires_grad`` and its layer is trainable
    (the export calls ``requires_grad_(False)`` on a frozen layer); every buffer element
    counts as a buffer.
    """
    if mapping.unsupported is not None:
        return TorchCounts(keras_trainable, keras_non_trainable, 0, mapping)
    trainable = frozen = buffers = 0
    for m in mapping.modules:
        grad, fixed, buf = m._sizes  # type: ignore[attr-defined]
        trainable += grad
        frozen += fixed
        buffers += buf
    if not layer_trainable:
        trainable, frozen = 0, trainable + frozen
    return TorchCounts(trainable, frozen, buffers, mapping)


def _product(dims: Sequence[int]) -> str:
    return DOT.join(str(d) for d in dims) if dims else "1"


def _grouped(tensors: Sequence[TorchTensor]) -> str:
    """``2·64`` for two (64,) tensors, ``64 + 1`` for (64,) and ()."""
    groups: list[tuple[tuple[int, ...], int]] = []
    for t in tensors:
        if groups and groups[-1][0] == t.shape:
            groups[-1] = (t.shape, groups[-1][1] + 1)
        else:
            groups.append((t.shape, 1))
    return " + ".join(f"{n}{DOT}{_product(s)}" if n > 1 else _product(s) for s, n in groups)


def params_formula(params: Sequence[TorchTensor]) -> str:
    """How the parameter total is derived, PyTorch's shapes: ``(128 + 1)·64 = 8,256`` for
    ``nn.Linear(128, 64)``, ``(32 + 24 + 2)·96 = 5,568`` for ``nn.LSTM(32, 24)`` (two bias
    vectors), ``2·64 = 128`` for ``nn.BatchNorm1d(64)``; ``0`` without parameters."""
    if not params:
        return "0"
    total = sum(p.size for p in params)
    n = params[0].shape[0] if params[0].shape else None
    weights = [p for p in params if "weight" in p.name and len(p.shape) >= 2]
    biases = [p for p in params if "bias" in p.name and len(p.shape) == 1]
    if (n and weights and len(weights) + len(biases) == len(params)
            and all(p.shape[0] == n for p in params)):
        inner = " + ".join(_product(w.shape[1:]) for w in weights)
        if biases:
            inner += f" + {len(biases)}"
        text = f"({inner}){DOT}{n}" if len(weights) + len(biases) > 1 else f"{inner}{DOT}{n}"
    else:
        text = _grouped(params)
    return f"{total:,}" if text == f"{total}" else f"{text} = {total:,}"


def torch_formula(counts: TorchCounts, keras_weights: Sequence[WeightSpec]) -> str:
    """The formula text of a layer in the PyTorch convention: the parameters' formula,
    then the buffers' (``2·64 = 128; buffers 2·64 + 1 = 129``); the Keras formula and
    "no PyTorch equivalent" for a layer without one."""
    mapping = counts.mapping
    if mapping.unsupported is not None:
        return f"{weight_formula(keras_weights)} (Keras count; {NO_EQUIVALENT})"
    text = params_formula(mapping.parameters) if mapping.parameters else "0 (no parameters)"
    if mapping.buffers:
        buf = _grouped(mapping.buffers)
        text += f"; buffers {buf} = {counts.buffers:,}" if buf != f"{counts.buffers}" \
            else f"; buffers {counts.buffers:,}"
    return text


def differs(counts: TorchCounts, keras_trainable: int, keras_non_trainable: int) -> bool:
    """True when the two conventions disagree on this layer (a different count, buffers,
    or no PyTorch equivalent)."""
    return (counts.mapping.unsupported is not None or counts.buffers > 0
            or counts.trainable != keras_trainable
            or counts.non_trainable != keras_non_trainable)


def _names(items: Sequence[Any]) -> str:
    return ", ".join(i.name for i in items)


def reconciliation(counts: TorchCounts, keras_weights: Sequence[WeightSpec],
                   keras_trainable: int, keras_non_trainable: int) -> str | None:
    """One line naming the weights on each side, with both counts, where the conventions
    differ; ``None`` where they agree.

    Example (BatchNormalization over 64 channels): ``PyTorch: weight, bias = 2·64 = 128
    parameters; running_mean, running_var (2·64) and num_batches_tracked (1) are buffers,
    not parameters. Keras: gamma, beta trainable, moving_mean, moving_variance
    non-trainable = 4·64 = 256.``
    """
    if not differs(counts, keras_trainable, keras_non_trainable):
        return None
    mapping = counts.mapping
    keras_side = _keras_side(keras_weights, keras_trainable, keras_non_trainable)
    if mapping.unsupported is not None:
        return f"PyTorch: {NO_EQUIVALENT} ({mapping.unsupported}); Keras's count is shown. " \
               f"{keras_side}"
    params = mapping.parameters
    if params:
        text = f"PyTorch: {_names(params)} = {params_formula(params)} parameters"
        frozen = [p for p in params if not p.requires_grad]
        if frozen:
            text += f" ({_names(frozen)} kept fixed: requires_grad=False)"
    else:
        text = "PyTorch: no parameters"
    if mapping.buffers:
        scalars = [b for b in mapping.buffers if not b.shape]
        vectors = [b for b in mapping.buffers if b.shape]
        parts = []
        if vectors:
            parts.append(f"{_names(vectors)} ({_grouped(vectors)})")
        if scalars:
            parts.append(f"{_names(scalars)} ({_grouped(scalars)})")
        verb = "are buffers" if len(mapping.buffers) > 1 else "is a buffer"
        text += f"; {' and '.join(parts)} {verb}, not parameters"
    return f"{text}. {keras_side}"


def _keras_side(weights: Sequence[WeightSpec], trainable: int, non_trainable: int) -> str:
    if not weights:
        return "Keras: no weights = 0."
    if non_trainable and not trainable and all(w.trainable for w in weights):
        return f"Keras: {_names(weights)} frozen (non-trainable) = {weight_formula(weights)}."
    train = [w for w in weights if w.trainable]
    fixed = [w for w in weights if not w.trainable]
    sides = []
    if train:
        sides.append(f"{_names(train)} trainable")
    if fixed:
        sides.append(f"{_names(fixed)} non-trainable")
    return f"Keras: {', '.join(sides)} = {weight_formula(weights)}."
