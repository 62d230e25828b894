"""Finding the Keras model config inside the forms people save it in.

``unwrap_model(obj, path)`` takes the parsed top level of a model file and returns the
``{"class_name": ..., "config": ...}`` object that ``core.io.keras_graph`` reads:

* ``model.to_json()`` (Keras 2 or 3): returned as it is;
* a TF.js layers-model ``model.json`` (``{"format": "layers-model", "modelTopology": ...,
  "weightsManifest": ...}``, written by ``tensorflowjs_converter``): the Keras config is
  ``modelTopology["model_config"]``, or ``modelTopology`` itself when it has a
  ``class_name``. The weights manifest names binary shard files: it is never read, and the
  shards are never opened or fetched;
* ParamLab's reference files, ``{"config": <model config>, ...}`` with figures beside it.

A Keras 1 file (``keras_version`` 1.x, or Keras 1 argument names such as ``nb_filter``) is
refused with one clear line: Keras 1 named every argument differently (``nb_filter``,
``border_mode``, ``output_dim``), and guessing them would give wrong counts.

Keras ≤ 2.2 Sequential files, whose ``"config"`` is the list of layers itself, are read by
``core.io.keras_graph`` (see :func:`sequential_layers`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from paramlab.core.errors import ModelFileError

MODEL_CLASSES = frozenset({"Functional", "Model", "Sequential"})

KERAS1_MESSAGE = "Keras 1 files are not supported; re-save the model with Keras 2 or 3"
#: Argument names only Keras 1 wrote (Keras 2 renamed them: filters, padding, strides,
#: data_format, kernel_regularizer); one of them in a layer config marks a Keras 1 file.
KERAS1_KEYS = frozenset({"nb_filter", "nb_row", "nb_col", "border_mode", "dim_ordering",
                         "subsample", "input_dtype", "W_regularizer", "b_regularizer"})
#: Layer classes only Keras 1 had.
KERAS1_CLASSES = frozenset({"Convolution1D", "Convolution2D", "Convolution3D", "Merge",
                            "AtrousConvolution1D", "AtrousConvolution2D", "Deconvolution2D",
                            "MaxoutDense", "Highway", "TimeDistributedDense"})


def unwrap_model(obj: Any, path: str | Path) -> Any:
    """The Keras model config held by ``obj`` (see the module docstring).

    Args:
        obj: The parsed JSON of a model file.
        path: The file, for error messages.

    Returns:
        The model config object (``class_name`` + ``config``), or ``obj`` unchanged when no
        known wrapper applies (the graph builder then says what is missing).

    Raises:
        ModelFileError: a Keras 1 file; a TF.js ``model.json`` without a model topology.
    """
    if not isinstance(obj, dict):
        return obj
    if "modelTopology" in obj or obj.get("format") == "layers-model":
        topology = obj.get("modelTopology")
        if isinstance(topology, dict) and isinstance(topology.get("model_config"), dict):
            check_version(topology.get("keras_version"), path)
            obj = topology["model_config"]
        elif isinstance(topology, dict) and "class_name" in topology:
            obj = topology
        else:
            raise ModelFileError(path, "a TensorFlow.js model.json without a Keras model "
                                       "topology (modelTopology.model_config)")
    check_version(obj.get("keras_version"), path)
    inner = obj.get("config")
    if obj.get("class_name") is None and isinstance(inner, dict) and _is_model_class(
            inner.get("class_name")):
        # The model config wrapped under "config" with other data beside it (Keras's
        # figures in ParamLab's reference files).
        check_version(inner.get("keras_version"), path)
        obj = inner
    return obj


def _is_model_class(cls: Any) -> bool:
    return isinstance(cls, str) and cls in MODEL_CLASSES


def check_version(version: Any, path: str | Path) -> None:
    """Refuse a file that says Keras 1 wrote it.

    Raises:
        ModelFileError: ``version`` is a ``"1.x"`` string.
    """
    if isinstance(version, str) and version.startswith("1."):
        raise ModelFileError(path, f"{KERAS1_MESSAGE} (written by Keras {version})")


def is_keras1_layer(class_name: Any, config: dict[str, Any]) -> bool:
    """Whether a layer entry can only come from Keras 1 (its class or argument names)."""
    if isinstance(class_name, str) and class_name in KERAS1_CLASSES:
        return True
    if type(config) is dict:  # its key view looks up the nine names, not every key
        return not config.keys().isdisjoint(KERAS1_KEYS)
    return not KERAS1_KEYS.isdisjoint(config)


def sequential_layers(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The config of a Keras ≤ 2.2 Sequential model whose ``"config"`` is its layer list,
    as the ``{"name", "layers"}`` object later Keras writes; ``None`` for any other form.

    Keras 2.2's ``Sequential.get_config`` returned ``[layer.get_config() ...]``; its
    ``from_config`` accepted the list. The first layer carries ``batch_input_shape``.
    """
    layers = obj.get("config")
    if obj.get("class_name") == "Sequential" and isinstance(layers, list):
        name = obj.get("name")
        return {"name": name if isinstance(name, str) and name else "sequential",
                "layers": layers}
    return None
