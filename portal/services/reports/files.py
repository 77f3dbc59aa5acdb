"""Report files: CSV written to a temporary file and renamed into place, and their preview."""

from __future__ import annotations

import csv
import json
import os
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, cast

from flask import current_app

from portal.services.reports.rows import Chunk, RawChunk

FOLDER = "reports"
PREVIEW_ROWS = 50
# With a byte-order mark, spreadsheet programs read the UTF-8 (names with accents) right.
ENCODING = "utf-8-sig"
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A CSV cell value that no spreadsheet will run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return "" if value is None else value


# Output formats: the file suffix and the media type a download is served with.
FORMATS = {"csv": (".csv", "text/csv"), "jsonl": (".jsonl", "application/x-ndjson")}


def relative_path(report_id: uuid.UUID, fmt: str = "csv") -> str:
    """Where a report's file lives, relative to the instance folder (stored on the row)."""
    return f"{FOLDER}/{uuid.UUID(str(report_id))}{FORMATS[fmt][0]}"


def report_file(report_id: uuid.UUID, fmt: str = "csv") -> Path:
    """A report's file, always derived from its id (never from stored or posted paths)."""
    return Path(current_app.instance_path) / relative_path(report_id, fmt)


def write_rows(
    report_id: uuid.UUID,
    header: Sequence[str],
    chunks: Iterable[Chunk] | Iterable[RawChunk],
    on_chunk: Callable[[int, int], None],
    fmt: str = "csv",
    *,
    raw: bool = False,
) -> int:
    """Write the rows to the report's file atomically; returns how many rows (header aside).

    CSV (formula cells neutralised) or JSON Lines (one object per row, keyed by the
    header). ``on_chunk(rows_so_far, progress)`` runs after every chunk (the job's
    heartbeat). A failure leaves any earlier file as it was and no temporary file behind.
    """
    target = report_file(report_id, fmt)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Left by a worker killed mid-write: this job owns the report now, so they can go.
    for leftover in target.parent.glob(f".{target.stem}-*.tmp"):
        leftover.unlink(missing_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.stem}-", suffix=".tmp", dir=target.parent
    )
    try:
        if raw:
            count = _write_raw(handle, chunks, on_chunk, bom=fmt == "csv")
            os.replace(temporary, target)
            return count
        encoding = ENCODING if fmt == "csv" else "utf-8"
        with os.fdopen(handle, "w", encoding=encoding, newline="") as out:
            write = _csv_writer(out, header) if fmt == "csv" else _jsonl_writer(out, header)
            count = 0
            for chunk in cast("Iterable[Chunk]", chunks):  # not raw: rows, not bytes
                write(chunk.rows)
                count += len(chunk.rows)
                on_chunk(count, chunk.progress)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count


def _write_raw(
    handle: int, chunks: Iterable[Any], on_chunk: Callable[[int, int], None], *, bom: bool
) -> int:
    count = 0
    with os.fdopen(handle, "wb") as out:
        if bom:
            out.write("\ufeff".encode())
        for chunk in chunks:
            out.write(chunk.data)
            count = chunk.rows
            on_chunk(count, chunk.progress)
        out.flush()
        os.fsync(out.fileno())
    return count


def _csv_writer(out: Any, header: Sequence[str]) -> Callable[[Sequence[Sequence[Any]]], None]:
    writer = csv.writer(out)
    writer.writerow([neutralise(cell) for cell in header])
    return lambda rows: writer.writerows([neutralise(cell) for cell in row] for row in rows)


def _jsonl_writer(out: Any, header: Sequence[str]) -> Callable[[Sequence[Sequence[Any]]], None]:
    def write(rows: Sequence[Sequence[Any]]) -> None:
        out.writelines(
            json.dumps(dict(zip(header, row, strict=True)), default=str, separators=(",", ":"))
            + "\n"
            for row in rows
        )

    return write


@dataclass(frozen=True)
class Preview:
    """The first rows of a report file, for its page."""

    header: list[str]
    rows: list[list[str]]


def _lines(path: Path, fmt: str) -> Iterator[list[str]]:
    if fmt == "csv":
        with path.open(encoding=ENCODING, newline="") as handle:
            yield from csv.reader(handle)
        return
    with path.open(encoding="utf-8") as handle:
        header: list[str] | None = None
        for line in handle:
            record = json.loads(line)
            if header is None:
                header = list(record)
                yield header
            yield ["" if record.get(k) is None else str(record.get(k)) for k in header]


def read_preview(
    report_id: uuid.UUID, limit: int = PREVIEW_ROWS, fmt: str = "csv"
) -> Preview | None:
    """The header and first ``limit`` rows of the report's file (None when it is missing)."""
    path = report_file(report_id, fmt)
    if not path.is_file():
        return None
    lines = list(islice(_lines(path, fmt), limit + 1))
    if not lines:
        return Preview([], [])
    return Preview(lines[0], lines[1:])
