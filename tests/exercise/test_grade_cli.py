"""``paramlab exercise make|list|show`` and ``paramlab grade``: outputs and exit codes."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from paramlab.core import cli
from paramlab.core.exercise.format import TOTALS, Answers, load_exercise, save_answers
from paramlab.core.exercise.grading import Grader
from paramlab.core.exercise.lessons import lesson_path

KERAS = Path(__file__).parent.parent / "data" / "keras"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def lenet_ex(tmp_path: Path, capsys) -> Path:
    md = tmp_path / "steps.md"
    md.write_text("# LeNet\nWork out every cell.\n")
    path = tmp_path / "lenet_ex.json"
    code, _, err = run(capsys, "exercise", "make", "lenet", "--hide", "all", "--title", "LeNet",
                       "--instructions", md, "--output", path)
    assert code == 0, err
    return path


def test_make_hides_every_layer_and_the_totals(lenet_ex: Path) -> None:
    ex = load_exercise(lenet_ex)
    assert ex.title == "LeNet" and ex.instructions.startswith("# LeNet")
    # 8 layers (the input is the given) × 4 cells + 3 totals
    assert len(ex.hidden) == 9 and ex.hidden[TOTALS] == ("trainable", "non_trainable", "total")
    assert ex.hidden["conv2d"] == ("output_shape", "trainable", "non_trainable", "total")
    assert "input_layer" not in ex.hidden


def test_make_from_a_keras_file_params_only(tmp_path: Path, capsys) -> None:
    out = tmp_path / "bn.json"
    code, _, _ = run(capsys, "exercise", "make", KERAS / "dense_bn.json", "--hide", "params",
                     "-o", out)
    assert code == 0
    assert load_exercise(out).hidden["dense"] == ("trainable", "non_trainable", "total")


def test_make_variants_same_seed_same_bytes(tmp_path: Path, capsys) -> None:
    for d in ("a", "b"):
        code, _, _ = run(capsys, "exercise", "make", "lenet", "--hide", "params", "--variants",
                         "3", "--seed", "42", "--output", tmp_path / d)
        assert code == 0
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == ["lenet_01.json", "lenet_02.json", "lenet_03.json"]
    for n in names:
        assert (tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes()


def test_make_usage_and_file_errors(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "exercise", "make", "lenet", "--hide", "weights", "-o", tmp_path / "x")
    assert code == 2
    code, _, err = run(capsys, "exercise", "make", tmp_path / "missing.json", "--hide", "all",
                       "-o", tmp_path / "x.json")
    assert code == 1 and err.count("\n") == 1 and "no such file" in err


def test_list_and_show(tmp_path: Path, capsys) -> None:
    code, out, _ = run(capsys, "exercise", "list")
    assert code == 0 and len(out.splitlines()) >= 8
    assert out.splitlines()[2].startswith("03_lenet")
    code, _, _ = run(capsys, "exercise", "show", "03_lenet", "--output", tmp_path / "l.json")
    assert code == 0
    assert (tmp_path / "l.json").read_bytes() == lesson_path("03_lenet").read_bytes()
    code, _, err = run(capsys, "exercise", "show", "nope")
    assert code == 1 and "no lesson 'nope'" in err


def answers(path: Path, ex_path: Path, student: str, values: dict, sha: str | None = None) -> Path:
    ex = load_exercise(ex_path)
    save_answers(Answers(student, ex.title, sha or ex.sha256, values), path)
    return path


def test_grade_json_csv_and_mismatch(lenet_ex: Path, tmp_path: Path, capsys) -> None:
    ana = answers(tmp_path / "ana.json", lenet_ex, "Ana Lima", {
        ("conv2d", "output_shape"): "28, 28, 8", ("conv2d", "trainable"): "600",
        ("conv2d", "non_trainable"): 0, ("conv2d", "total"): "608",
        (TOTALS, "total"): "62 958"})
    bo = answers(tmp_path / "bo.json", lenet_ex, "Bo", {("conv2d", "total"): 608}, sha="0" * 64)
    junk = tmp_path / "junk.json"
    junk.write_text("not json")
    code, out, err = run(capsys, "grade", lenet_ex, ana, bo, junk, "--format", "json")
    assert code == 1 and "junk.json" in err  # unreadable answers: reported, exit 1
    report = json.loads(out)
    assert report["exercise"]["title"] == "LeNet" and report["exercise"]["cells"] == 35
    s = report["students"][0]
    assert (s["student"], s["score"], s["max"]) == ("Ana Lima", 4, 35)
    cells = {(c["layer"], c["field"]): c for c in s["cells"]}
    assert cells[("conv2d", "output_shape")]["expected"] == [None, 28, 28, 8]
    assert cells[("conv2d", "output_shape")]["correct"] is True
    wrong = cells[("conv2d", "trainable")]
    assert (wrong["given"], wrong["expected"], wrong["mistake"]) == (600, 608, "forgot_bias")
    missing = cells[("dense", "total")]
    assert missing["given"] is None and missing["correct"] is False and missing["mistake"] is None
    assert set(wrong) == {"layer", "field", "expected", "given", "correct", "mistake", "hint"}
    bo_row = report["students"][1]
    assert bo_row["score"] == 0 and "another exercise" in bo_row["error"]
    assert report["students"][2]["error"].startswith("not valid JSON")
    code, out, _ = run(capsys, "grade", lenet_ex, ana, bo, "-f", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 35 + 1 + 1  # Ana's cells + her score row + Bo's score row
    assert rows[35]["layer"] == "(score)" and rows[35]["score"] == "4" and rows[35]["max"] == "35"
    assert "another exercise" in rows[36]["message"]
    assert next(r for r in rows if r["field"] == "trainable")["mistake"] == "forgot_bias"


def test_grade_table_to_file_and_bad_exercise(lenet_ex: Path, tmp_path: Path, capsys) -> None:
    ana = answers(tmp_path / "ana.json", lenet_ex, "Ana", {("flatten", "output_shape"): "(None, 25)"})
    code, _, _ = run(capsys, "grade", lenet_ex, ana, "--output", tmp_path / "r.txt")
    assert code == 0
    text = (tmp_path / "r.txt").read_text()
    assert "Ana [" in text and "[flatten] Flatten multiplies every axis" in text
    code, _, err = run(capsys, "grade", KERAS / "dense_bn.json", ana)
    assert code == 1 and "not a ParamLab exercise" in err
    code, _, _ = run(capsys, "grade", lenet_ex)
    assert code == 2


def test_variants_of_a_lesson_graded_from_their_folder(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "lab3"
    code, _, _ = run(capsys, "exercise", "make", "03_lenet", "--variants", "2", "--seed", "9",
                     "--output", folder)
    assert code == 0
    files = sorted(folder.iterdir())
    assert [f.name for f in files] == ["lenet_01.json", "lenet_02.json"]
    lesson = load_exercise(lesson_path("03_lenet"))
    v1, v2 = (load_exercise(f) for f in files)
    assert v1.hidden == lesson.hidden and v1.instructions == lesson.instructions
    assert v1.title == "Lesson 3: LeNet, shapes and parameters (variant 01)"
    a = answers(tmp_path / "a.json", files[0], "Ana", {("conv2d", "total"): 0})
    b = answers(tmp_path / "b.json", files[1], "Bo",
                {("conv2d", "total"): Grader(v2).expected(("conv2d", "total"))})
    c = answers(tmp_path / "c.json", lenet_lesson_copy(tmp_path), "Cy", {})
    code, out, _ = run(capsys, "grade", folder, a, b, c, "-f", "json")
    assert code == 0
    report = json.loads(out)
    assert report["exercise"]["sha256"] is None
    assert report["exercise"]["title"] == "Lesson 3: LeNet, shapes and parameters"
    ana, bo, cy = report["students"]
    assert (ana["score"], bo["score"]) == (0, 1) and ana["max"] == bo["max"] == 35
    assert "none of the 2 variants" in cy["error"]


def lenet_lesson_copy(tmp_path: Path) -> Path:
    path = tmp_path / "lesson.json"
    path.write_bytes(lesson_path("03_lenet").read_bytes())
    return path


def test_a_model_needs_hide(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "exercise", "make", "lenet", "-o", tmp_path / "x.json")
    assert code == 2 and "--hide is required" in err
