"""Rows of a CSV or XLSX file of earlier answers, read streaming: one (row number,
cells) at a time, so a large sheet never sits in memory whole."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

Cell = str | date | datetime | None


class UnreadableFile(Exception):
    """The file is not a CSV or XLSX file this can read; the message says why."""


def rows(path: Path) -> Iterator[tuple[int, list[Cell]]]:
    """(row number as a spreadsheet shows it, cells) for every row, the header included."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix in {".xlsx", ".xlsm"}:
        return _xlsx_rows(path)
    raise UnreadableFile(f"{path.name}: give a .csv or .xlsx file")


def _csv_rows(path: Path) -> Iterator[tuple[int, list[Cell]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            for number, row in enumerate(csv.reader(file), start=1):
                yield number, list(row)
    except UnicodeDecodeError as error:
        raise UnreadableFile(f"{path.name}: not UTF-8 text ({error.reason})") from None


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[Cell]]]:
    from openpyxl import load_workbook  # only a sheet's import pays for it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a sheet
        raise UnreadableFile(f"{path.name}: not a readable XLSX file ({error})") from None
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell(value) for value in values]
    finally:
        workbook.close()


def _cell(value: object) -> Cell:
    if value is None or isinstance(value, str | date | datetime):
        return value
    return str(value)
