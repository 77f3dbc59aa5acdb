"""/workspaces: workspaces and membership."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("workspaces", __name__, url_prefix="/workspaces")
