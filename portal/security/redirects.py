"""Safe post-sign-in redirects: same-origin paths only."""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_NEXT_LENGTH = 2048


def safe_next_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target or len(target) > MAX_NEXT_LENGTH:
        return None
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
