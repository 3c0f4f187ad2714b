"""Durability of the register under real processes: concurrent imports and SIGKILL mid-write.

Every scenario runs ``clusterbook import`` in subprocesses, either as is (``python -m
clusterbook``) or through HARNESS, a ``python -c`` wrapper that only patches from the outside:
it times each ``BEGIN IMMEDIATE`` (and counts the ones that gave up on the busy timeout), can
shorten the busy timeout, can hold every write transaction open a little longer (slow commits),
and can hang inside the n-th write transaction (after all its rows are inserted, before COMMIT)
so that a SIGKILL lands in an open write transaction every time.

After every kill the register is checked on a copy (so that the next import, not the checker,
is the one that recovers the WAL): integrity, no orphan rows, every submission complete and equal
to the same proposal imported alone into a clean register.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from clusterbook.register import import_sources
from clusterbook.register.store import connect
from clusterbook.samples import random_proposal
from clusterbook.workbook.spec import load_program

ROOT = Path(__file__).resolve().parent.parent
SEEDS = range(9100, 9124)  # 2 × 12 distinct proposals
MEMBERS = 12
TIMEOUT = 90  # seconds; only ever a ceiling for polling, never an expectation

GENERATE = """
import sys
from pathlib import Path
from clusterbook.samples import random_proposal
from clusterbook.workbook.fill import fill_file
from clusterbook.workbook.xlsx import template_bytes
out, members = Path(sys.argv[1]), int(sys.argv[2])
template = out / f"template-{sys.argv[3]}.xlsx"
template.write_bytes(template_bytes("dc112"))
for seed in map(int, sys.argv[3:]):  # filled in as an applicant would: quicker than filled_bytes
    fill_file(str(template), random_proposal(seed, members=members), str(out / f"p{seed}.xlsx"))
"""

HARNESS = r"""
import json, os, sqlite3, sys, time
from pathlib import Path

cfg = json.loads(sys.argv[1])
sys.argv = ["clusterbook", *sys.argv[2:]]
marks = Path(cfg["marks"])
stats = {"waits": [], "locked": 0}


class Timed(sqlite3.Connection):
    def execute(self, sql, *args):
        if sql != "BEGIN IMMEDIATE":
            return super().execute(sql, *args)
        (marks / f"begin-{os.getpid()}").touch()
        start = time.perf_counter()
        try:
            return super().execute(sql, *args)
        except sqlite3.OperationalError:
            stats["locked"] += 1
            raise
        finally:
            stats["waits"].append(time.perf_counter() - start)


_connect = sqlite3.connect
sqlite3.connect = lambda *a, **k: _connect(*a, factory=Timed, **k)

from clusterbook.register import crosscheck, store

if cfg.get("busy_ms"):
    store.BUSY_TIMEOUT_MS = cfg["busy_ms"]
_cross_check = crosscheck.cross_check
calls = 0


def cross_check(conn, sid):
    global calls
    found = _cross_check(conn, sid)
    calls += 1
    time.sleep(cfg.get("hold", 0))
    if calls == cfg.get("hang_at"):
        if cfg.get("spill"):  # more than the page cache holds: uncommitted pages go to the WAL
            conn.executemany(
                "INSERT INTO findings (submission_id, rule, severity, message)"
                " VALUES (?, 'JUNK', 'info', ?)",
                [(sid, "x" * 2000)] * 3000,
            )
        (marks / "hang.tmp").write_text(str(sid))
        (marks / "hang.tmp").replace(marks / "hang")
        time.sleep(600)
    return found


crosscheck.cross_check = cross_check
try:
    from clusterbook.cli import main

    main()
finally:
    (marks / f"stats-{os.getpid()}.json").write_text(json.dumps(stats))
"""

OPEN_AT_ONCE = """
import json, os, sys, time
from pathlib import Path
from clusterbook.register.store import connect
where, rounds = Path(sys.argv[1]), int(sys.argv[2])
(where / f"ready-{os.getpid()}").touch()
while not (where / "go").exists():
    time.sleep(0.001)
start = float((where / "go").read_text())
failures = []
for i in range(rounds):
    time.sleep(max(0.0, start + 0.05 * i - time.time()))
    try:
        conn = connect(where / f"register-{i}.sqlite")
        conn.execute("SELECT count(*) FROM submissions").fetchone()
        conn.close()
    except Exception as exc:
        failures.append(f"round {i}: {type(exc).__name__}: {exc}")
print(json.dumps(failures))
"""

LINE = re.compile(r"^(新匯入|新版本|未變更|無法讀取)(?: 第 \d+ 版)?：(.+?)（", re.MULTILINE)


@dataclass
class Corpus:
    files: list[Path]
    members: dict[str, int]  # proposal key → members generated
    reference: dict[str, dict]  # proposal key → its content in a register holding it alone


@dataclass
class Run:
    proc: subprocess.Popen
    out: Path
    err: Path
    marks: Path

    def finish(self, timeout: float = TIMEOUT) -> tuple[int, str, str]:
        rc = self.proc.wait(timeout)
        return rc, self.out.read_text("utf-8"), self.err.read_text("utf-8")

    def stats(self) -> dict:
        path = self.marks / f"stats-{self.proc.pid}.json"
        return json.loads(path.read_text()) if path.exists() else {"waits": [], "locked": 0}


def _env() -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Corpus:
    """24 distinct proposal workbooks (written by two processes at once) and their reference."""
    out = tmp_path_factory.mktemp("corpus")
    seeds = [str(s) for s in SEEDS]
    halves = [seeds[: len(seeds) // 2], seeds[len(seeds) // 2 :]]
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", GENERATE, str(out), str(MEMBERS), *half],
            env=_env(),
            stdin=subprocess.DEVNULL,
        )
        for half in halves
    ]
    assert [w.wait(TIMEOUT) for w in writers] == [0, 0]
    files = [out / f"p{s}.xlsx" for s in seeds]
    members = {}
    year = load_program("dc112").params["year_roc"]  # the register keys proposals by year
    for seed in SEEDS:
        data = random_proposal(seed, members=MEMBERS)
        members[f"{year}|{data.fields['unit.ubn']}|{data.fields['proposal.cluster_name']}"] = len(
            data.tables["members"]
        )
    assert len(members) == len(files), "the seeds must give distinct proposal keys"
    reference = {}
    for path in files:  # each proposal alone: what it must look like in any register
        db = out / f"alone-{path.stem}.sqlite"
        summary = import_sources([str(path)], db)
        assert summary.exit_code == 0 and summary.results[0].status == "imported"
        reference.update(content(db))
    assert set(reference) == set(members)
    return Corpus(files, members, reference)


@pytest.fixture
def spawn(tmp_path):
    """Start `clusterbook import` processes; kill (by pid) whatever is still running at the end."""
    started: list[Run] = []
    marks = tmp_path / "marks"
    marks.mkdir()

    def start(files: list[Path], db: Path, harness: dict | None = None) -> Run:
        n = len(started)
        args = ["import", *map(str, files), "--register", str(db), "--jobs", "1"]
        if harness is None:
            cmd = [sys.executable, "-m", "clusterbook", *args]
        else:
            cmd = [
                sys.executable,
                "-c",
                HARNESS,
                json.dumps({**harness, "marks": str(marks)}),
                *args,
            ]
        out, err = tmp_path / f"run{n}.out", tmp_path / f"run{n}.err"
        with out.open("wb") as o, err.open("wb") as e:
            proc = subprocess.Popen(
                cmd, stdout=o, stderr=e, stdin=subprocess.DEVNULL, cwd=tmp_path, env=_env()
            )
        started.append(Run(proc, out, err, marks))
        return started[-1]

    yield start
    for run in started:
        if run.proc.poll() is None:
            run.proc.kill()
        run.proc.wait()


def wait_for(condition: Callable[[], object], what: str, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.002)
    return value


def _tables(conn: sqlite3.Connection) -> dict[str, list[str]]:
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {n: [r[1] for r in conn.execute(f'PRAGMA table_info("{n}")')] for n in names}


def content(db: Path) -> dict[str, dict]:
    """Proposal key → its submission and every row that belongs to it, ids left out."""
    with closing(sqlite3.connect(db)) as conn:
        out: dict[str, dict] = {}
        keys = {}
        for sid, key, *row in conn.execute(
            "SELECT id, proposal_key, revision, sha256, template_id, program, version, spec_hash,"
            " errors, warnings, infos FROM submissions"
        ):
            keys[sid] = key
            out[key] = {"submissions": [tuple(row)]}
        for table, columns in _tables(conn).items():
            if table == "submissions" or "submission_id" not in columns:
                continue
            kept = [f'"{c}"' for c in columns if c not in ("submission_id", "other_submission_id")]
            for sid, *row in conn.execute(
                f'SELECT submission_id, {", ".join(kept)} FROM "{table}"'
            ):
                out[keys[sid]].setdefault(table, []).append(tuple(row))
    for tables in out.values():
        for rows in tables.values():
            rows.sort(key=repr)
    return out


def count(db: Path) -> int:
    """Committed submissions, as any reader sees them (0 before the schema exists)."""
    try:
        with closing(sqlite3.connect(db, timeout=5)) as conn:
            return conn.execute("SELECT count(*) FROM submissions").fetchone()[0]
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return 0
        raise


def write_lock_held(db: Path) -> bool:
    """True when some connection holds the register's write lock right now."""
    with closing(sqlite3.connect(db, timeout=0, isolation_level=None)) as conn:
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
            return True
        conn.execute("ROLLBACK")
        return False


def assert_consistent(db: Path, corpus: Corpus) -> int:
    """Integrity, no orphans, every submission whole and exactly once; returns how many."""
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        for table, columns in _tables(conn).items():
            for column in ("submission_id", "other_submission_id"):
                if column in columns:
                    orphans = conn.execute(
                        f'SELECT count(*) FROM "{table}" WHERE "{column}" IS NOT NULL'
                        f' AND "{column}" NOT IN (SELECT id FROM submissions)'
                    ).fetchone()[0]
                    assert orphans == 0, f"{orphans} orphan rows in {table}.{column}"
        keys = [k for (k,) in conn.execute("SELECT proposal_key FROM submissions")]
        revised = conn.execute("SELECT count(*) FROM submissions WHERE revision != 1").fetchone()
        assert revised == (0,)
    assert [k for k, n in Counter(keys).items() if n > 1] == []
    found = content(db)
    for key, tables in found.items():
        assert len(tables.get("proposals", [])) == 1, key
        assert len(tables.get("members", [])) == corpus.members[key], key
        assert tables.get("findings"), key
        assert tables == corpus.reference[key], f"{key} differs from the proposal imported alone"
    return len(keys)


def settled_copy(db: Path, dest: Path) -> Path:
    """The register files as a crash left them, copied, so checking them recovers only the copy."""
    dest.mkdir()
    for suffix in ("", "-wal"):
        src = Path(f"{db}{suffix}")
        if src.exists():
            shutil.copyfile(src, dest / f"{db.name}{suffix}")
    return dest / db.name


def statuses(runs: list[tuple[list[Path], str]]) -> dict[str, Counter]:
    """Source → how often each status was printed over all the runs."""
    out: dict[str, Counter] = {}
    for files, stdout in runs:
        printed = LINE.findall(stdout)
        assert sorted(src for _, src in printed) == sorted(map(str, files)), stdout
        for status, src in printed:
            out.setdefault(src, Counter())[status] += 1
    return out


def assert_clean_exit(rc: int, stdout: str, stderr: str) -> None:
    assert rc == 0, f"exit {rc}\n{stdout}\n{stderr}"
    for bad in ("Traceback", "locked", "錯誤"):  # 錯誤：… / 未預期的錯誤（…）：…
        assert bad not in stderr, stderr


# ---------------------------------------------------------------------------------------------
# Concurrency


def test_a_new_register_opened_by_many_processes_at_once(tmp_path):
    """Imports started together on a register that does not exist yet all get a WAL register.

    Six processes open 30 new registers, each at the same instant. Switching a new database to
    WAL is a race that SQLite reports to the losers as "database is locked" at once, without
    waiting on the busy timeout; connect() must ride it out.
    """
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AT_ONCE, str(tmp_path), "30"],
            stdout=subprocess.PIPE,
            text=True,
            env=_env(),
            stdin=subprocess.DEVNULL,
        )
        for _ in range(6)
    ]
    try:
        wait_for(lambda: len(list(tmp_path.glob("ready-*"))) == len(procs), "ready processes")
        (tmp_path / "go.tmp").write_text(str(time.time() + 0.2))
        (tmp_path / "go.tmp").replace(tmp_path / "go")
        results = [p.communicate(timeout=TIMEOUT) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.wait()
            if p.stdout:
                p.stdout.close()
    failures = [f for out, _ in results for f in json.loads(out)]
    assert failures == []
    assert [p.returncode for p in procs] == [0] * len(procs)
    for i in range(30):
        with closing(sqlite3.connect(tmp_path / f"register-{i}.sqlite")) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


@pytest.mark.parametrize("mode", ["plain", "slow-commits", "busy-timeout-retries"])
def test_concurrent_imports_lose_nothing(tmp_path, corpus, spawn, mode):
    """Two imports of 12 proposals each, plus a third of all 24 in reverse, run at once.

    plain: the real command on a register that none of them has created yet.
    slow-commits: every write transaction held open 20 ms longer, and all three start by
    queuing behind a write lock the test holds (they wait on the busy timeout).
    busy-timeout-retries: the same with a 100 ms busy timeout, so that BEGIN IMMEDIATE gives up
    with "database is locked" and store.py's retries must carry the import.
    """
    db = tmp_path / "register.sqlite"
    first, second = corpus.files[:12], corpus.files[12:]
    plan = [first, second, list(reversed(corpus.files))]
    harness = {
        "plain": None,
        "slow-commits": {"hold": 0.02},
        "busy-timeout-retries": {"hold": 0.02, "busy_ms": 100},
    }[mode]
    if harness is None:
        runs = [spawn(files, db) for files in plan]
    else:
        connect(db).close()  # the schema exists, so the processes queue only on the write lock
        with closing(sqlite3.connect(db, isolation_level=None)) as blocker:
            blocker.execute("BEGIN IMMEDIATE")
            runs = [spawn(files, db, harness) for files in plan]
            marks = tmp_path / "marks"
            if mode == "slow-commits":  # wait until all three are queued (the timeout is 30 s)
                wait_for(lambda: len(list(marks.glob("begin-*"))) == 3, "three queued imports")
            else:  # a few retries only: let the first one give up at least once
                wait_for(lambda: list(marks.glob("begin-*")), "a queued import")
            time.sleep(0.5)
            blocker.execute("ROLLBACK")

    outputs = []
    for files, run in zip(plan, runs, strict=True):
        rc, stdout, stderr = run.finish()
        assert_clean_exit(rc, stdout, stderr)
        outputs.append((files, stdout))

    seen = statuses(outputs)
    assert set(seen) == {str(f) for f in corpus.files}
    for src, counter in seen.items():
        assert counter["新匯入"] == 1, (src, counter)  # imported by exactly one process
        assert set(counter) <= {"新匯入", "未變更"}, (src, counter)  # the others: unchanged
    assert assert_consistent(db, corpus) == len(corpus.files)
    assert set(content(db)) == set(corpus.members)
    with closing(sqlite3.connect(db)) as conn:
        per_key = conn.execute(
            "SELECT max(n) FROM (SELECT count(*) n FROM submissions GROUP BY proposal_key)"
        ).fetchone()[0]
    assert per_key == 1

    if harness is not None:
        stats = [run.stats() for run in runs]
        waits = [w for s in stats for w in s["waits"]]
        locked = sum(s["locked"] for s in stats)
        print(
            f"\n{mode}: {len(waits)} BEGIN IMMEDIATE, longest wait {max(waits):.3f}s,"
            f" {sum(w > 0.005 for w in waits)} waited > 5 ms, {locked} gave up and were retried"
        )
        if mode == "slow-commits":
            assert max(waits) > 0.2  # they did queue behind the lock held above
        else:
            assert locked >= 1  # and gave up on the short busy timeout: store.py retried


# ---------------------------------------------------------------------------------------------
# SIGKILL mid-write


def test_sigkill_mid_write_leaves_a_consistent_register(tmp_path, corpus, spawn):
    """Kill imports inside a write transaction, again and again; the next imports complete it."""
    db = tmp_path / "register.sqlite"
    rng = random.Random(20240601)
    committed = 0  # submissions in the register after the last kill
    log = []

    def shuffled() -> list[Path]:
        files = list(corpus.files)
        rng.shuffle(files)
        return files

    def kill(run: Run) -> int:
        """SIGKILL the import; check a copy of what it left; the number of submissions kept."""
        os.kill(run.proc.pid, signal.SIGKILL)
        assert run.proc.wait(TIMEOUT) == -signal.SIGKILL
        return assert_consistent(settled_copy(db, tmp_path / f"after-kill-{len(log)}"), corpus)

    # 1. Deterministic: the n-th new import of the run hangs inside its transaction (its rows
    #    inserted and cross-checked, no COMMIT) and is killed there. With spill, ~6 MB more of
    #    uncommitted rows overflow SQLite's page cache into the WAL file before the kill.
    marker = tmp_path / "marks" / "hang"
    for hang_at, spill in [(1, False), (3, True), (5, False)]:
        run = spawn(shuffled(), db, {"hang_at": hang_at, "spill": spill})
        wait_for(lambda run=run: marker.exists() or run.proc.poll() is not None, "the hang")
        assert run.proc.poll() is None, run.finish()
        sid = int(marker.read_text())
        marker.unlink()
        assert write_lock_held(db)  # so the kill lands in an open write transaction
        assert count(db) == committed + hang_at - 1  # which no reader sees
        wal = Path(f"{db}-wal").stat().st_size
        if spill:
            assert wal > 4_000_000  # its uncommitted pages are in the WAL file
        kept = kill(run)
        assert kept == committed + hang_at - 1
        with closing(sqlite3.connect(tmp_path / f"after-kill-{len(log)}" / db.name)) as conn:
            gone = "SELECT count(*) FROM submissions WHERE id = ?"
            assert conn.execute(gone, (sid,)).fetchone() == (0,)
            junk = "SELECT count(*) FROM findings WHERE rule = 'JUNK'"
            assert conn.execute(junk).fetchone() == (0,)
        log.append(f"hang in new import #{hang_at} (spill={spill}, WAL {wal} B): kept {kept}")
        committed = kept

    # 2. The real command, killed once one or two more imports have committed: either as soon
    #    as the test sees the write lock held (mid-transaction), or at a random instant.
    proven = 0
    for attempt, when in enumerate(["lock", "random", "lock", "random", "lock"]):
        run = spawn(shuffled(), db)
        target = committed + 1 + attempt % 2
        wait_for(
            lambda run=run, target=target: count(db) >= target or run.proc.poll() is not None,
            f"{target} committed imports",
        )
        assert run.proc.poll() is None, run.finish()
        seen = []  # the count read just before the write lock was seen held
        if when == "lock":

            def in_transaction(run=run, seen=seen) -> bool:
                assert run.proc.poll() is None, "the import ended before a kill mid-transaction"
                seen[:] = [count(db)]
                return write_lock_held(db)

            wait_for(in_transaction, "an open write transaction")
        else:
            time.sleep(rng.uniform(0, 0.1))
        kept = kill(run)
        assert kept >= committed
        # nothing committed between that read and the kill: the open transaction was lost whole
        mid = when == "lock" and kept == seen[0]
        proven += mid
        log.append(f"{when} kill: kept {committed} → {kept}" + (" (mid-transaction)" * mid))
        committed = kept

    # 3. The next import, and a concurrent one in the opposite order, recover the register and
    #    complete it.
    assert committed < len(corpus.files)
    files = shuffled()
    plan = [files, list(reversed(files))]
    runs = [spawn(f, db) for f in plan]
    outputs = []
    for f, run in zip(plan, runs, strict=True):
        rc, stdout, stderr = run.finish()
        assert_clean_exit(rc, stdout, stderr)
        outputs.append((f, stdout))
    seen_status = statuses(outputs)
    new = [src for src, c in seen_status.items() if c["新匯入"]]
    assert all(c["新匯入"] <= 1 and set(c) <= {"新匯入", "未變更"} for c in seen_status.values())
    assert len(new) == len(corpus.files) - committed
    assert assert_consistent(db, corpus) == len(corpus.files)
    assert set(content(db)) == set(corpus.members)
    print("\n" + "\n".join(log) + f"\nlock-timed kills proven mid-transaction: {proven}/3")
