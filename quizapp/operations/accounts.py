"""Accounts, logins and login throttling.

Functions add and flush but never commit; the caller commits once. When one of them raises
:class:`Refused` after recording a failed password check, the caller commits too, so the failure counts.

Throttling: every failed password check counts for the account (or the name typed, if no account has it)
from this address, for the account from everywhere, and for the client address. Before checking a
password a slot is taken on each of these limits (:mod:`quizapp.operations.limits`); when one is full the
attempt is refused without checking anything. A wrong password keeps the slots; a right one gives them
back and forgives the account. The stores take slots atomically (the database under a lock held to the end
of the request's transaction, Redis in one script), so concurrent attempts in several worker processes or
hosts cannot slip past a limit together.
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import func, select
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
from ..models import User, new_session_token
from ..queries import accounts as account_queries
from .audit import record_audit
from .limits import DATABASE_COUNTERS, REGISTRATION, SITE, Counters, Hold, Limit, LimitReached, digest

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


def _login_limits(
    user: User | None, name: str, address: str | None, policy: ThrottlePolicy, known_device: bool = False
) -> tuple[Limit, ...]:
    """The limits of one password check: the account from this address, the account from everywhere (left
    out for a browser the account logged in from), and the address."""
    # A known account is counted by id, so its email and username share one budget; an unknown name is
    # counted like an account, so throttling says nothing about which names exist.
    account = f"user:{user.id}" if user is not None else f"name:{name}"
    limits = (Limit("pair", digest("pair", f"{account}|{address}"), policy.per_account, policy.window),)
    if not known_device:
        limits += (Limit("account", digest("account", account), policy.per_account_everywhere, policy.window),)
    return limits + _address_limits(address, policy)


def _address_limits(address: str | None, policy: ThrottlePolicy) -> tuple[Limit, ...]:
    return (Limit("address", digest("address", address), policy.per_address, policy.window),) if address else ()


def _take_check(session: Session, counters: Counters, limits: tuple[Limit, ...], now: dt.datetime) -> Hold:
    try:
        return counters.take(session, limits, now)
    except LimitReached as full:
        raise Throttled(math.ceil(full.retry_after.total_seconds())) from None


def _forgive_account(session: Session, counters: Counters, user: User, address: str | None) -> None:
    """Forget the account's failures, from everywhere and from this address (not the address's own count)."""
    account = f"user:{user.id}"
    counters.forget(
        session, (("pair", digest("pair", f"{account}|{address}")), ("account", digest("account", account)))
    )


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
    counters: Counters,
    known_device: bool = False,
) -> Hold:
    """Take a slot on every limit, then check ``password`` (against a dummy hash when there is no user); a
    wrong password keeps the slots (a failure). The caller keeps or releases them when it succeeds."""
    hold = _take_check(session, counters, _login_limits(user, name, address, policy, known_device), now)
    try:
        right = passwords.verify(user.password_hash if user is not None else None, password)
    except BaseException:
        counters.release(session, hold)
        raise
    if not right:
        counters.keep(session, hold)
        raise BadCredentials()
    return hold


class TooManyRegistrations(Refused):
    status = 429

    def __init__(self, retry_after: int, everywhere: bool):
        minutes = max(1, math.ceil(retry_after / 60))
        where = "on this site" if everywhere else "from your network"
        super().__init__(
            f"Too many new accounts have been made {where} in the last while. Please try again in about "
            f"{minutes} minute{'s' if minutes != 1 else ''}; if you already have an account, log in instead."
        )
        self.retry_after = retry_after


def _take_registration(
    session: Session, counters: Counters, address: str | None, policy: ThrottlePolicy, now: dt.datetime
) -> Hold:
    """A slot for one more account, from the address's and the site's allowance, or a refusal."""
    window = policy.registration_window
    limits = (
        Limit(REGISTRATION, digest("registration", address or ""), policy.registrations_per_address, window),
        Limit(SITE, "all", policy.registrations_total, window),
    )
    try:
        return counters.take(session, limits, now)
    except LimitReached as full:
        retry = math.ceil(full.retry_after.total_seconds())
        raise TooManyRegistrations(max(1, retry), full.limit.scope == SITE) from None


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
    device_of: int | None = None,
    counters: Counters = DATABASE_COUNTERS,
) -> User:
    """Check a login and password at ``now``; return the user. Unknown names and wrong passwords look the
    same. ``passwords`` and ``policy`` are the app's hasher and throttling policy, ``counters`` where the
    failures are counted; ``device_of`` is the id of the account the browser's known-device cookie names,
    if it has a valid one."""
    name = parse_login_or_none(login)
    user = session.scalars(account_queries.user_by_login(name)).first() if name else None
    known = user is not None and device_of == user.id
    guard = {"passwords": passwords, "policy": policy, "now": now, "counters": counters, "known_device": known}
    hold = _check_password(session, user, name or normalize_login(login), password, address, **guard)
    if user is None:  # pragma: no cover - a missing user never passes the password check
        raise BadCredentials()
    if not user.is_active:
        # Answered and counted as a wrong password: the right password for a disabled account must not
        # tell anyone that they guessed it.
        counters.keep(session, hold)
        raise BadCredentials()
    counters.release(session, hold)
    _forgive_account(session, counters, user, address)
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
    counters: Counters = DATABASE_COUNTERS,
) -> User:
    """Create a learner account from the registration form. New accounts are limited per client address and
    for the whole site (each costs a password hash); a taken name also counts as a failed attempt for the
    client address, so registration cannot be used to test many names quickly."""
    check = _take_check(session, counters, _address_limits(address, policy), now)
    try:
        registration = _take_registration(session, counters, address, policy, now)
    except BaseException:
        counters.release(session, check)
        raise
    try:
        user = create_user(session, login, password, passwords=passwords, now=now)
    except NameTaken:  # the password was hashed all the same: an account's worth, and a failed check
        counters.keep(session, registration)
        counters.keep(session, check)
        raise
    except BaseException:  # nothing was made (a weak password, say): nothing counts
        counters.release(session, registration)
        counters.release(session, check)
        raise
    counters.keep(session, registration)
    counters.release(session, check)
    return user


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
    counters: Counters = DATABASE_COUNTERS,
) -> None:
    """Change ``user``'s password after checking the current one; end their other sessions."""
    guard = {"passwords": passwords, "policy": policy, "now": now, "counters": counters}
    try:
        counters.release(session, _check_password(session, user, "", current, address, **guard))
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
    counters: Counters = DATABASE_COUNTERS,
) -> None:
    """Delete ``user`` and everything that is theirs, after checking their password."""
    guard = {"passwords": passwords, "policy": policy, "now": now, "counters": counters}
    try:
        counters.release(session, _check_password(session, user, "", password, address, **guard))
    except BadCredentials:
        raise BadCredentials("That password is not right.", "password") from None
    except Throttled as exc:
        exc.field = "password"
        raise
    _keep_an_admin(session, user, "delete the account of")
    # Its failed password checks go too: on SQLite a later account may be given the same id, and must not
    # inherit them.
    _forgive_account(session, counters, user, address)
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
