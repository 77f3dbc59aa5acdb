"""The dashboard's live counts."""

from __future__ import annotations

import re

from portal.extensions import db
from portal.models import Plugin
from tests.factories import MemberFactory, UserFactory, WorkspaceFactory


def _tile(page: str, label: str) -> int:
    match = re.search(rf'data-tile="{label}">([\d,]+)<', page)
    assert match, label
    return int(match.group(1).replace(",", ""))


def test_counts_follow_the_database(client, admin):
    UserFactory.create_batch(3)
    UserFactory(is_active=False)
    WorkspaceFactory.create_batch(2)
    db.session.add(Plugin(name="p1", version="1.0", is_enabled=True))
    db.session.add(Plugin(name="p2", version="1.0", is_enabled=False))
    db.session.flush()
    page = client.get("/").get_data(as_text=True)
    # 1 admin + 3 + 2 workspace owners (PI); the deactivated one is not counted.
    assert _tile(page, "Users") == 6
    assert _tile(page, "Workspaces") == 2
    assert _tile(page, "Plugins enabled") == 1
    assert _tile(page, "Events today") >= 1  # at least the sign-in itself


def test_members_count_only_their_workspaces(client, researcher):
    mine = WorkspaceFactory()
    WorkspaceFactory.create_batch(2)
    MemberFactory(workspace=mine, user=researcher, role="editor")
    assert _tile(client.get("/").get_data(as_text=True), "Workspaces") == 1


def test_admin_sees_chart_failed_sign_ins_and_mfa_adoption(client, sign_in, sign_in_as, app_ctx):
    chart = UserFactory(email="chart@example.org", roles=["Admin"], mfa=True)
    UserFactory.create_batch(3)
    sign_in("nobody@example.org", "wrong password!")
    sign_in_as(chart)
    page = client.get("/").get_data(as_text=True)
    days = re.findall(r'data-day="([0-9-]+)" data-count="(\d+)"', page)
    assert len(days) == 30
    assert int(days[-1][1]) >= 2  # today: the failure and the sign-in at least
    assert f"/audit?date_from={days[-1][0]}&amp;date_to={days[-1][0]}" in page
    assert _tile(page, "Failed sign-ins") == 1
    assert "/audit?action=auth.login.failure" in page
    assert re.search(r'data-tile="MFA adoption">25%<', page)  # 1 of 4 active users


def test_researcher_sees_no_chart(client, researcher):
    page = client.get("/").get_data(as_text=True)
    assert "data-events-chart" not in page and "Failed sign-ins" not in page


def test_counts_are_cached_but_a_role_change_shows_at_once(
    client, researcher, make_role, redis_client
):
    page = client.get("/").get_data(as_text=True)
    assert 'data-tile="Users"' not in page
    [data_key, html_key] = sorted(redis_client.keys(f"omniscope:dashboard:{researcher.id}:*"))
    assert data_key.endswith(b":data") and html_key.endswith(b":html")
    assert 0 < redis_client.ttl(html_key) <= 30
    # A role granting users.view shows its tile on the very next request.
    make_role("Lister", ["users.view"], holders=[researcher])
    page = client.get("/").get_data(as_text=True)
    assert _tile(page, "Users") >= 1
