"""Queuing RQ jobs from services: by the job function's dotted name, never failing a request."""

from __future__ import annotations

import logging
from typing import Any

from redis.exceptions import RedisError

from portal.extensions import get_queue

log = logging.getLogger(__name__)
QUEUE_UNAVAILABLE = "The job queue is unavailable; try again later."


def enqueue(queue: str, function: str, *args: Any, **options: Any) -> str | None:
    """Queue ``function`` (e.g. ``portal.jobs.reports.generate_report``) with ``args`` and RQ's
    ``options``; the job's id, or None when Redis cannot be reached (logged)."""
    try:
        return get_queue(queue).enqueue(function, *args, **options).id
    except RedisError:
        log.warning("could not queue %s: Redis unavailable", function, exc_info=True)
        return None
