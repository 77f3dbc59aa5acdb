"""The permission vocabulary: permissions, access rules, built-in roles, and ``grants()``."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Permission(StrEnum):
    """Permissions named ``<area>.<action>``; roles hold lists of these values."""

    USERS_VIEW = "users.view"
    USERS_MANAGE = "users.manage"
    ROLES_MANAGE = "roles.manage"
    WORKSPACES_VIEW_ALL = "workspaces.view_all"
    WORKSPACES_CREATE = "workspaces.create"
    WORKSPACES_MANAGE = "workspaces.manage"
    MODELS_VIEW = "models.view"
    MODELS_REGISTER = "models.register"
    MODELS_STAGE = "models.stage"
    REPORTS_GENERATE = "reports.generate"
    REPORTS_VIEW_ALL = "reports.view_all"
    PLUGINS_VIEW = "plugins.view"
    PLUGINS_MANAGE = "plugins.manage"
    AUDIT_VIEW_ALL = "audit.view_all"
    AUDIT_VIEW_OWN = "audit.view_own"
    AUDIT_EXPORT = "audit.export"
    AUDIT_VERIFY = "audit.verify"
    SYSTEM_HEALTH = "system.health"
    SYSTEM_CACHE = "system.cache"


class Access(StrEnum):
    """Access levels that are not a permission: open to all, or to anyone signed in."""

    PUBLIC = "public"
    SIGNED_IN = "signed-in"


class AnyOf:
    """Access that any one of several permissions grants (pages either kind of user reads)."""

    def __init__(self, *permissions: Permission) -> None:
        self.permissions = permissions

    def __repr__(self) -> str:
        return " or ".join(p.value for p in self.permissions)


AccessRule = Permission | Access | AnyOf


def grants(user: Any, access: AccessRule) -> bool:
    """True when ``user`` (signed in) passes ``access``: the one check views and nav share."""
    if access is Access.PUBLIC or access is Access.SIGNED_IN:
        return True
    if isinstance(access, AnyOf):
        return any(user.can(p) for p in access.permissions)
    return user.can(access)


ALL_PERMISSIONS: tuple[str, ...] = tuple(p.value for p in Permission)

# DESIGN.md's permission matrix: the built-in roles the first migration creates.
BUILTIN_ROLES: dict[str, dict[str, Any]] = {
    "Admin": {
        "description": "Runs the portal: people, roles, workspaces, plugins, audit, system.",
        "requires_mfa": True,
        "permissions": list(ALL_PERMISSIONS),
    },
    "PI": {
        "description": "Principal investigator: runs their own workspaces and reviews them.",
        "requires_mfa": True,
        "permissions": [
            "users.view",
            "workspaces.create",
            "workspaces.manage",
            "models.view",
            "models.register",
            "models.stage",
            "reports.generate",
            "plugins.view",
            "audit.view_own",
            "audit.export",
        ],
    },
    "Researcher": {
        "description": "Works in workspaces: registers models, generates own reports.",
        "requires_mfa": False,
        "permissions": ["models.view", "models.register", "reports.generate", "plugins.view"],
    },
    "Analyst": {
        "description": "Reads models and generates own reports.",
        "requires_mfa": False,
        "permissions": ["models.view", "reports.generate", "plugins.view"],
    },
    "Viewer": {
        "description": "Reads the models of the workspaces they belong to.",
        "requires_mfa": False,
        "permissions": ["models.view"],
    },
}
