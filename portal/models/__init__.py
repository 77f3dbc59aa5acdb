"""The portal's models, re-exported so Alembic sees every table."""

from portal.models.audit import AuditHead, AuditLog
from portal.models.ml_models import MODEL_STAGES, MLModel
from portal.models.plugins import Plugin, PluginVersion
from portal.models.reports import REPORT_STATUSES, Report
from portal.models.roles import Role, UserRole
from portal.models.sessions import UserSession
from portal.models.users import PasswordToken, RecoveryCode, User
from portal.models.workspaces import WORKSPACE_ROLES, Workspace, WorkspaceMember

__all__ = [
    "MODEL_STAGES",
    "REPORT_STATUSES",
    "WORKSPACE_ROLES",
    "AuditHead",
    "AuditLog",
    "MLModel",
    "PasswordToken",
    "Plugin",
    "PluginVersion",
    "RecoveryCode",
    "Report",
    "Role",
    "User",
    "UserRole",
    "UserSession",
    "Workspace",
    "WorkspaceMember",
]
