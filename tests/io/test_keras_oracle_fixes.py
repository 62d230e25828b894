"""Rules the Keras-oracle fuzz (tests/bench/keras_oracle.py) found ParamLab getting wrong,
checked on small models real Keras 3.15.1 built (tests/data/keras_oracle/, written by
tests/data/gen/oracle_fixes.py): ``paramlab summary --format json`` gives Keras's output
shape and counts for every layer of ``model.layers``, and Keras's totals.
"""
from __future__ import annotations

import json

import pytest

from tests.conftest import DATA
from tests.io.test_realworld_corpus import differences, summary_json

FILES = sorted((DATA / "keras_oracle").glob("*.json"))


def test_the_fixtures_are_there():
    assert [p.stem for p in FILES] == ["oracle_bn_renorm", "oracle_einsum_concat",
                                       "oracle_gqa_mask_norm", "oracle_layer_scale",
                                       "oracle_masked_merge"]


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_summary_equals_keras(path):
    ref = json.loads(path.read_text())
    status, got, err = summary_json(path)
    assert status == 0, err
    truth = {"totals": ref["totals"], "layers": [
        {"name": layer["name"], "class_name": layer["class_name"],
         "output_shape": layer["output_shape"], "trainable": layer["trainable_params"],
         "non_trainable": layer["non_trainable_params"]} for layer in ref["layers"]]}
    problems = differences(got, truth)
    assert not problems, "\n".join(problems)
    assert got["totals"]["total"] == ref["totals"]["count_params"]


def _keras_layers(path) -> dict[str, dict]:
    """Each layer's config as Keras wrote it in the fixture."""
    return {layer["config"]["name"]: layer["config"]
            for layer in json.loads(path.read_text())["config"]["config"]["layers"]}


def _exported_layers(path) -> dict[str, dict]:
    from paramlab.core.io.keras_json_export import to_keras_dict
    from paramlab.core.io.loader import load_model

    return {layer["config"]["name"]: layer["config"]
            for layer in to_keras_dict(load_model(path))["config"]["layers"]}


def test_keras_json_export_keeps_what_keras_wrote():
    """What tests/bench/export_oracle.py found the Keras exports losing or inventing, so
    that Keras rebuilt other counts or refused the export: BatchNormalization's renorm
    arguments (Keras 3's own; 3·C parameters), EinsumDense's output_shape, and a
    data_format SpatialDropout1D does not take."""
    for path, name, keys in (
            (DATA / "keras_oracle" / "oracle_bn_renorm.json", "bn_renorm_center",
             ("renorm", "renorm_clipping", "renorm_momentum", "scale")),
            (DATA / "keras_oracle" / "oracle_einsum_concat.json", "einsum", ("output_shape",)),
            (DATA / "keras_oracle" / "oracle_einsum_concat.json", "einsum_4d",
             ("output_shape",))):
        keras_config, exported = _keras_layers(path)[name], _exported_layers(path)[name]
        assert {k: exported.get(k) for k in keys} == {k: keras_config[k] for k in keys}
    path = DATA / "keras_oracle" / "oracle_einsum_concat.json"
    assert set(_exported_layers(path)["drop"]) <= set(_keras_layers(path)["drop"]) | {
        "trainable"}  # Keras's SpatialDropout1D config: rate, seed, name, dtype


def test_keras_code_export_gives_any_its_axis():
    """An operation's own arguments are keywords of its keras.ops call: Masking's mask,
    any(x != 0, axis=-1), kept Keras's axis and keepdims (it was keras.ops.any(x), a
    reduction over every axis). Here the mask reaches no output (Keras passes it as mask=),
    so the exports leave it out and put out what the file declares; made an output of an
    editor-built model, it is written with Keras's arguments."""
    from paramlab.core.graph import LayerGraph
    from paramlab.core.io.keras_export import to_keras_code
    from paramlab.core.io.keras_json_export import to_keras_dict
    from paramlab.core.io.loader import load_model

    path = DATA / "keras_oracle" / "oracle_gqa_mask_norm.json"
    keras_config = _keras_layers(path)["any"]
    graph = load_model(path)
    assert "keras.ops.any" not in to_keras_code(graph)
    want = json.loads(path.read_text())["config"]["config"]["output_layers"]
    assert to_keras_dict(graph)["config"]["output_layers"] == [want]
    g = LayerGraph("mask")
    x = g.add_layer("InputLayer", "x", {"shape": (6, 4)})
    ne = g.add_layer("NotEqual", "not_equal", {"constant": 0.0})
    a = g.add_layer("Any", "any", {"axis": keras_config["axis"],
                                   "keepdims": keras_config["keepdims"]})
    g.connect(x, ne)
    g.connect(ne, a)
    assert (f"keras.ops.any(not_equal, axis={keras_config['axis']}, "
            f"keepdims={keras_config['keepdims']})") in to_keras_code(g)


def test_exports_leave_out_the_merged_mask_operations(capsys):
    """oracle_masked_merge: the seven operations Keras wrote for the Concatenate's mask
    (NotEqual, ExpandDims, ZerosLike, LogicalOr, OnesLike, a Concatenate of masks, Any)
    reach no output: all three exports leave them out, with no note that Keras 3 may not
    rebuild them (Keras refused the JSON that wrote them: ops.Concatenate took its list as
    two arguments); the layers and the outputs are Keras's."""
    from paramlab.core import cli

    path = DATA / "keras_oracle" / "oracle_masked_merge.json"
    layers = json.loads(path.read_text())["config"]["config"]["layers"]
    ops = [layer["name"] for layer in layers if layer["module"].startswith("keras.src.ops")]
    assert len(ops) == 7
    assert cli.main(["export", str(path), "--to", "keras-json"]) == 0
    out, err = capsys.readouterr()
    exported = json.loads(out)["config"]
    assert [e["name"] for e in exported["layers"]] == [
        layer["name"] for layer in layers if layer["name"] not in ops]
    assert err == ""
    assert cli.main(["export", str(path), "--to", "keras-code"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "keras.ops" not in out
    assert cli.main(["export", str(path), "--to", "pytorch"]) == 0
    out, err = capsys.readouterr()
    assert "NotImplementedError" not in err
