"""The one exception for "the user asked for something we refuse".

Every layer may raise a :class:`Refused` (or a subclass named for what happened); views catch only this
type, and an app-wide error handler renders any refusal a view does not catch as the error page with its
``status`` and ``message``. Nothing here imports Flask or SQLAlchemy, so the domain can raise it too.

The default status is 422 (Unprocessable Content): the request was understood, but what it asks for
cannot be done. Subclasses set a narrower one where it says more: 400 for a malformed submission, 404 for
something that does not exist (or is not the user's, which must look the same), 409 for a change that
lost a race with another, 429 for throttling.
"""

from __future__ import annotations


class Refused(Exception):
    """The user asked for something we refuse. ``message`` is fit to show them; ``field`` names the form
    field it concerns, if one does; ``status`` is the HTTP status of the refusal."""

    status: int = 422

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(Refused):
    """No such thing, or none the user may see: the two look the same."""

    status = 404


class Conflict(Refused):
    """The change came too late: something else changed what it was meant for."""

    status = 409
