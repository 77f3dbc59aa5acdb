"""The RBAC matrix, generated from the URL map: every route and every built-in role (+ anonymous).

Each endpoint declares its access with @require; this walks all of them, so a new route
is covered the moment it exists. Ids are random UUIDs: the access check runs before any
lookup, so an allowed role sees 404 (or a form error), a refused one 403.
"""

from __future__ import annotations

import uuid

import pytest

from portal.security.permissions import BUILTIN_ROLES, Access, AnyOf, Permission
from tests.helpers.pages import csrf_token_from

ROLES = [*BUILTIN_ROLES, None]  # None: anonymous
# Posting these would end the very session the walk uses.
SKIP = {("auth.logout", "POST")}


def _url(rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        values[name] = str(uuid.uuid4()) if type(converter).__name__ == "UUIDConverter" else "x"
    return rule.build(values, append_unknown=False)[1]


def _cases(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        access = app.view_functions[rule.endpoint].required_access
        for method in sorted(rule.methods & {"GET", "POST"}):
            if (rule.endpoint, method) not in SKIP:
                yield rule, method, access


def _expected(access, role: str | None) -> str:
    if access is Access.PUBLIC:
        return "public"
    if role is None:
        return "login"
    if access is Access.SIGNED_IN:
        return "allowed"
    needed = access.permissions if isinstance(access, AnyOf) else (access,)
    held = BUILTIN_ROLES[role]["permissions"]
    return "allowed" if any(p.value in held for p in needed) else "forbidden"


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_every_route_for_every_role(app, client, signed_in_user, role):
    if role is not None:
        signed_in_user(f"matrix-{role.lower()}@example.org", role)
    token = csrf_token_from(client, "/logout" if role else "/login")
    wrong = []
    for rule, method, access in _cases(app):
        url = _url(rule)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        status, location = response.status_code, response.headers.get("Location", "")
        expected = _expected(access, role)
        to_login = status in (302, 303) and location.startswith("/login")
        ok = (
            status < 500
            and {
                "public": status != 403,
                "login": to_login,
                "allowed": status != 403 and not to_login,
                "forbidden": status == 403,
            }[expected]
        )
        if not ok:
            wrong.append(f"{method} {url} [{access}] → {status} {location} (expected {expected})")
    assert wrong == []


def test_matrix_covers_every_permission_somewhere(app):
    declared = {getattr(view, "required_access", None) for view in app.view_functions.values()}
    assert Access.SIGNED_IN in declared and Access.PUBLIC in declared
    assert {p for p in declared if isinstance(p, Permission)}  # at least one permission route
