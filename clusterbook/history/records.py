"""Load the program office's records into the register: rosters of earlier years (歷年輔導名單)
and the units barred under 柒、六(2).

A roster is a table (.xlsx or .csv) whose first row names its columns (matched by label, see
``history.yaml``), or an earlier clusterbook register (.sqlite), whose eligible clusters become
that year's roster. Rows are read like form input: 統一編號 normalised and checksummed, years
and dates in 民國 or 西元; a row that cannot be used is reported and skipped, a repeated row is
reported and loaded once. Loading the same records again changes nothing.
"""

from __future__ import annotations

import csv
import functools
import io
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from clusterbook.choices import choice_key
from clusterbook.findings import Finding, finding
from clusterbook.importers.normalize import NormalizeError, clean_date, clean_text, clean_ubn
from clusterbook.ubn import is_valid_ubn
from clusterbook.workbook.programs import DEFAULT_PROGRAM
from clusterbook.workbook.spec import Program, load_program

RULES = ("HIST-COLUMNS", "HIST-ROW-INVALID", "HIST-ROW-DUPLICATE")


@functools.cache
def history_spec(program: str = DEFAULT_PROGRAM) -> dict[str, Any]:
    """``history.yaml`` of a program folder."""
    path = load_program(program).path / "history.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@dataclass
class Loaded:
    """What one history file gave: rows added, rows already there, findings."""

    source: str
    kind: str  # roster | banned
    added: int = 0
    present: int = 0
    years: list[int] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def fatal(self) -> bool:
        return any(f.fatal for f in self.findings)


def load_records(
    conn: sqlite3.Connection,
    source: str | Path,
    *,
    banned: bool = False,
    year: int | None = None,
    program: str = DEFAULT_PROGRAM,
) -> Loaded:
    """Read one file and add its rows to the register, in one transaction."""
    prog = load_program(program)
    source = str(source)
    out = Loaded(source, "banned" if banned else "roster")
    if not banned and source.lower().endswith((".sqlite", ".db", ".sqlite3")):
        rows = _register_roster(source, prog, out)
    else:
        table = _table(source, prog, out)
        if table is None:
            return out
        rows = _banned_rows(table, prog, out) if banned else _roster_rows(table, prog, out, year)
    if out.fatal:
        return out
    _store(conn, out, rows)
    return out


# -- reading ------------------------------------------------------------------------------------
_ROSTER_FILE = "請提供輔導名單的 Excel 活頁簿 (.xlsx) 或 CSV 檔"
_NOT_A_REGISTER = (
    "不是 clusterbook 總表資料庫（或已損毀）：請指定先前年度以 clusterbook import 建立的總表"
)


def _table(source: str, prog: Program, out: Loaded) -> list[tuple[int, list[Any]]] | None:
    """(row number, cells) of a .csv or of the first sheet of an .xlsx."""
    from clusterbook.importers.xlsx import UnreadableError, os_error, read_xlsx_bytes, sniff

    path = Path(source)
    try:
        if path.is_dir():
            raise UnreadableError("這是資料夾，不是檔案：請指定資料夾裡的名單檔案")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise os_error(exc) from None
        if not data:
            raise UnreadableError("檔案是空的（0 位元組）：可能未完整下載或儲存，請重新取得檔案")
        sniff(data)  # a PDF, an image, an old .xls … is named; plain text is read as CSV
    except UnreadableError as exc:
        if not exc.text:
            out.findings.append(_fatal(prog, source, exc.advise(_ROSTER_FILE)))
            return None
    if data.startswith(b"PK"):
        try:
            book = read_xlsx_bytes(data, source)
            sheet = book.sheet(book.titles[0]) if book.titles else None
        except UnreadableError as exc:
            out.findings.append(_fatal(prog, source, exc.advise(_ROSTER_FILE)))
            return None
        if sheet is None:
            return []
        by_row: dict[int, dict[int, Any]] = {}
        for (r, c), (value, _formula) in sheet.cells.items():
            by_row.setdefault(r, {})[c] = value
        width = max((c for row in by_row.values() for c in row), default=0)
        return [(r, [by_row[r].get(c) for c in range(1, width + 1)]) for r in sorted(by_row)]
    for encoding in ("utf-8-sig", "cp950"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        out.findings.append(_fatal(prog, source, "檔案編碼無法辨識，請另存為 UTF-8 的 CSV"))
        return None
    return [(i, row) for i, row in enumerate(csv.reader(io.StringIO(text)), start=1) if row]


def _columns(
    rows: list[tuple[int, list[Any]]], spec: dict, prog: Program, out: Loaded
) -> dict[str, int] | None:
    """The column index of each known column, by its header label or an alias."""
    if not rows:
        out.findings.append(_missing(prog, out.source, spec, [], []))
        return None
    header = rows[0][1]
    keys = [_header_key(h) for h in header]
    found: dict[str, int] = {}
    for name, col in spec["columns"].items():
        wanted = {_header_key(x) for x in (col["label"], *col.get("aliases", ()))}
        hit = next((i for i, k in enumerate(keys) if k in wanted), None)
        if hit is not None:
            found[name] = hit
    missing = [n for n in spec["required"] if n not in found]
    if missing:
        out.findings.append(_missing(prog, out.source, spec, missing, header))
        return None
    return found


def _rows(rows, cols: dict[str, int]):
    """(row number, a getter of the row's cell by column name) of every non-blank data row."""
    for number, cells in rows[1:]:
        if all(choice_key(v) == "" for v in cells):
            continue

        def get(name: str, cells=cells) -> Any:
            i = cols.get(name)
            return cells[i] if i is not None and i < len(cells) else None

        yield number, get


def _header_key(value: Any) -> str:
    return choice_key(value).replace("台", "臺")


def _roster_rows(rows, prog: Program, out: Loaded, year: int | None) -> list[tuple]:
    spec = history_spec(prog.id)["roster"]
    cols = _columns(rows, spec, prog, out)
    if cols is None:
        return []
    records: list[tuple] = []
    seen: dict[tuple, int] = {}
    for number, get in _rows(rows, cols):
        try:
            row_year = _year(get("year")) if get("year") not in (None, "") else year
            if row_year is None:
                raise NormalizeError("未填年度（或以 --year 指定）")
            cluster = _text(get("cluster"))
            if not cluster:
                raise NormalizeError("未填群聚名稱")
            ubn = _ubn(get("ubn"))
        except NormalizeError as exc:
            out.findings.append(_invalid(prog, out.source, number, exc.reason))
            continue
        key = (row_year, cluster, ubn)
        if key in seen:
            out.findings.append(
                finding(
                    prog,
                    "HIST-ROW-DUPLICATE",
                    file=out.source,
                    value=ubn,
                    row=number,
                    other=seen[key],
                    year=row_year,
                    cluster=cluster,
                )
            )
            continue
        seen[key] = number
        records.append(
            (
                row_year,
                cluster,
                _text(get("category")),
                _text(get("company")),
                ubn,
                _text(get("owner")),
                _text(get("role")),
            )
        )
    return records


def _banned_rows(rows, prog: Program, out: Loaded) -> list[tuple]:
    spec = history_spec(prog.id)["banned"]
    cols = _columns(rows, spec, prog, out)
    if cols is None:
        return []
    records: list[tuple] = []
    for number, get in _rows(rows, cols):
        try:
            ubn = _ubn(get("ubn"))
            day = clean_date(get("date")).value
            if day is None:
                raise NormalizeError("未填日期")
        except NormalizeError as exc:
            out.findings.append(_invalid(prog, out.source, number, exc.reason))
            continue
        records.append((ubn, _text(get("name")), day.isoformat(), _text(get("reason"))))
    return records


def _register_roster(source: str, prog: Program, out: Loaded) -> list[tuple]:
    """An earlier register's current eligible proposals, as that year's roster."""
    from clusterbook.register import load

    if not Path(source).exists():
        out.findings.append(_fatal(prog, source, "找不到總表資料庫"))
        return []
    try:
        frames = load(source, year="all")
    except Exception:  # a file that is not a register of ours
        out.findings.append(_fatal(prog, source, _NOT_A_REGISTER))
        return []
    proposals, members = frames.get("proposals"), frames.get("members")
    if proposals is None or members is None:
        return []
    chosen = proposals[proposals["eligible"]]
    info = chosen.set_index("submission_id")[["year", "cluster_name", "category"]]
    records = []
    for row in members[members["submission_id"].isin(info.index)].itertuples(index=False):
        year, cluster, category = info.loc[row.submission_id]
        if row.ubn and row.name:
            records.append(
                (int(year), cluster, category, row.name, row.ubn, row.owner_name, row.role)
            )
    return records


def _year(raw: Any) -> int:
    from clusterbook.importers.normalize import clean_year

    value = clean_year(raw).value
    if value is None:
        raise NormalizeError("年度無法辨識")
    return int(value)


def _ubn(raw: Any) -> str:
    value = clean_ubn(raw).value
    if value is None:
        raise NormalizeError("未填統一編號")
    if not is_valid_ubn(value):
        raise NormalizeError(f"統一編號 {value} 的檢查碼不正確")
    return value


def _text(raw: Any) -> str | None:
    return clean_text(raw).value if raw is not None else None


# -- storing ------------------------------------------------------------------------------------


def _store(conn: sqlite3.Connection, out: Loaded, records: list[tuple]) -> None:
    table, columns = (
        ("history_banned", ("ubn", "name", "date", "reason"))
        if out.kind == "banned"
        else (
            "history_rosters",
            ("year", "cluster_name", "category", "company", "ubn", "owner", "role"),
        )
    )
    names = ", ".join((*columns, "source"))
    marks = ", ".join("?" * (len(columns) + 1))
    conn.execute("BEGIN IMMEDIATE")
    try:
        before = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        conn.executemany(
            f"INSERT OR IGNORE INTO {table} ({names}) VALUES ({marks})",
            [(*r, Path(out.source).name) for r in records],
        )
        after = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    out.added, out.present = after - before, len(records) - (after - before)
    if out.kind == "roster":
        out.years = sorted({r[0] for r in records})


def summary(conn: sqlite3.Connection) -> tuple[list[tuple[int, int, int]], int]:
    """(year, clusters, firms) of every roster year, and the number of barred units."""
    years = conn.execute(
        "SELECT year, COUNT(DISTINCT cluster_name), COUNT(DISTINCT ubn) FROM history_rosters"
        " GROUP BY year ORDER BY year"
    ).fetchall()
    banned = conn.execute("SELECT COUNT(DISTINCT ubn) FROM history_banned").fetchone()[0]
    return years, banned


# -- findings -----------------------------------------------------------------------------------


def _fatal(prog: Program, source: str, reason: str) -> Finding:
    return finding(prog, "FILE-UNREADABLE", file=source, reason=reason)


def _invalid(prog: Program, source: str, row: int, reason: str) -> Finding:
    return finding(prog, "HIST-ROW-INVALID", file=source, row=row, reason=reason)


def _missing(prog, source: str, spec: dict, missing: list[str], header: list[Any]) -> Finding:
    labels = "、".join(f"「{spec['columns'][n]['label']}」" for n in missing or spec["required"])
    found = "、".join(str(h) for h in header if h not in (None, "")) or "（空白）"
    return finding(prog, "HIST-COLUMNS", file=source, missing=labels, found=found)
