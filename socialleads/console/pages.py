"""The console's pages: who may open which, and the shells the scripts in ``static/`` fill in.

A page is opened by a signed-in person whose role holds the page's permission (the same one the API
checks for what the page shows): no session is a redirect to ``/login`` that comes back after
sign-in, the wrong role a 403 page that says which role it takes. The shell carries the session's
CSRF token for the scripts (a ``<meta>``; the cookie itself is HttpOnly), and ids only: lead data
never travels in a URL or a template, it is fetched from ``/api/v1`` and written into the page as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from socialleads import __version__
from socialleads.accounts.roles import Permission
from socialleads.api.auth import Principal, authenticate
from socialleads.api.problems import ApiProblem
from socialleads.console.security import STATIC_PREFIX, install_security_headers

HERE = Path(__file__).parent
TEMPLATES = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
#: A lead's public key as the API names it (``store.leads.public_key``).
LEAD_KEY = re.compile(r"^sl1-[0-9a-f]{32}$")


@dataclass(frozen=True)
class Page:
    """One page of the console: its path, its title in the menu, the permission it needs, its script."""

    path: str
    title: str
    permission: Permission
    script: str
    in_menu: bool = True


INBOX = Page("/inbox", "Inbox", Permission.LEADS_READ, "inbox.js")
LEAD = Page("/leads/{key}", "Lead", Permission.LEADS_READ, "lead.js", in_menu=False)
CAMPAIGNS = Page("/campaigns", "Campaigns", Permission.CAMPAIGNS_READ, "campaigns.js")
DASHBOARD = Page("/dashboard", "Dashboard", Permission.STATS_READ, "dashboard.js")
SOURCES = Page("/sources", "Sources and sinks", Permission.SOURCES_READ, "sources.js")
DELIVERIES = Page("/deliveries", "Deliveries", Permission.DELIVERIES_READ, "deliveries.js")
USERS = Page("/admin/users", "People", Permission.USERS_MANAGE, "users.js")
PAGES = (INBOX, LEAD, CAMPAIGNS, DASHBOARD, SOURCES, DELIVERIES, USERS)
"""Every page, in menu order."""

router = APIRouter(include_in_schema=False)


def _safe_next(raw: str | None) -> str:
    """Where to go after sign-in: a path of ours only (never another site, ``//host`` included)."""
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return INBOX.path


def _render(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = TEMPLATES.get_template(name).render(version=__version__, static=STATIC_PREFIX, **context)
    return HTMLResponse(html, status_code=status_code)


def _principal(request: Request) -> Principal | None:
    """The signed-in person of a page request: a session cookie only (pages are for browsers)."""
    try:
        principal = authenticate(request)
    except ApiProblem:  # a stale bearer header on a page request: treat as not signed in
        return None
    return principal if principal is not None and principal.via == "session" else None


def _shell(request: Request, page: Page, **data: str) -> Response:
    """The page for the caller, or the way to it: sign in first, or a 403 that names the role."""
    principal = _principal(request)
    if principal is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    menu = [p for p in PAGES if p.in_menu and principal.may(p.permission)]
    context: dict[str, Any] = {"me": principal.user, "role": principal.role.value, "menu": menu, "page": page}
    if not principal.may(page.permission):
        return _render("forbidden.html", status_code=403, **context, needs=page.permission.value)
    return _render("page.html", csrf_token=principal.csrf_token or "", data=data, **context)


@router.get("/")
def home() -> RedirectResponse:
    """The inbox is everyone's home."""
    return RedirectResponse(INBOX.path, status_code=303)


@router.get("/login")
def login(request: Request, next: str | None = None) -> Response:
    """The sign-in form; a person already signed in goes on to ``next``."""
    target = _safe_next(next)
    if _principal(request) is not None:
        return RedirectResponse(target, status_code=303)
    return _render("login.html", next=target)


@router.get(LEAD.path)
def lead(request: Request, key: str) -> Response:
    """One lead in full, with its status buttons and notes."""
    if not LEAD_KEY.match(key):
        return _render("not_found.html", status_code=404, what="lead")
    return _shell(request, LEAD, lead=key)


def _plain_page(page: Page) -> Callable[[Request], Response]:
    """The route of a page that takes nothing from its path: its shell for the caller."""

    def show(request: Request) -> Response:
        return _shell(request, page)

    show.__name__ = page.script.removesuffix(".js")
    return show


for _page in PAGES:  # every page but the lead's (its key is checked first) is its shell and nothing else
    if _page is not LEAD:
        router.add_api_route(_page.path, _plain_page(_page), methods=["GET"])


def install_console(app: FastAPI) -> None:
    """Serve the console's pages at ``/`` and its assets at ``/static`` on ``app``."""
    install_security_headers(app)
    app.include_router(router)
    app.mount(STATIC_PREFIX.rstrip("/"), StaticFiles(directory=HERE / "static"), name="static")
