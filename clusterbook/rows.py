"""One table of a proposal as plain Python records: what the checks compute on.

Checking a workbook needs no pandas (importing it costs more than reading one workbook), so
tables are read into :class:`Rows` and the checks loop over plain values, blanks as ``None``.
:meth:`Rows.frame` gives the DataFrame that callers of :attr:`Proposal.tables` receive, with the
dtypes each column declares (``Int64``/``Float64`` for typed inputs, ``bool`` for flags …).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


@cache
def _row_type(names: tuple[str, ...]) -> type:
    return namedtuple("Row", names)


@dataclass
class Rows:
    """Records sharing ``columns``; ``dtypes`` gives the pandas dtype of some columns.

    Columns without a dtype stay ``object`` (None, not NaN, for blanks), unless ``infer`` is
    set, as for the tables clusterbook computes itself (pandas then infers each dtype).
    """

    columns: list[str]
    records: list[dict[str, Any]] = field(default_factory=list)
    dtypes: dict[str, str] = field(default_factory=dict)
    infer: bool = False

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records)

    def __contains__(self, column: str) -> bool:
        return column in self.columns

    def column(self, name: str) -> list[Any]:
        """The values of one column, row by row (``None`` for every row of an absent column)."""
        if name not in self.columns:
            return [None] * len(self.records)
        return [r.get(name) for r in self.records]

    def set(self, name: str, values: Iterable[Any], dtype: str | None = None) -> None:
        """Add or replace a column."""
        for record, value in zip(self.records, values, strict=True):
            record[name] = value
        if name not in self.columns:
            self.columns.append(name)
        if dtype is not None:
            self.dtypes[name] = dtype

    def tuples(self, *names: str) -> Iterator[Any]:
        """The rows of a few columns as named tuples."""
        make = _row_type(names)
        for r in self.records:
            yield make(*(r.get(n) for n in names))

    def frame(self) -> pd.DataFrame:
        """The table as a DataFrame with the declared dtypes."""
        import pandas as pd

        data = [[r.get(c) for c in self.columns] for r in self.records]
        if self.infer:
            frame = pd.DataFrame({c: [row[i] for row in data] for i, c in enumerate(self.columns)})
            return frame.astype(self.dtypes) if self.dtypes else frame
        frame = pd.DataFrame(data, columns=self.columns, dtype=object)
        return frame.astype(self.dtypes) if self.dtypes else frame
