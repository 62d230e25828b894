"""paramlab.core.summary: rows as Keras's model.summary() lists them (order, shared layers, nested
models), "Connected to", totals and memory."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramlab.core.graph import LayerGraph
from paramlab.core.propagate import propagate
from paramlab.core.summary import format_bytes, summarize

KERAS = Path(__file__).parent.parent / "data" / "keras"


def _nested() -> LayerGraph:
    """input -> [group 'base': conv -> pool] -> flatten -> dense, like transfer learning."""
    g = LayerGraph("transfer")
    g.groups["base"] = {"type": "Functional", "trainable": True, "collapsed": True}
    x = g.add_layer("InputLayer", "image", {"shape": (8, 8, 3)})
    conv = g.add_layer("Conv2D", "conv", {"filters": 4, "kernel_size": (3, 3)}, group="base")
    bn = g.add_layer("BatchNormalization", "bn", {}, group="base")
    pool = g.add_layer("MaxPooling2D", "pool", {"pool_size": (2, 2)}, group="base")
    flat = g.add_layer("Flatten", "flatten")
    dense = g.add_layer("Dense", "dense", {"units": 2})
    for a, b in ((x, conv), (conv, bn), (bn, pool), (pool, flat), (flat, dense)):
        g.connect(a, b)
    return g


def test_rows_are_in_topological_order_with_connected_to() -> None:
    g = LayerGraph("m")
    b = g.add_layer("Dense", "late", {"units": 3})  # added first, computed after its input
    a = g.add_layer("InputLayer", "x", {"shape": (4,)})
    c = g.add_layer("Add", "add")
    g.connect(a, b)
    g.connect(b, c, 0)
    g.connect(b, c, 1)  # Add(x, x)
    s = summarize(g)
    assert [r.name for r in s.rows] == ["x", "late", "add"]
    assert s.rows[2].connected_to == ("late", "late")
    assert s.rows[2].keras_connected_to == ("late[0][0]", "late[0][0]")
    assert s.rows[0].keras_connected_to == ()
    assert not s.sequential  # a layer feeding two inputs is not a chain


def hb_merge() -> LayerGraph:
    """Keras's hb_merge model: one Dense applied to inputs a and b, then every merge."""
    g = LayerGraph("hb_merge")
    a = g.add_layer("InputLayer", "a", {"shape": (16,)})
    b = g.add_layer("InputLayer", "b", {"shape": (16,)})
    shared = g.add_layer("Dense", "shared_dense", {"units": 8})
    call2 = g.add_layer("Dense", "shared_dense_2", {"units": 8}, shared_with=shared)
    g.connect(a, shared)
    g.connect(b, call2)
    merges = []
    for type_, name, config in (("Add", "add", {}), ("Subtract", "subtract", {}),
                                ("Multiply", "multiply", {}), ("Average", "average", {}),
                                ("Maximum", "maximum", {}), ("Minimum", "minimum", {}),
                                ("Dot", "dot", {"axes": 1}), ("Dot", "dot_1", {"axes": -1})):
        m = g.add_layer(type_, name, config)
        g.connect(shared, m, 0)
        g.connect(call2, m, 1)
        merges.append(m)
    cat = g.add_layer("Concatenate", "concatenate")
    for i, m in enumerate(merges):
        g.connect(m, cat, i)
    g.connect(cat, g.add_layer("Dense", "dense", {"units": 1}))
    return g


def test_shared_layer_calls_fold_into_one_row_as_in_keras() -> None:
    s = summarize(hb_merge())
    keras = json.loads((KERAS / "hb_merge.json").read_text())
    assert [r.name for r in s.rows] == [x["name"] for x in keras["layers"]]
    shared = s.rows[2]
    assert shared.name == "shared_dense" and shared.total == 136
    assert shared.connected_to == ("a", "b")
    assert len(shared.members) == 2
    add = s.rows[3]
    assert add.keras_connected_to == ("shared_dense[0][0]", "shared_dense[1][0]")
    assert s.total == 187


def test_nested_model_is_one_row_unless_expanded() -> None:
    g = _nested()
    s = summarize(g)
    assert [(r.name, r.type) for r in s.rows] == [
        ("image", "InputLayer"), ("base", "Functional"), ("flatten", "Flatten"),
        ("dense", "Dense")]
    base = s.rows[1]
    assert base.is_group and base.output_shape == (None, 3, 3, 4)
    # conv (3·3·3 + 1)·4 = 112; bn 4·4 = 16 of which 8 non-trainable
    assert (base.trainable, base.non_trainable) == (112 + 8, 8)
    assert base.connected_to == ("image",)
    assert s.rows[2].keras_connected_to == ("base[0][0]",)
    assert base.node_id == g.id_of("pool")
    assert s.sequential
    expanded = summarize(g, expand_groups=True)
    assert [r.name for r in expanded.rows] == ["image", "conv", "bn", "pool", "flatten",
                                               "dense"]
    assert summarize(g, expand_groups={"base"}).rows == expanded.rows
    assert summarize(g, expand_groups={"other"}).rows == s.rows
    assert (expanded.trainable, expanded.non_trainable) == (s.trainable, s.non_trainable)


def test_frozen_nested_model_counts_as_non_trainable() -> None:
    g = _nested()
    g.groups["base"]["trainable"] = False
    s = summarize(g)
    base = s.rows[1]
    assert (base.trainable, base.non_trainable) == (0, 128)
    assert not base.layer_trainable
    assert s.trainable == 4 * 9 * 2 + 2  # the Dense head only: (36 + 1)·2
    assert summarize(g, expand_groups=True).non_trainable == 128


def test_error_inside_a_group_shows_on_its_row() -> None:
    g = _nested()
    g.set_config(g.id_of("conv"), "kernel_size", (9, 9))
    s = summarize(g)
    base = s.rows[1]
    assert base.severity == "error" and base.error.startswith("conv: ")
    assert s.rows[2].severity == "unresolved"
    assert s.has_errors


def test_row_fields_from_propagation() -> None:
    g = _nested()
    result = propagate(g)
    s = summarize(g, result, expand_groups=True)
    conv = next(r for r in s.rows if r.name == "conv")
    assert conv.formula == "(3·3·3 + 1)·4 = 112"
    assert conv.members == (g.id_of("conv"),)
    assert (s.trainable, s.non_trainable) == (result.trainable, result.non_trainable)
    assert s.memory_bytes == 4 * s.total


def test_lambda_note_is_not_an_error_but_a_custom_class_is() -> None:
    # Keras: a Lambda has no weights; a custom class may have any (ParamLab cannot know).
    g = LayerGraph("m")
    x = g.add_layer("InputLayer", "x", {"shape": (4,)})
    lam = g.add_layer("Lambda", "lam", {"output_shape": [None, 7]})
    g.connect(x, lam)
    s = summarize(g)
    assert s.rows[1].severity is None and s.rows[1].error is None
    assert s.rows[1].output_shape == (None, 7)
    assert s.rows[1].note == ("Lambda: code is never executed; 0 parameters, as in Keras; "
                              "output shape as recorded in the file")
    assert not s.has_errors
    custom = g.add_layer("MyCustomLayer", "custom", {"output_shape": [None, 7]})
    g.connect(lam, custom)
    s = summarize(g)
    assert s.rows[2].severity == "error" and s.rows[2].note is None
    assert s.has_errors


@pytest.mark.parametrize("n, text", [
    (0, "0.00 B"), (187 * 4, "748.00 B"), (62958 * 4, "245.93 KB"), (2250 * 4, "8.79 KB"),
    (2747722 * 4, "10.48 MB"), (138357544 * 4, "527.79 MB"), (5 * 1024 ** 3, "5.00 GB")])
def test_format_bytes_as_keras(n: int, text: str) -> None:
    assert format_bytes(n) == text


def test_totals_lines_match_keras_for_every_reference_model() -> None:
    """Keras's "(245.93 KB)" figures come from the same counts through format_bytes."""
    from paramlab.core.io.writers import totals_lines
    from paramlab.core.summary import Summary

    for path in sorted(KERAS.glob("*.json")):
        keras = json.loads(path.read_text())
        t = keras["totals"]
        s = Summary(path.stem, (), t["trainable"], t["non_trainable"])
        assert totals_lines(s) == keras["summary_totals"], path.name
