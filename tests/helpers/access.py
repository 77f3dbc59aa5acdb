"""What the views of an area declare with @require."""

from __future__ import annotations

from flask import Flask


def assert_access_declared(
    app: Flask,
    area: str,
    *,
    count: int,
    default: object,
    exceptions: dict[str, object] | None = None,
) -> None:
    """The ``count`` views of ``area`` (endpoints ``area.*``) each declare ``default``, or
    the access ``exceptions`` names for them."""
    exceptions = exceptions or {}
    views = {e: v for e, v in app.view_functions.items() if e.startswith(f"{area}.")}
    assert len(views) == count, sorted(views)
    assert set(exceptions) <= set(views), sorted(set(exceptions) - set(views))
    for endpoint, view in views.items():
        assert view.required_access is exceptions.get(endpoint, default), endpoint
