"""Offline fake of the Google Sheets v4 and Drive v3 REST APIs, for gspread-based tests.

``FakeGoogle`` is a ``requests`` transport adapter.  ``fake_client()`` mounts it on a real
``gspread.Client`` so gspread's own HTTP code runs unchanged while nothing leaves the
process.  Each request is recorded, matched against the official discovery documents
shipped with google-api-python-client, validated (path, query parameters, JSON body,
field masks) and answered from a small in-memory model of spreadsheets and Drive files.

``fake.errors`` collects *protocol* problems (unknown path, unknown field, bad enum,
unexpected host, endpoint not implemented by the fake); ``fake.assert_clean()`` fails on
them.  Semantic API errors (duplicate sheet title, unknown sheet id...) are answered like
Google does but are not protocol errors, so they are not collected.

Deliberate simplifications:

* Formulas are never evaluated: FORMATTED_VALUE / UNFORMATTED_VALUE of a formula cell is
  ``""`` unless a test provides a result with ``set_computed()``.
* USER_ENTERED parsing knows formulas, plain and thousand-separated numbers, TRUE/FALSE
  and the leading-apostrophe escape; dates, percentages and currencies stay text.
* FORMATTED_VALUE ignores number formats (renders like the "General" format).
* Returned A1 ranges quote the sheet name unless it is a plain ``[A-Za-z_]\\w*`` name.
* Drive ``q`` understands ``mimeType``/``name`` comparisons, parent membership and
  ``trashed``; anything else is a recorded error.  There is no paging.
* Values reads/writes whose explicit bounds leave the grid answer 400 "exceeds grid
  limits"; open ranges (``A:D``, a sheet name) are clipped to the grid.
* JSON nulls in request bodies are treated as unset fields (proto3 JSON semantics).
* google-auth's ``AuthorizedSession`` retries a 401 twice after refreshing the (dummy)
  token, so ``fail_next(401)`` is only visible to gspread with ``times >= 3``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import importlib.resources
import io
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import gspread
import requests
from google.auth.credentials import Credentials
from gspread.http_client import HTTPClient
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

SHEETS_MIME = "application/vnd.google-apps.spreadsheet"
FOLDER_MIME = "application/vnd.google-apps.folder"
QUOTA_MESSAGE = "The user's Drive storage quota has been exceeded."
NOT_FOUND_MESSAGE = "Requested entity was not found."
_HOSTS = {"sheets.googleapis.com": "sheets", "www.googleapis.com": "drive"}
_STATUS = {
    400: ("INVALID_ARGUMENT", "badRequest", "Request contains an invalid argument."),
    401: ("UNAUTHENTICATED", "authError", "Request had invalid authentication credentials."),
    403: ("PERMISSION_DENIED", "forbidden", "The caller does not have permission"),
    404: ("NOT_FOUND", "notFound", NOT_FOUND_MESSAGE),
    409: ("ALREADY_EXISTS", "conflict", "Requested entity already exists."),
    429: (
        "RESOURCE_EXHAUSTED",
        "rateLimitExceeded",
        "Quota exceeded for quota metric "
        "'Write requests' and limit 'Write requests per minute per user'.",
    ),
    500: ("INTERNAL", "internalError", "Internal error encountered."),
    501: ("UNIMPLEMENTED", "notImplemented", "Method not implemented."),
    503: ("UNAVAILABLE", "backendError", "The service is currently unavailable."),
}
# Extras the real Drive API silently ignores but gspread 6 sends; reported as warnings.
TOLERATED = {"Permission.withLink", "drive.files.get?includeItemsFromAllDrives"}
_ONEOF = {"Request", "ExtendedValue"}  # Sheets messages whose fields form a proto oneof
_READ_ONLY_CELL = {"effectiveValue", "effectiveFormat", "formattedValue"}


class FakeApiError(Exception):
    """An error answer: HTTP status, message and optional Google status/Drive reason."""

    def __init__(
        self,
        code: int,
        message: str | None = None,
        status: str | None = None,
        reason: str | None = None,
    ) -> None:
        default_status, default_reason, default_message = _STATUS.get(code, ("UNKNOWN",) * 3)
        super().__init__(message or default_message)
        self.code, self.message = code, message or default_message
        self.status, self.reason = status or default_status, reason or default_reason

    def body(self, api: str) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if api == "drive":
            err["errors"] = [
                {
                    "domain": "usageLimits" if self.code == 429 else "global",
                    "reason": self.reason,
                    "message": self.message,
                }
            ]
        return {"error": err}


def _invalid(message: str) -> FakeApiError:
    return FakeApiError(400, message)


# --------------------------------------------------------------------------- field masks
def parse_mask(spec: str) -> dict[str, dict]:
    """Parse a field mask (``a.b,c/d,e(f,g(h))``) into a tree; ``{}`` selects everything."""
    tree: dict[str, dict] = {}

    def parse(i: int, node: dict) -> int:
        while i < len(spec):
            j = i
            while j < len(spec) and spec[j] not in ",()":
                j += 1
            target = node
            for name in filter(None, (p.strip() for p in re.split(r"[./]", spec[i:j]))):
                target = target.setdefault(name, {})
            i = j
            if i < len(spec) and spec[i] == "(":
                i = parse(i + 1, target) + 1
            if i < len(spec) and spec[i] == ")":
                return i
            i += 1  # skip ','
        return i

    parse(0, tree)
    return tree


def project(obj: Any, tree: dict) -> Any:
    """Keep only the parts of a JSON value selected by a mask tree (partial response)."""
    if not tree or "*" in tree:
        return obj
    if isinstance(obj, list):
        return [project(item, tree) for item in obj]
    if isinstance(obj, dict):
        return {k: project(obj[k], sub) for k, sub in tree.items() if k in obj}
    return obj


def apply_mask(dst: dict, src: dict, tree: dict) -> None:
    """Update ``dst`` from ``src`` for the masked fields; masked fields absent in src clear."""
    if "*" in tree:
        dst.clear()
        dst.update(copy.deepcopy(src))
        return
    for key, sub in tree.items():
        val = src.get(key)
        if not sub:
            if val is None:
                dst.pop(key, None)
            else:
                dst[key] = copy.deepcopy(val)
            continue
        child = dst.get(key) if isinstance(dst.get(key), dict) else {}
        apply_mask(child, val if isinstance(val, dict) else {}, sub)
        if child:
            dst[key] = child
        else:
            dst.pop(key, None)


# ------------------------------------------------------------------------------ discovery
@dataclass(frozen=True)
class _Method:
    id: str
    http: str
    pattern: re.Pattern[str]
    params: dict[str, Any]
    request: str | None
    response: str | None
    weight: int


class Discovery:
    """One official discovery document: route matching and request validation."""

    def __init__(self, name: str) -> None:
        docs = importlib.resources.files("googleapiclient") / "discovery_cache" / "documents"
        doc = json.loads((docs / f"{name}.json").read_text("utf-8"))
        self.name: str = doc["name"]
        self.prefix = "/" + doc["servicePath"]
        self.schemas: dict[str, Any] = doc["schemas"]
        self.common: dict[str, Any] = doc["parameters"]
        self.methods = sorted(self._walk(doc["resources"]), key=lambda m: -m.weight)

    def _walk(self, resources: dict[str, Any]) -> Iterator[_Method]:
        for res in resources.values():
            for m in res.get("methods", {}).values():
                parts = re.split(r"(\{[^}]+\})", m.get("flatPath", m["path"]))
                regex = "".join(
                    f"(?P<{p[1:-1].lstrip('+')}>[^/]+)" if p.startswith("{") else re.escape(p)
                    for p in parts
                )
                yield _Method(
                    m["id"],
                    m["httpMethod"],
                    re.compile(regex),
                    m.get("parameters", {}),
                    (m.get("request") or {}).get("$ref"),
                    (m.get("response") or {}).get("$ref"),
                    sum(len(p) for p in parts if not p.startswith("{")),
                )
            yield from self._walk(res.get("resources", {}))

    def match(self, http: str, path: str) -> tuple[_Method, dict[str, str]] | None:
        """Find the method for an HTTP verb and a raw (percent-encoded) URL path."""
        if not path.startswith(self.prefix):
            return None
        rest = path[len(self.prefix) :]
        for m in self.methods:
            hit = m.pattern.fullmatch(rest)
            if hit and m.http == http:
                return m, {k: unquote(v) for k, v in hit.groupdict().items()}
        return None

    def schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return self.schemas[schema["$ref"]] if "$ref" in schema else schema

    def check_query(self, m: _Method, query: dict[str, list[str]]) -> list[tuple[str, str]]:
        """Problems with query parameters as (tolerance key, message) pairs."""
        out = []
        for name, values in query.items():
            spec = m.params.get(name) or self.common.get(name)
            if spec is None or spec["location"] != "query":
                out.append(
                    (
                        f"{m.id}?{name}",
                        f'Unknown name "{name}": Cannot bind query '
                        f"parameter. Field '{name}' could not be found in request message.",
                    )
                )
                continue
            if len(values) > 1 and not spec.get("repeated"):
                out.append(("", f"Query parameter '{name}' is not repeated but got {values}"))
            out += [("", msg) for v in values for msg in self._scalar(spec, v, name, text=True)]
        out += [
            ("", f"Required parameter '{n}' is missing")
            for n, s in m.params.items()
            if s.get("required") and s["location"] == "query" and n not in query
        ]
        if "fields" in query and m.response:
            out += [("", msg) for msg in self.check_mask(m.response, query["fields"][0])]
        return out

    def check_body(self, ref: str, body: Any) -> list[tuple[str, str]]:
        """Recursively validate a JSON body against schema ``ref``."""
        out: list[tuple[str, str]] = []
        self._check({"$ref": ref}, body, "", out)
        return out

    def _check(self, spec: dict[str, Any], value: Any, where: str, out: list) -> None:
        if value is None:  # JSON null means "unset" in proto3 JSON
            return
        schema = self.schema(spec)
        kind = schema.get("type")
        if kind == "object":
            if not isinstance(value, dict):
                out.append(("", f"Invalid value at '{where}': expected an object, got {value!r}"))
                return
            props, extra = schema.get("properties") or {}, schema.get("additionalProperties")
            set_fields = [k for k, v in value.items() if v is not None]
            if schema.get("id") in _ONEOF and len(set_fields) > 1:
                out.append(
                    (
                        "",
                        f"Invalid value at '{where}': oneof field already set, "
                        f"cannot set all of {set_fields}",
                    )
                )
            for key, item in value.items():
                sub = f"{where}.{key}" if where else key
                if key in props:
                    self._check(props[key], item, sub, out)
                elif isinstance(extra, dict):
                    self._check(extra, item, sub, out)
                else:
                    out.append(
                        (
                            f"{schema.get('id')}.{key}",
                            f'Unknown name "{key}" at '
                            f"'{where or schema.get('id')}': Cannot find field.",
                        )
                    )
        elif kind == "array":
            if not isinstance(value, list):
                out.append(("", f"Invalid value at '{where}': expected a list, got {value!r}"))
                return
            for i, item in enumerate(value):
                self._check(schema["items"], item, f"{where}[{i}]", out)
        elif kind not in (None, "any"):
            out += [("", msg) for msg in self._scalar(schema, value, where)]

    @staticmethod
    def _scalar(spec: dict[str, Any], value: Any, where: str, text: bool = False) -> list[str]:
        kind, fmt = spec.get("type"), spec.get("format")
        if text:  # query strings: convert first
            if kind == "boolean":
                if value.lower() not in ("true", "false"):
                    return [f"Invalid value at '{where}' (TYPE_BOOL), \"{value}\""]
                return []
            if kind == "integer":
                if not re.fullmatch(r"-?\d+", value):
                    return [f"Invalid value at '{where}' (TYPE_INT32), \"{value}\""]
                value = int(value)
        ok = {
            "string": isinstance(value, str)
            or (
                fmt in ("int64", "uint64")
                and isinstance(value, int)
                and not isinstance(value, bool)
            ),
            "boolean": isinstance(value, bool),
            "integer": (isinstance(value, int) and not isinstance(value, bool))
            or (isinstance(value, str) and re.fullmatch(r"-?\d+", value) is not None),
            "number": (isinstance(value, int | float) and not isinstance(value, bool))
            or value in ("NaN", "Infinity", "-Infinity"),
        }.get(kind, True)
        if not ok:
            return [f"Invalid value at '{where}' (type {kind}), {json.dumps(value)}"]
        if kind == "integer" and fmt == "int32" and not -(2**31) <= int(value) < 2**31:
            return [f"Invalid value at '{where}' (TYPE_INT32), {value}: out of range"]
        if "enum" in spec and value not in spec["enum"]:
            return [f"Invalid value at '{where}' (TYPE_ENUM), \"{value}\""]
        return []

    def check_mask(self, ref: str, spec: str) -> list[str]:
        """Field-mask paths that do not exist in schema ``ref``."""
        out: list[str] = []

        def walk(node: dict[str, Any], tree: dict, path: str) -> None:
            schema = self.schema(node)
            while schema.get("type") == "array":
                schema = self.schema(schema["items"])
            props = schema.get("properties")
            for key, sub in tree.items():
                if key == "*" or props is None:
                    continue
                if key not in props:
                    out.append(f"Invalid field selection {path}{key}")
                else:
                    walk(props[key], sub, f"{path}{key}.")

        walk({"$ref": ref}, parse_mask(spec), "")
        return out


_APIS = {"sheets": Discovery("sheets.v4"), "drive": Discovery("drive.v3")}


# ------------------------------------------------------------------------------ A1 helpers
_CELL = re.compile(r"\$?([A-Za-z]{0,3})\$?(\d*)")
_PLAIN_TITLE = re.compile(r"[A-Za-z_]\w*", re.ASCII)


def col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def col_letters(index: int) -> str:
    out, index = "", index + 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def split_sheet(a1: str) -> tuple[str | None, str | None]:
    """``"'It''s'!A1:B2"`` -> ``("It's", "A1:B2")``; no sheet part -> ``(None, a1)``."""
    quoted = re.fullmatch(r"'((?:[^']|'')*)'(?:!(.*))?", a1, re.S)
    if quoted:
        return quoted[1].replace("''", "'"), quoted[2]
    if "!" in a1:
        name, _, rng = a1.rpartition("!")
        return name, rng
    return None, a1


def parse_cells(rng: str) -> tuple[int | None, int | None, int | None, int | None, bool] | None:
    """A1 cells -> (row0, row1, col0, col1, single); ``None`` = open bound, ends exclusive."""
    parts = rng.split(":")
    cells = [_CELL.fullmatch(p) for p in parts]
    if len(parts) > 2 or not all(cells):
        return None
    (ac, ar), (bc, br) = cells[0].groups(), cells[-1].groups()  # type: ignore[union-attr]
    if len(parts) == 1:
        if not (ac and ar) or int(ar) == 0:
            return None
        r, c = int(ar) - 1, col_index(ac)
        return r, r + 1, c, c + 1, True
    if bool(ac) != bool(bc) or not ((ac and bc) or (ar and br)) or "0" in (ar, br):
        return None
    r0 = int(ar) - 1 if ar else 0
    r1 = int(br) if br else None
    c0, c1 = (col_index(ac), col_index(bc) + 1) if ac else (None, None)
    if r1 is not None and r1 <= r0:
        r0, r1 = r1 - 1, r0 + 1
    if c0 is not None and c1 is not None and c1 <= c0:
        c0, c1 = c1 - 1, c0 + 1
    return r0, r1, c0, c1, False


def quote_title(title: str) -> str:
    plain = _PLAIN_TITLE.fullmatch(title) and not re.fullmatch(r"[A-Za-z]{1,3}\d+", title)
    return title if plain else "'{}'".format(title.replace("'", "''"))


def a1(title: str, r0: int, r1: int, c0: int, c1: int) -> str:
    """Google-style A1 text of a bounded window (end-exclusive indices)."""
    first = f"{col_letters(c0)}{r0 + 1}"
    if r1 - r0 == 1 and c1 - c0 == 1:
        return f"{quote_title(title)}!{first}"
    return f"{quote_title(title)}!{first}:{col_letters(c1 - 1)}{r1}"


# ----------------------------------------------------------------------------- values
_NUMBER = re.compile(
    r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
    r"|[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"
)


def to_extended(value: Any, user_entered: bool) -> dict[str, Any] | None:
    """A ValueRange cell -> ExtendedValue (``None`` clears the cell)."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int | float):
        return {"numberValue": value}
    if not isinstance(value, str):
        raise _invalid(f"Invalid values: {type(value).__name__}_value {json.dumps(value)}")
    if value == "":
        return None
    if not user_entered:
        return {"stringValue": value}
    if value.startswith("'"):
        return {"stringValue": value[1:]}
    if value.startswith("=") and len(value) > 1:
        return {"formulaValue": value}
    text = value.strip()
    if text.upper() in ("TRUE", "FALSE"):
        return {"boolValue": text.upper() == "TRUE"}
    if _NUMBER.fullmatch(text):
        return {"numberValue": _number(float(text.replace(",", "")))}
    return {"stringValue": value}


def _number(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _formatted(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        value = _number(value)
        return str(value) if isinstance(value, int) else f"{value:.10g}"
    return str(value)


def literal(cell: dict[str, Any] | None) -> Any:
    """The value a cell holds (computed result for formulas; ``""`` if none)."""
    uev = (cell or {}).get("userEnteredValue")
    if not uev:
        return ""
    if "formulaValue" in uev:
        return cell.get("_computed", "")  # type: ignore[union-attr]
    return next(iter(uev.values()))


def render(cell: dict[str, Any] | None, option: str) -> Any:
    """Render a cell for the values API (``FORMULA``/``UNFORMATTED_VALUE``/``FORMATTED_VALUE``)."""
    uev = (cell or {}).get("userEnteredValue") or {}
    if option == "FORMULA" and "formulaValue" in uev:
        return uev["formulaValue"]
    value = literal(cell)
    return _formatted(value) if option == "FORMATTED_VALUE" else _number(value)


def trim(rows: list[list[Any]]) -> list[list[Any]]:
    """Drop trailing empty cells per row, then trailing empty rows (as Google does)."""
    out = []
    for row in rows:
        while row and row[-1] == "":
            row.pop()
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


# ------------------------------------------------------------------------------ state
@dataclass
class Sheet:
    """One grid sheet: properties plus a sparse ``{(row, col): CellData}`` grid."""

    props: dict[str, Any]
    cells: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    merges: list[dict[str, Any]] = field(default_factory=list)
    protected: list[dict[str, Any]] = field(default_factory=list)
    conditional: list[dict[str, Any]] = field(default_factory=list)
    dims: dict[str, dict[int, dict[str, Any]]] = field(
        default_factory=lambda: {"ROWS": {}, "COLUMNS": {}}
    )

    @property
    def id(self) -> int:
        return self.props["sheetId"]

    @property
    def title(self) -> str:
        return self.props["title"]

    @property
    def rows(self) -> int:
        return self.props["gridProperties"]["rowCount"]

    @property
    def cols(self) -> int:
        return self.props["gridProperties"]["columnCount"]

    def count(self, dim: str) -> int:
        return self.rows if dim == "ROWS" else self.cols

    def extent(self) -> tuple[int, int]:
        """One past the last used row and column."""
        return (
            max((r for r, _ in self.cells), default=-1) + 1,
            max((c for _, c in self.cells), default=-1) + 1,
        )


@dataclass
class Book:
    """A spreadsheet."""

    id: str
    props: dict[str, Any]
    sheets: list[Sheet] = field(default_factory=list)
    named: list[dict[str, Any]] = field(default_factory=list)
    seq: int = 0

    def next_id(self) -> int:
        """A fresh, random-looking non-negative int32 (sheet / protected-range id)."""
        used = {s.id for s in self.sheets} | {
            p["protectedRangeId"] for s in self.sheets for p in s.protected
        }
        while True:
            self.seq += 1
            candidate = (self.seq * 1_103_515_245 + 12_345) % 2**31
            if candidate not in used:
                return candidate

    def find(self, title: str) -> Sheet | None:
        return next((s for s in self.sheets if s.title.casefold() == title.casefold()), None)

    def by_id(self, sheet_id: Any) -> Sheet:
        sheet = next((s for s in self.sheets if s.id == int(sheet_id or 0)), None)
        if sheet is None:
            raise _invalid(f"No grid with id: {sheet_id or 0}")
        return sheet

    def reindex(self) -> None:
        for i, sheet in enumerate(self.sheets):
            sheet.props["index"] = i


@dataclass
class Window:
    """A resolved, bounded range on one sheet (end-exclusive); ``single`` = one-cell anchor."""

    sheet: Sheet
    r0: int
    r1: int
    c0: int
    c1: int
    single: bool = False

    @property
    def a1(self) -> str:
        return a1(self.sheet.title, self.r0, self.r1, self.c0, self.c1)

    def positions(self) -> Iterator[tuple[int, int]]:
        return ((r, c) for r in range(self.r0, self.r1) for c in range(self.c0, self.c1))


def _grid_error(sheet: Sheet, text: str) -> FakeApiError:
    return _invalid(
        f"Range ({text}) exceeds grid limits. Max rows: {sheet.rows}, max columns: {sheet.cols}"
    )


def resolve(book: Book, text: str) -> Window:
    """Resolve values-API A1 text (sheet name, A1 range, or named range) to a window."""
    name, rng = split_sheet(text.strip())
    if name is None:
        sheet = book.find(rng or "")
        named = next(
            (n for n in book.named if n["name"].casefold() == (rng or "").casefold()), None
        )
        if sheet is not None:
            rng = None
        elif named is not None:
            return grid_window(book, named["range"])
        else:
            sheet = book.sheets[0]
    else:
        sheet = book.find(name)
    if sheet is None:
        raise _invalid(f"Unable to parse range: {text}")
    if not rng:
        return Window(sheet, 0, sheet.rows, 0, sheet.cols)
    cells = parse_cells(rng)
    named = next((n for n in book.named if n["name"].casefold() == rng.casefold()), None)
    if cells is None and named is not None:
        return grid_window(book, named["range"])
    if cells is None:
        raise _invalid(f"Unable to parse range: {text}")
    r0, r1, c0, c1, single = cells
    win = Window(
        sheet,
        r0 or 0,
        sheet.rows if r1 is None else r1,
        c0 or 0,
        sheet.cols if c1 is None else c1,
        single,
    )
    if win.r1 > sheet.rows or win.c1 > sheet.cols:
        raise _grid_error(sheet, f"{quote_title(sheet.title)}!{rng}")
    return win


def grid_window(book: Book, gr: dict[str, Any]) -> Window:
    """Resolve and bound-check a GridRange."""
    sheet = book.by_id(gr.get("sheetId"))
    win = Window(
        sheet,
        gr.get("startRowIndex", 0),
        gr.get("endRowIndex", sheet.rows),
        gr.get("startColumnIndex", 0),
        gr.get("endColumnIndex", sheet.cols),
    )
    if min(win.r0, win.c0) < 0 or win.r0 > win.r1 or win.c0 > win.c1:
        raise _invalid(f"Invalid GridRange: {json.dumps(gr)}")
    if win.r1 > sheet.rows or win.c1 > sheet.cols:
        raise _grid_error(
            sheet, a1(sheet.title, win.r0, max(win.r1, win.r0 + 1), win.c0, max(win.c1, win.c0 + 1))
        )
    return win


def write_cell(sheet: Sheet, pos: tuple[int, int], src: dict[str, Any], tree: dict) -> None:
    """Apply CellData ``src`` to one cell under field mask ``tree``."""
    cell = copy.deepcopy(sheet.cells.get(pos, {}))
    apply_mask(cell, {k: v for k, v in src.items() if k not in _READ_ONLY_CELL}, tree)
    if "*" in tree or "userEnteredValue" in tree:
        cell.pop("_computed", None)
    if cell:
        sheet.cells[pos] = cell
    else:
        sheet.cells.pop(pos, None)


def _gridranges(book: Book, sheet: Sheet) -> Iterator[dict[str, Any]]:
    """Every stored GridRange that points at ``sheet``."""
    ranges = [*sheet.merges, *(n["range"] for n in book.named if "range" in n)]
    for pr in sheet.protected:
        ranges += [pr.get("range") or {}, *pr.get("unprotectedRanges", [])]
    for rule in sheet.conditional:
        ranges += rule.get("ranges", [])
    yield from (r for r in ranges if r and int(r.get("sheetId", 0)) == sheet.id)


def shift(book: Book, sheet: Sheet, dim: str, start: int, delta: int) -> None:
    """Insert (delta > 0) or delete (delta < 0) rows/columns at ``start``, moving everything."""
    axis = 0 if dim == "ROWS" else 1
    end = start - delta

    def moved(i: int) -> int | None:
        if delta > 0:
            return i + delta if i >= start else i
        return None if start <= i < end else (i + delta if i >= end else i)

    cells = {}
    for pos, cell in sheet.cells.items():
        new = moved(pos[axis])
        if new is not None:
            cells[(new, pos[1]) if axis == 0 else (pos[0], new)] = cell
    sheet.cells = cells
    sheet.dims[dim] = {n: p for i, p in sheet.dims[dim].items() if (n := moved(i)) is not None}
    keys = ("startRowIndex", "endRowIndex") if axis == 0 else ("startColumnIndex", "endColumnIndex")
    for gr in _gridranges(book, sheet):
        for k in keys:
            if k in gr:
                b = gr[k]
                if delta > 0:
                    gr[k] = b + delta if b > start or (b == start and k == keys[0]) else b
                else:
                    gr[k] = b + delta if b >= end else min(b, start)
    sheet.merges = [m for m in sheet.merges if m.get(keys[0], 0) < m.get(keys[1], 1)]
    sheet.props["gridProperties"]["rowCount" if axis == 0 else "columnCount"] += delta


# -------------------------------------------------------------------- batchUpdate requests
_OPS: dict[str, Callable[[FakeGoogle, Book, dict[str, Any]], dict[str, Any] | None]] = {}


def _op(kind: str) -> Callable:
    def register(fn: Callable) -> Callable:
        _OPS[kind] = fn
        return fn

    return register


def _fields(req: dict[str, Any], ref: str) -> dict:
    spec = req.get("fields")
    if not spec:
        raise _invalid("At least one field must be specified in 'fields'.")
    problems = _APIS["sheets"].check_mask(ref, spec)
    if problems:
        raise _invalid("; ".join(problems))
    return parse_mask(spec)


def _check_title(book: Book, title: str, sheet: Sheet | None = None) -> None:
    other = book.find(title)
    if other is not None and other is not sheet:
        raise _invalid(
            f'A sheet with the name "{title}" already exists. Please enter another name.'
        )


def _move(book: Book, sheet: Sheet, index: int) -> None:
    """Move a sheet; like Google, ``index`` counts positions *before* the move."""
    if index > book.sheets.index(sheet):
        index -= 1
    book.sheets.remove(sheet)
    book.sheets.insert(max(0, min(index, len(book.sheets))), sheet)
    book.reindex()


@_op("addSheet")
def _add_sheet(fake: FakeGoogle, book: Book, req: dict) -> dict:
    props = copy.deepcopy(req.get("properties") or {})
    if props.get("sheetId") is not None and any(s.id == props["sheetId"] for s in book.sheets):
        raise _invalid(f"A sheet with the id {props['sheetId']} already exists.")
    props.setdefault("sheetId", book.next_id())
    if not props.get("title"):
        n = len(book.sheets) + 1
        while book.find(f"Sheet{n}"):
            n += 1
        props["title"] = f"Sheet{n}"
    _check_title(book, props["title"])
    props.setdefault("sheetType", "GRID")
    grid = props.setdefault("gridProperties", {})
    grid.setdefault("rowCount", 1000)
    grid.setdefault("columnCount", 26)
    sheet = Sheet(props)
    book.sheets.append(sheet)
    _move(book, sheet, props.get("index", len(book.sheets)))
    return {"properties": copy.deepcopy(props)}


@_op("duplicateSheet")
def _duplicate_sheet(fake: FakeGoogle, book: Book, req: dict) -> dict:
    source = book.by_id(req.get("sourceSheetId"))
    props = {
        "title": req.get("newSheetName") or f"Copy of {source.title}",
        "index": req.get("insertSheetIndex", len(book.sheets)),
        **({"sheetId": req["newSheetId"]} if "newSheetId" in req else {}),
        **{
            k: copy.deepcopy(v)
            for k, v in source.props.items()
            if k not in ("title", "index", "sheetId")
        },
    }
    reply = _add_sheet(fake, book, {"properties": props})
    new = book.by_id(reply["properties"]["sheetId"])
    for name in ("cells", "merges", "conditional", "dims"):
        setattr(new, name, copy.deepcopy(getattr(source, name)))
    for gr in [*new.merges, *(r for rule in new.conditional for r in rule.get("ranges", []))]:
        gr["sheetId"] = new.id
    return reply


@_op("deleteSheet")
def _delete_sheet(fake: FakeGoogle, book: Book, req: dict) -> None:
    sheet = book.by_id(req.get("sheetId"))
    if len(book.sheets) == 1:
        raise _invalid("You can't remove all the sheets in a document.")
    book.sheets.remove(sheet)
    book.named = [n for n in book.named if int(n.get("range", {}).get("sheetId", 0)) != sheet.id]
    book.reindex()


@_op("updateSheetProperties")
def _update_sheet_properties(fake: FakeGoogle, book: Book, req: dict) -> None:
    src = req.get("properties") or {}
    sheet, tree = book.by_id(src.get("sheetId")), _fields(req, "SheetProperties")
    new = copy.deepcopy(sheet.props)
    apply_mask(new, src, tree)
    new["sheetId"] = sheet.id
    grid = new.setdefault("gridProperties", {})
    for key in ("rowCount", "columnCount"):
        grid.setdefault(key, sheet.props["gridProperties"][key])
        if grid[key] < 1:
            raise _invalid(f"Invalid {key}: {grid[key]}")
    if grid.get("frozenRowCount", 0) >= grid["rowCount"]:
        raise _invalid("You can't freeze all visible rows on the sheet.")
    if grid.get("frozenColumnCount", 0) >= grid["columnCount"]:
        raise _invalid("You can't freeze all visible columns on the sheet.")
    if not new.get("title"):
        raise _invalid("Sheet title must not be empty.")
    _check_title(book, new["title"], sheet)
    sheet.props = new
    sheet.cells = {
        (r, c): v
        for (r, c), v in sheet.cells.items()
        if r < grid["rowCount"] and c < grid["columnCount"]
    }
    _move(book, sheet, new.get("index", book.sheets.index(sheet)))


@_op("updateSpreadsheetProperties")
def _update_spreadsheet_properties(fake: FakeGoogle, book: Book, req: dict) -> None:
    apply_mask(book.props, req.get("properties") or {}, _fields(req, "SpreadsheetProperties"))
    if not book.props.get("title"):
        raise _invalid("Spreadsheet title must not be empty.")


@_op("repeatCell")
def _repeat_cell(fake: FakeGoogle, book: Book, req: dict) -> None:
    tree, win = _fields(req, "CellData"), grid_window(book, req.get("range") or {})
    for pos in win.positions():
        write_cell(win.sheet, pos, req.get("cell") or {}, tree)


@_op("updateCells")
def _update_cells(fake: FakeGoogle, book: Book, req: dict) -> None:
    tree, rows = _fields(req, "CellData"), req.get("rows") or []
    if req.get("range") is not None:
        win = grid_window(book, req["range"])
    elif req.get("start") is not None:
        start = req["start"]
        sheet = book.by_id(start.get("sheetId"))
        r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
        width = max((len(row.get("values") or []) for row in rows), default=0)
        win = grid_window(
            book,
            {
                "sheetId": sheet.id,
                "startRowIndex": r0,
                "endRowIndex": r0 + len(rows),
                "startColumnIndex": c0,
                "endColumnIndex": c0 + width,
            },
        )
    else:
        raise _invalid("Either 'range' or 'start' must be set.")
    written = set()
    for i, row in enumerate(rows):
        for j, cell in enumerate(row.get("values") or []):
            pos = (win.r0 + i, win.c0 + j)
            if pos[0] >= win.r1 or pos[1] >= win.c1:
                raise _invalid(
                    f"Attempting to write row: {pos[0]}, column: {pos[1]} "
                    f"outside the requested range {win.a1}"
                )
            write_cell(win.sheet, pos, cell or {}, tree)
            written.add(pos)
    for pos in win.positions():  # the rest of the range is cleared per the mask
        if pos not in written:
            write_cell(win.sheet, pos, {}, tree)


@_op("setDataValidation")
def _set_data_validation(fake: FakeGoogle, book: Book, req: dict) -> None:
    win, rule = grid_window(book, req.get("range") or {}), req.get("rule")
    if rule is not None and not rule.get("condition"):
        raise _invalid("Invalid data validation rule: a condition is required.")
    for pos in win.positions():
        write_cell(win.sheet, pos, {"dataValidation": rule}, {"dataValidation": {}})


def _named(book: Book, named_id: str) -> dict[str, Any]:
    found = next((n for n in book.named if n["namedRangeId"] == named_id), None)
    if found is None:
        raise _invalid(f"No NamedRange with id {named_id}")
    return found


def _protected(book: Book, range_id: Any) -> tuple[Sheet, dict[str, Any]]:
    for sheet in book.sheets:
        for pr in sheet.protected:
            if pr["protectedRangeId"] == int(range_id or 0):
                return sheet, pr
    raise _invalid(f"No protected range with id: {range_id}")


def _protected_sheet(fake: FakeGoogle, book: Book, pr: dict[str, Any]) -> Sheet:
    if pr.get("namedRangeId"):
        gr = _named(book, pr["namedRangeId"])["range"]
    elif pr.get("range") is not None:
        gr = pr["range"]
        gr["sheetId"] = grid_window(book, gr).sheet.id
    else:
        raise _invalid("A protected range must have a range or a namedRangeId.")
    if pr.get("warningOnly") and pr.get("editors"):
        raise _invalid("Editors are not supported with warningOnly protection.")
    if not pr.get("warningOnly"):
        users = pr.setdefault("editors", {}).setdefault("users", [])
        if fake.account_email not in users:
            users.insert(0, fake.account_email)
    pr["requestingUserCanEdit"] = True
    return book.by_id(gr.get("sheetId"))


@_op("addProtectedRange")
def _add_protected_range(fake: FakeGoogle, book: Book, req: dict) -> dict:
    pr = copy.deepcopy(req.get("protectedRange") or {})
    if pr.get("protectedRangeId") is not None:
        if any(
            p["protectedRangeId"] == pr["protectedRangeId"]
            for s in book.sheets
            for p in s.protected
        ):
            raise _invalid(f"A protected range with id {pr['protectedRangeId']} already exists.")
    else:
        pr["protectedRangeId"] = book.next_id()
    _protected_sheet(fake, book, pr).protected.append(pr)
    return {"protectedRange": copy.deepcopy(pr)}


@_op("updateProtectedRange")
def _update_protected_range(fake: FakeGoogle, book: Book, req: dict) -> None:
    src = req.get("protectedRange") or {}
    sheet, pr = _protected(book, src.get("protectedRangeId"))
    new = copy.deepcopy(pr)
    apply_mask(new, src, _fields(req, "ProtectedRange"))
    new["protectedRangeId"] = pr["protectedRangeId"]
    target = _protected_sheet(fake, book, new)
    sheet.protected.remove(pr)
    target.protected.append(new)


@_op("deleteProtectedRange")
def _delete_protected_range(fake: FakeGoogle, book: Book, req: dict) -> None:
    sheet, pr = _protected(book, req.get("protectedRangeId"))
    sheet.protected.remove(pr)


def _check_named(book: Book, nr: dict[str, Any]) -> None:
    name = nr.get("name") or ""
    if (
        not re.fullmatch(r"[^\W\d][\w.]*", name)
        or parse_cells(name) is not None
        or re.fullmatch(r"[Rr]\d*[Cc]\d*", name)
        or name.upper() in ("TRUE", "FALSE")
    ):
        raise _invalid(f"Invalid name for a named range: {name!r}")
    if any(n["name"].casefold() == name.casefold() and n is not nr for n in book.named):
        raise _invalid(f"A named range with the name '{name}' already exists.")
    nr["range"] = copy.deepcopy(nr.get("range") or {})
    nr["range"]["sheetId"] = grid_window(book, nr["range"]).sheet.id


@_op("addNamedRange")
def _add_named_range(fake: FakeGoogle, book: Book, req: dict) -> dict:
    nr = copy.deepcopy(req.get("namedRange") or {})
    if nr.get("namedRangeId") and any(n["namedRangeId"] == nr["namedRangeId"] for n in book.named):
        raise _invalid(f"A named range with id {nr['namedRangeId']} already exists.")
    nr.setdefault(
        "namedRangeId",
        hashlib.sha1(f"{book.id}:{nr.get('name')}:{book.next_id()}".encode()).hexdigest()[:12],
    )
    _check_named(book, nr)
    book.named.append(nr)
    return {"namedRange": copy.deepcopy(nr)}


@_op("updateNamedRange")
def _update_named_range(fake: FakeGoogle, book: Book, req: dict) -> None:
    src = req.get("namedRange") or {}
    nr = _named(book, src.get("namedRangeId") or "")
    new = copy.deepcopy(nr)
    apply_mask(new, src, _fields(req, "NamedRange"))
    new["namedRangeId"] = nr["namedRangeId"]
    _check_named(book, new)
    book.named[book.named.index(nr)] = new


@_op("deleteNamedRange")
def _delete_named_range(fake: FakeGoogle, book: Book, req: dict) -> None:
    book.named.remove(_named(book, req.get("namedRangeId") or ""))


def _intersects(a: dict[str, Any], win: Window) -> bool:
    return (
        int(a.get("sheetId", 0)) == win.sheet.id
        and a["startRowIndex"] < win.r1
        and win.r0 < a["endRowIndex"]
        and a["startColumnIndex"] < win.c1
        and win.c0 < a["endColumnIndex"]
    )


@_op("mergeCells")
def _merge_cells(fake: FakeGoogle, book: Book, req: dict) -> None:
    win, kind = grid_window(book, req.get("range") or {}), req.get("mergeType") or "MERGE_ALL"
    if kind == "MERGE_ROWS":
        blocks = [(r, r + 1, win.c0, win.c1) for r in range(win.r0, win.r1)]
    elif kind == "MERGE_COLUMNS":
        blocks = [(win.r0, win.r1, c, c + 1) for c in range(win.c0, win.c1)]
    else:
        blocks = [(win.r0, win.r1, win.c0, win.c1)]
    sheet = win.sheet
    sheet.merges = [m for m in sheet.merges if not _intersects(m, win)]
    for r0, r1, c0, c1 in blocks:
        sheet.merges.append(
            {
                "sheetId": sheet.id,
                "startRowIndex": r0,
                "endRowIndex": r1,
                "startColumnIndex": c0,
                "endColumnIndex": c1,
            }
        )
        for pos in Window(sheet, r0, r1, c0, c1).positions():
            if pos != (r0, c0) and pos in sheet.cells:  # only the top-left value survives
                write_cell(sheet, pos, {}, {"userEnteredValue": {}})


@_op("unmergeCells")
def _unmerge_cells(fake: FakeGoogle, book: Book, req: dict) -> None:
    win = grid_window(book, req.get("range") or {})
    win.sheet.merges = [m for m in win.sheet.merges if not _intersects(m, win)]


def _dimension_range(book: Book, dr: dict[str, Any]) -> tuple[Sheet, str, int, int]:
    sheet = book.by_id(dr.get("sheetId"))
    dim = dr.get("dimension")
    if dim not in ("ROWS", "COLUMNS"):
        raise _invalid(f"Invalid dimension: {dim}")
    start, end = dr.get("startIndex", 0), dr.get("endIndex", sheet.count(dim))
    if not 0 <= start <= end <= sheet.count(dim):
        raise _invalid(
            f"Invalid dimension range {start}:{end} on sheet {sheet.title!r} "
            f"({sheet.count(dim)} {dim.lower()})"
        )
    return sheet, dim, start, end


@_op("updateDimensionProperties")
def _update_dimension_properties(fake: FakeGoogle, book: Book, req: dict) -> None:
    sheet, dim, start, end = _dimension_range(book, req.get("range") or {})
    tree = _fields(req, "DimensionProperties")
    for i in range(start, end):
        props = sheet.dims[dim].get(i, {})
        apply_mask(props, req.get("properties") or {}, tree)
        if props:
            sheet.dims[dim][i] = props
        else:
            sheet.dims[dim].pop(i, None)


@_op("autoResizeDimensions")
def _auto_resize_dimensions(fake: FakeGoogle, book: Book, req: dict) -> None:
    if req.get("dimensions"):
        _dimension_range(book, req["dimensions"])


@_op("updateBorders")
def _update_borders(fake: FakeGoogle, book: Book, req: dict) -> None:
    grid_window(book, req.get("range") or {})  # validated only; borders are not modelled


@_op("addConditionalFormatRule")
def _add_conditional_format_rule(fake: FakeGoogle, book: Book, req: dict) -> None:
    rule = copy.deepcopy(req.get("rule") or {})
    sheets = {grid_window(book, gr).sheet.id for gr in rule.get("ranges") or []}
    if len(sheets) != 1:
        raise _invalid("A conditional format rule needs ranges on exactly one sheet.")
    if not (rule.get("booleanRule") or rule.get("gradientRule")):
        raise _invalid("A conditional format rule needs a booleanRule or a gradientRule.")
    sheet = book.by_id(sheets.pop())
    index = req.get("index", 0)
    if not 0 <= index <= len(sheet.conditional):
        raise _invalid(f"Invalid index {index} for conditional format rule.")
    sheet.conditional.insert(index, rule)


@_op("deleteConditionalFormatRule")
def _delete_conditional_format_rule(fake: FakeGoogle, book: Book, req: dict) -> dict:
    sheet, index = book.by_id(req.get("sheetId")), req.get("index", 0)
    if not 0 <= index < len(sheet.conditional):
        raise _invalid(f"No conditional format on sheet {sheet.id} at index {index}")
    return {"rule": sheet.conditional.pop(index)}


@_op("appendDimension")
def _append_dimension(fake: FakeGoogle, book: Book, req: dict) -> None:
    sheet, dim = book.by_id(req.get("sheetId")), req.get("dimension")
    if dim not in ("ROWS", "COLUMNS") or req.get("length", 0) < 1:
        raise _invalid("appendDimension needs a dimension and a positive length.")
    sheet.props["gridProperties"]["rowCount" if dim == "ROWS" else "columnCount"] += req["length"]


@_op("insertDimension")
def _insert_dimension(fake: FakeGoogle, book: Book, req: dict) -> None:
    sheet, dim, start, end = _dimension_range(book, req.get("range") or {})
    before = bool(req.get("inheritFromBefore"))
    if before and start == 0:
        raise _invalid("Cannot inherit from before when inserting at index 0.")
    shift(book, sheet, dim, start, end - start)
    source = start - 1 if before else end
    for (r, c), cell in list(sheet.cells.items()):  # new cells inherit the neighbour's format
        if (r if dim == "ROWS" else c) == source and "userEnteredFormat" in cell:
            for i in range(start, end):
                pos = (i, c) if dim == "ROWS" else (r, i)
                write_cell(sheet, pos, cell, {"userEnteredFormat": {}})


@_op("deleteDimension")
def _delete_dimension(fake: FakeGoogle, book: Book, req: dict) -> None:
    sheet, dim, start, end = _dimension_range(book, req.get("range") or {})
    if end - start >= sheet.count(dim):
        raise _invalid(f"You can't delete all the {dim.lower()} on the sheet.")
    shift(book, sheet, dim, start, start - end)


# ------------------------------------------------------------------------------ the fake
@dataclass
class Call:
    """One recorded HTTP request (``path`` is percent-decoded)."""

    method: str
    host: str
    path: str
    params: dict[str, Any]
    body: Any
    api_method: str | None = None  # discovery id, e.g. "sheets.spreadsheets.values.batchGet"
    status: int | None = None

    @property
    def subrequests(self) -> list[str]:
        """The request kinds of a spreadsheets.batchUpdate body, in order."""
        if self.api_method != "sheets.spreadsheets.batchUpdate" or not isinstance(self.body, dict):
            return []
        return [k for req in self.body.get("requests") or [] for k in req]

    def matches(self, kind: str | None) -> bool:
        name = self.api_method or ""
        return kind is None or name == kind or name.endswith("." + kind)


@dataclass
class _Failure:
    status: int
    times: int
    reason: str | None
    message: str | None
    kind: str | None


@dataclass
class _Ctx:
    api: str
    method: _Method
    path: dict[str, str]
    query: dict[str, list[str]]
    body: Any

    def q(self, name: str, default: str | None = None) -> str | None:
        return (self.query.get(name) or [default])[0]

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.q(name)
        return default if value is None else value.lower() == "true"


_ROUTES: dict[str, Callable[[FakeGoogle, _Ctx], Any]] = {}


def _route(method_id: str) -> Callable:
    def register(fn: Callable) -> Callable:
        _ROUTES[method_id] = fn
        return fn

    return register


def _strip_nulls(value: Any) -> Any:
    """Drop JSON nulls (proto3 JSON treats them as unset fields)."""
    if isinstance(value, dict):
        return {k: _strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_nulls(v) for v in value]
    return value


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _drive_fields(ctx: _Ctx, obj: dict[str, Any], default: str) -> dict[str, Any]:
    return project(obj, parse_mask(ctx.q("fields") or default))


class FakeGoogle(BaseAdapter):
    """In-memory Sheets v4 + Drive v3 behind a ``requests`` adapter (see module docstring)."""

    def __init__(
        self,
        account_email: str = "fake-sa@fake-project.iam.gserviceaccount.com",
        locale: str = "en_US",
        time_zone: str = "Etc/GMT",
    ) -> None:
        super().__init__()
        self.account_email, self.locale, self.time_zone = account_email, locale, time_zone
        self.requests: list[Call] = []
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.unhandled: list[str] = []  # schema-valid batchUpdate kinds applied as no-ops
        self.notifications: list[dict[str, Any]] = []  # share e-mails Drive would send
        self.books: dict[str, Book] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.perms: dict[str, list[dict[str, Any]]] = {}
        self.comments: dict[str, list[dict[str, Any]]] = {}
        self.forbid_create_in_own_drive = False
        self.non_google_accounts: set[str] = set()  # e-mails without a Google account
        self.root_folder_id = "0AFakeRootFolderUk9PVA"
        self._failures: list[_Failure] = []
        self._seq = 0
        self._lock = threading.RLock()

    # ---------------------------------------------------------------- transport
    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        """Answer one prepared request from the in-memory model."""
        with self._lock:
            url = urlsplit(request.url or "")
            if url.scheme != "https" or url.hostname not in _HOSTS:
                message = f"FakeGoogle: request to unexpected host: {request.method} {request.url}"
                self.errors.append(message)
                raise AssertionError(message)
            query = parse_qs(url.query, keep_blank_values=True)
            raw = request.body.decode("utf-8") if isinstance(request.body, bytes) else request.body
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw
            api = _HOSTS[url.hostname]
            call = Call(
                request.method or "GET",
                url.hostname,
                unquote(url.path),
                self._params(api, query),
                body,
            )
            self.requests.append(call)
            status, payload = self._dispatch(api, call, url.path, query, body)
            call.status = status
            return self._response(request, status, payload)

    def close(self) -> None:
        """Nothing to release."""

    @staticmethod
    def _params(api: str, query: dict[str, list[str]]) -> dict[str, Any]:
        common = _APIS[api].common
        repeated = {n for m in _APIS[api].methods for n, s in m.params.items() if s.get("repeated")}
        return {k: v if k in repeated and k not in common else v[-1] for k, v in query.items()}

    def _dispatch(
        self, api: str, call: Call, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        disc = _APIS[api]
        found = disc.match(call.method, path)
        if found is None:
            self.errors.append(f"no {api} discovery method for {call.method} {call.path}")
            return 404, FakeApiError(404, f"Unknown path: {call.method} {call.path}").body(api)
        method, path_params = found
        call.api_method = method.id
        problems = disc.check_query(method, query)
        if method.request:
            problems += disc.check_body(method.request, body)
        elif body is not None:
            problems.append(("", f"{method.id} takes no request body"))
        for key, message in problems:
            (self.warnings if key in TOLERATED else self.errors).append(f"{method.id}: {message}")
        failure = next((f for f in self._failures if call.matches(f.kind)), None)
        if failure is not None:
            failure.times -= 1
            if failure.times <= 0:
                self._failures.remove(failure)
            err = FakeApiError(failure.status, failure.message, failure.reason)
            return failure.status, err.body(api)
        errors = [m for k, m in problems if k not in TOLERATED]
        if errors:
            return 400, _invalid("Invalid JSON payload received. " + "\n".join(errors)).body(api)
        handler = _ROUTES.get(method.id)
        if handler is None:
            self.errors.append(f"{method.id} is not implemented by FakeGoogle")
            return 501, FakeApiError(501, f"{method.id} is not implemented by FakeGoogle").body(api)
        try:
            result = handler(self, _Ctx(api, method, path_params, query, _strip_nulls(body)))
        except FakeApiError as err:
            return err.code, err.body(api)
        return result if isinstance(result, tuple) else (200, result)

    @staticmethod
    def _response(
        request: requests.PreparedRequest, status: int, payload: Any
    ) -> requests.Response:
        resp = requests.Response()
        resp.status_code = status
        resp.reason = HTTPStatus(status).phrase
        resp.headers = CaseInsensitiveDict({"Content-Type": "application/json; charset=UTF-8"})
        resp._content = b"" if payload is None else json.dumps(payload).encode("utf-8")
        resp._content_consumed = True
        resp.raw = io.BytesIO(resp._content)
        resp.encoding = "utf-8"
        resp.url = request.url or ""
        resp.request = request
        return resp

    # ------------------------------------------------------------ test controls
    def fail_next(
        self,
        status: int,
        times: int = 1,
        reason: str | None = None,
        message: str | None = None,
        kind: str | None = None,
    ) -> None:
        """Answer the next ``times`` requests (optionally only API method ``kind``) with an error.

        ``reason`` is the Google status (e.g. ``"PERMISSION_DENIED"``); both it and
        ``message`` default to what Google sends for ``status``.
        """
        self._failures.append(_Failure(status, times, reason, message, kind))

    def count(self, kind: str | None = None) -> int:
        """Number of requests, or of those to API method ``kind`` (full id or dotted suffix)."""
        return len(self.calls(kind))

    def calls(self, kind: str | None = None) -> list[Call]:
        """Recorded requests, optionally only those to API method ``kind``."""
        return [c for c in self.requests if c.matches(kind)]

    def assert_clean(self) -> None:
        """Fail if any protocol error (validation, unknown path or host...) was recorded."""
        if self.errors:
            raise AssertionError("FakeGoogle saw invalid requests:\n  " + "\n  ".join(self.errors))

    # ------------------------------------------------------------ seeding helpers
    def _new_id(self, length: int) -> str:
        self._seq += 1
        digest = hashlib.sha256(f"fake-google:{self._seq}".encode()).digest()
        return "1" + base64.urlsafe_b64encode(digest).decode()[: length - 1]

    def add_folder(
        self, name: str = "Folder", folder_id: str | None = None, shared_drive: bool = False
    ) -> str:
        """Create a Drive folder (optionally on a shared drive) and return its id."""
        fid = folder_id or self._new_id(33)
        self._add_file(fid, name, FOLDER_MIME, [self.root_folder_id], shared_drive)
        return fid

    def add_spreadsheet(
        self,
        title: str = "Untitled spreadsheet",
        sheet_titles: tuple[str, ...] = ("Sheet1",),
        parent: str | None = None,
    ) -> str:
        """Create a spreadsheet without any request and return its id."""
        sid = self._new_id(44)
        self._make_book(sid, {"title": title}, [{"properties": {"title": t}} for t in sheet_titles])
        self._add_file(sid, title, SHEETS_MIME, [parent or self.root_folder_id])
        return sid

    def _add_file(
        self, fid: str, name: str, mime: str, parents: list[str], shared_drive: bool | None = None
    ) -> dict[str, Any]:
        if shared_drive is None:
            shared_drive = any(self.files.get(p, {}).get("_shared") for p in parents)
        now = _now()
        self.files[fid] = {
            "kind": "drive#file",
            "id": fid,
            "name": name,
            "mimeType": mime,
            "parents": parents,
            "createdTime": now,
            "modifiedTime": now,
            "trashed": False,
            "_shared": shared_drive,
        }
        self.perms[fid] = [
            {
                "kind": "drive#permission",
                "id": self._perm_id(self.account_email),
                "type": "user",
                "role": "organizer" if shared_drive else "owner",
                "emailAddress": self.account_email,
                "deleted": False,
                "pendingOwner": False,
            }
        ]
        return self.files[fid]

    def _make_book(self, sid: str, props: dict[str, Any], sheets: list[dict[str, Any]]) -> Book:
        book = Book(
            sid,
            {
                "title": "Untitled spreadsheet",
                "locale": self.locale,
                "autoRecalc": "ON_CHANGE",
                "timeZone": self.time_zone,
            },
        )
        book.props.update(copy.deepcopy(props))
        for i, spec in enumerate(sheets or [{}]):
            props = {"sheetId": 0} if i == 0 else {}  # Google numbers the first sheet 0
            _add_sheet(self, book, {"properties": {**props, **(spec.get("properties") or {})}})
            for data in spec.get("data") or []:
                r0, c0 = data.get("startRow", 0), data.get("startColumn", 0)
                for i, row in enumerate(data.get("rowData") or []):
                    for j, cell in enumerate(row.get("values") or []):
                        write_cell(book.sheets[-1], (r0 + i, c0 + j), cell, {"*": {}})
        self.books[sid] = book
        return book

    @staticmethod
    def _perm_id(email: str) -> str:
        return str(int(hashlib.sha256(email.lower().encode()).hexdigest(), 16) % 10**20)

    # ----------------------------------------------------------- inspection helpers
    def book(self, spreadsheet_id: str) -> Book:
        """The stored spreadsheet (404 ``FakeApiError`` if unknown)."""
        book = self.books.get(spreadsheet_id)
        if book is None or self.files.get(spreadsheet_id, {}).get("trashed"):
            raise FakeApiError(404, NOT_FOUND_MESSAGE)
        return book

    def sheet(self, spreadsheet_id: str, title: str) -> Sheet:
        """The stored sheet object (cells, merges, protected, conditional, dims)."""
        sheet = self.book(spreadsheet_id).find(title)
        if sheet is None:
            raise KeyError(f"no sheet {title!r} in {spreadsheet_id}")
        return sheet

    def _window(self, spreadsheet_id: str, title: str, cell_range: str) -> Window:
        return resolve(self.book(spreadsheet_id), f"{quote_title(title)}!{cell_range}")

    def sheet_titles(self, spreadsheet_id: str) -> list[str]:
        return [s.title for s in self.book(spreadsheet_id).sheets]

    def cell(self, spreadsheet_id: str, sheet_title: str, ref: str) -> dict[str, Any]:
        """``{"value", "formula", "note", "format", "dataValidation"}`` of one cell."""
        win = self._window(spreadsheet_id, sheet_title, ref)
        cell = win.sheet.cells.get((win.r0, win.c0)) or {}
        uev = cell.get("userEnteredValue") or {}
        return {
            "value": _number(literal(cell)) if literal(cell) != "" else None,
            "formula": uev.get("formulaValue"),
            "note": cell.get("note"),
            "format": cell.get("userEnteredFormat"),
            "dataValidation": cell.get("dataValidation"),
        }

    def values(
        self,
        spreadsheet_id: str,
        sheet_title: str,
        render_option: str = "FORMULA",
        cell_range: str | None = None,
    ) -> list[list[Any]]:
        """Trimmed rows of a sheet (or of ``cell_range`` on it) like values.get renders them."""
        book = self.book(spreadsheet_id)
        text = quote_title(sheet_title) + (f"!{cell_range}" if cell_range else "")
        return self._matrix(resolve(book, text), render_option, "ROWS")

    def set_values(
        self,
        spreadsheet_id: str,
        sheet_title: str,
        ref: str,
        rows: list[list[Any]],
        user_entered: bool = True,
    ) -> None:
        """Write values as a user typing them would (no request is recorded)."""
        book = self.book(spreadsheet_id)
        self._write(book, f"{quote_title(sheet_title)}!{ref}", rows, "ROWS", user_entered)

    def set_computed(self, spreadsheet_id: str, sheet_title: str, ref: str, value: Any) -> None:
        """Give a formula cell the result Google would have computed."""
        win = self._window(spreadsheet_id, sheet_title, ref)
        cell = win.sheet.cells.get((win.r0, win.c0)) or {}
        if "formulaValue" not in (cell.get("userEnteredValue") or {}):
            raise ValueError(f"{ref} on {sheet_title!r} holds no formula")
        cell["_computed"] = value

    def permissions(self, file_id: str) -> list[dict[str, Any]]:
        return copy.deepcopy(self.perms.get(file_id, []))

    def protected_ranges(self, spreadsheet_id: str) -> list[dict[str, Any]]:
        return [copy.deepcopy(p) for s in self.book(spreadsheet_id).sheets for p in s.protected]

    def named_ranges(self, spreadsheet_id: str) -> list[dict[str, Any]]:
        return copy.deepcopy(self.book(spreadsheet_id).named)

    # --------------------------------------------------------------- value model
    @staticmethod
    def _matrix(win: Window, option: str, major: str) -> list[list[Any]]:
        used_r, used_c = win.sheet.extent()
        r1, c1 = min(win.r1, used_r), min(win.c1, used_c)
        rows = [
            [render(win.sheet.cells.get((r, c)), option) for c in range(win.c0, c1)]
            for r in range(win.r0, r1)
        ]
        if major == "COLUMNS":
            rows = [list(col) for col in zip(*rows, strict=True)]
        return trim(rows)

    def _value_range(self, book: Book, text: str, option: str, major: str) -> dict[str, Any]:
        win = resolve(book, text)
        out: dict[str, Any] = {"range": win.a1, "majorDimension": major}
        values = self._matrix(win, option, major)
        if values:
            out["values"] = values
        return out

    def _write(
        self,
        book: Book,
        text: str,
        values: Any,
        major: str,
        user_entered: bool,
    ) -> dict[str, Any]:
        win = resolve(book, text)
        sheet, writes = win.sheet, []
        for i, line in enumerate(values or []):
            if not isinstance(line, list):
                raise _invalid(f"Invalid values[{i}]: expected a list, got {json.dumps(line)}")
            for j, value in enumerate(line):
                r, c = (win.r0 + j, win.c0 + i) if major == "COLUMNS" else (win.r0 + i, win.c0 + j)
                if not win.single and (r >= win.r1 or c >= win.c1):
                    what = f"row [{r + 1}]" if r >= win.r1 else f"column [{col_letters(c)}]"
                    raise _invalid(
                        f"Requested writing within range [{text}], but tried writing to {what}"
                    )
                if r >= sheet.rows or c >= sheet.cols:
                    raise _grid_error(sheet, a1(sheet.title, r, r + 1, c, c + 1))
                if value is not None:  # null = leave the cell as it is
                    writes.append(((r, c), to_extended(value, user_entered)))
        for pos, ext in writes:
            write_cell(sheet, pos, {"userEnteredValue": ext}, {"userEnteredValue": {}})
        out: dict[str, Any] = {"spreadsheetId": book.id}
        if not writes:
            out["updatedRange"] = win.a1
            return out
        rs, cs = [p[0] for p, _ in writes], [p[1] for p, _ in writes]
        r1, c1 = max(max(rs) + 1, win.r0 + 1), max(max(cs) + 1, win.c0 + 1)
        out.update(
            updatedRange=a1(sheet.title, win.r0, r1, win.c0, c1),
            updatedRows=len(set(rs)),
            updatedColumns=len(set(cs)),
            updatedCells=len(writes),
        )
        return out

    def _input_option(self, option: str | None) -> bool:
        if option not in ("RAW", "USER_ENTERED"):
            option = option or "INPUT_VALUE_OPTION_UNSPECIFIED"
            raise _invalid(f"Invalid valueInputOption: {option}")
        return option == "USER_ENTERED"

    # ---------------------------------------------------------- spreadsheet JSON
    def _book_json(self, book: Book, grid: bool, ranges: list[str]) -> dict[str, Any]:
        windows = [resolve(book, r) for r in ranges]
        wanted = {w.sheet.id for w in windows}
        sheets = []
        for sheet in book.sheets:
            if windows and sheet.id not in wanted:
                continue
            props = copy.deepcopy(sheet.props)
            if not props.get("hidden"):
                props.pop("hidden", None)
            props["gridProperties"] = {k: v for k, v in props["gridProperties"].items() if v}
            out: dict[str, Any] = {"properties": props}
            for key, items in (
                ("merges", sheet.merges),
                ("conditionalFormats", sheet.conditional),
                ("protectedRanges", sheet.protected),
            ):
                if items:
                    out[key] = copy.deepcopy(items)
            if grid:
                mine = [w for w in windows if w.sheet is sheet]
                out["data"] = [
                    self._grid_data(w)
                    for w in mine or [Window(sheet, 0, sheet.rows, 0, sheet.cols)]
                ]
            sheets.append(out)
        result = {
            "spreadsheetId": book.id,
            "properties": copy.deepcopy(book.props),
            "sheets": sheets,
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.id}/edit",
        }
        if book.named:
            result["namedRanges"] = copy.deepcopy(book.named)
        return result

    @staticmethod
    def _grid_data(win: Window) -> dict[str, Any]:
        used_r, used_c = win.sheet.extent()
        rows = []
        for r in range(win.r0, min(win.r1, used_r)):
            values = []
            for c in range(win.c0, min(win.c1, used_c)):
                cell = {
                    k: copy.deepcopy(v)
                    for k, v in win.sheet.cells.get((r, c), {}).items()
                    if k != "_computed"
                }
                if literal(win.sheet.cells.get((r, c))) != "":
                    value = literal(win.sheet.cells[(r, c)])
                    cell["effectiveValue"] = to_extended(value, False)
                    cell["formattedValue"] = _formatted(value)
                values.append(cell)
            while values and not values[-1]:
                values.pop()
            rows.append({"values": values} if values else {})
        while rows and not rows[-1]:
            rows.pop()
        out: dict[str, Any] = {"rowData": rows}
        meta = {
            "ROWS": ("rowMetadata", range(win.r0, win.r1), 21),
            "COLUMNS": ("columnMetadata", range(win.c0, win.c1), 100),
        }
        for dim, (key, span, size) in meta.items():
            out[key] = [{"pixelSize": size, **win.sheet.dims[dim].get(i, {})} for i in span]
        if win.r0:
            out["startRow"] = win.r0
        if win.c0:
            out["startColumn"] = win.c0
        return out

    # ------------------------------------------------------------ Drive helpers
    def _file(self, ctx: _Ctx, fid: str) -> dict[str, Any]:
        file = self.files.get(fid)
        needs_flag = "supportsAllDrives" in ctx.method.params  # e.g. comments do not
        if file is None or (file["_shared"] and needs_flag and not ctx.flag("supportsAllDrives")):
            raise FakeApiError(404, f"File not found: {fid}.", reason="notFound")
        return file

    def _file_json(self, file: dict[str, Any]) -> dict[str, Any]:
        out = {k: copy.deepcopy(v) for k, v in file.items() if not k.startswith("_")}
        if file["id"] in self.books:
            out["name"] = self.books[file["id"]].props["title"]
        out["webViewLink"] = (
            f"https://docs.google.com/spreadsheets/d/{file['id']}/edit"
            if file["mimeType"] == SHEETS_MIME
            else f"https://drive.google.com/drive/folders/{file['id']}"
        )
        out["permissionIds"] = [p["id"] for p in self.perms.get(file["id"], [])]
        return out

    def _parents(self, ctx: _Ctx, parents: list[str] | None) -> list[str]:
        for parent in parents or []:
            if self._file(ctx, parent)["mimeType"] != FOLDER_MIME:
                raise _invalid(f"The parent {parent} is not a folder.")
        if parents and len(parents) > 1:
            raise FakeApiError(403, "A file can only have one parent.", reason="cannotAddParent")
        if not parents and self.forbid_create_in_own_drive:
            raise FakeApiError(403, QUOTA_MESSAGE, reason="storageQuotaExceeded")
        return list(parents or [self.root_folder_id])

    def _create_file(
        self, ctx: _Ctx, name: str, mime: str, parents: list[str] | None, source: Book | None = None
    ) -> dict[str, Any]:
        parents = self._parents(ctx, parents)
        fid = self._new_id(44 if mime == SHEETS_MIME else 33)
        if mime == SHEETS_MIME:
            if source is not None:
                self.books[fid] = copy.deepcopy(source)
                self.books[fid].id = fid
                self.books[fid].props["title"] = name
            else:
                self._make_book(fid, {"title": name}, [])
        return self._add_file(fid, name, mime, parents)


# ---------------------------------------------------------------------- Sheets routes
@_route("sheets.spreadsheets.create")
def _sheets_create(fake: FakeGoogle, ctx: _Ctx) -> dict[str, Any]:
    body = ctx.body or {}
    if fake.forbid_create_in_own_drive:
        raise FakeApiError(403, QUOTA_MESSAGE)
    title = (body.get("properties") or {}).get("title") or "Untitled spreadsheet"
    sid = fake._new_id(44)
    book = fake._make_book(sid, body.get("properties") or {}, body.get("sheets") or [])
    for nr in body.get("namedRanges") or []:
        _add_named_range(fake, book, {"namedRange": nr})
    fake._add_file(sid, title, SHEETS_MIME, [fake.root_folder_id])
    return fake._book_json(book, False, [])


@_route("sheets.spreadsheets.get")
def _sheets_get(fake: FakeGoogle, ctx: _Ctx) -> dict[str, Any]:
    book, mask = fake.book(ctx.path["spreadsheetId"]), parse_mask(ctx.q("fields") or "")
    # Like Google: includeGridData is ignored when a field mask is given.
    grid = "data" in mask.get("sheets", {}) if mask else ctx.flag("includeGridData")
    return project(fake._book_json(book, grid, ctx.query.get("ranges", [])), mask)


@_route("sheets.spreadsheets.batchUpdate")
def _sheets_batch_update(fake: FakeGoogle, ctx: _Ctx) -> dict[str, Any]:
    """Apply all requests to a copy and commit only if every one succeeds (atomic)."""
    book = fake.book(ctx.path["spreadsheetId"])
    body = ctx.body or {}
    work, replies = copy.deepcopy(book), []
    reply_kinds = _APIS["sheets"].schemas["Response"]["properties"]
    for i, req in enumerate(body.get("requests") or []):
        kinds = [k for k, v in req.items() if v is not None]
        if not kinds:
            raise _invalid(f"Invalid requests[{i}]: No request set.")
        kind = kinds[0]
        op = _OPS.get(kind)
        try:
            reply = op(fake, work, req[kind]) if op else None
        except FakeApiError as err:
            raise _invalid(f"Invalid requests[{i}].{kind}: {err.message}") from None
        if op is None:
            fake.unhandled.append(kind)
        replies.append({kind: reply or {}} if kind in reply_kinds else {})
    fake.books[book.id] = work
    fake.files[book.id]["modifiedTime"] = _now()
    out: dict[str, Any] = {"spreadsheetId": book.id, "replies": replies}
    if body.get("includeSpreadsheetInResponse"):
        out["updatedSpreadsheet"] = fake._book_json(
            work, bool(body.get("responseIncludeGridData")), body.get("responseRanges") or []
        )
    return out


def _render_options(ctx: _Ctx) -> tuple[str, str]:
    option = ctx.q("valueRenderOption") or "FORMATTED_VALUE"
    major = ctx.q("majorDimension") or "ROWS"
    return option, "ROWS" if major == "DIMENSION_UNSPECIFIED" else major


@_route("sheets.spreadsheets.values.get")
def _values_get(fake: FakeGoogle, ctx: _Ctx) -> dict[str, Any]:
    book = fake.book(ctx.path["spreadsheetId"])
    return fake._value_range(book, ctx.path["range"], *_render_options(ctx))


@_route("sheets.spreadsheets.values.batchGet")
def _values_batch_get(fake: FakeGoogle, ctx: _Ctx) -> dict[str, Any]:
    book = fake.book(ctx.path["spreadsheetId"])
    out: dict[str, Any] = {"spreadsheetId": book.id}
    ranges = ctx.query.get("ranges") or []
    if ranges:
        out["valueRanges"] = [fake._value_range(book, r, *_render_options(ctx)) for r in ranges]
    return out


def _update_values(
    fake: FakeGoogle,
    book: Book,
    vr: dict[str, Any],
    text: str,
    raw: bool,
    include: bool,
    render_option: str | None,
) -> dict[str, Any]:
    if vr.get("range") and vr["range"] != text:
        mine, theirs = resolve(book, vr["range"]), resolve(book, text)
        if (mine.sheet.id, mine.r0, mine.r1, mine.c0, mine.c1) != (
            theirs.sheet.id,
            theirs.r0,
            theirs.r1,
            theirs.c0,
            theirs.c1,
        ):
            raise _invalid(f"Requested range {vr['range']!r} does not match URL range {text!r}")
    major = vr.get("majorDimension") or "ROWS"
    out = fake._write(book, text, vr.get("values"), major, not raw)
    if include:
        out["updatedData"] = fake._value_range(
            book, out["updatedRange"], render_option or "FORMATTED_VALUE", major
        )
    return out


@_route("sheets.spreadsheets.values.update")
def _values_update(fake: FakeGoogle, ctx: _Ctx) -> dict[str, Any]:
    book = fake.book(ctx.path["spreadsheetId"])
    user_entered = fake._input_option(ctx.q("valueInputOption"))
    work = copy.deepcopy(book)
    out = _update_values(
        fake,
        work,
        ctx.body or {},
        ctx.path["range"],
        not user_entered,
        ctx.flag("includeValuesInResponse"),
        ctx.q("responseValueRenderOption"),
    )
    fake.books[book.id] = work
    return out


@_route("sheets.spreadsheets.values.batchUpdate")
def _values_batch_update(fake: FakeGoogle, ctx: _Ctx) -> dict[str, Any]:
    book, body = fake.book(ctx.path["spreadsheetId"]), ctx.body or {}
    user_entered = fake._input_option(body.get("valueInputOption"))
    work = copy.deepcopy(book)
    responses = []
    for i, vr in enumerate(body.get("data") or []):
        if not vr.get("range"):
            raise _invalid(f"Invalid data[{i}]: range is required.")
        responses.append(
            _update_values(
                fake,
                work,
                vr,
                vr["range"],
                not user_entered,
                bool(body.get("includeValuesInResponse")),
                body.get("responseValueRenderOption"),
            )
        )
    fake.books[book.id] = work
    out: dict[str, Any] = {"spreadsheetId": book.id}
    if responses:
        sheets = {split_sheet(r["updatedRange"])[0] for r in responses if "updatedCells" in r}
        out.update(
            totalUpdatedRows=sum(r.get("updatedRows", 0) for r in responses),
            totalUpdatedColumns=sum(r.get("updatedColumns", 0) for r in responses),
            totalUpdatedCells=sum(r.get("updatedCells", 0) for r in responses),
            totalUpdatedSheets=len(sheets),
            responses=responses,
        )
    return out


@_route("sheets.spreadsheets.values.append")
def _values_append(fake: FakeGoogle, ctx: _Ctx) -> dict[str, Any]:
    book = copy.deepcopy(fake.book(ctx.path["spreadsheetId"]))
    user_entered = fake._input_option(ctx.q("valueInputOption"))
    values = (ctx.body or {}).get("values") or []
    win = resolve(book, ctx.path["range"])
    width = max([len(v) for v in values] + [1])
    c1 = win.c0 + width if win.single else win.c1
    used = [
        r
        for (r, c), cell in win.sheet.cells.items()
        if r >= win.r0 and win.c0 <= c < c1 and cell.get("userEnteredValue")
    ]
    start = max(used) + 1 if used else win.r0
    need = start + len(values) - win.sheet.rows
    if ctx.q("insertDataOption") == "INSERT_ROWS" and start < win.sheet.rows:
        shift(book, win.sheet, "ROWS", start, len(values))
    elif need > 0:
        win.sheet.props["gridProperties"]["rowCount"] += need
    out = {
        "spreadsheetId": book.id,
        "updates": fake._write(
            book,
            a1(win.sheet.title, start, start + 1, win.c0, win.c0 + 1),
            values,
            "ROWS",
            user_entered,
        ),
    }
    if used:
        out["tableRange"] = a1(win.sheet.title, min(used), max(used) + 1, win.c0, c1)
    fake.books[book.id] = book
    return out


def _clear(book: Book, text: str) -> str:
    win = resolve(book, text)
    for pos in [p for p in win.sheet.cells if win.r0 <= p[0] < win.r1 and win.c0 <= p[1] < win.c1]:
        write_cell(win.sheet, pos, {}, {"userEnteredValue": {}})
    return win.a1


@_route("sheets.spreadsheets.values.clear")
def _values_clear(fake: FakeGoogle, ctx: _Ctx) -> dict[str, Any]:
    book = fake.book(ctx.path["spreadsheetId"])
    return {"spreadsheetId": book.id, "clearedRange": _clear(book, ctx.path["range"])}


@_route("sheets.spreadsheets.values.batchClear")
def _values_batch_clear(fake: FakeGoogle, ctx: _Ctx) -> dict[str, Any]:
    book = copy.deepcopy(fake.book(ctx.path["spreadsheetId"]))
    cleared = [_clear(book, r) for r in (ctx.body or {}).get("ranges") or []]
    fake.books[book.id] = book
    return {"spreadsheetId": book.id, "clearedRanges": cleared}


# ----------------------------------------------------------------------- Drive routes
@_route("drive.files.create")
def _files_create(fake: FakeGoogle, ctx: _Ctx) -> dict[str, Any]:
    body = ctx.body or {}
    mime = body.get("mimeType") or "application/octet-stream"
    default = "Untitled spreadsheet" if mime == SHEETS_MIME else "Untitled"
    file = fake._create_file(ctx, body.get("name") or default, mime, body.get("parents"))
    return _drive_fields(ctx, fake._file_json(file), "kind,id,name,mimeType")


@_route("drive.files.copy")
def _files_copy(fake: FakeGoogle, ctx: _Ctx) -> dict[str, Any]:
    source, body = fake._file(ctx, ctx.path["fileId"]), ctx.body or {}
    name = body.get("name") or f"Copy of {fake._file_json(source)['name']}"
    parents = body.get("parents") or [p for p in source["parents"] if p != fake.root_folder_id]
    file = fake._create_file(ctx, name, source["mimeType"], parents, fake.books.get(source["id"]))
    return _drive_fields(ctx, fake._file_json(file), "kind,id,name,mimeType")


@_route("drive.files.get")
def _files_get(fake: FakeGoogle, ctx: _Ctx) -> dict[str, Any]:
    file = fake._file_json(fake._file(ctx, ctx.path["fileId"]))
    return _drive_fields(ctx, file, "kind,id,name,mimeType")


@_route("drive.files.update")
def _files_update(fake: FakeGoogle, ctx: _Ctx) -> dict[str, Any]:
    file, body = fake._file(ctx, ctx.path["fileId"]), ctx.body or {}
    if body.get("name"):
        file["name"] = body["name"]
        if file["id"] in fake.books:
            fake.books[file["id"]].props["title"] = body["name"]
    if body.get("trashed") is not None:
        file["trashed"] = body["trashed"]
    add = [p for p in (ctx.q("addParents") or "").split(",") if p]
    remove = set((ctx.q("removeParents") or "").split(","))
    fake._parents(ctx, add)
    file["parents"] = [p for p in file["parents"] if p not in remove] + add
    file["modifiedTime"] = _now()
    return _drive_fields(ctx, fake._file_json(file), "kind,id,name,mimeType")


@_route("drive.files.delete")
def _files_delete(fake: FakeGoogle, ctx: _Ctx) -> tuple[int, None]:
    fid = fake._file(ctx, ctx.path["fileId"])["id"]
    for store in (fake.files, fake.books, fake.perms, fake.comments):
        store.pop(fid, None)
    return 204, None


_Q_CLAUSE = re.compile(
    r"""\s*(?:(?P<field>mimeType|name)\s*(?P<op>!=|=|contains)\s*(?P<q1>['"])(?P<v1>.*?)(?P=q1)
    |(?P<q2>['"])(?P<v2>.*?)(?P=q2)\s+in\s+parents
    |parents\s+in\s+(?P<q3>['"])(?P<v3>.*?)(?P=q3)
    |trashed\s*=\s*(?P<trashed>true|false))\s*""",
    re.X | re.I,
)


@_route("drive.files.list")
def _files_list(fake: FakeGoogle, ctx: _Ctx) -> dict[str, Any]:
    tests: list[Callable[[dict[str, Any]], bool]] = []
    q = ctx.q("q") or ""
    for clause in filter(str.strip, re.split(r"\s+and\s+", q, flags=re.I)) if q else []:
        m = _Q_CLAUSE.fullmatch(clause)
        if m is None:
            fake.errors.append(f"drive.files.list: unsupported q clause {clause!r}")
            raise _invalid(f"Invalid Value: unsupported query clause {clause!r}")
        if m["field"]:
            key, op, want = m["field"], m["op"].lower(), m["v1"]
            tests.append(
                lambda f, k=key, o=op, w=want: (
                    w in f[k] if o == "contains" else (f[k] == w) == (o == "=")
                )
            )
        elif m["trashed"]:
            trashed = m["trashed"].lower() == "true"
            tests.append(lambda f, t=trashed: f["trashed"] == t)
        else:
            tests.append(lambda f, p=m["v2"] or m["v3"]: p in f["parents"])
    all_drives = ctx.flag("includeItemsFromAllDrives") and ctx.flag("supportsAllDrives")
    files = [fake._file_json(f) for f in fake.files.values() if all_drives or not f["_shared"]]
    found = [f for f in files if all(t(f) for t in tests)]
    out = {"kind": "drive#fileList", "incompleteSearch": False, "files": found}
    return _drive_fields(ctx, out, "kind,incompleteSearch,files(kind,id,name,mimeType)")


_PERM_DEFAULT = "kind,id,type,role"
_ROLES = {"owner", "organizer", "fileOrganizer", "writer", "commenter", "reader"}


@_route("drive.permissions.create")
def _permissions_create(fake: FakeGoogle, ctx: _Ctx) -> dict[str, Any]:
    fid, body = fake._file(ctx, ctx.path["fileId"])["id"], dict(ctx.body or {})
    kind, role, email = body.get("type"), body.get("role"), body.get("emailAddress")
    if kind not in ("user", "group", "domain", "anyone"):
        raise _invalid(
            "The permission type field is required."
            if not kind
            else f"Invalid permission type: {kind}"
        )
    if role not in _ROLES:
        raise _invalid(
            "The permission role field is required."
            if not role
            else f"Invalid permission role: {role}"
        )
    if kind in ("user", "group") and not email:
        raise _invalid("The permission emailAddress field is required.")
    if kind == "domain" and not body.get("domain"):
        raise _invalid("The permission domain field is required.")
    if role == "owner" and not ctx.flag("transferOwnership"):
        raise FakeApiError(
            403,
            "The transferOwnership parameter must be enabled when the permission role is 'owner'.",
            reason="forbidden",
        )
    notify = kind in ("user", "group") and ctx.flag("sendNotificationEmail", True)
    if kind in ("user", "group") and not notify and email.lower() in fake.non_google_accounts:
        raise _invalid(
            f'Bad Request. User message: "You are trying to invite {email}. Since '
            "there is no Google account associated with this email address, you "
            "must check the 'Notify people' box to invite this recipient.\""
        )
    pid = {"anyone": "anyoneWithLink", "domain": f"domain:{body.get('domain')}"}.get(
        kind, fake._perm_id(email or "")
    )
    perm = {
        "kind": "drive#permission",
        "id": pid,
        "type": kind,
        "role": role,
        "deleted": False,
        "pendingOwner": False,
    }
    perm.update(
        {
            k: body[k]
            for k in ("emailAddress", "domain", "allowFileDiscovery", "expirationTime")
            if body.get(k) is not None
        }
    )
    perms = fake.perms.setdefault(fid, [])
    perms[:] = [p for p in perms if p["id"] != pid] + [perm]
    if notify:
        fake.notifications.append(
            {"fileId": fid, "emailAddress": email, "role": role, "message": ctx.q("emailMessage")}
        )
    return _drive_fields(ctx, copy.deepcopy(perm), _PERM_DEFAULT)


@_route("drive.permissions.list")
def _permissions_list(fake: FakeGoogle, ctx: _Ctx) -> dict[str, Any]:
    fid = fake._file(ctx, ctx.path["fileId"])["id"]
    out = {"kind": "drive#permissionList", "permissions": copy.deepcopy(fake.perms[fid])}
    return _drive_fields(ctx, out, f"kind,permissions({_PERM_DEFAULT})")


def _permission(fake: FakeGoogle, ctx: _Ctx) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    perms = fake.perms[fake._file(ctx, ctx.path["fileId"])["id"]]
    perm = next((p for p in perms if p["id"] == ctx.path["permissionId"]), None)
    if perm is None:
        raise FakeApiError(404, f"Permission not found: {ctx.path['permissionId']}.")
    return perms, perm


@_route("drive.permissions.get")
def _permissions_get(fake: FakeGoogle, ctx: _Ctx) -> dict[str, Any]:
    return _drive_fields(ctx, copy.deepcopy(_permission(fake, ctx)[1]), _PERM_DEFAULT)


@_route("drive.permissions.delete")
def _permissions_delete(fake: FakeGoogle, ctx: _Ctx) -> tuple[int, None]:
    perms, perm = _permission(fake, ctx)
    perms.remove(perm)
    return 204, None


@_route("drive.comments.list")
def _comments_list(fake: FakeGoogle, ctx: _Ctx) -> dict[str, Any]:
    fid = fake._file(ctx, ctx.path["fileId"])["id"]
    return _drive_fields(
        ctx,
        {"kind": "drive#commentList", "comments": copy.deepcopy(fake.comments.get(fid, []))},
        "",
    )


@_route("drive.comments.create")
def _comments_create(fake: FakeGoogle, ctx: _Ctx) -> dict[str, Any]:
    fid = fake._file(ctx, ctx.path["fileId"])["id"]
    comment = {**(ctx.body or {}), "kind": "drive#comment", "id": fake._new_id(20)}
    fake.comments.setdefault(fid, []).append(comment)
    return _drive_fields(ctx, copy.deepcopy(comment), "")


# ----------------------------------------------------------------------------- client
class FakeCredentials(Credentials):
    """Dummy credentials: a fixed bearer token; refreshing never touches the network."""

    def __init__(self) -> None:
        super().__init__()
        self.token = "fake-token"

    def refresh(self, request: Any) -> None:
        self.token = "fake-token"


def fake_client(fake: FakeGoogle | None = None) -> tuple[gspread.Client, FakeGoogle]:
    """A real ``gspread.Client`` (plain ``HTTPClient``) whose session talks only to ``fake``."""
    fake = fake or FakeGoogle()
    client = gspread.Client(FakeCredentials(), http_client=HTTPClient)
    session = client.http_client.session
    for prefix in (
        "https://sheets.googleapis.com/",
        "https://www.googleapis.com/",
        "https://",
        "http://",
    ):
        session.mount(prefix, fake)  # other hosts reach the fake too, which fails loudly
    return client, fake
