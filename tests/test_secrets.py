"""Credentials never reach output: key material and key ids stay out of messages and findings."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

SECRET_KEY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-SECRET-KEY-MATERIAL"
SECRET_ID = "KEYID-SECRET-9f8e7d"
URL = "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd/edit"


@pytest.fixture
def credentials(tmp_path):
    path = tmp_path / "service-account.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "demo",
                "private_key_id": SECRET_ID,
                "private_key": f"-----BEGIN PRIVATE KEY-----\n{SECRET_KEY}\n-----END PRIVATE KEY-----\n",
                "client_email": "checker@demo.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        ),
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "args",
    [
        ("check", URL, "--format", "json"),
        ("import", URL, "--register", "{tmp}/r.sqlite"),
        ("gsheets", "create", "--title", "x"),
        ("gsheets", "annotate", URL),
    ],
    ids=["check", "import", "create", "annotate"],
)
def test_key_material_never_printed(tmp_path, credentials, args):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = subprocess.run(
        [sys.executable, "-m", "clusterbook", *args, "--credentials", str(credentials)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 2
    assert "Traceback" not in output
    assert SECRET_KEY not in output and SECRET_ID not in output and "PRIVATE KEY" not in output
    assert "金鑰" in output  # the message says what is wrong, in zh-TW
    if args[0] == "check":
        assert [f["rule"] for f in json.loads(result.stdout)] == ["SHEET-UNREADABLE"]
