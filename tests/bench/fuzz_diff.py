"""Differential fuzzing: the same mutated inputs through two trees of ParamLab, compared
byte for byte (a script, not collected by pytest). A change that should not alter any
output (a speed-up) must give identical exit statuses, stdout and stderr on every case,
malformed files included, where ``fuzz_cli.py`` only checks that each answer keeps the
contract (one line, no traceback); a message that changes wording, or a file that turns from
refused to read, shows up here.

    python tests/bench/fuzz_diff.py record NEW.json [--cases 1500] [--seed 101]
    PYTHONPATH=/tmp/base python tests/bench/fuzz_diff.py record OLD.json [same options]
    python tests/bench/fuzz_diff.py compare OLD.json NEW.json

(``/tmp/base/paramlab``: an older tree, e.g. ``git archive REV | tar -x -C
/tmp/base/paramlab``.) The cases are ``fuzz_cli.make_case``'s, from every seed but the
``.h5`` one (its reader runs in a child process), each run as ``paramlab summary`` in JSON or
table format, in-process (``core.cli.run``). ``compare`` prints how many cases differ and
the first few, and exits 1 when any does.
"""
from __future__ import annotations

import argparse
import io
import json
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fuzz_cli  # this folder, put on the path above


def record(cases: int, seed: int) -> dict[str, list[object]]:
    """{case number: [exit status, stdout, stderr]} of ``cases`` seeded cases."""
    from paramlab.core import cli

    rng = random.Random(seed)
    pool = [s for s in fuzz_cli.seeds() if s.kind != "h5"]
    out: dict[str, list[object]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for i in range(cases):
            suffix, data = fuzz_cli.make_case(rng, rng.choice(pool))
            path = Path(folder) / f"case{suffix}"
            path.write_bytes(data)
            args = cli.build_parser().parse_args(
                ["summary", str(path), "--format", rng.choice(("json", "table"))])
            stdout, stderr = io.StringIO(), io.StringIO()
            try:
                status = cli.run(args, stdout, stderr)
            except Exception as exc:  # noqa: BLE001 - recorded: the contract forbids it
                status, stderr = -1, io.StringIO(f"escaped: {exc!r}")
            # the temporary path differs from run to run: compare the rest of the line
            out[str(i)] = [status, stdout.getvalue(),
                           stderr.getvalue().replace(str(path), "CASE")]
    return out


def compare(old: dict[str, list[object]], new: dict[str, list[object]]) -> list[str]:
    """The case numbers whose status, stdout or stderr differ (or that one side lacks)."""
    return [k for k in sorted(old.keys() | new.keys(), key=int) if old.get(k) != new.get(k)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="run the cases with this tree; write them to OUT")
    rec.add_argument("out", type=Path)
    rec.add_argument("--cases", type=int, default=1500)
    rec.add_argument("--seed", type=int, default=101)
    cmp = sub.add_parser("compare", help="compare two recordings")
    cmp.add_argument("old", type=Path)
    cmp.add_argument("new", type=Path)
    args = parser.parse_args(argv)
    if args.command == "record":
        results = record(args.cases, args.seed)
        args.out.write_text(json.dumps(results), encoding="utf-8")
        statuses = sorted({r[0] for r in results.values()})  # type: ignore[type-var]
        print(f"{len(results)} cases (seed {args.seed}) -> {args.out}; exit statuses "
              + ", ".join(f"{s}: {sum(r[0] == s for r in results.values())}"
                          for s in statuses))
        return 0
    old = json.loads(args.old.read_text(encoding="utf-8"))
    new = json.loads(args.new.read_text(encoding="utf-8"))
    differ = compare(old, new)
    print(f"{len(differ)} of {len(old.keys() | new.keys())} cases differ")
    for k in differ[:10]:
        a, b = old.get(k), new.get(k)
        print(f"  case {k}: {a[0] if a else '-'} -> {b[0] if b else '-'}\n"
              f"    old: {str(a[2] if a else '')[:160]!r}\n"
              f"    new: {str(b[2] if b else '')[:160]!r}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
