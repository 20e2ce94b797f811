"""gunicorn's settings for quizapp, read from this folder (``gunicorn wsgi:app`` finds it by itself).

Which ``X-Forwarded-*`` headers to believe is the app's decision alone (``QUIZAPP_PROXY_FIX_*``, applied
by Werkzeug's ProxyFix): gunicorn believes none of them itself. Its default trusts ``X-Forwarded-Proto``
from 127.0.0.1, so a local client could make a plain-HTTP request look like HTTPS even where the app was
told to trust no proxy.
"""

forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}
# Finish the requests in flight on SIGTERM before a worker exits.
graceful_timeout = 30
