"""flask users create, seed-demo, audit verify, welcome."""

from __future__ import annotations

from sqlalchemy import select, text

from portal.extensions import db
from portal.models import User, Workspace
from portal.security.passwords import verify_password


def _run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_users_create_reads_the_password_from_stdin(app, app_ctx, audit_rows):
    result = _run(
        app,
        "users", "create", "--email", "New@Example.org", "--name", "New Person",
        "--role", "Admin", "--role", "PI", "--password-stdin",
        input="a long enough passphrase\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Password" not in result.output
    user = db.session.scalar(select(User).where(User.email == "new@example.org"))
    assert verify_password(user.password_hash, "a long enough passphrase")
    assert sorted(r.name for r in user.roles) == ["Admin", "PI"]
    assert [r.action for r in audit_rows(target_id=str(user.id))] == [
        "user.created",
        "user.role.granted",
        "user.role.granted",
    ]


def test_users_create_generates_and_prints_a_password_once(app, app_ctx):
    result = _run(app, "users", "create", "--email", "gen@example.org", "--name", "Gen")
    assert result.exit_code == 0, result.output
    password = result.output.split("Password (shown once): ")[1].strip()
    user = db.session.scalar(select(User).where(User.email == "gen@example.org"))
    assert len(password) >= 20 and verify_password(user.password_hash, password)


def test_users_create_refuses_bad_input(app, app_ctx):
    unknown_role = _run(
        app, "users", "create", "--email", "r@example.org", "--name", "R", "--role", "Nope"
    )
    assert unknown_role.exit_code != 0 and "no role 'Nope'" in unknown_role.output
    short = _run(
        app, "users", "create", "--email", "s@example.org", "--name", "S", "--password-stdin",
        input="short\n",
    )  # fmt: skip
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    _run(app, "users", "create", "--email", "dup@example.org", "--name", "D")
    dup = _run(app, "users", "create", "--email", "DUP@example.org", "--name", "D")
    assert dup.exit_code == 1 and "already exists" in dup.output
    emails = set(db.session.scalars(select(User.email)))
    assert emails == {"dup@example.org"}


def test_seed_demo_is_idempotent(app, app_ctx):
    first = _run(app, "seed-demo")
    assert first.exit_code == 0, first.output
    assert first.output.count("password:") == 5
    second = _run(app, "seed-demo")
    assert second.exit_code == 0 and "password:" not in second.output
    roles = {u.email: [r.name for r in u.roles] for u in db.session.scalars(select(User))}
    assert roles["admin@example.org"] == ["Admin"] and roles["viewer@example.org"] == ["Viewer"]
    workspaces = list(db.session.scalars(select(Workspace)))
    assert len(workspaces) == 3
    assert all(len(w.members) >= 2 for w in workspaces)


def test_audit_verify_reports_ok_and_failure(app, app_ctx):
    _run(app, "seed-demo")
    ok = _run(app, "audit", "verify")
    assert ok.exit_code == 0 and ok.output.startswith("OK:")
    db.session.execute(text("ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_append_only"))
    db.session.execute(
        text("UPDATE audit_logs SET actor_email = 'mallory@example.org' WHERE seq = 3")
    )
    bad = _run(app, "audit", "verify")
    assert bad.exit_code == 1
    assert "FAILED at seq 3" in bad.output


def test_welcome_explains_how_to_get_an_admin(app, app_ctx):
    result = _run(app, "welcome", "--url", "http://127.0.0.1:5000/login")
    assert "sign in at http://127.0.0.1:5000/login" in result.output
    assert "users create" in result.output and "--role Admin" in result.output


def test_audit_checkpoint_and_verify_against_it(app, app_ctx):
    _run(app, "seed-demo")
    printed = _run(app, "audit", "checkpoint")
    assert printed.exit_code == 0 and '"signature"' in printed.output
    head = printed.output.strip()
    assert _run(app, "audit", "verify", "--head", head).exit_code == 0
    forged = head.replace('"seq": ', '"seq": 9')
    bad = _run(app, "audit", "verify", "--head", forged)
    assert bad.exit_code == 2 and "not a head signed" in bad.output
    db.session.execute(text("ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_append_only"))
    db.session.execute(text("DELETE FROM audit_logs WHERE seq = (SELECT max(seq) FROM audit_logs)"))
    db.session.execute(
        text(
            "UPDATE audit_head SET seq = s.seq, hash = s.hash FROM "
            "(SELECT seq, hash FROM audit_logs ORDER BY seq DESC LIMIT 1) s"
        )
    )
    caught = _run(app, "audit", "verify", "--head", head)
    assert caught.exit_code == 1 and "newest rows removed" in caught.output


def test_audit_purge_command(app, app_ctx):
    _run(app, "seed-demo")
    nothing = _run(app, "audit", "purge", "--before", "2000-01-01", "--yes")
    assert nothing.exit_code == 0 and "Nothing to purge" in nothing.output
    bad_date = _run(app, "audit", "purge", "--before", "yesterday", "--yes")
    assert bad_date.exit_code == 2
    rows = db.session.scalar(text("SELECT count(*) FROM audit_logs"))
    everything = _run(app, "audit", "purge", "--before", "2999-01-01", "--yes", "--batch-size", "2")
    assert everything.exit_code == 0
    progress = [line for line in everything.output.splitlines() if "so far" in line]
    assert len(progress) == (rows + 1) // 2  # one transaction, and one line, per batch
    assert f"Purged {rows} rows" in everything.output
    assert _run(app, "audit", "verify").exit_code == 0
    zero = _run(app, "audit", "purge", "--before", "2999-01-01", "--yes", "--batch-size", "0")
    assert zero.exit_code == 2


def test_key_rotation_commands(app, app_ctx, monkeypatch):
    _run(app, "seed-demo")
    done = _run(app, "keys", "reencrypt-totp")
    assert done.exit_code == 0 and "Re-encrypted 0 TOTP secrets" in done.output
    old = app.config["AUDIT_HMAC_KEY"]
    same = _run(app, "audit", "rotate-key", "--old-key-stdin", input=old + "\n")
    assert same.exit_code == 1 and "current key" in same.output
    monkeypatch.setitem(app.config, "AUDIT_HMAC_KEY", "rotated-audit-key-" + "r" * 20)
    monkeypatch.setitem(app.config, "AUDIT_HMAC_KEY_OLD", old)
    rotated = _run(app, "audit", "rotate-key", "--old-key-stdin", input=old + "\n")
    assert rotated.exit_code == 0 and "Rotation recorded" in rotated.output
    assert _run(app, "audit", "verify").exit_code == 0
