"""/roles: roles and the permission matrix."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("roles", __name__, url_prefix="/roles")
