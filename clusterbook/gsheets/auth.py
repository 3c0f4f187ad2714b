"""Credentials → a gspread client whose HTTP layer retries 429/5xx with bounded backoff."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gspread
from gspread.auth import DEFAULT_SERVICE_ACCOUNT_FILENAME
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient
from requests import RequestException, Response

from clusterbook.gsheets.errors import SheetsError, google_detail, status_of

_DRIVE_RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}


def retryable(err: APIError) -> bool:
    """429, 408 and 5xx, and Drive's 403 rate limits (not its permission errors)."""
    status = status_of(err)
    if status in (408, 429) or status >= 500:
        return True
    errors = err.error.get("errors") if isinstance(err.error, dict) else None
    reasons = {e.get("reason") for e in errors or [] if isinstance(e, dict)}
    return status == 403 and bool(reasons & _DRIVE_RATE_REASONS)


class RetryingHTTPClient(HTTPClient):
    """gspread's HTTPClient with bounded exponential backoff and full jitter.

    At most ``max_attempts`` tries and ``max_wait`` seconds of sleeping in total; a
    ``Retry-After`` header is honoured within those bounds. ``sleep`` and ``random`` are
    instance attributes so tests can replace them. When it gives up it raises SheetsError.
    """

    max_attempts = 6
    max_wait = 60.0
    base_delay = 1.0
    max_delay = 32.0

    def __init__(self, auth: Any, session: Any = None) -> None:
        super().__init__(auth, session)
        self.timeout = (30, 300)  # connect, read (s): a whole template is one large batchUpdate
        self.sleep: Callable[[float], None] = time.sleep
        self.random: Callable[[], float] = random.random

    def request(self, *args: Any, **kwargs: Any) -> Response:
        attempt, waited = 0, 0.0
        while True:
            attempt += 1
            try:
                return super().request(*args, **kwargs)
            except APIError as err:
                if not retryable(err):
                    raise
                delay = self._delay(attempt, err)
                if attempt >= self.max_attempts or waited + delay > self.max_wait:
                    raise _gave_up(err, attempt, waited) from None
                self.sleep(delay)
                waited += delay
            except RequestException as err:
                raise SheetsError(
                    f"無法連線到 Google（{type(err).__name__}），請檢查網路後再試。", kind="network"
                ) from None

    def _delay(self, attempt: int, err: APIError) -> float:
        cap = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        delay = cap / 2 + self.random() * cap / 2
        after = err.response.headers.get("Retry-After", "") if err.response is not None else ""
        return max(delay, float(after)) if after.isdigit() else delay


def _gave_up(err: APIError, attempts: int, waited: float) -> SheetsError:
    status = status_of(err)
    tried = f"已嘗試 {attempts} 次、等候 {waited:.0f} 秒仍失敗"
    if status == 429 or status == 403:
        return SheetsError(
            f"Google API 配額已用完（每分鐘請求數上限），{tried}。請稍候幾分鐘再試。"
            f"（{google_detail(err)}）",
            kind="quota",
            status=status,
        )
    return SheetsError(
        f"Google 服務暫時無法使用，{tried}。請稍後再試。（{google_detail(err)}）",
        kind="unavailable",
        status=status,
    )


def client_from(credentials: str | None = None, *, oauth: bool = False) -> gspread.Client:
    """A gspread client with retries, from a service-account key file or OAuth user credentials.

    Service account: ``credentials``, else $GOOGLE_APPLICATION_CREDENTIALS, else gspread's
    ``~/.config/gspread/service_account.json``. OAuth: ``credentials`` is the OAuth client
    file (default ``~/.config/gspread/credentials.json``); the browser flow runs on first use.
    """
    if oauth:
        kw = {"credentials_filename": credentials} if credentials else {}
        try:
            return gspread.oauth(http_client=RetryingHTTPClient, **kw)
        except (OSError, ValueError, KeyError):
            raise SheetsError(
                "無法使用 OAuth 使用者憑證：請確認 OAuth 用戶端檔案"
                f"{' ' + credentials if credentials else ''}存在且正確。",
                kind="credentials",
            ) from None
    path = Path(
        credentials
        or os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
        or DEFAULT_SERVICE_ACCOUNT_FILENAME
    ).expanduser()
    if not path.is_file():
        raise SheetsError(
            f"找不到服務帳戶金鑰檔 {path}：請用 --credentials 指定，或設定環境變數 "
            "GOOGLE_APPLICATION_CREDENTIALS。",
            kind="credentials",
        )
    try:
        return gspread.service_account(filename=path, http_client=RetryingHTTPClient)
    except (OSError, ValueError, KeyError):
        raise SheetsError(
            f"服務帳戶金鑰檔 {path} 不是有效的金鑰（內容不是完整的 JSON 金鑰）："
            "請重新下載服務帳戶的 JSON 金鑰。",
            kind="credentials",
        ) from None
