"""Accounts, logins and login throttling.

Functions add and flush but never commit; the caller commits once. When one of them raises
:class:`Refused` after recording a failed password check, the caller commits too, so the failure counts.

Throttling: every failed password check adds a row for the account (or the name typed, if no account has
it) and one for the client address. Before checking a password, the failures of the last ``window`` are
counted; at ``per_account`` or ``per_address`` further attempts are refused without checking anything.
The count and the check run in the request's one write transaction (SQLite: ``BEGIN IMMEDIATE`` holds the
write lock from the first statement; PostgreSQL: an advisory lock per key), so concurrent attempts in
several worker processes are counted one after another and cannot slip past the limit together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass

from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain.accounts import (
    ROLES,
    InvalidLogin,
    Passwords,
    Role,
    ThrottlePolicy,
    normalize_login,
    parse_login,
    password_problems,
)
from ..domain.refusals import Refused
from ..models import LoginFailure, User, new_session_token
from ..queries import accounts as account_queries
from .audit import record_audit

BAD_CREDENTIALS = "The email address or username, or the password, is not right. Check them and try again."
NAME_TAKEN = (
    "This email address or username cannot be used for a new account. If it is yours, log in instead; "
    "otherwise choose another."
)


class BadCredentials(Refused):
    """Unknown name or wrong password: one message for both, so neither can be told apart."""

    def __init__(self, message: str = BAD_CREDENTIALS, field: str = "login"):
        super().__init__(message, field)


class NameTaken(Refused):
    def __init__(self) -> None:
        super().__init__(NAME_TAKEN, "login")


class Throttled(Refused):
    status = 429

    def __init__(self, retry_after: int):
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            "Too many failed attempts for this account or from your network. For your safety, password "
            f"checks are paused: try again in about {minutes} minute{'s' if minutes != 1 else ''}."
        )
        self.retry_after = retry_after


class AccountDisabled(Refused):
    status = 403


class InvalidAccountDetails(Refused):
    """A name that is not a valid login, an unknown role, or a password the policy refuses."""


class SamePassword(Refused):
    def __init__(self) -> None:
        super().__init__("The new password is the same as the current one. Choose a different one.", "new_password")


class LastAdministrator(Refused):
    """The change would leave no active administrator."""


class OwnAccount(Refused):
    """Administrators cannot change their own role or disable themselves: another one must."""


# --- throttling -------------------------------------------------------------------------------------------


def _digest(scope: str, value: str) -> str:
    return hashlib.sha256(f"{scope}:{value}".encode()).hexdigest()


@dataclass(frozen=True)
class _Keys:
    """The throttling keys of one password check: (scope, digest, limit) for the account and the address."""

    items: tuple[tuple[str, str, int], ...]

    @classmethod
    def of(cls, user: User | None, name: str, address: str | None, policy: ThrottlePolicy) -> _Keys:
        # A known account is counted by id, so its email and username share one budget; an unknown name
        # is counted like an account, so throttling says nothing about which names exist.
        account = f"user:{user.id}" if user is not None else f"name:{name}"
        items = (("account", _digest("account", account), policy.per_account),)
        return cls(items + cls.address_only(address, policy).items)

    @classmethod
    def address_only(cls, address: str | None, policy: ThrottlePolicy) -> _Keys:
        return cls((("address", _digest("address", address), policy.per_address),) if address else ())


def _check_throttle(session: Session, keys: _Keys, policy: ThrottlePolicy, now: dt.datetime) -> None:
    if session.get_bind().dialect.name == "postgresql":
        for _scope, key, _limit in sorted(keys.items, key=lambda k: k[1]):
            lock_id = int.from_bytes(bytes.fromhex(key)[:8], "big", signed=True)
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_id})
    since = now - policy.window
    for scope, key, limit in keys.items:
        recent = session.scalars(
            select(LoginFailure.created_at)
            .where(LoginFailure.scope == scope, LoginFailure.key == key, LoginFailure.created_at > since)
            .order_by(LoginFailure.created_at.desc())
            .limit(limit)
        ).all()
        if len(recent) >= limit:
            raise Throttled(math.ceil((recent[-1] + policy.window - now).total_seconds()))


def _record_failure(session: Session, keys: _Keys, policy: ThrottlePolicy, now: dt.datetime) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.created_at <= now - policy.window))
    session.add_all(LoginFailure(scope=scope, key=key, created_at=now) for scope, key, _ in keys.items)
    session.flush()


def _forgive_account(session: Session, keys: _Keys) -> None:
    for scope, key, _ in keys.items:
        if scope == "account":
            session.execute(delete(LoginFailure).where(LoginFailure.scope == scope, LoginFailure.key == key))


def _check_password(
    session: Session,
    user: User | None,
    name: str,
    password: str,
    address: str | None,
    *,
    passwords: Passwords,
    policy: ThrottlePolicy,
    now: dt.datetime,
) -> _Keys:
    """Throttle, then check ``password`` (against a dummy hash when there is no user); record a failure."""
    keys = _Keys.of(user, name, address, policy)
    _check_throttle(session, keys, policy, now)
    if not passwords.verify(user.password_hash if user is not None else None, password):
        _record_failure(session, keys, policy, now)
        raise BadCredentials()
    return keys


# --- logging in and out -----------------------------------------------------------------------------------


def log_in(
    session: Session,
    login: str,
    password: str,
    address: str | None,
    *,
    passwords: Passwords,
    policy: ThrottlePolicy,
    now: dt.datetime,
) -> User:
    """Check a login and password at ``now``; return the user. Unknown names and wrong passwords look the
    same. ``passwords`` and ``policy`` are the app's hasher and throttling policy."""
    name = parse_login_or_none(login)
    user = session.scalars(account_queries.user_by_login(name)).first() if name else None
    guard = {"passwords": passwords, "policy": policy, "now": now}
    keys = _check_password(session, user, name or normalize_login(login), password, address, **guard)
    if user is None:  # pragma: no cover - a missing user never passes the password check
        raise BadCredentials()
    _forgive_account(session, keys)
    if not user.is_active:
        raise AccountDisabled("This account has been disabled. Ask an administrator if you think this is a mistake.")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
    user.last_login_at = now
    session.flush()
    return user


def parse_login_or_none(login: str) -> str | None:
    try:
        return parse_login(login).value
    except InvalidLogin:
        return None


def log_out(session: Session, user: User) -> None:
    """End every session of ``user``: cookies that name the old token no longer log anyone in."""
    user.session_token = new_session_token()
    session.flush()


# --- creating and changing accounts -----------------------------------------------------------------------


def create_user(
    session: Session, login: str, password: str, role: str = Role.LEARNER, *, passwords: Passwords, now: dt.datetime
) -> User:
    """Add a user created at ``now``; raise :class:`Refused` for an invalid or taken name, a weak password or
    an unknown role."""
    try:
        name = parse_login(login)
    except InvalidLogin as exc:
        raise InvalidAccountDetails(str(exc), "login") from None
    if role not in ROLES:
        raise InvalidAccountDetails(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.", "role")
    problems = password_problems(password, (name.value,))
    if problems:
        raise InvalidAccountDetails(problems[0], "password")
    password_hash = passwords.hash(password)  # also when the name is taken, so both take as long
    if session.scalars(account_queries.user_by_login(name.value)).first() is not None:
        raise NameTaken()
    user = User(
        password_hash=password_hash,
        role=str(role),
        created_at=now,
        password_changed_at=now,
        **{name.kind: name.value},
    )
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:  # taken by a concurrent registration since the check above
        raise NameTaken() from None
    return user


def register(
    session: Session,
    login: str,
    password: str,
    address: str | None,
    *,
    passwords: Passwords,
    policy: ThrottlePolicy,
    now: dt.datetime,
) -> User:
    """Create a learner account from the registration form. A taken name counts as a failed attempt for the
    client address, so registration cannot be used to test many names quickly."""
    keys = _Keys.address_only(address, policy)
    _check_throttle(session, keys, policy, now)
    try:
        return create_user(session, login, password, passwords=passwords, now=now)
    except NameTaken:
        _record_failure(session, keys, policy, now)
        raise


def change_password(
    session: Session,
    user: User,
    current: str,
    new: str,
    address: str | None,
    *,
    passwords: Passwords,
    policy: ThrottlePolicy,
    now: dt.datetime,
) -> None:
    """Change ``user``'s password after checking the current one; end their other sessions."""
    try:
        _check_password(session, user, "", current, address, passwords=passwords, policy=policy, now=now)
    except BadCredentials:
        raise BadCredentials("Your current password is not right.", "current_password") from None
    except Throttled as exc:
        exc.field = "current_password"
        raise
    problems = password_problems(new, (user.email or "", user.username or ""))
    if problems:
        raise InvalidAccountDetails(problems[0], "new_password")
    if passwords.verify(user.password_hash, new):
        raise SamePassword()
    set_password(session, user, new, passwords=passwords, now=now)


def set_password(session: Session, user: User, password: str, *, passwords: Passwords, now: dt.datetime) -> None:
    """Set a new password (policy checked) and end every session of ``user``."""
    problems = password_problems(password, (user.email or "", user.username or ""))
    if problems:
        raise InvalidAccountDetails(problems[0], "password")
    user.password_hash = passwords.hash(password)
    user.password_changed_at = now
    user.session_token = new_session_token()
    session.flush()


def delete_account(
    session: Session,
    user: User,
    password: str,
    address: str | None,
    *,
    passwords: Passwords,
    policy: ThrottlePolicy,
    now: dt.datetime,
) -> None:
    """Delete ``user`` and everything that is theirs, after checking their password."""
    try:
        _check_password(session, user, "", password, address, passwords=passwords, policy=policy, now=now)
    except BadCredentials:
        raise BadCredentials("That password is not right.", "password") from None
    except Throttled as exc:
        exc.field = "password"
        raise
    _keep_an_admin(session, user, "delete the account of")
    # Recorded before the row goes: the entry keeps the login as text, and the database sets its ids to NULL.
    record_audit(
        session,
        actor=user,
        action="account.delete",
        now=now,
        summary=f"{user.login} deleted their own account",
        target_user=user,
        details={"role": user.role},
    )
    session.delete(user)
    session.flush()


# --- administration ---------------------------------------------------------------------------------------


def _keep_an_admin(session: Session, user: User, action: str) -> None:
    if user.role == Role.ADMIN and user.is_active:
        admins = session.scalar(select(func.count()).select_from(account_queries.active_admins().subquery()))
        if admins <= 1:
            raise LastAdministrator(
                f"You cannot {action} the last active administrator; make another administrator first."
            )


def set_role(session: Session, user: User, role: str, acting: User | None = None, *, now: dt.datetime) -> None:
    """Give ``user`` another role at ``now``; ``acting`` is the administrator (None from the command line).
    Admins cannot change their own role, and one active admin always remains."""
    if role not in ROLES:
        raise InvalidAccountDetails(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.", "role")
    if role == user.role:
        return
    if acting is not None and acting.id == user.id:
        raise OwnAccount("You cannot change your own role; ask another administrator.", "role")
    if role != Role.ADMIN:
        _keep_an_admin(session, user, "change the role of")
    old = user.role
    user.role = str(role)
    session.flush()
    record_audit(
        session,
        actor=acting,
        action="role.change",
        now=now,
        summary=f"{user.login}: {old} → {user.role}",
        target_user=user,
        details={"from": old, "to": user.role},
    )


def disable_user(session: Session, user: User, now: dt.datetime, acting: User | None = None) -> None:
    """Stop ``user`` from logging in and end their sessions now."""
    if acting is not None and acting.id == user.id:
        raise OwnAccount("You cannot disable your own account.")
    if user.disabled_at is not None:
        return
    _keep_an_admin(session, user, "disable")
    user.disabled_at = now
    user.session_token = new_session_token()
    session.flush()
    record_audit(session, actor=acting, action="account.disable", now=now, summary=user.login, target_user=user)


def enable_user(session: Session, user: User, now: dt.datetime, acting: User | None = None) -> None:
    """Let a disabled ``user`` log in again."""
    if user.disabled_at is None:
        return
    user.disabled_at = None
    session.flush()
    record_audit(session, actor=acting, action="account.enable", now=now, summary=user.login, target_user=user)


def admin_set_password(
    session: Session, user: User, password: str, acting: User | None = None, *, passwords: Passwords, now: dt.datetime
) -> None:
    """Set a new password for someone who forgot theirs (``acting`` is the administrator, None from the
    command line); their sessions end."""
    set_password(session, user, password, passwords=passwords, now=now)
    record_audit(session, actor=acting, action="password.set", now=now, summary=user.login, target_user=user)
