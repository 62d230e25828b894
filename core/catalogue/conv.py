"""Convolution layers, channels-last (Keras ``keras/src/layers/convolutional/``).

One factory, :func:`conv_spec`, makes Conv1D, Conv2D and Conv3D; Keras's ``BaseConv.build``
gives the weights: kernel ``(*kernel_size, in_channels // groups, filters)`` and bias
``(filters,)``.
"""
from __future__ import annotations

from core.errors import LayerError
from core.fields import (FieldSpec, activation_field, bool_field, choice_field, int_field,
                         ints_field)
from core.shapes import conv_output_length, require_known, require_rank
from core.spec import Config, LayerSpec, one_input
from core.types import Shape, WeightSpec

CHANNELS_LAST = choice_field("data_format", "channels_last", ("channels_last",),
                             doc="Axis order; ParamLab works channels-last (Keras's default).")


def padding_field(rank: int, causal: bool = False) -> FieldSpec:
    choices = ("valid", "same", "causal") if causal else ("valid", "same")
    return choice_field("padding", "valid", choices,
                        doc="'valid': no padding, the output shrinks; 'same': pad so that "
                            "output length = ceil(input / strides).")


def spatial_output(x: Shape, config: Config, rank: int, what: str = "kernel") -> tuple:
    """Output lengths of the ``rank`` spatial axes of channels-last ``x``."""
    kernel = config.get("kernel_size") or config.get("pool_size")
    strides = config["strides"]
    dilation = config.get("dilation_rate", (1,) * rank)
    return tuple(conv_output_length(x[1 + i], kernel[i], config["padding"], strides[i],
                                    dilation[i], what) for i in range(rank))


def conv_spec(rank: int) -> LayerSpec:
    """The spec of ``Conv{rank}D``."""
    type_name = f"Conv{rank}D"

    def output_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
        x = one_input(inputs)
        require_rank(x, rank + 2, type_name)
        if max(config["strides"]) > 1 and max(config["dilation_rate"]) > 1:
            raise LayerError("strides > 1 cannot be combined with dilation_rate > 1")
        _check_groups(x[-1], config)
        return (None,) + spatial_output(x, config, rank) + (config["filters"],)

    def weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
        cin = require_known(one_input(inputs)[-1], "the channel axis of the input")
        kernel = tuple(config["kernel_size"]) + (cin // config["groups"], config["filters"])
        w = [WeightSpec("kernel", kernel)]
        if config["use_bias"]:
            w.append(WeightSpec("bias", (config["filters"],)))
        return tuple(w)

    fields = (
        int_field("filters", 32, doc="Number of output channels."),
        ints_field("kernel_size", 3, rank, doc="Size of the convolution window."),
        ints_field("strides", 1, rank, doc="Step of the window."),
        padding_field(rank, causal=rank == 1),
        CHANNELS_LAST,
        ints_field("dilation_rate", 1, rank, doc="Spacing between kernel elements."),
        int_field("groups", 1, doc="Split input channels into this many groups."),
        activation_field(),
        bool_field("use_bias", True),
    )
    dims = "·".join(["k"] * rank)
    return LayerSpec(
        type_name, "Convolution", fields, output_shape, weights,
        doc=f"{rank}D convolution over channels-last input. Parameters: "
            f"({dims}·in_channels/groups + 1)·filters — a kernel and a bias per filter.")


def _check_groups(cin: int | None, config: Config) -> None:
    groups = config["groups"]
    if config["filters"] % groups:
        raise LayerError(f"filters ({config['filters']}) must be divisible by groups ({groups})")
    if cin is not None and cin % groups:
        raise LayerError(f"the input's {cin} channels must be divisible by groups ({groups})")


SPECS = (conv_spec(1), conv_spec(2), conv_spec(3))
