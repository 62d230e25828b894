"""Text and audio preprocessing layers (Keras ``keras/src/layers/preprocessing/``):
IntegerLookup, StringLookup, TextVectorization, MelSpectrogram, STFTSpectrogram.

Lookups (``index_lookup.py``) map tokens to indices. ``output_mode="int"`` keeps the input's
shape; the other modes encode into ``depth`` = ``max_tokens`` with ``pad_to_max_tokens``,
else the vocabulary size (what Keras records as ``vocabulary_size`` after ``adapt()`` or a
given vocabulary: the tokens plus the OOV indices, plus the mask index in ``int`` mode).
``one_hot`` appends the depth (or replaces a last axis of 1); ``multi_hot``, ``count`` and
``tf_idf`` replace the last axis by it. No weights: the vocabulary lives in lookup tables,
not in variables (Keras counts 0 parameters, ``tf_idf``'s ``idf_weights`` included).

``TextVectorization`` (``text_vectorization.py``): ``int`` gives ``(batch,
output_sequence_length)``; the other modes split each string into a new axis of unknown
length (``split=None``: a rank-1 input gains an axis of 1) and encode it as the lookups do,
with ``depth`` from its inner StringLookup (mask token ``""``, one OOV index).

``MelSpectrogram`` (``mel_spectrogram.py``): ``(batch, samples)`` to ``(batch, num_mel_bins,
(samples + sequence_stride + 1) // sequence_stride)``, no weights.

``STFTSpectrogram`` (``stft_spectrogram.py``): a convolution of each channel with the
window's real and imaginary Fourier kernels ``(frame_length, 1, fft_length // 2 + 1)``,
trainable, ``real_kernel`` left out in ``imag`` mode and ``imag_kernel`` in ``real`` mode;
``fft_length`` defaults to the power of two at or above ``frame_length``, ``frame_step`` to
half of it. Output ``(batch, frames, bins·channels)`` (``stft`` mode: twice the bins), or
``(batch, frames, bins, channels)`` with ``expand_dims``; channels_first puts the channels
(or bins·channels) before the frames.

MACs: 0 for the lookups, TextVectorization and MelSpectrogram (cost_conventions.md:
"Embedding, CategoryEncoding, lookups: 0"; the catalogue's other preprocessing layers are 0
too); STFTSpectrogram as the convolution it is (section 2, Conv1D): frames × channels × the
elements of its kernels.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from paramlab.core.costs import size
from paramlab.core.errors import LayerError
from paramlab.core.fields import (
    FieldKind,
    FieldSpec,
    bool_field,
    choice_field,
    float_field,
    int_field,
    str_field,
)
from paramlab.core.shapes import conv_output_length
from paramlab.core.spec import Config, LayerSpec, one_input
from paramlab.core.types import Shape, WeightSpec, format_shape

#: Keras 3's output modes, and the older names it still accepts for two of them.
MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
_OLD_MODES = {"binary": "multi_hot", "tf-idf": "tf_idf"}


@dataclass(frozen=True)
class _LooseField(FieldSpec):
    """A string argument whose value may also be ``None`` or a serialized callable (a
    dict: TextVectorization's custom ``split`` or ``standardize``), kept as it is."""

    def validate(self, value: Any) -> Any:
        if value is None or isinstance(value, (str, dict)):
            return value
        raise LayerError(f"{self.name} must be a name, null or a serialized function, "
                         f"got {value!r}")


#: Fields the lookups and TextVectorization share.
VOCABULARY_SIZE = int_field(
    "vocabulary_size", None, minimum=1, optional=True,
    doc="The vocabulary's size with its OOV and mask indices, as Keras saves it after "
        "adapt(): the depth of the encoded modes.")
PAD_TO_MAX_TOKENS = bool_field("pad_to_max_tokens", False, doc="Encode into max_tokens "
                               "entries whatever the vocabulary's size.")


def _mode(config: Config) -> str:
    mode = config["output_mode"]
    return _OLD_MODES.get(mode, mode)


def _vocabulary_depth(config: Config, mask: Any, oov_indices: int) -> int | None:
    """The encoding depth: max_tokens with pad_to_max_tokens, else ``vocabulary_size``,
    else the size of a given vocabulary (Keras ``IndexLookup.vocabulary_size``: the
    tokens, after any leading mask / OOV tokens it repeats, plus the OOV indices and, in
    int mode, the mask index); ``None`` when the file tells neither (an adapted layer
    whose size was not saved)."""
    if config["pad_to_max_tokens"]:
        return config["max_tokens"]
    if config.get("vocabulary_size") is not None:
        return config["vocabulary_size"]
    vocabulary = config.get("vocabulary")
    if not isinstance(vocabulary, list):
        return None
    tokens = list(vocabulary)
    start = oov_indices
    if mask is not None and _mode(config) == "int":
        start += 1
        if tokens[:1] == [mask]:
            tokens = tokens[1:]
    oov = config.get("oov_token")
    if oov is not None and oov_indices and tokens[:oov_indices] == [oov] * oov_indices:
        tokens = tokens[oov_indices:]
    return start + len(tokens)


def _encoded(x: Shape, mode: str, depth: int | None, layer: str) -> Shape:
    """Keras ``IndexLookup.compute_output_shape`` for a mode other than int."""
    if mode == "one_hot":
        if len(x) > 1 and x[-1] == 1:
            return tuple(x[:-1]) + (depth,)
        return tuple(x) + (depth,)
    if len(x) < 2:  # Keras would drop the batch axis
        raise LayerError(f"{layer}(output_mode={mode!r}) encodes the last axis: it needs an "
                         f"input (batch, tokens), got {format_shape(x)}")
    return tuple(x[:-1]) + (depth,)


def _check_lookup(config: Config, layer: str) -> None:
    if config["pad_to_max_tokens"] and config["max_tokens"] is None:
        raise LayerError(f"{layer}: pad_to_max_tokens=True needs max_tokens")
    if config.get("invert") and _mode(config) != "int":
        raise LayerError(f"{layer}: invert=True needs output_mode='int'")


def lookup_spec(type_name: str) -> LayerSpec:
    """The spec of ``IntegerLookup`` or ``StringLookup``."""
    def output_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
        x = one_input(inputs)
        _check_lookup(config, type_name)
        mode = _mode(config)
        if mode == "int":
            return x
        depth = _vocabulary_depth(config, config.get("mask_token"), config["num_oov_indices"])
        return _encoded(x, mode, depth, type_name)

    token = "integer" if type_name == "IntegerLookup" else "string"
    fields = (
        int_field("max_tokens", None, minimum=2, optional=True,
                  doc="Largest vocabulary size, OOV and mask indices included (empty: no "
                      "limit)."),
        int_field("num_oov_indices", 1, minimum=0, doc="Indices kept for out-of-vocabulary "
                                                       "tokens."),
        choice_field("output_mode", "int", MODES + tuple(_OLD_MODES),
                     doc="int: one index per token; one_hot, multi_hot, count, tf_idf: a "
                         "vector of the vocabulary's size."),
        PAD_TO_MAX_TOKENS,
        bool_field("invert", False, doc="Map indices back to tokens (int mode only)."),
        bool_field("sparse", False),
        VOCABULARY_SIZE,
    )
    return LayerSpec(
        type_name, "Preprocessing", fields, output_shape,
        doc=f"Maps {token} tokens to vocabulary indices (int), or encodes them as one-hot, "
            f"multi-hot, count or TF-IDF vectors of the vocabulary's size. 0 parameters: "
            f"the vocabulary is a lookup table, not a weight.")


def _text_vectorization_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    x = one_input(inputs)
    _check_lookup(config, "TextVectorization")
    mode = _mode(config)
    if mode == "int":
        return (x[0], config["output_sequence_length"])
    if config["split"] is None:
        tokens = tuple(x) + (1,) if len(x) <= 1 else tuple(x)
    else:
        tokens = tuple(x) + (None,)
    # the inner StringLookup: mask token "", one OOV index
    depth = _vocabulary_depth({**config, "oov_token": "[UNK]"}, "", 1)
    return _encoded(tokens, mode, depth, "TextVectorization")


def stft_parts(x: Shape, config: Config) -> tuple[int, int, int, int | None, Any]:
    """(fft_length, bins per kernel, frame_step, frames, channels) of an STFTSpectrogram
    on ``x`` (Keras: fft_length defaults to 2**ceil(log2(frame_length)), frame_step to
    frame_length // 2)."""
    frame = config["frame_length"]
    step = config["frame_step"] or frame // 2
    fft = config["fft_length"] or 2 ** math.ceil(math.log2(frame))
    if config["frame_step"] is not None and config["frame_step"] > frame:
        raise LayerError(f"STFTSpectrogram: frame_step ({step}) must not exceed frame_length "
                         f"({frame})")
    if fft < frame:
        raise LayerError(f"STFTSpectrogram: fft_length ({fft}) must be at least frame_length "
                         f"({frame})")
    if step < 1:
        raise LayerError("STFTSpectrogram: frame_step must be at least 1")
    first = config["data_format"] == "channels_first"
    length, channels = (x[2], x[1]) if first else (x[1], x[2])
    frames = conv_output_length(length, frame, config["padding"], step, 1, "frame_length")
    return fft, fft // 2 + 1, step, frames, channels


def _stft_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    x = one_input(inputs)
    if len(x) != 3:
        raise LayerError(f"STFTSpectrogram expects audio (batch, samples, channels), or "
                         f"(batch, channels, samples) with channels_first, got "
                         f"{format_shape(x)}")
    _, bins, _, frames, channels = stft_parts(x, config)
    if config["mode"] == "stft":
        bins *= 2  # real and imaginary parts
    first = config["data_format"] == "channels_first"
    if config["expand_dims"]:
        return (x[0], channels, frames, bins) if first else (x[0], frames, bins, channels)
    features = None if channels is None else bins * channels
    return (x[0], features, frames) if first else (x[0], frames, features)


def _stft_weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
    # Keras STFTSpectrogram.build: real_kernel unless mode="imag", imag_kernel unless
    # mode="real", each (frame_length, 1, fft_length // 2 + 1), trainable.
    _, bins, _, _, _ = stft_parts(one_input(inputs), config)
    shape = (config["frame_length"], 1, bins)
    return tuple(WeightSpec(name, shape) for name, skip in (("real_kernel", "imag"),
                                                           ("imag_kernel", "real"))
                 if config["mode"] != skip)


def _stft_macs(inputs: tuple[Shape, ...], out: Shape, config: Config) -> int:
    x = one_input(inputs)
    _, _, _, frames, channels = stft_parts(x, config)
    return size((frames, channels)) * sum(w.size for w in _stft_weights(inputs, config))


def _mel_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    x = one_input(inputs)
    if len(x) != 2:
        raise LayerError(f"MelSpectrogram expects audio (batch, samples), got "
                         f"{format_shape(x)}")
    sequence = config["sequence_length"] or config["fft_length"]
    if config["fft_length"] < sequence:
        raise LayerError(f"MelSpectrogram: fft_length ({config['fft_length']}) must be at "
                         f"least sequence_length ({sequence})")
    stride = config["sequence_stride"]
    frames = None if x[1] is None else (x[1] + stride + 1) // stride
    return (x[0], config["num_mel_bins"], frames)


SPECS = (
    lookup_spec("IntegerLookup"),
    lookup_spec("StringLookup"),
    LayerSpec(
        "TextVectorization", "Preprocessing",
        (int_field("max_tokens", None, minimum=1, optional=True,
                   doc="Largest vocabulary size, OOV and mask indices included (empty: no "
                       "limit)."),
         _LooseField("standardize", FieldKind.STR, "lower_and_strip_punctuation",
                     choices=("lower_and_strip_punctuation", "lower", "strip_punctuation",
                              None), optional=True, doc="How text is cleaned before "
                                                        "splitting."),
         _LooseField("split", FieldKind.STR, "whitespace",
                     choices=("whitespace", "character", None), optional=True,
                     doc="How text is split into tokens (empty: each string is one token)."),
         int_field("ngrams", None, minimum=1, optional=True,
                   doc="Also index n-grams up to this length."),
         choice_field("output_mode", "int", MODES + tuple(_OLD_MODES),
                      doc="int: token indices; multi_hot, count, tf_idf: a vector of the "
                          "vocabulary's size."),
         int_field("output_sequence_length", None, minimum=1, optional=True,
                   doc="int mode: pad or truncate to this many tokens (empty: the longest "
                       "text, unknown)."),
         PAD_TO_MAX_TOKENS,
         bool_field("sparse", False),
         bool_field("ragged", False),
         VOCABULARY_SIZE),
        _text_vectorization_shape,
        doc="Turns strings into token indices (int, padded to output_sequence_length) or "
            "into multi-hot, count or TF-IDF vectors of the vocabulary's size. "
            "0 parameters: the vocabulary is a lookup table, not a weight."),
    LayerSpec(
        "MelSpectrogram", "Preprocessing",
        (int_field("fft_length", 2048, doc="Size of each FFT."),
         int_field("sequence_stride", 512, doc="Samples between successive frames."),
         int_field("sequence_length", None, optional=True,
                   doc="Window length in samples (empty: fft_length)."),
         str_field("window", "hann", optional=True, doc="Window function."),
         int_field("sampling_rate", 16000, doc="Samples per second."),
         int_field("num_mel_bins", 128, doc="Number of mel bands: the output's first axis."),
         float_field("min_freq", 20.0, 0.0, doc="Lowest frequency (Hz)."),
         float_field("max_freq", None, 0.0, optional=True,
                     doc="Highest frequency (Hz; empty: sampling_rate / 2)."),
         bool_field("power_to_db", True, doc="Output decibels."),
         float_field("top_db", 80.0, 0.0),
         float_field("mag_exp", 2.0, 0.0),
         float_field("min_power", 1e-10, 0.0),
         float_field("ref_power", 1.0, 0.0)),
        _mel_shape,
        doc="Audio (None, samples) to a mel spectrogram (None, num_mel_bins, frames), frames "
            "= (samples + stride + 1) // stride. 0 parameters: fixed FFT and mel filters."),
    LayerSpec(
        "STFTSpectrogram", "Preprocessing",
        (choice_field("mode", "log", ("log", "magnitude", "psd", "real", "imag", "angle",
                                      "stft"),
                      doc="What each frequency bin gives; stft: real and imaginary parts "
                          "(twice the bins)."),
         int_field("frame_length", 256, doc="Samples per frame: the kernels' length."),
         int_field("frame_step", None, optional=True,
                   doc="Samples between frames (empty: frame_length // 2)."),
         int_field("fft_length", None, optional=True,
                   doc="FFT size: bins = fft_length // 2 + 1 (empty: the power of two at or "
                       "above frame_length)."),
         str_field("window", "hann", optional=True, doc="Window function."),
         bool_field("periodic", False),
         _LooseField("scaling", FieldKind.STR, "density", choices=("density", "spectrum",
                                                                   None), optional=True),
         choice_field("padding", "valid", ("valid", "same")),
         bool_field("expand_dims", False,
                    doc="Keep the channels as their own axis after the bins."),
         choice_field("data_format", "channels_last", ("channels_last", "channels_first"),
                      doc="Axis order: (batch, samples, channels), Keras's default, or "
                          "(batch, channels, samples).")),
        _stft_shape, _stft_weights, macs=_stft_macs, native_data_format=True,
        doc="Audio (None, samples, channels) to a spectrogram by convolving with Fourier "
            "kernels. Parameters: frame_length·(fft_length // 2 + 1) per kernel, real and "
            "imaginary (one in real or imag mode), trainable."),
)
