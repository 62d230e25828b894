"""Exercise files and answers files, and the SHA-256 that ties one to the other.

An **exercise file** is a ParamLab project file (``format_version`` 2) with one more key::

    "exercise": {
      "title": "LeNet",
      "instructions": "Markdown text ...",
      "hidden": {"conv2d": ["output_shape", "trainable", "non_trainable", "total"],
                 "totals": ["trainable", "non_trainable", "total"]},
      "show_solution_after_check": false,
      "max_checks": null,
      "sha256": "<hex SHA-256 of the model part>"
    }

``hidden`` maps a summary row's name (a layer, or a collapsed nested model) to the cells the
student must work out, a subset of :data:`FIELDS`; the key ``"totals"`` holds the model's
totals (a subset of :data:`TOTAL_FIELDS`). ``max_checks`` is a whole number of presses of
*Check* allowed, or ``null`` for no limit.

The **model part** is the layers (id, name, type, config, trainable, shared_with, group), the
groups and the edges, written as canonical JSON (sorted keys, no spaces, UTF-8). Positions
and a nested model's ``collapsed`` flag are left out: they are view state and change no
answer. :func:`model_sha256` hashes it.

An **answers file** is what a student saves::

    {"format": "paramlab-answers", "version": 1, "student": "Ana Lima",
     "exercise_title": "LeNet", "exercise_sha256": "<the exercise's sha256>",
     "answers": {"conv2d": {"output_shape": [null, 28, 28, 8], "trainable": 608}},
     "totals": {"trainable": 62958, "non_trainable": 0, "total": 62958}}

Values are kept as written (an int, ``"1,234"``, a list or ``"(None, 28, 28, 8)"``) and read by
:mod:`core.exercise.answers` when graded. Every reading problem raises
:class:`core.errors.ModelFileError` naming the file and the field.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paramlab.core.errors import ModelFileError
from paramlab.core.graph import LayerGraph
from paramlab.core.io.atomic import atomic_write_text
from paramlab.core.io.project import MEMORY, dumps_project, graph_from_dict, write_document

FIELDS = ("output_shape", "trainable", "non_trainable", "total")
PARAM_FIELDS = ("trainable", "non_trainable", "total")
TOTAL_FIELDS = PARAM_FIELDS
TOTALS = "totals"  # the key of the model's totals in ``hidden`` and in answers files
HIDE_CHOICES = {"params": PARAM_FIELDS, "shapes": ("output_shape",), "all": FIELDS}
ANSWERS_FORMAT = "paramlab-answers"
ANSWERS_VERSION = 1
MAX_ANSWERS_BYTES = 5 * 1024 * 1024  # a ResNet50 answers file is ~40 KB

Cell = tuple[str, str]  # (row name or TOTALS, field)


def model_sha256(graph: LayerGraph) -> str:
    """Hex SHA-256 of ``graph``'s model part as canonical JSON (see the module doc)."""
    layers = []
    for n in graph.layer_ids_in_sequence():
        d = graph.raw(n)
        entry = {"id": n, "name": d["name"], "type": d["type"], "config": d["config"],
                 "trainable": d["trainable"]}
        for key in ("shared_with", "group"):
            if d.get(key) is not None:
                entry[key] = d[key]
        layers.append(entry)
    part = {"name": graph.name, "layers": layers,
            "groups": {k: {m: x for m, x in v.items() if m != "collapsed"}
                       for k, v in graph.groups.items()},
            "edges": sorted([u, v, k] for u, v, k in graph.edges())}
    text = json.dumps(part, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Exercise:
    """A model plus what the student must work out.

    Attributes:
        graph: The model (the instructor's; its results are the expected answers).
        title: Shown in the window title, the instructions panel and the grade report.
        instructions: Markdown for the instructions panel.
        hidden: Summary row name (or :data:`TOTALS`) -> the hidden fields, in
            :data:`FIELDS` order.
        show_solution_after_check: Whether *Reveal Solution* is offered after a *Check*.
        max_checks: How many times *Check* may be pressed; ``None``: no limit.
    """

    graph: LayerGraph
    title: str
    instructions: str = ""
    hidden: dict[str, tuple[str, ...]] = field(default_factory=dict)
    show_solution_after_check: bool = False
    max_checks: int | None = None

    @property
    def sha256(self) -> str:
        """:func:`model_sha256` of the model, as written into the file and answers."""
        return model_sha256(self.graph)

    def is_hidden(self, row: str, field_name: str) -> bool:
        """Whether cell (``row``, ``field_name``) is hidden (``row`` may be :data:`TOTALS`)."""
        return field_name in self.hidden.get(row, ())

    def cells(self, row_names: Iterable[str]) -> list[Cell]:
        """The hidden cells, rows in ``row_names`` order (the summary's), then the totals."""
        out = [(r, f) for r in row_names if r != TOTALS for f in self.hidden.get(r, ())]
        return out + [(TOTALS, f) for f in self.hidden.get(TOTALS, ())]

    def set_hidden(self, row: str, field_name: str, hide: bool) -> None:
        """Hide or show one cell.

        Raises:
            ValueError: ``field_name`` is not one of :data:`FIELDS` (of
                :data:`TOTAL_FIELDS` for the totals).
        """
        allowed = TOTAL_FIELDS if row == TOTALS else FIELDS
        if field_name not in allowed:
            raise ValueError(f"cannot hide {field_name!r}; choose from {', '.join(allowed)}")
        now = set(self.hidden.get(row, ()))
        now = now | {field_name} if hide else now - {field_name}
        if now:
            self.hidden[row] = tuple(f for f in allowed if f in now)
        else:
            self.hidden.pop(row, None)


def hide_all(row_names: Iterable[str], hide: str) -> dict[str, tuple[str, ...]]:
    """The ``hidden`` block for ``paramlab exercise make --hide``: ``hide`` (``params``,
    ``shapes`` or ``all``) on every row of ``row_names``, plus the three totals.

    Raises:
        ValueError: ``hide`` is not one of :data:`HIDE_CHOICES`.
    """
    if hide not in HIDE_CHOICES:
        raise ValueError(f"--hide must be one of {', '.join(HIDE_CHOICES)}, not {hide!r}")
    hidden = {r: HIDE_CHOICES[hide] for r in row_names if r != TOTALS}
    hidden[TOTALS] = TOTAL_FIELDS
    return hidden


# ---------------------------------------------------------------------------- writing
def exercise_block(ex: Exercise) -> dict[str, Any]:
    """The ``exercise`` block of ``ex``'s file, with the current model's SHA-256."""
    return {"title": ex.title, "instructions": ex.instructions,
            "hidden": {k: list(v) for k, v in ex.hidden.items()},
            "show_solution_after_check": ex.show_solution_after_check,
            "max_checks": ex.max_checks, "sha256": ex.sha256}


def dumps_exercise(ex: Exercise) -> str:
    """The exercise file's text: the project text (one layer per line) with the
    ``exercise`` block appended as its last key.

    Raises:
        ModelFileError: a config value cannot be written as JSON.
    """
    project = dumps_project(ex.graph)
    # dumps_project ends with the edges list and the closing brace; the block goes before it.
    assert project.endswith("\n}\n")
    block = exercise_block(ex)
    # One hidden row per line, like the layers: diffs of two exercises stay readable.
    hidden = ",\n".join(f"      {json.dumps(k, ensure_ascii=False)}: {json.dumps(v)}"
                         for k, v in block.pop("hidden").items())
    keys = [f"    {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in block.items()]
    keys.insert(2, '    "hidden": {' + ("\n" + hidden + "\n    }" if hidden else "}"))
    return project[:-3] + ',\n  "exercise": {\n' + ",\n".join(keys) + "\n  }\n}\n"


def save_exercise(ex: Exercise, path: str | os.PathLike[str]) -> None:
    """Write ``ex`` to ``path`` atomically.

    Raises:
        ModelFileError: the file cannot be written (path and the OS's reason).
    """
    write_document(path, dumps_exercise, ex)


# ---------------------------------------------------------------------------- reading
def is_exercise_data(data: Any) -> bool:
    """True when parsed JSON ``data`` is an exercise file (a project with ``exercise``)."""
    return isinstance(data, dict) and "format_version" in data and "exercise" in data


def read_json(path: str | os.PathLike[str], limit: int = 200 * 1024 * 1024) -> Any:
    """Parse the JSON file at ``path``.

    Raises:
        ModelFileError: missing, unreadable, larger than ``limit`` bytes, or not JSON.
    """
    p = Path(path)
    try:
        if p.is_dir():
            raise ModelFileError(p, "is a folder, not a file")
        if p.stat().st_size > limit:
            raise ModelFileError(p, f"the file is larger than {limit // (1024 * 1024)} MB")
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ModelFileError(p, "no such file") from None
    except OSError as exc:
        raise ModelFileError(p, f"cannot read the file: {exc.strerror or exc}") from None
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ModelFileError(p, f"not a text file (invalid UTF-8 at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ModelFileError(p, f"not valid JSON: {exc.msg} (line {exc.lineno}, "
                                f"column {exc.colno})") from None
    except RecursionError:
        raise ModelFileError(p, "JSON nested too deeply") from None


def load_exercise(path: str | os.PathLike[str]) -> Exercise:
    """Read an exercise file.

    Raises:
        ModelFileError: unreadable, not an exercise, an invalid ``exercise`` block, or a
            model changed after the exercise was saved (its SHA-256 differs from the
            recorded one).
    """
    return exercise_from_dict(read_json(path), path)


def exercise_from_dict(data: Any, path: str | os.PathLike[str] = MEMORY) -> Exercise:
    """Build an :class:`Exercise` from a parsed exercise file (see :func:`load_exercise`)."""
    def bad(detail: str) -> ModelFileError:
        return ModelFileError(path, detail)

    if not isinstance(data, dict) or "exercise" not in data:
        raise bad("not a ParamLab exercise: the 'exercise' block is missing (open it as a "
                  "model, or make an exercise with 'paramlab exercise make')")
    graph = graph_from_dict(data, path)
    block = data["exercise"]
    if not isinstance(block, dict):
        raise bad("'exercise' must be an object")
    title = block.get("title", graph.name)
    instructions = block.get("instructions", "")
    for key, value in (("title", title), ("instructions", instructions)):
        if not isinstance(value, str):
            raise bad(f"exercise '{key}' must be a string")
    show = block.get("show_solution_after_check", False)
    if not isinstance(show, bool):
        raise bad("exercise 'show_solution_after_check' must be true or false")
    max_checks = block.get("max_checks")
    if max_checks is not None and (not isinstance(max_checks, int) or isinstance(max_checks, bool)
                                   or max_checks < 1):
        raise bad(f"exercise 'max_checks' must be a whole number 1 or more, or null; "
                  f"found {max_checks!r}")
    hidden = _hidden(block.get("hidden", {}), graph, bad)
    ex = Exercise(graph, title, instructions, hidden, show, max_checks)
    recorded = block.get("sha256")
    if recorded is not None and recorded != ex.sha256:
        raise bad("the model was changed after the exercise was saved (its sha256 differs "
                  "from the recorded one); save the exercise again from ParamLab")
    return ex


def _hidden(value: Any, graph: LayerGraph, bad) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise bad("exercise 'hidden' must be an object: row name -> list of fields")
    rows = {graph.raw(n)["name"] for n in graph.layer_ids()} | set(graph.groups)
    out: dict[str, tuple[str, ...]] = {}
    for row, fields in value.items():
        allowed = TOTAL_FIELDS if row == TOTALS else FIELDS
        if row != TOTALS and row not in rows:
            raise bad(f"exercise 'hidden' names {row!r}, which is not a layer of the model")
        if not isinstance(fields, list) or not all(f in allowed for f in fields):
            raise bad(f"exercise 'hidden' of {row!r} must list some of "
                      f"{', '.join(allowed)}; found {fields!r}")
        if fields:
            out[row] = tuple(f for f in allowed if f in fields)
    return out


# ---------------------------------------------------------------------------- answers
@dataclass
class Answers:
    """What one student answered.

    Attributes:
        student: The student's name.
        exercise_title, exercise_sha256: Copied from the exercise when saved.
        values: (row, field) -> the value as written (int, text, list); rows are summary
            row names or :data:`TOTALS`.
    """

    student: str
    exercise_title: str
    exercise_sha256: str
    values: dict[Cell, Any] = field(default_factory=dict)


def answers_to_dict(answers: Answers) -> dict[str, Any]:
    """The answers file document (see the module doc)."""
    rows: dict[str, dict[str, Any]] = {}
    totals: dict[str, Any] = {}
    for (row, f), value in answers.values.items():
        if isinstance(value, tuple):
            value = list(value)
        if row == TOTALS:
            totals[f] = value
        else:
            rows.setdefault(row, {})[f] = value
    return {"format": ANSWERS_FORMAT, "version": ANSWERS_VERSION, "student": answers.student,
            "exercise_title": answers.exercise_title,
            "exercise_sha256": answers.exercise_sha256, "answers": rows, "totals": totals}


def save_answers(answers: Answers, path: str | os.PathLike[str]) -> None:
    """Write ``answers`` to ``path`` atomically (JSON, indented).

    Raises:
        ModelFileError: the file cannot be written.
    """
    text = json.dumps(answers_to_dict(answers), ensure_ascii=False, indent=2) + "\n"
    try:
        atomic_write_text(path, text)
    except OSError as exc:
        raise ModelFileError(path, f"cannot write the file: {exc.strerror or exc}") from None


def load_answers(path: str | os.PathLike[str]) -> Answers:
    """Read an answers file.

    Raises:
        ModelFileError: unreadable, larger than 5 MB, not JSON, or not an answers file
            (the message names the field that is wrong).
    """
    return answers_from_dict(read_json(path, MAX_ANSWERS_BYTES), path)


def answers_from_dict(data: Any, path: str | os.PathLike[str] = MEMORY) -> Answers:
    """Build :class:`Answers` from a parsed answers file (see :func:`load_answers`)."""
    def bad(detail: str) -> ModelFileError:
        return ModelFileError(path, detail)

    if not isinstance(data, dict) or data.get("format") != ANSWERS_FORMAT:
        raise bad(f"not a ParamLab answers file ('format' is not {ANSWERS_FORMAT!r})")
    if data.get("version") != ANSWERS_VERSION:
        raise bad(f"answers file version {data.get('version')!r}; this ParamLab reads "
                  f"version {ANSWERS_VERSION}")
    texts = {}
    for key in ("student", "exercise_title", "exercise_sha256"):
        value = data.get(key, "")
        if not isinstance(value, str):
            raise bad(f"'{key}' must be a string")
        texts[key] = value
    values: dict[Cell, Any] = {}
    rows = data.get("answers", {})
    if not isinstance(rows, dict):
        raise bad("'answers' must be an object: layer name -> {field: value}")
    for row, cells in rows.items():
        if not isinstance(cells, dict):
            raise bad(f"answers of {row!r} must be an object: field -> value")
        for f, value in cells.items():
            values[(row, f)] = value
    totals = data.get("totals", {})
    if not isinstance(totals, dict):
        raise bad("'totals' must be an object: field -> value")
    for f, value in totals.items():
        values[(TOTALS, f)] = value
    return Answers(texts["student"], texts["exercise_title"], texts["exercise_sha256"], values)


def answer_values(cells: Mapping[Cell, Any]) -> dict[Cell, Any]:
    """Drop empty answers (``None`` or blank text) from ``cells``."""
    return {k: v for k, v in cells.items()
            if v is not None and not (isinstance(v, str) and not v.strip())}
