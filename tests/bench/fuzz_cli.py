"""Seeded mutation fuzzing of every input format through every command (a script; the CI
test ``tests/io/test_fuzz_cli.py`` runs a few hundred of the same cases):

    python tests/bench/fuzz_cli.py --cases 5000 [--seed 12] [--render-every 10] [--export-every 7]

Seeds: a ParamLab project, Keras 3 and Keras 2 JSON, a ``.keras`` archive and a legacy
``.h5`` file (tests/data). Each case mutates one seed, either structurally (a value
replaced by an absurd one: a 400-digit or 5000-digit number, 1e308, NaN, a lone surrogate,
a 300,000-element list, a 100,000-character string, a deep list; a key deleted; an element
duplicated) or as bytes (flipped, truncated, spliced), and runs it through ``paramlab
summary`` in one of the four text formats, ``render`` (PNG) or ``export`` (PyTorch code,
Keras code or Keras JSON, to a file), in-process via
``paramlab.gui.app.main``. The contract checked on every case (README, "Reliability"):
exit status 0, 1 or 3; no traceback; exactly one stderr line for exit status 1; no output
line over 20,000 characters; done within 10 s.

Prints the exit-status histogram, the slowest case, and every violation (none expected).
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import copy
import io
import json
import os
import random
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data"
FORMATS = ("table", "csv", "json", "markdown")
MAX_LINE = 20_000
MAX_SECONDS = 10.0

ABSURD: tuple[Any, ...] = (
    10**400, -(10**400), 1e308, -1e308, 2**31, 2**63, -1, 0, 0.5, True, None, "",
    "\ud800", "x" * 100_000, "a\nb\x1b[31m", [0] * 300_000, [[[[[[[[[[[[1]]]]]]]]]]]], {},
    {"class_name": "Dense", "config": {}}, "same", [None, 5], [1, 2, 3, 4, 5, 6, 7, 8],
)
NUMBER_TOKENS = ("9" * 5000, "NaN", "Infinity", "-Infinity", "1e999")


@dataclass(frozen=True)
class Seed:
    name: str
    kind: str  # "json" (project or Keras JSON text), "keras" (zip), "h5"
    data: bytes


def seeds() -> list[Seed]:
    """The valid inputs every case starts from."""
    out = [
        Seed("project", "json", (DATA / "project_v1_lenet.json").read_bytes()),
        Seed("keras3", "json", json.dumps(json.loads(
            (DATA / "keras" / "lenet_like.json").read_text())["config"]).encode()),
        Seed("keras3_merge", "json", json.dumps(json.loads(
            (DATA / "keras" / "hb_merge.json").read_text())["config"]).encode()),
        Seed("keras2", "json", json.dumps(json.loads(
            (DATA / "keras2" / "shared_dense_concat.json").read_text())["config"]).encode()),
        Seed("keras_archive", "keras", (DATA / "keras_files" / "lenet_like.keras").read_bytes()),
    ]
    h5 = DATA / "keras_files" / "lenet_like.h5"
    if h5.is_file():
        out.append(Seed("h5", "h5", h5.read_bytes()))
    return out


# ---------------------------------------------------------------------------- mutations
def _paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (keys and indices) to a value in a JSON document, down to 60 levels (a
    mutation may have nested an absurdly deep value: its depths are not walked)."""
    out = [prefix]
    if len(prefix) >= 60:
        return out
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.extend(_paths(v, prefix + (k,)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:50]):
            out.extend(_paths(v, prefix + (i,)))
    return out


def _mutate_json(rng: random.Random, doc: Any) -> str:
    doc = copy.deepcopy(doc)
    marker = None
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = rng.choice(paths)
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        key = path[-1]
        action = rng.random()
        if action < 0.6:
            # a copy: a later mutation must not change ABSURD itself (shared by every
            # case: it grew, nested and once held itself)
            parent[key] = copy.deepcopy(rng.choice(ABSURD))
        elif action < 0.75:
            marker = f"__NUMBER_{rng.randrange(10**6)}__"
            parent[key] = marker
        elif action < 0.88:
            if isinstance(parent, dict):
                del parent[key]
            else:
                parent.pop(key)
        elif isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        else:
            parent[str(key) + "_"] = copy.deepcopy(parent[key])
    text = json.dumps(doc)
    if marker is not None:
        text = text.replace(f'"{marker}"', rng.choice(NUMBER_TOKENS))
    return text


def _mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    action = rng.random()
    if action < 0.4 and b:
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
    elif action < 0.7 and b:
        del b[rng.randrange(len(b)):]
    else:
        at = rng.randrange(len(b) + 1)
        b[at:at] = rng.choice((b"\x00" * 64, b"\xff\xfe", b'"\\ud800"', b"[" * 5000,
                               b"9" * 5000, bytes(rng.randrange(256) for _ in range(32))))
    return bytes(b)


def _mutate_archive(rng: random.Random, data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        config = json.loads(zf.read("config.json"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("config.json", _mutate_json(rng, config))
        zf.writestr("metadata.json", '{"keras_version": "3.0.0"}')
    return out.getvalue()


def make_case(rng: random.Random, seed: Seed) -> tuple[str, bytes]:
    """(file suffix, bytes) of one mutated input."""
    if seed.kind == "h5":
        return ".h5", _mutate_bytes(rng, seed.data)
    if seed.kind == "keras":
        if rng.random() < 0.7:
            return ".keras", _mutate_archive(rng, seed.data)
        return ".keras", _mutate_bytes(rng, seed.data)
    if rng.random() < 0.8:
        return ".json", _mutate_json(rng, json.loads(seed.data)).encode("utf-8",
                                                                        "surrogatepass")
    return ".json", _mutate_bytes(rng, seed.data)


# ---------------------------------------------------------------------------- running
@dataclass
class Outcome:
    case: int
    argv: list[str]
    code: int
    seconds: float
    problems: list[str]


def run_case(i: int, path: Path, argv: list[str]) -> Outcome:
    """Run ``paramlab ARGV`` in-process and check the contract."""
    from paramlab.gui import app

    out, err = io.StringIO(), io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        escaped = None
        try:
            code = app.main(argv)
        except SystemExit as exc:  # the contract forbids this too
            code = exc.code if isinstance(exc.code, int) else -1
        except Exception as exc:  # a process would print a traceback and exit 1
            escaped, code = exc, -1
    seconds = time.perf_counter() - t0
    text_out, text_err = out.getvalue(), err.getvalue()
    problems = []
    if code not in (0, 1, 3):
        problems.append(f"exit status {code}")
    if escaped is not None:
        problems.append(f"traceback ({type(escaped).__name__}: {str(escaped)[:100]})")
    if "Traceback" in text_err or "Traceback" in text_out:
        problems.append("traceback")
    if "internal error" in text_err:  # one line, but a bug's words, not the problem's
        problems.append("internal error")
    if code == 1 and len(text_err.splitlines()) != 1:
        problems.append(f"{len(text_err.splitlines())} stderr lines for exit status 1")
    long = max((len(line) for line in (text_out + text_err).splitlines()), default=0)
    if long > MAX_LINE:
        problems.append(f"a line of {long:,} characters")
    if seconds > MAX_SECONDS:
        problems.append(f"{seconds:.1f} s")
    if problems:
        problems.append(f"stderr: {text_err[:300]!r}")
    return Outcome(i, argv, code, seconds, problems)


EXPORTS = ("pytorch", "keras-code", "keras-json")


def fuzz(cases: int, seed: int, folder: Path, render_every: int = 10,
         h5_every: int = 25, export_every: int = 0) -> list[Outcome]:
    """Run ``cases`` seeded cases in ``folder``; return their outcomes."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    rng = random.Random(seed)
    all_seeds = seeds()
    plain = [s for s in all_seeds if s.kind != "h5"]
    h5 = [s for s in all_seeds if s.kind == "h5"]
    outcomes = []
    for i in range(cases):
        # The HDF5 reader runs in a child process (~0.3 s): a few cases only.
        pool = h5 if h5 and i % h5_every == h5_every - 1 else plain
        suffix, data = make_case(rng, rng.choice(pool))
        path = folder / f"case{i}{suffix}"
        path.write_bytes(data)
        if render_every and i % render_every == render_every - 1:
            argv = ["render", str(path), "--output", str(folder / "out.png")]
        elif export_every and i % export_every == export_every - 1:
            argv = ["export", str(path), "--to", rng.choice(EXPORTS),
                    "--output", str(folder / "out.py")]
        else:
            argv = ["summary", str(path), "--format", rng.choice(FORMATS)]
            if rng.random() < 0.2:
                argv += ["--output", str(folder / "out.txt")]
        outcomes.append(run_case(i, path, argv))
        path.unlink()
    return outcomes


def main(argv: list[str] | None = None) -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--render-every", type=int, default=10,
                        help="every Nth case runs render instead of summary (0: never)")
    parser.add_argument("--export-every", type=int, default=7,
                        help="every Nth case (not rendered) runs export instead of summary "
                             "(0: never)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        outcomes = fuzz(args.cases, args.seed, Path(folder), args.render_every,
                        export_every=args.export_every)
    total = time.perf_counter() - t0
    histogram = collections.Counter(o.code for o in outcomes)
    commands = collections.Counter(o.argv[0] if o.argv[0] == "render" else
                                   f"{o.argv[0]} {o.argv[2]} {o.argv[3]}" for o in outcomes)
    slowest = max(outcomes, key=lambda o: o.seconds)
    bad = [o for o in outcomes if o.problems]
    print(f"{len(outcomes)} cases (seed {args.seed}) in {total:.1f} s")
    print("exit status histogram: " + ", ".join(f"{k}: {v}" for k, v in sorted(histogram.items())))
    print("commands: " + ", ".join(f"{k}: {v}" for k, v in sorted(commands.items())))
    print(f"slowest case: #{slowest.case} {slowest.seconds:.2f} s ({' '.join(slowest.argv[:1])})")
    print(f"violations of the contract: {len(bad)}")
    for o in bad[:20]:
        print(f"  case {o.case}: {' '.join(o.argv)}: {'; '.join(o.problems)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
