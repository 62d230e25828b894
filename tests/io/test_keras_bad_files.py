"""Bad Keras files: each raises ModelFileError (path + a clear detail), never anything else.

Random bytes, truncated zips, a zip whose config.json is huge or deeply nested, wrong
types in a layer config, dangling inbound references, cycles, duplicate names, an .h5
without a model config, h5py missing.
"""
from __future__ import annotations

import json
import os
import sys
import zipfile

import pytest

from paramlab.core.errors import ModelFileError
from paramlab.core.io import keras_archive
from paramlab.core.io.keras_import import load_keras, parse_keras_config
from tests.conftest import DATA

MLP = DATA / "keras_files" / "mlp_5_8_4_3.keras"


def model_config(name: str = "hb_merge") -> dict:
    return json.loads((DATA / "keras" / f"{name}.json").read_text())["config"]


def layer(config: dict, name: str) -> dict:
    return next(entry for entry in config["config"]["layers"] if entry["name"] == name)


def write_zip(path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def load_error(path) -> str:
    with pytest.raises(ModelFileError) as info:
        load_keras(path)
    assert info.value.path == str(path)
    return info.value.detail


def parse_error(config) -> str:
    with pytest.raises(ModelFileError) as info:
        parse_keras_config(config, "model.json")
    return info.value.detail


# ---------------------------------------------------------------- files


@pytest.mark.parametrize("suffix", [".json", ".keras", ".h5"])
def test_random_bytes(tmp_path, suffix):
    path = tmp_path / f"random{suffix}"
    path.write_bytes(os.urandom(4096).replace(b"PK", b"pk").replace(b"\x89HDF", b"xHDF"))
    detail = load_error(path)
    assert "not UTF-8" in detail or "not valid JSON" in detail


def test_missing_file(tmp_path):
    assert "cannot read" in load_error(tmp_path / "absent.keras")


def test_truncated_zip(tmp_path):
    data = MLP.read_bytes()
    path = tmp_path / "truncated.keras"
    path.write_bytes(data[: len(data) // 2])
    assert ".keras archive" in load_error(path)


def test_zip_without_config_json(tmp_path):
    path = tmp_path / "weights_only.keras"
    write_zip(path, {"model.weights.h5": b"x"})
    assert "has no config.json" in load_error(path)


def test_zip_whose_config_json_is_over_the_size_limit(tmp_path):
    # 65 MiB of spaces: deflated to a few KiB, refused from its declared size alone.
    path = tmp_path / "huge.keras"
    chunk = b" " * (1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, \
            zf.open("config.json", "w", force_zip64=True) as member:
        for _ in range(65):
            member.write(chunk)
    detail = load_error(path)
    assert "uncompressed" in detail and "67,108,864 bytes" in detail


def test_zip_that_lies_about_its_size_is_still_bounded(tmp_path, monkeypatch):
    # The header says small, the stream is bigger: reading stops at the limit.
    monkeypatch.setattr(keras_archive, "MAX_CONFIG_BYTES", 1000)
    path = tmp_path / "liar.keras"
    write_zip(path, {"config.json": b" " * 5000})
    assert "more than the 1,000 bytes" in load_error(path)


def test_zip_whose_config_json_is_deeply_nested(tmp_path):
    path = tmp_path / "deep.keras"
    write_zip(path, {"config.json": b"[" * 200_000 + b"]" * 200_000})
    assert "nested too deeply" in load_error(path)


def test_json_file_deeply_nested_objects(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"a":' * 100_000 + "1" + "}" * 100_000)
    assert "nested too deeply" in load_error(path)


def test_zip_whose_config_json_is_not_json(tmp_path):
    path = tmp_path / "bad.keras"
    write_zip(path, {"config.json": b"{not json"})
    assert "not valid JSON" in load_error(path)


def test_json_that_is_not_an_object(tmp_path):
    path = tmp_path / "list.json"
    path.write_text("[1, 2, 3]")
    assert "must be a JSON object" in load_error(path)


def test_json_that_is_a_layer_not_a_model(tmp_path):
    path = tmp_path / "layer.json"
    path.write_text(json.dumps({"class_name": "Dense", "config": {"units": 3}}))
    assert "not a Keras model" in load_error(path)


def test_h5_without_model_config(tmp_path):
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "weights.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("w", data=[1, 2, 3])
    assert "no 'model_config'" in load_error(path)


def test_truncated_h5(tmp_path):
    pytest.importorskip("h5py")
    data = (DATA / "keras2" / "mlp_5_8_4_3.h5").read_bytes()
    path = tmp_path / "truncated.h5"
    path.write_bytes(data[:3000])
    assert "not a readable Keras .h5 file" in load_error(path)


def test_h5_needs_h5py(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)  # makes `import h5py` fail
    detail = load_error(DATA / "keras2" / "mlp_5_8_4_3.h5")
    assert "h5py" in detail and "paramlab[h5]" in detail


# ---------------------------------------------------------------- configs


def test_wrong_type_of_a_layer_argument():
    config = model_config()
    layer(config, "dense")["config"]["units"] = "ten"
    detail = parse_error(config)
    assert "'dense' (Dense): units has the wrong type" in detail and "'ten'" in detail


def test_wrong_type_of_a_layer_config():
    config = model_config()
    layer(config, "dense")["config"] = [1, 2]
    assert "layer 'dense': 'config' must be an object, got list" in parse_error(config)


def test_wrong_type_of_trainable():
    config = model_config()
    layer(config, "dense")["config"]["trainable"] = "yes"
    assert "trainable must be true or false" in parse_error(config)


def test_wrong_type_of_the_layer_list():
    config = model_config()
    config["config"]["layers"] = {"dense": 1}
    assert "'layers' must be a list" in parse_error(config)


def test_wrong_type_of_inbound_nodes():
    config = model_config()
    layer(config, "dense")["inbound_nodes"] = "concatenate"
    assert "layer 'dense': inbound_nodes must be a list" in parse_error(config)


def test_malformed_keras_history():
    config = model_config()
    layer(config, "dense")["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = [
        "concatenate", "zero", 0]
    assert "tensor reference must be [layer name, node index, tensor index]" in parse_error(config)


def test_dangling_inbound_reference():
    config = model_config()
    layer(config, "dense")["inbound_nodes"][0]["args"][0]["config"]["keras_history"][0] = "ghost"
    detail = parse_error(config)
    assert "layer 'dense' takes input from 'ghost', which is not a layer of the model" in detail


def test_dangling_keras2_inbound_reference():
    config = json.loads((DATA / "keras2" / "shared_dense_concat.json").read_text())["config"]
    layer(config, "out")["inbound_nodes"] = [[["ghost", 0, 0, {}]]]
    assert "takes input from 'ghost'" in parse_error(config)


def test_reference_to_a_call_that_does_not_exist():
    config = model_config()
    layer(config, "dense")["inbound_nodes"][0]["args"][0]["config"]["keras_history"][1] = 3
    assert "uses call 3 of 'concatenate', which is called 1 time" in parse_error(config)


def test_cycle():
    config = model_config()
    # concatenate feeds dense; make add take its input from dense: a loop.
    layer(config, "add")["inbound_nodes"][0]["args"][0][0]["config"]["keras_history"] = [
        "dense", 0, 0]
    assert "would make a cycle" in parse_error(config)


def test_duplicate_layer_names():
    config = model_config()
    layer(config, "subtract")["name"] = "add"
    assert "two layers are named 'add'" in parse_error(config)


def test_layer_without_a_name():
    config = model_config()
    entry = layer(config, "dense")
    del entry["name"]
    del entry["config"]["name"]
    assert "has no name" in parse_error(config)


def test_nothing_from_a_file_is_executed(monkeypatch):
    # A Lambda's code and a custom layer's module are data: importing the model must not
    # eval, exec, unmarshal, unpickle or import anything.
    import builtins
    import importlib
    import marshal
    import pickle

    code = "4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMEAAAAfABTAKkBTqkAKQHaAXhyAgAAAA=="
    seen = []

    def forbidden(*args, **kwargs):
        raise AssertionError("a file tried to run code")

    def watch(original):
        # networkx compiles its own decorators with exec: only the file's text is banned.
        def wrapper(source, *args, **kwargs):
            if isinstance(source, (str, bytes)) and ("evil" in str(source) or code in str(source)):
                seen.append(source)
                raise AssertionError("a file tried to run code")
            return original(source, *args, **kwargs)
        return wrapper

    config = model_config("mlp_5_8_4_3_functional")
    config["config"]["layers"].insert(1, {
        "module": "evil_package.layers", "class_name": "Lambda", "name": "evil",
        "config": {"name": "evil", "function": {"class_name": "__lambda__",
                                                "config": {"code": code}}},
        "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {
            "shape": [None, 5], "keras_history": ["x", 0, 0]}}], "kwargs": {}}]})
    for module, name in ((marshal, "loads"), (pickle, "loads"), (importlib, "import_module")):
        monkeypatch.setattr(module, name, forbidden)
    for name in ("eval", "exec"):
        monkeypatch.setattr(builtins, name, watch(getattr(builtins, name)))
    graph = parse_keras_config(config)
    monkeypatch.undo()
    assert graph.raw(graph.id_of("evil"))["type"] == "Lambda"
    assert "evil_package" not in sys.modules and not seen


def test_message_names_the_file(tmp_path):
    path = tmp_path / "broken.keras"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 10)
    with pytest.raises(ModelFileError) as info:
        load_keras(path)
    assert str(info.value).startswith(str(path) + ": ")


def test_h5_that_hangs_the_hdf5_library_is_stopped(tmp_path, monkeypatch):
    # Found by fuzzing: this one byte makes HDF5's read of the model_config string loop
    # forever. The reader's child process is stopped after H5_TIMEOUT seconds.
    pytest.importorskip("h5py")
    from paramlab.core.io import keras_h5

    monkeypatch.setattr(keras_h5, "H5_TIMEOUT", 2.0)
    data = bytearray((DATA / "keras_files" / "lenet_like.h5").read_bytes())
    data[2073] = 25
    path = tmp_path / "hangs.h5"
    path.write_bytes(bytes(data))
    assert "took more than 2 s and was stopped" in load_error(path)


@pytest.mark.parametrize("config", [
    {"config": {"class_name": ["Functional"], "config": {}}},
    {"class_name": {"a": 1}, "config": {}},
    {"class_name": "Functional", "config": {"name": "m", "layers": [{"class_name": ["Dense"],
                                                                     "name": "d"}]}},
])
def test_unhashable_class_names(config):
    assert parse_error(config)
