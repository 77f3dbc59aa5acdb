"""Report kinds that exist only in tests: slow, broken and flaky (enabled by config)."""

from __future__ import annotations

import time
from collections.abc import Iterator

from flask import current_app

from portal.services.reports.kinds import Audience, ReportKind
from portal.services.reports.rows import Chunk, ReportRows, RunContext

HEADER = ["n", "note"]
SECRET_DETAIL = "db password=hunter2 at /srv/portal/internal.py"


def _always(_user: object) -> bool:
    return True


def _slow_chunks() -> Iterator[Chunk]:
    chunks = current_app.config.get("REPORT_TEST_CHUNKS", 3)
    delay = current_app.config.get("REPORT_TEST_DELAY", 0.0)
    for n in range(1, chunks + 1):
        if delay:
            time.sleep(delay)
        yield Chunk([[n, f"chunk {n}"]], n * 100 // chunks)


def slow(ctx: RunContext) -> ReportRows:
    """REPORT_TEST_CHUNKS chunks of one row, REPORT_TEST_DELAY seconds apart."""
    return ReportRows(HEADER, _slow_chunks())


def _broken_chunks() -> Iterator[Chunk]:
    yield Chunk([[1, "written before the failure"]], 50)
    raise RuntimeError(SECRET_DETAIL)


def broken(ctx: RunContext) -> ReportRows:
    """One chunk, then an unexpected exception whose text must not reach the person."""
    return ReportRows(HEADER, _broken_chunks())


def flaky(ctx: RunContext) -> ReportRows:
    """Fails unexpectedly on the first attempt, works from the second on."""
    if ctx.attempt == 1:
        raise RuntimeError(SECRET_DETAIL)
    return ReportRows(HEADER, iter([Chunk([[1, "=worked on retry"]], 100)]))


def kind_of(name: str, build: object) -> ReportKind:
    """A test kind anyone may run, without parameters, whose rows come from ``build``."""
    return ReportKind(
        name=name,
        title=f"Test {name}",
        description="A test-only kind.",
        dated=False,
        audience=Audience(_always, _always, "view", ("All", "All")),
        build=build,  # type: ignore[arg-type]
    )


TEST_KINDS = {
    "test_slow": kind_of("test_slow", slow),
    "test_broken": kind_of("test_broken", broken),
    "test_flaky": kind_of("test_flaky", flaky),
}
