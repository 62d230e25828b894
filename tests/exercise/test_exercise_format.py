"""Exercise and answers files (core.exercise.format) and answer parsing (core.exercise.answers)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from paramlab.core.errors import ModelFileError
from paramlab.core.exercise.answers import AnswerError, parse_count, parse_shape, shape_matches
from paramlab.core.exercise.format import (
    TOTALS,
    Answers,
    Exercise,
    hide_all,
    load_answers,
    load_exercise,
    model_sha256,
    save_answers,
    save_exercise,
)
from paramlab.core.io.loader import load_model
from paramlab.core.io.project import load_project
from paramlab.core.resources import MODELS_DIR


def lenet_exercise() -> Exercise:
    g = load_model("lenet")
    return Exercise(g, "LeNet", "# Work it out\n", hide_all(["conv2d", "dense"], "all"),
                    True, 3)


def test_roundtrip_and_sha(tmp_path: Path) -> None:
    ex = lenet_exercise()
    path = tmp_path / "ex.json"
    save_exercise(ex, path)
    data = json.loads(path.read_text())
    assert data["format_version"] == 2
    block = data["exercise"]
    assert block["hidden"] == {"conv2d": ["output_shape", "trainable", "non_trainable", "total"],
                               "dense": ["output_shape", "trainable", "non_trainable", "total"],
                               "totals": ["trainable", "non_trainable", "total"]}
    # the sha256 is the hash of the model part as canonical JSON (sorted keys, no spaces)
    part = {"name": data["name"],
            "layers": [{k: v for k, v in x.items() if k != "position"} for x in data["layers"]],
            "groups": data["groups"],
            "edges": sorted([e["src"], e["dst"], e["index"]] for e in data["edges"])}
    canonical = json.dumps(part, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert block["sha256"] == hashlib.sha256(canonical.encode()).hexdigest() == ex.sha256
    back = load_exercise(path)
    assert (back.title, back.instructions, back.max_checks) == ("LeNet", "# Work it out\n", 3)
    assert back.show_solution_after_check is True and back.hidden == ex.hidden
    assert back.sha256 == ex.sha256
    # an exercise file still opens as a plain model
    assert len(load_project(path)) == len(ex.graph)


def test_moving_a_node_keeps_the_sha_a_new_size_changes_it() -> None:
    g = load_model("lenet")
    before = model_sha256(g)
    g.move(g.id_of("dense"), (500.0, 10.0))
    assert model_sha256(g) == before
    g.set_config(g.id_of("dense"), "units", 121)
    assert model_sha256(g) != before


def test_old_format_version_1_files_still_open() -> None:
    # the bundled lenet.json as format_version 1 wrote it
    path = Path(__file__).parent.parent / "data" / "project_v1_lenet.json"
    assert json.loads(path.read_text())["format_version"] == 1
    g = load_project(path)
    assert len(g) == 9 and model_sha256(g) == model_sha256(load_model("lenet"))


def test_changed_model_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ex.json"
    save_exercise(lenet_exercise(), path)
    path.write_text(path.read_text().replace('"units": 120', '"units": 121'))
    with pytest.raises(ModelFileError, match="changed after the exercise was saved"):
        load_exercise(path)


@pytest.mark.parametrize("block, message", [
    ({"hidden": {"nope": ["total"]}}, "'nope', which is not a layer"),
    ({"hidden": {"conv2d": ["weights"]}}, "must list some of output_shape"),
    ({"hidden": {"totals": ["output_shape"]}}, "'totals' must list some of trainable"),
    ({"max_checks": 0}, "'max_checks' must be a whole number 1 or more"),
    ({"title": 3}, "'title' must be a string"),
])
def test_bad_blocks(tmp_path: Path, block: dict, message: str) -> None:
    path = tmp_path / "ex.json"
    save_exercise(lenet_exercise(), path)
    data = json.loads(path.read_text())
    data["exercise"].update(block)
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match=message):
        load_exercise(path)


def test_a_plain_model_is_not_an_exercise() -> None:
    with pytest.raises(ModelFileError, match="not a ParamLab exercise"):
        load_exercise(MODELS_DIR / "lenet.json")


def test_answers_roundtrip(tmp_path: Path) -> None:
    a = Answers("Ana Lima", "LeNet", "ab" * 32, {("conv2d", "output_shape"): (None, 28, 28, 8),
                                                 ("conv2d", "trainable"): 608,
                                                 (TOTALS, "total"): "62,958"})
    path = tmp_path / "ana.json"
    save_answers(a, path)
    data = json.loads(path.read_text())
    assert data == {"format": "paramlab-answers", "version": 1, "student": "Ana Lima",
                    "exercise_title": "LeNet", "exercise_sha256": "ab" * 32,
                    "answers": {"conv2d": {"output_shape": [None, 28, 28, 8], "trainable": 608}},
                    "totals": {"total": "62,958"}}
    back = load_answers(path)
    assert back.student == "Ana Lima" and back.values[("conv2d", "trainable")] == 608


@pytest.mark.parametrize("text, message", [
    ("[]", "not a ParamLab answers file"),
    ('{"format": "paramlab-answers", "version": 7}', "version 7"),
    ('{"format": "paramlab-answers", "version": 1, "answers": []}', "'answers' must be an object"),
    ("{", "not valid JSON"),
])
def test_bad_answers_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "a.json"
    path.write_text(text)
    with pytest.raises(ModelFileError, match=message):
        load_answers(path)


@pytest.mark.parametrize("text", ["1,234", "1 234", "1234", " 1234 ", "1\u202f234", 1234])
def test_counts_as_typed(text) -> None:
    assert parse_count(text) == 1234


@pytest.mark.parametrize("text", ["12,34", "1.5", "-3", "abc", "", True, "1,2345"])
def test_bad_counts(text) -> None:
    with pytest.raises(AnswerError):
        parse_count(text)


@pytest.mark.parametrize("text, shape", [
    ("(None, 28, 28, 8)", (None, 28, 28, 8)),
    ("28, 28, 8", (28, 28, 8)),
    ("[null, 400]", (None, 400)),
    ([None, 28, 28, 8], (None, 28, 28, 8)),
    ("28x28x8", (28, 28, 8)),
    ("(None, 262 144)", (None, 262144)),
    ("400", (400,)),
])
def test_shapes_as_typed(text, shape) -> None:
    assert parse_shape(text) == shape


@pytest.mark.parametrize("text", ["(None, 0)", "(a, b)", "()", "(None, -3)", "[1.5]"])
def test_bad_shapes(text) -> None:
    with pytest.raises(AnswerError):
        parse_shape(text)


def test_batch_axis_optional() -> None:
    assert shape_matches((28, 28, 8), (None, 28, 28, 8))
    assert shape_matches((None, 28, 28, 8), (None, 28, 28, 8))
    assert not shape_matches((28, 28), (None, 28, 28, 8))
    assert shape_matches((None, 32), (None, None, 32))  # RNN: unknown steps
