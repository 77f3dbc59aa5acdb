"""The one recipe of an index page: validated filters, a keyset page, links that keep both."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import render_template, request
from werkzeug.exceptions import BadRequest

from portal.forms import ListFilterForm
from portal.pagination import PageRequest, parse_page_request


def list_page(
    template: str, form: ListFilterForm, query: Callable[[PageRequest], Any], **context: Any
) -> str:
    """Render ``template`` with one page of ``query`` for the validated ``form`` (400 with
    the first problem otherwise), and the query arguments its page and sort links keep."""
    if not form.validate():
        raise BadRequest(description=form.first_error())
    page_request = parse_page_request(request.args)
    args = form.link_args()
    if "per_page" in request.args:
        args["per_page"] = str(page_request.per_page)
    result = query(page_request)
    return render_template(template, form=form, result=result, args=args, **context)
