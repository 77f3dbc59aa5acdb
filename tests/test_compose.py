"""docker-compose.yml: valid against the Compose Specification, and it gives the web and
worker services everything production refuses to start without."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from portal.config import DEFAULT_SECRETS

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "tests/data/compose-spec.schema.json").read_text(encoding="utf-8"))
# What check_production_secrets refuses to start without: the secrets, and real services.
REQUIRED = sorted([*DEFAULT_SECRETS, "DATABASE_URL", "REDIS_URL"])
ROTATION = ["SECRET_KEY_OLD", "PORTAL_ENCRYPTION_KEY_OLD", "AUDIT_HMAC_KEY_OLD"]


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def _problems(document: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft201909Validator(SCHEMA)
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(document)]


def test_the_compose_file_follows_the_compose_specification():
    assert _problems(_compose()) == []


@pytest.mark.parametrize(
    ("service", "key", "value"),
    [("web", "restart_policy", "always"), ("worker", "depends_on", 3), ("db", "ports", "5432")],
)
def test_the_check_catches_a_broken_compose_file(service, key, value):
    broken = copy.deepcopy(_compose())
    broken["services"][service][key] = value
    assert _problems(broken)


@pytest.mark.parametrize("service", ["web", "worker"])
def test_portal_services_get_every_variable_production_needs(service):
    environment = _compose()["services"][service]["environment"]
    assert environment["PORTAL_ENV"] == "production"
    missing = [name for name in REQUIRED if not environment.get(name)]
    assert missing == [], f"{service} lacks {missing}: production refuses to start without them"
    # A secret being rotated needs its old value for a while (docs/OPERATIONS.md).
    assert [name for name in ROTATION if name not in environment] == []
