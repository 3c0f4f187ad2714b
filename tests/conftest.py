"""Shared fixtures: the dc112 program, its layout, a template file and filled sample workbooks."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
import yaml

from clusterbook.workbook.layout import build_layout
from clusterbook.workbook.spec import load_program
from clusterbook.workbook.xlsx import template_bytes

GUIDE = (
    Path(__file__).resolve().parent / "data" / "guide-dc112.txt"
)  # the 112年 提案須知 (the seed)


@pytest.fixture(scope="session", autouse=True)
def template_cache(tmp_path_factory):
    """Tests (and the commands they run) use a private template cache, never ~/.cache."""
    folder = tmp_path_factory.mktemp("cache")
    old = os.environ.get("CLUSTERBOOK_CACHE")
    os.environ["CLUSTERBOOK_CACHE"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("CLUSTERBOOK_CACHE", None)
    else:
        os.environ["CLUSTERBOOK_CACHE"] = old


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a socket or resolve a name fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture(scope="session")
def program():
    return load_program("dc112")


@pytest.fixture(scope="session")
def layout():
    return build_layout("dc112")


@pytest.fixture(scope="session")
def template_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "proposal.xlsx"
    path.write_bytes(template_bytes("dc112"))
    return path


def libreoffice_recalc(paths: list[Path], outdir: Path) -> list[Path]:
    """Open each workbook in LibreOffice headless, recalculate, save as .xlsx into outdir."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.fail("LibreOffice (soffice) is required: .ci/run installs libreoffice-calc-nogui")
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / "lo-profile"
    cmd = [
        soffice,
        f"-env:UserInstallation=file://{profile}",
        "--headless",
        "--calc",
        "--convert-to",
        "xlsx",
        "--outdir",
        str(outdir),
        *map(str, paths),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    out = [outdir / p.name for p in paths]
    missing = [p for p in out if not p.exists()]
    assert not missing, f"LibreOffice wrote no {missing}"
    return out


@pytest.fixture
def two_years(tmp_path, monkeypatch):
    """dc112 and a copied dc113 side by side."""
    from clusterbook.workbook import programs

    root = tmp_path / "templates"
    shutil.copytree(programs.TEMPLATES / "dc112", root / "dc112")
    shutil.copytree(programs.TEMPLATES / "dc112", root / "dc113")
    path = root / "dc113" / "program.yaml"
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    params.update(id="dc113", version="2024.1", year=2024, year_roc=113)
    path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(programs, "TEMPLATES", root)
    return root
