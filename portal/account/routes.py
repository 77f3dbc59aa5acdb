"""/account: own profile, password, MFA, recovery codes, sessions."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")
