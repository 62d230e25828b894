"""Image preprocessing and augmentation layers (Keras ``keras/src/layers/preprocessing/
image_preprocessing/``).

None has weights. ``Resizing``, ``CenterCrop`` and ``RandomCrop`` give images of ``(height,
width)`` whatever the input's size (a crop larger than its input is resized up: Keras's
``compute_output_shape``); every augmentation keeps its input's shape (its
``compute_output_shape`` returns ``input_shape``; checked on real Keras 3.15.1 in
``tests/data/keras/hb_augment*.json``). ``RandomColorDegeneration`` alone checks its input:
rank 3 or 4 with 3 channels.

The layers that take ``data_format`` declare it; propagation hands a channels_first layer
channels-last shapes (``core.shapes.rules_see_channels_last``), so the rules below are
written for ``(batch, height, width, channels)``. The fields are Keras 3.15.1's arguments
with its defaults; an argument Keras requires (``RandomRotation``'s ``factor``) gets a
typical value, so that a layer dropped from the palette exports to Keras code that runs.
Arguments that change nothing ParamLab computes and have no fixed type (``seed``) are not
declared: they pass through untouched.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from paramlab.core.catalogue.common import (
    NumberOrListField,
    number_or_list_field,
    ranked_input,
    same_shape,
)
from paramlab.core.catalogue.conv import DATA_FORMAT
from paramlab.core.catalogue.reshaping import INTERPOLATIONS
from paramlab.core.errors import LayerError
from paramlab.core.fields import (
    FieldKind,
    FieldSpec,
    bool_field,
    choice_field,
    float_field,
    int_field,
    ints_field,
)
from paramlab.core.spec import Config, LayerSpec
from paramlab.core.types import Shape, format_shape

#: Layer -> the torchvision.transforms.v2 class doing its work, for the layers that change
#: images only in training and return them unchanged at inference (Keras 3.15.1,
#: ``layer(x, training=False)`` is ``x``), and MaxNumBoundingBoxes (``None``), which never
#: changes the images. The PyTorch rules and export read it.
IDENTITY_AT_INFERENCE: dict[str, str | None] = {
    "RandomFlip": "RandomHorizontalFlip / RandomVerticalFlip", "RandomRotation": "RandomRotation",
    "RandomTranslation": "RandomAffine", "RandomZoom": "RandomAffine",
    "RandomShear": "RandomAffine", "RandomContrast": "ColorJitter",
    "RandomBrightness": "ColorJitter", "RandomColorJitter": "ColorJitter",
    "RandomSaturation": "ColorJitter", "RandomHue": "ColorJitter",
    "RandomColorDegeneration": "ColorJitter", "AugMix": "AugMix",
    "RandAugment": "RandAugment", "CutMix": "CutMix", "MixUp": "MixUp",
    "RandomErasing": "RandomErasing", "RandomGaussianBlur": "GaussianBlur",
    "RandomGrayscale": "RandomGrayscale", "RandomInvert": "RandomInvert",
    "RandomPerspective": "RandomPerspective", "RandomPosterization": "RandomPosterize",
    "RandomSharpness": "RandomAdjustSharpness", "Solarization": "RandomSolarize",
    "RandomElasticTransform": "ElasticTransform",
    "MaxNumBoundingBoxes": None,
}

# Keras 3 (backend/*/image.py AFFINE_TRANSFORM_FILL_MODES) and tf.keras 2 fill modes.
FILL_MODES = ("reflect", "wrap", "constant", "nearest", "mirror")
_RESIZE_INTERPOLATIONS = ("bilinear",) + tuple(i for i in INTERPOLATIONS if i != "bilinear")

_VALUE_RANGE = number_or_list_field("value_range", (0.0, 255.0),
                                    doc="(low, high) range of the input's pixel values.")
_RESIZE_INTERPOLATION = choice_field("interpolation", "bilinear", _RESIZE_INTERPOLATIONS,
                                     doc="How pixels between grid points are computed.")
# The geometric augmentations go through Keras's affine_transform, which knows two
# (backend/*/image.py AFFINE_TRANSFORM_INTERPOLATIONS; tf.keras 2 the same).
_INTERPOLATION = choice_field("interpolation", "bilinear", ("bilinear", "nearest"),
                              doc="How pixels between grid points are computed.")
_FILL_MODE = choice_field("fill_mode", "reflect", FILL_MODES,
                          doc="How points outside the input are filled.")
_FILL_VALUE = float_field("fill_value", 0.0, doc="Value of points outside the input "
                                                 "(fill_mode='constant').")
_SIZE = (int_field("height", 224, doc="Output height."),
         int_field("width", 224, doc="Output width."))


def _factor(name: str = "factor", default: object = 1.0, optional: bool = False,
            doc: str = "Strength: a number, or (lower, upper) bounds of the random "
                       "amount.") -> FieldSpec:
    return number_or_list_field(name, default, optional=optional, doc=doc)


@dataclass(frozen=True)
class _ShearFactor(NumberOrListField):
    """RandomShear's factor, ``(-f, f)`` normalised to ``f`` (the same range): Keras
    3.15.1's ``get_config`` writes the pair, which its own constructor refuses (each value
    must lie in [0, 1]), so the exports write ``f`` and Keras can rebuild the layer."""

    def validate(self, value: Any) -> Any:
        value = super().validate(value)
        if isinstance(value, tuple) and len(value) == 2 and value[0] == -value[1]:
            return abs(value[1])
        return value


def _shear_factor(name: str, doc: str) -> FieldSpec:
    return _ShearFactor(name, FieldKind.FLOAT, 0.0, doc=doc)


def _sized(inputs: tuple[Shape, ...], config: Config, layer: str) -> Shape:
    x = ranked_input(inputs, 4, layer)
    return x[:-3] + (config["height"], config["width"], x[-1])


def _resizing_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    return _sized(inputs, config, "Resizing")


def _center_crop_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    return _sized(inputs, config, "CenterCrop")


def _random_crop_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    return _sized(inputs, config, "RandomCrop")


def _color_degeneration_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
    # Keras RandomColorDegeneration.compute_output_shape: rank 3 or 4; the channel axis
    # (-1, or -3 channels_first, which is the batch axis of a rank-3 input) must be 3.
    x = ranked_input(inputs, (3, 4), "RandomColorDegeneration")
    first = config["data_format"] == "channels_first"
    channels = None if first and len(x) == 3 else x[-1]
    if channels is not None and channels != 3:
        raise LayerError(f"RandomColorDegeneration needs images with 3 channels, got "
                         f"{channels} in {format_shape(x)}")
    return x


def _random_size_rule(axis: int, layer: str):
    """tf.keras 2's RandomHeight (axis -3) / RandomWidth (-2), ``compute_output_shape``:
    the stretched axis becomes unknown; the others stay."""
    def output_shape(inputs: tuple[Shape, ...], config: Config) -> Shape:
        x = list(ranked_input(inputs, 4, layer))
        x[axis] = None
        return tuple(x)
    return output_shape


def _random_size(name: str, axis: int, what: str) -> LayerSpec:
    return LayerSpec(
        name, "Preprocessing",
        (_factor(default=0.2, doc=f"Change of the {what} as a fraction: a number f (from -f "
                                  "to f) or (lower, upper)."), _RESIZE_INTERPOLATION),
        _random_size_rule(axis, name),
        doc=f"tf.keras 2 only (Keras 3 removed it): stretches images to a random {what} "
            f"during training, so the {what} becomes unknown (None). 0 parameters.",
        fields_only=True)


def _augmentation(name: str, fields: tuple[FieldSpec, ...], what: str,
                  rule=same_shape) -> LayerSpec:
    return LayerSpec(name, "Preprocessing", fields, rule,
                     doc=f"Data augmentation: {what} Shape unchanged. 0 parameters.",
                     fields_only=True)


SPECS = (
    LayerSpec("Resizing", "Preprocessing",
              _SIZE + (_RESIZE_INTERPOLATION, bool_field("crop_to_aspect_ratio", False,
                                                  doc="Crop to the target's aspect ratio "
                                                      "first instead of distorting."),
                       bool_field("pad_to_aspect_ratio", False,
                                  doc="Pad to the target's aspect ratio first."),
                       choice_field("fill_mode", "constant", ("constant",),
                                    doc="How padding is filled (pad_to_aspect_ratio)."),
                       float_field("fill_value", 0.0, doc="Value of the padding."),
                       bool_field("antialias", False,
                                  doc="Filter when downsampling (smoother, slower)."),
                       DATA_FORMAT),
              _resizing_shape, doc="Resizes images to (height, width). 0 parameters.",
              fields_only=True),
    LayerSpec("CenterCrop", "Preprocessing", _SIZE + (DATA_FORMAT,), _center_crop_shape,
              doc="Crops the centre (height, width) of images (a larger target resizes up). "
                  "0 parameters.", fields_only=True),
    LayerSpec("RandomCrop", "Preprocessing",
              _SIZE + (DATA_FORMAT,),
              _random_crop_shape,
              doc="Crops a random (height, width) window during training, the centre at "
                  "inference. 0 parameters.", fields_only=True),
    _augmentation("RandomFlip", (
        choice_field("mode", "horizontal_and_vertical",
                     ("horizontal", "vertical", "horizontal_and_vertical"),
                     doc="Which flips to apply at random."), DATA_FORMAT),
        "flips images at random during training."),
    _augmentation("RandomRotation", (
        _factor(default=0.2, doc="Rotation as a fraction of 2π: a number f (from -f to f) "
                                 "or (lower, upper)."),
        _FILL_MODE, _INTERPOLATION, _FILL_VALUE, DATA_FORMAT),
        "rotates images by a random angle during training."),
    _augmentation("RandomZoom", (
        _factor("height_factor", 0.2, doc="Vertical zoom as a fraction: a number f (from -f "
                                          "to f) or (lower, upper)."),
        _factor("width_factor", None, optional=True,
                doc="Horizontal zoom (empty: same as height_factor, keeping the aspect)."),
        _FILL_MODE, _INTERPOLATION, _FILL_VALUE, DATA_FORMAT),
        "zooms images in or out at random during training."),
    _augmentation("RandomTranslation", (
        _factor("height_factor", 0.2, doc="Vertical shift as a fraction of the height."),
        _factor("width_factor", 0.2, doc="Horizontal shift as a fraction of the width."),
        _FILL_MODE, _INTERPOLATION, _FILL_VALUE, DATA_FORMAT),
        "shifts images at random during training."),
    _augmentation("RandomContrast", (_factor(default=0.2), _VALUE_RANGE),
                  "scales each image's contrast by a random factor during training."),
    _augmentation("RandomBrightness", (_factor(default=0.2), _VALUE_RANGE),
                  "adds a random brightness offset during training."),
    _augmentation("AugMix", (
        _VALUE_RANGE, int_field("num_chains", 3, doc="Augmentation chains mixed together."),
        int_field("chain_depth", 3, doc="Operations per chain."),
        _factor(default=0.3), float_field("alpha", 1.0, minimum=0.0,
                                          doc="Dirichlet/Beta concentration of the mix."),
        bool_field("all_ops", True, doc="Also use the operations that overlap common "
                                        "corruptions."),
        _INTERPOLATION, DATA_FORMAT),
        "mixes several chains of random augmentations (AugMix)."),
    _augmentation("AutoContrast", (_VALUE_RANGE,),
                  "stretches each image's values to the full value_range."),
    _augmentation("ContrastLimitedAdaptiveHistogramEqualization", (
        _VALUE_RANGE, float_field("clip_limit", 4.0, minimum=0.0,
                                  doc="Contrast limit of each tile's histogram."),
        ints_field("tile_grid_size", 8, 2, doc="Tiles along (height, width)."), DATA_FORMAT),
        "CLAHE: equalizes the histogram tile by tile, with limited contrast."),
    _augmentation("CutMix", (_factor(), DATA_FORMAT),
                  "pastes a random patch of another image of the batch (labels mixed "
                  "too)."),
    _augmentation("Equalization", (
        _VALUE_RANGE, int_field("bins", 256, doc="Histogram bins."), DATA_FORMAT),
        "equalizes each image's histogram (Keras 3.15.1 cannot put it in a model: its output "
        "is its input tensor)."),
    _augmentation("MaxNumBoundingBoxes", (
        int_field("max_number", 100, doc="Number of boxes kept (padded with fill_value)."),
        float_field("fill_value", -1.0, doc="Value of the padding boxes.")),
        "pads or truncates the bounding boxes to max_number; images pass through."),
    _augmentation("MixUp", (float_field("alpha", 0.2, minimum=0.0,
                                        doc="Beta concentration of the mixing weight."),
                            DATA_FORMAT),
                  "blends pairs of images of the batch (labels mixed too)."),
    _augmentation("RandAugment", (
        _VALUE_RANGE, int_field("num_ops", 2, doc="Operations applied to each image."),
        _factor(default=0.5), _INTERPOLATION, DATA_FORMAT),
        "applies num_ops random augmentations of random strength (RandAugment)."),
    _augmentation("RandomColorDegeneration", (_factor(default=0.5), _VALUE_RANGE, DATA_FORMAT),
                  "blends RGB images with their grayscale version (needs 3 channels).",
                  _color_degeneration_shape),
    _augmentation("RandomColorJitter", (
        _VALUE_RANGE,
        _factor("brightness_factor", None, optional=True, doc="Brightness jitter (empty: "
                                                              "none)."),
        _factor("contrast_factor", None, optional=True, doc="Contrast jitter (empty: none)."),
        _factor("saturation_factor", None, optional=True,
                doc="Saturation jitter (empty: none)."),
        _factor("hue_factor", None, optional=True, doc="Hue jitter (empty: none)."),
        DATA_FORMAT),
        "jitters brightness, contrast, saturation and hue at random."),
    _augmentation("RandomElasticTransform", (
        _factor(), _factor("scale", 1.0, doc="Strength of the displacement field."),
        _INTERPOLATION, _FILL_MODE, _FILL_VALUE, _VALUE_RANGE, DATA_FORMAT),
        "warps images with a random smooth displacement field."),
    _augmentation("RandomErasing", (
        _factor(), _factor("scale", (0.02, 0.33), doc="(min, max) fraction of the image "
                                                      "erased."),
        _factor("fill_value", None, optional=True, doc="Value of the erased patch (empty: "
                                                       "random noise)."),
        _VALUE_RANGE, DATA_FORMAT),
        "erases a random rectangle of each image."),
    _augmentation("RandomGaussianBlur", (
        _factor(), ints_field("kernel_size", 3, 2, doc="Size of the blur kernel."),
        _factor("sigma", 1.0, doc="Standard deviation of the blur."), _VALUE_RANGE,
        DATA_FORMAT),
        "blurs images with a Gaussian kernel of random strength."),
    _augmentation("RandomGrayscale", (
        float_field("factor", 0.5, minimum=0.0, maximum=1.0,
                    doc="Probability of turning an image gray."), DATA_FORMAT),
        "turns images gray at random, keeping the channel count."),
    _augmentation("RandomHue", (_factor(default=0.5), _VALUE_RANGE, DATA_FORMAT),
                  "shifts the hue of RGB images at random."),
    _augmentation("RandomInvert", (_factor(), _VALUE_RANGE, DATA_FORMAT),
                  "inverts images (high - x) at random."),
    _augmentation("RandomPerspective", (
        _factor(), float_field("scale", 1.0, minimum=0.0, doc="Strength of the distortion."),
        _INTERPOLATION, _FILL_VALUE, DATA_FORMAT),
        "applies a random perspective warp."),
    _augmentation("RandomPosterization", (
        _factor(default=4.0, doc="Bits kept per channel (1 to 8), or (lower, upper)."),
        _VALUE_RANGE, DATA_FORMAT),
        "reduces the bits per colour channel at random."),
    _augmentation("RandomSaturation", (_factor(default=0.5), _VALUE_RANGE, DATA_FORMAT),
                  "changes the saturation of RGB images at random."),
    _augmentation("RandomSharpness", (_factor(default=0.5), _VALUE_RANGE, DATA_FORMAT),
                  "sharpens or blurs images at random."),
    _augmentation("RandomShear", (
        _shear_factor("x_factor", "Horizontal shear: a number f (from -f to f) or (lower, "
                                  "upper), each in [0, 1]."),
        _shear_factor("y_factor", "Vertical shear, likewise."),
        _INTERPOLATION, _FILL_MODE, _FILL_VALUE, DATA_FORMAT),
        "shears images at random."),
    _augmentation("Solarization", (
        _factor("addition_factor", 0.0, doc="Amount added before the threshold (fraction of "
                                            "value_range)."),
        _factor("threshold_factor", 0.0, doc="Threshold above which values are inverted."),
        _VALUE_RANGE),
        "inverts the values above a random threshold."),
    _random_size("RandomHeight", -3, "height"),
    _random_size("RandomWidth", -2, "width"),
)
