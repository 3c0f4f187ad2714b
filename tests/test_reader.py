"""Reading real .xlsx files: the same findings as the in-memory path, LibreOffice-saved copies
read the same, unusual but valid XML forms, and a property round trip."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clusterbook.importers import check_source, read_proposal
from clusterbook.importers.clean import Cleaner
from clusterbook.importers.xlsx import read_xlsx_bytes
from clusterbook.samples import random_proposal, sample_proposals
from clusterbook.workbook.fill import filled_bytes
from tests.conftest import libreoffice_recalc
from tests.helpers import TODAY, check_data, check_file, clean_data


def locations(report):
    return sorted((f.rule, f.sheet, f.cell, f.severity) for f in report.findings)


@pytest.fixture(scope="module")
def sample_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("samples")
    out = []
    for key, data in sample_proposals():
        path = folder / f"{key}.xlsx"
        path.write_bytes(filled_bytes(data))
        out.append((key, data, path))
    return out


def test_files_give_the_same_findings_as_the_sheet_contents(sample_files):
    for key, data, path in sample_files:
        assert locations(check_file(path)) == locations(check_data(data)), key


@pytest.mark.libreoffice
def test_a_workbook_saved_by_libreoffice_reads_the_same(sample_files, tmp_path):
    converted = libreoffice_recalc([p for _, _, p in sample_files], tmp_path / "lo")
    for (key, _, original), copy in zip(sample_files, converted, strict=True):
        a, b = check_file(original), check_file(copy)
        assert "FORMULA-TAMPERED" not in {f.rule for f in b.findings}, key
        assert locations(a) == locations(b), key
        for table in ("members", "budget", "kpis"):
            left, right = a.proposal.tables[table], b.proposal.tables[table]
            assert left.drop(columns=[c for c in left if c.startswith("is_")]).equals(
                right.drop(columns=[c for c in right if c.startswith("is_")])
            ), (key, table)


def test_formula_cells_are_read_as_formulas_not_cached_values(tmp_path, layout):
    data = clean_data()
    wb = openpyxl.load_workbook(io.BytesIO(filled_bytes(data)))
    ref = layout.fields["budget.total"]
    wb[ref.sheet].cell(ref.first_row, ref.first_col).value = 999_999
    path = tmp_path / "tampered.xlsx"
    wb.save(path)
    report = check_file(path)
    assert [f.cell for f in report.findings if f.rule == "FORMULA-TAMPERED"] == [
        f"B{ref.first_row}"
    ]
    assert report.proposal.totals["budget.total"] != 999_999


def _rezip(data: bytes, edit) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, edit(info.filename, src.read(info.filename)))
    return out.getvalue()


def test_inline_strings_escapes_and_shared_formulas(layout):
    data = clean_data()
    raw = filled_bytes(data)
    members = layout.fields["members.name"]
    tier = layout.fields["members.tier"]
    sheet_no = [s.title for s in layout.sheets].index(members.sheet) + 1
    path = f"xl/worksheets/sheet{sheet_no}.xml"
    tier_col = "J"

    def edit(name, body):
        if name != path:
            return body
        text = body.decode()
        # a rich inline string with an OOXML escape and an entity, as some writers produce
        start = text.index('<c r="B7"')
        end = text.index("</c>", start)
        rich = '<c r="B7" t="inlineStr"><is><r><t>慢活_x0020_</t></r><r><t xml:space="preserve">民宿&amp;茶</t></r></is>'
        text = text[:start] + rich + text[end:]
        # Excel writes runs of equal formulas as one shared formula
        for r in range(tier.first_row + 1, tier.first_row + 4):
            s = text.index(f'<c r="{tier_col}{r}"')
            e = text.index("</c>", s)
            text = text[:s] + f'<c r="{tier_col}{r}"><f t="shared" si="0"/></c' + text[e + 3 :]
        s = text.index(f'<c r="{tier_col}{tier.first_row}"')
        f_start = text.index("<f>", s)
        text = (
            text[: f_start + 2]
            + f' t="shared" ref="{tier_col}{tier.first_row}:{tier_col}{tier.first_row + 3}" si="0"'
            + text[f_start + 2 :]
        )
        return text.encode()

    book = read_xlsx_bytes(_rezip(raw, edit), "edited.xlsx")
    from clusterbook.importers import check_rawbook

    report = check_rawbook(book, today=TODAY)
    assert report.proposal.tables["members"].loc[1, "name"] == "慢活 民宿&茶"
    assert "FORMULA-TAMPERED" not in {f.rule for f in report.findings}


TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Zs")),
    min_size=1,
    max_size=60,
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10**6), names=st.lists(TEXT, min_size=3, max_size=3), products=TEXT)
def test_property_valid_proposal_round_trips(tmp_path_factory, program, seed, names, products):
    data = random_proposal(seed)
    for m, name in zip(data.tables["members"], names, strict=False):
        m["members.name"] = name
    data.tables["members"][0]["members.products"] = products
    path = tmp_path_factory.mktemp("prop") / "p.xlsx"
    path.write_bytes(filled_bytes(data))
    report = check_source(path, today=TODAY)
    assert [f.message for f in report.findings if f.severity == "error"] == []
    proposal = report.proposal
    cleaner = Cleaner(program)

    def expected(fid, value):
        return cleaner.clean(program.fields[fid], value).value

    for fid, value in data.fields.items():
        assert proposal.fields[fid] == expected(fid, value), fid
    for tid in ("members", "budget", "kpis", "tools", "consultants"):
        frame = proposal.tables[tid]
        for i, row in enumerate(data.tables[tid]):
            for fid, value in row.items():
                got = frame.loc[frame["pos"] == i, fid.split(".", 1)[1]].iloc[0]
                assert got == expected(fid, value), (tid, i, fid)
    answers = proposal.tables["member_assessment"]
    for j, column in enumerate(data.matrix["member_assessment"]):
        got = answers.loc[answers["member_index"] == j].sort_values("item_index")["value"].tolist()
        assert got == column


def test_read_proposal_returns_typed_tables(sample_files):
    _, data, path = sample_files[0]
    proposal = read_proposal(path, today=TODAY)
    members = proposal.tables["members"]
    assert len(members) == len(data.tables["members"])
    assert str(members["employees"].dtype) == "Float64"  # a 12-month average: one decimal
    assert str(members["capital"].dtype) == "Int64"
    assert members["tier"].tolist() == [3] * 12 or set(members["tier"]) <= {1, 2, 3, 4}
    assert proposal.fields["proposal.date"] == dt.date(2023, 3, 1)
    assert proposal.key == (data.fields["unit.ubn"], data.fields["proposal.cluster_name"])
    assert proposal.cell("members.county", 2) == ("群聚成員", "I8")
