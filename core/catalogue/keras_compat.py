"""Turn a layer's Keras config (as ``model.to_json()`` writes it) into a catalogue config.

Handles Keras 3 and Keras 2 (tf.keras) configs; the Keras importer calls
:func:`from_keras_config` for every layer. What changes:

* ``name`` and ``trainable`` are dropped (the graph node holds them), and so is a
  dtype-policy dict (``{"class_name": "DTypePolicy", ...}``); a plain dtype string stays.
* ``InputLayer``: ``batch_shape`` (Keras 3) or ``batch_input_shape`` (Keras 2) becomes
  ``shape`` without the batch axis.
* Other layers: Keras 2's implicit-input keys (``batch_input_shape``, ``input_shape``,
  ``input_dim`` except on Embedding and ReversibleEmbedding, ``input_length``) are removed;
  read them first with :func:`implicit_input_shape` to create the InputLayer Keras 2 built
  for them.
* Keras 2 names: ``LeakyReLU(alpha)`` -> ``negative_slope``; a one-element ``axis`` list of
  BatchNormalization -> int; serialized activation dicts -> their name.
* ``Bidirectional`` / ``TimeDistributed`` / ``SpectralNormalization``: the nested ``layer``
  (and ``backward_layer``) is normalised recursively and kept as
  ``{"class_name": ..., "config": ...}``.
* Old files (HDF5 attributes) may hold byte strings: decoded as UTF-8.

Everything else (initializers, regularizers, unknown keys) passes through untouched; the
spec's ``resolve_config`` validates the fields it knows.

:func:`to_keras_config` is the inverse direction for exporters: it rewrites the catalogue's
normalised values in the form Keras's constructors accept (padding pairs, lists).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paramlab.core.errors import LayerError

_DROP = ("name", "trainable")
MAX_DEPTH = 64  # nesting of a config (dicts, lists, wrapped layers) we accept
_IMPLICIT_INPUT = ("batch_input_shape", "batch_shape", "input_shape", "input_length")
# Every key implicit_input_shape reads: a config with none of them has no implicit input.
_IMPLICIT_KEYS = frozenset((*_IMPLICIT_INPUT, "input_dim"))
WRAPPERS = ("Bidirectional", "TimeDistributed", "SpectralNormalization")
_WRAPPER_SET = frozenset(WRAPPERS)
_RENAMED = frozenset({"LeakyReLU", "BatchNormalization"})  # Keras 2 forms renamed below
#: Layers whose ``input_dim`` is the vocabulary size, not an implicit input's length.
EMBEDDINGS = frozenset({"Embedding", "ReversibleEmbedding"})
# Catalogue fields stored as flat (before, after, ...) tuples; Keras wants pairs.
_PAIRS = {f"{kind}{r}D": (name, r) for kind, name in (("ZeroPadding", "padding"),
                                                      ("Cropping", "cropping"))
          for r in (1, 2, 3)}


def from_keras_config(class_name: str, keras_config: Mapping[str, Any],
                      _depth: int = 0, share: bool = False,
                      in_place: bool = False) -> dict[str, Any]:
    """The catalogue config of a Keras layer.

    ``share=True`` (an importer that owns a freshly parsed JSON tree) keeps the file's
    containers (initializer, regularizer dicts; lists) instead of copying them: the
    catalogue never reads most of them, and the tree is not used again. ``in_place=True``
    as well: a ``keras_config`` dict itself is converted and returned (no copy), for a
    caller that reads nothing of it afterwards (its ``trainable`` included).

    Args:
        class_name: The layer's Keras class name (``Conv2D``).
        keras_config: Its ``config`` dict from ``model.to_json()`` (Keras 3 or 2).

    Returns:
        A new dict (``keras_config`` itself with ``in_place``) with Keras argument names
        (see the module docstring for what changes).

    Raises:
        LayerError: ``class_name`` is not a string, ``keras_config`` not a dict, or a value
            this function must read (input shape, nested layer) has the wrong type.
    """
    if type(class_name) is not str or not class_name:
        class_name = _decode(class_name)
        if not isinstance(class_name, str) or not class_name:
            raise LayerError(f"a layer's class_name must be a non-empty string, got "
                             f"{class_name!r}")
    if type(keras_config) is not dict and not isinstance(keras_config, Mapping):
        raise LayerError(f"{class_name}: the layer config must be an object (dict), "
                         f"got {type(keras_config).__name__}")
    config: dict[str, Any]
    # Read before the pops below: in place, keras_config is the dict they change.
    frozen = class_name == "RNN" and keras_config.get("trainable") is False
    if share and type(keras_config) is dict:
        # Fresh json.loads output: str keys and JSON values only, nothing to decode; the
        # keys are the file's, so only implicit-input keys the file has need removing.
        config = keras_config if in_place else dict(keras_config)
        decoded = False
    else:
        config = _copy_config(class_name, keras_config, _depth + 1, share)
        decoded = True  # keys decoded from bytes may be implicit-input keys
    pop = config.pop
    pop("name", None)
    pop("trainable", None)
    dtype = config.get("dtype")
    if dtype is not None and type(dtype) is not str and (type(dtype) is dict
                                                          or isinstance(dtype, Mapping)):
        del config["dtype"]

    if class_name == "InputLayer":
        return _input_layer(config)
    # A dict's key view looks up the five implicit-input names instead of walking every key.
    implicit = not (keras_config.keys().isdisjoint(_IMPLICIT_KEYS) if type(keras_config) is dict
                    else _IMPLICIT_KEYS.isdisjoint(keras_config))
    if implicit:
        implicit_input_shape(class_name, keras_config)  # validates the types
    if implicit or decoded:
        for key in _IMPLICIT_INPUT:
            pop(key, None)
        if class_name not in EMBEDDINGS:
            pop("input_dim", None)

    if class_name in _RENAMED:
        if class_name == "LeakyReLU" and "alpha" in config and "negative_slope" not in config:
            config["negative_slope"] = pop("alpha")
        if class_name == "BatchNormalization" and isinstance(config.get("axis"), (list, tuple)):
            axis = config["axis"]
            if len(axis) != 1:
                raise LayerError(f"BatchNormalization: axis must be one axis, got {axis!r}")
            config["axis"] = axis[0]
    value = config.get("activation")
    if value is not None and type(value) is not str and isinstance(value, Mapping):
        config["activation"] = _activation_name(class_name, value)
    value = config.get("recurrent_activation")
    if value is not None and type(value) is not str and isinstance(value, Mapping):
        config["recurrent_activation"] = _activation_name(class_name, value)
    if class_name in _WRAPPER_SET:
        for key in ("layer", "backward_layer"):
            if key in config and config[key] is not None:
                config[key] = nested_layer(class_name, config[key], key, _depth + 1)
    elif frozen and config.get("cell") is not None:
        # Frozen with the setter, Keras writes trainable: false on the cells too; the
        # layer's own flag (the graph node's) covers them, so the cells stay as a
        # trainable RNN would hold them (a cell frozen alone keeps its flag).
        config["cell"] = set_nested_trainable(config["cell"], True)
    return config


#: Config keys that hold nested layers or cells (Bidirectional, TimeDistributed,
#: SpectralNormalization, RNN, StackedRNNCells).
NESTED_KEYS = ("layer", "backward_layer", "cell", "cells")


def set_nested_trainable(value: Any, flag: bool) -> Any:
    """A copy of a nested layer or cell (``{"class_name", "config"}``, or a list of them)
    with ``trainable: flag`` in its config and, recursively, in every layer or cell it
    nests (:data:`NESTED_KEYS`)."""
    if isinstance(value, list):
        return [set_nested_trainable(v, flag) for v in value]
    if isinstance(value, dict) and isinstance(value.get("config"), dict):
        inner = {**value["config"], "trainable": flag}
        for key in NESTED_KEYS:
            if inner.get(key) is not None:
                inner[key] = set_nested_trainable(inner[key], flag)
        return {**value, "config": inner}
    return value


def _copy_config(class_name: str, keras_config: Mapping[str, Any], depth: int,
                 share: bool) -> dict[str, Any]:
    """A copy of a layer config whose keys and values are decoded (h5 byte strings) and
    copied (``share``: dicts and lists kept as they are), refused when nested more than
    :data:`MAX_DEPTH` levels. Scalar ``name`` and ``trainable`` are left out (the caller
    drops them anyway)."""
    config: dict[str, Any] = {}
    for key, value in keras_config.items():
        if type(key) is not str:
            key = _decode(key)
            if not isinstance(key, str):
                raise LayerError(f"{class_name}: config keys must be strings, got {key!r}")
        # What json.loads gives (str, int, float, bool, None, dict, list) takes the fast
        # copy; anything else (h5 byte strings, tuples, other mappings) the general _decode.
        vt = type(value)
        if vt is str or vt is int or vt is float or vt is bool or value is None:
            if depth > MAX_DEPTH:
                config[key] = _decode(value, depth)  # raises
            elif key not in _DROP:  # dropped by the caller anyway
                config[key] = value
        elif share and (vt is dict or vt is list):
            config[key] = value
        else:
            config[key] = _copy_json(value, depth)
    return config


def nested_layer(owner: str, value: Any, key: str = "layer", _depth: int = 0
                 ) -> dict[str, Any]:
    """Normalise a wrapper's nested layer ``{"class_name", "config"}`` recursively.

    Raises:
        LayerError: ``value`` is not such a dict.
    """
    if not isinstance(value, Mapping) or not isinstance(value.get("config"), Mapping):
        raise LayerError(f"{owner}: {key} must be a layer config with class_name and config, "
                         f"got {type(value).__name__}")
    inner = _decode(value.get("class_name"))
    if not isinstance(inner, str):
        raise LayerError(f"{owner}: the class_name of {key} must be a string, got {inner!r}")
    if _depth > MAX_DEPTH:
        raise LayerError(f"{owner}: layers are nested more than {MAX_DEPTH} levels deep")
    out = {"class_name": inner, "config": from_keras_config(inner, value["config"], _depth + 1)}
    name = _decode(value["config"].get("name"))
    if isinstance(name, str):
        out["name"] = name
    return out


def implicit_input_shape(class_name: str, keras_config: Mapping[str, Any]
                         ) -> tuple[int | None, ...] | None:
    """The sample shape (no batch axis) of the input Keras 2 creates for a layer that
    carries ``batch_input_shape``, ``input_shape`` or ``input_dim`` (and ``input_length``
    for Embedding), or ``None`` when it carries none.

    Raises:
        LayerError: the value is not a list of whole numbers / nulls.
    """
    if not isinstance(keras_config, Mapping):
        raise LayerError(f"{class_name}: the layer config must be an object (dict)")
    for key, drop_batch in (("batch_input_shape", True), ("batch_shape", True),
                            ("input_shape", False)):
        value = keras_config.get(key)
        if value is not None:
            value = _decode(value)
        if value is not None:
            dims = _dims(class_name, key, value)
            if drop_batch:
                if not dims:
                    raise LayerError(f"{class_name}: {key} must include the batch axis, "
                                     f"got {value!r}")
                dims = dims[1:]
            return dims
    if class_name in EMBEDDINGS:
        length = keras_config.get("input_length")
        return None if length is None else _dims(class_name, "input_length", [length])
    dim = keras_config.get("input_dim")
    if dim is not None:
        return _dims(class_name, "input_dim", [dim])
    return None


def to_keras_config(class_name: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """A catalogue config in the form Keras's constructor and ``model_from_json`` accept:
    tuples become lists, flat padding/cropping become ``(before, after)`` pairs, a wrapper's
    nested layer is converted recursively."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        out[key] = _listify(value)
    pair = _PAIRS.get(class_name)
    if pair and isinstance(out.get(pair[0]), list):
        name, rank = pair
        flat = out[name]
        out[name] = flat if rank == 1 else [flat[2 * i:2 * i + 2] for i in range(rank)]
    if class_name in WRAPPERS:
        for key in ("layer", "backward_layer"):
            inner = out.get(key)
            if isinstance(inner, dict) and isinstance(inner.get("config"), dict):
                inner_config = to_keras_config(inner["class_name"], inner["config"])
                if "name" in inner:
                    inner_config["name"] = inner["name"]
                out[key] = {"class_name": inner["class_name"], "config": inner_config}
    return out


def _input_layer(config: dict[str, Any]) -> dict[str, Any]:
    for key in ("batch_shape", "batch_input_shape"):
        if key in config:
            value = config.pop(key)
            dims = _dims("InputLayer", key, value)
            if not dims:
                raise LayerError(f"InputLayer: {key} must include the batch axis, got {value!r}")
            config["shape"] = dims[1:]
    if "shape" in config and config["shape"] is not None:
        config["shape"] = _dims("InputLayer", "shape", config["shape"])
    for key in ("batch_shape", "batch_input_shape", "input_shape", "batch_size"):
        config.pop(key, None)
    return config


def _dims(class_name: str, key: str, value: Any) -> tuple[int | None, ...]:
    if not isinstance(value, (list, tuple)):
        raise LayerError(f"{class_name}: {key} must be a list of lengths, got {value!r}")
    out: list[int | None] = []
    for d in value:
        if d is None:
            out.append(None)
        elif isinstance(d, int) and not isinstance(d, bool):
            out.append(d)
        elif isinstance(d, float) and d.is_integer():
            out.append(int(d))
        else:
            raise LayerError(f"{class_name}: {key} must hold whole numbers or null, "
                             f"got {value!r}")
    return tuple(out)


def _activation_name(class_name: str, value: Mapping[str, Any]) -> str:
    # Keras 3 serializes a built-in function as {"class_name": "function", "config": "relu"};
    # an activation layer object as {"class_name": "LeakyReLU", ...}.
    cfg = value.get("config")
    if isinstance(cfg, str):
        return cfg
    for key in ("registered_name", "class_name"):
        name = value.get(key)
        if isinstance(name, str) and name != "function":
            return name
    raise LayerError(f"{class_name}: cannot read the activation {dict(value)!r}")


def _copy_json(value: Any, depth: int) -> Any:
    """``_decode(value, depth)``, faster for what ``json.loads`` produces.

    A dict with str keys or a list, holding only str, int, float, bool, None and such
    containers, is copied here; on anything else (bytes, tuples, other mappings or
    sequences), or near the depth limit, the whole value goes to :func:`_decode`, so the
    result and any error are exactly ``_decode``'s.
    """
    if depth >= MAX_DEPTH:
        return _decode(value, depth)
    t = type(value)
    inner = depth + 1
    if t is dict:
        out: dict[str, Any] = {}
        for k, v in value.items():
            if type(k) is not str:
                return _decode(value, depth)
            vt = type(v)
            if vt is str or vt is int or vt is float or vt is bool or v is None:
                out[k] = v
            elif vt is dict or vt is list:
                out[k] = _copy_json(v, inner)
            else:
                return _decode(value, depth)
        return out
    if t is list:
        items: list[Any] = []
        for v in value:
            vt = type(v)
            if vt is str or vt is int or vt is float or vt is bool or v is None:
                items.append(v)
            elif vt is dict or vt is list:
                items.append(_copy_json(v, inner))
            else:
                return _decode(value, depth)
        return items
    return _decode(value, depth)


def _decode(value: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise LayerError(f"a config value is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LayerError(f"a config value is not valid UTF-8 text: {exc}") from exc
    if isinstance(value, list):
        return [_decode(v, depth + 1) for v in value]
    if isinstance(value, tuple):
        return tuple(_decode(v, depth + 1) for v in value)
    if isinstance(value, Mapping):
        return {_decode(k, depth + 1): _decode(v, depth + 1) for k, v in value.items()}
    return value


def _listify(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_listify(v) for v in value]
    if isinstance(value, dict):
        return {k: _listify(v) for k, v in value.items()}
    return value
