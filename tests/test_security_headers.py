"""Response headers and cookie flags."""

from __future__ import annotations

import pytest

from portal.config import load_settings
from tests.helpers.apps import portal_app


def test_pages_carry_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers
    assert "Server" not in response.headers
    assert len(response.headers["X-Request-ID"]) == 32


def test_hsts_only_over_https(client):
    response = client.get("/login", base_url="https://portal.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_pages_have_no_inline_script(client, admin):
    for path in ("/login", "/", "/logout", "/no-such-page"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and " on" + "click=" not in page, path
        for tag in page.split("<script")[1:]:
            assert tag.lstrip().startswith("src="), path


def test_session_cookie_is_httponly_and_lax(client, sign_in, user_factory):
    user_factory(email="cookie@example.org")
    response = sign_in("cookie@example.org")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("omniscope_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_settings_use_secure_host_cookies():
    settings = load_settings(env={"PORTAL_ENV": "production"})
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_NAME"] == "__Host-omniscope"
    assert load_settings(env={})["SESSION_COOKIE_SECURE"] is False


@pytest.mark.committed
def test_secure_cookie_is_sent_with_secure_flag(database_url):
    app = portal_app(
        database_url, SESSION_COOKIE_SECURE=True, SESSION_COOKIE_NAME="__Host-omniscope"
    )
    response = app.test_client().get("/login", base_url="https://portal.example")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-omniscope=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
