"""Dropped operands: the one-line bug mutmut does not make. Each operand of every ``and``/``or``
in the modules of ``benchmarks/mutation.py`` is left out in turn (``m and v == YES`` becomes
``v == YES``), the module's tests run, and every mutant they miss is listed in
benchmarks/OPERANDS.md, with the reason when it is equivalent.

    python benchmarks/operands.py              # every module (two mutants at a time)
    python benchmarks/operands.py derive plan  # some modules (the others' last results stay)
    python benchmarks/operands.py --report     # rewrite OPERANDS.md from the last results

Each worker tests in its own copy of the project (clusterbook/ and tests/ only), so the
working tree is never edited. Not part of .ci/run: run it with mutation.py before a release.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from mutation import MODULES, ROOT, WORK

REPORT = Path(__file__).resolve().parent / "OPERANDS.md"
RESULTS = WORK / "operands"
"""One JSON file of results per module: a run of some modules keeps the others' results."""

# (module, operand dropped, a text of its line, reason): survivors that change no verdict and
# no number a user sees.
EQUIVALENT = [
    *[
        (module, operand, operand, "an empty table gives nothing to loop over either way")
        for module, operand in [
            ("eligibility", "not len(members)"),
            ("derive", "len(budget)"),
            ("derive", "len(kpis)"),
            ("derive", "len(ma)"),
            ("fields", "len(members)"),
            ("plan", "not len(kpis)"),
        ]
    ],
    (
        "eligibility",
        "not n",
        'params["sme_ratio_min"]',
        "with no members the SME share is 0%, below the minimum anyway",
    ),
    (
        "eligibility",
        "members is not None",
        "leaders > 1",
        "two leaders were counted in the members table, so it is there",
    ),
    ("plan", "n", "ratio > ratio_min", "with no members every share is 0%: no bonus anyway"),
    (
        "fields",
        "ubn_ref is not None",
        "first_row",
        "a field map without the 統一編號 column gives no 統一編號 to compare",
    ),
    (
        "formulas",
        "found == formula",
        "normalize_formula(found)",
        "the same formula also normalises to the same text, so the check below it agrees",
    ),
    *[
        (
            "formulas",
            operand,
            '"pos" in rows',
            "every table column of the field map is derived into its table, and only table cells"
            " have a row index",
        )
        for operand in ("rows is not None", "index is not None", "column in rows")
    ],
    (
        "choices",
        "k",
        "len(v) == 1",
        "no option reads as the empty key: every option keeps a character after choice_key",
    ),
    (
        "normalize",
        "not isinstance(raw, bool)",
        "isinstance(raw, int | float)",
        "every caller refuses a bool (a ticked box) before it asks whether the cell is a number",
    ),
    (
        "normalize",
        "len(text) in (7, 8)",
        "not match",
        "the compact date pattern itself matches 7 or 8 digits only",
    ),
    (
        "normalize",
        "math.isfinite(raw)",
        "raw.is_integer()",
        "an infinity (or NaN) is no whole number either: the same branch is taken",
    ),
    (
        "normalize",
        "text is None",
        "choice_key(text)",
        "choice_key reads None as the empty key: a blank takes the same path either way",
    ),
    (
        "clean",
        "c.value is not None",
        "shown(c.value)",
        "a note on a blank date is never shown: blanks are not reported as normalised",
    ),
    (
        "clean",
        "0",
        "round(c.value",
        "round(x, None) rounds to a whole number like round(x, 0): the same values are refused",
    ),
]


def mutants(path: Path) -> list[tuple[int, str, str, str]]:
    """(line, the operand dropped, the line's text, the mutated source) for each operand of
    each and/or."""
    src = path.read_text(encoding="utf-8")
    data = src.encode()
    starts = [0]
    for line in src.splitlines(keepends=True):
        starts.append(starts[-1] + len(line.encode()))

    def at(line: int, col: int) -> int:
        return starts[line - 1] + col

    out = []
    for node in ast.walk(ast.parse(src)):
        if not isinstance(node, ast.BoolOp):
            continue
        joiner = " and " if isinstance(node.op, ast.And) else " or "
        parts = [
            data[at(v.lineno, v.col_offset) : at(v.end_lineno, v.end_col_offset)].decode()
            for v in node.values
        ]
        begin, end = at(node.lineno, node.col_offset), at(node.end_lineno, node.end_col_offset)
        for i, dropped in enumerate(parts):
            kept = "(" + joiner.join(parts[:i] + parts[i + 1 :]) + ")"
            mutated = (data[:begin] + kept.encode() + data[end:]).decode()
            out.append((node.lineno, dropped, src.splitlines()[node.lineno - 1], mutated))
    return out


def run(jobs: list, workers: int = 2) -> list[tuple[str, int, str, str, str]]:
    """(module, line, operand, line text, status) of each job, tested in a private copy."""
    todo: queue.Queue = queue.Queue()
    for job in jobs:
        todo.put(job)
    found, lock = [], threading.Lock()

    def work(copy: Path) -> None:
        while True:
            try:
                name, path, tests, (line, dropped, source, text) = todo.get_nowait()
            except queue.Empty:
                return
            target = copy / path
            target.write_text(text, encoding="utf-8")
            try:
                done = subprocess.run(
                    [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests],
                    cwd=copy,
                    env={**os.environ, "PYTHONPATH": str(copy)},
                    capture_output=True,
                    timeout=900,
                )
                status = "killed" if done.returncode else "survived"
            except subprocess.TimeoutExpired:
                status = "timeout"
            finally:
                shutil.copy(ROOT / path, target)
            with lock:
                found.append((name, line, dropped, source, status))

    with tempfile.TemporaryDirectory() as tmp:
        threads = []
        for k in range(workers):
            copy = Path(tmp) / f"w{k}"
            for part in ("clusterbook", "tests", "pyproject.toml"):
                source = ROOT / part
                if source.is_dir():
                    shutil.copytree(
                        source, copy / part, ignore=shutil.ignore_patterns("__pycache__")
                    )
                else:
                    shutil.copy(source, copy / part)
            threads.append(threading.Thread(target=work, args=(copy,)))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return sorted(found)


def reason(name: str, dropped: str, source: str) -> str | None:
    return next(
        (why for m, o, where, why in EQUIVALENT if (m, o) == (name, dropped) and where in source),
        None,
    )


def report(found: dict[str, list]) -> str:
    rows = [row for name in MODULES for row in found.get(name, [])]
    counts = {s: sum(1 for *_, x in rows if x == s) for s in ("killed", "survived", "timeout")}
    lines = [
        "# Dropped operands",
        "",
        f"Written by `python benchmarks/operands.py` on {dt.date.today():%Y-%m-%d}: each operand"
        " of every `and`/`or` left out in turn (a bug mutmut does not make), judged by the"
        " module's tests as in MUTATION.md. Modules run: "
        + ", ".join(f"`{n}`" for n in MODULES if n in found)
        + "; not run: "
        + (", ".join(f"`{n}`" for n in MODULES if n not in found) or "none")
        + ".",
        "",
        f"{len(rows)} mutants: {counts['killed']} killed, {counts['survived']} survived,"
        f" {counts['timeout']} timed out. Every mutant not killed:",
        "",
        "| module | line | operand dropped | verdict |",
        "| --- | ---: | --- | --- |",
    ]
    for name, line, dropped, source, status in rows:
        if status != "killed":
            why = reason(name, dropped, source)
            verdict = f"equivalent: {why}" if why else f"**{status}, not explained**"
            operand = dropped.replace("|", "\\|")
            lines.append(f"| {name} | {line} | `{operand}` | {verdict} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"some of: {', '.join(MODULES)}")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--report", action="store_true", help="only rewrite OPERANDS.md")
    args = parser.parse_args()
    unknown = set(args.modules) - set(MODULES)
    if unknown:
        parser.error(f"unknown module(s): {', '.join(sorted(unknown))}")
    jobs = []
    for name in [] if args.report else args.modules or MODULES:
        path, tests, _minutes = MODULES[name]
        jobs += [(name, path, tests, m) for m in mutants(ROOT / path)]
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in [] if args.report else args.modules or MODULES:
        rows = run([j for j in jobs if j[0] == name], args.workers)
        (RESULTS / f"{name}.json").write_text(json.dumps(rows, ensure_ascii=False), "utf-8")
    found = {
        p.stem: [tuple(row) for row in json.loads(p.read_text("utf-8"))]
        for p in RESULTS.glob("*.json")
    }
    REPORT.write_text(report(found), encoding="utf-8")
    left = [r for rows in found.values() for r in rows if r[4] != "killed"]
    left = [r for r in left if not reason(r[0], r[2], r[3])]
    print(f"{len(left)} not explained; wrote {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
