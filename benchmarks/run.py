"""clusterbook benchmarks: every figure is a median of repeated runs, with a ratio against a
baseline measured in the same run on the same files. Writes benchmarks/RESULTS.md.

    python benchmarks/run.py [--quick] [--before DIR]

Corpus: realistic filled proposals (15–40 members) made by clusterbook.samples, written once
to benchmarks/.corpus/ and reused. Every command runs as a fresh process, as a user runs it, so
interpreter start-up and imports are included on both sides of each ratio. ``--before DIR``
also runs the paths people wait on (one file, annotated copies, the demo, documents) with the
clusterbook source in DIR (e.g. a `git worktree` of an older commit), for old/new ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / ".corpus"
PY = sys.executable

PANDAS_READ = """
import sys, pandas
for path in sys.argv[1:]:
    pandas.read_excel(path, sheet_name=None, engine="openpyxl")
"""
XML_FLOOR = """
import sys, zipfile, xml.etree.ElementTree as ET
for path in sys.argv[1:]:
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                for _, el in ET.iterparse(z.open(name)):
                    el.clear()
"""
BARE_TYPER = """
import typer
app = typer.Typer()
@app.command()
def hello(name: str = "x"):
    "Say hello."
@app.command()
def bye():
    "Bye."
app()
"""


def corpus(distinct: int) -> list[Path]:
    """Distinct realistic proposals, generated once (they take ~0.5 s each to build)."""
    from clusterbook.samples import random_proposal
    from clusterbook.workbook.fill import filled_bytes

    CORPUS.mkdir(exist_ok=True)
    rng = random.Random(2023)
    out = []
    for i in range(distinct):
        path = CORPUS / f"proposal-{i:03d}.xlsx"
        if not path.exists():
            path.write_bytes(filled_bytes(random_proposal(1000 + i, members=rng.randint(15, 40))))
        out.append(path)
    return out


def rosters(base: list[Path], db: Path, *, years: int, rows_per_year: int) -> None:
    """A register holding ``years`` rosters of invented clusters of 12, the last year's also
    listing every member of the corpus, so that the history rules have work to do."""
    import csv

    from clusterbook.history import import_history
    from clusterbook.importers import read_proposal
    from clusterbook.ubn import ubn_check_digit_candidates

    numbers = (
        c
        for prefix in range(1_000_000, 10**7)
        for c in ubn_check_digit_candidates(f"{prefix:07d}")[:1]
    )
    real = [m for p in base for m in read_proposal(p).tables["members"][["name", "ubn"]].values]
    head = ["年度", "群聚名稱", "提案類別", "企業名稱", "統一編號", "負責人", "角色"]
    folder = db.parent / "rosters"
    folder.mkdir(exist_ok=True)
    paths = []
    for year in range(111 - years + 1, 112):
        rows = [head]
        for i in range(rows_per_year):
            rows.append(
                [year, f"群聚{year}-{i // 12}", "A類", f"企業{i}", next(numbers), "某某", ""]
            )
        if year == 111:
            rows += [[year, "前一年群聚", "A類", name, ubn, "某某", ""] for name, ubn in real]
        path = folder / f"{year}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(rows)
        paths.append(path)
    import_history(paths, db)


def files(n: int, base: list[Path], folder: Path) -> list[str]:
    """n file paths (copies of the distinct ones, so nothing is cached by name)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        dest = folder / f"p{i:04d}.xlsx"
        if not dest.exists():
            shutil.copyfile(base[i % len(base)], dest)
        out.append(str(dest))
    return out


def run(cmd: list[str], *, cwd: Path | None = None, code: Path | None = None) -> tuple[float, int]:
    """Wall time (s) and peak memory (MiB) of one process (clusterbook from ``code`` if given)."""
    env = {**os.environ, "PYTHONPATH": str(code)} if code else None
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd, env=env
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"failed ({code}): {' '.join(cmd[:6])} …")
    return wall, usage.ru_maxrss // 1024


def remove_register(db: Path) -> None:
    """Delete a register and its SQLite journal files (each import starts afresh)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def median(cmd: list[str], repeat: int, *, setup=None, code=None) -> tuple[float, int]:
    walls, peaks = [], []
    for _ in range(repeat):
        if setup:
            setup()
        wall, peak = run(cmd, code=code)
        walls.append(wall)
        peaks.append(peak)
    return statistics.median(walls), max(peaks)


def clusterbook(*args: str) -> list[str]:
    return [PY, "-m", "clusterbook", *args]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats")
    ap.add_argument("--before", type=Path, help="clusterbook source to compare with (old/new)")
    ap.add_argument(
        "--only",
        choices=("waits",),
        help="run only the paths people wait on (the rest of RESULTS.md is kept)",
    )
    args = ap.parse_args()
    sizes = (1, 10, 50) if args.quick else (1, 10, 100, 500)
    repeat = 3 if args.quick else 5
    base = corpus(8 if args.quick else 24)
    work = Path(tempfile.mkdtemp(prefix="clusterbook-bench-"))
    os.environ["CLUSTERBOOK_CACHE"] = str(work / "cache")
    before = args.before.resolve() if args.before else None
    here = Path.cwd()
    os.chdir(work)  # `python -m` puts the current folder first: never a checkout's own code
    batch: list[tuple[str, str, str, str]] = []
    try:
        if not args.only:
            batch += checks(sizes, repeat, base, work)
            batch += startup(repeat, work)
        waited = waits(args.quick, repeat, base, work, before)
        if not args.only:
            batch += register(sizes[-1], 3, base, work)
    finally:
        os.chdir(here)
        shutil.rmtree(work, ignore_errors=True)
    write(batch, waited, args, repeat, len(base), before)


def checks(sizes, repeat: int, base: list[Path], work: Path) -> list[tuple[str, str, str, str]]:
    """check of N files against pandas+openpyxl reading them and the stdlib XML floor."""
    rows = []
    for n in sizes:
        paths = files(n, base, work / "files")
        times = repeat if n <= 10 else max(1, repeat // 2) if n <= 100 else 1
        pandas_t, _ = median([PY, "-c", PANDAS_READ, *paths], times)
        floor_t, _ = median([PY, "-c", XML_FLOOR, *paths], times)
        for jobs in (1, 2):
            check_t, peak = median(
                clusterbook("check", *paths, "--format", "json", "--jobs", str(jobs)), times
            )
            rows.append(
                (
                    f"check N={n} --jobs {jobs}",
                    f"{check_t:.2f} s ({check_t / n * 1000:.0f} ms/file, {peak} MiB)",
                    f"pandas+openpyxl read {pandas_t:.2f} s: **{check_t / pandas_t:.2f}×**",
                    f"stdlib unzip+iterparse {floor_t:.2f} s: **{check_t / floor_t:.2f}× the floor**",
                )
            )
    return rows


def startup(repeat: int, work: Path) -> list[tuple[str, str, str, str]]:
    bare_t, _ = median([PY, "-c", BARE_TYPER, "--help"], repeat * 2)
    help_t, _ = median(clusterbook("--help"), repeat * 2)
    out = work / "t.xlsx"
    template_t, _ = median(clusterbook("template", "-o", str(out)), repeat * 2)
    cold_t, _ = median(
        clusterbook("template", "-o", str(out)),
        repeat,
        setup=lambda: shutil.rmtree(work / "cache", ignore_errors=True),
    )
    return [
        (
            "clusterbook --help",
            f"{help_t * 1000:.0f} ms",
            f"bare typer --help {bare_t * 1000:.0f} ms: **{help_t / bare_t:.2f}×**",
            "",
        ),
        (
            "clusterbook template (cached)",
            f"{template_t * 1000:.0f} ms",
            f"bare typer --help: **{template_t / bare_t:.2f}×**",
            f"first run, building the cache: {cold_t * 1000:.0f} ms",
        ),
    ]


def waits(quick: bool, repeat: int, base: list[Path], work: Path, before: Path | None):
    """The paths a person waits on: one file, annotated copies, the demo, documents."""
    rows = []
    one = files(1, base, work / "one")
    pandas_t, _ = median([PY, "-c", PANDAS_READ, *one], repeat)
    check_one = clusterbook("check", *one, "--format", "json")
    new_t, _ = median(check_one, repeat)
    old = ""
    if before:
        old_t, _ = median(check_one, repeat, code=before)
        old = f"before: {old_t:.2f} s, **{old_t / pandas_t:.2f}×**"
    rows.append(
        (
            "check of one file (target ≤ 0.6× the read)",
            f"{new_t:.2f} s",
            f"pandas+openpyxl read of it {pandas_t:.2f} s: **{new_t / pandas_t:.2f}×**",
            old,
        )
    )

    n = 20 if quick else 100
    paths = files(n, base, work / "files")
    marked = work / "annotated"

    def clean() -> None:
        shutil.rmtree(marked, ignore_errors=True)

    plain_t, _ = median(clusterbook("check", *paths, "--format", "json"), max(1, repeat // 2))
    annotate = clusterbook("check", *paths, "--format", "json", "--annotate", str(marked))
    new_t, _ = median(annotate, max(1, repeat // 2), setup=clean)
    old = ""
    if before:
        old_t, _ = median(annotate, 1, setup=clean, code=before)
        old = f"before: {old_t:.2f} s, **{old_t / plain_t:.2f}×**"
    rows.append(
        (
            f"check --annotate N={n} (target ≤ 2× check)",
            f"{new_t:.2f} s ({new_t / n * 1000:.0f} ms/file)",
            f"check of the same files {plain_t:.2f} s: **{new_t / plain_t:.2f}×**",
            old,
        )
    )

    demo = work / "demo"
    run(clusterbook("demo", str(demo)))
    four = [str(p) for p in sorted((demo / "proposals").glob("*.xlsx"))]
    db = work / "four.sqlite"

    def fresh() -> None:
        remove_register(db)

    parts = [
        median(clusterbook("check", *four, "--format", "json"), repeat)[0],
        median(clusterbook("import", *four, "--register", str(db)), repeat, setup=fresh)[0],
        median(clusterbook("export", "--register", str(db), "-o", str(work / "four.xlsx")), repeat)[
            0
        ],
    ]
    baseline = sum(parts)
    demo_run = clusterbook("demo", str(work / "demo2"))

    def fresh_demo() -> None:
        shutil.rmtree(work / "demo2", ignore_errors=True)

    new_t, _ = median(demo_run, max(1, repeat // 2), setup=fresh_demo)
    old = ""
    if before:
        old_t, _ = median(demo_run, 1, setup=fresh_demo, code=before)
        old = f"before: {old_t:.2f} s, **{old_t / baseline:.2f}×**"
    rows.append(
        (
            "demo (target ≤ 2× check + import + export of its 4 proposals)",
            f"{new_t:.2f} s",
            f"check {parts[0]:.2f} + import {parts[1]:.2f} + export {parts[2]:.2f} = "
            f"{baseline:.2f} s: **{new_t / baseline:.2f}×**",
            old,
        )
    )

    if not shutil.which("soffice"):
        return rows
    per_start = 0.0
    for count in (1, 5) if quick else (1, 20):
        docs = files(count, base, work / f"docs{count}")
        target = work / f"documents{count}"
        target.mkdir()
        output = target / "one.docx" if count == 1 else target
        new_t, _ = run(clusterbook("document", *docs, "-o", str(output), "--pdf"))
        per_start = per_start or new_t
        note = (
            "one proposal per command, one LibreOffice start each (the only way before)"
            if count == 1
            else f"one LibreOffice start for all {count}; one command each: ≈ {per_start:.1f} s/document"
        )
        rows.append(
            (
                f"document --pdf N={count}",
                f"{new_t:.1f} s",
                f"**{new_t / count:.1f} s/document**",
                note,
            )
        )
    return rows


def register(n: int, repeat: int, base: list[Path], work: Path) -> list[tuple[str, str, str, str]]:
    """Import into a register (with and without 10 years of rosters) and export it."""
    paths = files(n, base, work / "files")
    db = work / "register.sqlite"

    def fresh() -> None:
        remove_register(db)

    check_t, _ = median(clusterbook("check", *paths, "--format", "json", "--jobs", "2"), repeat)
    import_t, import_peak = median(
        clusterbook("import", *paths, "--register", str(db), "--jobs", "2"), repeat, setup=fresh
    )
    history_db = work / "history.sqlite"
    rosters(base, history_db, years=10, rows_per_year=5_000)

    def fresh_with_history() -> None:
        fresh()
        shutil.copyfile(history_db, db)

    history_t, history_peak = median(
        clusterbook("import", *paths, "--register", str(db), "--jobs", "2"),
        repeat,
        setup=fresh_with_history,
    )
    export_t, export_peak = median(
        clusterbook("export", "--register", str(db), "-o", str(work / "master.xlsx")), repeat
    )
    return [
        (
            f"import N={n} into a fresh register --jobs 2",
            f"{import_t:.2f} s, peak {import_peak} MiB",
            f"check of the same files {check_t:.2f} s: {import_t / check_t:.2f}×",
            "",
        ),
        (
            f"import N={n} against 10 years of rosters (50,000 rows) --jobs 2",
            f"{history_t:.2f} s, peak {history_peak} MiB",
            f"the same import without history {import_t:.2f} s: **{history_t / import_t:.2f}×**",
            "",
        ),
        (
            f"export of that register ({n} proposals)",
            f"{export_t:.2f} s, peak {export_peak} MiB",
            f"import {import_t:.2f} s: {export_t / import_t:.2f}×",
            "",
        ),
    ]


def write(batch, waited, args, repeat: int, distinct: int, before: Path | None) -> None:
    """RESULTS.md: the batch and start-up table, then the paths people wait on (``--only
    waits`` replaces that section and keeps the rest)."""
    import clusterbook

    command = f"`python benchmarks/run.py{' --quick' if args.quick else ''}"
    command += f"{' --only waits' if args.only else ''}"
    command += f"{' --before <' + _commit(before) + '>' if before else ''}`"
    when = (
        f"{command} on {dt.date.today().isoformat()}, clusterbook {clusterbook.__version__}, "
        f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs "
        f"({len(os.sched_getaffinity(0))} usable), {_memory()}."
    )
    head = "| measure | clusterbook | vs baseline | vs floor / before |\n| --- | --- | --- | --- |"
    waits_text = "\n".join(
        [
            WAITS,
            "",
            when,
            ""
            if not before
            else f"“before” is the same command run with the code of commit {_commit(before)}.",
            "",
            head,
            *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in waited),
            "",
        ]
    )
    path = HERE / "RESULTS.md"
    if args.only:
        old = path.read_text(encoding="utf-8")
        text = old[: old.index(WAITS)] + waits_text if WAITS in old else old + "\n" + waits_text
    else:
        lines = [
            "# Benchmark results",
            "",
            f"Each figure is the median of up to {repeat} runs of a fresh process (interpreter "
            "start-up and imports included on both sides of every ratio; fewer runs for the "
            f"larger sizes), on copies of {distinct} distinct generated proposals with 15–40 "
            "members each. A ratio is clusterbook's time over the baseline's (below 1: faster).",
            "",
            "Targets: check of one file ≤ 0.6× pandas+openpyxl reading it, of many ≤ 1/3 of it "
            "and ≤ 2× the stdlib XML floor; `--help` ≤ 1.2× a bare typer app's `--help`; "
            "`check --annotate` ≤ 2× `check`; `demo` ≤ 2× check + import + export of its "
            "proposals; `document --pdf` starts LibreOffice once for any number of proposals.",
            "",
            "## Batch and start-up",
            "",
            when,
            "",
            head,
            *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in batch),
            "",
        ]
        text = "\n".join(lines) + "\n" + waits_text
    path.write_text(text, encoding="utf-8")
    sys.stdout.write(text)


WAITS = "## Paths people wait on"


def _commit(code: Path | None) -> str:
    """The short commit of a source folder (its path when it is not a git checkout)."""
    done = subprocess.run(
        ["git", "-C", str(code), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return done.stdout.strip() or str(code)


def _memory() -> str:
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        return f"{pages / 2**30:.0f} GiB RAM"
    except (ValueError, OSError):
        return "RAM unknown"


if __name__ == "__main__":
    main()
