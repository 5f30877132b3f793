"""CSV written for people to open in a spreadsheet: a cell that a spreadsheet would read as a
formula is neutralised (OWASP, "CSV Injection": a cell beginning with =, +, -, @, a tab or a
carriage return is prefixed with a single quote), so a record id such as ``=HYPERLINK(...)``
reaches the reader as text, never as a formula. Numbers the program formats itself are written
as they are."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """``value`` as a CSV cell a spreadsheet shows as text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


class SafeWriter:
    """``csv.writer`` whose text cells are neutralised; ``numbers`` marks the columns (by
    index) the program formats itself, written as they are."""

    def __init__(self, f: TextIO, numbers: Iterable[int] = ()) -> None:
        self._w = csv.writer(f)
        self._numbers = frozenset(numbers)

    def writerow(self, row: Iterable[Any]) -> None:
        self._w.writerow([str(v) if i in self._numbers else neutralise(v)
                          for i, v in enumerate(row)])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
