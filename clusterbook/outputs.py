"""Files clusterbook writes, marked so that a later run can tell them from anyone else's.

master.xlsx, 評選結果.xlsx and annotated copies carry a custom document property ``clusterbook`` that names
what they are, a 提案計畫書 the core property identifier ``clusterbook:document``; a template is recognised by its bytes (the same spec always gives the same
bytes). :func:`replaceable` says whether an existing file may be overwritten without asking.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

PROPERTY = "clusterbook"
MASTER = "master"
ANNOTATED = "annotated"
TEMPLATE = "template"
DOCUMENT = "document"
RESULTS = "results"
_IDENTIFIER = re.compile(rb"<dc:identifier>" + PROPERTY.encode() + rb":([a-z]+)</dc:identifier>")
_KIND = re.compile(
    rb'name="' + PROPERTY.encode() + rb'"[^>]*>\s*<vt:lpwstr[^>]*>([a-z]+)</vt:lpwstr>', re.S
)


def mark(wb, kind: str) -> None:
    """Record on an openpyxl workbook that clusterbook wrote it as ``kind``."""
    from openpyxl.packaging.custom import StringProperty

    props = wb.custom_doc_props
    if PROPERTY in props.names:  # a copy of an earlier annotated copy
        del props[PROPERTY]
    props.append(StringProperty(name=PROPERTY, value=kind))


def kind_of(path: str | Path) -> str | None:
    """The kind recorded by :func:`mark` in an .xlsx file, or None."""
    found = None
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            for part, pattern in (
                ("docProps/custom.xml", _KIND),
                ("docProps/core.xml", _IDENTIFIER),
            ):
                if part in names and zf.getinfo(part).file_size <= 2**20:
                    found = found or pattern.search(zf.read(part))
    except (OSError, zipfile.BadZipFile, ValueError, EOFError, RuntimeError):
        return None
    return found.group(1).decode() if found else None


def is_template(path: str | Path) -> bool:
    """An unfilled template, byte for byte as ``clusterbook template`` writes it."""
    from clusterbook.workbook.cache import template_bytes
    from clusterbook.workbook.programs import available_programs

    try:
        data = Path(path).read_bytes()
    except OSError:
        return False
    return any(data == template_bytes(p) for p in available_programs())


def replaceable(path: str | Path, kind: str) -> bool:
    """Whether ``path`` may be written as ``kind`` without the user's say-so: it does not exist,
    or it is an unfilled template (for a template) or a file of that kind clusterbook wrote."""
    path = Path(path)
    if not path.exists():
        return True
    if not path.is_file():
        return False
    return is_template(path) if kind == TEMPLATE else kind_of(path) == kind
