"""Pivots of the current register: ``clusterbook pivot`` and :func:`clusterbook.register.pivot`.

Tables and columns are found by id or by the labels managers read in master.xlsx (成員, 縣市,
營業所在縣市 …, see :meth:`RegisterSpec.column`). Keys read as in master.xlsx (是/否, 民國 dates,
錯誤/警告/資訊) and follow the form's list order; a 合計 row and column on request.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from clusterbook.register.columns import Column, RegisterSpec, TableInfo, blank, register_spec
from clusterbook.workbook.programs import DEFAULT_PROGRAM

if TYPE_CHECKING:
    import pandas as pd

AGGFUNCS = {"count": "計數", "sum": "合計", "mean": "平均"}


@dataclass
class Pivot:
    frame: pd.DataFrame
    """The rows key (named by its column id), then one column per key of ``columns`` (or one
    named ``count`` / the values id), then 合計 when totals were asked; a last 合計 row."""
    table: TableInfo
    rows: Column
    columns: Column | None
    values: Column | None
    aggfunc: str
    kind: str
    """The display type of the figures (count, money, share, decimal …)."""
    spec: RegisterSpec

    @property
    def measure(self) -> str:
        """What the figures are: 家數, 金額(元) 合計, 中小企業 平均 …"""
        if self.values is None:
            return self.table.count
        return f"{self.values.label} {AGGFUNCS[self.aggfunc]}"

    @property
    def title(self) -> str:
        across = f" × {self.columns.label}" if self.columns else ""
        return f"{self.table.sheet}：{self.rows.label}{across}（{self.measure}）"

    def headers(self) -> list[str]:
        """zh-TW headers: the rows label, the column keys (or the measure), 合計."""
        keys = [str(c) for c in self.frame.columns[1:]]
        single = "count" if self.values is None else self.values.id
        return [
            self.rows.label,
            *(self.measure if k == single and not self.columns else k for k in keys),
        ]

    def text_rows(self) -> list[list[str]]:
        """Every row as text: keys as they are, figures with thousands separators or as %."""
        return [
            [str(row[0]), *(figure(v, self.kind) for v in row[1:])]
            for row in self.frame.itertuples(index=False, name=None)
        ]

    def csv(self) -> bytes:
        """UTF-8 with a byte order mark (Excel on zh-TW Windows reads it right), zh-TW headers."""
        out = io.StringIO()
        frame = self.frame.copy()
        frame.columns = self.headers()
        frame.to_csv(out, index=False, lineterminator="\r\n", float_format="%.6g")
        return ("\ufeff" + out.getvalue()).encode("utf-8")


def figure(value, kind: str) -> str:
    """470400 → 470,400; 0.6667 (a share) → 66.7%; missing → —."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, str):
        return value
    if kind == "share":
        return f"{value:.1%}"
    if kind == "decimal" or not float(value).is_integer():
        return f"{value:,.1f}" if kind == "decimal" else f"{value:,.2f}"
    return f"{int(value):,}"


def figure_kind(values: Column | None, aggfunc: str) -> str:
    """The display type of a count, sum or mean of a column (count, money, share, decimal)."""
    if values is None or aggfunc == "count":
        return "count"
    if aggfunc == "sum":
        return values.kind if values.kind in ("money", "decimal") else "count"
    if values.kind in ("share", "yesno"):
        return "share"
    return "money" if values.kind == "money" else "decimal"


def key_order(spec: RegisterSpec, col: Column):
    """A sort key for a column's keys as text: the form's list order, then numbers, then text,
    blanks last."""
    choices = {spec.text(col, c): i for i, c in enumerate(col.choices)}

    def key(text: str):
        if text == spec.blank_label:
            return (3, 0.0, "")
        if text in choices:
            return (0, float(choices[text]), "")
        try:
            return (1, float(text.replace(",", "")), "")
        except ValueError:
            return (2, 0.0, text)

    return key


def make_pivot(
    frames: dict[str, pd.DataFrame],
    table: str,
    rows: str,
    columns: str | None = None,
    values: str | None = None,
    aggfunc: str = "count",
    *,
    totals: bool = False,
    program: str = DEFAULT_PROGRAM,
) -> Pivot:
    """Count rows, or count, sum or average a column, by ``rows`` (× ``columns``).

    Raises KeyError (an unknown table or column, with the closest names) or ValueError (an
    aggregation that does not apply), both with a zh-TW message."""
    import pandas as pd

    spec = register_spec(program)
    info = spec.table(table, frames)
    frame = frames[info.id]
    cols = spec.columns(info.id, frame.columns)
    r = spec.column(info.id, rows, cols)
    c = spec.column(info.id, columns, cols) if columns else None
    v = spec.column(info.id, values, cols) if values else None
    if aggfunc not in AGGFUNCS:
        raise ValueError(f"--aggfunc 只接受 count、sum 或 mean，收到「{aggfunc}」")
    if v is None and aggfunc != "count":
        raise ValueError(f"--aggfunc {aggfunc} 需要以 --values 指定要{AGGFUNCS[aggfunc]}的欄位")
    if v is None:
        measure = pd.Series(1, index=frame.index, dtype="int64")
    elif aggfunc == "count":
        measure = (~frame[v.id].map(blank).astype(bool)).astype("int64")
    else:
        raw = frame[v.id]
        if not (v.numeric or pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw)):
            raise ValueError(
                f"「{v.label}」（{v.id}）不是數值欄位，不能{AGGFUNCS[aggfunc]}；"
                "要計算筆數請改用 --aggfunc count"
            )
        measure = pd.to_numeric(
            raw.astype(object).map(lambda x: None if blank(x) else x), errors="coerce"
        )
    how = "sum" if aggfunc == "count" else aggfunc
    data = pd.DataFrame({"m": measure.astype("float64")}, index=frame.index)
    data["r"] = [spec.text(r, x) for x in frame[r.id]]
    by = ["r"]
    if c is not None:
        data["c"] = [spec.text(c, x) for x in frame[c.id]]
        by.append("c")
    name = "count" if v is None else v.id
    if data.empty:
        result = pd.DataFrame({name: []} if c is None else {}, index=pd.Index([], name="r"))
    elif c is not None:
        result = data.groupby(by, sort=False)["m"].agg(how).unstack("c")
        result = result[sorted(result.columns, key=key_order(spec, c))]
    else:
        result = data.groupby("r", sort=False)["m"].agg(how).to_frame(name)
    result = result.loc[sorted(result.index, key=key_order(spec, r))]
    if totals:
        total = spec.total_label
        whole = data["m"].agg(how) if not data.empty else 0
        if c is not None:
            result[total] = data.groupby("r")["m"].agg(how)
            below = data.groupby("c")["m"].agg(how)
            below[total] = whole
        else:
            below = pd.Series({name: whole})
        result.loc[total] = below.reindex(result.columns)
    if how != "mean":
        result = result.fillna(0)
        if ((result % 1) == 0).all().all():
            result = result.astype("int64")
    result.columns = [str(k) for k in result.columns]
    result.index.name = r.id
    out = result.reset_index()
    return Pivot(out, info, r, c, v, aggfunc, figure_kind(v, aggfunc), spec)


def pivot(
    frames: dict[str, pd.DataFrame],
    table: str,
    rows: str,
    columns: str | None = None,
    values: str | None = None,
    aggfunc: str = "count",
    *,
    totals: bool = False,
    program: str = DEFAULT_PROGRAM,
) -> pd.DataFrame:
    """A pivot of one current table as a DataFrame (the figures of ``clusterbook pivot``):
    tables and columns by id or zh-TW label (``pivot(frames, "成員", "縣市", "分群")``)."""
    return make_pivot(
        frames, table, rows, columns, values, aggfunc, totals=totals, program=program
    ).frame
