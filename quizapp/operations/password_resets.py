"""Password-reset links: made by an administrator for any account, or asked for by email; used once.

A link carries a random token; only its SHA-256 digest is stored. It is valid for
:data:`~quizapp.domain.accounts.RESET_LINK_LIFETIME` and works once: using it sets the new password, ends
every session of the account, and deletes every other link of that account. An expired, used or unknown
token gets one and the same refusal. Asking for a link by email looks the same whether or not an account
has the address: a token is made either way, and both count against the same throttling limits.

Functions add and flush but never commit. Every link made or used, and every emailed request, is recorded
in the audit log.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..domain.accounts import (
    RESET_LINK_LIFETIME,
    RESET_TOKEN_MAX,
    InvalidLogin,
    Passwords,
    ThrottlePolicy,
    new_reset_token,
    parse_login,
    reset_token_digest,
)
from ..domain.audit import VISITOR
from ..domain.refusals import NotFound, Refused
from ..models import PasswordResetLink, User
from ..queries import accounts as account_queries
from .accounts import InvalidAccountDetails, Throttled, set_password
from .audit import record_audit
from .limits import DATABASE_COUNTERS, Limit, LimitReached, digest

INVALID_LINK = (
    "This password-reset link does not work: it may have expired (links last one hour), been used already, or "
    "been copied incompletely. Ask for a new one."
)


class InvalidResetLink(NotFound):
    """Expired, used, unknown or for a disabled account: one refusal for all, so a token reveals nothing."""

    def __init__(self) -> None:
        super().__init__(INVALID_LINK)


class ResetsThrottled(Throttled):
    def __init__(self, retry_after: int):
        Refused.__init__(
            self,
            "Too many password-reset emails have been asked for this address or from your network. Wait about "
            f"{_minutes(retry_after)} before asking again, and check your spam folder for the emails already sent.",
            "email",
        )
        self.retry_after = retry_after


def _minutes(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@dataclass(frozen=True)
class ResetRequest:
    """What asking for a link by email gave: the account and its new link's token, or neither."""

    user: User | None
    token: str | None
    expires_at: dt.datetime


def _add_link(session: Session, user: User, token: str, source: str, now: dt.datetime) -> dt.datetime:
    session.execute(delete(PasswordResetLink).where(PasswordResetLink.expires_at <= now))
    expires_at = now + RESET_LINK_LIFETIME
    session.add(
        PasswordResetLink(
            user_id=user.id,
            token_digest=reset_token_digest(token),
            source=source,
            created_at=now,
            expires_at=expires_at,
        )
    )
    session.flush()
    return expires_at


class AccountDisabled(Refused):
    """A reset link was asked for a disabled account: it could not be used to log in."""

    status = 403


def make_reset_link(session: Session, user: User, *, acting: User | None, now: dt.datetime) -> tuple[str, dt.datetime]:
    """An administrator's one-time link for ``user``: return its token (to show once) and when it expires."""
    if not user.is_active:
        raise AccountDisabled(
            "This account is disabled, so a reset link could not be used to log in. Enable it first.", None
        )
    token = new_reset_token()
    expires_at = _add_link(session, user, token, "admin", now)
    record_audit(
        session,
        actor=acting,
        action="password.reset_link",
        now=now,
        summary=user.login,
        target_user=user,
        details={"expires_at": expires_at.strftime("%Y-%m-%d %H:%M:%S UTC")},
    )
    return token, expires_at


def request_reset_by_email(
    session: Session, email: str, address: str | None, *, policy: ThrottlePolicy, now: dt.datetime
) -> ResetRequest:
    """Someone asks for a link for the account with ``email``, from client ``address``.

    Throttled per account (or per address typed, when no account has it) and per client address; every
    request counts. The returned :class:`ResetRequest` names the account only when an enabled one has this
    address; the caller must answer the same either way.
    """
    try:
        name = parse_login(email)
    except InvalidLogin as exc:
        raise InvalidAccountDetails(str(exc), "email") from None
    if name.kind != "email":
        raise InvalidAccountDetails("Enter the email address of your account, like name@example.org.", "email")
    user = session.scalars(account_queries.user_by_login(name.value)).first()
    account = f"user:{user.id}" if user is not None else f"name:{name.value}"
    limits = (Limit("reset:account", digest("reset:account", account), policy.per_account, policy.window),)
    if address:
        limits += (Limit("reset:address", digest("reset:address", address), policy.per_address, policy.window),)
    try:  # counted in the database whatever store the logins use: requests are few and every one counts
        hold = DATABASE_COUNTERS.take(session, limits, now)
    except LimitReached as exc:
        raise ResetsThrottled(max(1, math.ceil(exc.retry_after.total_seconds()))) from None
    DATABASE_COUNTERS.keep(session, hold)  # here every request counts, not only failures
    token = new_reset_token()  # made whether or not it is sent, so both answers take as long
    found = user is not None and user.is_active
    expires_at = _add_link(session, user, token, "email", now) if found else now + RESET_LINK_LIFETIME
    record_audit(
        session,
        actor=VISITOR,
        action="password.reset_request",
        now=now,
        summary=name.value,
        target_user=user,
        details={"account": "found" if found else ("disabled" if user is not None else "none"), "client": address},
    )
    return ResetRequest(user if found else None, token if found else None, expires_at)


def reset_link_user(session: Session, token: str, now: dt.datetime) -> User:
    """The enabled account a valid, unexpired link is for; otherwise :class:`InvalidResetLink`."""
    return _valid_link(session, token, now)[1]


def _valid_link(session: Session, token: str, now: dt.datetime) -> tuple[PasswordResetLink, User]:
    if not token or len(token) > RESET_TOKEN_MAX:
        raise InvalidResetLink()
    found = session.execute(account_queries.reset_link(reset_token_digest(token))).first()
    if found is None:
        raise InvalidResetLink()
    link, user = found
    if link.expires_at <= now or not user.is_active:
        raise InvalidResetLink()
    return link, user


def reset_password_with_link(
    session: Session, token: str, password: str, address: str | None, *, passwords: Passwords, now: dt.datetime
) -> User:
    """Use a link: set ``password`` (policy checked), end every session of the account, delete its links."""
    link, user = _valid_link(session, token, now)
    # Deleting this link first, and counting the rows deleted, lets only one of two simultaneous uses through.
    if session.execute(delete(PasswordResetLink).where(PasswordResetLink.id == link.id)).rowcount != 1:
        raise InvalidResetLink()
    set_password(session, user, password, passwords=passwords, now=now)
    session.execute(delete(PasswordResetLink).where(PasswordResetLink.user_id == user.id))
    record_audit(
        session,
        actor=VISITOR,
        action="password.reset",
        now=now,
        summary=user.login,
        target_user=user,
        details={"link_from": link.source, "client": address},
    )
    return user
