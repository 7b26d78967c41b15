"""CSV files for people to open in a spreadsheet: every export writes through ``csv_text``.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
spreadsheets as a formula (an artist named ``=HYPERLINK(...)`` becomes a link on a staff member's
screen). Following OWASP's CSV injection rule, such text gets a leading ``'``, which spreadsheets
show as text. Numbers we write as numbers (a negative change, say) stay numbers.
https://owasp.org/www-community/attacks/CSV_Injection
"""

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """Return the value as a spreadsheet reads it safely: text that could start a formula gets a ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(rows: Iterable[Iterable]) -> str:
    """Return the rows as CSV text (CRLF line ends), every text cell neutralised by ``csv_cell``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue()
