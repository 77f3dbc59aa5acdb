"""Own sessions: listed with device and IP, ended from another browser, Redis outages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import UserSession
from tests.factories import UserFactory
from tests.helpers.apps import DEAD_REDIS_URL, portal_app
from tests.helpers.pages import csrf_token_from
from tests.helpers.signin import password_step, sign_out

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def test_sessions_page_lists_devices_and_ends_another(app, client, user_factory, audit_rows):
    user_factory(email="s@example.org")
    laptop = app.test_client()
    password_step(laptop, "s@example.org", headers={"User-Agent": FIREFOX})
    password_step(client, "s@example.org")
    page = client.get("/account/sessions").get_data(as_text=True)
    assert "Firefox 128 on Windows" in page and "this browser" in page
    assert "127.0.0.1" in page
    ids = re.findall(r'data-session-id="([0-9a-f-]+)"', page)
    assert len(ids) == 2
    laptop_row = db.session.scalar(select(UserSession).where(UserSession.user_agent == FIREFOX))
    token = csrf_token_from(client, "/account/sessions")
    response = client.post(f"/account/sessions/{laptop_row.id}/end", data={"csrf_token": token})
    assert response.status_code == 303
    assert laptop.get("/").status_code == 302  # refused on its very next request
    assert client.get("/").status_code == 200
    assert audit_rows(action="session.ended")[0].target_id == str(laptop_row.id)


def test_cannot_end_someone_elses_session(app, client, user_factory):
    user_factory(email="me@example.org")
    user_factory(email="them@example.org")
    theirs = app.test_client()
    password_step(theirs, "them@example.org")
    password_step(client, "me@example.org")
    their_row = db.session.scalar(
        select(UserSession)
        .join(UserSession.user)
        .where(UserSession.user.has(email="them@example.org"))
    )
    token = csrf_token_from(client, "/account/sessions")
    assert (
        client.post(f"/account/sessions/{their_row.id}/end", data={"csrf_token": token}).status_code
        == 404
    )
    assert (
        client.post("/account/sessions/not-a-uuid/end", data={"csrf_token": token}).status_code
        == 404
    )
    assert theirs.get("/").status_code == 200


def test_ending_this_session_signs_out(client, user_factory):
    user_factory(email="self@example.org")
    password_step(client, "self@example.org")
    row = db.session.scalar(select(UserSession))
    token = csrf_token_from(client, "/account/sessions")
    response = client.post(f"/account/sessions/{row.id}/end", data={"csrf_token": token})
    assert response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_hot_copy_lives_in_redis_with_24h_ttl(client, user_factory, redis_client):
    user_factory(email="hot@example.org")
    password_step(client, "hot@example.org")
    client.get("/")
    row = db.session.scalar(select(UserSession))
    key = f"omniscope:sessions:{row.id}"
    assert redis_client.exists(key)
    assert 86_000 < redis_client.ttl(key) <= 86_400


def test_idle_session_is_refused(client, user_factory, app):
    user_factory(email="idle@example.org")
    password_step(client, "idle@example.org")
    row = db.session.scalar(select(UserSession))
    from datetime import timedelta

    row.last_seen_at = row.last_seen_at - timedelta(minutes=31)
    db.session.flush()
    app.extensions["omniscope.redis"].flushdb()  # the hot copy would say "just seen"
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(("hours_later", "still_valid"), [(23.9, True), (24.1, False)])
def test_a_session_ends_24_hours_after_sign_in_however_active(
    client, user_factory, app, monkeypatch, hours_later, still_valid
):
    """The absolute lifetime: activity keeps a session from idling out, never past 24 h."""
    from datetime import timedelta

    from portal.services.signin import sessions

    user_factory(email="busy@example.org")
    password_step(client, "busy@example.org")
    row = db.session.scalar(select(UserSession))
    later = row.created_at + timedelta(hours=hours_later)
    row.last_seen_at = later - timedelta(minutes=1)  # active a minute ago: not idle
    db.session.flush()
    app.extensions["omniscope.redis"].flushdb()  # the check reads the row, not a hot copy
    monkeypatch.setattr(sessions, "utcnow", lambda: later)
    assert client.get("/").status_code == (200 if still_valid else 302)


@pytest.mark.committed
def test_sign_in_and_session_checks_work_with_redis_down(database_url):
    app = portal_app(database_url, DEAD_REDIS_URL)
    with app.app_context():
        UserFactory(email="noredis@example.org")
        db.session.commit()
    client = app.test_client()
    response = password_step(client, "noredis@example.org")
    assert response.status_code == 303
    assert client.get("/").status_code == 200
    sign_out(client)
    assert client.get("/").status_code == 302


@pytest.mark.committed
def test_stale_hot_copy_cannot_outlive_a_revocation(app, redis_client):
    """Redis was down when the session was revoked, so its hot copy survived: the copy is
    trusted for at most a minute before the row is checked again."""
    import json
    from datetime import timedelta

    from portal.models.base import utcnow

    with app.app_context():
        UserFactory(email="stale@example.org")
        db.session.commit()
    client = app.test_client()
    assert password_step(client, "stale@example.org").status_code == 303
    assert client.get("/").status_code == 200
    with app.app_context():
        row = db.session.scalar(select(UserSession))
        row.revoked_at = utcnow()  # revoked in PostgreSQL only
        db.session.commit()
        key = f"omniscope:sessions:{row.id}"
    copy = json.loads(redis_client.get(key))
    assert copy["revoked_at"] is None
    assert client.get("/").status_code == 200  # the copy is still fresh
    copy["last_seen_at"] = (utcnow() - timedelta(seconds=61)).isoformat()
    redis_client.set(key, json.dumps(copy))
    assert client.get("/").status_code == 302
    assert not redis_client.exists(key)
