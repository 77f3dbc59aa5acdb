"""/plugins: the plugin registry."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("plugins", __name__, url_prefix="/plugins")
