"""The banks' images, served by their content hash to anyone (bank pages are public too).

A URL names the exact bytes it serves, so browsers and proxies may keep a response for a year without
asking again (``immutable``); anything that is not the hash of a stored image of that type is a 404.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, request

from ..domain.media import MIME_BY_EXT
from ..extensions import db
from ..queries.media import media_file

bp = Blueprint("media", __name__)
NAME_RE = re.compile(r"(?P<sha>[0-9a-f]{64})\.(?P<ext>png|jpg|webp|gif)", re.ASCII)
CACHE_FOREVER = "public, max-age=31536000, immutable"


@bp.get("/media/<name>")
def file(name: str):
    """Send the stored image ``<sha256>.<ext>``."""
    wanted = NAME_RE.fullmatch(name) or abort(404)
    found = media_file(db.session, wanted["sha"])
    if found is None or found.mime != MIME_BY_EXT[wanted["ext"]]:
        abort(404)
    response = Response(found.data, mimetype=found.mime)
    response.headers["Cache-Control"] = CACHE_FOREVER
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.set_etag(wanted["sha"])  # a reload that asks again is answered 304 Not Modified
    return response.make_conditional(request)
