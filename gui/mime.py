"""MIME types of ParamLab's drag and drop and clipboard data."""

LAYER_TYPE = "application/x-paramlab-layer-type"  # palette -> canvas: the Keras class name, UTF-8
LAYERS = "application/x-paramlab-layers"  # copy / paste: JSON of layers and their inner edges
