"""What the model registry refuses."""

from __future__ import annotations

from portal.services.errors import NotFoundError, RuleError, StaleEditError


class ModelRuleError(RuleError):
    """A registry change that the portal's rules refuse."""


class ModelNotFoundError(ModelRuleError, NotFoundError):
    """No such model version, or none in a workspace the person may see."""


class DuplicateVersionError(ModelRuleError):
    """The workspace already has this version of this model."""


class StaleStageError(ModelRuleError, StaleEditError):
    """The version's stage changed since the person's page was rendered."""
