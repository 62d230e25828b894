"""Fuzzing the Keras importer with hypothesis: mutated real configs and mutated file bytes.

Whatever the input, importing either returns a graph (which then propagates without
raising) or raises ModelFileError, and finishes quickly (hypothesis's deadline).
"""
from __future__ import annotations

import copy
import json
import zipfile
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paramlab.core.errors import ModelFileError
from paramlab.core.io import keras_h5
from paramlab.core.io.keras_import import load_keras, parse_keras_config
from paramlab.core.propagate import propagate
from tests.conftest import DATA
from tests.io.test_keras_nested import siamese_model, transfer_model

SOURCES = {
    "hb_merge": json.loads((DATA / "keras" / "hb_merge.json").read_text())["config"],
    "hb_rnn": json.loads((DATA / "keras" / "hb_rnn.json").read_text())["config"],
    "lenet_like": json.loads((DATA / "keras" / "lenet_like.json").read_text())["config"],
    "hb_conv2d": json.loads((DATA / "keras" / "hb_conv2d.json").read_text())["config"],
    "k2_shared": json.loads((DATA / "keras2" / "shared_dense_concat.json").read_text())["config"],
    "k2_lstm": json.loads((DATA / "keras2" / "lstm_text_classifier.json").read_text())["config"],
    "transfer": transfer_model(False),
    "siamese": siamese_model(),
}

FUZZ = settings(max_examples=150, deadline=timedelta(seconds=2),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40),
                         st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=10)


def _slots(obj: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) of a JSON tree, iteratively."""
    out, stack = [], [obj]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in list(items):
            out.append((node, key))
            if isinstance(value, (dict, list)):
                stack.append(value)
    return out


def _mutate(obj: Any, data: st.DataObject) -> None:
    slots = _slots(obj)
    if not slots:
        return
    container, key = slots[data.draw(st.integers(0, len(slots) - 1), label="slot")]
    kind = data.draw(st.sampled_from(["replace", "delete", "truncate", "nest", "string",
                                      "number", "swap"]), label="kind")
    value = container[key]
    if kind == "replace":
        container[key] = data.draw(json_values, label="value")
    elif kind == "delete":
        del container[key]
    elif kind == "truncate" and isinstance(value, (list, str)):
        container[key] = value[: data.draw(st.integers(0, max(len(value) - 1, 0)))]
    elif kind == "nest":
        depth = data.draw(st.integers(1, 200), label="depth")
        for _ in range(depth):
            value = [value] if depth % 2 else {"config": value}
        container[key] = value
    elif kind == "string":
        container[key] = data.draw(st.text(max_size=20), label="text")
    elif kind == "number":
        container[key] = data.draw(st.integers(-5, 10**9), label="number")
    elif kind == "swap" and isinstance(container, list) and len(container) > 1:
        other = data.draw(st.integers(0, len(container) - 1), label="other")
        container[key], container[other] = container[other], container[key]


def _import_or_refuse(config: Any) -> None:
    try:
        graph = parse_keras_config(config, "fuzz.json")
    except ModelFileError as exc:
        assert exc.detail and isinstance(exc.detail, str)
        return
    propagate(graph)  # an imported graph must propagate without raising


@pytest.mark.parametrize("source", sorted(SOURCES))
@FUZZ
@given(data=st.data())
def test_mutated_configs_import_or_raise_model_file_error(source, data):
    config = copy.deepcopy(SOURCES[source])
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        _mutate(config, data)
    _import_or_refuse(config)


@FUZZ
@given(value=json_values)
def test_arbitrary_json_imports_or_raises(value):
    _import_or_refuse(value)


@FUZZ
@given(data=st.data())
def test_truncated_json_text(tmp_path_factory, data):
    text = json.dumps(SOURCES["hb_merge"])
    cut = data.draw(st.integers(0, len(text) - 1))
    path = tmp_path_factory.mktemp("fuzz") / "model.json"
    path.write_text(text[:cut])
    with pytest.raises(ModelFileError):
        load_keras(path)


def _mutated_bytes(original: bytes, data: st.DataObject) -> bytes:
    buf = bytearray(original)
    if data.draw(st.booleans(), label="truncate"):
        buf = buf[: data.draw(st.integers(0, len(buf)), label="length")]
    for _ in range(data.draw(st.integers(0, 20), label="flips")):
        if not buf:
            break
        i = data.draw(st.integers(0, len(buf) - 1), label="index")
        buf[i] = data.draw(st.integers(0, 255), label="byte")
    return bytes(buf)


def _load_or_refuse(path) -> None:
    try:
        graph = load_keras(path)
    except ModelFileError:
        return
    propagate(graph)


@pytest.mark.parametrize("name", ["keras_files/mlp_5_8_4_3.keras", "keras_files/lenet_like.keras"])
@FUZZ
@given(data=st.data())
def test_mutated_keras_archives(tmp_path_factory, name, data):
    path = tmp_path_factory.mktemp("fuzz") / "model.keras"
    path.write_bytes(_mutated_bytes((DATA / name).read_bytes(), data))
    _load_or_refuse(path)


@FUZZ
@given(data=st.data())
def test_archives_with_mutated_config_json(tmp_path_factory, data):
    config = copy.deepcopy(SOURCES["lenet_like"])
    _mutate(config, data)
    path = tmp_path_factory.mktemp("fuzz") / "model.keras"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("config.json", json.dumps(config))
    _load_or_refuse(path)


@pytest.mark.parametrize("name", ["keras2/mlp_5_8_4_3.h5", "keras_files/lenet_like.h5"])
@settings(max_examples=25, deadline=timedelta(seconds=10),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_mutated_h5_files(tmp_path_factory, name, data):
    # The HDF5 library can hang on a corrupt file (fuzzing found one); the reader runs in
    # a child process that is stopped after H5_TIMEOUT seconds (2 s here).
    pytest.importorskip("h5py")
    path = tmp_path_factory.mktemp("fuzz") / "model.h5"
    path.write_bytes(_mutated_bytes((DATA / name).read_bytes(), data))
    with mock.patch.object(keras_h5, "H5_TIMEOUT", 2.0):
        _load_or_refuse(path)
