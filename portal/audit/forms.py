"""The audit trail's filter form (GET, no CSRF: it changes nothing)."""

from __future__ import annotations

import ipaddress
import uuid

from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, Length, Optional, ValidationError

from portal.forms import ListFilterForm
from portal.services.audit.queries import ACTION_PREFIXES, ACTIONS, TARGET_TYPES


class AuditFilterForm(ListFilterForm):
    """Actor, action (exact or prefix), target, workspace, IP and a date range."""

    actor = StringField(
        "Actor email", validators=[Optional(), Length(max=254), Email("Enter an email address.")]
    )
    action = SelectField(
        "Action",
        choices=[SelectChoice("", "Any action")]
        + [SelectChoice(p, f"{p}* (all)") for p in ACTION_PREFIXES]
        + [SelectChoice(a) for a in ACTIONS],
        default="",
    )
    target_type = SelectField(
        "Target type",
        choices=[SelectChoice("", "Any")] + [SelectChoice(t) for t in TARGET_TYPES],
        default="",
    )
    target_id = StringField("Target id", validators=[Optional(), Length(max=64)])
    workspace = StringField("Workspace id", validators=[Optional(), Length(max=36)])
    ip = StringField("IP address", validators=[Optional(), Length(max=45)])
    date_from = DateField("From (UTC)", validators=[Optional()])
    date_to = DateField("To (UTC)", validators=[Optional()])

    def validate_workspace(self, field: StringField) -> None:
        try:
            uuid.UUID(field.data)
        except ValueError as exc:
            raise ValidationError("Enter a workspace id (a UUID).") from exc

    def validate_ip(self, field: StringField) -> None:
        try:
            ipaddress.ip_address(field.data)
        except ValueError as exc:
            raise ValidationError("Enter an IPv4 or IPv6 address.") from exc

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")
