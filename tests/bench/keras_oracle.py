"""Differential fuzz with real Keras as the oracle (a script, not collected by pytest).

Two steps, each in its own Python:

    KERAS_BACKEND=numpy KERAS_PYTHON tests/bench/keras_oracle.py generate OUT.jsonl \
        [--models 3000] [--seed 1] [--wide] [--all-types]
    .venv/bin/python tests/bench/keras_oracle.py compare OUT.jsonl [--show 40]
    .venv/bin/python tests/bench/keras_oracle.py coverage OUT.jsonl [MORE.jsonl ...]

(``KERAS_PYTHON``: a Python with Keras 3, e.g. Keras 3.15.1 with JAX. The numpy backend builds
the models about ten times faster than JAX, with the same figures: nothing is run, only
shapes and weights are made; 100 models of seed 2 gave the same JSON lines under both.)

``generate`` runs where Keras 3 is installed (not ParamLab: it imports nothing of it). It builds
seeded random small models, Sequential and Functional (branches, merges, a shared layer,
multi-output recurrent layers), from a grammar of the Keras layers ParamLab's catalogue knows
with random valid arguments (use_bias, strides, dilation, padding, data_format, axis,
center/scale, ``trainable=False`` on some layers and wrappers). A layer call Keras refuses is
dropped and another tried; a model is kept only when Keras builds it and rebuilds it from its
own ``to_json()``. One JSON line per model: ``config`` (``json.loads(model.to_json())``),
``layers`` (for each of the model's ``model.layers``, as built, like the reference files:
name, class name, output shape(s) of its last call, trainable and non-trainable counts from
``trainable_weights`` / ``non_trainable_weights``), ``totals`` (the layers' sums),
``loaded`` (the same figures of the model Keras rebuilds from the JSON, plus
``model_totals``, ``model.summary()``'s) and ``features`` (the layer types and arguments
drawn, to group differences).

``--all-types`` (another random stream) adds the rest of the catalogue's types that Keras 3.15.1
has: keras.ops operations (arithmetic, comparisons, logical, any; their output shapes are
compared too), RNN over cells, ConvNeXt's LayerScale and StochasticDepth, CustomScaleLayer,
GaussianDropout, AlphaDropout, Discretization, every image augmentation layer, audio inputs
(MelSpectrogram, STFTSpectrogram), integer and string inputs (Hashing, HashedCrossing,
IntegerLookup, StringLookup, TextVectorization). The lookup and hashing layers need TensorFlow
installed beside Keras (any backend; without it they are never drawn, and the stream differs):
``pip install keras==3.15.1 tensorflow-cpu jax==0.10.2 scipy`` (Keras's numpy backend imports
jax and scipy).

``coverage`` (under ParamLab) counts, per catalogue type, the layers of that type in the
generated models (wrapped and nested layers included), and lists apart the types Keras 3.15.1
does not have (``NOT_APPLICABLE``); it exits 1 when a type Keras has is missing.

``compare`` runs under ParamLab: each config goes through ``core.io.keras_import`` and
``core.cli``'s JSON summary, and every layer's output shape(s) and counts and the totals are
compared with Keras's. It prints how many models agree, differ, or are refused by ParamLab
(exit 3 or 1, with its message), then the differences grouped by layer type, and exits 1 when
any model differs. Models that agree but differ from Keras's reload of the same JSON (Keras's
own quirks, which ParamLab does not copy) are counted apart.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

# ------------------------------------------------------------------------ generate (Keras)
CF, CL = "channels_first", "channels_last"


def _gen_layers(L: Any, rng: random.Random, functional: bool,
                wide: bool = False) -> dict[int, list[Callable[[tuple], Any]]]:
    """Layer factories by input rank (without the batch axis): f(shape) -> layer."""
    ch = rng.choice
    b = lambda: rng.random() < 0.5
    units = lambda: rng.randint(1, 9)
    pad = lambda: ch(["valid", "same"])
    df = lambda: ch([CL, CF])

    def conv(rank: int, kind: str) -> Callable[[tuple], Any]:
        def make(shape: tuple) -> Any:
            k = tuple(rng.randint(1, 3) for _ in range(rank))
            strides = tuple(rng.randint(1, 2) for _ in range(rank)) if rng.random() < 0.4 else 1
            dil = 1
            if strides == 1 and rng.random() < 0.3:
                dil = rng.randint(1, 2)
            common = {"kernel_size": k, "strides": strides, "padding": pad(),
                      "data_format": df(), "use_bias": b()}
            if kind == "conv":
                cls = {1: L.Conv1D, 2: L.Conv2D, 3: L.Conv3D}[rank]
                return cls(units(), dilation_rate=dil, **common)
            if kind == "causal":
                return L.Conv1D(units(), kernel_size=k, strides=strides, dilation_rate=dil,
                                padding="causal", use_bias=b())
            if kind == "transpose":
                cls = {1: L.Conv1DTranspose, 2: L.Conv2DTranspose, 3: L.Conv3DTranspose}[rank]
                extra = {}
                if rng.random() < 0.2:
                    extra["output_padding"] = 0 if strides == 1 else tuple(
                        rng.randint(0, max(0, s - 1)) for s in (strides,) * rank) \
                        if isinstance(strides, int) else tuple(
                            rng.randint(0, s - 1) for s in strides)
                return cls(units(), dilation_rate=dil, **common, **extra)
            if kind == "separable":
                cls = {1: L.SeparableConv1D, 2: L.SeparableConv2D}[rank]
                return cls(units(), depth_multiplier=rng.randint(1, 3), dilation_rate=dil,
                           **common)
            if kind == "depthwise":
                cls = {1: L.DepthwiseConv1D, 2: L.DepthwiseConv2D}[rank]
                return cls(depth_multiplier=rng.randint(1, 3), dilation_rate=dil, **common)
            raise ValueError(kind)
        return make

    def grouped_conv(rank: int) -> Callable[[tuple], Any]:
        def make(shape: tuple) -> Any:
            data_format = df()
            cin = shape[0] if data_format == CF else shape[-1]
            divisors = [g for g in range(1, cin + 1) if cin % g == 0]
            g = ch(divisors)
            cls = {1: L.Conv1D, 2: L.Conv2D, 3: L.Conv3D}[rank]
            return cls(g * rng.randint(1, 3), rng.randint(1, 3), groups=g,
                       data_format=data_format, padding=pad(), use_bias=b())
        return make

    def pool(rank: int, kind: str) -> Callable[[tuple], Any]:
        def make(shape: tuple) -> Any:
            name = {"max": "MaxPooling", "avg": "AveragePooling"}[kind]
            cls = getattr(L, f"{name}{rank}D")
            p = tuple(rng.randint(1, 3) for _ in range(rank))
            strides = None if b() else tuple(rng.randint(1, 3) for _ in range(rank))
            return cls(pool_size=p, strides=strides, padding=pad(), data_format=df())
        return make

    def gpool(rank: int) -> Callable[[tuple], Any]:
        def make(shape: tuple) -> Any:
            cls = getattr(L, f"Global{ch(['Max', 'Average'])}Pooling{rank}D")
            return cls(data_format=df(), keepdims=rng.random() < 0.3)
        return make

    def adaptive(rank: int) -> Callable[[tuple], Any]:
        def make(shape: tuple) -> Any:
            cls = getattr(L, f"Adaptive{ch(['Max', 'Average'])}Pooling{rank}D")
            return cls(tuple(rng.randint(1, 3) for _ in range(rank)), data_format=df())
        return make

    def reshape_family(rank: int, kind: str) -> Callable[[tuple], Any]:
        def make(shape: tuple) -> Any:
            if kind == "crop":
                cls = getattr(L, f"Cropping{rank}D")
                arg = tuple((rng.randint(0, 1), rng.randint(0, 1)) for _ in range(rank))
                return cls(arg[0] if rank == 1 else arg, **({} if rank == 1 else
                                                             {"data_format": df()}))
            if kind == "pad":
                cls = getattr(L, f"ZeroPadding{rank}D")
                arg = tuple((rng.randint(0, 2), rng.randint(0, 2)) for _ in range(rank))
                return cls(arg[0] if rank == 1 else arg, data_format=df())
            cls = getattr(L, f"UpSampling{rank}D")
            if rank == 1:
                return cls(rng.randint(1, 3))
            extra = {"interpolation": ch(["nearest", "bilinear"])} if rank == 2 else {}
            return cls(tuple(rng.randint(1, 2) for _ in range(rank)), data_format=df(),
                       **extra)
        return make

    def norm(shape: tuple) -> Any:
        rank = len(shape)
        kind = ch(["bn", "ln", "gn", "rms", "unit"])
        axes = list(range(-rank, 0))
        if kind == "bn":
            return L.BatchNormalization(axis=ch(axes), center=b(), scale=b())
        if kind == "ln":
            if rank > 1 and rng.random() < 0.3:
                axis = sorted(rng.sample(axes, 2))
            else:
                axis = ch(axes)
            return L.LayerNormalization(axis=axis, center=b(), scale=b(),
                                        rms_scaling=rng.random() < 0.2)
        if kind == "gn":
            axis = ch(axes)
            c = shape[axis]
            return L.GroupNormalization(groups=ch([g for g in range(1, c + 1) if c % g == 0]),
                                        axis=axis, center=b(), scale=b())
        if kind == "rms":
            return L.RMSNormalization(axis=ch(axes))
        return L.UnitNormalization(axis=ch(axes))

    def dense(shape: tuple) -> Any:
        return L.Dense(units(), use_bias=b())

    def einsum(shape: tuple) -> Any:
        rank = len(shape)
        if rank == 1:
            return L.EinsumDense("ab,bc->ac", output_shape=units(), bias_axes=ch([None, "c"]))
        if rank == 2:
            eq, out, biases = ch([
                ("abc,cd->abd", (shape[0], units()), [None, "d"]),
                ("abc,cde->abde", (shape[0], units(), units()), [None, "de", "e", "d"]),
                ("abc,cd->abd", (None, units()), [None, "d"]),
            ])
            return L.EinsumDense(eq, output_shape=out, bias_axes=ch(biases))
        return L.Dense(units(), use_bias=b())

    def rnn(shape: tuple) -> Any:
        cls = ch([L.LSTM, L.GRU, L.SimpleRNN])
        kw: dict[str, Any] = {"return_sequences": b(), "use_bias": b()}
        if rng.random() < 0.25:
            kw["return_state"] = True
            if wide and functional and rng.random() < 0.5:
                # Bidirectional with return_state: output, then forward and backward states
                return L.Bidirectional(cls(units(), **kw),
                                       merge_mode=ch(["concat", "sum", "mul", "ave"]))
        if cls is L.GRU and b():
            kw["reset_after"] = b()
        if cls is L.LSTM and rng.random() < 0.2:
            kw["unit_forget_bias"] = b()
        if rng.random() < 0.2:
            kw["go_backwards"] = True
        layer = cls(units(), **kw)
        if rng.random() < 0.3:
            modes = ["concat", "sum", "mul", "ave"] + ([None] if functional else [])
            return L.Bidirectional(layer, merge_mode=ch(modes))
        return layer

    def convlstm(rank: int) -> Callable[[tuple], Any]:
        def make(shape: tuple) -> Any:
            cls = getattr(L, f"ConvLSTM{rank}D")
            return cls(units(), rng.randint(1, 3), padding=pad(), data_format=df(),
                       return_sequences=b(), use_bias=b(), strides=rng.randint(1, 2))
        return make

    def td(shape: tuple) -> Any:
        inner_rank = len(shape) - 1
        if inner_rank == 1:
            inner = L.Dense(units(), use_bias=b())
        elif inner_rank == 2:
            inner = ch([L.Conv1D(units(), 2, use_bias=b()), L.LayerNormalization(),
                        L.Flatten()])
        else:
            inner = ch([L.Conv2D(units(), 2, use_bias=b()), L.MaxPooling2D(),
                        L.BatchNormalization()])
        return L.TimeDistributed(inner)

    def mha(shape: tuple) -> Any:
        kw: dict[str, Any] = {"num_heads": rng.randint(1, 3), "key_dim": rng.randint(1, 5),
                              "use_bias": b()}
        if b():
            kw["value_dim"] = rng.randint(1, 5)
        if rng.random() < 0.3:
            kw["output_shape"] = units()
        return L.MultiHeadAttention(**kw)

    def gqa(shape: tuple) -> Any:
        kv = rng.randint(1, 2)
        return L.GroupQueryAttention(head_dim=rng.randint(1, 4), num_query_heads=kv * 2,
                                     num_key_value_heads=kv, use_bias=b())

    def attention(shape: tuple) -> Any:
        if b():
            return L.Attention(use_scale=b(), score_mode=ch(["dot", "concat"]))
        return L.AdditiveAttention(use_scale=b())

    def flat_like(shape: tuple) -> Any:
        kind = ch(["flatten", "reshape", "permute", "dropout", "act", "prelu", "rescale"])
        if kind == "flatten":
            return L.Flatten()
        if kind == "reshape":
            n = 1
            for d in shape:
                n *= d
            divs = [d for d in range(1, n + 1) if n % d == 0]
            d = ch(divs)
            target = ch([(n,), (d, n // d), (-1, d)])
            return L.Reshape(target)
        if kind == "permute":
            dims = list(range(1, len(shape) + 1))
            rng.shuffle(dims)
            return L.Permute(tuple(dims))
        if kind == "dropout":
            return ch([L.Dropout(0.2), L.GaussianNoise(0.1), L.ActivityRegularization(),
                       L.Identity()])
        if kind == "act":
            return ch([L.Activation("relu"), L.ReLU(), L.LeakyReLU(), L.ELU(), L.Softmax()])
        if kind == "prelu":
            shared = None
            if len(shape) > 1 and b():
                shared = sorted(rng.sample(range(1, len(shape) + 1),
                                           rng.randint(1, len(shape) - 1)))
            return L.PReLU(shared_axes=shared)
        return L.Rescaling(1 / 255.0)

    def repeat(shape: tuple) -> Any:
        return L.RepeatVector(rng.randint(1, 4))

    def spatial_dropout(shape: tuple) -> Any:
        return getattr(L, f"SpatialDropout{len(shape) - 1}D")(0.2)

    def image_pre(shape: tuple) -> Any:
        data_format = df()
        kind = ch(["resize", "crop", "center", "flip", "zoom"])
        if kind == "resize":
            return L.Resizing(rng.randint(2, 9), rng.randint(2, 9), data_format=data_format)
        if kind == "crop":
            return L.RandomCrop(rng.randint(2, 6), rng.randint(2, 6), data_format=data_format)
        if kind == "center":
            return L.CenterCrop(rng.randint(2, 6), rng.randint(2, 6), data_format=data_format)
        if kind == "zoom":
            return L.RandomZoom(0.1, data_format=data_format)
        return L.RandomFlip(data_format=data_format)

    def extras(shape: tuple) -> Any:
        rank = len(shape)
        kind = ch(["lora", "spectral", "renorm", "normalization", "masking", "dot_mha"])
        if kind == "lora":
            return L.Dense(units(), use_bias=b(), lora_rank=rng.randint(1, 3))
        if kind == "spectral":
            inner = (L.Dense(units(), use_bias=b()) if rank < 2 or b() else
                     L.Conv1D(units(), 2, use_bias=b()) if rank == 2 else
                     L.Conv2D(units(), 2, use_bias=b()) if rank == 3 else
                     L.Dense(units()))
            return L.SpectralNormalization(inner, power_iterations=rng.randint(1, 2))
        if kind == "renorm":
            return L.BatchNormalization(axis=ch(list(range(-rank, 0))), renorm=True,
                                        center=b(), scale=b())
        if kind == "normalization":
            if b():
                return L.Normalization(axis=-1, mean=[0.5] * shape[-1],
                                       variance=[2.0] * shape[-1])
            return L.Normalization(axis=ch([-1, None] + list(range(-rank, 0))))
        if kind == "masking":
            return L.Masking(0.0)
        if rank >= 2:
            return L.MultiHeadAttention(num_heads=rng.randint(1, 2), key_dim=2,
                                        attention_axes=ch([None, (1,)] if rank == 2 else
                                                          [(1,), (2,), (1, 2)]))
        return L.Dense(units())

    return {
        1: [dense, dense, einsum, norm, flat_like, repeat, extras],
        2: [dense, einsum, norm, flat_like, conv(1, "conv"), conv(1, "conv"),
            conv(1, "causal"), conv(1, "transpose"), conv(1, "separable"),
            conv(1, "depthwise"), grouped_conv(1), pool(1, "max"), pool(1, "avg"), gpool(1),
            adaptive(1), reshape_family(1, "crop"), reshape_family(1, "pad"),
            reshape_family(1, "up"), rnn, rnn, rnn, td, mha, gqa, attention, spatial_dropout,
            extras],
        3: [dense, norm, flat_like, conv(2, "conv"), conv(2, "conv"), conv(2, "transpose"),
            conv(2, "separable"), conv(2, "depthwise"), grouped_conv(2), pool(2, "max"),
            pool(2, "avg"), gpool(2), adaptive(2), reshape_family(2, "crop"),
            reshape_family(2, "pad"), reshape_family(2, "up"), convlstm(1), td,
            spatial_dropout, image_pre, mha, extras],
        4: [dense, norm, flat_like, conv(3, "conv"), conv(3, "transpose"), grouped_conv(3),
            pool(3, "max"), pool(3, "avg"), gpool(3), adaptive(3), reshape_family(3, "crop"),
            reshape_family(3, "pad"), reshape_family(3, "up"), convlstm(2), td,
            spatial_dropout, extras],
        **({5: [convlstm(3), dense, norm, flat_like]} if wide else {}),
    }


def _gen_all_types(L: Any, rng: random.Random,
                   functional: bool) -> dict[int, list[Callable[[tuple], Any]]]:
    """The layer factories ``--all-types`` adds (by input rank), so that every catalogue
    type Keras 3.15.1 can build appears: ConvNeXt's LayerScale and StochasticDepth
    (keras.src.applications.convnext), GaussianDropout, AlphaDropout, RNN over cells,
    Discretization and every image preprocessing layer, with random valid arguments."""
    from keras.src.applications import convnext

    ch = rng.choice
    b = lambda: rng.random() < 0.5
    units = lambda: rng.randint(1, 9)
    df = lambda: ch([CL, CF])

    def any_rank(shape: tuple) -> Any:
        kind = ch(["scale", "depth", "gdrop", "adrop", "disc"])
        if kind == "scale":
            # projection_dim: the features, or 1 (broadcasts) now and then
            return convnext.LayerScale(ch([1e-6, 0.1]), ch([shape[-1]] * 3 + [1]))
        if kind == "depth":
            return convnext.StochasticDepth(ch([0.0, 0.1, 0.5]))
        if kind == "gdrop":
            return L.GaussianDropout(ch([0.1, 0.5]))
        if kind == "adrop":
            extra = {}
            if b():
                extra["noise_shape"] = [None] + [ch([1, d]) for d in shape]
            return L.AlphaDropout(ch([0.1, 0.5]), **extra)
        bounds = sorted(rng.sample([-1.0, 0.0, 0.5, 1.0, 2.0], rng.randint(1, 4)))
        mode = ch(["int", "int", "one_hot", "multi_hot", "count"])
        return L.Discretization(bin_boundaries=bounds, output_mode=mode)

    def rnn_cell(shape: tuple) -> Any:
        cells = [ch([L.LSTMCell, L.GRUCell, L.SimpleRNNCell])(units(), use_bias=b())
                 for _ in range(ch([1, 1, 2]))]
        kw: dict[str, Any] = {"return_sequences": b(), "go_backwards": rng.random() < 0.2}
        if functional and rng.random() < 0.25:
            kw["return_state"] = True
        layer = L.RNN(cells[0] if len(cells) == 1 and b() else cells, **kw)
        if rng.random() < 0.2 and not kw.get("return_state"):
            return L.Bidirectional(layer, merge_mode=ch(["concat", "sum"]))
        return layer

    vr = lambda: ch([(0, 255), (0, 1)])
    image = {
        "RandomRotation": lambda: L.RandomRotation(ch([0.1, (-0.2, 0.3)]),
                                                   fill_mode=ch(["reflect", "constant"])),
        "RandomTranslation": lambda: L.RandomTranslation(0.1, ch([0.1, (-0.2, 0.2)])),
        "RandomContrast": lambda: L.RandomContrast(ch([0.1, 0.5])),
        "RandomBrightness": lambda: L.RandomBrightness(ch([0.1, (-0.2, 0.3)])),
        "AugMix": lambda: L.AugMix(value_range=vr(), num_chains=rng.randint(1, 3),
                                   chain_depth=rng.randint(1, 3)),
        "AutoContrast": lambda: L.AutoContrast(value_range=vr()),
        "ContrastLimitedAdaptiveHistogramEqualization": lambda:
            L.ContrastLimitedAdaptiveHistogramEqualization(value_range=(0, 255)),
        "CutMix": lambda: L.CutMix(ch([0.5, 1.0])),
        "MixUp": lambda: L.MixUp(ch([0.2, 0.5])),
        "RandAugment": lambda: L.RandAugment(value_range=vr(), num_ops=rng.randint(1, 3)),
        "RandomColorDegeneration": lambda: L.RandomColorDegeneration(ch([0.2, 0.5])),
        "RandomColorJitter": lambda: L.RandomColorJitter(
            brightness_factor=ch([None, 0.2]), contrast_factor=ch([None, 0.5])),
        "RandomElasticTransform": lambda: L.RandomElasticTransform(ch([0.5, 1.0])),
        "RandomErasing": lambda: L.RandomErasing(ch([0.5, 1.0])),
        "RandomGaussianBlur": lambda: L.RandomGaussianBlur(kernel_size=ch([3, 5])),
        "RandomGrayscale": lambda: L.RandomGrayscale(ch([0.2, 0.5])),
        "RandomHue": lambda: L.RandomHue(ch([0.2, 0.5]), value_range=vr()),
        "RandomInvert": lambda: L.RandomInvert(ch([0.5, 1.0]), value_range=vr()),
        "RandomPerspective": lambda: L.RandomPerspective(ch([0.5, 1.0])),
        "RandomPosterization": lambda: L.RandomPosterization(ch([1, 4, (2, 6)])),
        "RandomSaturation": lambda: L.RandomSaturation(ch([0.2, 0.5])),
        "RandomSharpness": lambda: L.RandomSharpness(ch([0.2, 0.5])),
        "RandomShear": lambda: L.RandomShear(ch([0.1, 0.3]), ch([0.0, 0.2])),
        "Solarization": lambda: L.Solarization(ch([0.0, 0.5]), ch([0.0, 0.5])),
        "MaxNumBoundingBoxes": lambda: L.MaxNumBoundingBoxes(rng.randint(1, 5)),
    }
    takes_df = {"RandomRotation", "RandomTranslation", "RandomBrightness", "AugMix",
                "CutMix", "MixUp", "RandAugment", "RandomColorDegeneration",
                "RandomColorJitter", "RandomElasticTransform", "RandomErasing",
                "RandomGaussianBlur", "RandomGrayscale", "RandomHue", "RandomInvert",
                "RandomPerspective", "RandomPosterization", "RandomSaturation",
                "RandomSharpness", "RandomShear"}

    def image_all(shape: tuple) -> Any:
        name = ch(sorted(image))
        layer = image[name]()
        if name in takes_df and b():
            # data_format is not among every layer's arguments: rebuild with it
            cfg = layer.get_config()
            cfg["data_format"] = df()
            layer = type(layer).from_config(cfg)
        return layer

    return {1: [any_rank], 2: [any_rank, rnn_cell, rnn_cell], 3: [any_rank, *[image_all] * 5],
            4: [any_rank], 5: [any_rank]}


def _special_start(keras: Any, L: Any, rng: random.Random,
                   functional: bool) -> tuple[Any, Any, Any] | None:
    """``--all-types``: (input, first layer, its output) for inputs other than floats of
    small shapes: audio (MelSpectrogram, STFTSpectrogram), integer tokens (Hashing,
    IntegerLookup, HashedCrossing) and strings (StringLookup, TextVectorization, Hashing).
    The lookup and hashing layers need TensorFlow installed (under any backend)."""
    ch = rng.choice
    kind = ch(["mel", "stft", "hashing", "integer", "crossing", "string", "text"])
    if kind == "mel":
        inp = keras.Input((rng.randint(64, 600),))
        fft = ch([32, 64, 128])
        first = L.MelSpectrogram(fft_length=fft, sequence_stride=rng.randint(8, 64),
                                 sequence_length=ch([None, fft // 2, fft]),
                                 num_mel_bins=rng.randint(4, 32),
                                 power_to_db=rng.random() < 0.5)
    elif kind == "stft":
        inp = keras.Input((rng.randint(64, 600), rng.randint(1, 2)))
        frame = ch([16, 32, 64])
        first = L.STFTSpectrogram(
            mode=ch(["log", "magnitude", "psd", "real", "imag", "angle", "stft"]),
            frame_length=frame, frame_step=ch([None, rng.randint(4, frame)]),
            fft_length=ch([None, frame, 2 * frame]), padding=ch(["valid", "same"]),
            expand_dims=rng.random() < 0.3, data_format=ch([CL, CF]))
    elif kind == "hashing":
        inp = keras.Input((rng.randint(1, 6),), dtype=ch(["int32", "string"]))
        first = L.Hashing(rng.randint(2, 20),
                          output_mode=ch(["int", "one_hot", "multi_hot", "count"]))
    elif kind == "integer":
        inp = keras.Input((rng.randint(1, 6),), dtype="int64")
        vocab = sorted(rng.sample(range(1, 50), rng.randint(1, 8)))
        first = L.IntegerLookup(vocabulary=vocab, num_oov_indices=rng.randint(0, 2),
                                output_mode=ch(["int", "one_hot", "multi_hot", "count"]),
                                invert=False)
    elif kind == "crossing":
        if not functional:
            return None
        n = rng.randint(1, 4)
        inp = [keras.Input((n,), dtype="int64"), keras.Input((n,), dtype="int64")]
        first = L.HashedCrossing(rng.randint(2, 20), output_mode=ch(["int", "one_hot"]))
        return inp, first, first(inp)
    elif kind == "string":
        inp = keras.Input((rng.randint(1, 6),), dtype="string")
        vocab = rng.sample(["a", "b", "c", "d", "e", "f"], rng.randint(1, 5))
        first = L.StringLookup(vocabulary=vocab,
                               output_mode=ch(["int", "one_hot", "multi_hot", "count"]))
    else:
        inp = keras.Input(ch([(1,), ()]), dtype="string")
        vocab = rng.sample(["a", "b", "c", "d", "e", "f"], rng.randint(1, 5))
        mode = ch(["int", "int", "multi_hot", "count", "tf_idf"])
        kw: dict[str, Any] = {"vocabulary": vocab, "output_mode": mode}
        if mode == "int":
            kw["output_sequence_length"] = ch([None, rng.randint(1, 8)])
        if mode == "tf_idf":
            kw["idf_weights"] = [1.0] * len(vocab)
        if rng.random() < 0.3:
            kw["ngrams"] = 2
        first = L.TextVectorization(**kw)
    return inp, first, first(inp)


def _op_step(keras: Any, rng: random.Random, x: Any) -> tuple[Any, list, list[str]]:
    """``--all-types``, Functional: a Keras 3 operation on x (keras.ops: arithmetic goes
    on, comparisons and logical ops become extra outputs). (new x, extra outputs,
    features); the other operand is x, a constant, or Dense(1)(x) (broadcast)."""
    ops = keras.ops
    ch = rng.choice
    other_kind = ch(["self", "constant", "broadcast"])
    other = {"self": lambda: x, "constant": lambda: ch([0.5, 2.0]),
             "broadcast": lambda: keras.layers.Dense(1)(x)}[other_kind]()
    name = ch(["add", "subtract", "multiply", "true_divide", "power", "equal", "not_equal",
               "greater", "greater_equal", "less", "less_equal", "logical"])
    features = [f"op {name} {other_kind}"]
    if name == "logical":
        y = getattr(ops, ch(["logical_and", "logical_or"]))(ops.greater(x, 0.0),
                                                            ops.less(x, other))
    else:
        y = getattr(ops, name)(x, other)
    if y.dtype == "bool":
        if rng.random() < 0.3:
            axis = rng.randrange(1, len(y.shape)) if len(y.shape) > 1 else -1
            y = ops.any(y, axis=axis, keepdims=rng.random() < 0.5)
            features.append("op any")
        return x, [y], features
    return y, [], features


def _features(layer: Any) -> list[str]:
    """The layer's type and the arguments drawn, for grouping differences."""
    cfg = layer.get_config()
    keep = ("use_bias", "data_format", "padding", "strides", "dilation_rate", "groups", "axis",
            "center", "scale", "return_sequences", "return_state", "reset_after", "merge_mode",
            "depth_multiplier", "keepdims", "trainable", "output_padding", "rms_scaling",
            "interpolation", "shared_axes", "score_mode", "use_scale", "bias_axes",
            "equation", "output_shape", "value_dim")
    out = [type(layer).__name__]
    for k in keep:
        if k in cfg:
            out.append(f"{type(layer).__name__}.{k}={json.dumps(cfg[k])}")
    inner = getattr(layer, "layer", None) or getattr(layer, "forward_layer", None)
    if inner is not None:
        out += [f"{type(layer).__name__}>{f}" for f in _features(inner)]
    return out


def _shape(t: Any) -> list:
    return list(t.shape)


def _figures(model: Any) -> dict[str, Any]:
    layers = []
    for layer in model.layers:
        outs = layer._inbound_nodes[-1].output_tensors
        shape = _shape(outs[0]) if len(outs) == 1 else [_shape(t) for t in outs]
        tr = sum(_size(w) for w in layer.trainable_weights)
        nt = sum(_size(w) for w in layer.non_trainable_weights)
        layers.append({"name": layer.name, "class_name": type(layer).__name__,
                       "output_shape": shape, "trainable": tr, "non_trainable": nt})
    # totals: the layers' sums, as the reference files define them (REFERENCE.md);
    # model_totals: model.trainable_weights / non_trainable_weights, which model.summary()
    # prints. In a model rebuilt from JSON they differ when a layer built from a config
    # with trainable=False owns sub-layers (MultiHeadAttention's EinsumDense, a recurrent
    # layer's cell): its own trainable_weights are empty, but its sub-layers' variables
    # keep trainable=True (the trainable setter would have frozen them), and a model
    # collects variables by their flag, a nested model included.
    # the operations a Functional model calls (keras.ops, masks): output shapes only
    import keras

    operations = []
    for op in getattr(model, "operations", []):
        if isinstance(op, keras.layers.Layer) or not getattr(op, "_inbound_nodes", None):
            continue
        outs = op._inbound_nodes[-1].output_tensors
        operations.append({"name": op.name, "class_name": type(op).__name__,
                           "output_shape": _shape(outs[0]) if len(outs) == 1 else
                           [_shape(t) for t in outs]})
    tr = sum(layer["trainable"] for layer in layers)
    nt = sum(layer["non_trainable"] for layer in layers)
    mtr = sum(_size(w) for w in model.trainable_weights)
    mnt = sum(_size(w) for w in model.non_trainable_weights)
    return {"layers": layers, "operations": operations, "totals": {"trainable": tr, "non_trainable": nt, "total": tr + nt},
            "model_totals": {"trainable": mtr, "non_trainable": mnt, "total": mtr + mnt}}


def _size(w: Any) -> int:
    n = 1
    for d in w.shape:
        n *= int(d)
    return n


def _random_input_shape(rng: random.Random, wide: bool = False) -> tuple:
    rank = rng.choice([1, 2, 2, 3, 3, 4] + ([2, 3, 5] if wide else []))
    shape = [rng.randint(2, 9) if i < rank - 1 else rng.randint(1, 6) for i in range(rank)]
    if wide and rank > 1 and rng.random() < 0.3:
        shape[rng.randrange(rank - 1)] = None  # a variable length (not the features)
    return tuple(shape)


def _nested(keras: Any, rng: random.Random, factories: dict, x: Any) -> Any:
    """(sub-model, its output on x): 1 to 3 layers as a nested Sequential or Functional
    model, frozen now and then; None when Keras refuses every draw."""
    inner = keras.Input(tuple(x.shape[1:]))
    y, layers = inner, []
    for _ in range(rng.randint(1, 3)):
        pool = factories.get(len(y.shape) - 1)
        got = _try_apply(rng.choice(pool), y, rng, keras) if pool else None
        if not got or isinstance(got[1], (list, tuple)):
            break
        layers.append(got[0])
        y = got[1]
    if not layers:
        return None
    try:
        if rng.random() < 0.5:
            sub = keras.Model(inner, y)
        else:
            sub = keras.Sequential([keras.Input(tuple(x.shape[1:])), *layers])
        if rng.random() < 0.2:
            sub.trainable = False
        return sub, sub(x)
    except Exception:  # noqa: BLE001 - Keras refuses this sub-model
        return None


def _try_apply(make: Callable, x: Any, rng: random.Random, keras: Any) -> Any:
    """(layer, output) of one factory on tensor x, or None when Keras refuses it."""
    try:
        layer = make(tuple(x.shape[1:]))
        freeze = rng.random() < 0.12
        if type(layer).__name__ in ("MultiHeadAttention", "GroupedQueryAttention"):
            y = layer(x, x)
        elif type(layer).__name__ in ("Attention", "AdditiveAttention"):
            y = layer([x, x])
        else:
            y = layer(x)
    except Exception:  # noqa: BLE001 - Keras refuses this draw: try another
        return None
    if freeze:
        # frozen once built, as a user freezes a layer: the setter then freezes the
        # sub-layers a layer makes in build() (MultiHeadAttention's projections, a recurrent
        # layer's cell) too; frozen before, their variables would stay trainable
        layer.trainable = False
    ys = y if isinstance(y, (list, tuple)) else [y]
    for t in ys:
        if any(d is not None and (d <= 0 or d > 4096) for d in t.shape[1:]):
            return None
    return layer, y


def _merge(L: Any, rng: random.Random, a: Any, c: Any, all_types: bool = False) -> Any:
    """A merge of tensors a and c that Keras accepts, or None."""
    choices = []
    if a.shape == c.shape:
        choices += [L.Add(), L.Subtract(), L.Multiply(), L.Average(), L.Maximum(), L.Minimum()]
        if all_types:
            # keras.applications.inception_resnet_v2's a + b·scale
            from keras.src.applications.inception_resnet_v2 import CustomScaleLayer
            choices.append(CustomScaleLayer(rng.choice([0.17, 1.0])))
    if len(a.shape) == len(c.shape):
        choices.append(L.Concatenate(axis=rng.choice([-1, 1])))
    if len(a.shape) in (2, 3) and a.shape == c.shape:
        axes = 1 if len(a.shape) == 2 else rng.choice([1, 2, (1, 1), (2, 2), (1, 2), (2, 1)])
        choices.append(L.Dot(axes=axes, normalize=rng.random() < 0.5))
    rng.shuffle(choices)
    for m in choices:
        try:
            return m([a, c])
        except Exception:  # noqa: BLE001, S112 - Keras refuses: try the next merge
            continue
    return None


def build_model(keras: Any, rng: random.Random, index: int, wide: bool = False,
                all_types: bool = False) -> tuple[Any, list[str]] | None:
    """One random model and the features drawn, or None when nothing valid came out.
    ``wide`` adds variable-length axes, rank-5 inputs (ConvLSTM3D), nested models, a
    second input and Bidirectional with return_state; ``all_types`` adds the rest of the
    catalogue's types (:func:`_gen_all_types`, :func:`_special_start`, :func:`_op_step`,
    CustomScaleLayer among the merges). Each flag gives a different random stream; with
    neither, the stream is the one of the first version."""
    L = keras.layers
    functional = rng.random() < 0.6
    factories = _gen_layers(L, rng, functional, wide)
    if all_types:
        for rank, more in _gen_all_types(L, rng, functional).items():
            factories.setdefault(rank, []).extend(more)
    features: list[str] = ["Functional" if functional else "Sequential"]
    seq_layers = []
    special = None
    if all_types and rng.random() < 0.15:
        try:
            special = _special_start(keras, L, rng, functional)
        except Exception:  # noqa: BLE001 - Keras refuses this draw (or lacks TensorFlow)
            return None
        if special is None:
            return None
    if special is not None:
        inp, first, x = special
        shape = tuple(inp.shape[1:]) if not isinstance(inp, list) else None
        if rng.random() < 0.12:
            first.trainable = False
        features += _features(first)
        seq_layers.append(first)
        if isinstance(inp, list) and not functional:
            return None
    elif rng.random() < 0.15:
        # integer tokens first: Embedding (mask_zero adds Keras's NotEqual op to a Functional
        # config), ReversibleEmbedding or CategoryEncoding
        shape = (rng.randint(2, 9),)
        inp = keras.Input(shape, dtype="int32")
        kind = rng.choice(["embedding", "embedding", "reversible", "category"])
        if kind == "embedding":
            first = L.Embedding(rng.randint(2, 30), rng.randint(1, 8),
                                mask_zero=rng.random() < 0.3,
                                **({"lora_rank": 2} if rng.random() < 0.2 else {}))
        elif kind == "reversible":
            first = L.ReversibleEmbedding(rng.randint(2, 30), rng.randint(1, 8),
                                          tie_weights=rng.random() < 0.5)
        else:
            first = L.CategoryEncoding(num_tokens=rng.randint(2, 30),
                                       output_mode=rng.choice(["multi_hot", "count"]))
        freeze = rng.random() < 0.12
        try:
            x = first(inp)
        except Exception:  # noqa: BLE001 - Keras refuses this draw
            return None
        if freeze:
            first.trainable = False
        features += _features(first)
        seq_layers.append(first)
    else:
        shape = _random_input_shape(rng, wide)
        if all_types and len(shape) == 3 and rng.random() < 0.5:
            # an RGB image, channels last or first (the colour layers need 3 channels)
            shape = (*shape[:2], 3) if rng.random() < 0.5 else (3, *shape[1:])
        inp = keras.Input(shape)
        x = inp
    outputs = []
    second = (keras.Input(shape) if wide and functional and special is None
              and rng.random() < 0.2 else None)
    steps = rng.randint(1, 6)
    for _ in range(steps):
        rank = len(x.shape) - 1
        pool = factories.get(rank)
        if not pool:
            break
        if all_types and functional and rng.random() < 0.12:
            try:
                x, extra, feats = _op_step(keras, rng, x)
            except Exception:  # noqa: BLE001, S112 - Keras refuses this operation
                continue
            outputs += extra
            features += feats
            continue
        if wide and functional and rng.random() < 0.12:
            got = _nested(keras, rng, factories, x)
            if got:
                features.append("nested " + type(got[0]).__name__)
                seq_layers.append(got[0])
                x = got[1]
                continue
        if functional and rng.random() < 0.25:
            got = [_try_apply(rng.choice(pool), x, rng, keras) for _ in range(2)]
            if all(got):
                m = None
                for a_, c_ in [(got[0][1], got[1][1])]:
                    if isinstance(a_, (list, tuple)) or isinstance(c_, (list, tuple)):
                        continue
                    m = _merge(L, rng, a_, c_, all_types)
                if m is not None:
                    features += _features(got[0][0]) + _features(got[1][0]) + ["merge"]
                    x = m
                    continue
        for _attempt in range(6):
            got = _try_apply(rng.choice(pool), x, rng, keras)
            if got:
                break
        else:
            continue
        layer, y = got
        features += _features(layer)
        if isinstance(y, (list, tuple)):
            if not functional:
                return None
            outputs += list(y[1:])
            y = y[0]
        if functional and rng.random() < 0.08 and len(y.shape) == len(x.shape) \
                and y.shape == x.shape:
            # a shared layer: the same layer again on its own output
            try:
                y = layer(y)
                features.append("shared")
            except Exception:  # noqa: BLE001, S110 - not shareable here
                pass
        seq_layers.append(layer)
        x = y
    if not seq_layers:
        return None
    inputs = inp
    if second is not None:
        pool = factories.get(len(second.shape) - 1) or []
        got = _try_apply(rng.choice(pool), second, rng, keras) if pool else None
        if got and not isinstance(got[1], (list, tuple)):
            features += _features(got[0]) + ["second input"]
            m = _merge(L, rng, x, got[1], all_types)
            if m is None:
                outputs.append(got[1])
            else:
                x = m
            inputs = [inp, second]
    if functional:
        model = keras.Model(inputs, [x, *outputs] if outputs else x, name=f"oracle_{index}")
    else:
        first_input = (keras.Input(shape) if special is None else
                       keras.Input(shape, dtype=inp.dtype))
        model = keras.Sequential([first_input, *seq_layers], name=f"oracle_{index}")
    return model, features


def generate(out: Path, models: int, seed: int, wide: bool = False,
             all_types: bool = False) -> None:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    import warnings

    import keras
    warnings.filterwarnings("ignore")
    rng = random.Random(seed)
    kept = tried = 0
    with out.open("w", encoding="utf-8") as f:
        while kept < models:
            tried += 1
            keras.utils.clear_session()
            try:
                built = build_model(keras, rng, kept, wide, all_types)
            except Exception:  # noqa: BLE001, S112 - e.g. Sequential refuses a layer: skip
                continue
            if built is None:
                continue
            model, features = built
            try:
                text = model.to_json()
                figures = _figures(model)
            except Exception:  # noqa: BLE001, S112 - Keras cannot write this model: skip
                continue
            try:
                # Keras's reload of its own JSON, kept apart: Sequential.from_config drops
                # the model's trainable flag (a frozen nested Sequential comes back
                # trainable), and a layer frozen by its config leaves its sub-layers'
                # variables trainable (see _figures)
                loaded = _figures(keras.models.model_from_json(
                    text, custom_objects=_custom_objects()))
            except Exception:  # noqa: BLE001 - Keras cannot rebuild its own JSON
                if not all_types:
                    continue  # the first streams skip these models
                # --all-types keeps them: RandomShear's get_config gives from_config an
                # argument it refuses; the model as built is still Keras's figure
                loaded = None
            f.write(json.dumps({"config": json.loads(text), **figures, "loaded": loaded,
                                "features": sorted(set(features))}) + "\n")
            kept += 1
            if kept % 250 == 0:
                print(f"{kept} models ({tried} drawn)", file=sys.stderr, flush=True)
    print(f"generated {kept} models from {tried} draws (seed {seed}"
          f"{', wide' if wide else ''}{', all types' if all_types else ''}) -> {out}")


def _custom_objects() -> dict[str, Any]:
    """The keras.applications layers --all-types uses (not registered for deserialisation)."""
    from keras.src.applications import convnext, inception_resnet_v2

    return {"LayerScale": convnext.LayerScale, "StochasticDepth": convnext.StochasticDepth,
            "CustomScaleLayer": inception_resnet_v2.CustomScaleLayer}


# ------------------------------------------------------------------------ compare (ParamLab)
def paramlab_figures(config: dict) -> tuple[int, dict | None, str]:
    """(exit status, JSON summary, stderr) of ``paramlab summary`` on ``config``."""
    import io
    import tempfile

    from paramlab.core import cli

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as tmp:
        json.dump(config, tmp)
    try:
        args = cli.build_parser().parse_args(["summary", tmp.name, "--format", "json"])
        out, err = io.StringIO(), io.StringIO()
        status = cli.run(args, out, err)
    finally:
        os.unlink(tmp.name)
    text = out.getvalue()
    return status, (json.loads(text) if text else None), err.getvalue()


def _is_operation(type_name: str) -> bool:
    """An InputLayer or a Keras 3 operation (the catalogue's or an opaque ``ops.*``)."""
    from paramlab.core.catalogue import get_spec

    spec = get_spec(type_name)
    return (type_name == "InputLayer" or type_name.startswith("ops.")
            or (spec is not None and spec.category == "Operations"))


def diff_model(got: dict, ref: dict) -> list[tuple[str, str]]:
    """[(layer type, text)] of every difference between ParamLab's summary and Keras's."""
    problems = []
    rows = {row["name"]: row for row in got["layers"]}
    for layer in ref["layers"]:
        row = rows.pop(layer["name"], None)
        if row is None:
            problems.append((layer["class_name"], f"{layer['name']}: no row"))
            continue
        mine = (row["output_shape"], row["trainable"], row["non_trainable"])
        keras = (layer["output_shape"], layer["trainable"], layer["non_trainable"])
        if mine != keras:
            problems.append((layer["class_name"], (f"{layer['name']}: ParamLab {mine}, "
                                                   f"Keras {keras} {row['error'] or ''}")))
    for op in ref.get("operations", ()):
        # an operation's output shape (keras.ops, masks); its row, if ParamLab makes one
        row = rows.pop(op["name"], None)
        if row is not None and row["output_shape"] != op["output_shape"]:
            problems.append((op["class_name"], (f"{op['name']}: ParamLab "
                                                f"{row['output_shape']}, Keras "
                                                f"{op['output_shape']} {row['error'] or ''}")))
    for name, row in rows.items():
        # model.layers leaves out InputLayer (Sequential) and the operations a Functional
        # config lists as layers (NotEqual, Any, LogicalOr, ops.*: Embedding's, Masking's
        # and the merges' masks)
        if not _is_operation(row["type"]) or row["total"]:
            problems.append((row["type"], f"{name}: a row Keras's model.layers lacks"))
    mine = tuple(got["totals"][k] for k in ("trainable", "non_trainable", "total"))
    keras = (sum(layer["trainable"] for layer in ref["layers"]),
             sum(layer["non_trainable"] for layer in ref["layers"]))
    keras += (sum(keras),)
    if mine != keras:
        problems.append(("totals", f"ParamLab {mine}, Keras's layers {keras}"))
    return problems


def reload_differs(got: dict, ref: dict) -> bool:
    """Whether ParamLab's figures differ from those of the model Keras rebuilds from the
    same JSON: its layers' rows or its ``model.summary()`` totals (``_figures``)."""
    loaded = ref.get("loaded") or ref
    t = loaded.get("model_totals", loaded["totals"])
    return bool(diff_model(got, loaded)) or tuple(
        got["totals"][k] for k in ("trainable", "non_trainable", "total")) != (
        t["trainable"], t["non_trainable"], t["total"])


def _layer_config(config: dict, name: str) -> dict | None:
    for layer in config["config"]["layers"]:
        if layer["config"].get("name") == name:
            return layer["config"]
    return None


def compare(path: Path, show: int) -> int:
    import logging
    logging.disable(logging.CRITICAL)
    agree = 0
    differ: dict[str, list[str]] = defaultdict(list)
    refused: Counter[str] = Counter()
    refused_examples: dict[str, str] = {}
    differ_models = quirk = 0
    n = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        n += 1
        rec = json.loads(line)
        status, got, err = paramlab_figures(rec["config"])
        if status in (1, 3) or got is None:
            msgs = err.strip().splitlines() or ["?"]
            if got is not None:
                msgs = [f"{r['type']}: {r['error']}" for r in got["layers"] if r["error"]]
            key = msgs[0][:110] if msgs else "?"
            refused[key.split(":")[0]] += 1
            refused_examples.setdefault(key.split(":")[0], f"model {n - 1}: {key}")
            continue
        problems = diff_model(got, rec)
        quirk += not problems and reload_differs(got, rec)
        if not problems:
            agree += 1
            continue
        differ_models += 1
        for kind, text in problems:
            cfg = _layer_config(rec["config"], text.split(":")[0])
            differ[kind].append(f"model {n - 1}: {text}"
                                + (f"\n      config {json.dumps(cfg)[:400]}" if cfg else ""))
    print(f"{n} models: {agree} agree, {differ_models} differ, "
          f"{sum(refused.values())} refused by ParamLab")
    print(f"({quirk} of those agreeing differ from the model Keras rebuilds from the same "
          "JSON: it drops a nested Sequential's trainable=False, and a layer frozen in its "
          "config leaves its sub-layers' weights trainable for the model)")
    for kind, items in sorted(differ.items(), key=lambda kv: -len(kv[1])):
        print(f"\n== {kind}: {len(items)} difference(s)")
        for text in items[:max(1, show // max(1, len(differ)))]:
            print("  " + text)
    if refused:
        print("\nrefused:")
        for key, count in refused.most_common():
            print(f"  {count:5d}  {refused_examples[key]}")
    return 1 if differ_models else 0


#: Catalogue types Keras 3.15.1 cannot build, and why (the coverage report lists them apart).
NOT_APPLICABLE = {
    "CuDNNLSTM": "tf.keras 1/2 only (Keras 3's LSTM picks cuDNN itself)",
    "CuDNNGRU": "tf.keras 1/2 only (Keras 3's GRU picks cuDNN itself)",
    "ThresholdedReLU": "tf.keras 2 only (Keras 3 removed it: ReLU(threshold=...))",
    "RandomHeight": "tf.keras 2 only (Keras 3 has no RandomHeight)",
    "RandomWidth": "tf.keras 2 only (Keras 3 has no RandomWidth)",
    "Equalization": "Keras 3.15.1's compute_output_spec returns its input tensor itself, so "
                    "a model calling it is refused ('part of a cycle')",
}


def _inner_types(value: Any, known: set[str]) -> list[str]:
    """Catalogue types of the layer configs nested in a layer's config (a wrapper's layer,
    an RNN's cells, Bidirectional's forward and backward layers)."""
    found = []
    if isinstance(value, dict):
        if value.get("class_name") in known and isinstance(value.get("config"), dict):
            found.append(value["class_name"])
        for v in value.values():
            found += _inner_types(v, known)
    elif isinstance(value, list):
        for v in value:
            found += _inner_types(v, known)
    return found


def coverage(paths: list[Path]) -> int:
    """Print, per catalogue type, how many layers of it the generated models contain (as
    ParamLab imports them, wrapped and nested layers included) and in how many models; the
    types Keras 3.15.1 lacks apart (``NOT_APPLICABLE``). Exit 1 when a type it has is
    missing."""
    import logging

    from paramlab.core.catalogue import specs_by_category
    from paramlab.core.io.keras_import import parse_keras_config
    logging.disable(logging.CRITICAL)
    specs = [spec for group in specs_by_category().values() for spec in group]
    known = {spec.type for spec in specs}
    layers: Counter[str] = Counter()
    models: Counter[str] = Counter()
    n = failed = 0
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            n += 1
            try:
                graph = parse_keras_config(json.loads(line)["config"])
            except Exception:  # noqa: BLE001 - counted: compare reports why
                failed += 1
                continue
            seen = []
            for layer in graph.layers():
                seen.append(layer.type)
                # the layer's own config is skipped: only what it wraps
                seen += _inner_types(list(layer.config.values()), known)
            layers.update(t for t in seen if t in known)
            models.update({t for t in seen if t in known})
    missing = [s.type for s in specs if not layers[s.type] and s.type not in NOT_APPLICABLE]
    print(f"{n} models ({failed} not imported) from {', '.join(map(str, paths))}")
    for cat, group in specs_by_category().items():
        print(f"\n{cat}")
        for spec in group:
            note = (f"  not applicable: {NOT_APPLICABLE[spec.type]}"
                    if spec.type in NOT_APPLICABLE else "  MISSING" if spec.type in missing
                    else "")
            print(f"  {spec.type:46s} {layers[spec.type]:6d} layers {models[spec.type]:6d} "
                  f"models{note}")
    covered = sum(1 for s in specs if layers[s.type])
    print(f"\n{covered} of {len(specs)} catalogue types covered; "
          f"{len(NOT_APPLICABLE)} not applicable to Keras 3.15.1; "
          f"{len(missing)} missing{': ' + ', '.join(missing) if missing else ''}")
    return 1 if missing else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="build random models with Keras; write OUT.jsonl")
    gen.add_argument("out", type=Path)
    gen.add_argument("--models", type=int, default=3000)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--wide", action="store_true",
                     help="also variable-length axes, rank-5 inputs, nested models, a second "
                          "input, Bidirectional with return_state (another random stream)")
    gen.add_argument("--all-types", action="store_true",
                     help="also every other catalogue type Keras 3 has: keras.ops operations, "
                          "RNN cells, audio, lookup and image preprocessing layers... "
                          "(another random stream; the lookup layers need TensorFlow)")
    cmp = sub.add_parser("compare", help="compare ParamLab's figures with Keras's")
    cmp.add_argument("path", type=Path)
    cmp.add_argument("--show", type=int, default=40)
    cov = sub.add_parser("coverage", help="count each catalogue type in generated models")
    cov.add_argument("paths", type=Path, nargs="+")
    args = parser.parse_args(argv)
    if args.command == "coverage":
        return coverage(args.paths)
    if args.command == "generate":
        generate(args.out, args.models, args.seed, args.wide, args.all_types)
        return 0
    return compare(args.path, args.show)


if __name__ == "__main__":
    sys.exit(main())
