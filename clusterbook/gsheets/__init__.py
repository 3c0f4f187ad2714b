"""The Google Sheets backend: create the template natively, read it back, annotate findings.

Everything raises :class:`SheetsError` (zh-TW message) or returns values; nothing prints.
"""

from clusterbook.gsheets.annotate import annotate
from clusterbook.gsheets.auth import client_from
from clusterbook.gsheets.create import create_spreadsheet, create_template
from clusterbook.gsheets.errors import SheetsError
from clusterbook.gsheets.read import read_proposal, read_rawbook

__all__ = [
    "SheetsError",
    "annotate",
    "client_from",
    "create_spreadsheet",
    "create_template",
    "read_proposal",
    "read_rawbook",
]
