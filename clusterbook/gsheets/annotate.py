"""Write findings back into an applicant's spreadsheet: cell notes, colours and a 檢核結果 sheet.

What is written goes back to the applicant: a finding whose message names another proposal
shows the rule's ``applicant_message`` instead (see :func:`~clusterbook.findings.for_applicant`).
A run replaces the previous one: the 檢核結果 sheet remembers which cells were annotated (its
儲存格 column links to them), and those cells get their template look back (no note, the
background of their Layout style role) before the new findings are applied. Three requests:
metadata get, values.batchGet (``_meta`` and the previous list), one batchUpdate.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import gspread

from clusterbook.findings import SEVERITIES, SEVERITY_LABELS, Finding, for_applicant
from clusterbook.gsheets.build import extended_value
from clusterbook.gsheets.errors import SheetsError, api_errors, not_template
from clusterbook.gsheets.formats import SEVERITY_FILLS, cell_format, color, role_background
from clusterbook.gsheets.grid import grid_range
from clusterbook.gsheets.urls import spreadsheet_key, spreadsheet_url
from clusterbook.workbook import a1
from clusterbook.workbook.grid import META_SHEET, Layout
from clusterbook.workbook.layout import build_layout
from clusterbook.workbook.programs import SpecError

RESULTS_SHEET = "檢核結果"
RESULTS_HEADER = ("嚴重度", "規則", "工作表", "儲存格", "訊息", "內容")
RESULTS_WIDTHS = (60, 150, 110, 70, 520, 200)
_LINK = re.compile(r'^=HYPERLINK\("#gid=(\d+)&range=([A-Z]{1,3}[0-9]+)"')

Target = tuple[int, int, int]
"""(sheetId, row, col) of an annotated cell, 1-based."""


def annotate(
    client: gspread.Client,
    key_or_url: str,
    findings: list[Finding],
    *,
    program: str | None = None,
) -> None:
    """Annotate the cells named by ``findings`` and (re)write the 檢核結果 sheet.

    ``program`` (an id or a program folder) defaults to the one recorded in ``_meta``; its
    Layout gives the background each previously annotated cell returns to.
    """
    key = spreadsheet_key(key_or_url)
    url = spreadsheet_url(key)
    with api_errors(client, f"試算表 {url}"):
        meta = client.http_client.fetch_sheet_metadata(
            key, params={"fields": "sheets(properties(sheetId,title))"}
        )
        ids = {
            s["properties"]["title"]: s["properties"].get("sheetId", 0)
            for s in meta.get("sheets", [])
        }
        if META_SHEET not in ids:
            raise not_template(url)
        ranges = [f"{a1.quote_sheet(META_SHEET)}!A1:B"]
        if RESULTS_SHEET in ids:
            ranges.append(f"{a1.quote_sheet(RESULTS_SHEET)}!C2:D")
        got = client.http_client.values_batch_get(
            key, ranges, params={"valueRenderOption": "FORMULA"}
        )["valueRanges"]
        recorded = dict(row[:2] for row in got[0].get("values", []) if len(row) >= 2)
        layout = _layout(program or str(recorded.get("program", "")))
        findings = for_applicant(findings, layout.program)
        previous = _previous(got[1].get("values", []) if len(got) > 1 else [])
        requests = _requests(layout, ids, findings, previous)
        client.http_client.batch_update(key, {"requests": requests})


def _layout(program: str) -> Layout:
    try:
        return build_layout(program)
    except SpecError as err:
        raise SheetsError(
            f"無法載入這份試算表的提案規格 {program!r}：{err}（可用 program 參數指定規格資料夾）",
            kind="invalid",
        ) from None


def _previous(rows: list[list[Any]]) -> set[Target]:
    """The cells the last run annotated, from the links in 檢核結果's 儲存格 column."""
    out = set()
    for row in rows:
        link = _LINK.match(str(row[1])) if len(row) > 1 else None
        if link:
            out.add((int(link.group(1)), *a1.parse_cell(link.group(2))))
    return out


def _target(f: Finding, ids: dict[str, int]) -> Target | None:
    """The cell a finding names (the top-left one of a range), if it is in the spreadsheet."""
    if f.sheet not in ids or not f.cell:
        return None
    try:
        r, c, _, _ = a1.parse_area(f.cell.replace("$", ""))
    except ValueError:
        return None
    return ids[f.sheet], r, c


def _rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def _requests(
    layout: Layout, ids: dict[str, int], findings: list[Finding], previous: set[Target]
) -> list[dict[str, Any]]:
    notes: dict[Target, list[Finding]] = defaultdict(list)
    for f in findings:
        if (target := _target(f, ids)) is not None:
            notes[target].append(f)
    titles = {sid: title for title, sid in ids.items()}
    reqs = [_restore(layout, titles.get(t[0], ""), t) for t in sorted(previous - notes.keys())]
    reqs += [_mark(t, fs) for t, fs in sorted(notes.items())]
    ordered = sorted(findings, key=lambda f: _rank(f.severity))
    return reqs + _results(ids, [(f, _target(f, ids)) for f in ordered])


def _one_cell(target: Target) -> dict[str, Any]:
    sid, r, c = target
    return grid_range(sid, (r, c, r, c))


def _restore(layout: Layout, title: str, target: Target) -> dict[str, Any]:
    """Back to the template: no note, the background of the cell's Layout style role."""
    sheet = next((s for s in layout.sheets if s.title == title), None)
    cell = sheet.cells.get(target[1:]) if sheet is not None else None
    background = role_background(cell.style if cell is not None else None)
    fmt = {"backgroundColor": background} if background else {}
    return {
        "repeatCell": {
            "range": _one_cell(target),
            "cell": {"userEnteredFormat": fmt} if fmt else {},
            "fields": "note,userEnteredFormat.backgroundColor",
        }
    }


def _mark(target: Target, findings: list[Finding]) -> dict[str, Any]:
    worst = min(findings, key=lambda f: _rank(f.severity)).severity
    note = "\n".join(
        f"【{SEVERITY_LABELS.get(f.severity, f.severity)}】{f.message}（{f.rule}）"
        for f in sorted(findings, key=lambda f: _rank(f.severity))
    )
    cell: dict[str, Any] = {"note": note}
    if worst in SEVERITY_FILLS:
        cell["userEnteredFormat"] = {"backgroundColor": color(SEVERITY_FILLS[worst])}
    return {
        "repeatCell": {
            "range": _one_cell(target),
            "cell": cell,
            "fields": "note,userEnteredFormat.backgroundColor",
        }
    }


def _text(value: Any) -> dict[str, Any]:
    """A cell showing a value; never a formula, whatever the text starts with."""
    if value is None or value == "":
        return {}
    return {"userEnteredValue": extended_value(value)}


def _results(
    ids: dict[str, int], rows: list[tuple[Finding, Target | None]]
) -> list[dict[str, Any]]:
    """Create or resize 檢核結果, then rewrite all of it (stale rows and formats are cleared)."""
    header = cell_format("header")
    data = [
        {
            "values": [
                {"userEnteredValue": {"stringValue": h}, "userEnteredFormat": header}
                for h in RESULTS_HEADER
            ]
        }
    ]
    for f, target in rows:
        label = _text(SEVERITY_LABELS.get(f.severity, f.severity))
        if f.severity in SEVERITY_FILLS:
            label["userEnteredFormat"] = {"backgroundColor": color(SEVERITY_FILLS[f.severity])}
        if target is None:
            where = _text(f.cell)
        else:
            ref = a1.cell(*target[1:])
            link = f'=HYPERLINK("#gid={target[0]}&range={ref}","{ref}")'
            where = {"userEnteredValue": {"formulaValue": link}}
        wrap = {"wrapStrategy": "WRAP", "verticalAlignment": "TOP"}
        message = {**_text(f.message), "userEnteredFormat": wrap}
        data.append(
            {"values": [label, _text(f.rule), _text(f.sheet), where, message, _text(f.value)]}
        )
    if not rows:
        data.append({"values": [{}, {}, {}, {}, _text("沒有檢核問題。"), {}]})
    size = {"rowCount": len(data), "columnCount": len(RESULTS_HEADER), "frozenRowCount": 1}
    reqs: list[dict[str, Any]] = []
    if RESULTS_SHEET in ids:
        sid = ids[RESULTS_SHEET]
        reqs.append(
            {
                "updateSheetProperties": {
                    "properties": {"sheetId": sid, "gridProperties": size},
                    "fields": "gridProperties(rowCount,columnCount,frozenRowCount)",
                }
            }
        )
    else:
        sid = max(ids.values(), default=0) + 1
        reqs.append(
            {
                "addSheet": {
                    "properties": {
                        "sheetId": sid,
                        "title": RESULTS_SHEET,
                        "index": 0,
                        "gridProperties": size,
                    }
                }
            }
        )
        reqs.append(
            {
                "addProtectedRange": {
                    "protectedRange": {
                        "range": {"sheetId": sid},
                        "description": f"{RESULTS_SHEET}：由 clusterbook 產生",
                        "warningOnly": False,
                    }
                }
            }
        )
        reqs += [
            {
                "updateDimensionProperties": {
                    "range": {
                        "sheetId": sid,
                        "dimension": "COLUMNS",
                        "startIndex": i,
                        "endIndex": i + 1,
                    },
                    "properties": {"pixelSize": px},
                    "fields": "pixelSize",
                }
            }
            for i, px in enumerate(RESULTS_WIDTHS)
        ]
    reqs.append(
        {
            "updateCells": {
                "range": grid_range(sid, (1, 1, len(data), len(RESULTS_HEADER))),
                "rows": data,
                "fields": "userEnteredValue,userEnteredFormat,note",
            }
        }
    )
    return reqs
