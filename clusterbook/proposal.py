"""A proposal read back from a workbook: normalised fields, one table per form table, provenance."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from clusterbook.workbook import a1

if TYPE_CHECKING:
    import pandas as pd

    from clusterbook.rows import Rows
    from clusterbook.workbook.grid import FieldRef
    from clusterbook.workbook.spec import Program


@dataclass
class Proposal:
    """What one workbook says, after normalisation, with every value traceable to its cell.

    ``fields`` holds single fields by id (None when blank or unreadable). ``rows`` holds one
    :class:`~clusterbook.rows.Rows` per table, its columns named after the field ids without
    the table prefix, plus ``pos`` (the 0-based row within the table: the cell of column ``x``
    in that row is ``cell("<table>.x", pos)``); ``tables`` gives the same as DataFrames. Computed
    columns (``tier``, ``is_sme``, ``amount`` …) and ``totals`` are recomputed by clusterbook,
    never taken from the workbook.
    """

    source: str
    program: Program
    meta: dict[str, str]
    refs: dict[str, FieldRef]
    fields: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, Rows] = field(default_factory=dict)
    totals: dict[str, Any] = field(default_factory=dict)
    digest: str = ""
    _frames: dict[str, pd.DataFrame] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """One DataFrame per table (made from ``rows`` on first use: pandas loads only here)."""
        if self._frames is None:
            self._frames = {tid: rows.frame() for tid, rows in self.rows.items()}
        return self._frames

    def cell(self, field_id: str, index: int | None = None) -> tuple[str, str]:
        """(sheet title, A1 cell) of a field, or of row ``index`` of a table column."""
        ref = self.refs.get(field_id)
        if ref is None:
            return "", ""
        if index is None:
            return ref.sheet, a1.cell(ref.first_row, ref.first_col)
        return ref.sheet, a1.cell(*ref.cell_at(index))

    @property
    def key(self) -> tuple[str, str]:
        """What identifies a proposal across revisions: the unit's 統一編號 and the cluster name."""
        return (self.fields.get("unit.ubn") or "", self.fields.get("proposal.cluster_name") or "")

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the program by id (worker processes send proposals back to the parent)."""
        state = dict(self.__dict__)
        state["program"] = self.program.id
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        from clusterbook.workbook.spec import load_program

        state["program"] = load_program(state["program"])
        self.__dict__.update(state)
