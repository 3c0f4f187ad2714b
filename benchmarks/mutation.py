"""Mutation testing of the rules: mutmut makes one-line changes (mutants) to each module that
decides a verdict or a figure, runs the fast tests that pin it, and every mutant the tests
miss (a survivor) is listed in benchmarks/MUTATION.md, with the reason it changes nothing a user
sees when it is equivalent.

    pip install -e '.[dev]'
    python benchmarks/mutation.py                 # every module, one after the other
    python benchmarks/mutation.py ubn formulas    # some modules (names as in MODULES)
    python benchmarks/mutation.py --again plan    # after new tests: plan's open survivors again
    python benchmarks/mutation.py --resume plan   # go on where plan's time limit stopped it
    python benchmarks/mutation.py --minutes 30    # give each module 30 minutes, not its own
    python benchmarks/mutation.py --report        # rewrite MUTATION.md from the last runs
    python benchmarks/mutation.py --workers 2     # two mutants at a time (a quiet machine)

One worker by default (the machine is shared); each module runs in its own folder under
benchmarks/.mutation/ with its own test selection, so a survivor costs seconds, not minutes.
Each module has a time limit (MODULES); mutants not reached by then are reported as not run.
Not part of .ci/run: run it before a release and keep MUTATION.md true.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from equivalent import EQUIVALENT

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".mutation"
REPORT = HERE / "MUTATION.md"

FAST = ["tests/test_limits.py", "tests/test_rules.py"]
MODULES = {
    # name: (module file, the tests that pin it, minutes it may take; see --minutes)
    "eligibility": (
        "clusterbook/checks/eligibility.py",
        [*FAST, "tests/test_eligibility.py"],
        12,
    ),
    "derive": (
        "clusterbook/checks/derive.py",
        ["tests/test_derived.py", *FAST, "tests/test_eligibility.py"],
        7,
    ),
    "fields": ("clusterbook/checks/fields.py", [*FAST, "tests/test_derived.py"], 4),
    "plan": ("clusterbook/checks/plan.py", [*FAST, "tests/test_eligibility.py"], 5),
    "formulas": ("clusterbook/checks/formulas.py", ["tests/test_tamper.py"], 3),
    "crosscheck": ("clusterbook/register/crosscheck.py", ["tests/test_crosscheck.py"], 3),
    "normalize": ("clusterbook/importers/normalize.py", ["tests/test_normalize.py"], 4),
    "clean": (
        "clusterbook/importers/clean.py",
        ["tests/test_normalize.py", "tests/test_reader_shapes.py"],
        10,
    ),
    "ubn": ("clusterbook/ubn.py", ["tests/test_ubn.py"], 3),
    "choices": (
        "clusterbook/choices.py",
        ["tests/test_normalize.py", "tests/test_derived.py"],
        2,
    ),
}
# Lines whose only Chinese text is a message's wording are not mutated: rewording a message
# changes no verdict and no number (the tests pin the numbers inside messages). In the rules, a
# line that compares text (==, !=, in, not, if), calls out.at or names a constant is mutated as
# usual; in the normaliser only a bare reason (raise _fail("…", raw)) or note is left alone.
WORDING = {
    "clusterbook/checks/": (
        r"^(?!.*(==|!=|\bin\b|\bnot\b|\bif\b|out\.at\()|\s*[A-Z_]+ = )"
        r".*[\u3000-\u9fff\uff00-\uffef]"
    ),
    "clusterbook/importers/normalize.py": (
        r'^\s*(raise _fail\("[^"]*", raw\)|notes\.append\("[^"]*"\))(\s+from None)?\s*$'
    ),
}

# Modules whose lines are SQL: a mutant that only changes the case of a line's SQL is
# equivalent (SQLite reads keywords and names, and LIKE's ASCII letters, regardless of case).
SQL_CASE = {"crosscheck"}
# Modules whose every zip pairs columns of one table: its strict flag never matters.
SAME_LENGTH_ZIPS = {"derive", "eligibility"}
_STRICT = re.compile(r",?\s*strict=\w+|,\s*(?=\))|\s+")


def _unstrict(lines: list[str]) -> str:
    """Diff lines (without their +/-) joined, without zip's strict flag and without spaces."""
    return _STRICT.sub("", "".join(x[1:] for x in lines))


def mutmut(folder: Path, *args: str, log=None, minutes: float | None = None) -> str:
    """Run mutmut in ``folder``; after ``minutes`` it is interrupted (Ctrl-C), which keeps the
    results of the mutants it ran and leaves the others "not checked"."""
    exe = Path(sys.executable).with_name("mutmut")
    with subprocess.Popen(
        [str(exe), *args],
        cwd=folder,
        text=True,
        # a job started in the background ignores Ctrl-C; mutmut must hear it to stop cleanly
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        stdout=log or subprocess.PIPE,
        stderr=subprocess.STDOUT,
    ) as proc:
        try:
            out, _ = proc.communicate(timeout=minutes * 60 if minutes else None)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGINT)
            out, _ = proc.communicate()
    return out or ""


def prepare(name: str, fresh: bool = True) -> Path:
    """A folder for one module: the sources and tests, and a pyproject.toml whose [tool.mutmut]
    mutates that module with its own tests (mutmut reads its settings from the folder).
    ``fresh``: start over; otherwise only the settings are written again (the module's tests
    may have changed since its last run)."""
    path, tests, _minutes = MODULES[name]
    folder = WORK / name
    if fresh:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for part in ("clusterbook", "tests"):
            (folder / part).symlink_to(ROOT / part, target_is_directory=True)
    project = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    project = project[: project.index("[tool.mutmut]")] if "[tool.mutmut]" in project else project
    selection = ", ".join(f'"{t}"' for t in tests)
    patterns = [p for prefix, p in WORDING.items() if path.startswith(prefix)]
    wording = f"do_not_mutate_patterns = ['{patterns[0]}']\n" if patterns else ""
    project += (
        "[tool.mutmut]\n"
        'source_paths = ["clusterbook"]\n'
        f'only_mutate = ["{path}"]\n'
        f"pytest_add_cli_args_test_selection = [{selection}]\n"
        "timeout_multiplier = 5.0\n"
        f"{wording}"
    )
    (folder / "pyproject.toml").write_text(project, encoding="utf-8")
    return folder


def run(name: str, minutes: float | None, mode: str = "new", workers: int = 1) -> None:
    """Mutate one module. ``mode`` "again": only re-run its last unexplained survivors (after
    new tests);
    "resume": go on with the mutants its last run did not reach."""
    folder = WORK / name
    names = [m for m, d in survivors(name) if not reason(name, m, d)] if mode == "again" else []
    if mode == "again" and not names:
        return
    folder = prepare(name, fresh=mode == "new")
    print(f"mutating {MODULES[name][0]} …", flush=True)
    start = time.monotonic()
    with (folder / "mutmut.log").open("w" if mode == "new" else "a", encoding="utf-8") as log:
        mutmut(folder, "run", "--max-children", str(workers), *names, log=log, minutes=minutes)
    seconds = time.monotonic() - start
    (folder / "load.txt").write_text(f"{os.getloadavg()[1]:.1f}\n", "utf-8")
    (folder / "workers.txt").write_text(f"{workers}\n", "utf-8")
    if mode != "new":
        seconds += float(_read(name, "seconds.txt") or 0)
        minutes = (minutes or 0) + float(_read(name, "minutes.txt") or 0)
    (folder / "seconds.txt").write_text(f"{seconds:.0f}\n", "utf-8")
    (folder / "minutes.txt").write_text(f"{minutes or 0:g}\n", "utf-8")
    collect(name)


def collect(name: str) -> None:
    """Keep the module's results and the diff of each survivor (for the report)."""
    folder = WORK / name
    (folder / "results.txt").write_text(mutmut(folder, "results", "--all", "true"), "utf-8")
    found = [m for m, status in results(name) if status == "survived"]
    shows = [mutmut(folder, "show", m) for m in found]
    (folder / "survivors.txt").write_text("\n\x00\n".join(shows), encoding="utf-8")


def results(name: str) -> list[tuple[str, str]]:
    path = WORK / name / "results.txt"
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        mutant, sep, status = line.strip().rpartition(": ")
        if sep and mutant.startswith("clusterbook."):
            out.append((mutant, status))
    return out


def survivors(name: str) -> list[tuple[str, str]]:
    """(mutant, diff) of each survivor of the module's last run."""
    path = WORK / name / "survivors.txt"
    if not path.exists():
        return []
    out = []
    for show in path.read_text(encoding="utf-8").split("\n\x00\n"):
        head, _, diff = show.partition("\n")
        mutant = head.lstrip("# ").partition(":")[0]
        if mutant:
            out.append((mutant, diff.strip()))
    return out


def function(mutant: str) -> str:
    """The mutated function of a mutmut name (x_name__mutmut_3, xǁClassǁmethod__mutmut_3)."""
    last = mutant.rsplit(".", 1)[-1]
    last = re.sub(r"__mutmut_\d+$", "", last)
    return last.split("ǁ")[-1] if "ǁ" in last else last.removeprefix("x_")


def reason(name: str, mutant: str, diff: str) -> str | None:
    lines = diff.splitlines()
    removed = [x for x in lines if x.startswith("-") and not x.startswith("---")]
    added = [x for x in lines if x.startswith("+") and not x.startswith("+++")]
    if (
        name in SQL_CASE
        and len(removed) == len(added) == 1
        and removed[0][1:].lower() == added[0][1:].lower()
    ):
        return (
            "only the case of the SQL changes: SQLite reads keywords and names, and LIKE's"
            " ASCII letters, regardless of case"
        )
    for module, func, old, new, why in EQUIVALENT:
        if (
            (module, func) == (name, function(mutant))
            and any(old in x for x in removed)
            and any(new in x for x in added)
        ):
            return why
    if name in SAME_LENGTH_ZIPS and _unstrict(removed) == _unstrict(added):
        return (
            "only zip's strict flag changes: every zip in this module pairs columns of one table"
            " (or lists made from them, one item per row), which are always as long"
        )
    return None


OPEN = (
    "**Not explained: it survived the module's last mutmut run.** Add a test, then check it"
    " with `python benchmarks/mutation.py --again <module>`."
)


_COUNTED = {"killed", "survived", "not checked"}


def _read(name: str, file: str) -> str:
    path = WORK / name / file
    return path.read_text("utf-8").strip() if path.exists() else ""


def report() -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    rows, details, notes = [], [], []
    keys = ("mutants", "killed", "equivalent", "open", "unchecked", "other")
    totals = dict.fromkeys(keys, 0)
    for name, (path, tests, _minutes) in MODULES.items():
        found = results(name)
        if not found:
            rows.append(f"| `{path}` | not run | | | | | | | | |")
            notes.append(f"- `{path}` was not run.")
            continue
        statuses = [s for _, s in found]
        explained, unexplained = [], []
        for mutant, diff in survivors(name):
            why = reason(name, mutant, diff)
            (explained if why else unexplained).append((mutant, diff, why))
        counts = {
            "mutants": len(found),
            "killed": statuses.count("killed"),
            "equivalent": len(explained),
            "open": len(unexplained),
            "unchecked": statuses.count("not checked"),
        }
        counts["other"] = len(found) - sum(counts[k] for k in keys[1:5])
        for k in keys:
            totals[k] += counts[k]
        seconds = int(_read(name, "seconds.txt") or 0)
        rows.append(
            f"| `{path}` | "
            + " | ".join(str(counts[k]) for k in keys)
            + f" | {seconds // 60} min {seconds % 60:02d} s | {_read(name, 'workers.txt') or 1}"
            + f" | {_read(name, 'load.txt') or '?'} |"
        )
        if counts["unchecked"]:
            notes.append(
                f"- `{path}`: {counts['unchecked']} of {counts['mutants']} mutants were not reached"
                f" in the {seconds // 60} min {seconds % 60:02d} s its runs were given (mutmut runs"
                " the mutants whose tests are quickest first)."
            )
        notes.append(f"- `{path}` is judged by " + ", ".join(f"`{t}`" for t in tests) + ".")
        other = [f"`{m.rsplit('.', 1)[-1]}` ({s})" for m, s in found if s not in _COUNTED]
        if other:
            notes.append(f"- `{path}`, not killed, not survived: " + ", ".join(other) + ".")
        for mutant, diff, why in unexplained + explained:
            details.append(f"### `{mutant}`\n\n{why or OPEN}\n")
            details.append(f"```diff\n{diff}\n```\n")
    total = "| **all** | " + " | ".join(str(totals[k]) for k in keys) + " | | | |"
    return "\n".join(
        [
            "# Mutation testing",
            "",
            f"Written by `python benchmarks/mutation.py` (mutmut) on {stamp}.",
            "Each module is mutated alone and judged by the fast tests that pin it (below).",
            "A survivor is a mutant no test noticed; each is either explained below as",
            "equivalent (it changes no verdict and no number a user sees) or is a missing test.",
            "In `clusterbook/checks/` and the normaliser, lines whose only Chinese text is a",
            "message's wording are not mutated (`WORDING` in `benchmarks/mutation.py`).",
            "*workers* is how many mutants ran at a time; *load* is the machine's 5-minute load",
            "average when the module's run ended (a load above its 2 cores slows every mutant).",
            "A *timeout* is a mutant whose tests ran more than 5 times as long as without it:",
            "mutmut counts it as caught (a mutant that loops or floods the tests with findings),",
            "but a loaded machine can cause one too, so each is named below.",
            "",
            "| module | mutants | killed | survived, equivalent | survived, not explained |"
            " not run (time limit) | timeout or other | time | workers | load |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            *rows,
            total,
            "",
            *notes,
            "",
            "## Survivors",
            "",
            *(details or ["None."]),
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"some of: {', '.join(MODULES)}")
    parser.add_argument("--report", action="store_true", help="only rewrite MUTATION.md")
    parser.add_argument(
        "--minutes", type=float, help="stop each module after this long (default: its own limit)"
    )
    parser.add_argument(
        "--again", action="store_true", help="re-run only each module's last survivors"
    )
    parser.add_argument(
        "--resume", action="store_true", help="go on with the mutants the last run did not reach"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="mutants run at a time (default 1: a shared machine)"
    )
    args = parser.parse_args()
    unknown = set(args.modules) - set(MODULES)
    if unknown:
        parser.error(f"unknown module(s): {', '.join(sorted(unknown))}")
    if not args.report:
        for name in args.modules or MODULES:
            mode = "again" if args.again else "resume" if args.resume else "new"
            run(name, args.minutes or MODULES[name][2], mode, args.workers)
    REPORT.write_text(report() + "\n", encoding="utf-8")
    print(f"wrote {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
