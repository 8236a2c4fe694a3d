"""The agents' portal of `kb serve`: the internal site under ``/internal/``, behind a login.

Anyone without an agent login who asks for any ``/internal/`` path, existing or not, is sent to
the login page, so nothing there reveals which internal pages exist. A login (an agent token, or
the agent password with a name) sets a signed session cookie: HttpOnly, SameSite=Strict, Secure on
HTTPS, for the whole host so the API sees it too. Changes made with it need its CSRF token.
Failed logins are counted per client address; too many in a window get 429.
"""

from __future__ import annotations

import hmac
import html
import time
from collections import defaultdict, deque
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Flask, Response, abort, current_app, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from generator.build import INTERNAL_PREFIX
from generator.i18n import text
from generator.pagekit import SITE_LANG
from generator.static import site_response
from kbcore.config import Settings
from kbcore.sessions import AGENT_COOKIE, MAX_NAME, Agent, AgentAuth
from kbcore.web import ApiError, agent_auth_of, current_agent

__all__ = ["init_agent_portal"]

PREFIX = "/" + INTERNAL_PREFIX
MAX_FAILURES = 10
FAILURE_WINDOW_S = 900
_PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)

bp = Blueprint("kb_agent_portal", __name__)


class _Failures:
    """Failed logins per client address in a sliding window (per process)."""

    def __init__(self) -> None:
        self._seen: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, address: str) -> deque[float]:
        seen, cutoff = self._seen[address], time.monotonic() - FAILURE_WINDOW_S
        while seen and seen[0] < cutoff:
            seen.popleft()
        return seen

    def blocked_for(self, address: str) -> int:
        """Seconds until ``address`` may try again (0: now)."""
        seen = self._recent(address)
        if len(seen) < MAX_FAILURES:
            return 0
        return int(seen[0] + FAILURE_WINDOW_S - time.monotonic()) + 1

    def add(self, address: str) -> None:
        self._recent(address).append(time.monotonic())

    def clear(self, address: str) -> None:
        self._seen.pop(address, None)


def _both(key: str, **values: object) -> str:
    """The portal's words in the site's language, then in English."""
    first, english = text(key, SITE_LANG, **values), text(key, "en", **values)
    return first if first == english else f"{first} · {english}"


def _page(body: str, status: int) -> Response:
    title = html.escape(_both("agent.portal"))
    document = f"""<!doctype html>
<html lang="zh-Hans"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title>
<style>
body{{font:16px/1.6 system-ui,"Noto Sans CJK SC",sans-serif;margin:0;background:#f5f7f7;color:#222}}
main{{max-width:26rem;margin:3rem auto;padding:1.5rem;background:#fff;border-radius:.5rem;
box-shadow:0 1px 4px #0002}}
h1{{font-size:1.4rem;margin-top:0;color:#00796b}}label{{display:block;margin-top:1rem}}
input{{box-sizing:border-box;width:100%;padding:.5rem;font:inherit;border:1px solid #999;
border-radius:.25rem}}button{{margin-top:1.25rem;padding:.55rem 1.2rem;font:inherit;
background:#00796b;color:#fff;border:0;border-radius:.25rem;cursor:pointer}}
.error{{color:#b00020;font-weight:600}}.hint{{color:#555;font-size:.9rem}}
</style></head>
<body><main><h1>{title}</h1>
{body}
</main></body></html>
"""
    response = Response(document, status, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = _PAGE_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def _login_page(next_path: str, *, error: str = "", status: int = 200) -> Response:
    auth: AgentAuth = current_app.extensions["kb_agent_auth"]
    if not auth.configured:
        return _page(f'<p class="error">{html.escape(_both("login.unconfigured"))}</p>', 503)
    message = f'<p class="error" role="alert">{html.escape(error)}</p>\n' if error else ""
    return _page(
        f"""{message}<form method="post" action="{PREFIX}login">
<input type="hidden" name="next" value="{html.escape(next_path, quote=True)}">
<label for="name">{html.escape(_both("login.name"))}</label>
<input id="name" name="name" maxlength="{MAX_NAME}" autocomplete="username">
<label for="secret">{html.escape(_both("login.secret"))}</label>
<input id="secret" name="secret" type="password" required autocomplete="current-password">
<p class="hint">{html.escape(_both("login.hint"))}</p>
<button type="submit">{html.escape(_both("login.submit"))}</button>
</form>""",
        status,
    )


def _safe_next(value: str | None) -> str:
    """Where to go after logging in: a path of the agents' site, never another host."""
    if not value or not value.startswith(PREFIX) or "\\" in value:
        return PREFIX
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith(PREFIX):
        return PREFIX
    return value


def _same_origin() -> bool:
    """Whether a form post comes from this host's pages (or from no page: curl, tests)."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.host


def _agent_or_none() -> Agent | None:
    try:
        return current_agent(required=False)
    except ApiError:  # a wrong bearer token: no agent, and no hint why
        return None


@bp.get(PREFIX + "login")
def login_form() -> BaseResponse:
    """Show the login form (or go straight in when already logged in)."""
    next_path = _safe_next(request.args.get("next"))
    if _agent_or_none() is not None:
        return redirect(next_path, 303)
    return _login_page(next_path)


@bp.post(PREFIX + "login")
def login() -> BaseResponse:
    """Check the login; on success set the session cookie and go on."""
    if not _same_origin():
        abort(403)
    failures: _Failures = current_app.extensions["kb_login_failures"]
    address = request.remote_addr or "unknown"
    next_path = _safe_next(request.form.get("next"))
    wait = failures.blocked_for(address)
    if wait:
        response: BaseResponse = _login_page(
            next_path, error=_both("login.throttled", n=(wait + 59) // 60), status=429
        )
        response.headers["Retry-After"] = str(wait)
        return response
    auth: AgentAuth = current_app.extensions["kb_agent_auth"]
    done = auth.login(request.form.get("name", ""), request.form.get("secret", ""))
    if done is None:
        failures.add(address)
        return _login_page(next_path, error=_both("login.failed"), status=401)
    failures.clear(address)
    _, cookie = done
    response = redirect(next_path, 303)
    response.set_cookie(
        AGENT_COOKIE,
        cookie,
        max_age=auth.max_age_s,
        path="/",
        secure=request.is_secure,
        httponly=True,
        samesite="Strict",
    )
    return response


@bp.post(PREFIX + "logout")
def logout() -> BaseResponse:
    """End the session (the form sends the session's CSRF token)."""
    auth: AgentAuth = current_app.extensions["kb_agent_auth"]
    cookie = request.cookies.get(AGENT_COOKIE)
    agent = auth.session(cookie) if cookie else None
    given = request.form.get("csrf_token", "")
    if agent is not None and not hmac.compare_digest(given.encode(), (agent.csrf or "").encode()):
        abort(403)
    response = redirect(PREFIX + "login", 303)
    response.delete_cookie(AGENT_COOKIE, path="/", secure=request.is_secure, httponly=True)
    return response


def init_agent_portal(app: Flask, settings: Settings) -> None:
    """Mount the login and the internal site at ``/internal/`` on the portal ``app``."""
    agent_auth_of(app, settings)
    app.extensions["kb_login_failures"] = _Failures()
    site_dir = settings.internal_site_dir.resolve()

    @app.get(PREFIX, defaults={"path": ""})
    @app.get(PREFIX + "<path:path>")
    def internal_site(path: str) -> BaseResponse:
        """Serve the agents' site to agents; send everyone else to the login."""
        if _agent_or_none() is None:
            wanted = request.full_path.rstrip("?")
            response = redirect(PREFIX + "login?" + urlencode({"next": wanted}), 303)
            response.headers["Cache-Control"] = "no-store"
            return response
        if not (site_dir / "index.html").is_file():
            return _page(f'<p class="error">{html.escape(_both("login.not_built"))}</p>', 503)
        response = site_response(site_dir, path, PREFIX)
        response.headers["Cache-Control"] = "private, no-cache"
        response.headers["X-Robots-Tag"] = "noindex"
        return response

    app.register_blueprint(bp)
