"""The check path computes on plain rows and never loads pandas; ``Proposal.tables`` still
gives DataFrames with the dtypes callers rely on."""

from __future__ import annotations

import subprocess
import sys

from clusterbook.importers import check_source
from clusterbook.samples import sample_proposals
from clusterbook.workbook.fill import filled_bytes

NO_PANDAS = """
import sys
from clusterbook.cli import main
try:
    main(["check", sys.argv[1], "--no-register"])
except SystemExit:
    pass
loaded = sorted(m for m in ("pandas", "numpy", "openpyxl") if m in sys.modules)
print(",".join(loaded) or "none")
"""


def _workbook(tmp_path):
    key, data = next(iter(sample_proposals()))
    path = tmp_path / f"{key}.xlsx"
    path.write_bytes(filled_bytes(data))
    return path


def test_checking_one_file_loads_neither_pandas_nor_openpyxl(tmp_path):
    path = _workbook(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", NO_PANDAS, str(path)], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "none"


def test_tables_are_dataframes_with_the_declared_dtypes(tmp_path):
    p = check_source(_workbook(tmp_path)).proposal
    members, budget = p.tables["members"], p.tables["budget"]
    assert str(members["pos"].dtype) == "int64"
    assert str(members["tier"].dtype) == "Int64" and str(members["capital"].dtype) == "Int64"
    assert all(str(members[c].dtype) == "bool" for c in ("is_sme", "is_small", "dup_owner"))
    assert str(budget["amount"].dtype) == "Int64"
    assert members["name"].tolist() == p.rows["members"].column("name")
    assert list(members.columns) == p.rows["members"].columns
    assert p.tables["budget_summary"]["amount"].sum() == p.totals["budget.subtotal"] > 0
