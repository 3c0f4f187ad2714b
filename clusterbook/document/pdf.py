"""Word documents (and workbooks) to PDF through LibreOffice headless: one start for many files,
a private profile each time (a running LibreOffice or another conversion never interferes)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

TIMEOUT_S = 900
FONT_HINT = "PDF 使用 Noto Sans CJK TC 字型（Debian/Ubuntu：sudo apt-get install fonts-noto-cjk）"


class ConversionError(Exception):
    """LibreOffice is missing or could not convert; the message is for the applicant (zh-TW)."""


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise ConversionError(
            "找不到 LibreOffice（soffice），無法轉成 PDF。請安裝 LibreOffice"
            "（Debian/Ubuntu：sudo apt-get install libreoffice-writer-nogui fonts-noto-cjk；"
            "Windows/macOS：https://zh-tw.libreoffice.org/），"
            "或以 Word 開啟 .docx 後另存為 PDF。"
        )
    return found


def to_pdf(paths: list[Path], outdirs: list[Path] | None = None) -> list[Path]:
    """Convert files to PDF in one LibreOffice run; each PDF goes to its ``outdirs`` entry
    (default: beside its source) and keeps the source's name with ``.pdf``."""
    if not paths:
        return []
    program = soffice()
    outdirs = outdirs or [p.parent for p in paths]
    with tempfile.TemporaryDirectory(prefix="clusterbook-pdf-") as tmp:
        work = Path(tmp)
        staged = []
        for i, src in enumerate(paths):  # distinct names: sources may share a stem
            dst = work / "in" / f"{i:04d}{src.suffix}"
            dst.parent.mkdir(exist_ok=True)
            shutil.copyfile(src, dst)
            staged.append(dst)
        cmd = [
            program,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work / "out"),
            *map(str, staged),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ConversionError(f"LibreOffice 轉換 PDF 超過 {TIMEOUT_S} 秒仍未完成") from exc
        out = []
        for src, stage, folder in zip(paths, staged, outdirs, strict=True):
            made = work / "out" / f"{stage.stem}.pdf"
            if not made.exists():
                detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
                raise ConversionError(f"LibreOffice 沒有產生 {src.name} 的 PDF。{detail[0]}")
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{src.stem}.pdf"
            shutil.move(str(made), target)
            out.append(target)
    return out
