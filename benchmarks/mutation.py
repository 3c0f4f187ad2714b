"""Mutation testing of the rules: mutmut makes one-line changes (mutants) to each module that
decides a verdict or a figure, runs the fast tests that pin it, and every mutant the tests
miss (a survivor) is listed in benchmarks/MUTATION.md, with the reason it changes nothing a user
sees when it is equivalent.

    pip install -e '.[dev]'
    python benchmarks/mutation.py                 # every module, one after the other
    python benchmarks/mutation.py ubn formulas    # some modules (names as in MODULES)
    python benchmarks/mutation.py --report        # rewrite MUTATION.md from the last runs

One worker (the machine is shared); each module runs in its own folder under
benchmarks/.mutation/ with its own test selection, so a survivor costs seconds, not minutes.
Not part of .ci/run: run it before a release and keep MUTATION.md true.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".mutation"
REPORT = HERE / "MUTATION.md"

FAST = ["tests/test_limits.py", "tests/test_derived.py", "tests/test_rules.py"]
MODULES = {
    # name: (module file, the tests that pin it)
    "ubn": ("clusterbook/ubn.py", ["tests/test_ubn.py"]),
    "choices": ("clusterbook/choices.py", ["tests/test_normalize.py", "tests/test_derived.py"]),
    "normalize": ("clusterbook/importers/normalize.py", ["tests/test_normalize.py"]),
    "crosscheck": ("clusterbook/register/crosscheck.py", ["tests/test_crosscheck.py"]),
    "formulas": ("clusterbook/checks/formulas.py", ["tests/test_tamper.py"]),
    "fields": ("clusterbook/checks/fields.py", [*FAST, "tests/test_eligibility.py"]),
    "plan": ("clusterbook/checks/plan.py", [*FAST, "tests/test_eligibility.py"]),
    "eligibility": ("clusterbook/checks/eligibility.py", [*FAST, "tests/test_eligibility.py"]),
    "derive": ("clusterbook/checks/derive.py", [*FAST, "tests/test_eligibility.py"]),
}

# Survivors that change no verdict and no number a user sees, each with the reason. A survivor
# matches when it is in this module and function and its diff removes a line containing
# ``removed`` and adds one containing ``added``.
EQUIVALENT = [
    # (module, function, removed, added, reason)
    (
        "ubn",
        "_checksum",
        "strict=False",
        "zip(digits, _WEIGHTS, ",
        "the number is always 8 digits (checked before), as many as the weights: zip's strict"
        " flag never matters",
    ),
    (
        "ubn",
        "ubn_check_digit_candidates",
        '"0123456789"',
        '"XX0123456789XX"',
        "a prefix plus X is never a valid number, so the extra candidates are all dropped",
    ),
]


def mutmut(folder: Path, *args: str, log=None) -> str:
    exe = Path(sys.executable).with_name("mutmut")
    out = subprocess.run(
        [str(exe), *args],
        cwd=folder,
        check=False,
        text=True,
        stdout=log or subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    return out.stdout or ""


def prepare(name: str) -> Path:
    """A folder for one module: the sources and tests, and a pyproject.toml whose [tool.mutmut]
    mutates that module with its own tests (mutmut reads its settings from the folder)."""
    path, tests = MODULES[name]
    folder = WORK / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for part in ("clusterbook", "tests"):
        (folder / part).symlink_to(ROOT / part, target_is_directory=True)
    project = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    project = project[: project.index("[tool.mutmut]")] if "[tool.mutmut]" in project else project
    selection = ", ".join(f'"{t}"' for t in tests)
    project += (
        "[tool.mutmut]\n"
        'source_paths = ["clusterbook"]\n'
        f'only_mutate = ["{path}"]\n'
        f"pytest_add_cli_args_test_selection = [{selection}]\n"
        "timeout_multiplier = 5.0\n"
    )
    (folder / "pyproject.toml").write_text(project, encoding="utf-8")
    return folder


def run(name: str) -> None:
    folder = prepare(name)
    print(f"mutating {MODULES[name][0]} …", flush=True)
    with (folder / "mutmut.log").open("w", encoding="utf-8") as log:
        mutmut(folder, "run", "--max-children", "1", log=log)
    (folder / "results.txt").write_text(mutmut(folder, "results", "--all", "true"), "utf-8")
    survivors = [m for m, status in results(name) if status == "survived"]
    shows = [mutmut(folder, "show", m) for m in survivors]
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
    for module, func, old, new, why in EQUIVALENT:
        if (
            (module, func) == (name, function(mutant))
            and any(old in x for x in removed)
            and any(new in x for x in added)
        ):
            return why
    return None


def report() -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    rows, details = [], []
    totals = {"mutants": 0, "killed": 0, "equivalent": 0, "open": 0, "other": 0}
    for name, (path, _tests) in MODULES.items():
        found = results(name)
        if not found:
            rows.append(f"| `{path}` | not run | | | | |")
            continue
        statuses = [s for _, s in found]
        killed = statuses.count("killed")
        explained = []
        unexplained = []
        for mutant, diff in survivors(name):
            why = reason(name, mutant, diff)
            (explained if why else unexplained).append((mutant, diff, why))
        other = len(found) - killed - len(explained) - len(unexplained)
        totals["mutants"] += len(found)
        totals["killed"] += killed
        totals["equivalent"] += len(explained)
        totals["open"] += len(unexplained)
        totals["other"] += other
        rows.append(
            f"| `{path}` | {len(found)} | {killed} | {len(explained)} | {len(unexplained)} |"
            f" {other} |"
        )
        for mutant, diff, why in unexplained + explained:
            details.append(f"### `{mutant}`\n\n{why or '**Not explained: add a test.**'}\n")
            details.append(f"```diff\n{diff}\n```\n")
    total = (
        f"| **all** | {totals['mutants']} | {totals['killed']} | {totals['equivalent']} |"
        f" {totals['open']} | {totals['other']} |"
    )
    tests = sorted({t for _, ts in MODULES.values() for t in ts})
    return "\n".join(
        [
            "# Mutation testing",
            "",
            f"Written by `python benchmarks/mutation.py` (mutmut, one worker) on {stamp}.",
            "Each module is mutated alone and judged by the tests that pin it:",
            ", ".join(f"`{t}`" for t in tests) + ".",
            "A survivor is a mutant no test noticed; each is either explained below as",
            "equivalent (it changes no verdict and no number a user sees) or is a missing test.",
            "",
            "| module | mutants | killed | survived, equivalent | survived, not explained |"
            " timeout or other |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
            *rows,
            total,
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
    args = parser.parse_args()
    unknown = set(args.modules) - set(MODULES)
    if unknown:
        parser.error(f"unknown module(s): {', '.join(sorted(unknown))}")
    if not args.report:
        for name in args.modules or MODULES:
            run(name)
    REPORT.write_text(report() + "\n", encoding="utf-8")
    print(f"wrote {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
