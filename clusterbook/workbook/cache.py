"""A cache of generated templates: the same spec and renderer always give the same bytes,
so ``clusterbook template`` copies a cached file instead of rebuilding it with openpyxl."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from clusterbook import __version__
from clusterbook.workbook.programs import SPEC_FILES, program_path

RENDERER = ("spec.py", "layout.py", "xlsx.py", "a1.py", "printing.py")


def cache_dir() -> Path:
    base = os.environ.get("CLUSTERBOOK_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "clusterbook"
    )
    return Path(base)


def cache_key(folder: Path) -> str:
    """Changes whenever the spec files, the renderer code or clusterbook's version change."""
    digest = hashlib.sha256(__version__.encode())
    here = Path(__file__).resolve().parent
    for path in [*(folder / n for n in SPEC_FILES), *(here / n for n in RENDERER)]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:20]


def template_bytes(program: str = "dc112") -> bytes:
    """The template of a program, from the cache when it is there (built and cached otherwise)."""
    folder = program_path(program)  # a SpecError names the programs there are
    path = cache_dir() / f"{folder.name}-{cache_key(folder)}.xlsx"
    try:
        return path.read_bytes()
    except OSError:
        pass
    from clusterbook.workbook import xlsx

    data = xlsx.template_bytes(program)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
            tmp.write(data)
        os.replace(tmp.name, path)
    except OSError:
        pass  # a read-only home: build every time
    return data
