"""Who may open what under /models: models.view reads, .register adds, .stage moves."""

from __future__ import annotations

import pytest

from tests.helpers.pages import get_or_post
from tests.registry.helpers import VALID, snapshot

ROUTES = [
    ("GET", "/models"),
    ("GET", "/models/new"),
    ("POST", "/models/new"),
    ("GET", "/models/{id}"),
    ("POST", "/models/{id}/stage"),
    ("GET", "/models/compare?a={id}&b={other}"),
]
# (person in workspace A, route) → expected status; everyone reads, not everyone writes.
EXPECTED = {
    "viewer": {"/models/new": 403, "/models/{id}/stage": 403},
    "analyst": {"/models/new": 403, "/models/{id}/stage": 403},
    "reader": {"/models/{id}/stage": 403},  # a Researcher who only views A
    "researcher": {"/models/{id}/stage": 403},
}


@pytest.fixture
def pair(team, model_factory):
    return (
        model_factory(workspace=team.ws_a, name="m", version="1"),
        model_factory(workspace=team.ws_a, name="m", version="2"),
    )


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_anonymous_users_are_sent_to_sign_in(client, pair, method, path):
    url = path.format(id=pair[0].id, other=pair[1].id)
    response = client.get(url) if method == "GET" else client.post(url, data={})
    if method == "POST":
        assert response.status_code == 400  # no CSRF token: refused before anything
    else:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("who", list(EXPECTED))
@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_each_role_gets_what_the_matrix_says(client, team, sign_in_as, pair, who, method, path):
    sign_in_as(getattr(team, who))
    url = path.format(id=pair[0].id, other=pair[1].id)
    before = snapshot()
    data = {
        "workspace": str(team.ws_a.id),
        **VALID,
        "stage": "staging",
        "reason": "trying",
        "expected_stage": "draft",
    }
    response = get_or_post(client, method, url, data)
    expected = EXPECTED[who].get(path, 303 if method == "POST" else 200)
    if who == "reader" and path == "/models/new" and method == "POST":
        expected = 403  # models.register, but only a viewer of A: no contribute right
    assert response.status_code == expected
    if expected != 303:
        assert snapshot() == before
