"""The app a test's ``flask worker`` subprocess runs: the portal plus the test-only kinds."""

from __future__ import annotations

import os

from flask import Flask

from portal import create_app as create_portal
from tests.reports.kinds import TEST_KINDS


def create_app() -> Flask:
    """The portal from the environment, with test kinds (slowness from the environment)."""
    return create_portal(
        {
            "REPORT_EXTRA_KINDS": TEST_KINDS,
            "REPORT_TEST_CHUNKS": int(os.environ.get("REPORT_TEST_CHUNKS", "3")),
            "REPORT_TEST_DELAY": float(os.environ.get("REPORT_TEST_DELAY", "0")),
        }
    )
