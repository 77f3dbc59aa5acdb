"""Role forms: the role editor with its permission grid, and the list's query arguments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug.exceptions import BadRequest
from wtforms import (
    BooleanField,
    Field,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.forms import BaseForm
from portal.security.permissions import ALL_PERMISSIONS
from portal.services.identity.roles import (
    DESCRIPTION_MAX,
    NAME_MAX,
    SORTS,
    name_problem,
    normalise_name,
    permission_groups,
    unknown_permissions,
)


def _action_label(value: str) -> str:
    """``workspaces.view_all`` → ``view all``."""
    return value.split(".", 1)[1].replace("_", " ")


class RoleForm(BaseForm):
    """Name, description, permissions (a checkbox per permission) and the MFA requirement."""

    name = StringField(
        "Name",
        validators=[DataRequired("Enter a name for the role.")],
        render_kw={"maxlength": NAME_MAX, "autocomplete": "off"},
    )
    description = TextAreaField(
        "Description",
        validators=[Length(max=DESCRIPTION_MAX)],
        render_kw={"rows": 3, "maxlength": DESCRIPTION_MAX},
    )
    # Unknown values are reported by validate_permissions with a clearer message than
    # WTForms' own choice check, so that one is off.
    permissions = SelectMultipleField(
        "Permissions",
        choices=[SelectChoice(value, _action_label(value)) for value in ALL_PERMISSIONS],
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    requires_mfa = BooleanField("Holders must use multi-factor authentication (MFA)")

    def __init__(self, *args: Any, builtin: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if builtin:
            # Read-only rather than disabled: the value is still posted, and the service
            # refuses any different one.
            self.name.render_kw = {**(self.name.render_kw or {}), "readonly": True}

    def validate_name(self, field: Field) -> None:
        problem = name_problem(normalise_name(field.data))
        if problem:
            raise ValidationError(problem)

    def validate_permissions(self, field: Field) -> None:
        unknown = unknown_permissions(field.data or ())
        if unknown:
            shown = ", ".join(value[:64] for value in unknown[:5])
            raise ValidationError(
                f"Unknown permission: {shown}. Choose only from the permissions listed."
            )

    def permission_grid(self) -> list[tuple[str, list[Field]]]:
        """The permission checkboxes grouped by area, for one fieldset per area."""
        options = {option.data: option for option in self.permissions}
        return [
            (area, [options[value] for value in values])
            for area, values in permission_groups(ALL_PERMISSIONS)
        ]

    def role_values(self) -> dict[str, Any]:
        """The submitted values, as the role services take them."""
        return {
            "name": self.name.data,
            "description": self.description.data,
            "permissions": list(self.permissions.data or ()),
            "requires_mfa": bool(self.requires_mfa.data),
        }


def parse_list_args(args: Mapping[str, str]) -> tuple[str, str]:
    """The roles list's ``q`` (name prefix) and ``sort``; 400 with a message on nonsense."""
    q = (args.get("q") or "").strip()
    if len(q) > NAME_MAX or "\x00" in q:
        raise BadRequest(f"Search by the start of a role name (at most {NAME_MAX} characters).")
    sort = args.get("sort") or "name"
    if sort not in SORTS:
        raise BadRequest(f"Sort the roles by one of: {', '.join(SORTS)}.")
    return q, sort
