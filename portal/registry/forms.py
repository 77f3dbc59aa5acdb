"""Forms of the /models area: the list's filters, registering a version, changing its stage."""

from __future__ import annotations

import uuid
from typing import Any

from wtforms import Field, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, ValidationError

from portal.forms import (
    ANY,
    BaseForm,
    ListFilterForm,
    choices_of,
    filter_field,
    order_field,
    search_field,
    sort_field,
)
from portal.models import MODEL_STAGES, Workspace
from portal.services.json_input import JSONInputError, parse_json_object
from portal.services.registry.changes import (
    FRAMEWORKS,
    MAX_REASON,
    TASKS,
    check_artifact_uri,
    check_metrics,
    check_name,
    check_version,
)
from portal.services.registry.errors import ModelRuleError
from portal.services.registry.queries import ModelFilters

JSON_MAX_BYTES, JSON_MAX_DEPTH = 64 * 1024, 10
STAGE_CHOICES = [SelectChoice(stage, stage.capitalize()) for stage in MODEL_STAGES]


def workspace_choices(workspaces: list[Workspace]) -> list[SelectChoice]:
    """A workspace field's options: value the id, label the name."""
    return [SelectChoice(str(w.id), w.name) for w in workspaces]


def _rule(check: Any) -> Any:
    """A WTForms validator running a service check (ModelRuleError → field error)."""

    def validator(form: BaseForm, field: Field) -> None:
        try:
            check(field.data or "")
        except ModelRuleError as exc:
            raise ValidationError(str(exc)) from exc

    return validator


class ModelFilterForm(ListFilterForm):
    """The list's search, filters and order (GET query arguments, so no CSRF)."""

    q = search_field("Name starts with")
    workspace = SelectField(
        "Workspace",
        choices=[ANY],
        default="",
        invalid_choice_message="No such workspace, or you are not a member of it.",
    )
    stage = SelectField(
        "Stage", choices=[ANY, *STAGE_CHOICES], default="", invalid_choice_message="Unknown stage."
    )
    framework = filter_field("Framework", FRAMEWORKS, "Unknown framework.")
    sort = sort_field({"name": "Name", "created": "Registered"}, "Sort by name or created.")
    order = order_field()

    def set_workspaces(self, workspaces: list[Workspace]) -> None:
        """Offer these (visible) workspaces in the workspace filter."""
        self.workspace.choices = [ANY, *workspace_choices(workspaces)]

    def filters(self) -> ModelFilters:
        """The validated filters for the query."""
        return ModelFilters(
            workspace_id=uuid.UUID(self.workspace.data) if self.workspace.data else None,
            stage=self.stage.data or None,
            framework=self.framework.data or None,
            q=self.q.data or "",
        )


def _json_validator(field_name: str, check: Any = None) -> Any:
    """Parse a JSON-object text field (blank means {}) into ``field.parsed``."""

    def validator(form: BaseForm, field: Field) -> None:
        text = field.data or ""
        if not text.strip():
            field.parsed = {}
            return
        try:
            value = parse_json_object(
                text, field=field_name, max_bytes=JSON_MAX_BYTES, max_depth=JSON_MAX_DEPTH
            )
            field.parsed = check(value) if check else value
        except (JSONInputError, ModelRuleError) as exc:
            raise ValidationError(str(exc)) from exc

    return validator


class ModelRegisterForm(BaseForm):
    """A new model version: where, what, and its metrics and parameters as JSON."""

    # Any id is accepted here: the view's workspace check answers 404/403/409 itself.
    workspace = SelectField(
        "Workspace",
        choices=[],
        validate_choice=False,
        validators=[DataRequired("Choose a workspace.")],
    )
    name = StringField(
        "Name",
        validators=[DataRequired("Enter a name."), _rule(check_name)],
        render_kw={"maxlength": 200},
    )
    version = StringField(
        "Version",
        validators=[DataRequired("Enter a version."), _rule(check_version)],
        render_kw={"maxlength": 64},
    )
    framework = SelectField(
        "Framework",
        choices=[SelectChoice("", "Choose…"), *choices_of(FRAMEWORKS)],
        validators=[DataRequired("Choose a framework.")],
        invalid_choice_message="Choose a framework from the list.",
    )
    task = SelectField(
        "Task",
        choices=[SelectChoice("", "Choose…"), *choices_of(TASKS)],
        validators=[DataRequired("Choose a task.")],
        invalid_choice_message="Choose a task from the list.",
    )
    artifact_uri = StringField(
        "Artifact URI",
        validators=[DataRequired("Enter the artifact URI."), _rule(check_artifact_uri)],
        render_kw={"maxlength": 1024, "spellcheck": "false"},
    )
    metrics = TextAreaField(
        "Metrics (JSON)",
        default="{}",
        validators=[_json_validator("metrics", check_metrics)],
        render_kw={"rows": 6, "spellcheck": "false"},
    )
    parameters = TextAreaField(
        "Parameters (JSON)",
        default="{}",
        validators=[_json_validator("parameters")],
        render_kw={"rows": 8, "spellcheck": "false"},
    )

    def set_workspaces(self, workspaces: list[Workspace]) -> None:
        """Offer these (contributable) workspaces."""
        self.workspace.choices = workspace_choices(workspaces)

    def validate_workspace(self, field: Field) -> None:
        try:
            uuid.UUID(field.data)
        except ValueError as exc:
            raise ValidationError("Choose a workspace from the list.") from exc

    @property
    def workspace_id(self) -> uuid.UUID:
        """The chosen workspace's id (after validation)."""
        return uuid.UUID(self.workspace.data)

    def values(self) -> dict[str, Any]:
        """The submitted values, as ``register_model`` takes them."""
        return {
            "name": self.name.data,
            "version": self.version.data,
            "framework": self.framework.data,
            "task": self.task.data,
            "artifact_uri": self.artifact_uri.data,
            "metrics": self.metrics.parsed,
            "parameters": self.parameters.parsed,
        }


class StageChangeForm(BaseForm):
    """Move a version to another stage, with a reason and the stage the page showed."""

    # Every stage validates: the service tells a stale page (409) from an illegal move (400).
    stage = SelectField(
        "New stage",
        choices=[],
        validate_choice=False,
        validators=[
            InputRequired("Choose the new stage."),
            AnyOf(MODEL_STAGES, message="Choose a stage from the list."),
        ],
    )
    reason = TextAreaField(
        "Reason",
        validators=[
            DataRequired("Give a reason for the change."),
            Length(max=MAX_REASON, message=f"Keep the reason to at most {MAX_REASON} characters."),
        ],
        render_kw={"rows": 2, "maxlength": MAX_REASON},
    )
    expected_stage = HiddenField(
        validators=[
            InputRequired("The form is missing the stage it was shown for; reload the page."),
            AnyOf(MODEL_STAGES, message="Reload the page: the form's stage is not valid."),
        ]
    )

    def offer(self, current: str, targets: tuple[str, ...]) -> None:
        """Offer ``targets``, for a version shown in stage ``current`` (unless posted)."""
        self.stage.choices = [SelectChoice(s, s.capitalize()) for s in targets]
        if not self.expected_stage.raw_data:
            self.expected_stage.data = current

    def rebase(self, current: str) -> None:
        """Carry ``current`` as the shown stage from now on (after a stale submission)."""
        self.expected_stage.raw_data = None
        self.expected_stage.data = current

    def values(self) -> dict[str, Any]:
        """The submitted values, as ``change_stage`` takes them."""
        return {
            "to_stage": self.stage.data,
            "reason": self.reason.data,
            "expected_stage": self.expected_stage.data,
        }
