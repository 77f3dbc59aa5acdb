"""The small kit every view uses: who is signed in, load-or-404, commit or show the refusal,
and saying whether a job was queued."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from flask import abort, flash, request, session
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import Field

from portal.errors import status_for
from portal.extensions import db
from portal.models import User
from portal.services.errors import ConflictError, NotAllowedError, NotFoundError, RuleError
from portal.services.queueing import QUEUE_UNAVAILABLE

T = TypeVar("T")
# Refusals that are the whole page's answer (404, 403, 409), not a message on it.
PAGE_REFUSALS = (NotFoundError, NotAllowedError, ConflictError)


def signed_in_user() -> User:
    """The signed-in user (the real object, not Flask-Login's proxy)."""
    return current_user._get_current_object()


def current_session_id() -> uuid.UUID | None:
    """The id of this browser's own server-side session."""
    try:
        return uuid.UUID(session.get("sid") or "")
    except ValueError:
        return None


def load_or_404(model: type[T], object_id: uuid.UUID, *, for_update: bool = False) -> T:
    """The row of ``model`` with this id (locked until the commit with ``for_update``), or 404."""
    row = db.session.get(model, object_id, with_for_update=for_update or None)
    if row is None:
        abort(404)
    return row


def form_status() -> int:
    """400 for a refused submission, 200 for the page itself."""
    return 400 if request.method == "POST" else 200


def refusal_text(exc: RuleError) -> str:
    """The refusal's message, with up to five of the problems behind it."""
    return f"{exc} ({'; '.join(exc.errors[:5])})" if exc.errors else str(exc)


@dataclass
class Outcome:
    """Whether the change in a ``committing()`` block was committed."""

    ok: bool = False


@contextmanager
def committing(category: str = "danger") -> Iterator[Outcome]:
    """Commit what the block changes; on a rule's refusal roll back and flash its message.

    Refusals of the not-found, not-allowed and conflict kinds go on to their error page.
    """
    outcome = Outcome()
    try:
        yield outcome
    except PAGE_REFUSALS:
        db.session.rollback()
        raise
    except RuleError as exc:
        db.session.rollback()
        flash(refusal_text(exc), category)
        return
    db.session.commit()
    outcome.ok = True


def refuse_on_form(form: FlaskForm, exc: RuleError, field: Field | None = None) -> int:
    """Roll back and show the refusal on the field it names (or ``field``, or the form);
    the status of the page that shows it. A refusal of the not-found, not-allowed or
    conflict kind that belongs to no field is the whole page's answer: it is raised again
    for its error page."""
    db.session.rollback()
    if isinstance(exc, PAGE_REFUSALS) and field is None and exc.field is None:
        raise exc
    if field is None and exc.field and exc.field in form:
        field = form[exc.field]
    messages = exc.errors or [str(exc)]
    if field is None:
        form.form_errors.extend(messages)
    else:
        field.errors = [*field.errors, *messages]
    return status_for(exc)


def announce_queued(job_id: str | None, queued: str | None = None) -> bool:
    """After the commit: say the job was queued (``queued``), or that the queue is down,
    committing what the service recorded about that."""
    if job_id is None:
        db.session.commit()
        flash(QUEUE_UNAVAILABLE, "danger")
        return False
    if queued:
        flash(queued, "success")
    return True
