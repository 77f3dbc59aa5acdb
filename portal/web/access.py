"""The one decorator every view uses to declare the access it needs."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from portal.extensions import login_manager
from portal.security.permissions import Access, AccessRule, grants

F = TypeVar("F", bound=Callable[..., Any])


# Where an account with unfinished set-up is sent, and what it is told.
SETUP_STEPS = {
    "password": ("account.password", "Choose your own password before you continue."),
    "mfa": ("account.mfa_setup", "Your role requires two-factor authentication: set it up first."),
}


def require(access: AccessRule, *, during_setup: bool = False) -> Callable[[F], F]:
    """Declare what a view needs: a permission (or ``AnyOf`` several), any signed-in user,
    or nothing (public).

    The value is stamped on the view as ``required_access`` so a test can walk the URL
    map and fail on any endpoint that declares nothing (deny by default). A signed-in
    account that must still change its password or enrol in MFA reaches only views
    marked ``during_setup`` (the set-up pages and sign-out).
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if access is not Access.PUBLIC:
                if not current_user.is_authenticated:
                    return login_manager.unauthorized()
                step = None if during_setup else current_user.pending_setup
                if step is not None:
                    endpoint, message = SETUP_STEPS[step]
                    flash(message, "warning")
                    return redirect(url_for(endpoint, next=request.full_path), 303)
                if not grants(current_user, access):
                    abort(403)
            return view(*args, **kwargs)

        wrapped.required_access = access  # type: ignore[attr-defined]
        wrapped.during_setup = during_setup  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator
