"""Show your work for shapes: a layer's output-shape derivation with its numbers substituted.

The companion of :mod:`core.formula` (parameters). Each line is one step a student would
write, following the rules of :mod:`core.shapes` (Keras's ``compute_conv_output_shape``):

* ``valid`` convolution or pooling: ``⌊(32 − 5)/1⌋ + 1 = 28``
  (dilated: ``⌊(32 − ((3 − 1)·2 + 1))/1⌋ + 1 = 28``);
* ``same``: ``⌈32/2⌉ = 16``;
* Flatten: ``5·5·16 = 400``; Dense: the last axis becomes ``units``; and so on.

:func:`shape_steps` returns the lines; ``with_result=False`` drops each line's final
``= value`` so a hint can show the rule without giving the answer. A layer type without a
derivation here gives an empty tuple (its shape is shown as is).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from math import prod
from typing import Any

from paramlab.core.catalogue import get_spec
from paramlab.core.shapes import rules_see_channels_last, to_channels_last
from paramlab.core.types import Dim, Shape, format_shape

WINDOWED = ("Conv", "DepthwiseConv", "SeparableConv", "MaxPooling", "AveragePooling")


def window_length_step(length: Dim, kernel: int, padding: str, stride: int,
                       dilation: int = 1) -> str:
    """One spatial axis of a convolution or pooling window, e.g. ``⌊(32 − 5)/1⌋ + 1 = 28``
    (``valid``) or ``⌈32/2⌉ = 16`` (``same``/``causal``); ``?`` for an unknown length."""
    if length is None:
        return "None (unknown length)"
    if padding == "valid":
        span = str(kernel) if dilation == 1 else f"(({kernel} − 1)·{dilation} + 1)"
        k = (kernel - 1) * dilation + 1
        return f"⌊({length} − {span})/{stride}⌋ + 1 = {(length - k) // stride + 1}"
    return f"⌈{length}/{stride}⌉ = {-(-length // stride)}"


def _axes(steps: Sequence[str], names: Sequence[str]) -> list[str]:
    """Label per-axis steps; identical axes are written once."""
    if len(set(steps)) == 1 and len(steps) > 1:
        return [f"{' and '.join(names)}: {steps[0]}"]
    return [f"{n}: {s}" for n, s in zip(names, steps)]


def _axis_names(rank: int) -> list[str]:
    return {1: ["length"], 2: ["height", "width"], 3: ["depth", "height", "width"]}.get(
        rank, [f"axis {i + 1}" for i in range(rank)])


def shape_steps(layer_type: str, input_shapes: Sequence[Shape], config: Mapping[str, Any],
                output_shape: Shape | None, with_result: bool = True) -> tuple[str, ...]:
    """The derivation of ``output_shape`` from ``input_shapes`` and the resolved ``config``.

    Args:
        layer_type: Keras class name (``Conv2D``).
        input_shapes: The layer's input shapes (batch axis first, ``None``).
        config: The layer's config with defaults filled in (``LayerSpec.resolve_config``).
        output_shape: The shape propagation computed (the last line states it).
        with_result: ``False`` leaves out each step's result (``⌊(32 − 5)/1⌋ + 1``).

    Returns:
        Lines of text; empty when there is no derivation to show (unknown input, an error,
        or a layer type without one).
    """
    if output_shape is None or not input_shapes or any(s is None for s in input_shapes):
        return ()
    spec = get_spec(layer_type)
    if spec is not None and rules_see_channels_last(spec, config):
        # The steps follow the rule, which reads channels-last shapes: (None, 3, 32, 32)
        # is derived as (None, 32, 32, 3); the last line states the real shape.
        lines = _steps(layer_type, list(to_channels_last(tuple(input_shapes))), config,
                       to_channels_last((output_shape,))[0])
    else:
        lines = _steps(layer_type, list(input_shapes), config, output_shape)
    if not lines:
        return ()
    lines.append(f"output shape {format_shape(output_shape)}")
    if not with_result:
        lines = [_strip_result(x) for x in lines[:-1]]
    return tuple(lines)


def _strip_result(line: str) -> str:
    head, sep, _ = line.rpartition(" = ")
    return head if sep else line


def _embedding_steps(x: Shape, c: Mapping[str, Any]) -> list[str]:
    return [(f"each of the {x[-1] if len(x) > 1 else '?'} indices → a vector of "
             f"output_dim = {c['output_dim']}")]


def _steps(t: str, ins: list[Shape], c: Mapping[str, Any], out: Shape) -> list[str]:
    x = ins[0]
    rank = len(x) - 2
    if t == "InputLayer":
        return [f"the shape argument {tuple(c.get('shape', out[1:]))} with the batch axis "
                "None in front"]
    if t.startswith(WINDOWED) and t.endswith(("1D", "2D", "3D")) and "Transpose" not in t \
            and not t.startswith("Global"):
        kernel = c.get("kernel_size") or c.get("pool_size")
        strides = c.get("strides") or kernel
        dilation = c.get("dilation_rate") or (1,) * rank
        if kernel is None or len(kernel) != rank:
            return []
        steps = [window_length_step(x[1 + i], kernel[i], c["padding"], strides[i],
                                    dilation[i]) for i in range(rank)]
        lines = _axes(steps, _axis_names(rank))
        if "Pooling" in t:
            lines.append(f"channels unchanged: {x[-1]}")
        elif t.startswith("DepthwiseConv"):
            lines.append(f"channels = in_channels·depth_multiplier = {x[-1]}·"
                         f"{c['depth_multiplier']} = {out[-1]}")
        else:
            lines.append(f"channels = filters = {out[-1]}")
        return lines
    if t.startswith("Conv") and "Transpose" in t:
        steps = []
        for i in range(rank):
            k, s, L = c["kernel_size"][i], c["strides"][i], x[1 + i]
            op = c.get("output_padding")
            if L is None:
                steps.append("None (unknown length)")
            elif op is None and c["padding"] == "valid":
                steps.append(f"{L}·{s} + max({k} − {s}, 0) = {out[1 + i]}")
            elif op is None:
                steps.append(f"{L}·{s} = {out[1 + i]}")
            else:
                steps.append(f"({L} − 1)·{s} + {k} − 2·pad + {op[i]} = {out[1 + i]}")
        return _axes(steps, _axis_names(rank)) + [f"channels = filters = {out[-1]}"]
    if t == "Flatten":
        dims = x[1:]
        if any(d is None for d in dims):
            return [f"{'·'.join(str(d) for d in dims)} = None (an unknown axis)"]
        if len(dims) == 1:
            return [f"already flat: {dims[0]}"]
        return [f"{'·'.join(str(d) for d in dims)} = {prod(dims):,}"]
    if t == "Dense":
        return [f"last axis {x[-1]} → units = {c['units']}"]
    if t.startswith("Global") and "Pooling" in t:
        return [f"the {rank} spatial axes are reduced; channels = {x[-1]}"]
    if t == "Embedding":
        return _embedding_steps(x, c)
    if t in ("SimpleRNN", "LSTM", "GRU", "RNN"):
        units = f"units = {c['units']}" if t != "RNN" else f"the last cell's units = {out[-1]}"
        if c.get("return_sequences"):
            return [f"return_sequences=True: one output per step, {x[1]} steps of {units}"]
        return [f"return_sequences=False: the last step only, {units}"]
    if t in ("IntegerLookup", "StringLookup", "TextVectorization"):
        mode = c.get("output_mode")
        if mode == "int":
            if t == "TextVectorization":
                return [f"output_mode='int': output_sequence_length = {out[1]} tokens" if
                        out[1] is not None else ("output_mode='int', no "
                                                 "output_sequence_length: as long as the "
                                                 "longest text, None")]
            return ["output_mode='int': one index per token, shape unchanged"]
        depth = (f"max_tokens = {out[-1]} (pad_to_max_tokens)" if c.get("pad_to_max_tokens")
                 else f"the vocabulary's size = {out[-1]}")
        return [f"output_mode={mode!r}: last axis = {depth}"]
    if t == "ReversibleEmbedding":
        if c.get("reverse"):
            step = f"output_dim = {x[-1]} → input_dim = {out[-1]} logits"
            return [f"reverse=True: last axis {step}"]
        return _embedding_steps(x, c)
    if t == "MelSpectrogram":
        stride = c["sequence_stride"]
        frames = (f"({x[1]} + {stride} + 1) // {stride} = {out[2]}" if x[1] is not None
                  else "None (unknown length)")
        return [f"mel bins = num_mel_bins = {c['num_mel_bins']}", f"frames: {frames}"]
    if t == "STFTSpectrogram":
        from paramlab.core.catalogue.text_audio import stft_parts

        first = c.get("data_format") == "channels_first"
        length = x[2] if first else x[1]
        fft, bins, step, _, channels = stft_parts(x, c)
        lines = [f"frames: {window_length_step(length, c['frame_length'], c['padding'], step)}",
                 f"bins = {fft} // 2 + 1, ×2 (mode='stft') = {2 * bins}" if c["mode"] == "stft"
                 else f"bins = {fft} // 2 + 1 = {bins}"]
        if not c.get("expand_dims") and channels is not None:
            lines.append(f"features = bins·channels = {(2 if c['mode'] == 'stft' else 1) * bins}"
                         f"·{channels} = {(2 if c['mode'] == 'stft' else 1) * bins * channels}")
        return lines
    if t == "Concatenate":
        axis = c.get("axis", -1)
        parts = [s[axis] for s in ins]
        if all(isinstance(p, int) for p in parts):
            return [f"axis {axis}: {' + '.join(str(p) for p in parts)} = {sum(parts)}"]
        return []
    if t.startswith(("ZeroPadding", "Cropping")):
        pad = c.get("padding" if t.startswith("Zero") else "cropping")
        sign = "+" if t.startswith("Zero") else "−"
        if not isinstance(pad, (list, tuple)) or len(pad) != 2 * rank:
            return []
        steps = [f"{x[1 + i]} {sign} {pad[2 * i]} {sign} {pad[2 * i + 1]} = {out[1 + i]}"
                 if x[1 + i] is not None else "None (unknown length)" for i in range(rank)]
        return _axes(steps, _axis_names(rank))
    if t.startswith("UpSampling"):
        size = c.get("size")
        size = size if isinstance(size, (list, tuple)) else (size,) * rank
        steps = [f"{x[1 + i]}·{size[i]} = {out[1 + i]}" for i in range(rank)
                 if x[1 + i] is not None]
        return _axes(steps, _axis_names(rank)) if len(steps) == rank else []
    if out == x and len(ins) == 1:
        return ["same as the input"]
    return []
