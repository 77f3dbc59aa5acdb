"""The form base every form derives from: CSRF, NUL and size guards, stripping."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    Field,
    FieldList,
    FormField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import HiddenInput

# No single form value is longer than this, whatever the field (fields set tighter limits).
MAX_VALUE_CHARS = 100_000
# A list's search box takes at most this many characters.
MAX_QUERY_CHARS = 200
# The "no filter" choice of a list's select filters.
ANY = SelectChoice("", "Any")


def reject_unsafe_input(form: FlaskForm, field: Field) -> None:
    """Stop validation of values with NUL or other control bytes PostgreSQL or logs choke on."""
    for value in field.raw_data or ():
        if not isinstance(value, str):
            continue
        if "\x00" in value:
            raise StopValidation("This field contains a NUL character, which is not allowed.")
        if len(value) > MAX_VALUE_CHARS:
            raise StopValidation(f"This value is too long (over {MAX_VALUE_CHARS:,} characters).")


def strip_whitespace(value: Any) -> Any:
    """Trim surrounding whitespace from text values."""
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    """CSRF-protected form; every field first refuses NUL bytes and oversized values.

    Values are stripped of surrounding whitespace, except passwords. Only declared
    fields are read, so extra posted fields are ignored (no mass assignment).
    """

    class Meta(FlaskForm.Meta):
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
            kwargs = unbound_field.kwargs
            if issubclass(unbound_field.field_class, FieldList | FormField):
                # Containers take no filters; their entries carry their own validators.
                return unbound_field.bind(form=form, **options)
            validators = [reject_unsafe_input, *(kwargs.get("validators") or ())]
            filters = list(kwargs.get("filters") or ())
            if not issubclass(unbound_field.field_class, PasswordField):
                filters.insert(0, strip_whitespace)
            return unbound_field.bind(form=form, validators=validators, filters=filters, **options)


class VersionedForm(BaseForm):
    """An edit form that carries the version it was rendered from (optimistic locking)."""

    version = IntegerField(
        widget=HiddenInput(),
        validators=[InputRequired("The form is missing its version; reload the page.")],
    )

    def rebase(self, version: int) -> None:
        """Carry ``version`` from now on (after a conflict, resubmitting overwrites knowingly)."""
        self.version.raw_data = None
        self.version.data = version


class ConfirmForm(BaseForm):
    """A bare CSRF-protected form for confirmed, destructive POST actions."""


class TypedConfirmForm(BaseForm):
    """Confirmation for the worst actions: the person types a given word (e.g. the email)."""

    confirmation = StringField(
        "Type it to confirm", validators=[DataRequired("Type the confirmation."), Length(max=254)]
    )

    def __init__(self, *args: Any, expected: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expected = expected

    def validate_confirmation(self, field: Field) -> None:
        if field.data.strip().lower() != self.expected.strip().lower():
            raise ValidationError(f"Type {self.expected} exactly to confirm.")


def search_field(label: str) -> StringField:
    """A list's search box (a prefix search, at most ``MAX_QUERY_CHARS``)."""
    return StringField(
        label,
        validators=[Length(max=MAX_QUERY_CHARS, message="Search for at most 200 characters.")],
    )


def choices_of(options: Mapping[str, str]) -> list[SelectChoice]:
    """``options`` (value: label) as select choices, in order."""
    return [SelectChoice(value, label) for value, label in options.items()]


def filter_field(
    label: str,
    options: Mapping[str, str],
    invalid: str | None = None,
    *,
    default: str = "",
    offer_any: bool = True,
) -> SelectField:
    """A list's select filter: "Any" first (unless ``offer_any`` is off or ``options`` has
    the empty value), then ``options`` (value: label); ``invalid``: a value not offered."""
    choices = choices_of(options)
    if offer_any and "" not in options:
        choices.insert(0, ANY)
    extra = {"invalid_choice_message": invalid} if invalid else {}
    return SelectField(label, choices=choices, default=default, **extra)


def sort_field(options: Mapping[str, str], invalid: str = "Unknown sort order.") -> SelectField:
    """A list's "Sort by" choice: ``options`` maps sort keys to labels, the first is the default."""
    return SelectField(
        "Sort by",
        choices=choices_of(options),
        default=next(iter(options)),
        invalid_choice_message=invalid,
    )


def email_field(label: str, required: str) -> EmailField:
    """An email address (at most 254 characters); ``required`` says what to enter."""
    return EmailField(
        label,
        validators=[
            DataRequired(required),
            Length(max=254),
            Email("Enter a valid email address."),
        ],
        render_kw={"autocomplete": "off"},
    )


def order_field() -> SelectField:
    """The ascending/descending choice every sortable list offers."""
    return SelectField(
        "Order",
        choices=[SelectChoice("asc", "Ascending"), SelectChoice("desc", "Descending")],
        default="asc",
        invalid_choice_message="Order is asc or desc.",
    )


class ListFilterForm(BaseForm):
    """The filters of a list page, read from the query string (a GET changes nothing: no CSRF)."""

    class Meta:
        csrf = False

    def link_args(self) -> dict[str, str]:
        """The filters as given, to keep in page links (empty ones left out)."""
        return {f.name: f.raw_data[0] for f in self if f.raw_data and f.raw_data[0]}

    def first_error(self) -> str:
        """One readable message for the 400 page."""
        for field in self:
            if field.errors:
                return f"{field.label.text}: {field.errors[0]}"
        return "The list's filters are not valid."

    def ordering(self) -> dict[str, Any]:
        """The chosen sort key and direction, as the list queries take them."""
        return {"sort": self.sort.data, "descending": self.order.data == "desc"}
