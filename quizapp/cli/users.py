"""`flask user …`: create users, change their roles and passwords, disable and enable them, list them."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from .. import operations
from ..domain.accounts import ROLES, InvalidLogin, Role, parse_login, password_problems
from ..extensions import db, passwords
from ..models import utcnow
from ..queries import accounts as account_queries
from .common import commit_or_fail, find_user

user_cli = AppGroup("user", help="Create users, change their roles and passwords, disable and enable them.")


def _new_password(password_stdin: bool, context: tuple[str, ...]) -> str:
    """Read a password from stdin (one line), or ask twice without echo until it meets the policy."""
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")

    def check(value: str) -> str:
        problems = password_problems(value, context)
        if problems:
            raise click.BadParameter(problems[0])
        return value

    return click.prompt("Password", hide_input=True, confirmation_prompt=True, value_proc=check)


ROLE_CHOICE = click.Choice(ROLES, case_sensitive=False)


@user_cli.command("create")
@click.option("--role", type=ROLE_CHOICE, default=Role.LEARNER.value, show_default=True, help="The new user's role.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.argument("login")
def create_user_command(login: str, role: str, password_stdin: bool) -> None:
    """Create a user who logs in with LOGIN (an email address or a username)."""
    try:
        name = parse_login(login)
    except InvalidLogin as exc:
        raise click.BadParameter(str(exc), param_hint="LOGIN") from None
    password = _new_password(password_stdin, (name.value,))
    commit_or_fail(
        lambda: operations.create_user(db.session, login, password, role.lower(), passwords=passwords(), now=utcnow())
    )
    click.echo(f"Created {name.value} ({role.lower()}).")


@user_cli.command("set-role")
@click.argument("login")
@click.argument("role", type=ROLE_CHOICE)
def set_role_command(login: str, role: str) -> None:
    """Give the user LOGIN another ROLE (learner, teacher or admin)."""
    user = find_user(login)
    commit_or_fail(lambda: operations.set_role(db.session, user, role.lower(), now=utcnow()))
    click.echo(f"{user.login} is now a {role.lower()}.")


@user_cli.command("set-password")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.argument("login")
def set_password_command(login: str, password_stdin: bool) -> None:
    """Set a new password for LOGIN (for someone who forgot theirs); their sessions end."""
    user = find_user(login)
    password = _new_password(password_stdin, (user.email or "", user.username or ""))
    commit_or_fail(
        lambda: operations.admin_set_password(db.session, user, password, passwords=passwords(), now=utcnow())
    )
    click.echo(f"Changed the password of {user.login}; they are logged out everywhere.")


@user_cli.command("disable")
@click.argument("login")
def disable_command(login: str) -> None:
    """Stop LOGIN from logging in and end their sessions."""
    user = find_user(login)
    commit_or_fail(lambda: operations.disable_user(db.session, user, utcnow()))
    click.echo(f"{user.login} is disabled and logged out everywhere.")


@user_cli.command("enable")
@click.argument("login")
def enable_command(login: str) -> None:
    """Let a disabled user LOGIN log in again."""
    user = find_user(login)
    commit_or_fail(lambda: operations.enable_user(db.session, user, utcnow()))
    click.echo(f"{user.login} can log in again.")


@user_cli.command("list")
def list_users_command() -> None:
    """List every user with their role and status."""
    users = db.session.scalars(account_queries.users()).all()
    if not users:
        click.echo("No users yet. Create the first administrator with `flask user create --role admin EMAIL`.")
        return
    width = max(len(u.login) for u in users)
    for u in sorted(users, key=lambda u: u.id):
        status = f"disabled {u.disabled_at:%Y-%m-%d}" if u.disabled_at else "active"
        click.echo(f"{u.id:>5}  {u.login:<{width}}  {u.role:<8}  {status:<19}  created {u.created_at:%Y-%m-%d}")
