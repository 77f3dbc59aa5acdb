"""Queuing a committed report from a view: flash what happened, never a 500 for Redis."""

from __future__ import annotations

from flask import flash

from portal.extensions import db
from portal.models import Report
from portal.services.reports.lifecycle import QUEUE_UNAVAILABLE
from portal.services.reports.requests import enqueue_report


def queue_report(report: Report, queued_message: str) -> None:
    """Enqueue the committed report; on a Redis failure commit its failed state and say so."""
    if enqueue_report(report):
        flash(queued_message, "success")
    else:
        db.session.commit()
        flash(QUEUE_UNAVAILABLE, "danger")
