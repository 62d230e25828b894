"""Export to Keras: Python code (Functional API) and a Keras 3 JSON config.

Without Keras: the code compiles (``compile()``; it is never run here) and names every layer
with its arguments; the JSON imports back through ParamLab's importer to the same layers,
shapes and counts. With Keras installed (not in default CI), each example is rebuilt with
real Keras from both exports and ``count_params()`` is compared.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys

import pytest

from paramlab.core.catalogue import is_operation
from paramlab.core.graph import LayerGraph
from paramlab.core.io.keras_export import to_keras_code, to_keras_json
from paramlab.core.io.keras_import import parse_keras_config
from paramlab.core.model_outputs import dead_operations
from paramlab.core.propagate import propagate
from tests.conftest import DATA
from tests.io.test_keras_nested import siamese_model, transfer_model

REFERENCES = (sorted((DATA / "keras").glob("*.json")) + sorted((DATA / "keras2").glob("*.json"))
              + sorted((DATA / "keras_oracle").glob("*.json")))


def _graph(path) -> LayerGraph:
    return parse_keras_config(json.loads(path.read_text())["config"], str(path))


def _rows(graph: LayerGraph) -> dict:
    result = propagate(graph)
    return {graph.raw(n)["name"]: (graph.raw(n)["type"], result.layers[n].output_shape,
                                   result.layers[n].trainable, result.layers[n].non_trainable)
            for n in graph.layer_ids()}


def _calls(source: str) -> dict[str, ast.Call]:
    """Every layer constructor in the code, by its ``name=`` argument."""
    out = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == "name" and isinstance(kw.value, ast.Constant):
                    out[kw.value.value] = node
    return out


def _kwargs(call: ast.Call) -> dict:
    return {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}


@pytest.mark.parametrize("path", REFERENCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_code_compiles_and_names_every_layer(path):
    graph = _graph(path)
    source = to_keras_code(graph)
    compile(source, f"{path.stem}.py", "exec")
    calls = _calls(source)
    for n in graph.layer_ids():
        d = graph.raw(n)
        if d.get("shared_with"):
            continue  # a shared call reuses its owner's layer object
        if is_operation(d["type"]):
            continue  # keras.ops.not_equal(x, 0) has no name argument (or a dead mask op)
        assert d["name"] in calls, f"{d['name']} missing from the code"


def test_code_keeps_the_files_arguments():
    source = to_keras_code(_graph(DATA / "keras" / "lenet_like.json"))
    calls = _calls(source)
    conv = _kwargs(calls["conv2d"])
    assert conv["filters"] == 8 and conv["kernel_size"] == [5, 5]
    assert conv["activation"] == "relu"
    assert _kwargs(calls["dense_2"])["units"] == 10
    assert _kwargs(calls["input_layer"]) == {"shape": (32, 32, 3), "name": "input_layer"}
    assert "keras.Model(inputs=input_layer, outputs=dense_2, name='lenet_like')" in source


def test_code_of_a_shared_layer_creates_it_once_and_calls_it_twice():
    source = to_keras_code(_graph(DATA / "keras2" / "shared_dense_concat.json"))
    assert source.count("layers.Dense(units=8") == 1
    assert "shared_dense = shared_dense_layer(a)" in source
    assert "shared_dense_call1 = shared_dense_layer(b)" in source
    assert "name='concat')([shared_dense, shared_dense_call1])" in source


def test_code_of_a_frozen_nested_model_freezes_its_layers():
    source = to_keras_code(parse_keras_config(transfer_model(base_trainable=False)))
    calls = _calls(source)
    assert _kwargs(calls["d1"])["trainable"] is False
    assert _kwargs(calls["bn"])["trainable"] is False
    assert "trainable" not in _kwargs(calls["head"])


def test_code_leaves_out_the_mask_keras_computes_again():
    """hb_rnn's Embedding(mask_zero=True) mask (not_equal, which Keras passes to the RNNs
    as mask=) reaches no output in ParamLab's graph: the exports leave it out, and Keras
    computes it again from the Embedding (the Keras rebuild test checks the counts)."""
    graph = _graph(DATA / "keras" / "hb_rnn.json")
    source = to_keras_code(graph)
    assert "not_equal" not in source
    assert "not_equal" not in [e["name"] for e in json.loads(to_keras_json(graph))["config"]["layers"]]
    assert "keras.Input(shape=(12,), dtype='int32', name='tokens')" in source


def test_exports_keep_data_format_of_image_and_padding_layers():
    """Both exports write every layer's data_format as the file has it (Keras 3.15.1's
    hb_image_resize_cf and hb_zero_padding1d); the JSON imports back with the same
    shapes (checked for every reference file in test_json_round_trips_through_the_importer)."""
    for name, layers in (("hb_image_resize_cf", ["resizing", "center_crop", "random_crop",
                                                  "random_flip", "random_rotation",
                                                  "random_translation", "random_zoom"]),
                         ("hb_zero_padding1d", ["zero_padding1d_1"])):
        graph = _graph(DATA / "keras" / f"{name}.json")
        calls = _calls(to_keras_code(graph))
        entries = {e["name"]: e["config"]
                   for e in json.loads(to_keras_json(graph))["config"]["layers"]}
        for layer in layers:
            assert _kwargs(calls[layer])["data_format"] == "channels_first", layer
            assert entries[layer]["data_format"] == "channels_first", layer
    assert _kwargs(calls["zero_padding1d"])["data_format"] == "channels_last"


def test_code_of_a_graph_built_in_paramlab():
    g = LayerGraph("built")
    x = g.add_layer("InputLayer", "in", {"shape": (28, 28, 1)})
    c = g.add_layer("Conv2D", "c", {"filters": 4, "kernel_size": 5, "padding": "same"})
    f = g.add_layer("Flatten", "f")
    d = g.add_layer("Dense", "d", {"units": 10, "activation": "softmax"}, trainable=False)
    g.connect(x, c)
    g.connect(c, f)
    g.connect(f, d)
    source = to_keras_code(g)
    compile(source, "built.py", "exec")
    calls = _calls(source)
    conv = _kwargs(calls["c"])  # every catalogue field is spelled out
    assert conv["filters"] == 4 and conv["kernel_size"] == [5, 5] and conv["padding"] == "same"
    assert conv["strides"] == [1, 1] and conv["use_bias"] is True
    dense = _kwargs(calls["d"])
    assert dense["units"] == 10 and dense["activation"] == "softmax"
    assert dense["trainable"] is False
    assert f"{propagate(g).total:,} parameters" in source


def test_code_of_an_unknown_layer_is_a_marked_placeholder():
    g = LayerGraph("custom")
    x = g.add_layer("InputLayer", "in", {"shape": (4,)})
    m = g.add_layer("MyLayer", "mine", {"output_shape": [None, 4]})
    g.connect(x, m)
    source = to_keras_code(g)
    compile(source, "custom.py", "exec")
    assert "# TODO: 'mine' is a MyLayer layer ParamLab cannot rebuild" in source
    assert "layers.Identity(name='mine')(in_)" in source


@pytest.mark.parametrize("path", REFERENCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_json_round_trips_through_the_importer(path):
    graph = _graph(path)
    config = json.loads(to_keras_json(graph))
    assert config["class_name"] == "Functional" and config["config"]["name"] == graph.name
    again = parse_keras_config(config, "exported.json")
    # less the operations that reach no output (masks Keras computes again), left out
    dead = {graph.raw(n)["name"] for n in dead_operations(graph)}
    assert _rows(again) == {k: v for k, v in _rows(graph).items() if k not in dead}
    before, after = propagate(graph), propagate(again)
    assert (after.trainable, after.non_trainable) == (before.trainable, before.non_trainable)


@pytest.mark.parametrize("model", [transfer_model(False), transfer_model(True), siamese_model()],
                         ids=["frozen_transfer", "trainable_transfer", "siamese"])
def test_json_of_nested_and_shared_models_keeps_the_counts(model):
    graph = parse_keras_config(model)
    again = parse_keras_config(json.loads(to_keras_json(graph)))
    assert _rows(again) == _rows(graph)
    for n in graph.layer_ids():
        owner = graph.raw(n).get("shared_with")
        twin = again.id_of(graph.raw(n)["name"])
        if owner is not None:
            assert again.raw(again.raw(twin)["shared_with"])["name"] == graph.raw(owner)["name"]


def test_json_layer_entries_are_keras3_shaped():
    config = json.loads(to_keras_json(_graph(DATA / "keras" / "hb_merge.json")))["config"]
    by_name = {entry["name"]: entry for entry in config["layers"]}
    assert config["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert config["output_layers"] == [["dense", 0, 0]]
    assert by_name["a"]["config"]["batch_shape"] == [None, 16]
    shared = by_name["shared_dense"]
    assert len(shared["inbound_nodes"]) == 2 and shared["config"]["units"] == 8
    add_args = by_name["add"]["inbound_nodes"][0]["args"][0]
    assert [t["config"]["keras_history"] for t in add_args] == [["shared_dense", 0, 0],
                                                               ["shared_dense", 1, 0]]
    assert add_args[0]["config"]["shape"] == [None, 8]


# ---------------------------------------------------------------- with real Keras
# Keras 3 layers whose constructor needs TensorFlow whatever the backend (tf.lookup tables,
# tf.strings): "Layer Hashing requires TensorFlow".
TF_ONLY_LAYERS = frozenset({"Hashing", "HashedCrossing", "IntegerLookup", "StringLookup",
                            "TextVectorization"})

# Keras 3.15.1 files Keras 3.15.1 cannot load back: RandomShear's get_config writes x_factor
# [-0.2, 0.2], which its constructor refuses ("should be ... in the range [0, 1.0]").
KERAS_REFUSES_ITS_OWN = frozenset({"hb_augment", "hb_augment_cf"})


@pytest.mark.parametrize("path", REFERENCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_real_keras_rebuilds_the_exports_with_equal_counts(path, tmp_path):
    keras = pytest.importorskip("keras")
    if path.stem == "hb_sequence_tf2":
        pytest.xfail("Keras 3 has no CuDNNLSTM / CuDNNGRU (Keras 2 only): the export keeps "
                     "their class names, and no Keras 3 layer has CuDNNLSTM's 8·units bias")
    if path.stem == "hb_random_size_tf2":
        pytest.xfail("Keras 3 has no RandomHeight / RandomWidth (tf.keras 2 only): the export "
                     "keeps their class names")
    graph = _graph(path)
    needs_tf = sorted({graph.raw(n)["type"] for n in graph.layer_ids()} & TF_ONLY_LAYERS)
    if needs_tf:
        pytest.importorskip("tensorflow", reason=f"Keras builds {', '.join(needs_tf)} only "
                            "with TensorFlow installed")
    total = propagate(graph).total
    model = keras.models.model_from_json(to_keras_json(graph))
    assert model.count_params() == total
    if path.parent.name in ("keras", "keras_oracle") and path.stem not in KERAS_REFUSES_ITS_OWN:
        # Keras 3 files: the same outputs as the model Keras builds from the file, in the
        # same order (the file's output_layers, core.model_outputs)
        original = keras.models.model_from_json(json.dumps(json.loads(path.read_text())["config"]))
        assert [tuple(t.shape) for t in model.outputs] == [
            tuple(t.shape) for t in original.outputs]
    script = tmp_path / "exported.py"
    script.write_text(to_keras_code(graph) + "\nprint(build_model().count_params())\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=600, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    assert int(out.stdout.strip().splitlines()[-1]) == total


def test_code_survives_awkward_names():
    g = LayerGraph('it\'s """a\nmodel\\')
    x = g.add_layer("InputLayer", "class", {"shape": (3,)})
    d = g.add_layer("Dense", "2nd dense layer", {"units": 2})
    e = g.add_layer("Dense", "2nd_dense_layer", {"units": 2})
    g.connect(x, d)
    g.connect(d, e)
    source = to_keras_code(g)
    compile(source, "awkward.py", "exec")
    calls = _calls(source)
    assert {"class", "2nd dense layer", "2nd_dense_layer"} <= set(calls)
    assert g.name in calls  # keras.Model(..., name=...)
    assert "name='it\\'s \"\"\"a\\nmodel\\\\'" in source


@pytest.mark.parametrize("model", [transfer_model(False), transfer_model(True), siamese_model()],
                         ids=["frozen_transfer", "trainable_transfer", "siamese"])
def test_real_keras_loads_the_hand_built_configs_and_their_exports(model):
    # The nested and shared configs of test_keras_nested are checked against Keras itself:
    # Keras loads them and counts what ParamLab counts; it also loads their exports.
    keras = pytest.importorskip("keras")
    graph = parse_keras_config(model)
    result = propagate(graph)
    loaded = keras.models.model_from_json(json.dumps(model))
    trainable = sum(int(w.numpy().size) for w in loaded.trainable_weights)
    assert (trainable, loaded.count_params() - trainable) == (result.trainable,
                                                             result.non_trainable)
    rebuilt = keras.models.model_from_json(to_keras_json(graph))
    trainable = sum(int(w.numpy().size) for w in rebuilt.trainable_weights)
    assert (trainable, rebuilt.count_params() - trainable) == (result.trainable,
                                                              result.non_trainable)


def test_operations_with_constants_export_as_keras_ops():
    from tests.io.test_keras_nested import dense, k3_functional, k3_input, kt, op

    model = k3_functional("ops", [
        k3_input("x", [None, 4]),
        op("Multiply", "multiply", kt("x", shape=[None, 4]), 2.0),
        op("NotEqual", "not_equal", kt("x", shape=[None, 4]), 0),
        op("NotEqual", "mask_only", kt("x", shape=[None, 4]), 0),
        dense("d", 2, [kt("multiply", shape=[None, 4])]),
    ], [["x", 0, 0]], [["d", 0, 0], ["not_equal", 0, 0]])
    graph = parse_keras_config(model)
    source = to_keras_code(graph)
    assert "multiply = keras.ops.multiply(x, 2.0)" in source
    assert "not_equal = keras.ops.not_equal(x, 0)" in source
    # an operation that reaches no output (a mask Keras computes again) is left out
    assert "mask_only" not in source
    entries = {e["name"]: e for e in json.loads(to_keras_json(graph))["config"]["layers"]}
    assert "mask_only" not in entries
    assert entries["multiply"]["module"] == "keras.src.ops.numpy"
    assert entries["multiply"]["class_name"] == "Multiply"
    assert entries["multiply"]["inbound_nodes"][0]["args"][1] == 2.0
    again = parse_keras_config(json.loads(to_keras_json(graph)))
    assert _rows(again) == {k: v for k, v in _rows(graph).items() if k != "mask_only"}


def test_cli_keras_exports_name_the_layers_keras3_cannot_rebuild(capsys):
    """tf.keras 2's CuDNNLSTM/CuDNNGRU (also inside Bidirectional) keep their class names,
    which Keras 3 does not have: both Keras exports still write the model (exit 0) and
    name each such layer on stderr; the code marks it TODO."""
    from paramlab.core import cli

    path = str(DATA / "keras2" / "hb_sequence_tf2.json")
    for target in ("keras-json", "keras-code"):
        assert cli.main(["export", path, "--to", target]) == 0
        out, err = capsys.readouterr()
        assert "4 layers Keras 3 may not rebuild from this export:" in err
        lines = [line.strip() for line in err.splitlines()[1:]]
        assert [line.split(":")[0] for line in lines] == [
            "cu_lstm (CuDNNLSTM)", "bi_cu_lstm (Bidirectional)", "cu_gru (CuDNNGRU)",
            "cu_lstm_frozen (CuDNNLSTM)"]
        assert "its wrapped CuDNNLSTM is tf.keras 2 only" in lines[1]
        # cu_lstm: CuDNNLSTM(24) on 32 features has 5,568 parameters in tf_keras 2.21 (the
        # file's figures); Keras's LSTM formula 4·24·(32 + 24 + 1) = 5,472 is 4·24 fewer.
        assert "4·units fewer parameters" in lines[0]
    assert "# TODO: 'bi_cu_lstm' wraps a CuDNNLSTM, a tf.keras 2 layer" in out
    assert cli.main(["export", "lenet", "--to", "keras-json"]) == 0
    assert capsys.readouterr()[1] == ""


def test_cli_keras_exports_name_layers_whose_code_paramlab_never_has(capsys):
    from paramlab.core import cli

    path = str(DATA / "realworld" / "files" / "recommender_strings.json")
    assert cli.main(["export", path, "--to", "keras-code"]) == 0
    err = capsys.readouterr()[1]
    assert "lambda (Lambda): written as a placeholder (layers.Identity, marked TODO)" in err
    assert cli.main(["export", path, "--to", "keras-json"]) == 0
    assert "lambda (Lambda): kept as the file had it" in capsys.readouterr()[1]


@pytest.mark.parametrize("shape", [None, "32x32", [32, -1], [32, 2.5]])
@pytest.mark.parametrize("target", ["keras-json", "keras-code"])
def test_cli_keras_exports_refuse_an_input_without_a_shape_in_one_line(
        shape, target, tmp_path, capsys):
    """A project whose InputLayer shape is null or not whole numbers (the summary shows '?'
    and exits 3): no Keras model can be written; one line names the file and the layer (it
    was an internal TypeError, found by tests/bench/fuzz_cli.py --export-every)."""
    from paramlab.core import cli
    from paramlab.core.text import elide_value

    doc = json.loads((DATA / "project_v1_lenet.json").read_text(encoding="utf-8"))
    assert doc["layers"][0]["type"] == "InputLayer"
    doc["layers"][0]["config"]["shape"] = shape
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert cli.main(["summary", str(path)]) == 3
    capsys.readouterr()
    assert cli.main(["export", str(path), "--to", target, "--output", str(tmp_path / "o")]) == 1
    err = capsys.readouterr()[1]
    want = elide_value(tuple(shape) if isinstance(shape, list) else shape)  # read as a tuple
    assert err.splitlines() == [(
        f"paramlab: error: {path}: cannot export the model: layer 'input_layer': the "
        f"InputLayer's shape must be a list of whole numbers, got {want}")]
    assert not (tmp_path / "o").exists()


def test_keras3_has_none_of_the_layers_the_exports_call_keras2_only():
    keras = pytest.importorskip("keras")
    from paramlab.core.io.keras_json_export import KERAS2_ONLY_LAYERS

    assert [name for name in KERAS2_ONLY_LAYERS if hasattr(keras.layers, name)] == []


def _application_layers_model() -> LayerGraph:
    g = LayerGraph("convnext_bits")
    x = g.add_layer("InputLayer", "x", {"shape": (4,)})
    scale = g.add_layer("LayerScale", "scale", {"init_values": 1e-6, "projection_dim": 4})
    drop = g.add_layer("StochasticDepth", "drop", {"drop_path_rate": 0.1})
    mix = g.add_layer("CustomScaleLayer", "mix", {"scale": 0.17})
    g.connect(x, scale)
    g.connect(scale, drop)
    g.connect(x, mix, 0)
    g.connect(drop, mix, 1)
    return g


def test_application_layers_keep_the_module_keras_finds_them_by():
    """LayerScale and StochasticDepth (keras.applications.convnext) and CustomScaleLayer
    (inception_resnet_v2) are no keras.layers classes: Keras 3.15.1 writes them as
    ``("keras.src.applications.convnext", "LayerScale", registered_name "LayerScale")`` and
    refused the export's "keras.layers.LayerScale" ("not a KerasSaveable subclass"; the
    fixture keras_oracle/oracle_layer_scale in the real-Keras test above)."""
    g = _application_layers_model()
    entries = {e["name"]: e for e in json.loads(to_keras_json(g))["config"]["layers"]}
    assert [(entries[n]["module"], entries[n]["registered_name"])
            for n in ("scale", "drop", "mix")] == [
        ("keras.src.applications.convnext", "LayerScale"),
        ("keras.src.applications.convnext", "StochasticDepth"),
        ("keras.src.applications.inception_resnet_v2", "CustomScaleLayer")]
    source = to_keras_code(g)
    assert "from keras.src.applications.convnext import LayerScale, StochasticDepth" in source
    assert "from keras.src.applications.inception_resnet_v2 import CustomScaleLayer" in source
    assert "= LayerScale(" in source and "layers.LayerScale" not in source
    ast.parse(source)


def test_real_keras_rebuilds_the_application_layers(tmp_path):
    keras = pytest.importorskip("keras")
    g = _application_layers_model()
    total = propagate(g).total
    assert keras.models.model_from_json(to_keras_json(g)).count_params() == total == 4
    import importlib.util

    path = tmp_path / "convnext_bits.py"
    path.write_text(to_keras_code(g), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("convnext_bits", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # the test's own export
    assert module.build_model().count_params() == total
