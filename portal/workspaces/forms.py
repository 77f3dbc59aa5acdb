"""Forms of the /workspaces area: the list's filters, create, edit, members."""

from __future__ import annotations

import json
from typing import Any

from wtforms import (
    Field,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from portal.forms import (
    BaseForm,
    ListFilterForm,
    VersionedForm,
    email_field,
    filter_field,
    order_field,
    search_field,
    sort_field,
)
from portal.services.json_input import JSONInputError, parse_json_object
from portal.services.workspaces.queries import WorkspaceFilters

SETTINGS_MAX_BYTES, SETTINGS_MAX_DEPTH = 64 * 1024, 32
MEMBER_ROLE_CHOICES = [SelectChoice("editor", "Editor"), SelectChoice("viewer", "Viewer")]


class WorkspaceFilterForm(ListFilterForm):
    """The list's search, filter and order (GET query arguments, so no CSRF)."""

    q = search_field("Name starts with")
    status = filter_field(
        "Show",
        {"active": "Active", "archived": "Archived", "all": "All"},
        "Show active, archived or all.",
        default="active",
        offer_any=False,
    )
    sort = sort_field({"name": "Name", "created": "Created"})
    order = order_field()

    def filters(self) -> WorkspaceFilters:
        """The validated filters for the query."""
        return WorkspaceFilters(q=self.q.data or "", status=self.status.data)


def _name() -> StringField:
    return StringField(
        "Name",
        validators=[
            DataRequired("Enter a name."),
            Length(max=200, message="Use at most 200 characters."),
        ],
    )


def _description() -> TextAreaField:
    return TextAreaField(
        "Description",
        validators=[Length(max=5000, message="Use at most 5,000 characters.")],
        render_kw={"rows": 4},
    )


class WorkspaceCreateForm(BaseForm):
    """A new workspace: name, short name, description and (for an Admin) the owning PI."""

    name = _name()
    slug = StringField(
        "Short name",
        validators=[
            Optional(),
            Length(min=2, max=100, message="Use 2 to 100 characters."),
            Regexp(r"^[a-z0-9-]+\Z", message="Use lower-case letters, digits and hyphens only."),
        ],
    )
    description = _description()
    owner_email = email_field("Owner (a PI's email)", "Enter the email of the PI who will own it.")

    def values(self) -> dict[str, Any]:
        """The submitted values, as ``new_workspace`` takes them."""
        return {
            "name": self.name.data,
            "slug": self.slug.data or None,
            "description": self.description.data or "",
            "owner_email": self.owner_email.data if "owner_email" in self else None,
        }


class SettingsField(TextAreaField):
    """JSON text; shown pretty-printed from the stored object."""

    def process_data(self, value: Any) -> None:
        if isinstance(value, dict):
            value = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
        self.data = value if isinstance(value, str) else "{}"


class WorkspaceEditForm(VersionedForm):
    """Name, description and settings, with the version the form was rendered from."""

    name = _name()
    description = _description()
    settings = SettingsField("Settings (a JSON object, at most 64 KB)", render_kw={"rows": 10})

    def validate_settings(self, field: Field) -> None:
        """A JSON object into ``field.object``; empty text means no settings ({})."""
        text = field.data or ""
        try:
            field.object = (
                parse_json_object(
                    text,
                    field="Settings",
                    max_bytes=SETTINGS_MAX_BYTES,
                    max_depth=SETTINGS_MAX_DEPTH,
                )
                if text.strip()
                else {}
            )
        except JSONInputError as exc:
            raise ValidationError(str(exc)) from exc

    def values(self) -> dict[str, Any]:
        """The submitted values, as ``update_workspace`` takes them."""
        return {
            "name": self.name.data,
            "description": self.description.data or "",
            "settings": self.settings.object,
            "expected_version": self.version.data,
        }


def _member_role(label: str) -> SelectField:
    return SelectField(
        label,
        choices=MEMBER_ROLE_CHOICES,
        default="viewer",
        invalid_choice_message="Choose editor or viewer.",
    )


class MemberAddForm(BaseForm):
    """Add a person by email as an editor or a viewer."""

    email = email_field("Email", "Enter the person's email.")
    role = _member_role("Workspace role")


class MemberRoleForm(BaseForm):
    """Change a member's workspace role."""

    role = _member_role("Role")
