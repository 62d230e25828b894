"""Attention layers (Keras ``keras/src/layers/attention/``).

Inputs in Keras's call order: ``query``, ``value`` and an optional ``key`` (``value`` is
used as ``key`` when it is absent).

``MultiHeadAttention`` (``MultiHeadAttention.build``): einsum projections named ``query``,
``key``, (``gate``), ``value`` and ``attention_output``, each a kernel and a bias:
query/key kernels ``(dim, num_heads, key_dim)``, value kernel ``(dim, num_heads,
value_dim)``, biases ``(num_heads, key_dim|value_dim)``; output kernel ``(num_heads,
value_dim, *output_shape)`` and bias ``output_shape`` (default: the query's last axis).
``Attention`` (Luong): scalar ``scale`` with ``use_scale``, scalar ``concat_score_weight``
with ``score_mode="concat"``; ``AdditiveAttention`` (Bahdanau): ``scale (dim,)``.

MACs (cost_conventions.md; ``Tq``, ``Tk``, ``Tv``: the product of the query's, key's, value's
axes between batch and features; ``dq``, ``dk``, ``dv`` their last axes; H heads):
MultiHeadAttention ``Tq·dq·H·kd + Tk·dk·H·kd + Tv·dv·H·vd`` (projections)
``+ H·Tq·Tk·kd`` (QKᵀ) ``+ H·Tq·Tv·vd`` (AV) ``+ Tq·H·vd·d_out`` (output projection), plus
the gate projection ``Tq·dq·H·vd`` with ``use_gate`` (a matmul the conventions' table leaves
out only because Keras added it later); Attention ``Tq·Tv·dq + Tq·Tv·dv`` with
``score_mode="dot"``, ``Tq·Tv·dv`` with ``"concat"`` and for AdditiveAttention (their scores
are an elementwise tanh and a sum, no matmul). GroupQueryAttention is counted as
MultiHeadAttention with ``num_key_value_heads`` heads for key and value.
"""
from __future__ import annotations

from paramlab.core.catalogue.common import IntOrShapeField
from paramlab.core.costs import size
from paramlab.core.errors import LayerError
from paramlab.core.fields import FieldKind, bool_field, choice_field, float_field, int_field
from paramlab.core.spec import Arity, Config, LayerSpec
from paramlab.core.types import Shape, WeightSpec, format_shape

QVK = Arity(2, 3)


def _qvk(inputs: tuple[Shape, ...], layer: str) -> tuple[Shape, Shape, Shape]:
    if len(inputs) not in (2, 3):
        raise LayerError(f"{layer} takes query, value and optionally key, got "
                         f"{len(inputs)} inputs")
    query, value = inputs[0], inputs[1]
    key = inputs[2] if len(inputs) == 3 else value
    for name, s in (("query", query), ("value", value), ("key", key)):
        if len(s) < 3:
            raise LayerError(f"{layer}: {name} must have rank 3 or more (batch, steps, "
                             f"features), got {format_shape(s)}")
    return query, value, key


def _dim(shape: Shape, what: str) -> int:
    if shape[-1] is None:
        raise LayerError(f"the last axis of {what} must be known to build the weights, "
                         f"got {format_shape(shape)}")
    return shape[-1]


def _mha_output(config: Config, query: Shape) -> tuple:
    out = config.get("output_shape")
    if out is None:
        return (query[-1],)
    if isinstance(out, int) and not isinstance(out, bool):
        out = (out,)
    if not isinstance(out, (list, tuple)) or not out or any(
            not isinstance(d, int) or isinstance(d, bool) or d <= 0 for d in out):
        raise LayerError(f"output_shape must be a positive int or a list of them, got {out!r}")
    return tuple(out)


def _mha_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    query, value, key = _qvk(inputs, "MultiHeadAttention")
    if value[1:-1] != key[1:-1]:
        raise LayerError(f"MultiHeadAttention: value and key must match on every axis but the "
                         f"last, got value {format_shape(value)} and key {format_shape(key)}")
    return tuple(query[:-1]) + _mha_output(config, query)


def _mha_scores(inputs: tuple[Shape, ...], config: Config, out: Shape) -> tuple[Shape, ...]:
    """With ``return_attention_scores``, the scores ``(None, heads, *query axes, *key axes)``
    (Keras ``MultiHeadAttention._compute_attention``, default attention axes)."""
    if not config.get("return_attention_scores"):
        return ()
    query, _, key = _qvk(inputs, "MultiHeadAttention")
    return ((None, config["num_heads"]) + tuple(query[1:-1]) + tuple(key[1:-1]),)


def _mha_weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
    query, value, key = _qvk(inputs, "MultiHeadAttention")
    heads, kd = config["num_heads"], config["key_dim"]
    vd = config["value_dim"] or kd
    out = _mha_output(config, query)
    if out == (None,):
        raise LayerError("the query's last axis must be known to build the output projection")
    projections = [("query", _dim(query, "query"), kd), ("key", _dim(key, "key"), kd)]
    if config["use_gate"]:
        projections.append(("gate", _dim(query, "query"), vd))
    projections.append(("value", _dim(value, "value"), vd))
    w: list[WeightSpec] = []
    for name, dim, width in projections:
        w.append(WeightSpec(f"{name}/kernel", (dim, heads, width)))
        if config["use_bias"]:
            w.append(WeightSpec(f"{name}/bias", (heads, width)))
    w.append(WeightSpec("attention_output/kernel", (heads, vd) + out))
    if config["use_bias"]:
        w.append(WeightSpec("attention_output/bias", out))
    return tuple(w)


def _attention_core_macs(query: Shape, value: Shape, key: Shape, q_heads: int,
                         kv_heads: int, kd: int, vd: int, d_out: int, gate: bool) -> int:
    """MACs of multi-head attention: Q, K, V projections, QKᵀ, AV, output projection (and
    the gate projection); ``kv_heads`` key/value heads shared by ``q_heads`` query heads."""
    tq, tk, tv = size(query[1:-1]), size(key[1:-1]), size(value[1:-1])
    dq = size(query[-1:])
    macs = (tq * dq * q_heads * kd + tk * size(key[-1:]) * kv_heads * kd
            + tv * size(value[-1:]) * kv_heads * vd
            + q_heads * tq * tk * kd + q_heads * tq * tv * vd + tq * q_heads * vd * d_out)
    if gate:
        macs += tq * dq * q_heads * vd
    return macs


def _mha_macs(inputs: tuple[Shape, ...], out: Shape, config: Config) -> int:
    query, value, key = _qvk(inputs, "MultiHeadAttention")
    heads, kd = config["num_heads"], config["key_dim"]
    vd = config["value_dim"] or kd
    d_out = size(_mha_output(config, query))
    return _attention_core_macs(query, value, key, heads, heads, kd, vd, d_out,
                                config["use_gate"])


def _gqa_macs(inputs: tuple[Shape, ...], out: Shape, config: Config) -> int:
    query, value, key = _qvk(inputs, "GroupQueryAttention")
    hd = config["head_dim"]
    return _attention_core_macs(query, value, key, config["num_query_heads"],
                                config["num_key_value_heads"], hd, hd, size(query[-1:]),
                                config["use_gate"])


def _attention_macs(inputs: tuple[Shape, ...], out: Shape, config: Config) -> int:
    query, value, key = _qvk(inputs, "Attention")
    pairs = size(query[1:-1]) * size(value[1:-1])
    weighted_sum = pairs * size(value[-1:])
    if config.get("score_mode", "concat") == "dot":
        return pairs * size(query[-1:]) + weighted_sum
    return weighted_sum


def _attention_shape_rule(layer: str):
    def output_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
        query, value, key = _qvk(inputs, layer)
        if value[1:-1] != key[1:-1] and None not in value[1:-1] + key[1:-1]:
            raise LayerError(f"{layer}: value and key must have the same steps, got "
                             f"{format_shape(value)} and {format_shape(key)}")
        # Both score modes combine query and key feature by feature.
        if query[-1] is not None and key[-1] is not None and query[-1] != key[-1]:
            raise LayerError(f"{layer}: query and key must have the same last axis, got "
                             f"{format_shape(query)} and {format_shape(key)}")
        return tuple(query[:-1]) + (value[-1],)
    return output_shape


def _attention_weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
    w = []
    if config["use_scale"]:
        w.append(WeightSpec("scale", ()))
    if config["score_mode"] == "concat":
        w.append(WeightSpec("concat_score_weight", ()))
    return tuple(w)


def _additive_weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
    if not config["use_scale"]:
        return ()
    return (WeightSpec("scale", (_dim(inputs[0], "query"),)),)


def _gqa_check(inputs: tuple[Shape, ...], config: Config) -> tuple[Shape, Shape, Shape]:
    query, value, key = _qvk(inputs, "GroupQueryAttention")
    for name, x in (("query", query), ("value", value), ("key", key)):
        if len(x) != 3:
            raise LayerError(f"GroupQueryAttention: {name} must have rank 3 (batch, steps, "
                             f"features), got {format_shape(x)}")
    if config["num_query_heads"] % config["num_key_value_heads"]:
        raise LayerError(f"GroupQueryAttention: num_query_heads "
                         f"({config['num_query_heads']}) must be divisible by "
                         f"num_key_value_heads ({config['num_key_value_heads']})")
    if query[-1] is not None and value[-1] is not None and query[-1] != value[-1]:
        raise LayerError(f"GroupQueryAttention: query and value must have the same last "
                         f"axis, got {format_shape(query)} and {format_shape(value)}")
    if value[1:-1] != key[1:-1]:
        raise LayerError(f"GroupQueryAttention: value and key must match on every axis but "
                         f"the last, got {format_shape(value)} and {format_shape(key)}")
    return query, value, key


def _gqa_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    return _gqa_check(inputs, config)[0]


def _gqa_weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
    # GroupedQueryAttention.build: EinsumDense query "bqm,muh->bquh", key/value
    # "bkm,mvh->bkvh", (gate like query), output "bquh,uhm->bqm" with bias "m".
    query, value, key = _gqa_check(inputs, config)
    nq, nkv, hd = config["num_query_heads"], config["num_key_value_heads"], config["head_dim"]
    feature = _dim(query, "query")
    projections = [("query", feature, nq), ("key", _dim(key, "key"), nkv)]
    if config["use_gate"]:
        projections.append(("gate", feature, nq))
    projections.append(("value", _dim(value, "value"), nkv))
    w: list[WeightSpec] = []
    for name, dim, heads in projections:
        w.append(WeightSpec(f"{name}/kernel", (dim, heads, hd)))
        if config["use_bias"]:
            w.append(WeightSpec(f"{name}/bias", (heads, hd)))
    w.append(WeightSpec("attention_output/kernel", (nq, hd, feature)))
    if config["use_bias"]:
        w.append(WeightSpec("attention_output/bias", (feature,)))
    return tuple(w)


SPECS = (
    LayerSpec(
        "MultiHeadAttention", "Attention",
        (int_field("num_heads", 2, doc="Number of attention heads."),
         int_field("key_dim", 16, doc="Size of each head for query and key."),
         int_field("value_dim", None, optional=True,
                   doc="Size of each head for value; empty (None): key_dim."),
         float_field("dropout", 0.0, 0.0, 1.0),
         bool_field("use_bias", True, doc="Biases in the dense projections."),
         IntOrShapeField("output_shape", FieldKind.SHAPE, None, minimum=1, optional=True,
                      doc="Size of the output's last axis (or axes); empty: the query's."),
         bool_field("use_gate", False, doc="Gate the heads with a sigmoid projection."),
         bool_field("return_attention_scores", False,
                    doc="Also return the attention scores (None, heads, query steps, key "
                        "steps): a second output (a call argument in Keras).")),
        _mha_shape, _mha_weights, inputs=QVK, macs=_mha_macs, extra_outputs=_mha_scores,
        doc="Multi-head scaled dot-product attention; inputs query, value (and key). "
            "Parameters: query, key and value projections (dim + 1)·heads·key_dim each "
            "(value_dim for value), and the output projection (heads·value_dim + 1)·dim."),
    LayerSpec(
        "Attention", "Attention",
        (bool_field("use_scale", False, doc="Learn a scalar that scales the scores."),
         choice_field("score_mode", "dot", ("dot", "concat")),
         float_field("dropout", 0.0, 0.0, 1.0)),
        _attention_shape_rule("Attention"), _attention_weights, inputs=QVK,
        macs=_attention_macs,
        doc="Dot-product (Luong) attention; output (batch, query steps, value dim). "
            "Parameters: 1 scale with use_scale, 1 more with score_mode='concat'."),
    LayerSpec(
        "AdditiveAttention", "Attention",
        (bool_field("use_scale", True, doc="Learn one scale per feature."),
         float_field("dropout", 0.0, 0.0, 1.0)),
        _attention_shape_rule("AdditiveAttention"), _additive_weights, inputs=QVK,
        macs=_attention_macs,
        doc="Additive (Bahdanau) attention. Parameters: one scale per query feature with "
            "use_scale."),
    LayerSpec(
        # Keras's class is GroupedQueryAttention, exported and written in configs as
        # GroupQueryAttention (keras.layers.GroupQueryAttention; class_name of to_json()).
        "GroupQueryAttention", "Attention",
        (int_field("head_dim", 16, doc="Size of each attention head."),
         int_field("num_query_heads", 8, doc="Number of query heads."),
         int_field("num_key_value_heads", 2, doc="Number of key/value heads (divides "
                                                  "num_query_heads)."),
         float_field("dropout", 0.0, 0.0, 1.0),
         bool_field("use_bias", True),
         bool_field("use_gate", False)),
        _gqa_shape, _gqa_weights, inputs=QVK, macs=_gqa_macs,
        doc="Attention whose query heads share fewer key/value heads. Parameters: query and "
            "output projections (dim + 1)·query_heads·head_dim, key and value "
            "(dim + 1)·kv_heads·head_dim (output bias: dim)."),
)
