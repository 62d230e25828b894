"""Convolution layers, channels-last (Keras ``keras/src/layers/convolutional/``).

One factory per family, each for rank 1 to 3 where Keras has the layer:

* :func:`conv_spec` (Conv1D/2D/3D, ``BaseConv.build``): kernel
  ``(*kernel_size, in_channels // groups, filters)`` and bias ``(filters,)``.
* :func:`conv_transpose_spec` (Conv1D/2D/3DTranspose, ``BaseConvTranspose.build``): kernel
  ``(*kernel_size, filters, in_channels)`` and bias ``(filters,)``; output lengths from
  ``compute_conv_transpose_output_shape`` (:func:`core.shapes.deconv_output_length`).
* :func:`depthwise_spec` (DepthwiseConv1D/2D, ``BaseDepthwiseConv.build``): kernel
  ``(*kernel_size, in_channels, depth_multiplier)`` and bias
  ``(in_channels · depth_multiplier,)``.
* :func:`separable_spec` (SeparableConv1D/2D, ``BaseSeparableConv.build``):
  depthwise_kernel ``(*kernel_size, in_channels, depth_multiplier)``, pointwise_kernel
  ``(1, ..., in_channels · depth_multiplier, filters)`` and bias ``(filters,)``.

MAC rules (cost_conventions.md section 2; ``out_sp``/``in_sp``: the output's/input's spatial
lengths, ``k``: kernel_size): Conv ``prod(out_sp)·prod(k)·(C_in/groups)·filters``;
ConvTranspose ``prod(in_sp)·prod(k)·C_in·filters`` (each input element meets the whole kernel,
as fvcore and torch.utils.flop_counter count it); Depthwise
``prod(out_sp)·prod(k)·C_in·depth_multiplier``; Separable that plus the pointwise
``prod(out_sp)·C_in·depth_multiplier·filters``. Dilation and padding do not change them.
"""
from __future__ import annotations

from paramlab.core.catalogue.common import lora_field, with_lora
from paramlab.core.costs import size
from paramlab.core.errors import LayerError
from paramlab.core.fields import (
    FieldSpec,
    activation_field,
    bool_field,
    choice_field,
    int_field,
    ints_field,
)
from paramlab.core.shapes import (
    conv_output_length,
    deconv_output_length,
    require_known,
    require_rank,
)
from paramlab.core.spec import Config, LayerSpec, one_input
from paramlab.core.types import Shape, WeightSpec

#: ``data_format`` of the layers that take both orders. The rules see channels-last shapes:
#: propagation moves the channel axis of a ``channels_first`` layer's inputs last before its
#: rules run, and back to axis 1 in its output (``core.shapes.to_channels_last``).
DATA_FORMAT = choice_field("data_format", "channels_last", ("channels_last", "channels_first"),
                           doc="Axis order: channels_last (batch, ..., channels), Keras's "
                               "default, or channels_first (batch, channels, ...).")


def window_fields(rank: int, causal: bool = False,
                  kernel_doc: str = "Size of the convolution window.",
                  strides_doc: str = "Step of the window.",
                  between: tuple[FieldSpec, ...] = ()) -> tuple[FieldSpec, ...]:
    """The arguments every convolution family shares, in Keras's order: ``kernel_size``,
    ``strides``, ``padding``, then ``between`` (a family's own, e.g. ``output_padding``),
    ``data_format`` and ``dilation_rate``."""
    return (ints_field("kernel_size", 3, rank, doc=kernel_doc),
            ints_field("strides", 1, rank, doc=strides_doc),
            padding_field(rank, causal)) + between + (
            DATA_FORMAT,
            ints_field("dilation_rate", 1, rank, doc="Spacing between kernel elements."))


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
    padding = config["padding"]
    # A loop, not a comprehension: one reading these six names costs a closure per call,
    # and this runs for every convolution and pooling layer.
    out = []
    for i in range(rank):
        out.append(conv_output_length(x[1 + i], kernel[i], padding, strides[i], dilation[i],
                                      what))
    return tuple(out)


def conv_spec(rank: int) -> LayerSpec:
    """The spec of ``Conv{rank}D``."""
    type_name = f"Conv{rank}D"

    def output_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
        x = one_input(inputs)
        if len(x) != rank + 2:
            require_rank(x, rank + 2, type_name)
        if max(config["strides"]) > 1 and max(config["dilation_rate"]) > 1:
            raise LayerError("strides > 1 cannot be combined with dilation_rate > 1")
        if config["groups"] != 1:  # any length divides by 1
            _check_groups(x[-1], config)
        return (None, *spatial_output(x, config, rank), config["filters"])

    def weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
        cin = require_known(one_input(inputs)[-1], "the channel axis of the input")
        kernel = tuple(config["kernel_size"]) + (cin // config["groups"], config["filters"])
        w = [WeightSpec("kernel", kernel)]
        if config["use_bias"]:
            w.append(WeightSpec("bias", (config["filters"],)))
        return with_lora(w, config)

    def macs(inputs: tuple[Shape, ...], out: Shape, config: Config) -> int:
        cin = size(inputs[0][-1:])
        return size(out[1:-1]) * size(config["kernel_size"]) * (cin // config["groups"]) \
            * config["filters"]

    fields = (
        int_field("filters", 32, doc="Number of output channels."),
        *window_fields(rank, causal=rank == 1),
        int_field("groups", 1, doc="Split input channels into this many groups."),
        activation_field(),
        bool_field("use_bias", True),
        lora_field(),
    )
    dims = "·".join(["k"] * rank)
    return LayerSpec(
        type_name, "Convolution", fields, output_shape, weights,
        doc=f"{rank}D convolution over channels-last input. Parameters: "
            f"({dims}·in_channels/groups + 1)·filters — a kernel and a bias per filter.",
        macs=macs, fields_only=True)


def _check_groups(cin: int | None, config: Config) -> None:
    groups = config["groups"]
    if config["filters"] % groups:
        raise LayerError(f"filters ({config['filters']}) must be divisible by groups ({groups})")
    if cin is not None and cin % groups:
        raise LayerError(f"the input's {cin} channels must be divisible by groups ({groups})")


def _check_strides_dilation(config: Config) -> None:
    if max(config["strides"]) > 1 and max(config["dilation_rate"]) > 1:
        raise LayerError(f"strides > 1 cannot be combined with dilation_rate > 1, got "
                         f"strides={config['strides']} and "
                         f"dilation_rate={config['dilation_rate']}")


def _bias(config: Config, n: int) -> list[WeightSpec]:
    return [WeightSpec("bias", (n,))] if config["use_bias"] else []


def conv_transpose_spec(rank: int) -> LayerSpec:
    """The spec of ``Conv{rank}DTranspose``."""
    type_name = f"Conv{rank}DTranspose"

    def output_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
        x = one_input(inputs)
        require_rank(x, rank + 2, type_name)
        _check_strides_dilation(config)
        op = config["output_padding"]
        if op is not None:
            for i in range(rank):
                if op[i] >= config["strides"][i]:
                    raise LayerError(f"output_padding must be less than strides on every "
                                     f"axis, got output_padding={op} and "
                                     f"strides={config['strides']}")
        spatial = tuple(
            deconv_output_length(x[1 + i], config["kernel_size"][i], config["padding"],
                                 config["strides"][i], None if op is None else op[i],
                                 config["dilation_rate"][i])
            for i in range(rank))
        return (None,) + spatial + (config["filters"],)

    def weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
        cin = require_known(one_input(inputs)[-1], "the channel axis of the input")
        kernel = tuple(config["kernel_size"]) + (config["filters"], cin)
        return tuple([WeightSpec("kernel", kernel)] + _bias(config, config["filters"]))

    def macs(inputs: tuple[Shape, ...], out: Shape, config: Config) -> int:
        x = inputs[0]
        return size(x[1:]) * size(config["kernel_size"]) * config["filters"]

    fields = (
        int_field("filters", 32, doc="Number of output channels."),
        *window_fields(rank, strides_doc="Upsampling factor: step of the window.", between=(
            ints_field("output_padding", None, rank, minimum=0, optional=True,
                       doc="Extra length added on one side of the output; empty (None): "
                           "inferred. Must be less than strides."),)),
        activation_field(),
        bool_field("use_bias", True),
    )
    dims = "·".join(["k"] * rank)
    return LayerSpec(
        type_name, "Convolution", fields, output_shape, weights,
        doc=f"Transposed {rank}D convolution (learned upsampling): 'same' multiplies each "
            f"length by strides. Parameters: {dims}·filters·in_channels + filters — a kernel "
            f"(*kernel_size, filters, in_channels) and a bias per filter.",
        macs=macs, fields_only=True)


def depthwise_spec(rank: int) -> LayerSpec:
    """The spec of ``DepthwiseConv{rank}D``."""
    type_name = f"DepthwiseConv{rank}D"

    def output_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
        x = one_input(inputs)
        if len(x) != rank + 2:
            require_rank(x, rank + 2, type_name)
        _check_strides_dilation(config)
        cin = x[-1]
        return (None,) + spatial_output(x, config, rank) + (
            None if cin is None else cin * config["depth_multiplier"],)

    def weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
        cin = require_known(one_input(inputs)[-1], "the channel axis of the input")
        m = config["depth_multiplier"]
        kernel = tuple(config["kernel_size"]) + (cin, m)
        return tuple([WeightSpec("kernel", kernel)] + _bias(config, cin * m))

    def macs(inputs: tuple[Shape, ...], out: Shape, config: Config) -> int:
        # out[-1] = C_in·depth_multiplier
        return size(out[1:]) * size(config["kernel_size"])

    fields = (
        *window_fields(rank, between=(
            int_field("depth_multiplier", 1, doc="Output channels per input channel."),)),
        activation_field(),
        bool_field("use_bias", True),
    )
    dims = "·".join(["k"] * rank)
    return LayerSpec(
        type_name, "Convolution", fields, output_shape, weights,
        doc=f"{rank}D depthwise convolution: each input channel is convolved on its own with "
            f"depth_multiplier filters; output channels = in_channels·depth_multiplier. "
            f"Parameters: ({dims} + 1)·in_channels·depth_multiplier.",
        macs=macs, fields_only=True)


def separable_spec(rank: int) -> LayerSpec:
    """The spec of ``SeparableConv{rank}D``."""
    type_name = f"SeparableConv{rank}D"

    def output_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
        x = one_input(inputs)
        require_rank(x, rank + 2, type_name)
        _check_strides_dilation(config)
        return (None,) + spatial_output(x, config, rank) + (config["filters"],)

    def weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
        cin = require_known(one_input(inputs)[-1], "the channel axis of the input")
        m = config["depth_multiplier"]
        return tuple([WeightSpec("depthwise_kernel", tuple(config["kernel_size"]) + (cin, m)),
                      WeightSpec("pointwise_kernel", (1,) * rank + (cin * m, config["filters"]))]
                     + _bias(config, config["filters"]))

    def macs(inputs: tuple[Shape, ...], out: Shape, config: Config) -> int:
        mid = size(inputs[0][-1:]) * config["depth_multiplier"]  # depthwise output channels
        return size(out[1:-1]) * mid * (size(config["kernel_size"]) + config["filters"])

    fields = (
        int_field("filters", 32, doc="Number of output channels."),
        *window_fields(rank, kernel_doc="Size of the depthwise window."),
        int_field("depth_multiplier", 1, doc="Depthwise output channels per input channel."),
        activation_field(),
        bool_field("use_bias", True),
    )
    dims = "·".join(["k"] * rank)
    return LayerSpec(
        type_name, "Convolution", fields, output_shape, weights,
        doc=f"{rank}D separable convolution: a depthwise convolution then a 1×1 pointwise one. "
            f"Parameters: {dims}·in·depth_multiplier + in·depth_multiplier·filters + filters.",
        macs=macs, fields_only=True)


SPECS = (conv_spec(1), conv_spec(2), conv_spec(3)) \
    + tuple(conv_transpose_spec(r) for r in (1, 2, 3)) \
    + tuple(depthwise_spec(r) for r in (1, 2)) + tuple(separable_spec(r) for r in (1, 2))
