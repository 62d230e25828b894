"""Project files: round trip, atomic save, and every kind of malformed file raising
ModelFileError with the path and a clear message."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from paramlab.core.errors import ModelFileError
from paramlab.core.graph import LayerGraph
from paramlab.core.io import project
from paramlab.core.io.project import (
    FORMAT_VERSION,
    dumps_project,
    graph_from_dict,
    graph_to_dict,
    load_project,
    save_project,
)
from paramlab.core.propagate import propagate


def sample() -> LayerGraph:
    g = LayerGraph("sample")
    g.groups["base"] = {"type": "Functional", "trainable": False, "collapsed": True}
    x = g.add_layer("InputLayer", "x", {"shape": (8, 8, 3)}, position=(10.5, -20))
    c = g.add_layer("Conv2D", "conv", {"filters": 4, "kernel_size": (3, 3), "strides": (1, 1),
                                       "padding": "same", "kernel_initializer": {
                                           "class_name": "GlorotUniform", "config": {}}},
                    trainable=False, position=(0, 100), group="base")
    c2 = g.add_layer("Conv2D", "conv_again", {"filters": 4, "kernel_size": (3, 3),
                                              "padding": "same"},
                     shared_with=c, position=(200, 100), group="base")
    add = g.add_layer("Add", "add", {}, position=(0, 200))
    g.connect(x, c)
    g.connect(c, c2)
    g.connect(c2, add, 1)
    g.connect(c, add, 0)
    return g


def _snapshot(g: LayerGraph) -> tuple:
    return (g.name, [g.layer(n) for n in g.layer_ids()], sorted(g.edges()), g.groups,
            g.topological_order())


# ---------------------------------------------------------------------------- round trip
def test_round_trip_keeps_everything(tmp_path: Path) -> None:
    g = sample()
    path = tmp_path / "model.json"
    save_project(g, path)
    loaded = load_project(path)
    assert _snapshot(loaded) == _snapshot(g)
    conv = loaded.layer(loaded.id_of("conv"))
    assert conv.config["kernel_size"] == (3, 3)  # tuples come back as tuples
    assert conv.config["kernel_initializer"] == {"class_name": "GlorotUniform", "config": {}}
    assert loaded.layer(loaded.id_of("conv_again")).shared_with == conv.id
    r1, r2 = propagate(g), propagate(loaded)
    assert [(r.output_shape, r.trainable, r.non_trainable) for r in
            (r1.layers[n] for n in r1.order)] == [
        (r.output_shape, r.trainable, r.non_trainable) for r in (r2.layers[n] for n in r2.order)]


def test_document_layout() -> None:
    data = json.loads(dumps_project(sample()))
    assert data["format_version"] == FORMAT_VERSION == 2
    assert data["name"] == "sample"
    assert data["layers"][0] == {"id": "n1", "name": "x", "type": "InputLayer",
                                 "config": {"shape": [8, 8, 3]}, "trainable": True,
                                 "position": [10.5, -20.0]}
    assert data["layers"][2]["shared_with"] == "n2" and data["layers"][2]["group"] == "base"
    assert "shared_with" not in data["layers"][0] and "group" not in data["layers"][0]
    assert data["groups"] == {"base": {"type": "Functional", "trainable": False,
                                       "collapsed": True}}
    assert {"src": "n2", "dst": "n4", "index": 0} in data["edges"]
    assert {"src": "n3", "dst": "n4", "index": 1} in data["edges"]
    assert graph_to_dict(graph_from_dict(data)) == data


def test_order_of_layers_is_kept() -> None:
    g = LayerGraph()
    a = g.add_layer("InputLayer", "in", {"shape": (3,)})
    for name in ("left", "right", "middle"):
        g.connect(a, g.add_layer("Dense", name, {"units": 2}))
    loaded = graph_from_dict(graph_to_dict(g))
    assert [loaded.raw(n)["name"] for n in loaded.topological_order()] == [
        "in", "left", "right", "middle"]


# ---------------------------------------------------------------------------- atomic save
def test_save_replaces_atomically_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text("old contents")
    save_project(sample(), path)
    assert load_project(path).name == "sample"
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_failed_save_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.json"
    save_project(sample(), path)
    before = path.read_bytes()

    def crash(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    g = sample()
    g.rename(g.id_of("x"), "renamed")
    with pytest.raises(ModelFileError, match="No space left on device") as info:
        save_project(g, path)
    assert info.value.path == str(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_unsaveable_value_is_refused_before_writing(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    save_project(sample(), path)
    before = path.read_bytes()
    g = sample()
    g.set_config(g.id_of("conv"), "weird", {1, 2})
    with pytest.raises(ModelFileError, match="JSON cannot store"):
        save_project(g, path)
    assert path.read_bytes() == before


def test_save_into_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="cannot write the file"):
        save_project(sample(), tmp_path / "no" / "such" / "m.json")


# ---------------------------------------------------------------------------- malformed
def _doc(**changes: object) -> dict:
    data = json.loads(dumps_project(sample()))
    data.update(changes)
    return data


def _layers(edit) -> dict:
    data = _doc()
    edit(data["layers"])
    return data


def _edges(edit) -> dict:
    data = _doc()
    edit(data["edges"])
    return data


VALID = dumps_project(sample())
MALFORMED_TEXT = [
    ("", "the file is empty"),
    ("   \n", "the file is empty"),
    (VALID[: len(VALID) // 2], "truncated"),
    (VALID[:-3], "the file is truncated: JSON ends early"),
    (VALID[:100], "truncated"),
    ("{'format_version': 1}", "not valid JSON: Expecting property name"),
    ("not json at all", "not valid JSON"),
    ("[" * 100000 + "]" * 100000, "nested too deeply"),
]
MALFORMED_DOC = [
    ([1, 2], "expected a JSON object at the top level, found a list of 2"),
    ({"layers": []}, "'format_version' is missing"),
    (_doc(format_version=3), "format_version 3 was written by a newer ParamLab"),
    (_doc(format_version=0), "unknown format_version 0"),
    (_doc(format_version="1"), "'format_version' must be a whole number, found a string"),
    (_doc(format_version=True), "'format_version' must be a whole number, found a boolean"),
    (_doc(name=5), "'name' must be a string"),
    (_doc(layers={"a": 1}), "'layers' must be a list, found an object"),
    ({k: v for k, v in _doc().items() if k != "layers"}, "'layers' is missing"),
    (_doc(edges="none"), "'edges' must be a list"),
    (_doc(groups=[]), "'groups' must be an object"),
    (_doc(groups={"base": {"trainable": "no"}}), "group 'base': 'trainable' must be true"),
    (_layers(lambda ls: ls.append(3)), "layer 5: expected an object, found a number (3)"),
    (_layers(lambda ls: ls[0].pop("id")), "layer 1: 'id' is missing"),
    (_layers(lambda ls: ls[0].update(name="")), "layer 1: 'name' must be a non-empty string"),
    (_layers(lambda ls: ls[1].update(type=None)), "layer 'conv': 'type' must be a non-empty"),
    (_layers(lambda ls: ls[1].update(config=[1])), "layer 'conv': 'config' must be an object"),
    (_layers(lambda ls: ls[1].update(trainable="yes")), "'trainable' must be true or false"),
    (_layers(lambda ls: ls[1].update(position=[1])), "'position' must be two finite numbers"),
    (_layers(lambda ls: ls[1].update(position=["a", 2])), "'position' must be two finite"),
    (_layers(lambda ls: ls[1].update(group="nope")), "group 'nope' is not listed in 'groups'"),
    (_layers(lambda ls: ls[1].update(group=3)), "'group' must be a string"),
    (_layers(lambda ls: ls[2].update(shared_with="n99")), "unknown layer id 'n99'"),
    (_layers(lambda ls: ls[2].update(shared_with=7)), "'shared_with' must be a layer id"),
    (_layers(lambda ls: ls[1].update(shared_with="n2")), "cannot share weights with itself"),
    (_layers(lambda ls: ls[1].update(id="n1")), "layer 'conv': duplicate layer id 'n1'"),
    (_layers(lambda ls: ls[1].update(name="x")), "layer 2: duplicate layer name 'x'"),
    (_edges(lambda es: es.append({"src": "n1", "dst": "n42", "index": 0})),
     "edge 5: 'dst' names unknown layer id 'n42'"),
    (_edges(lambda es: es.append({"src": "ghost", "dst": "n4"})),
     "edge 5: 'src' names unknown layer id 'ghost'"),
    (_edges(lambda es: es.append({"dst": "n4"})), "edge 5: 'src' is missing"),
    (_edges(lambda es: es.append(["n1", "n2"])), "edge 5: expected an object"),
    (_edges(lambda es: es.append({"src": "n4", "dst": "n2", "index": 1})),
     "edge 5: connecting 'add' to 'conv' would make a cycle"),
    (_edges(lambda es: es.append({"src": "n1", "dst": "n3", "index": 1})),
     "'conv_again' (Conv2D) takes 1 input; cannot connect 'x' as input 2"),
    (_edges(lambda es: es.append({"src": "n1", "dst": "n4", "index": 0})),
     "input 1 of 'add' is already connected"),
    (_edges(lambda es: es.append({"src": "n1", "dst": "n4", "index": -1})),
     "'index' must be a whole number 0 or more"),
    (_edges(lambda es: es.append({"src": "n1", "dst": "n4", "index": "2"})),
     "'index' must be a whole number 0 or more"),
]


@pytest.mark.parametrize("text, message", MALFORMED_TEXT)
def test_malformed_text(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ModelFileError) as info:
        load_project(path)
    assert info.value.path == str(path)
    assert message in str(info.value)
    assert str(info.value).startswith(f"{path}: ")


@pytest.mark.parametrize("data, message", MALFORMED_DOC)
def test_malformed_document(tmp_path: Path, data: object, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError) as info:
        load_project(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in info.value.detail


def test_binary_missing_and_folder(tmp_path: Path) -> None:
    junk = tmp_path / "junk.json"
    junk.write_bytes(bytes(range(256)))
    with pytest.raises(ModelFileError, match="not a text file"):
        load_project(junk)
    with pytest.raises(ModelFileError, match="no such file"):
        load_project(tmp_path / "missing.json")
    with pytest.raises(ModelFileError, match="is a folder"):
        load_project(tmp_path)


def test_layer_errors_in_a_valid_file_are_not_file_errors() -> None:
    """A wrong config value is the model's problem, shown by propagation, not a load error."""
    data = _layers(lambda ls: ls[1]["config"].update(filters=-4, kernel_size="big"))
    g = graph_from_dict(data)
    result = propagate(g)
    assert not result.layers[g.id_of("conv")].ok


def test_memory_source_is_named() -> None:
    with pytest.raises(ModelFileError, match="^<memory>: not a ParamLab project: 'format_version' is missing"):
        project.loads_project("{}")


def test_save_keeps_the_file_permissions(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text("{}")
    path.chmod(0o640)
    save_project(sample(), path)
    assert path.stat().st_mode & 0o777 == 0o640
    fresh = tmp_path / "new.json"
    save_project(sample(), fresh)
    umask = os.umask(0)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask
