"""Error pages: in the layout, with a request id, never a traceback."""

from __future__ import annotations

import uuid

import pytest
from flask import abort

from portal.extensions import db
from portal.models import Role
from tests.helpers.apps import portal_app
from tests.helpers.signin import password_step


def test_404_page_is_in_the_layout(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Not found" in page and "navbar" in page
    assert response.headers["X-Request-ID"] in page


def test_405_page(client):
    response = client.post("/healthz")
    assert response.status_code in (400, 405)  # CSRF runs first for POSTs without a token


def test_405_with_csrf_exempt_method(client):
    response = client.delete("/login")
    assert response.status_code == 405
    assert "Method not allowed" in response.get_data(as_text=True)


def test_oversized_body_is_413(client):
    response = client.post("/login", data={"email": "x" * (5 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Too large" in response.get_data(as_text=True)


@pytest.fixture
def crashing_app(database_url):
    app = portal_app(database_url)

    @app.get("/boom")
    def boom():
        db.session.add(Role(name=f"half-done-{uuid.uuid4().hex[:6]}", permissions=[]))
        db.session.flush()
        raise RuntimeError("secret internals")

    @app.get("/slow-down")
    def slow_down():
        abort(429, retry_after=42)

    return app


@pytest.mark.committed
def test_500_rolls_back_and_hides_the_traceback(crashing_app):
    response = crashing_app.test_client().get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Server error" in page and response.headers["X-Request-ID"] in page
    assert "secret internals" not in page and "Traceback" not in page
    with crashing_app.app_context():
        assert db.session.query(Role).filter(Role.name.like("half-done-%")).count() == 0


@pytest.mark.committed
def test_429_says_when_to_retry(crashing_app):
    response = crashing_app.test_client().get("/slow-down")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "42"
    assert "Try again in 42 seconds" in response.get_data(as_text=True)


@pytest.mark.committed
def test_database_down_is_a_503_page():
    app = portal_app("postgresql://postgres@127.0.0.1:1/none")  # nobody listens on port 1
    client = app.test_client()
    response = password_step(client, "a@example.org", "x" * 12)
    assert response.status_code == 503
    assert "Temporarily unavailable" in response.get_data(as_text=True)
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["database"]["ok"] is False
