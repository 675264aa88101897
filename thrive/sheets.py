"""Sheets in and out: CSV or XLSX (openpyxl), chosen by the file's suffix; a header
row names the columns."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

SUFFIXES = (".csv", ".xlsx")


class SheetError(Exception):
    """A file that cannot be read or written as a sheet; the message says why."""


def check_suffix(path: Path) -> None:
    if path.suffix.lower() not in SUFFIXES:
        raise SheetError(f"{path.name}: give a .csv or .xlsx file")


def write_sheet(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write `header` then `rows`; the number of rows written."""
    check_suffix(path)
    count = 0
    if path.suffix.lower() == ".csv":
        with path.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(header)
            for row in rows:
                writer.writerow(row)
                count += 1
        return count
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("codes")
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
        count += 1
    book.save(path)
    return count


def read_sheet(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Each row after the header as (its row number in the file, column -> cell text)."""
    check_suffix(path)
    if not path.is_file():
        raise SheetError(f"{path}: no such file")
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as file:
            table = [list(row) for row in csv.reader(file)]
    else:
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds for a file that isn't one
            raise SheetError(f"{path.name}: not a readable XLSX file ({error})") from None
        sheet = book.worksheets[0]
        table = [
            ["" if cell is None else str(cell) for cell in row]
            for row in sheet.iter_rows(values_only=True)
        ]
        book.close()
    if not table:
        raise SheetError(f"{path.name}: empty, no header row")
    header = [name.strip().lower() for name in table[0]]
    return [
        (number, {name: (row[i] if i < len(row) else "") for i, name in enumerate(header)})
        for number, row in enumerate(table[1:], start=2)
        if any(cell.strip() for cell in row)
    ]
