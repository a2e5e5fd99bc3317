"""Cell values for every workbook the portal writes.

A string that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by openpyxl (and by
Excel or WPS when the file is opened) as a formula, so a request titled ``=HYPERLINK(...)`` would run in the
reader's spreadsheet. Such strings get a leading single quote, which keeps them text."""

from collections.abc import Iterable

from django.utils.functional import Promise

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """``value`` as a cell value that can never become a formula; non-strings are returned unchanged, except
    lazy translations, which openpyxl cannot write and become their text in the active language."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable) -> list:
    return [safe_cell(value) for value in values]
