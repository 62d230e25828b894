"""Pooling layers, channels-last (Keras ``keras/src/layers/pooling/``).

Three factories: :func:`pooling_spec` for ``Max``/``Average`` pooling of rank 1 to 3 (Keras
``BasePooling``; output length per ``compute_pooling_output_shape``: ``valid``
``floor((L - pool) / strides) + 1``, ``same`` ``ceil(L / strides)``; ``strides=None`` means
``pool_size``), :func:`global_pooling_spec` (Keras ``BaseGlobalPooling``: the spatial
axes are reduced, or kept as 1 with ``keepdims=True``) and :func:`adaptive_pooling_spec`
(Keras ``BaseAdaptivePooling``: the spatial axes become ``output_size`` whatever their
length). No pooling layer has weights, and pooling costs 0 MACs (cost_conventions.md).
"""
from __future__ import annotations

from paramlab.core.catalogue.common import ranked_input
from paramlab.core.catalogue.conv import DATA_FORMAT
from paramlab.core.fields import bool_field, choice_field, ints_field
from paramlab.core.shapes import conv_output_length
from paramlab.core.spec import Config, LayerSpec
from paramlab.core.types import Shape

_POOL_WORD = {"Max": "maximum", "Average": "average"}


def pooling_spec(kind: str, rank: int) -> LayerSpec:
    """The spec of ``{kind}Pooling{rank}D`` (``kind`` is ``"Max"`` or ``"Average"``)."""
    type_name = f"{kind}Pooling{rank}D"

    def output_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
        x = ranked_input(inputs, rank + 2, type_name)
        pool = config["pool_size"]
        strides = config["strides"] or pool
        spatial = tuple(conv_output_length(x[1 + i], pool[i], config["padding"], strides[i],
                                           1, "pool") for i in range(rank))
        return (None,) + spatial + (x[-1],)

    fields = (
        ints_field("pool_size", 2, rank, doc="Size of the pooling window."),
        ints_field("strides", None, rank, optional=True,
                   doc="Step of the window; empty (None) means pool_size."),
        choice_field("padding", "valid", ("valid", "same"),
                     doc="'valid': windows stay inside the input; 'same': output length = "
                         "ceil(input / strides)."),
        DATA_FORMAT,
    )
    return LayerSpec(
        type_name, "Pooling", fields, output_shape,
        doc=f"{rank}D {_POOL_WORD[kind]} pooling: each output value is the {_POOL_WORD[kind]} "
            f"of a pool_size window, per channel. 0 parameters: pooling has nothing to learn.",
        fields_only=True)


def global_pooling_spec(kind: str, rank: int) -> LayerSpec:
    """The spec of ``Global{kind}Pooling{rank}D``."""
    type_name = f"Global{kind}Pooling{rank}D"

    def output_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
        x = ranked_input(inputs, rank + 2, type_name)
        if config["keepdims"]:
            return (None,) + (1,) * rank + (x[-1],)
        return (None, x[-1])

    fields = (DATA_FORMAT,
              bool_field("keepdims", False,
                         doc="Keep the reduced spatial axes with length 1."))
    return LayerSpec(
        type_name, "Pooling", fields, output_shape,
        doc=f"Global {_POOL_WORD[kind]} over all {rank} spatial axes: one value per channel, "
            f"output (None, channels). 0 parameters.", fields_only=True)


def adaptive_pooling_spec(kind: str, rank: int) -> LayerSpec:
    """The spec of ``Adaptive{kind}Pooling{rank}D``."""
    type_name = f"Adaptive{kind}Pooling{rank}D"

    def output_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
        x = ranked_input(inputs, rank + 2, type_name)
        return (None,) + tuple(config["output_size"]) + (x[-1],)

    fields = (ints_field("output_size", 4, rank,
                         doc="Length of each spatial axis of the output; the windows adapt "
                             "to the input's size."),
              DATA_FORMAT)
    return LayerSpec(
        type_name, "Pooling", fields, output_shape,
        doc=f"{rank}D adaptive {_POOL_WORD[kind]} pooling: splits each spatial axis into "
            f"output_size windows and takes the {_POOL_WORD[kind]} of each, per channel "
            "(PyTorch's Adaptive pooling). 0 parameters.", fields_only=True)


SPECS = tuple(pooling_spec(kind, rank) for kind in ("Max", "Average") for rank in (1, 2, 3)) \
    + tuple(global_pooling_spec(kind, rank) for kind in ("Average", "Max") for rank in (1, 2, 3)) \
    + tuple(adaptive_pooling_spec(kind, rank) for kind in ("Average", "Max") for rank in (1, 2, 3))
