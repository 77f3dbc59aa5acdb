"""Command line: ``flask --app wsgi users create | seed-demo | audit verify | worker``."""

from __future__ import annotations

import secrets
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal.extensions import db
from portal.jobs.worker import build_worker
from portal.models import Role, User
from portal.services.audit.head import parse_head
from portal.services.audit.integrity import (
    DEFAULT_PURGE_BATCH,
    current_head,
    purge_in_batches,
    verify_chain,
)
from portal.services.identity.errors import UserRuleError
from portal.services.identity.roles import get_role_by_name, list_roles
from portal.services.identity.users import count_users, create_user
from portal.services.signin.sign_in import find_user_by_email
from portal.services.system.keys import reencrypt_mfa_secrets, rotate_audit_key
from portal.services.workspaces.changes import add_member, create_workspace, get_workspace_by_slug

if TYPE_CHECKING:
    from werkzeug.local import LocalProxy

users_cli = AppGroup("users", help="Manage user accounts.")
audit_cli = AppGroup("audit", help="Check the audit trail.")

DEMO_PEOPLE = (
    ("admin@example.org", "Ada Admin", "Admin"),
    ("pi@example.org", "Pat Investigator", "PI"),
    ("researcher@example.org", "Rene Researcher", "Researcher"),
    ("analyst@example.org", "Ana Analyst", "Analyst"),
    ("viewer@example.org", "Vic Viewer", "Viewer"),
)
DEMO_WORKSPACES = (
    ("Gene Annotation", "gene-annotation", ["researcher@example.org", "analyst@example.org"]),
    ("Pathway Atlas", "pathway-atlas", ["researcher@example.org", "viewer@example.org"]),
    ("Literature Mining", "literature-mining", ["analyst@example.org"]),
)


def generate_password() -> str:
    """A random password (about 120 bits) for accounts made from the command line."""
    return secrets.token_urlsafe(20)


def _roles(names: tuple[str, ...]) -> list[Role]:
    roles = []
    for name in names:
        role = get_role_by_name(name)
        if role is None:
            known = ", ".join(role.name for role in list_roles())
            raise click.BadParameter(f"no role {name!r}; roles are: {known}", param_hint="--role")
        roles.append(role)
    return roles


@users_cli.command("create")
@click.option("--email", required=True, help="Sign-in email (case-insensitive).")
@click.option("--name", required=True, help="Display name.")
@click.option("--role", "role_names", multiple=True, help="A role to grant; repeat for more.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input instead of generating one.",
)
def create_user_command(
    email: str, name: str, role_names: tuple[str, ...], password_stdin: bool
) -> None:
    """Create an account; without --password-stdin a password is generated and printed once."""
    roles = _roles(role_names)
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else generate_password()
    try:
        user = create_user(email=email, name=name, password=password, roles=roles, actor=None)
    except UserRuleError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.email} with roles: {', '.join(r.name for r in roles) or 'none'}")
    if not password_stdin:
        click.echo(f"Password (shown once): {password}")


@audit_cli.command("verify")
@click.option(
    "--head",
    "head_json",
    default=None,
    help="A head printed by 'audit checkpoint' (JSON) to compare the chain with.",
)
def audit_verify_command(head_json: str | None) -> None:
    """Walk the audit chain; exit 1 naming the first row that does not verify."""
    heads = []
    if head_json:
        head = parse_head(head_json)
        if head is None:
            message = "not a head signed with this AUDIT_HMAC_KEY"
            raise click.BadParameter(message, param_hint="--head")
        heads.append(head)
    result = verify_chain(heads=heads)
    if result.ok:
        click.echo(f"OK: {result.rows_checked} rows verified, chain head at seq {result.last_seq}.")
        return
    click.echo(
        f"FAILED at seq {result.failed_seq} (id {result.failed_id}): {result.problem}. "
        f"{result.rows_checked} rows before it verified.",
        err=True,
    )
    sys.exit(1)


@audit_cli.command("checkpoint")
def audit_checkpoint_command() -> None:
    """Print the chain's head, signed, to keep off this machine (verify --head takes it)."""
    click.echo(current_head().to_json())


@audit_cli.command("purge")
@click.option(
    "--before",
    "before",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Delete rows older than this UTC date (YYYY-MM-DD).",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--batch-size",
    type=click.IntRange(1, 1_000_000),
    default=DEFAULT_PURGE_BATCH,
    show_default=True,
    help="Rows deleted per transaction (each batch leaves a checkpoint).",
)
def audit_purge_command(before: datetime, yes: bool, batch_size: int) -> None:
    """Retention: delete rows before a date in batches, each its own transaction with its
    checkpoint, so the chain verifies after every batch (run again to resume)."""
    cutoff = before.replace(tzinfo=UTC)
    if not yes:
        click.confirm(f"Delete every audit row created before {cutoff:%Y-%m-%d}?", abort=True)
    total, last = 0, None
    for result in purge_in_batches(cutoff, batch_size=batch_size):
        db.session.commit()
        total, last = total + result.rows, result.through_seq
        click.echo(f"Purged {result.rows} rows through seq {last} ({total} so far).")
    if total == 0:
        click.echo("Nothing to purge.")
    else:
        click.echo(f"Purged {total} rows (through seq {last}).")


@audit_cli.command("rotate-key")
@click.option(
    "--old-key-stdin", is_flag=True, required=True, help="Read the previous key from stdin."
)
def audit_rotate_key_command(old_key_stdin: bool) -> None:
    """After setting a new AUDIT_HMAC_KEY (old one in AUDIT_HMAC_KEY_OLD): mark the switch."""
    old_key = sys.stdin.readline().rstrip("\r\n")
    try:
        seq = rotate_audit_key(old_key)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Rotation recorded at seq {seq}; rows before it verify with the old key.")


keys_cli = AppGroup("keys", help="Rotate the portal's keys.")


@keys_cli.command("reencrypt-totp")
def keys_reencrypt_totp_command() -> None:
    """Encrypt every TOTP secret and recovery code under the current PORTAL_ENCRYPTION_KEY."""
    count = reencrypt_mfa_secrets()
    db.session.commit()
    click.echo(f"Re-encrypted {count} TOTP secrets (and the recovery codes) with the current key.")


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Create a user per built-in role and a few workspaces with members (idempotent)."""
    people: dict[str, User] = {}
    for email, name, role_name in DEMO_PEOPLE:
        user = find_user_by_email(email)
        if user is None:
            password = generate_password()
            user = create_user(
                email=email, name=name, password=password, roles=_roles((role_name,)), actor=None
            )
            click.echo(f"{role_name:<11} {email:<25} password: {password}")
        people[email] = user
    owner = people["pi@example.org"]
    for name, slug, members in DEMO_WORKSPACES:
        if get_workspace_by_slug(slug) is not None:
            continue
        workspace = create_workspace(name=name, slug=slug, owner=owner, actor=None)
        for email in members:
            add_member(workspace, people[email], role="editor", actor=None)
    db.session.commit()
    click.echo("Demo data is in place.")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker_command(burst: bool) -> None:
    """Run an RQ worker on the portal's queues (each job inside the app context)."""
    # current_app is a LocalProxy, which Flask types as the Flask it stands for.
    worker = build_worker(cast("LocalProxy[Flask]", current_app)._get_current_object())
    worker.work(burst=burst, with_scheduler=False)


@click.command("welcome")
@click.option("--url", default="http://127.0.0.1:5000/login", help="Where the portal listens.")
def welcome_command(url: str) -> None:
    """Print where to sign in and how to get an administrator account."""
    click.echo(f"\nOmniScope Admin Portal: sign in at {url}")
    if count_users() == 0:
        click.echo(
            "No accounts yet. In another terminal, create an administrator:\n"
            "  .venv/bin/flask --app wsgi users create --email you@example.org "
            '--name "Your Name" --role Admin\n'
            "(it prints a generated password), or load demo accounts for every role:\n"
            "  .venv/bin/flask --app wsgi seed-demo\n"
        )


def register_cli(app: Flask) -> None:
    """Attach the portal's commands to ``flask``."""
    for command in (
        users_cli,
        audit_cli,
        keys_cli,
        seed_demo_command,
        worker_command,
        welcome_command,
    ):
        app.cli.add_command(command)
