"""Forms of the /users area: the list's filters, create, edit, role changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.forms import (
    ANY,
    BaseForm,
    ListFilterForm,
    VersionedForm,
    email_field,
    filter_field,
    order_field,
    search_field,
    sort_field,
)
from portal.services.identity.user_queries import UserFilters

if TYPE_CHECKING:
    from portal.models import Role

_YES_NO = {"yes": True, "no": False, "": None}


class UserFilterForm(ListFilterForm):
    """The list's search, filters and order (GET query arguments, so no CSRF)."""

    q = search_field("Email or name starts with")
    role = SelectField("Role", choices=[ANY], default="", invalid_choice_message="No such role.")
    status = filter_field("Status", {"active": "Active", "deactivated": "Deactivated"})
    locked = filter_field("Locked", {"yes": "Locked", "no": "Not locked"})
    mfa = filter_field("MFA", {"yes": "Enrolled", "no": "Not enrolled"})
    no_sign_in_since = DateField(
        "No sign-in since",
        validators=[Optional()],
        invalid_value_message="Give the date as YYYY-MM-DD.",
    )
    sort = sort_field(
        {"email": "Email", "name": "Name", "last_sign_in": "Last sign-in", "created": "Created"}
    )
    order = order_field()

    def set_role_names(self, names: list[str]) -> None:
        """Offer these role names in the role filter."""
        self.role.choices = [ANY, *(SelectChoice(name) for name in names)]

    def filters(self) -> UserFilters:
        """The validated filters for the query."""
        return UserFilters(
            q=self.q.data or "",
            role=self.role.data or None,
            active={"active": True, "deactivated": False}.get(self.status.data or ""),
            locked=_YES_NO[self.locked.data or ""],
            mfa=_YES_NO[self.mfa.data or ""],
            no_sign_in_since=self.no_sign_in_since.data,
        )


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes, one per choice."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class _ProfileForm(BaseForm):
    name = StringField("Name", validators=[DataRequired("Enter a name."), Length(max=200)])
    email = email_field("Email", "Enter an email address.")


class UserCreateForm(_ProfileForm):
    """A new account: name, email, roles, and how the person sets a password."""

    roles = MultiCheckboxField("Roles", choices=[], invalid_choice_message="Choose listed roles.")
    credential = RadioField(
        "First sign-in",
        choices=[
            SelectChoice("link", "Create a set-password link (shown once)"),
            SelectChoice(
                "password", "Generate a one-time password (shown once; they must change it)"
            ),
        ],
        default="link",
        validators=[InputRequired("Choose how they will sign in first.")],
    )

    def set_roles(self, choices: list[SelectChoice]) -> None:
        """Offer these (id, name) roles."""
        self.roles.choices = choices

    def values(self) -> dict[str, Any]:
        """The submitted values, as ``register_user`` takes them (the roles are looked up)."""
        return {
            "email": self.email.data,
            "name": self.name.data,
            "send_link": self.credential.data == "link",
        }


class UserEditForm(VersionedForm, _ProfileForm):
    """Name and email, with the version the form was rendered from (optimistic locking)."""

    def values(self) -> dict[str, Any]:
        """The submitted values, as ``update_user`` takes them."""
        return {
            "name": self.name.data,
            "email": self.email.data,
            "expected_version": self.version.data,
        }


class RoleChangeForm(BaseForm):
    """Grant (or ask to revoke) a role chosen from a list."""

    role_id = SelectField("Role", choices=[], invalid_choice_message="Choose a role from the list.")
    action = HiddenField(
        default="grant", validators=[AnyOf(["grant", "revoke"], message="Grant or revoke.")]
    )

    def set_roles(self, choices: list[SelectChoice]) -> None:
        """Offer these (id, name) roles."""
        self.role_id.choices = choices


def role_choices(roles: list[Role]) -> list[SelectChoice]:
    """A role field's options: value the id, label the name."""
    return [SelectChoice(str(role.id), role.name) for role in roles]
