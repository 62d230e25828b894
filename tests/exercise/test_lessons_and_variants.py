"""Bundled lessons (figures equal the Keras references) and per-student variants."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramlab.core.exercise.format import TOTALS, dumps_exercise, load_exercise
from paramlab.core.exercise.grading import Grader
from paramlab.core.exercise.lessons import lesson_path, list_lessons
from paramlab.core.exercise.variants import make_variants
from paramlab.core.propagate import propagate

DATA = Path(__file__).parent.parent / "data"
LESSONS = list_lessons()


def ref(path: str) -> dict:
    return json.loads((DATA / path).read_text())


def test_at_least_eight_lessons_easy_to_hard() -> None:
    assert len(LESSONS) >= 8
    assert [x.name[:2] for x in LESSONS] == [f"{i:02d}" for i in range(1, len(LESSONS) + 1)]
    assert lesson_path("3") == lesson_path("03_lenet") == LESSONS[2].path


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda x: x.name)
def test_lesson_opens_and_has_instructions(lesson) -> None:
    ex = load_exercise(lesson.path)  # verifies the recorded sha256
    assert ex.instructions.startswith("# Lesson") and len(ex.instructions) > 300
    grader = Grader(ex)
    assert not propagate(ex.graph).has_errors and len(grader.cells) >= 9


def expected(name: str) -> Grader:
    return Grader(load_exercise(lesson_path(name)))


def test_lesson_totals_equal_the_references() -> None:
    assert expected("01").expected((TOTALS, "total")) == ref("keras/mlp_5_8_4_3.json")["totals"]["total"] == 99
    assert expected("02").expected((TOTALS, "total")) == ref(
        "keras/mlp_784_16_16_10.json")["totals"]["total"] == 13_002


@pytest.mark.parametrize("lesson, reference", [
    ("03", "keras/lenet_like.json"), ("04", "keras/cnn_tutorial.json"),
    ("06", "keras/dense_bn.json"), ("08", "keras2/lstm_text_classifier.json")])
def test_every_hidden_cell_equals_the_reference(lesson: str, reference: str) -> None:
    grader = expected(lesson)
    data = ref(reference)
    layers = {x["name"]: x for x in data["layers"]}
    for row, field in grader.cells:
        if row == TOTALS:
            assert grader.expected((row, field)) == data["totals"][field]
            continue
        x = layers[row]
        want = tuple(x["output_shape"]) if field == "output_shape" else x[
            {"total": "total_params", "trainable": "trainable_params",
             "non_trainable": "non_trainable_params"}[field]]
        assert grader.expected((row, field)) == want, (row, field)


def test_lenet_and_cnn_figures_named_in_the_issue() -> None:
    g = expected("03")
    assert [g.expected((r, "total")) for r in ("conv2d", "conv2d_1", "dense", "dense_1",
                                               "dense_2")] == [608, 3216, 48120, 10164, 850]
    assert g.expected((TOTALS, "total")) == 62_958
    c = expected("04")
    assert c.expected(("conv2d", "total")) == 896 and c.expected(("conv2d_1", "total")) == 18_496


def test_padding_lesson_shapes_equal_hb_conv2d() -> None:
    grader = expected("05")
    layers = {x["name"]: x for x in ref("keras/hb_conv2d.json")["layers"]}
    assert all(f == "output_shape" for _, f in grader.cells)
    for row, f in grader.cells:
        assert grader.expected((row, f)) == tuple(layers[row]["output_shape"]), row


def test_batchnorm_lesson() -> None:
    g = expected("06")
    bn = next(x for x in ref("keras/dense_bn.json")["layers"] if x["class_name"] == "BatchNormalization")
    assert g.expected(("batch_normalization", "total")) == bn["total_params"] == 4 * 64
    assert g.expected(("batch_normalization", "non_trainable")) == 2 * 64


def test_transfer_lesson() -> None:
    g = expected("07")
    vgg = ref("keras/VGG16.json")
    base = sum(x["total_params"] for x in vgg["layers"] if x["name"].startswith("block"))
    assert g.expected(("vgg16", "non_trainable")) == base == 14_714_688
    assert g.expected((TOTALS, "trainable")) == 6_425_354
    assert g.expected((TOTALS, "non_trainable")) == 14_714_688
    assert g.exercise.max_checks == 5


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda x: x.name)
def test_variants_of_every_lesson_propagate(lesson) -> None:
    ex = load_exercise(lesson.path)
    variants = make_variants(ex, 3, seed=11)
    texts = set()
    for v in variants:
        assert not propagate(v.graph).has_errors
        assert [v.graph.raw(n)["name"] for n in v.graph.layer_ids()] == \
            [ex.graph.raw(n)["name"] for n in ex.graph.layer_ids()]
        assert v.sha256 != ex.sha256 and v.hidden == ex.hidden
        texts.add(dumps_exercise(v))
    assert len(texts) == 3


def test_same_seed_same_bytes_other_seed_other_sizes() -> None:
    ex = load_exercise(lesson_path("03"))
    a = [dumps_exercise(v) for v in make_variants(ex, 2, seed=5)]
    b = [dumps_exercise(v) for v in make_variants(ex, 2, seed=5)]
    c = [dumps_exercise(v) for v in make_variants(ex, 2, seed=6)]
    assert a == b and a != c


def test_every_sized_argument_changes() -> None:
    ex = load_exercise(lesson_path("03"))
    v = make_variants(ex, 1, seed=1)[0]
    for n in ex.graph.layer_ids():
        old, new = ex.graph.raw(n)["config"], v.graph.raw(n)["config"]
        for key in ("units", "filters", "kernel_size", "pool_size", "shape"):
            if key in old and old[key] not in (1, (1, 1)):
                assert new[key] != old[key], (ex.graph.raw(n)["name"], key)
