"""The mutmut survivors that change no verdict and no number a user sees, each with the reason
(read by ``benchmarks/mutation.py``; kept apart because it grows with every module run)."""

# A survivor matches an entry when it is in that module and function and its diff removes a
# line containing ``removed`` and adds one containing ``added``.
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
    (
        "eligibility",
        "check",
        'tables["members"].capacity - 1',
        'tables["members"].capacity ',
        "the finding's row is min(members, capacity − 1) only when there are too few members:"
        " at most 14 (B類 needs 15), far below the table's 50 rows, so the cap never applies",
    ),
    (
        "eligibility",
        "check",
        "pos = 0",
        "pos = None",
        "with no leader the finding goes to the role column's first row: row index None and 0"
        " are the same cell (Collector.at)",
    ),
    (
        "eligibility",
        "check",
        "leaders > 1:",
        "leaders >= 1:",
        "the branch is reached only when the count of leaders is not the required 1, so more"
        " than 1 and at least 1 are the same test",
    ),
    (
        "fields",
        "_members",
        "abs(physical + online - 1) < 1e-6",
        "abs(physical + online - 1) <= 1e-6",
        "the two shares are typed percentages; a sum exactly 1e-6 (in floating point) away from"
        " 100% does not come from them (50.0001% + 50% is 1.00000000014e-6 away), so < and <="
        " agree",
    ),
    (
        "normalize",
        "_start",
        'text.replace("\\r\\n", "\\n")',
        "XX",
        "the CR of a CRLF is itself a control character that the same step removes: turning"
        " CRLF into LF first gives the same text and the same note",
    ),
    (
        "normalize",
        "_date_from_text",
        'era = ""',
        "era = ",
        "the starting era means no prefix and is only compared with the prefixes, which neither"
        " value is",
    ),
    (
        "normalize",
        "_parse_number",
        "wan: bool = True",
        "wan: bool = False",
        "wan is read only when units are allowed, and every such call passes it",
    ),
    (
        "normalize",
        "clean_percent",
        "percent = False",
        "percent = None",
        "only read as a truth value: None and False are alike",
    ),
    (
        "normalize",
        "clean_percent",
        "units=False)",
        "units=None)",
        "only read as a truth value: None and False are alike",
    ),
    (
        "normalize",
        "clean_phone",
        "removed = False",
        "removed = None",
        "only read as a truth value (removed or …): None and False are alike",
    ),
    (
        "normalize",
        "clean_year",
        "_date_from_text(text, [], raw)",
        "_date_from_text(text, [], None)",
        "a text that is no date is refused by clean_year itself with what was typed, whatever"
        " the inner error holds",
    ),
    (
        "normalize",
        "clean_year",
        "current + 1",
        "current + 2",
        "a number above next year's ROC year is refused whether it is read as ROC (too late) or"
        " as Western (before 民國1年) up to 1911, so the line between the two readings may move"
        " anywhere in between",
    ),
    (
        "normalize",
        "_date_from_text",
        "if head else None",
        "if (head) or True else None",
        "with no space there is no date before a time: a bare time leaves nothing to read and is"
        " refused as 無法辨識的日期 either way",
    ),
    (
        "fields",
        "_text_lengths",
        'g.get("min", 0)',
        'g.get("min", 1)',
        "only a text that is not blank is measured, so its length is at least 1: a lower bound"
        " of 0 or 1 refuses nothing more",
    ),
    (
        "formulas",
        "_formulas",
        "if fid else None",
        "if (fid) or True else None",
        "a cell without a field id looks up None, which no field has: None either way",
    ),
    (
        "formulas",
        "_label",
        "if fid else None",
        "if (fid) or True else None",
        "a cell without a field id looks up None, which no reference has: None either way",
    ),
    (
        "formulas",
        "check",
        "continue",
        "break",
        "never reached: a workbook missing a sheet of its field map is refused before the checks"
        " (TEMPLATE-UNKNOWN), and every sheet with template formulas has fields",
    ),
    (
        "formulas",
        "_expected",
        'fid.partition(".")',
        'fid.rpartition(".")',
        "ids with two dots are the panel's; their figures are in totals (answered before) or they"
        " are no table column either way",
    ),
    (
        "crosscheck",
        "_cell",
        "if pos is None else",
        "if (pos is None) and False else",
        "both callers pass a member row's pos, which the register keeps from the proposal's"
        " members table (an int column numbering every row): pos is never None",
    ),
    (
        "normalize",
        "_date_from_number",
        "not 1_000_000 <= raw < 100_000_000",
        "raw",
        "the range only refuses early numbers that are no date anyway: 1,000,000 reads as"
        " 民國100年00月00日 and 100,000,000 has 9 digits (no date form), so both ends are refused"
        " with the same reason either way",
    ),
    (
        "normalize",
        "clean_email",
        '_step(text, notes, "移除「mailto:」", text[7:])',
        '_step(None, notes, "移除「mailto:」", text[7:])',
        "the step runs only when the text starts with mailto:, so text[7:] always differs from"
        " the text and from None alike: the note is recorded either way",
    ),
    (
        "normalize",
        "clean_choices",
        "return clean_choice(raw, table)",
        "return clean_choice(raw, None)",
        "this path is taken only for a blank cell, and clean_choice reads no table for a blank",
    ),
    (
        "clean",
        "__init__",
        '"".join(t.seed_spelling.split())',
        '"XXXX".join(',
        "附件三's only spelling with a space (南屯 區) differs from the official name by the space"
        " alone: clean_place removes spaces, so that alias is never needed",
    ),
    *[
        (
            "clean",
            "clean",
            old,
            new,
            "the memo only saves work: without it (or with a smaller"
            " one) every value is cleaned again, to the same result",
        )
        for old, new in [
            ("hit = self._memo.get(key)", "hit = None"),
            ("hit = self._memo.get(key)", "self._memo.get(None)"),
            ("len(self._memo) > MEMO_SIZE", ">= MEMO_SIZE"),
            ("self._memo[key] = hit", "self._memo[key] = None"),
        ]
    ],
    *[
        (
            "clean",
            "_clean",
            old,
            new,
            "only a fast path is skipped: the general cleaner gives the"
            " same value and no notes for a value already in its canonical form",
        )
        for old, new in [
            ("if type(raw) is str and raw and raw.strip() == raw", "type(None) is str"),
            ("if type(raw) is int:", "type(None) is int"),
            ("if type(raw) is str and len(raw) == 8", "type(None) is str"),
            ("if type(raw) is str and len(raw) == 8", "len(raw) == 9"),
            ("if type(raw) is int and 0 < raw <= self.year_roc:", "type(None) is int"),
            ("if type(raw) is int and 0 < raw <= self.year_roc:", "and 1 < raw <="),
            ("if type(raw) is int and 0 < raw <= self.year_roc:", "0 < raw < self.year_roc"),
        ]
    ],
    (
        "clean",
        "clean",
        "return n.Cleaned(None, raw)",
        "return n.Cleaned(None, None)",
        "this line is reached only when raw is None: the original is None either way",
    ),
    (
        "clean",
        "_clean",
        "allow_wan=False",
        "allow_wan=None",
        "None is as false as False: 萬 is refused either way",
    ),
    *[
        (
            "clean",
            "_clean",
            '位小數", raw)',
            new,
            "the original a NormalizeError carries is never"
            " shown: the finding quotes the cell as it was read",
        )
        for new in ('位小數", None)', '位小數", )')
    ],
    (
        "clean",
        "_clean",
        'raise ValueError(f"not an input type: {t}")',
        "raise ValueError(None)",
        "reached only for a field type that is no input (the spec loader refuses unknown types"
        " and extraction skips formulas and labels): a programming error, never shown to a user",
    ),
    *[
        (
            "clean",
            "shown",
            '.rstrip("0").rstrip(".")',
            new,
            "rstrip takes a set of characters:"
            " a number's text has no X, so the X's strip nothing more",
        )
        for new in ('rstrip("XX0XX")', 'rstrip("XX.XX")')
    ],
]
