"""The `flask user` commands: thin wrappers over the account operations, errors on stderr, no tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import User

from .conftest import PASSWORD, ROOT, log_in


def user(app, login: str) -> User | None:
    with app.app_context():
        found = db.session.scalars(select(User).where((User.email == login) | (User.username == login))).first()
        if found is not None:
            db.session.expunge(found)
        return found


def create(runner, *args: str, password: str = PASSWORD):
    return runner.invoke(args=["user", "create", "--password-stdin", *args], input=password + "\n")


def test_create_the_first_admin_from_stdin(app, runner, client):
    result = create(runner, "--role", "admin", "Admin@Example.org")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Created admin@example.org (admin).\n"
    assert user(app, "admin@example.org").role == "admin"
    assert log_in(client, "admin@example.org").status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_create_asks_for_the_password_twice_without_echo(app, runner):
    typed = "password\ncorrect horse\nsomething else\n" + PASSWORD + "\n" + PASSWORD + "\n"
    result = runner.invoke(args=["user", "create", "ada"], input=typed)
    assert result.exit_code == 0, result.output
    assert "one of the most common ones" in result.output  # asked again after a common password
    assert "do not match" in result.output  # and again after a mismatch
    assert PASSWORD not in result.output and "correct horse" not in result.output  # never echoed
    assert user(app, "ada").role == "learner"


def test_create_refusals(app, runner):
    assert create(runner, "taken@example.org").exit_code == 0
    taken = create(runner, "TAKEN@example.org")
    assert taken.exit_code == 1 and "cannot be used for a new account" in taken.stderr
    weak = create(runner, "weak@example.org", password="12345678")
    assert weak.exit_code == 1 and "one of the most common ones" in weak.stderr
    bad_name = create(runner, "no spaces please")
    assert bad_name.exit_code == 2 and "A username has 3 to 40 characters" in bad_name.stderr
    bad_role = create(runner, "--role", "emperor", "x@example.org")
    assert bad_role.exit_code == 2 and "'emperor' is not one of 'learner', 'teacher', 'admin'" in bad_role.stderr
    for result in (taken, weak, bad_name, bad_role):
        assert "Traceback" not in result.output
    assert user(app, "weak@example.org") is None


def test_list_set_role_disable_enable(app, runner):
    assert runner.invoke(args=["user", "list"]).stdout.startswith("No users yet.")
    create(runner, "--role", "admin", "admin@example.org")
    create(runner, "learner")
    lines = runner.invoke(args=["user", "list"]).stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].split()[1:4] == ["admin@example.org", "admin", "active"]
    assert lines[1].split()[1:4] == ["learner", "learner", "active"]
    result = runner.invoke(args=["user", "set-role", "LEARNER", "teacher"])
    assert result.exit_code == 0 and result.stdout == "learner is now a teacher.\n"
    assert user(app, "learner").role == "teacher"
    result = runner.invoke(args=["user", "disable", "learner"])
    assert result.exit_code == 0 and user(app, "learner").disabled_at is not None
    assert "disabled" in runner.invoke(args=["user", "list"]).stdout.splitlines()[1]
    result = runner.invoke(args=["user", "enable", "learner"])
    assert result.exit_code == 0 and user(app, "learner").disabled_at is None


def test_the_last_admin_stays(app, runner):
    create(runner, "--role", "admin", "admin@example.org")
    for args in (["set-role", "admin@example.org", "learner"], ["disable", "admin@example.org"]):
        result = runner.invoke(args=["user", *args])
        assert result.exit_code == 1
        assert "the last active administrator" in result.stderr
    create(runner, "--role", "admin", "second@example.org")
    assert runner.invoke(args=["user", "set-role", "admin@example.org", "learner"]).exit_code == 0


def test_unknown_user_is_a_usage_error(runner):
    for args in (["set-role", "ghost", "admin"], ["disable", "ghost"], ["enable", "ghost"], ["set-password", "ghost"]):
        result = runner.invoke(args=["user", *args])
        assert result.exit_code == 2, args
        assert "no user with the email address or username 'ghost'" in result.stderr


def test_set_password_ends_sessions(app, runner, client):
    create(runner, "learner")
    log_in(client, "learner")
    result = runner.invoke(args=["user", "set-password", "--password-stdin", "learner"], input="a fresh phrase\n")
    assert result.exit_code == 0, result.output
    assert client.get("/account").status_code == 302
    assert log_in(client, "learner", "a fresh phrase").status_code == 302


def test_real_command_in_production_mode(tmp_path):
    """As an administrator types it: a separate process, no secret key, password on stdin."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUIZAPP_")}
    env["QUIZAPP_SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    flask = [sys.executable, "-m", "flask", "--app", "quizapp"]

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([*flask, *args], env=env, input=stdin, capture_output=True, text=True, cwd=ROOT)

    assert run("db", "upgrade").returncode == 0
    made = run("user", "create", "--role", "admin", "--password-stdin", "root@example.org", stdin=PASSWORD + "\n")
    assert made.returncode == 0 and made.stdout == "Created root@example.org (admin).\n", made.stderr
    again = run("user", "create", "--password-stdin", "root@example.org", stdin=PASSWORD + "\n")
    assert again.returncode == 1 and again.stderr.startswith("Error: ") and "Traceback" not in again.stderr
    assert "root@example.org" in run("user", "list").stdout
