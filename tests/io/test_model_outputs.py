"""The model's outputs (core.model_outputs) through import, edits, project files and the three
exports. The reference is tests/data/keras_numeric/outputs.json (tests/data/gen/
keras_numeric_outputs.py, Keras 3.15.1 with JAX): an encoder whose ``output_layers``, as Keras
wrote them, are ``[lstm 0 2], [dense 0 0], [lstm 0 0], [gru 0 1], [lstm 0 1]`` — an LSTM's
cell state first, a Dense on its hidden state, its sequence, a GRU's state (its sequence
unused) and the hidden state again — with Keras's outputs for Keras's weights."""
from __future__ import annotations

import ast
import importlib.util
import json
from pathlib import Path

import pytest

from paramlab.core.edits import RemoveLayer, SetConfig
from paramlab.core.errors import ModelFileError
from paramlab.core.graph import LayerGraph
from paramlab.core.io.keras_export import to_keras_code
from paramlab.core.io.keras_json_export import to_keras_dict
from paramlab.core.io.loader import load_model
from paramlab.core.io.project import dumps_project, loads_project
from paramlab.core.io.pytorch_export import to_pytorch_code
from paramlab.core.model_outputs import model_outputs
from paramlab.core.propagate import propagate

DATA = Path(__file__).resolve().parents[1] / "data"
RECORD = json.loads((DATA / "keras_numeric" / "outputs.json").read_text(encoding="utf-8"))
KERAS_OUTPUTS = RECORD["config"]["config"]["output_layers"]


@pytest.fixture
def encoder(tmp_path) -> LayerGraph:
    path = tmp_path / "encoder.json"
    path.write_text(json.dumps(RECORD["config"]), encoding="utf-8")
    return load_model(path)


def _named(graph: LayerGraph) -> list[tuple[str, int]]:
    return [(graph.raw(n)["name"], k) for n, k in model_outputs(graph, propagate(graph).layers)]


def _keras_model_call(source: str) -> ast.Call:
    """The ``keras.Model(...)`` call ``build_model`` returns."""
    tree = ast.parse(source)
    build = next(f for f in tree.body if isinstance(f, ast.FunctionDef))
    ret = build.body[-1]
    assert isinstance(ret, ast.Return) and isinstance(ret.value, ast.Call)
    return ret.value


def _module(source: str, folder: Path, name: str):
    """An exported file, written to ``folder`` and imported."""
    path = folder / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_import_keeps_keras_declared_outputs(encoder) -> None:
    assert _named(encoder) == [(name, k) for name, _, k in KERAS_OUTPUTS]


def test_keras_json_export_writes_keras_output_layers(encoder) -> None:
    assert to_keras_dict(encoder)["config"]["output_layers"] == KERAS_OUTPUTS


def test_keras_code_returns_keras_outputs(encoder) -> None:
    call = _keras_model_call(to_keras_code(encoder))
    outputs = next(k.value for k in call.keywords if k.arg == "outputs")
    assert [ast.unparse(e) for e in outputs.elts] == [
        "lstm[2]", "dense", "lstm[0]", "gru[1]", "lstm[1]"]


def test_pytorch_forward_returns_keras_outputs(encoder) -> None:
    source = to_pytorch_code(encoder).source
    forward = next(n for n in ast.walk(ast.parse(source))
                   if isinstance(n, ast.FunctionDef) and n.name == "forward")
    ret = forward.body[-1]
    assert isinstance(ret, ast.Return)
    assert [ast.unparse(e) for e in ret.value.elts] == [
        "lstm_c", "dense", "lstm", "gru_h", "lstm_h"]


def test_project_file_keeps_declared_outputs(encoder) -> None:
    text = dumps_project(encoder)
    assert json.loads(text)["outputs"] == [[n, k] for n, k in encoder.declared_outputs]
    again = loads_project(text)
    assert _named(again) == _named(encoder)
    assert to_keras_dict(again)["config"]["output_layers"] == KERAS_OUTPUTS


def test_editor_built_model_puts_out_what_nothing_consumes() -> None:
    """No declared outputs: every tensor of each layer nothing consumes, InputLayers apart,
    and the project file has no ``outputs``."""
    g = LayerGraph("built")
    x = g.add_layer("InputLayer", "x", {"shape": (7, 4)})
    lstm = g.add_layer("LSTM", "lstm", {"units": 3, "return_state": True})
    d = g.add_layer("Dense", "d", {"units": 2})
    g.connect(x, lstm)
    g.connect(x, d)
    assert _named(g) == [("lstm", 0), ("lstm", 1), ("lstm", 2), ("d", 0)]
    assert to_keras_dict(g)["config"]["output_layers"] == [
        ["lstm", 0, 0], ["lstm", 0, 1], ["lstm", 0, 2], ["d", 0, 0]]
    e = g.add_layer("Dense", "e", {"units": 2})
    g.connect(lstm, e, output=2)  # the cell state feeds e: the LSTM is no longer an output
    assert _named(g) == [("d", 0), ("e", 0)]


def test_deleting_a_declared_layer_and_undo(encoder) -> None:
    """Deleting the Dense leaves it out (no other layer becomes an output); undo puts it
    back in Keras's place."""
    dense = encoder.id_of("dense")
    edit = RemoveLayer(dense)
    edit.apply(encoder)
    assert _named(encoder) == [("lstm", 2), ("lstm", 0), ("gru", 1), ("lstm", 1)]
    assert "dense" not in json.dumps(to_keras_dict(encoder)["config"]["output_layers"])
    edit.revert(encoder)
    assert to_keras_dict(encoder)["config"]["output_layers"] == KERAS_OUTPUTS


def test_a_state_the_layer_no_longer_has_is_left_out(encoder) -> None:
    """GRU(return_state) off: its declared state is gone, so the GRU, which nothing
    consumes, puts out its one remaining tensor; undo restores the state."""
    edit = SetConfig(encoder.id_of("gru"), "return_state", False)
    edit.apply(encoder)
    assert _named(encoder) == [("lstm", 2), ("dense", 0), ("lstm", 0), ("lstm", 1), ("gru", 0)]
    edit.revert(encoder)
    assert _named(encoder) == [(name, k) for name, _, k in KERAS_OUTPUTS]


@pytest.mark.parametrize("outputs, message", [
    ({"n1": 0}, "'outputs' must be a list, found an object"),
    ([["n1"]], "output 1: expected [layer id, output index]"),
    ([["n99", 0]], "output 1: names unknown layer id 'n99'"),
    ([["n1", -1]], "output 1: the output index must be a whole number 0 or more, found \u22121"),
    ([["n1", True]], "the output index must be a whole number 0 or more, found True"),
])
def test_bad_outputs_in_a_project_file_give_one_line(outputs, message) -> None:
    doc = {"format_version": 2, "name": "m",
           "layers": [{"id": "n1", "name": "x", "type": "InputLayer",
                       "config": {"shape": [3]}}],
           "outputs": outputs}
    with pytest.raises(ModelFileError) as info:
        loads_project(json.dumps(doc))
    assert message in str(info.value) and "\n" not in str(info.value)


def test_real_keras_rebuilds_the_exported_outputs(encoder, tmp_path) -> None:
    """With Keras: the exported JSON and code give a model with Keras's output shapes."""
    keras = pytest.importorskip("keras")
    original = keras.models.model_from_json(json.dumps(RECORD["config"]))
    rebuilt = keras.models.model_from_json(json.dumps(to_keras_dict(encoder)))
    built = _module(to_keras_code(encoder), tmp_path, "keras_export").build_model()
    shapes = [tuple(t.shape) for t in original.outputs]
    assert shapes == [(None, 5), (None, 3), (None, 7, 5), (None, 2), (None, 5)]
    assert [tuple(t.shape) for t in rebuilt.outputs] == shapes
    assert [tuple(t.shape) for t in built.outputs] == shapes


def test_pytorch_module_returns_keras_outputs(encoder, tmp_path) -> None:
    """With torch: given Keras's weights, the exported module returns Keras's five outputs
    in Keras's order (the sequence with its last axis moved to 1)."""
    torch = pytest.importorskip("torch")
    import numpy as np

    export = to_pytorch_code(encoder)
    net = getattr(_module(export.source, tmp_path, export.class_name), export.class_name)()
    net.eval()
    w = {k: np.asarray(v, dtype=np.float32) for k, v in RECORD["weights"].items()}

    def put(tensor, value) -> None:
        tensor.data.copy_(torch.from_numpy(np.ascontiguousarray(value)))

    def gates(a, axis):  # Keras's GRU gates z, r, h are PyTorch's r, z, n
        z, r, h = np.split(a, 3, axis=axis)
        return np.concatenate([r, z, h], axis=axis)

    put(net.lstm.weight_ih_l0, w["lstm/lstm_cell/kernel"].T)
    put(net.lstm.weight_hh_l0, w["lstm/lstm_cell/recurrent_kernel"].T)
    put(net.lstm.bias_ih_l0, w["lstm/lstm_cell/bias"])
    put(net.lstm.bias_hh_l0, np.zeros_like(w["lstm/lstm_cell/bias"]))
    put(net.gru.weight_ih_l0, gates(w["gru/gru_cell/kernel"], 1).T)
    put(net.gru.weight_hh_l0, gates(w["gru/gru_cell/recurrent_kernel"], 1).T)
    put(net.gru.bias_ih_l0, gates(w["gru/gru_cell/bias"][0], 0))
    put(net.gru.bias_hh_l0, gates(w["gru/gru_cell/bias"][1], 0))
    put(net.dense.weight, w["dense/kernel"].T)
    put(net.dense.bias, w["dense/bias"])
    with torch.no_grad():
        got = net(torch.tensor(RECORD["input"]).movedim(-1, 1))
    assert len(got) == len(RECORD["outputs"]) == 5
    for mine, keras in zip(got, RECORD["outputs"]):
        want = torch.tensor(keras)
        mine = mine.movedim(1, -1) if mine.dim() >= 3 else mine
        assert mine.shape == want.shape
        assert torch.allclose(mine, want, atol=1e-5), (mine - want).abs().max()


@pytest.mark.parametrize("name", ["keras/hb_rnn_cell.json",
                                  "keras_nested/nested_subset_outputs.json"])
def test_keras_files_output_layers_survive_the_json_export(name) -> None:
    """Real Keras files: an RNN whose second state is an output (hb_rnn_cell, which lost it
    before) and a nested model whose unused output is no output of the whole model
    (nested_subset_outputs, which put it out before): the export writes the file's own
    ``output_layers``."""
    path = DATA / name
    record = json.loads(path.read_text(encoding="utf-8"))  # Keras's to_json() in "config"
    want = record["config"]["config"]["output_layers"]
    want = [want] if isinstance(want[0], str) else want  # one output: Keras writes it bare
    assert to_keras_dict(load_model(path))["config"]["output_layers"] == want


def test_a_project_saved_with_the_old_gqa_name_opens_as_keras_layer() -> None:
    """ParamLab saved GroupQueryAttention as GroupedQueryAttention (Keras's Python class)
    before it took Keras's config name: such a project still counts the layer, as
    MultiHeadAttention-like projections: q (6·4·3 + 4·3) + k and v (6·2·3 + 2·3 each)
    + output (4·3·6 + 6) = 84 + 42 + 42 + 78 = 246 for head_dim 3, 4 query heads, 2
    key/value heads on 6 features (Keras 3.15.1's count_params() of that layer: 246)."""
    doc = {"format_version": 2, "name": "old",
           "layers": [{"id": "n1", "name": "x", "type": "InputLayer", "config": {"shape": [5, 6]}},
                      {"id": "n2", "name": "gqa", "type": "GroupedQueryAttention",
                       "config": {"head_dim": 3, "num_query_heads": 4,
                                  "num_key_value_heads": 2}}],
           "edges": [{"src": "n1", "dst": "n2", "index": 0},
                     {"src": "n1", "dst": "n2", "index": 1}]}
    graph = loads_project(json.dumps(doc))
    assert graph.raw(graph.id_of("gqa"))["type"] == "GroupQueryAttention"
    assert propagate(graph).total == 246


# ----------------------------------------------------------------- declared inputs
# tests/data/keras_nested/{input_order,nested_structures}.json (tests/data/gen/
# nested_outputs.py, Keras 3.15.1 with JAX): ``Model([b, a], ...)`` whose layers list a
# first, and a model built on a dict of named inputs, whose ``model.inputs`` Keras takes by
# sorted key (alpha, seq, zeta) while its layers list seq, zeta, alpha. ``flat_inputs``:
# Keras's ``model.inputs``.
def _nested_reference(name: str) -> tuple[dict, LayerGraph]:
    ref = json.loads((DATA / "keras_nested" / f"{name}.json").read_text(encoding="utf-8"))
    return ref, loads_keras(ref["config"])


def loads_keras(config: dict) -> LayerGraph:
    from paramlab.core.io.keras_import import parse_keras_config

    return parse_keras_config(json.loads(json.dumps(config)))


def _keras_inputs(ref: dict) -> list[str]:
    return [name for name, _, _ in ref["flat_inputs"]]


@pytest.mark.parametrize("name, order", [("input_order", ["b", "a"]),
                                         ("nested_structures", ["alpha", "seq", "zeta"])])
def test_every_export_takes_the_inputs_in_keras_order(name, order) -> None:
    """The exports took the InputLayers in the graph's order (a, b; seq, zeta, alpha): a
    caller passing Keras's order fed each input's data to another input."""
    ref, graph = _nested_reference(name)
    assert _keras_inputs(ref) == order
    assert [graph.raw(n)["name"] for n in graph.declared_inputs] == order
    assert [n for n, _, _ in to_keras_dict(graph)["config"]["input_layers"]] == order
    call = _keras_model_call(to_keras_code(graph))
    inputs = next(k.value for k in call.keywords if k.arg == "inputs")
    assert [e.id for e in inputs.elts] == order
    forward = next(line for line in to_pytorch_code(graph).source.splitlines()
                   if "def forward" in line)
    assert forward.strip() == f"def forward(self, {', '.join(order)}):"


def test_declared_inputs_through_a_project_file_edits_and_undo() -> None:
    _, graph = _nested_reference("input_order")
    text = dumps_project(graph)
    assert json.loads(text)["inputs"] == graph.declared_inputs
    again = loads_project(text)
    assert [n for n, _, _ in to_keras_dict(again)["config"]["input_layers"]] == ["b", "a"]
    again.add_layer("InputLayer", "c", {"shape": (5,)})  # added in the editor: last
    assert [n for n, _, _ in to_keras_dict(again)["config"]["input_layers"]] == ["b", "a", "c"]
    edit = RemoveLayer(again.id_of("b"))
    edit.apply(again)  # b is gone
    assert [n for n, _, _ in to_keras_dict(again)["config"]["input_layers"]] == ["a", "c"]
    edit.revert(again)  # b is back in Keras's place
    assert [n for n, _, _ in to_keras_dict(again)["config"]["input_layers"]] == ["b", "a", "c"]


@pytest.mark.parametrize("inputs, message", [
    ("n1", "'inputs' must be a list, found a string"),
    (["n99"], "input 1: names unknown layer id 'n99'"),
    (["n1", "n2"], "input 2: layer id 'n2' is a Dense, not an InputLayer"),
])
def test_bad_inputs_in_a_project_file_give_one_line(inputs, message) -> None:
    doc = {"format_version": 2, "name": "m",
           "layers": [{"id": "n1", "name": "x", "type": "InputLayer", "config": {"shape": [3]}},
                      {"id": "n2", "name": "d", "type": "Dense", "config": {"units": 2}}],
           "inputs": inputs}
    with pytest.raises(ModelFileError) as info:
        loads_project(json.dumps(doc))
    assert message in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("name", ["input_order", "nested_structures"])
def test_real_keras_rebuilds_the_exports_with_keras_inputs_and_outputs(name, tmp_path) -> None:
    """With Keras: the exported JSON and code take Keras's inputs in its order and put out
    its outputs (flattened, in its order), with its counts."""
    keras = pytest.importorskip("keras")
    ref, graph = _nested_reference(name)
    original = keras.models.model_from_json(json.dumps(ref["config"]))
    for rebuilt in (keras.models.model_from_json(json.dumps(to_keras_dict(graph))),
                    _module(to_keras_code(graph), tmp_path, f"{name}_export").build_model()):
        assert [t.name for t in rebuilt.inputs] == _keras_inputs(ref)
        assert [tuple(t.shape) for t in rebuilt.inputs] == [tuple(t.shape)
                                                           for t in original.inputs]
        assert [tuple(t.shape) for t in rebuilt.outputs] == [tuple(t.shape)
                                                            for t in original.outputs]
        assert rebuilt.count_params() == ref["totals"]["count_params"]
