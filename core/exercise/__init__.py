"""Teaching labs: exercises with hidden cells, answers files, mistake diagnosis, variants,
grading and the bundled lessons. Pure Python (no Qt), like the rest of the core.

* :mod:`.format` — the exercise file (a project file with an ``exercise`` block), the answers
  file and the canonical SHA-256 that ties one to the other;
* :mod:`.answers` — reading what a student typed (``1,234``, ``(None, 28, 28, 8)``);
* :mod:`.mistakes` — naming the likely mistake behind a wrong value;
* :mod:`.variants` — per-student variants of one exercise, from a seed;
* :mod:`.grading` — grading answers files, and the table/CSV/JSON reports;
* :mod:`.lessons` — the bundled lessons in ``resources/exercises``;
* :mod:`.cli` — ``paramlab exercise make|list|show`` and ``paramlab grade``.
"""
