"""ParamLab: design neural networks visually and see every layer's output shape and its
trainable, non-trainable and total parameters, exactly as Keras counts them.

Subpackages: :mod:`paramlab.core` (pure Python: graph, catalogue, propagation, file formats,
command line), :mod:`paramlab.gui` (the Qt editor), :mod:`paramlab.resources` (bundled example
models and icons, read through :mod:`importlib.resources`).
"""
from __future__ import annotations


def __getattr__(name: str) -> str:
    """``paramlab.__version__``, looked up in the installed metadata when first read (the
    lookup scans every installed distribution: a few ms that no ``paramlab summary``
    process should pay for a string it never prints)."""
    if name != "__version__":
        raise AttributeError(f"module 'paramlab' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        value = version("paramlab")
    except PackageNotFoundError:  # running from a source tree that was never installed
        value = "0+unknown"
    globals()["__version__"] = value
    return value
