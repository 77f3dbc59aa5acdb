"""The navigation bar: entries appear only when the user may open them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from portal.security.permissions import Access, grants


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str


_MEMO = "omniscope.nav"
_MEMO_LIMIT = 1024
# In display order. Endpoints not registered (yet) are skipped.
NAV_ITEMS = (
    NavItem("Dashboard", "dashboard.index"),
    NavItem("Users", "users.index"),
    NavItem("Roles", "roles.index"),
    NavItem("Workspaces", "workspaces.index"),
    NavItem("Models", "registry.index"),
    NavItem("Reports", "reports.index"),
    NavItem("Plugins", "plugins.index"),
    NavItem("Audit", "audit.index"),
    NavItem("System", "system.index"),
)


def may_open(endpoint: str) -> bool:
    """True when the current user passes the access the endpoint's view declares."""
    view = current_app.view_functions.get(endpoint)
    if view is None:
        return False
    access = getattr(view, "required_access", None)
    if access is Access.PUBLIC:
        return True
    if access is None or not current_user.is_authenticated:
        return False
    return grants(current_user, access)


@dataclass(frozen=True)
class NavLink:
    label: str
    endpoint: str
    url: str


def visible_nav_items() -> tuple[NavLink, ...]:
    """The entries the current user may open, with their URLs.

    Worked out once per permission set (and mount point) in each process: every page
    shows the bar, and what it holds depends on nothing else.
    """
    grants = current_user.permissions if current_user.is_authenticated else None
    key = (grants, request.script_root)
    memo = current_app.extensions.setdefault(_MEMO, {})
    links = memo.get(key)
    if links is None:
        links = tuple(
            NavLink(item.label, item.endpoint, url_for(item.endpoint))
            for item in NAV_ITEMS
            if may_open(item.endpoint)
        )
        if len(memo) < _MEMO_LIMIT:
            memo[key] = links
    return links


def init_app(app: Flask) -> None:
    """Offer the navigation and the access check to templates."""
    app.jinja_env.globals.update(nav_items=visible_nav_items, may_open=may_open)
