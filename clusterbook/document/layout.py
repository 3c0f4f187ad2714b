"""``document.yaml``: how the program's 提案計畫書 is laid out, loaded and checked against the spec.

The file sits beside the form (``clusterbook/templates/<program>/document.yaml``) but is not part
of the spec hash, so changing the document never makes a filled workbook stale. Every field id,
table and statement it names must exist in the program: a typo fails when it is loaded, not
when an applicant prints.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import yaml

from clusterbook.workbook.programs import SpecError, program_path
from clusterbook.workbook.spec import Program, load_program

DOCUMENT_FILE = "document.yaml"
BLOCK_KINDS = (
    "h1",
    "h2",
    "h3",
    "p",
    "note",
    "field",
    "grid",
    "table",
    "records",
    "checklist",
    "allocation",
    "checkpoints",
    "statement",
    "consents",
    "stamp",
    "page_break",
)
_FIELD_KEYS = ("field", "other", "detail", "unit", "value", "note", "line_note")
_PLACEHOLDER = re.compile(r"\{([a-z_]+\.[a-z_0-9]+)(?::[^{}]*)?\}")


def kind(block: dict[str, Any]) -> str:
    """The block's kind: the one key of BLOCK_KINDS it has."""
    found = [k for k in BLOCK_KINDS if k in block]
    if len(found) != 1:
        raise SpecError(f"{DOCUMENT_FILE}: a block needs exactly one of {BLOCK_KINDS}: {block}")
    return found[0]


@functools.cache
def load_document(program: str = "dc112") -> dict[str, Any]:
    """The document layout of a program, checked against its form."""
    path = program_path(program) / DOCUMENT_FILE
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SpecError(f"提案規格 {program} 沒有計畫書版面（{DOCUMENT_FILE}）") from exc
    prog = load_program(program)
    for key in ("title", "fonts", "header", "footer", "cover", "body"):
        if key not in doc:
            raise SpecError(f"{DOCUMENT_FILE}: missing {key!r}")
    _check(prog, doc["cover"])
    for block in doc["body"]:
        _check_block(prog, block)
    return doc


def _check_block(prog: Program, block: dict[str, Any]) -> None:
    k = kind(block)
    body = block[k]
    if k in ("table", "records") and body["rows"] not in prog.tables:
        raise SpecError(f"{DOCUMENT_FILE}: unknown table {body['rows']!r}")
    if k == "checklist" and body["source"] not in {**prog.tables, **prog.matrices}:
        raise SpecError(f"{DOCUMENT_FILE}: unknown checklist source {body['source']!r}")
    if k == "allocation":
        for t in (body["summary"], body["lines"]):
            if t not in prog.tables:
                raise SpecError(f"{DOCUMENT_FILE}: unknown table {t!r}")
    if k == "statement" and body not in prog.statements:
        raise SpecError(f"{DOCUMENT_FILE}: unknown statement {body!r}")
    if k == "field":
        _known(prog, body)
    else:
        _check(prog, body)
    for inner in body.get("blocks", ()) if isinstance(body, dict) else ():
        _check_block(prog, inner)
    _check(prog, {key: v for key, v in block.items() if key != k})


def _check(prog: Program, node: Any) -> None:
    """Every field id named anywhere (keys, lists of ids, placeholders) exists."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "blocks":
                continue
            if key in _FIELD_KEYS and isinstance(value, str):
                _known(prog, value)
            elif key == "join":
                for fid in value:
                    _known(prog, fid)
            elif key == "lookup":
                for part in ("field", "where"):
                    _known(prog, value[part])
            elif key == "total" and isinstance(value, str):
                pass  # checked when the document is written (totals are recomputed)
            else:
                _check(prog, value)
    elif isinstance(node, list):
        for item in node:
            _check(prog, item)
    elif isinstance(node, str):
        for fid in _PLACEHOLDER.findall(node):
            _known(prog, fid)


def _known(prog: Program, field_id: str) -> None:
    if field_id not in prog.fields:
        raise SpecError(f"{DOCUMENT_FILE}: unknown field {field_id!r}")
