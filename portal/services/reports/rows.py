"""What a kind's row generator gets and yields: the run's context, chunks of rows, progress."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from portal.models import User
from portal.services.reports.params import ReportParams

# Rows per chunk: the job writes, reports progress and beats its heartbeat per chunk.
CHUNK_ROWS = 1000


@dataclass(frozen=True)
class Chunk:
    """Some rows of a report and how far the whole report is after them (0-100)."""

    rows: Sequence[Sequence[Any]]
    progress: int


@dataclass(frozen=True)
class RawChunk:
    """Bytes of the finished file as the database wrote them (COPY), and rows so far."""

    data: bytes
    rows: int
    progress: int


@dataclass(frozen=True)
class ReportRows:
    """A report's CSV header and its rows, produced lazily in chunks.

    With ``raw`` the chunks are RawChunks: the database formats the file itself (the
    audit export's COPY), header included.
    """

    header: list[str]
    chunks: Iterator[Chunk] | Iterator[RawChunk]
    raw: bool = False


@dataclass(frozen=True)
class RunContext:
    """What a row generator gets: who asked (rights as of now), for what, which attempt."""

    report_id: uuid.UUID
    requester: User
    params: ReportParams
    attempt: int


def percent(done: int, total: int) -> int:
    """Progress of ``done`` out of ``total``; 99 at most until the file is in place."""
    if total <= 0:
        return 99
    return min(99, done * 100 // total)


def when(value: datetime | None, never: str = "") -> str:
    """A UTC timestamp as text for a CSV cell."""
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else never
