"""Server-rendered mobile pages for people without the app: a ticket behind a link
(``/t/<token>``), the lookup by number and phone tail (``/progress``), and the app-link files.

Plain HTML from Jinja2 templates with autoescaping, inline CSS, no scripts and no external
assets: small and fast on a phone. The link token is in the URL, so pages are never cached and
send no Referer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.auth import LinkConfigDep
from api.deps import SettingsDep, client_ip, now
from api.mobile_schemas import Satisfaction
from channels import app_links
from intake.catalogue import current_language, speaking, text
from intake.errors import HotlineError, NotFound, TicketNotFound
from intake.operations import SATISFACTION_LEVELS, format_due
from intake.workdays import SHANGHAI

router = APIRouter(tags=["mobile: pages"], include_in_schema=True)

_env = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parents[1] / "templates"),
    autoescape=select_autoescape(("html",), default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals["t"] = text
_env.filters["local_time"] = lambda moment: moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
_env.filters["due_date"] = format_due

_HEADERS = {
    # The token is a secret in the URL: no Referer to other sites, no caches, no search engines.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}
_NOTICES = {"thanks": "mobile_page.evaluate_thanks"}
_FAILURES = {
    "not_evaluable": "mobile_error.not_evaluable",
    "illegal_transition": "error.illegal_transition",
    "rate_limited": "error.rate_limited",
}
_DONE = frozenset({"closed", "surveyed", "evaluated", "answered_instantly"})


def _render(template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("done_statuses", _DONE)
    context.setdefault("language", current_language())
    html = _env.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers=_HEADERS)


def _invalid_link() -> HTMLResponse:
    return _render("error.html", status=404, message=text("mobile_error.link_invalid"))


@router.get("/t/{token}", response_class=HTMLResponse, summary="A ticket behind a link")
async def ticket_page(token: str, notice: str = "", error: str = "") -> HTMLResponse:
    page = await app_links.page_for_token(token=token, now=now())
    if page is None:
        return _invalid_link()
    with speaking(page.language):
        message = text(_NOTICES[notice]) if notice in _NOTICES else ""
        # Error codes come back through the redirect: the text is ours, never the query's.
        failure = text(_FAILURES.get(error, "error.generic")) if error else ""
        return _render(
            "ticket.html",
            page=page,
            notice=failure or message,
            notice_error=bool(failure),
            evaluate_action=f"/t/{token}/evaluation",
            levels=SATISFACTION_LEVELS,
        )


@router.post(
    "/t/{token}/evaluation", response_model=None, summary="The evaluation form of a closed ticket"
)
async def evaluate(
    token: str,
    satisfaction: Annotated[Satisfaction, Form()],
    comment: Annotated[str, Form(max_length=500)] = "",
) -> HTMLResponse | RedirectResponse:
    try:
        valid = await app_links.evaluate_by_link(
            token=token, satisfaction=satisfaction, comment=comment, now=now()
        )
    except HotlineError as exc:
        return RedirectResponse(f"/t/{token}?error={exc.code}", status_code=303)
    if not valid:
        return _invalid_link()
    # Post/redirect/get: reloading the page does not submit the form again.
    return RedirectResponse(f"/t/{token}?notice=thanks", status_code=303)


@router.get("/progress", response_class=HTMLResponse, summary="Progress lookup page")
async def lookup_form(number: str = "") -> HTMLResponse:
    return _render("lookup.html", number=number[:32], error="")


@router.post("/progress", response_class=HTMLResponse, summary="Progress lookup result")
async def lookup(
    request: Request,
    settings: SettingsDep,
    number: Annotated[str, Form(max_length=64)],
    phone_tail: Annotated[str, Form(max_length=16)],
) -> HTMLResponse:
    try:
        page = await app_links.page_for_lookup(
            number=number,
            phone_tail=phone_tail,
            client_ip=client_ip(request),
            per_minute=settings.progress_lookups_per_minute,
            now=now(),
        )
    except HotlineError as exc:
        # Not found here may also be a mistyped phone tail: say so.
        message = text("progress.not_found") if isinstance(exc, TicketNotFound) else exc.message
        return _render("lookup.html", status=exc.status_code, number=number[:32], error=message)
    return _render("ticket.html", page=page, lookup_again=True, levels=())


def _well_known(document: object) -> JSONResponse:
    if document is None:
        raise NotFound("app links are not configured")
    return JSONResponse(document, headers={"Cache-Control": "public, max-age=3600"})


@router.get("/.well-known/apple-app-site-association", include_in_schema=False)
async def apple_app_site_association(config: LinkConfigDep) -> JSONResponse:
    return _well_known(app_links.apple_app_site_association(config))


@router.get("/.well-known/assetlinks.json", include_in_schema=False)
async def assetlinks(config: LinkConfigDep) -> JSONResponse:
    return _well_known(app_links.assetlinks(config))
