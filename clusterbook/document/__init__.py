"""The 提案計畫書 (附件一) as a Word document, and PDF, from a filled workbook.

``write_document(proposal, path)`` writes the .docx laid out by the program's ``document.yaml``
(cover, 第一～三部分, one 數位群聚成員基本資料表 per member on its own page with its 用印 box);
``records_dir`` adds one file per member for stamping and individual upload. ``to_pdf`` converts
any number of files in one LibreOffice run (it needs the Noto Sans CJK TC font:
``fonts-noto-cjk``).

    from clusterbook.importers import read_proposal
    from clusterbook.document import to_pdf, write_document

    written = write_document(read_proposal("hualien.xlsx"), "計畫書.docx", records_dir="members")
    to_pdf([written.document, *written.records])
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from clusterbook.document.pdf import ConversionError, to_pdf

if TYPE_CHECKING:
    from clusterbook.document.writer import Written
    from clusterbook.proposal import Proposal

__all__ = ["ConversionError", "Written", "to_pdf", "write_document"]


def write_document(
    proposal: Proposal,
    path: str | Path,
    *,
    records_dir: str | Path | None = None,
    pdf: bool = False,
) -> Written:
    """Write the .docx (and, with ``pdf``, every file also as PDF in one LibreOffice run)."""
    from clusterbook.document import writer

    written = writer.write_document(proposal, path, records_dir=records_dir)
    if pdf:
        written.pdfs = to_pdf([written.document, *written.records])
    return written
