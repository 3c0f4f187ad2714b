"""The hidden ``_lists`` sheet: every option list with its accepted spellings, the towns of each
county, the 分群 (tier) of every town spelling and the recommended levels, each column under a
defined name that validations and formulas refer to."""

from __future__ import annotations

from typing import Any

from clusterbook.choices import choice_key, variants
from clusterbook.workbook import a1
from clusterbook.workbook.grid import LISTS_SHEET, SheetLayout
from clusterbook.workbook.spec import Program


def lists_sheet(program: Program, names: dict[str, str]) -> SheetLayout:
    """The hidden ``_lists`` sheet; ``names`` gets the defined name of every column."""
    sl = SheetLayout("lists", LISTS_SHEET, hidden=True)
    col = 1

    def column(name: str, header: str, values: list[Any]) -> str:
        nonlocal col
        sl.put(1, col, value=header, style="header")
        for i, v in enumerate(values):
            sl.put(2 + i, col, value=v, style="fixed")
        ref = a1.qualified(
            LISTS_SHEET, a1.area(2, col, 1 + max(len(values), 1), col, absolute=True)
        )
        names[name] = ref
        col += 1
        return ref

    for lid, lst in program.lists.items():
        column(f"L_{lid}", lid, list(lst.values))
    _aliases(program, names, sl, col)
    col += 2
    for i, county in enumerate(program.counties, start=1):
        towns = [t.township for t in program.townships if t.county == county]
        column(f"TW_{i}", county, towns)
    ts = program.townships
    column("T_COUNTY", "county", [t.county for t in ts])
    column("T_TOWN", "township", [t.township for t in ts])
    keys = tier_keys(program)
    column("T_KEY", "key", [k for k, _ in keys])
    column("T_TIER", "tier", [tier for _, tier in keys])
    rec = [
        (cls, typ, lv)
        for cls, by_type in program.params["recommended_levels"].items()
        for typ, levels in by_type.items()
        for lv in levels
    ]
    for k, name in enumerate(("R_CLASS", "R_TYPE", "R_LEVEL")):
        column(name, name.lower(), [r[k] for r in rec])
    return sl


def _aliases(program: Program, names: dict[str, str], sl: SheetLayout, col: int) -> None:
    """Every accepted spelling (choice key) of every list value, one value after another;
    A_<list>_<n> names the keys of the list's n-th value (what ``{is:…}`` matches)."""
    sl.put(1, col, value="alias", style="header")
    sl.put(1, col + 1, value="value", style="header")
    row = 2
    for lid, table in program.choice_tables.items():
        for n, value in enumerate(table.values, start=1):
            keys = table.keys_of(value)
            for k in keys:
                sl.put(row, col, value=k, style="fixed")
                sl.put(row, col + 1, value=value, style="fixed")
                row += 1
            area = a1.area(row - len(keys), col, row - 1, col, absolute=True)
            names[f"A_{lid}_{n}"] = a1.qualified(LISTS_SHEET, area)


def tier_keys(program: Program) -> list[tuple[str, int]]:
    """(county key|township key, tier) for every spelling of every township the checker
    accepts: the county's choice keys × the township's official and 附件三 spellings."""
    counties = program.choice_tables["counties"]
    out: dict[str, int] = {}
    for t in program.townships:
        towns = {choice_key(v) for name in (t.township, t.seed_spelling) for v in variants(name)}
        for c in counties.keys_of(t.county):
            for town in sorted(towns):
                out.setdefault(f"{c}|{town}", t.tier)
    return list(out.items())
