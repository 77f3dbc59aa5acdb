"""Forms of the /plugins area: the list's filters, a manifest, a configuration, version choices."""

from __future__ import annotations

from typing import Any

from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import Field, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Regexp, StopValidation

from portal.forms import (
    BaseForm,
    ListFilterForm,
    filter_field,
    order_field,
    reject_unsafe_input,
    sort_field,
    strip_whitespace,
)
from portal.services.json_input import JSONInputError, parse_json_object
from portal.services.plugins.manifest import MAX_DEPTH

KB = 1024
MANIFEST_MAX_BYTES = 256 * KB
CONFIG_MAX_BYTES = 64 * KB
MAX_FILENAME_CHARS = 100


def _too_big(what: str, size: int, limit: int) -> str:
    return f"{what} is {size:,} bytes; at most {limit:,} bytes ({limit // KB} KB) are allowed."


class JSONTextField(TextAreaField):
    """A JSON document in a text area: kept as typed (line numbers hold), size-checked in bytes.

    ``what`` names it in the NUL and size messages ("The manifest ..."), and capitalised in
    the parser's (``parse_json_object``'s ``field``: "Manifest is not valid JSON ...").
    """

    def __init__(self, label: str, *, what: str, max_bytes: int, rows: int, **kwargs: Any) -> None:
        super().__init__(label, render_kw={"rows": rows}, **kwargs)
        self.what, self.json_name, self.max_bytes = what, what.capitalize(), max_bytes

    def pre_validate(self, form: Any) -> None:
        """Refuse NUL characters and text over ``max_bytes`` before anything parses it."""
        text = self.data or ""
        if "\x00" in text:
            raise StopValidation(f"The {self.what} contains a NUL character, which is not allowed.")
        size = len(text.encode("utf-8", "replace"))
        if size > self.max_bytes:
            raise StopValidation(_too_big(f"The {self.what}", size, self.max_bytes))


class _JSONForm(BaseForm):
    """A form whose JSON text fields set their own (larger) limit and are not stripped."""

    class Meta(BaseForm.Meta):
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
            field = super().bind_field(form, unbound_field, options)
            if isinstance(field, JSONTextField):
                # JSONTextField.pre_validate does the NUL and size checks with its own limit.
                field.validators = [v for v in field.validators if v is not reject_unsafe_input]
                field.filters = [f for f in field.filters if f is not strip_whitespace]
            return field

    parsed: dict[str, Any] | None = None

    def _parse(self, field: Field, text: str, source: JSONTextField) -> bool:
        """Parse ``text`` (from ``source``) into ``parsed``; problems are shown on ``field``."""
        try:
            # Nesting is bounded as in plugin_manifest's storage check, before anything parses.
            self.parsed = parse_json_object(
                text, field=source.json_name, max_bytes=source.max_bytes, max_depth=MAX_DEPTH
            )
        except JSONInputError as exc:
            field.errors.append(str(exc))
            return False
        return True


class ManifestForm(_JSONForm):
    """A manifest pasted into the text area or uploaded as a .json file (one of the two)."""

    manifest = JSONTextField(
        "Manifest (JSON)", what="manifest", max_bytes=MANIFEST_MAX_BYTES, rows=16
    )
    manifest_file = FileField("Or upload a .json file", render_kw={"accept": ".json"})

    def source(self) -> Field:
        """The field the manifest came from (where its problems are shown)."""
        return self.manifest_file if self._upload() is not None else self.manifest

    def _upload(self) -> FileStorage | None:
        data = self.manifest_file.data
        return data if isinstance(data, FileStorage) and data.filename else None

    def _read_upload(self, upload: FileStorage) -> str | None:
        name = (upload.filename or "")[:MAX_FILENAME_CHARS]
        errors = self.manifest_file.errors
        if not name.lower().endswith(".json"):
            errors.append(f"{name} is not a .json file.")
            return None
        raw = upload.stream.read(MANIFEST_MAX_BYTES + 1)
        if len(raw) > MANIFEST_MAX_BYTES:
            size = len(raw) + len(upload.stream.read())  # bounded by MAX_CONTENT_LENGTH
            errors.append(_too_big(name, size, MANIFEST_MAX_BYTES))
            return None
        if b"\x00" in raw:
            errors.append(f"{name} contains a NUL byte, which is not allowed.")
            return None
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            errors.append(f"{name} is not UTF-8 text.")
            return None

    def validate(self, extra_validators: Any = None) -> bool:
        """Exactly one source, within the limits, parsed into a JSON object (``parsed``)."""
        if not super().validate(extra_validators):
            return False
        upload, pasted = self._upload(), (self.manifest.data or "").strip()
        if upload is not None and pasted:
            self.form_errors.append("Paste the manifest or upload a file, not both.")
            return False
        if upload is None and not pasted:
            self.manifest.errors.append("Paste a manifest or choose a .json file to upload.")
            return False
        text = self.manifest.data if upload is None else self._read_upload(upload)
        return text is not None and self._parse(self.source(), text, self.manifest)


class ConfigForm(_JSONForm):
    """A plugin's configuration as a JSON object."""

    config = JSONTextField(
        "Configuration (JSON object)", what="configuration", max_bytes=CONFIG_MAX_BYTES, rows=14
    )

    def validate(self, extra_validators: Any = None) -> bool:
        """Within the limits and parsed into a JSON object (``parsed``)."""
        if not super().validate(extra_validators):
            return False
        if not (self.config.data or "").strip():
            self.config.errors.append("Enter the configuration; {} is an empty one.")
            return False
        return self._parse(self.config, self.config.data, self.config)


class EnableForm(BaseForm):
    """Approval of the permissions of the version shown (refused if it changed meanwhile)."""

    version = HiddenField(
        validators=[
            InputRequired("The form is missing its version; reload the page."),
            Length(max=32),
        ]
    )


class DowngradeForm(BaseForm):
    """The earlier version to go back to."""

    version = SelectField(
        "Version", choices=[], invalid_choice_message="Choose a version from the list."
    )

    def set_versions(self, versions: list[str]) -> None:
        """Offer these versions."""
        self.version.choices = [SelectChoice(v) for v in versions]


class PluginFilterForm(ListFilterForm):
    """The list's search, filter and order (GET query arguments, so no CSRF)."""

    q = StringField(
        "Name starts with",
        validators=[
            Length(max=64, message="Search for at most 64 characters."),
            Regexp(
                r"^[A-Za-z0-9-]*\Z",
                message="Plugin names have only letters, digits and hyphens.",
            ),
        ],
    )
    status = filter_field(
        "Status", {"enabled": "Enabled", "disabled": "Disabled"}, "Status is enabled or disabled."
    )
    sort = sort_field({"name": "Name", "updated": "Last updated"}, "Sort by name or updated.")
    order = order_field()

    def enabled(self) -> bool | None:
        """The status filter as a flag (None: any)."""
        return {"enabled": True, "disabled": False}.get(self.status.data or "")
