"""Choice cells read alike by the checker and by the workbook's own formulas.

A choice cell (a dropdown: yes/no, a category, a county …) is compared by its *key*: its text
with control characters and a few invisible or space characters dropped, compared without
regard to case, as a spreadsheet's CLEAN, SUBSTITUTE and MATCH read it. Each option list has a
:class:`ChoiceTable` of every key it accepts; the template writes the same keys into its hidden
``_lists`` sheet, so the live 資格檢核 panel counts exactly what the checker counts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

KEY_REMOVED = (" ", "\u00a0", "\u3000", "\u200b", "\ufeff", "\ufe0f")
"""Characters a choice key drops, besides the control characters U+0000–U+001F. A workbook
formula drops exactly the same ones (CLEAN, then SUBSTITUTE each of these by ""), so that the
template's live panel and the checker read a choice cell alike."""
_KEY_DROP = re.compile("[\x00-\x1f" + "".join(KEY_REMOVED) + "]")
_CHOICE_PARENS = re.compile(r"(.+?)\((.+)\)")
_SWAPS = (("臺", "台"), ("鄉", "郷"), ("市", "巿"), ("(", "（"), (")", "）"))
_FULLWIDTH_ASCII = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


def cell_text(raw: object) -> str:
    """A cell's content as a spreadsheet's text functions see it (1.0 → "1", True → "TRUE")."""
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < 1e15:
        return str(int(raw))
    if isinstance(raw, int):
        return str(Decimal(raw))
    return str(raw)


def choice_key(raw: object) -> str:
    """What a choice cell is compared by: control characters and KEY_REMOVED dropped, casefolded
    (spreadsheet MATCH is case-insensitive). "" for a blank cell."""
    if raw is None:
        return ""
    return _KEY_DROP.sub("", cell_text(raw)).casefold()


@dataclass(frozen=True)
class ChoiceTable:
    """The accepted spellings of one option list: ``keys`` maps every choice key to its value.

    Built once per list from the values, explicit aliases and codes, plus generated variants
    (台/臺, 郷/鄉, 巿/市, full-width parentheses and ASCII, either part of "name(X)", a unique leading
    ASCII letter). A key claimed by two values is dropped: it would be a guess.
    """

    values: tuple[str, ...]
    keys: dict[str, str]
    note: str = "選項寫法統一為「{value}」"

    @classmethod
    def build(
        cls,
        values: Sequence[str],
        aliases: Mapping[str, Sequence[str]] | None = None,
        note: str | None = None,
    ) -> ChoiceTable:
        claims: dict[str, set[str]] = {}
        for value in values:
            spellings = {value, *((aliases or {}).get(value, ()))}
            parts = _CHOICE_PARENS.fullmatch(value)
            if parts:
                spellings |= {parts[1], parts[2]}
            for spelling in list(spellings):
                spellings |= variants(spelling)
            for spelling in spellings:
                claims.setdefault(choice_key(spelling), set()).add(value)
        initials: dict[str, set[str]] = {}
        for value in values:
            if value[:1].isascii() and value[:1].isalpha():
                initials.setdefault(value[0].casefold(), set()).add(value)
        for letter, owners in initials.items():
            if len(owners) == 1:
                for key in (letter, letter.translate(_FULLWIDTH_ASCII)):
                    claims.setdefault(key, set()).update(owners)
        keys = {k: next(iter(v)) for k, v in claims.items() if k and len(v) == 1}
        return cls(tuple(values), keys, note or cls.note)

    def keys_of(self, value: str) -> list[str]:
        """Every key that reads as ``value``, the value's own key first."""
        own = choice_key(value)
        return [own, *sorted(k for k, v in self.keys.items() if v == value and k != own)]


def variants(text: str) -> set[str]:
    """台/臺, 郷/鄉, 巿/市 and full-/half-width spellings of a choice, in every combination."""
    out = {text}
    for a, b in _SWAPS:
        out |= {t.replace(a, b) for t in out} | {t.replace(b, a) for t in out}
    return out | {t.translate(_FULLWIDTH_ASCII) for t in out}
