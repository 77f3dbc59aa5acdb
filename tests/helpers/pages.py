"""Reading the pages the portal renders, and posting its forms, as a browser would."""

from __future__ import annotations

import html
import re
from typing import Any

from flask.testing import FlaskClient

# What every refusal of a NUL character (which PostgreSQL cannot store) says, in any field.
NUL_CHARACTER = "NUL character"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
NEXT_LINK = re.compile(r'<a class="page-link" rel="next" href="([^"]+)"')
PREV_LINK = re.compile(r'<a class="page-link" rel="prev" href="([^"]+)"')
ERROR_DETAIL = re.compile(r"<p[^>]*data-error-detail>([^<]*)</p>")
FIELD_ERRORS = re.compile(
    r'-errors" class="invalid-feedback d-block">((?:\s*<div>.*?</div>)+)', re.S
)
VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')


def text(response: Any) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


def csrf_token_from(client: FlaskClient, path: str) -> str:
    """Read the CSRF token from the form a page renders, as a browser would."""
    response = client.get(path)
    match = CSRF_RE.search(text(response))
    assert match, f"no CSRF token on {path} ({response.status_code})"
    return match.group(1)


def post_form(
    client: FlaskClient, path: str, data: dict[str, Any] | None = None, *, token_from: str = ""
) -> Any:
    """POST ``data`` to ``path`` with the CSRF token of the page that shows the form
    (``token_from``, by default ``path`` itself)."""
    token = csrf_token_from(client, token_from or path)
    return client.post(path, data={"csrf_token": token, **(data or {})})


def get_or_post(
    client: FlaskClient, method: str, path: str, data: dict[str, Any] | None = None
) -> Any:
    """GET ``path``, or POST ``data`` to it with a CSRF token valid in the client's session."""
    if method == "GET":
        return client.get(path)
    return post_form(client, path, data, token_from="/logout")


def link(pattern: re.Pattern[str], response: Any) -> str | None:
    """The (unescaped) href that ``pattern`` finds on the page, if any."""
    match = pattern.search(text(response))
    return html.unescape(match.group(1)) if match else None


def error_detail(response: Any) -> str:
    """The explanation a 400 (or 409) page gives, unescaped."""
    match = ERROR_DETAIL.search(text(response))
    assert match, text(response)[:3000]
    return html.unescape(match.group(1))


def field_errors(response: Any) -> list[str]:
    """Every per-field error message on a form page, unescaped, in page order."""
    messages = []
    for block in FIELD_ERRORS.findall(text(response)):
        messages += [html.unescape(m) for m in re.findall(r"<div>(.*?)</div>", block, re.S)]
    return messages


def conflict_page(response: Any, what: str, current_name: str) -> str:
    """The 409 page of an edit that someone else's change overtook: it says so and shows
    the name now stored (``current_name``). Returns the page."""
    assert response.status_code == 409, (response.status_code, text(response)[:3000])
    page = text(response)
    assert f"Someone else changed this {what} while you were editing. Nothing was saved" in page
    assert f'<dd class="col-sm-10" data-current-name>{current_name}</dd>' in page
    return page


def flashes_after(client: FlaskClient, response: Any) -> str:
    """The page a 303 leads to (where the flashed messages are), unescaped."""
    assert response.status_code == 303, (response.status_code, text(response)[:3000])
    return html.unescape(text(client.get(response.headers["Location"])))
