"""Who may open what under /plugins: plugins.view reads, plugins.manage changes."""

from __future__ import annotations

import json

import pytest

from portal.security.permissions import Permission
from tests.helpers.access import assert_access_declared
from tests.helpers.pages import get_or_post, text
from tests.plugins.helpers import manifest, random_id, registry_state

# (method, path template) of every route that changes something or asks to.
MANAGE_ROUTES = [
    ("GET", "/plugins/new"),
    ("POST", "/plugins/new"),
    ("GET", "/plugins/{id}/enable"),
    ("POST", "/plugins/{id}/enable"),
    ("GET", "/plugins/{id}/disable"),
    ("POST", "/plugins/{id}/disable"),
    ("GET", "/plugins/{id}/config"),
    ("POST", "/plugins/{id}/config"),
    ("GET", "/plugins/{id}/upgrade"),
    ("POST", "/plugins/{id}/upgrade"),
    ("GET", "/plugins/{id}/downgrade"),
    ("POST", "/plugins/{id}/downgrade"),
]
READERS = ["PI", "Researcher", "Analyst"]


@pytest.fixture(params=READERS)
def reader(request, signed_in_user):
    """A signed-in user whose role has plugins.view but not plugins.manage (MFA enrolled
    where the role requires it)."""
    role = request.param
    return signed_in_user(f"{role.lower()}@example.org", role)


def test_readers_see_the_list_and_the_detail_without_manage_links(client, reader, registered):
    index = text(client.get("/plugins"))
    assert 'data-plugin-row="gene-lens"' in index
    assert 'href="/plugins/new"' not in index
    page = text(client.get(f"/plugins/{registered.id}"))
    assert "gene-lens" in page and "Read the ML model registry." in page
    for action in ("enable", "disable", "config", "upgrade", "downgrade"):
        assert f"/plugins/{registered.id}/{action}" not in page


@pytest.mark.parametrize(("method", "path"), MANAGE_ROUTES)
def test_readers_get_403_on_every_manage_route(client, reader, registered, method, path):
    url = path.format(id=registered.id)
    before = registry_state()
    data = {"manifest": json.dumps(manifest(version="9.0.0")), "version": "1.0.0", "config": "{}"}
    response = get_or_post(client, method, url, data)
    assert response.status_code == 403
    assert registry_state() == before


def test_a_viewer_may_not_even_list(client, viewer, registered):
    assert client.get("/plugins").status_code == 403
    assert client.get(f"/plugins/{registered.id}").status_code == 403
    assert 'href="/plugins"' not in text(client.get("/"))


@pytest.mark.parametrize(
    "path", ["/plugins", "/plugins/new", "/plugins/{id}", "/plugins/{id}/enable"]
)
def test_anonymous_is_sent_to_sign_in(client, registered, path):
    response = client.get(path.format(id=registered.id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize(
    "path",
    [
        "/plugins/{id}",
        "/plugins/{id}/enable",
        "/plugins/{id}/disable",
        "/plugins/{id}/config",
        "/plugins/{id}/upgrade",
        "/plugins/{id}/downgrade",
    ],
)
def test_an_unknown_id_is_404(client, admin, path):
    assert client.get(path.format(id=random_id())).status_code == 404
    assert client.get(path.format(id="not-a-uuid")).status_code == 404


@pytest.mark.parametrize(("method", "path"), [r for r in MANAGE_ROUTES if r[0] == "POST"])
def test_a_post_without_csrf_is_400_and_changes_nothing(client, admin, registered, method, path):
    before = registry_state()
    data = {"manifest": json.dumps(manifest(version="9.0.0")), "version": "1.0.0", "config": "{}"}
    response = client.post(path.format(id=registered.id), data=data)
    assert response.status_code == 400
    assert "The form expired" in text(response)
    assert registry_state() == before


def test_every_plugins_view_declares_its_permission(app):
    read_only = dict.fromkeys(("plugins.index", "plugins.detail"), Permission.PLUGINS_VIEW)
    assert_access_declared(
        app, "plugins", count=8, default=Permission.PLUGINS_MANAGE, exceptions=read_only
    )


def test_admins_see_the_nav_entry_and_manage_links(client, admin, registered):
    assert 'href="/plugins"' in text(client.get("/"))
    page = text(client.get(f"/plugins/{registered.id}"))
    for action in ("enable", "config", "upgrade"):
        assert f'href="/plugins/{registered.id}/{action}"' in page
