"""Summary writers: Keras-like text table (golden checks against Keras's own output),
CSV read back with the csv module, the exact JSON schema, Markdown."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from paramlab.core.graph import LayerGraph
from paramlab.core.io.writers import (
    CSV_HEADER,
    FORMATS,
    format_csv,
    format_json,
    format_markdown,
    format_summary,
    format_table,
    summary_to_dict,
    write_summary,
)
from paramlab.core.summary import Summary, summarize

KERAS = Path(__file__).parent.parent / "data" / "keras"


def _chain(name: str, layers: list[tuple[str, str | None, dict]]) -> LayerGraph:
    g = LayerGraph(name)
    prev = None
    for type_, lname, config in layers:
        n = g.add_layer(type_, lname, config)
        if prev is not None:
            g.connect(prev, n)
        prev = n
    return g


def lenet_like() -> LayerGraph:
    conv = {"kernel_size": (5, 5), "padding": "valid", "activation": "relu"}
    return _chain("lenet_like", [
        ("InputLayer", "input_layer", {"shape": (32, 32, 3)}),
        ("Conv2D", None, {"filters": 8, **conv}),
        ("MaxPooling2D", None, {"pool_size": (2, 2)}),
        ("Conv2D", None, {"filters": 16, **conv}),
        ("MaxPooling2D", None, {"pool_size": (2, 2)}),
        ("Flatten", None, {}),
        ("Dense", None, {"units": 120}), ("Dense", None, {"units": 84}),
        ("Dense", None, {"units": 10})])


def dense_bn() -> LayerGraph:
    return _chain("dense_bn", [
        ("InputLayer", "input_layer", {"shape": (20,)}), ("Dense", None, {"units": 64}),
        ("BatchNormalization", None, {}), ("Activation", None, {"activation": "relu"}),
        ("Dense", None, {"units": 10})])


def hb_merge() -> LayerGraph:
    """Keras's hb_merge: one Dense applied to two inputs, then every merge of the two."""
    g = LayerGraph("hb_merge")
    a = g.add_layer("InputLayer", "a", {"shape": (16,)})
    b = g.add_layer("InputLayer", "b", {"shape": (16,)})
    shared = g.add_layer("Dense", "shared_dense", {"units": 8, "activation": "relu"})
    call2 = g.add_layer("Dense", "shared_dense_call_1", {"units": 8, "activation": "relu"},
                        shared_with=shared)
    g.connect(a, shared)
    g.connect(b, call2)
    merges = []
    for type_, name, config in (("Add", "add", {}), ("Subtract", "subtract", {}),
                                ("Multiply", "multiply", {}), ("Average", "average", {}),
                                ("Maximum", "maximum", {}), ("Minimum", "minimum", {}),
                                ("Dot", "dot", {"axes": 1, "normalize": True}),
                                ("Dot", "dot_1", {"axes": -1, "normalize": False})):
        m = g.add_layer(type_, name, config)
        g.connect(shared, m, 0)
        g.connect(call2, m, 1)
        merges.append(m)
    cat = g.add_layer("Concatenate", "concatenate", {"axis": -1})
    for i, m in enumerate(merges):
        g.connect(m, cat, i)
    out = g.add_layer("Dense", "dense", {"units": 1, "activation": "sigmoid"})
    g.connect(cat, out)
    return g


def _keras_text(name: str) -> str:
    return (KERAS / f"{name}.summary.txt").read_text(encoding="utf-8").rstrip("\n") + "\n"


# ---------------------------------------------------------------------------- text table
def test_table_equals_keras_for_a_functional_chain() -> None:
    g = _chain("mlp_5_8_4_3_functional", [
        ("InputLayer", "x", {"shape": (5,)}), ("Dense", None, {"units": 8}),
        ("Dense", None, {"units": 4}), ("Dense", None, {"units": 3})])
    assert format_table(summarize(g)) == _keras_text("mlp_5_8_4_3_functional")


def test_table_equals_keras_with_connected_to_and_a_shared_layer() -> None:
    assert format_table(summarize(hb_merge())) == _keras_text("hb_merge")


@pytest.mark.parametrize("build", [lenet_like, dense_bn])
def test_table_rows_and_totals_equal_keras_for_sequential_models(build) -> None:
    """Keras hides a Sequential model's InputLayer; every other line is identical."""
    ours = format_table(summarize(build())).splitlines()
    keras = _keras_text(build().name).splitlines()
    input_row = [i for i, line in enumerate(ours) if "(InputLayer)" in line]
    assert len(input_row) == 1
    i = input_row[0]
    del ours[i:i + 2]  # the input row and the rule under it
    assert ours == keras


def test_table_lists_errors_and_shows_unknown_counts() -> None:
    g = lenet_like()
    g.set_config(g.id_of("conv2d_1"), "kernel_size", (20, 20))
    text = format_table(summarize(g))
    row = next(line for line in text.splitlines() if line.startswith("│ conv2d_1 "))
    assert "│ ?" in row and row.rstrip("│ ").endswith("?")
    assert "conv2d_1 (Conv2D) [error]: " in text and "larger than the input" in text
    assert "dense (Dense) [unresolved]" in text
    assert " Incomplete: 6 layers could not be computed" in text


def test_table_wraps_long_names_like_keras() -> None:
    g = _chain("m", [("InputLayer", "x", {"shape": (4,)}),
                     ("Dense", "a_very_long_layer_name_that_does_not_fit_in_the_column",
                      {"units": 2})])
    lines = format_table(summarize(g)).splitlines()
    assert all(len(line) == 88 for line in lines[1:-3])
    assert lines[6].startswith("│ a_very_long_layer_name_that_does_no… │ (None, 2) ")
    assert lines[7].startswith("│ (Dense)                              │ ")


def test_table_cuts_long_connections_like_keras() -> None:
    """Keras's hb_conv2d: 'batch_normalization_1[0][0]' is one character too long."""
    g = LayerGraph("m")
    a = g.add_layer("InputLayer", "a", {"shape": (4,)})
    b = g.add_layer("InputLayer", "b", {"shape": (4,)})
    bn = g.add_layer("BatchNormalization", "batch_normalization_1")
    add = g.add_layer("Add", "add")
    g.connect(a, bn)
    g.connect(bn, add)
    g.connect(b, add)
    lines = format_table(summarize(g)).splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("│ add (Add)"))
    assert lines[row].endswith("│ batch_normalization_1[0][… │")
    assert lines[row + 1].endswith("│ b[0][0]                    │")


# ---------------------------------------------------------------------------- rows add up
@pytest.mark.parametrize("build", [lenet_like, dense_bn, hb_merge])
def test_rows_add_up_to_totals(build) -> None:
    s = summarize(build())
    assert sum(r.trainable for r in s.rows) == s.trainable
    assert sum(r.non_trainable for r in s.rows) == s.non_trainable
    assert all(r.total == r.trainable + r.non_trainable for r in s.rows)
    keras = json.loads((KERAS / f"{build().name}.json").read_text())["totals"]
    assert (s.trainable, s.non_trainable, s.total) == (
        keras["trainable"], keras["non_trainable"], keras["total"])


# ---------------------------------------------------------------------------- CSV
def test_csv_reads_back_with_the_csv_module() -> None:
    s = summarize(dense_bn())
    rows = list(csv.reader(io.StringIO(format_csv(s))))
    assert tuple(rows[0]) == CSV_HEADER[:6] + ("macs",) + CSV_HEADER[6:]
    assert rows[1:-1] == [  # MACs: Dense 20·64, Dense 64·10 (cost_conventions.md)
        ["input_layer", "InputLayer", "(None, 20)", "0", "0", "0", "0", "", ""],
        ["dense", "Dense", "(None, 64)", "1344", "0", "1344", "1280", "input_layer", ""],
        ["batch_normalization", "BatchNormalization", "(None, 64)", "128", "128", "256",
         "0", "dense", ""],
        ["activation", "Activation", "(None, 64)", "0", "0", "0", "0", "batch_normalization",
         ""],
        ["dense_1", "Dense", "(None, 10)", "650", "0", "650", "640", "activation", ""]]
    assert rows[-1] == ["Total", "", "", "2122", "128", "2250", "1920", "", ""]
    for row in rows[1:]:  # plain integers: a spreadsheet reads them as numbers
        assert all(cell.isdigit() for cell in row[3:6])


def test_csv_quotes_commas_and_guards_formulas() -> None:
    g = hb_merge()
    g.rename(g.id_of("dense"), "=HYPERLINK(1)")
    rows = list(csv.DictReader(io.StringIO(format_csv(summarize(g)))))
    add = next(r for r in rows if r["name"] == "add")
    assert add["connected_to"] == "shared_dense; shared_dense"
    assert any(r["name"] == "'=HYPERLINK(1)" for r in rows)


def test_csv_file_has_a_bom_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    write_summary(summarize(lenet_like()), "csv", path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["total"]) for r in rows if r["name"] != "Total" and r["total"] != "0"] == [
        608, 3216, 48120, 10164, 850]
    assert rows[-1]["total"] == "62958"


# ---------------------------------------------------------------------------- JSON
def test_json_has_exactly_the_documented_schema() -> None:
    g = lenet_like()
    g.set_config(g.id_of("dense_2"), "units", 0)
    data = json.loads(format_json(summarize(g)))
    assert set(data) == {"layers", "totals"}
    assert set(data["totals"]) == {"trainable", "non_trainable", "total", "batch_size", "macs",
                                   "flops", "activation_elements", "input_elements",
                                   "param_bytes", "activation_bytes", "training_bytes"}
    for layer in data["layers"]:
        assert set(layer) == {"name", "type", "output_shape", "trainable", "non_trainable",
                              "total", "error", "note", "macs", "flops",
                              "activation_elements"}
        assert layer["note"] is None or isinstance(layer["note"], str)
        assert layer["output_shape"] is None or (
            isinstance(layer["output_shape"], list) and layer["output_shape"][0] is None)
        assert layer["error"] is None or isinstance(layer["error"], str)
    conv = data["layers"][1]
    assert conv == {"name": "conv2d", "type": "Conv2D", "output_shape": [None, 28, 28, 8],
                    "trainable": 608, "non_trainable": 0, "total": 608, "error": None,
                    "note": None, "macs": 28 * 28 * (5 * 5 * 3) * 8, "flops": 2 * 470_400,
                    "activation_elements": 28 * 28 * 8}
    bad = data["layers"][-1]
    assert bad["output_shape"] is None and "units must be at least 1" in bad["error"]
    assert bad["macs"] is None and bad["activation_elements"] is None
    totals = data["totals"]
    assert (totals["trainable"], totals["non_trainable"], totals["total"]) == (62108, 0, 62108)


def test_json_text_equals_the_dict() -> None:
    s = summarize(hb_merge())
    assert json.loads(format_json(s)) == summary_to_dict(s)
    empty = summarize(LayerGraph())
    assert json.loads(format_json(empty)) == {"layers": [], "totals": {
        "trainable": 0, "non_trainable": 0, "total": 0, "batch_size": 1, "macs": 0,
        "flops": 0, "activation_elements": 0, "input_elements": 0, "param_bytes": 0,
        "activation_bytes": 0, "training_bytes": 0}}


def test_json_cost_totals_of_lenet_and_a_batch() -> None:
    # lenet_like (Keras reference): conv 28·28·75·8, conv 10·10·200·16, dense 400·120,
    # 120·84, 84·10 MACs; outputs 6,272 + 1,568 + 1,600 + 400 + 400 + 120 + 84 + 10
    macs = 28 * 28 * 75 * 8 + 10 * 10 * 200 * 16 + 400 * 120 + 120 * 84 + 84 * 10
    acts = 6272 + 1568 + 1600 + 400 + 400 + 120 + 84 + 10
    one = summary_to_dict(summarize(lenet_like()))["totals"]
    assert one == {"trainable": 62958, "non_trainable": 0, "total": 62958, "batch_size": 1,
                   "macs": macs, "flops": 2 * macs, "activation_elements": acts,
                   "input_elements": 3072, "param_bytes": 4 * 62958,
                   "activation_bytes": 4 * acts,
                   "training_bytes": 16 * 62958 + 4 * (acts + 3072)}
    data = summary_to_dict(summarize(lenet_like()), batch_size=32)
    assert data["totals"]["macs"] == 32 * macs and data["totals"]["param_bytes"] == 4 * 62958
    assert data["totals"]["training_bytes"] == 16 * 62958 + 32 * 4 * (acts + 3072)
    assert data["layers"][1]["macs"] == 32 * 470_400
    assert data["layers"][1]["activation_elements"] == 32 * 6272


# ---------------------------------------------------------------------------- Markdown
def test_markdown_table() -> None:
    text = format_markdown(summarize(hb_merge()))
    lines = text.splitlines()
    header = lines[2]
    assert header == ("| Layer | Type | Output shape | Trainable | Non-trainable | Total | "
                      "MACs | Connected to |")
    # shared Dense(8) on two (None, 16) inputs: 16·8 MACs per call, two calls
    assert "| `shared_dense` | Dense | `(None, 8)` | 136 | 0 | 136 | 256 | a, b |" in lines
    assert "- Total params: 187 (748.00 B)" in lines
    assert len({line.count("|") for line in lines if line.startswith("|")}) == 1


def test_markdown_escapes_pipes_and_shows_errors() -> None:
    g = dense_bn()
    node = g.id_of("dense_1")
    g.rename(node, "out|put")
    g.set_config(node, "units", -3)
    text = format_markdown(summarize(g))
    assert "`out\\|put`" in text and "| Error |" in text
    assert "units must be at least 1, got -3" in text


# ---------------------------------------------------------------------------- dispatch
def test_every_format_is_dispatched_and_unknown_refused(tmp_path: Path) -> None:
    s: Summary = summarize(dense_bn())
    for fmt in FORMATS:
        assert format_summary(s, fmt)
        write_summary(s, fmt, tmp_path / f"out.{fmt}")
        assert (tmp_path / f"out.{fmt}").stat().st_size > 0
    with pytest.raises(ValueError, match="unknown summary format 'xml'"):
        format_summary(s, "xml")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"out.{f}" for f in FORMATS)


@pytest.mark.parametrize("model", ["hb_merge", "DenseNet121", "keras2/shared_dense_concat",
                                   "vgg16_transfer"])
@pytest.mark.parametrize("expand", [False, True])
@pytest.mark.parametrize("convention", ["keras", "pytorch"])
def test_json_of_a_summary_made_without_connections_is_the_same(model: str, expand: bool,
                                                                 convention: str) -> None:
    """``paramlab summary --format json`` summarizes without "Connected to" (the JSON never
    shows it): the document is the same text, the rows the same but for the inputs, and
    the formats that show the inputs refuse such a summary instead of printing none."""
    from paramlab.core.io.loader import load_model

    path = (KERAS.parent / f"{model}.json" if "/" in model else KERAS / f"{model}.json")
    graph = load_model(path if path.exists() else model)
    full = summarize(graph, expand_groups=expand, convention=convention)
    bare = summarize(graph, expand_groups=expand, convention=convention, connections=False)
    assert full.connections and not bare.connections
    assert any(r.connected_to for r in full.rows)
    assert not any(r.connected_to or r.keras_connected_to for r in bare.rows)
    assert [r._replace(connected_to=(), keras_connected_to=()) for r in full.rows] == \
        list(bare.rows)
    for batch in (1, 32):
        assert format_json(bare, batch) == format_json(full, batch)
        assert format_summary(bare, "json", batch) == format_summary(full, "json", batch)
    for fmt in ("table", "csv", "markdown"):
        with pytest.raises(ValueError, match="inputs"):
            format_summary(bare, fmt)
    # The GUI's next summary of the same graph is built afresh, with its inputs.
    again = summarize(graph, expand_groups=expand, convention=convention, previous=bare)
    assert again == full and again.rows == full.rows
