"""The one confirmation recipe: a page that says what will happen, then a POST that does it.

A ``Confirmation`` is plain data: what the page says, its button, what is flashed after,
where Cancel leads. An area keeps the texts of its confirmations in a TOML file beside its
routes (``load_confirmations``), with ``{placeholders}`` that ``filled()`` completes. The
view passes the change to run, so a reader sees the service call where it happens::

    step = STEPS["archive"].filled(back=url, name=workspace.name, slug=workspace.slug)
    return confirm(step, lambda: set_archived(workspace, True, actor=signed_in_user()))
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path

from flask import flash, redirect, render_template, request
from flask.typing import ResponseReturnValue

from portal.forms import BaseForm, ConfirmForm, TypedConfirmForm
from portal.web.helpers import committing, form_status


@dataclass(frozen=True)
class Confirmation:
    """What a confirmation page says, its button, and where Cancel and the result lead."""

    title: str
    message: str
    action: str  # the button's label
    done: str = ""  # flashed once the change is committed
    back: str = ""  # Cancel's URL, and where the POST returns
    danger: bool = False
    typed: str | None = None  # the text to type, for the worst actions
    typed_help: str | None = None  # how to say it, when "Type X to confirm." does not fit

    def filled(self, *, back: str, **values: str) -> Confirmation:
        """These texts with ``values`` in their ``{placeholders}``, leading back to ``back``."""

        def fill(text: str | None) -> str | None:
            return None if text is None else text.format(**values)

        return replace(
            self,
            title=self.title.format(**values),
            message=self.message.format(**values),
            action=self.action.format(**values),
            done=self.done.format(**values),
            back=back,
            typed=fill(self.typed),
            typed_help=fill(self.typed_help),
        )

    def form(self) -> BaseForm:
        """The form the page posts: CSRF only, or the typed confirmation."""
        return TypedConfirmForm(expected=self.typed) if self.typed else ConfirmForm()

    def page(self, form: BaseForm, status: int = 200) -> tuple[str, int]:
        """The confirmation page with ``form`` (its errors shown)."""
        help_text = self.typed_help or (f"Type {self.typed} to confirm." if self.typed else None)
        body = render_template(
            "_partials/confirm.html",
            title=self.title,
            message=self.message,
            action_label=self.action,
            action_url=request.path,
            cancel_url=self.back,
            form=form,
            danger=self.danger,
            confirmation_help=help_text,
        )
        return body, status


def load_confirmations(path: Path) -> dict[str, Confirmation]:
    """The confirmations of a TOML file: one table per action, keyed by the action's name."""
    known = {field.name for field in fields(Confirmation)} - {"back"}
    with path.open("rb") as file:
        tables = tomllib.load(file)
    for name, table in tables.items():
        unknown = set(table) - known
        if unknown:
            raise ValueError(f"{path.name} [{name}]: unknown keys {sorted(unknown)}")
    return {name: Confirmation(**table) for name, table in tables.items()}


def confirm(step: Confirmation, change: Callable[[], object]) -> ResponseReturnValue:
    """GET: the confirmation page. POST: run ``change`` (a service call) and commit, or show
    the rule's refusal; either way back to ``step.back``."""
    form = step.form()
    if not form.validate_on_submit():
        return step.page(form, form_status())
    with committing() as outcome:
        change()
    if outcome.ok:
        flash(step.done, "success")
    return redirect(step.back, 303)
