"""SheetsError: every failure of the Google Sheets backend, as one zh-TW message.

Google's HTTP status and status code are appended as detail (not its English sentence). Nothing
here ever includes credentials, tokens or request headers: only the HTTP status, Google's status
code and names the caller gave.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import gspread
from gspread.exceptions import APIError

STORAGE_QUOTA_HINT = (
    "服務帳戶沒有自己的雲端硬碟空間，無法在其中建立試算表。"
    "請用 --folder-id 指定一個共用雲端硬碟（Shared Drive）中的資料夾，並把該資料夾分享給服務帳戶"
    "（內容管理員或編輯者），或改用 OAuth 使用者憑證（--oauth）。"
)


class SheetsError(Exception):
    """A Google Sheets operation failed; ``str()`` is a zh-TW message fit for the applicant.

    ``kind`` names the cause for callers: permission, not_found, quota, unavailable,
    storage_quota, not_template, credentials, network, invalid or api.
    """

    def __init__(self, message: str, *, kind: str = "api", status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status


def account_email(client: gspread.Client) -> str:
    """The service account's e-mail, or "" for other credentials (never any key material)."""
    auth = getattr(client.http_client, "auth", None)
    email = getattr(auth, "service_account_email", "")
    return email if isinstance(email, str) and "@" in email else ""


def status_of(err: APIError) -> int:
    """The HTTP status (gspread's ``code`` is -1 when the error body is not JSON)."""
    response = getattr(err, "response", None)
    return int(getattr(response, "status_code", 0) or err.code)


def google_detail(err: APIError) -> str:
    """Google's HTTP status and status code, e.g. ``HTTP 403 PERMISSION_DENIED`` (Google's
    English sentence is left out: users read zh-TW)."""
    code = err.error.get("status", "") if isinstance(err.error, dict) else ""
    code = code if isinstance(code, str) and code.replace("_", "").isalpha() else ""
    return f"HTTP {status_of(err)} {code[:40]}".rstrip()


def is_storage_quota(err: APIError) -> bool:
    """Whether a 403 says the (service account's) Drive storage quota is exhausted."""
    error = err.error if isinstance(err.error, dict) else {}
    reasons = {e.get("reason") for e in error.get("errors") or [] if isinstance(e, dict)}
    return status_of(err) == 403 and (
        "storageQuotaExceeded" in reasons or "storage quota" in str(error.get("message", ""))
    )


def from_api_error(err: APIError, client: gspread.Client, what: str) -> SheetsError:
    """Translate an APIError about ``what`` (e.g. 「試算表 1AbC…」) into a SheetsError."""
    detail, status = google_detail(err), status_of(err)
    email = account_email(client)
    to = f"服務帳戶 {email}" if email else "您登入的 Google 帳戶"
    if status in (401, 403):
        message = f"沒有存取{what}的權限。請把{what}分享給{to}（編輯者）後再試。"
        return SheetsError(f"{message}（{detail}）", kind="permission", status=status)
    if status == 404:
        message = f"找不到{what}：可能已被刪除、網址或 ID 有誤，或尚未分享給{to}。"
        return SheetsError(f"{message}（{detail}）", kind="not_found", status=404)
    if status == 400:
        return SheetsError(f"Google 拒絕了對{what}的要求。（{detail}）", kind="invalid", status=400)
    return SheetsError(f"Google API 錯誤：{what}。（{detail}）", kind="api", status=status)


def not_template(url: str) -> SheetsError:
    return SheetsError(
        f"{url} 不是 clusterbook 產生的提案範本（找不到 _meta 工作表）。"
        "請用 clusterbook 建立的試算表，或下載 Excel 範本填寫。",
        kind="not_template",
    )


@contextmanager
def api_errors(client: gspread.Client, what: str) -> Iterator[None]:
    """Turn any APIError raised inside the block into a SheetsError about ``what``."""
    try:
        yield
    except APIError as err:
        raise from_api_error(err, client, what) from None
