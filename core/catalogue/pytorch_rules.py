"""The ``torch`` rule of every catalogue layer: its ``torch.nn`` equivalent and tensors.

A rule is a pure function ``(input_shapes, config) -> TorchMapping`` beside a spec's
``output_shape`` and ``weights`` (same channels-last Keras input shapes, same resolved
config). :func:`torch_rule` gives the rule of a layer type; ``catalogue/__init__`` attaches
it to each :class:`LayerSpec` as ``spec.torch``.

The tensors follow PyTorch 2.x's own ``__init__`` code (``torch/nn/modules/``) and docs
(https://docs.pytorch.org/docs/stable/nn.html):

* ``nn.Linear`` (linear.py): ``weight (out_features, in_features)``, ``bias (out_features,)``.
* ``nn.Conv1d/2d/3d`` (conv.py, ``_ConvNd``): ``weight (out, in / groups, *kernel_size)``,
  ``bias (out,)``. ``nn.ConvTranspose1d/2d/3d``: ``weight (in, out / groups, *kernel_size)``.
  Keras DepthwiseConv is ``ConvNd(C, C·m, groups=C)``; SeparableConv is that depthwise
  conv (no bias) followed by a 1×1 pointwise ``ConvNd(C·m, filters)``.
* ``nn.BatchNorm1d/2d/3d`` (batchnorm.py, ``_NormBase``): ``weight``, ``bias`` ``(C,)`` when
  ``affine``; buffers ``running_mean``, ``running_var`` ``(C,)`` and the scalar long
  ``num_batches_tracked`` when ``track_running_stats``. ``affine`` gives both or neither, so
  Keras's ``center=False`` (or ``scale=False``) is exported as ``affine=True`` with that
  tensor kept at its initial value (``requires_grad=False``): the same function, and the
  frozen tensor counts as a non-trainable parameter. Keras's ``axis`` must be the channels:
  the last axis, or axis 1 of a tensor with spatial axes (channels_first models), which is
  dim 1 in PyTorch's layout (:func:`norm_channel_axis`; nn.GroupNorm likewise).
* ``nn.LayerNorm`` (normalization.py): ``weight``, ``bias`` of ``normalized_shape`` with
  ``elementwise_affine`` (``bias=False`` drops the bias, PyTorch ≥ 2.1); ``nn.RMSNorm``
  (PyTorch ≥ 2.4): ``weight`` only. ``nn.GroupNorm(num_groups, num_channels)``: ``weight``,
  ``bias`` ``(C,)`` with ``affine``.
* ``nn.Embedding(num_embeddings, embedding_dim)`` (sparse.py): ``weight (num, dim)``;
  ``padding_idx=0`` stands for Keras's ``mask_zero`` (same count).
* ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` (rnn.py, ``RNNBase``): per layer and direction
  ``weight_ih_l0 (g·H, in)``, ``weight_hh_l0 (g·H, H)``, ``bias_ih_l0`` and ``bias_hh_l0``
  ``(g·H,)`` (g = 1, 4, 3), suffix ``_reverse`` for the backward direction. Two bias vectors
  where Keras SimpleRNN and LSTM have one: PyTorch counts g·H more per direction.
  Keras ``GRU(reset_after=True)`` (Keras 3's default) computes
  ``n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))``, which is PyTorch's GRU equation
  (docs of ``nn.GRU``); with ``activation="tanh"`` and ``recurrent_activation="sigmoid"``
  it matches exactly, its ``(2, 3·H)`` bias being ``bias_ih`` and ``bias_hh`` (only the
  gate order differs: Keras z, r, h; PyTorch r, z, n). ``GRU(reset_after=False)`` applies
  the reset gate before the recurrent product: no PyTorch equivalent; nor have activations
  other than tanh / sigmoid (nn.RNN: tanh or relu). Such layers keep Keras's count; the code
  export runs them as a loop over the steps on Keras's own tensors (:func:`loop_parts`).
* ``nn.MultiheadAttention(E, heads)`` (activation.py): ``in_proj_weight (3E, E)``,
  ``in_proj_bias (3E,)`` (``q_proj_weight``, ``k_proj_weight (E, kdim)``,
  ``v_proj_weight (E, vdim)`` when key/value sizes differ from E), ``out_proj.weight (E, E)``,
  ``out_proj.bias (E,)``. Keras MultiHeadAttention fits only when
  ``num_heads·key_dim = E`` (the query's size), ``value_dim = key_dim``, the output has E
  features, no gate, and the inputs are (batch, steps, features).
* ``nn.PReLU(num_parameters)`` (activation.py): ``weight (num_parameters,)``, 1 or the
  channel count; Keras PReLU fits when its alpha is shared over every axis but the channels.
* Pooling, ``nn.Flatten``, ``nn.Dropout`` and activation modules have no tensors. Keras's
  adaptive pooling takes the windows of ``nn.AdaptiveAvgPool{r}d`` / ``nn.AdaptiveMaxPool{r}d``
  (same outputs on random inputs, Keras 3.15.1 and torch 2.13).
* Keras's random image augmentations return their input at inference
  (``core.catalogue.image.IDENTITY_AT_INFERENCE``): no module, the torchvision transform
  that does the work in training is named.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any

from paramlab.core.catalogue.image import IDENTITY_AT_INFERENCE
from paramlab.core.errors import LayerError, ParamLabError
from paramlab.core.pytorch import TorchMapping, TorchModule, TorchTensor
from paramlab.core.spec import Config, one_input
from paramlab.core.types import Shape

TorchRule = Callable[[tuple[Shape, ...], Config], TorchMapping]

# Keras activation name -> (torch.nn class, constructor kwargs, functional source with {x}).
# Softmax-like activations act on the channel axis, dim=1 in PyTorch's channels-first layout.
ACTIVATIONS: dict[str, tuple[str, tuple[tuple[str, Any], ...], str]] = {
    "relu": ("ReLU", (), "torch.relu({x})"),
    "relu6": ("ReLU6", (), "nn.functional.relu6({x})"),
    "sigmoid": ("Sigmoid", (), "torch.sigmoid({x})"),
    "tanh": ("Tanh", (), "torch.tanh({x})"),
    "softmax": ("Softmax", (("dim", 1),), "torch.softmax({x}, dim=1)"),
    "log_softmax": ("LogSoftmax", (("dim", 1),), "torch.log_softmax({x}, dim=1)"),
    "elu": ("ELU", (), "nn.functional.elu({x})"),
    "selu": ("SELU", (), "torch.selu({x})"),
    "gelu": ("GELU", (), "nn.functional.gelu({x})"),
    "swish": ("SiLU", (), "nn.functional.silu({x})"),
    "silu": ("SiLU", (), "nn.functional.silu({x})"),
    "softplus": ("Softplus", (), "nn.functional.softplus({x})"),
    "softsign": ("Softsign", (), "nn.functional.softsign({x})"),
    "mish": ("Mish", (), "nn.functional.mish({x})"),
    "hard_sigmoid": ("Hardsigmoid", (), "nn.functional.hardsigmoid({x})"),
    "hard_swish": ("Hardswish", (), "nn.functional.hardswish({x})"),
    "hard_silu": ("Hardswish", (), "nn.functional.hardswish({x})"),
    "leaky_relu": ("LeakyReLU", (("negative_slope", 0.2),),
                   "nn.functional.leaky_relu({x}, 0.2)"),
    "exponential": ("", (), "torch.exp({x})"),
    "linear": ("Identity", (), "{x}"),
}


def activation_source(name: str | None, x: str) -> str | None:
    """PyTorch source applying Keras activation ``name`` to the expression ``x``
    (``torch.relu(x)``); ``x`` itself for ``linear``/``None``; ``None`` when unknown."""
    entry = ACTIVATIONS.get(name or "linear")
    return None if entry is None else entry[2].format(x=x)


def _unsupported(reason: str) -> TorchMapping:
    return TorchMapping(unsupported=reason)


@lru_cache(maxsize=4096)
def _module(cls: str, *args: Any, params: tuple[TorchTensor, ...] = (),
            buffers: tuple[TorchTensor, ...] = (), **kwargs: Any) -> TorchModule:
    return TorchModule(cls, args, tuple(kwargs.items()), params, buffers)


@lru_cache(maxsize=4096)
def _one(module: TorchModule, note: str | None = None) -> TorchMapping:
    return TorchMapping((module,), None, note)


def _channels(x: Shape, layer: str, axis: int = -1) -> int:
    c = x[axis]
    if c is None:
        raise LayerError(f"{layer}: the channel axis must be known")
    return c


def norm_channel_axis(x: Shape, axis: int) -> int | None:
    """The axis of ``x`` that ``nn.BatchNormNd`` / ``nn.GroupNorm`` can normalise as the
    channels when Keras normalises ``axis``: the last (channels-last, held channels-first by
    the export) or, on a tensor with spatial axes, axis 1 (a channels_first model's
    channels, where PyTorch's layout is Keras's own); ``None`` for any other axis."""
    rank = len(x)
    a = axis + rank if axis < 0 else axis
    return a if a == rank - 1 or (a == 1 and rank >= 3) else None


def _check_activation(config: Config, layer: str) -> str | None:
    act = config.get("activation")
    if act is not None and activation_source(act, "x") is None:
        return f"{layer}'s activation {act!r} has no PyTorch function"
    return None


# ---------------------------------------------------------------------------- building blocks
@lru_cache(maxsize=4096)
def linear(in_features: int, out_features: int, bias: bool = True) -> TorchModule:
    """``nn.Linear(in_features, out_features, bias)``: weight (out, in), bias (out,)."""
    params = (TorchTensor("weight", (out_features, in_features)),)
    if bias:
        params += (TorchTensor("bias", (out_features,)),)
    kwargs = {} if bias else {"bias": False}
    return _module("Linear", in_features, out_features, params=params, **kwargs)


@lru_cache(maxsize=4096)
def conv(rank: int, cin: int, cout: int, kernel: tuple[int, ...], groups: int = 1,
         bias: bool = True, transpose: bool = False, **kwargs: Any) -> TorchModule:
    """``nn.Conv{rank}d`` (``nn.ConvTranspose{rank}d`` with ``transpose``): weight
    ``(cout, cin / groups, *kernel)`` (transposed: ``(cin, cout / groups, *kernel)``)."""
    if transpose:
        shape = (cin, cout // groups) + tuple(kernel)
    else:
        shape = (cout, cin // groups) + tuple(kernel)
    params = (TorchTensor("weight", shape),)
    if bias:
        params += (TorchTensor("bias", (cout,)),)
    extra: dict[str, Any] = dict(kwargs)
    if groups != 1:
        extra["groups"] = groups
    if not bias:
        extra["bias"] = False
    cls = f"ConvTranspose{rank}d" if transpose else f"Conv{rank}d"
    return _module(cls, cin, cout, params=params, kernel_size=tuple(kernel), **extra)


@lru_cache(maxsize=4096)
def batch_norm(rank: int, num_features: int, affine: bool = True,
               track_running_stats: bool = True, train_weight: bool = True,
               train_bias: bool = True, **kwargs: Any) -> TorchModule:
    """``nn.BatchNorm{rank}d``: weight, bias (C,) with ``affine``; buffers running_mean,
    running_var (C,) and num_batches_tracked () with ``track_running_stats``."""
    params: tuple[TorchTensor, ...] = ()
    if affine:
        params = (TorchTensor("weight", (num_features,), train_weight),
                  TorchTensor("bias", (num_features,), train_bias))
    buffers: tuple[TorchTensor, ...] = ()
    if track_running_stats:
        buffers = (TorchTensor("running_mean", (num_features,)),
                   TorchTensor("running_var", (num_features,)),
                   TorchTensor("num_batches_tracked", ()))
    extra = dict(kwargs)
    if not affine:
        extra["affine"] = False
    if not track_running_stats:
        extra["track_running_stats"] = False
    return _module(f"BatchNorm{rank}d", num_features, params=params, buffers=buffers, **extra)


@lru_cache(maxsize=4096)
def layer_norm(shape: tuple[int, ...], elementwise_affine: bool = True, bias: bool = True,
               train_weight: bool = True, **kwargs: Any) -> TorchModule:
    """``nn.LayerNorm(normalized_shape)``: weight and bias of that shape (``bias=False``:
    weight only; ``elementwise_affine=False``: none)."""
    params: tuple[TorchTensor, ...] = ()
    extra = dict(kwargs)
    if elementwise_affine:
        params = (TorchTensor("weight", shape, train_weight),)
        if bias:
            params += (TorchTensor("bias", shape),)
        else:
            extra["bias"] = False
    else:
        extra["elementwise_affine"] = False
    arg: Any = shape[0] if len(shape) == 1 else shape
    return _module("LayerNorm", arg, params=params, **extra)


@lru_cache(maxsize=4096)
def group_norm(groups: int, channels: int, affine: bool = True, train_weight: bool = True,
               train_bias: bool = True, **kwargs: Any) -> TorchModule:
    """``nn.GroupNorm(num_groups, num_channels)``: weight, bias (C,) with ``affine``."""
    params: tuple[TorchTensor, ...] = ()
    extra = dict(kwargs)
    if affine:
        params = (TorchTensor("weight", (channels,), train_weight),
                  TorchTensor("bias", (channels,), train_bias))
    else:
        extra["affine"] = False
    return _module("GroupNorm", groups, channels, params=params, **extra)


@lru_cache(maxsize=4096)
def rnn(cls: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
        bidirectional: bool = False, proj_size: int = 0, **kwargs: Any) -> TorchModule:
    """``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` (``RNNBase``) with ``batch_first=True``: per layer
    k and direction, weight_ih_lk (g·H, in), weight_hh_lk (g·H, H or proj_size), bias_ih_lk,
    bias_hh_lk (g·H,), and weight_hr_lk (proj_size, H) for an LSTM with ``proj_size``; layer
    k > 0 takes the previous layer's output (H or proj_size, times 2 if bidirectional)."""
    gates = {"RNN": 1, "LSTM": 4, "GRU": 3}[cls]
    g = gates * hidden_size
    out = proj_size or hidden_size
    params: list[TorchTensor] = []
    for layer in range(num_layers):
        size_in = input_size if layer == 0 else out * (2 if bidirectional else 1)
        for suffix in ("", "_reverse") if bidirectional else ("",):
            params += [TorchTensor(f"weight_ih_l{layer}{suffix}", (g, size_in)),
                       TorchTensor(f"weight_hh_l{layer}{suffix}", (g, out))]
            if bias:
                params += [TorchTensor(f"bias_ih_l{layer}{suffix}", (g,)),
                           TorchTensor(f"bias_hh_l{layer}{suffix}", (g,))]
            if proj_size:
                params.append(TorchTensor(f"weight_hr_l{layer}{suffix}", (proj_size, hidden_size)))
    extra: dict[str, Any] = {}
    if num_layers != 1:
        extra["num_layers"] = num_layers
    if not bias:
        extra["bias"] = False
    extra["batch_first"] = True
    if bidirectional:
        extra["bidirectional"] = True
    if proj_size:
        extra["proj_size"] = proj_size
    extra.update(kwargs)
    return _module(cls, input_size, hidden_size, params=tuple(params), **extra)


@lru_cache(maxsize=4096)
def multihead_attention(embed_dim: int, num_heads: int, bias: bool = True,
                        add_bias_kv: bool = False, kdim: int | None = None,
                        vdim: int | None = None) -> TorchModule:
    """``nn.MultiheadAttention(embed_dim, num_heads, batch_first=True)``: in_proj_weight
    (3E, E) or q/k/v_proj_weight when kdim or vdim differ from E, in_proj_bias (3E,),
    bias_k, bias_v (1, 1, E) with ``add_bias_kv``, out_proj.weight (E, E), out_proj.bias."""
    e = embed_dim
    kd, vd = kdim or e, vdim or e
    if kd == e and vd == e:
        params = [TorchTensor("in_proj_weight", (3 * e, e))]
    else:
        params = [TorchTensor("q_proj_weight", (e, e)), TorchTensor("k_proj_weight", (e, kd)),
                  TorchTensor("v_proj_weight", (e, vd))]
    if bias:
        params.append(TorchTensor("in_proj_bias", (3 * e,)))
    if add_bias_kv:
        params += [TorchTensor("bias_k", (1, 1, e)), TorchTensor("bias_v", (1, 1, e))]
    params.append(TorchTensor("out_proj.weight", (e, e)))
    if bias:
        params.append(TorchTensor("out_proj.bias", (e,)))
    extra: dict[str, Any] = {}
    if not bias:
        extra["bias"] = False
    if add_bias_kv:
        extra["add_bias_kv"] = True
    if kd != e:
        extra["kdim"] = kd
    if vd != e:
        extra["vdim"] = vd
    extra["batch_first"] = True
    return _module("MultiheadAttention", e, num_heads, params=tuple(params), **extra)


@lru_cache(maxsize=4096)
def prelu(num_parameters: int = 1) -> TorchModule:
    """``nn.PReLU(num_parameters)``: weight (num_parameters,)."""
    kwargs = {} if num_parameters == 1 else {"num_parameters": num_parameters}
    return _module("PReLU", params=(TorchTensor("weight", (num_parameters,)),), **kwargs)


# ---------------------------------------------------------------------------- rules
def _functional(note: str) -> TorchRule:
    def rule(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
        return TorchMapping(note=note)
    return rule


def _plain(cls: str, **kwargs: Any) -> TorchRule:
    def rule(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
        return _one(_module(cls, **kwargs))
    return rule


def _none(reason: str) -> TorchRule:
    def rule(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
        return _unsupported(reason)
    return rule


def _embedding(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
    if config.get("lora_rank"):
        return _unsupported("LoRA (lora_rank) adds low-rank matrices nn.Embedding does not have")
    n, d = config["input_dim"], config["output_dim"]
    kwargs = {"padding_idx": 0} if config["mask_zero"] else {}
    return _one(_module("Embedding", n, d, params=(TorchTensor("weight", (n, d)),), **kwargs),
                "mask_zero becomes padding_idx=0 (PyTorch has no masks)"
                if config["mask_zero"] else None)


def _reversible_embedding(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
    if not config["tie_weights"]:
        return _unsupported("ReversibleEmbedding(tie_weights=False): its reverse matrix "
                            "(output_dim, input_dim) is a second module (nn.Linear(output_dim, "
                            "input_dim, bias=False)) used only by the reverse call")
    mapping = _embedding(inputs, config)
    if mapping.unsupported:
        return mapping
    note = "the reverse call is x @ weight.T (tied weights), no module of its own"
    return _one(mapping.modules[0], f"{mapping.note}; {note}" if mapping.note else note)


def _conv_padding(config: Config, rank: int) -> dict[str, Any]:
    # 'same' with stride 1 is nn.ConvNd's own padding="same"; other cases pad in forward().
    if config["padding"] == "same" and max(config.get("strides", (1,))) == 1:
        return {"padding": "same"}
    return {}


def _conv_kwargs(config: Config, rank: int) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if max(config["strides"]) > 1:
        kwargs["stride"] = tuple(config["strides"])
    kwargs.update(_conv_padding(config, rank))
    if max(config["dilation_rate"]) > 1:
        kwargs["dilation"] = tuple(config["dilation_rate"])
    return kwargs


def _checked(type_name: str, build: Callable[[int, Config], TorchMapping]) -> TorchRule:
    """A rule for a layer with a kernel over the channels (Dense, the convolutions): LoRA
    and an activation PyTorch lacks have no equivalent; else ``build(in_channels, config)``."""
    def rule(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
        if config.get("lora_rank"):
            return _unsupported(f"LoRA (lora_rank) adds low-rank matrices the torch.nn module "
                                f"of {type_name} does not have")
        bad = _check_activation(config, type_name)
        if bad:
            return _unsupported(bad)
        return build(_channels(one_input(inputs), type_name), config)
    return rule


def _conv_mapping(rank: int, cin: int, config: Config) -> TorchMapping:
    return _one(conv(rank, cin, config["filters"], config["kernel_size"], config["groups"],
                     config["use_bias"], **_conv_kwargs(config, rank)))


def _conv_transpose_mapping(rank: int, cin: int, config: Config) -> TorchMapping:
    kwargs: dict[str, Any] = {}
    if max(config["strides"]) > 1:
        kwargs["stride"] = tuple(config["strides"])
    if max(config["dilation_rate"]) > 1:
        kwargs["dilation"] = tuple(config["dilation_rate"])
    return _one(conv(rank, cin, config["filters"], config["kernel_size"], 1,
                     config["use_bias"], transpose=True, **kwargs),
                "Keras's padding is applied in forward() (crop or output_padding)")


def _depthwise_mapping(rank: int, cin: int, config: Config) -> TorchMapping:
    m = config["depth_multiplier"]
    return _one(conv(rank, cin, cin * m, config["kernel_size"], cin, config["use_bias"],
                     **_conv_kwargs(config, rank)))


def _separable_mapping(rank: int, cin: int, config: Config) -> TorchMapping:
    m = config["depth_multiplier"]
    depthwise = conv(rank, cin, cin * m, config["kernel_size"], cin, False,
                     **_conv_kwargs(config, rank))
    pointwise = conv(rank, cin * m, config["filters"], (1,) * rank, 1, config["use_bias"])
    return TorchMapping((depthwise, pointwise), None,
                        "depthwise ConvNd(groups=C) then 1×1 pointwise ConvNd")


def _bn(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
    x = one_input(inputs)
    rank = len(x)
    axis = config["axis"]
    channel_axis = norm_channel_axis(x, axis)
    if channel_axis is None:
        return _unsupported(f"BatchNormalization over axis {axis}, not the channels: "
                            "nn.BatchNormNd normalises the channels, Keras's last axis or "
                            "axis 1 of channels_first input")
    if config["renorm"]:
        return _unsupported("batch renormalization (renorm=True) has no nn.BatchNorm option")
    if rank > 5:
        return _unsupported(f"nn.BatchNorm3d takes at most 3 spatial axes, got {x}")
    c = _channels(x, "BatchNormalization", channel_axis)
    affine = config["scale"] or config["center"]
    # PyTorch's momentum weights the new batch; Keras's weights the old average.
    module = batch_norm(max(rank - 2, 1), c, affine, True, config["scale"], config["center"],
                        eps=config["epsilon"], momentum=round(1 - config["momentum"], 6))
    return _one(module, _fixed_note(config))


def _fixed_note(config: Config) -> str | None:
    if config["scale"] == config["center"]:
        return None
    fixed = "weight (scale)" if not config["scale"] else "bias (center)"
    return f"affine gives both weight and bias; the {fixed} is kept fixed (requires_grad=False)"


def _trailing_shape(x: Shape, axis: tuple[int, ...], layer: str, module: str
                    ) -> tuple[int, ...] | str:
    """The lengths of the normalised axes when they are the trailing ones (what
    ``nn.LayerNorm`` / ``nn.RMSNorm`` take as ``normalized_shape``), or why not."""
    rank = len(x)
    axes = sorted(a + rank if a < 0 else a for a in axis)
    if axes != list(range(rank - len(axes), rank)):
        return (f"{layer} over axes {list(axis)}: nn.{module} normalises the trailing axes "
                "only")
    shape = tuple(x[a] for a in axes)
    if None in shape:
        raise LayerError(f"{layer}: the normalised axes must be known")
    return shape  # type: ignore[return-value]


def _rms_norm(shape: tuple[int, ...], eps: float) -> TorchMapping:
    """``nn.RMSNorm(normalized_shape, eps)`` (PyTorch >= 2.4): ``weight`` of that shape."""
    return _one(_module("RMSNorm", shape[0] if len(shape) == 1 else shape,
                        params=(TorchTensor("weight", shape),), eps=eps))


def _rms(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
    shape = _trailing_shape(one_input(inputs), config["axis"], "RMSNormalization", "RMSNorm")
    return _unsupported(shape) if isinstance(shape, str) else _rms_norm(shape,
                                                                        config["epsilon"])


def _ln(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
    shape = _trailing_shape(one_input(inputs), config["axis"], "LayerNormalization",
                            "LayerNorm")
    if isinstance(shape, str):
        return _unsupported(shape)
    if config["rms_scaling"]:
        return _rms_norm(shape, config["epsilon"])
    affine = config["scale"] or config["center"]
    module = layer_norm(shape, affine, config["center"], config["scale"],
                        eps=config["epsilon"])
    return _one(module, "weight kept fixed (requires_grad=False): Keras scale=False"
                if affine and not config["scale"] else None)


def _gn(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
    x = one_input(inputs)
    channel_axis = norm_channel_axis(x, config["axis"])
    if channel_axis is None:
        return _unsupported("GroupNormalization over an axis other than the channels (the "
                            "last, or axis 1 of channels_first input)")
    c = _channels(x, "GroupNormalization", channel_axis)
    groups = c if config["groups"] == -1 else config["groups"]
    affine = config["scale"] or config["center"]
    return _one(group_norm(groups, c, affine, config["scale"], config["center"],
                           eps=config["epsilon"]), _fixed_note(config))


_RNN_CLASS = {"SimpleRNN": "RNN", "LSTM": "LSTM", "GRU": "GRU"}


def _rnn_module(type_name: str, features: int, config: Config,
                bidirectional: bool = False, num_layers: int = 1) -> TorchModule | str:
    """The torch module of a Keras recurrent layer (``num_layers`` equal ones stacked),
    or why there is none."""
    if config.get("stateful"):
        return f"stateful {type_name}: PyTorch keeps no state between calls"
    reason = _loop_reason(type_name, config)
    if reason is not None:
        return reason
    kwargs: dict[str, Any] = {}
    if type_name == "SimpleRNN" and config.get("activation") == "relu":
        kwargs["nonlinearity"] = "relu"
    return rnn(_RNN_CLASS[type_name], features, config["units"], num_layers,
               config["use_bias"], bidirectional, **kwargs)


def _loop_reason(type_name: str, config: Config) -> str | None:
    """Why nn.RNN / nn.LSTM / nn.GRU cannot run a plain recurrent layer's own recurrence
    (its activations; GRU's reset-before form), or ``None``. Such a layer has no torch
    module (Keras's count stands), but the PyTorch export can run it as a loop over the time
    steps on Keras's own tensors (:func:`loop_parts`)."""
    act = config.get("activation")
    if type_name == "SimpleRNN":
        if act not in ("tanh", "relu"):
            return f"SimpleRNN's activation {act!r}: nn.RNN offers tanh or relu only"
        return None
    if act != "tanh" or config.get("recurrent_activation") != "sigmoid":
        return (f"{type_name} with activation={act!r}, recurrent_activation="
                f"{config.get('recurrent_activation')!r}: PyTorch's is tanh/sigmoid only")
    if type_name == "GRU" and not config["reset_after"]:
        return ("GRU(reset_after=False) applies the reset gate before the recurrent product; "
                "nn.GRU only has the reset-after form (Keras 3's default)")
    return None


#: Added to the "no equivalent" reason of a layer the code export runs as a loop anyway.
LOOP_NOTE = "; ParamLab's PyTorch export runs it as a loop over the steps on Keras's own tensors"


def _loop_noted(type_name: str, rule: TorchRule) -> TorchRule:
    """``rule``, whose "no PyTorch equivalent" reason also says when the code export runs
    the layer as a loop over the steps all the same (:func:`loop_parts`): the panels and
    the exported file then say the same thing."""
    def noted(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
        mapping = rule(inputs, config)
        if mapping.unsupported is not None and loop_parts(type_name, config) is not None:
            return TorchMapping(mapping.modules, mapping.unsupported + LOOP_NOTE,
                                mapping.note)
        return mapping
    return noted


def loop_parts(type_name: str, config: Config) -> tuple[tuple[str, dict[str, Any]], ...] | None:
    """The plain recurrent layers ``(type, resolved config)`` a layer runs — itself, the
    cell of an ``RNN`` over one cell, or a Bidirectional's forward then backward layer —
    when the only thing keeping it from nn.RNN / nn.LSTM / nn.GRU is
    :func:`_loop_reason` (activations other than tanh / sigmoid, ``GRU(reset_after=False)``)
    and every activation has a PyTorch function (:func:`activation_source`); ``None``
    otherwise (stateful, unlike or stacked cells, ...). Its count is
    Keras's (no torch module): the export holds Keras's own tensors."""
    try:
        if type_name in _RNN_CLASS:
            parts: list[tuple[str, dict[str, Any]]] = [(type_name, dict(config))]
        elif type_name == "RNN":
            plain = _cells_as_layer(config)
            if isinstance(plain, str) or plain[2] != 1:
                return None
            parts = [(plain[0], plain[1])]
        elif type_name == "Bidirectional":
            from paramlab.core.catalogue.recurrent import _bidirectional_parts

            both = [_plain_part(part) for part in _bidirectional_parts(config)]
            if any(isinstance(p, str) for p in both):
                return None
            parts = [(p[2], p[1]) for p in both]  # type: ignore[index]
            if _directions_reason(config) or parts[0][0] != parts[1][0] or any(
                    parts[0][1].get(k) != parts[1][1].get(k)
                    for k in _CELL_KEYS + ("return_sequences",)):
                return None
        else:
            return None
    except (ParamLabError, KeyError, TypeError, ValueError, IndexError):
        return None
    for t, cfg in parts:
        if t not in _RNN_CLASS or cfg.get("stateful") or _loop_reason(t, cfg) is None:
            return None
        names = [cfg.get("activation")] + ([] if t == "SimpleRNN"
                                           else [cfg.get("recurrent_activation")])
        if any(activation_source(a, "x") is None for a in names):
            return None
    return tuple(parts)


_CELL_KEYS = ("units", "use_bias", "activation", "recurrent_activation", "reset_after")


def _cells_as_layer(config: Config) -> tuple[str, dict[str, Any], int] | str:
    """A generic ``RNN``'s cells as the plain recurrent layer they equal (``RNN(LSTMCell)``
    is ``LSTM``; k equal cells stacked are ``nn.LSTM(num_layers=k)``, whose layer k > 0
    takes H features as the next cell does): its type, config and the number of layers;
    or why there is none."""
    from paramlab.core.catalogue.recurrent import rnn_cells

    cells = rnn_cells(config)
    first = cells[0]
    if any(c.class_name != first.class_name
           or any(c.config.get(k) != first.config.get(k) for k in _CELL_KEYS)
           for c in cells[1:]):
        return ("RNN over unlike cells: nn.RNN/LSTM/GRU stack only equal layers "
                "(num_layers)")
    if not all(c.trainable for c in cells):
        return ("RNN with a cell frozen on its own (cell.trainable=False): freeze the whole "
                "layer instead")
    merged = {**first.config, "stateful": config.get("stateful"),
              "return_state": config.get("return_state"),
              "return_sequences": config.get("return_sequences")}
    return first.spec.type, merged, len(cells)


_RNN_NOTES = {
    "SimpleRNN": "PyTorch has two bias vectors (bias_ih, bias_hh) where Keras has one",
    "LSTM": "PyTorch has two bias vectors (bias_ih, bias_hh) where Keras has one; "
            "same gate order (i, f, g, o)",
    "GRU": "exact match of Keras reset_after=True: the (2, 3·units) bias is bias_ih and "
           "bias_hh; gate order differs (Keras z, r, h; PyTorch r, z, n)",
}


def _rnn_rule(type_name: str) -> TorchRule:
    def rule(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
        features = _channels(one_input(inputs), type_name)
        module = _rnn_module(type_name, features, config)
        if isinstance(module, str):
            return _unsupported(module)
        return _one(module, _RNN_NOTES[type_name])
    return rule


def _generic_rnn(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
    plain = _cells_as_layer(config)
    if isinstance(plain, str):
        return _unsupported(plain)
    type_name, cell, layers = plain
    module = _rnn_module(type_name, _channels(one_input(inputs), "RNN"), cell,
                         num_layers=layers)
    if isinstance(module, str):  # the reason names the plain layer: say RNN(...Cell)
        return _unsupported(module.replace(f"{type_name}(", f"RNN({type_name}Cell, ", 1)
                            if module.startswith(f"{type_name}(") else module)
    return _one(module, f"RNN({type_name}Cell): {_RNN_NOTES[type_name]}")


def _cudnn_config(config: Config) -> dict[str, Any]:
    """A CuDNNLSTM / CuDNNGRU config as the plain layer's: cuDNN's fixed tanh and sigmoid,
    biases, and GRU's reset-after form (Keras 2 cudnn_recurrent.py)."""
    return {**config, "activation": "tanh", "recurrent_activation": "sigmoid",
            "use_bias": True, "reset_after": True}


def _plain_part(part: tuple[Any, dict[str, Any], str]) -> tuple[Any, dict[str, Any], str] | str:
    """A Bidirectional's wrapped layer ``(spec, config, type)`` as the plain SimpleRNN / LSTM
    / GRU it equals (RNN over one cell, CuDNN layers), or why it has none."""
    from paramlab.core.catalogue.recurrent import CUDNN

    _, cfg, type_name = part
    if type_name in CUDNN:
        return None, _cudnn_config(cfg), CUDNN[type_name]
    if type_name != "RNN":
        return part
    plain = _cells_as_layer(cfg)
    if isinstance(plain, str):
        return plain
    if plain[2] != 1:
        return ("Bidirectional(RNN) over stacked cells: nn.RNN/LSTM/GRU with "
                "bidirectional=True interleaves the directions per layer")
    return None, plain[1], plain[0]


_CUDNN_NOTE = "exact match: {}'s flat bias is bias_ih and bias_hh (cuDNN's own layout)"


def _cudnn_rule(type_name: str) -> TorchRule:
    from paramlab.core.catalogue.recurrent import CUDNN

    base = CUDNN[type_name]

    def rule(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
        module = _rnn_module(base, _channels(one_input(inputs), type_name),
                             _cudnn_config(config))
        if isinstance(module, str):
            return _unsupported(module)
        return _one(module, _CUDNN_NOTE.format(type_name))
    return rule


def _bidirectional(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
    from paramlab.core.catalogue.recurrent import _bidirectional_parts

    originals = _bidirectional_parts(config)
    reason = _directions_reason(config)
    if reason:
        return _unsupported(reason)
    parts = [_plain_part(part) for part in originals]
    for part in parts:
        if isinstance(part, str):
            return _unsupported(part)
    fwd, bwd = parts  # type: ignore[misc]
    if fwd[2] not in _RNN_CLASS:
        return _unsupported(f"Bidirectional({fwd[2]}): no PyTorch recurrent module")
    same = fwd[2] == bwd[2] and all(
        fwd[1].get(k) == bwd[1].get(k) for k in ("units", "use_bias", "activation",
                                                 "recurrent_activation", "reset_after",
                                                 "return_sequences"))
    if not same:
        return _unsupported("Bidirectional with a backward layer unlike the forward one")
    features = _channels(one_input(inputs), "Bidirectional")
    module = _rnn_module(fwd[2], features, fwd[1], bidirectional=True)
    if isinstance(module, str):
        return _unsupported(module)
    note = (_CUDNN_NOTE.format(originals[0][2]) if originals[0][2] != fwd[2] and
            originals[0][2] != "RNN" else _RNN_NOTES[fwd[2]])
    split = ("; merge_mode=None: the forward and backward outputs are the output's two "
             "halves" if config["merge_mode"] is None else "")
    if bidirectional_directions(config)[0]:
        split += ("; the forward layer has go_backwards=True and the backward one runs "
                  "forwards: the module runs on the time-reversed sequence, as Keras's do")
    return _one(module, note + "; bidirectional=True holds both directions" + split)


def bidirectional_directions(config: Config) -> tuple[bool, bool]:
    """Whether a Bidirectional's forward and its backward layer run over the reversed
    sequence (``go_backwards``). A given ``backward_layer`` has its own; Keras's copy of the
    forward layer the opposite of the forward's: tf.keras 2 sets ``not go_backwards``
    (keras/layers/rnn/bidirectional.py, ``_recreate_layer_from_config``); Keras 3 sets
    ``True`` (keras/src/layers/rnn/bidirectional.py), so it refuses a forward layer with
    ``go_backwards=True`` and no ``backward_layer``: both Kerases require the two to differ.

    Raises:
        LayerError: the wrapped layer is malformed (as ``_bidirectional_parts``).
    """
    from paramlab.core.catalogue.recurrent import _bidirectional_parts

    fwd, bwd = _bidirectional_parts(config)
    forward = bool(fwd[1].get("go_backwards"))
    if config.get("backward_layer"):
        return forward, bool(bwd[1].get("go_backwards"))
    return forward, not forward


def _directions_reason(config: Config) -> str | None:
    """Why a Bidirectional's directions have no translation: both its layers run the same
    way, which Keras refuses (``_verify_layer_config``: they must differ)."""
    forward, backward = bidirectional_directions(config)
    if forward != backward:
        return None
    return (f"Bidirectional whose forward and backward layers both have go_backwards="
            f"{forward}: Keras refuses it (the two must differ)")


def _spectral(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
    """``torch.nn.utils.parametrizations.spectral_norm(module)`` (torch/nn/utils/
    parametrizations.py, ``_SpectralNorm``): the module's ``weight`` becomes
    ``parametrizations.weight.original`` (listed after its other parameters) and buffers
    ``_u (h,)``, ``_v (weight elements / h,)`` hold the power iteration, h = the weight's
    axis 0 (axis 1 for a transposed convolution). Keras keeps only ``vector_u`` and as a
    non-trainable weight."""
    from paramlab.core.catalogue.norm import _spectral_parts

    spec, cfg, ins, _ = _spectral_parts(inputs, config)
    inner = spec.torch(ins, cfg) if spec.torch is not None else None
    if inner is None or inner.unsupported or len(inner.modules) != 1:
        return _unsupported(f"SpectralNormalization({spec.type}): "
                            f"{inner.unsupported if inner else 'no PyTorch module'}"
                            if inner is None or inner.unsupported else
                            f"SpectralNormalization({spec.type}): several modules")
    m = inner.modules[0]
    weight = next((t for t in m.parameters if t.name == "weight"), None)
    if weight is None:
        return _unsupported(f"SpectralNormalization({spec.type}): no weight to normalise")
    h = weight.shape[1 if "Transpose" in m.cls else 0]
    others = tuple(t for t in m.parameters if t.name != "weight")
    # memoised builders: propagation compares results, and modules compare by identity
    module = _module(m.cls, *m.args, params=others + (TorchTensor(
        "parametrizations.weight.original", weight.shape, weight.requires_grad),),
        buffers=m.buffers + (TorchTensor("parametrizations.weight.0._u", (h,)),
                             TorchTensor("parametrizations.weight.0._v",
                                         (math.prod(weight.shape) // h,))), **dict(m.kwargs))
    note = (f"nn.utils.parametrizations.spectral_norm(nn.{m.cls}(...)): u and v are "
            f"buffers; Keras keeps vector_u as a non-trainable weight")
    return _one(module, f"{inner.note}; {note}" if inner.note else note)


def _time_distributed(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
    from paramlab.core.catalogue.recurrent import _inner_input, _wrapped

    _, inner = _inner_input(inputs)
    spec, cfg, step, _ = _wrapped(config, inner)
    return torch_rule(spec.type)((step,), cfg)


def _mha(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
    from paramlab.core.catalogue.attention import _mha_output, _qvk

    query, value, key = _qvk(inputs, "MultiHeadAttention")
    e = _channels(query, "MultiHeadAttention")
    heads, kd = config["num_heads"], config["key_dim"]
    vd = config["value_dim"] or kd
    reasons = []
    if heads * kd != e:
        reasons.append(f"num_heads·key_dim = {heads * kd} differs from the query's {e} features")
    if vd != kd:
        reasons.append(f"value_dim {vd} differs from key_dim {kd}")
    if _mha_output(config, query) != (e,):
        reasons.append("output_shape differs from the query's features")
    if config["use_gate"]:
        reasons.append("use_gate has no nn.MultiheadAttention option")
    if len(query) != 3 or len(value) != 3 or len(key) != 3:
        reasons.append("inputs must be (batch, steps, features)")
    if reasons:
        return _unsupported("no exact PyTorch equivalent: " + "; ".join(reasons))
    kdim = _channels(key, "MultiHeadAttention")
    vdim = _channels(value, "MultiHeadAttention")
    return _one(multihead_attention(e, heads, config["use_bias"], False, kdim, vdim),
                "forward takes (query, key, value); Keras calls (query, value, key)")


def _pool_rule(kind: str, rank: int) -> TorchRule:
    def rule(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
        pool = tuple(config["pool_size"])
        strides = tuple(config["strides"] or pool)
        kwargs = {} if strides == pool else {"stride": strides}
        return _one(_module(f"{kind}Pool{rank}d", pool, **kwargs))
    return rule


def _adaptive_pool_rule(kind: str, rank: int) -> TorchRule:
    def rule(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
        size = tuple(config["output_size"])
        return _one(_module(f"Adaptive{kind}Pool{rank}d", size[0] if rank == 1 else size))
    return rule


# Keras's resize (half-pixel centres, no antialiasing) equals nn.Upsample's for these modes
# (same outputs on random images, up and down, Keras 3.15.1 and torch 2.13); Keras's bicubic
# uses another kernel, and lanczos, area ... have no nn.Upsample mode.
_UPSAMPLE_MODES = {"bilinear": ("bilinear", {"align_corners": False}),
                   "nearest": ("nearest-exact", {})}


def _resizing(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
    mode = _UPSAMPLE_MODES.get(config["interpolation"])
    options = [k for k in ("crop_to_aspect_ratio", "pad_to_aspect_ratio", "antialias")
               if config[k]]
    if mode is None or options:
        what = ", ".join(options) or f"interpolation={config['interpolation']!r}"
        return _unsupported(f"nn.Upsample has no equivalent of Resizing's {what}")
    return _one(_module("Upsample", size=(config["height"], config["width"]), mode=mode[0],
                        **mode[1]))


def _relu(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
    m, slope, t = config["max_value"], config["negative_slope"], config["threshold"]
    if slope == 0 and t == 0:
        if m is None:
            return _one(_module("ReLU"))
        if m == 6:
            return _one(_module("ReLU6"))
        return _one(_module("Hardtanh", 0.0, float(m)))
    if m is None and t == 0:
        return _one(_module("LeakyReLU", float(slope)))
    if m is None and slope == 0:
        return _one(_module("Threshold", float(t), 0.0))
    return _unsupported("ReLU with max_value, negative_slope and threshold together")


def _activation(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
    name = config["activation"]
    entry = ACTIVATIONS.get(name)
    if entry is None or not entry[0]:
        if entry is not None:
            return TorchMapping(note=f"{name}: a tensor function")
        return _unsupported(f"activation {name!r} has no PyTorch function")
    return _one(_module(entry[0], **dict(entry[1])))


def _softmax(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
    x = one_input(inputs)
    if len(config["axis"]) != 1:
        return _unsupported("Softmax over several axes")
    return _one(_module("Softmax", dim=torch_dim(config["axis"][0], len(x))))


def torch_dim(axis: int, rank: int) -> int:
    """The PyTorch dim of Keras axis ``axis`` for a tensor of ``rank`` axes (batch
    included), once channels-last ``(N, *spatial, C)`` is held channels-first
    ``(N, C, *spatial)``: the channels (last) become dim 1, spatial axis i becomes i + 1."""
    a = axis + rank if axis < 0 else axis
    if rank <= 2 or a == 0:
        return a
    return 1 if a == rank - 1 else a + 1


def _prelu(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
    from paramlab.core.catalogue.activation import _prelu_weights

    alpha = _prelu_weights(inputs, config)[0].shape
    if all(d == 1 for d in alpha):
        return _one(prelu(1))
    if all(d == 1 for d in alpha[:-1]):
        return _one(prelu(alpha[-1]))
    return _unsupported(f"PReLU with an alpha of shape {alpha}: nn.PReLU learns 1 or one "
                        "per channel (share every axis but the channels with shared_axes)")


def _dropout(cls_by_rank: dict[int, str]) -> TorchRule:
    def rule(inputs: tuple[Shape, ...], config: Config) -> TorchMapping:
        return _one(_module(cls_by_rank[len(one_input(inputs))], config["rate"]))
    return rule


_NO_MODULE = "no torch.nn module"
_FUNCTIONAL = "a tensor operation in forward(), no parameters"


def _rules() -> dict[str, TorchRule]:
    rules: dict[str, TorchRule] = {
        "InputLayer": _functional("the forward() argument"),
        "Dense": _checked("Dense", lambda cin, c: _one(linear(cin, c["units"], c["use_bias"]))),
        "Embedding": _embedding,
        "Identity": _plain("Identity"),
        "Flatten": _plain("Flatten"),
        "Dropout": _dropout({r: "Dropout" for r in range(2, 9)}),
        "AlphaDropout": _dropout({r: "AlphaDropout" for r in range(2, 9)}),
        "ActivityRegularization": _functional("identity in forward(); the penalty belongs "
                                              "in the loss"),
        "BatchNormalization": _bn,
        "LayerNormalization": _ln,
        "GroupNormalization": _gn,
        "UnitNormalization": _functional("nn.functional.normalize in forward()"),
        "RMSNormalization": _rms,
        "SpectralNormalization": _spectral,
        "ReversibleEmbedding": _reversible_embedding,
        "Bidirectional": _bidirectional,
        "RNN": _generic_rnn,
        "TimeDistributed": _time_distributed,
        "MultiHeadAttention": _mha,
        "ReLU": _relu,
        "LeakyReLU": lambda i, c: _one(_module("LeakyReLU", float(c["negative_slope"]))),
        "ELU": lambda i, c: _one(_module("ELU", float(c["alpha"]))),
        "ThresholdedReLU": lambda i, c: _one(_module("Threshold", float(c["theta"]), 0.0)),
        "Softmax": _softmax,
        "Activation": _activation,
        "PReLU": _prelu,
        "Rescaling": _functional("x * scale + offset in forward()"),
        "CenterCrop": _functional("slicing in forward()"),
        "Resizing": _resizing,
    }
    for rank in (1, 2, 3):
        for family, build in (("Conv{}D", _conv_mapping),
                              ("Conv{}DTranspose", _conv_transpose_mapping),
                              ("DepthwiseConv{}D", _depthwise_mapping),
                              ("SeparableConv{}D", _separable_mapping)):
            name = family.format(rank)
            rules[name] = _checked(name, partial(build, rank))
        rules[f"SpatialDropout{rank}D"] = _dropout({rank + 2: f"Dropout{rank}d"})
        for kind, torch_kind in (("Max", "Max"), ("Average", "Avg")):
            rules[f"{kind}Pooling{rank}D"] = _pool_rule(torch_kind, rank)
            rules[f"Global{kind}Pooling{rank}D"] = _functional(
                f"torch.{'amax' if kind == 'Max' else 'mean'} over the spatial dims")
            rules[f"Adaptive{kind}Pooling{rank}D"] = _adaptive_pool_rule(torch_kind, rank)
        for op in ("ZeroPadding", "Cropping", "UpSampling"):
            rules[f"{op}{rank}D"] = _functional(_FUNCTIONAL)
        rules[f"ConvLSTM{rank}D"] = _none("PyTorch has no convolutional LSTM module")
    for name in ("SimpleRNN", "LSTM", "GRU"):
        rules[name] = _rnn_rule(name)
    for name in ("CuDNNLSTM", "CuDNNGRU"):
        rules[name] = _cudnn_rule(name)
    for name in ("SimpleRNN", "LSTM", "GRU", "RNN", "Bidirectional"):
        rules[name] = _loop_noted(name, rules[name])
    for name, transform in IDENTITY_AT_INFERENCE.items():
        rules[name] = _functional(
            f"identity at inference; for training, torchvision.transforms.v2.{transform} in "
            "the data pipeline" if transform else
            "identity: the images pass through (only bounding boxes are padded or cut)")
    for name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate",
                 "Dot", "CustomScaleLayer", "Reshape", "Permute", "RepeatVector", "NotEqual",
                 "Equal", "Greater", "GreaterEqual", "Less", "LessEqual", "TrueDivide", "Power",
                 "ops.Add", "ops.Subtract", "ops.Multiply"):
        rules[name] = _functional(_FUNCTIONAL)
    return rules


_UNSUPPORTED = {
    "EinsumDense": "no torch.nn module; write torch.einsum with your own nn.Parameter",
    "Masking": "PyTorch has no masks (pack the sequences instead)",
    "GaussianNoise": f"{_NO_MODULE} adds Gaussian noise in training",
    "GaussianDropout": f"{_NO_MODULE} for multiplicative Gaussian noise",
    "LayerScale": f"{_NO_MODULE} (ConvNeXt writes its own nn.Parameter)",
    "StochasticDepth": f"{_NO_MODULE} (torchvision has StochasticDepth, torch does not)",
    "Normalization": f"{_NO_MODULE}; its adapted mean and variance would be buffers",
    "Attention": f"{_NO_MODULE} for Luong attention",
    "AdditiveAttention": f"{_NO_MODULE} for Bahdanau attention",
    "GroupQueryAttention": "nn.MultiheadAttention has no grouped key/value heads",
    "RandomCrop": f"{_NO_MODULE}; torchvision.transforms.v2.RandomCrop belongs in the data "
                  "pipeline",
    "AutoContrast": f"{_NO_MODULE}; torchvision.transforms.v2.functional.autocontrast in "
                    "forward()",
    "ContrastLimitedAdaptiveHistogramEqualization": f"{_NO_MODULE} (torchvision has no CLAHE)",
    "Equalization": f"{_NO_MODULE}; torchvision.transforms.v2.functional.equalize in forward()",
    "Discretization": f"{_NO_MODULE}; torch.bucketize(x, boundaries) in forward()",
    "Hashing": f"{_NO_MODULE} hashes values into bins",
    "HashedCrossing": f"{_NO_MODULE} hashes crossed features into bins",
    "IntegerLookup": "a vocabulary lookup done before the model: no torch.nn module "
                     "(0 parameters)",
    "StringLookup": "a vocabulary lookup done before the model: no torch.nn module "
                    "(0 parameters)",
    "TextVectorization": "tokenisation done before the model: no torch.nn module "
                         "(0 parameters)",
    "MelSpectrogram": "torchaudio.transforms.MelSpectrogram, not torch.nn (0 parameters)",
    "STFTSpectrogram": "no torch.nn module: torch.stft is a function with fixed kernels; "
                       "Keras's trainable kernels would be nn.Conv1d weights",
}

RULES = _rules()


def torch_rule(type_name: str) -> TorchRule:
    """The ``torch`` rule of Keras layer type ``type_name`` (one saying "no PyTorch
    equivalent" for a type without one)."""
    rule = RULES.get(type_name)
    if rule is not None:
        return rule
    reason = _UNSUPPORTED.get(type_name, f"ParamLab knows no torch.nn module for {type_name}")
    return _none(reason)
