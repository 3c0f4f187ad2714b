"""A cache of what a program's spec always gives: the same spec and code give the same result.

``clusterbook template`` copies a cached template instead of rebuilding it with openpyxl, and
every command loads the parsed spec and its layout from a pickle instead of parsing YAML and
laying out the workbook again (see :func:`pickled`). The cache lives in ``$CLUSTERBOOK_CACHE``
(default ``~/.cache/clusterbook``); a file that cannot be read or written is simply rebuilt.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from clusterbook import __version__
from clusterbook.workbook.programs import SPEC_FILES, program_path

HERE = Path(__file__).resolve().parent
LAYOUT_CODE = (
    *(
        HERE / f"{name}.py"
        for name in ("spec", "layout", "grid", "instructions", "lookups", "placeholders", "a1")
    ),
    HERE.parent / "choices.py",  # the spelling variants the validations accept
)
"""The modules a layout is made by and of."""
RENDERER = (*LAYOUT_CODE, HERE / "xlsx.py", HERE / "printing.py")
T = TypeVar("T")


def cache_dir() -> Path:
    base = os.environ.get("CLUSTERBOOK_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "clusterbook"
    )
    return Path(base)


def cache_key(folder: Path, code: Iterable[Path] = RENDERER, where: str = "") -> str:
    """Changes whenever the spec files, the code that builds from them or clusterbook's version
    change (and ``where`` the folder is, for what records it)."""
    digest = hashlib.sha256(f"{__version__}\0{where}".encode())
    for path in [*(folder / n for n in SPEC_FILES), *code]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:20]


def pickled(kind: str, folder: Path, build: Callable[[], T], code: Iterable[Path]) -> T:
    """What ``build`` makes from the spec in ``folder``, kept as a pickle keyed by the spec and
    ``code`` (the modules whose classes and logic it holds)."""
    path = cache_dir() / f"{folder.name}-{kind}-{cache_key(folder, code, str(folder))}.pickle"
    try:
        return pickle.loads(path.read_bytes())
    except Exception:  # missing, unreadable or from other code: build it again
        pass
    value = build()
    _store(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    return value


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
    _store(path, data)
    return data


def _store(path: Path, data: bytes) -> None:
    """Write a cache file atomically (readers never see half a file)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
            tmp.write(data)
        os.replace(tmp.name, path)
    except OSError:
        pass  # a read-only home: build every time
