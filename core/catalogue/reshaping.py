"""Reshaping layers, channels-last (Keras ``keras/src/layers/reshaping/``).

None has weights. Factories make the 1D/2D/3D families: :func:`padding_spec`
(``ZeroPadding``: length + before + after), :func:`cropping_spec` (``Cropping``: length -
before - after, which must stay positive) and :func:`upsampling_spec` (``UpSampling``:
length · size).
"""
from __future__ import annotations

from paramlab.core.catalogue.common import pairs_field, ranked_input
from paramlab.core.catalogue.conv import DATA_FORMAT
from paramlab.core.errors import LayerError
from paramlab.core.fields import (
    FieldKind,
    FieldSpec,
    choice_field,
    int_field,
    ints_field,
    shape_field,
)
from paramlab.core.shapes import flatten_size, reshape
from paramlab.core.spec import Config, LayerSpec, one_input
from paramlab.core.types import Dim, Shape, format_shape

# Keras 3 and tf.keras 2 interpolation names (the latter adds area, gaussian, mitchellcubic).
INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area", "gaussian",
                  "mitchellcubic")
_AXES = {1: "steps", 2: "rows, cols", 3: "dim1, dim2, dim3"}


def _flatten_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    # Keras Flatten.compute_output_shape: (batch, prod(non-batch axes)); 1 for a rank-1 input.
    x = one_input(inputs)
    return (None, flatten_size(x[1:]) if len(x) > 1 else 1)


def _reshape_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    return reshape(one_input(inputs), config["target_shape"])


def _permute_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    x = one_input(inputs)
    dims = tuple(config["dims"])
    if sorted(dims) != list(range(1, len(x))):
        raise LayerError(f"Permute: dims must be a permutation of 1..{len(x) - 1} for an input "
                         f"{format_shape(x)}, got {dims}")
    return (None,) + tuple(x[d] for d in dims)


def _repeat_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    x = ranked_input(inputs, 2, "RepeatVector")
    return (None, config["n"], x[1])


def padding_spec(rank: int) -> LayerSpec:
    """The spec of ``ZeroPadding{rank}D``."""
    type_name = f"ZeroPadding{rank}D"

    def output_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
        x = ranked_input(inputs, rank + 2, type_name)
        p = config["padding"]
        return (None,) + tuple(_add(x[1 + i], p[2 * i] + p[2 * i + 1]) for i in range(rank)) \
            + (x[-1],)

    # Every ZeroPadding takes data_format (Keras 3); Cropping1D does not.
    fields = (pairs_field("padding", 1, rank,
                          doc=f"Zeros added (before, after) on each spatial axis "
                              f"({_AXES[rank]})."), DATA_FORMAT)
    return LayerSpec(type_name, "Reshaping", fields, output_shape,
                     doc=f"Adds rows of zeros around a {rank}D input: each spatial length grows "
                         "by before + after. 0 parameters.", fields_only=True)


def cropping_spec(rank: int) -> LayerSpec:
    """The spec of ``Cropping{rank}D``."""
    type_name = f"Cropping{rank}D"

    def output_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
        x = ranked_input(inputs, rank + 2, type_name)
        c = config["cropping"]
        out = []
        for i in range(rank):
            length, cut = x[1 + i], c[2 * i] + c[2 * i + 1]
            if length is not None and cut >= length:
                raise LayerError(f"{type_name}: cropping {cut} from spatial axis {i + 1} of "
                                 f"length {length} leaves nothing; crop less than {length}")
            out.append(None if length is None else length - cut)
        return (None,) + tuple(out) + (x[-1],)

    fields = (pairs_field("cropping", 0 if rank == 2 else 1, rank,
                          doc=f"Values cut (before, after) on each spatial axis ({_AXES[rank]})."),)
    if rank > 1:
        fields += (DATA_FORMAT,)
    return LayerSpec(type_name, "Reshaping", fields, output_shape,
                     doc=f"Cuts the borders of a {rank}D input: each spatial length shrinks by "
                         "before + after. 0 parameters.")


def upsampling_spec(rank: int) -> LayerSpec:
    """The spec of ``UpSampling{rank}D``."""
    type_name = f"UpSampling{rank}D"

    def output_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
        x = ranked_input(inputs, rank + 2, type_name)
        size = config["size"]
        if isinstance(size, int):
            size = (size,)
        return (None,) + tuple(None if x[1 + i] is None else x[1 + i] * size[i]
                               for i in range(rank)) + (x[-1],)

    if rank == 1:
        fields: tuple[FieldSpec, ...] = (int_field("size", 2, doc="Repetitions of each step."),)
    else:
        fields = (ints_field("size", 2, rank, doc="Repetitions along each spatial axis."),
                  DATA_FORMAT)
    if rank == 2:
        fields += (choice_field("interpolation", "nearest",
                                INTERPOLATIONS,
                                doc="How new values are filled in."),)
    return LayerSpec(type_name, "Reshaping", fields, output_shape,
                     doc=f"Repeats each value of a {rank}D input size times along each spatial "
                         "axis. 0 parameters.")


def _add(length: Dim, extra: int) -> Dim:
    return None if length is None else length + extra


SPECS = (
    LayerSpec("Flatten", "Reshaping", (DATA_FORMAT,), _flatten_shape,
              doc="Flattens every axis but the batch axis into one: (None, product). "
                  "0 parameters.", fields_only=True),
    LayerSpec("Reshape", "Reshaping",
              (shape_field("target_shape", (-1,), allow_minus_one=True,
                           doc="Output shape without the batch axis; one -1 is inferred."),),
              _reshape_shape,
              doc="Reshapes to target_shape; the number of values must stay the same. "
                  "0 parameters.", fields_only=True),
    LayerSpec("Permute", "Reshaping",
              (FieldSpec("dims", FieldKind.SHAPE, (2, 1), minimum=1,
                         doc="New order of the non-batch axes, numbered from 1."),),
              _permute_shape, doc="Reorders the non-batch axes. 0 parameters."),
    LayerSpec("RepeatVector", "Reshaping", (int_field("n", 2, doc="Number of repetitions."),),
              _repeat_shape,
              doc="Repeats a (None, features) input n times: (None, n, features). "
                  "0 parameters."),
) + tuple(padding_spec(r) for r in (1, 2, 3)) + tuple(cropping_spec(r) for r in (1, 2, 3)) \
  + tuple(upsampling_spec(r) for r in (1, 2, 3))

