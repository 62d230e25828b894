"""Core layers (Keras ``keras/src/layers/core/``): InputLayer, Dense, EinsumDense, Embedding,
Identity, Masking; ConvNeXt's LayerScale and StochasticDepth (keras.applications); and the
regularization layers (``keras/src/layers/regularization/``): Dropout, SpatialDropout1D/2D/3D,
GaussianNoise, GaussianDropout, AlphaDropout, ActivityRegularization. The latter are active
only in training, keep their input's shape and have no weights.

MACs (cost_conventions.md): Dense ``positions·in_features·units`` (positions: every input axis
but the batch and the last); EinsumDense ``output elements · product of the contracted
lengths``; the rest 0 (Embedding is a gather).
"""
from __future__ import annotations

import re

from paramlab.core.catalogue.common import (
    IntOrShapeField,
    lora_field,
    ranked_input,
    same_shape,
    with_lora,
)
from paramlab.core.catalogue.conv import DATA_FORMAT
from paramlab.core.costs import size
from paramlab.core.errors import LayerError
from paramlab.core.fields import (
    FieldKind,
    activation_field,
    bool_field,
    float_field,
    int_field,
    shape_field,
    str_field,
)
from paramlab.core.shapes import broadcast, require_known
from paramlab.core.spec import NO_INPUT, Config, LayerSpec, one_input
from paramlab.core.types import Shape, WeightSpec, format_shape


def _input_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    return (None,) + tuple(config["shape"])


def _dense_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    x = one_input(inputs)
    if len(x) < 2:
        raise LayerError(f"Dense needs an input of rank 2 or more, got {x}")
    return x[:-1] + (config["units"],)


def _dense_weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
    # Keras Dense.build: kernel (last input axis, units), bias (units,)
    cin = require_known(one_input(inputs)[-1], "the last axis of Dense's input")
    w = [WeightSpec("kernel", (cin, config["units"]))]
    if config["use_bias"]:
        w.append(WeightSpec("bias", (config["units"],)))
    return with_lora(w, config)


def _dense_macs(inputs: tuple[Shape, ...], out: Shape, config: Config) -> int:
    return size(inputs[0][1:]) * config["units"]


def _embedding_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    # Keras Embedding.compute_output_shape: input shape + (output_dim,)
    return tuple(one_input(inputs)) + (config["output_dim"],)


def _embedding_weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
    return with_lora([WeightSpec("embeddings", (config["input_dim"], config["output_dim"]))],
                     config, "lora_embeddings_a", "lora_embeddings_b")


def _reversible_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    """Keras ``ReversibleEmbedding.compute_output_shape``: the Embedding's shape, or with
    the call argument ``reverse=True`` (a shared layer's second call) the input with its
    last axis (output_dim vectors) replaced by input_dim logits."""
    if not config["reverse"]:
        return _embedding_shape(inputs, config)
    x = one_input(inputs)
    if len(x) < 2:
        raise LayerError(f"ReversibleEmbedding(reverse=True) takes vectors (..., output_dim), "
                         f"got {format_shape(x)}")
    if x[-1] is not None and x[-1] != config["output_dim"]:
        raise LayerError(f"ReversibleEmbedding(reverse=True): the input's last axis ({x[-1]}) "
                         f"must equal output_dim ({config['output_dim']})")
    return tuple(x[:-1]) + (config["input_dim"],)


def _reversible_weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
    # Keras ReversibleEmbedding.build: Embedding's, then reverse_embeddings
    # (output_dim, input_dim) when tie_weights=False.
    w = _embedding_weights(inputs, config)
    if not config["tie_weights"]:
        w += (WeightSpec("reverse_embeddings", (config["output_dim"], config["input_dim"])),)
    return w


def _reversible_macs(inputs: tuple[Shape, ...], out: Shape, config: Config) -> int:
    # forward: a gather (0, cost_conventions.md); reverse: a matmul like Dense's,
    # positions·output_dim·input_dim
    if not config["reverse"]:
        return 0
    x = one_input(inputs)
    return size(x[1:-1]) * config["output_dim"] * config["input_dim"]


def _layer_scale_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    # convnext.LayerScale.call is x * gamma, gamma of shape (projection_dim,): NumPy
    # broadcasting (keras.src.ops.operation_utils.broadcast_shapes), so a projection_dim
    # of 1 keeps the input's shape and an input axis of 1 stretches to projection_dim.
    x = one_input(inputs)
    dim = config["projection_dim"]
    if len(x) < 2:
        # gamma would broadcast against the batch axis
        raise LayerError("LayerScale needs an input with a feature axis, got only the batch "
                         "axis")
    if x[-1] is not None and 1 not in (x[-1], dim) and x[-1] != dim:
        raise LayerError(f"LayerScale: projection_dim ({dim}) must equal the input's last "
                         f"axis ({x[-1]}), or one of them be 1")
    return broadcast((x, (dim,)), "LayerScale")


def _layer_scale_weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
    return (WeightSpec("gamma", (config["projection_dim"],)),)


def regularization_spec(name: str, fields: tuple, doc: str) -> LayerSpec:
    """A weightless layer active only in training that keeps its input's shape."""
    return LayerSpec(name, "Regularization", fields, same_shape, doc=doc, fields_only=True)


def spatial_dropout_spec(rank: int) -> LayerSpec:
    """The spec of ``SpatialDropout{rank}D`` (input rank ``rank + 2``). Keras's
    SpatialDropout1D has no ``data_format`` (keras/src/layers/regularization/
    spatial_dropout.py: channels last always); 2D and 3D take one."""
    type_name = f"SpatialDropout{rank}D"

    def output_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
        return ranked_input(inputs, rank + 2, type_name)

    return LayerSpec(
        type_name, "Regularization",
        (float_field("rate", 0.5, 0.0, 1.0, doc="Fraction of channels set to 0."),
         *((DATA_FORMAT,) if rank > 1 else ())),
        output_shape,
        doc="During training, drops whole channels (feature maps) at random. 0 parameters.")


_EINSUM = (  # the three equation forms Keras's EinsumDense accepts
    (re.compile(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)"), ""),
    (re.compile(r"\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)"), "left"),
    (re.compile(r"([a-zA-Z]{2,})\.\.\.,([a-zA-Z]+)->([a-zA-Z]+)\.\.\."), "right"),
)


def _einsum_parts(equation: str) -> tuple[str, str, str, str]:
    """``(input spec, weight spec, output spec, elision)`` of an EinsumDense equation.

    Raises:
        LayerError: the equation has none of the three forms Keras accepts.
    """
    for pattern, elision in _EINSUM:
        match = pattern.fullmatch(equation)
        if match:
            return match.group(1), match.group(2), match.group(3), elision
    raise LayerError(f"EinsumDense: equation must look like 'ab,bc->ac', '...b,bc->...c' "
                     f"or 'ab...,bc->ac...', got {equation!r}")


def _einsum(x: Shape, config: Config) -> tuple[Shape, tuple, tuple | None]:
    """Output shape, kernel shape and bias shape (or None) of EinsumDense on ``x``; weights
    follow ``_analyze_einsum_string`` in keras/src/layers/core/einsum_dense.py.

    Raises:
        LayerError: the equation is malformed or does not fit the input and output_shape.
    """
    equation = config["equation"]
    in_spec, w_spec, out_spec, elision = _einsum_parts(equation)
    elided = len(x) - len(in_spec)
    if elided < 0 or (elided and not elision) or (elision and not elided):
        raise LayerError(f"EinsumDense: equation {equation!r} does not fit an input of rank "
                         f"{len(x)} ({format_shape(x)})")
    out: list = list(config["output_shape"])
    out.insert(0, x[0])
    if elision == "left":
        for i in range(1, elided):  # Keras inserts each elided axis at position 1
            out.insert(1, x[i])
        in_index = {c: i + elided - len(x) for i, c in enumerate(in_spec)}
        out_index = {c: i + elided for i, c in enumerate(out_spec)}
    else:
        if elision == "right":
            out.extend(x[len(x) - elided:])
        in_index = {c: i for i, c in enumerate(in_spec)}
        out_index = {c: i for i, c in enumerate(out_spec)}
    expected = len(out_spec) + elided if elided else len(out_spec)
    if len(out) != expected:
        raise LayerError(f"EinsumDense: output_shape {config['output_shape']} does not match "
                         f"the output spec {out_spec!r} of {equation!r} (expected "
                         f"{len(out_spec) - 1} lengths without the batch axis)")
    for c in in_spec:
        if c in out_index:
            o, i = out[out_index[c]], x[in_index[c]]
            if o is not None and i is not None and o != i:
                raise LayerError(f"EinsumDense: axis {c!r} is {i} in the input but "
                                 f"{o} in output_shape")
    for c in out_spec:
        if c not in in_spec and c not in w_spec:
            raise LayerError(f"EinsumDense: output axis {c!r} is neither in the input nor in "
                             f"the weight spec of {equation!r}")
    kernel = []
    for c in w_spec:
        if c in out_index:
            kernel.append(out[out_index[c]])
        elif c in in_index:
            kernel.append(x[in_index[c]])
        else:
            raise LayerError(f"EinsumDense: weight axis {c!r} is neither in the input nor in "
                             f"the output of {equation!r}")
    bias = None
    if config["bias_axes"]:
        for c in config["bias_axes"]:
            if c not in out_spec:
                raise LayerError(f"EinsumDense: bias axis {c!r} is not in the output spec "
                                 f"{out_spec!r}")
        shift = elided if elision == "left" else 0
        first = min(out_spec.find(c) for c in config["bias_axes"])
        bias = tuple(out[i + shift] if c in config["bias_axes"] else 1
                     for i, c in enumerate(out_spec) if i >= first)
        if elision != "left":
            bias += (1,) * elided
    # The output shape is output_shape as given, the batch and elided axes filled in from
    # the input (compute_output_shape returns _analyze_einsum_string's full_output_shape):
    # a None in output_shape stays None even where the input's axis is known ("abc,cd->abd",
    # (None, 64) on (None, 32, 128) gives (None, None, 64) in Keras 3.15.1).
    return (None,) + tuple(out[1:]), tuple(kernel), bias


def _einsum_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    return _einsum(one_input(inputs), config)[0]


def _einsum_macs(inputs: tuple[Shape, ...], out: Shape, config: Config) -> int:
    # Every letter summed over (in the input or the kernel, not in the output) multiplies
    # each output element's work; elided axes ("...") are always in the output.
    x = inputs[0]
    in_spec, w_spec, out_spec, elision = _einsum_parts(config["equation"])
    _, kernel, _ = _einsum(x, config)
    offset = len(x) - len(in_spec) if elision == "left" else 0
    lengths = {c: x[i + offset] for i, c in enumerate(in_spec)}
    lengths.update((c, d) for c, d in zip(w_spec, kernel) if lengths.get(c) is None)
    # An output axis output_shape leaves None (Keras's output shape keeps it None) still
    # runs over the input's length.
    dims = list(out)
    shift = len(out) - len(out_spec) if elision == "left" else 0
    for i, c in enumerate(out_spec):
        if dims[i + shift] is None and i + shift:
            dims[i + shift] = lengths.get(c)
    return size(dims[1:]) * size(d for c, d in lengths.items() if c not in out_spec)


def _einsum_weights(inputs: tuple[Shape, ...], config: Config) -> tuple[WeightSpec, ...]:
    _, kernel, bias = _einsum(one_input(inputs), config)
    for name, shape in (("kernel", kernel), ("bias", bias or ())):
        if any(d is None for d in shape):
            raise LayerError(f"EinsumDense: the {name} shape {shape} has an unknown length; "
                             "give it in output_shape or in the input")
    w = [WeightSpec("kernel", kernel)]
    if bias is not None:
        w.append(WeightSpec("bias", bias))
    return with_lora(w, config)


SPECS = (
    LayerSpec(
        "InputLayer", "Core",
        (shape_field("shape", (32,), doc="Shape of one sample, without the batch axis "
                                         "(null for a variable length)."),),
        _input_shape, inputs=NO_INPUT,
        doc="The model's input: a tensor of shape (None, *shape). No parameters."),
    LayerSpec(
        "Dense", "Core",
        (int_field("units", 32, doc="Number of output units."),
         activation_field(),
         bool_field("use_bias", True, doc="Add a bias vector of length units."),
         lora_field()),
        _dense_shape, _dense_weights,
        doc="Fully connected layer on the last axis: output (..., units). "
            "Parameters: (inputs + 1)·units — a kernel (inputs, units) and a bias (units,).",
        macs=_dense_macs, fields_only=True),
    LayerSpec(
        "EinsumDense", "Core",
        (str_field("equation", "ab,bc->ac", doc="Einsum equation input,kernel->output, e.g. "
                                                 "'abc,cd->abd'."),
         IntOrShapeField("output_shape", FieldKind.SHAPE, (64,), minimum=1,
                         doc="Output shape without the batch axis (null: unknown)."),
         str_field("bias_axes", None, optional=True,
                   doc="Output axes (letters) that get a bias; empty: none."),
         activation_field(),
         lora_field()),
        _einsum_shape, _einsum_weights, macs=_einsum_macs,
        doc="A dense layer written as an einsum: the kernel's axes are named by the "
            "equation. Parameters: the kernel (its letters' lengths) plus the bias over "
            "bias_axes."),
    LayerSpec(
        "Embedding", "Core",
        (int_field("input_dim", 1000, doc="Vocabulary size: the largest index + 1."),
         int_field("output_dim", 64, doc="Length of each embedding vector."),
         bool_field("mask_zero", False, doc="Index 0 is padding: later layers skip it."),
         lora_field()),
        _embedding_shape, _embedding_weights,
        doc="Maps each integer index to a learned vector: output (..., output_dim). "
            "Parameters: input_dim·output_dim — one row of embeddings per index."),
    LayerSpec(
        "ReversibleEmbedding", "Core",
        (int_field("input_dim", 1000, doc="Vocabulary size: the largest index + 1."),
         int_field("output_dim", 64, doc="Length of each embedding vector."),
         bool_field("tie_weights", True, doc="The reverse call uses the embeddings "
                                             "transposed (no weights of its own)."),
         bool_field("mask_zero", False, doc="Index 0 is padding: later layers skip it."),
         float_field("logit_soft_cap", None, 0.0, optional=True,
                     doc="Caps the reverse call's logits: tanh(x / cap)·cap (empty: off)."),
         bool_field("reverse", False, doc="Call argument: map vectors (..., output_dim) "
                                          "back to logits (..., input_dim), as the shared "
                                          "layer's second call does.")),
        _reversible_shape, _reversible_weights, macs=_reversible_macs,
        doc="An Embedding that can also run in reverse (reverse=True), giving logits over the "
            "vocabulary. Parameters: input_dim·output_dim, plus output_dim·input_dim with "
            "tie_weights=False; the reverse call of a shared layer adds none."),
    LayerSpec("Identity", "Core", (), same_shape,
              doc="Returns its input unchanged. 0 parameters."),
    LayerSpec("Masking", "Core",
              (float_field("mask_value", 0.0, doc="Time steps whose features all equal this "
                                                  "are skipped by later layers."),),
              same_shape, doc="Marks time steps to skip (mask). 0 parameters."),
) + tuple(
    regularization_spec(name, fields, doc)
    for name, fields, doc in (
        ("Dropout", (float_field("rate", 0.5, 0.0, 1.0, doc="Fraction of inputs set to 0."),),
         ("During training, sets a random fraction rate of inputs to 0 and scales the rest "
          "by 1/(1 - rate). 0 parameters.")),
        ("GaussianNoise", (float_field("stddev", 0.1, 0.0, doc="Standard deviation of the "
                                                                "noise."),),
         "During training, adds zero-centred Gaussian noise. 0 parameters."),
        ("GaussianDropout", (float_field("rate", 0.5, 0.0, 1.0, doc="Drop probability."),),
         "During training, multiplies by 1-centred Gaussian noise. 0 parameters."),
        ("AlphaDropout", (float_field("rate", 0.5, 0.0, 1.0, doc="Drop probability."),),
         "Dropout that keeps the mean and variance (for SELU). 0 parameters."),
        ("ActivityRegularization", (float_field("l1", 0.0, 0.0), float_field("l2", 0.0, 0.0)),
         "Adds an L1/L2 penalty on the activations to the loss. 0 parameters."),
    )
) + tuple(spatial_dropout_spec(rank) for rank in (1, 2, 3)) + (
    # keras.applications.convnext defines these two layer classes (keras/src/applications/
    # convnext.py): LayerScale.build adds gamma (projection_dim,); StochasticDepth has none.
    LayerSpec(
        "LayerScale", "Core",
        (float_field("init_values", 1e-6, doc="Initial value of every scale."),
         int_field("projection_dim", 96, doc="Number of channels scaled.")),
        _layer_scale_shape, _layer_scale_weights,
        doc="ConvNeXt's learned per-channel scale: x·gamma. Parameters: projection_dim."),
    LayerSpec(
        "StochasticDepth", "Regularization",
        (float_field("drop_path_rate", 0.0, 0.0, 1.0,
                     doc="Probability of dropping the residual path."),),
        same_shape,
        doc="ConvNeXt's drop-path: drops a whole residual branch during training. "
            "0 parameters."),
)
