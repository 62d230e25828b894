"""The layer catalogue: every :class:`core.spec.LayerSpec` ParamLab knows, by Keras class name.

Each module of this package defines a ``SPECS`` tuple for one family; this module gathers
them. Look a type up with :func:`get_spec`.
"""
from __future__ import annotations

import dataclasses
import importlib

from paramlab.core.catalogue.pytorch_rules import torch_rule
from paramlab.core.spec import LayerSpec

_FAMILIES = ("basic", "conv", "pooling", "norm", "recurrent", "merge", "reshaping",
             "activation", "attention", "preprocessing", "image", "ops", "text_audio")

CATALOGUE: dict[str, LayerSpec] = {}


def _load() -> None:
    for family in _FAMILIES:
        module = importlib.import_module(f"paramlab.core.catalogue.{family}")
        for spec in module.SPECS:
            if spec.type in CATALOGUE:
                raise RuntimeError(f"layer type {spec.type} is defined twice")
            if spec.torch is None:
                spec = dataclasses.replace(spec, torch=torch_rule(spec.type))
            CATALOGUE[spec.type] = spec


def get_spec(type_name: str) -> LayerSpec | None:
    """The spec of Keras layer class ``type_name``, or ``None`` for an unknown (opaque) type."""
    return CATALOGUE.get(type_name)


def is_operation(type_name: str) -> bool:
    """Whether ``type_name`` is a Keras operation (``x != 0``, an imported ``ops.Add``, the
    ``Any`` of a Masking layer's mask), not a layer (``core/catalogue/ops.py``)."""
    if type_name.startswith("ops."):
        return True
    spec = CATALOGUE.get(type_name)
    return spec is not None and spec.category == "Operations"


def specs_by_category() -> dict[str, list[LayerSpec]]:
    """Every spec, grouped by palette category, in catalogue order."""
    out: dict[str, list[LayerSpec]] = {}
    for spec in CATALOGUE.values():
        out.setdefault(spec.category, []).append(spec)
    return out


_load()
