"""The ``datetime`` and ``date`` template filters, and the pages that show times with them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from markupsafe import Markup

from portal.templating import date_filter, datetime_filter

AWARE = datetime(2026, 12, 1, 14, 5, 9, 123456, tzinfo=UTC)


def test_an_aware_datetime_is_a_time_element_with_the_exact_moment():
    rendered = datetime_filter(AWARE)
    assert isinstance(rendered, Markup)
    assert rendered == (
        '<time datetime="2026-12-01T14:05:09.123456+00:00">2026-12-01 14:05 UTC</time>'
    )


def test_a_naive_datetime_is_taken_as_utc():
    naive = datetime(2026, 12, 1, 14, 5, 9)  # noqa: DTZ001  (as SQLite and RQ give them)
    assert datetime_filter(naive) == (
        '<time datetime="2026-12-01T14:05:09+00:00">2026-12-01 14:05 UTC</time>'
    )


def test_another_time_zone_is_shown_in_utc():
    in_paris = datetime(2026, 12, 1, 15, 5, tzinfo=timezone(timedelta(hours=1)))
    assert datetime_filter(in_paris) == (
        '<time datetime="2026-12-01T14:05:00+00:00">2026-12-01 14:05 UTC</time>'
    )


def test_none_is_empty_or_the_placeholder():
    assert datetime_filter(None) == ""
    assert datetime_filter(None, "never") == "never"
    assert date_filter(None, "—") == "—"


def test_the_placeholder_is_escaped():
    rendered = datetime_filter(None, '<b class="x">never</b>')
    assert isinstance(rendered, Markup)
    assert rendered == "&lt;b class=&#34;x&#34;&gt;never&lt;/b&gt;"


def test_the_date_variant_shows_the_utc_day_and_keeps_the_exact_moment():
    late = datetime(2026, 12, 1, 23, 30, tzinfo=timezone(timedelta(hours=-2)))
    assert date_filter(late) == '<time datetime="2026-12-02T01:30:00+00:00">2026-12-02</time>'
    assert date_filter(date(2026, 12, 1)) == '<time datetime="2026-12-01">2026-12-01</time>'


def test_anything_else_is_refused():
    with pytest.raises(TypeError):
        datetime_filter("2026-12-01")  # type: ignore[arg-type]


def test_templates_get_both_filters_and_their_output_is_not_escaped_again(app):
    template = app.jinja_env.from_string(
        "{{ when|datetime }}|{{ when|date }}|{{ missing|datetime('<never>') }}"
    )
    assert template.render(when=AWARE, missing=None) == (
        '<time datetime="2026-12-01T14:05:09.123456+00:00">2026-12-01 14:05 UTC</time>|'
        '<time datetime="2026-12-01T14:05:09.123456+00:00">2026-12-01</time>|&lt;never&gt;'
    )
    # An attribute the object does not have renders like None.
    assert app.jinja_env.from_string("[{{ row.nothing|datetime }}]").render(row={}) == "[]"


def test_the_users_list_shows_times_with_the_filter(client, sign_in, user_factory):
    admin = user_factory(email="admin@example.org", roles=["Admin"], mfa=True)
    user_factory(
        email="seen@example.org",
        created_at=datetime(2023, 1, 2, 3, 4, 5, tzinfo=UTC),
        last_login_at=datetime(2024, 5, 6, 7, 8, tzinfo=UTC),
    )
    user_factory(email="unseen@example.org")
    assert sign_in(admin.email).status_code == 303

    page = client.get("/users").get_data(as_text=True)
    seen = page.split('data-user-row="seen@example.org"', 1)[1].split("</tr>", 1)[0]
    assert '<td><time datetime="2024-05-06T07:08:00+00:00">2024-05-06 07:08 UTC</time></td>' in seen
    assert '<td><time datetime="2023-01-02T03:04:05+00:00">2023-01-02</time></td>' in seen
    unseen = page.split('data-user-row="unseen@example.org"', 1)[1].split("</tr>", 1)[0]
    assert "<td>Never</td>" in unseen


def test_the_user_page_shows_the_lockout_time(client, sign_in, user_factory):
    admin = user_factory(email="admin@example.org", roles=["Admin"], mfa=True)
    target = user_factory(
        email="locked@example.org", locked_until=datetime(2999, 1, 1, 12, 0, 30, tzinfo=UTC)
    )
    assert sign_in(admin.email).status_code == 303

    page = client.get(f"/users/{target.id}").get_data(as_text=True)
    assert (
        '<dd class="col-sm-9" data-locked>Locked until '
        '<time datetime="2999-01-01T12:00:30+00:00">2999-01-01 12:00 UTC</time>'
    ) in page
    assert '<dd class="col-sm-9" data-last-sign-in>Never</dd>' in page
