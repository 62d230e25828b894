"""ParamLab: design neural networks visually and see every layer's output shape and its
trainable, non-trainable and total parameters, exactly as Keras counts them.

Subpackages: :mod:`paramlab.core` (pure Python: graph, catalogue, propagation, file formats,
command line), :mod:`paramlab.gui` (the Qt editor), :mod:`paramlab.resources` (bundled example
models and icons, read through :mod:`importlib.resources`).
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("paramlab")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
